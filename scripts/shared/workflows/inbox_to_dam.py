"""A2->A3: take the localised files agencies put in the Box ``a2_a3`` inbox back into the DAM.

Each file is named ``<TID>_<LANG>_<DESCRIPTION>.<ext>`` (V2). Per file: claimed -> downloaded -> imported ->
cleaned (rows in derivative_assets). The DAM import is keyed by TRACKING_ID + Box file id in the asset's metadata and
looked up before any import, and the Box file is deleted only after the import is confirmed. A file that cannot be
taken is never deleted: it is moved to ``_Needs attention`` and reported once with the reason and the rename to make.
When every master of a local campaign has a localised asset, the campaign moves A2 -> A3.
"""
import datetime
import logging
import os

from ..box.box_client import BoxClient
from ..dam.dam_client import DAMClient
from ..notify.notifier import Notifier
from ..store import campaign_store, item_store
from . import frame
from .runtime import Clients
from ..core.cli import EXIT_FAILED, EXIT_OK
from ..core.units import human_size
from ..core.errors import STOPS_THE_CAMPAIGN, ChangedWhileRead, InputError, ServiceError, SuiteError, reason_and_fix
from ..core.logging_setup import log_context
from ..notify.reporting import box_folder_url, campaign_context, inbox_url, message_context, send, send_run_error
from ..dam.dam_types import Campaign
from .v2_names import parse_v2_name
from .workflow_types import InboxEntry, asset_entry, failure_entry, workflow_ids
from ..core.config_schema import setting

log = logging.getLogger(__name__)

# What this engine talks to, built on first use (an idle tick never loads boxsdk or Jinja2).
CLIENTS = Clients(dam=DAMClient, box=BoxClient, notifier=Notifier)

IDS = workflow_ids("a2_a3")
WORKFLOW, LABEL, LOG_NAME = IDS.key, IDS.label, IDS.log_name
INBOX = Campaign(campaign_id="A2→A3 inbox", name="Files that need attention", type="")  # quarantine emails


def run(config, args):
    with frame.Frame(config, args, WORKFLOW, CLIENTS) as tick:
        tick.code = _tick(tick.start())
    return tick.code


def _tick(rt):
    for job in frame.unfinished(rt, IDS):  # every master localised, the A2 -> A3 move or its email still owed
        with frame.finishing(job):
            job.campaign = rt.dam.find_campaign(job.campaign_id)
            _finish_campaign(job)
    root = rt.config["box"]["roots"]["a2_a3"]
    files = rt.box.list_inbox(root)
    unsettled = item_store.unsettled_campaigns(rt.db)
    due = [] if rt.dry_run else campaign_store.due_master_checks(  # waiting in A2: are their masters still there?
        rt.db, float(setting(rt.config["a2_a3"], "a2_a3.recheck_masters_hours")))
    if rt.args.campaign_id:
        due = [campaign_id for campaign_id in due if campaign_id == rt.args.campaign_id]
    if not files and not unsettled and not due:
        log.info("No files waiting in the A2→A3 inbox")
        return EXIT_OK
    good, bad = _sort_files(rt, files)
    if rt.args.campaign_id:
        good = [entry for entry in good if entry.master.local_campaign_id == rt.args.campaign_id]
    if rt.dry_run:
        for f, reason in bad:
            log.info("DRY RUN: would move %s to '%s': %s (fix: %s)", f.name, rt.config["box"][
                "needs_attention_folder"], reason.message, reason.fix)
        for entry in good:
            log.info("DRY RUN: would import %s into campaign %s as %s %s", entry.file.name,
                     entry.master.local_campaign_id, entry.name.tracking_id, entry.name.language)
        return EXIT_OK
    _quarantine(rt, root, bad)
    by_campaign = {}
    for entry in good:
        by_campaign.setdefault(entry.master.local_campaign_id, []).append(entry)
    for campaign_id in unsettled + due:  # work an interrupted run left behind; masters to check (files first)
        by_campaign.setdefault(campaign_id, [])
    if not by_campaign:
        return EXIT_OK
    candidates = [Campaign(campaign_id=campaign_id) for campaign_id in by_campaign]
    lease, code = frame.claim(rt, candidates, busy="Every campaign with inbox files is being handled by another run",
                              waiting="{} campaign(s) have inbox files, all waiting for their retry time".format(
                                  len(candidates)))
    if lease is None:
        return code
    limit = int(setting(rt.config["a2_a3"], "a2_a3.max_files_per_tick"))
    with frame.Claimed(frame.Job(IDS, rt, lease, Campaign(campaign_id=lease.campaign_id)), _alert) as job:
        job.code = _process_campaign(job, by_campaign[lease.campaign_id][:limit],
                                     set((f.file_id, f.sha1) for f in files))
    return job.code


