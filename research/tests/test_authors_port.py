"""research/authors_port.py: the layout conversions between our CIFAR-10 network and the
authors' PyTorch one (the comparison itself needs their code and runs as the script)."""

import numpy as np
import pytest

from research_helpers import load_script

port = load_script("authors_port")


def test_grid_vector_is_torch_view_order_of_our_flattened_grid():
    h, w, c = port.GRID
    grid = np.arange(h * w * c, dtype="float32").reshape(h, w, c)  # ours: (h, w, c)
    theirs = port.grid_vector(grid.reshape(-1))
    # PyTorch's view(batch, -1) of a (c, h, w) map reads c first, then h, then w.
    assert np.array_equal(theirs, grid.transpose(2, 0, 1).reshape(-1))
    batch = np.stack([grid.reshape(-1), 2 * grid.reshape(-1)])
    assert np.array_equal(port.to_theirs_layout("dec.fc2", batch)[1], 2 * theirs)


def test_layouts_of_kernels_and_activations():
    k = np.zeros((5, 3, 7, 11))  # Keras (kh, kw, in, out)
    assert port.conv_kernel(k).shape == (11, 7, 5, 3)
    assert port.to_theirs_layout("enc.res1", np.zeros((2, 30, 30, 32))).shape == (2, 32, 30, 30)
    assert port.to_theirs_layout("logits", np.zeros((2, 64, 100))).shape == (2, 100, 64)
    assert port.to_theirs_layout("code", np.zeros((2, 64))).shape == (2, 64)


def test_their_up_block_geometry_is_a_valid_transposed_conv_cropped_2_and_1():
    # What our UpBlock builds: a "valid" stride-2 5x5 transposed conv cropped [2:2+2n] (2 in
    # front, 3 - s = 1 behind), and a 1x1 stride-2 transposed conv with output padding 1.
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    x = torch.randn(2, 4, 3, 3)
    theirs = torch.nn.ConvTranspose2d(4, 5, 5, stride=2, padding=2, output_padding=1, bias=False)
    valid = torch.nn.ConvTranspose2d(4, 5, 5, stride=2, bias=False)
    valid.weight.data.copy_(theirs.weight.data)
    with torch.no_grad():
        assert torch.allclose(theirs(x), valid(x)[:, :, 2:8, 2:8], atol=1e-6)
        shortcut = torch.nn.ConvTranspose2d(4, 5, 1, stride=2, output_padding=1, bias=False)
        y = shortcut(x)
        assert y.shape[-2:] == (6, 6)
        assert torch.allclose(y[:, :, ::2, ::2], torch.einsum("io,bihw->bohw",
                                                              shortcut.weight[:, :, 0, 0], x))
        assert torch.count_nonzero(y[:, :, 1::2, :]) == 0  # odd rows: no input lands there
