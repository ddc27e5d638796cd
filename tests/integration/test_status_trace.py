"""status.py's report, trace.py's findings and the tick's metrics on a real database holding every state the
engines leave (built with the store's own functions, the calls the engines make): a campaign in flight, one
backing off, ones waiting (email owed, no assets, localisation awaited), a failing asset, a quarantined file, a
superseded final, a notification that failed. Both read in a READ ONLY transaction."""
import json
import os

import jsonschema
import psycopg2
import pytest
from prometheus_client.parser import text_string_to_metric_families

from scripts.shared.box.box_types import InboxFile
from scripts.shared.dam.dam_types import Campaign, DamAsset
from scripts.shared.notify import job_metrics, status_view, trace_view
from scripts.shared.store import events, item_store, leases, status_store, tracking_ids
from scripts.shared.store.notifications import NotificationStore

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA = os.path.join(ROOT, "docs", "status.schema.json")


def _config(db_config, tmp_path):
    return {"database": db_config, "notifications": {"state_dir": str(tmp_path / "state")}, "dam": {}}


def _claim(db, workflow, number, name=None):
    lease, reason = leases.claim_campaign(db, workflow, [Campaign(campaign_id=number, folder_id="dam-" + number,
                                                          name=name or "Campaign " + number)], "run-" + number)
    assert reason == "claimed"
    return lease


def _asset(asset_id, name):
    return DamAsset(asset_id=asset_id, name=name, folder_path=[], size=1000, mime_type="image/jpeg", checksum=None,
                    version="1", master_content_id=None, import_job_id=None, metadata={}, typed_metadata={},
                    raw={})


def _every_state(db):
    """The states of a working suite, as the engines write them. Returns the tracking ids of note."""
    # LC-DONE: A1->A2 delivered two masters (one localised twice in Italian: the first final superseded), waiting for
    # the second's localised file
    lease = _claim(db, "a1_a2", "LC-DONE", "Nutella Summer")
    items = item_store.ensure_transfer_items(db, lease, "a1_a2", "LC-DONE", [_asset("ot-1", "summer banner.psd"),
                                                                             _asset("ot-2", "summer poster.psd")])
    tids = {}
    for opentext_id, row in sorted(items.items()):
        tid = tracking_ids.find_or_create_tracking_id(db, opentext_id, "LC-DONE", row.original_filename, "a1_a2").tracking_id
        tracking_ids.store_master_asset(db, tid, opentext_id, "LC-DONE", box_file_id="box-" + opentext_id, workflow="a1_a2",
                              original_filename=row.original_filename, box_folder_id="boxf-LC-DONE",
                              box_file_name="{}_{}".format(tid, row.original_filename), lease=lease)
        item_store.update_transfer_item(db, lease, row.id, state="done", tracking_id=tid, box_file_id="box-" +
                                        opentext_id, box_folder_id="boxf-LC-DONE", box_outcome="uploaded")
        events.record_event(db, "a1_a2", "asset_delivered", row.original_filename, campaign_id="LC-DONE", tracking_id=tid,
                        opentext_id=opentext_id, box_file_id="box-" + opentext_id)
        tids[opentext_id] = tid
    leases.finish_campaign(db, lease, "completed", total=2, done=2)
    banner = tids["ot-1"]
    inbox = _claim(db, "a2_a3", "LC-DONE")
    first = item_store.claim_derivative(db, inbox, banner, InboxFile("bx-it-1", banner + "_it-IT_banner.jpg", 10,
                                                                      "a" * 40, [], "inbox", "e1", "v1"),
                                        "LC-DONE", "it-IT", "banner")
    item_store.update_derivative(db, inbox, first.id, state="cleaned", dam_asset_id="dam-final-1")
    second = item_store.claim_derivative(db, inbox, banner, InboxFile("bx-it-2", banner + "_it-IT_banner v2.jpg", 12,
                                                                       "b" * 40, [], "inbox", "e2", "v7"),
                                         "LC-DONE", "it-IT", "banner v2")
    second = item_store.update_derivative(db, inbox, second.id, state="cleaned", dam_asset_id="dam-final-2")
    item_store.supersede_earlier(db, inbox, second)
    events.record_event(db, "a2_a3", "file_imported", "banner v2 -> DAM asset dam-final-2", campaign_id="LC-DONE",
                    tracking_id=banner, box_file_id="bx-it-2")
    leases.finish_campaign(db, inbox, "released", total=2, done=1)
    events.record_event(db, "a2_a3", "file_quarantined", "tracking id ZZZZZZ is not known", box_file_id="bx-bad",
                    level="warning", details={"filename": "ZZZZZZ_it_unknown.jpg"})
    # LC-FAIL: one asset failed, the campaign backs off
    lease = _claim(db, "a1_a2", "LC-FAIL")
    items = item_store.ensure_transfer_items(db, lease, "a1_a2", "LC-FAIL", [_asset("ot-9", "broken.tif")])
    item_store.update_transfer_item(db, lease, items["ot-9"].id, state="failed", last_error="Box said 507")
    events.record_event(db, "a1_a2", "asset_failed", "Box said 507", campaign_id="LC-FAIL", opentext_id="ot-9",
                    level="error")
    leases.finish_campaign(db, lease, "partial", error="1 of 1 asset failed", total=1, failed=1)
    # LC-RUN: held by a live run; LC-OWED: its success email is owed; LC-EMPTY: nothing in the DAM yet
    _claim(db, "b1_b2", "LC-RUN")
    leases.finish_campaign(db, _claim(db, "a5_a6", "LC-OWED"), "notify_pending", total=3, done=3)
    leases.finish_campaign(db, _claim(db, "a1_a2", "LC-EMPTY"), "no_assets")
    # an email that could not be sent
    assert NotificationStore(db).notification_should_send("LC-FAIL", "a1_to_a2_partial", "h" * 64, "email")
    NotificationStore(db).notification_record("LC-FAIL", "a1_to_a2_partial", "h" * 64, "email", "failed", "SMTP 421")
    assert NotificationStore(db).notification_should_send("LC-DONE", "a1_to_a2_complete", "c" * 64, "email")
    NotificationStore(db).notification_record("LC-DONE", "a1_to_a2_complete", "c" * 64, "email", "sent")
    return tids


