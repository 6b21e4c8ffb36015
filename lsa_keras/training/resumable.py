"""Training that survives interruption: a checkpoint after every epoch (or every few minutes),
resumed on restart.

``OUT/train_state.json`` records the epoch count, the best epoch, the settings of the run and
the names and SHA-256 of two files: ``OUT/checkpoint-epochNNNN.keras``, the model and optimiser
state after the last saved epoch, and ``OUT/best-epochNNNN.weights.h5``, the weights of the
epoch with the lowest validation loss. Every file is written to a temporary name and moved into
place, and each epoch's files get new names that only the state file, written last, makes
current; so a run killed at any moment (even between two of these writes) resumes from a
consistent set, and the files of an epoch whose state was never written are discarded and that
epoch is trained again. Folders written before the names carried the epoch
(``checkpoint.keras``, ``best.weights.h5``) are resumed too.

The batch order of epoch ``e`` depends only on the seed and ``e`` (:class:`EpochOrder`), so a
run killed after any epoch and resumed ends with the same weights as one that never stopped.
With a ``checkpoint_interval``, the epochs after the last checkpoint are trained again.
A NaN or Inf loss stops training with :class:`~lsa_keras.training.callbacks.NonFiniteLossError`
before that epoch's checkpoint is written, so the last good one stays.
"""

import contextlib
import json
import math
import os
import re
import time
import warnings

import keras
import numpy as np

from lsa_keras.utils.atomic import write_atomically, write_text_atomically
from lsa_keras.utils.temporaries import remove_orphaned_temporaries
from lsa_keras.training.callbacks import NonFiniteLossError
from lsa_keras.hub.pretrained import sha256

STATE = "train_state.json"
# The names of folders written before the file names carried the epoch.
LEGACY_CHECKPOINT, LEGACY_BEST_WEIGHTS = "checkpoint.keras", "best.weights.h5"
_CHECKPOINT, _BEST_WEIGHTS = "checkpoint-epoch{:04d}.keras", "best-epoch{:04d}.weights.h5"
_OURS = re.compile(r"^(checkpoint-epoch\d{4,}\.keras|best-epoch\d{4,}\.weights\.h5|"
                   r"checkpoint\.keras|best\.weights\.h5)$")


def checkpoint_path(out_dir):
    """Path of the checkpoint of the last finished epoch of the run in ``out_dir``.

    Raises:
        FileNotFoundError: ``out_dir`` holds no run's state.
    """
    with open(os.path.join(out_dir, STATE)) as f:
        return os.path.join(out_dir, json.load(f).get("checkpoint", LEGACY_CHECKPOINT))


def _current_files(state):
    return {state.get("checkpoint", LEGACY_CHECKPOINT), state.get("best_weights", LEGACY_BEST_WEIGHTS)}


def _remove_stale_files(out_dir, state):
    """Delete checkpoints and best weights that ``state`` does not name: earlier epochs', or
    those of an epoch interrupted before its state was written; and the temporary files of
    writes killed midway."""
    remove_orphaned_temporaries(out_dir)
    keep = _current_files(state)
    for name in os.listdir(out_dir):
        if _OURS.match(name) and name not in keep:
            os.remove(os.path.join(out_dir, name))


# Training-time augmentations EpochOrder applies (None: none).
AUGMENTATIONS = (None, "horizontal_flip")


