"""Every email template renders from its documented context: HTML + text twin, subject, colour, escaping.

Python 3.6-safe (unit layer): only pytest and the runtime requirements.
"""
import copy
import html as html_lib
import os
import re
import subprocess
import sys

import jinja2
import pytest

from scripts.shared.notify.notifier import SUBJECTS, TEMPLATES, Notifier
from scripts.shared.workflows.sample_contexts import sample_contexts

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKFLOW_TEMPLATES = [t for t in TEMPLATES if t not in ("daily_summary_report", "run_error")]
COLOURS = {"success": "#1e7e34", "partial": "#9a5b00", "failure": "#b00020", "info": "#1f5f99", "agency": "#6a3d9a"}
EXPECTED_ACCENT = {
    "a1_to_a2_complete": "success", "b1_to_b2_complete": "success", "a2_to_a3_complete": "success",
    "a1_to_a2_partial": "partial", "a5_to_a6_partial": "partial", "b1_to_b2_partial": "partial",
    "a1_to_a2_no_assets": "info", "a5_to_a6_no_rejections": "info", "b1_to_b2_no_assets": "info",
    "a5_to_a6_rejections": "agency", "run_error": "failure",    # a rejection is work for the agency, not an error
}


@pytest.fixture(scope="module")
def notifier():
    return Notifier({"smtp": {}, "notifications": {}})


def test_the_thirteen_templates_exist_as_html_and_text_pairs():
    expected = {"a1_to_a2_complete", "a1_to_a2_partial", "a1_to_a2_no_assets", "a5_to_a6_rejections",
                "a5_to_a6_partial", "a5_to_a6_no_rejections", "b1_to_b2_complete", "b1_to_b2_partial",
                "b1_to_b2_no_assets", "a2_to_a3_file_uploaded", "a2_to_a3_complete", "daily_summary_report",
                "run_error"}
    assert set(TEMPLATES) == expected == set(sample_contexts())
    for name in expected:
        for ext in ("html", "txt"):
            assert os.path.isfile(os.path.join(ROOT, "templates", "{}.{}".format(name, ext))), (name, ext)


@pytest.mark.parametrize("name", TEMPLATES)
def test_renders_with_sample_context(notifier, name):
    subject, html, text = notifier.render(name, sample_contexts()[name])
    assert subject and "\n" not in subject and "{{" not in subject
    assert html.lstrip().startswith("<!DOCTYPE html>") and "</html>" in html
    assert subject in text                      # the text twin opens with the subject
    assert "<table" not in text and "<p>" not in text and "{{" not in text and "{%" not in text
    assert "{{" not in html and "{%" not in html


@pytest.mark.parametrize("name", WORKFLOW_TEMPLATES)
def test_workflow_email_names_campaign_assets_and_next_steps(notifier, name):
    ctx = sample_contexts()[name]
    subject, html, text = notifier.render(name, ctx)
    campaign_id = ctx["campaign"]["campaign_id"]
    assert campaign_id in subject and campaign_id in html and campaign_id in text
    assert ctx["campaign"]["name"] in html and ctx["campaign"]["name"] in text
    for body in (html_lib.unescape(html), text):     # next steps quote names like <TID>_<language>: escaped in HTML
        assert ctx["next_steps"] in body
    if name.endswith(("complete", "rejections", "partial", "file_uploaded")):
        for asset in ctx["assets"]:
            assert asset["tracking_id"] in html and asset["tracking_id"] in text
            if asset["url"]:                         # imported files (A2→A3) have no Box link any more
                assert 'href="{}"'.format(asset["url"]) in html and asset["url"] in text
    for failure in ctx["failures"]:
        assert failure["fix"] in text and failure["reason"] in text


@pytest.mark.parametrize("name", sorted(EXPECTED_ACCENT))
def test_colour_follows_the_outcome(notifier, name):
    _, html, _ = notifier.render(name, sample_contexts()[name])
    header = re.search(r'<td style="background:(#[0-9a-f]{6});color:#ffffff', html)
    assert header and header.group(1) == COLOURS[EXPECTED_ACCENT[name]]


