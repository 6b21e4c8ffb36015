"""Op-level time of the float32 scorer graph (TensorFlow profiler, 5 calls, batch 256),
summed over threads, by op type and by op. Run from the repository root:

    PYTHONPATH=. python examples/results/profiling-notes/scorer_ops.py [mnist|cifar10]
"""
import os, sys, numpy as np, tensorflow as tf
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from op_times import print_top, profile_op_times
from lsa_keras import LSA
from lsa_keras.losses import per_sample_losses
batch = 256
model = LSA.from_architecture(sys.argv[1] if len(sys.argv) > 1 else "mnist")
shape = model.image_shape
x = np.random.RandomState(0).rand(batch, *shape).astype("float32")
f = tf.function(lambda b: per_sample_losses(b, model(b, training=False)))
f(x)
for _ in range(3): f(x)
by_type, by_op = profile_op_times(lambda: f(x), 5)
print_top(by_type, 25, 40)
print("----")
print_top(by_op, 40, 90)
