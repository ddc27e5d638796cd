"""What the suite keeps about a campaign beyond its lease: the Box folder of its deliveries (kept by id, so a
person renaming or moving it in Box is followed, never answered with a second folder)."""


def kept_box_folder(db, workflow, campaign_id):
    """The Box folder id the campaign's first delivery recorded, or None."""
    with db.cursor() as cur:
        cur.execute("SELECT box_folder_id FROM workflow_state WHERE workflow = %s AND campaign_id = %s",
                    (workflow, campaign_id))
        row = cur.fetchone()
        return row["box_folder_id"] if row else None


def keep_box_folder(db, lease, folder_id):
    """Record the campaign's Box folder id (fenced: only the run holding the campaign writes it)."""
    with db.fenced(lease) as cur:
        cur.execute("UPDATE workflow_state SET box_folder_id = %s WHERE workflow = %s AND campaign_id = %s",
                    (folder_id, lease.workflow, lease.campaign_id))
