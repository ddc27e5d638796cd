"""The engine of the three DAM -> Box workflows (A1->A2, A5->A6, B1->B2), each declared as a WorkflowSpec
(workflow_specs.py).

One tick: claim one eligible campaign, list its source assets, move each through pending -> downloaded -> uploaded
-> done (rows in transfer_items), and only when every asset is done change the DAM status and send the success
email. Every external write has a natural key checked before it is repeated (Box file name + SHA-1, DAM status read
first, notifications keyed by content), so a crash at any instant followed by the next tick ends in the same state
as an uninterrupted run.
"""
import concurrent.futures
import logging
import os
import threading
from collections import namedtuple

from ..box.box_client import BoxClient
from ..dam.dam_client import DAMClient
from ..notify.notifier import Notifier
from ..store import item_store, leases, tracking_ids
from . import box_placement, dam_candidates, frame
from .runtime import Clients
from ..core.cli import EXIT_FAILED, EXIT_OK
from ..store.tracking_ids import normalise_tracking_id
from ..core.errors import STOPS_THE_CAMPAIGN, LeaseLostError, SuiteError, reason_and_fix
from ..core.logging_setup import log_context
from ..core.progress import Progress
from ..core.units import human_size
from ..notify.reporting import campaign_context, inbox_url, message_context, send, send_run_error, webhook
from ..core.safe_names import mirrored_path
from . import expired_assets, superseded_finals
from .superseded_finals import SupersededFinals
from .workflow_types import asset_entry, failure_entry
from ..core.config_schema import setting

log = logging.getLogger(__name__)

# What this engine talks to, built on first use (an idle tick never loads boxsdk or Jinja2).
CLIENTS = Clients(dam=DAMClient, box=BoxClient, notifier=Notifier)


def run_workflow(spec, config, args):
    """One cron tick of ``spec``; returns the exit code."""
    with frame.Frame(config, args, spec.workflow, CLIENTS) as tick:
        tick.code = _tick(spec, tick.start())
    return tick.code


def _tick(spec, rt):
    for job in frame.unfinished(rt, spec):  # assets all delivered, the status change or success email still owed
        with frame.finishing(job):
            job.campaign = rt.dam.get_campaign(job.campaign.folder_id)._replace(campaign_id=job.campaign_id)
            _complete(job)
    candidates = dam_candidates.candidates(spec, rt)
    if candidates is None:
        return EXIT_FAILED
    if not candidates:
        log.info("No %s campaigns found", spec.status_from)
        return EXIT_OK
    if rt.dry_run:
        return _dry_run(spec, rt, candidates)
    rt.check_credentials()
    lease, campaign, code = frame.claim_confirmed(
        rt, candidates, ("Every eligible {} campaign is being handled by another run; nothing to do here".format(
            spec.status_from), "{} {} campaign(s) found, all waiting for their retry time; nothing to do now".format(
            len(candidates), spec.status_from)), confirm=dam_candidates.confirmer(spec, rt))
    if lease is None:
        return code
    with frame.Claimed(frame.Job(spec, rt, lease, campaign),
                       lambda job, exc, state: _alert(job, exc, state, first=True)) as job:
        job.code = _process_campaign(job)
    return job.code


def _source_assets(spec, rt, campaign, on_first=None):
    """(source folder id, the assets to move, superseded finals left out, assets left out because their rights
    expired in the DAM); ``on_first()`` runs once the first one is known, while the rest of the listing goes on."""
    folder_name = rt.config["dam"]["folders"][spec.source_folder]
    source_id = rt.dam.find_subfolder(campaign.folder_id, folder_name)
    if source_id is None:
        raise SuiteError("campaign {} has no '{}' folder in the DAM".format(campaign.campaign_id, folder_name),
                         fix="create the '{}' folder in the campaign, or set dam.folders.{} in config.yaml to the "
                             "name your DAM uses".format(folder_name, spec.source_folder))
    assets, expired = [], []
    superseded = SupersededFinals(rt, campaign.campaign_id) if spec.only_not_approved else None
    for asset in rt.dam.iter_assets(source_id, recursive=True, expired=expired):
        if spec.only_not_approved:
            if not rt.mapper.is_not_approved(asset.metadata):
                continue
            by = superseded.replaced_by(asset)
            if by:
                log.info("Asset %s (%s) is NOT APPROVED but ignored superseded final (replaced: %s): not sent back",
                         asset.name, asset.asset_id, by)
                continue
            log.info("Asset %s (%s) is NOT APPROVED: sending it back to the agency for rework", asset.name,
                     asset.asset_id)
        if not assets and on_first is not None:
            on_first()
        assets.append(asset)
    return source_id, assets, superseded.ignored if superseded else [], expired


