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


def test_clip_frame_scores_is_the_mean_over_covering_clips():
    rng = np.random.default_rng(2)
    clips = {"llk": rng.random(6)}
    got = video.clip_frame_scores(clips, n_frames=9, clip_length=4)["llk"]
    expected = [np.mean([clips["llk"][s] for s in range(6) if s <= f < s + 4]) for f in range(9)]
    np.testing.assert_allclose(got, expected)
    with pytest.raises(ValueError, match="give 6 clips"):
        video.clip_frame_scores({"llk": np.zeros(5)}, n_frames=9, clip_length=4)


def test_localisation_hits_the_top_patch_against_the_mask():
    corners = video.patch_grid((64, 64))  # 3 x 3 patches of 32 with stride 16
    patch_ns = np.zeros((4, len(corners)))  # 4 windows of 8 frames: 11 frames
    patch_ns[:, 8] = 1.0  # the bottom-right patch scores highest in every window
    masks = np.zeros((11, 64, 64), bool)
    masks[2, 40:50, 40:50] = True  # inside the bottom-right patch: a hit
    masks[5, 0:5, 0:5] = True  # top-left corner only: a miss
    out = video.localisation_hits(patch_ns, masks, corners)
    assert out["frames"].tolist() == [2, 5] and out["hit"].tolist() == [True, False]
    assert out["top"].tolist() == [8, 8]
