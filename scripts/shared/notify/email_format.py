"""Words and lengths for the emails: what a marketing manager reads instead of the automation's internal terms.

The templates use these as Jinja2 filters (notifier registers them), so the HTML email and its plain-text twin say
the same thing. A subject stays under SUBJECT_MAX characters: mail apps on a phone cut the rest anyway, and a long
campaign name is what usually pushes it over, so that is what gets shortened (with an ellipsis) first.
"""

import re

SUBJECT_MAX = 99
ELLIPSIS = "\u2026"
_ISO_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d)(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$")

# Box upload outcomes (box_client.upload_with_tracking_id) and the A2->A3 import, as a manager would say them.
OUTCOMES = {
    "uploaded": "new in Box",
    "adopted": "already in Box",
    "new_version": "updated in Box",
    "imported": "imported into the DAM",
    "done": "in Box",
}

# What each workflow does, for the line above an email's title ("A1→A2" alone means nothing to most readers).
WORKFLOW_TITLES = {
    "A1→A2": "Master assets to the agency",
    "A5→A6": "Rejected assets back to the agency",
    "B1→B2": "Global masters to Box",
    "A2→A3": "Localised files into the DAM",
}


def outcome_label(outcome):
    """'uploaded' -> 'new in Box'; an outcome without a label reads as words ('not_delivered' -> 'not delivered')."""
    text = str(outcome or "")
    if outcome in OUTCOMES:
        return OUTCOMES[outcome]
    # a code reads as words; a sentence (which may name files like K7Q2XM_it-IT_x.jpg) is shown as it is
    return text.replace("_", " ") if re.match(r"^[a-z_]+$", text) else text


def folder_label(folder_path):
    """A folder below the campaign folder by its path ('Banners/300x250'); the top level as 'campaign folder'."""
    path = (folder_path or "").strip("/")
    return path.replace("/", " / ") if path else "campaign folder"


def workflow_title(workflow):
    return WORKFLOW_TITLES.get(workflow, "")


def ascii_workflow(workflow):
    """'A1→A2' -> 'A1-A2' for files other programs open (Excel guesses the encoding of a CSV)."""
    return str(workflow).replace("\u2192", "-")


def when(iso_time):
    """'2026-11-24T19:00:00Z' -> '2026-11-24 19:00 UTC' (an offset is kept: '... 19:00 UTC+01:00'); text that is not
    an ISO time is shown as it is."""
    match = _ISO_TIME.match(str(iso_time or ""))
    if not match:
        return iso_time
    day, clock, zone = match.groups()
    if not zone:
        return "{} {}".format(day, clock)
    return "{} {} UTC{}".format(day, clock, "" if zone in ("Z", "+00:00", "+0000") else zone)


def shorten(text, limit):
    """``text`` cut to at most ``limit`` characters, ending in an ellipsis when cut (at a word end if one is near)."""
    text = str(text)
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if not text[limit - 1].isspace() and space >= (limit - 1) * 2 // 3:   # mid-word: end at the word before
        cut = cut[:space]
    return cut.rstrip(" ,;:-\u2013") + ELLIPSIS


def fit_subject(render, context, limit=SUBJECT_MAX):
    """A subject of at most ``limit`` characters: ``render(context)`` as is, else with the campaign name shortened
    just enough, else (a long error text) cut at the end."""
    subject = render(context)
    campaign = context.get("campaign") or {}
    name = campaign.get("name") if isinstance(campaign, dict) else None
    if len(subject) > limit and name:
        room = len(name) - (len(subject) - limit)
        if room >= 8:
            shorter = dict(context, campaign=dict(campaign, name=shorten(name, room)))
            subject = render(shorter)
    return shorten(subject, limit)
