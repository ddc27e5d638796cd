"""Issue #16: the operator is told once, clearly, and never misled (alerts, outages, credentials, dry runs)."""
import json
import os

import pytest

from tests.e2e.helpers import closed_port, db_rows, subjects


def _alerts(lab):
    return [s for s in subjects(lab) if "ACTION NEEDED" in s]


@pytest.mark.slow
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
    env = {"DB_PORT": str(closed_port()), "STATE_DIR": state_dir}
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


def _box_config(lab, tmp_path, change):
    with open(lab.box.box_config_path) as f:
        doc = json.load(f)
    text = change(doc)
    path = tmp_path / "Box-config.json"
    path.write_text(text if isinstance(text, str) else json.dumps(doc))
    os.chmod(str(path), 0o600)
    return str(path)


def _drop_key_id(doc):
    del doc["boxAppSettings"]["appAuth"]["publicKeyID"]


def _wrong_passphrase(doc):
    doc["boxAppSettings"]["appAuth"]["passphrase"] = "not-the-passphrase"


@pytest.mark.parametrize("change,expected", [
    (lambda doc: '{"boxAppSettings": {', "is not valid JSON"),
    (_drop_key_id, "boxAppSettings.appAuth.publicKeyID: is missing"),
    (_wrong_passphrase, "boxAppSettings.appAuth.passphrase: the passphrase does not open privateKey"),
])
def test_broken_box_credentials_exit_2_before_any_campaign_is_claimed(lab, tmp_path, change, expected):
    path = _box_config(lab, tmp_path, change)
    result = lab.run_script("a1_to_a2_download", env={"BOX_CONFIG_PATH": path})
    assert result.returncode == 2, result.stdout
    assert path in result.stdout and expected in result.stdout and "Developer Console" in result.stdout
    assert "Key ID header parameter" not in result.stdout and "Traceback" not in result.stdout
    assert db_rows(lab, "SELECT campaign_id FROM workflow_state") == []  # nothing claimed, no attempt counted
    assert lab.otmm.campaign_status("LC-2026-0042") == "A1"
    assert any("ACTION NEEDED" in s for s in subjects(lab))


def test_unreadable_pfx_exits_2_before_any_claim(lab, tmp_path):
    result = lab.run_script("a1_to_a2_download", "--auth-pfx", env={"DAM_MTLS_CERT_PATH": str(tmp_path)})
    assert result.returncode == 2, result.stdout
    assert "cannot read the mTLS certificate (PFX)" in result.stdout and "chown" in result.stdout
    wrong = lab.run_script("a1_to_a2_download", "--auth-pfx", env={"DAM_MTLS_CERT_PASSWORD": "nope-nope"})
    assert wrong.returncode == 2 and "DAM_MTLS_CERT_PASSWORD: cannot open the mTLS certificate" in wrong.stdout
    assert "nope-nope" not in wrong.stdout
    assert db_rows(lab, "SELECT campaign_id FROM workflow_state") == []


def test_waiting_campaigns_are_named_with_their_next_try(lab):
    env = {"DAM_MASTER_ASSETS_FOLDER": "Masters That Do Not Exist"}
    for _ in range(6):  # each tick takes the next A1 campaign, fails it and backs it off
        waiting = lab.run_script("a1_to_a2_download", env=env)
        if waiting.returncode == 0:
            break
    assert waiting.returncode == 0, waiting.stdout
    line = next(x for x in waiting.stdout.splitlines() if "all waiting for their retry time" in x)
    assert "LC-2026-0042 (next try " in line and "LC-2026-0043 (next try " in line
    assert "after 1 failed attempt(s)" in line and "--campaign ID" in line


SCRIPTS = ("a1_to_a2_download", "a5_to_a6_download", "b1_to_b2_download", "a2_to_a3_upload_polling")


def _dry_lines(result):
    lines = [x for x in result.stdout.splitlines() if x.strip()]
    assert lines and all("DRY RUN: " in x for x in lines), result.stdout
    assert "DRY RUN: nothing was written" in lines[-1]
    return lines


