"""The TensorFlow settings that the ``lsa-keras`` command and the example scripts choose.

TensorFlow reads these environment variables once, when it is imported, so they must be set
before anything imports Keras or TensorFlow. Importing lsa_keras sets none of them; a program
calls :func:`choose_tensorflow_settings` first thing, and any variable already set (by the
user, or by the program) is left as it is.
"""

from __future__ import annotations

import os
import sys
import warnings

SETTINGS = {
    # The pooling (BFC) CPU allocator keeps freed buffers for reuse, where the default one
    # returns large buffers to the system and every training step faults their pages in again.
    "TF_CPU_ALLOCATOR_USE_BFC": "true",
    # TensorFlow turns its oneDNN CPU kernels on by default on CPUs with AVX512_VNNI,
    # AVX512_BF16 or AMX. In TensorFlow 2.21 some of them write outside their buffers
    # (tensorflow/tensorflow#117700, fixed after 2.21.0): processes that train and score many
    # models abort with a corrupted heap, and synchronized batch normalisation under
    # MirroredStrategy fails when a replica's batch is empty. Without them TensorFlow uses its
    # own (Eigen) kernels, and XLA compiles its own code either way.
    "TF_ENABLE_ONEDNN_OPTS": "0",
    # TensorFlow's start-up information and warnings, not errors.
    "TF_CPP_MIN_LOG_LEVEL": "2",
}


def choose_tensorflow_settings() -> dict[str, str]:
    """Set each of :data:`SETTINGS` that is not set in ``os.environ`` yet.

    Returns:
        The variables it set, with their values (empty when every one was already set).

    Warns:
        RuntimeWarning: TensorFlow was already imported, so the values it set take no effect
            in this process.
    """
    chosen = {name: value for name, value in SETTINGS.items() if name not in os.environ}
    os.environ.update(chosen)
    if chosen and "tensorflow" in sys.modules:
        warnings.warn(
            f"TensorFlow was imported before choose_tensorflow_settings() set "
            f"{', '.join(chosen)}; they take effect only in processes that set them before "
            "importing Keras or TensorFlow.", RuntimeWarning, stacklevel=2)
    return chosen
