"""Op-level time of the float32 scorer graph (TensorFlow profiler, 5 calls, batch 256),
summed over threads, by op type and by op. Run from the repository root:

    PYTHONPATH=. python examples/results/profiling-notes/scorer_ops.py [mnist|cifar10]
"""
import collections, sys, numpy as np, tensorflow as tf
from lsa_keras import LSA
from lsa_keras.losses import per_sample_losses
batch = 256
model = LSA.from_architecture(sys.argv[1] if len(sys.argv) > 1 else "mnist")
shape = model.image_shape
x = np.random.RandomState(0).rand(batch, *shape).astype("float32")
f = tf.function(lambda b: per_sample_losses(b, model(b, training=False)))
f(x)
import tempfile, glob
d = tempfile.mkdtemp()
for _ in range(3): f(x)
tf.profiler.experimental.start(d)
for _ in range(5): f(x)
tf.profiler.experimental.stop()
from tensorflow.tsl.profiler.protobuf import xplane_pb2
p = glob.glob(d + "/**/*.xplane.pb", recursive=True)[0]
xs = xplane_pb2.XSpace(); xs.ParseFromString(open(p, "rb").read())
agg = collections.Counter(); aggname = collections.Counter()
for plane in xs.planes:
    md = plane.event_metadata
    for line in plane.lines:
        for ev in line.events:
            name = md[ev.metadata_id].name
            if ":" in name:
                op, typ = name.rsplit(":", 1)
                agg[typ] += ev.duration_ps / 1e9 / 5
                aggname[name] += ev.duration_ps / 1e9 / 5
for k, v in agg.most_common(25): print(f"{k:40s} {v:8.2f} ms")
print("----")
for k, v in aggname.most_common(40): print(f"{k[:90]:90s} {v:8.2f} ms")