def test_dry_run_on_a_fresh_database_writes_nothing(pg_server, tmp_path):
    import psycopg2

    from sandbox.lab import Lab
    name = "dam_test_fresh_{}".format(os.getpid())
    admin = psycopg2.connect(host=pg_server["host"], port=pg_server["port"], user=pg_server["user"],
                             password=pg_server["password"], dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute('DROP DATABASE IF EXISTS "{}"'.format(name))
        cur.execute('CREATE DATABASE "{}"'.format(name))
    try:
        with Lab(str(tmp_path / "lab"), db_settings=dict(pg_server, name=name)) as lab:
            for script in SCRIPTS:
                result = lab.run_script(script, "--dry-run")
                assert result.returncode == 0, result.stdout
                _dry_lines(result)
            tables = db_rows(lab, "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'")
            assert tables[0]["n"] == 0
            assert lab.smtp.messages() == [] and lab.otmm.campaign_status("LC-2026-0042") == "A1"
    finally:
        with admin.cursor() as cur:
            cur.execute('DROP DATABASE IF EXISTS "{}" WITH (FORCE)'.format(name))
        admin.close()


def test_dry_run_respects_the_back_off_and_names_files_like_the_real_run(lab):
    failing = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0042",
                             env={"DAM_MASTER_ASSETS_FOLDER": "Masters That Do Not Exist"})
    assert failing.returncode == 1
    dry = lab.run_script("a1_to_a2_download", "--dry-run")
    lines = _dry_lines(dry)
    assert any("would claim campaign LC-2026-0043" in x for x in lines), dry.stdout
    forced = _dry_lines(lab.run_script("a1_to_a2_download", "--dry-run", "--campaign", "LC-2026-0042"))
    assert any("would claim campaign LC-2026-0042" in x for x in forced)
    a5 = _dry_lines(lab.run_script("a5_to_a6_download", "--dry-run"))
    assert any("as K7Q2XM_it-IT_Raffaello banner.jpg" in x for x in a5), "\n".join(a5)
    assert any("as P3R7ZD_it-IT_Raffaello poster.pdf" in x for x in a5)
    assert not any("<new TID>" in x for x in a5)
    real = lab.run_script("a5_to_a6_download")
    assert real.returncode == 0
    assert db_rows(lab, "SELECT count(*) AS n FROM workflow_state WHERE workflow = 'a5_a6'")[0]["n"] == 1


@pytest.fixture
def health(lab):
    from sandbox.healthchecks_server import HealthchecksServer
    receiver = HealthchecksServer(ping_key="k").start()
    lab.extra_env["HEALTHCHECK_URL"] = receiver.url_template
    yield receiver
    receiver.stop()


def _pings(receiver):
    paths = [e["path"] for e in receiver.events]
    del receiver.events[:]
    return paths


def test_each_job_pings_its_own_check_with_the_exit_code_also_on_exit_2(lab, health, tmp_path):
    assert lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0043").returncode == 0
    assert _pings(health) == ["/ping/k/a1_to_a2/start", "/ping/k/a1_to_a2/0"]
    assert lab.run_script("a5_to_a6_download", env={"BOX_ROOT_FOLDER_A5_A6": "abc"}).returncode == 2
    assert _pings(health) == ["/ping/k/a5_to_a6/2"]  # configuration broken: still reported, with its code
    path = _box_config(lab, tmp_path, _drop_key_id)
    assert lab.run_script("b1_to_b2_download", env={"BOX_CONFIG_PATH": path}).returncode == 2
    assert _pings(health) == ["/ping/k/b1_to_b2/start", "/ping/k/b1_to_b2/2"]
    assert lab.run_script("a1_to_a2_download", "--dry-run").returncode == 0
    assert _pings(health) == []  # a dry run is not a cron tick
    assert lab.run_script("daily_report").returncode == 0
    assert _pings(health) == ["/ping/k/daily_report/start", "/ping/k/daily_report/0"]


def test_test_connection_checks_the_health_url_and_marks_its_webhook_as_a_test(lab, health):
    result = lab.run_script("test_connection")
    assert result.returncode == 0, result.stdout
    line = next(x for x in result.stdout.splitlines() if x.startswith("Health check"))
    assert " OK " in line and "one check per job" in line
    assert set(e["kind"] for e in health.events) == {"log"}   # a log entry per check, no ping
    tests = [e["payload"] for e in lab.webhook.events]
    assert tests and tests[-1]["event"] == "connection_test" and tests[-1]["data"]["test"] is True
    before = len(lab.webhook.events)
    skipped = lab.run_script("test_connection", "--no-webhook")
    assert skipped.returncode == 0 and len(lab.webhook.events) == before
    assert any(x.startswith("Webhook") and "SKIP (--no-webhook)" in x for x in skipped.stdout.splitlines())
    down = lab.run_script("test_connection", env={"HEALTHCHECK_URL": "http://127.0.0.1:{}/x".format(closed_port())})
    assert down.returncode == 1 and "did not answer for" in down.stdout