def test_file_uploaded_colour_depends_on_problems(notifier):
    ctx = sample_contexts()["a2_to_a3_file_uploaded"]
    _, html, _ = notifier.render("a2_to_a3_file_uploaded", ctx)
    assert "background:" + COLOURS["partial"] in html          # sample has a quarantined file
    _, html, _ = notifier.render("a2_to_a3_file_uploaded", dict(ctx, quarantined=[], failures=[]))
    assert "background:" + COLOURS["success"] in html


@pytest.mark.parametrize("name", TEMPLATES)
def test_missing_key_fails_loudly(notifier, name):
    """StrictUndefined: a key the workflow forgot raises here instead of rendering an empty cell in an inbox."""
    ctx = copy.deepcopy(sample_contexts()[name])
    key = {"daily_summary_report": "totals", "run_error": "fix"}.get(name, "next_steps")
    del ctx[key]
    with pytest.raises(jinja2.UndefinedError):
        notifier.render(name, ctx)


@pytest.mark.parametrize("name", ["a1_to_a2_complete", "a5_to_a6_rejections", "a1_to_a2_partial"])
def test_missing_nested_key_fails_loudly(notifier, name):
    ctx = copy.deepcopy(sample_contexts()[name])
    del ctx["campaign"]["status_before"]
    with pytest.raises(jinja2.UndefinedError):
        notifier.render(name, ctx)


def test_missing_asset_field_fails_loudly(notifier):
    ctx = copy.deepcopy(sample_contexts()["a1_to_a2_complete"])
    del ctx["assets"][0]["tracking_id"]
    with pytest.raises(jinja2.UndefinedError):
        notifier.render("a1_to_a2_complete", ctx)


def test_rejection_comments_are_escaped_in_html_and_verbatim_in_text(notifier):
    ctx = copy.deepcopy(sample_contexts()["a5_to_a6_rejections"])
    ctx["assets"][0]["rejection"] = [{"label": "IA&CC comment", "value": "<script>alert('x')</script> & <b>bold</b>"}]
    ctx["assets"][0]["filename"] = "<img src=x onerror=alert(1)>.jpg"
    _, html, text = notifier.render("a5_to_a6_rejections", ctx)
    assert "<script>" not in html and "<img src=x" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "IA&amp;CC comment" in html
    assert "<script>alert('x')</script> & <b>bold</b>" in text     # plain text is not HTML: shown as typed


def test_every_rejection_field_with_a_value_is_shown(notifier):
    ctx = sample_contexts()["a5_to_a6_rejections"]
    _, html, text = notifier.render("a5_to_a6_rejections", ctx)
    for item in ctx["assets"][0]["rejection"]:
        assert item["label"] + ": " + item["value"] in text
    assert "Giulia Bianchi" in html and "Brand guidelines" in html


def test_campaign_values_are_escaped_everywhere_in_html(notifier):
    ctx = copy.deepcopy(sample_contexts()["a1_to_a2_partial"])
    ctx["campaign"]["name"] = 'Spring <script>x()</script>'
    ctx["failures"][0]["reason"] = 'DAM said "<b>no</b>"'
    subject, html, _ = notifier.render("a1_to_a2_partial", ctx)
    assert "<script>x()" not in html and "&lt;script&gt;x()&lt;/script&gt;" in html
    assert "<b>no</b>" not in html
    # a subject is a header (text): shown as typed, and escaped once where the HTML repeats it
    assert subject.endswith("failed, status stays A1") and "Spring <script>x()</script>:" in subject
    assert "<title>[A1→A2] LC-2026-0042 Spring &lt;script&gt;x()&lt;/script&gt;:" in html
    ctx["campaign"]["name"] = "IA&CC Spring"
    subject, html, _ = notifier.render("a1_to_a2_partial", ctx)
    assert "IA&CC Spring" in subject and "IA&amp;CC Spring" in html and "&amp;amp;" not in html


