"""The unit tests give the same result on a machine laid out like production.

In production the checkout is /opt/ferrero-automation/Python-Version and the real Box-config.json sits one folder
above it, exactly where the configuration's default (../Box-config.json) points; a test that relies on that file
being absent (or present) passes on a laptop and fails on the server. This runs tests/unit in a copy of the
checkout with a Box-config.json above it.
"""
import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SKIP = shutil.ignore_patterns(".git", ".venv", ".venv36", "venv", "var", "logs", "temp", "__pycache__",
                              ".pytest_cache", ".ruff_cache", ".env", ".env.sandbox", "Box-config.json")


def run_unit_tests(cwd):
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/unit"], cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=600)
    summary = re.findall(r"^=*\s*(\d+ \w+.*) in [\d.]+s", proc.stdout, re.M)
    return proc.returncode, summary[-1] if summary else proc.stdout[-2000:]


@pytest.mark.slow
def test_a_box_config_above_the_checkout_changes_no_test_outcome(tmp_path):
    opt = tmp_path / "ferrero-automation"
    project = opt / "Python-Version"
    shutil.copytree(ROOT, str(project), ignore=SKIP)
    (project / "logs").mkdir()
    box = opt / "Box-config.json"
    box.write_text('{"boxAppSettings": {"clientID": "production-app", "clientSecret": "x", "appAuth": '
                   '{"publicKeyID": "k1", "privateKey": "-----BEGIN ENCRYPTED PRIVATE KEY-----\\nAAAA\\n-----END '
                   'ENCRYPTED PRIVATE KEY-----\\n", "passphrase": "p"}}, "enterpriseID": "1"}')
    os.chmod(str(box), 0o600)
    with_file = run_unit_tests(str(project))
    box.unlink()
    without_file = run_unit_tests(str(project))
    assert with_file == without_file
    assert with_file[0] == 0, with_file[1]
