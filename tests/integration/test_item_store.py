"""scripts/shared/store/item_store.py on a real database: transfer rows (DAM -> Box), derivative rows (Box inbox ->
DAM) and the questions the next run asks of them. Every write is fenced by the tick's lease."""
import pytest

from scripts.shared.core.errors import LeaseLostError, SuiteError
from scripts.shared.box.box_types import InboxFile
from scripts.shared.dam.dam_types import Campaign, DamAsset
from scripts.shared.store import events, item_store, leases, tracking_ids

def dam_asset(asset_id, name, folder_path, size=None):
    return DamAsset(asset_id, name, folder_path, size, *([None] * (len(DamAsset._fields) - 4)))


ASSETS = [dam_asset("o2", "b.jpg", ["Key", "Web"], 20), dam_asset("o1", "a.jpg", ["Key"], 10)]


def claim(database, workflow="a2_a3", campaign="LC-1", run_id="run-1"):
    lease, reason = leases.claim_campaign(database, workflow, [Campaign(campaign, "f")], run_id)
    assert reason == "claimed"
    return lease


def steal(database, lease):
    """Another run takes the campaign over after ``lease`` expired; returns the new owner's lease."""
    with database.cursor() as cur:
        cur.execute("UPDATE workflow_state SET lease_expires_at = now() - interval '1 second' WHERE workflow = %s "
                    "AND campaign_id = %s", (lease.workflow, lease.campaign_id))
    return claim(database, lease.workflow, lease.campaign_id, run_id="run-2")


def master(database, tid, opentext_id, campaign="LC-1", workflow="a1_a2", folder="Key/Web", **extra):
    tracking_ids.store_master_asset(database, tid, opentext_id, campaign, workflow=workflow, dam_folder_path=folder, **extra)


def box_file(file_id, sha1, name=None, version_id=None):
    return InboxFile(file_id=file_id, sha1=sha1, name=name or "{}.jpg".format(file_id), size=5,
                     folder_path=["inbox", "de"], parent_id="p", version_id=version_id, etag="1")


def derivative(database, lease, tid, file_id, sha1, language="de", state=None, campaign="LC-1", name=None):
    row = item_store.claim_derivative(database, lease, tid, box_file(file_id, sha1, name), campaign, language, "d")
    if state:
        row = item_store.update_derivative(database, lease, row.id, state=state)
    return row


def snapshot(database):
    """Every row the fenced writes could touch."""
    with database.cursor() as cur:
        tables = {}
        for table in ("transfer_items", "derivative_assets", "master_assets"):
            cur.execute("SELECT * FROM {} ORDER BY id".format(table))
            tables[table] = [dict(r) for r in cur.fetchall()]
        return tables


def test_ensure_transfer_items_adds_pending_rows_and_keeps_the_state_of_known_ones(database):
    """A second look at the campaign adds new assets as pending, keeps done ones done and takes the new name."""
    lease = claim(database, "a1_a2")
    rows = item_store.ensure_transfer_items(database, lease, "a1_a2", "LC-1", ASSETS)
    assert {k: (r.state, r.folder_path, r.file_size) for k, r in rows.items()} == \
        {"o1": ("pending", "Key", 10), "o2": ("pending", "Key/Web", 20)}
    item_store.update_transfer_item(database, lease, rows["o1"].id, state="done", tracking_id="K7Q2XM")
    renamed = [ASSETS[1]._replace(name="a2.jpg"), dam_asset("o3", "c.jpg", [])]
    rows = item_store.ensure_transfer_items(database, lease, "a1_a2", "LC-1", renamed)
    assert rows["o1"].state == "done" and rows["o1"].original_filename == "a2.jpg"
    assert rows["o3"].state == "pending" and len(rows) == 3
    assert [r.opentext_id for r in item_store.transfer_items(database, "a1_a2", "LC-1")] == ["o3", "o1", "o2"]
    known = item_store.transfer_states(database, "a1_a2", "LC-1")["o1"]
    assert (known.opentext_id, known.state, known.tracking_id) == ("o1", "done", "K7Q2XM")
    assert item_store.transfer_items(database, "a5_a6", "LC-1") == []


