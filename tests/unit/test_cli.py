"""--help tells an operator the exit codes, where the logs are and how to run it; --version exists (issue #16)."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(*args):
    return subprocess.run([sys.executable] + list(args), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=60)


@pytest.mark.parametrize("script,log", [("a1_to_a2_download", "a1_to_a2"), ("a2_to_a3_upload_polling", "a2_to_a3"),
                                        ("daily_report", "daily_report"), ("test_connection", "test_connection")])
def test_help_shows_exit_codes_logs_and_an_example(script, log):
    result = _run("scripts/{}.py".format(script), "--help")
    assert result.returncode == 0, result.stdout
    text = result.stdout
    assert "exit codes:" in text and "75 " in text and "2    usage or configuration error" in text
    assert "logs/{}.log".format(log) in text
    assert "example:" in text and "python scripts/{}.py".format(script) in text


def test_version():
    from scripts.shared import __version__
    result = _run("scripts/a5_to_a6_download.py", "--version")
    assert result.returncode == 0 and result.stdout.startswith("dam-content-scaling {}".format(__version__))
