"""The frame of every cron tick and of every claimed campaign, as contexts the engine opens; the engine drives
its own steps inside them.

``Frame``: start (database, temp sweep), the one alert when a run cannot start, channels that keep failing, close
(the job's health-check pings are sent around it by cli.run_main, as for every cron job). ``claim`` + ``Claimed``:
take one eligible campaign under a lease, renew it while the work runs, and charge any failure to that campaign
(event, back-off, alert). ``Job``: the claimed campaign the engine's steps are given (spec, runtime, lease,
campaign; its events and outcome). ``unfinished``: the campaigns whose status change or success email is still
owed, each claimed as a Job for the engine to finish.
"""
import contextlib
import logging
import time

from ..dam.dam_types import Campaign
from ..notify import job_metrics, monitoring
from ..store import events, leases
from ..core.cli import EXIT_BUSY, EXIT_FAILED, EXIT_OK, exit_code_for
from ..core.errors import ConfigError, LeaseLostError, SuiteError, Throttled, as_suite_error
from ..core.logging_setup import log_context
from ..notify.reporting import send_run_error, stable_error
from .runtime import Runtime
from .workflow_types import workflow_ids

log = logging.getLogger(__name__)

CHANNEL_NAMES = {"email": "Email (SMTP)", "webhook": "The webhook"}


class Frame(object):
    """``with Frame(config, args, workflow, clients) as frame:`` run the tick with ``frame.rt`` and set
    ``frame.code``; afterwards ``frame.code`` is the exit code (the engine returns it to cli.run_main, which pings
    it). Closing the frame releases the tick. A failure before any asset work (DAM down, database unreachable) sends
    one de-duplicated alert and gives exit 1 (a configuration error: exit 2)."""

    def __init__(self, config, args, workflow, clients=None):
        ids = workflow_ids(workflow)
        self.config = config
        self.label = ids.label
        self.rt = Runtime(config, args, workflow, clients)
        self.code = EXIT_OK

    def __enter__(self):
        self.started = time.time()
        return self

    def start(self):
        """The tick's first step (inside the ``with``, so a database that cannot be reached is reported like any
        failure of the run): sweep dead runs' temp files, connect, migrate. Returns the Runtime."""
        return self.rt.start()

    def __exit__(self, kind, exc, tb):
        handled = False
        try:
            handled = self._settle(exc)
            return handled
        finally:
            try:
                job_metrics.publish_tick(self.rt, self.started, self.code if exc is None or handled else
                                         exit_code_for(exc))  # never raises
            finally:
                self.rt.close()

    def _settle(self, exc):
        """The end of the tick: True when ``exc`` was reported here (its exit code is in ``self.code``)."""
        rt = self.rt
        if exc is None:
            if not rt.dry_run:
                monitoring.record_run_ok(self.config, self.label)
                self.code = _channels(rt, self.code)
            return False
        if isinstance(exc, LeaseLostError) or not isinstance(exc, Exception):
            return False
        if isinstance(exc, ConfigError):  # found before any campaign was claimed: no attempt counted, exit 2
            for line in exc.lines():
                log.error("%s run cannot start: %s", self.label, line)
        elif isinstance(exc, Throttled):  # Claimed released the campaign; one alert for the run, exit 1
            log.error("%s run ends early: %s", self.label, exc)
        else:
            if not isinstance(exc, SuiteError):
                log.exception("%s run stopped on an unexpected error", self.label)
                exc = as_suite_error(exc, "the {} run".format(self.label))
            log.error("%s run stopped before it could do its work: %s", self.label, exc)
        code = exit_code_for(exc)
        if not rt.dry_run:
            monitoring.record_run_failure(self.config, self.label, stable_error(exc), code)
            send_run_error(rt, self.label, exc)
        self.code = code
        return True


def claim(rt, candidates, busy, waiting):
    """Claim one of ``candidates`` for this run: (lease, None), or (None, exit code) after logging ``busy`` (every
    one is held by another run: EXIT_BUSY) or ``waiting`` + which retry times they wait for (EXIT_OK)."""
    lease, _, code = claim_confirmed(rt, candidates, (busy, waiting))
    return lease, code


