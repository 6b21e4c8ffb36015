"""Training that survives interruption (lsa_keras.training.resumable), in process; the subprocess test
that kills `lsa-keras train` midway is in tests/cli/test_commands.py."""

import json
import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest

from lsa_keras.training.callbacks import NonFiniteLossError
from lsa_keras.training.resumable import STATE, EpochOrder, checkpoint_path, train_resumable
from tests.test_case import PoisonWeights, mnist_like, tiny_lsa, to_numpy

SETTINGS = {"dataset": "random", "lr": 1e-3}


def schedule():
    # The reproduction scripts' ``--schedule cosine``: 40 images in batches of 20 are 2 steps
    # an epoch, decaying over 2 epochs. A resumed run must continue it at the step it reached
    # (the optimizer's iterations travel in the checkpoint); a constant rate is the easy case.
    from lsa_keras.training.schedules import learning_rate_schedule

    return learning_rate_schedule("cosine", 1e-3, 2, 2)


def run(out, epochs, **kwargs):
    # train_resumable compiles the new model with Adam(schedule()) and Keras' default
    # jit_compile, which is no XLA on a CPU under TensorFlow (these tests are not backend
    # tests): they are about checkpoints, and every new model traces its step anew.
    return train_resumable(tiny_lsa, mnist_like(40), mnist_like(8, 1), str(out), epochs, 20,
                           schedule(), SETTINGS, seed=3, verbose=0, **kwargs)


def weights(model):
    return [to_numpy(w) for w in model.weights]


@pytest.mark.backend
def test_epoch_order_depends_only_on_seed_and_epoch():
    x = np.arange(10)
    a = EpochOrder(x, 4, seed=1)
    assert len(a) == 3 and a.num_batches is None  # endless: fit runs it with steps_per_epoch
    first = np.concatenate([a[i] for i in range(3)])
    second = np.concatenate([a[i] for i in range(3, 6)])
    b = EpochOrder(x, 4, seed=1, initial_epoch=1)
    assert sorted(first) == sorted(second) == list(range(10))
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(np.concatenate([b[i] for i in range(3)]), second)
    np.testing.assert_array_equal(b[4], a[7])  # any index, any order of requests
    # steps_per_epoch: each epoch is the first batches of that epoch's own order.
    short = EpochOrder(x, 4, seed=1, max_steps=2)
    assert len(short) == 2
    np.testing.assert_array_equal(np.concatenate([short[i] for i in range(2, 4)]), second[:8])


@pytest.mark.backend
def test_horizontal_flips_are_seeded_and_mirror_whole_images():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (64, 5, 6, 3), dtype=np.uint8)
    before = x.copy()
    plain = EpochOrder(x, 16, seed=3)
    flipped = EpochOrder(x, 16, seed=3, augmentation="horizontal_flip")
    resumed = EpochOrder(x, 16, seed=3, initial_epoch=1, augmentation="horizontal_flip")
    mirrored = 0
    for i in range(8):
        a, b = plain[i], flipped[i]
        same = np.all(a == b, axis=(1, 2, 3))
        mirror = np.all(a[:, :, ::-1] == b, axis=(1, 2, 3))
        assert np.all(same | mirror)  # each image is itself or its mirror, never a mix
        mirrored += int(np.sum(mirror & ~same))
    assert 40 <= mirrored <= 88  # about half of 128 draws
    np.testing.assert_array_equal(resumed[2], flipped[6])  # a resumed run, the same flips
    np.testing.assert_array_equal(flipped[3], flipped[3])
    assert not np.array_equal(flipped[0], EpochOrder(x, 16, seed=4, augmentation="horizontal_flip")[0])
    clips = rng.random((4, 2, 3, 5, 1)).astype("float32")  # (n, t, h, w, c): width flips
    clip_batch = EpochOrder(clips, 4, seed=0, augmentation="horizontal_flip")[0]
    reference = EpochOrder(clips, 4, seed=0)[0]
    for got, want in zip(clip_batch, reference):
        assert np.array_equal(got, want) or np.array_equal(got, want[:, :, ::-1])
    np.testing.assert_array_equal(x, before)  # the training images themselves never flip
    with pytest.raises(ValueError, match="augmentation must be one of"):
        EpochOrder(x, 16, seed=3, augmentation="vertical_flip")


def auroc_trace():
    """``--eval-every``'s callback (examples/reproduction.py), on random images."""
    import sys

    from tests.test_case import ROOT

    sys.path.insert(0, os.path.join(ROOT, "examples"))
    from reproduction import TestAurocTrace

    split = {"x_val": mnist_like(8, 1), "x_test": mnist_like(12, 5),
             "novel_test": np.array([0, 1] * 6)}
    return TestAurocTrace(split, every=1)


