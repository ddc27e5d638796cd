"""Four processes at once, all acting as the same Box user, against the sandbox's per-user limits: with the budget
shared through PostgreSQL none of them meets a 429; the same four processes each pacing alone do (the control that
shows the limit is really in reach). The limits are scaled to a few seconds so the test runs in about 25 s:

  client budget 1000 calls / 60 uploads a minute = buckets of 100 and 6, refilled at 15/s and 0.9/s;
  sandbox window 4 s: at most 100 + 15*4 = 160 calls and 6 + 0.9*4 = 9.6 uploads can conform, limits 180 and 12.
"""
import json
import os
import subprocess
import sys
import time

import pytest

from tests.integration import box_fixtures

box_sandbox = box_fixtures.box_sandbox

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = os.environ.get("PRODUCT_PYTHON") or sys.executable
WORKERS, CALLS, UPLOADS = 4, 80, 4


def run_four(sandbox, db_config):
    sandbox.set_rate_limits(calls=(180, 4.0), uploads=(12, 4.0))
    sandbox.middleware.reset_counters()
    folder = sandbox.ensure_folder(sandbox.roots["a1_a2"], "pacing-{}".format("shared" if db_config else "alone"))
    box = sandbox.client_config(max_calls_per_minute=1000, max_uploads_per_minute=60)
    procs = []
    started = time.time()
    for n in range(WORKERS):
        job = {"box": box, "database": db_config, "folder_id": folder, "calls": CALLS, "uploads": UPLOADS,
               "label": "w{}".format(n)}
        procs.append(subprocess.Popen([PYTHON, "-m", "tests.integration.box_pacing_worker", json.dumps(job)],
                                      cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      universal_newlines=True))
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results, time.time() - started, folder


@pytest.mark.slow
def test_four_processes_sharing_the_budget_get_no_429(box_sandbox, db_config):
    results, seconds, folder = run_four(box_sandbox, db_config)
    assert box_sandbox.rate_limited == []  # not one 429: every request was paced for
    files = box_sandbox.tree(folder)["files"]
    assert len(files) == WORKERS * UPLOADS  # all the work was done
    counts = box_sandbox.middleware.snapshot()["by_endpoint"]
    assert counts["GET /2.0/folders/{id}"] == WORKERS * CALLS  # 320: far more than the 180 one window allows
    assert seconds >= (WORKERS * CALLS - 100) / 15.0 * 0.8  # so they waited for each other


@pytest.mark.slow
def test_control_the_same_four_processes_pacing_alone_do_get_429(box_sandbox):
    results, _, folder = run_four(box_sandbox, None)
    assert box_sandbox.rate_limited, "four unshared budgets stayed under the limit: the test above proves nothing"
    assert len(box_sandbox.tree(folder)["files"]) == WORKERS * UPLOADS  # (boxsdk waited the 429s out)
