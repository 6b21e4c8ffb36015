"""Architecture totals, checked once (TensorFlow stage): the count does not depend on the
backend, and building the video models under JAX took about a minute each."""

import pytest

from lsa_keras import LSA


@pytest.mark.parametrize("name,total", [("mnist", 13_690_160), ("cifar10", 17_826_752),
                                        ("ucsd_ped2", 3_959_414), ("shanghaitech", 13_374_603)])
def test_parameter_count_equals_reference(name, total):
    assert LSA.from_architecture(name).count_params() == total
