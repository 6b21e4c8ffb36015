"""The NaN-loss guard every LSA fit runs."""

import pytest

from lsa_keras.training.callbacks import NonFiniteLossError
from tests.test_case import PoisonWeights, mnist_like, tiny_lsa


@pytest.mark.backend
def test_plain_fit_raises_at_a_nan_loss():
    model = tiny_lsa()
    with pytest.raises(NonFiniteLossError, match="in epoch 1"):
        model.fit(mnist_like(8), epochs=1, batch_size=4, verbose=0,
                  callbacks=[PoisonWeights(0)])