def _box_campaign_folder_name(spec, campaign):
    return "{}{} - {}".format(spec.folder_prefix, campaign.campaign_id, campaign.name or "").strip(" -")


def _dry_run(spec, rt, candidates):
    """What the real tick would do, chosen and named the same way (back-off, leases, reused tracking ids)."""
    campaign, reason = frame.preview_confirmed(rt, candidates, dam_candidates.confirmer(spec, rt))
    if campaign is None:
        if reason == "leased":
            log.info("DRY RUN: every eligible %s campaign is being handled by another run", spec.status_from)
        elif reason == "none":
            log.info("DRY RUN: none of the %d %s campaign(s) the search found is still %s when read",
                     len(candidates), spec.status_from, spec.status_from)
        else:
            log.info("DRY RUN: %d %s campaign(s) found, all waiting for their retry time: %s", len(candidates),
                     spec.status_from, leases.describe_waiting(rt.db, spec.workflow, candidates))
        return EXIT_OK
    with log_context(campaign=campaign.campaign_id):
        _, assets, _ignored, expired = _source_assets(spec, rt, campaign)
        for asset in expired:
            log.info("DRY RUN: would leave out %s: %s", asset.name, expired_assets.note(asset))
        log.info("DRY RUN: would claim campaign %s (%s), %d %s campaign(s) found", campaign.campaign_id,
                 campaign.name, len(candidates), spec.status_from)
        if not assets:
            log.info("DRY RUN: no assets: would send %s once and leave the status at %s", spec.template_empty,
                     spec.status_from)
            return EXIT_OK
        folder = _box_campaign_folder_name(spec, campaign)
        known = item_store.transfer_states(rt.db, spec.workflow, campaign.campaign_id)
        tid_field = rt.config["fields"]["special_fields"]["tracking_id"]
        for asset in assets:
            row = known.get(asset.asset_id)
            if row is not None and row.state == "done":
                log.info("DRY RUN: %s already delivered as %s", asset.name, row.tracking_id)
                continue
            tid = row.tracking_id if row is not None else None
            if not tid:  # the same lookup the real run makes, without registering anything
                written = asset.metadata.get(tid_field) or _name_tracking_id(asset.name)
                existing = tracking_ids.existing_tracking_id(rt.db, asset.asset_id, campaign.campaign_id, written)
                tid = existing.tracking_id if existing else (normalise_tracking_id(written) or "<new TID>")
            path = "/".join([folder] + list(asset.folder_path))
            log.info("DRY RUN: would upload %s (%s) to Box %s/%s as %s_%s", asset.name, human_size(asset.size),
                     spec.box_root, path, tid, _strip_tid_prefix(asset.name, tid))
        log.info("DRY RUN: when all %d assets succeed, would set the DAM status %s -> %s and send %s%s",
                 len(assets), spec.status_from, spec.status_to, spec.template_complete,
                 " and the webhook" if spec.webhook else "")
    return EXIT_OK


def _process_campaign(job):
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as early:
        return _process_listed_campaign(job, early)


