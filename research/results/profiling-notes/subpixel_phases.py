"""Up blocks' sub-pixel upsampling as one 3x3 conv to 4x the channels (the package's form)
against four convolutions with each phase's exact taps (3x3, 3x2, 2x3, 2x2), batch 256,
medians of 30 alternated calls reduced to a sum:

    python research/results/profiling-notes/subpixel_phases.py
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from lsa_keras.utils.tensorflow_settings import choose_tensorflow_settings  # noqa: E402

choose_tensorflow_settings()
import time, numpy as np, tensorflow as tf  # noqa: E401,E402
from lsa_keras.layers.folding import subpixel_upsampling  # noqa: E402
def four_phase(x, kernel):  # kernel (5,5,co,ci) transposed-conv layout
    taps = ((4, 2, 0), (3, 1))  # phase 0: offsets -1,0,1 ; phase 1: offsets 0,1
    p = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    outs = []
    for a in (0, 1):
        row = []
        for b in (0, 1):
            k = tf.stack([tf.stack([kernel[i, j] for j in taps[b]]) for i in taps[a]])  # (kh,kw,co,ci)
            k = tf.transpose(k, (0, 1, 3, 2))
            inp = p[:, a:, b:, :]
            row.append(tf.nn.conv2d(inp, k, 1, "VALID"))
        outs.append(tf.stack(row, axis=3))  # (b,h,w,2,co)
    y = tf.stack(outs, axis=2)  # (b,h,2,w,2,co)
    s = tf.shape(y)
    return tf.reshape(y, (s[0], s[1] * 2, s[3] * 2, s[5]))
for h, ci, co in [(7, 64, 32), (14, 32, 16), (4, 256, 128), (8, 128, 64), (16, 64, 32)]:
    x = tf.constant(np.random.rand(256, h, h, ci).astype("float32"))
    k = tf.constant(np.random.rand(5, 5, co, ci).astype("float32"))
    fs = {"subpixel": tf.function(lambda x, k: tf.reduce_sum(subpixel_upsampling(x, k))),
          "four": tf.function(lambda x, k: tf.reduce_sum(four_phase(x, k)))}
    a = tf.function(subpixel_upsampling)(x, k).numpy(); b = tf.function(four_phase)(x, k).numpy()
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-3)
    ts = {n: [] for n in fs}
    for _ in range(30):
        for n, f in fs.items():
            t = time.perf_counter(); f(x, k).numpy(); ts[n].append(time.perf_counter() - t)
    print((h, ci, co), " / ".join("%s %.2f ms" % (n, 1e3 * np.median(v)) for n, v in ts.items()))
