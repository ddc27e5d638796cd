"""Emails (Jinja2 templates, HTML with a plain-text twin) and webhooks (health pings: monitoring.HealthCheck).

Every notification is de-duplicated through the ``notifications`` table, keyed by (campaign, template, channel,
content hash): the same failure is reported once, not every five minutes. A failing mail server or webhook is a
warning recorded as "failed" (a later tick sends it); it never fails or rolls back the asset work.

Public interface (the workflows call these):
  Notifier.for_tick(rt)                            a workflow tick's notifier (runtime.Runtime)
  Notifier(config, store=None, dry_run=False)      config = the whole loaded config dict (smtp, notifications,
                                                   optional secrets); store = the dedupe store (Database)
  .send_email(template, campaign_id, context, extra_recipients=(), attachments=(), dedupe_key=None)
                                                   attachments: [(filename, bytes or str, mimetype)]; dedupe_key:
                                                   what makes two messages "the same" when it is not the
                                                   whole context (run_error: the problem and the day)
                                                   -> "sent" | "duplicate" | "failed" | "dry_run" | "no_recipients"
  .send_webhook(event, campaign_id, payload)       -> same, or "disabled" without notifications.webhook_url
  .render(template, context)                       -> (subject, html, text); raises jinja2.UndefinedError when the
                                                   context lacks a key a template uses (StrictUndefined)
  check_smtp(config)                               connect + TLS + login without sending (test_connection.py)
Dedupe store protocol: store.notification_should_send(campaign_id, template, content_hash, channel) -> bool and
store.notification_record(campaign_id, template, content_hash, channel, status, error=None); optional
store.notification_status(...) -> 'sent' | 'sending' | ... (a refused claim of an unsent message is then reported
as in progress, never as "already sent").
content_hash = sha256 of canonical JSON of (template, sorted recipients, dedupe_key or the context without
run_id / generated_at).

Context every workflow template receives (reporting.message_context builds it):
  workflow ("A1→A2"), run_id, generated_at (ISO),
  campaign   {campaign_id, name, type, status_before, status_after, folder_id, box_folder_url (or None),
              dam_url (or None)},
  assets     [{tracking_id, filename, folder_path ("" at top), size, url (Box or DAM link, or None),
               outcome (uploaded|adopted|new_version|imported|...), rejection: [{label, value}] (A5 only, else [])}],
  failures   [{tracking_id (or None), filename, reason, fix}],
  quarantined [{filename, reason, fix}]   (A2→A3 only, else []),
  next_steps (str), inbox_url (A2→A3 upload inbox link, or None), needs_attention_url (or None)
daily_summary_report: {date, generated_at, workflows: [{workflow, campaigns_advanced, assets_moved, failures,
  rejections, quarantined}], failures: [{workflow, campaign_id, tracking_id, reason, at}], inbox_waiting (int or
  None when Box could not be asked), stuck: [{workflow, campaign_id, state, since, last_error}],
  problems: [{workflow, campaign_id, attempts, next_try, last_error}] (running count of a failing campaign),
  failures[].resolved (time or None), not_started: [{workflow, count, first, last, resolved_at, message}],
  channels: [{channel, ticks, since, last_error}], certificate ({days_left, expires} or None),
  totals: {campaigns_advanced, assets_moved, failures, rejections, quarantined}}
run_error: {workflow, run_id, generated_at, date, error, fix, campaign (or None), attempts (or None)}
  (date makes the alert once per fault and day; attempts is set for a campaign that failed N times in a row)
"""
import hashlib
import hmac
import json
import logging
import os
import re
import time
from email.utils import parseaddr

from . import email_format
from .alert_markers import FallbackStore, MarkerStore, state_dir
from ..core.errors import ServiceError
from ..core.retry import Again, RetryPolicy, retry_call, sleep
from ..core.config_schema import setting

log = logging.getLogger(__name__)

TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                            "templates")
VOLATILE = ("run_id", "generated_at")