def _process_listed_campaign(job, early):
    """The campaign's Box folder is made ready while the DAM listing goes on (issue 19: fewer calls one after
    another): from the moment the first asset is listed, so never for a campaign with nothing to deliver."""
    spec, rt, campaign = job.spec, job.rt, job.campaign
    campaign_id = campaign.campaign_id
    log.info("%s: processing campaign %s (%s)", spec.label, campaign_id, campaign.name)
    folder = []
    _, assets, ignored, expired = _source_assets(spec, rt, campaign, on_first=lambda: folder.append(early.submit(
        box_placement.campaign_folder, job, rt.config["box"]["roots"][spec.box_root],
        _box_campaign_folder_name(spec, campaign))))
    superseded_finals.record(job, ignored)
    expired_assets.record(job, expired)
    if not assets:
        what = "no NOT APPROVED assets" if spec.only_not_approved else "no assets"
        log.info("Campaign %s has %s in '%s'; status stays %s", campaign_id, what,
                 rt.config["dam"]["folders"][spec.source_folder], spec.status_from)
        context = message_context(spec.label, campaign_context(campaign, spec.status_from, spec.status_from),
                                  next_steps=" ".join(filter(None, [empty_next_steps(spec, rt),
                                                                    superseded_finals.note(ignored)])),
                                  notices=[expired_assets.note(asset) for asset in expired])
        send(rt, spec.template_empty, campaign, context)
        job.event("campaign_no_assets", what)
        job.finish("no_assets")
        return EXIT_OK

    items = item_store.ensure_transfer_items(rt.db, job.lease, spec.workflow, campaign_id, assets)
    if spec.only_not_approved:
        for asset in assets:  # the rejection as it reads now, for the email (kept if the tick resumes later)
            rejection = [{"label": r["label"], "value": r["value"]}
                         for r in rt.mapper.rejection_details(asset.metadata)]
            job.event("asset_rejection_seen", "NOT APPROVED", opentext_id=asset.asset_id,
                      details={"rejection": rejection})
    campaign_folder = folder[0].result()
    items = _catch_up_with_dam(job, assets, items)
    todo = [a for a in assets if items[a.asset_id].state != "done"]
    delivery = _Delivery(folders=_FolderCache(rt, campaign_folder), progress=Progress(len(todo), campaign_id),
                         failures={})
    delivery.folders.recognise_uploads(items.values(), [items[a.asset_id] for a in todo])
    log.info("Campaign %s: %d asset(s), %d already delivered, %d to do", campaign_id, len(assets),
             len(assets) - len(todo), len(todo))
    with delivery.progress:  # a bar on a terminal only
        _transfer_all(job, delivery, todo, items)
    rows = {r.opentext_id: r for r in item_store.transfer_items(rt.db, spec.workflow, campaign_id)}
    current = [rows[a.asset_id] for a in assets]
    if all(r.state == "done" for r in current):
        missing = box_placement.undelivered(job, [r for r in current if r.opentext_id not in
                                                  set(a.asset_id for a in todo)], campaign_folder)
        if missing:  # a person deleted them in Box since an earlier tick: deliver them again first
            again = [a for a in assets if a.asset_id in missing]
            fresh = {r.opentext_id: r for r in item_store.transfer_items(rt.db, spec.workflow, campaign_id)}
            again_delivery = delivery._replace(progress=Progress(len(again), campaign_id))
            with again_delivery.progress:
                _transfer_all(job, again_delivery, again, fresh)
            rows = {r.opentext_id: r for r in item_store.transfer_items(rt.db, spec.workflow, campaign_id)}
            current = [rows[a.asset_id] for a in assets]
    if all(r.state == "done" for r in current):
        return _complete(job, box_folder_id=campaign_folder)
    return _partial(job, current, delivery.failures, campaign_folder)


_Delivery = namedtuple("_Delivery", "folders progress failures")
_Delivery.__doc__ = """One tick's delivery of a campaign: its Box folders (_FolderCache), the progress lines and the
failures so far (failure entries by asset id)."""


def _transfer_all(job, delivery, todo, items):
    """Move ``todo`` (their rows in ``items``) through the bounded pool; failures (by asset id) are collected in
    ``delivery``, never raised."""
    if not todo:
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=job.rt.config["transfer"]["concurrency"]) as pool:
        futures = {pool.submit(_transfer_asset, job, a, items[a.asset_id], delivery.folders): a for a in todo}
        try:
            for future in concurrent.futures.as_completed(futures):
                asset = futures[future]
                failure = future.result()
                if failure:
                    delivery.failures[asset.asset_id] = failure
                delivery.progress.step(asset.name)
        except STOPS_THE_CAMPAIGN:
            for future in futures:  # assets not started yet are not started at all
                future.cancel()
            raise


def dam_version(asset):
    """What the DAM says identifies this content: version, size and checksum (whichever it gives)."""
    raw = asset.raw or {}
    return "v={}|size={}|checksum={}".format(raw.get("version", ""), asset.size,
                                            asset.checksum or "")


