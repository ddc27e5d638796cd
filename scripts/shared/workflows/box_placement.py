"""Where a DAM -> Box campaign's deliveries are in Box, checked against what people did there since (issue 27.2,
27.3): the campaign folder is kept by the id of its first delivery (followed when a person renames or moves it,
created again when a person deletes it), and a delivered file counts only while it is inside that folder or one of
its subfolders. Each decision is logged, recorded as an event and added to ``notices``, the email's note.
"""
import logging

from ..store import campaign_store, item_store

log = logging.getLogger(__name__)


def campaign_folder(job, root_id, name):
    """The campaign's Box folder: the one its first delivery recorded, wherever and however a person renamed or moved
    it since; when a person deleted it (gone or in the trash), created again as ``name`` in ``root_id`` and said in
    ``job.notices``. Its id is kept for the next tick."""
    rt, lease = job.rt, job.lease
    kept = campaign_store.kept_box_folder(rt.db, lease.workflow, lease.campaign_id)
    if kept and rt.box.get_folder(kept) is not None:
        return kept
    folder_id = rt.box.ensure_folder_path(root_id, [name])
    if kept and folder_id != kept:
        log.warning("The campaign's Box folder %s was deleted in Box; created it again as '%s' (%s): every file is "
                    "delivered into it again", kept, name, folder_id)
        job.event("box_folder_recreated", "{} -> {}".format(kept, folder_id), level="warning")
        job.notices.append("The campaign's Box folder was deleted in Box (folder {}). It was created again as '{}' "
                           "and every file was delivered into it again.".format(kept, name))
    campaign_store.keep_box_folder(rt.db, lease, folder_id)
    return folder_id


def undelivered(job, rows, folder_id):
    """Asset ids of rows (TransferItem) delivered in an earlier tick whose Box file is no longer delivered: gone
    (deleted or trashed by a person) or moved out of the campaign folder ``folder_id`` and its subfolders by a
    collaborator. Their rows go back to pending so they are delivered again into the campaign folder before the status
    moves; a moved copy is left where the person put it, and ``job.notices`` says so."""
    missing = set()
    for row in rows:
        if not row.box_file_id:
            continue
        found = job.rt.box.get_file(row.box_file_id)
        if found is None:
            log.warning("%s was delivered as Box file %s, which is no longer in Box: delivering it again",
                        row.original_filename, row.box_file_id)
        elif not found.ancestors or folder_id in set(ancestor for ancestor, _ in found.ancestors):
            continue  # inside the campaign folder (or Box did not say where: taken as delivered)
        else:
            where = "/".join(name for _, name in found.ancestors[1:]) or "All Files"
            log.warning("%s (Box file %s) was moved out of the campaign folder, to '%s': left there, delivering it "
                        "again into the campaign folder", row.box_file_name, row.box_file_id, where)
            job.event("delivered_file_moved_out", where, tracking_id=row.tracking_id, opentext_id=row.opentext_id,
                      box_file_id=row.box_file_id, level="warning")
            job.notices.append("{} had been moved out of the campaign folder, to '{}'. That copy was left where it "
                               "was put; the file was delivered again into the campaign folder.".format(found.name,
                                                                                                       where))
        item_store.update_transfer_item(job.db, job.lease, row.id, state="pending", box_file_id=None, sha1=None,
                                        box_outcome=None)
        missing.add(row.opentext_id)
    return missing
