"""Data-parallel training: a copy of the model on every device, each step on a slice of the batch.

:func:`data_parallel` returns the backend's own data-parallel distribution; create, compile
and fit the model inside its ``scope()``::

    from lsa_keras.training.distribution import data_parallel

    distribution = data_parallel()  # every local GPU (else the CPU); TF_CONFIG: every worker
    with distribution.scope():
        model = lsa_keras.LSA.from_architecture("mnist")
        model.compile()
        model.fit(x, batch_size=256, epochs=30)  # 256 images per step over all devices

``batch_size`` stays the global batch: each of the :func:`replica_count` devices takes an
equal slice of it. LSA's own ``train_step`` averages the loss over the global batch (the
gradient applied is that of the global-batch mean, as on one device) and its ``loss``,
``rec`` and ``llk`` logs are means over the global batch.

- TensorFlow: a ``tf.distribute.MirroredStrategy`` over the local devices, or a
  ``tf.distribute.MultiWorkerMirroredStrategy`` when ``TF_CONFIG`` names a cluster of several
  workers (every worker runs the same program; worker 0 is the chief). Batch normalisation
  uses each replica's own batch statistics, as Keras documents for ``tf.distribute``
  (``keras.layers.BatchNormalization(synchronized=False)``): with ``n`` devices it normalises
  over ``batch_size / n`` images, so the loss follows the one-device run closely but not
  exactly.
- JAX: a ``keras.distribution.DataParallel`` over a ``keras.distribution.DeviceMesh`` of the
  devices. The step is one computation over the global batch, sharded by XLA: batch
  normalisation sees the whole batch and the run is the one-device run up to the order of
  floating-point sums. With ``KERAS_DISTRIBUTION_NUM_PROCESSES`` (and
  ``KERAS_DISTRIBUTION_JOB_ADDRESSES``, ``KERAS_DISTRIBUTION_PROCESS_ID``) set for several
  processes, ``keras.distribution.initialize()`` joins them first and the mesh spans every
  process' devices.
- PyTorch: not supported (``torch.distributed`` is not wired into LSA's ``train_step``);
  :func:`data_parallel` raises ``NotImplementedError``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import keras

TF_CONFIG_ENV = "TF_CONFIG"
JAX_PROCESSES_ENV = "KERAS_DISTRIBUTION_NUM_PROCESSES"


def data_parallel(devices: Sequence[str] | None = None, *,
                  multi_worker: bool | None = None) -> Any:
    """The data-parallel distribution of the Keras backend.

    Args:
        devices: device names to replicate the model on (TensorFlow ``"/gpu:0"``, JAX
            ``"gpu:0"``, as ``keras.distribution.list_devices()`` lists them); default
            every local accelerator, else every CPU device the backend shows (one, unless
            the process configured more). Not with several workers: each worker uses its
            own local devices.
        multi_worker: train across processes: TensorFlow's ``MultiWorkerMirroredStrategy``
            (the cluster from ``TF_CONFIG``), or JAX's multi-process runtime (joined with
            ``keras.distribution.initialize()``, from the ``KERAS_DISTRIBUTION_*`` variables).
            Default: when ``TF_CONFIG`` (TensorFlow) or ``KERAS_DISTRIBUTION_NUM_PROCESSES``
            (JAX) names more than one worker.

    Returns:
        Under TensorFlow a ``tf.distribute.Strategy``, under JAX a
        ``keras.distribution.DataParallel``; either way, build, compile and fit the model
        inside its ``scope()``.

    Raises:
        NotImplementedError: under the PyTorch backend.
        ValueError: ``devices`` given with several workers, or an empty ``devices``.
    """
    backend = keras.backend.backend()
    if backend == "torch":
        raise NotImplementedError(
            "data-parallel training of LSA is supported on the tensorflow and jax backends, "
            "not on torch (LSA's train_step does not use torch.distributed); run it with "
            "KERAS_BACKEND=tensorflow or jax.")
    if backend not in ("tensorflow", "jax"):
        raise NotImplementedError(f"no data-parallel training on the {backend!r} backend.")
    if devices is not None:
        devices = list(devices)
        if not devices:
            raise ValueError("devices is empty; pass None for every local device.")
    if multi_worker is None:
        multi_worker = worker_count() > 1
    if multi_worker and devices is not None:
        raise ValueError("devices cannot be given with several workers: each worker "
                         "replicates the model on its own local devices.")
    if backend == "tensorflow":
        return _tensorflow(devices, multi_worker)
    return _jax(devices, multi_worker)


def worker_count() -> int:
    """How many worker processes the environment names: the tasks of ``TF_CONFIG``'s cluster
    (``chief`` and ``worker``) under TensorFlow, ``KERAS_DISTRIBUTION_NUM_PROCESSES`` under
    JAX; 1 when unset.

    Raises:
        ValueError: the variable is set but cannot be read.
    """
    if keras.backend.backend() == "jax":
        value = os.environ.get(JAX_PROCESSES_ENV, "").strip()
        if not value:
            return 1
        try:
            return int(value)
        except ValueError:
            raise ValueError(f"{JAX_PROCESSES_ENV} must be a number of processes, got "
                             f"{value!r}.") from None
    text = os.environ.get(TF_CONFIG_ENV, "").strip()
    if not text:
        return 1
    try:
        cluster = json.loads(text).get("cluster") or {}
        return sum(len(cluster.get(job) or []) for job in ("chief", "worker"))
    except (ValueError, AttributeError, TypeError):
        raise ValueError(f"{TF_CONFIG_ENV} is not a JSON object with a 'cluster' of "
                         f"'worker' addresses: {text!r}.") from None


def replica_count(distribution: Any) -> int:
    """How many model copies ``distribution`` (from :func:`data_parallel`) trains: the global
    batch is split into this many equal slices."""
    if hasattr(distribution, "num_replicas_in_sync"):  # tf.distribute.Strategy
        return int(distribution.num_replicas_in_sync)
    return int(distribution.device_mesh.devices.size)


def is_chief(distribution: Any) -> bool:
    """Whether this process is the one that writes the run's files: always with one worker;
    with several, worker 0 (TensorFlow: the ``chief`` task of ``TF_CONFIG`` if it has one;
    JAX: process 0)."""
    if hasattr(distribution, "extended"):  # tf.distribute.Strategy
        return bool(distribution.extended.should_checkpoint)
    import jax

    return jax.process_index() == 0


def worker_index(distribution: Any) -> int:
    """This process' index among the workers: 0 with one worker (TensorFlow: the task index
    of ``TF_CONFIG``, counted after the chief if the cluster has one; JAX: the process
    index)."""
    if hasattr(distribution, "extended"):  # tf.distribute.Strategy
        resolver = getattr(distribution, "cluster_resolver", None)
        if resolver is None or not resolver.task_type:
            return 0
        has_chief = "chief" in resolver.cluster_spec().as_dict()
        if resolver.task_type == "chief":
            return 0
        return int(resolver.task_id) + int(has_chief)
    import jax

    return int(jax.process_index())


def _tensorflow(devices: list[str] | None, multi_worker: bool) -> Any:
    import tensorflow as tf

    if multi_worker:
        # Reads TF_CONFIG; must come before the program's other TensorFlow work, which would
        # start the runtime without the cluster's collective ops.
        return tf.distribute.MultiWorkerMirroredStrategy()
    if devices is None:
        devices = [d.name for d in (tf.config.list_logical_devices("GPU")
                                    or tf.config.list_logical_devices("CPU"))]
    return tf.distribute.MirroredStrategy(devices)


def _jax(devices: list[str] | None, multi_worker: bool) -> Any:
    if multi_worker:
        import jax

        if not jax.distributed.is_initialized():
            keras.distribution.initialize()
    if devices is None:
        devices = keras.distribution.list_devices()
    return keras.distribution.DataParallel(devices=devices)


__all__ = ["data_parallel", "is_chief", "replica_count", "worker_count", "worker_index"]