def test_update_transfer_item_stamps_done_and_counts_failed_attempts(database):
    """'failed' counts an attempt and keeps the error; 'done' stamps done_at; unknown names are not written."""
    lease = claim(database, "a1_a2")
    item = item_store.ensure_transfer_items(database, lease, "a1_a2", "LC-1", ASSETS[:1])["o2"]
    for n in range(2):
        item = item_store.update_transfer_item(database, lease, item.id, state="failed",
                                               last_error="503 #{}".format(n))
    assert (item.attempts, item.last_error, item.done_at) == (2, "503 #1", None)
    item = item_store.update_transfer_item(database, lease, item.id, state="done", box_file_id="b9", attempts=0,
                                           last_error=None)
    assert item.state == "done" and item.done_at is not None and item.box_file_id == "b9"
    assert item.attempts == 2 and item.last_error is None and item.claim_token == lease.claim_token


def test_a_row_deleted_under_a_run_is_a_clear_error_naming_it(database):
    """A transfer row a person deleted while the run worked on it: an error that names the row, not a TypeError."""
    lease = claim(database, "a1_a2")
    item = item_store.ensure_transfer_items(database, lease, "a1_a2", "LC-1", ASSETS[:1])["o2"]
    with database.cursor() as cur:
        cur.execute("DELETE FROM transfer_items WHERE id = %s", (item.id,))
    with pytest.raises(SuiteError, match="transfer_items row {} is gone".format(item.id)) as caught:
        item_store.update_transfer_item(database, lease, item.id, state="done")
    assert "next run" in caught.value.fix


def test_fenced_writes_with_a_stolen_lease_raise_and_change_nothing(database):
    """A run whose campaign was taken over cannot change a transfer row, a derivative or a master any more."""
    old = claim(database)
    master(database, "K7Q2XM", "o1")
    item = item_store.ensure_transfer_items(database, old, "a2_a3", "LC-1", ASSETS[1:])["o1"]
    der = derivative(database, old, "K7Q2XM", "b1", "s1", state="cleaned")
    steal(database, old)
    before = snapshot(database)
    writes = [lambda: item_store.update_transfer_item(database, old, item.id, state="done"),
              lambda: item_store.ensure_transfer_items(database, old, "a2_a3", "LC-1", ASSETS),
              lambda: item_store.update_derivative(database, old, der.id, state="failed", last_error="x"),
              lambda: item_store.claim_derivative(database, old, "K7Q2XM", box_file("b2", "s2"), "LC-1", "fr", ""),
              lambda: item_store.mark_reported(database, old, [der.id]),
              lambda: item_store.count_rework(database, old, "K7Q2XM"),
              lambda: item_store.supersede_earlier(database, old, der._replace(id=0, sha1="s9"))]
    for write in writes:
        with pytest.raises(LeaseLostError):
            write()
    assert snapshot(database) == before


def test_claim_derivative_makes_one_row_per_box_file_version(database):
    """The same Box file and bytes come back as the same row (its state says what is left); new bytes are a new row."""
    lease = claim(database)
    f = box_file("b1", "s1", version_id="v1")
    first = item_store.claim_derivative(database, lease, "K7Q2XM", f, "LC-1", "de-DE", "Web banner")
    assert (first.state, first.local_campaign_id, first.box_folder_path, first.box_version_id) == \
        ("claimed", "LC-1", "inbox/de", "v1")
    item_store.update_derivative(database, lease, first.id, state="downloaded")
    again = item_store.claim_derivative(database, lease, "K7Q2XM", f, "LC-1", "de-DE", "Web banner")
    assert again.id == first.id and again.state == "downloaded"
    newer = item_store.claim_derivative(database, lease, "K7Q2XM", f._replace(sha1="s2", version_id="v2"), "LC-1",
                                        "de-DE", "Web banner")
    assert newer.id != first.id and newer.state == "claimed"
    assert item_store.source_key(newer) == "b1/v2"
    assert item_store.source_key(newer._replace(box_version_id=None)) == "b1"


def test_update_derivative_stamps_each_state_and_keeps_metadata_as_json(database):
    """'imported' and 'cleaned' are time-stamped, 'failed' counts an attempt, metadata is stored as JSON."""
    lease = claim(database)
    row = derivative(database, lease, "K7Q2XM", "b1", "s1")
    row = item_store.update_derivative(database, lease, row.id, state="failed", last_error="DAM 503")
    assert (row.attempts, row.last_error, row.imported_at) == (1, "DAM 503", None)
    row = item_store.update_derivative(database, lease, row.id, state="imported", dam_asset_id="d1",
                                       metadata={"SOURCE_FILE_ID": "b1", "name": "a\x00b"})
    assert row.imported_at is not None and row.cleaned_at is None and row.dam_asset_id == "d1"
    assert row.metadata == {"SOURCE_FILE_ID": "b1", "name": "a\\x00b"}
    row = item_store.update_derivative(database, lease, row.id, state="cleaned", last_error=None)
    assert row.cleaned_at is not None and row.last_error is None and row.attempts == 1


