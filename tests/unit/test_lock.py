"""The production locks (CPython 3.6 and 3.12): complete for requirements.txt, exact, hashed, checkable on a venv.

``make lock`` writes it; these tests catch a requirements.txt change that was not re-locked (the production install
would then miss the package) and a lock edited by hand into ranges or without hashes (--require-hashes would fail).
"""
import os
import re
import subprocess
import sys

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOCK = os.path.join(ROOT, "requirements-py36.lock")
PIP_LOCK = os.path.join(ROOT, "requirements-py36-pip.lock")
LOCK312 = os.path.join(ROOT, "requirements-py312.lock")
PIP_LOCK312 = os.path.join(ROOT, "requirements-py312-pip.lock")
ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][^\s\\]*)((?:\s*\\\s*--hash=sha256:[0-9a-f]{64})+)\s*$")


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def read_entries(path):
    """{canonical name: version}; fails on any line that is not ``name==version`` followed by sha256 hashes."""
    with open(path) as f:
        text = f.read()
    entries = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", "\n".join(
            line for line in text.splitlines() if line.strip() and not line.startswith("#"))):
        match = ENTRY.match(block)
        assert match, "not an exact, hashed pin in {}: {!r}".format(os.path.basename(path), block)
        entries[canonical(match.group(1))] = match.group(2)
    return entries


def production_requirements(version="3.6.15"):
    """requirements.txt entries that apply on that CPython on Linux."""
    env = dict(default_environment(), python_version=version.rsplit(".", 1)[0], python_full_version=version,
               implementation_version=version, sys_platform="linux", platform_system="Linux")
    with open(os.path.join(ROOT, "requirements.txt")) as f:
        lines = [line.split("#", 1)[0].strip() for line in f]
    reqs = [Requirement(line) for line in lines if line]
    return [r for r in reqs if r.marker is None or r.marker.evaluate(env)]


@pytest.mark.parametrize("lock,version", [(LOCK, "3.6.15"), (LOCK312, "3.12.1")])
def test_every_production_requirement_is_locked_within_its_range(lock, version):
    locked = read_entries(lock)
    for req in production_requirements(version):
        name = canonical(req.name)
        assert name in locked, "{} is in requirements.txt but not in the lock: run make lock".format(req.name)
        assert req.specifier.contains(locked[name], prereleases=True), (
            "{}=={} is outside requirements.txt's {}: run make lock".format(req.name, locked[name], req.specifier))
        for extra in req.extras:  # boxsdk[jwt] pulls PyJWT and cryptography
            assert extra != "jwt" or {"pyjwt", "cryptography"} <= set(locked)


def test_lock_holds_the_last_releases_with_cp36_wheels():
    locked = read_entries(LOCK)
    # newer releases have no cp36 wheel: a server would try to compile them from source and fail
    assert tuple(int(p) for p in locked["psycopg2-binary"].split(".")) <= (2, 9, 5)
    assert int(locked["cryptography"].split(".")[0]) <= 40
    assert read_entries(PIP_LOCK) == {"pip": "21.3.1"}


def test_312_lock_takes_the_fixed_releases_the_36_lock_cannot():
    """The reason for the second lock: requests >= 2.32.4 (CVE-2024-47081), urllib3 2.x, a current cryptography."""
    locked = read_entries(LOCK312)
    version = lambda name: tuple(int(p) for p in re.findall(r"\d+", locked[name])[:3])  # noqa: E731
    assert version("requests") >= (2, 32, 4) and version("urllib3") >= (2, 5, 0)
    assert version("cryptography") >= (44, 0, 1) and version("jinja2") >= (3, 1, 6)
    assert set(read_entries(PIP_LOCK312)) == {"pip"}
    with open(LOCK312) as f:
        assert f.readline().startswith("# Production lock for CPython 3.12 ")


def test_check_names_each_package_that_differs_from_the_lock(tmp_path):
    lock = tmp_path / "x.lock"
    lock.write_text("pytest==0.0.1 \\\n    --hash=sha256:{}\nno-such-package==1.0 \\\n    --hash=sha256:{}\n".format(
        "0" * 64, "1" * 64))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "lock.py"), "--check", str(lock)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert proc.returncode == 1
    assert "pytest==0.0.1 (installed: " in proc.stdout and "no-such-package==1.0 (installed: missing)" in proc.stdout
