"""The unit tests give the same result on a machine laid out like production.

In production the checkout is /opt/ferrero-automation/Python-Version and the real Box-config.json sits one folder
above it, exactly where the configuration's default (../Box-config.json) points; a test that relies on that file
being absent (or present) passes on a laptop and fails on the server. This runs tests/unit in a copy of the
checkout with a Box-config.json above it: every unit test must pass there too. (Without the file the same tests
already run in this very suite; the copy's run is compared with the number of unit tests collected, so a test that
is skipped or deselected there is seen.)
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


def run_unit_tests(cwd, *args):
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/unit"] + list(args),
                          cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          timeout=600)
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
    collected = run_unit_tests(str(project), "--collect-only")
    with_file = run_unit_tests(str(project))
    assert collected[0] == 0, collected[1]
    count = re.match(r"(\d+) tests? collected", collected[1])
    assert count, collected[1]
    assert with_file[0] == 0, with_file[1]
    assert with_file[1].split(",")[0] == "{} passed".format(count.group(1)), with_file[1]
    assert not re.search(r"failed|error|skipped|deselected|xfail", with_file[1]), with_file[1]