SUBJECTS = {
    "a1_to_a2_complete": "[{{ workflow }}] {{ campaign.campaign_id }} {{ campaign.name }}: {{ counts.delivered }} master "
                         "asset(s) delivered to Box{% if counts.not_delivered %}, {{ counts.not_delivered }} deleted in the DAM{% endif %}",
    "a1_to_a2_partial": "[{{ workflow }}] {{ campaign.campaign_id }} {{ campaign.name }}: {{ counts.failed }} asset(s) "
                        "failed, status stays {{ campaign.status_before }}",
    "a1_to_a2_no_assets": "[{{ workflow }}] {{ campaign.campaign_id }} {{ campaign.name }}: no master assets to deliver",
    "a5_to_a6_rejections": "[{{ workflow }}] {{ campaign.campaign_id }} {{ campaign.name }}: {{ counts.delivered }} rejected "
                           "asset(s) sent back for rework{% if counts.not_delivered %}, {{ counts.not_delivered }} deleted in the DAM{% endif %}",
    "a5_to_a6_partial": "[{{ workflow }}] {{ campaign.campaign_id }} {{ campaign.name }}: {{ counts.failed }} rejected "
                        "asset(s) could not be sent",
    "a5_to_a6_no_rejections": "[{{ workflow }}] {{ campaign.campaign_id }} {{ campaign.name }}: no NOT APPROVED assets",
    "b1_to_b2_complete": "[{{ workflow }}] {{ campaign.campaign_id }} {{ campaign.name }}: {{ counts.delivered }} global "
                         "master(s) delivered to Box{% if counts.not_delivered %}, {{ counts.not_delivered }} deleted in the DAM{% endif %}",
    "b1_to_b2_partial": "[{{ workflow }}] {{ campaign.campaign_id }} {{ campaign.name }}: {{ counts.failed }} master(s) "
                        "failed, status stays {{ campaign.status_before }}",
    "b1_to_b2_no_assets": "[{{ workflow }}] {{ campaign.campaign_id }} {{ campaign.name }}: no final assets to deliver",
    "a2_to_a3_file_uploaded": "[{{ workflow }}] {{ campaign.campaign_id }}: {% if assets %}{{ counts.assets }} localised "
                              "file(s) imported into the DAM{% endif %}{% if assets and quarantined %}, {% endif %}"
                              "{% if quarantined %}{{ counts.quarantined }} file(s) need attention{% endif %}"
                              "{% if failures %} ({{ counts.failed }} failed){% endif %}",
    "a2_to_a3_complete": "[{{ workflow }}] {{ campaign.campaign_id }} {{ campaign.name }}: every master localised, "
                         "campaign moved to A3{% if counts.not_delivered %} ({{ counts.not_delivered }} deleted in the "
                         "DAM, not expected){% endif %}",
    "daily_summary_report": "[Daily report] {{ date }}: {{ totals.campaigns_advanced }} campaign(s) advanced, "
                            "{{ totals.assets_moved }} asset(s) moved, {{ totals.failures }} failure(s)",
    "run_error": "[{{ workflow }}] ACTION NEEDED{% if campaign %} {{ campaign.campaign_id }}{% endif %}: "
                 "{{ error|truncate(90, end='\u2026') }}",
}
TEMPLATES = sorted(SUBJECTS)
ALERT_TEMPLATES = ("run_error",)  # technical alerts: to the operators only (notifications.alert_recipients)
BOTH_TEMPLATES = ("daily_summary_report",)  # to marketing (default_recipients) and the operators


def _environment():
    """HTML files autoescaped, .txt files and subjects (strings: a header is text, not HTML) verbatim."""
    import jinja2
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), undefined=jinja2.StrictUndefined,
                             autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
                             trim_blocks=True, lstrip_blocks=True, finalize=visible_text)
    env.filters.update(outcome_label=email_format.outcome_label, folder_label=email_format.folder_label,
                       workflow_title=email_format.workflow_title, when=email_format.when)
    return env


MAX_HTML_BYTES = 90 * 1024  # under the ~102 KB at which Gmail and others clip a message
LIST_KEYS = ("assets", "failures", "quarantined", "stuck")
CSV_COLUMNS = ("tracking_id", "filename", "folder_path", "size", "url", "outcome", "language", "description",
               "dam_asset_id", "reason", "fix")


