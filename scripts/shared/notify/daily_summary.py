"""The day's figures for the daily summary report, read from the tracking database (and the Box inbox count)."""
import csv
import datetime
import io

from ..store import campaign_store, report_store
from .email_format import ascii_workflow
from ..core.workflow_names import workflow_ids

WORKFLOWS = [(key, workflow_ids(key).label, moved) for key, moved in (
    ("a1_a2", "asset_delivered"), ("a5_a6", "asset_delivered"), ("b1_b2", "asset_delivered"),
    ("a2_a3", "file_imported"))]
LABELS = set(label for _, label, _ in WORKFLOWS)
INBOX_LABEL = workflow_ids("a2_a3").label  # the workflow whose inbox the waiting-files count is about


def day_window(day):
    """Start and end of ``day`` in the server's local time zone, as aware datetimes."""
    start = datetime.datetime.combine(day, datetime.time()).astimezone()
    return start, start + datetime.timedelta(days=1)


def collect(db, day, stuck_after_hours=6, inbox_waiting=None):
    """Context for the daily_summary_report template."""
    start, end = day_window(day)
    workflows, failures = [], []
    for key, label, moved_event in WORKFLOWS:
        row = report_store.workflow_day_counts(db, key, moved_event, start, end)
        workflows.append({"workflow": label, "campaigns_advanced": row["advanced"], "assets_moved": row["moved"],
                          "failures": row["failures"], "rejections": row["rejections"],
                          "quarantined": row["quarantined"]})
    labels = dict((k, label) for k, label, _ in WORKFLOWS)
    for r in report_store.failures_between(db, start, end):
        failures.append({"workflow": labels.get(r["workflow"], r["workflow"]), "campaign_id": r["campaign_id"],
                         "tracking_id": r["tracking_id"], "reason": r["message"],
                         "at": r["occurred_at"].strftime("%Y-%m-%d %H:%M"),
                         "resolved": r["resolved_at"].strftime("%Y-%m-%d %H:%M") if r["resolved_at"] else None})
    stuck = [{"workflow": labels.get(r["workflow"], r["workflow"]), "campaign_id": r["campaign_id"],
              "state": r["state"], "since": r["since"].strftime("%Y-%m-%d %H:%M"),
              "last_error": r["last_error"] or ""} for r in report_store.stuck_campaigns(db, stuck_after_hours)]
    problems = open_problems(db, labels)
    waiting = waiting_campaigns(db, labels)
    totals = {k: sum(w[k] for w in workflows) for k in ("campaigns_advanced", "assets_moved", "failures",
                                                        "rejections", "quarantined")}
    return {"date": day.isoformat(), "generated_at": datetime.datetime.now().astimezone().isoformat(
        timespec="seconds"), "workflows": workflows, "failures": failures, "inbox_waiting": inbox_waiting,
        "stuck": stuck, "problems": problems, "waiting": waiting, "totals": totals}


def waiting_campaigns(db, labels):
    """Every campaign the suite waits on and what for, in words (campaign_store.waiting_campaigns): nothing waits in
    silence."""
    out = []
    for w in campaign_store.waiting_campaigns(db):
        if w.waits_for == "localisation":
            what = "a localised file for {} master(s): {}".format(len(w.missing), ", ".join(
                "{} ({})".format(name, tid) for tid, name in w.missing))
        elif w.waits_for == "retry":
            what = "its next try at {}, after: {}".format(w.next_attempt_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                                                         w.last_error or "a failure")
        elif w.waits_for == "assets":
            what = "assets in the DAM: its source folder was empty (the no-assets email was sent)"
        elif w.waits_for == "interrupted":
            what = "the next run: a run stopped while working on it, the next one resumes it"
        elif w.waits_for == "more_work":
            what = "the next run: more to move, the next one carries on"
        else:
            what = "its status change or success email, tried again every run"
        out.append({"workflow": labels.get(w.workflow, w.workflow), "campaign_id": w.campaign_id, "waits_for": what,
                    "since": w.since.astimezone().strftime("%Y-%m-%d %H:%M") if w.since else ""})
    return out


def open_problems(db, labels):
    """Campaigns failing now, with the running count of failed attempts (the alert is sent once a day; this is
    where the count keeps going)."""
    return [{"workflow": labels.get(r["workflow"], r["workflow"]), "campaign_id": r["campaign_id"],
             "attempts": r["attempts"], "last_error": r["last_error"] or "",
             "next_try": r["next_attempt_at"].astimezone().strftime("%Y-%m-%d %H:%M") if r["next_attempt_at"]
             else ""} for r in report_store.failing_campaigns(db)]


# One table per CSV file (Excel opens one table per file), with the columns a person reads.
CSV_TABLES = (
    ("workflows", ["Date", "Workflow", "Campaigns advanced", "Assets moved", "Failures", "Rejections",
                   "Needs attention", "Files waiting in the inbox"]),
    ("failures", ["At", "Workflow", "Campaign", "Tracking ID", "Reason"]),
    ("stuck", ["Workflow", "Campaign", "State", "Since", "Last error"]),
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """A CSV cell Excel shows as typed: None empty, ASCII workflow names, text that would start a formula quoted."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = ascii_workflow(value) if value in LABELS else value
        return "'" + value if value.startswith(FORMULA_START) else value
    return value


def _rows(context, table):
    if table == "workflows":
        return [[context["date"], w["workflow"], w["campaigns_advanced"], w["assets_moved"], w["failures"],
                 w["rejections"], w["quarantined"], context["inbox_waiting"] if w["workflow"] == INBOX_LABEL else None]
                for w in context["workflows"]]
    if table == "failures":
        return [[f["at"], f["workflow"], f["campaign_id"], f["tracking_id"], f["reason"]] for f in context["failures"]]
    return [[s["workflow"], s["campaign_id"], s["state"], s["since"], s["last_error"]] for s in context["stuck"]]


def csv_files(context):
    """The report as CSV attachments [(filename, bytes)]: one table per file, UTF-8 with a byte-order mark (without
    it Excel reads the file in the local code page and garbles accents), ASCII workflow names ("A1-A2")."""
    files = []
    for table, header in CSV_TABLES:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        for row in _rows(context, table):
            writer.writerow([_cell(v) for v in row])
        files.append(("daily_report_{}_{}.csv".format(context["date"], table), out.getvalue().encode("utf-8-sig")))
    return files
