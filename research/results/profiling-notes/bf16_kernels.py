"""A (256, 2048) x (2048, 2048) matmul and a 3x3 convolution on (256, 14, 14, 32), float32 against
bfloat16, TensorFlow on this CPU (AMX). Run: python examples/results/profiling-notes/bf16_kernels.py"""
import time, tensorflow as tf
for dt in (tf.float32, tf.bfloat16):
    a = tf.random.uniform((256, 2048)); b = tf.random.uniform((2048, 2048))
    a, b = tf.cast(a, dt), tf.cast(b, dt)
    f = tf.function(lambda a, b: tf.matmul(a, b))
    f(a, b)
    for _ in range(2):
        s = time.perf_counter()
        for _ in range(50): f(a, b)
        t = (time.perf_counter() - s) / 50
        print(dt.name, f"{t*1000:.2f} ms  {2*256*2048*2048/t/1e9:.0f} GFLOP/s", flush=True)
    x = tf.cast(tf.random.uniform((256, 14, 14, 32)), dt); k = tf.cast(tf.random.uniform((3, 3, 32, 32)), dt)
    g = tf.function(lambda x, k: tf.nn.conv2d(x, k, 1, "SAME"))
    g(x, k)
    s = time.perf_counter()
    for _ in range(50): g(x, k)
    print(dt.name, "conv", f"{(time.perf_counter()-s)/50*1000:.2f} ms", flush=True)