def _catch_up_with_dam(job, assets, items):
    """Compare every delivered master with what the DAM says now. Changed (new version, size or checksum): delivered
    again, which Box takes as a new version of the same <TID>_ file. Gone from the DAM (deleted): marked 'gone',
    reported, never counted as delivered. Returns the rows by asset id."""
    listed = set(a.asset_id for a in assets)
    for asset in assets:
        row = items[asset.asset_id]
        now = dam_version(asset)
        if row.state == "done" and row.dam_version and row.dam_version != now:
            log.info("%s changed in the DAM since it was delivered (%s -> %s): uploading a new Box version of %s",
                     asset.name, row.dam_version, now, row.box_file_name)
            job.event("master_changed", "{} -> {}".format(row.dam_version, now), tracking_id=row.tracking_id,
                      opentext_id=asset.asset_id)
            items[asset.asset_id] = item_store.update_transfer_item(
                job.db, job.lease, row.id, state="pending", box_file_id=None, sha1=None, box_outcome=None)
    for opentext_id, row in list(items.items()):
        if opentext_id not in listed and row.state != "gone":
            log.warning("%s (TID %s) is no longer in the DAM listing (deleted, or its rights expired); it is "
                        "reported as gone, not delivered", row.original_filename, row.tracking_id)
            job.event("master_gone", row.original_filename, tracking_id=row.tracking_id, opentext_id=opentext_id,
                      level="warning")
            items[opentext_id] = item_store.update_transfer_item(job.db, job.lease, row.id, state="gone")
    return items


class _FolderCache(object):
    """Box folder ids of the mirrored DAM subfolders, created once per path even with parallel workers."""

    def __init__(self, rt, root_id):
        self.rt = rt
        self.ids = {(): root_id}
        self.lock = threading.Lock()
        self.by_sha1 = {}

    def recognise_uploads(self, rows, todo):
        """After a crash, files an earlier run may have uploaded without recording it (a row with the SHA-1 of its
        download but no Box file) are looked for in the whole campaign folder by SHA-1: a person may have renamed
        them or moved them into a subfolder, where the name lookup cannot see them. One listing, only then."""
        self.by_sha1 = {}
        if not any(r.sha1 and not r.box_file_id for r in todo):
            return
        taken = set(r.box_file_id for r in rows if r.box_file_id)
        for f in self.rt.box.list_inbox(self.ids[()]):
            if f.file_id not in taken and f.sha1:
                self.by_sha1.setdefault(f.sha1, []).append(f)

    def recognised(self, item, tid):
        """The Box file with this row's SHA-1 (its TID in the name preferred), taken so no other row gets it."""
        with self.lock:
            candidates = self.by_sha1.get(item.sha1 or "") or []
            if not candidates:
                return None
            candidates.sort(key=lambda f: not f.name.upper().startswith((tid or "").upper() + "_"))
            return candidates.pop(0)

    def get(self, parts):
        key = tuple(parts)
        with self.lock:
            if key not in self.ids:
                self.ids[key] = self.rt.box.ensure_folder_path(self.ids[()], list(parts))
            return self.ids[key]


def _strip_tid_prefix(name, tid):
    """A file that already carries its TID (A5 rework of a localised file) is not prefixed twice."""
    if tid and name.upper().startswith(tid + "_"):
        return name[len(tid) + 1:]
    return name