def _alert(job, exc, state):
    """A failed attempt at a campaign is alerted at once."""
    send_run_error(job.rt, LABEL, exc, campaign=Campaign(campaign_id=job.campaign_id), status="A2",
                   attempts=state.attempts)


def _sort_files(rt, files):
    """Split inbox files into InboxEntry values that can be taken and (file, InputError) pairs that cannot."""
    languages = rt.config["a2_a3"]["languages"]
    limit = int(setting(rt.config["transfer"], "transfer.max_file_bytes"))
    good, bad, seen = [], [], {}
    for f in sorted(files, key=lambda f: (f.folder_path or [], f.name, f.file_id)):
        try:
            v = parse_v2_name(f.name, languages)
            if not f.size:
                raise InputError("{!r} is empty (0 bytes)".format(f.name),
                                 fix="upload the file again; the upload was probably interrupted")
            if limit and f.size > limit:
                raise InputError("{!r} is {}, over the {} limit".format(f.name, human_size(f.size), human_size(limit)),
                                 fix="send a smaller file or ask the operators to raise MAX_FILE_BYTES")
            master = item_store.master_by_tracking_id(rt.db, v.tracking_id)
            if master is None:
                raise InputError("{!r}: tracking id {} is not known".format(f.name, v.tracking_id),
                                 fix="check the first 6 characters against the file you downloaded from Box, then "
                                     "rename to <TID>_{}_{}{}".format(v.language, v.description, v.extension))
            key = (v.tracking_id, v.language.lower(), f.sha1)
            earlier = item_store.imported_duplicate(rt.db, v.tracking_id, v.language, f.sha1, f.file_id)
            if earlier is not None:
                raise InputError("{!r} is identical to {} already imported into the DAM (asset {})".format(
                    f.name, earlier.box_file_name, earlier.dam_asset_id),
                    fix="nothing to import; delete this copy, or upload the corrected file if it was meant to "
                        "replace the earlier one")
            if key in seen:
                raise InputError("{!r} is identical to {!r} uploaded alongside it".format(f.name, seen[key]),
                                 fix="nothing to import twice; delete one of the copies")
            seen[key] = f.name
            good.append(InboxEntry(file=f, name=v, master=master))
        except InputError as exc:
            bad.append((f, exc))
    return good, bad


def _quarantine(rt, root, bad):
    """Move files that cannot be taken to '_Needs attention' (never deleted) and report them once."""
    if not bad:
        return
    folder = rt.box.ensure_needs_attention(root)
    reported = []
    for f, exc in bad:
        with log_context(tid=None):
            try:
                rt.box.move_file(f.file_id, folder)
            except STOPS_THE_CAMPAIGN:
                raise
            except ServiceError as err:
                if err.status != 404:  # 404: another run moved it already
                    log.error("Could not move %s to '%s': %s", f.name, rt.config["box"]["needs_attention_folder"],
                              err)
                    continue
            log.warning("Moved %s to '%s': %s (fix: %s)", f.name, rt.config["box"]["needs_attention_folder"],
                        exc.message, exc.fix)
            rt.event("file_quarantined", exc.message, box_file_id=f.file_id, level="warning",
                     details={"filename": f.name, "fix": exc.fix})
            reported.append({"filename": f.name, "reason": exc.message, "fix": exc.fix})
    if reported:
        send(rt, "a2_to_a3_file_uploaded", INBOX, message_context(
            LABEL, campaign_context(INBOX, "A2", "A2"), quarantined=reported, inbox_url=inbox_url(rt.config),
            needs_attention_url=box_folder_url(folder),
            next_steps="Files in '{}' are kept, never deleted. Rename each as shown and upload it to the inbox "
                       "again.".format(rt.config["box"]["needs_attention_folder"])))


