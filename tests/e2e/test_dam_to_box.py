"""The three DAM -> Box workflows run as real scripts against the sandboxes, a real PostgreSQL and SMTP server."""
from tests.e2e.helpers import box_files, db_rows, html_of, subjects


def test_a1_to_a2_delivers_every_master_then_stays_quiet(lab):
    result = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0042")
    assert result.returncode == 0, result.stdout
    tree = lab.box.tree(lab.box.roots["a1_a2"])
    files = box_files(tree["folders"]["LC-2026-0042 - Nutella Spring"])
    dam = {a["name"]: a for a in lab.otmm.snapshot()["LC-2026-0042"]["assets"]}
    masters = {r["original_filename"]: r for r in db_rows(lab, "SELECT * FROM master_assets")}
    assert len(files) == 5 and len(masters) == 5
    for name, row in masters.items():
        expected_path = "/".join(p for p in (row["dam_folder_path"], "{}_{}".format(row["tracking_id"], name)) if p)
        assert files[expected_path]["sha1"] == dam[name]["sha1"] == row["sha1"]
        assert row["box_file_id"] == files[expected_path]["id"] and len(row["tracking_id"]) == 6
    assert "Banners/Animated/{}_teaser.mp4".format(masters["teaser.mp4"]["tracking_id"]) in files
    assert lab.otmm.campaign_status("LC-2026-0042") == "A2"
    assert subjects(lab) == ["[A1→A2] LC-2026-0042 Nutella Spring: 5 master asset(s) delivered to Box"]
    message = lab.smtp.messages()[0]
    assert "agency-milano@example.com" in str(message["To"])
    assert all(r["tracking_id"] in html_of(message) for r in masters.values())
    assert [e["payload"]["event"] for e in lab.webhook.events] == ["a1_a2.completed"]
    assert lab.webhook.events[0]["signature_valid"] is True
    again = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0042")
    assert again.returncode == 0 and "is in status A2, not A1: nothing to do" in again.stdout
    assert len(lab.smtp.messages()) == 1 and len(lab.webhook.events) == 1
    assert len(box_files(lab.box.tree(lab.box.roots["a1_a2"]))) == 5


def test_partial_failure_then_retry_moves_only_what_is_missing(lab):
    teaser = next(a for a in lab.otmm.snapshot()["LC-2026-0042"]["assets"] if a["name"] == "teaser.mp4")
    lab.otmm.middleware.set_faults([{"path": "/assets/{}/contents".format(teaser["asset_id"]), "status": 503}])
    first = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0042", env={"DAM_RETRY_ATTEMPTS": "1"})
    assert first.returncode == 1
    assert lab.otmm.campaign_status("LC-2026-0042") == "A1"
    assert len(box_files(lab.box.tree(lab.box.roots["a1_a2"]))) == 4
    partial = lab.smtp.messages()[0]
    assert "1 asset(s) failed, status stays A1" in str(partial["Subject"])
    assert "teaser.mp4" in html_of(partial) and "HTTP 503" in html_of(partial)
    state = db_rows(lab, "SELECT state, attempts, next_attempt_at FROM workflow_state")[0]
    assert state["state"] == "partial" and state["attempts"] == 1 and state["next_attempt_at"] is not None
    other = lab.run_script("a1_to_a2_download")  # the next cron tick leaves the failing campaign to its back-off
    assert other.returncode == 0 and lab.otmm.campaign_status("LC-2026-0042") == "A1"
    assert lab.otmm.campaign_status("LC-2026-0043") == "A2"  # ...and takes the next campaign instead
    lab.otmm.middleware.set_faults([])
    lab.box.middleware.reset_counters()
    second = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0042")
    assert second.returncode == 0, second.stdout
    uploads = lab.box.middleware.snapshot()["by_endpoint"]
    assert uploads.get("POST /api/2.0/files/content") == 1
    files = box_files(lab.box.tree(lab.box.roots["a1_a2"])["folders"]["LC-2026-0042 - Nutella Spring"])
    assert len(files) == 5 and all(f["versions"] == 1 for f in files.values())
    assert lab.otmm.campaign_status("LC-2026-0042") == "A2"
    assert sum("LC-2026-0042 Nutella Spring: 5 master asset(s) delivered" in s for s in subjects(lab)) == 1


def test_empty_campaign_is_reported_once_and_keeps_its_status(lab):
    for _ in range(2):
        result = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0044")
        assert result.returncode == 0
    assert subjects(lab) == ["[A1→A2] LC-2026-0044 Ferrero Rocher Empty: no master assets to deliver"]
    assert lab.otmm.campaign_status("LC-2026-0044") == "A1"


