"""Op-level time of the scorer that ``lsa_keras.scoring`` really runs (folded batch norm,
precomputed estimator slabs), float32, batch 256, 5 calls of its graph, summed over threads;
plus the wall time of one batch. Run from the repository root:

    PYTHONPATH=. python examples/results/profiling-notes/scorer_graph_ops.py [mnist|cifar10]
"""
import os, sys, time, numpy as np, tensorflow as tf
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from op_times import print_top, profile_op_times
from lsa_keras import LSA
from lsa_keras.scoring import refresh, scorer
batch = 256
model = LSA.from_architecture(sys.argv[1] if len(sys.argv) > 1 else "mnist")
x = tf.constant(np.random.RandomState(0).rand(batch, *model.image_shape).astype("float32"))
net = scorer(model)
refresh(model)
f = tf.function(lambda b: net(b, training=False))
for _ in range(5): f(x)
walls = []
for _ in range(20):
    t = time.perf_counter(); f(x)["llk"].numpy(); walls.append(1e3 * (time.perf_counter() - t))
print(f"wall ms a batch: median {np.median(walls):.1f} (min {min(walls):.1f}, max {max(walls):.1f})")
by_type, by_op = profile_op_times(lambda: f(x)["llk"].numpy(), 5)
print(f"op time summed over threads: {sum(by_type.values()):.1f} ms a call")
print_top(by_type, 25, 40)
print("----")
print_top(by_op, 30, 90)
