"""Sample data for every email template (scripts/preview_emails.py and the template tests)."""

CAMPAIGN = {"campaign_id": "LC-2026-0042", "name": "Nutella Spring", "type": "Local comm", "status_before": "A1",
            "status_after": "A2", "folder_id": "fe7fd548c98fe88cd77852e1dfcb5f8da9500438",
            "box_folder_url": "https://app.box.com/folder/348304357600", "dam_url": None}
ASSETS = [
    {"tracking_id": "K7Q2XM", "filename": "K7Q2XM_key-visual.jpg", "folder_path": "", "size": 120000,
     "url": "https://app.box.com/file/900000000004", "outcome": "uploaded", "rejection": []},
    {"tracking_id": "P3R7ZD", "filename": "P3R7ZD_banner 300x250.jpg", "folder_path": "Banners", "size": 45000,
     "url": "https://app.box.com/file/900000000005", "outcome": "adopted", "rejection": []},
]
REJECTION = [{"label": "Approver comment", "value": "Logo too small <b>fix</b> & resend"},
             {"label": "Approver", "value": "Giulia Bianchi"},
             {"label": "IA&CC comment", "value": "<script>alert(1)</script> wrong colour"},
             {"label": "Rejection reason", "value": "Brand guidelines"}]
FAILURES = [{"tracking_id": "H8W2NC", "filename": "teaser.mp4",
             "reason": "DAM GET /otmmapi/v6/assets/f6d.../contents HTTP 503: service unavailable",
             "fix": "the next run retries this asset automatically"}]
QUARANTINED = [{"filename": "banner final.jpg", "reason": "'banner final.jpg' is not a V2 name",
                "fix": "rename to <TID>_<lang>_<description>.jpg"}]


def _ctx(workflow, status_after="A2", **extra):
    campaign = dict(CAMPAIGN, status_after=status_after)
    ctx = {"workflow": workflow, "run_id": "3f9c2a1b7d4e", "generated_at": "2026-11-24T19:00:00Z",
           "campaign": campaign, "assets": ASSETS, "failures": [], "quarantined": [],
           "next_steps": "The agency localises each file and uploads it to the A2→A3 inbox."}
    ctx.update(extra)
    return ctx


def sample_contexts():
    unchanged = dict(status_after="A1")
    return {
        "a1_to_a2_complete": _ctx("A1→A2"),
        "a1_to_a2_partial": _ctx("A1→A2", failures=FAILURES, **unchanged),
        "a1_to_a2_no_assets": _ctx("A1→A2", assets=[], **unchanged),
        "a5_to_a6_rejections": _ctx("A5→A6", assets=[dict(a, rejection=REJECTION) for a in ASSETS],
                                    campaign=dict(CAMPAIGN, status_before="A5", status_after="A6")),
        "a5_to_a6_partial": _ctx("A5→A6", failures=FAILURES, campaign=dict(CAMPAIGN, status_before="A5",
                                                                           status_after="A5")),
        "a5_to_a6_no_rejections": _ctx("A5→A6", assets=[], campaign=dict(CAMPAIGN, status_before="A5",
                                                                         status_after="A5")),
        "b1_to_b2_complete": _ctx("B1→B2", campaign=dict(CAMPAIGN, campaign_id="GM-2026-0007", type="Global comm",
                                                         status_before="B1", status_after="B2")),
        "b1_to_b2_partial": _ctx("B1→B2", failures=FAILURES, campaign=dict(CAMPAIGN, status_before="B1",
                                                                           status_after="B1")),
        "b1_to_b2_no_assets": _ctx("B1→B2", assets=[], campaign=dict(CAMPAIGN, status_before="B1",
                                                                     status_after="B1")),
        "a2_to_a3_file_uploaded": _ctx("A2→A3", quarantined=QUARANTINED, campaign=dict(
            CAMPAIGN, status_before="A2", status_after="A2")),
        "a2_to_a3_complete": _ctx("A2→A3", campaign=dict(CAMPAIGN, status_before="A2", status_after="A3")),
        "daily_summary_report": {
            "date": "2026-11-24", "generated_at": "2026-11-24T19:00:00+01:00",
            "workflows": [{"workflow": w, "campaigns_advanced": 1, "assets_moved": 5, "failures": f, "rejections": r,
                           "quarantined": q} for w, f, r, q in (("A1→A2", 1, 0, 0), ("A5→A6", 0, 2, 0),
                                                                 ("B1→B2", 0, 0, 0), ("A2→A3", 0, 0, 1))],
            "failures": [{"workflow": "A1→A2", "campaign_id": "LC-2026-0043", "tracking_id": "H8W2NC",
                          "reason": "DAM HTTP 503", "at": "2026-11-24 10:05", "resolved": "2026-11-24 10:35"}],
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
            "totals": {"campaigns_advanced": 4, "assets_moved": 20, "failures": 1, "rejections": 2,
                       "quarantined": 1}},
        "run_error": {"workflow": "A1→A2", "run_id": "3f9c2a1b7d4e", "generated_at": "2026-11-24T10:05:00Z",
                      "date": "2026-11-24", "error": "DAM POST /otmmapi/v6/search/text: network error",
                      "fix": "check DAM_BASE_URL and that the DAM is up; the next run retries automatically",
                      "campaign": None, "attempts": None},
    }
