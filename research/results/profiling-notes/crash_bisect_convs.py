"""Bisecting the oneDNN heap corruption (TensorFlow 2.21, training without XLA): one single-
layer network per run, batch 25, 8 epochs on random data. Run from the repository root, one
fresh process per case (a crash kills the process):

    python examples/results/profiling-notes/crash_bisect_convs.py KIND [CHANNELS] [SIZE]

KIND: 1x1s2 (the old down-block shortcut), 3x3s2, 3x3s1, sub1x1 (subsample, then a 1x1 conv
of stride 1: the new shortcut), t1x1s2 (the up-block shortcut).
"""
import sys
import keras, numpy as np
kind = sys.argv[1]
cin = int(sys.argv[2]) if len(sys.argv) > 2 else 1
size = int(sys.argv[3]) if len(sys.argv) > 3 else 28
inp = keras.Input((size, size, cin))
if kind == "1x1s2":
    y = keras.layers.Conv2D(32, 1, strides=2, padding="valid")(inp)
elif kind == "3x3s2":
    y = keras.layers.Conv2D(32, 3, strides=2, padding="valid")(keras.layers.ZeroPadding2D(1)(inp))
elif kind == "sub1x1":
    y = keras.layers.Conv2D(32, 1, strides=1, padding="valid")(keras.layers.Lambda(lambda t: t[:, ::2, ::2, :])(inp))
elif kind == "t1x1s2":
    y = keras.layers.Conv2DTranspose(32, 1, strides=2, padding="valid", output_padding=1)(inp)
elif kind == "3x3s1":
    y = keras.layers.Conv2D(32, 3, strides=1, padding="same")(inp)
y = keras.layers.Flatten()(y)
y = keras.layers.Dense(8)(y)
net = keras.Model(inp, y)
rs = np.random.RandomState(0)
x = rs.rand(500, size, size, cin).astype("float32"); t = rs.rand(500, 8).astype("float32")
net.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse", jit_compile=False)
net.fit(x, t, batch_size=25, epochs=8, verbose=0)
print("ok", kind, flush=True)