SUBJECT_CASES = [
    ("a1_to_a2_complete", "[A1→A2] LC-2026-0042 Nutella Spring: 4 master asset(s) delivered to Box"),
    ("a1_to_a2_partial", "[A1→A2] LC-2026-0042 Nutella Spring: 1 asset(s) failed, status stays A1"),
    ("a1_to_a2_no_assets", "[A1→A2] LC-2026-0042 Nutella Spring: no master assets to deliver"),
    ("a5_to_a6_rejections", "[A5→A6] LC-2026-0042 Nutella Spring: 2 rejected asset(s) sent back for rework"),
    ("a5_to_a6_no_rejections", "[A5→A6] LC-2026-0042 Nutella Spring: no NOT APPROVED assets"),
    ("b1_to_b2_complete", "[B1→B2] GM-2026-0007 Nutella Spring: 2 global master(s) delivered to Box"),
    ("a2_to_a3_complete", "[A2→A3] LC-2026-0042 Nutella Spring: every master localised, campaign moved to A3"),
    ("a2_to_a3_file_uploaded",
     "[A2→A3] LC-2026-0042: 1 localised file(s) imported into the DAM, 2 file(s) need attention"),
    ("daily_summary_report", "[Daily report] 2026-11-24: 4 campaign(s) advanced, 20 asset(s) moved, 7 failure(s)"),
    ("run_error", "[A1→A2] ACTION NEEDED: DAM POST /otmmapi/v6/search/text: network error"),
]


@pytest.mark.parametrize("name,expected", SUBJECT_CASES)
def test_subject_states_the_outcome(notifier, name, expected):
    assert notifier.render(name, sample_contexts()[name])[0] == expected


def test_subject_is_one_line_whatever_the_dam_holds(notifier):
    ctx = copy.deepcopy(sample_contexts()["a1_to_a2_complete"])
    ctx["campaign"]["name"] = "Nutella\r\nBcc: victim@example.com\n  Spring"
    subject = notifier.render("a1_to_a2_complete", ctx)[0]
    assert "\n" not in subject and "\r" not in subject
    assert "Nutella Bcc: victim@example.com Spring" in subject


def test_run_error_for_a_campaign_that_keeps_failing(notifier):
    ctx = dict(sample_contexts()["run_error"], attempts=5,
               campaign=sample_contexts()["a1_to_a2_partial"]["campaign"])
    subject, html, text = notifier.render("run_error", ctx)
    assert subject.startswith("[A1→A2] ACTION NEEDED LC-2026-0042:")
    assert "Failed 5 time(s) in a row" in html and "Failed 5 time(s) in a row" in text
    assert ctx["fix"] in html and ctx["fix"] in text


def test_daily_summary_lists_failures_and_stuck_campaigns(notifier):
    ctx = sample_contexts()["daily_summary_report"]
    _, html, text = notifier.render("daily_summary_report", ctx)
    for body in (html, text):
        assert "LC-2026-0043" in body and "H8W2NC" in body and "1 of 2 assets failed" in body
    empty = dict(ctx, failures=[], stuck=[])
    _, html, _ = notifier.render("daily_summary_report", empty)
    assert "Campaigns stuck" not in html and "H8W2NC" not in html


def test_every_subject_template_has_a_body_pair():
    assert sorted(SUBJECTS) == TEMPLATES


def test_preview_emails_writes_thirteen_previews(tmp_path):
    out = tmp_path / "previews"
    proc = subprocess.Popen([sys.executable, "scripts/preview_emails.py", "--out", str(out)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr.decode("utf-8", "replace")
    html = sorted(p.name for p in out.iterdir() if p.suffix == ".html" and p.name != "index.html")
    txt = sorted(p.name for p in out.iterdir() if p.suffix == ".txt")
    assert len(html) == 13 and len(txt) == 13
    assert html == [n + ".html" for n in TEMPLATES]
    rejections = (out / "a5_to_a6_rejections.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in rejections and "<script>" not in rejections
    assert "Wrote 13 templates" in stdout.decode("utf-8")
