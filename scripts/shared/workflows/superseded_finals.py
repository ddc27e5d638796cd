"""One rule for finals a newer localisation replaced (issue 27.5): A5->A6 never sends one back to the agency.

A final is superseded when the database recorded its replacement (A2->A3: ``derivative_assets.superseded_by``) or
the DAM shows it (the configured ``special_fields.superseded_by`` field, which A2->A3 writes and reviewers see).
Its NOT APPROVED status then concerns a file nobody needs any more: it is left out, logged, and the A5->A6 email
of that round says which finals were left out and what replaced them (a notice of the tick's Job).
"""
from ..dam.dam_metadata import as_text
from ..store import item_store

EVENT = "superseded_finals_ignored"


class SupersededFinals(object):
    """``replaced_by(asset)``: what replaced a final (a DAM asset id, or the DAM field's text), or None."""

    def __init__(self, rt, campaign_id):
        self.field = rt.config["fields"]["special_fields"].get("superseded_by")
        self.known = item_store.superseded_finals(rt.db, campaign_id)
        self.ignored = []  # (asset name, what replaced it), in listing order

    def replaced_by(self, asset):
        by = self.known.get(asset.asset_id) or (as_text(asset.metadata.get(self.field)) if self.field else None)
        if by:
            self.ignored.append((asset.name, by))
        return by or None


def note(ignored):
    """The email's sentence about the finals left out, or '' when none was."""
    if not ignored:
        return ""
    return ("Left out of this round: {} — superseded final(s), each replaced by a newer localisation, so its NOT "
            "APPROVED status does not send it back to the agency.".format("; ".join(
                "{} (replaced: {})".format(name, by if " " in by else "DAM asset {}".format(by))
                for name, by in ignored)))


def record(job, ignored):
    """Say it in this tick's emails (``job.notices``) and keep it in the audit trail."""
    if ignored:
        job.notices.append(note(ignored))
        job.event(EVENT, note(ignored))
