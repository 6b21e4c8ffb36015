"""The README's main job, shortened to one epoch, runs offline and reports the three AUROCs."""

import re
import subprocess
import sys


def test_demo_runs_and_reports_auroc():
    out = subprocess.run(
        [sys.executable, "-m", "lsa_keras.demo", "--epochs", "1", "--normal-class", "1"],
        capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    match = re.search(r"AUROC  LLK (\S+)  REC (\S+)  NS (\S+)", out.stdout)
    assert match, out.stdout
    assert all(0.0 <= float(v) <= 1.0 for v in match.groups())
