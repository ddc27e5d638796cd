"""What each cron tick leaves behind for the operators' tools when it ends: its run record, its Prometheus textfile
metrics and, when asked for, a fresh status page.

``run-<job>.json`` in the state directory (notifications.state_dir): the last run's start, end, exit code,
duration, host and pid, and the last successful run's end; written without the database (the outage the run met
may be the database), read by status.py.

``<job>.prom`` in notifications.metrics_dir (METRICS_DIR, off when empty), for node_exporter's textfile collector
(``--collector.textfile.directory``): written to a temp file and renamed, so the collector never reads half a file.
Names follow the Prometheus conventions (prefix, base units, ``_seconds``, ``_bytes``, ``_timestamp_seconds``).

``publish_tick`` is the workflow frame's one call on exit; it never fails the tick (a warning says what broke).
"""
import datetime
import io
import json
import logging
import os
import socket
import time

from ..core.workflow_names import workflow_ids
from .alert_markers import state_dir

log = logging.getLogger(__name__)

PREFIX = "dam_content_scaling_"
# (name, help): every gauge of a job's file, labelled job="<job>"
METRICS = (
    ("last_run_start_timestamp_seconds", "Start of the job's last run (Unix time)."),
    ("last_run_end_timestamp_seconds", "End of the job's last run (Unix time)."),
    ("last_run_duration_seconds", "How long the job's last run took."),
    ("last_run_exit_code", "Exit code of the last run: 0 done, 1 something failed, 2 configuration, 75 busy."),
    ("last_success_timestamp_seconds", "End of the job's last run that exited 0 or 75 (Unix time)."),
    ("last_run_assets_moved", "Assets the last run delivered to Box or imported into the DAM."),
    ("last_run_moved_bytes", "Bytes of the assets the last run moved."),
    ("last_run_failures", "Errors the last run recorded (assets, files or campaigns)."),
    ("backlog_campaigns", "Campaigns of this workflow not finished yet (in flight, waiting or failing)."),
    ("failing_items", "Assets or inbox files of this workflow whose last attempt failed."),
)
SUCCESS_CODES = (0, 75)


def _run_file(config, job):
    return os.path.join(state_dir(config), "run-{}.json".format(job))


def write_atomically(path, text):
    """``path`` replaced in one rename: a reader sees the old file or the new one, never half of either."""
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    temp = os.path.join(directory, ".{}.{}.tmp".format(os.path.basename(path), os.getpid()))
    with io.open(temp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(temp, path)


def read_run(config, job):
    """The last run record of ``job`` (a dict), or None when it never ran here."""
    try:
        with io.open(_run_file(config, job), encoding="utf-8") as f:
            return json.load(f)
    except (IOError, OSError, ValueError):
        return None


def record_run(config, job, started, ended, code):
    """Write and return the run record of ``job`` (times as Unix seconds); last_success is carried over."""
    before = read_run(config, job) or {}
    record = {"job": job, "started": started, "ended": ended, "duration_seconds": round(ended - started, 3),
              "exit_code": code, "host": socket.gethostname(), "pid": os.getpid(),
              "last_success": ended if code in SUCCESS_CODES else before.get("last_success")}
    write_atomically(_run_file(config, job), json.dumps(record, sort_keys=True) + "\n")
    return record


def iso(seconds):
    """Unix seconds as local ISO time (None stays None)."""
    if seconds is None:
        return None
    return datetime.datetime.fromtimestamp(seconds).astimezone().isoformat(timespec="seconds")


def render_metrics(job, record, figures=None):
    """The textfile of one job: run record values, plus the tick's ``figures`` (moved, bytes, failures, backlog)
    when the database could be read."""
    figures = figures or {}
    values = {"last_run_start_timestamp_seconds": record["started"],
              "last_run_end_timestamp_seconds": record["ended"],
              "last_run_duration_seconds": record["duration_seconds"],
              "last_run_exit_code": record["exit_code"],
              "last_success_timestamp_seconds": record.get("last_success"),
              "last_run_assets_moved": figures.get("moved"), "last_run_moved_bytes": figures.get("bytes"),
              "last_run_failures": figures.get("failures"), "backlog_campaigns": figures.get("campaigns"),
              "failing_items": figures.get("failing_items")}
    lines = []
    for name, text in METRICS:
        value = values.get(name)
        if value is None:
            continue
        lines.append("# HELP {}{} {}".format(PREFIX, name, text))
        lines.append("# TYPE {}{} gauge".format(PREFIX, name))
        lines.append('{}{}{{job="{}"}} {}'.format(PREFIX, name, job, _number(value)))
    return "\n".join(lines) + "\n"


def _number(value):
    return repr(float(value)) if isinstance(value, float) else str(int(value))


def _figures(rt, workflow, started):
    """The tick's moves and the workflow's backlog from the database (None when it cannot be read)."""
    from ..store import status_store
    if not rt.db.connected:  # the run never reached the database: do not wait for it again
        return None
    try:
        with status_store.snapshot(rt.db) as cur:
            figures = status_store.tick_figures(cur, workflow, datetime.datetime.fromtimestamp(started).astimezone())
            figures.update(status_store.backlog(cur, workflow))
            return figures
    except Exception as exc:
        log.warning("Metrics: could not read this run's figures from the database (%s); the file has the run's "
                    "times and exit code only", exc)
        return None


def publish_tick(rt, started, code):
    """At the end of a tick (``rt``: its workflows.runtime.Runtime): its run record, ``<job>.prom`` when METRICS_DIR
    is set, the status page when STATUS_HTML_DIR is set. Dry runs leave nothing. Never raises."""
    if rt.dry_run:
        return
    config = rt.config
    job = workflow_ids(rt.workflow).log_name
    notifications = config.get("notifications") or {}
    try:
        record = record_run(config, job, started, time.time(), code)
    except (IOError, OSError) as exc:
        log.warning("could not write the run record in %s (%s); fix: make STATE_DIR writable", state_dir(config),
                    exc.strerror or exc)
        return
    metrics_dir = notifications.get("metrics_dir")
    if metrics_dir:
        try:
            text = render_metrics(job, record, _figures(rt, rt.workflow, started))
            write_atomically(os.path.join(metrics_dir, "{}.prom".format(job)), text)
        except (IOError, OSError) as exc:
            log.warning("could not write the metrics file in %s (%s); fix: make METRICS_DIR writable", metrics_dir,
                        exc.strerror or exc)
    page_dir = notifications.get("status_html_dir")
    if page_dir and rt.db.connected:
        try:
            from .status_view import collect, write_page
            write_page(page_dir, collect(config, rt.db))
        except Exception as exc:
            log.warning("could not refresh the status page in %s (%s); fix: make STATUS_HTML_DIR writable, or "
                        "run python scripts/status.py --html %s to see the error", page_dir, exc, page_dir)