def test_the_status_names_every_state_and_asks_for_attention(database, db_config, tmp_path):
    config = _config(db_config, tmp_path)
    assert status_view.exit_code(status_view.collect(config, database)) == 0, "an empty suite needs nothing"
    _every_state(database)
    job_metrics.record_run(config, "a1_to_a2", 1000.0, 1004.5, 1)
    report = status_view.collect(config, database)
    jsonschema.validate(json.loads(status_view.to_json(report)), json.load(open(SCHEMA)))
    assert status_view.exit_code(report) == 1
    camps = report["campaigns"]
    assert [(c["campaign_id"], c["host"], c["pid"]) for c in camps["in_flight"]] == [
        ("LC-RUN", leases.lease_owner("x").split(":")[0], os.getpid())]
    [backing] = camps["backing_off"]
    assert backing["campaign_id"] == "LC-FAIL" and backing["attempts"] == 1 and backing["next_attempt_at"]
    assert backing["hint"] == "python scripts/a1_to_a2_download.py --campaign LC-FAIL"
    waiting = dict((c["campaign_id"], c) for c in camps["waiting"])
    assert waiting["LC-OWED"]["reason"] == "owed" and waiting["LC-EMPTY"]["reason"] == "no_assets"
    assert waiting["LC-DONE"]["reason"] == "localisation" and "(1 of 2 masters localised)" in waiting["LC-DONE"][
        "what"]
    assert report["failing_items_total"] == 1 and report["failing_items"][0]["name"] == "broken.tif"
    assert report["inbox"]["needs_attention_last_24h"] == 1
    assert [(n["campaign_id"], n["status"]) for n in report["notifications_owed"]] == [("LC-FAIL", "failed")]
    text = status_view.render_text(report)
    for words in ("NEEDS ATTENTION", "A1→A2 last run exited 1", "LC-FAIL: next try", "Box said 507",
                  "try it now: python scripts/a1_to_a2_download.py --campaign LC-FAIL", "LC-RUN: on ",
                  "waiting for the agency's localised files", "1 moved to '_Needs attention'", "SMTP 421",
                  "took 4.5 s"):
        assert words in text, words
    stages = dict((c["campaign_id"], c) for c in report["stages"])
    assert stages["LC-DONE"]["box_folder_url"] == "https://app.box.com/folder/boxf-LC-DONE"
    assert stages["LC-DONE"]["dam_folder_id"] == "dam-LC-DONE"


def test_status_and_trace_cannot_write(database):
    with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction):
        with status_store.snapshot(database) as cur:
            cur.execute("UPDATE workflow_state SET state = 'x'")


