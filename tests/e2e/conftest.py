"""End-to-end fixtures: the real scripts run as subprocesses against the sandbox lab and a real PostgreSQL.

``PRODUCT_PYTHON`` (set by ``make test-py36``) runs the scripts under CPython 3.6 while this harness stays on the
main Python.
"""
import pytest

from sandbox.lab import Lab


@pytest.fixture
def lab(tmp_path, db_config, sandbox_pki_dir):
    settings = {k: db_config[k] for k in ("host", "port", "name", "user", "password")}
    with Lab(str(tmp_path / "lab"), db_settings=settings, pki_dir=sandbox_pki_dir) as running:
        yield running
