"""float32 2048^3 matmul GFLOP/s in TensorFlow (oneDNN as configured by TF_ENABLE_ONEDNN_OPTS) and
PyTorch, 3 timings of 10 products each; run each part in its own process:

    python examples/results/profiling-notes/matmul_peaks.py tensorflow|torch
"""
import sys, time
if sys.argv[1] == "torch":
    import torch
    a = torch.randn(2048, 2048); b = torch.randn(2048, 2048); mm = lambda: a @ b; sync = lambda r: r
else:
    import tensorflow as tf
    a = tf.random.normal((2048, 2048)); b = tf.random.normal((2048, 2048))
    mm = tf.function(lambda: tf.matmul(a, b)); sync = lambda r: r.numpy()
sync(mm())
for _ in range(3):
    t = time.perf_counter()
    for _ in range(10):
        r = mm()
    sync(r)
    print(sys.argv[1], "GFLOP/s %.0f" % (2 * 2048**3 * 10 / (time.perf_counter() - t) / 1e9))
