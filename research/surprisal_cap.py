"""How often the authors' softmax clamp caps a latent variable's surprisal, and what capping
changes in the AUROC of trained models.

    python research/surprisal_cap.py --models /path/to/results/models \\
        --data-dir ../shared/datasets --out research/results/cifar10-gap/surprisal-cap

The authors' ``AutoregressionLoss`` clamps the estimator's softmax to ``[eps, 1 - eps]`` with
float64's ``eps`` (2.2e-16) before the log, so no latent variable contributes more than
``-log(eps)`` = 36.04 nats and the gradient of a term beyond it is zero.
``lsa_keras.losses.surprisal`` is the exact log-softmax. For every ``<dataset>-C`` model folder
in ``--models`` (``save_pretrained`` folders, as the reproduction scripts write them) this
scores the class's training, validation and test splits both ways and reports, per split, the
share of latent variables (and of images with at least one) whose surprisal exceeds the cap,
and on the test split the AUROC of LLK and NS with the exact and the capped surprisal (each
normalised on the validation split, as the reproduction does).

Writes ``OUT/results.json`` and ``OUT/results.md``.
"""

import argparse
import json
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

CAP = float(-np.log(np.finfo(np.float64).eps))  # 36.04 nats


def per_variable_surprisal(model, images, batch=250):
    """``(surprisal (n, d) float64, rec (n,) float64)`` of ``images`` under ``model``
    (inference mode): the exact ``-log softmax`` at each variable's bin, as
    ``lsa_keras.losses.surprisal`` computes it before summing."""
    from keras import ops

    from lsa_keras.losses import quantize, reconstruction_error
    from lsa_keras.utils.preprocessing import to_model_input

    nll, rec = [], []
    for start in range(0, len(images), batch):
        x = to_model_input(np.asarray(images[start:start + batch]))
        out = model(x, training=False)
        logits = ops.cast(out["logits"], "float32")
        target = quantize(out["code"], logits.shape[-1])
        log_p = ops.log_softmax(logits, axis=-1)
        picked = ops.take_along_axis(log_p, ops.expand_dims(target, -1), axis=-1)[..., 0]
        nll.append(-ops.convert_to_numpy(picked).astype("float64").reshape(len(x), -1))
        rec.append(ops.convert_to_numpy(reconstruction_error(x, out["reconstruction"])))
    return np.concatenate(nll), np.concatenate(rec).astype("float64")


def cap_report(model, split, cap=CAP):
    """The numbers of one model on its split (see the module docstring)."""
    from lsa_keras import scoring

    out, scores = {}, {}
    for name in ("x_train", "x_val", "x_test"):
        nll, rec = per_variable_surprisal(model, split[name])
        above = nll > cap
        out[name[2:]] = {"variables": int(nll.size), "capped_share": float(above.mean()),
                         "images_with_a_capped_variable": float(above.any(axis=1).mean()),
                         "max_surprisal": float(nll.max()),
                         "mean_llk": float(nll.sum(axis=1).mean()),
                         "mean_llk_removed_by_cap": float((nll - np.minimum(nll, cap)).sum(axis=1).mean())}
        scores[name] = {"exact": {"llk": nll.sum(axis=1), "rec": rec},
                        "capped": {"llk": np.minimum(nll, cap).sum(axis=1), "rec": rec}}
    for kind in ("exact", "capped"):
        stats = scoring.min_max_stats(scores["x_val"][kind])
        test = scoring.novelty_scores(scores["x_test"][kind], stats)
        out[f"auroc_{kind}"] = scoring.auroc(split["novel_test"], test)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", required=True, help="folder of <dataset>-C save_pretrained folders")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    folders = sorted(f for f in os.listdir(args.models)
                     if os.path.isfile(os.path.join(args.models, f, "metadata.json")))
    if not folders:
        raise SystemExit(f"no save_pretrained folders (with metadata.json) in {args.models}")

    import lab  # noqa: F401  (puts examples/ on sys.path)
    import machine
    from reproduction import write_report

    import lsa_keras
    from lsa_keras.datasets import load_one_class

    results = {}
    for folder in folders:
        with open(os.path.join(args.models, folder, "metadata.json")) as f:
            meta = json.load(f)
        model = lsa_keras.from_pretrained(os.path.join(args.models, folder))
        split = load_one_class(meta["dataset"], meta["normal_class"], args.data_dir)
        results[folder] = {"normal_class": meta["normal_class"], **cap_report(model, split),
                           "reported": meta.get("metrics")}
        print(folder, json.dumps(results[folder]["auroc_exact"]),
              json.dumps(results[folder]["auroc_capped"]), flush=True)
    lines = [f"# Surprisal cap at {CAP:.2f} nats: how often it binds, and the AUROC with it", "",
             f"Models: {args.models}; machine {machine.processor_label()}.", "",
             "| model | split | capped variables | images with one | max surprisal | mean LLK | "
             "LLK removed by the cap |", "|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        for s in ("train", "val", "test"):
            v = r[s]
            lines.append(f"| {name} | {s} | {v['capped_share']:.2e} | "
                         f"{v['images_with_a_capped_variable']:.4f} | {v['max_surprisal']:.1f} | "
                         f"{v['mean_llk']:.1f} | {v['mean_llk_removed_by_cap']:.3f} |")
    lines += ["", "| model | LLK exact | LLK capped | REC | NS exact | NS capped |",
              "|---|---|---|---|---|---|"]
    for name, r in results.items():
        e, c = r["auroc_exact"], r["auroc_capped"]
        lines.append(f"| {name} | {e['llk']:.4f} | {c['llk']:.4f} | {e['rec']:.4f} | "
                     f"{e['ns']:.4f} | {c['ns']:.4f} |")
    payload = {"cap_nats": CAP, "models": args.models, "machine": machine.describe(),
               "results": results}
    print(write_report(args.out, payload, lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
