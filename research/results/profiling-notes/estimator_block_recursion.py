"""One masked estimator layer's product at batch 256 in two forms with the same FLOPs, one
process, forms alternated: the package's eight slab products (output group ``k`` reads input
groups ``0..k``: ``(256, 256(k+1)) @ (256(k+1), b)``), against a block recursion that gathers
the same 36 blocks into four products, each as large as the triangle allows: the top-right
quarter ``(256, 1024) @ (1024, 4b)``, two eighths and four sixteenths as batched products,
and the eight diagonal squares as one batched product. ``b`` is 256 (a hidden MFC layer of
the MNIST estimator: 8 code positions x 32 channels a group) or 800 (the last: 8 x 100 bins).
Graph mode without XLA (how the scorer runs) and with XLA; random weights, masked blocks zero.

    python research/results/profiling-notes/estimator_block_recursion.py
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lsa_keras.utils.tensorflow_settings import choose_tensorflow_settings  # noqa: E402

choose_tensorflow_settings()
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from step_timing import alternated_ms  # noqa: E402

BATCH, GROUPS, A = 256, 8, 256  # A: input columns of a group (8 positions x 32 channels)


def forms(b, rng):
    w = rng.standard_normal((GROUPS * A, GROUPS * b)).astype("float32") * 0.03
    for i in range(GROUPS):
        for j in range(i):  # input group i feeds output group j only when i <= j
            w[i * A:(i + 1) * A, j * b:(j + 1) * b] = 0
    x = tf.constant(rng.standard_normal((BATCH, GROUPS * A)).astype("float32"))
    slabs = [tf.constant(w[:(k + 1) * A, k * b:(k + 1) * b]) for k in range(GROUPS)]
    quarter = tf.constant(w[:4 * A, 4 * b:])
    eighths = tf.constant(np.stack([w[:2 * A, 2 * b:4 * b], w[4 * A:6 * A, 6 * b:]]))
    sixteenths = tf.constant(np.stack(
        [w[2 * i * A:(2 * i + 1) * A, (2 * i + 1) * b:(2 * i + 2) * b] for i in range(4)]))
    squares = tf.constant(np.stack([w[i * A:(i + 1) * A, i * b:(i + 1) * b] for i in range(8)]))

    def slab_form(x):
        return tf.concat([tf.matmul(x[:, :(k + 1) * A], s) for k, s in enumerate(slabs)], -1)

    def interleave(parts, width):  # (n, B, width) -> (B, 2n*width) with zeros before each
        z = tf.stack([tf.zeros_like(parts), parts], 1)
        return tf.reshape(tf.transpose(z, (2, 0, 1, 3)), (BATCH, 2 * parts.shape[0] * width))

    def recursive_form(x):
        groups = tf.transpose(tf.reshape(x, (BATCH, 8, A)), (1, 0, 2))
        halves = tf.transpose(tf.reshape(x, (BATCH, 2, 4 * A)), (1, 0, 2))[:, :, :2 * A]
        y = tf.reshape(tf.transpose(tf.matmul(groups, squares), (1, 0, 2)), (BATCH, 8 * b))
        y += interleave(tf.matmul(groups[0::2], sixteenths), b)
        y += interleave(tf.matmul(halves, eighths), 2 * b)
        return tf.concat([y[:, :4 * b], y[:, 4 * b:] + tf.matmul(x[:, :4 * A], quarter)], -1)

    expected = x.numpy() @ w
    fns = {}
    for name, f in (("slabs", slab_form), ("recursion", recursive_form)):
        for jit in (False, True):
            g = tf.function(f, jit_compile=jit)
            label = f"b={b} {name}{', XLA' if jit else ''}"
            print(f"{label}: largest difference to numpy {np.abs(g(x).numpy() - expected).max():.1e}")
            fns[label] = lambda g=g: g(x)
    return fns


print("TF_ENABLE_ONEDNN_OPTS", os.environ.get("TF_ENABLE_ONEDNN_OPTS"), flush=True)
rng = np.random.default_rng(0)
for b in (256, 800):
    alternated_ms(forms(b, rng), rounds=9, n=5)