def _transfer_asset(job, asset, item, folders):
    """Move one asset; return None on success or a failure dict (reason and fix) for the report."""
    campaign_id = job.campaign_id
    tid = item.tracking_id
    try:
        if not tid:
            tid = _tracking_id(job, asset)
            item = item_store.update_transfer_item(job.db, job.lease, item.id, tracking_id=tid)
        with log_context(campaign=campaign_id, tid=tid):
            if not item.box_file_id:
                item = _download_and_upload(job, asset, item, folders)
            if job.spec.registers_masters:
                tracking_ids.store_master_asset(
                    job.db, tracking_id=tid, opentext_id=asset.asset_id, campaign_id=campaign_id,
                    box_file_id=item.box_file_id, box_url=item.box_url, upload_folder_id=item.box_folder_id,
                    workflow=job.spec.workflow, box_folder_id=item.box_folder_id, box_file_name=item.box_file_name,
                    sha1=item.sha1, file_size=item.file_size, asset_state="delivered", lease=job.lease)
            else:
                item_store.count_rework(job.db, job.lease, tid)
            item_store.update_transfer_item(job.db, job.lease, item.id, state="done", last_error=None)
            job.event("asset_delivered", "{} -> Box {} ({})".format(asset.name, item.box_file_name, item.box_outcome),
                      tracking_id=tid, opentext_id=asset.asset_id, box_file_id=item.box_file_id)
            log.info("Delivered %s to Box as %s (%s)", asset.name, item.box_file_name, item.box_outcome)
            return None
    except STOPS_THE_CAMPAIGN:
        raise
    except Exception as exc:  # one asset's failure is reported and retried, never fatal to the others
        reason, fix = reason_and_fix(exc, "the next run retries this asset automatically")
        with log_context(campaign=campaign_id, tid=tid):
            if isinstance(exc, SuiteError):
                log.error("Asset %s failed: %s", asset.name, exc)
            else:
                log.exception("Asset %s failed unexpectedly", asset.name)
        try:
            item_store.update_transfer_item(job.db, job.lease, item.id, state="failed", last_error=reason)
            job.event("asset_failed", reason, tracking_id=tid, opentext_id=asset.asset_id, level="error",
                      details={"fix": fix})
        except LeaseLostError:
            raise
        return failure_entry(tid, asset.name, reason, fix)


def _tracking_id(job, asset):
    rt, campaign = job.rt, job.campaign
    fields = rt.config["fields"]["special_fields"]
    return tracking_ids.find_or_create_tracking_id(
        rt.db, asset.asset_id, campaign.campaign_id, original_filename=asset.name, workflow=job.spec.workflow,
        metadata_tracking_id=asset.metadata.get(fields["tracking_id"]) or _name_tracking_id(asset.name),
        global_master_campaign_id=campaign.global_master_campaign_id, campaign_name=campaign.name,
        campaign_folder_id=campaign.folder_id, dam_folder_path=mirrored_path(asset.folder_path),
        mime_type=asset.mime_type, file_size=asset.size,
        mvp_metadata=rt.mapper.extract_mvp(asset.typed_metadata or asset.metadata), full_metadata=asset.raw or {},
    ).tracking_id


def _name_tracking_id(name):
    """The TID a V2-named file carries in its name (a localised file imported earlier), else None."""
    parts = (name or "").split("_", 2)
    return normalise_tracking_id(parts[0]) if len(parts) == 3 else None


def _download_and_upload(job, asset, item, folders):
    """Deliver one asset whose row (``item``, with its tracking id) has no Box file yet: adopt the copy an
    interrupted run uploaded, else stream it from the DAM into Box (through a temp file when its size is unknown)."""
    rt, lease, tid = job.rt, job.lease, item.tracking_id
    limit = int(setting(rt.config["transfer"], "transfer.max_file_bytes"))
    if limit and asset.size and asset.size > limit:
        raise SuiteError("{} is {}, over the {} limit".format(asset.name, human_size(asset.size), human_size(limit)),
                         fix="raise MAX_FILE_BYTES in .env if files this large are expected")
    found = folders.recognised(item, tid)
    if found is not None:
        log.info("%s is already in Box as %s (found by its SHA-1 after an interrupted run; a person may have renamed "
                 "or moved it): not uploading it again", asset.name, "/".join(found.folder_path + [found.name]))
        return item_store.update_transfer_item(
            job.db, lease, item.id, state="uploaded", box_folder_id=found.parent_id, box_file_id=found.file_id,
            box_file_name=found.name, box_url=rt.box.file_url(found.file_id), box_outcome="adopted")
    folder_id = folders.get(asset.folder_path)
    name = _strip_tid_prefix(asset.name, tid)
    version = dam_version(asset)
    if not asset.size:  # Box's upload session needs the size first: without it, through a temp file
        return _spool_and_upload(job, asset, item, _Upload(folder_id, name, version))

    def hashed(sha1, size):  # before Box commits: a crash from here on is recognised by this SHA-1 next run
        item_store.update_transfer_item(job.db, lease, item.id, state="downloaded", sha1=sha1, file_size=size,
                                        dam_version=version)

    # what this very DAM version hashed to in an earlier run (the rows' own notion of unchanged content)
    known = item.sha1 if item.dam_version == version else None

    def transfer():  # one attempt from the DAM's first byte; a broken download starts it again
        with rt.dam.open_asset(asset.asset_id, expected_size=asset.size,
                               checksum=asset.checksum) as stream:
            return rt.box.upload_stream(stream, int(asset.size), folder_id, "{}_{}".format(tid, name),
                                        on_hashed=hashed, known_sha1=known)

    result = rt.dam.retry_download(asset.asset_id, transfer)
    return _uploaded(job, item, folder_id, result)


