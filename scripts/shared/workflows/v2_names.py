"""The V2 file name agencies use for localised files: ``<TID>_<LANG>_<DESCRIPTION>.<ext>``.

Example: ``K7Q2XM_it-IT_Nutella B-ready banner 300x250.jpg``. The TID is case-insensitive (normalised to upper
case), LANG must be one of the configured tags (compared case-insensitively, returned in its configured spelling),
DESCRIPTION is the rest and may contain ``_`` and spaces but not be empty. Every refusal says how to rename.
"""
import os
import unicodedata
from collections import namedtuple

from ..store.tracking_ids import TRACKING_ALPHABET, normalise_tracking_id
from ..core.errors import InputError


V2Name = namedtuple("V2Name", "tracking_id language description extension filename")
V2Name.__doc__ = """A parsed V2 file name: its tracking id (upper case), language (as configured), description,
extension (with its dot) and the whole name (NFC-normalised)."""


def suggested_name(tid, extension, language="<lang>"):
    return "{}_{}_<description>{}".format(tid or "<TID>", language, extension or ".<ext>")


def parse_v2_name(filename, languages):
    """Parse a V2 name or raise InputError whose ``fix`` is the rename to make."""
    name = unicodedata.normalize("NFC", filename or "").strip()
    stem, ext = os.path.splitext(name)
    if not stem or not ext or ext == ".":
        raise InputError("{!r} has no file extension".format(filename),
                         fix="rename to {} keeping the file's real extension".format(suggested_name(None, None)))
    parts = stem.split("_", 2)
    raw_tid = parts[0].strip()
    # a name without any "_" has no TID part, even when its stem happens to be 6 alphabet characters
    tid = normalise_tracking_id(raw_tid) if len(parts) > 1 else None
    if len(parts) < 3:
        raise InputError("{!r} is not a V2 name (<TID>_<LANG>_<DESCRIPTION>.<ext>)".format(filename),
                         fix="rename to {}".format(suggested_name(tid, ext)))
    if tid is None:
        raise InputError(
            "{!r} does not start with a tracking id: {!r} is not 6 characters of {}".format(
                filename, raw_tid, TRACKING_ALPHABET),
            fix="rename to {} using the tracking id of the file you downloaded".format(suggested_name(None, ext)))
    allowed = {lang.lower(): lang for lang in languages}
    lang = parts[1].strip()
    if not lang:
        raise InputError("{!r} has no language tag".format(filename),
                         fix="rename to {}".format(suggested_name(tid, ext)))
    if lang.lower() not in allowed:
        raise InputError("{!r}: language {!r} is not allowed (allowed: {})".format(
            filename, lang, ", ".join(languages)), fix="rename to {}".format(suggested_name(tid, ext)))
    description = parts[2].strip()
    if not description:
        raise InputError("{!r} has an empty description".format(filename),
                         fix="rename to {}".format(suggested_name(tid, ext, allowed[lang.lower()])))
    return V2Name(tid, allowed[lang.lower()], description, ext, name)
