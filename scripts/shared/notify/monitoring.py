"""Monitoring that cannot be fooled: dead-man's-switch pings per job, a record of runs that could not start, and
notification channels that keep failing.

Everything here works without the database (the outage it must report may be the database): state lives in small
files in the state directory (notifications.state_dir, STATE_DIR):
  runs-<YYYY-MM-DD>.jsonl   one line per run that could not start, and one per first good run after it
  channel-<name>.json       consecutive ticks a notification channel (email, webhook) failed, since when, last error

Health checks (healthchecks.io style): notifications.healthcheck_url, where ``{job}`` is replaced by the job name
(a1_to_a2, daily_report, ...) so each cron job has its own check (one URL per job: hc-ping.com/<ping key>/{job}).
A run pings <url>/start when it starts and <url>/<exit code> when it ends (0 success, anything else a failure:
healthchecks.io shows the code), also when it stops on a configuration error (exit 2).
"""
import datetime
import io
import json
import logging
import os

from .alert_markers import state_dir

log = logging.getLogger(__name__)

MANUAL_TOOLS = ("test_connection", "test_mtls_cert", "preview_emails")  # run by hand: no health pings


# -- health-check pings ---------------------------------------------------------------------------------------------
def health_url(template, job):
    base, sep, query = (template or "").replace("{job}", job).partition("?")
    return base.rstrip("/") + sep + query


def ping(template, job, what, timeout=(5, 10), body=None):
    """<url>/<what> ('start', 'fail', 'log', an exit code, or '' for success); True when the ping was accepted. With
    ``body`` a POST carrying it (healthchecks.io shows a ping's body: the run's log tail), else a GET.
    Never raises: a failed ping is a warning naming host only (the URL carries a key)."""
    status = send(template, job, what, timeout, body)
    if status is None or status is True:
        return status
    if isinstance(status, int):
        log.warning("Health-check ping (%s) answered HTTP %s: check HEALTHCHECK_URL", what, status)
    else:
        from ..core.http_retry import host_port
        log.warning("Health-check ping (%s) to %s failed (%s): check HEALTHCHECK_URL and the firewall", what,
                    host_port(health_url(template, job)), status)
    return False


def send(template, job, what, timeout=(5, 10), body=None):
    """One request to <url>/<what>: None without a URL, True when accepted, the HTTP status when refused, or the
    name of the network error."""
    url = health_url(template, job)
    if not url:
        return None
    base, _, query = url.partition("?")
    target = base + ("/{}".format(what) if what != "" else "") + ("?" + query if query else "")
    try:
        from ..core.http_session import new_session
        with new_session() as session:
            if body is None:
                response = session.get(target, timeout=timeout)
            else:
                response = session.post(target, data=body.encode("utf-8"), timeout=timeout,
                                        headers={"Content-Type": "text/plain; charset=utf-8"})
        return True if response.status_code < 400 else response.status_code
    except Exception as exc:
        return type(exc).__name__


def exit_code_for_ping(code):
    """75 (busy: another run has the work) is a healthy tick, not a failure."""
    return 0 if code == 75 else code


class HealthCheck(object):
    """The dead-man's switch of one cron job: ``start()`` pings <url>/start, ``finish(code)`` <url>/<exit code>.
    The one owner of the pings: every cron script hands this class to cli.run_main (``health=``), which opens it
    around the job (also for a run that stops on its configuration, where ``config`` is None and the URL comes from
    the environment or .env). A ``muted`` check (a dry run) and a tool run by hand have no URL: both calls do
    nothing."""

    def __init__(self, config, job, muted=False):
        self.job = job
        if muted or job in MANUAL_TOOLS:
            self.template = None
        elif config is None:
            self.template = _url_without_config()
        else:
            self.template = config["notifications"].get("healthcheck_url")

    def start(self):
        ping(self.template, self.job, "start")

    def finish(self, code):
        """The exit-code ping, carrying the end of the run's log as its body (healthchecks.io shows it)."""
        from ..core.logging_setup import run_log_tail
        ping(self.template, self.job, exit_code_for_ping(code), body=run_log_tail() if self.template else None)


