"""Pictures as PNG files: ROC curves, NS histograms, image grids, error heatmaps, and for video
per-frame score curves and localisation maps.

Figures are drawn with matplotlib's object API on the Agg canvas (no pyplot state, no display
needed). Image grids and heatmaps are written pixel for pixel, so their size is known:
see each function.
"""

import numpy as np

FIGSIZE, DPI = (6.0, 4.5), 100  # charts are 600 x 450 pixels


def _figure():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def roc_curves(novel, scores, path, title="ROC"):
    """ROC curves of every score in ``scores`` (dict name -> (n,)) for labels ``novel`` (1 =
    novel) in one 600x450 PNG, AUROC in the legend."""
    from sklearn.metrics import roc_auc_score, roc_curve

    fig = _figure()
    ax = fig.add_subplot()
    for name, values in scores.items():
        fpr, tpr, _ = roc_curve(novel, values)
        ax.plot(fpr, tpr, label=f"{name.upper()} (AUROC {roc_auc_score(novel, values):.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax.set(xlabel="false-positive rate", ylabel="true-positive rate", title=title,
           xlim=(0, 1), ylim=(0, 1.01))
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)


def grouped_bars(panels, path, ylabel, title=None):
    """Grouped bar charts side by side, one 600x450 PNG per panel width (``len(panels)`` x 600
    by 450 pixels): ``panels`` maps a panel title to ``{group: {series: value}}``, e.g. classes
    as groups and model variants as series. Every panel shares the series colours and legend.
    Returns the matplotlib Figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(FIGSIZE[0] * len(panels), FIGSIZE[1]), dpi=DPI)
    FigureCanvasAgg(fig)
    for i, (name, groups) in enumerate(panels.items()):
        ax = fig.add_subplot(1, len(panels), i + 1)
        series = list(dict.fromkeys(k for values in groups.values() for k in values))
        width = 0.8 / max(len(series), 1)
        x = np.arange(len(groups))
        everything = [v for g in groups.values() for v in g.values()]
        pad = 0.1 * max(np.nanmax(everything) - np.nanmin(everything), 1e-9)
        # Bars rise from the panel's floor, not from 0, so that a higher value (log-likelihoods
        # are negative) is always a taller bar.
        floor, top = np.nanmin(everything) - pad, np.nanmax(everything) + pad
        for j, key in enumerate(series):
            values = np.array([groups[g].get(key, np.nan) for g in groups], "float64")
            ax.bar(x + (j - (len(series) - 1) / 2) * width, values - floor, width, bottom=floor,
                   label=key)
        ax.set_xticks(x, [str(g) for g in groups])
        ax.set(title=name, ylabel=ylabel, ylim=(floor, top))
        ax.legend(fontsize="small")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    return fig


def score_histogram(values, novel, path, threshold=None, title="Novelty score"):
    """Histograms of a score for normal (``novel == 0``) and novel images, one 600x450 PNG."""
    values, novel = np.asarray(values), np.asarray(novel).astype(bool)
    fig = _figure()
    ax = fig.add_subplot()
    bins = np.histogram_bin_edges(values, bins=50)
    ax.hist(values[~novel], bins=bins, alpha=0.6, density=True, label=f"normal ({(~novel).sum()})")
    ax.hist(values[novel], bins=bins, alpha=0.6, density=True, label=f"novel ({novel.sum()})")
    if threshold is not None:
        ax.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.3f}")
    ax.set(xlabel="score (higher = more novel)", ylabel="density", title=title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)


def _rgb(images):
    images = np.clip(np.asarray(images, "float32"), 0.0, 1.0)
    return np.repeat(images, 3, axis=-1) if images.shape[-1] == 1 else images


def image_grid(images, path, columns=None):
    """Write images ``(n, h, w, c)`` in [0, 1] as one grid PNG of ``rows*h x columns*w``
    pixels (``columns`` defaults to ``ceil(sqrt(n))``; empty cells are black)."""
    import matplotlib.image

    images = _rgb(images)
    n, h, w, _ = images.shape
    columns = columns or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / columns))
    grid = np.zeros((rows * h, columns * w, 3), "float32")
    for k, image in enumerate(images):
        r, c = divmod(k, columns)
        grid[r * h:(r + 1) * h, c * w:(c + 1) * w] = image
    matplotlib.image.imsave(path, grid)
    return grid.shape[:2]


def error_heatmap(image, error, path, scale=4):
    """The image next to its per-pixel squared reconstruction error (colour map, normalised
    to the image's own maximum), each ``scale`` times enlarged: ``h*scale x 2*w*scale`` PNG."""
    import matplotlib
    import matplotlib.image

    image = _rgb(image[None])[0]
    error = np.asarray(error, "float32")
    heat = matplotlib.colormaps["inferno"](error / max(float(error.max()), 1e-12))[..., :3]
    pair = np.concatenate([image, heat.astype("float32")], axis=1)
    pair = np.repeat(np.repeat(pair, scale, axis=0), scale, axis=1)
    matplotlib.image.imsave(path, pair)
    return pair.shape[:2]


def _spans(flags):
    """``[(start, stop), ...]`` of the runs of True in a 1-D bool array."""
    flags = np.concatenate([[False], np.asarray(flags, bool), [False]])
    edges = np.flatnonzero(np.diff(flags.astype("int8")))
    return list(zip(edges[::2], edges[1::2]))


def frame_scores_plot(scores, anomalous, path, title="Frame scores"):
    """Per-frame scores (dict name -> ``(t,)``) of one video as curves, with the ground-truth
    anomalous frames (``(t,)`` 0/1) shaded; one 600x450 PNG."""
    fig = _figure()
    ax = fig.add_subplot()
    for start, stop in _spans(anomalous):
        ax.axvspan(start - 0.5, stop - 0.5, color="tab:red", alpha=0.15, linewidth=0)
    for name, values in scores.items():
        ax.plot(np.arange(len(values)), values, label=name.upper())
    ax.set(xlabel="frame", ylabel="normalised score (higher = more novel)", title=title,
           xlim=(0, len(anomalous) - 1))
    ax.legend(loc="upper left", title="shaded: anomalous frames", title_fontsize="small")
    fig.tight_layout()
    fig.savefig(path)


def localisation_map(frame, heat, path, mask=None, box=None):
    """A grayscale frame ``(h, w)`` in [0, 1] under a translucent heat map ``(h, w)`` of patch
    novelty (normalised to its own range), the ground truth's outline (``mask``, bool) in green
    and the top-scoring patch (``box`` = ``(row, col, height, width)``) in white: ``h x w`` PNG."""
    import matplotlib
    import matplotlib.image

    frame = np.clip(np.asarray(frame, "float32"), 0.0, 1.0)
    heat = np.asarray(heat, "float32")
    span = float(heat.max() - heat.min())
    heat = (heat - heat.min()) / span if span > 0 else np.zeros_like(heat)
    colour = matplotlib.colormaps["jet"](heat)[..., :3].astype("float32")
    alpha = 0.45 * heat[..., None]
    out = (1 - alpha) * frame[..., None] + alpha * colour
    if mask is not None:
        mask = np.asarray(mask, bool)
        inner = mask.copy()
        inner[1:-1, 1:-1] = (mask[1:-1, 1:-1] & mask[:-2, 1:-1] & mask[2:, 1:-1]
                             & mask[1:-1, :-2] & mask[1:-1, 2:])
        out[mask & ~inner] = (0.0, 1.0, 0.0)
    if box is not None:
        r, c, h, w = (int(v) for v in box)
        out[r, c:c + w] = out[r + h - 1, c:c + w] = 1.0
        out[r:r + h, c] = out[r:r + h, c + w - 1] = 1.0
    matplotlib.image.imsave(path, np.clip(out, 0.0, 1.0))
    return out.shape[:2]
