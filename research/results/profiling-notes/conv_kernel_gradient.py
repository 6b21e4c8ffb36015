"""The kernel gradient of a 3x3 convolution under XLA at batch 128 in six forms: the convolution XLA emits, one matrix product per tap, the batch split in 2 or 4, transposed patches, and a batched product over 16 slices.

    python research/results/profiling-notes/conv_kernel_gradient.py"""
import functools, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2"); os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, tensorflow as tf
from step_timing import median_ms
timeit = functools.partial(median_ms, n=20)
rng = np.random.RandomState(0)

def dk_conv(x, dy, k):
    return tf.compat.v1.nn.conv2d_backprop_filter(x, k.shape, dy, [1,1,1,1], "SAME")
def dk_taps(x, dy, k):
    h, w = x.shape[1], x.shape[2]
    xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    d = tf.reshape(dy, (-1, dy.shape[-1]))
    out = [tf.matmul(tf.reshape(xp[:, i:i + h, j:j + w, :], (-1, x.shape[-1])), d, transpose_a=True) for i in range(3) for j in range(3)]
    return tf.reshape(tf.stack(out), k.shape)
def dk_split(x, dy, k, p=2):
    xs = tf.split(x, p); ds = tf.split(dy, p)
    return tf.add_n([dk_conv(a, b, k) for a, b in zip(xs, ds)])
def dk_T(x, dy, k):  # transposed layouts: (ci, NHW) patches as rows
    h, w = x.shape[1], x.shape[2]
    xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    pt = tf.concat([tf.reshape(tf.transpose(xp[:, i:i + h, j:j + w, :], [3, 0, 1, 2]), (x.shape[-1], -1)) for i in range(3) for j in range(3)], 0)
    return tf.reshape(tf.matmul(pt, tf.reshape(dy, (-1, dy.shape[-1]))), k.shape)
def dk_rowsum(x, dy, k):  # reduce per image row first: batch matmul over (N*H) rows, K = W
    h, w, ci, co = x.shape[1], x.shape[2], x.shape[-1], dy.shape[-1]
    xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    pat = tf.concat([xp[:, i:i + h, j:j + w, :] for i in range(3) for j in range(3)], -1)  # N,H,W,9ci
    P = 16
    a = tf.reshape(pat, (P, -1, 9 * ci)); b = tf.reshape(dy, (P, -1, co))
    return tf.reshape(tf.reduce_sum(tf.matmul(a, b, transpose_a=True), 0), k.shape)

for (h, ci, co) in [(28, 16, 16), (14, 32, 32), (7, 64, 64)]:
    x = tf.constant(rng.randn(128, h, h, ci).astype("float32"))
    dy = tf.constant(rng.randn(128, h, h, co).astype("float32"))
    k = tf.zeros((3, 3, ci, co))
    ref = None
    for name, fn in {"conv": dk_conv, "taps": dk_taps, "split2": dk_split, "split4": functools.partial(dk_split, p=4), "T": dk_T, "rowsum16": dk_rowsum}.items():
        f = tf.function(lambda: fn(x, dy, k), jit_compile=True)
        r = f().numpy()
        if ref is None: ref = r
        print(f"({h},{ci},{co}) {name:8s} {timeit(f):6.2f} ms err {np.max(np.abs(r-ref))/np.max(np.abs(ref)):.1e}", flush=True)
