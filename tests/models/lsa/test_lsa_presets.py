"""The presets of LSA: the shipped preset file and what it registers."""

from lsa_keras import zoo


def test_shipped_registry_covers_both_datasets():
    names = zoo.available()
    assert names == sorted([f"mnist-{c}" for c in range(10)] + [f"cifar10-{c}" for c in range(10)])
    assert zoo.entry("cifar10-3")["normal_class_name"] == "cat"
    for dataset in ("mnist", "cifar10"):
        assert zoo.recipe(dataset)["schedule"]["checkpoint"] == "lowest validation loss"
