"""Test-AUROC traces of the cosine-decay runs next to the constant-rate runs of the same classes.

Reads ``results.json`` here (``--eval-every 4``) and ``../mnist-checkpoint-rules/results.json``
(the constant rate, traced after every epoch) and prints, per class, NS / LLK / REC at every
20th epoch, the mean NS over epochs 41-80 and 81-120 of each trace, and the reported
checkpoint (lowest validation loss). Analysis only: no rule here reads the test traces.

    python examples/results/mnist-cosine/compare_traces.py
"""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
RUNS = {"cosine": HERE, "constant": os.path.join(HERE, "..", "mnist-checkpoint-rules")}
EPOCHS = (20, 40, 60, 80, 100, 120)


def load(folder):
    with open(os.path.join(folder, "results.json")) as f:
        return json.load(f)["classes"]


def window_mean(trace, lo, hi):
    values = [t["ns"] for t in trace if lo <= t["epoch"] <= hi]
    return sum(values) / len(values)


def main():
    runs = {name: load(folder) for name, folder in RUNS.items()}
    classes = sorted(set(runs["cosine"]) & set(runs["constant"]), key=int)
    for c in classes:
        print(f"\n## Class {c}\n")
        print("| schedule | " + " | ".join(f"ep {e}" for e in EPOCHS)
              + " | NS 41-80 | NS 81-120 | kept: epoch, NS / LLK / REC |")
        print("|---" * (len(EPOCHS) + 4) + "|")
        for name, results in runs.items():
            r = results[c]
            by_epoch = {t["epoch"]: t for t in r["trace"]}
            cells = [f"{by_epoch[e]['ns']:.3f} / {by_epoch[e]['llk']:.3f} / {by_epoch[e]['rec']:.3f}"
                     for e in EPOCHS]
            print(f"| {name} | " + " | ".join(cells)
                  + f" | {window_mean(r['trace'], 41, 80):.3f} | {window_mean(r['trace'], 81, 120):.3f}"
                  + f" | {r['best_epoch']}, **{r['auroc_ns']:.3f}** / {r['auroc_llk']:.3f} / {r['auroc_rec']:.3f} |")


if __name__ == "__main__":
    main()
