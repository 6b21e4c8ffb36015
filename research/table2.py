"""Supplement Table 2: AUROC of LLK, REC and NS per setting, from the reproduction results.

    python research/table2.py --mnist examples/results/mnist \\
        --ucsd examples/results/ucsd-synthetic --out research/results/table2

Reads the ``results.json`` each reproduction script wrote (``reproduce_mnist.py``,
``reproduce_cifar10.py``: per class; ``ucsd_ped2.py``: one frame-level result) and writes
``OUT/results.json`` and ``OUT/results.md`` next to the supplement's values. Nothing is
trained or scored here: a row is only as complete as the results it reads, and says so (how
many of the 10 classes a mean covers; which data a row comes from).
"""

import argparse
import os
import sys
import time

# Supplement Table 2 (LLK, REC, NS).
PAPER = {
    "mnist": (0.926, 0.949, 0.975),
    "cifar10": (0.627, 0.603, 0.641),
    "ucsd_ped2": (0.933, 0.909, 0.954),
    "shanghaitech": (0.695, 0.726, 0.725),
    "dreyeve": (0.917, 0.863, 0.926),
}
NAMES = {"mnist": "MNIST", "cifar10": "CIFAR-10", "ucsd_ped2": "UCSD Ped2",
         "shanghaitech": "ShanghaiTech", "dreyeve": "DR(eye)VE"}
TERMS = ("llk", "rec", "ns")


def _read(folder):
    import lab  # noqa: F401  (puts examples/ on sys.path)
    from reproduction import read_results

    try:
        return read_results(folder)
    except FileNotFoundError as e:
        raise SystemExit(str(e)) from None


def per_class_row(results, folder):
    """Means over the classes present in a ``reproduce_*.py`` results file."""
    classes = results.get("classes", {})
    if not classes:
        raise SystemExit(f"{folder}/results.json has no finished class.")
    mean = {t: sum(c[f"auroc_{t}"] for c in classes.values()) / len(classes) for t in TERMS}
    return {"ours": mean, "classes": sorted(int(c) for c in classes),
            "data": results.get("data"), "source": folder}


def single_row(results, folder):
    """The frame-level result of ``ucsd_ped2.py``."""
    return {"ours": {t: results[f"auroc_{t}"] for t in TERMS}, "classes": None,
            "data": results.get("data"), "source": folder}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mnist", help="OUT folder of reproduce_mnist.py")
    p.add_argument("--cifar10", help="OUT folder of reproduce_cifar10.py")
    p.add_argument("--ucsd", help="OUT folder of ucsd_ped2.py")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    start = time.time()
    rows = {}
    for key, folder, reader in (("mnist", args.mnist, per_class_row),
                                ("cifar10", args.cifar10, per_class_row),
                                ("ucsd_ped2", args.ucsd, single_row)):
        if folder:
            rows[key] = {**reader(_read(folder), folder),
                         "paper": dict(zip(TERMS, PAPER[key]))}
    if not rows:
        p.error("give at least one of --mnist, --cifar10, --ucsd")
    os.makedirs(args.out, exist_ok=True)
    lines = ["# Supplement Table 2: AUROC by novelty score", "",
             "| setting | LLK (paper) | REC (paper) | NS (paper) | covers | data |",
             "|---|---|---|---|---|---|"]
    for key in PAPER:
        if key not in rows:
            lines.append(f"| {NAMES[key]} | - ({PAPER[key][0]}) | - ({PAPER[key][1]}) | "
                         f"- ({PAPER[key][2]}) | not run | |")
            continue
        r = rows[key]
        covers = ("whole test set" if r["classes"] is None else
                  f"mean of {len(r['classes'])} of 10 classes ({', '.join(map(str, r['classes']))})")
        cells = " | ".join(f"{r['ours'][t]:.3f} ({r['paper'][t]})" for t in TERMS)
        lines.append(f"| {NAMES[key]} | {cells} | {covers} | {r['data']} |")
    lines += ["", "Ours from " + ", ".join(f"`{r['source']}`" for r in rows.values())
              + "; paper values in parentheses. A mean over fewer than 10 classes is not "
              "comparable with the paper's mean.", ""]
    import lab  # noqa: F401  (puts examples/ on sys.path)
    from reproduction import write_report

    write_report(args.out, {"rows": rows, "seconds": round(time.time() - start, 2)}, lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