def rows_csv(rows):
    """A list of report entries as CSV bytes, UTF-8 with a byte-order mark as the daily report's files (Excel reads
    accents right only with it): the known columns first, any others after, and each labelled field of a nested
    list (an asset's rejection fields) as a column of its own, so the file carries everything the email showed."""
    import csv
    import io
    rows = [_flat(r) for r in rows]
    columns = [c for c in CSV_COLUMNS if any(c in r for r in rows)]
    seen = set(columns)
    for r in rows:  # the other columns in the order they first appear (rejection fields as the DAM lists them)
        for k in r:
            if k not in seen:
                seen.add(k)
                columns.append(k)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow(dict((k, "" if r.get(k) is None else visible_text(str(r.get(k)))) for k in columns))
    return out.getvalue().encode("utf-8-sig")


def _flat(row):
    """A report entry with its [{"label", "value"}] lists spread into label columns and other nested values left
    out (they have no cell)."""
    flat = {}
    for key, value in row.items():
        if isinstance(value, list) and all(isinstance(v, dict) and "label" in v for v in value):
            for field in value:  # a label that is also a column name ("filename") keeps its list's name in front
                label = str(field["label"])
                flat[label if label not in row else "{} {}".format(key, label)] = field.get("value")
        elif not isinstance(value, (list, dict)):
            flat[key] = value
    return flat


def visible_text(value):
    """Control characters in a value (a NUL in a DAM name) are shown as \\xNN, never sent raw into a message."""
    if isinstance(value, str) and _CONTROL.search(value):
        return _CONTROL.sub(lambda m: "\\x{:02x}".format(ord(m.group(0))), value)
    return value


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def content_hash(template, recipients, context):
    stable = {k: v for k, v in context.items() if k not in VOLATILE}
    doc = json.dumps({"template": template, "recipients": sorted(recipients), "context": stable}, sort_keys=True,
                     default=str)
    return hashlib.sha256(doc.encode("utf-8")).hexdigest()


def _split(addresses):
    if not addresses:
        return []
    if isinstance(addresses, (list, tuple)):
        return [a.strip() for a in addresses if a and a.strip()]
    return [a.strip() for a in str(addresses).replace(";", ",").split(",") if a.strip()]


def _plausible_address(address):
    """An address like name@host or "Name <name@host>": no control characters (header injection), one "@"."""
    if any(ord(c) < 32 for c in address):
        return False
    mailbox = address.rsplit("<", 1)[-1].rstrip(">").strip() if "<" in address else address
    return mailbox.count("@") == 1 and " " not in mailbox and not mailbox.startswith("@") and \
        not mailbox.endswith("@")


def _permanent_smtp_error(exc):
    """Errors another attempt in this run cannot fix (wrong password, no STARTTLS, untrusted certificate)."""
    import smtplib
    import ssl
    if isinstance(exc, (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError, ssl.CertificateError)):
        return True
    return isinstance(exc, ssl.SSLError) and "CERTIFICATE_VERIFY_FAILED" in str(exc)


def _scrub(text, url):
    """Error text without the webhook URL's path or query (Slack-style URLs carry their token in the path)."""
    if not url:
        return text
    rest = url.split("://", 1)[-1]
    path = "/" + rest.split("/", 1)[1] if "/" in rest else ""
    text = text.replace(url, "<webhook URL>")
    if len(path) > 1:
        text = text.replace(path, "<webhook path>")
    return text


