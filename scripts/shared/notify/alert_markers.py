"""De-duplication of notifications that still works when the database is down (the most likely outage).

``MarkerStore`` keeps one empty marker file per notification and day in the state directory
(notifications.state_dir, STATE_DIR in .env): ``<YYYY-MM-DD>-<template>-<channel>-<hash>.sent``. ``FallbackStore``
asks the database first and the marker files once the database cannot be reached, so a database outage alerts
once a day instead of never (or every five minutes). Markers older than a week are removed.
"""
import datetime
import logging
import os

log = logging.getLogger(__name__)

KEEP_DAYS = 7


class MarkerStore(object):
    """The notifier's de-duplication protocol on marker files (no database needed)."""

    def __init__(self, directory):
        self.directory = directory

    def _path(self, template, content_hash, channel):
        name = "{}-{}-{}-{}.sent".format(datetime.date.today().isoformat(), template, channel, content_hash[:24])
        return os.path.join(self.directory, name)

    def notification_should_send(self, campaign_id, template, content_hash, channel):
        return not os.path.exists(self._path(template, content_hash, channel))

    def notification_record(self, campaign_id, template, content_hash, channel, status, error=None):
        if status != "sent":
            return
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            with open(self._path(template, content_hash, channel), "w") as f:
                f.write("{}\n".format(campaign_id or "-"))
            self._prune()
        except OSError as exc:
            log.warning("could not write the alert marker in %s (%s): the alert may repeat; fix: make the "
                        "directory writable (STATE_DIR in .env)", self.directory, exc.strerror or exc)

    def _prune(self):
        oldest = (datetime.date.today() - datetime.timedelta(days=KEEP_DAYS)).isoformat()
        for name in os.listdir(self.directory):
            if name.endswith(".sent") and name[:10] < oldest:
                try:
                    os.remove(os.path.join(self.directory, name))
                except OSError:
                    pass


class FallbackStore(object):
    """The database as de-duplication store, the marker files once the database fails (for the rest of the run)."""

    def __init__(self, db, markers, errors=None):
        self.db = db
        self.markers = markers
        self.db_down = False
        self.errors = errors if errors is not None else {}  # last delivery error per channel (for monitoring)

    def _call(self, name, *args, **kwargs):
        if not self.db_down:
            try:
                return getattr(self.db, name)(*args, **kwargs)
            except Exception:
                self.db_down = True
                log.info("Database unavailable: alerts are de-duplicated through the marker files in %s",
                         self.markers.directory)
                log.debug("database error", exc_info=True)
        return getattr(self.markers, name)(*args, **kwargs)

    def notification_should_send(self, *args, **kwargs):
        return self._call("notification_should_send", *args, **kwargs)

    def notification_record(self, campaign_id, template, content_hash, channel, status, error=None):
        if error:
            self.errors[channel] = error
        return self._call("notification_record", campaign_id, template, content_hash, channel, status, error=error)


def state_dir(config):
    """notifications.state_dir (STATE_DIR), made absolute by the configuration loader."""
    return (config.get("notifications") or {}).get("state_dir") or os.path.join(
        config.get("project_root") or ".", "var", "state")