def test_trace_follows_an_asset_by_id_name_or_campaign(database, db_config):
    tids = _every_state(database)
    banner = tids["ot-1"]
    for query in (banner.lower(), "SUMMER BANNER", "ot-1", "bx-it-2", "dam-final-1", "box-ot-1"):
        found = trace_view.find(database, query)
        assert found["kind"] == "assets" and [a["tracking_id"] for a in found["assets"]] == [banner], query
    asset = trace_view.find(database, banner)["assets"][0]
    assert asset["master"]["box_file_id"] == "box-ot-1" and asset["master"]["opentext_id"] == "ot-1"
    finals = dict((d["dam_asset_id"], d) for d in asset["localisations"])
    assert finals["dam-final-2"]["current"] and not finals["dam-final-1"]["current"]
    assert finals["dam-final-1"]["superseded_by_file"] == banner + "_it-IT_banner v2.jpg"
    assert [e["event_type"] for e in asset["events"]] == ["asset_delivered", "file_imported"]
    assert [(n["template"], n["status"]) for n in asset["notifications"]] == [("a1_to_a2_complete", "sent")]
    text = trace_view.render_text(trace_view.find(database, "summer"))
    assert "2 assets match 'summer'" in text and "superseded by {}_it-IT_banner v2.jpg".format(banner) in text
    assert "DAM asset dam-final-2 [current final]" in text and "version v7" in text
    campaign = trace_view.find(database, "LC-FAIL")
    assert campaign["kind"] == "campaign" and campaign["campaign"]["assets"][0]["state"] == "failed"
    text = trace_view.render_text(campaign)
    assert "A1→A2: partial" in text and "Box said 507" in text and "a1_to_a2_partial failed; SMTP 421" in text
    nothing = trace_view.find(database, "no such thing 100%")
    assert nothing["kind"] == "none" and trace_view.exit_code(nothing) == 1


def test_metrics_file_parses_and_carries_the_tick(database, db_config, tmp_path):
    _every_state(database)
    config = _config(db_config, tmp_path)
    started = 0.0  # the whole history is this "tick"
    record = job_metrics.record_run(config, "a1_to_a2", started, 12.25, 0)
    with status_store.snapshot(database) as cur:
        figures = status_store.tick_figures(cur, "a1_a2", __import__("datetime").datetime.fromtimestamp(0).astimezone())
        figures.update(status_store.backlog(cur, "a1_a2"))
    path = str(tmp_path / "metrics" / "a1_to_a2.prom")
    job_metrics.write_atomically(path, job_metrics.render_metrics("a1_to_a2", record, figures))
    values = {}
    for family in text_string_to_metric_families(open(path).read()):
        assert family.type == "gauge" and family.name.startswith("dam_content_scaling_")
        for sample in family.samples:
            assert sample.labels == {"job": "a1_to_a2"}
            values[sample.name] = sample.value
    assert values["dam_content_scaling_last_run_duration_seconds"] == 12.25
    assert values["dam_content_scaling_last_run_exit_code"] == 0
    assert values["dam_content_scaling_last_success_timestamp_seconds"] == 12.25
    assert values["dam_content_scaling_last_run_assets_moved"] == 2  # two deliveries (the import is A2->A3's)
    assert values["dam_content_scaling_last_run_moved_bytes"] == 2000
    assert values["dam_content_scaling_last_run_failures"] == 1
    assert values["dam_content_scaling_failing_items"] == 1
    assert os.listdir(str(tmp_path / "metrics")) == ["a1_to_a2.prom"], "no temp file is left behind"
    job_metrics.record_run(config, "a1_to_a2", 20.0, 21.0, 1)
    assert job_metrics.read_run(config, "a1_to_a2")["last_success"] == 12.25, "a failed run keeps the last success"


def test_a_certificate_near_its_end_or_unreadable_needs_attention(database, db_config, tmp_path):
    report = status_view.collect(_config(db_config, tmp_path), database)
    assert report["attention"] == []
    report["certificate"] = {"path": "/etc/dam/client.pfx", "expires": "2027-01-01", "days_left": 12}
    assert status_view.attention(report) == ["the mTLS certificate expires in 12 day(s) (2027-01-01): request a "
                                             "renewal"]
    report["certificate"] = {"path": "/etc/dam/client.pfx", "error": "wrong password"}
    assert status_view.attention(report) == ["the mTLS certificate cannot be read: wrong password"]


def test_the_deployment_guide_alert_rules_name_metrics_the_ticks_write():
    import re
    import yaml
    guide = open(os.path.join(ROOT, "DEPLOYMENT_GUIDE.md"), encoding="utf-8").read()
    rules = yaml.safe_load(guide.split("```yaml\n")[1].split("```")[0])["groups"][0]["rules"]
    written = set(job_metrics.PREFIX + name for name, _ in job_metrics.METRICS)
    named = set(re.findall(r"dam_content_scaling_[a-z_]+", " ".join(r["expr"] for r in rules)))
    assert len(rules) == 3 and named and named <= written, named - written
    assert "--collector.textfile.directory=" in guide and "METRICS_DIR=" in guide
