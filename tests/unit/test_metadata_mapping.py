"""The field mapping comes from field_mappings.yaml alone: MVP extraction, the NOT APPROVED rule, upload metadata."""
import os

import pytest
import yaml

from scripts.shared.core.config import PROJECT_ROOT
from scripts.shared.workflows.metadata_extractor_mvp import MetadataMapper
from scripts.shared.workflows.v2_names import V2Name

F = "FERRERO.FIELD."


@pytest.fixture
def fields():
    with open(os.path.join(PROJECT_ROOT, "config", "field_mappings.yaml")) as f:
        return yaml.safe_load(f)


def test_mvp_extraction_lists_every_field(fields):
    mapper = MetadataMapper(fields)
    got = mapper.extract_mvp({F + "BRAND": "NUTELLA", F + "KEYWORDS": ["a", "b"], "OTHER.FIELD": "x"})
    assert len(got) == 27 and got[F + "BRAND"] == "NUTELLA" and got[F + "KEYWORDS"] == ["a", "b"]
    assert got[F + "MARKET"] is None and "OTHER.FIELD" not in got


@pytest.mark.parametrize("value,expected", [
    ("NOT APPROVED", True), (" not approved ", True), ("Not  Approved", True),
    ("NOT APPROVED YET", False), ("APPROVED", False), ("", False), (None, False)])
def test_not_approved_rule(fields, value, expected):
    assert MetadataMapper(fields).is_not_approved({F + "ECOMMERCE_STATUS": value}) is expected


def test_rejection_details_has_the_ten_fields_in_order(fields):
    details = MetadataMapper(fields).rejection_details({F + "LEGAL_COMMENT": "needs footnote"})
    assert len(details) == 10 and details[0]["label"] == "Approver comment"
    assert {d["label"]: d["value"] for d in details}["Legal comment"] == "needs footnote"


def test_upload_metadata_order_of_precedence(fields):
    master = {F + "BRAND": "NUTELLA", F + "STATE": "Global", F + "DESCRIPTION": "Master", F + "MARKET": None}
    meta = MetadataMapper(fields).build_upload_metadata(master, V2Name("K7Q2XM", "it-IT", "Banner 300x250", ".jpg", "name.jpg"), 9001)
    assert meta[F + "BRAND"] == "NUTELLA" and meta[F + "STATE"] == "Local"
    assert meta[F + "DESCRIPTION"] == "Banner 300x250" and meta[F + "LANGUAGE"] == "it-IT"
    assert meta[F + "TRACKING_ID"] == "K7Q2XM" and meta[F + "SOURCE_FILE_ID"] == "9001"
    assert F + "MARKET" not in meta


def test_a_new_field_is_a_yaml_edit(fields):
    fields["mvp_fields"].append("FERRERO.FIELD.NEW_FIELD_NAME")
    fields["forced_values"]["FERRERO.FIELD.CHANNEL"] = "Local digital"
    mapper = MetadataMapper(fields)
    assert mapper.extract_mvp({"FERRERO.FIELD.NEW_FIELD_NAME": 7})["FERRERO.FIELD.NEW_FIELD_NAME"] == 7
    assert mapper.build_upload_metadata({}, V2Name("K7Q2XM", "it", "d", ".jpg", "name.jpg"), 1)[F + "CHANNEL"] == "Local digital"
