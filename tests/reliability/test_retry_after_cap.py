"""Issue 27.7: one 429 with a long Retry-After must not freeze the suite. The shared cool-down is capped at
box.max_retry_wait_seconds; a Retry-After past the cap ends the tick cleanly (lease freed, no back-off counted),
is logged and alerted once, and the next tick carries on."""
import os
import subprocess

from sandbox.lab import ROOT
from tests.e2e.helpers import box_files, db_rows, subjects
from tests.reliability.harness import fresh_lab

CAMPAIGN = "LC-2026-0042"
CAP = 5
THROTTLE = [{"method": "POST", "path": "/files/content$", "status": 429, "retry_after": 3000, "count": 1}]


def _config_with_cap(tmp_path):
    folder = tmp_path / "config"
    folder.mkdir()
    for name in ("config.yaml", "field_mappings.yaml"):
        with open(os.path.join(ROOT, "config", name), encoding="utf-8") as f:
            text = f.read()
        if name == "config.yaml":
            assert "  max_retry_wait_seconds: 60\n" in text
            text = text.replace("  max_retry_wait_seconds: 60\n", "  max_retry_wait_seconds: {}\n".format(CAP))
        (folder / name).write_text(text, encoding="utf-8")
    return str(folder / "config.yaml")


def _tick(lab, config):
    try:
        return lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN, "--config", config, timeout=100)
    except subprocess.TimeoutExpired:
        raise AssertionError("the tick was still asleep after 100 s (Retry-After 3000 stored uncapped):\n" +
                             lab.log_text("a1_to_a2")[-2000:])


def test_a_retry_after_past_the_cap_ends_the_tick_cleanly_and_alerts_once(pg_server, tmp_path, pki_dir):
    config = _config_with_cap(tmp_path)
    with fresh_lab(pg_server, tmp_path, pki_dir, TRANSFER_CONCURRENCY="2") as lab:
        lab.box.middleware.set_faults(THROTTLE)
        first = _tick(lab, config)
        assert [r.hits for r in lab.box.middleware.rules] == [1], "the 429 must have been answered"
        log = lab.log_text("a1_to_a2")
        assert first.returncode == 1, log[-3000:]
        assert "Retry-After: 3000" in log and "over the {} s".format(CAP) in log, log[-3000:]
        state = db_rows(lab, "SELECT state, attempts, lease_owner, next_attempt_at FROM workflow_state "
                             "WHERE campaign_id = %s", (CAMPAIGN,))[0]
        assert state["lease_owner"] is None and state["attempts"] == 0 and state["next_attempt_at"] is None, state
        cooldown = db_rows(lab, "SELECT max(EXTRACT(EPOCH FROM cooldown_until - clock_timestamp())) AS s "
                                "FROM box_rate_budget")[0]["s"]
        assert cooldown is not None and float(cooldown) <= CAP, cooldown
        assert lab.otmm.campaign_status(CAMPAIGN) == "A1"
        assert not any("failed" in s for s in subjects(lab)), subjects(lab)  # no partial email: nothing is broken

        lab.box.middleware.set_faults(THROTTLE)
        assert _tick(lab, config).returncode == 1
        alerts = [s for s in subjects(lab) if "ACTION NEEDED" in s]
        assert len(alerts) == 1 and "rate-limit" in alerts[0], subjects(lab)

        lab.box.middleware.set_faults([])
        last = _tick(lab, config)
        assert last.returncode == 0, lab.log_text("a1_to_a2")[-3000:]
        assert lab.otmm.campaign_status(CAMPAIGN) == "A2"
        files = box_files(lab.box.tree(lab.box.roots["a1_a2"]))
        assert len(files) == 5 and all(f["versions"] == 1 for f in files.values())
