import os

import pytest


@pytest.fixture(scope="session")
def pki_dir(sandbox_pki_dir):
    return sandbox_pki_dir


def crash_points(total):
    """Every crash point for `make reliability` (RELIABILITY_FULL=1); a spread sample in `make test`."""
    if os.environ.get("RELIABILITY_FULL"):
        return list(range(1, total + 1))
    step = max(1, total // 6)
    return sorted(set(list(range(1, total + 1, step)) + [total]))
