"""Op-level time of one float32 training step (the model's own ``train_step`` as a graph,
TensorFlow profiler, 5 steps, batch 256), summed over threads, by op type and by op. Run from
the repository root:

    PYTHONPATH=. python examples/results/profiling-notes/train_ops.py [mnist|cifar10]
"""
import collections, os, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from op_times import print_top, profile_op_times
import numpy as np, tensorflow as tf, keras
from lsa_keras import LSA
batch, steps = int(os.environ.get("BATCH", 256)), 5
model = LSA.from_architecture(sys.argv[1] if len(sys.argv) > 1 else "mnist")
model.compile(optimizer=keras.optimizers.Adam(1e-4), jit_compile=False)
x = np.random.RandomState(0).rand(batch, *model.image_shape).astype("float32")
step = tf.function(lambda b: model.train_step(b))
step(x)
for _ in range(3): step(x)
t = time.perf_counter()
for _ in range(steps): step(x)
print(f"{batch * steps / (time.perf_counter() - t):.1f} samples/s unprofiled")
by_type, by_op = profile_op_times(lambda: step(x), steps)
print(f"total op time {sum(by_type.values()):.1f} ms a step")
print_top(by_type, 30, 40)
print("----")
print_top(by_op, 40, 100)
print("---- by scope (forward / gradient / optimizer) and sublayer")
by_scope = collections.Counter()
for name, v in by_op.items():
    if ":" not in name or name.startswith(("ExecutorState", "EagerLocal", "KernelAndDevice")):
        continue
    parts = name.split(":")[0].split("/")
    grad = parts[0] == "gradient_tape"
    parts = parts[1:] if grad else parts
    key = ("grad " if grad else "fwd  ") + "/".join(parts[:3] if parts[0].startswith("lsa") else parts[:1])
    by_scope[key] += v
for k, v in by_scope.most_common(40): print(f"{k[:80]:80s} {v:8.2f} ms")