class EpochOrder(keras.utils.PyDataset):
    """Batches of ``x`` in an order that depends only on ``(seed, epoch)``.

    Keras' own ``shuffle=True`` draws each epoch's order from the global random state, which
    a restarted process cannot put back where it was. Here the dataset is endless and batch
    ``i`` of a ``fit`` call (run with ``steps_per_epoch=len(self)``) is batch ``i % len(self)``
    of epoch ``initial_epoch + i // len(self)``: a pure function of the index, whatever Keras
    prefetches or whenever it calls the epoch hooks.

    With ``multiple_of`` m > 1 (JAX data-parallel training, whose batches must split evenly
    over the m devices), each epoch walks the first ``len(x) // m * m`` images of its order:
    the up to m - 1 left out differ from epoch to epoch. ``batch_size`` must then be a
    multiple of m.

    With ``augmentation="horizontal_flip"`` each image of a batch is mirrored left to right
    with probability 1/2, drawn from ``(seed, epoch, step)`` alone, so a resumed run sees the
    same flips. The width axis is the second to last (images ``(n, h, w, c)`` and clips
    ``(n, t, h, w, c)`` alike). An autoencoder's target is its input, so the target flips too.
    """

    def __init__(self, x, batch_size, seed, initial_epoch=0, max_steps=None, multiple_of=1,
                 augmentation=None):
        super().__init__()
        if augmentation not in AUGMENTATIONS:
            raise ValueError(f"augmentation must be one of {AUGMENTATIONS}, got {augmentation!r}.")
        self.augmentation = augmentation
        self.x, self.batch_size, self.seed = x, int(batch_size), int(seed)
        self.initial_epoch = int(initial_epoch)
        self.used = len(x) // int(multiple_of) * int(multiple_of)
        self.steps = math.ceil(self.used / self.batch_size)
        if max_steps is not None:  # each epoch: the first max_steps batches of its order
            self.steps = min(self.steps, int(max_steps))
        self._cached = (None, None)

    def order(self, epoch):
        """The permutation of ``x`` that epoch ``epoch`` walks through."""
        if self._cached[0] != epoch:
            self._cached = (epoch, np.random.default_rng([self.seed, epoch]).permutation(len(self.x)))
        return self._cached[1]

    def __len__(self):
        return self.steps

    @property
    def num_batches(self):
        return None  # endless; fit gets steps_per_epoch

    def as_dataset(self, count):
        """Batches ``0 .. count - 1`` as a ``tf.data.Dataset`` (TensorFlow backend): the same
        batches as indexing, each read by one ``tf.numpy_function`` call and prefetched one
        ahead, with tf.data's autotuning off.

        ``train_resumable`` trains on this under TensorFlow: Keras' own pipeline for a
        PyDataset slows the training steps on a CPU, where a tf.data pipeline keeps up with
        the bare train function; an autotuned prefetch would also stall at the end of ``fit``.
        """
        import tensorflow as tf

        from lsa_keras.utils.fit_input import without_autotuning

        shape = (None, *self.x.shape[1:])
        dtype = tf.as_dtype(self.x.dtype)

        def batch(index):
            return tf.ensure_shape(
                tf.numpy_function(lambda i: self[int(i)], [index], dtype, stateful=False), shape)

        return without_autotuning(tf.data.Dataset.range(int(count)).map(batch).prefetch(1))

    def __getitem__(self, index):
        epoch, step = self.initial_epoch + index // self.steps, index % self.steps
        order = self.order(epoch)[:self.used]
        batch = self.x[order[step * self.batch_size: (step + 1) * self.batch_size]]
        if self.augmentation == "horizontal_flip":
            flip = np.random.default_rng([self.seed, epoch, step, 1]).random(len(batch)) < 0.5
            # The fancy-indexed batch is already a copy: flipping it leaves self.x as it is.
            batch[flip] = batch[flip][..., ::-1, :]
        return batch


