"""Issue 12's folder move, kept for merging branches written before it: ``python tools/relayout.py . --move``
moves any scripts/shared/<module>.py a merge brought back into its role folder (git mv) and rewrites every import
and path that names a module the old way (scripts.shared.X, scripts/shared/X.py, ``from .X import`` inside the
package). Idempotent: a tree already in the new layout is left as it is. New modules go in LAYOUT first; a module
moved from one folder to another later (issue 25: imports point down) goes in MOVED too."""
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(sys.argv[1])
MOVE = sys.argv[2:3] == ["--move"]
LAYOUT = {
    "core": ["cli", "config", "config_schema", "credentials", "errors", "logging_setup", "startup", "safe_names",
             "progress", "retry", "http_retry", "transfer_deadline", "token_store", "workflow_names"],
    "store": ["database", "leases", "events", "notifications", "tracking_ids", "rows", "item_store", "report_store",
              "box_store", "status_store", "trace_store"],
    "dam": ["dam_client", "dam_transfer", "dam_errors", "dam_types", "dam_auth", "dam_metadata",
            "dam_probe"],
    "box": ["box_client", "box_upload", "box_sessions", "box_types", "box_pacer"],
    "workflows": ["frame", "runtime", "dam_to_box", "inbox_to_dam", "workflow_specs", "workflow_types", "v2_names",
                  "metadata_extractor_mvp", "sample_contexts"],
    "notify": ["notifier", "reporting", "email_format", "alert_markers", "daily_summary", "browser",
               "monitoring"],
}
DOCS = {
    "core": "Runtime basics every part uses: command line, configuration and its schema, credentials checks, errors, logging, retry/poll helper, transfer deadlines, workflow names.",
    "store": "The store layer: every SQL statement of the suite (campaigns, leases, events, per-asset rows, reports, Box pacing rows).",
    "dam": "The OTMM DAM client: HTTP calls, downloads and imports, authentication, metadata documents, the live probe (docs/otmm-api.md).",
    "box": "The Box client (the only module importing boxsdk), its uploads, the shared Box rate budget and its kept upload sessions (docs/box-api.md).",
    "workflows": "The engines and their frame: DAM -> Box workflows (dam_to_box, workflow_specs), A2->A3 (inbox_to_dam), the tick/campaign frame and runtime, the workflows' data shapes.",
    "notify": "Telling people: email/webhook notifier, message contexts, email formatting, alert de-duplication markers, daily summary, health-check monitoring.",
}
PKG = dict((m, p) for p, mods in LAYOUT.items() for m in mods)
MOVED = {"box_pacer": "core", "sample_contexts": "notify"}  # module: the folder it left
SHARED = os.path.join(ROOT, "scripts", "shared")


def git(*args):
    subprocess.check_call(["git"] + list(args), cwd=ROOT)


if MOVE:
    for pkg, mods in LAYOUT.items():
        os.makedirs(os.path.join(SHARED, pkg), exist_ok=True)
        init = os.path.join(SHARED, pkg, "__init__.py")
        if not os.path.exists(init):
            with open(init, "w") as f:
                f.write('"""{}"""\n'.format(DOCS[pkg]))
            git("add", init)
        for m in mods:
            for src in (os.path.join(SHARED, m + ".py"), os.path.join(SHARED, MOVED.get(m, pkg), m + ".py")):
                if os.path.exists(src) and os.path.dirname(src) != os.path.join(SHARED, pkg):
                    git("mv", src, os.path.join(SHARED, pkg, m + ".py"))


def where(path):
    """The role folder of a file under scripts/shared, '' for scripts/shared itself, None outside."""
    rel = os.path.relpath(path, SHARED)
    if rel.startswith(".."):
        return None
    parts = rel.split(os.sep)
    return parts[0] if len(parts) == 2 else ""


REL_FROM = re.compile(r"^(\s*)from \.(\w+) import (.+)$")
REL_PKG = re.compile(r"^(\s*)from \. import (.+)$")
UP_FROM = re.compile(r"^(\s*)from \.\.(\w+)\.(\w+) import (.+)$")


