"""Job logging (robustflow/logs.py): a user's error is one line, a bug keeps its traceback, and both
reach the rule's log file, which Snakemake points the user to."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from conftest import REPO

SCRIPT = textwrap.dedent("""
    import sys
    from robustflow.logs import job_logging
    from robustflow.errors import ConfigError
    with job_logging(sys.argv[1]):
        if sys.argv[2] == "user":
            raise ConfigError("`train.epochs`: must be >= 1. Fix: set it to 1 or more")
        {}["missing"]
""")


def _run(tmp_path, kind):
    log = tmp_path / "logs" / "job.log"
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(log), kind], capture_output=True, text=True, cwd=REPO)
    return proc, log.read_text()


def test_a_users_error_is_one_line_in_the_log(tmp_path):
    proc, log = _run(tmp_path, "user")
    assert proc.returncode == 1 and "Traceback" not in log
    assert "ConfigError: `train.epochs`: must be >= 1. Fix: set it to 1 or more" in log


def test_a_bug_keeps_its_traceback_in_the_log(tmp_path):
    proc, log = _run(tmp_path, "bug")
    assert proc.returncode != 0
    assert "Traceback" in log and "KeyError: 'missing'" in log and "a bug" in log
