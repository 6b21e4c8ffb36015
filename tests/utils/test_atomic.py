import os

import pytest

from lsa_keras.utils.atomic import write_atomically, write_text_atomically


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "model.weights.h5"
    write_text_atomically(str(path), "old")

    def crash(tmp):
        assert tmp.endswith(".weights.h5")  # Keras checks the extension
        with open(tmp, "w") as f:
            f.write("half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        write_atomically(str(path), crash)
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["model.weights.h5"]
