"""make sbom: a CycloneDX SBOM of each production lock, written by cyclonedx-py (validated against the CycloneDX
schema as it writes): every locked package with its version, PyPI package URL and the lock's sha256."""
import json
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, ".venv-sbom", "bin", "cyclonedx-py")  # its own venv (Makefile VENV_SBOM): make test builds it


def _lock(name):
    with open(os.path.join(ROOT, name)) as f:
        text = f.read().replace("\\\n", " ")
    return {m.group(1).lower(): (m.group(2), set(re.findall(r"sha256:([0-9a-f]{64})", m.group(0))))
            for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)[^\n]*", text, re.M)}


def test_the_makefile_writes_one_sbom_per_lock_with_cyclonedx_py():
    with open(os.path.join(ROOT, "Makefile")) as f:
        recipe = f.read().split("\nsbom:", 1)[1].split("\n\n", 1)[0]
    for lock in ("$(LOCK36)", "$(LOCK312)"):
        assert re.search(r"cyclonedx-py requirements --of JSON .*-o \$\(SBOM_DIR\)/\S+\.cdx\.json " +
                         re.escape(lock), recipe), lock


@pytest.mark.parametrize("lock", ["requirements-py36.lock", "requirements-py312.lock"])
def test_the_sbom_lists_every_locked_package_with_version_and_hash(lock, tmp_path):
    assert os.path.exists(TOOL), "{} is missing: make test (or make sbom) builds it from requirements-sbom.txt".format(TOOL)
    out = tmp_path / "sbom.cdx.json"
    subprocess.run([TOOL, "requirements", "--of", "JSON", "--sv", "1.6", "--output-reproducible", "-o", str(out),
                    os.path.join(ROOT, lock)], check=True, cwd=ROOT)
    bom = json.loads(out.read_text())
    assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.6"
    found = {c["name"].lower(): c for c in bom["components"]}
    locked = _lock(lock)
    assert set(found) == set(locked)
    for name, (version, hashes) in locked.items():
        component = found[name]
        assert component["version"] == version and component["purl"].startswith("pkg:pypi/")
        listed = {h["content"] for ref in component.get("externalReferences", []) for h in ref.get("hashes", [])}
        assert listed == hashes, name
