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


def sample_training_clips(videos, n, clip_length=CLIP_LENGTH, seed=0):
    """``n`` random whole-frame clips ``(n, clip_length, h, w, c)`` of videos ``(t, h, w, c)``
    (ShanghaiTech), float32 in [0, 1] (uint8 videos are divided by 255)."""
    rng = np.random.default_rng(seed)
    usable = [v for v in videos if len(v) >= clip_length]
    if not usable:
        raise ValueError(f"no video has the {clip_length} frames a clip needs.")
    out = np.empty((n, clip_length, *usable[0].shape[1:]), "float32")
    for k in range(n):
        v = usable[rng.integers(len(usable))]
        start = rng.integers(len(v) - clip_length + 1)
        clip = v[start:start + clip_length]
        out[k] = clip / 255.0 if clip.dtype == np.uint8 else clip
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
    clips = {}
    for k, w in window_scores.items():
        per_window = np.asarray(w).mean(axis=1)
        clips[k] = 0.5 * (per_window[starts] + per_window[starts + window])
    return clip_frame_scores(clips, n_frames, clip_length)


def clip_frame_scores(clip_scores, n_frames, clip_length=CLIP_LENGTH):
    """Frame scores as the mean over the clips (stride 1) that contain each frame.

    Args:
        clip_scores: dict of ``(n_frames - clip_length + 1,)`` arrays, clip ``s`` covering
            frames ``s .. s + clip_length - 1``.

    Returns:
        dict of ``(n_frames,)`` arrays.
    """
    n_clips = n_frames - clip_length + 1
    if n_clips < 1:
        raise ValueError(f"a video needs at least {clip_length} frames, got {n_frames}.")
    # count[f] clips cover frame f; a cumulative sum adds each clip to its frames in O(n).
    out = {}
    for k, v in clip_scores.items():
        v = np.asarray(v, "float64")
        if v.shape != (n_clips,):
            raise ValueError(f"clip_scores[{k!r}] has shape {v.shape}; {n_frames} frames in "
                             f"clips of {clip_length} give {n_clips} clips.")
        edges = np.zeros(n_frames + 1)
        np.add.at(edges, np.arange(n_clips), v)
        np.add.at(edges, np.arange(n_clips) + clip_length, -v)
        counts = np.zeros(n_frames + 1)
        np.add.at(counts, np.arange(n_clips), 1)
        np.add.at(counts, np.arange(n_clips) + clip_length, -1)
        out[k] = np.cumsum(edges)[:-1] / np.cumsum(counts)[:-1]
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


def model_patch_scorer(model, batch_size=256):
    """``patches -> {"llk", "rec"}`` raw per-patch scores of an LSA, for :func:`score_windows`."""
    from lsa_keras.models.lsa import lsa_scorer

    def score(patches):
        return lsa_scorer.raw_scores(model, np.asarray(patches, "float32"), batch_size)

    return score


def score_video(model, frames, batch_size=256, corners=None):
    """Raw LLK and REC of every patch of every 8-frame window of one resized video.

    Args:
        model: an LSA built for ``(8, 32, 32, 1)`` patches (``"ucsd_ped2"``).
        frames: ``(t, 256, 384, 1)`` float32 in [0, 1] (:func:`resize_video`).

    Returns:
        dict of ``(t - 7, n_patches)`` arrays (window start by patch).
    """
    if corners is None:
        corners = patch_grid(frames.shape[1:3])
    return score_windows(model_patch_scorer(model, batch_size), frames, corners,
                         batch_size=batch_size)


def patch_novelty(window_scores):
    """Per-patch NS ``(n_windows, n_patches)``: LLK and REC min-max normalised over the whole
    video's patches (as the frame scores are over its frames), then summed."""
    total = 0.0
    for k in ("llk", "rec"):
        v = np.asarray(window_scores[k], "float64")
        span = v.max() - v.min()
        total = total + ((v - v.min()) / span if span > 0 else np.zeros_like(v))
    return total


def frame_patch_scores(patch_ns, frame, window=PATCH[0]):
    """Per-patch NS of one frame ``(n_patches,)``: the mean over the windows containing it."""
    first, last = max(0, frame - window + 1), min(len(patch_ns) - 1, frame)
    return np.asarray(patch_ns)[first:last + 1].mean(axis=0)


def resize_masks(masks, size=FRAME_SIZE):
    """Ground-truth masks ``(t, h, w)`` bool -> ``(t, *size)`` bool (nearest neighbour)."""
    import tensorflow as tf

    masks = np.asarray(masks)
    resized = tf.image.resize(masks[..., None].astype("uint8"), size, method="nearest")
    return resized.numpy()[..., 0] > 0


def localisation_hits(patch_ns, masks, corners, patch=PATCH[1:]):
    """For each anomalous frame, whether its top-scoring patch overlaps the anomaly.

    Args:
        patch_ns: :func:`patch_novelty` of the video.
        masks: ``(t, h, w)`` bool ground truth at the resized frame size.

    Returns:
        dict: ``frames`` (indices of the anomalous frames), ``hit`` (bool per such frame),
        ``top`` (index of the top patch per such frame).
    """
    frames, hits, tops = [], [], []
    for f in np.flatnonzero(np.asarray(masks).reshape(len(masks), -1).any(axis=1)):
        top = int(np.argmax(frame_patch_scores(patch_ns, f)))
        r, c = corners[top]
        frames.append(int(f))
        tops.append(top)
        hits.append(bool(masks[f, r:r + patch[0], c:c + patch[1]].any()))
    return {"frames": np.array(frames, "int64"), "hit": np.array(hits, bool),
            "top": np.array(tops, "int64")}


def clip_scores(model, frames, clip_length=CLIP_LENGTH, batch_size=4):
    """Raw LLK and REC of every whole-frame clip (stride 1) of one video (ShanghaiTech).

    Args:
        model: an LSA whose input is a whole clip, ``(clip_length, h, w, c)``.
        frames: ``(t, h, w, c)`` float32 in [0, 1], ``t >= clip_length``.

    Returns:
        dict of ``(t - clip_length + 1,)`` arrays; :func:`clip_frame_scores` turns them into
        frame scores.
    """
    from lsa_keras.models.lsa import lsa_scorer

    frames = np.asarray(frames, "float32")
    if tuple(frames.shape[1:]) != tuple(model.image_shape[1:]) or model.image_shape[0] != clip_length:
        raise ValueError(f"frames {frames.shape[1:]} in clips of {clip_length} do not fit the "
                         f"model's clips {model.image_shape}.")
    n_clips = len(frames) - clip_length + 1
    if n_clips < 1:
        raise ValueError(f"a video needs at least {clip_length} frames, got {len(frames)}.")
    out = {"llk": [], "rec": []}
    for start in range(0, n_clips, batch_size):
        starts = range(start, min(n_clips, start + batch_size))
        batch = np.stack([frames[s:s + clip_length] for s in starts])
        scores = lsa_scorer.raw_scores(model, batch, batch_size)
        for k in out:
            out[k].append(scores[k])
    return {k: np.concatenate(v) for k, v in out.items()}
