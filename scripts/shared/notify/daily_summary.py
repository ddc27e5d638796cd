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


def collect(db, day, stuck_after_hours=6, inbox_waiting=None, not_started_on=None):
    """Context for the daily_summary_report template. ``not_started_on(day)``: the runs that could not start that
    day (monitoring.runs_not_started; they never reached the database), counted as failures of their workflow."""
    start, end = day_window(day)
    not_started_on = not_started_on or (lambda _day: [])
    not_started = not_started_on(day)
    workflows, failures = [], []
    counts = report_store.day_counts(db, dict((k, moved) for k, _, moved in WORKFLOWS), start, end)
    for key, label, _ in WORKFLOWS:
        row = counts[key]
        runs = sum(r["count"] for r in not_started if r["workflow"] == label)
        workflows.append({"workflow": label, "campaigns_advanced": row["advanced"], "assets_moved": row["moved"],
                          "failures": row["failures"] + runs, "not_started": runs, "rejections": row["rejections"],
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
                                                        "not_started", "rejections", "quarantined")}
    return {"date": day.isoformat(), "generated_at": datetime.datetime.now().astimezone().isoformat(
        timespec="seconds"), "workflows": workflows, "failures": failures, "inbox_waiting": inbox_waiting,
        "stuck": stuck, "problems": problems, "waiting": waiting, "totals": totals, "not_started": not_started,
        "moves": moves(db, start, end, labels), "trend": trend(db, day, not_started_on)}


def moves(db, start, end, labels):
    """[{campaign_id, name, workflow, change ("A1 → A2"), at (HH:MM), now (the campaign's status now)}]."""
    out = []
    for r in report_store.campaign_moves(db, start, end):
        latest = (r["latest"] or r["change"] or "").split("->")
        out.append({"campaign_id": r["campaign_id"], "name": r["name"] or "",
                    "workflow": labels.get(r["workflow"], r["workflow"]),
                    "change": (r["change"] or "").replace("->", "→"), "now": latest[-1].strip(),
                    "at": r["occurred_at"].astimezone().strftime("%H:%M")})
    return out


TREND_DAYS = 14
BAR_PX = 40  # the tallest bar of a workflow's chart, in pixels


def trend(db, day, not_started_on):
    """The last TREND_DAYS days up to ``day`` per workflow (assets moved; failures with the runs that could not
    start), as trend_context draws them."""
    days = [day - datetime.timedelta(days=TREND_DAYS - 1 - i) for i in range(TREND_DAYS)]
    bounds = [day_window(d)[0] for d in days] + [day_window(day)[1]]
    counts = {}
    for r in report_store.daily_trend(db, dict((k, moved) for k, _, moved in WORKFLOWS), bounds):
        counts[(r["workflow"], r["day"])] = (r["moved"], r["failures"])
    runs = [dict((r["workflow"], r["count"]) for r in not_started_on(d)) for d in days]
    series = []
    for key, label, _ in WORKFLOWS:
        points = []
        for i in range(len(days)):
            moved, failed = counts.get((key, i), (0, 0))
            points.append((moved, failed + runs[i].get(label, 0)))
        series.append((label, points))
    return trend_context(days, series)


def trend_context(days, series):
    """Bars ready to draw (the template draws them as table cells, email clients show no charts): {days: [MM-DD],
    workflows: [{workflow, moved, failures, peak, bars: [{date, moved, failures, moved_px, failures_px}]}]};
    ``series`` [(workflow label, [(moved, failures) per day])]."""
    charts = []
    for label, points in series:
        peak = max([m + f for m, f in points] + [1])
        bars = [{"date": d.isoformat(), "moved": m, "failures": f, "moved_px": _px(m, peak),
                 "failures_px": _px(f, peak)} for d, (m, f) in zip(days, points)]
        charts.append({"workflow": label, "moved": sum(m for m, _ in points),
                       "failures": sum(f for _, f in points), "peak": peak, "bars": bars})
    return {"days": [d.strftime("%m-%d") for d in days], "workflows": charts}


def _px(value, peak):
    """A bar's height: proportional to the workflow's busiest day, and at least 2 px when the value is not 0."""
    return 0 if not value else max(2, int(round(value * BAR_PX / float(peak))))


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
    ("moves", ["At", "Campaign", "Name", "Workflow", "Status change", "Status now"]),
    ("failures", ["At", "Workflow", "Campaign", "Tracking ID", "Reason"]),
    ("stuck", ["Workflow", "Campaign", "State", "Since", "Last error"]),
    ("trend", ["Date", "Workflow", "Assets moved", "Failures"]),
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """A CSV cell Excel shows as typed: None empty, ASCII workflow names, text that would start a formula quoted."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = ascii_workflow(value) if value in LABELS else value
        value = value.replace("\u2192", "->")
        return "'" + value if value.startswith(FORMULA_START) else value
    return value


def _rows(context, table):
    if table == "workflows":
        return [[context["date"], w["workflow"], w["campaigns_advanced"], w["assets_moved"], w["failures"],
                 w["rejections"], w["quarantined"], context["inbox_waiting"] if w["workflow"] == INBOX_LABEL else None]
                for w in context["workflows"]]
    if table == "moves":
        return [[context["date"] + " " + m["at"], m["campaign_id"], m["name"], m["workflow"], m["change"], m["now"]]
                for m in context["moves"]]
    if table == "failures":
        return [[f["at"], f["workflow"], f["campaign_id"], f["tracking_id"], f["reason"]] for f in context["failures"]]
    if table == "trend":
        return [[b["date"], w["workflow"], b["moved"], b["failures"]] for w in context["trend"]["workflows"]
                for b in w["bars"]]
    return [[s["workflow"], s["campaign_id"], s["state"], s["since"], s["last_error"]] for s in context["stuck"]]


def csv_files(context, separator=","):
    """The report as CSV attachments [(filename, bytes)]: one table per file, cells separated by ``separator``
    (reports.csv_separator: ";" where Excel's locale expects it, as in Italy or Germany, so a double click opens
    the columns), UTF-8 with a byte-order mark (without it Excel reads the file in the local code page and garbles
    accents), ASCII workflow names ("A1-A2"). No "sep=" first line: with it Excel ignores the byte-order mark and
    every other reader takes it for a row of data."""
    files = []
    for table, header in CSV_TABLES:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=separator)
        writer.writerow(header)
        for row in _rows(context, table):
            writer.writerow([_cell(v) for v in row])
        files.append(("daily_report_{}_{}.csv".format(context["date"], table), out.getvalue().encode("utf-8-sig")))
    return files
