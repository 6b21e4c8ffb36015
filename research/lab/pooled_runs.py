"""Several runs of one recipe, pooled per class.

Runs of one recipe and seed differ on a CPU (thread scheduling changes the order of float
sums), and on MNIST two 120-epoch runs of one class have differed by up to 0.024 NS AUROC,
more than the 0.01 per-class tolerance the paper's table is compared with. One run per class
therefore says as much about the run as about the recipe; this module pools the
``results.json`` files that :func:`reproduction.write_results` writes (one folder
per seed or per repeat) into per-class statistics, refusing to mix recipes or data.
"""

import math
import statistics

import numpy as np

import lab  # noqa: F401  (puts examples/ on sys.path)

from reproduction import PAPER_NS, read_results

# What must agree between pooled runs; the weight seed may differ (that is the point).
SAME = ("dataset", "data", "protocol_seed", "schedule")


def load_runs(folders):
    """``[(folder, results)]`` of each folder's ``results.json``
    (:func:`reproduction.read_results`)."""
    return [(folder, read_results(folder)) for folder in folders]


def pool(runs):
    """Per-class NS AUROC statistics over ``runs`` (``[(name, results)]``).

    Returns a dict with the common ``dataset`` and ``schedule``, ``classes``
    ``{class: {"runs": [(name, seed, ns)], "n", "mean", "median", "min", "max", "paper"}}``
    (classes in numeric order) and, when every class has a run, ``mean_of_means`` and
    ``mean_of_medians``. Raises ``ValueError`` if the runs disagree on any of ``SAME``.
    """
    if not runs:
        raise ValueError("no runs to pool.")
    first_name, first = runs[0]
    for name, results in runs[1:]:
        for key in SAME:
            if results.get(key) != first.get(key):
                raise ValueError(
                    f"{name} has {key}={results.get(key)!r} but {first_name} has "
                    f"{first.get(key)!r}: pool only runs of one recipe on the same data.")
    dataset = first["dataset"]
    per_class = {}
    for name, results in runs:
        for c, r in results["classes"].items():
            per_class.setdefault(int(c), []).append((name, results.get("weight_seed"), r["auroc_ns"]))
    classes = {}
    for c in sorted(per_class):
        values = [ns for _, _, ns in per_class[c]]
        classes[c] = {"runs": per_class[c], "n": len(values), "mean": statistics.fmean(values),
                      "median": statistics.median(values), "min": min(values),
                      "max": max(values), "paper": PAPER_NS[dataset][c]}
    out = {"dataset": dataset, "schedule": first["schedule"], "classes": classes}
    if len(classes) == len(PAPER_NS[dataset]):
        out["mean_of_means"] = statistics.fmean(s["mean"] for s in classes.values())
        out["mean_of_medians"] = statistics.fmean(s["median"] for s in classes.values())
    return out


def pooled_markdown(pooled, tolerance=0.01):
    """A per-class markdown table of :func:`pool`'s result; the last column says whether the
    class's median is within ``tolerance`` below the paper."""
    lines = [f"Schedule: {pooled['schedule']}.", "",
             "| class | runs | NS of each run | mean | median | min | max | paper | median - paper | within |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for c, s in pooled["classes"].items():
        each = ", ".join(f"{ns:.3f}" for _, _, ns in s["runs"])
        gap = s["median"] - s["paper"]
        lines.append(f"| {c} | {s['n']} | {each} | {s['mean']:.3f} | {s['median']:.3f} | "
                     f"{s['min']:.3f} | {s['max']:.3f} | {s['paper']:.3f} | {gap:+.3f} | "
                     f"{'yes' if gap >= -tolerance else 'no'} |")
    if "mean_of_means" in pooled:
        lines += ["", f"Mean over the classes of the per-class mean NS {pooled['mean_of_means']:.3f}, "
                      f"of the per-class median {pooled['mean_of_medians']:.3f}."]
    return "\n".join(lines) + "\n"


def log_error_spread(groups):
    """Run-to-run spread of one class under one recipe, pooled over classes and recipes.

    The spread is measured on ``log(1 - NS AUROC)``: on MNIST the runs of an easy class
    (AUROC ~.999) differ by ~0.001 and those of a hard one (~.95) by ~0.02, about the same
    ratio of their errors. ``groups`` are :func:`pool` results, one per recipe; every class
    with two runs or more contributes its deviations from its own mean. Returns
    ``(standard deviation, degrees of freedom)``; ``ValueError`` if no class has two runs.
    """
    squares, dof = 0.0, 0
    for pooled in groups:
        for stats in pooled["classes"].values():
            logs = [math.log1p(-ns) for _, _, ns in stats["runs"]]
            if len(logs) > 1:
                centre = statistics.fmean(logs)
                squares += sum((v - centre) ** 2 for v in logs)
                dof += len(logs) - 1
    if dof == 0:
        raise ValueError("the spread needs a class with two runs or more in one group.")
    return math.sqrt(squares / dof), dof


def pass_probability(expected, paper, spread, mean_target, tolerance=0.01, draws=200_000, seed=0):
    """Chance that a table of one run per class meets a reproduction criterion.

    The criterion is issue 3's: the mean NS AUROC over the classes is at least
    ``mean_target`` and no class is more than ``tolerance`` below its ``paper`` value. Each
    class's run is drawn with ``log(1 - AUROC)`` normal around ``log(1 - expected)`` with
    standard deviation ``spread`` (:func:`log_error_spread`), independently per class.

    Args:
        expected: ``(k,)`` the recipe's typical AUROC per class (for instance its mean over runs).
        paper: ``(k,)`` the paper's AUROC per class.
    Returns the fraction of ``draws`` simulated tables that pass (Monte Carlo, seeded).
    """
    expected, paper = np.asarray(expected, "float64"), np.asarray(paper, "float64")
    if expected.shape != paper.shape or expected.ndim != 1:
        raise ValueError(f"expected {expected.shape} and paper {paper.shape} must be equal 1-D shapes.")
    if not ((expected > 0) & (expected < 1)).all() or spread < 0:
        raise ValueError("expected AUROCs must lie strictly between 0 and 1 and spread be >= 0.")
    noise = np.random.default_rng(seed).standard_normal((int(draws), expected.size))
    tables = -np.expm1(np.log1p(-expected) + spread * noise)
    passed = (tables.mean(axis=1) >= mean_target) & (tables >= paper - tolerance).all(axis=1)
    return float(passed.mean())


def error_scale_for(probability, paper, spread, mean_target, tolerance=0.01, **kwargs):
    """The factor ``f`` by which a recipe's errors ``1 - AUROC`` must be the paper's, on every
    class alike, for :func:`pass_probability` to reach ``probability`` (bisection; ``f < 1``
    means better than the paper)."""
    paper = np.asarray(paper, "float64")

    def chance(scale):
        return pass_probability(1 - scale * (1 - paper), paper, spread, mean_target, tolerance, **kwargs)

    # The chance falls as the errors grow; errors stay below 1 (an AUROC above 0).
    lo, hi = 1e-4, 0.999 / float(np.max(1 - paper))
    if chance(hi) >= probability:
        return hi
    if chance(lo) < probability:
        raise ValueError(f"no error scale reaches a pass probability of {probability}.")
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if chance(mid) >= probability else (lo, mid)
    return lo
