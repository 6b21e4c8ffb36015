"""Architecture totals and the video models' shapes, checked once (TensorFlow stage): they do
not depend on the backend, and building a video model under JAX took 40-60 s. Every backend
still builds and runs the UCSD Ped2 model (the ``backend``-marked forward tests at the end).
The DR(eye)VE networks are checked against their parameter-count formula, at the paper's
size and at a reduced frame size."""

import numpy as np
import pytest

from lsa_keras import LSA
from tests.test_case import mnist_like, to_numpy


def forward(model, x):
    """``model(x, training=False)``; under JAX as one compiled call (``predict_on_batch`` runs
    the same ``call``), since eagerly JAX compiles every op for its shape: the UCSD Ped2
    forward took 22 s of CPU eagerly, 15 s compiled."""
    import keras

    if keras.backend.backend() == "jax":
        return model.predict_on_batch(x)
    return model(x, training=False)


@pytest.mark.parametrize("name,total", [("mnist", 13_690_160), ("cifar10", 17_826_752),
                                        ("ucsd_ped2", 3_959_414), ("shanghaitech", 13_374_603)])
def test_parameter_count_equals_reference(name, total):
    assert LSA.from_architecture(name).count_params() == total


@pytest.mark.parametrize("name,clip,code", [("ucsd_ped2", (8, 32, 32, 1), (2, 64)),
                                            ("shanghaitech", (16, 256, 512, 3), (4, 64))])
def test_video_shapes(name, clip, code):
    model = LSA.from_architecture(name)
    assert model.encoder.output_shape == (None, *code)
    assert model.decoder.output_shape == (None, *clip)
    assert model.estimator.output_shape == (None, *code, 100)
    assert len(model.estimator.layers) == (5 if name == "ucsd_ped2" else 3) * 2 - 1


