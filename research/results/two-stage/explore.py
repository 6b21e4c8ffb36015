"""Exploration (a departure from the paper, not a recipe): train the MNIST autoencoder on
reconstruction alone, then the estimator alone on its frozen codes.

    python examples/results/two-stage/explore.py --normal-class C --data-dir ../shared/datasets \
        --out examples/results/two-stage

The paper trains autoencoder and estimator jointly on REC + LLK. The training notes
(``../shared/reference/training-notes.md``) report a later re-implementation that trained the
autoencoder first and the estimator after it, with a much higher LLK AUROC on class 8; the
table here trails the paper in exactly that column. Stage 1 is the table's run
(``lsa_keras.training.one_class.run_one_class``: cosine schedule, checkpoint of lowest validation loss,
resumable) with the LLK weight set to 0, so the estimator keeps its initial weights (Adam
makes no step on a zero gradient). Stage 2 computes the codes of the class's training and
validation images once (batch normalisation in inference mode, as scoring does) and trains the
estimator alone on the summed surprisal, Adam with a cosine decay; it keeps the epoch of lowest
validation surprisal. The test AUROCs are traced for analysis only, never to choose.
Writes ``OUT/results.json`` (merged per class) and prints every epoch.
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
from keras import ops  # noqa: E402

from lsa_keras import datasets  # noqa: E402
from lsa_keras.losses import surprisal  # noqa: E402
from lsa_keras.training.one_class import evaluate, learning_rate_schedule, run_one_class  # noqa: E402


def fit_estimator(model, split, args):
    """Stage 2: train ``model.estimator`` on frozen codes; leave it at the epoch of lowest
    validation surprisal and return the per-epoch rows."""
    codes = {k: model.encoder.predict(split[k].astype("float32") / 255.0, batch_size=500, verbose=0)
             for k in ("x_train", "x_val")}
    z = keras.Input((codes["x_train"].shape[1],))
    fit_model = keras.Model(z, model.estimator(ops.expand_dims(z, -1)))
    steps = -(-len(codes["x_train"]) // args.batch_size)
    rate = learning_rate_schedule("cosine", args.est_lr, args.est_epochs, steps)
    fit_model.compile(optimizer=keras.optimizers.Adam(rate),
                      loss=lambda code, logits: ops.mean(surprisal(code, logits)))
    keras.utils.set_random_seed(args.seed)
    rows, best, t0 = [], (float("inf"), 0, None), time.time()
    for epoch in range(1, args.est_epochs + 1):
        h = fit_model.fit(codes["x_train"], codes["x_train"], batch_size=args.batch_size,
                          epochs=1, shuffle=True, verbose=0)
        val = float(fit_model.evaluate(codes["x_val"], codes["x_val"], batch_size=500, verbose=0))
        row = {"epoch": epoch, "train_llk": h.history["loss"][0], "val_llk": val,
               "seconds": time.time() - t0}
        if val < best[0]:
            best = (val, epoch, model.estimator.get_weights())
        if args.eval_every and epoch % args.eval_every == 0:
            row["test"] = evaluate(model, split)
        rows.append(row)
        print(json.dumps(row), flush=True)
    model.estimator.set_weights(best[2])
    return rows, best[1], best[0], time.time() - t0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--normal-class", type=int, required=True)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--out", required=True)
    p.add_argument("--ae-epochs", type=int, default=120)
    p.add_argument("--est-epochs", type=int, default=100)
    p.add_argument("--est-lr", type=float, default=1e-4)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eval-every", type=int, default=10, help="trace the test AUROC (analysis only)")
    args = p.parse_args()
    if not 0 <= args.normal_class <= 9:
        p.error(f"--normal-class must be in 0..9, got {args.normal_class}")

    data = datasets.load_mnist(args.data_dir)
    (x_train, y_train), (x_test, y_test) = data
    split = datasets.one_class_split(x_train, y_train, x_test, y_test, args.normal_class)
    c = args.normal_class
    stage1, model = run_one_class(
        "mnist", data, c, args.ae_epochs, args.batch_size, 1e-4, "cosine", args.seed,
        checkpoint_dir=os.path.join(args.out, "checkpoints", f"mnist-{c}-ae"), lam=0.0)
    stage1.pop("history", None)
    print("stage 1:", json.dumps(stage1), flush=True)
    rows, kept, val, seconds = fit_estimator(model, split, args)
    final = evaluate(model, split)
    print(f"stage 2: kept epoch {kept} (val surprisal {val:.2f}): {final}", flush=True)

    path = os.path.join(args.out, "results.json")
    results = json.load(open(path)) if os.path.isfile(path) else {}
    results[str(c)] = {"args": vars(args), "stage1": stage1,
                       "stage2": {"kept_epoch": kept, "val_llk": val, "seconds": seconds,
                                  "rows": rows},
                       "auroc_llk": final["llk"], "auroc_rec": final["rec"], "auroc_ns": final["ns"]}
    os.makedirs(args.out, exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(dict(sorted(results.items())), f, indent=1)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
