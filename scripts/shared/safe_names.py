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
