"""The Hugging Face model card (``README.md``) of a pretrained folder.

Written with huggingface_hub's :class:`~huggingface_hub.ModelCard`,
:class:`~huggingface_hub.ModelCardData` and :class:`~huggingface_hub.EvalResult`: the YAML
front matter holds ``library_name``, ``license``, ``tags``, ``datasets`` and a
``model-index`` with the measured AUROC of NS, LLK and REC when the metadata has them.

The usage snippet names where the model is loaded from: the Hub repository it is pushed to
(``hf://org/repo``), else its zoo name, else a placeholder path; never the name of the folder
it happened to be saved in. A model whose NS AUROC is below 0.5 says plainly that it does not
separate its normal class from the others.
"""

from __future__ import annotations

import json
from typing import Any

_DATASET_NAMES = {"mnist": "MNIST", "cifar10": "CIFAR-10"}
_METRICS = (("auroc_ns", "AUROC (NS, novelty score)"), ("auroc_llk", "AUROC (LLK, surprisal)"),
            ("auroc_rec", "AUROC (REC, reconstruction error)"))
TAGS = ["keras", "novelty-detection", "anomaly-detection", "one-class", "lsa", "autoregressive"]
CHANCE = 0.5


def below_chance(meta: dict[str, Any]) -> bool:
    """Whether the measured NS AUROC in ``meta["metrics"]`` is below chance (0.5)."""
    value = (meta.get("metrics") or {}).get("auroc_ns")
    return value is not None and float(value) < CHANCE


def below_chance_warning(meta: dict[str, Any]) -> str:
    """The sentence a below-chance model's card (and ``lsa-keras zoo list``) shows."""
    normal = meta.get("normal_class_name", meta.get("normal_class"))
    dataset = _DATASET_NAMES.get(meta.get("dataset"), meta.get("dataset") or "its data")
    value = float(meta["metrics"]["auroc_ns"])
    return (f"This model does not separate its normal class"
            + (f" ({normal})" if normal is not None else "")
            + f" from the other classes of {dataset}: its NS AUROC, {value:.3f}, is below "
            "chance (0.5), so it ranks novel test images no better than a coin toss. Do not use "
            "it as a novelty detector for this class.")


def card_data(meta: dict[str, Any]):
    """The :class:`~huggingface_hub.ModelCardData` of a folder's metadata."""
    from huggingface_hub import EvalResult, ModelCardData

    name = meta.get("zoo_name") or meta.get("name") or f"lsa-{meta.get('architecture', 'model')}"
    dataset = meta.get("dataset")
    metrics = meta.get("metrics") or {}
    results = [
        EvalResult(task_type="anomaly-detection", task_name="One-class novelty detection",
                   dataset_type=dataset or "custom",
                   dataset_name=_DATASET_NAMES.get(dataset, dataset or "custom"),
                   dataset_split="test", metric_type="roc_auc", metric_name=label,
                   metric_value=round(float(metrics[key]), 4))
        for key, label in _METRICS if metrics.get(key) is not None
    ]
    return ModelCardData(library_name="lsa_keras", license="mit", tags=list(TAGS),
                         datasets=[dataset] if dataset else None, model_name=name,
                         eval_results=results or None)


def usage_source(meta: dict[str, Any], repo_id: str | None = None) -> str | None:
    """What the usage snippet loads: ``hf://<repo_id>``, the zoo name, or None (a folder)."""
    if repo_id:
        return f"hf://{repo_id}"
    return meta.get("zoo_name") or None


def render(meta: dict[str, Any], repo_id: str | None = None) -> str:
    """The whole model card for a pretrained folder's ``metadata.json`` contents.

    Args:
        meta: the folder's metadata.
        repo_id: the Hub repository the folder is pushed to; the usage snippet loads it from
            there. Without it, a zoo model's snippet uses its zoo name (``meta["zoo_name"]``)
            and any other model's a placeholder folder path.
    """
    from huggingface_hub import ModelCard

    name = meta.get("zoo_name") or meta.get("name") or "this model"
    dataset = meta.get("dataset")
    normal = meta.get("normal_class_name", meta.get("normal_class"))
    lines = [f"# LSA novelty detector: {name}", ""]
    if below_chance(meta):
        lines += [f"> **Warning.** {below_chance_warning(meta)}", ""]
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
                                       "training_seconds", "weights_dtype", "backend", "machine")
               if k in meta]
    if details:
        lines += ["", "## How it was trained", ""]
        lines += [f"- **{k}**: {json.dumps(v) if isinstance(v, (dict, list)) else v}" for k, v in details]
    source = usage_source(meta, repo_id)
    lines += ["", "## Use", "", "```python", "import lsa_keras", ""]
    if source:
        lines.append(f"model = lsa_keras.from_pretrained({source!r})")
    else:
        lines.append("model = lsa_keras.from_pretrained('path/to/this/folder')")
    lines += [
        "scores = model.score(images)          # dict of numpy arrays: llk, rec, ns",
        "novel = model.predict_label(images)   # 1 = novel (NS above the stored threshold)",
        "```", "",
        "The folder is also a Keras model folder: after `import lsa_keras`, "
        f"`keras.saving.load_model({(source or 'path/to/this/folder')!r})` loads the same "
        "calibrated model (without the hash checks of `from_pretrained`).", "",
        f"Images: `{tuple(meta.get('image_shape', ()))}`, uint8 in [0, 255] or float in [0, 1].",
        "", "## Citation", "",
        "Abati, Porrello, Calderara, Cucchiara. *Latent Space Autoregression for Novelty "
        "Detection.* CVPR 2019.", "",
    ]
    data = card_data(meta)
    return str(ModelCard(f"---\n{data.to_yaml()}\n---\n\n" + "\n".join(lines)))
