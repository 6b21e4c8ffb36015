"""MNIST (or CIFAR-10) scorer speed by the masked layers' ``evaluation_groups``: one scorer per
G (random weights, seed 0), 25 rounds of one batch of 256 each, alternated in one process.

    python examples/results/profiling-notes/groups_scorer.py mnist 8 4 16 2 1
"""
import sys, time, numpy as np, keras, tensorflow as tf
from lsa_keras import LSA, scoring
from lsa_keras.layers.autoregressive_layer import AutoregressiveLayer
arch = sys.argv[1]; groups = [int(g) for g in sys.argv[2:]]
x = np.random.RandomState(0).rand(256, *LSA.from_architecture(arch).image_shape).astype("float32")
fs = {}
for g in groups:
    AutoregressiveLayer.evaluation_groups = g
    keras.utils.set_random_seed(0)
    m = LSA.from_architecture(arch)
    s = scoring.scorer(m); scoring.refresh(m)
    fs[g] = tf.function(lambda b, s=s: s(b, training=False))
    fs[g](x)
ref = fs[groups[0]](x)["llk"].numpy()
for g in groups[1:]:
    np.testing.assert_allclose(fs[g](x)["llk"].numpy(), ref, rtol=1e-4)
ts = {g: [] for g in groups}
for _ in range(25):
    for g, f in fs.items():
        t = time.perf_counter(); f(x)["llk"].numpy(); ts[g].append(time.perf_counter() - t)
print(arch, " / ".join("G=%d %.1f ms" % (g, 1e3 * np.median(v)) for g, v in ts.items()))