def _process_campaign(job, entries, inbox_ids):
    """Take ``entries`` (InboxEntry values of the claimed campaign) into its Final Assets folder, after settling what
    an interrupted run left (``inbox_ids``: the (file id, SHA-1) of every file in the inbox now)."""
    rt, campaign_id = job.rt, job.campaign_id
    campaign = rt.dam.find_campaign(campaign_id)
    if campaign is None:
        raise SuiteError("local campaign {} (of tracking ids {}) is not in the DAM".format(
            campaign_id, ", ".join(sorted(set(entry.name.tracking_id for entry in entries)))),
            fix="check that the campaign folder still exists and carries its campaign number")
    final_name = rt.config["dam"]["folders"]["final_assets"]
    final_id = rt.dam.find_subfolder(campaign.folder_id, final_name)
    if final_id is None:
        raise SuiteError("campaign {} has no '{}' folder in the DAM".format(campaign_id, final_name),
                         fix="create it in the DAM, or set dam.folders.final_assets in config.yaml")
    job.campaign = campaign
    _settle(job, final_id, inbox_ids)
    imported, failures = [], []
    for entry in entries:
        result = _take_file(job, final_id, entry)
        (failures if "reason" in result else imported).append(result)
    _expected_masters(job, [entry["tracking_id"] for entry in imported])
    _report_imports(job, failures)
    if failures:
        state = job.finish("partial", error="{} file(s) failed".format(len(failures)), total=len(entries),
                           done=len(imported), failed=len(failures))
        log.warning("%d of %d file(s) failed; they stay in the inbox and are retried after %s", len(failures),
                    len(entries), state.next_attempt_at)
        return EXIT_FAILED
    if _all_localised(job) and campaign.status == "A2":
        return _finish_campaign(job)
    masters, localised = item_store.localisation_progress(rt.db, campaign_id)
    # Already A3: a file delivered now is a correction, reported in the import email above, never a second
    # "moved to A3" (a run killed inside the move is finished through frame.unfinished, its state says 'finishing').
    # A campaign no longer in A2 (moved on in the DAM) waits for nothing: 'completed' takes it off the waiting list.
    job.finish("released" if campaign.status == "A2" else "completed", total=len(entries), done=len(imported))
    log.info("Campaign %s: %d of %d master(s) localised; status stays %s", campaign_id, localised, masters,
             campaign.status)
    return EXIT_OK


def _expected_masters(job, imported):
    """Ask the DAM about the masters whose file this tick imported (``imported``: their tracking ids, so the email
    can say when one is gone) and, at most every a2_a3.recheck_masters_hours, about each master the campaign still
    waits for. One deleted or expired since delivery is not expected any more: marked on its row, recorded, and the
    campaign completes without it (the "moved to A3" email names it)."""
    rt = job.rt
    waiting = campaign_store.masters_check_due(rt.db, job.campaign_id, float(setting(
        rt.config["a2_a3"], "a2_a3.recheck_masters_hours")))
    for master in campaign_store.masters_to_check(rt.db, job.campaign_id, imported, waiting):
        standing = rt.dam.asset_standing(master.opentext_id)
        if standing:
            with log_context(tid=master.tracking_id):
                log.warning("Master %s (DAM asset %s) was %s in the DAM after delivery: not expected any more",
                            master.original_filename, master.opentext_id, standing)
            campaign_store.mark_master_gone(rt.db, job.lease, master.tracking_id, standing)
            job.event("master_gone", "{} {} in the DAM".format(master.original_filename, standing),
                      tracking_id=master.tracking_id, opentext_id=master.opentext_id, level="warning")
    if waiting:
        campaign_store.mark_masters_checked(rt.db, job.lease)


def _all_localised(job):
    """Every master still expected has a localised file (and the campaign had masters at all)."""
    masters, localised = item_store.localisation_progress(job.db, job.campaign_id)
    return bool(masters or campaign_store.gone_masters(job.db, job.campaign_id)) and localised >= masters


def _settle(job, final_id, inbox_versions):
    """Finish derivatives an interrupted run left half-done whose Box file version is no longer in the inbox (the
    file was deleted, or a person uploaded a new version of it)."""
    rt, lease = job.rt, job.lease
    rows = item_store.unsettled_derivatives(rt.db, job.campaign_id)
    for row in rows:
        if (row.box_file_id, row.sha1) in inbox_versions:
            continue  # this version is still in the inbox: the normal path resumes it
        with log_context(tid=row.tracking_id):
            dam_asset = row.dam_asset_id
            if row.state != "imported":
                parts = [p for p in (row.dam_folder_path or "").split("/") if p]
                target = rt.dam.ensure_folder_path(final_id, parts) if parts else final_id
                dam_asset = rt.dam.find_imported_asset(target, row.tracking_id, item_store.source_key(row))
            if dam_asset:
                item_store.update_derivative(rt.db, lease, row.id, state="cleaned", dam_asset_id=dam_asset,
                                             last_error=None)
                log.info("%s was imported (DAM asset %s) and removed from the inbox by an interrupted run",
                         row.box_file_name, dam_asset)
            else:
                item_store.update_derivative(rt.db, lease, row.id, state="failed",
                                             last_error="the file left the inbox before it was imported")
                log.warning("%s (SHA-1 %s) left the inbox or was replaced before it was imported; a newer "
                            "version still in the inbox is imported on its own", row.box_file_name, row.sha1)


