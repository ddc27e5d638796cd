"""The scripts under test import only what production installs.

The tests run the workflow scripts on the test venv's Python; a dev tool that drags an extra package into that venv
(cyclonedx-bom brought jsonschema's format checkers, rfc3987-syntax and lark, about half a second at every script
start) makes the scripts under test differ from the scripts in production, and slows every test that starts one.
Every distribution the runtime library loads must be pinned in the production lock."""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# the lock of the interpreter running the tests (make test-py36 runs these on the 3.6 venv built from its lock)
LOCK = os.path.join(ROOT, "requirements-py36.lock" if sys.version_info < (3, 7) else "requirements-py312.lock")

PROBE = r"""
import importlib, json, pkgutil, sys
try:
    import importlib.metadata as md
except ImportError:  # Python 3.6 (make test-py36): the backport pytest brings
    import importlib_metadata as md
at_start = set(sys.modules)  # what the interpreter and this probe loaded first (a venv's .pth hooks) is not the runtime's
sys.path.insert(0, ".")
import scripts.shared
for info in pkgutil.walk_packages(scripts.shared.__path__, "scripts.shared."):
    importlib.import_module(info.name)
import jsonschema  # what config validation loads, with whatever optional extras the venv holds
jsonschema.Draft7Validator({"type": "object"}).validate({})
owners = md.packages_distributions()
print(json.dumps(sorted({d for name in list(sys.modules) if name not in at_start
                                 for d in owners.get(name.split(".")[0], [])})))
"""


def _norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked():
    with open(LOCK) as f:
        return {_norm(m.group(1)) for m in re.finditer(r"^([A-Za-z0-9][\w.-]*)==", f.read(), re.M)}


def _loaded():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, check=True).stdout
    return {_norm(d) for d in json.loads(out)}


def test_the_probe_sees_what_the_runtime_loads_and_would_see_one_outside_the_lock():
    loaded = _loaded()
    assert {"jsonschema", "pyyaml"} <= loaded, loaded  # config loading; requests, boxsdk, psycopg2 load lazily
    assert "pyyaml" in loaded - (_locked() - {"pyyaml"})  # a lock without PyYAML: the check names it


def test_the_runtime_library_loads_only_distributions_pinned_in_the_production_lock():
    extra = _loaded() - _locked()
    assert not extra, ("the runtime library loaded {} in the test venv, which production never installs: give the dev "
                       "tool that brings it a venv of its own (as requirements-sbom.txt does)".format(sorted(extra)))
