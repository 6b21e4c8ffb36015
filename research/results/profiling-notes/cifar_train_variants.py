"""CIFAR-10 training throughput on the TensorFlow backend: XLA or not, float32 or mixed
bfloat16, fresh model each time, the variants alternated in one process so that they share the
machine's conditions. Run from the repository root:

    PYTHONPATH=. python examples/results/profiling-notes/cifar_train_variants.py [rounds]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_xla import time_fit  # noqa: E402

VARIANTS = [(True, "float32"), (False, "float32"), (False, "mixed_bfloat16"),
            (True, "mixed_bfloat16")]


def main(rounds=2, batch=256, steps=4):
    for r in range(rounds):
        for jit, policy in VARIANTS:
            first, rate = time_fit("cifar10", jit, batch, steps, first_steps=1, dtype=policy)
            print(f"round {r} jit={jit} {policy}: first fit (1 step) {first:.1f} s, then "
                  f"{rate:.1f} samples/s", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