def _report_imports(job, failures):
    """Email every imported file not reported yet (this run's, and any an interrupted run imported silently)."""
    rt, campaign = job.rt, job.campaign
    rows = item_store.unreported_imports(rt.db, job.campaign_id)
    if not rows and not failures:
        return
    assets = [_localised_entry(r, _outcome(rt, r)) for r in rows]
    status = send(rt, "a2_to_a3_file_uploaded", campaign, message_context(
        LABEL, campaign_context(campaign, campaign.status, campaign.status), assets=assets,
        failures=failures, next_steps=_progress_note(job)))
    if rows and status != "failed":
        item_store.mark_reported(rt.db, job.lease, [r.id for r in rows])


def _localised_entry(row, outcome):
    """The email's line for an imported derivative row (item_store: derivative + master's dam_folder_path)."""
    return asset_entry(row.tracking_id, row.box_file_name, outcome, folder_path=row.dam_folder_path,
                       size=row.file_size, language=row.language, description=row.description,
                       dam_asset_id=row.dam_asset_id)


def _outcome(rt, row):
    """What happened to an imported file: which earlier final it replaces (a redelivery with other content), and
    whether its inbox copy went to the Box trash or stayed because a newer version arrived meanwhile (412)."""
    text = "imported"
    earlier = item_store.replaced_by(rt.db, row.id)
    if earlier:
        text += "; replaces " + ", ".join("{} (DAM asset {})".format(e.box_file_name, e.dam_asset_id)
                                         for e in earlier)
    if row.master_state in campaign_store.GONE_STATES:
        text += "; its master was {} in the DAM after delivery (not expected any more)".format(
            row.master_state.split("_")[0])
    if item_store.changed_while_imported(rt.db, row):
        text += "; the file changed in Box meanwhile: the newer version stays in the inbox for the next run"
    else:
        text += "; moved to the Box trash"
    return text


def _progress_note(job):
    """The import email's "what happens next": corrections once the campaign is past A2, else how many masters
    still wait for their localised file."""
    status = job.campaign.status
    if status not in (None, "A2"):
        return "The campaign is already in {}: these files are corrections and replace the finals delivered " \
               "earlier for the same tracking id and language.".format(status)
    masters, localised = item_store.localisation_progress(job.db, job.campaign_id)
    if _all_localised(job):
        return "Every master of the campaign now has a localised file; the campaign moves to A3."
    return "{} of {} masters have a localised file. The campaign moves to A3 when all have one.".format(
        localised, masters)


def _take_file(job, final_id, entry):
    """Import one inbox file (resuming from its recorded state); return an asset entry or a failure entry. A new
    version a person uploaded between the listing and the download is taken in its place, in this run (issue 27.6);
    should it change once more while it is read, that is reported and the next run takes the version then current."""
    with log_context(tid=entry.name.tracking_id):
        try:
            return _take_version(job, final_id, entry)
        except ChangedWhileRead as exc:
            newer = _newer_version(job, entry, exc)
            if newer is None:
                return _file_failed(job, entry, exc)
        try:
            return _take_version(job, final_id, newer)
        except ChangedWhileRead as exc:
            _newer_version(job, newer, exc)
            return _file_failed(job, newer, exc)


