"""Whether the graph being traced will be compiled by XLA for a CPU.

Some operations have a form that XLA's CPU backend runs far better than the one Keras'
layer emits (see :class:`~lsa_keras.layers.conv_block.ConvBlock`). TensorFlow compiles a
function with XLA only under ``jit_compile=True``; JAX compiles everything.
"""

import keras


def compiled_by_xla_on_cpu() -> bool:
    """True while tracing for XLA on a CPU: under JAX on a CPU, or inside a TensorFlow
    function compiled with ``jit_compile=True`` when TensorFlow sees no GPU."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return jax.default_backend() == "cpu"
    if backend == "tensorflow":
        import tensorflow as tf

        return (tf.__internal__.get_enclosing_xla_context() is not None
                and not tf.config.list_logical_devices("GPU"))
    return False