def _url_without_config():
    """HEALTHCHECK_URL from the environment or .env when the configuration itself failed to load (best effort)."""
    url = os.environ.get("HEALTHCHECK_URL")
    if url:
        return url
    try:
        from dotenv import dotenv_values
        from ..core.config import PROJECT_ROOT
        path = os.environ.get("DAM_ENV_FILE") or ".env"
        return dotenv_values(path if os.path.isabs(path) else os.path.join(PROJECT_ROOT, path)).get("HEALTHCHECK_URL")
    except Exception:
        return None


# -- runs that could not start --------------------------------------------------------------------------------------
def _runs_file(config, day):
    return os.path.join(state_dir(config), "runs-{}.jsonl".format(day.isoformat()))


def _append(path, record):
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with io.open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, sort_keys=True) + "\n")
    except (IOError, OSError) as exc:
        log.warning("could not record the run in %s (%s); fix: make STATE_DIR writable", path, exc.strerror or exc)


def _read(path):
    try:
        with io.open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except (IOError, OSError, ValueError):
        return []


def record_run_failure(config, workflow, message, code):
    now = datetime.datetime.now().astimezone()
    _append(_runs_file(config, now.date()), {"workflow": workflow, "at": now.isoformat(timespec="seconds"),
                                             "ok": False, "code": code, "message": message})


def record_run_ok(config, workflow):
    """Mark the earlier failures of today as resolved (written only when the last record was a failure)."""
    now = datetime.datetime.now().astimezone()
    path = _runs_file(config, now.date())
    mine = [r for r in _read(path) if r.get("workflow") == workflow]
    if mine and not mine[-1].get("ok"):
        _append(path, {"workflow": workflow, "at": now.isoformat(timespec="seconds"), "ok": True})


def runs_not_started(config, day):
    """[{workflow, message, count, first, last, resolved_at}] of ``day`` for the daily report."""
    groups = {}
    order = []
    records = _read(_runs_file(config, day))
    for i, r in enumerate(records):
        if r.get("ok"):
            continue
        key = (r["workflow"], r.get("message") or "")
        if key not in groups:
            groups[key] = {"workflow": r["workflow"], "message": key[1], "count": 0, "first": r["at"], "last": None,
                           "index": i}
            order.append(key)
        g = groups[key]
        g["count"] += 1
        g["last"] = r["at"]
        g["index"] = i
    out = []
    for key in order:
        g = groups.pop(key)
        later_ok = [r for r in records[g.pop("index") + 1:] if r.get("ok") and r["workflow"] == g["workflow"]]
        g["resolved_at"] = _hhmm(later_ok[0]["at"]) if later_ok else None
        g["first"], g["last"] = _hhmm(g["first"]), _hhmm(g["last"])
        out.append(g)
    return out


def _hhmm(iso):
    return iso[11:16] if iso and len(iso) >= 16 else iso


# -- notification channels that keep failing --------------------------------------------------------------------------
def _channel_file(config, channel):
    return os.path.join(state_dir(config), "channel-{}.json".format(channel))


def record_channel(config, channel, ok, error=None):
    """Count consecutive ticks in which ``channel`` failed; returns the state {ticks, since, last_error}."""
    path = _channel_file(config, channel)
    if ok:
        if os.path.exists(path):
            try:
                os.remove(path)
            except OSError:
                pass
        return {"ticks": 0}
    state = {"ticks": 0, "since": datetime.datetime.now().astimezone().isoformat(timespec="seconds")}
    try:
        with io.open(path, encoding="utf-8") as f:
            state.update(json.load(f))
    except (IOError, OSError, ValueError):
        pass
    state["ticks"] = int(state.get("ticks", 0)) + 1
    state["last_error"] = (error or "")[:300]
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with io.open(path, "w", encoding="utf-8") as f:
            f.write(json.dumps(state, sort_keys=True))
    except (IOError, OSError) as exc:
        log.warning("could not record the %s failure in %s (%s)", channel, path, exc.strerror or exc)
    return state


def failing_channels(config):
    """[{channel, ticks, since, last_error}] of the channels failing now (for the daily report)."""
    out = []
    for channel in ("email", "webhook"):
        try:
            with io.open(_channel_file(config, channel), encoding="utf-8") as f:
                state = json.load(f)
        except (IOError, OSError, ValueError):
            continue
        out.append({"channel": channel, "ticks": state.get("ticks", 0),
                    "since": (state.get("since") or "")[:16].replace("T", " "),
                    "last_error": state.get("last_error") or ""})
    return out
