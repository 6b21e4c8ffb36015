"""Compare a candidate one-class table with the table it may replace, by the rule the study
folders write down before their runs: on the classes both tables have, each one's mean NS AUROC
and its classes more than 0.01 below the paper (unrounded values); once the candidate has all
ten classes, whether it replaces the baseline.

The candidate replaces the baseline when its ten-class mean is above the baseline's (or at
least it, with ``--mean at-least``), the baseline's mean rounded to ``--digits`` as the rule
quoted it, **and** it has no more classes outside the 0.01 tolerance than the baseline.

    python research/compare_tables.py research/results/cifar10-cosine examples/results/cifar10 \\
        --names cosine 20-epoch --mean above --digits 4
"""

import argparse

import lab  # noqa: F401  (puts examples/ on sys.path)

from reproduction import PAPER_NS, read_results


def compare(candidate, baseline, paper, mean_rule="above", digits=None):
    """Per-table summary and the verdict.

    Args:
        candidate, baseline: ``{class: {"auroc_ns": float, ...}}`` of two ``results.json``.
        paper: the paper's NS AUROC per class index.
        mean_rule: ``"above"`` or ``"at-least"``, how the candidate's mean must compare.
        digits: round the baseline's mean to this many digits first (``None``: unrounded).

    Returns:
        ``(common_classes, {"candidate": (mean, below), "baseline": (mean, below)}, verdict)``
        where ``below`` lists the classes more than 0.01 below the paper and ``verdict`` is
        ``None`` until the candidate and the baseline share all ten classes.
    """
    if mean_rule not in ("above", "at-least"):
        raise ValueError(f"mean_rule must be 'above' or 'at-least', got {mean_rule!r}.")
    common = sorted(set(candidate) & set(baseline), key=int)
    if not common:
        raise ValueError("the two tables have no class in common.")
    summary = {}
    for name, table in (("candidate", candidate), ("baseline", baseline)):
        mean = sum(table[c]["auroc_ns"] for c in common) / len(common)
        below = [c for c in common if table[c]["auroc_ns"] < paper[int(c)] - 0.01]
        summary[name] = (mean, below)
    verdict = None
    if len(common) == 10:
        (m_new, b_new), (m_old, b_old) = summary["candidate"], summary["baseline"]
        threshold = m_old if digits is None else round(m_old, digits)
        better = m_new > threshold if mean_rule == "above" else m_new >= threshold
        verdict = better and len(b_new) <= len(b_old)
    return common, summary, verdict


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("candidate", help="results folder of the candidate table")
    p.add_argument("baseline", help="results folder of the table it may replace")
    p.add_argument("--names", nargs=2, default=["candidate", "baseline"],
                   help="labels of the two tables in the printout")
    p.add_argument("--mean", choices=["above", "at-least"], default="above", dest="mean_rule")
    p.add_argument("--digits", type=int, default=None,
                   help="round the baseline's mean to this many digits, as the rule quoted it")
    args = p.parse_args(argv)

    new, old = read_results(args.candidate), read_results(args.baseline)
    if new["dataset"] != old["dataset"]:
        raise SystemExit(f"the tables are of different datasets ({new['dataset']}, {old['dataset']}).")
    paper = PAPER_NS[new["dataset"]]
    common, summary, verdict = compare(new["classes"], old["classes"], paper,
                                       args.mean_rule, args.digits)
    a, b = args.names
    print(f"| class | {a} NS | {b} NS | paper |\n|---|---|---|---|")
    for c in common:
        print(f"| {c} | {new['classes'][c]['auroc_ns']:.4f} | {old['classes'][c]['auroc_ns']:.4f} "
              f"| {paper[int(c)]:.3f} |")
    for label, key in ((a, "candidate"), (b, "baseline")):
        mean, below = summary[key]
        print(f"{label}: mean NS {mean:.4f} over classes {', '.join(common)}; "
              f"more than 0.01 below the paper: {', '.join(below) or 'none'}")
    print(f"paper: mean NS {sum(paper[int(c)] for c in common) / len(common):.4f}")
    if verdict is None:
        print(f"rule: waits for {10 - len(common)} more classes")
    else:
        print(f"rule: the {a} table " + ("replaces" if verdict else "does not replace")
              + f" the {b} table")
    return verdict


if __name__ == "__main__":
    main()