def _newer_version(job, entry, changed):
    """The listed version was replaced in Box before it was imported: settle its row (never imported) and return the
    entry with the file as Box has it now, or None when it is gone."""
    f, v = entry.file, entry.name
    listed = item_store.claim_derivative(job.db, job.lease, v.tracking_id, f, job.campaign_id, v.language,
                                         v.description)
    item_store.update_derivative(job.db, job.lease, listed.id, state="failed",
                                 last_error="replaced in Box by a newer version before it was imported")
    current = job.rt.box.current_version(f)
    log.warning("%s changed in Box while it was read (%s): %s", f.name, changed.message,
                "it is gone now" if current is None else "taking the new version {} (SHA-1 {})".format(
                    current.version_id, current.sha1))
    job.event("inbox_file_changed_while_read", f.name, tracking_id=v.tracking_id, box_file_id=f.file_id,
              details={"listed_sha1": f.sha1, "listed_version_id": f.version_id,
                       "current_sha1": current and current.sha1, "current_version_id": current and current.version_id})
    return entry._replace(file=current) if current is not None else None


def _take_version(job, final_id, entry):
    """One version of an inbox file: claim its row, import it, clean the inbox. ChangedWhileRead passes up to
    _take_file; any other error is this file's failure."""
    f, v, master = entry.file, entry.name, entry.master
    derivative = None
    try:
        derivative = item_store.claim_derivative(job.db, job.lease, v.tracking_id, f, job.campaign_id, v.language,
                                                 v.description)
        if derivative.state not in ("imported", "cleaned"):
            derivative = _import(job, final_id, entry, derivative)
        _clean_inbox(job, entry, derivative)
        return asset_entry(v.tracking_id, f.name, "imported", folder_path=master.dam_folder_path, size=f.size,
                           language=v.language, description=v.description, dam_asset_id=derivative.dam_asset_id)
    except STOPS_THE_CAMPAIGN + (ChangedWhileRead,):
        raise
    except Exception as exc:  # one file's failure never stops the others; it stays in the inbox
        if derivative is not None:
            item_store.update_derivative(job.db, job.lease, derivative.id, state="failed",
                                         last_error=reason_and_fix(exc, "")[0])
        return _file_failed(job, entry, exc)


def _file_failed(job, entry, exc):
    """Log, record and describe one file's failure (the file stays in the inbox for the next run)."""
    f, v = entry.file, entry.name
    reason, fix = reason_and_fix(exc, "the file stays in the inbox; the next run retries it")
    log.error("File %s failed: %s", f.name, reason, exc_info=not isinstance(exc, SuiteError))
    job.event("file_failed", reason, tracking_id=v.tracking_id, box_file_id=f.file_id, level="error",
              details={"fix": fix})
    return failure_entry(v.tracking_id, f.name, reason, fix)


def _clean_inbox(job, entry, derivative):
    """Delete the imported inbox file only if it is still the version imported (If-Match on its listed etag). A
    412 means a person uploaded a corrected version meanwhile: it stays in the inbox and the next run imports it."""
    f, v = entry.file, entry.name
    if job.rt.box.delete_file(f.file_id, etag=derivative.box_etag or f.etag):
        event, text = "inbox_file_deleted", "Imported %s as DAM asset %s and moved it to the Box trash"
    else:
        event, text = "inbox_file_changed", ("Imported %s as DAM asset %s; it changed in Box while it was imported, "
                                             "so the new version stays in the inbox and the next run imports it")
    item_store.update_derivative(job.db, job.lease, derivative.id, state="cleaned", last_error=None)
    job.event(event, f.name, tracking_id=v.tracking_id, box_file_id=f.file_id,
              details={"sha1": f.sha1, "version_id": f.version_id})
    (log.info if event == "inbox_file_deleted" else log.warning)(text, f.name, derivative.dam_asset_id)


