"""Train an LSA on video patches and evaluate it on test videos (UCSD Ped2 protocol).

:mod:`lsa_keras.video.protocol` holds the protocol's pieces (resizing, patch grid, window and frame
scores, per-video normalisation); this module strings them together for a dataset as
:func:`lsa_keras.datasets.load_ucsd` returns it.
"""

import time

import keras
import numpy as np

from lsa_keras import scoring
from lsa_keras.video import protocol as video


def training_patches(train_videos, n_train, n_val, seed=0):
    """Random ``(n, 8, 32, 32, 1)`` float32 patches of resized training videos.

    Training and validation patches are drawn with different seeds from the same (normal)
    videos; a validation patch may overlap a training one, as the paper's validation clips do.
    """
    if n_train < 1 or n_val < 1:
        raise ValueError(f"need at least one training and one validation patch, got {n_train} "
                         f"and {n_val}.")
    return (video.sample_training_patches(train_videos, n_train, seed=seed),
            video.sample_training_patches(train_videos, n_val, seed=seed + 1))


def fit_patches(model, x_train, x_val, epochs, batch_size, checkpoint, verbose=2):
    """``model.fit`` on patches; keeps the weights of the epoch with the lowest validation loss.

    Args:
        checkpoint: path of the ``.weights.h5`` file that holds the best epoch's weights.

    Returns:
        dict: ``history`` (Keras' per-epoch logs), ``best_epoch`` (1-based), ``seconds``.
    """
    start = time.time()
    best = keras.callbacks.ModelCheckpoint(checkpoint, monitor="val_loss", save_best_only=True,
                                           save_weights_only=True)
    history = model.fit(x_train, batch_size=batch_size, epochs=epochs,
                        validation_data=(x_val,), callbacks=[best], verbose=verbose)
    model.load_weights(checkpoint)
    val = history.history["val_loss"]
    return {"history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
            "best_epoch": int(np.argmin(val)) + 1, "seconds": time.time() - start}


def evaluate_videos(model, test_videos, test_masks, names=None, batch_size=256, log=print):
    """Frame-level AUROC and patch localisation of a patch model on resized test videos.

    Args:
        model: an LSA on ``(8, 32, 32, 1)`` patches.
        test_videos: list of ``(t, 256, 384, 1)`` float32 videos (:func:`video.resize_video`).
        test_masks: list of ``(t, 256, 384)`` bool ground truth (:func:`video.resize_masks`).

    Returns:
        dict: ``auroc`` (``llk``, ``rec``, ``ns`` over all frames of all videos, each video
        normalised on itself), ``localisation`` (fraction of anomalous frames whose top patch
        overlaps the anomaly, with counts), and ``videos``: per video its frame scores,
        labels, :func:`video.patch_novelty` map and localisation hits, for plotting.
    """
    if len(test_videos) != len(test_masks) or not test_videos:
        raise ValueError(f"need as many ground-truth mask arrays as test videos, got "
                         f"{len(test_masks)} for {len(test_videos)}.")
    names = names or [f"video{k + 1:03d}" for k in range(len(test_videos))]
    corners = video.patch_grid(test_videos[0].shape[1:3])
    per_video, all_scores, all_labels, hits = [], {"llk": [], "rec": [], "ns": []}, [], []
    start = time.time()
    for name, frames, masks in zip(names, test_videos, test_masks):
        if np.shape(masks) != frames.shape[:3]:
            raise ValueError(f"{name}: frames {frames.shape[:3]} but masks {np.shape(masks)}; "
                             "resize the masks with the frames (video.resize_masks).")
        t0 = time.time()
        windows = video.score_video(model, frames, batch_size=batch_size, corners=corners)
        frame = video.normalise_per_video(video.frame_scores(windows, len(frames)))
        labels = masks.reshape(len(masks), -1).any(axis=1).astype("int32")
        patch_ns = video.patch_novelty(windows)
        local = video.localisation_hits(patch_ns, masks, corners)
        for k in all_scores:
            all_scores[k].append(frame[k])
        all_labels.append(labels)
        hits.append(local["hit"])
        per_video.append({"name": name, "scores": frame, "labels": labels,
                          "patch_ns": patch_ns, "localisation": local})
        log(f"{name}: {len(frames)} frames, {windows['llk'].size} patches scored in "
            f"{time.time() - t0:.1f} s")
    labels = np.concatenate(all_labels)
    auroc = scoring.auroc(labels, {k: np.concatenate(v) for k, v in all_scores.items()})
    hits = np.concatenate(hits)
    return {
        "auroc": auroc,
        "localisation": {"fraction": float(hits.mean()) if len(hits) else float("nan"),
                         "hits": int(hits.sum()), "anomalous_frames": int(len(hits))},
        "frames": int(len(labels)), "anomalous_frames": int(labels.sum()),
        "patches_scored": int(sum(v["patch_ns"].size for v in per_video)),
        "seconds": time.time() - start, "corners": corners, "videos": per_video,
    }


def evaluate_clip_videos(model, test_videos, test_labels, names=None, batch_size=4, log=print):
    """Frame-level AUROC of a whole-frame clip model (ShanghaiTech) on test videos.

    Every 16-frame clip (stride 1) is scored; a frame's score is the mean over the clips that
    contain it; each video is min-max normalised on itself.

    Args:
        model: an LSA on clips ``(16, h, w, c)``.
        test_videos: list of ``(t, h, w, c)`` videos, uint8 or float32 in [0, 1] (background
            already removed for ShanghaiTech).
        test_labels: list of ``(t,)`` frame labels (1 = anomalous).

    Returns:
        dict: ``auroc`` (``llk``, ``rec``, ``ns``), ``frames``, ``anomalous_frames``,
        ``seconds`` and ``videos`` (per video its normalised frame scores and labels).
    """
    if len(test_videos) != len(test_labels) or not test_videos:
        raise ValueError(f"need one label array per test video, got {len(test_labels)} for "
                         f"{len(test_videos)}.")
    names = names or [f"video{k + 1:03d}" for k in range(len(test_videos))]
    clip_length = model.image_shape[0]
    per_video, all_scores, all_labels = [], {"llk": [], "rec": [], "ns": []}, []
    start = time.time()
    for name, frames, labels in zip(names, test_videos, test_labels):
        labels = np.asarray(labels).reshape(-1)
        if len(labels) != len(frames):
            raise ValueError(f"{name}: {len(frames)} frames but {len(labels)} labels.")
        frames = np.asarray(frames)
        frames = frames / np.float32(255) if frames.dtype == np.uint8 else frames
        t0 = time.time()
        clips = video.clip_scores(model, frames, clip_length, batch_size)
        frame = video.normalise_per_video(video.clip_frame_scores(clips, len(frames), clip_length))
        for k in all_scores:
            all_scores[k].append(frame[k])
        all_labels.append(labels)
        per_video.append({"name": name, "scores": frame, "labels": labels})
        log(f"{name}: {len(frames)} frames, {len(clips['llk'])} clips scored in "
            f"{time.time() - t0:.1f} s")
    labels = np.concatenate(all_labels)
    return {
        "auroc": scoring.auroc(labels, {k: np.concatenate(v) for k, v in all_scores.items()}),
        "frames": int(len(labels)), "anomalous_frames": int(labels.sum()),
        "seconds": time.time() - start, "videos": per_video,
    }
