"""Names from the DAM or Box made safe for the local disk and for Box: no path tricks, no control characters."""
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_component(name, max_length=255, fallback="unnamed"):
    """One path component: NFC, no / or \\, no control characters, trimmed, never '.'/'..', length-limited
    (by UTF-8 bytes, keeping the extension)."""
    text = unicodedata.normalize("NFC", name or "")
    text = _CONTROL.sub("", text).replace("/", "_").replace("\\", "_").strip()
    text = text.rstrip(" .") if text not in (".", "..") else ""
    if not text or set(text) <= {"."}:
        text = fallback
    if len(text.encode("utf-8")) > max_length:
        stem, dot, ext = text.rpartition(".")
        ext = "." + ext if dot and len(ext) <= 16 else ""
        stem = text[:len(text) - len(ext)] if ext else text
        while len((stem + ext).encode("utf-8")) > max_length:
            stem = stem[:-1]
        text = stem.rstrip(" .") + ext
    return text


def mirrored_path(parts):
    """A DAM folder path as the names Box shows (each part through safe_component, so a '/' inside a folder name
    stays inside one part), joined with '/': A2->A3 splits it to mirror the same folders in Final Assets."""
    return "/".join(safe_component(p) for p in parts)


def same_name(a, b):
    """Folder names compared as a person reads them: NFC/NFD spellings, case and outer spaces do not matter."""
    def key(n):
        return unicodedata.normalize("NFC", n or "").strip().lower()
    return key(a) == key(b)
