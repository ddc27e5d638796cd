"""scripts/shared/workflows/dam_to_box.py: the decisions of the DAM -> Box engine, one at a time: which campaigns a
tick takes, what a delivered file is called in Box, what identifies a master's content, what the email lists."""
import argparse
import logging

from scripts.shared.dam.dam_types import Campaign, DamAsset
from scripts.shared.store.rows import TransferItem
from scripts.shared.workflows import dam_candidates, dam_to_box
from scripts.shared.workflows.workflow_specs import A1_TO_A2, A5_TO_A6, B1_TO_B2


def asset(**values):
    fields = dict.fromkeys(DamAsset._fields)
    fields.update(asset_id="o1", name="hero.jpg", folder_path=[], metadata={}, raw={})
    fields.update(values)
    return DamAsset(**fields)


class Dam(object):
    """The DAM as the engine asks it for candidates."""

    def __init__(self, *campaigns):
        self.campaigns = list(campaigns)
        self.asked = []

    def find_campaigns(self, status, campaign_type=None):
        self.asked.append((status, campaign_type))
        return [c for c in self.campaigns if c.status == status and c.type == campaign_type]

    def find_campaign(self, number_or_folder):
        return next((c for c in self.campaigns if number_or_folder in (c.campaign_id, c.folder_id)), None)


def rt(dam, campaign_id=None):
    return argparse.Namespace(dam=dam, args=argparse.Namespace(campaign_id=campaign_id))


def test_each_workflow_takes_its_names_from_its_key():
    assert (A1_TO_A2.label, A1_TO_A2.log_name, A1_TO_A2.box_root) == ("A1→A2", "a1_to_a2", "a1_a2")
    assert (A1_TO_A2.status_from, A1_TO_A2.status_to) == ("A1", "A2")
    assert [A5_TO_A6.template_complete, A5_TO_A6.template_partial, A5_TO_A6.template_empty] == [
        "a5_to_a6_rejections", "a5_to_a6_partial", "a5_to_a6_no_rejections"]
    assert B1_TO_B2.template_empty == "b1_to_b2_no_assets" and B1_TO_B2.folder_prefix == "MASTERS_"


def test_candidates_are_the_campaigns_in_the_source_status_and_type_a_missing_number_becomes_the_folder_id(caplog):
    dam = Dam(Campaign("LC-1", "f1", status="A1", type="Local comm"), Campaign(None, "f2", status="A1",
                                                                               type="Local comm"),
              Campaign("GC-1", "f3", status="A1", type="Global comm"))
    with caplog.at_level(logging.WARNING):
        found = dam_candidates.candidates(A1_TO_A2, rt(dam))
    assert [c.campaign_id for c in found] == ["LC-1", "f2"] and dam.asked == [("A1", "Local comm")]
    assert "Campaign folder f2 has no campaign number; using its folder id" in caplog.text


def test_a_named_campaign_is_taken_only_in_the_source_status_and_type_and_an_unknown_one_is_an_error(caplog):
    dam = Dam(Campaign("LC-1", "f1", status="A1", type="Local comm"), Campaign("LC-2", "f2", status="A2",
                                                                               type="Local comm"),
              Campaign("GC-1", "f3", status="A1", type="Global comm"))
    assert [c.campaign_id for c in dam_candidates.candidates(A1_TO_A2, rt(dam, "f1"))] == ["LC-1"]
    with caplog.at_level(logging.INFO):
        assert dam_candidates.candidates(A1_TO_A2, rt(dam, "LC-2")) == []
        assert dam_candidates.candidates(A1_TO_A2, rt(dam, "GC-1")) == []
        assert dam_candidates.candidates(A1_TO_A2, rt(dam, "LC-9")) is None
    assert "Campaign LC-2 is in status A2, not A1: nothing to do" in caplog.text
    assert "A1→A2 takes only 'Local comm' campaigns" in caplog.text
    assert "Campaign LC-9 not found in the DAM" in caplog.text


def test_the_box_campaign_folder_is_number_and_name_with_the_workflow_prefix():
    spring = Campaign("LC-1", "f1", name="Spring")
    assert dam_to_box._box_campaign_folder_name(A1_TO_A2, spring) == "LC-1 - Spring"
    assert dam_to_box._box_campaign_folder_name(B1_TO_B2, spring) == "MASTERS_LC-1 - Spring"
    assert dam_to_box._box_campaign_folder_name(A1_TO_A2, Campaign("LC-1", "f1")) == "LC-1"


def test_a_file_that_already_carries_its_tracking_id_is_not_prefixed_twice():
    assert dam_to_box._strip_tid_prefix("K7M2QX_de_banner.jpg", "K7M2QX") == "de_banner.jpg"
    assert dam_to_box._strip_tid_prefix("k7m2qx_de_banner.jpg", "K7M2QX") == "de_banner.jpg"
    assert dam_to_box._strip_tid_prefix("K7M2QX_de_banner.jpg", "A1B2C3") == "K7M2QX_de_banner.jpg"
    assert dam_to_box._strip_tid_prefix("hero.jpg", "K7M2QX") == "hero.jpg"


def test_the_tracking_id_in_a_v2_file_name_is_read_and_anything_else_is_none():
    assert dam_to_box._name_tracking_id("k7m2qx_de_banner.jpg") == "K7M2QX"
    assert dam_to_box._name_tracking_id("hero.jpg") is None
    assert dam_to_box._name_tracking_id("IOLU00_de_banner.jpg") is None  # look-alike letters are never a TID
    assert dam_to_box._name_tracking_id(None) is None


def test_what_identifies_a_masters_content_changes_with_its_version_size_or_checksum():
    first = asset(size=10, checksum="c1", raw={"version": 1})
    assert dam_to_box.dam_version(first) == "v=1|size=10|checksum=c1"
    changed = [asset(size=10, checksum="c1", raw={"version": 2}), asset(size=11, checksum="c1", raw={"version": 1}),
               asset(size=10, checksum="c2", raw={"version": 1})]
    assert len(set(dam_to_box.dam_version(a) for a in [first] + changed)) == 4
    assert dam_to_box.dam_version(asset(asset_id="o2", size=10, checksum="c1", raw={"version": 1})) == \
        dam_to_box.dam_version(first)  # the same content under another listing: unchanged


def row(**values):
    base = {"tracking_id": "K7M2QX", "original_filename": "hero.jpg", "box_file_name": "K7M2QX_hero.jpg",
            "folder_path": "", "file_size": 10, "state": "done", "box_outcome": "uploaded",
            "box_url": "https://app.box.com/file/1"}
    base.update(values)
    return TransferItem(**dict.fromkeys(TransferItem._fields))._replace(**base)


def test_the_email_lists_delivered_files_by_folder_and_name_and_never_links_a_deleted_master():
    entries = dam_to_box._asset_entries([
        row(folder_path="Web", original_filename="b.jpg", box_file_name="AAAAAA_b.jpg"),
        row(tracking_id="BBBBBB", original_filename="gone.jpg", state="gone"),
        row(tracking_id="CCCCCC", original_filename="a.jpg", box_file_name="CCCCCC_a.jpg", box_outcome="new_version")])
    assert [(e["filename"], e["outcome"], e["url"]) for e in entries] == [
        ("CCCCCC_a.jpg", "new version (the DAM master changed)", "https://app.box.com/file/1"),
        ("gone.jpg", "deleted in the DAM: not delivered", None),
        ("AAAAAA_b.jpg", "uploaded", "https://app.box.com/file/1")]
    assert all(e["rejection"] == [] for e in entries)
