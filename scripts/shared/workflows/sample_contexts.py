"""Sample data for every email template (scripts/preview_emails.py, the template tests and the browser test).

Each template gets what its workflow would really send: its own next steps (taken from the workflow code where it
has them as a function, which is why the samples live with the workflows), realistic file names and folders, and the
awkward cases a real campaign brings (a long file name, a nested folder, DAM comments with markup in them that must
be shown, not run).
"""
import datetime

from ..notify.daily_summary import TREND_DAYS, trend_context
from ..notify.reporting import tally
from .dam_to_box import empty_next_steps
from .workflow_specs import A1_TO_A2, A5_TO_A6, B1_TO_B2

INBOX_URL = "https://app.box.com/folder/348304351200"
NEEDS_ATTENTION_URL = "https://app.box.com/folder/348304359911"
CAMPAIGN = {"campaign_id": "LC-2026-0042", "name": "Nutella Spring", "type": "Local comm", "status_before": "A1",
            "status_after": "A2", "folder_id": "fe7fd548c98fe88cd77852e1dfcb5f8da9500438",
            "box_folder_url": "https://app.box.com/folder/348304357600", "dam_url": None}
ASSETS = [
    {"tracking_id": "K7Q2XM", "filename": "K7Q2XM_key-visual.jpg", "folder_path": "", "size": 120000,
     "url": "https://app.box.com/file/900000000004", "outcome": "uploaded", "rejection": []},
    {"tracking_id": "P3R7ZD", "filename": "P3R7ZD_banner 300x250.jpg", "folder_path": "Banners", "size": 45000,
     "url": "https://app.box.com/file/900000000005", "outcome": "adopted", "rejection": []},
]
MORE_MASTERS = [
    {"tracking_id": "T4VN8B", "filename": "T4VN8B_Nutella_Spring_KV_master_3000x2000_final_v3_approved.psd",
     "folder_path": "Key visuals/Print", "size": 88000000, "url": "https://app.box.com/file/900000000006",
     "outcome": "new_version", "rejection": []},
    {"tracking_id": "W2HC5R", "filename": "W2HC5R_instagram-story 1080x1920.mp4", "folder_path": "Social",
     "size": 23000000, "url": "https://app.box.com/file/900000000007", "outcome": "uploaded", "rejection": []},
]
REJECTION = [{"label": "Approver comment", "value": "Logo too small <b>fix</b> & resend"},
             {"label": "Approver", "value": "Giulia Bianchi"},
             {"label": "IA&CC comment", "value": "<script>alert(1)</script> wrong colour"},
             {"label": "Rejection reason", "value": "Brand guidelines"}]
FAILURES = [{"tracking_id": "H8W2NC", "filename": "H8W2NC_teaser 15s.mp4",
             "reason": "DAM GET /otmmapi/v6/assets/f6d1c0e8a2b94e0f/contents HTTP 503: service unavailable",
             "fix": "the next run retries this asset automatically"}]
QUARANTINED = [{"filename": "banner final.jpg", "reason": "'banner final.jpg' is not a V2 name",
                "fix": "rename to <TID>_<lang>_<description>.jpg, e.g. K7Q2XM_it-IT_banner final.jpg"},
               {"filename": "Q9ZZZZ_it-IT_spring leaflet A5.pdf",
                "reason": "'Q9ZZZZ_it-IT_spring leaflet A5.pdf': tracking id Q9ZZZZ is not known",
                "fix": "check the first 6 characters against the file you downloaded from Box, then rename to "
                       "<TID>_it-IT_spring leaflet A5.pdf"}]
IMPORTED = [dict(a, url=None, outcome="imported", filename=a["tracking_id"] + "_it-IT_" + name)
            for a, name in zip(ASSETS, ("key visual.jpg", "banner 300x250.jpg"))]
DAM_FOLDERS = {"dam": {"folders": {"master_assets": "Master Assets", "final_assets": "Final Assets"}}}


class _Config(object):
    """The part of a runtime the next-steps texts read (the configured DAM folder names)."""
    config = DAM_FOLDERS


def _ctx(workflow, next_steps, status_after="A2", **extra):
    campaign = dict(CAMPAIGN, status_after=status_after)
    ctx = {"workflow": workflow, "run_id": "3f9c2a1b7d4e", "generated_at": "2026-11-24T19:00:00Z",
           "campaign": campaign, "assets": ASSETS, "failures": [], "quarantined": [], "next_steps": next_steps,
           "inbox_url": None, "needs_attention_url": None, "notices": []}
    ctx.update(extra)
    ctx["counts"] = tally(ctx["assets"], ctx["failures"], ctx["quarantined"])
    return ctx


def _partial_next_steps(status, failed):
    return ("The status stays {}. The next run retries only the {} asset(s) that failed; the others are already "
            "in Box.".format(status, failed))


def _campaign(before, after, **extra):
    return dict(CAMPAIGN, status_before=before, status_after=after, **extra)


