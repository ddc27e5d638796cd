"""Adding, relabelling or re-valuing a field is an edit of field_mappings.yaml, read through the real loader.

Python 3.6-safe (unit layer).
"""
import io
import os
import re

import pytest

from scripts.shared.core.config import PROJECT_ROOT, load_config
from scripts.shared.workflows.metadata_extractor_mvp import MetadataMapper
from scripts.shared.workflows.v2_names import V2Name

F = "FERRERO.FIELD."


def _load_with_edited_fields(tmp_path, edit):
    """A config that extends the project's one, with an edited copy of field_mappings.yaml beside it."""
    with io.open(os.path.join(PROJECT_ROOT, "config", "field_mappings.yaml"), encoding="utf-8") as f:
        text = f.read()
    with io.open(str(tmp_path / "field_mappings.yaml"), "w", encoding="utf-8") as f:
        f.write(edit(text))
    with io.open(str(tmp_path / "config.yaml"), "w", encoding="utf-8") as f:
        f.write(u"extends: {}\nfield_mappings: field_mappings.yaml\n".format(
            os.path.join(PROJECT_ROOT, "config", "config.yaml")))
    return load_config(str(tmp_path / "config.yaml"), needs=(), env={})


def test_unchanged_copy_gives_the_27_and_10_fields(tmp_path):
    mapper = MetadataMapper(_load_with_edited_fields(tmp_path, lambda t: t)["fields"])
    assert len(mapper.extract_mvp({})) == 27 and all(v is None for v in mapper.extract_mvp({}).values())
    assert len(mapper.rejection_details({})) == 10


def test_a_new_mvp_field_and_rejection_field_need_no_code(tmp_path):
    def edit(text):
        text = text.replace("  - FERRERO.FIELD.REJECTION_REASON\n",
                            "  - FERRERO.FIELD.REJECTION_REASON\n  - ACME.FIELD.PACK_SIZE\n", 1)
        return text.replace("  - {id: FERRERO.FIELD.REJECTION_REASON, label: Rejection reason}\n",
                            "  - {id: FERRERO.FIELD.REJECTION_REASON, label: Rejection reason}\n"
                            "  - {id: ACME.FIELD.RETOUCH_NOTE, label: Retouch note}\n", 1)

    mapper = MetadataMapper(_load_with_edited_fields(tmp_path, edit)["fields"])
    meta = {"ACME.FIELD.PACK_SIZE": "750g", "ACME.FIELD.RETOUCH_NOTE": "  darker  ", F + "BRAND": "NUTELLA"}
    mvp = mapper.extract_mvp(meta)
    assert len(mvp) == 28 and mvp["ACME.FIELD.PACK_SIZE"] == "750g"
    details = mapper.rejection_details(meta)
    assert len(details) == 11
    assert details[-1] == {"id": "ACME.FIELD.RETOUCH_NOTE", "label": "Retouch note", "value": "darker"}
    upload = mapper.build_upload_metadata(mvp, V2Name("K7Q2XM", "de-CH", "Banner", ".jpg", "name.jpg"), "123")
    assert upload["ACME.FIELD.PACK_SIZE"] == "750g" and upload[F + "STATE"] == "Local"


def test_forced_values_and_not_approved_value_come_from_the_file(tmp_path):
    def edit(text):
        text = text.replace("  FERRERO.FIELD.STATE: Local\n",
                            "  FERRERO.FIELD.STATE: Local\n  FERRERO.FIELD.CHANNEL: Local digital\n", 1)
        return text.replace("not_approved_value: NOT APPROVED", "not_approved_value: REJECTED", 1)

    mapper = MetadataMapper(_load_with_edited_fields(tmp_path, edit)["fields"])
    upload = mapper.build_upload_metadata({F + "CHANNEL": "Global TV"}, V2Name("K7Q2XM", "it", "d", ".jpg", "name.jpg"), 1)
    assert upload[F + "CHANNEL"] == "Local digital"            # forced values are applied last
    assert mapper.is_not_approved({F + "ECOMMERCE_STATUS": " rejected "})
    assert not mapper.is_not_approved({F + "ECOMMERCE_STATUS": "NOT APPROVED"})


def test_a_renamed_special_field_is_followed(tmp_path):
    def edit(text):
        return text.replace("  ecommerce_status: FERRERO.FIELD.ECOMMERCE_STATUS",
                            "  ecommerce_status: ACME.FIELD.SHOP_STATUS", 1)

    mapper = MetadataMapper(_load_with_edited_fields(tmp_path, edit)["fields"])
    assert mapper.is_not_approved({"ACME.FIELD.SHOP_STATUS": "NOT APPROVED"})
    assert not mapper.is_not_approved({F + "ECOMMERCE_STATUS": "NOT APPROVED"})


@pytest.mark.parametrize("value,expected", [(["NOT APPROVED"], True), ("\tNOT APPROVED\n", True),
                                            ("NOT-APPROVED", False), ("NOTAPPROVED", False)])
def test_not_approved_tolerates_list_values_and_outer_whitespace_only(tmp_path, value, expected):
    mapper = MetadataMapper(_load_with_edited_fields(tmp_path, lambda t: t)["fields"])
    assert mapper.is_not_approved({F + "ECOMMERCE_STATUS": value}) is expected


def test_no_field_id_is_written_in_the_mapping_code():
    with io.open(os.path.join(PROJECT_ROOT, "scripts", "shared", "workflows", "metadata_extractor_mvp.py"),
                 encoding="utf-8") as f:
        code = f.read()
    assert not re.search(r"[A-Z]+\.FIELD\.[A-Z_]+", code)
