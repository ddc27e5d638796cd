import os

import pytest

from sandbox.pki import make_pki


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("pki"))
    make_pki(path)
    return path


def crash_points(total):
    """Every crash point for `make reliability` (RELIABILITY_FULL=1); a spread sample in `make test`."""
    if os.environ.get("RELIABILITY_FULL"):
        return list(range(1, total + 1))
    step = max(1, total // 6)
    return sorted(set(list(range(1, total + 1, step)) + [total]))
