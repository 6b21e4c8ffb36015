"""The 3D up blocks' transposed 5x5x5 convolutions: "valid" then cropped (the reference's way)
against CroppedConv3DTranspose (only the kept outputs), on the UCSD Ped2 decoder's shapes.

    PYTHONPATH=. python examples/results/profiling-notes/cropped_transposed_conv.py

TensorFlow graphs without XLA, batch 256, random inputs, the same kernel in both; prints per
block the median of 3 timed calls of the forward pass and of the gradient (input and kernel),
both ways alternated in one process, and checks that the outputs agree.
"""

import statistics
import time

import keras
import numpy as np
import tensorflow as tf

from lsa_keras import LSA
from lsa_keras.layers import CroppedConv3DTranspose

BATCH = 256


def median_seconds(fn, x, repeats=3):
    fn(x)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def gradient_of(fn, kernel):
    @tf.function(autograph=False)
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
            loss = tf.reduce_sum(y * y)
        return tape.gradient(loss, [x, kernel])
    return step


def main():
    model = LSA.from_architecture("ucsd_ped2")
    totals = {"valid+crop": [0.0, 0.0], "cropped": [0.0, 0.0]}
    for block in (layer for layer in model.decoder.layers if layer.name.startswith("up")):
        new = block.main[0]
        assert isinstance(new, CroppedConv3DTranspose)
        shape = (BATCH, *block.input.shape[1:])
        old = keras.layers.Conv3DTranspose(new.filters, 5, strides=new.strides, padding="valid",
                                           use_bias=False)
        old.build(shape)
        old.kernel.assign(new.kernel)
        crop = keras.layers.Cropping3D(tuple((2, 3 - s) for s in new.strides))
        x = tf.constant(np.random.default_rng(0).random(shape, "float32"))
        ways = {"valid+crop": (lambda a: crop(old(a)), old.kernel), "cropped": (new, new.kernel)}
        diff = np.abs(ways["valid+crop"][0](x).numpy() - new(x).numpy()).max()
        row = []
        for name, (fn, kernel) in ways.items():
            forward = median_seconds(tf.function(fn, autograph=False), x)
            backward = median_seconds(gradient_of(fn, kernel), x)
            totals[name][0] += forward
            totals[name][1] += backward
            row.append(f"{name} {forward * 1e3:.0f} / {backward * 1e3:.0f} ms")
        print(f"{block.name} input {shape[1:]} strides {new.strides}: forward / gradient "
              f"{'; '.join(row)} (max |diff| {diff:.1e})")
    (of, ob), (nf, nb) = totals["valid+crop"], totals["cropped"]
    print(f"all five (one conv each; the shortcut has the same shape): forward {of:.2f} -> "
          f"{nf:.2f} s ({of / nf:.2f}x), gradient {ob:.2f} -> {nb:.2f} s ({ob / nb:.2f}x)")


if __name__ == "__main__":
    main()