class EpochCheckpoint(keras.callbacks.Callback):
    """Save the best weights whenever the validation loss falls, and the model (with its
    optimiser state) and the run's state at the end of every epoch; with ``interval`` > 0
    seconds, only at the end of the first epoch that ends that long after the last save, and
    of the last epoch.

    A run stopped between two saves resumes from the last one and trains the epochs after it
    again, to the same weights (their batches depend only on the seed and the epoch).
    """

    def __init__(self, out_dir, state, interval=0.0):
        super().__init__()
        self.out_dir, self.state = out_dir, state
        self.interval = float(interval)
        self._started = None
        self.committed = state.get("epoch", 0)  # the last epoch whose files are on disk
        self._saved_at = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        with self._writing(epoch):
            self._record(epoch, logs or {})
            last = epoch + 1 >= self.params.get("epochs", epoch + 1)
            if last or time.perf_counter() - self._saved_at >= self.interval:
                self._save(epoch)

    def on_train_end(self, logs=None):
        # fit stopped early without an error (a callback's stop_training): keep what it did.
        if self.state.get("epoch", 0) > self.committed:
            with self._writing(self.state["epoch"] - 1):
                self._save(self.state["epoch"] - 1)

    @contextlib.contextmanager
    def _writing(self, epoch):
        try:
            yield
        except (OSError, RuntimeError) as e:  # h5py raises RuntimeError for some failed flushes
            raise _save_error(e, epoch + 1, self.committed, self.out_dir) from e

    def _record(self, epoch, logs):
        if self._started is not None:  # training seconds, summed over every resumed session
            self.state["seconds"] = round(
                self.state.get("seconds", 0.0) + time.perf_counter() - self._started, 1)
        val = logs.get("val_loss")
        if val is not None and math.isfinite(val) and val < self.state.get("best_val_loss", math.inf):
            # Written now: the weights change with the next step. Until the state names it,
            # a resumed run discards it with the epochs it came from.
            name = _BEST_WEIGHTS.format(epoch + 1)
            path = os.path.join(self.out_dir, name)
            write_atomically(path, self.model.save_weights)
            self.state.update(best_val_loss=float(val), best_epoch=epoch + 1, best_weights=name,
                              best_weights_sha256=sha256(path))
        self.state["epoch"] = epoch + 1
        self.state.setdefault("history", []).append(
            {k: float(v) for k, v in logs.items() if isinstance(v, (int, float))})

    def _save(self, epoch):
        name = _CHECKPOINT.format(epoch + 1)
        path = os.path.join(self.out_dir, name)
        write_atomically(path, self.model.save)
        self.state.update(checkpoint=name, checkpoint_sha256=sha256(path))
        write_state(self.out_dir, self.state)  # the commit point of these epochs
        self.committed, self._saved_at = epoch + 1, time.perf_counter()
        _remove_stale_files(self.out_dir, self.state)


def _save_error(error, epoch, committed, out_dir):
    """One clear line for a checkpoint that could not be written: what the system said (h5py
    puts it, with its errno, inside a long message of its own), and what the folder keeps."""
    code = error.errno if isinstance(error, OSError) else None
    found = re.search(r"errno = (\d+)", str(error))
    if code is None and found:
        code = int(found.group(1))
    reason = os.strerror(code) if code else f"{type(error).__name__}: {error}".splitlines()[0]
    kept = (f"it keeps the checkpoint of epoch {committed}" if committed
            else "no epoch was saved yet")
    message = (f"{reason}: could not save epoch {epoch} in {out_dir}; {kept}. Free space or "
               "make the folder writable, then run again to resume.")
    return OSError(code, message) if code else OSError(message)


def write_state(out_dir, state):
    write_text_atomically(os.path.join(out_dir, STATE), json.dumps(state, indent=2))


def _without_epochs(settings):
    return {k: v for k, v in (settings or {}).items() if k != "epochs"}