def test_imported_duplicate_is_an_earlier_import_of_the_same_bytes_from_another_box_file(database):
    """Same master, language (any case) and bytes already imported from another Box file: that row is found."""
    lease = claim(database)
    derivative(database, lease, "K7Q2XM", "b0", "s1", state="claimed")
    done = derivative(database, lease, "K7Q2XM", "b1", "s1", language="de-DE", state="cleaned")
    hit = item_store.imported_duplicate(database, "K7Q2XM", "DE-de", "s1", "b2")
    assert hit is not None and hit.id == done.id
    assert item_store.imported_duplicate(database, "K7Q2XM", "de-DE", "s1", "b1") is None  # the same Box file
    assert item_store.imported_duplicate(database, "K7Q2XM", "de-DE", "s2", "b2") is None  # other bytes
    assert item_store.imported_duplicate(database, "K7Q2XM", "fr-FR", "s1", "b2") is None  # other language
    assert item_store.imported_duplicate(database, "K7Q2XN", "de-DE", "s1", "b2") is None  # other master


def test_supersede_earlier_replaces_earlier_finals_of_the_same_language_once(database):
    """A new final for a tracking id and language replaces the imported earlier ones with other bytes, once."""
    lease = claim(database)
    old1 = derivative(database, lease, "K7Q2XM", "b1", "s1", language="fr", state="cleaned", name="v1.jpg")
    old2 = derivative(database, lease, "K7Q2XM", "b2", "s2", language="FR", state="imported", name="v2.jpg")
    pending = derivative(database, lease, "K7Q2XM", "b3", "s3", language="fr", state="downloaded")
    other_lang = derivative(database, lease, "K7Q2XM", "b4", "s4", language="de", state="cleaned")
    new = derivative(database, lease, "K7Q2XM", "b5", "s5", language="fr", state="imported", name="v3.jpg")
    replaced = item_store.supersede_earlier(database, lease, new)
    assert sorted(r.id for r in replaced) == [old1.id, old2.id]
    assert [r.box_file_name for r in item_store.replaced_by(database, new.id)] == ["v1.jpg", "v2.jpg"]
    assert item_store.supersede_earlier(database, lease, new) == []
    with database.cursor() as cur:
        cur.execute("SELECT id FROM derivative_assets WHERE superseded_by IS NULL ORDER BY id")
        assert [r["id"] for r in cur.fetchall()] == [pending.id, other_lang.id, new.id]


def test_localisation_progress_counts_a1_a2_masters_with_an_imported_file(database):
    """(masters, localised): only the campaign's A1->A2 masters; only imported or cleaned derivatives count."""
    for tid, oid in (("K7Q2X1", "o1"), ("K7Q2X2", "o2"), ("K7Q2X3", "o3")):
        master(database, tid, oid)
    master(database, "K7Q2X4", "o4", workflow="a5_a6")
    master(database, "K7Q2X5", "o5", campaign="LC-2")
    assert item_store.localisation_progress(database, "LC-1") == (3, 0)
    lease = claim(database)
    derivative(database, lease, "K7Q2X1", "b1", "s1", state="cleaned")
    derivative(database, lease, "K7Q2X1", "b2", "s2", language="fr", state="imported")
    second = derivative(database, lease, "K7Q2X2", "b3", "s3", state="downloaded")
    derivative(database, lease, "K7Q2X4", "b4", "s4", state="cleaned")
    derivative(database, lease, "K7Q2X5", "b5", "s5", state="cleaned")
    assert item_store.localisation_progress(database, "LC-1") == (3, 1)
    item_store.update_derivative(database, lease, second.id, state="imported")
    assert item_store.localisation_progress(database, "LC-1") == (3, 2)
    assert item_store.localisation_progress(database, "LC-9") == (0, 0)


def test_unsettled_derivatives_lists_half_done_rows_with_their_master_folder(database):
    """claimed, downloaded and imported rows of the campaign are listed for the next run; settled ones are not."""
    master(database, "K7Q2XM", "o1", folder="Key/Print")
    lease = claim(database)
    for n, state in enumerate(("claimed", "downloaded", "imported", "cleaned", "failed")):
        derivative(database, lease, "K7Q2XM", "b{}".format(n), "s{}".format(n), state=state)
    derivative(database, lease, "K7Q2XM", "b9", "s9", campaign="LC-2", state="downloaded")
    rows = item_store.unsettled_derivatives(database, "LC-1")
    assert sorted((r.box_file_id, r.state, r.dam_folder_path) for r in rows) == \
        [("b0", "claimed", "Key/Print"), ("b1", "downloaded", "Key/Print"), ("b2", "imported", "Key/Print")]