class WatchState(keras.callbacks.Callback):
    """Runs after EpochCheckpoint: the epoch the state file on disk holds at each epoch's end
    (None: no state file yet)."""

    def __init__(self, out):
        super().__init__()
        self.out, self.seen = out, []

    def on_epoch_end(self, epoch, logs=None):
        path = self.out / STATE
        self.seen.append(json.loads(path.read_text())["epoch"] if path.exists() else None)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """An uninterrupted 2-epoch run that traces the test AUROC every epoch and writes one
    checkpoint (a checkpoint interval of an hour), and one with the same seed, without the
    trace, a checkpoint every epoch, stopped after epoch 1 and resumed; both on the cosine
    schedule."""
    root = tmp_path_factory.mktemp("resumable")
    trace = auroc_trace()
    watch = WatchState(root / "straight")
    read = []
    getitem = EpochOrder.__getitem__
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(EpochOrder, "__getitem__", lambda self, i: read.append(i) or getitem(self, i))
        straight, straight_state = run(root / "straight", 2, callbacks=[trace, watch],
                                       checkpoint_interval=3600)
    run(root / "resumed", 1)
    shutil.copytree(root / "resumed", root / "after-epoch-1")
    keras.utils.set_random_seed(999)  # a restarted process has another global random state
    resumed, state = run(root / "resumed", 2)
    assert state["epoch"] == 2
    # The weights as training left them (a test calibrating "straight" changes its variables).
    return {"straight": straight, "resumed": resumed, "after_epoch_1": root / "after-epoch-1",
            "straight_weights": weights(straight), "trace": trace.trace, "read": read,
            "straight_dir": root / "straight", "straight_state": straight_state,
            "straight_saves": watch.seen}


def test_fit_reads_the_seeded_order_once_through(runs):
    """Batch i of a fit call is batch i of EpochOrder, across epochs: on TensorFlow the batches
    reach fit through tf.data, which fit must not restart at each epoch."""
    if keras.backend.backend() == "tensorflow":
        assert runs["read"] == [0, 1, 2, 3]  # 2 epochs of 2 batches
    else:  # Keras' PyDataset adapter may read a batch ahead to learn the input's spec
        assert runs["read"][-4:] == [0, 1, 2, 3] or sorted(set(runs["read"])) == [0, 1, 2, 3]


def test_resumed_run_ends_with_the_weights_of_an_uninterrupted_one(runs):
    for a, b in zip(weights(runs["straight"]), weights(runs["resumed"])):
        np.testing.assert_array_equal(a, b)


def test_tracing_the_test_auroc_does_not_change_training(runs):
    """``--eval-every`` scores the test set between epochs (analysis only): the traced
    uninterrupted run ends with the weights of the untraced resumed one (the fixture), so
    traced and untraced runs belong to one table."""
    assert [t["epoch"] for t in runs["trace"]] == [1, 2]
    for a, b in zip(runs["straight_weights"], weights(runs["resumed"])):
        np.testing.assert_array_equal(a, b)


def test_a_resumed_decaying_schedule_continues_where_it_stopped(runs):
    """The fixture's runs are on the cosine schedule: the resumed one continued its learning
    rate at the step it reached, not from the top of the schedule, and ends where the
    uninterrupted one does (test_resumed_run_ends_with_the_weights_of_an_uninterrupted_one)."""
    for model in (runs["straight"], runs["resumed"]):
        assert int(to_numpy(model.optimizer.iterations)) == 4
        assert float(to_numpy(model.optimizer.learning_rate)) == pytest.approx(1e-5)  # alpha 0.01


def test_same_seed_same_scores_and_auroc(runs):
    """Two runs with one seed (one of them interrupted) score identically, twice over."""
    from lsa_keras import scoring

    x_test, novel = mnist_like(12, 5), np.array([0, 1] * 6)
    results = []
    for model in (runs["straight"], runs["resumed"], runs["straight"]):
        model.calibrate(mnist_like(8, 1))
        scores = model.score(x_test)
        results.append((scores, scoring.auroc(novel, scores)))
    for other in results[1:]:
        for k in ("llk", "rec", "ns"):
            np.testing.assert_array_equal(results[0][0][k], other[0][k])
        assert results[0][1] == other[1]


def test_a_resumed_run_takes_the_xla_setting_it_is_given(runs, tmp_path):
    """jit_compile is a speed setting, not part of a run's identity: a finished run reopened
    with another one comes back with it (and trains on with it when given more epochs)."""
    finished = tmp_path / "finished"
    shutil.copytree(runs["after_epoch_1"].parent / "resumed", finished)
    model, state = run(finished, 2, jit_compile=True)
    assert state["epoch"] == 2 and model.jit_compile is True
    model, _ = run(finished, 2, jit_compile=False)
    assert model.jit_compile is False


