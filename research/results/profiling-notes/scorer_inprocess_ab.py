"""Scorer variants in one process, batch by batch alternated, so that they share the machine's
state (separate processes on this project's shared CPU differ by +-15% run to run). Variants:
the down blocks' shortcut subsampled by a strided slice or by ``blocks.subsample``'s reshape;
the up blocks' batch-norm shift and LeakyReLU applied after the sub-pixel interleave or fused
before it (``folding._ELEMENTWISE``). Random weights (seed 0), 256 random images, 40 rounds.

    python examples/results/profiling-notes/scorer_inprocess_ab.py [mnist|cifar10] [rounds]
"""
import sys, time, numpy as np, keras, tensorflow as tf
from lsa_keras import LSA, scoring
from lsa_keras.layers import blocks, folding

arch = sys.argv[1] if len(sys.argv) > 1 else "mnist"
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 40
# The fused variant's code (folding._ELEMENTWISE) was removed after this measurement (see
# README); without it the script compares the subsampling variants only.
real_subsample, real_elementwise = blocks.subsample, getattr(folding, "_ELEMENTWISE", None)


def strided(inputs, strides):
    return inputs[(slice(None), *(slice(None, None, s) for s in strides), slice(None))]


variants = {"strided, shift after interleave": (strided, ()),
            "reshape, shift after interleave": (real_subsample, ())}
if real_elementwise is not None:
    variants["reshape, shift fused before"] = (real_subsample, real_elementwise)
x = np.random.RandomState(0).rand(256, *LSA.from_architecture(arch).image_shape).astype("float32")
fs, ref = {}, None
for name, (sub, elementwise) in variants.items():
    blocks.subsample = sub
    if real_elementwise is not None:
        folding._ELEMENTWISE = elementwise
    keras.utils.set_random_seed(0)
    m = LSA.from_architecture(arch)
    s = scoring.scorer(m); scoring.refresh(m)
    fs[name] = tf.function(lambda b, s=s: s(b, training=False))
    out = fs[name](x)["llk"].numpy()  # traced now, with this variant's functions
    ref = out if ref is None else ref
    np.testing.assert_allclose(out, ref, rtol=1e-4)
blocks.subsample = real_subsample
if real_elementwise is not None:
    folding._ELEMENTWISE = real_elementwise
ts = {n: [] for n in fs}
for _ in range(rounds):
    for n, f in fs.items():
        t = time.perf_counter(); f(x)["llk"].numpy(); ts[n].append(time.perf_counter() - t)
for n, v in ts.items():
    print(f"{arch} {n}: median {1e3 * np.median(v):.1f} ms a batch "
          f"(quartiles {1e3 * np.percentile(v, 25):.1f}-{1e3 * np.percentile(v, 75):.1f})")