_Upload = namedtuple("_Upload", "folder_id name version")
_Upload.__doc__ = """Where an asset goes in Box (folder id, its name without the TID prefix) and the DAM version
(dam_version) it is."""


def _spool_and_upload(job, asset, item, upload):
    rt, tid = job.rt, item.tracking_id
    download = rt.dam.download_asset(asset.asset_id, rt.temp_dir(), name="{}-{}".format(tid, asset.asset_id),
                                     expected_size=asset.size, checksum=asset.checksum)
    try:
        item_store.update_transfer_item(job.db, job.lease, item.id, state="downloaded", sha1=download.sha1,
                                        file_size=download.size, dam_version=upload.version)
        result = rt.box.upload_with_tracking_id(download.path, upload.folder_id, tid, upload.name,
                                                sha1=download.sha1)
    finally:
        if os.path.exists(download.path):
            os.remove(download.path)
    return _uploaded(job, item, upload.folder_id, result)


def _uploaded(job, item, folder_id, result):
    return item_store.update_transfer_item(
        job.db, job.lease, item.id, state="uploaded", box_folder_id=folder_id, box_file_id=result.file_id,
        box_file_name=result.name, box_url=result.url, box_outcome=result.outcome)


OUTCOMES = {"new_version": "new version (the DAM master changed)"}


def _asset_entries(rows, include_rejection=None):
    entries = []
    for r in sorted(rows, key=lambda r: (r.folder_path, r.original_filename)):
        gone = r.state == "gone"
        entries.append(asset_entry(
            r.tracking_id, r.original_filename if gone else (r.box_file_name or r.original_filename),
            "deleted in the DAM: not delivered" if gone else OUTCOMES.get(r.box_outcome, r.box_outcome or r.state),
            folder_path=r.folder_path, size=r.file_size, url=None if gone else r.box_url,
            rejection=include_rejection(r) if include_rejection else [], delivered=not gone))
    return entries


def _complete(job, box_folder_id=None):
    """All assets delivered: move the DAM status (read first), then notify; resumable at every step."""
    spec, rt, campaign, campaign_id = job.spec, job.rt, job.campaign, job.campaign_id
    job.mark_finishing()
    outcome = rt.dam.set_campaign_status(campaign.folder_id, spec.status_from, spec.status_to)
    if outcome == "changed":
        job.event("status_changed", "{} -> {}".format(spec.status_from, spec.status_to))
    log.info("Campaign %s status %s -> %s (%s)", campaign_id, spec.status_from, spec.status_to, outcome)
    rows = item_store.transfer_items(rt.db, spec.workflow, campaign_id)
    if box_folder_id is None:
        box_folder_id = next((r.box_folder_id for r in rows if not r.folder_path and r.box_folder_id), None)
    assets = _asset_entries(rows, _rejection_fields(rt) if spec.only_not_approved else None)
    context = message_context(spec.label, campaign_context(campaign, spec.status_from, spec.status_to, box_folder_id),
                              assets=assets, next_steps=spec.done_next_steps,
                              inbox_url=inbox_url(rt.config) if spec.returns_to_inbox else None,
                              notices=list(job.notices))
    mail = send(rt, spec.template_complete, campaign, context)
    hook = "disabled"
    if spec.webhook:
        hook = webhook(rt, "{}.completed".format(spec.workflow), campaign_id, _webhook_payload(spec, context))
    counts = context["counts"]
    if mail == "failed" or hook == "failed":
        job.finish("notify_pending", error="notification failed; retried next run", total=counts["assets"],
                   done=counts["delivered"])
        log.warning("Campaign %s is complete but a notification failed; the next run sends it", campaign_id)
        return EXIT_OK
    job.finish("completed", total=counts["assets"], done=counts["delivered"])
    log.info("Campaign %s complete: %d asset(s) in Box", campaign_id, counts["delivered"])
    return EXIT_OK


