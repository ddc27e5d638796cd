"""The answer to "is it working?": one report (``collect``) read from the database, the run records and the
certificate file, shown as plain text (status.py), as JSON for tools (status.py --json, shape versioned by
SCHEMA_VERSION and described in docs/operations.md and docs/status.schema.json) and as a static page marketing can
open (status.py --html DIR, or refreshed by every tick when STATUS_HTML_DIR is set).

``attention`` lists, in plain words, everything an operator should act on; status.py exits 1 when it is not empty.
"""
import datetime
import json
import os
import socket

from ..store import status_store
from .job_metrics import iso, read_run, write_atomically
from .reporting import box_folder_url
from ..core.workflow_names import workflow_ids

SCHEMA_VERSION = 1
WORKFLOW_KEYS = ("a1_a2", "a2_a3", "a5_a6", "b1_b2")
SCRIPTS = {"a1_a2": "a1_to_a2_download.py", "a5_a6": "a5_to_a6_download.py", "b1_b2": "b1_to_b2_download.py",
           "a2_a3": "a2_to_a3_upload_polling.py"}
CERT_ATTENTION_DAYS = 30
OWED_GRACE_MINUTES = 15  # a notification not sent this long after it was due needs a look
WAIT_WORDS = {
    "owed": "the DAM status change or the success email is still owed; the next run finishes it",
    "interrupted": "a run stopped while working on it; the next run resumes it",
    "no_assets": "nothing to move in its DAM folder yet; looked at again at the next try",
    "more_work": "more to move; the next run carries on",
    "localisation": "waiting for the agency's localised files in the A2→A3 inbox",
}