def test_a5_to_a6_sends_back_only_not_approved_with_their_tracking_ids(lab):
    result = lab.run_script("a5_to_a6_download")
    assert result.returncode == 0, result.stdout
    files = box_files(lab.box.tree(lab.box.roots["a5_a6"]))
    assert sorted(files) == ["LC-2026-0050 - Raffaello Summer/K7Q2XM_it-IT_Raffaello banner.jpg",
                             "LC-2026-0050 - Raffaello Summer/P3R7ZD_it-IT_Raffaello poster.pdf"]
    assert lab.otmm.campaign_status("LC-2026-0050") == "A6"
    message = lab.smtp.messages()[0]
    html = html_of(message)
    assert "2 rejected asset(s) sent back for rework" in str(message["Subject"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt; wrong colour" in html and "<script>" not in html
    assert "Claim &#39;best&#39; needs a footnote" in html and "Giulia Bianchi" in html
    # the rework email says where the agency uploads the reworked files: the A2→A3 inbox, linked
    assert 'href="https://app.box.com/folder/{}"'.format(lab.box.roots["a2_a3"]) in html
    assert "uploads it again to the A2→A3 inbox" in message.get_body(("plain",)).get_content()
    log = lab.log_text("a5_to_a6")
    assert log.count("NOT APPROVED: sending it back") == 2
    assert "Raffaello social" not in log and "Raffaello leaflet" not in log
    tids = {r["tracking_id"] for r in db_rows(lab, "SELECT tracking_id FROM transfer_items")}
    assert tids == {"K7Q2XM", "P3R7ZD"}


def test_b1_to_b2_takes_only_global_campaigns_with_masters_prefix_and_no_webhook(lab):
    first = lab.run_script("b1_to_b2_download")
    assert first.returncode == 0, first.stdout
    tree = lab.box.tree(lab.box.roots["b1_b2"])
    assert list(tree["folders"]) == ["MASTERS_GM-2026-0007 - Nutella Global Masters"]
    assert len(box_files(tree)) == 2
    assert lab.otmm.campaign_status("GM-2026-0007") == "B2"
    second = lab.run_script("b1_to_b2_download")
    assert second.returncode == 0 and "No B1 campaigns found" in second.stdout
    assert lab.otmm.campaign_status("LC-2026-0060") == "B1"
    assert lab.webhook.events == []
    assert subjects(lab) == ["[B1→B2] GM-2026-0007 Nutella Global Masters: 2 global master(s) delivered to Box"]


def test_mtls_run_with_auth_pfx(lab):
    result = lab.run_script("a1_to_a2_download", "--auth-pfx", "--campaign", "LC-2026-0043")
    assert result.returncode == 0, result.stdout
    assert lab.otmm.campaign_status("LC-2026-0043") == "A2"


LOADED_PROBE = """import atexit, runpy, sys
atexit.register(lambda: print("HEAVY", sorted(m for m in ("boxsdk", "jinja2") if m in sys.modules)))
sys.argv = ["scripts/b1_to_b2_download.py"]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_an_idle_tick_loads_neither_boxsdk_nor_jinja2(lab):
    """The engines name their Box client and notifier, yet a tick with nothing to do never loads what is behind
    them (docs/layout.md "How a tick runs"; the idle-tick budget)."""
    busy = lab.run_python(LOADED_PROBE)  # the one B1 campaign is delivered: Box and the email are needed
    assert busy.returncode == 0 and "HEAVY ['boxsdk', 'jinja2']" in busy.stdout, busy.stdout
    idle = lab.run_python(LOADED_PROBE)
    assert idle.returncode == 0 and "No B1 campaigns found" in idle.stdout, idle.stdout
    assert "HEAVY []" in idle.stdout


def test_an_expired_master_is_not_delivered_and_the_email_and_report_say_why(lab):
    """E18: OpenText's client skips expired assets like deleted ones; here the email and the daily report's failures
    name the asset, why it was not delivered and what to do, and the campaign still moves on."""
    teaser = next(a for a in lab.otmm.snapshot()["LC-2026-0042"]["assets"] if a["name"] == "teaser.mp4")
    lab.otmm.expire_asset(teaser["asset_id"])
    result = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0042")
    assert result.returncode == 0, result.stdout
    files = box_files(lab.box.tree(lab.box.roots["a1_a2"]))
    assert len(files) == 4 and not any(name.endswith("teaser.mp4") for name in files)
    assert lab.otmm.campaign_status("LC-2026-0042") == "A2"
    assert subjects(lab) == ["[A1→A2] LC-2026-0042 Nutella Spring: 4 master asset(s) delivered to Box"]
    message = lab.smtp.messages()[0]
    for text in (html_of(message), message.get_body(("plain",)).get_content()):
        assert "Banners/Animated/teaser.mp4" in text and "usage rights have expired in the DAM" in text
        assert "renew its rights" in text
    events = db_rows(lab, "SELECT level, message FROM asset_events WHERE event_type = 'asset_expired'")
    # an error-level event is a line of the daily report's failures (report_store.failures_between)
    assert len(events) == 1 and events[0]["level"] == "error" and teaser["asset_id"] in events[0]["message"]
