"""Which epoch would each checkpoint rule have kept, and what test AUROC does that epoch have?

Reads, per class, the run's per-epoch validation losses (the ``history`` of ``results.json``
since commit a15a4b9; for runs of earlier code, the run's
``checkpoints/<dataset>-C/train_state.json``, copied here as ``history-C.json`` so the
analysis survives the checkpoints) and the test AUROC traced after every epoch
(``results.json``, written by ``reproduce_mnist.py --eval-every 1``). Every rule below looks at validation numbers only;
the test trace is read afterwards to say what the rule's choice scores. "oracle" (the best
test NS) is listed as an upper bound, not a rule.

    python examples/results/mnist-checkpoint-rules/checkpoint_rules.py [FOLDER]
"""

import json
import os
import sys

import numpy as np


def moving_average(values, width):
    """Mean of each value and the up to ``width - 1`` before it."""
    sums = np.cumsum(np.concatenate([[0.0], values]))
    lo = np.maximum(np.arange(1, len(values) + 1) - width, 0)
    return (sums[1:] - sums[lo]) / (np.arange(1, len(values) + 1) - lo)


def rules(history):
    """Rule name -> chosen epoch (1-based), from the validation history only."""
    val_loss = [h["val_loss"] for h in history]
    val_rec = [h["val_rec"] for h in history]
    val_llk = [h["val_llk"] for h in history]
    n = len(history)
    # Training REC (the epoch's running mean) more than 5% below the validation REC: the
    # autoencoder has started to fit its own training images. The 5% was chosen after seeing
    # class 8's run (its test NS peaked while this gap grew past ~5%), so classes 2 and 4 are
    # the first test of it.
    gap = [(h["val_rec"] - h["rec"]) / h["val_rec"] for h in history]
    within = [i for i in range(n) if gap[i] <= 0.05]
    return {
        "lowest val loss (the recipe)": int(np.argmin(val_loss)) + 1,
        "lowest val loss, first 80 epochs": int(np.argmin(val_loss[:80])) + 1,
        "lowest val loss, 5-epoch moving average": int(np.argmin(moving_average(val_loss, 5))) + 1,
        "lowest val REC": int(np.argmin(val_rec)) + 1,
        "lowest val LLK": int(np.argmin(val_llk)) + 1,
        "last epoch": n,
        "lowest val loss while train REC is within 5% of val REC":
            min(within, key=lambda i: val_loss[i]) + 1 if within else n,
    }


def main(folder):
    results = json.load(open(os.path.join(folder, "results.json")))
    dataset = results["dataset"]
    lines = []
    for cls, entry in sorted(results["classes"].items(), key=lambda kv: int(kv[0])):
        state_path = os.path.join(folder, "checkpoints", f"{dataset}-{cls}", "train_state.json")
        kept = os.path.join(folder, f"history-{cls}.json")
        if entry.get("history"):
            history = entry["history"]
        elif os.path.exists(state_path):
            history = json.load(open(state_path))["history"]
            with open(kept, "w") as f:
                json.dump(history, f, indent=1)
        else:
            history = json.load(open(kept))
        trace = {t["epoch"]: t for t in entry.get("trace", [])}
        if len(trace) != len(history):
            print(f"class {cls}: trace has {len(trace)} epochs, history {len(history)}; "
                  "run with --eval-every 1", file=sys.stderr)
            continue
        lines.append(f"\nclass {cls} ({len(history)} epochs; final evaluation of the recipe's "
                     f"checkpoint: NS {entry['auroc_ns']:.3f} at epoch {entry['best_epoch']})")
        lines.append("| rule | epoch | NS | LLK | REC |")
        lines.append("|---|---|---|---|---|")
        chosen = rules(history)
        oracle = max(trace, key=lambda e: trace[e]["ns"])
        for name, epoch in list(chosen.items()) + [("oracle: best test NS (not a rule)", oracle)]:
            t = trace[epoch]
            lines.append(f"| {name} | {epoch} | {t['ns']:.3f} | {t['llk']:.3f} | {t['rec']:.3f} |")
        ns = np.array([trace[e]["ns"] for e in sorted(trace)])
        for lo, hi in ((41, 80), (81, 120)):
            part = ns[lo - 1:hi]
            if len(part):
                lines.append(f"\ntest NS over epochs {lo}-{hi}: mean {part.mean():.3f}, "
                             f"min {part.min():.3f}, max {part.max():.3f}")
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