def _redact(text, secrets):
    """Last line of defence: a configured secret (config['secrets']) that reached an email becomes [redacted]."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
            escaped = secret.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
                '"', "&#34;").replace("'", "&#39;")
            if escaped != secret:
                text = text.replace(escaped, "[redacted]")
    return text


def _scrubbing_session(url):
    """A requests session whose network errors do not repeat the webhook URL (http_retry logs their text)."""
    import requests
    from ..core.http_session import session_class

    class _Session(session_class()):
        def request(self, method, target, *args, **kwargs):
            try:
                return super(_Session, self).request(method, target, *args, **kwargs)
            except requests.exceptions.RequestException as exc:
                raise type(exc)(_scrub(str(exc), url))

    return _Session()


def _ssl_context(smtp_cfg):
    import ssl
    context = ssl.create_default_context(cafile=smtp_cfg.get("ca_bundle") or None)
    return context


def smtp_connect(smtp_cfg):
    """An authenticated SMTP connection per smtp.security (starttls, ssl, none); certificates are verified."""
    import smtplib
    host, port = smtp_cfg["host"], int(smtp_cfg["port"])
    timeout = int(setting(smtp_cfg, "smtp.timeout_seconds"))
    security = setting(smtp_cfg, "smtp.security")
    if security == "ssl":
        conn = smtplib.SMTP_SSL(host, port, timeout=timeout, context=_ssl_context(smtp_cfg))
    else:
        conn = smtplib.SMTP(host, port, timeout=timeout)
        if security == "starttls":
            conn.starttls(context=_ssl_context(smtp_cfg))
    if smtp_cfg.get("username"):
        conn.login(smtp_cfg["username"], smtp_cfg.get("password") or "")
    return conn


def check_smtp(config):
    """Connect, secure and log in without sending (for test_connection.py); raises ServiceError with a fix."""
    import smtplib
    import socket
    smtp = config["smtp"]
    try:
        conn = smtp_connect(smtp)
        conn.quit()
    except smtplib.SMTPAuthenticationError:
        raise ServiceError("SMTP", "login refused for {}".format(smtp.get("username")),
                           fix="check SMTP_USERNAME/SMTP_PASSWORD in .env (Mailgun: the SMTP credentials of the domain)")
    except (smtplib.SMTPException, socket.error, OSError) as exc:
        raise ServiceError("SMTP", "cannot reach {}:{} ({}): {}".format(smtp["host"], smtp["port"], smtp["security"],
                                                                         exc),
                           fix="check SMTP_HOST/SMTP_PORT/SMTP_SECURITY (587 starttls, 465 ssl) and the firewall")


def _attach(msg, name, data, mime):
    """One attachment (filename, bytes or str, mimetype): text/* as UTF-8 text, anything else (or text that is not
    UTF-8) as base64 bytes."""
    main, _, sub = (mime or "application/octet-stream").partition("/")
    if main == "text":
        try:
            body = data if isinstance(data, str) else data.decode("utf-8")
            msg.add_attachment(body, subtype=sub or "plain", charset="utf-8", filename=name)
            return
        except UnicodeDecodeError:
            pass
    if isinstance(data, str):
        data = data.encode("utf-8")
    msg.add_attachment(data, maintype=main, subtype=sub or "octet-stream", filename=name)


class _Undelivered(Exception):
    """An SMTP attempt that failed (the text is what the caller records; never a password)."""

    def __init__(self, text):
        Exception.__init__(self, text)
        self.text = text


class Notifier(object):
    @classmethod
    def for_tick(cls, rt):
        """The notifier of a workflow tick (runtime.Runtime): de-duplicated through the database, or through marker
        files while the database is out; each channel's errors are kept for the frame's failing-channel check."""
        store = FallbackStore(rt.notifications, MarkerStore(state_dir(rt.config)), errors=rt.channel_errors)
        return cls(rt.config, store=store, dry_run=rt.dry_run)

    def __init__(self, config, store=None, dry_run=False):
        self.config = config
        self.store = store
        self.dry_run = dry_run
        self.smtp = config.get("smtp") or {}
        self.notify = config.get("notifications") or {}
        self._env = None
        self._sleep = sleep

    @property
    def env(self):
        if self._env is None:
            self._env = _environment()
        return self._env

    # -- email ----------------------------------------------------------------------------------------------------
    def render(self, template, context):
        """(subject, html, text); a missing context key raises (StrictUndefined), values are escaped in HTML.

        The subject stays under 100 characters (a long campaign name is shortened with an ellipsis)."""
        source = self.env.from_string(SUBJECTS[template])
        subject = email_format.fit_subject(lambda ctx: " ".join(source.render(**ctx).split()), context)
        html = self.env.get_template(template + ".html").render(subject=subject, **context)
        text = self.env.get_template(template + ".txt").render(subject=subject, **context)
        secrets = self.config.get("secrets") or ()
        return _redact(subject, secrets), _redact(html, secrets), _redact(text, secrets)

    def recipients(self, template, extra=()):
        """Who gets ``template``: technical alerts (ALERT_TEMPLATES) the operators (alert_recipients), campaign
        emails marketing (default_recipients), the daily report both; then recipients[template] and ``extra``,
        without duplicates (case-insensitive). Without alert_recipients the alerts fall back to default_recipients
        (config_warnings says so at start-up).

        An entry that is not a plain address (no "@", or spaces / line breaks inside, as a DAM field may carry)
        is left out with a warning rather than breaking the message headers.
        """
        campaign = _split(self.notify.get("default_recipients"))
        operators = _split(self.notify.get("alert_recipients")) or campaign
        if template in ALERT_TEMPLATES:
            found = list(operators)
        elif template in BOTH_TEMPLATES:
            found = campaign + operators
        else:
            found = list(campaign)
        found += _split((self.notify.get("recipients") or {}).get(template))
        found += _split(list(extra))
        seen, out = set(), []
        for address in found:
            if not _plausible_address(address):
                log.warning("Ignoring recipient %r of %s: not an email address", address, template)
                continue
            key = parseaddr(address)[1].lower() or address.lower()
            if key not in seen:
                seen.add(key)
                out.append(address)
        return out

    def send_email(self, template, campaign_id, context, extra_recipients=(), attachments=(), dedupe_key=None):
        to = self.recipients(template, extra_recipients)
        subject, html, text = self.render(template, context)
        if len(html.encode("utf-8")) > MAX_HTML_BYTES:
            subject, html, text, attachments = self._summarised(template, context, attachments)
        if not to:
            log.warning("No recipients for %s: set %s in .env", template,
                        "ALERT_EMAIL_TO (the operators) or NOTIFY_TO" if template in ALERT_TEMPLATES else "NOTIFY_TO")
            return "no_recipients"
        if self.dry_run:
            log.info("DRY RUN: would email %s to %s: %s", template, ", ".join(to), subject)
            return "dry_run"
        digest = content_hash(template, to, context if dedupe_key is None else dedupe_key)
        if self.store is not None and not self.store.notification_should_send(campaign_id, template, digest,
                                                                              "email"):
            if self._was_sent(campaign_id, template, digest, "email"):
                log.info("Email %s for %s already sent; not repeating it", template, campaign_id or "-")
                return "duplicate"
            log.info("Email %s for %s is being sent by another run right now; the next run checks that it went",
                     template, campaign_id or "-")
            return "failed"
        message = self._message(subject, to, html, text, attachments)
        error = self._deliver(message, to)
        if self.store is not None:
            self.store.notification_record(campaign_id, template, digest, "email", "failed" if error else "sent",
                                           error=error)
        if error:
            log.warning("Email %s could not be sent (%s); the next run retries it", template, error)
            return "failed"
        log.info("Emailed %s to %s", template, ", ".join(to))
        return "sent"

    def _summarised(self, template, context, attachments):
        """The email of a large campaign: the lists cut to what fits under MAX_HTML_BYTES (mail clients clip longer
        messages, about 102 KB, hiding the end), every list in full as a CSV attachment, a note saying so. The
        de-duplication hash still covers the full context."""
        lists = [k for k in LIST_KEYS if isinstance(context.get(k), list) and context[k]]
        total = sum(len(context[k]) for k in lists)
        extra = list(attachments or ())
        for key in lists:
            if any(name.endswith("_{}.csv".format(key)) for name, _data, _mime in extra):
                continue  # the caller attaches that table in full already (the daily report's CSV files)
            extra.append(("{}-{}.csv".format(context.get("campaign", {}) and (context["campaign"] or {}).get(
                "campaign_id") or template, key), rows_csv(context[key]), "text/csv"))
        keep = max(len(context[k]) for k in lists)
        while True:
            keep = max(1, keep // 2)
            shown = dict(context, **{k: context[k][:keep] for k in lists})
            note = "Only the first {} of each list are shown here ({} {} in all); the attached CSV file{} " \
                   "list{} all of them.".format(keep, total, "assets" if "assets" in lists else "entries",
                                               "s" if len(lists) > 1 else "", "" if len(lists) > 1 else "s")
            if "next_steps" in context:
                shown["next_steps"] = "{} {}".format(note, context.get("next_steps") or "").strip()
            else:  # templates without next steps (the daily report) show it as list_note
                shown["list_note"] = note
            subject, html, text = self.render(template, shown)
            if len(html.encode("utf-8")) <= MAX_HTML_BYTES or keep == 1:
                log.info("Email %s lists %d item(s): summarised, full lists attached as CSV", template, total)
                return subject, html, text, extra

    def _was_sent(self, campaign_id, template, digest, channel):
        """After a refused claim: sent already, or (False) claimed by a run that is sending it right now."""
        status = getattr(self.store, "notification_status", None)
        return status is None or status(campaign_id, template, digest, channel) == "sent"

    def _message(self, subject, to, html, text, attachments):
        from email.message import EmailMessage
        from email.utils import formatdate, make_msgid
        msg = EmailMessage()
        msg["Subject"] = subject
        msg["From"] = setting(self.smtp, "smtp.from_address")
        msg["To"] = ", ".join(to)
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain="dam-content-scaling")
        msg.set_content(text)
        msg.add_alternative(html, subtype="html")
        for name, data, mime in attachments or ():
            _attach(msg, name, data, mime)
        return msg

    def _deliver(self, message, to):
        """Send with bounded retries and back-off; returns None or the last error text (never a password).

        A refused login, a server without STARTTLS or an untrusted certificate is not retried in this run.
        """
        attempts = max(1, int(setting(self.smtp, "smtp.max_attempts")))
        base = float(setting(self.smtp, "smtp.retry_backoff_seconds"))

        def attempt(_):
            try:
                conn = smtp_connect(self.smtp)
                try:
                    conn.send_message(message, to_addrs=to)
                finally:
                    try:
                        conn.quit()
                    except Exception:  # nosec B110 # the message is sent; a failing QUIT changes nothing
                        pass
                return None
            except Exception as exc:  # smtplib, socket and TLS errors alike: report, retry, never raise
                last = "{}: {}".format(type(exc).__name__, exc)
                if _permanent_smtp_error(exc):
                    return last
                raise Again(_Undelivered(last))

        def on_retry(error, number, wait):
            log.info("SMTP attempt %d/%d failed (%s); retrying", number, attempts, error.text)
        try:
            return retry_call(attempt, RetryPolicy.doubling(attempts, first=base, cap=30), on_retry=on_retry,
                              sleep=self._sleep)
        except _Undelivered as exc:
            return exc.text

    # -- webhook --------------------------------------------------------------------------------------------------
    def send_webhook(self, event, campaign_id, payload):
        url = self.notify.get("webhook_url")
        if not url:
            return "disabled"
        if self.dry_run:
            log.info("DRY RUN: would POST webhook %s", event)
            return "dry_run"
        digest = content_hash(event, [url], payload)
        if self.store is not None and not self.store.notification_should_send(campaign_id, event, digest, "webhook"):
            return "duplicate" if self._was_sent(campaign_id, event, digest, "webhook") else "failed"
        from ..core.http_retry import RetryPolicy, send_with_retry
        body = json.dumps({"event": event, "campaign_id": campaign_id, "data": payload,
                           "sent_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, sort_keys=True,
                          default=str).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        secret = self.notify.get("webhook_secret")
        if secret:
            headers["X-Signature-SHA256"] = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
        error = None
        try:
            with _scrubbing_session(url) as session:
                send_with_retry(session, "POST", url, "Webhook", RetryPolicy(max_attempts=3, base=0.5, cap=5,
                                                                              max_wait=30, deadline=60),
                                lambda r: ((r.text or "")[:200], None), "/", data=body, headers=headers,
                                timeout=int(setting(self.notify, "notifications.webhook_timeout_seconds")))
        except Exception as exc:
            error = _scrub(str(exc), url)
        if self.store is not None:
            self.store.notification_record(campaign_id, event, digest, "webhook", "failed" if error else "sent",
                                           error=error)
        if error:
            log.warning("Webhook %s failed (%s); the next run retries it", event, error)
            return "failed"
        return "sent"