def test_the_tf_data_feed_gives_the_batches_of_the_order():
    if keras.backend.backend() != "tensorflow":
        pytest.skip("the tf.data feed is TensorFlow's")
    x = mnist_like(50, 2)
    order = EpochOrder(x, 16, seed=3, initial_epoch=2, augmentation="horizontal_flip")
    got = [b.numpy() for b in order.as_dataset(3 * order.steps)]
    assert len(got) == 3 * order.steps == 12  # three epochs of 16, 16, 16, 2
    for i, batch in enumerate(got):
        np.testing.assert_array_equal(batch, order[i])


def test_validation_batches_are_the_converted_images_in_order():
    from types import SimpleNamespace

    from lsa_keras.training.resumable import validation_input

    images = (mnist_like(10, 4) * 255).astype("uint8")
    batches = validation_input(SimpleNamespace(image_shape=(28, 28, 1)), images, 4)
    if keras.backend.backend() == "tensorflow":
        # Plain batches without tf.data's autotuning: Keras' autotuned prefetch of an array
        # stalls each epoch's validation while it tears down.
        assert batches.options().autotune.enabled is False
        got = np.concatenate([b.numpy() for b in batches])
    else:
        got = batches[0]
    np.testing.assert_array_equal(got, images.astype("float32") / 255.0)


