"""The 3x3 convolutions of the MNIST blocks under XLA at batch 128: forward, input gradient, kernel gradient and both, for XLA's convolution, a kernel gradient as an im2col matrix product (custom gradient), and the whole convolution as im2col.

    python research/results/profiling-notes/conv_im2col_grad.py"""
import functools, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2"); os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, tensorflow as tf
from step_timing import median_ms
timeit = functools.partial(median_ms, n=20)
rng = np.random.RandomState(0)

def patches3x3(x):
    xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    h, w = x.shape[1], x.shape[2]
    return tf.concat([xp[:, i:i + h, j:j + w, :] for i in range(3) for j in range(3)], -1)

def conv_im2col_grad(x, k):
    @tf.custom_gradient
    def f(x, k):
        y = tf.nn.conv2d(x, k, 1, "SAME")
        def grad(dy):
            dx = tf.nn.conv2d(dy, tf.transpose(k[::-1, ::-1], [0, 1, 3, 2]), 1, "SAME")
            p = tf.reshape(patches3x3(x), (-1, 9 * x.shape[-1]))
            dk = tf.reshape(tf.matmul(p, tf.reshape(dy, (-1, dy.shape[-1])), transpose_a=True), k.shape)
            return dx, dk
        return y, grad
    return f(x, k)

def conv_im2col_fwd(x, k):  # forward as im2col matmul too, autodiff
    p = patches3x3(x)
    return tf.reshape(tf.matmul(tf.reshape(p, (-1, p.shape[-1])), tf.reshape(k, (-1, k.shape[-1]))), x.shape[:-1] + [k.shape[-1]])

for (h, ci, co) in [(28, 16, 16), (14, 32, 32), (14, 32, 64), (7, 64, 64)]:
    x = tf.constant(rng.randn(128, h, h, ci).astype("float32"))
    k = tf.Variable(rng.randn(3, 3, ci, co).astype("float32") * 0.1)
    w = tf.constant(rng.randn(128, h, h, co).astype("float32"))
    variants = {"xla conv": lambda x: tf.nn.conv2d(x, k, 1, "SAME"),
                "im2col dW": lambda x: conv_im2col_grad(x, k),
                "im2col all": lambda x: conv_im2col_fwd(x, k)}
    res = {}
    for name, fn in variants.items():
        for what in ("fwd", "dx", "dk", "both"):
            @tf.function(jit_compile=True)
            def step():
                with tf.GradientTape() as t:
                    t.watch(x); y = fn(x); l = tf.reduce_sum(y * w)
                if what == "fwd": return [l]
                src = {"dx": [x], "dk": [k], "both": [x, k]}[what]
                return t.gradient(l, src)
            r = step()
            if what == "both": res[name] = [a.numpy() for a in r]
            print(f"({h},{ci},{co}) {name:10s} {what:4s} {timeit(step):6.2f} ms", flush=True)
    for name in res:
        print("   err", name, [float(np.max(np.abs(a - b)) / np.max(np.abs(b))) for a, b in zip(res[name], res["xla conv"])])
