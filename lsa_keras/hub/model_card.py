"""The Hugging Face model card (``README.md``) of a pretrained folder.

The YAML front matter is written as JSON values (valid YAML, and safe to write without a YAML
library): ``library_name``, ``license``, ``tags``, ``datasets`` and a ``model-index`` with the
measured AUROC of NS, LLK and REC when the metadata has them.
"""

import json

_DATASET_NAMES = {"mnist": "MNIST", "cifar10": "CIFAR-10"}
_METRICS = (("auroc_ns", "AUROC (NS, novelty score)"), ("auroc_llk", "AUROC (LLK, surprisal)"),
            ("auroc_rec", "AUROC (REC, reconstruction error)"))


def _yaml(value):
    return json.dumps(value)


def front_matter(meta):
    """The YAML front matter lines, ``---`` included."""
    name = meta.get("name") or f"lsa-{meta.get('architecture', 'model')}"
    dataset = meta.get("dataset")
    lines = ["---", "library_name: lsa_keras", "license: mit",
             "tags: " + _yaml(["keras", "novelty-detection", "anomaly-detection", "one-class",
                               "lsa", "autoregressive"])]
    if dataset:
        lines.append("datasets: " + _yaml([dataset]))
    metrics = meta.get("metrics") or {}
    values = [(key, label, metrics[key]) for key, label in _METRICS if metrics.get(key) is not None]
    if values:
        lines += ["model-index:", f"- name: {_yaml(name)}", "  results:",
                  "  - task:", '      type: "anomaly-detection"',
                  '      name: "One-class novelty detection"',
                  "    dataset:", f"      type: {_yaml(dataset or 'custom')}",
                  f"      name: {_yaml(_DATASET_NAMES.get(dataset, dataset or 'custom'))}",
                  '      split: "test"', "    metrics:"]
        for key, label, value in values:
            lines += ['    - type: "roc_auc"', f"      name: {_yaml(label)}",
                      f"      value: {round(float(value), 4)}"]
    lines.append("---")
    return lines


def render(meta):
    """The whole model card for a pretrained folder's ``metadata.json`` contents."""
    name = meta.get("name") or "this model"
    dataset = meta.get("dataset")
    normal = meta.get("normal_class_name", meta.get("normal_class"))
    lines = front_matter(meta) + ["", f"# LSA novelty detector: {name}", ""]
    lines.append(
        "Latent Space Autoregression (Abati et al., CVPR 2019) trained with "
        "lsa_keras on a single normal class"
        + (f" (**{normal}**) of {_DATASET_NAMES.get(dataset, dataset)}" if normal is not None else "")
        + ". It scores how novel an image is: normalised surprisal of its latent code under an "
        "autoregressive density estimator plus normalised reconstruction error. Higher is more "
        "novel; the normalisation statistics and a threshold are stored with the weights."
    )
    metrics = meta.get("metrics") or {}
    if metrics:
        lines += ["", "## Measured", "", "| score | AUROC |", "|---|---|"]
        for key, label in _METRICS:
            if metrics.get(key) is not None:
                lines.append(f"| {label} | {float(metrics[key]):.4f} |")
        if meta.get("evaluation"):
            lines += ["", meta["evaluation"]]
    details = [(k, meta[k]) for k in ("data", "protocol", "schedule", "weight_seed", "best_epoch",
                                       "training_seconds", "backend", "machine") if k in meta]
    if details:
        lines += ["", "## How it was trained", ""]
        lines += [f"- **{k}**: {json.dumps(v) if isinstance(v, (dict, list)) else v}" for k, v in details]
    source = meta.get("name") or "path/to/this/folder"
    lines += [
        "", "## Use", "", "```python", "import lsa_keras", "",
        f"model = lsa_keras.from_pretrained({source!r})",
        "scores = model.score(images)          # dict of numpy arrays: llk, rec, ns",
        "novel = model.predict_label(images)   # 1 = novel (NS above the stored threshold)",
        "```", "",
        f"Images: `{tuple(meta.get('image_shape', ()))}`, uint8 in [0, 255] or float in [0, 1].",
        "", "## Citation", "",
        "Abati, Porrello, Calderara, Cucchiara. *Latent Space Autoregression for Novelty "
        "Detection.* CVPR 2019.", "",
    ]
    return "\n".join(lines)
