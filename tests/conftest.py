import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# As the lsa-keras command and the example scripts run TensorFlow (its oneDNN kernels off:
# lsa_keras.utils.tensorflow_settings), set before any test module imports it. The allocator
# setting stays TensorFlow's own here: the reliability suite measures memory growth.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

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


# The test files that take longest (CPU time, TensorFlow and JAX stages), longest first. The test
# command runs files on two pytest-xdist workers (--dist loadfile --no-loadscope-reorder: files
# are handed out in collection order, not by test count), so these start at once and the many
# short files fill in at the end; a long file handed out last would run on alone.
SLOWEST_FIRST = (  # summed test durations, TensorFlow stage (s, a shared machine: relative)
    "tests/cli/test_commands.py",  # 242
    "tests/models/lsa/test_lsa.py",  # 175 (JAX stage: the longest file)
    "tests/reliability/test_faults.py",  # 115
    "tests/training/test_resumable.py",  # 91
    "research/tests/test_gpu_benchmark.py",  # 45 (the GPU run, shrunk, on the CPU)
    "tests/datasets/test_tfds.py",  # 90 (prepares TFDS mnist; 2 steps through the CLI)
    "tests/reliability/test_cli_regressions.py",  # 73
    "tests/models/lsa/test_lsa_networks.py",  # 70
    "tests/examples/test_reproduction.py",  # 70
    "tests/models/lsa/test_lsa_trainer.py",  # 68
    "tests/cli/test_zoo.py",  # 63
    "tests/examples/test_numbered_examples.py",  # 56
    "tests/hub/test_pretrained.py",  # 41
    "tests/training/test_distribution.py",  # 38 (three runs in processes of their own)
    "tests/video/test_pipeline.py",  # 38
    "tests/models/lsa/test_lsa_scorer.py",  # 34
    "tests/reliability/test_cli.py",  # 33
    "tests/datasets/test_cifar10.py",  # 32
    "tests/models/lsa/test_lsa_export.py",  # 27 (a fresh process loads both artifacts)
    "tests/hub/test_publish.py",  # 23
    "tests/layers/test_masked_dense.py",  # 1 (JAX stage: 19)
    "tests/reliability/test_model_folders.py",  # 20
    "tests/test_scoring.py",  # 19
    "tests/models/lsa/test_lsa_presets.py",  # 18
    "tests/models/lsa/test_lsa_detector.py",  # 16
    "research/tests/test_vae.py",  # 15
    "tests/hub/test_model_card.py",  # 14
    "tests/layers/test_precomputed_masked_dense.py",  # 1 (JAX stage: 13)
)


def pytest_collection_modifyitems(config, items):
    rank = {path: i for i, path in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable


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
# The reliability suite's counts (tests/reliability/harness.py), merged across xdist workers.
_reliability = {}


def _merge_reliability(tally):
    for entry, counts in tally.items():
        merged = _reliability.setdefault(entry, {})
        for outcome, n in counts.items():
            merged[outcome] = merged.get(outcome, 0) + n


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    _exit_status["code"] = int(exitstatus)
    import sys

    harness = sys.modules.get("tests.reliability.harness")
    if harness is not None and harness.TALLY:
        tally = {k: dict(v) for k, v in harness.TALLY.items()}
        if hasattr(session.config, "workeroutput"):
            import json

            session.config.workeroutput["lsa_keras_reliability"] = json.dumps(tally)
        else:
            _merge_reliability(tally)


def pytest_testnodedown(node, error):
    import json

    tally = getattr(node, "workeroutput", {}).get("lsa_keras_reliability")
    if tally:
        _merge_reliability(json.loads(tally))


def pytest_terminal_summary(terminalreporter):
    if _reliability:
        from tests.reliability.harness import tally_table

        terminalreporter.section("reliability suite: what the generated cases ended in")
        terminalreporter.write_line(tally_table(_reliability))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    # TensorFlow, JAX and PyTorch are all loaded in one process here (Keras imports JAX when it
    # is installed); their native thread pools crashed the interpreter's teardown with a
    # segmentation fault *after* every test had passed (seen once under KERAS_BACKEND=torch).
    # Leave without that teardown, keeping pytest's own exit status.
    # xdist workers report to the controller over a channel that must close normally.
    if "code" in _exit_status and not hasattr(config, "workerinput"):
        import sys

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status["code"])
