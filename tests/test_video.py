import numpy as np
import pytest

from lsa_keras import video


def fake_scorer(patches):
    # Any deterministic function of the patch content will do for checking the bookkeeping.
    flat = patches.reshape(len(patches), -1)
    return {"llk": flat.mean(axis=1), "rec": flat.std(axis=1)}


def test_patch_grid_matches_the_protocol():
    assert len(video.patch_grid()) == 15 * 23
    assert video.patch_grid()[-1].tolist() == [224, 352]


def test_frame_scores_equal_scoring_every_clip_separately():
    rng = np.random.default_rng(0)
    frames = rng.random((21, 48, 64, 1)).astype("float32")
    corners = video.patch_grid((48, 64))
    windows = video.score_windows(fake_scorer, frames, corners, batch_size=7)
    got = video.frame_scores(windows, len(frames))
    # Brute force: every 16-frame clip cut into 2 x corners patches, scored from scratch.
    n_clips = len(frames) - 15
    expected = {k: [[] for _ in frames] for k in ("llk", "rec")}
    for s in range(n_clips):
        patches = np.concatenate([video.window_patches(frames, s + o, corners) for o in (0, 8)])
        clip = {k: v.mean() for k, v in fake_scorer(patches).items()}
        for f in range(s, s + 16):
            for k in clip:
                expected[k][f].append(clip[k])
    for k in ("llk", "rec"):
        np.testing.assert_allclose(got[k], [np.mean(v) for v in expected[k]], rtol=1e-6)


def test_normalise_per_video_and_heatmap():
    scores = video.normalise_per_video({"llk": np.array([1.0, 3.0, 2.0]), "rec": np.array([5.0, 5.0, 5.0])})
    np.testing.assert_allclose(scores["ns"], [0.0, 1.0, 0.5])
    corners = video.patch_grid((64, 64))
    heat = video.patch_heatmap(np.arange(len(corners))[None].astype(float), corners, 0, size=(64, 64))
    assert heat.shape == (64, 64) and heat[0, 0] == 0.0 and heat[-1, -1] == len(corners) - 1


def test_training_patches_and_errors():
    rng = np.random.default_rng(1)
    vids = [rng.random((10, 48, 64, 1)).astype("float32") for _ in range(2)]
    patches = video.sample_training_patches(vids, 5, seed=0)
    assert patches.shape == (5, 8, 32, 32, 1)
    with pytest.raises(ValueError, match="at least 16 frames"):
        video.frame_scores({"llk": np.zeros((3, 2))}, 10)
    with pytest.raises(ValueError, match=r"\(t, h, w\)"):
        video.resize_video(np.zeros((2, 3)))
    resized = video.resize_video(np.full((2, 24, 36), 255, "uint8"), size=(32, 48))
    assert resized.shape == (2, 32, 48, 1) and np.allclose(resized, 1.0)
