"""Pool several runs of one recipe into per-class statistics (mean, median, spread).

    python research/pool_runs.py research/results/mnist-constant research/results/mnist-seeds/seed-1 \
        research/results/mnist-seeds/seed-2 research/results/mnist-checkpoint-rules \
        research/results/mnist-reruns --out research/results/mnist-pooled

Each folder holds a ``results.json`` of ``examples/reproduce_mnist.py`` (or
``reproduce_cifar10.py``); runs of other schedules or data are refused. Writes
``OUT/results.json`` and ``OUT/results.md``.
"""

import argparse
import sys

from lab.pooled_runs import load_runs, pool, pooled_markdown
import lab  # noqa: F401  (puts examples/ on sys.path)
from reproduction import write_report


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="+", help="folders with a results.json each")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    try:
        pooled = pool(load_runs(args.folders))
    except (FileNotFoundError, ValueError) as e:
        p.error(str(e))
    lines = [f"# {pooled['dataset']}: {len(args.folders)} result folders pooled per class", "",
             "Folders: " + ", ".join(f"`{f}`" for f in args.folders) + ".", "",
             pooled_markdown(pooled)]
    payload = {**pooled, "folders": args.folders,
               "classes": {str(c): s for c, s in pooled["classes"].items()}}
    print(write_report(args.out, payload, lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
