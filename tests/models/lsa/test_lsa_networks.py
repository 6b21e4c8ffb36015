"""Architecture totals and the video models' shapes, checked once (TensorFlow stage): they do
not depend on the backend, and building a video model under JAX took 40-60 s. Every backend
still builds and runs the UCSD Ped2 model (the ``backend``-marked forward tests at the end)."""

import numpy as np
import pytest

from lsa_keras import LSA
from tests.helpers import mnist_like, to_numpy


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
    """The whole ShanghaiTech path with the paper's networks on 64x128 frames (resized from
    the files' 128x256): generated files in the real layout, background removal, two training
    steps, every clip of a test video scored. The paper's 256x512 frames run the same code 16
    times over (``test_shanghaitech_at_the_papers_frame_size``, marked slow: 11-15 minutes on
    a 2-core AVX2 CPU); ``test_video_shapes`` builds the networks at that size."""
    pytest.importorskip("cv2")
    from tests.helpers import shanghaitech_lsa, write_shanghaitech

    root = write_shanghaitech(str(tmp_path / "sht"), n_train=1, n_test=1, frames=17,
                              size=(128, 256))
    model = shanghaitech_lsa((64, 128))
    assert model.encoder.output_shape == (None, 4, 64)
    _train_and_score_shanghaitech(root, model, (64, 128))


@pytest.mark.slow
def test_shanghaitech_at_the_papers_frame_size(tmp_path):
    """The test above on the paper's 256x512 frames with ``LSA.from_architecture``."""
    pytest.importorskip("cv2")
    from tests.helpers import write_shanghaitech

    root = write_shanghaitech(str(tmp_path / "sht"), n_train=1, n_test=1, frames=17,
                              size=(256, 512))
    _train_and_score_shanghaitech(root, LSA.from_architecture("shanghaitech"), (256, 512))


def test_shanghaitech_networks_need_sizes_the_blocks_divide():
    from tests.helpers import shanghaitech_lsa

    with pytest.raises(ValueError, match="multiples of 32"):
        shanghaitech_lsa((100, 128))


# Every architecture builds and runs forward on every backend, with the spec's shapes.
@pytest.mark.backend
def test_outputs():
    model = LSA.from_architecture("mnist")
    out = model(mnist_like(3), training=False)
    assert set(out) == {"reconstruction", "code", "logits"}
    assert tuple(out["reconstruction"].shape) == (3, 28, 28, 1)
    assert tuple(out["code"].shape) == (3, 64)
    assert tuple(out["logits"].shape) == (3, 64, 100)
    code = to_numpy(out["code"])
    assert code.min() >= 0.0 and code.max() <= 1.0


@pytest.mark.backend
def test_cifar10_outputs():
    model = LSA.from_architecture("cifar10", code_length=16, bins=20)
    out = model(np.random.rand(2, 32, 32, 3).astype("float32"), training=False)
    assert tuple(out["reconstruction"].shape) == (2, 32, 32, 3)
    assert tuple(out["logits"].shape) == (2, 16, 20)


@pytest.mark.backend
def test_ucsd_ped2_forward():
    model = LSA.from_architecture("ucsd_ped2", code_length=16, bins=10)
    out = model(np.random.rand(2, 8, 32, 32, 1).astype("float32"), training=False)
    assert tuple(out["reconstruction"].shape) == (2, 8, 32, 32, 1)
    assert tuple(out["logits"].shape) == (2, 2, 16, 10)
    # Supplement Table 1's UCSD Ped2 training: lambda 0.1 and noisy inputs.
    assert (model.lam, model.input_noise) == (0.1, 0.025)
