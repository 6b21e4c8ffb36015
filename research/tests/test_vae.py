import keras
import numpy as np
import pytest

from lsa_keras import LSA
from lab.vae import VAE
from tests.test_case import mnist_like, to_numpy

pytestmark = pytest.mark.backend


def test_vae_shares_lsa_networks_trains_samples_and_round_trips(tmp_path):
    keras.utils.set_random_seed(0)
    vae = VAE.from_architecture("mnist", code_length=8, seed=1)
    lsa = LSA.from_architecture("mnist", code_length=8)
    # Same decoder; the encoder differs only in its last layer (2d linear outputs).
    assert vae.decoder.count_params() == lsa.decoder.count_params()
    assert vae.encoder.output_shape == (None, 16)
    assert ([l.name for l in vae.encoder.layers[:-1]] == [l.name for l in lsa.encoder.layers[:-1]])
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    x = mnist_like(8)
    history = vae.fit(x, batch_size=4, epochs=2, verbose=0).history
    assert set(history) == {"loss", "rec", "kl"}
    assert np.isfinite(history["loss"]).all() and min(history["kl"]) >= 0
    out = vae(x[:2])
    assert to_numpy(out["reconstruction"]).shape == (2, 28, 28, 1)
    samples = vae.sample(3, seed=4)
    assert samples.shape == (3, 28, 28, 1) and samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_array_equal(samples, vae.sample(3, seed=4))
    path = str(tmp_path / "vae.keras")
    vae.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(to_numpy(loaded(x[:2])["mean"]), to_numpy(out["mean"]), atol=1e-6)
    with pytest.raises(ValueError, match="positive integer"):
        vae.sample(0)
    with pytest.raises(ValueError, match="2\\*d"):
        VAE(lsa.encoder, lsa.decoder)
