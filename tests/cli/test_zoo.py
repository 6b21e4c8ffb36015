"""`lsa-keras zoo` through the installed entry point."""

from tests.helpers import lsa_keras_cmd, ok


def test_zoo_list_and_bad_arguments_through_the_entry_point(tmp_path):
    listed = ok(lsa_keras_cmd("zoo", "list"))
    assert "mnist-7" in listed.stdout and "cifar10-9" in listed.stdout
    bad = lsa_keras_cmd("evaluate", tmp_path / "nope", "--dataset", "mnist-sample",
                        "--normal-class", "0")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines()[-1].startswith("lsa-keras evaluate: error: model folder")
