"""Field mapping driven only by config/field_mappings.yaml: no field id is written in code.

What the suite reads from an asset (the MVP fields), what it shows of a rejection (the 10 rejection fields), and
what it writes on a localised asset it imports (master's MVP fields, Description and Language from the file name,
forced values such as STATE = Local, TRACKING_ID and the source Box file id).
"""
from ..dam.dam_metadata import as_text


class MetadataMapper(object):
    def __init__(self, fields):
        self.mvp = list(fields.get("mvp_fields") or [])
        self.special = dict(fields.get("special_fields") or {})
        self.rejection = list(fields.get("rejection_fields") or [])
        self.forced = dict(fields.get("forced_values") or {})
        self.not_approved = fields["not_approved_value"]  # required by the schema

    def extract_mvp(self, metadata):
        """{field_id: value} for every MVP field (None when the asset does not carry it)."""
        return {field: metadata.get(field) for field in self.mvp}

    def rejection_details(self, metadata):
        return [{"id": r["id"], "label": r["label"], "value": as_text(metadata.get(r["id"]))} for r in self.rejection]

    def is_not_approved(self, metadata):
        """True when ECOMMERCE STATUS is the configured NOT APPROVED value.

        Case and surrounding whitespace are ignored (" not approved " counts, as DAM users type it either way);
        inner words must match exactly, so "NOT APPROVED YET" or "APPROVED" do not count, and an empty status
        never does.
        """
        value = as_text(metadata.get(self.special["ecommerce_status"]))
        return bool(value) and " ".join(value.split()).casefold() == " ".join(self.not_approved.split()).casefold()

    def build_upload_metadata(self, master_mvp, name, source_file_id):
        """Metadata of a localised asset: the master's MVP fields, then the values of its V2 file name (``name``, a
        v2_names.V2Name: tracking id, language, description), then forced values."""
        values = {k: v for k, v in (master_mvp or {}).items() if k in self.mvp and v not in (None, "", [])}
        values[self.special["description"]] = name.description
        values[self.special["language"]] = name.language
        values[self.special["tracking_id"]] = name.tracking_id
        values[self.special["source_file_id"]] = str(source_file_id)
        values.update(self.forced)
        return values
