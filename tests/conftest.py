import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(1234)
    np.random.seed(1234)


@pytest.fixture
def data_dir():
    """The folder with the full data sets, or a skip that says how to provide it."""
    path = os.environ.get("LSA_KERAS_DATA_DIR")
    if not path:
        pytest.skip("LSA_KERAS_DATA_DIR is unset; point it at a folder like ../shared/datasets")
    if not os.path.isdir(path):
        pytest.skip(f"LSA_KERAS_DATA_DIR={path} is not a folder")
    return path


@pytest.fixture(scope="session")
def reproduced_mnist(tmp_path_factory):
    """``examples/reproduce_mnist.py`` run once on random-pixel MNIST files (class 2: 27 training
    images, 2 epochs of 3 full batches of 9): shared by its own test and by the zoo build from its results, because each
    training of the full MNIST model costs most of a minute of tracing and compiling."""
    import subprocess
    import sys

    from tests.helpers import ROOT, tiny_mnist

    root = tmp_path_factory.mktemp("reproduced")
    tiny_mnist(root / "data", n_train=300)
    out = root / "out"
    cmd = [sys.executable, os.path.join(ROOT, "examples", "reproduce_mnist.py"), "--classes", "2",
           "--data-dir", str(root / "data"), "--out", str(out), "--epochs", "2",
           "--batch-size", "9"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {"data": root / "data", "out": out, "cmd": cmd}


def pytest_collection_finish(session):
    # The one CI crash (a segmentation fault inside a torch train step) came with TensorFlow
    # loaded next to torch since collection, by a test module's top-level import. Keras itself
    # loads TensorFlow, when installed, to serialise objects, so the torch stage cannot avoid
    # it entirely; but no test module may load it for every torch test.
    import sys

    if keras.backend.backend() == "torch" and "tensorflow" in sys.modules:
        raise pytest.UsageError(
            "TensorFlow was imported while collecting the PyTorch-backend tests; import it "
            "inside the tests that need it."
        )


_exit_status = {}


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    _exit_status["code"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    # TensorFlow, JAX and PyTorch are all loaded in one process here (Keras imports JAX when it
    # is installed); their native thread pools crashed the interpreter's teardown with a
    # segmentation fault *after* every test had passed (seen once under KERAS_BACKEND=torch).
    # Leave without that teardown, keeping pytest's own exit status.
    if "code" in _exit_status:
        import sys

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status["code"])
