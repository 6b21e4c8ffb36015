"""How likely is one run per class to meet a reproduction criterion, given the run-to-run spread?

    python research/pass_probability.py \
        --recipe research/results/mnist-cosine research/results/mnist-cosine/seed-1 \
        --recipe research/results/mnist-constant research/results/mnist-seeds/seed-1 \
            research/results/mnist-seeds/seed-2 research/results/mnist-checkpoint-rules \
            research/results/mnist-reruns \
        --out research/results/mnist-pass-probability

Each ``--recipe`` lists the result folders of one recipe (``results.json`` of
``reproduce_mnist.py`` or ``reproduce_cifar10.py``, pooled as ``pool_runs.py`` does). The
spread of ``log(1 - NS AUROC)`` between runs of a class is pooled over every class with two runs
or more, in every recipe (``lab.pooled_runs.log_error_spread``). The first recipe must
cover every class: its per-class mean is what one of its runs is expected to give. The script
then simulates tables of one run per class and prints the chance that one meets the criterion
(mean NS at least ``--mean-target``, no class more than ``--tolerance`` below the paper) for
that recipe and for a recipe exactly as good as the paper, and how much smaller than the
paper's the errors must be for the chance to reach ``--probability``. Writes ``OUT/results.json``
and ``OUT/results.md``.
"""

import argparse
import sys

from scipy.stats import chi2

from lab import pooled_runs
import lab  # noqa: F401  (puts examples/ on sys.path)
from reproduction import PAPER_NS, write_report


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--recipe", action="append", nargs="+", required=True, metavar="FOLDER",
                   help="result folders of one recipe; repeat for each recipe (the first is assessed)")
    p.add_argument("--mean-target", type=float, default=0.975, help="the mean NS to reach (issue 3: 0.975)")
    p.add_argument("--tolerance", type=float, default=0.01, help="how far below the paper a class may be")
    p.add_argument("--probability", type=float, default=0.9, help="pass chance to find the error scale for")
    p.add_argument("--draws", type=int, default=200_000)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    try:
        groups = [pooled_runs.pool(pooled_runs.load_runs(folders)) for folders in args.recipe]
        spread, dof = pooled_runs.log_error_spread(groups)
    except (FileNotFoundError, ValueError) as e:
        p.error(str(e))
    assessed = groups[0]
    paper_by_class = PAPER_NS[assessed["dataset"]]
    missing = sorted(set(range(len(paper_by_class))) - set(assessed["classes"]))
    if missing:
        p.error(f"the first recipe has no run of classes {missing}; it must cover every class.")
    classes = sorted(assessed["classes"])
    expected = [assessed["classes"][c]["mean"] for c in classes]
    paper = [paper_by_class[c] for c in classes]
    kw = dict(mean_target=args.mean_target, tolerance=args.tolerance, draws=args.draws)
    chance_recipe = pooled_runs.pass_probability(expected, paper, spread, **kw)
    chance_paper = pooled_runs.pass_probability(paper, paper, spread, **kw)
    scale = pooled_runs.error_scale_for(args.probability, paper, spread, **kw)
    # The spread comes from few runs: its 90% confidence interval (chi-square, dof degrees).
    bounds = [spread * (dof / chi2.ppf(q, dof)) ** 0.5 for q in (0.95, 0.05)]
    chance_paper_bounds = [pooled_runs.pass_probability(paper, paper, s, **kw) for s in bounds]
    runs = sum(assessed["classes"][c]["n"] for c in classes)
    within = {c: [pooled_runs.pass_probability([typical], [paper_by_class[c]], spread, 0.0,
                                               args.tolerance, draws=args.draws)
                  for typical in (assessed["classes"][c]["mean"], paper_by_class[c])]
              for c in classes}
    lines = [
        f"# {assessed['dataset']}: the chance that one run per class meets the criterion", "",
        f"Criterion: mean NS AUROC at least {args.mean_target}, no class more than "
        f"{args.tolerance} below the paper. Recipes (first assessed): "
        + "; ".join(", ".join(f"`{f}`" for f in folders) for folders in args.recipe) + ".", "",
        f"Run-to-run spread of log(1 - NS AUROC) within a class: {spread:.3f} "
        f"({dof} degrees of freedom, pooled over the recipes' classes with two runs or more).", "",
        "| table of one run per class, each class typically at | mean NS | chance it passes |",
        "|---|---|---|",
        f"| the assessed recipe's per-class mean ({runs} runs) | {sum(expected) / len(expected):.4f} "
        f"| {chance_recipe:.3f} |",
        f"| the paper's value (a reproduction exactly as good) | {sum(paper) / len(paper):.4f} | {chance_paper:.3f} |",
        f"| the paper's value, spread at its 90% confidence bounds ({bounds[0]:.3f}, {bounds[1]:.3f}) "
        f"| {sum(paper) / len(paper):.4f} | {chance_paper_bounds[0]:.3f}, {chance_paper_bounds[1]:.3f} |",
        f"| errors {scale:.2f}x the paper's on every class | "
        f"{sum(1 - scale * (1 - v) for v in paper) / len(paper):.4f} | {args.probability:.3f} |", "",
        f"Monte Carlo over {args.draws:,} simulated tables (seed 0); each class's run drawn "
        "independently with log(1 - AUROC) normal around the typical value's.", "",
        "| class | runs | recipe's mean NS | paper | chance a run is within the tolerance: recipe | "
        "a reproduction as good as the paper |",
        "|---|---|---|---|---|---|",
        *(f"| {c} | {assessed['classes'][c]['n']} | {assessed['classes'][c]['mean']:.4f} | "
          f"{paper_by_class[c]:.3f} | {within[c][0]:.3f} | {within[c][1]:.3f} |" for c in classes),
    ]
    payload = {"dataset": assessed["dataset"], "recipes": args.recipe, "mean_target": args.mean_target,
               "tolerance": args.tolerance, "spread_log_error": spread, "spread_dof": dof,
               "spread_90_percent_bounds": bounds, "pass_probability_paper_at_bounds": chance_paper_bounds,
               "expected": dict(zip(map(str, classes), expected)),
               "pass_probability_recipe": chance_recipe, "pass_probability_paper": chance_paper,
               "probability": args.probability, "error_scale_for_probability": scale,
               "within_tolerance": {str(c): {"recipe": v[0], "paper": v[1]} for c, v in within.items()},
               "draws": args.draws}
    print(write_report(args.out, payload, lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
