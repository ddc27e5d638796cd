"""What the emails say to a marketing manager: plain result labels, the agency's own colour for a rejection, links
to where files are and where to upload them, and subjects a phone does not cut off."""
import copy

import pytest

from scripts.shared.notify.email_format import SUBJECT_MAX, folder_label, outcome_label, shorten, when
from scripts.shared.notify.notifier import TEMPLATES, Notifier
from scripts.shared.workflows.sample_contexts import INBOX_URL, NEEDS_ATTENTION_URL, sample_contexts

LONG_NAME = ("Nutella B-ready Back to School 2026 – Italy, Switzerland (Ticino) and Austria – digital, print, "
             "in-store and social media localisation wave 2")


@pytest.fixture(scope="module")
def notifier():
    return Notifier({"smtp": {}, "notifications": {}})


def test_result_labels_a_manager_understands(notifier):
    ctx = sample_contexts()["a1_to_a2_complete"]
    assert [a["outcome"] for a in ctx["assets"]] == ["uploaded", "adopted", "new_version", "uploaded"]
    _, html, text = notifier.render("a1_to_a2_complete", ctx)
    for body in (html, text):
        assert "new in Box" in body and "already in Box" in body and "updated in Box" in body
        assert "campaign folder" in body and "Key visuals / Print" in body
        assert "adopted" not in body and "new_version" not in body and "[/]" not in body
    assert ">uploaded<" not in html and "  uploaded" not in text


def test_label_helpers():
    assert outcome_label("uploaded") == "new in Box" and outcome_label("adopted") == "already in Box"
    assert outcome_label("imported") == "imported into the DAM" and outcome_label("not_delivered") == "not delivered"
    assert folder_label("") == folder_label(None) == folder_label("/") == "campaign folder"
    assert folder_label("Banners/300x250") == "Banners / 300x250"
    assert when("2026-11-24T19:00:00Z") == "2026-11-24 19:00 UTC"
    assert when("2026-11-24T19:00:00+01:00") == "2026-11-24 19:00 UTC+01:00" and when("soon") == "soon"


def test_a_rejection_is_the_agencys_colour_not_the_error_red(notifier):
    _, rejection, _ = notifier.render("a5_to_a6_rejections", sample_contexts()["a5_to_a6_rejections"])
    _, error, _ = notifier.render("run_error", sample_contexts()["run_error"])
    assert "#6a3d9a" in rejection and "#b00020" not in rejection
    assert "#b00020" in error and "#6a3d9a" not in error


def test_rework_email_says_where_to_upload(notifier):
    ctx = sample_contexts()["a5_to_a6_rejections"]
    _, html, text = notifier.render("a5_to_a6_rejections", ctx)
    assert 'href="{}"'.format(INBOX_URL) in html and "Upload reworked files" in html
    assert INBOX_URL in text and "A2→A3 inbox" in ctx["next_steps"]


def test_needs_attention_email_links_that_folder_and_the_inbox(notifier):
    _, html, text = notifier.render("a2_to_a3_file_uploaded", sample_contexts()["a2_to_a3_file_uploaded"])
    assert 'href="{}"'.format(NEEDS_ATTENTION_URL) in html and NEEDS_ATTENTION_URL in text
    assert 'href="{}"'.format(INBOX_URL) in html and INBOX_URL in text


def test_no_link_without_a_folder(notifier):
    ctx = dict(sample_contexts()["a5_to_a6_rejections"], inbox_url=None)
    _, html, text = notifier.render("a5_to_a6_rejections", ctx)
    assert "Upload reworked files" not in html and "Upload reworked files" not in text


def test_every_preview_has_its_own_next_steps():
    texts = [c["next_steps"] for n, c in sample_contexts().items() if "next_steps" in c]
    assert len(texts) == 11 and len(set(texts)) >= 9      # the partial emails share one wording, per status
    assert len({c["next_steps"] for n, c in sample_contexts().items() if n.endswith("partial")}) == 3


@pytest.mark.parametrize("name", [t for t in TEMPLATES if t not in ("daily_summary_report", "run_error")])
def test_long_campaign_name_is_shortened_with_an_ellipsis(notifier, name):
    ctx = copy.deepcopy(sample_contexts()[name])
    short = notifier.render(name, ctx)[0]
    ctx["campaign"]["name"] = LONG_NAME
    subject = notifier.render(name, ctx)[0]
    assert len(subject) <= SUBJECT_MAX < 100
    if "Nutella Spring" in short:                              # the subject names the campaign
        assert "Nutella B-ready" in subject and "…" in subject
        tail = short.split("Nutella Spring", 1)[1]
        assert subject.endswith(tail)                          # the outcome is never cut
    else:
        assert subject == short


def test_long_error_subject_is_cut_at_the_end(notifier):
    ctx = dict(sample_contexts()["run_error"], error="DAM GET /otmmapi/v6/assets/" + "x" * 300,
               campaign=dict(sample_contexts()["a1_to_a2_complete"]["campaign"], name=LONG_NAME))
    subject = notifier.render("run_error", ctx)[0]
    assert len(subject) <= SUBJECT_MAX and subject.startswith("[A1→A2] ACTION NEEDED LC-2026-0042:")
    assert subject.endswith("…")


def test_short_subjects_are_untouched(notifier):
    assert notifier.render("a1_to_a2_complete", sample_contexts()["a1_to_a2_complete"])[0] == \
        "[A1→A2] LC-2026-0042 Nutella Spring: 4 master asset(s) delivered to Box"


def test_shorten():
    assert shorten("abc", 5) == "abc" and shorten("abcdefgh", 5) == "abcd…"
    assert shorten("Nutella Spring Back to School", 20) == "Nutella Spring Back…"
    assert len(shorten("x" * 500, 99)) == 99


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_email_declares_a_phone_viewport_and_both_colour_schemes(notifier, name):
    _, html, _ = notifier.render(name, sample_contexts()[name])
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<meta name="color-scheme" content="light dark">' in html
    assert "max-width:720px" in html and 'width="720"' in html.split("<!--[if mso]>")[1]   # Outlook: fixed


def test_an_outcome_sentence_keeps_the_file_names_it_names():
    """A redelivery's outcome names the earlier file; its underscores are part of the name, not a code's."""
    from scripts.shared.notify.email_format import outcome_label
    assert outcome_label("not_delivered") == "not delivered"
    text = "imported; replaces K7Q2XM_it-IT_banner.jpg (DAM asset a1); moved to the Box trash"
    assert outcome_label(text) == text


LISTING = [t for t in TEMPLATES if t not in ("run_error", "daily_summary_report") and "_no_" not in t]


@pytest.mark.parametrize("name", LISTING)
def test_what_to_do_comes_before_the_list_of_assets(notifier, name):
    """A long campaign pushes the list past the first screen (and Gmail clips the end): the action is read first."""
    ctx = sample_contexts()[name]
    _, html, text = notifier.render(name, ctx)
    first = [r["filename"] for key in ("failures", "assets", "quarantined") for r in ctx[key]]
    assert first, name
    for body, action in ((html, 'class="tint-next email-next"'), (text, "What happens next: ")):
        assert action in body, name
        assert body.index(action) < min(body.index(f) for f in first if f in body), name


def test_the_daily_report_says_what_to_look_at_before_its_lists(notifier):
    ctx = sample_contexts()["daily_summary_report"]
    _, html, _ = notifier.render("daily_summary_report", ctx)
    assert html.index("What to look at") < html.index("Campaigns that moved today") < html.index("H8W2NC")
