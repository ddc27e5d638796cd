"""The notifier's de-duplication store on PostgreSQL (the ``notifications`` table): a message, keyed by its
content, is sent once; a claim of a run that died is taken over (notifier.py describes the protocol; alert_markers.py
keeps it on files while the database is down)."""
import errno
import os
import socket


class NotificationStore(object):
    """The notifier's store protocol (notification_should_send, notification_status, notification_record) on the
    database ``db``."""

    def __init__(self, db):
        self.db = db

    def notification_should_send(self, campaign_id, template, content_hash, channel):
        """Claim this notification for sending: True when it was never sent (new, or an earlier attempt failed)
        and no live run is sending it right now. A 'sending' claim of a process that is gone (same host) is taken
        over at once; one from another host after the lease length (at most 10 minutes)."""
        key = (campaign_id or "", template, channel, content_hash)
        me = "{}:{}".format(socket.gethostname(), os.getpid())
        with self.db.cursor() as cur:
            cur.execute("INSERT INTO notifications (campaign_id, template, channel, content_hash) "
                        "VALUES (%s, %s, %s, %s) ON CONFLICT (campaign_id, template, channel, content_hash) "
                        "DO NOTHING", key)
            cur.execute("SELECT status, claimed_by FROM notifications WHERE campaign_id = %s AND template = %s "
                        "AND channel = %s AND content_hash = %s", key)
            row = cur.fetchone()
            dead = row["claimed_by"] if row and row["status"] == "sending" and \
                not _claimer_alive(row["claimed_by"]) else None
            cur.execute("UPDATE notifications SET status = 'sending', claimed_by = %s, updated_at = now() "
                        "WHERE campaign_id = %s AND template = %s AND channel = %s AND content_hash = %s "
                        "AND (status IN ('pending', 'failed') OR (status = 'sending' AND (claimed_by = %s OR "
                        "updated_at < now() - LEAST(600, %s) * interval '1 second'))) RETURNING id",
                        (me,) + key + (dead, self.db.lease_seconds))
            return cur.fetchone() is not None

    def notification_status(self, campaign_id, template, content_hash, channel):
        """'sent', 'sending' (another live run has it), 'failed', 'pending' or None."""
        with self.db.cursor() as cur:
            cur.execute("SELECT status FROM notifications WHERE campaign_id = %s AND template = %s AND channel = %s "
                        "AND content_hash = %s", (campaign_id or "", template, channel, content_hash))
            row = cur.fetchone()
            return row["status"] if row else None

    def notification_record(self, campaign_id, template, content_hash, channel, status, error=None):
        with self.db.cursor() as cur:
            cur.execute("UPDATE notifications SET status = %s, attempts = attempts + 1, last_error = %s, "
                        "updated_at = now(), sent_at = CASE WHEN %s = 'sent' THEN now() ELSE sent_at END "
                        "WHERE campaign_id = %s AND template = %s AND channel = %s AND content_hash = %s",
                        (status, error, status, campaign_id or "", template, channel, content_hash))


def _claimer_alive(claimed_by):
    """False only when ``host:pid`` names a process of this host that no longer exists (other hosts: unknown)."""
    host, _, pid = (claimed_by or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except OSError as exc:
        return exc.errno != errno.ESRCH
    return True
