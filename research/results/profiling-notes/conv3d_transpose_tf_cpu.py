"""CroppedConv3DTranspose on TensorFlow on a CPU: TensorFlow's transposed-convolution kernel
against lsa_keras.layers.cropped_conv3d_transpose.zero_interleaved_convolution (the regular
convolution of the zero-interleaved input), forward and backward, on three video-decoder
shapes; prints the largest difference of the outputs and the median time of 5 steps of each.

    KERAS_BACKEND=tensorflow python research/results/profiling-notes/conv3d_transpose_tf_cpu.py
"""

import tensorflow as tf
from keras import ops

from lsa_keras.layers import CroppedConv3DTranspose
from lsa_keras.layers.cropped_conv3d_transpose import zero_interleaved_convolution

# The gradient step and the timer of the measurement this one follows (run as a script, this
# folder is on the path).
from cropped_transposed_conv import gradient_of, median_seconds

CASES = [((2, 2, 2), (2, 8, 16), 32, 16), ((1, 2, 2), (4, 16, 32), 16, 8),
         ((2, 2, 2), (4, 16, 32), 16, 8)]


def native(layer, x):
    """The layer's path before: TensorFlow's conv3d_transpose with the zero-tapped kernel."""
    pads = [(0, 1) if s == 2 else (0, 0) for s in layer.strides] + [(0, 0), (0, 0)]
    kernel = ops.pad(layer.kernel, pads)
    return ops.conv_transpose(x, kernel, strides=layer.strides, padding="same")


for strides, spatial, c_in, c_out in CASES:
    layer = CroppedConv3DTranspose(c_out, strides)
    x = tf.random.normal((4, *spatial, c_in))
    layer.build(x.shape)
    before = native(layer, x)
    after = zero_interleaved_convolution(x, layer.kernel, strides)
    slow = median_seconds(gradient_of(lambda v: native(layer, v), layer.kernel), x, repeats=5)
    fast = median_seconds(gradient_of(
        lambda v: zero_interleaved_convolution(v, layer.kernel, strides), layer.kernel), x,
        repeats=5)
    print(f"strides {strides}, input {tuple(x.shape)}: max |difference| "
          f"{float(tf.reduce_max(tf.abs(before - after))):.1e}; forward+backward "
          f"conv3d_transpose {slow * 1e3:.0f} ms, zero-interleaved conv {fast * 1e3:.0f} ms "
          f"({slow / fast:.1f}x)")
