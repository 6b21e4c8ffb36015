"""Video novelty detection as in the paper's UCSD Ped2 protocol (spec, "Evaluation protocol").

Frames are resized to 256x384 grayscale. A clip is 16 consecutive frames (stride 1); it is cut
into 2 (time) x 15 x 23 patches of 8x32x32 with a spatial stride of 16. A clip's LLK and REC
are the means over its patches, a frame's the means over all clips that contain it; each test
video's frame scores are min-max normalised on that video (transductive, as in the paper),
NS = norm(LLK) + norm(REC), and the AUROC is taken over the frames of all videos together.

Clips overlap, so every 8-frame window of patches is scored once and shared by the (up to)
two clips that contain it; the numbers equal scoring every clip separately.
"""

import numpy as np

FRAME_SIZE = (256, 384)
CLIP_LENGTH = 16
PATCH = (8, 32, 32)
SPATIAL_STRIDE = 16
TRAIN_NOISE = 0.025


def resize_video(video, size=FRAME_SIZE):
    """uint8 frames ``(t, h, w)`` -> float32 ``(t, *size, 1)`` in [0, 1] (bilinear)."""
    import tensorflow as tf

    video = np.asarray(video)
    if video.ndim != 3:
        raise ValueError(f"expected grayscale frames (t, h, w), got shape {video.shape}.")
    if len(video) == 0:
        raise ValueError("the video has no frames.")
    if video.dtype != np.uint8:
        raise ValueError(f"expected uint8 frames in [0, 255], got dtype {video.dtype}.")
    frames = tf.image.resize(video[..., None].astype("float32") / 255.0, size, antialias=True)
    return np.clip(frames.numpy(), 0.0, 1.0).astype("float32")


def patch_grid(size=FRAME_SIZE, patch=PATCH[1:], stride=SPATIAL_STRIDE):
    """Top-left corners ``(n, 2)`` of the spatial patches (15 x 23 = 345 for Ped2)."""
    rows = range(0, size[0] - patch[0] + 1, stride)
    cols = range(0, size[1] - patch[1] + 1, stride)
    return np.array([(r, c) for r in rows for c in cols], "int32")


def window_patches(frames, start, corners, patch=PATCH):
    """Patches ``(n, 8, 32, 32, 1)`` of the 8-frame window starting at frame ``start``."""
    t, h, w = patch
    window = frames[start:start + t]
    return np.stack([window[:, r:r + h, c:c + w] for r, c in corners])


def sample_training_patches(videos, n, seed=0, patch=PATCH, stride=SPATIAL_STRIDE):
    """``n`` random patches of resized training videos (each ``(t, 256, 384, 1)``), float32."""
    rng = np.random.default_rng(seed)
    corners = patch_grid(videos[0].shape[1:3], patch[1:], stride)
    out = np.empty((n, *patch, videos[0].shape[-1]), "float32")
    for k in range(n):
        v = videos[rng.integers(len(videos))]
        start = rng.integers(len(v) - patch[0] + 1)
        r, c = corners[rng.integers(len(corners))]
        out[k] = v[start:start + patch[0], r:r + patch[1], c:c + patch[2]]
    return out


def score_windows(score_patches, frames, corners, patch=PATCH, batch_size=1024):
    """Per-patch LLK and REC of every 8-frame window of a resized video.

    Args:
        score_patches: callable ``patches (n, 8, 32, 32, 1) -> {"llk": (n,), "rec": (n,)}``.
        frames: ``(t, h, w, 1)``.

    Returns:
        dict of ``(t - 7, n_corners)`` arrays, window start by patch.
    """
    n_windows = len(frames) - patch[0] + 1
    if n_windows < 1:
        raise ValueError(f"a video needs at least {patch[0]} frames, got {len(frames)}.")
    out = {k: np.empty((n_windows, len(corners))) for k in ("llk", "rec")}
    pending, where = [], []

    def flush():
        scores = score_patches(np.concatenate(pending))
        offset = 0
        for s, n in where:
            for k in out:
                out[k][s] = scores[k][offset:offset + n]
            offset += n
        pending.clear()
        where.clear()

    for s in range(n_windows):
        pending.append(window_patches(frames, s, corners, patch))
        where.append((s, len(corners)))
        if sum(n for _, n in where) >= batch_size:
            flush()
    if pending:
        flush()
    return out


def frame_scores(window_scores, n_frames, clip_length=CLIP_LENGTH, window=PATCH[0]):
    """Frame LLK and REC from window patch scores (see the module docstring).

    A clip starting at ``s`` holds the windows starting at ``s`` and ``s + 8``; its score is
    the mean over both windows' patches; a frame's is the mean over the clips containing it.
    """
    if n_frames < clip_length:
        raise ValueError(f"a video needs at least {clip_length} frames, got {n_frames}.")
    starts = np.arange(n_frames - clip_length + 1)
    out = {}
    for k, w in window_scores.items():
        per_window = w.mean(axis=1)
        clip = 0.5 * (per_window[starts] + per_window[starts + window])
        total, count = np.zeros(n_frames), np.zeros(n_frames)
        for s, value in zip(starts, clip):
            total[s:s + clip_length] += value
            count[s:s + clip_length] += 1
        out[k] = total / count
    return out


def normalise_per_video(scores):
    """Min-max normalise LLK and REC on the video itself; add NS."""
    out = {}
    for k in ("llk", "rec"):
        v = np.asarray(scores[k], "float64")
        if v.ndim != 1 or len(v) == 0 or not np.isfinite(v).all():
            raise ValueError(f"scores[{k!r}] must be a non-empty 1-D array without NaN or Inf, "
                             f"got shape {v.shape}.")
        span = v.max() - v.min()
        out[k] = (v - v.min()) / span if span > 0 else np.zeros_like(v)
    out["ns"] = out["llk"] + out["rec"]
    return out


def patch_heatmap(window_scores, corners, start, size=FRAME_SIZE, patch=PATCH[1:]):
    """Mean patch score over each pixel for the 8-frame window at ``start``: ``(h, w)``."""
    total, count = np.zeros(size), np.zeros(size)
    for (r, c), value in zip(corners, window_scores[start]):
        total[r:r + patch[0], c:c + patch[1]] += value
        count[r:r + patch[0], c:c + patch[1]] += 1
    return total / np.maximum(count, 1)
