"""What one tick needs (configuration, database, DAM, Box, notifier, temp space), created on first use from the
clients the engine names (``Clients``).

An idle tick connects to the database and the DAM, finds nothing and exits: Box, Jinja2 and cryptography are only
imported when there is work. ``close()`` releases everything, temp files included, on every exit path.
"""
import contextlib
import logging
import os
import shutil
import threading
from collections import namedtuple

from ..store import events, leases
from ..store.database import Database
from ..store.notifications import NotificationStore
from ..core.errors import LeaseLostError, SuiteError
from ..core.logging_setup import get_run_id

log = logging.getLogger(__name__)


Clients = namedtuple("Clients", "dam box notifier")
Clients.__doc__ = """The classes a tick's collaborators are built from, named by the engine that talks to them (so its
imports show its dependencies). Each builds itself for a tick with ``for_tick(rt)``; the heavy libraries behind
them (boxsdk, Jinja2, cryptography) load only when the tick first uses one."""


class Runtime(object):
    def __init__(self, config, args, workflow, clients=None):
        self.config = config
        self.args = args
        self.workflow = workflow
        self.clients = clients
        self.run_id = get_run_id()
        self.dry_run = bool(getattr(args, "dry_run", False))
        self.auth_mode = "mtls" if getattr(args, "auth_pfx", False) else "oauth2"
        self.db = Database.from_config(config)
        self.notifications = NotificationStore(self.db)  # the notifier's de-duplication rows
        self._made = {}
        self._mapper = None
        self._temp = None
        self._lock = threading.Lock()
        # what this tick's notifications did, per channel ("sent", "failed", "duplicate", ...): frame.py counts
        # the ticks a channel keeps failing
        self.channel_outcomes = {"email": [], "webhook": []}
        self.channel_errors = {}

    def start(self):
        if not self.dry_run:  # a dead run cannot clean up after itself: sweep its temp files (a listdir)
            try:
                _remove_orphans(self.config["transfer"]["temp_dir"], self.workflow)
            except OSError as exc:
                log.warning("could not clean the temp directory: %s", exc)
        if self.dry_run:
            self.db.start_dry_run()
        else:
            self.db.connect()
            self.db.migrate()
        return self

    def event(self, event_type, message=None, **about):
        """One row of the audit trail for this workflow outside any claimed campaign (a claimed campaign's go
        through frame.Job.event); ``about``: tracking_id, opentext_id, box_file_id, level, details."""
        events.record_event(self.db, self.workflow, event_type, message, **about)

    @property
    def dam(self):
        return self._client("dam")

    @property
    def box(self):
        return self._client("box")

    @property
    def notifier(self):
        return self._client("notifier")

    def _client(self, role):
        """The tick's ``role`` client, built on first use from the class the engine named."""
        with self._lock:
            if role not in self._made:
                cls = getattr(self.clients, role, None)
                if cls is None:
                    raise RuntimeError("this {} tick was given no {} client (Runtime(clients=...))".format(
                        self.workflow, role))
                self._made[role] = cls.for_tick(self)
            return self._made[role]

    @property
    def mapper(self):
        with self._lock:
            if self._mapper is None:
                from .metadata_extractor_mvp import MetadataMapper
                self._mapper = MetadataMapper(self.config["fields"])
            return self._mapper

    def check_credentials(self):
        """Open the DAM and Box credentials before a campaign is claimed: a broken credential file is a
        configuration error (ConfigError, exit 2), never a failed campaign attempt with a back-off."""
        return self.dam and self.box

    def token_cache_dir(self):
        """Where DAM and Box tokens are kept between ticks (0700, token_store.py): <transfer.temp_dir>/tokens."""
        return os.path.join(self.config["transfer"]["temp_dir"], "tokens")

    def temp_dir(self):
        """This run's private download directory under transfer.temp_dir (created on demand).

        Named <workflow>-<pid>-<run id>; directories left by runs that died (kill -9, power loss) are removed here,
        since a dead process cannot clean up after itself."""
        with self._lock:
            if self._temp is None:
                base = self.config["transfer"]["temp_dir"]
                path = os.path.join(base, "{}-{}-{}".format(self.workflow, os.getpid(), self.run_id))
                try:
                    os.makedirs(path, mode=0o700, exist_ok=True)
                except OSError as exc:
                    raise SuiteError("cannot use the temp directory {}: {}".format(base, exc.strerror or exc),
                                     fix="point TEMP_DIR in .env at a writable directory with free space")
                self._temp = path
            return self._temp

    def close(self):
        if self._temp and os.path.isdir(self._temp):
            shutil.rmtree(self._temp, ignore_errors=True)
        for client in (self._made.get("dam"), self._made.get("box")):
            close = getattr(client, "close", None)
            if close:
                try:
                    close()
                except Exception:  # closing must never hide the tick's own outcome
                    log.debug("error while closing a client", exc_info=True)
        self.db.close()

    @contextlib.contextmanager
    def keep_lease(self, lease):
        """Renew ``lease`` in the background while the block runs (long transfers outlive a lease)."""
        stop = threading.Event()
        state = {"lost": None}
        interval = max(1.0, self.db.lease_seconds / 3.0)

        def renew():
            while not stop.wait(interval):
                try:
                    leases.renew_lease(self.db, lease)
                except LeaseLostError as exc:
                    state["lost"] = exc
                    log.error("%s", exc)
                    return
                except Exception:
                    log.warning("could not renew the lease on %s; retrying", lease.campaign_id, exc_info=True)

        thread = threading.Thread(target=renew, name="lease-renewer")
        thread.daemon = True
        thread.start()
        try:
            yield state
        finally:
            stop.set()
            thread.join(5)


def _remove_orphans(base, workflow):
    """Delete temp directories of this workflow whose process is gone."""
    if not os.path.isdir(base):
        return
    prefix = workflow + "-"
    for name in os.listdir(base):
        parts = name[len(prefix):].split("-", 1) if name.startswith(prefix) else []
        if len(parts) != 2 or not parts[0].isdigit():
            continue
        try:
            os.kill(int(parts[0]), 0)
        except OSError:  # no such process: its files are orphans
            shutil.rmtree(os.path.join(base, name), ignore_errors=True)
            log.info("Removed temp files left by a run that died: %s", name)