def _webhook_payload(spec, context):
    """The success webhook says what the email says: its counts (reporting.tally) and the same assets, the delivered
    ones with their link and those deleted in the DAM apart."""
    campaign = context["campaign"]

    def line(a):
        return {"tracking_id": a["tracking_id"], "filename": a["filename"], "url": a["url"]}
    return {"workflow": spec.workflow, "campaign_id": campaign["campaign_id"], "campaign_name": campaign["name"],
            "status_before": spec.status_from, "status_after": spec.status_to, "counts": context["counts"],
            "assets": [line(a) for a in context["assets"] if a["delivered"]],
            "not_delivered": [dict(line(a), reason=a["outcome"]) for a in context["assets"] if not a["delivered"]],
            "notices": context["notices"]}


def _rejection_fields(rt):
    """Rejection details for the A5 email, read from the asset's metadata kept at registration time."""
    def lookup(row):
        hit, seen = item_store.rejection_sources(rt.db, row.tracking_id, row.opentext_id)
        if seen and seen.get("rejection") is not None:
            return seen["rejection"]
        if hit:
            return [{"label": r["label"], "value": r["value"]}
                    for r in rt.mapper.rejection_details(hit.mvp_metadata or {})]
        return []
    return lookup


def _partial(job, rows, failures, box_folder_id):
    """Some assets failed: the partial email, a failed attempt with back-off, and the alert once they keep
    failing."""
    spec, rt, campaign, campaign_id = job.spec, job.rt, job.campaign, job.campaign_id
    done = [r for r in rows if r.state == "done"]
    failed = [failures.get(r.opentext_id) or failure_entry(r.tracking_id, r.original_filename,
                                                              r.last_error or "not delivered",
                                                              "the next run retries this asset automatically")
              for r in rows if r.state != "done"]
    context = message_context(
        spec.label, campaign_context(campaign, spec.status_from, spec.status_from, box_folder_id),
        assets=_asset_entries(done), failures=failed, notices=list(job.notices),
        next_steps="The status stays {}. The next run retries only the {} asset(s) that failed; the others are "
                   "already in Box.".format(spec.status_from, len(failed)))
    send(rt, spec.template_partial, campaign, context)
    state = job.finish("partial", error="{} of {} assets failed".format(len(failed), len(rows)), total=len(rows),
                       done=len(done), failed=len(failed))
    log.warning("Campaign %s partial: %d of %d asset(s) failed; status stays %s; retry after %s", campaign_id,
                len(failed), len(rows), spec.status_from, state.next_attempt_at)
    _alert(job, SuiteError("{} of {} assets keep failing: {}".format(
        len(failed), len(rows), "; ".join(f["reason"] for f in failed[:3]))), state)
    return EXIT_FAILED


def _alert(job, exc, state, first=False):
    """Raise the run_error alert once a campaign has failed alert_after_failures times in a row (or at once for a
    campaign-level failure such as a missing source folder); ``state``: its CampaignState after this attempt."""
    rt, spec = job.rt, job.spec
    limit = rt.config["transfer"]["alert_after_failures"]
    if first or (state.attempts or 0) >= limit:
        if send_run_error(rt, spec.label, exc, campaign=job.campaign, status=spec.status_from,
                          attempts=state.attempts) == "sent":
            job.mark_alerted()


def empty_next_steps(spec, rt):
    """What a success email says next when the source folder had nothing to send (also the sample email's text)."""
    folder = rt.config["dam"]["folders"][spec.source_folder]
    if spec.only_not_approved:
        return ("No asset in '{}' has ECOMMERCE STATUS = NOT APPROVED, so nothing goes back to the agency. The "
                "status stays {}; move the campaign on in the DAM if that is expected.".format(folder,
                                                                                                spec.status_from))
    return ("The '{}' folder is empty. Add the assets in the DAM; the next run picks them up. The status stays "
            "{}.".format(folder, spec.status_from))


def main(spec, doc, argv=None):
    """Command-line entry of a DAM -> Box workflow script."""
    from ..core.cli import build_parser, run_main
    from ..notify.monitoring import HealthCheck
    parser = build_parser(doc.strip().splitlines()[0])
    return run_main(spec.log_name, parser, lambda config, args: run_workflow(spec, config, args), argv,
                    health=HealthCheck)
