"""The audit trail (the ``asset_events`` table): one row per thing that happened to a campaign, asset or inbox
file, read by the daily summary and by operators."""
from ..core.logging_setup import get_run_id
from .database import json_text


def record_event(db, workflow, event_type, message=None, campaign_id=None, tracking_id=None,
                 opentext_id=None, box_file_id=None, level="info", details=None, run_id=None):
    """Append one row to the audit trail."""
    with db.cursor() as cur:
        cur.execute(
            "INSERT INTO asset_events (run_id, workflow, campaign_id, tracking_id, opentext_id, box_file_id, "
            "event_type, level, message, details) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (run_id or get_run_id(), workflow, campaign_id, tracking_id, opentext_id, box_file_id, event_type,
             level, message, json_text(details or {})))