def _train_and_score_shanghaitech(root, model, frame_size):
    """Background removal, two training steps and every clip of a test video scored."""
    import keras
    import numpy as np

    from lsa_keras import video
    from lsa_keras.datasets.shanghaitech import ShanghaiTech, remove_background
    from lsa_keras.video.pipeline import evaluate_clip_videos

    data = ShanghaiTech(root, size=frame_size)
    train = [remove_background(data.train_video(n)) for n in data.train_names]
    frames, labels, _ = data.test_video(data.test_names[0])
    clips = video.sample_training_clips(train, 2, seed=0)
    assert clips.shape == (2, 16, *frame_size, 3) and clips.max() <= 1.0

    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    weights = model.encoder.get_weights()[0].copy()
    history = model.fit(clips, batch_size=1, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert not np.array_equal(weights, model.encoder.get_weights()[0])
    out = evaluate_clip_videos(model, [remove_background(frames)], [labels], batch_size=2,
                               log=lambda *_: None)
    assert out["frames"] == 17 and out["anomalous_frames"] == int(labels.sum()) > 0
    assert all(0.0 <= v <= 1.0 for v in out["auroc"].values())
    assert out["videos"][0]["scores"]["ns"].shape == (17,)


def test_shanghaitech_trains_a_few_steps_and_scores_a_clip(tmp_path):
    """The whole ShanghaiTech path with the paper's networks on 32x64 frames (resized from
    the files' 64x128; 32 is the smallest side the blocks divide): generated files in the real
    layout, background removal, two training steps, every clip of a test video scored. The
    paper's 256x512 frames run the same code 64 times over (``test_shanghaitech_at_the_papers_frame_size``, marked slow: 11-15 minutes on
    a 2-core AVX2 CPU); ``test_video_shapes`` builds the networks at that size."""
    pytest.importorskip("cv2")
    from tests.test_case import shanghaitech_lsa, write_shanghaitech

    root = write_shanghaitech(str(tmp_path / "sht"), n_train=1, n_test=1, frames=17,
                              size=(64, 128))
    model = shanghaitech_lsa((32, 64))
    assert model.encoder.output_shape == (None, 4, 64)
    _train_and_score_shanghaitech(root, model, (32, 64))


@pytest.mark.slow
def test_shanghaitech_at_the_papers_frame_size(tmp_path):
    """The test above on the paper's 256x512 frames with ``LSA.from_architecture``."""
    pytest.importorskip("cv2")
    from tests.test_case import write_shanghaitech

    root = write_shanghaitech(str(tmp_path / "sht"), n_train=1, n_test=1, frames=17,
                              size=(256, 512))
    _train_and_score_shanghaitech(root, LSA.from_architecture("shanghaitech"), (256, 512))


def test_shanghaitech_networks_need_sizes_the_blocks_divide():
    from tests.test_case import shanghaitech_lsa

    with pytest.raises(ValueError, match="multiples of 32"):
        shanghaitech_lsa((100, 128))


# The DR(eye)VE setting (supplement Table 1's fifth column): parameter count against its
# formula, shapes, the sizes its blocks refuse, and a few training steps plus clip scoring on
# generated sequences in the dataset's layout at a reduced frame size.

FRAME_SIZE = (32, 64)  # the tests' frames; the paper's are 160x256


def dreyeve_lsa(frame_size=FRAME_SIZE):
    """The DR(eye)VE LSA (the paper's blocks, strides, code and estimator) for frames of
    ``frame_size`` instead of 160x256."""
    return LSA.from_architecture("dreyeve", input_shape=(16, *frame_size, 1))


def video_parameter_count(in_channels, grid, hidden, code_length, bins, units, down, up,
                          output_bias):
    """Trainable parameters of a video LSA, counted as PyTorch does (no BN statistics).

    - Down block (c -> f): causal 3x3x3 conv 27cf, 3x3x3 conv 27f^2, 1x1x1 shortcut cf, three
      batch norms 2f each: ``28cf + 27f^2 + 6f``.
    - Up block (c -> f): transposed 5x5x5 conv 125cf, 3x3x3 conv 27f^2, transposed 5x5x5
      shortcut 125cf, three batch norms: ``250cf + 27f^2 + 6f``.
    - TFC n -> u: ``nu + u``. Encoder: grid -> hidden -> d; decoder: d -> hidden -> grid.
    - Output 1x1x1 conv: ``f c (+ c with a bias)``.
    - MSC c -> f over a code of d: ``(3d^2 - d)/2 cf + df`` (type A, the first),
      ``(3d^2 + d)/2 cf + df`` (type B).
    """
    def chain(c, blocks, per):
        total = 0
        for f in blocks:
            total, c = total + per(c, f), f
        return total

    def tfc(sizes):
        return sum(n * u + u for n, u in zip(sizes, sizes[1:]))

    encoder = chain(in_channels, down, lambda c, f: 28 * c * f + 27 * f * f + 6 * f)
    encoder += tfc([grid, *hidden, code_length])
    decoder = tfc([code_length, *hidden, grid])
    decoder += chain(down[-1], up, lambda c, f: 250 * c * f + 27 * f * f + 6 * f)
    decoder += up[-1] * in_channels + (in_channels if output_bias else 0)
    d = code_length
    estimator, c = 0, 1
    for k, f in enumerate((*units, bins)):
        estimator += (3 * d * d + (d if k else -d)) // 2 * c * f + d * f
        c = f
    return encoder + decoder + estimator


def dreyeve_parameter_count(frame_size=(160, 256), code_length=64, bins=100):
    h, w = frame_size
    return video_parameter_count(1, h // 32 * (w // 32) * 64, (512,), code_length, bins,
                                 (4, 4, 4, 4), (8, 16, 32, 64, 64), (64, 32, 16, 8, 8), True)


def test_parameter_count_formula_reproduces_the_shanghaitech_reference():
    # The same block formulas give the reference code's ShanghaiTech count (spec).
    count = video_parameter_count(3, 8 * 16 * 64, (512,), 64, 100, (4, 4), (8, 16, 32, 64, 64),
                                  (64, 32, 16, 8, 8), True)
    assert count == 13_374_603


def test_the_recipe_holds_table_1s_settings():
    from lsa_keras.models.lsa import lsa_presets

    recipe = lsa_presets.recipe("dreyeve")
    assert recipe["architecture"] == "dreyeve"
    assert recipe["model"] == {"code_length": 64, "bins": 100, "estimator_units": [4, 4, 4, 4],
                               "lam": 1.0}
    assert (recipe["schedule"]["batch_size"], recipe["schedule"]["learning_rate"]) == (16, 1e-3)
    assert "dreyeve" not in lsa_presets.available_presets()  # no data here, so no weights


def test_parameter_count_and_shapes_at_the_papers_size():
    model = LSA.from_architecture("dreyeve")
    assert model.count_params() == dreyeve_parameter_count() == 7_799_481
    assert model.encoder.input_shape == (None, 16, 160, 256, 1)
    assert model.decoder.output_shape == model.encoder.input_shape
    assert model.encoder.output_shape == (None, 4, 64)
    assert model.estimator.output_shape == (None, 4, 64, 100)
    # MSC 4, 4, 4, 4, 100 with LeakyReLU between the layers; Table 1's lambda 1, no noise.
    assert len(model.estimator.layers) == 9
    assert (model.lam, model.input_noise) == (1.0, 0.0)


@pytest.mark.backend
def test_builds_and_runs_at_a_reduced_frame_size():
    model = dreyeve_lsa()
    assert model.count_params() == dreyeve_parameter_count(FRAME_SIZE)
    clips = np.random.default_rng(0).random((1, 16, *FRAME_SIZE, 1), dtype="float32")
    out = forward(model, clips)
    assert tuple(out["reconstruction"].shape) == clips.shape
    assert tuple(out["code"].shape) == (1, 4, 64)
    assert tuple(out["logits"].shape) == (1, 4, 64, 100)


@pytest.mark.parametrize("frame_size", [(100, 256), (160, 250)])
def test_refuses_frame_sizes_its_blocks_cannot_divide(frame_size):
    with pytest.raises(ValueError, match="multiples of 32"):
        dreyeve_lsa(frame_size)


def test_only_the_whole_frame_settings_build_for_other_shapes():
    from lsa_keras.models import build_networks

    with pytest.raises(ValueError, match="does not build for input shape"):
        build_networks("ucsd_ped2", input_shape=(8, 64, 64, 1))


def test_trains_a_few_steps_and_scores_clips_of_generated_sequences(tmp_path):
    """Generated sequences in the DR(eye)VE layout (frame folders, no OpenCV needed), read at
    32x64; two training steps on clips of the normal stretches; the two clips of the 17
    frames around a test sequence's event onset scored. (TensorFlow's CPU transposed 3D
    convolutions make the decoder the slow part: about 1 s per clip forward at 32x64.)"""
    import keras

    from lsa_keras import video
    from lsa_keras.datasets.dreyeve import DrEyeVE
    from lsa_keras.datasets.synthetic_dreyeve import write_synthetic_dreyeve
    from lsa_keras.video.pipeline import evaluate_clip_videos

    root = write_synthetic_dreyeve(str(tmp_path), train=1, test=1, frames=64, size=(54, 96),
                                   videos=False)
    data = DrEyeVE(root, size=FRAME_SIZE)
    segments = data.train_segments(data.train_names[0])
    clips = video.sample_training_clips(segments, 2, seed=0)
    assert clips.shape == (2, 16, *FRAME_SIZE, 1) and clips.max() <= 1.0
    frames, labels = data.test_video(data.test_names[0])
    onset = int(np.flatnonzero(labels)[0])
    frames, labels = frames[onset - 8:onset + 9], labels[onset - 8:onset + 9]  # 2 clips
    assert labels.tolist() == [0] * 8 + [1] * 9

    model = dreyeve_lsa()
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    weights = model.encoder.get_weights()[0].copy()
    history = model.fit(clips, batch_size=1, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert not np.array_equal(weights, model.encoder.get_weights()[0])
    out = evaluate_clip_videos(model, [frames], [labels], batch_size=2, log=lambda *_: None)
    assert out["frames"] == 17 and out["anomalous_frames"] == 9
    assert all(0.0 <= v <= 1.0 for v in out["auroc"].values())
    assert out["videos"][0]["scores"]["ns"].shape == (17,)
    # A copy under another dtype policy keeps the reduced frame size and the weights.
    twin = model.with_dtype_policy("float32")
    assert twin.image_shape == model.image_shape and twin.count_params() == model.count_params()


# Every architecture builds and runs forward on every backend, with the spec's shapes.
@pytest.mark.backend
def test_outputs():
    model = LSA.from_architecture("mnist")
    out = forward(model, mnist_like(3))
    assert set(out) == {"reconstruction", "code", "logits"}
    assert tuple(out["reconstruction"].shape) == (3, 28, 28, 1)
    assert tuple(out["code"].shape) == (3, 64)
    assert tuple(out["logits"].shape) == (3, 64, 100)
    code = to_numpy(out["code"])
    assert code.min() >= 0.0 and code.max() <= 1.0


@pytest.mark.backend
def test_cifar10_outputs():
    model = LSA.from_architecture("cifar10", code_length=16, bins=20)
    out = forward(model, np.random.rand(2, 32, 32, 3).astype("float32"))
    assert tuple(out["reconstruction"].shape) == (2, 32, 32, 3)
    assert tuple(out["logits"].shape) == (2, 16, 20)


@pytest.mark.backend
def test_ucsd_ped2_forward():
    model = LSA.from_architecture("ucsd_ped2", code_length=16, bins=10)
    out = forward(model, np.random.rand(2, 8, 32, 32, 1).astype("float32"))
    assert tuple(out["reconstruction"].shape) == (2, 8, 32, 32, 1)
    assert tuple(out["logits"].shape) == (2, 2, 16, 10)
    # Supplement Table 1's UCSD Ped2 training: lambda 0.1 and noisy inputs.
    assert (model.lam, model.input_noise) == (0.1, 0.025)
