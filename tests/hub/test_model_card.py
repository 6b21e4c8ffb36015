"""The model card save_pretrained writes: YAML front matter with the metrics, a usage snippet
that names only what is loadable, and a warning for a model below chance."""

import os

import yaml

from lsa_keras.hub import model_card


def test_model_card_front_matter_is_yaml_with_metrics(saved):
    text = open(os.path.join(saved[0], "README.md")).read()
    assert text.startswith("---\n")
    card = yaml.safe_load(text.split("---\n")[1])
    assert card["library_name"] == "lsa_keras" and card["datasets"] == ["mnist"]
    metrics = card["model-index"][0]["results"][0]["metrics"]
    assert {m["name"]: m["value"] for m in metrics} == {
        "AUROC (NS, novelty score)": 0.9123, "AUROC (LLK, surprisal)": 0.8,
        "AUROC (REC, reconstruction error)": 0.85}
    # The usage snippet never names the folder it was saved in: no repo id, no zoo name here.
    assert "from_pretrained('tiny-7')" not in text and '"epochs": 1' in text
    assert "from_pretrained('path/to/this/folder')" in text


def test_model_card_of_a_below_chance_model_says_so(trained, tmp_path):
    model, _ = trained
    folder = str(tmp_path / "demo")  # the folder's name never reaches the usage snippet
    meta = {"name": "cifar10-1", "zoo_name": "cifar10-1", "dataset": "cifar10",
            "normal_class": 1, "normal_class_name": "automobile",
            "metrics": {"auroc_ns": 0.45, "auroc_llk": 0.4928, "auroc_rec": 0.4006}}
    model.save_pretrained(folder, meta)
    text = open(os.path.join(folder, "README.md")).read()
    assert "does not separate its normal class (automobile) from the other classes of " \
           "CIFAR-10" in text and "0.450, is below chance" in text
    assert "from_pretrained('cifar10-1')" in text and "'demo'" not in text
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["model-index"][0]["results"][0]["metrics"][0]["value"] == 0.45
    # Pushed to a repo, the snippet names it; a model above chance has no warning.
    good = dict(meta, metrics={"auroc_ns": 0.97})
    pushed = model_card.render(good, repo_id="org/mnist-7")
    assert "from_pretrained('hf://org/mnist-7')" in pushed and "below chance" not in pushed
