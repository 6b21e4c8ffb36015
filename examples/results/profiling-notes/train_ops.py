"""Op-level time of one float32 training step (the model's own ``train_step`` as a graph,
TensorFlow profiler, 5 steps, batch 256), summed over threads, by op type and by op. Run from
the repository root:

    PYTHONPATH=. python examples/results/profiling-notes/train_ops.py [mnist|cifar10]
"""
import collections, glob, sys, tempfile, time
import numpy as np, tensorflow as tf, keras
from lsa_keras import LSA
batch, steps = 256, 5
model = LSA.from_architecture(sys.argv[1] if len(sys.argv) > 1 else "mnist")
model.compile(optimizer=keras.optimizers.Adam(1e-4), jit_compile=False)
x = np.random.RandomState(0).rand(batch, *model.image_shape).astype("float32")
step = tf.function(lambda b: model.train_step(b))
step(x)
for _ in range(3): step(x)
t = time.perf_counter()
for _ in range(steps): step(x)
print(f"{batch * steps / (time.perf_counter() - t):.1f} samples/s unprofiled")
d = tempfile.mkdtemp()
tf.profiler.experimental.start(d)
for _ in range(steps): step(x)
tf.profiler.experimental.stop()
from tensorflow.tsl.profiler.protobuf import xplane_pb2
xs = xplane_pb2.XSpace(); xs.ParseFromString(open(glob.glob(d + "/**/*.xplane.pb", recursive=True)[0], "rb").read())
by_type, by_op = collections.Counter(), collections.Counter()
for plane in xs.planes:
    md = plane.event_metadata
    for line in plane.lines:
        for ev in line.events:
            name = md[ev.metadata_id].name
            if ":" in name:
                by_type[name.rsplit(":", 1)[1]] += ev.duration_ps / 1e9 / steps
                by_op[name] += ev.duration_ps / 1e9 / steps
print(f"total op time {sum(by_type.values()):.1f} ms a step")
for k, v in by_type.most_common(30): print(f"{k:40s} {v:8.2f} ms")
print("----")
for k, v in by_op.most_common(40): print(f"{k[:100]:100s} {v:8.2f} ms")
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