def claim_confirmed(rt, candidates, words, confirm=None):
    """``claim`` (``words``: its (busy, waiting) lines), and the campaign claimed: (lease, campaign, None) or (None,
    None, exit code). ``confirm(campaign)`` reads the one campaign about to be claimed as it is now and returns
    it, or None to skip it (the DAM's search index lagged); then the next candidate is tried, in the same order and
    under the same lease and back-off rules. Every candidate gets its row first, as a plain claim gives it (the
    backlog counts them)."""
    busy, waiting = words
    if confirm is None:
        lease, reason = leases.claim_campaign(rt.db, rt.workflow, candidates, rt.run_id,
                                              force=bool(rt.args.campaign_id))
        campaign = next((c for c in candidates if lease and c.campaign_id == lease.campaign_id), None)
    else:
        leases.register_candidates(rt.db, rt.workflow, candidates)
        lease, campaign, reason = _first_confirmed(rt, candidates, confirm, take=True)
    if lease is not None:
        return lease, campaign, None
    if reason == "leased":
        log.info("%s", busy)
        return None, None, EXIT_BUSY
    if reason == "none" and confirm is not None:  # every hit the leases allowed was skipped when read
        log.info("None of the %d campaign(s) the search found is still eligible when read; nothing to do now",
                 len(candidates))
    else:
        log.info("%s: %s", waiting, leases.describe_waiting(rt.db, rt.workflow, candidates))
    return None, None, EXIT_OK


def preview_confirmed(rt, candidates, confirm=None):
    """What ``claim_confirmed`` would take, without claiming or writing anything (a dry run): (campaign or None,
    reason) as leases.preview_claim gives it."""
    if confirm is None:
        return leases.preview_claim(rt.db, rt.workflow, candidates, force=bool(rt.args.campaign_id))
    _, campaign, reason = _first_confirmed(rt, candidates, confirm, take=False)
    return campaign, reason


def _first_confirmed(rt, candidates, confirm, take):
    """(lease or None, campaign or None, reason): the first candidate the leases and back-off allow and
    ``confirm`` keeps; claimed when ``take``. One ``confirm`` per candidate tried, so a tick reads one folder,
    not one per waiting campaign. A candidate another run claims between the look and the claim is passed by."""
    force = bool(rt.args.campaign_id)
    remaining, raced = list(candidates), False
    while True:
        pick, reason = leases.preview_claim(rt.db, rt.workflow, remaining, force=force)
        if pick is None:
            return None, None, "leased" if raced and reason == "none" else reason
        remaining = [c for c in remaining if c.campaign_id != pick.campaign_id]
        fresh = confirm(pick)
        if fresh is None:
            if take:  # no phantom "waiting" row for a campaign that was never in this status
                leases.forget_candidate(rt.db, rt.workflow, pick.campaign_id)
            continue
        if not take:
            return None, fresh, "claimed"
        lease, _ = leases.claim_campaign(rt.db, rt.workflow, [fresh], rt.run_id, force=force)
        if lease is not None:
            return lease, fresh, "claimed"
        raced = True


class Job(object):
    """One claimed campaign: the workflow's ``spec`` (a WorkflowSpec, or WorkflowIds for A2->A3), the tick's ``rt``,
    the ``lease`` and the ``campaign`` (dam_types.Campaign). What its steps record is recorded under its workflow
    and campaign (``job.event``); ``job.code`` is its exit code; ``job.notices`` what this tick decided when a person
    changed the ground under it (a Box folder deleted, a file moved away), which its email says."""

    def __init__(self, spec, rt, lease, campaign):
        self.spec, self.rt, self.lease, self.campaign = spec, rt, lease, campaign
        self.code = EXIT_OK
        self.notices = []  # what this tick decided when a person changed the ground under it: the emails' note

    @property
    def db(self):
        return self.rt.db

    @property
    def campaign_id(self):
        return self.lease.campaign_id

    def event(self, event_type, message=None, **about):
        """One row of the audit trail for this campaign; ``about``: tracking_id, opentext_id, box_file_id, level,
        details."""
        events.record_event(self.rt.db, self.lease.workflow, event_type, message, campaign_id=self.lease.campaign_id,
                            **about)

    def finish(self, outcome, **counts):
        """Release the lease with this tick's outcome (leases.finish_campaign: error, total, done, failed); returns
        the CampaignState."""
        return leases.finish_campaign(self.rt.db, self.lease, outcome, **counts)

    def mark_finishing(self, folder_id=None):
        """Every asset is done: the status change and the success email are owed next."""
        leases.mark_finishing(self.rt.db, self.lease, folder_id=folder_id)

    def mark_alerted(self):
        """The run_error alert about this campaign was sent."""
        leases.mark_alerted(self.rt.db, self.lease.workflow, self.lease.campaign_id)


