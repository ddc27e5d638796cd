"""Notification contexts and sending rules shared by all workflows (one place builds what every email shows)."""
import datetime
import logging
import re

from . import alert_causes
from ..core.errors import ServiceError, SuiteError
from ..core.logging_setup import get_run_id

log = logging.getLogger(__name__)

BOX_FOLDER_URL = "https://app.box.com/folder/{}"


def now_iso():
    return datetime.datetime.utcnow().replace(microsecond=0).isoformat() + "Z"


def campaign_context(campaign, status_before, status_after, box_folder_id=None):
    """What an email shows of a Campaign (dam_types): a mapping, as the templates read it (``dam_url``: no DAM web
    address is known yet)."""
    return {"campaign_id": campaign.campaign_id, "name": campaign.name or "",
            "type": campaign.type or "", "status_before": status_before, "status_after": status_after,
            "folder_id": campaign.folder_id,
            "box_folder_url": box_folder_url(box_folder_id),
            "dam_url": None}


def box_folder_url(folder_id):
    """The Box web address of a folder, or None without an id."""
    return BOX_FOLDER_URL.format(folder_id) if folder_id else None


def inbox_url(config):
    """The A2->A3 inbox, where agencies upload localised and reworked files (linked from the emails that ask them
    to upload)."""
    return box_folder_url(((config.get("box") or {}).get("roots") or {}).get("a2_a3"))


def tally(assets=(), failures=(), quarantined=()):
    """The numbers every subject, heading, webhook and report line states, counted once from the full lists, so an
    email cut to fit (notifier._summarised) still says the totals. An asset entry with ``delivered`` false (deleted
    in the DAM) is listed but never counted as delivered."""
    delivered = sum(1 for a in assets if a.get("delivered", True))
    return {"assets": len(assets), "delivered": delivered, "not_delivered": len(assets) - delivered,
            "failed": len(failures), "quarantined": len(quarantined)}


def message_context(workflow_label, campaign, assets=(), failures=(), quarantined=(), next_steps="", inbox_url=None,
                    needs_attention_url=None, **extra):
    """inbox_url: link to the A2->A3 upload inbox (emails that ask for an upload); needs_attention_url: link to the
    '_Needs attention' folder (the email listing files moved there); ``counts``: tally() of the lists; ``extra``:
    template-specific keys (notices: what the suite decided when a person changed the ground under it)."""
    context = {"workflow": workflow_label, "run_id": get_run_id() or "", "generated_at": now_iso(),
               "campaign": campaign, "assets": list(assets), "failures": list(failures),
               "quarantined": list(quarantined), "next_steps": next_steps, "inbox_url": inbox_url,
               "needs_attention_url": needs_attention_url, "counts": tally(assets, failures, quarantined),
               "notices": []}
    context.update(extra)
    return context


def agency_recipients(config, template, campaign):
    """The agency address(es) of a Campaign (or None) for agency-facing templates."""
    if template not in (config.get("notifications") or {}).get("agency_templates", []) or campaign is None:
        return ()
    raw = campaign.agency_email or ""
    return tuple(a.strip() for a in re.split(r"[,;\s]+", raw) if "@" in a)


def send(rt, template, campaign, context, dedupe_key=None, to_agency=True):
    """Send one email about a Campaign (or None) through the notifier (de-duplicated there), to its agency too
    for agency templates unless ``to_agency`` is false; never raises (one warning line, details at debug level)."""
    campaign_id = campaign.campaign_id if campaign is not None else None
    try:
        agency = agency_recipients(rt.config, template, campaign) if to_agency else ()
        status = rt.notifier.send_email(template, campaign_id or "", context, extra_recipients=agency,
                                        dedupe_key=dedupe_key)
    except Exception as exc:
        log.warning("could not send %s: %s", template, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        log.debug("details", exc_info=True)
        status = "failed"
    _outcome(rt, "email", status)
    log.info("Email %s: %s", template, status)
    return status


def _outcome(rt, channel, status):
    outcomes = getattr(rt, "channel_outcomes", None)
    if outcomes is not None and status in ("sent", "failed", "duplicate"):
        outcomes.setdefault(channel, []).append(status)


def webhook(rt, event, campaign_id, payload):
    try:
        status = rt.notifier.send_webhook(event, campaign_id, payload)
    except Exception as exc:
        log.warning("could not send webhook %s: %s", event, str(exc).splitlines()[0] if str(exc) else
                    type(exc).__name__)
        log.debug("details", exc_info=True)
        status = "failed"
    _outcome(rt, "webhook", status)
    log.info("Webhook %s: %s", event, status)
    return status


def stable_error(exc):
    """Error text without per-attempt noise (request ids, object addresses), so one fault alerts once."""
    if isinstance(exc, ServiceError) and exc.method:
        text = "{} {} {}: {}".format(exc.service, exc.method or "", exc.path or "",
                                     "HTTP {}".format(exc.status) if exc.status else exc.message.split(": ", 1)[-1])
    elif isinstance(exc, SuiteError):  # no request behind it (database, files): its own words, without the fix
        text = exc.message
    else:
        text = str(exc)
    text = re.sub(r" at 0x[0-9a-f]+", "", text)
    return re.sub(r"\(request id [^)]*\)", "", text).strip()


def send_run_error(rt, workflow_label, exc, campaign=None, status=None, attempts=None):
    """The single alert for a run that failed before it could process assets (or a Campaign failing N times,
    whose ``status`` stays as it is). Sent to the operators (notifications.alert_recipients), never to an agency.

    De-duplicated on the problem, never on the attempt (alert_causes.problem_key): a suite-wide outage (database,
    DAM, Box, configuration) alerts once a day for all workflows together, a campaign that keeps failing once a
    day, and the daily report carries the running count."""
    error = stable_error(exc)
    day = datetime.date.today().isoformat()
    shown = campaign_context(campaign, status, status) if campaign is not None else None
    told = alert_causes.explain(exc, workflow_label, shown and shown["campaign_id"], status)
    context = {"workflow": told["scope"], "run_id": get_run_id() or "", "generated_at": now_iso(),
               "error": error, "fix": getattr(exc, "fix", None) or
               "see the log for details; the next run retries automatically",
               "wrong": told["wrong"], "done": told["done"],
               "campaign": shown, "attempts": attempts, "date": day}
    problem = alert_causes.problem_key(exc, workflow_label, shown and shown["campaign_id"], error, day)
    return send(rt, "run_error", campaign, context, dedupe_key=problem, to_agency=False)
