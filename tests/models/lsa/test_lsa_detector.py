"""LSADetector: scikit-learn's estimator conventions that apply to a neural novelty detector on
images, PyOD's detector attributes and predict_proba, input and parameter validation.

scikit-learn's generic checks that fit on their own tabular data (two-dimensional random
floats, e.g. 20 x 3) cannot apply to a detector whose model takes 28x28 images; their intent
is tested here on MNIST-shaped data instead (fit returns self and leaves the parameters alone,
fit sets only attributes ending in "_", clone, pickling, NotFittedError). The checks that need
no fitting run as scikit-learn ships them (SKLEARN_CHECKS).
"""

import math
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import estimator_checks
from sklearn.utils.validation import check_is_fitted

from lsa_keras import LSADetector
from tests.test_case import Batches, mnist_like

TINY = dict(code_length=8, bins=10, estimator_units=(4,), epochs=1, batch_size=8)
N = 24
# Scores of the same images from two calls differ in float32 rounding (oneDNN picks kernels by
# batch size; seen: 1.2e-5 on an NS of 0.05); a wrong weight or statistic moves them by far more.
TOL = dict(rtol=1e-4, atol=1e-4)

SKLEARN_CHECKS = [
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_estimators_unfitted",
    "check_valid_tag_types",
    "check_estimator_tags_renamed",
    "check_mixin_order",
]


@pytest.fixture(scope="module")
def data():
    return mnist_like(N)


@pytest.fixture(scope="module")
def fitted(data):
    """The one fit of the fast tests (tracing a train step costs 10-30 s on 2 shared cores):
    contamination (PyOD's name) instead of fpr, a quarter of the images held out."""
    detector = LSADetector(**TINY, contamination=0.3, validation_fraction=0.25)
    params = detector.get_params()
    before = set(vars(detector))
    assert detector.fit(data) is detector
    return detector, params, before


@pytest.mark.parametrize("check", SKLEARN_CHECKS)
@pytest.mark.parametrize("params", [{}, TINY], ids=["defaults", "tiny"])
def test_sklearn_checks_that_need_no_fitting(check, params):
    getattr(estimator_checks, check)("LSADetector", LSADetector(**params))


def test_fit_keeps_parameters_and_sets_only_trailing_underscore_attributes(fitted):
    detector, params, before = fitted
    assert detector.get_params() == params  # check_dont_overwrite_parameters' intent
    added = set(vars(detector)) - before
    assert added and all(name.endswith("_") for name in added), added
    check_is_fitted(detector)


def test_fitted_attributes_follow_pyod(fitted, data):
    detector, _, _ = fitted
    assert detector.decision_scores_.shape == (N,)
    assert detector.decision_scores_.dtype == "float64"
    assert isinstance(detector.threshold_, float)
    np.testing.assert_array_equal(detector.labels_,
                                  (detector.decision_scores_ > detector.threshold_).astype(int))
    np.testing.assert_allclose(detector.decision_function(data), detector.decision_scores_,
                               **TOL)
    np.testing.assert_array_equal(detector.predict(data), detector.labels_)
    assert len(detector.calibration_indices_) == math.ceil(0.25 * N)
    assert set(detector.history_) >= {"loss", "rec", "llk"}
    assert detector.image_shape_ == (28, 28, 1) and detector.model_.code_length == 8
    # The threshold is the (1 - contamination) quantile of NS over the held-out images.
    held_out = detector.decision_scores_[detector.calibration_indices_]
    np.testing.assert_allclose(detector.threshold_, np.quantile(held_out, 0.7), **TOL)