def test_validation_batches_are_few_and_even_for_small_images():
    from lsa_keras.training.resumable import VALIDATION_BATCH_BYTES, validation_batch_size

    mnist = np.zeros((619, 28, 28, 1), "uint8")
    assert validation_batch_size(mnist, 128) == 619  # one batch: one compiled shape under XLA
    per_image = 4 * 32 * 32 * 3
    cifar = np.zeros((2 * VALIDATION_BATCH_BYTES // per_image + 1, 32, 32, 3), "uint8")
    size = validation_batch_size(cifar, 64)
    batches = [min(size, len(cifar) - i) for i in range(0, len(cifar), size)]
    assert len(batches) == 3 and max(batches) - min(batches) <= 2
    assert size * per_image <= VALIDATION_BATCH_BYTES
    clips = np.zeros((10, 16, 256, 256, 1), "uint8")  # large inputs keep the training batch
    assert validation_batch_size(clips, 4) == 4
    assert validation_batch_size(mnist[:11], 4, multiple_of=2) == 10
    with pytest.raises(ValueError, match="1 validation images cannot be split over 2"):
        validation_batch_size(mnist[:1], 4, multiple_of=2)


def test_a_damaged_checkpoint_is_refused(runs, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(runs["after_epoch_1"], out)
    path = out / checkpoint_path(str(out))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="does not match the SHA-256"):
        run(out, 2)
    state = json.loads((out / STATE).read_text())
    del state["checkpoint_sha256"]  # a checkpoint from before hashes were recorded
    (out / STATE).write_text(json.dumps(state))
    with pytest.raises(ValueError, match="could not be loaded.*damaged"):
        run(out, 2)


def test_optimiser_state_of_another_weight_layout_is_refused(runs, tmp_path, monkeypatch):
    """Keras would load the model, skip the optimiser's moments with a warning and train on
    from fresh ones; a resumed run must be the run that stopped, so this is an error."""
    from lsa_keras.layers import MaskedDense

    out = tmp_path / "run"
    shutil.copytree(runs["after_epoch_1"], out)
    # Four evaluation groups hold the tiny model's MFC kernels in more variables than its one.
    monkeypatch.setattr(MaskedDense, "evaluation_groups", 4)
    with pytest.raises(ValueError, match="optimiser state for other model variables"):
        run(out, 2)


def test_files_of_an_epoch_whose_state_was_never_written_are_discarded(runs, tmp_path):
    """A kill after epoch 2's checkpoint and best weights were written but before its state
    was, or in the middle of writing them: the resumed run redoes epoch 2 from epoch 1's files
    and ends like an uninterrupted run, and the orphans, temporaries included, are gone."""
    out = tmp_path / "run"
    shutil.copytree(runs["after_epoch_1"], out)
    state = json.loads((out / STATE).read_text())
    assert state["checkpoint"] == "checkpoint-epoch0001.keras"
    assert sorted(os.listdir(out)) == sorted([STATE, state["checkpoint"], state["best_weights"]])
    orphans = ["checkpoint-epoch0002.keras", "best-epoch0002.weights.h5"]
    # Issue 33: the temporaries of writes killed midway (their process is gone) were never
    # removed; those of a process still writing must stay.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    orphans += [f".checkpoint-epoch0002.tmp{dead}.keras", f".best-epoch0002.tmp{dead}.weights.h5",
                f".train_state.tmp{dead}.json"]
    for name in orphans:
        (out / name).write_bytes(b"written before the kill; its state never was")
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"]) as alive:
        try:
            in_progress = f".checkpoint-epoch0003.tmp{alive.pid}.keras"
            (out / in_progress).write_bytes(b"another process is writing this")
            resumed, state = run(out, 2)
        finally:
            alive.kill()
    assert state["epoch"] == 2 and state["checkpoint"] == "checkpoint-epoch0002.keras"
    for a, b in zip(runs["straight_weights"], weights(resumed)):
        np.testing.assert_array_equal(a, b)
    assert sorted(os.listdir(out)) == sorted([STATE, state["checkpoint"], state["best_weights"],
                                              in_progress])


def test_a_checkpoint_interval_saves_less_often(runs):
    """The fixture's uninterrupted run had an hour between checkpoints: epoch 1 wrote no
    checkpoint or state (a stop there resumes from the last save, as
    test_files_of_an_epoch_whose_state_was_never_written_are_discarded shows), the last epoch
    was saved, no stray files stayed, and it trained to the weights of the run that saved
    every epoch (test_resumed_run_ends_with_the_weights_of_an_uninterrupted_one)."""
    state, out = runs["straight_state"], runs["straight_dir"]
    assert runs["straight_saves"] == [None, 2]
    assert state["epoch"] == 2 and len(state["history"]) == 2
    assert state["checkpoint"] == "checkpoint-epoch0002.keras"
    assert state["best_epoch"] == 1 + min(range(2), key=lambda e: state["history"][e]["val_loss"])
    assert sorted(os.listdir(out)) == sorted([STATE, state["checkpoint"], state["best_weights"]])
    for bad in (-1, float("nan")):
        with pytest.raises(ValueError, match="checkpoint_interval must be"):
            run(out, 2, checkpoint_interval=bad)


@pytest.mark.backend
def test_an_early_stop_saves_the_epochs_since_the_last_checkpoint(tmp_path):
    """fit ended by a callback (stop_training) after an epoch the interval left unsaved: the
    end of training writes its checkpoint and state, naming the best weights."""
    from lsa_keras.training.resumable import EpochCheckpoint

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    state = {"settings": {}, "epoch": 0}
    checkpoint = EpochCheckpoint(str(tmp_path), state, interval=3600)
    checkpoint.set_model(model)
    checkpoint.set_params({"epochs": 5})
    for epoch, val in enumerate([2.0, 1.0, 1.5]):
        checkpoint.on_epoch_begin(epoch)
        checkpoint.on_epoch_end(epoch, {"loss": 1.0, "val_loss": val})
    assert not (tmp_path / STATE).exists() and checkpoint.committed == 0
    checkpoint.on_train_end()
    saved = json.loads((tmp_path / STATE).read_text())
    assert saved["epoch"] == 3 and checkpoint.committed == 3 and saved["best_epoch"] == 2
    assert sorted(os.listdir(tmp_path)) == sorted([STATE, "checkpoint-epoch0003.keras",
                                                   "best-epoch0002.weights.h5"])


def test_a_folder_in_the_old_layout_resumes(runs, tmp_path):
    """Folders written before the file names carried the epoch: checkpoint.keras and
    best.weights.h5, named by no state field."""
    out = tmp_path / "run"
    shutil.copytree(runs["after_epoch_1"], out)
    state = json.loads((out / STATE).read_text())
    os.rename(out / state.pop("checkpoint"), out / "checkpoint.keras")
    os.rename(out / state.pop("best_weights"), out / "best.weights.h5")
    state.pop("best_weights_sha256")
    (out / STATE).write_text(json.dumps(state))
    resumed, state = run(out, 2)
    for a, b in zip(runs["straight_weights"], weights(resumed)):
        np.testing.assert_array_equal(a, b)
    assert "checkpoint.keras" not in os.listdir(out)


def test_missing_files_and_other_settings_are_refused(runs, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(runs["after_epoch_1"], out)
    with pytest.raises(ValueError, match="other settings"):
        train_resumable(tiny_lsa, mnist_like(40), mnist_like(8, 1), str(out), 2, 20,
                        schedule(), {"dataset": "random", "lr": 1e-2}, seed=3, verbose=0)
    os.remove(checkpoint_path(str(out)))
    with pytest.raises(ValueError, match="names the checkpoint .* which is missing"):
        run(out, 2)


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(NonFiniteLossError, match=r"loss became nan in epoch 2.*"
                                                 r"checkpoint of epoch 1 is kept"):
        run(out, 2, callbacks=[PoisonWeights(1)])
    state = json.loads((out / STATE).read_text())
    assert state["epoch"] == 1
    kept = keras.saving.load_model(checkpoint_path(str(out)))
    assert os.path.basename(checkpoint_path(str(out))) == "checkpoint-epoch0001.keras"
    assert all(np.isfinite(w).all() for w in weights(kept))
    assert "checkpoint_sha256" in state
