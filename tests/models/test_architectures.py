"""Architecture totals and the video models' shapes, checked once (TensorFlow stage): they do
not depend on the backend, and building a video model under JAX took 40-60 s. Every backend
still builds and runs the UCSD Ped2 model (tests/models/test_forward.py)."""

import pytest

from lsa_keras import LSA


@pytest.mark.parametrize("name,total", [("mnist", 13_690_160), ("cifar10", 17_826_752),
                                        ("ucsd_ped2", 3_959_414), ("shanghaitech", 13_374_603)])
def test_parameter_count_equals_reference(name, total):
    assert LSA.from_architecture(name).count_params() == total


@pytest.mark.parametrize("name,clip,code", [("ucsd_ped2", (8, 32, 32, 1), (2, 64)),
                                            ("shanghaitech", (16, 256, 512, 3), (4, 64))])
def test_video_shapes(name, clip, code):
    model = LSA.from_architecture(name)
    assert model.encoder.output_shape == (None, *code)
    assert model.decoder.output_shape == (None, *clip)
    assert model.estimator.output_shape == (None, *code, 100)
    assert len(model.estimator.layers) == (5 if name == "ucsd_ped2" else 3) * 2 - 1