def train_resumable(build_model, x, x_val, out_dir, epochs, batch_size, learning_rate,
                    settings, seed=0, verbose=1, callbacks=None, steps_per_epoch=None,
                    distribution=None, augmentation=None, jit_compile="auto",
                    checkpoint_interval=0.0):
    """Train ``build_model()`` on ``x`` for ``epochs`` epochs, resuming a run in ``out_dir``.

    Args:
        build_model: callable returning a new LSA; compiled here with Adam(``learning_rate``)
            unless it comes compiled.
        x, x_val: training and validation images ``(n, *image_shape)``, uint8 in [0, 255]
            or float in [0, 1]; checked and converted once here. Either may be
            :class:`~lsa_keras.datasets.ImageFiles`: its images are read from disk batch by
            batch (checked as they are read), in the same seeded order.
        settings: JSON-able dict describing the run; a resumed run must have the same (the
            number of epochs may grow: rerunning with more epochs continues training).
        seed: seed of the initial weights and of every epoch's batch order.
        callbacks: more Keras callbacks for ``fit``.
        steps_per_epoch: train at most this many batches an epoch (the first of the epoch's
            seeded order); None: all of ``x``.
        augmentation: ``None``, or ``"horizontal_flip"`` to mirror each training image left
            to right with probability 1/2 (seeded; see :class:`EpochOrder`). Validation images
            are never augmented.
        jit_compile: ``fit``'s XLA setting (``"auto"``: Keras' rule, XLA on a GPU and under
            JAX, not on a CPU with TensorFlow), also for a resumed run. A speed setting: on a
            CPU, TensorFlow trains both image architectures faster with XLA, after compiling
            the step once per batch shape.
        checkpoint_interval: seconds. 0 writes the checkpoint and the state after every epoch;
            more writes them at the end of the first epoch that ends this long after the last
            write, and of the last epoch (the best weights are still written whenever the
            validation loss falls). A run stopped in between resumes from the last write and
            trains the epochs after it again, to the same weights. A speed setting: each write
            of the MNIST model takes about half a second.
        distribution: data-parallel training
            (:func:`lsa_keras.training.distribution.data_parallel`): the model is built, or
            its checkpoint loaded, and trained in its scope; ``batch_size`` is the global
            batch. Under JAX each batch must split evenly over the devices: ``batch_size``
            must be a multiple of their number, and each epoch (and the validation split)
            leaves out the remainder of its images, up to one fewer than the devices. With
            several workers every worker makes this call; the chief (worker 0) writes
            ``out_dir``, worker ``i`` ``out_dir/worker-i`` (its own copy, for resuming:
            restart all workers together).

    Raises:
        NonFiniteLossError: the loss became NaN or Inf; the folder keeps the checkpoint of the
            last finished epoch.
        ValueError: under JAX with a ``distribution``: a ``batch_size`` the devices do not
            divide, fewer images than devices, or several processes (not supported here:
            each would feed the whole batch).

    Returns:
        ``(model, state)``: the model with the weights of the lowest validation loss, and the
        run's state (``epoch``, ``best_epoch``, ``best_val_loss``, ``history``).
    """
    if not checkpoint_interval >= 0:  # also NaN
        raise ValueError(f"checkpoint_interval must be a number of seconds >= 0, got "
                         f"{checkpoint_interval!r}.")
    multiple_of = 1
    if distribution is not None:
        out_dir, multiple_of = _distributed_run(distribution, out_dir, x, batch_size)
    with distribution.scope() if distribution is not None else contextlib.nullcontext():
        return _train_resumable(build_model, x, x_val, out_dir, epochs, batch_size,
                                learning_rate, settings, seed, verbose, callbacks,
                                steps_per_epoch, multiple_of, augmentation, jit_compile,
                                checkpoint_interval)


def _distributed_run(distribution, out_dir, x, batch_size):
    """``(out_dir, multiple_of)`` of this worker's part of a data-parallel run."""
    from lsa_keras.training import distribution as dist

    if not dist.is_chief(distribution):
        out_dir = os.path.join(out_dir, f"worker-{dist.worker_index(distribution)}")
    if keras.backend.backend() != "jax":
        return out_dir, 1  # tf.distribute splits any batch (see the trainer's train_step)
    import jax

    if jax.process_count() > 1:
        raise ValueError("train_resumable trains under JAX on one process' devices; for "
                         "several hosts use TensorFlow (TF_CONFIG), or a tf.data.Dataset "
                         "that keras.distribution shards over the processes.")
    devices = dist.replica_count(distribution)
    if batch_size % devices:
        raise ValueError(f"under JAX every batch splits evenly over the {devices} devices: "
                         f"the batch size must be a multiple of {devices}, got {batch_size}.")
    if len(x) < devices:
        raise ValueError(f"{len(x)} training images cannot be split over {devices} devices.")
    return out_dir, devices


