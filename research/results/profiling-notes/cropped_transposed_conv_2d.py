"""The 2D up blocks' transposed 5x5 convolutions: "valid" then cropped (the layers' way until
this measurement) against a "same" transposed convolution with a zero sixth tap on stride-2
axes (only the kept outputs, as CroppedConv3DTranspose does in 3D), and "valid" then
``tf.slice`` (whose gradient is a Pad instead of StridedSliceGrad), on the MNIST and CIFAR-10
decoders' shapes.

    PYTHONPATH=. python examples/results/profiling-notes/cropped_transposed_conv_2d.py

TensorFlow graphs without XLA, batch 256, random inputs, the same kernel both ways; per block
the median of 5 timed calls of the forward pass and of the gradient (input and kernel), both
ways alternated in one process, in two rounds; checks that the outputs agree.
"""

import keras
import numpy as np
import tensorflow as tf

from lsa_keras import LSA

# The 3D script's timing helpers (this folder is on sys.path when a script here runs).
from cropped_transposed_conv import gradient_of, median_seconds

BATCH = 256


def main():
    for arch in ("mnist", "cifar10"):
        model = LSA.from_architecture(arch)
        totals = {"valid+crop": [0.0, 0.0], "same, 6 taps": [0.0, 0.0], "valid+slice": [0.0, 0.0]}
        for block in (layer for layer in model.decoder.layers if layer.name.startswith("up")):
            conv = block.main[0]
            s = conv.strides
            shape = (BATCH, *block.input.shape[1:])
            kernel = tf.Variable(np.random.default_rng(1).normal(size=conv.kernel.shape).astype("float32"))
            crop = keras.layers.Cropping2D(tuple((2, 3 - t) for t in s))

            def old(a, kernel=kernel, s=s, crop=crop, n=shape):
                out = (BATCH, (n[1] - 1) * s[0] + 5, (n[2] - 1) * s[1] + 5, kernel.shape[2])
                return crop(tf.nn.conv2d_transpose(a, kernel, out, s, "VALID"))

            def new(a, kernel=kernel, s=s, n=shape):
                k = tf.pad(kernel, [(0, 1) if t == 2 else (0, 0) for t in s] + [(0, 0), (0, 0)])
                out = (BATCH, n[1] * s[0], n[2] * s[1], kernel.shape[2])
                return tf.nn.conv2d_transpose(a, k, out, s, "SAME")

            def sliced(a, kernel=kernel, s=s, n=shape):
                out = (BATCH, (n[1] - 1) * s[0] + 5, (n[2] - 1) * s[1] + 5, kernel.shape[2])
                y = tf.nn.conv2d_transpose(a, kernel, out, s, "VALID")
                return tf.slice(y, [0, 2, 2, 0], [-1, n[1] * s[0], n[2] * s[1], -1])

            x = tf.constant(np.random.default_rng(0).random(shape, "float32"))
            diff = np.abs(old(x).numpy() - new(x).numpy()).max()
            ways = {"valid+crop": old, "same, 6 taps": new, "valid+slice": sliced}
            for rnd in range(2):
                row = []
                for name, fn in ways.items():
                    forward = median_seconds(tf.function(fn, autograph=False), x, repeats=5)
                    backward = median_seconds(gradient_of(fn, kernel), x, repeats=5)
                    totals[name][0] += forward
                    totals[name][1] += backward
                    row.append(f"{name} {forward * 1e3:.1f} / {backward * 1e3:.1f} ms")
                print(f"{arch} {block.name} input {shape[1:]} strides {s} round {rnd}: forward / "
                      f"gradient {'; '.join(row)} (max |diff| {diff:.1e})", flush=True)
        of, ob = totals["valid+crop"]
        for name in ("same, 6 taps", "valid+slice"):
            nf, nb = totals[name]
            print(f"{arch}, all up blocks, both rounds, valid+crop -> {name}: forward "
                  f"{of * 1e3:.0f} -> {nf * 1e3:.0f} ms ({of / nf:.2f}x), gradient "
                  f"{ob * 1e3:.0f} -> {nb * 1e3:.0f} ms ({ob / nb:.2f}x)")


if __name__ == "__main__":
    main()
