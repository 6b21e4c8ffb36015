"""The Bayesian-network fits of research/bayesian_network_orders.py (numpy only)."""


import numpy as np

from research_helpers import load_script

bn = load_script("bayesian_network_orders")


def test_complete_networks_fit_every_order_alike_and_banded_ones_do_not():
    rng = np.random.default_rng(0)
    d = 6
    # A chain z_i = 0.9 z_{i-1} + noise in the natural order: order matters for sparse parents.
    z = np.zeros((4000, d))
    z[:, 0] = rng.normal(size=4000)
    for i in range(1, d):
        z[:, i] = 0.9 * z[:, i - 1] + 0.3 * rng.normal(size=4000)
    orders = bn.orders(d, seed=1)
    full = {k: bn.log_likelihood(bn.fit_linear_gaussian(z, o, None), z) for k, o in orders.items()}
    assert np.allclose(list(full.values()), full["ARG"], atol=1e-8)
    banded = {k: bn.log_likelihood(bn.fit_linear_gaussian(z, o, 1), z) for k, o in orders.items()}
    # One parent each: the chain's own order and its reverse are Markov equivalent; a random
    # order breaks the chain and fits worse.
    assert np.isclose(banded["ARG"], banded["INV"])
    assert banded["RDM"] < banded["ARG"] - 0.1
    assert np.isclose(banded["ARG"], full["ARG"], atol=0.02)  # the chain needs one parent


def test_categorical_cpds_of_limited_capacity_are_order_sensitive():
    # z_0 = |2 z_1 - 1|. With a single masked linear layer (logits linear in the parents),
    # z_1 given z_0 (two symmetric peaks) is representable, z_0 given z_1 (a V) is not, so
    # the natural order must fit clearly better than the inverse; linear-Gaussian networks
    # would tie (a two-node network and its reversal are Markov equivalent).
    rng = np.random.default_rng(0)
    z1 = rng.random(3000)
    z = np.clip(np.stack([np.abs(2 * z1 - 1), z1], axis=1), 0, 0.999)
    fits = {k: bn.fit_categorical(z[:2500], z[2500:], o, bins=10, epochs=30, seed=0, units=(),
                                  learning_rate=0.03)
            for k, o in {"ARG": np.arange(2), "INV": np.arange(2)[::-1]}.items()}
    test = z[2500:]
    assert fits["ARG"](test) > fits["INV"](test) + 0.2


def test_autoregressive_wins_counts_strict_wins_per_family():
    def fit(arg, rdm, inv):
        return {o: {"test": v} for o, v in (("ARG", arg), ("RDM", rdm), ("INV", inv))}

    results = {"4": {"full": fit(1.0, 1.0, 1.0), "mfc": fit(-1.0, -2.0, -3.0)},
               "10": {"full": fit(2.0, 1.0, 1.0), "mfc": fit(-2.0, -2.0, -1.0)},
               "5": {"full": fit(0.0, 1.0, 0.0), "mfc": fit(-1.0, -1.5, -1.2)}}
    wins = bn.autoregressive_wins(results)
    assert wins == {"full": (["10"], 3), "mfc": (["4", "5"], 3)}  # a tie is not a win


def test_a_rerun_keeps_earlier_classes_only_with_the_same_settings(tmp_path):
    import json
    from types import SimpleNamespace

    import pytest

    args = SimpleNamespace(out=str(tmp_path), parents=8, seed=0, estimator_epochs=20)
    assert bn.load_previous(args) == ({}, {}, {})
    # A file from before the per-class model record: every model came from "models".
    (tmp_path / "results.json").write_text(json.dumps(
        {"results": {"4": {}, "5": {}}, "class_seconds": {"4": 3.0}, "parents": 8, "seed": 0,
         "estimator_epochs": 20, "models": "/m", "class_models": {"5": "/r/mnist-5.keras"}}))
    assert bn.load_previous(args) == ({"4": {}, "5": {}}, {"4": 3.0},
                                      {"4": "/m/mnist-4.keras", "5": "/r/mnist-5.keras"})
    args.estimator_epochs = 0
    with pytest.raises(SystemExit, match="other settings"):
        bn.load_previous(args)


def test_replot_draws_the_figure_from_the_results_alone(tmp_path):
    import json

    import pytest

    fit = {"ARG": {"train": -1.0, "val": -2.0, "test": -2.0},
           "INV": {"train": -1.5, "val": -2.5, "test": -2.5}}
    (tmp_path / "results.json").write_text(json.dumps(
        {"results": {"4": {"categorical MFC": fit}}, "parents": 8, "seed": 0,
         "estimator_epochs": 0, "models": "/m"}))
    assert bn.main(["--out", str(tmp_path), "--replot"]) == 0
    assert (tmp_path / "train_log_likelihood.png").is_file()  # supplement Fig. 2
    with pytest.raises(SystemExit):  # fitting needs the models and the data
        bn.main(["--out", str(tmp_path)])
