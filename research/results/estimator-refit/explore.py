"""Exploration (not a recipe): refit only the estimator of a trained MNIST model on its frozen codes.

    python examples/results/estimator-refit/explore.py --model examples/results/mnist-cosine/models/mnist-8.keras \
        --normal-class 8 --lr 1e-4 --epochs 15 --data-dir ../shared/datasets

The autoencoder is frozen; the codes of the class's training and validation images are computed
once with batch normalisation in inference mode (as scoring does); the trained estimator is
trained further with Adam on the summed surprisal. After each epoch it prints the validation surprisal and, for analysis only, the test AUROCs.
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
from lsa_keras.training.one_class import evaluate  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--normal-class", type=int, required=True)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--out", default=None)
    args = p.parse_args()

    (x_train, y_train), (x_test, y_test) = datasets.load_mnist(args.data_dir)
    split = datasets.one_class_split(x_train, y_train, x_test, y_test, args.normal_class)
    model = keras.saving.load_model(args.model)
    keras.utils.set_random_seed(args.seed)
    codes = {k: model.encoder.predict(split[k].astype("float32") / 255.0, batch_size=500, verbose=0)
             for k in ("x_train", "x_val")}

    z = keras.Input((codes["x_train"].shape[1],))
    logits = model.estimator(ops.expand_dims(z, -1))
    fit_model = keras.Model(z, logits)

    def loss(code, logits):
        return ops.mean(surprisal(code, logits))

    fit_model.compile(optimizer=keras.optimizers.Adam(args.lr), loss=loss)
    rows = []
    start = evaluate(model, split)
    val = float(fit_model.evaluate(codes["x_val"], codes["x_val"], batch_size=500, verbose=0))
    print(f"epoch 0: val llk {val:.2f} test {start}", flush=True)
    rows.append({"epoch": 0, "val_llk": val, **start})
    t0 = time.time()
    for epoch in range(1, args.epochs + 1):
        h = fit_model.fit(codes["x_train"], codes["x_train"], batch_size=args.batch_size, epochs=1,
                          shuffle=True, verbose=0)
        val = float(fit_model.evaluate(codes["x_val"], codes["x_val"], batch_size=500, verbose=0))
        result = evaluate(model, split)
        rows.append({"epoch": epoch, "train_llk": h.history["loss"][0], "val_llk": val, **result})
        print(f"epoch {epoch}: train llk {h.history['loss'][0]:.2f} val llk {val:.2f} "
              f"test llk {result['llk']:.4f} rec {result['rec']:.4f} ns {result['ns']:.4f} "
              f"({time.time() - t0:.0f} s)", flush=True)
    if args.out:
        os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
        with open(args.out, "w") as f:
            json.dump({"args": vars(args), "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