def _iso(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone().isoformat(timespec="seconds")
    return value


def _clean(row):
    return dict((k, _iso(v)) for k, v in row.items())


def label_of(key):
    return workflow_ids(key).label if key in WORKFLOW_KEYS else key


def _campaign(row):
    out = _clean(row)
    out["label"] = label_of(row["workflow"])
    return out


def _run(config, key):
    ids = workflow_ids(key)
    record = read_run(config, ids.log_name)
    entry = {"workflow": key, "label": ids.label, "job": ids.log_name, "ran": record is not None}
    if record:
        entry.update({"started_at": iso(record.get("started")), "finished_at": iso(record.get("ended")),
                      "duration_seconds": record.get("duration_seconds"), "exit_code": record.get("exit_code"),
                      "last_success_at": iso(record.get("last_success")), "host": record.get("host"),
                      "pid": record.get("pid")})
    return entry


def _in_flight(row):
    out = _campaign(row)
    host, pid, run_id = ((row.get("lease_owner") or "") + "::").split(":")[:3]
    out.update({"host": host, "pid": int(pid) if pid.isdigit() else None, "run_id": run_id or None,
                "since": out.pop("started_at")})
    return out


def _backing_off(row):
    out = _campaign(row)
    out["hint"] = "python scripts/{} --campaign {}".format(SCRIPTS.get(row["workflow"], "<script>"),
                                                          row["campaign_id"])
    return out


def _waiting(row):
    out = _campaign(row)
    out["what"] = WAIT_WORDS.get(row["reason"], row["reason"])
    if row["reason"] == "localisation":
        out["what"] += " ({} of {} masters localised)".format(row.get("localised", 0), row.get("masters", 0))
    return out


def collect(config, db, live_inbox=None, limit=100):
    """The whole status as a JSON-ready dict (schema_version 1). ``live_inbox``: (waiting, needs attention) counts
    asked of Box (status.py --live), else the database's view of the inbox."""
    from ..dam.dam_auth import certificate_expiry
    with status_store.snapshot(db) as cur:
        if not status_store.schema_ready(cur):
            from ..core.errors import SuiteError
            raise SuiteError("the tracking database {} has no tables yet: no workflow has run against it".format(
                config["database"]["name"]), fix="check DB_NAME in .env; the first cron tick creates the tables")
        in_flight = [_in_flight(r) for r in status_store.campaigns_in_flight(cur, limit)]
        backing_off = [_backing_off(r) for r in status_store.campaigns_backing_off(cur, limit)]
        waiting = [_waiting(r) for r in status_store.waiting_campaigns(cur, limit)]
        failing, failing_total = status_store.failing_items(cur, 50)
        inbox = status_store.inbox_known(cur, days=1)
        owed = [_clean(r) for r in status_store.notifications_owed(cur, 50)]
        stages = status_store.campaign_stages(cur)
    inbox = {"source": "database", "being_imported": inbox["being_imported"],
             "needs_attention_last_24h": inbox["quarantined_recently"],
             "needs_attention_last_at": _iso(inbox["quarantined_last_at"]), "waiting": None, "needs_attention": None}
    if live_inbox is not None:
        inbox.update({"source": "box", "waiting": live_inbox[0], "needs_attention": live_inbox[1]})
    report = {"schema_version": SCHEMA_VERSION, "generated_at": _iso(datetime.datetime.now().astimezone()),
              "host": socket.gethostname(), "runs": [_run(config, key) for key in WORKFLOW_KEYS],
              "campaigns": {"in_flight": in_flight, "backing_off": backing_off, "waiting": waiting},
              "failing_items": [_clean(r) for r in failing], "failing_items_total": failing_total, "inbox": inbox,
              "notifications_owed": owed, "certificate": certificate_expiry(config.get("dam")),
              "stages": _stages(stages, waiting)}
    report["attention"] = attention(report)
    report["needs_attention"] = bool(report["attention"])
    return report


def attention(report):
    """Plain sentences, one per thing an operator should act on (empty: all is well)."""
    out = []
    for run in report["runs"]:
        if run["ran"] and run["exit_code"] not in (0, 75):
            out.append("{} last run exited {} at {}: see logs/{}.log".format(
                run["label"], run["exit_code"], short_time(run["finished_at"]), run["job"]))
    backing = report["campaigns"]["backing_off"]
    if backing:
        out.append("{} campaign(s) failed and wait for their next try: {}".format(
            len(backing), ", ".join("{} {}".format(c["label"], c["campaign_id"]) for c in backing[:5])))
    if report["failing_items_total"]:
        out.append("{} file(s) failed their last attempt (listed under 'Failing items')".format(
            report["failing_items_total"]))
    inbox = report["inbox"]
    held = inbox["needs_attention"] if inbox["source"] == "box" else inbox["needs_attention_last_24h"]
    if held:
        out.append("{} file(s) {} the A2→A3 inbox's '_Needs attention' folder: rename and upload again".format(
            held, "are in" if inbox["source"] == "box" else "moved in the last 24 h to"))
    late = [n for n in report["notifications_owed"] if n["status"] == "failed" or _minutes_ago(n["created_at"]) >
            OWED_GRACE_MINUTES]
    if late:
        out.append("{} email(s)/webhook(s) not sent: run python scripts/test_connection.py".format(len(late)))
    cert = report["certificate"]
    if cert and "error" in cert:
        out.append("the mTLS certificate cannot be read: {}".format(cert["error"]))
    elif cert and cert["days_left"] <= CERT_ATTENTION_DAYS:
        out.append("the mTLS certificate expires in {} day(s) ({}): request a renewal".format(
            cert["days_left"], cert["expires"]))
    return out


def _minutes_ago(text):
    then = datetime.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")
    offset = datetime.datetime.now() - then
    return offset.total_seconds() / 60.0


def short_time(text):
    """'2026-12-06 15:04' of an ISO time (None: 'never')."""
    return text[:16].replace("T", " ") if text else "never"


STAGE_WORDS = {"completed": "done", "failed": "failing", "partial": "some files failed", "running": "in progress",
               "finishing": "finishing", "notify_pending": "finishing", "no_assets": "no assets yet",
               "idle": "in progress"}


def _stages(rows, waiting):
    """The status page's campaigns: one entry per campaign with each workflow's step in plain words and links."""
    localised = dict((w["campaign_id"], w) for w in waiting if w["reason"] == "localisation")
    campaigns, order = {}, []
    for row in rows:
        key = row["campaign_id"]
        if key not in campaigns:
            campaigns[key] = {"campaign_id": key, "campaign_name": row["campaign_name"] or "",
                              "dam_folder_id": row["folder_id"], "box_folder_url": None, "steps": [],
                              "last_activity": _iso(row["active"])}
            order.append(key)
        c = campaigns[key]
        c["campaign_name"] = c["campaign_name"] or row["campaign_name"] or ""
        if row["box_folder_id"] and not c["box_folder_url"]:
            c["box_folder_url"] = box_folder_url(row["box_folder_id"])
        words = "in progress" if row["in_flight"] else STAGE_WORDS.get(row["state"], row["state"])
        if row["workflow"] == "a2_a3" and row["state"] == "idle" and not row["in_flight"]:
            words = "waiting for more localised files"
        if row["state"] in ("failed", "partial") and row["next_attempt_at"]:
            words += ", next try {}".format(short_time(_iso(row["next_attempt_at"])))
        step = {"workflow": row["workflow"], "label": label_of(row["workflow"]), "state": row["state"], "words": words,
                "assets_done": row["assets_done"], "assets_total": row["assets_total"]}
        if row["workflow"] == "a1_a2" and key in localised:
            w = localised[key]
            step["words"] += "; localised {} of {}".format(w.get("localised", 0), w.get("masters", 0))
        c["steps"].append(step)
    return [campaigns[k] for k in order]


def exit_code(report):
    return 1 if report["needs_attention"] else 0


def to_json(report):
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def render_text(report):
    """One screen of plain words."""
    lines = []
    state = "NEEDS ATTENTION" if report["needs_attention"] else "ALL GOOD"
    lines.append("dam-content-scaling on {} at {}: {}".format(report["host"], short_time(report["generated_at"]), state))
    for text in report["attention"]:
        lines.append("  ! " + text)
    lines.append("")
    lines.append("Last runs (this host)")
    for run in report["runs"]:
        if not run["ran"]:
            lines.append("  {:<6} never ran here".format(run["label"]))
            continue
        lines.append("  {:<6} {}  exit {}  took {:.1f} s  last success {}".format(
            run["label"], short_time(run["started_at"]), run["exit_code"], run["duration_seconds"] or 0,
            short_time(run["last_success_at"])))
    camps = report["campaigns"]
    lines.append("")
    lines.append("Campaigns in flight: {}".format(len(camps["in_flight"]) or "none"))
    for c in camps["in_flight"]:
        lines.append("  {} {}: on {} pid {} since {} ({} of {} done)".format(
            c["label"], c["campaign_id"], c["host"], c["pid"], short_time(c["since"]), c["assets_done"],
            c["assets_total"]))
    lines.append("Campaigns backing off: {}".format(len(camps["backing_off"]) or "none"))
    for c in camps["backing_off"]:
        lines.append("  {} {}: next try {} after {} failed attempt(s): {}".format(
            c["label"], c["campaign_id"], short_time(c["next_attempt_at"]), c["attempts"], one_line(c["last_error"])))
        lines.append("    try it now: {}".format(c["hint"]))
    lines.append("Campaigns waiting: {}".format(len(camps["waiting"]) or "none"))
    for c in camps["waiting"]:
        lines.append("  {} {}: {}".format(c["label"], c["campaign_id"], c["what"]))
    lines.append("")
    lines.append("Failing items: {}".format(report["failing_items_total"] or "none"))
    for f in report["failing_items"][:10]:
        lines.append("  {} {} {} {}: {}".format(label_of(f["workflow"]), f["campaign_id"] or "-", f["tracking_id"] or "-",
                                               f["name"], one_line(f["last_error"])))
    inbox = report["inbox"]
    if inbox["source"] == "box":
        lines.append("A2→A3 inbox (Box): {} file(s) waiting, {} in '_Needs attention', {} being imported".format(
            inbox["waiting"], inbox["needs_attention"], inbox["being_imported"]))
    else:
        lines.append("A2→A3 inbox (database; --live asks Box): {} being imported, {} moved to '_Needs attention' "
                     "in the last 24 h".format(inbox["being_imported"], inbox["needs_attention_last_24h"]))
    owed = report["notifications_owed"]
    lines.append("Notifications owed: {}".format(len(owed) or "none"))
    for n in owed[:5]:
        lines.append("  {} {} to {} ({}, {} attempt(s)) {}".format(n["template"], n["channel"],
                                                                   n["campaign_id"] or "-", n["status"],
                                                                   n["attempts"], one_line(n["last_error"])))
    cert = report["certificate"]
    if cert is None:
        lines.append("mTLS certificate: none configured")
    elif "error" in cert:
        lines.append("mTLS certificate: cannot be read ({})".format(cert["error"]))
    else:
        lines.append("mTLS certificate: {} day(s) left (expires {})".format(cert["days_left"], cert["expires"]))
    return "\n".join(lines) + "\n"


def one_line(text, width=140):
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[:width - 1] + "…"


def render_html(report):
    """The status page (templates/status_page.html, autoescaped, self-contained)."""
    import jinja2
    from .notifier import TEMPLATE_DIR
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["short"] = short_time
    env.filters["one_line"] = one_line
    return env.get_template("status_page.html").render(r=report)


def write_page(directory, report):
    """``index.html`` (and ``status.json`` beside it) in ``directory``, each replaced in one rename."""
    write_atomically(os.path.join(directory, "index.html"), render_html(report))
    write_atomically(os.path.join(directory, "status.json"), to_json(report))
    return os.path.join(directory, "index.html")


def show_status(config, args):
    """status.py: print the status (text or JSON), write the page when asked; exit 0 all good, 1 needs attention."""
    import sys
    from ..store.database import Database
    live = None
    if getattr(args, "live", False):
        from ..box.box_client import BoxClient
        live = BoxClient(config["box"]).inbox_counts(config["box"]["roots"]["a2_a3"])
    db = Database.from_config(config)
    try:
        report = collect(config, db, live_inbox=live)
    finally:
        db.close()
    if args.html:
        write_page(args.html, report)
    sys.stdout.write(to_json(report) if args.json else render_text(report))
    return exit_code(report)
