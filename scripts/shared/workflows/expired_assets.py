"""One rule for DAM assets whose usage rights have expired (issue 23, evidence E18): no DAM -> Box workflow delivers
one. OpenText's own client skips ``expired: true`` assets as it skips deleted ones; DAMClient.iter_assets leaves
them out of the listing and hands them over, and this module says so where people look: a notice in this tick's
emails (which asset, why it was not delivered, what to do) and an error event, one line of the daily report's
failures.
"""

EVENT = "asset_expired"


def note(asset):
    """The email's sentence about one expired asset (a dam_types.DamAsset)."""
    return ("{} (DAM asset {}) was not delivered: its usage rights have expired in the DAM (the asset is marked "
            "expired). If it is still to be used, renew its rights (expiration date) in the DAM and send it on by "
            "hand; otherwise nothing to do.".format("/".join(list(asset.folder_path) + [asset.name]),
                                                     asset.asset_id))


def record(job, expired):
    """Say it in this tick's emails (``job.notices``) and keep it in the audit trail at error level."""
    for asset in expired:
        job.notices.append(note(asset))
        job.event(EVENT, note(asset), opentext_id=asset.asset_id, level="error")
