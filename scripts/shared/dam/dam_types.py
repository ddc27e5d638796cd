"""What the DAM client hands the workflows, declared once (namedtuples: they run on Python 3.6), so every module
reads the same attribute names instead of spelling dict keys again.

``Campaign``: a campaign folder (DAMClient.get_campaign, find_campaign, find_campaigns), or a campaign the suite
knows only by its number (candidates from the database, the A2->A3 inbox). ``DamAsset``: one asset below a folder
(DAMClient.iter_assets). ``DamDownload``: an original downloaded to disk (DAMClient.download_asset).
"""
from collections import namedtuple

Campaign = namedtuple("Campaign", "campaign_id folder_id name status type global_master_campaign_id agency_email "
                                  "created")
Campaign.__new__.__defaults__ = (None,) * (len(Campaign._fields) - 1)  # all but the number may be unknown
Campaign.__doc__ = """A campaign. ``campaign_id``: its number (LC-2026-0042; the field dam.fields.campaign_id), the
one name of a campaign across the suite; ``folder_id``: its DAM folder (None when known only by number); ``name``,
``status`` (A1, A2, ...), ``type`` ("Local comm" / "Global comm"), ``global_master_campaign_id``, ``agency_email``:
the folder's metadata fields named in dam.fields (None when unset); ``created``: the folder's date_imported."""

DamAsset = namedtuple("DamAsset", "asset_id name folder_path size mime_type checksum version master_content_id "
                                  "import_job_id metadata typed_metadata raw")
DamAsset.__doc__ = """An asset of a DAM folder listing. ``asset_id``: its OTMM id; ``name``: its file name
(dam_client.asset_file_name); ``folder_path``: the subfolder names below the listed folder (a list); ``size``: bytes
(int) or None when the DAM does not say; ``mime_type``; ``checksum``, ``version``, ``master_content_id``: what
identifies the master's content (its checksum, version and content id, or None); ``import_job_id``: the job that
imported it; ``metadata``: the fields flattened to text by field id (decisions, display); ``typed_metadata``: the
same with the DAM's types (copied onto another asset); ``raw``: the listing entry as the DAM sent it."""

DamDownload = namedtuple("DamDownload", "path size sha1")
DamDownload.__doc__ = """An asset's original downloaded by DAMClient.download_asset: the local ``path``, its ``size``
in bytes and its ``sha1`` (computed while it was written; checked against the DAM's checksum when one was given)."""