def target(mod, here):
    pkg = PKG.get(mod)
    if pkg is None:
        return None
    return "." + mod if pkg == here else "..{}.{}".format(pkg, mod)


def fix_relative(text, here):
    out = []
    for line in text.split("\n"):
        m = REL_FROM.match(line)
        if m and m.group(2) in PKG:
            line = "{}from {} import {}".format(m.group(1), target(m.group(2), here), m.group(3))
        else:
            m = REL_PKG.match(line)
            if m and "(" not in m.group(2):
                names = [n.strip() for n in m.group(2).split("#")[0].split(",")]
                comment = ("  #" + m.group(2).split("#", 1)[1]) if "#" in m.group(2) else ""
                groups = {}
                for n in names:
                    key = PKG.get(n.split(" as ")[0].strip())
                    groups.setdefault(key, []).append(n)
                if any(k is not None for k in groups):
                    lines = []
                    for key in sorted(groups, key=lambda k: k or ""):
                        src = ("." if not here else "..") if key is None else ("." if key == here else
                                                                               "..{}".format(key))
                        lines.append("{}from {} import {}".format(m.group(1), src, ", ".join(groups[key])))
                    lines[-1] += comment
                    line = "\n".join(lines)
        out.append(line)
    return "\n".join(out)


ABS = re.compile(r"scripts([./])shared\1(\w+)(?=\b)")


def fix_moved(text):
    """scripts.shared.<old folder>.<module> and ..<old folder>.<module> of a module MOVED since, the new way."""
    for mod, old in MOVED.items():
        text = re.sub(r"scripts([./])shared\1{}\1{}\b".format(old, mod),
                      r"scripts\1shared\1{}\1{}".format(PKG[mod], mod), text)
        text = re.sub(r"from \.\.{}\.{} import".format(old, mod), "from ..{}.{} import".format(PKG[mod], mod), text)
    return text


def fix_absolute(text):
    def repl(m):
        sep, mod = m.group(1), m.group(2)
        if mod in PKG:
            return "scripts{0}shared{0}{1}{0}{2}".format(sep, PKG[mod], mod)
        return m.group(0)
    return ABS.sub(repl, text)


FROM_SHARED = re.compile(r"^(\s*)from scripts\.shared import (.+)$", re.M)


def fix_from_shared(text):
    def repl(m):
        indent, names = m.group(1), m.group(2)
        if "(" in names:
            return m.group(0)
        items = [n.strip() for n in names.split("#")[0].split(",")]
        if not any(PKG.get(n.split(" as ")[0].strip()) for n in items):
            return m.group(0)
        groups = {}
        for n in items:
            groups.setdefault(PKG.get(n.split(" as ")[0].strip()), []).append(n)
        return "\n".join("{}from scripts.shared{} import {}".format(indent, "." + k if k else "", ", ".join(v))
                         for k, v in sorted(groups.items(), key=lambda kv: kv[0] or ""))
    return FROM_SHARED.sub(repl, text)


DEPTH = re.compile(r"os\.path\.dirname\(os\.path\.dirname\(os\.path\.dirname\(os\.path\.abspath\(__file__\)\)\)\)")
SKIP_DIRS = {".git", ".venv", ".venv36", "__pycache__", "node_modules", "var", "logs"}
for folder, dirs, files in os.walk(ROOT):
    dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".venv")]
    for name in files:
        if not name.endswith((".py", ".md", ".yaml", ".yml", ".example", ".sql", ".txt", ".cfg", ".toml", ".ini",
                              ".service", ".timer", ".sh", ".json")) and name not in ("Makefile", "crontab.example"):
            continue
        path = os.path.join(folder, name)
        try:
            text = open(path, encoding="utf-8").read()
        except (UnicodeDecodeError, IOError):
            continue
        new = fix_moved(fix_absolute(fix_from_shared(text)))
        here = where(path)
        if name.endswith(".py") and here is not None:
            new = fix_relative(new, here)
            if here and "os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))" not in new:
                new = DEPTH.sub("os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname("
                                "os.path.abspath(__file__)))))", new)
        if new != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
            print("rewrote", os.path.relpath(path, ROOT))
