"""The chart helpers of lsa_keras.utils.plots that the analysis scripts share."""

import numpy as np
from PIL import Image

from lsa_keras.utils import plots


def test_grouped_bars_draw_higher_values_taller_even_when_negative(tmp_path):
    panels = {"log-likelihood": {"0": {"ARG": -190.0, "INV": -200.0}, "2": {"ARG": -205.0}},
              "AUROC": {"4": {"a": 0.9, "b": 0.95}}}
    fig = plots.grouped_bars(panels, tmp_path / "bars.png", ylabel="value", title="t")
    assert Image.open(tmp_path / "bars.png").size == (1200, 450)
    first, second = fig.axes
    bars = first.patches
    tops = [b.get_y() + b.get_height() for b in bars]
    # Series ARG over groups 0, 2, then INV over groups 0, 2 (missing: NaN, no bar drawn).
    assert np.allclose(tops[:3], [-190.0, -205.0, -200.0])
    heights = [b.get_height() for b in bars[:3]]
    assert heights[0] > heights[2] > heights[1] > 0
    assert [t.get_text() for t in second.get_legend().get_texts()] == ["a", "b"]