def sample_contexts():
    rt = _Config()
    return {
        "a1_to_a2_complete": _ctx("A1→A2", A1_TO_A2.done_next_steps, assets=ASSETS + MORE_MASTERS,
                                  inbox_url=INBOX_URL),
        "a1_to_a2_partial": _ctx("A1→A2", _partial_next_steps("A1", 1), failures=FAILURES, status_after="A1"),
        "a1_to_a2_no_assets": _ctx("A1→A2", empty_next_steps(A1_TO_A2, rt), assets=[], status_after="A1"),
        "a5_to_a6_rejections": _ctx("A5→A6", A5_TO_A6.done_next_steps,
                                    assets=[dict(a, rejection=REJECTION) for a in ASSETS],
                                    campaign=_campaign("A5", "A6"), inbox_url=INBOX_URL),
        "a5_to_a6_partial": _ctx("A5→A6", _partial_next_steps("A5", 1), failures=FAILURES,
                                 assets=[dict(ASSETS[0], rejection=REJECTION)], campaign=_campaign("A5", "A5")),
        "a5_to_a6_no_rejections": _ctx("A5→A6", empty_next_steps(A5_TO_A6, rt), assets=[],
                                       campaign=_campaign("A5", "A5")),
        "b1_to_b2_complete": _ctx("B1→B2", B1_TO_B2.done_next_steps, campaign=_campaign(
            "B1", "B2", campaign_id="GM-2026-0007", type="Global comm")),
        "b1_to_b2_partial": _ctx("B1→B2", _partial_next_steps("B1", 1), failures=FAILURES, campaign=_campaign(
            "B1", "B1", campaign_id="GM-2026-0007", type="Global comm")),
        "b1_to_b2_no_assets": _ctx("B1→B2", empty_next_steps(B1_TO_B2, rt), assets=[], campaign=_campaign(
            "B1", "B1", campaign_id="GM-2026-0007", type="Global comm")),
        "a2_to_a3_file_uploaded": _ctx(
            "A2→A3", "1 of 4 masters have a localised file. The campaign moves to A3 when all have one.",
            assets=IMPORTED[:1], quarantined=QUARANTINED, campaign=_campaign("A2", "A2", box_folder_url=None), inbox_url=INBOX_URL,
            needs_attention_url=NEEDS_ATTENTION_URL),
        "a2_to_a3_complete": _ctx(
            "A2→A3", "Every master has its localised file in the DAM's Final Assets. The campaign is now in A3 for "
                     "review.", assets=IMPORTED, campaign=_campaign("A2", "A3", box_folder_url=None)),
        "daily_summary_report": {
            "date": "2026-11-24", "generated_at": "2026-11-24T19:00:00+01:00",
            "workflows": [{"workflow": w, "campaigns_advanced": c, "assets_moved": a, "failures": f,
                           "rejections": r, "quarantined": q}
                          for w, c, a, f, r, q in (("A1→A2", 2, 9, 7, 0, 0), ("A5→A6", 1, 2, 0, 2, 0),
                                                   ("B1→B2", 0, 0, 0, 0, 0), ("A2→A3", 1, 9, 0, 0, 1))],
            "failures": [{"workflow": "A1→A2", "campaign_id": "LC-2026-0043", "tracking_id": "H8W2NC",
                          "reason": "DAM GET /otmmapi/v6/assets/f6d1c0e8a2b94e0f/contents HTTP 503",
                          "at": "2026-11-24 10:05", "resolved": "2026-11-24 10:35"}],
            "not_started": [{"workflow": "A1→A2", "count": 6, "first": "08:00", "last": "08:25",
                             "resolved_at": "08:30", "message": "Database: cannot connect to PostgreSQL"}],
            "channels": [{"channel": "webhook", "ticks": 4, "since": "2026-11-24 09:00",
                          "last_error": "network error: cannot reach hooks.example.com:443 (connection refused)"}],
            "certificate": {"days_left": 25, "expires": "2026-12-19"},
            "inbox_waiting": 3,
            "stuck": [{"workflow": "A1→A2", "campaign_id": "LC-2026-0043", "state": "partial",
                       "since": "2026-11-24 08:00", "last_error": "1 of 2 assets failed"}],
            "problems": [{"workflow": "A1→A2", "campaign_id": "LC-2026-0043", "attempts": 7,
                          "next_try": "2026-11-24 20:05", "last_error": "1 of 2 assets failed"}],
            "waiting": [{"workflow": "A2→A3", "campaign_id": "LC-2026-0043", "since": "2026-11-20 09:15",
                         "waits_for": "a localised file for 1 master(s): packshot.png (70Z6J8)"}],
            "totals": {"campaigns_advanced": 4, "assets_moved": 20, "failures": 7, "not_started": 6,
                       "rejections": 2, "quarantined": 1},
            "moves": [{"campaign_id": "LC-2026-0042", "name": "Nutella Spring", "workflow": "A1→A2",
                       "change": "A1 → A2", "now": "A2", "at": "10:35"},
                      {"campaign_id": "LC-2026-0039", "name": "Kinder Bueno Summer", "workflow": "A5→A6",
                       "change": "A5 → A6", "now": "A6", "at": "14:10"}],
            "trend": sample_trend()},
        "run_error": {"workflow": "A1→A2", "run_id": "3f9c2a1b7d4e", "generated_at": "2026-11-24T10:05:00Z",
                      "date": "2026-11-24", "error": "DAM POST /otmmapi/v6/search/text: network error",
                      "fix": "check DAM_BASE_URL and that the DAM is up; the next run retries automatically",
                      "wrong": "The DAM (OpenText Media Management) does not answer.",
                      "done": "Every workflow stops at the start of its run, before it changes anything, and tries "
                              "again on its next run (every five minutes).",
                      "campaign": None, "attempts": None},
    }


def sample_trend():
    """Fourteen days of figures for the daily report's trend chart: a busy A1→A2, a quiet B1→B2."""
    end = datetime.date(2026, 11, 24)
    days = [end - datetime.timedelta(days=TREND_DAYS - 1 - i) for i in range(TREND_DAYS)]
    moved = [4, 0, 7, 12, 3, 0, 0, 9, 15, 6, 2, 0, 8, 9]
    return trend_context(days, [("A1→A2", [(m, {3: 1, 13: 7}.get(i, 0)) for i, m in enumerate(moved)]),
                                ("A5→A6", [(i % 3, 0) for i in range(TREND_DAYS)]),
                                ("B1→B2", [(0, 0)] * TREND_DAYS),
                                ("A2→A3", [(m // 2, 0) for m in moved])])
