"""tools/security_report.py: docs/security.md is what the locks and tools/advisories.yaml say, and a locked version
nobody assessed stops the report (so a lock change forces a new look-up in the advisory databases)."""
import os
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "tools", "security_report.py")


def _run(*args):
    return subprocess.run([sys.executable, SCRIPT] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, cwd=ROOT)


def test_docs_security_md_is_up_to_date_with_the_locks_and_the_assessment():
    proc = _run("--check")
    assert proc.returncode == 0, proc.stdout


def test_a_locked_version_without_assessment_fails_naming_it(tmp_path):
    with open(os.path.join(ROOT, "tools", "advisories.yaml")) as f:
        data = yaml.safe_load(f)
    data["assessed"]["requests"] = ["2.34.2"]  # as if the 3.6 lock had just moved to a new requests
    data["advisories"][0]["tests"] = ["tests/unit/test_nothing.py::test_gone"]
    changed = tmp_path / "advisories.yaml"
    changed.write_text(yaml.safe_dump(data))
    proc = _run("--check", "--data", str(changed))
    assert proc.returncode == 1
    assert "requirements-py36.lock requests==2.27.1 has no assessment" in proc.stdout
    assert "names a test that does not exist: tests/unit/test_nothing.py::test_gone" in proc.stdout


def test_every_advisory_names_the_locked_versions_it_affects():
    with open(os.path.join(ROOT, "docs", "security.md")) as f:
        text = f.read()
    assert "| requests | 2.27.1 | [GHSA-9hjg-9r4m-mvj7](#ghsa-9hjg-9r4m-mvj7)" in text
    assert "| requests | 2.34.2 | none known |" in text
    assert "### GHSA-9hjg-9r4m-mvj7" in text and "test_hostile_netrc.py" in text