def _train_resumable(build_model, x, x_val, out_dir, epochs, batch_size, learning_rate,
                     settings, seed, verbose, callbacks, steps_per_epoch, multiple_of,
                     augmentation=None, jit_compile="auto", checkpoint_interval=0.0):
    os.makedirs(out_dir, exist_ok=True)
    # A run killed before its first epoch's state was written leaves only temporaries.
    remove_orphaned_temporaries(out_dir)
    state_path = os.path.join(out_dir, STATE)
    if os.path.isfile(state_path):
        with open(state_path) as f:
            state = json.load(f)
        checkpoint = os.path.join(out_dir, state.get("checkpoint", LEGACY_CHECKPOINT))
        if not os.path.isfile(checkpoint):
            raise ValueError(
                f"{state_path} names the checkpoint {checkpoint}, which is missing. Delete the "
                "folder to start over."
            )
        if _without_epochs(state.get("settings")) != _without_epochs(settings):
            raise ValueError(
                f"{out_dir} holds an unfinished run with other settings ({state.get('settings')}); "
                "use another --out folder, or delete this one to start over."
            )
        expected = state.get("checkpoint_sha256")
        if expected and sha256(checkpoint) != expected:
            raise ValueError(
                f"{checkpoint} does not match the SHA-256 recorded in {state_path}: it was "
                "changed or damaged after training wrote it. Delete the folder to start over."
            )
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model = keras.saving.load_model(checkpoint)
        except Exception as e:  # zip, h5py and Keras errors for a damaged file
            raise ValueError(
                f"{checkpoint} could not be loaded ({type(e).__name__}: {e}); it is damaged. "
                "Delete the folder to start over."
            ) from e
        for warning in caught:
            if "Skipping variable loading for optimizer" in str(warning.message):
                # Keras would resume with fresh optimiser moments: not the run that stopped.
                raise ValueError(
                    f"{checkpoint} holds optimiser state for other model variables (it was "
                    "written with another in-memory layout of the weights, for instance by "
                    "another version of lsa_keras). Resume it with the version that started "
                    "it, or delete the folder to start over."
                )
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)
        state["settings"] = settings
        _remove_stale_files(out_dir, state)
        if verbose:
            print(f"Resuming {out_dir} after epoch {state['epoch']} of {epochs}.", flush=True)
    else:
        state = {"settings": settings, "epoch": 0}
        keras.utils.set_random_seed(seed)
        model = build_model()
        if not model.compiled:
            model.compile(optimizer=keras.optimizers.Adam(learning_rate), jit_compile=jit_compile)
    if jit_compile != "auto" and model.jit_compile != bool(jit_compile):
        model.jit_compile = bool(jit_compile)  # a resumed checkpoint keeps its own setting
    if state["epoch"] < epochs:
        batches = EpochOrder(model_input(model, x, "x"), batch_size, seed, state["epoch"],
                             max_steps=steps_per_epoch, multiple_of=multiple_of,
                             augmentation=augmentation)
        source = batches
        if keras.backend.backend() == "tensorflow" and isinstance(batches.x, np.ndarray):
            source = batches.as_dataset(batches.steps * (epochs - state["epoch"]))
        validation = validation_input(model, x_val, batch_size, multiple_of)
        checkpoint = EpochCheckpoint(out_dir, state, checkpoint_interval)
        try:
            model.fit(source, epochs=epochs, initial_epoch=state["epoch"],
                      steps_per_epoch=batches.steps, shuffle=False, validation_data=validation,
                      validation_batch_size=(validation_batch_size(x_val, batch_size, multiple_of)
                                             if isinstance(validation, tuple) else None),
                      callbacks=[checkpoint, *(callbacks or [])],
                      verbose=verbose)
        except NonFiniteLossError as e:
            kept = (f"the checkpoint of epoch {checkpoint.committed} is kept in {out_dir}"
                    if checkpoint.committed
                    else f"no epoch was saved, so {out_dir} has no checkpoint")
            raise NonFiniteLossError(f"{e} {kept}.") from e
    best = os.path.join(out_dir, state.get("best_weights", LEGACY_BEST_WEIGHTS))
    if "best_weights" in state and not os.path.isfile(best):
        raise ValueError(f"{state_path} names the best weights {best}, which are missing. Delete "
                         "the folder to start over.")
    if os.path.isfile(best):
        expected = state.get("best_weights_sha256")
        if expected and sha256(best) != expected:
            raise ValueError(
                f"{best} does not match the SHA-256 recorded in {state_path}: it was changed or "
                "damaged after training wrote it. Delete the folder to start over."
            )
        model.load_weights(best)
    return model, state


