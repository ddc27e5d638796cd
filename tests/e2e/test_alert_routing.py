"""Issue #24.6: technical alerts reach the operators, once per outage and day for the whole suite."""

import pytest

from scripts.shared.notify.browser import Browser, find_chromium
from tests.e2e.helpers import closed_port, html_of
from tests.integration.test_email_browser import assert_block, assert_fits, measure
from tests.integration.test_email_browser_report import _unreadable

OPERATORS = "oncall@example.com, dba@example.com"


def _tick_all(lab, env, rounds=2):
    for _ in range(rounds):
        for script in ("a1_to_a2_download", "a5_to_a6_download", "b1_to_b2_download"):
            result = lab.run_script(script, env=env)
            assert result.returncode == 1, result.stdout
            assert "alert_recipients" not in result.stdout  # configured: no start-up warning


def test_a_stopped_database_gives_one_alert_for_the_suite_to_the_operators_only(lab):
    env = {"DB_PORT": str(closed_port()), "ALERT_EMAIL_TO": OPERATORS}
    _tick_all(lab, env)
    messages = lab.smtp.messages()
    assert len(messages) == 1, [str(m["Subject"]) for m in messages]
    (alert,) = messages
    assert lab.smtp.envelope_recipients == [["oncall@example.com", "dba@example.com"]]
    assert str(alert["Subject"]).startswith("[All workflows] ACTION NEEDED: ")
    html = html_of(alert)
    text = alert.get_body(("plain",)).get_content()
    for body in (html, text):
        assert "The tracking database cannot be reached." in body
        assert "before it changes anything" in body     # what the suite did
        assert "DB_PORT" in body                         # what a person must do
    _looks_right_on_a_phone(html, "the database alert")


def _looks_right_on_a_phone(html, what, blocks=(".email-title", ".email-problems", ".email-next")):
    """The real alert (as the SMTP catcher received it) in Chromium at 375 px, light and dark."""
    if find_chromium() is None:
        pytest.fail("Chromium is not installed: run 'make chromium' (Debian package 'chromium'), or set CHROMIUM")
    with Browser() as browser:
        result = measure(browser, html, 375, selectors=blocks)
        assert_fits(result, 375, what)
        for block in blocks:
            assert_block(result, block, 375, what)
        assert _unreadable(browser, html) == [] and _unreadable(browser, html, dark=False) == []


def test_a_dam_that_does_not_answer_gives_one_alert_for_the_suite(lab):
    port = closed_port()
    env = {"DAM_BASE_URL": "http://127.0.0.1:{}/otmmapi".format(port), "DAM_RETRY_ATTEMPTS": "1",
           "DAM_AUTH_URL": "http://127.0.0.1:{}/otmmapi/v6/sessions/oauth2/token".format(port),
           "ALERT_EMAIL_TO": OPERATORS}
    _tick_all(lab, env)
    messages = lab.smtp.messages()
    assert len(messages) == 1, [str(m["Subject"]) for m in messages]
    assert lab.smtp.envelope_recipients == [["oncall@example.com", "dba@example.com"]]
    assert "The DAM (OpenText Media Management) does not answer." in html_of(messages[0])
    _looks_right_on_a_phone(html_of(messages[0]), "the DAM alert")


def test_without_alert_recipients_alerts_still_go_out_and_every_run_says_which_key_to_add(lab):
    result = lab.run_script("a1_to_a2_download", env={"DB_PORT": str(closed_port()), "ALERT_EMAIL_TO": ""})
    assert result.returncode == 1
    line = next(x for x in result.stdout.splitlines() if "alert_recipients" in x)
    assert "WARNING" in line and "ALERT_EMAIL_TO" in line
    assert lab.smtp.envelope_recipients == [["marketing-ops@example.com"]]


def test_the_daily_report_mail_carries_the_moves_the_trend_and_csv_files_for_italian_excel(lab):
    assert lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0042").returncode == 0
    assert lab.run_script("daily_report", env={"CSV_SEPARATOR": ";"}).returncode == 0
    report = next(m for m in lab.smtp.messages() if str(m["Subject"]).startswith("[Daily report]"))
    html = html_of(report)
    assert "Campaigns that moved today" in html and "LC-2026-0042" in html and "A1 → A2" in html
    assert html.count('class="trend-day"') == 14 * 4
    _looks_right_on_a_phone(html, "the daily report", blocks=(".email-title", ".email-moves", ".email-next"))
    files = dict((part.get_filename(), part.get_payload(decode=True)) for part in report.iter_attachments())
    moves = next(data for name, data in files.items() if name.endswith("_moves.csv"))
    lines = moves.decode("utf-8-sig").splitlines()
    assert lines[0] == "At;Campaign;Name;Workflow;Status change;Status now"
    assert ";LC-2026-0042;" in lines[1] and lines[1].endswith(";A1-A2;A1 -> A2;A2")
