"""The shapes the workflows pass around, declared once (namedtuples: they run on Python 3.6); what the DAM client
returns (Campaign, DamAsset) is declared beside it, in dam/dam_types.py.

``WorkflowIds``: a workflow's names, all derived from its key ("a1_a2"); declared in core/workflow_names.py, where the
daily report reads them too. ``InboxEntry``: an A2->A3 inbox file that can be taken, with its parsed V2 name and the
master it localises. ``asset_entry`` and ``failure_entry``: one line of
an email's asset table and of its failures table (the templates read them as mappings, so they stay dicts, each
built in this one place).
"""
from collections import namedtuple

from ..core.workflow_names import WorkflowIds, workflow_ids  # noqa: F401 (the workflows' shapes, declared in core)

InboxEntry = namedtuple("InboxEntry", "file name master")
InboxEntry.__doc__ = """An inbox file (box_types.InboxFile, from list_inbox), its parsed V2 name (v2_names.V2Name) and its master
row (master_assets)."""

ASSET_ENTRY_FIELDS = ("tracking_id", "filename", "folder_path", "size", "url", "outcome", "rejection", "language",
                      "description", "dam_asset_id", "delivered")


def asset_entry(tracking_id, filename, outcome, **fields):
    """One row of an email's asset table: the file, what happened to it, and ``fields`` by name: folder_path and
    size (always), url, rejection, delivered (false: listed, never counted as delivered, e.g. deleted in the DAM;
    reporting.tally), and for A2->A3 language, description, dam_asset_id."""
    unknown = set(fields) - set(ASSET_ENTRY_FIELDS)
    missing = set(("folder_path", "size")) - set(fields)
    if unknown or missing:
        raise TypeError("asset_entry: {}".format("; ".join(
            ["unknown field(s) " + ", ".join(sorted(unknown))] * bool(unknown) +
            ["missing field(s) " + ", ".join(sorted(missing))] * bool(missing))))
    entry = {"tracking_id": tracking_id, "filename": filename, "outcome": outcome, "url": None, "delivered": True}
    entry.update(fields)
    entry["rejection"] = fields.get("rejection") or []
    return entry


def failure_entry(tracking_id, filename, reason, fix):
    """One row of an email's failures table: the file, why it failed and what fixes it (or that the next run
    retries it)."""
    return {"tracking_id": tracking_id, "filename": filename, "reason": reason, "fix": fix}
