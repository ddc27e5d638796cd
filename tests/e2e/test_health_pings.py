"""Issue #24.5: health-check pings that explain themselves and are never faked (healthchecks.io's ping API)."""
import re

import pytest

from sandbox.healthchecks_server import HealthchecksServer
from sandbox.lab import SMTP_PASSWORD
from tests.e2e.helpers import closed_port

JOBS = ("a1_to_a2", "a5_to_a6", "b1_to_b2", "a2_to_a3", "daily_report")


@pytest.fixture
def checks(lab):
    server = HealthchecksServer(checks=JOBS).start()
    lab.extra_env["HEALTHCHECK_URL"] = server.url_template
    yield server
    server.stop()


def _message(console_line):
    """The message of a console line ("2026-12-06 14:56:38,487 INFO    [LC-2026-0043] text")."""
    return re.sub(r"^\S+ \S+ [A-Z]+\s+(\[[^]]*\] )?", "", console_line)


def test_the_exit_code_ping_carries_the_tail_of_the_runs_log(lab, checks):
    ok = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0043")
    assert ok.returncode == 0, ok.stdout
    start, end = checks.events
    assert (start["method"], start["kind"], start["body"]) == ("GET", "start", "")
    assert (end["method"], end["kind"], end["status"]) == ("POST", "0", 200)
    assert len(set(re.findall(r"\[run=(\w+) ", end["body"]))) == 1 and "LC-2026-0043" in end["body"]
    assert _message(ok.stdout.strip().splitlines()[-1]) in end["body"]   # the run's last line
    assert SMTP_PASSWORD not in end["body"]
    del checks.events[:]
    down = lab.run_script("a5_to_a6_download", env={"DB_PORT": str(closed_port())})
    assert down.returncode == 1
    (_, failed) = checks.events
    assert failed["kind"] == "1" and "cannot connect to PostgreSQL" in failed["body"] and "fix:" in failed["body"]


def test_test_connection_checks_each_jobs_check_without_pinging_or_creating_one(lab, checks):
    result = lab.run_script("test_connection", "--no-webhook")
    assert result.returncode == 0, result.stdout
    assert sorted(e["slug"] for e in checks.events) == sorted(JOBS)
    assert set(e["kind"] for e in checks.events) == {"log"}      # a log entry: no job looks healthy because of it
    checks.checks.discard("daily_report")
    auto = lab.run_script("test_connection", "--no-webhook",
                          env={"HEALTHCHECK_URL": checks.url_template + "?create=1"})
    assert auto.returncode == 1
    line = next(x for x in auto.stdout.splitlines() if x.startswith("Health check"))
    assert "FAIL" in line and "no health check for daily_report" in line and "create" in line
    assert checks.created == [] and "daily_report" not in checks.checks


def test_a_hand_run_daily_report_print_does_not_mark_the_19_00_job_healthy(lab, checks):
    printed = lab.run_script("daily_report", "--print")
    assert printed.returncode == 0 and "TOTAL: advanced" in printed.stdout, printed.stdout
    assert checks.events == []
    assert lab.run_script("daily_report").returncode == 0
    assert [e["kind"] for e in checks.events] == ["start", "0"]