def model_input(model, images, name):
    """Arrays checked and converted to the model's float32 input whole; ImageFiles unchanged
    (``fit`` checks and converts each batch as it is read)."""
    from lsa_keras.datasets.image_files import ImageFiles
    from lsa_keras.utils.preprocessing import as_model_images

    if isinstance(images, ImageFiles):
        return images
    return as_model_images(images, model.image_shape, name=name)


def validation_input(model, images, batch_size, multiple_of=1):
    """``fit``'s ``validation_data``: ``(array,)`` (batched by ``fit``'s
    ``validation_batch_size``, see :func:`validation_batch_size`), batches of an array on
    TensorFlow, or ImageFiles streamed as a dataset of ``batch_size``; with ``multiple_of``
    m > 1, without the last ``len(images) % m`` images (JAX data-parallel batches split evenly
    over m devices)."""
    from lsa_keras.datasets.image_files import ImageFiles

    used = _validation_count(images, multiple_of)
    if isinstance(images, ImageFiles):
        dataset = images.as_dataset(batch_size)
        if used < len(images):
            dataset = dataset.unbatch().take(used).batch(batch_size)
        return dataset
    from lsa_keras.utils.fit_input import array_batches

    x_val = model_input(model, images[:used], "x_val")
    if keras.backend.backend() != "tensorflow":
        return (x_val,)
    # Keras' own pipeline would stall every epoch.
    return array_batches(x_val, validation_batch_size(images, batch_size, multiple_of))


# Validation runs in inference mode, where the batch size changes only the speed: a few large
# batches of one size make fewer calls and, under XLA, one compiled program instead of two
# (a ragged last batch is a shape of its own). The cap keeps large inputs (video clips) at the
# training batch size.
VALIDATION_BATCH_BYTES = 8 * 2**20


def validation_batch_size(images, batch_size: int, multiple_of: int = 1) -> int:
    """The batch size validation runs at for an array of ``images`` ``(n, *image_shape)``.

    At least ``batch_size``, and larger for small images: up to ``VALIDATION_BATCH_BYTES`` of
    float32 pixels a batch, with the images split over the fewest such batches as evenly as
    possible (MNIST's ~600 validation images are one batch). A multiple of ``multiple_of``.
    """
    used = _validation_count(images, multiple_of)
    sample_bytes = 4 * math.prod(int(n) for n in images.shape[1:])
    cap = max(int(batch_size), VALIDATION_BATCH_BYTES // max(sample_bytes, 1))
    cap = max(cap // multiple_of, 1) * multiple_of
    per_batch = math.ceil(used / math.ceil(used / cap))
    return math.ceil(per_batch / multiple_of) * multiple_of


def _validation_count(images, multiple_of):
    used = len(images) // multiple_of * multiple_of
    if used < 1:
        raise ValueError(f"{len(images)} validation images cannot be split over {multiple_of} "
                         "devices.")
    return used
