"""Supplement §5 / Table 3: do the encoder's codes follow the autoregressive order?

    python research/bayesian_network_orders.py --models examples/results/mnist/models \
        --data-dir ../shared/datasets --out research/results/bn-orders

For every ``mnist-C.keras`` in ``--models`` (the calibrated models of the reproduction
script), the codes of class C's training, validation and normal test images (the protocol
split) are fitted with linear-Gaussian Bayesian networks whose parents follow the
autoregressive order (ARG), a random order (RDM, seeded) or the inverse order (INV), and the
mean per-sample log-likelihood is reported on each split.

Two parent sets, each with the same number of edges in all three orders:

- ``full``: every predecessor in the order, as the supplement defines the networks. A linear-
  Gaussian network with complete parent sets can represent any multivariate Gaussian, whatever
  the order, so its maximum-likelihood fit is the same joint Gaussian in all three orders and
  the three log-likelihoods agree (up to rounding). The supplement's Table 3 instead shows the
  orders a constant ~294.73 nats apart on every class and split, which such fits cannot
  produce.
- ``k`` (``--parents``, default 8): only the ``k`` nearest predecessors in the order. The
  order matters here, but a banded linear-Gaussian network and its reversal are Markov
  equivalent, so the autoregressive and the inverse order still tie exactly.

Linear-Gaussian CPDs therefore cannot separate the autoregressive order from the inverse one.
``--estimator-epochs N`` (N > 0) adds a third family where they can differ: categorical CPDs
over the model's 100 bins (each ``z_i`` quantised as the LSA loss does), all parents being the
predecessors in the order, parametrised by a masked autoregressive network MFC[32, 32, 100]
(the family of the model's own estimator, smaller) trained on the training codes permuted into
the order (Adam 1e-3, batch 256, weights of the lowest validation surprisal). Reported as mean
log-probability of the bins in nats (``-surprisal``), higher is better.

Writes ``OUT/results.json`` and ``OUT/results.md`` after every class. A rerun keeps the classes
already in ``OUT/results.json`` (when it was written with the same ``--parents``, ``--seed``
and ``--estimator-epochs``) and fits only the models not in it yet, or those named in
``--classes``; so classes can be added one at a time as their models finish.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def fit_linear_gaussian(z, order, parents):
    """Least-squares (maximum-likelihood) CPDs ``z_i ~ N(w·pa_i + b, s_i^2)``.

    Args:
        z: ``(n, d)`` training codes.
        order: permutation of ``range(d)``; node ``order[j]`` has parents among ``order[:j]``.
        parents: ``None`` for all predecessors, or the number of nearest predecessors.

    Returns:
        list of ``(node, parent_indices, weights, bias, variance)``.
    """
    cpds = []
    for j, node in enumerate(order):
        pa = list(order[:j] if parents is None else order[max(0, j - parents):j])
        design = np.concatenate([z[:, pa], np.ones((len(z), 1))], axis=1)
        coef, *_ = np.linalg.lstsq(design, z[:, node], rcond=None)
        resid = z[:, node] - design @ coef
        cpds.append((node, pa, coef[:-1], coef[-1], max(float(np.mean(resid ** 2)), 1e-12)))
    return cpds


def log_likelihood(cpds, z):
    """Mean over samples of the summed log-density of every CPD: a float."""
    total = np.zeros(len(z))
    for node, pa, w, b, var in cpds:
        mean = z[:, pa] @ w + b if pa else np.full(len(z), b)
        total += -0.5 * (np.log(2 * np.pi * var) + (z[:, node] - mean) ** 2 / var)
    return float(total.mean())


def fit_categorical(z_train, z_val, order, bins, epochs, seed, units=(32, 32), learning_rate=1e-3):
    """Train an MFC estimator on codes permuted into ``order``; returns a function
    ``z -> mean log-probability (nats) of the bins of z`` under it."""
    import keras
    from keras import ops

    from lsa_keras.losses import quantize, surprisal
    from lsa_keras.models.lsa.lsa_networks import mfc_estimator

    keras.utils.set_random_seed(seed)
    d = z_train.shape[1]
    net = mfc_estimator(d, bins, units)
    net.compile(optimizer=keras.optimizers.Adam(learning_rate),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

    def prepare(z):
        z = np.asarray(z, "float32")[:, order]
        return z[..., None], ops.convert_to_numpy(quantize(z, bins))

    x, y = prepare(z_train)
    xv, yv = prepare(z_val)
    best = keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
    net.fit(x, y, validation_data=(xv, yv), batch_size=256, epochs=epochs, verbose=0,
            callbacks=[best], shuffle=True)

    def log_probability(z):
        xz, _ = prepare(z)
        logits = net.predict(xz, batch_size=512, verbose=0)
        return -float(np.mean(ops.convert_to_numpy(surprisal(xz[..., 0], logits))))

    return log_probability


SETTINGS = ("parents", "seed", "estimator_epochs")


def autoregressive_wins(results, split="test"):
    """Classes where the autoregressive order fits strictly best, per family of CPDs.

    Args:
        results: ``{class: {family: {order: {split: mean log-likelihood}}}}``.

    Returns:
        ``{family: (sorted classes where ARG beats every other order, number of classes)}``.
    """
    wins = {}
    for c, per in results.items():
        for kind, by_order in per.items():
            won, total = wins.setdefault(kind, ([], [0]))
            total[0] += 1
            others = [v[split] for o, v in by_order.items() if o != "ARG"]
            if all(by_order["ARG"][split] > v + 1e-9 for v in others):
                won.append(c)
    return {k: (sorted(w, key=int), n[0]) for k, (w, n) in wins.items()}


def load_previous(args):
    """The per-class results, seconds and model files of an earlier run into ``args.out`` with
    the same settings; empty when there is none. Refuses to mix runs with different settings."""
    path = os.path.join(args.out, "results.json")
    if not os.path.exists(path):
        return {}, {}, {}
    with open(path) as f:
        previous = json.load(f)
    differ = {k: (previous.get(k), getattr(args, k)) for k in SETTINGS
              if previous.get(k) != getattr(args, k)}
    if differ:
        raise SystemExit(f"{path} was written with other settings ({differ}, as (there, now)); "
                         "pass the same settings to add classes, or another --out.")
    # Files written before the per-class record took every model from the one "models" folder.
    class_models = {c: os.path.join(previous["models"], f"mnist-{c}.keras")
                    for c in previous["results"]}
    class_models.update(previous.get("class_models", {}))
    return previous["results"], previous.get("class_seconds", {}), class_models


def write(args, results, class_seconds, class_models, start):
    out = {"results": results, "parents": args.parents, "seed": args.seed,
           "estimator_epochs": args.estimator_epochs, "class_seconds": class_seconds,
           "class_models": class_models, "models": os.path.abspath(args.models),
           "seconds": round(time.time() - start, 1)}
    os.makedirs(args.out, exist_ok=True)
    lines = ["# Bayesian networks on MNIST codes, three orders", "",
             "Mean per-sample log-likelihood (higher fits better): a density in nats for the "
             "linear-Gaussian networks (`full`, `k=...`), the log-probability of the bins in "
             "nats for `categorical MFC`; the two kinds are not comparable with each other.", "",
             "| class | parents | order | train | val | test |", "|---|---|---|---|---|---|"]
    for c, per in results.items():
        for kind, by_order in per.items():
            for oname, v in by_order.items():
                lines.append(f"| {c} | {kind} | {oname} | {v['train']:.2f} | {v['val']:.2f} | "
                             f"{v['test']:.2f} |")
    lines += ["", "Classes where the autoregressive order fits best on the test split:", "",
              "| parents | ARG best on test | classes |", "|---|---|---|"]
    for kind, (won, total) in autoregressive_wins(results).items():
        lines.append(f"| {kind} | {len(won)} of {total} | {', '.join(won) or '-'} |")
    per_class = ", ".join(f"{c} {class_seconds[c]:.0f} s" if c in class_seconds
                          else f"{c} not recorded" for c in results)
    folders = {}
    for c, path in class_models.items():
        folders.setdefault(os.path.relpath(os.path.dirname(path)), []).append(c)
    models = "; ".join(f"{', '.join(cs)} from {folder}" for folder, cs in folders.items())
    lines += ["", f"Wall time per class: {per_class}; this invocation {out['seconds']:.0f} s; random "
              f"order seed {args.seed}; models of classes {models}.", ""]
    import lab  # noqa: F401  (puts examples/ on sys.path)
    from reproduction import write_report

    write_report(args.out, out, lines)
    plot(args.out, results)


def plot(out, results):
    """Supplement Fig. 2: the training log-likelihood of every class in the three orders, a
    panel per family, as ``out/train_log_likelihood.png``."""
    from lsa_keras.utils import plots

    kinds = dict.fromkeys(k for per in results.values() for k in per)
    plots.grouped_bars({kind: {c: {o: v["train"] for o, v in results[c][kind].items()}
                               for c in results if kind in results[c]} for kind in kinds},
                       os.path.join(out, "train_log_likelihood.png"),
                       ylabel="mean training log-likelihood (nats)",
                       title="Bayesian networks over MNIST codes: ARG, RDM and INV orders per class")


def orders(d, seed):
    return {"ARG": np.arange(d), "RDM": np.random.default_rng(seed).permutation(d),
            "INV": np.arange(d)[::-1]}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", help="folder with mnist-C.keras files")
    p.add_argument("--data-dir")
    p.add_argument("--out", required=True)
    p.add_argument("--parents", type=int, default=8)
    p.add_argument("--seed", type=int, default=0, help="the random order's seed")
    p.add_argument("--estimator-epochs", type=int, default=0,
                   help="also fit categorical MFC CPDs for at most this many epochs (0: skip)")
    p.add_argument("--classes", nargs="+", type=int,
                   help="(re)fit these classes only (default: every model not in OUT yet)")
    p.add_argument("--replot", action="store_true",
                   help="only redraw OUT/train_log_likelihood.png from OUT/results.json")
    args = p.parse_args(argv)
    start = time.time()
    results, class_seconds, class_models = load_previous(args)
    if args.replot:
        plot(args.out, results)
        return 0
    if not (args.models and args.data_dir):
        p.error("--models and --data-dir are required unless --replot is given")

    import keras

    from lsa_keras.datasets import load_mnist, one_class_split
    from lsa_keras.utils.preprocessing import to_model_input

    (x_train, y_train), (x_test, y_test) = load_mnist(args.data_dir)
    for name in sorted(os.listdir(args.models)):
        if not (name.startswith("mnist-") and name.endswith(".keras")):
            continue
        c = int(name[len("mnist-"):-len(".keras")])
        if (c not in args.classes) if args.classes else (str(c) in results):
            continue
        class_start = time.time()
        model = keras.saving.load_model(os.path.join(args.models, name))
        split = one_class_split(x_train, y_train, x_test, y_test, c)
        codes = {k: np.asarray(model.encoder.predict(to_model_input(x), batch_size=256,
                                                     verbose=0), "float64")
                 for k, x in (("train", split["x_train"]), ("val", split["x_val"]),
                              ("test", x_test[y_test == c]))}
        per = {}
        for kind, parents in (("full", None), (f"k={args.parents}", args.parents)):
            per[kind] = {}
            for oname, order in orders(codes["train"].shape[1], args.seed).items():
                cpds = fit_linear_gaussian(codes["train"], order, parents)
                per[kind][oname] = {k: log_likelihood(cpds, z) for k, z in codes.items()}
        if args.estimator_epochs > 0:
            kind = "categorical MFC"
            per[kind] = {}
            for oname, order in orders(codes["train"].shape[1], args.seed).items():
                log_probability = fit_categorical(codes["train"], codes["val"], order, model.bins,
                                                  args.estimator_epochs, args.seed)
                per[kind][oname] = {k: log_probability(z) for k, z in codes.items()}
        results[str(c)] = per
        class_seconds[str(c)] = round(time.time() - class_start, 1)
        results = dict(sorted(results.items(), key=lambda kv: int(kv[0])))
        class_seconds = dict(sorted(class_seconds.items(), key=lambda kv: int(kv[0])))
        class_models[str(c)] = os.path.abspath(os.path.join(args.models, name))
        class_models = dict(sorted(class_models.items(), key=lambda kv: int(kv[0])))
        print(c, json.dumps(per), flush=True)
        write(args, results, class_seconds, class_models, start)
    return 0


if __name__ == "__main__":
    sys.exit(main())
