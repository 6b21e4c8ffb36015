"""Every architecture builds and runs forward on every backend, with the spec's shapes (a file
of its own so that a parallel test worker takes it beside test_lsa.py: building the video
models is slow under JAX)."""

import numpy as np
import pytest

from lsa_keras import LSA
from tests.helpers import mnist_like, to_numpy

pytestmark = pytest.mark.backend


def test_outputs():
    model = LSA.from_architecture("mnist")
    out = model(mnist_like(3), training=False)
    assert set(out) == {"reconstruction", "code", "logits"}
    assert tuple(out["reconstruction"].shape) == (3, 28, 28, 1)
    assert tuple(out["code"].shape) == (3, 64)
    assert tuple(out["logits"].shape) == (3, 64, 100)
    code = to_numpy(out["code"])
    assert code.min() >= 0.0 and code.max() <= 1.0


def test_cifar10_outputs():
    model = LSA.from_architecture("cifar10", code_length=16, bins=20)
    out = model(np.random.rand(2, 32, 32, 3).astype("float32"), training=False)
    assert tuple(out["reconstruction"].shape) == (2, 32, 32, 3)
    assert tuple(out["logits"].shape) == (2, 16, 20)


def test_ucsd_ped2_forward():
    model = LSA.from_architecture("ucsd_ped2", code_length=16, bins=10)
    out = model(np.random.rand(2, 8, 32, 32, 1).astype("float32"), training=False)
    assert tuple(out["reconstruction"].shape) == (2, 8, 32, 32, 1)
    assert tuple(out["logits"].shape) == (2, 2, 16, 10)
    # Supplement Table 1's UCSD Ped2 training: lambda 0.1 and noisy inputs.
    assert (model.lam, model.input_noise) == (0.1, 0.025)
