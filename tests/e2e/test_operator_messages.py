"""Issue #16: the operator is told once, clearly, and never misled (alerts, outages, credentials, dry runs)."""
import os
import socket

from tests.e2e.helpers import db_rows, subjects


def _closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _alerts(lab):
    return [s for s in subjects(lab) if "ACTION NEEDED" in s]


def test_a_persistent_campaign_problem_alerts_once_a_day_and_the_report_counts_it(lab):
    env = {"DAM_MASTER_ASSETS_FOLDER": "Masters That Do Not Exist"}
    for _ in range(3):
        result = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0043", env=env)
        assert result.returncode == 1, result.stdout
    alerts = _alerts(lab)
    assert len(alerts) == 1 and "LC-2026-0043" in alerts[0], alerts
    state = db_rows(lab, "SELECT attempts FROM workflow_state WHERE campaign_id = 'LC-2026-0043'")[0]
    assert state["attempts"] == 3
    report = lab.run_script("daily_report", "--print")
    assert report.returncode == 0, report.stdout
    assert "LC-2026-0043 failed 3 time(s) in a row" in report.stdout, report.stdout


def test_database_down_logs_one_line_and_alerts_once_without_the_database(lab):
    state_dir = os.path.join(lab.workdir, "state")
    env = {"DB_PORT": str(_closed_port()), "STATE_DIR": state_dir}
    for _ in range(3):
        result = lab.run_script("a1_to_a2_download", env=env)
        assert result.returncode == 1, result.stdout
        assert "Traceback" not in result.stdout, result.stdout
        lines = [line for line in result.stdout.splitlines() if "cannot connect to PostgreSQL" in line]
        assert len(lines) == 1 and "fix:" in lines[0], result.stdout
        assert len(result.stdout.splitlines()) <= 4, result.stdout
    alerts = _alerts(lab)
    assert len(alerts) == 1 and "cannot connect to PostgreSQL" in alerts[0], alerts
    assert any(name.endswith(".sent") for name in os.listdir(state_dir))