def _import(job, final_id, entry, derivative):
    """Import the inbox file of ``derivative`` into the DAM (unless an earlier run did: looked up by its source key)
    and mark the earlier finals it replaces."""
    rt, lease = job.rt, job.lease
    f, v, master = entry.file, entry.name, entry.master
    parts = [p for p in (master.dam_folder_path or "").split("/") if p]
    target = rt.dam.ensure_folder_path(final_id, parts) if parts else final_id
    source = item_store.source_key(derivative)
    dam_asset = rt.dam.find_imported_asset(target, v.tracking_id, source, filename=f.name)
    metadata = rt.mapper.build_upload_metadata(master.mvp_metadata or {}, v, source)
    if dam_asset is None:
        path = os.path.join(rt.temp_dir(), "{}-{}".format(v.tracking_id, f.file_id))
        try:
            download = rt.box.download_file(f.file_id, path, expected_sha1=f.sha1, size=f.size)
            item_store.update_derivative(rt.db, lease, derivative.id, state="downloaded",
                                         file_size=download.size)
            dam_asset = rt.dam.import_asset(target, download.path, metadata, f.name)
        finally:
            if os.path.exists(path):
                os.remove(path)
    else:
        log.info("%s is already in the DAM as asset %s (an earlier run imported it)", f.name, dam_asset)
    derivative = item_store.update_derivative(rt.db, lease, derivative.id, state="imported", dam_folder_id=target,
                                              dam_asset_id=dam_asset, metadata=metadata)
    for earlier in item_store.supersede_earlier(rt.db, lease, derivative):
        log.info("%s replaces the earlier final %s (DAM asset %s) of %s %s", f.name, earlier.box_file_name,
                 earlier.dam_asset_id, v.tracking_id, v.language)
        job.event("final_superseded", "{} replaced by {}".format(earlier.box_file_name, f.name),
                  tracking_id=v.tracking_id, box_file_id=f.file_id,
                  details={"earlier_dam_asset_id": earlier.dam_asset_id, "dam_asset_id": dam_asset})
        _show_superseded(job, earlier, dam_asset, f.name)
    job.event("file_imported", "{} -> DAM asset {}".format(f.name, dam_asset), tracking_id=v.tracking_id,
              box_file_id=f.file_id, details={"dam_asset_id": dam_asset, "language": v.language})
    return derivative


def _show_superseded(job, earlier, dam_asset, name):
    """Write the configured superseded-by field on the earlier final in the DAM, so reviewers there see which asset
    replaces it (issue 27.5). A failure is logged and recorded, never fails the import: the database keeps the rule
    A5->A6 follows either way."""
    field = job.rt.config["fields"]["special_fields"].get("superseded_by")
    if not field or not earlier.dam_asset_id:
        return
    text = "Superseded by DAM asset {} ({}) on {}".format(dam_asset, name, datetime.date.today().isoformat())
    try:
        job.rt.dam.set_asset_fields(earlier.dam_asset_id, {field: text})
    except ServiceError as exc:
        log.warning("could not mark DAM asset %s as superseded (%s): reviewers in the DAM do not see it yet; A5->A6 "
                    "leaves it out all the same", earlier.dam_asset_id, exc)
        job.event("final_superseded_not_shown", str(exc), level="warning",
                  details={"dam_asset_id": earlier.dam_asset_id, "superseded_by": dam_asset})


def _finish_campaign(job):
    """Every master localised: A2 -> A3 (read first), then the completion email; resumable."""
    rt, campaign, campaign_id = job.rt, job.campaign, job.campaign_id
    job.mark_finishing(folder_id=campaign.folder_id)
    outcome = rt.dam.set_campaign_status(campaign.folder_id, "A2", "A3")
    if outcome == "changed":
        job.event("status_changed", "A2 -> A3")
    rows = item_store.localised_files(rt.db, campaign_id)
    assets = [_localised_entry(r, "imported") for r in rows]
    localised = set(r.tracking_id for r in rows)
    gone = [m for m in campaign_store.gone_masters(rt.db, campaign_id) if m.tracking_id not in localised]
    assets += [asset_entry(m.tracking_id, m.original_filename, "not expected any more: {} in the DAM after "
                           "delivery".format(m.asset_state.split("_")[0]), folder_path=m.dam_folder_path,
                           size=m.file_size, delivered=False) for m in gone]
    notices = ["{} master(s) were deleted or expired in the DAM after delivery and are not expected any more: {}. "
               "The campaign moved to A3 without them.".format(len(gone), ", ".join(m.original_filename
                                                                                     for m in gone))] if gone else []
    context = message_context(LABEL, campaign_context(campaign, "A2", "A3"), assets=assets, notices=notices,
                              next_steps="Every master has its localised file in the DAM's Final Assets. The "
                                         "campaign is now in A3 for review.")
    counts = context["counts"]
    if send(rt, "a2_to_a3_complete", campaign, context) == "failed":
        job.finish("notify_pending", error="completion email failed; retried next run")
        return EXIT_OK
    job.finish("completed", total=counts["assets"], done=counts["delivered"])
    log.info("Campaign %s moved A2 -> A3 (%s): %d localised file(s)", campaign_id, outcome, counts["delivered"])
    return EXIT_OK


def main(doc, argv=None):
    from ..core.cli import build_parser, run_main
    from ..notify.monitoring import HealthCheck
    parser = build_parser(doc.strip().splitlines()[0])
    return run_main(LOG_NAME, parser, run, argv, health=HealthCheck)
