"""The rows the store returns, declared once as named types (namedtuples: the runtime code runs on Python 3.6), so
the engines read ``item.state`` and a column the code expects but the query did not return fails here, naming
the column and the table, instead of as a KeyError deep in an engine or a blank cell in an email.

``from_row`` takes a cursor row (a mapping); it ignores columns the type does not declare and refuses a row that
lacks a declared one (unless the type lists it in OPTIONAL: a column only some queries join in).
"""
from collections import namedtuple


class RowShapeError(LookupError):
    """A query returned a row without a column its declared type needs: a bug in the query or a schema older
    than the code."""


class _Row(object):
    __slots__ = ()
    TABLE = ""
    OPTIONAL = ()

    @classmethod
    def from_row(cls, row):
        """The typed value of ``row``, or None for None (a query that found nothing)."""
        if row is None:
            return None
        missing = [name for name in cls._fields if name not in row and name not in cls.OPTIONAL]
        if missing:
            raise RowShapeError(
                "{} row has no column {} that {} needs (the query returned {}); fix: apply the database migrations "
                "(every run applies them at start) or correct the query in scripts/shared/store/".format(
                    cls.TABLE, ", ".join(missing), cls.__name__, ", ".join(sorted(row)) or "no columns"))
        return cls(*[row.get(name) for name in cls._fields])

    @classmethod
    def from_rows(cls, rows):
        return [cls.from_row(row) for row in rows]


class TransferItem(_Row, namedtuple("TransferItem", (
        "id workflow campaign_id opentext_id tracking_id original_filename folder_path state file_size sha1 "
        "box_folder_id box_file_id box_file_name box_url box_outcome attempts last_error claim_token run_id "
        "dam_version created_at updated_at done_at"))):
    """One DAM asset of a campaign on its way to Box (``transfer_items``): pending -> downloaded -> uploaded -> done,
    or failed / gone."""
    __slots__ = ()
    TABLE = "transfer_items"


class Derivative(_Row, namedtuple("Derivative", (
        "id tracking_id local_campaign_id box_file_id sha1 box_file_name box_folder_path file_size language "
        "description state dam_folder_id dam_asset_id dam_import_job_id attempts last_error claim_token run_id "
        "metadata box_version_id box_etag reported_at superseded_by superseded_at created_at updated_at "
        "imported_at cleaned_at dam_folder_path master_state"))):
    """One version of a localised inbox file on its way into the DAM (``derivative_assets``): claimed ->
    downloaded -> imported -> cleaned, or failed. ``dam_folder_path`` and ``master_state`` (its asset_state) are its
    master's, where a query joins them in."""
    __slots__ = ()
    TABLE = "derivative_assets"
    OPTIONAL = ("dam_folder_path", "master_state")


class Master(_Row, namedtuple("Master", (
        "id tracking_id opentext_id original_filename local_campaign_id global_master_campaign_id campaign_name "
        "campaign_folder_id workflow asset_state file_size mime_type sha1 dam_folder_path dam_url dam_version "
        "source_modified_at box_folder_id box_file_id box_file_name box_url upload_folder_id attempts last_error "
        "claim_token run_id rework_count last_rework_at mvp_metadata full_metadata downloaded_at uploaded_at "
        "completed_at created_at updated_at"))):
    """A DAM master registered with its tracking id (``master_assets``), and where it was delivered in Box."""
    __slots__ = ()
    TABLE = "master_assets"


class CampaignState(_Row, namedtuple("CampaignState", (
        "workflow campaign_id folder_id campaign_name state lease_owner lease_expires_at claim_token attempts "
        "next_attempt_at last_error last_run_id assets_total assets_done assets_failed started_at finished_at "
        "completed_at alerted_at created_at updated_at"))):
    """One campaign's progress in one workflow (``workflow_state``): its lease, attempts, back-off and outcome."""
    __slots__ = ()
    TABLE = "workflow_state"


Lease = namedtuple("Lease", "workflow campaign_id claim_token owner state")
Lease.__doc__ = """This tick's claim on one (workflow, campaign): pass it to every fenced write. ``state`` is the
campaign's CampaignState as the claim left it."""

TrackedId = namedtuple("TrackedId", "tracking_id source")
TrackedId.__doc__ = """The tracking id of a DAM asset and where it came from: "master" (registered before),
"derivative" (the localised file it was imported from), "metadata" (written in the asset), or "new"."""