def test_test_connection_names_the_broken_box_credential(lab, tmp_path):
    path = _box_config(lab, tmp_path, _drop_key_id)
    result = lab.run_script("test_connection", "--no-webhook", env={"BOX_CONFIG_PATH": path})
    line = next(x for x in result.stdout.splitlines() if x.startswith("Box ") and " FAIL " in x)
    assert result.returncode == 1 and "boxAppSettings.appAuth.publicKeyID: is missing" in line


@pytest.mark.slow
def test_smtp_failing_run_after_run_makes_the_run_fail_and_the_report_says_so(lab):
    env = {"SMTP_PORT": str(closed_port()), "CHANNEL_FAILURE_TICKS": "1"}
    first = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0044", env=env)
    assert first.returncode == 0, first.stdout  # one failed tick: a warning, the next run retries the email
    second = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0044", env=env)
    assert second.returncode == 1, second.stdout
    assert "Email (SMTP) has failed in 2 runs in a row since" in second.stdout and "test_connection" in second.stdout
    report = lab.run_script("daily_report", "--print")
    assert "NOTIFICATION CHANNELS FAILING" in report.stdout and "email: failed in 2 run(s)" in report.stdout
    assert lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0044").returncode == 0  # mail is back
    assert "NOTIFICATION CHANNELS FAILING" not in lab.run_script("daily_report", "--print").stdout


def test_daily_report_lists_runs_that_could_not_start_and_marks_them_resolved(lab):
    down = {"DAM_BASE_URL": "http://127.0.0.1:{}/otmmapi".format(closed_port()),
            "DAM_AUTH_URL": "http://127.0.0.1:{}/token".format(closed_port()), "DAM_RETRY_ATTEMPTS": "1"}
    for _ in range(2):
        assert lab.run_script("a1_to_a2_download", env=down).returncode == 1
    report = lab.run_script("daily_report", "--print").stdout
    assert "RUNS THAT COULD NOT START" in report
    line = next(x for x in report.splitlines() if x.startswith("- A1→A2: 2 run(s)"))
    assert "cannot reach 127.0.0.1:" in line and "resolved" not in line
    assert lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0043").returncode == 0
    report = lab.run_script("daily_report", "--print").stdout
    assert "[resolved " in next(x for x in report.splitlines() if x.startswith("- A1→A2: 2 run(s)"))


def test_daily_report_shows_certificate_days_and_warns_once_at_30_days(lab, tmp_path):
    from tests.unit.test_dam_auth import make_pfx
    pfx = make_pfx(tmp_path / "soon.pfx", days=(-1, 20), password=lab.otmm.client_pfx_password)
    env = {"DAM_MTLS_CERT_PATH": pfx}
    printed = lab.run_script("daily_report", "--print", env=env)
    assert "mTLS certificate: 19 day(s) left" in printed.stdout or "mTLS certificate: 20 day(s) left" in \
        printed.stdout, printed.stdout
    for _ in range(2):
        assert lab.run_script("daily_report", env=env).returncode == 0
    warnings = [s for s in subjects(lab) if "mTLS certificate" in s]
    assert len(warnings) == 1 and "expires in" in warnings[0]


def test_a_webhook_that_keeps_failing_is_reported_and_fails_the_run(lab):
    env = {"WEBHOOK_URL": "http://127.0.0.1:{}/hooks/dam".format(closed_port()), "CHANNEL_FAILURE_TICKS": "1"}
    first = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0042", env=env)
    assert first.returncode == 0 and lab.otmm.campaign_status("LC-2026-0042") == "A2", first.stdout
    second = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0043", env=env)
    assert second.returncode == 1 and lab.otmm.campaign_status("LC-2026-0043") == "A2", second.stdout
    assert "The webhook has failed in 2 runs in a row" in second.stdout and "WEBHOOK_URL" in second.stdout
    assert "/hooks/dam" not in second.stdout  # the URL may carry a token: never logged
    report = lab.run_script("daily_report", "--print")
    assert "webhook: failed in 2 run(s)" in report.stdout
