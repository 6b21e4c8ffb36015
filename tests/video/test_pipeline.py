"""The video pipeline end to end on small frames."""

import numpy as np
import pytest

from lsa_keras import video


def test_evaluate_videos_end_to_end_on_small_frames(tmp_path):
    from lsa_keras import LSA
    from lsa_keras.utils import plots
    from lsa_keras.video.pipeline import evaluate_videos

    model = LSA.from_architecture("ucsd_ped2", code_length=8, bins=10, estimator_units=(4,))
    rng = np.random.default_rng(3)
    videos = [rng.random((17, 48, 64, 1)).astype("float32") for _ in range(2)]
    masks = [np.zeros((17, 48, 64), bool) for _ in range(2)]
    for m in masks:
        m[8:12, 10:20, 10:20] = True
    out = evaluate_videos(model, videos, masks, ["a", "b"], batch_size=64, log=lambda *_: None)
    assert set(out["auroc"]) == {"llk", "rec", "ns"}
    assert out["frames"] == 34 and out["anomalous_frames"] == 8
    assert out["localisation"]["anomalous_frames"] == 8
    assert 0.0 <= out["localisation"]["fraction"] <= 1.0
    assert out["videos"][0]["patch_ns"].shape == (10, 6)  # 10 windows x (2 x 3) patches
    plots.frame_scores_plot(out["videos"][0]["scores"], out["videos"][0]["labels"],
                            tmp_path / "s.png")
    heat = video.patch_heatmap(out["videos"][0]["patch_ns"], out["corners"], 0, size=(48, 64))
    assert plots.localisation_map(videos[0][8, ..., 0], heat, tmp_path / "l.png",
                                  mask=masks[0][8], box=(0, 0, 32, 32)) == (48, 64)
    with pytest.raises(ValueError, match="as many ground-truth"):
        evaluate_videos(model, videos, masks[:1])
    with pytest.raises(ValueError, match="resize the masks"):
        evaluate_videos(model, videos[:1], [masks[0][:, :24]])