class Claimed(object):
    """``with Claimed(job, alert) as job:`` do the campaign's steps and set ``job.code``. The lease is renewed in
    the background; anything the steps raise, anticipated or not, is charged to this campaign (event, failed attempt
    with back-off, ``alert(job, exc, state)`` with the CampaignState) and gives EXIT_FAILED; the tick goes on. A
    Throttled service is not the campaign's fault: its lease is freed without a failed attempt and the error ends
    the run (``Frame`` alerts once)."""

    def __init__(self, job, alert):
        self.job, self.alert = job, alert
        self._stack = None

    def __enter__(self):
        stack = contextlib.ExitStack()
        stack.enter_context(log_context(campaign=self.job.campaign_id))
        stack.enter_context(self.job.rt.keep_lease(self.job.lease))
        self._stack = stack
        return self.job

    def __exit__(self, kind, exc, tb):
        job = self.job
        try:
            if isinstance(exc, Throttled):  # nobody's fault: the lease is freed, no attempt counted, the run ends
                job.finish("released", error=exc.message)
                return False
            if isinstance(exc, LeaseLostError):
                log.error("%s", exc)
            elif isinstance(exc, Exception):  # anticipated or not, charged to this campaign; the tick goes on
                if not isinstance(exc, SuiteError):
                    log.exception("Campaign %s failed unexpectedly", job.campaign_id)
                    exc = as_suite_error(exc, "campaign {}".format(job.campaign_id))
                log.error("Campaign %s failed: %s", job.campaign_id, exc)
                job.event("campaign_failed", str(exc), level="error")
                self.alert(job, exc, job.finish("failed", error=str(exc)))
            else:
                return False
            job.code = EXIT_FAILED
            return True
        finally:
            self._stack.close()


def unfinished(rt, spec):
    """Claim, one by one, every campaign of this workflow left in 'finishing' or 'notify_pending' (a crash or a
    mail outage between the DAM status change and the success email leaves such a row; the DAM may already show the
    new status, so the normal search would never bring the campaign back). Yields a Job per campaign (its campaign
    as the database knew it); the engine finishes each inside ``finishing(job)``."""
    if rt.dry_run:
        return
    for state in leases.unfinished_campaigns(rt.db, rt.workflow):
        campaign = Campaign(campaign_id=state.campaign_id, folder_id=state.folder_id, name=state.campaign_name)
        lease, _ = leases.claim_campaign(rt.db, rt.workflow, [campaign], rt.run_id, force=True)
        if lease is not None:
            yield Job(spec, rt, lease, campaign)


@contextlib.contextmanager
def finishing(job):
    """The end of one unfinished campaign, logged under its number; a SuiteError leaves it 'finishing' for the
    next run."""
    with log_context(campaign=job.campaign_id):
        log.info("Resuming the end of campaign %s (status change / success email)", job.campaign_id)
        try:
            yield job
        except SuiteError as exc:
            log.error("Could not finish campaign %s: %s", job.campaign_id, exc)
            job.finish("finishing", error=str(exc))


def _channels(rt, code):
    """A notification channel that failed in more than notifications.channel_failure_ticks ticks in a row makes
    the run exit 1 (so cron mail and the health check see it), with an ERROR naming the channel and the fix."""
    limit = rt.config["notifications"]["channel_failure_ticks"]
    for channel, outcomes in sorted(rt.channel_outcomes.items()):
        if not outcomes or "dry_run" in outcomes:
            continue
        failed = all(o == "failed" for o in outcomes)
        state = monitoring.record_channel(rt.config, channel, not failed, rt.channel_errors.get(channel))
        if failed and state["ticks"] > limit:
            log.error("%s has failed in %d runs in a row since %s (last error: %s); fix: run python "
                      "scripts/test_connection.py and correct the %s settings in .env", CHANNEL_NAMES[channel],
                      state["ticks"], state.get("since"), state.get("last_error") or "see the log",
                      "SMTP_*" if channel == "email" else "WEBHOOK_URL")
            code = code if code not in (EXIT_OK,) else EXIT_FAILED
    return code
