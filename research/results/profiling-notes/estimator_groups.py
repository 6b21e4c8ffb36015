"""Training and scoring speed of the MNIST LSA with the masked layers evaluated as one dense
masked matmul (groups 1) or block-triangular in G groups, interleaved in one process so the
ratios share the machine's conditions. TensorFlow backend, XLA, batch 256, random images.

    python examples/results/profiling-notes/estimator_groups.py [--groups 1 8 4] [--rounds 2]
"""

import argparse
import json
import time

import numpy as np
import keras

from lsa_keras import LSA, scoring
from lsa_keras.layers.autoregressive_layer import AutoregressiveLayer


def measure(groups, x, batch):
    AutoregressiveLayer.evaluation_groups = groups
    keras.utils.set_random_seed(0)
    model = LSA.from_architecture("mnist")
    model.compile()
    model.fit(x[: 2 * batch], batch_size=batch, epochs=1, verbose=0)  # compile
    start = time.perf_counter()
    model.fit(x, batch_size=batch, epochs=1, verbose=0, shuffle=False)
    train = len(x) / (time.perf_counter() - start)
    scoring.per_sample_scores(model, x[:batch], batch)  # compile
    start = time.perf_counter()
    scoring.per_sample_scores(model, x, batch)
    score = len(x) / (time.perf_counter() - start)
    return train, score


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--groups", type=int, nargs="+", default=[1, 8, 4])
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--steps", type=int, default=10)
    args = p.parse_args()
    x = np.random.RandomState(0).rand(args.batch * args.steps, 28, 28, 1).astype("float32")
    rows = {g: [] for g in args.groups}
    for r in range(args.rounds):
        for g in args.groups:
            train, score = measure(g, x, args.batch)
            rows[g].append((train, score))
            print(f"round {r} groups {g}: train {train:.1f} samples/s, score {score:.1f}", flush=True)
    base = np.mean([t for t, _ in rows[args.groups[0]]]), np.mean([s for _, s in rows[args.groups[0]]])
    summary = {g: {"train": round(float(np.mean([t for t, _ in v])), 1),
                   "score": round(float(np.mean([s for _, s in v])), 1),
                   "train_ratio": round(float(np.mean([t for t, _ in v]) / base[0]), 2),
                   "score_ratio": round(float(np.mean([s for _, s in v]) / base[1]), 2)}
               for g, v in rows.items()}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