@pytest.mark.parametrize("method", ["linear", "unify"])
def test_predict_proba_rows_sum_to_one(fitted, method):
    detector, _, _ = fitted
    x = np.concatenate([mnist_like(5, 3), np.zeros((2, 28, 28, 1), "float32")])
    proba = detector.predict_proba(x, method=method)
    assert proba.shape == (7, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert ((proba >= 0) & (proba <= 1)).all()
    scores = detector.decision_function(x)
    order = np.argsort(scores)
    assert (np.diff(proba[order, 1]) >= 0).all()  # monotone in the score
    train = detector.decision_scores_
    if method == "linear":
        expected = np.clip((scores - train.min()) / (train.max() - train.min()), 0, 1)
    else:
        from scipy.special import erf

        expected = np.clip(erf((scores - train.mean()) / (train.std() * np.sqrt(2))), 0, 1)
    np.testing.assert_allclose(proba[:, 1], expected, rtol=1e-9, atol=1e-12)


def test_predict_proba_rejects_unknown_method(fitted):
    with pytest.raises(ValueError, match="linear"):
        fitted[0].predict_proba(mnist_like(2), method="softmax")


def test_not_fitted_errors():
    detector = LSADetector(**TINY)
    for method in ("decision_function", "predict", "predict_proba"):
        with pytest.raises(NotFittedError):
            getattr(detector, method)(mnist_like(2))
    with pytest.raises(NotFittedError):
        check_is_fitted(detector)


def test_clone_gives_an_unfitted_twin(fitted):
    detector, params, _ = fitted
    twin = clone(detector)
    assert twin.get_params() == params and not hasattr(twin, "model_")
    twin.set_params(epochs=3, fpr=0.1)
    assert (twin.epochs, twin.fpr, detector.epochs) == (3, 0.1, 1)


def test_image_forms_give_the_same_scores(fitted, data):
    detector, _, _ = fitted
    expected = detector.decision_function(data[:4])
    for form in (data[:4].reshape(4, 784), data[:4, ..., 0], list(data[:4]),
                 (data[:4] * 255).round().astype("uint8")):
        np.testing.assert_allclose(detector.decision_function(form), expected, rtol=1e-2)


@pytest.mark.parametrize("x, match", [
    (np.full((2, 28, 28, 1), np.nan, "float32"), "NaN"),
    (np.full((2, 28, 28, 1), np.inf, "float32"), "infinity"),
    (np.zeros((2, 27, 28, 1), "float32"), r"shape \(28, 28, 1\)"),
    (np.zeros((2, 28, 28, 3), "float32"), r"shape \(28, 28, 1\)"),
    (np.zeros((0, 28, 28, 1), "float32"), "0 sample"),
    (np.array([["a"] * 784] * 2), "convert|numeric|string"),
    (np.zeros((2, 784), "complex64"), "[Cc]omplex"),
    (np.full((2, 28, 28, 1), 2.0, "float32"), r"\[0, 1\]"),
    (None, "None"),
])
def test_input_validation(fitted, x, match):
    with pytest.raises(ValueError, match=match):
        fitted[0].decision_function(x)


@pytest.mark.parametrize("params, match", [
    ({"fpr": 1.5}, "fpr"),
    ({"fpr": 0}, "fpr"),
    ({"contamination": 0.7}, "contamination"),
    ({"epochs": 0}, "epochs"),
    ({"batch_size": 2.5}, "batch_size"),
    ({"validation_fraction": 1.0}, "validation_fraction"),
    ({"learning_rate": -1e-3}, "learning_rate"),
    ({"seed": "zero"}, "seed"),
    ({"architecture": 5}, "architecture"),
])
def test_parameters_are_validated_in_fit(params, match):
    detector = LSADetector(**dict(TINY, **params))  # __init__ accepts anything (sklearn rule)
    with pytest.raises(ValueError, match=match):
        detector.fit(mnist_like(4))


def test_too_few_images_to_hold_out():
    with pytest.raises(ValueError, match="held out"):
        LSADetector(**TINY).fit(mnist_like(2))


@pytest.mark.slow
def test_fpr_sets_the_held_out_rate_without_contamination(data):
    detector = LSADetector(**TINY, fpr=0.2)
    labels = detector.fit_predict(data)
    np.testing.assert_array_equal(labels, detector.labels_)
    assert len(detector.calibration_indices_) == max(2, math.ceil(0.1 * N))
    held_out = detector.decision_scores_[detector.calibration_indices_]
    np.testing.assert_allclose(detector.threshold_, np.quantile(held_out, 0.8), **TOL)


def test_from_model_wraps_a_calibrated_lsa(fitted, data, tmp_path):
    detector, _, _ = fitted
    wrapped = LSADetector.from_model(detector.model_, data)
    assert wrapped.get_params()["code_length"] == 8
    assert wrapped.get_params()["estimator_units"] == (4,)
    np.testing.assert_allclose(wrapped.decision_scores_, detector.decision_scores_, **TOL)
    assert wrapped.threshold_ == detector.threshold_
    np.testing.assert_allclose(wrapped.predict_proba(data[:3]), detector.predict_proba(data[:3]),
                               **TOL)
    assert not hasattr(clone(wrapped), "model_")

    bare = LSADetector.from_model(detector.model_)
    np.testing.assert_array_equal(bare.predict(data), wrapped.labels_)
    with pytest.raises(ValueError, match="reference images"):
        bare.predict_proba(data[:2])

    folder = str(tmp_path / "tiny")
    detector.model_.save_pretrained(folder)
    pretrained = LSADetector.from_pretrained(folder, data)
    np.testing.assert_allclose(pretrained.decision_scores_, detector.decision_scores_, **TOL)


def test_datasets_are_scored_streamed_and_refused_by_fit(fitted, data):
    """decision_function, predict, predict_proba and from_model's reference images take what
    LSA.score takes (streamed); fit needs an array for its random hold-out, and says how to
    train on a dataset instead."""
    detector, _, _ = fitted
    batches = Batches(data, TINY["batch_size"])  # the batches the detector scores an array in
    np.testing.assert_array_equal(detector.decision_function(batches),
                                  detector.decision_function(data))
    np.testing.assert_array_equal(detector.predict(Batches(data, 8, with_labels=True)),
                                  detector.predict(data))
    np.testing.assert_array_equal(detector.predict_proba(batches), detector.predict_proba(data))
    wrapped = LSADetector.from_model(detector.model_, batches)
    np.testing.assert_array_equal(wrapped.decision_scores_, detector.decision_function(data))
    with pytest.raises(ValueError, match=r"batch 0: float images must be in \[0, 1\]"):
        detector.decision_function(Batches(data * 255))
    with pytest.raises(TypeError, match=r"fit takes an array .* LSADetector.from_model\(model\)"):
        clone(detector).fit(batches)


def test_pickle_round_trip(fitted, data):
    detector, _, _ = fitted
    restored = pickle.loads(pickle.dumps(detector))
    np.testing.assert_allclose(restored.decision_function(data[:4]),
                               detector.decision_function(data[:4]), **TOL)
    assert restored.threshold_ == detector.threshold_
