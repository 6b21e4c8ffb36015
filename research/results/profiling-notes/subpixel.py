"""The 2D up blocks' 5x5 stride-2 transposed conv + crop against a sub-pixel 3x3 conv and an interleave, batch 256,
at the MNIST (7/14) and CIFAR-10 (4/8/16) decoder shapes: forward alone, then forward and gradients. Run from the
repository root, jobs paused:

    python examples/results/profiling-notes/subpixel.py
"""
import time, statistics, numpy as np, tensorflow as tf
rng = np.random.RandomState(0)
def tconv_crop(x, K):  # K (5,5,out,in)
    b, h, w, c = x.shape
    y = tf.nn.conv2d_transpose(x, K, (b, 2*h+3, 2*w+3, K.shape[2]), 2, "VALID")
    return y[:, 2:2+2*h, 2:2+2*w, :]
IDX = [[4, 2, 0], [None, 3, 1]]
def subpixel_kernel(K):
    kh, kw, co, ci = K.shape
    S = np.zeros((3, 3, ci, 2, 2, co), "float32")
    for a in range(2):
        for b_ in range(2):
            for th in range(3):
                for tw in range(3):
                    i, j = IDX[a][th], IDX[b_][tw]
                    if i is not None and j is not None:
                        S[th, tw, :, a, b_, :] = K[i, j].T
    return S.reshape(3, 3, ci, 4 * co)
def subpixel(x, S, co):
    b, h, w, c = x.shape
    y = tf.nn.conv2d(x, S, 1, "SAME")
    y = tf.reshape(y, (b, h, w, 2, 2, co))
    y = tf.transpose(y, (0, 1, 3, 2, 4, 5))
    return tf.reshape(y, (b, 2*h, 2*w, co))
def subpixel_d2s(x, S, co):
    return tf.nn.depth_to_space(tf.nn.conv2d(x, S, 1, "SAME"), 2)
for (h, ci, co) in ((7, 64, 32), (14, 32, 16), (4, 256, 128), (8, 128, 64), (16, 64, 32)):
    x = tf.constant(rng.rand(256, h, h, ci).astype("float32"))
    K = rng.randn(5, 5, co, ci).astype("float32") * 0.1
    S = subpixel_kernel(K)
    # depth_to_space order: channel index (a*2+b)*co + c -> matches reshape (2,2,co)
    a = tconv_crop(x, K); bsp = subpixel(x, S, co); c2 = subpixel_d2s(x, S, co)
    err = float(tf.reduce_max(tf.abs(a - bsp))); err2 = float(tf.reduce_max(tf.abs(a - c2)))
    fs = {"tconv+crop": tf.function(lambda: tconv_crop(x, K)), "subpixel reshape": tf.function(lambda: subpixel(x, S, co)),
          "subpixel d2s": tf.function(lambda: subpixel_d2s(x, S, co))}
    T = {k: [] for k in fs}
    for f in fs.values(): f(); f()
    for _ in range(10):
        for k, f in fs.items():
            t = time.perf_counter(); f().numpy(); T[k].append(1000*(time.perf_counter()-t))
    print((h, ci, co), f"err {err:.1e} {err2:.1e}", {k: round(statistics.median(v), 1) for k, v in T.items()})
print("---- forward+backward")
# The package's table (the same values the loop this script first used built).
from lsa_keras.layers.folding import _SUBPIXEL_INDEX as IDXF
def build_S(K):
    co, ci = K.shape[2], K.shape[3]
    flat = tf.concat([tf.reshape(K, (25, co, ci)), tf.zeros((1, co, ci))], 0)
    S = tf.gather(flat, IDXF)  # (3,3,2,2,co,ci)
    return tf.reshape(tf.transpose(S, (0, 1, 5, 2, 3, 4)), (3, 3, ci, 4 * co))
for (h, ci, co) in ((7, 64, 32), (14, 32, 16), (4, 256, 128), (8, 128, 64), (16, 64, 32)):
    x = tf.Variable(rng.rand(256, h, h, ci).astype("float32"))
    K = tf.Variable(rng.randn(5, 5, co, ci).astype("float32") * 0.1)
    def g1():
        with tf.GradientTape() as t:
            y = tconv_crop(x, K); l = tf.reduce_sum(y * y)
        return t.gradient(l, [x, K])
    def g2():
        with tf.GradientTape() as t:
            y = subpixel_d2s(x, build_S(K), co); l = tf.reduce_sum(y * y)
        return t.gradient(l, [x, K])
    f1, f2 = tf.function(g1), tf.function(g2)
    a1, a2 = f1(), f2()
    err = max(float(tf.reduce_max(tf.abs(u - v)) / tf.reduce_max(tf.abs(u))) for u, v in zip(a1, a2))
    T = {"tconv": [], "subpixel": []}
    for _ in range(6):
        for k, f in (("tconv", f1), ("subpixel", f2)):
            t = time.perf_counter(); [v.numpy() for v in f()]; T[k].append(1000*(time.perf_counter()-t))
    print((h, ci, co), f"rel err {err:.1e}", {k: round(statistics.median(v), 1) for k, v in T.items()})