def test_unreported_imports_until_mark_reported(database):
    """Cleaned derivatives not yet emailed are listed by name; once marked reported they are not listed again."""
    master(database, "K7Q2XM", "o1")
    lease = claim(database)
    z = derivative(database, lease, "K7Q2XM", "b1", "s1", state="cleaned", name="z.jpg")
    a = derivative(database, lease, "K7Q2XM", "b2", "s2", state="cleaned", name="a.jpg")
    derivative(database, lease, "K7Q2XM", "b3", "s3", state="imported", name="m.jpg")
    assert [r.id for r in item_store.unreported_imports(database, "LC-1")] == [a.id, z.id]
    item_store.mark_reported(database, lease, [a.id])
    assert [r.id for r in item_store.unreported_imports(database, "LC-1")] == [z.id]
    item_store.mark_reported(database, lease, [z.id])
    assert item_store.unreported_imports(database, "LC-1") == []


def test_localised_files_of_a_campaign_by_folder_and_name(database):
    """Every imported or cleaned file of the campaign's masters, ordered by DAM folder then file name."""
    master(database, "K7Q2X1", "o1", folder="B")
    master(database, "K7Q2X2", "o2", folder="A")
    lease = claim(database)
    derivative(database, lease, "K7Q2X1", "b1", "s1", state="cleaned", name="y.jpg")
    derivative(database, lease, "K7Q2X1", "b2", "s2", state="imported", name="x.jpg")
    derivative(database, lease, "K7Q2X2", "b3", "s3", state="cleaned", name="z.jpg")
    derivative(database, lease, "K7Q2X2", "b4", "s4", state="failed", name="w.jpg")
    assert [(r.dam_folder_path, r.box_file_name) for r in item_store.localised_files(database, "LC-1")] == \
        [("A", "z.jpg"), ("B", "x.jpg"), ("B", "y.jpg")]


def test_changed_while_imported_follows_the_refused_delete_of_that_version(database):
    """A recorded 'inbox_file_changed' for this Box file and SHA-1 says the newer version stayed in the inbox."""
    lease = claim(database)
    row = derivative(database, lease, "K7Q2XM", "b1", "s1", state="cleaned")
    assert not item_store.changed_while_imported(database, row)
    events.record_event(database, "a2_a3", "inbox_file_deleted", box_file_id="b1", details={"sha1": "s1"})
    events.record_event(database, "a2_a3", "inbox_file_changed", box_file_id="b1", details={"sha1": "s0"})
    assert not item_store.changed_while_imported(database, row)
    events.record_event(database, "a2_a3", "inbox_file_changed", box_file_id="b1", details={"sha1": "s1"})
    assert item_store.changed_while_imported(database, row)


def test_count_rework_and_rejection_sources_of_a_master(database):
    """Rework is counted on the master; rejection_sources gives its kept metadata and the last rejection seen."""
    master(database, "K7Q2XM", "o1", mvp_metadata={"TITLE": "Hero"}, asset_data={"id": "o1"})
    lease = claim(database, "a5_a6")
    item_store.count_rework(database, lease, "K7Q2XM")
    item_store.count_rework(database, lease, "K7Q2XM")
    row = item_store.master_by_tracking_id(database, "K7Q2XM")
    assert row.rework_count == 2 and row.last_rework_at is not None
    kept, seen = item_store.rejection_sources(database, "K7Q2XM", "o1")
    assert (kept.full_metadata, kept.mvp_metadata, seen) == ({"id": "o1"}, {"TITLE": "Hero"}, None)
    events.record_event(database, "a5_a6", "asset_rejection_seen", opentext_id="o1", details={"reason": "old"})
    events.record_event(database, "a5_a6", "asset_rejection_seen", opentext_id="o1", details={"reason": "logo too small"})
    events.record_event(database, "a5_a6", "asset_rejection_seen", opentext_id="o2", details={"reason": "other asset"})
    assert item_store.rejection_sources(database, "K7Q2XM", "o1")[1] == {"reason": "logo too small"}
    assert item_store.rejection_sources(database, "ZZZZZZ", "o9") == (None, None)
    assert item_store.master_by_tracking_id(database, "ZZZZZZ") is None
