"""Several runs of one recipe, pooled per class.

Runs of one recipe and seed differ on a CPU (thread scheduling changes the order of float
sums), and on MNIST two 120-epoch runs of one class have differed by up to 0.024 NS AUROC,
more than the 0.01 per-class tolerance the paper's table is compared with. One run per class
therefore says as much about the run as about the recipe; this module pools the
``results.json`` files that :func:`lsa_keras.reproduction.write_results` writes (one folder
per seed or per repeat) into per-class statistics, refusing to mix recipes or data.
"""

import statistics

from lsa_keras.reproduction import PAPER_NS, read_results

# What must agree between pooled runs; the weight seed may differ (that is the point).
SAME = ("dataset", "data", "protocol_seed", "schedule")


def load_runs(folders):
    """``[(folder, results)]`` of each folder's ``results.json``
    (:func:`lsa_keras.reproduction.read_results`)."""
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
