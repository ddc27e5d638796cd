"""scripts/shared/workflows/inbox_to_dam.py on a real database: which inbox files the A2->A3 engine takes, and for
each one it cannot take, the reason and the rename or action that fixes it (the file itself is never deleted)."""
import argparse

from scripts.shared.box.box_types import InboxFile
from scripts.shared.dam.dam_types import Campaign
from scripts.shared.store import item_store, leases, tracking_ids
from scripts.shared.workflows import inbox_to_dam

TID = "K7M2QX"


def inbox_file(file_id, name, size=100, sha1="s1"):
    return InboxFile(file_id=file_id, name=name, size=size, sha1=sha1, folder_path=[], parent_id="inbox",
                     etag="1", version_id="v-" + file_id)


def rt(database, max_file_bytes=1000):
    config = {"a2_a3": {"languages": ["de", "it", "en-GB"]}, "transfer": {"max_file_bytes": max_file_bytes}}
    return argparse.Namespace(config=config, db=database)


def sort(database, *files, **kw):
    good, bad = inbox_to_dam._sort_files(rt(database, **kw), list(files))
    return [(e.file.name, e.name.tracking_id, e.name.language, e.master.tracking_id) for e in good], \
        dict((f.name, (exc.message, exc.fix)) for f, exc in bad)


def test_a_v2_named_file_of_a_known_master_is_taken_with_its_master(database):
    tracking_ids.store_master_asset(database, TID, "o1", "LC-2026-0042", workflow="a1_a2", dam_folder_path="Key")
    good, bad = sort(database, inbox_file("b1", "k7m2qx_de_Banner.jpg"))
    assert good == [("k7m2qx_de_Banner.jpg", TID, "de", TID)] and bad == {}


def test_files_that_cannot_be_taken_each_get_their_reason_and_fix(database):
    tracking_ids.store_master_asset(database, TID, "o1", "LC-2026-0042", workflow="a1_a2", dam_folder_path="Key")
    good, bad = sort(database, inbox_file("b1", "banner.jpg"), inbox_file("b2", TID + "_de_empty.jpg", size=0),
                     inbox_file("b3", TID + "_de_huge.jpg", size=1001),
                     inbox_file("b4", "A1B2C3_de_unknown.jpg"), inbox_file("b5", TID + "_fr_banner.jpg"))
    assert good == []
    assert "not a V2 name" in bad["banner.jpg"][0]
    assert "is empty (0 bytes)" in bad[TID + "_de_empty.jpg"][0] and "upload the file again" in bad[
        TID + "_de_empty.jpg"][1]
    assert "is 1001 bytes, over the 1000 bytes limit" in bad[TID + "_de_huge.jpg"][0]
    message, fix = bad["A1B2C3_de_unknown.jpg"]
    assert "tracking id A1B2C3 is not known" in message and "<TID>_de_unknown.jpg" in fix
    assert "language 'fr' is not allowed" in bad[TID + "_fr_banner.jpg"][0]


def test_two_identical_copies_are_taken_once_and_bytes_imported_before_are_not_imported_again(database):
    tracking_ids.store_master_asset(database, TID, "o1", "LC-2026-0042", workflow="a1_a2", dam_folder_path="Key")
    good, bad = sort(database, inbox_file("b1", TID + "_de_a.jpg"), inbox_file("b2", TID + "_de_b.jpg"))
    assert [g[0] for g in good] == [TID + "_de_a.jpg"]
    assert "identical to '{}_de_a.jpg' uploaded alongside it".format(TID) in bad[TID + "_de_b.jpg"][0]
    lease, _ = leases.claim_campaign(database, "a2_a3", [Campaign("LC-2026-0042")], "run-1")
    row = item_store.claim_derivative(database, lease, TID, inbox_file("b0", TID + "_de_first.jpg"),
                                      "LC-2026-0042", "de", "first")
    item_store.update_derivative(database, lease, row.id, state="cleaned", dam_asset_id="d9")
    good, bad = sort(database, inbox_file("b1", TID + "_DE_again.jpg"))
    assert good == [] and "identical to {}_de_first.jpg already imported into the DAM (asset d9)".format(TID) in bad[
        TID + "_DE_again.jpg"][0]
