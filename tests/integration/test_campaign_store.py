"""scripts/shared/store/campaign_store.py on a real database: the kept Box folder, masters gone from the DAM, and
the one query of what each waiting campaign waits for (read by the daily report and status.py)."""
from scripts.shared.dam.dam_types import Campaign
from scripts.shared.store import campaign_store, item_store, leases, tracking_ids


def claim(database, workflow, campaign):
    lease, reason = leases.claim_campaign(database, workflow, [Campaign(campaign, "f")], "run-1")
    assert reason == "claimed"
    return lease


def test_every_kind_of_wait_is_named_with_what_it_waits_for(database):
    # LC-1: delivered A1->A2, two masters, none localised yet; one of them is deleted in the DAM later
    lease = claim(database, "a1_a2", "LC-1")
    for tid, opentext_id, name in (("AAAAA1", "o1", "a.jpg"), ("AAAAA2", "o2", "b.jpg")):
        tracking_ids.store_master_asset(database, tid, opentext_id, "LC-1", workflow="a1_a2", original_filename=name)
    leases.finish_campaign(database, lease, "completed", total=2, done=2)
    # LC-2 failed and backs off; LC-3 owes its success email; LC-4 had an empty source folder
    leases.finish_campaign(database, claim(database, "a1_a2", "LC-2"), "partial", error="1 of 2 assets failed")
    leases.finish_campaign(database, claim(database, "a1_a2", "LC-3"), "notify_pending", error="email failed")
    leases.finish_campaign(database, claim(database, "b1_b2", "GM-4"), "no_assets")

    waits = {(w.workflow, w.campaign_id): w for w in campaign_store.waiting_campaigns(database)}
    assert set(waits) == {("a2_a3", "LC-1"), ("a1_a2", "LC-2"), ("a1_a2", "LC-3"), ("b1_b2", "GM-4")}
    assert waits["a2_a3", "LC-1"].waits_for == "localisation"
    assert waits["a2_a3", "LC-1"].missing == [("AAAAA1", "a.jpg"), ("AAAAA2", "b.jpg")]
    assert waits["a1_a2", "LC-2"].waits_for == "retry" and waits["a1_a2", "LC-2"].next_attempt_at is not None
    assert waits["a1_a2", "LC-2"].last_error == "1 of 2 assets failed"
    assert waits["a1_a2", "LC-3"].waits_for == "finishing"
    assert waits["b1_b2", "GM-4"].waits_for == "assets"
    assert campaign_store.due_master_checks(database, 6) == ["LC-1"]

    # the A2->A3 run checks LC-1's masters: b.jpg is deleted in the DAM; not expected any more
    a2 = claim(database, "a2_a3", "LC-1")
    assert campaign_store.masters_check_due(database, "LC-1", 6)
    assert [m.tracking_id for m in campaign_store.masters_to_check(database, "LC-1", [])] == ["AAAAA1", "AAAAA2"]
    assert [m.tracking_id for m in campaign_store.masters_to_check(database, "LC-1", ["AAAAA2"], False)] == [
        "AAAAA2"]
    campaign_store.mark_master_gone(database, a2, "AAAAA2", "deleted")
    campaign_store.mark_masters_checked(database, a2)
    assert campaign_store.due_master_checks(database, 6) == []
    assert not campaign_store.masters_check_due(database, "LC-1", 6)
    assert campaign_store.masters_check_due(database, "LC-1", 0)
    assert item_store.localisation_progress(database, "LC-1") == (1, 0)
    assert [m.original_filename for m in campaign_store.gone_masters(database, "LC-1")] == ["b.jpg"]
    (lc1,) = [w for w in campaign_store.waiting_campaigns(database) if w.campaign_id == "LC-1"]
    assert lc1.missing == [("AAAAA1", "a.jpg")]


def test_the_box_folder_is_kept_per_workflow_and_campaign(database):
    lease = claim(database, "a1_a2", "LC-1")
    assert campaign_store.kept_box_folder(database, "a1_a2", "LC-1") is None
    campaign_store.keep_box_folder(database, lease, "4711")
    assert campaign_store.kept_box_folder(database, "a1_a2", "LC-1") == "4711"
    assert campaign_store.kept_box_folder(database, "a5_a6", "LC-1") is None
