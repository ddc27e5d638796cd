"""The answer to "where is the file with tracking ID X?" and "why is this campaign stuck?": the whole life of an
asset or a campaign read from the database (trace.py), as plain text or JSON (schema_version 1, docs/operations.md).

``find`` decides what the operator typed: a campaign number, a tracking id, a DAM or Box id, or part of a file
name (the first matches, fuzzy: any part, any case).
"""
import datetime
import json

from ..store import status_store, trace_store
from .reporting import box_folder_url
from .status_view import label_of, one_line, short_time

SCHEMA_VERSION = 1
MAX_ASSETS = 20  # a name that matches more assets lists them instead of tracing each


def _clean(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone().isoformat(timespec="seconds")
    if isinstance(value, dict):
        return dict((k, _clean(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def find(db, text):
    """{"schema_version", "query", "kind": "campaign"|"assets"|"none", "campaign": {...}|None, "assets": [...]}."""
    text = (text or "").strip()
    out = {"schema_version": SCHEMA_VERSION, "query": text, "kind": "none", "campaign": None, "assets": [],
           "more": False}
    with status_store.snapshot(db) as cur:
        if text and trace_store.is_campaign(cur, text):
            out["kind"] = "campaign"
            out["campaign"] = _campaign(cur, text)
            return _clean(out)
        tids = trace_store.tracking_ids_for(cur, text, MAX_ASSETS + 1) if text else []
        out["more"] = len(tids) > MAX_ASSETS
        out["assets"] = [_asset(cur, tid) for tid in tids[:MAX_ASSETS]]
        if out["assets"]:
            out["kind"] = "assets"
    return _clean(out)


def _asset(cur, tid):
    master = trace_store.master(cur, tid)
    localisations = trace_store.localisations(cur, tid)
    by_id = dict((d["id"], d) for d in localisations)
    for d in localisations:
        replacement = by_id.get(d["superseded_by"])
        d["superseded_by_file"] = replacement["box_file_name"] if replacement else None
        d["current"] = d["state"] in ("imported", "cleaned") and d["superseded_by"] is None
    deliveries = trace_store.deliveries(cur, tid)
    campaigns = sorted(set([master["local_campaign_id"]] if master else []) |
                       set(r["campaign_id"] for r in deliveries))
    events = trace_store.asset_events(cur, tid, [d["box_file_id"] for d in localisations])
    if master:
        master["box_folder_url"] = box_folder_url(master["box_folder_id"])
    return {"tracking_id": tid, "master": master, "deliveries": deliveries, "localisations": localisations,
            "events": events, "notifications": trace_store.notifications(cur, campaigns)}


def _campaign(cur, campaign_id):
    rows = trace_store.campaign_rows(cur, campaign_id)
    assets = trace_store.campaign_assets(cur, campaign_id)
    return {"campaign_id": campaign_id, "name": next((r["campaign_name"] for r in rows if r["campaign_name"]), None),
            "workflows": rows, "assets": assets, "events": trace_store.campaign_events(cur, campaign_id),
            "notifications": trace_store.notifications(cur, [campaign_id])}


def exit_code(found):
    return 0 if found["kind"] != "none" else 1


def to_json(found):
    return json.dumps(found, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def render_text(found):
    if found["kind"] == "none":
        return ("Nothing found for {!r}: not a campaign number, tracking id, DAM or Box id, nor part of a file "
                "name the suite has handled.\n".format(found["query"]))
    lines = []
    if found["kind"] == "campaign":
        _campaign_lines(found["campaign"], lines)
    else:
        if len(found["assets"]) > 1:
            lines.append("{} assets match {!r}{}: {}".format(
                len(found["assets"]), found["query"], " (first shown; narrow the search)" if found["more"] else "",
                ", ".join(a["tracking_id"] for a in found["assets"])))
            lines.append("")
        for asset in found["assets"]:
            _asset_lines(asset, lines)
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _when(text):
    return short_time(text)


def _asset_lines(a, lines):
    m = a["master"]
    if m:
        lines.append("Tracking ID {}: {} (campaign {}{})".format(a["tracking_id"], m["original_filename"],
                                                                 m["local_campaign_id"], ", {}".format(
                                                                     m["campaign_name"]) if m["campaign_name"] else ""))
        lines.append("  DAM: asset {} in {} (version {}){}".format(m["opentext_id"], m["dam_folder_path"] or "/",
                                                                  m["dam_version"] or "-", "  " + m["dam_url"]
                                                                  if m["dam_url"] else ""))
        lines.append("  Box: file {} {} in folder {}{}".format(m["box_file_id"] or "-", m["box_file_name"] or "",
                                                               m["box_folder_id"] or "-", "  " + m["box_url"]
                                                               if m["box_url"] else ""))
        if m["rework_count"]:
            lines.append("  Reworked {} time(s), last {}".format(m["rework_count"], _when(m["last_rework_at"])))
    else:
        lines.append("Tracking ID {} (no master row)".format(a["tracking_id"]))
    lines.append("  Deliveries to Box:")
    for d in a["deliveries"] or []:
        lines.append("    {} {}: {} -> Box file {} {} ({}){}".format(
            label_of(d["workflow"]), d["campaign_id"], d["state"], d["box_file_id"] or "-", d["box_file_name"] or "",
            d["box_outcome"] or "-", "; last error: " + one_line(d["last_error"]) if d["last_error"] else ""))
    if not a["deliveries"]:
        lines.append("    none")
    lines.append("  Localised files:")
    for d in a["localisations"]:
        mark = "current final" if d["current"] else (
            "superseded by {} at {}".format(d["superseded_by_file"] or d["superseded_by"], _when(d["superseded_at"]))
            if d["superseded_by"] else d["state"])
        lines.append("    {} {}: Box file {} version {} -> DAM asset {} [{}]{}".format(
            d["language"] or "?", d["box_file_name"], d["box_file_id"], d["box_version_id"] or "-",
            d["dam_asset_id"] or "-", mark, "; last error: " + one_line(d["last_error"]) if d["last_error"] and
            d["state"] == "failed" else ""))
    if not a["localisations"]:
        lines.append("    none yet")
    _event_lines(a["events"], lines)
    _notification_lines(a["notifications"], lines)


def _campaign_lines(c, lines):
    lines.append("Campaign {}{}".format(c["campaign_id"], ": " + c["name"] if c["name"] else ""))
    for w in c["workflows"]:
        extra = ""
        if w["state"] in ("failed", "partial"):
            extra = "; next try {} after {} attempt(s): {}".format(_when(w["next_attempt_at"]), w["attempts"],
                                                                  one_line(w["last_error"]))
        if w["lease_owner"]:
            extra += "; held by {} until {}".format(w["lease_owner"], _when(w["lease_expires_at"]))
        lines.append("  {}: {} ({} of {} done, {} failed; DAM folder {}){}".format(
            label_of(w["workflow"]), w["state"], w["assets_done"], w["assets_total"], w["assets_failed"],
            w["folder_id"] or "-", extra))
    lines.append("  Assets:")
    for a in c["assets"]:
        lines.append("    {} {} {}/{}: {} -> Box {} ({} localised final(s)){}".format(
            label_of(a["workflow"]), a["tracking_id"] or "-", a["folder_path"] or "", a["original_filename"], a["state"],
            a["box_file_id"] or "-", a["finals"], "; " + one_line(a["last_error"]) if a["last_error"] else ""))
    if not c["assets"]:
        lines.append("    none")
    _event_lines(c["events"], lines)
    _notification_lines(c["notifications"], lines)


def _event_lines(events, lines):
    lines.append("  Events:")
    for e in events:
        lines.append("    {} {} {}{}: {}".format(_when(e["occurred_at"]), label_of(e["workflow"]), e["event_type"],
                                                 "" if e["level"] == "info" else " [" + e["level"] + "]",
                                                 one_line(e["message"])))
    if not events:
        lines.append("    none")


def _notification_lines(notes, lines):
    lines.append("  Emails and webhooks:")
    for n in notes:
        lines.append("    {} {} {} {}{}".format(_when(n["sent_at"] or n["created_at"]), n["channel"], n["template"],
                                              n["status"], "; " + one_line(n["last_error"]) if n["last_error"]
                                              and n["status"] != "sent" else ""))
    if not notes:
        lines.append("    none")


def show_trace(config, args):
    """trace.py: print what ``args.query`` finds (text or JSON); exit 0 found, 1 nothing found."""
    import sys
    from ..store.database import Database
    db = Database.from_config(config)
    try:
        found = find(db, args.query)
    finally:
        db.close()
    sys.stdout.write(to_json(found) if args.json else render_text(found))
    return exit_code(found)
