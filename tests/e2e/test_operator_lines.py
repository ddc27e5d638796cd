"""Issue #24.10: what an operator reads on the console and in cron mail is short, findable and says the fix."""
import os
import re

from sandbox.healthchecks_server import HealthchecksServer
from tests.e2e.helpers import closed_port


def test_an_unreadable_certificate_is_explained_not_an_unexpected_error(lab, tmp_path):
    result = lab.run_script("test_mtls_cert", env={"DAM_MTLS_CERT_PATH": str(tmp_path)})
    assert result.returncode == 1
    assert "cannot read the mTLS certificate {} (Is a directory)".format(tmp_path) in result.stdout
    assert "set DAM_MTLS_CERT_PATH in .env to the .pfx file" in result.stdout
    assert "Unexpected error" not in result.stdout and "Traceback" not in result.stdout


def test_a_log_file_that_cannot_be_written_is_one_line_not_a_logging_traceback(lab, tmp_path):
    logs = tmp_path / "logs"
    (logs / "a1_to_a2.log").mkdir(parents=True)     # the log file's place is taken: it cannot be opened
    result = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0043", env={"LOG_DIR": str(logs)})
    assert result.returncode == 0, result.stdout
    said = [x for x in result.stdout.splitlines() if "cannot write the log file" in x]
    assert len(said) == 1 and said[0].startswith("ERROR") and "LOG_DIR" in said[0], result.stdout
    assert "Logging error" not in result.stdout and "Traceback" not in result.stdout
    assert lab.otmm.campaign_status("LC-2026-0043") == "A2"   # the work is done all the same


def test_configuration_errors_are_one_line_each_that_grep_finds(lab):
    result = lab.run_script("a1_to_a2_download", env={"BOX_ROOT_FOLDER_A5_A6": "abc", "LEASE_SECONDS": "0"})
    assert result.returncode == 2
    lines = [x for x in result.stdout.splitlines() if x.strip()]
    assert lines and all(re.search("error", x, re.I) for x in lines), result.stdout
    found = [x for x in lines if "box.roots.a5_a6" in x or "transfer.lease_seconds" in x]
    assert len(found) == 2 and all("Configuration error: " in x and "Fix:" in x for x in found), result.stdout


def test_check_config_validates_without_contacting_any_system(lab):
    checks = HealthchecksServer().start()
    try:
        port = closed_port()
        offline = {"DB_PORT": str(port), "SMTP_PORT": str(port), "HEALTHCHECK_URL": checks.url_template,
                   "DAM_BASE_URL": "http://127.0.0.1:{}/otmmapi".format(port),
                   "BOX_API_BASE_URL": "http://127.0.0.1:{}/2.0".format(port)}
        for script in ("a1_to_a2_download", "daily_report", "test_connection"):
            result = lab.run_script(script, "--check-config", env=offline)
            assert result.returncode == 0, result.stdout
            assert "Configuration OK" in result.stdout and "no system was contacted" in result.stdout
        bad = lab.run_script("a1_to_a2_download", "--check-config", env=dict(offline, BOX_ROOT_FOLDER_A1_A2="x"))
        assert bad.returncode == 2 and "Configuration error: " in bad.stdout and "box.roots.a1_a2" in bad.stdout
        assert checks.events == [] and lab.smtp.messages() == [] and lab.webhook.events == []
    finally:
        checks.stop()


def test_the_console_shows_short_human_lines_and_the_log_file_keeps_the_details(lab):
    result = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0043")
    assert result.returncode == 0, result.stdout
    assert "scripts.shared" not in result.stdout and "[run=" not in result.stdout, result.stdout
    assert any("[LC-2026-0043]" in x for x in result.stdout.splitlines())
    log = lab.log_text("a1_to_a2")
    assert "[run=" in log and "scripts.shared.workflows" in log


def test_a_wrong_database_password_exits_2_with_the_fix(lab):
    result = lab.run_script("a1_to_a2_download", env={"DB_PASSWORD": "not-the-password"})
    assert result.returncode == 2, result.stdout
    line = next(x for x in result.stdout.splitlines() if "DB_PASSWORD" in x and "ERROR" in x)
    assert "refused the password of user" in line and "ALTER USER" in line and "psql -h" in line
    assert "not-the-password" not in result.stdout


def test_sizes_are_shown_in_human_units(lab):
    result = lab.run_script("a1_to_a2_download", "--dry-run", "--campaign", "LC-2026-0042")
    uploads = [x for x in result.stdout.splitlines() if "would upload" in x]
    assert uploads and all(re.search(r"\(\d+(\.\d+)? (KiB|MiB|GiB|bytes?)\)", x) for x in uploads), uploads
    assert not any(re.search(r"\(\d{4,} bytes\)", x) for x in uploads)
    assert os.path.exists(os.path.join(lab.workdir, "logs"))
