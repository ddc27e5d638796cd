"""The library's layering rules, checked on the source: SQL lives only in the store layer (scripts/shared/store/),
so a maintainer finds every statement of the suite in one place; every pause goes through core/retry.py; every
library module is short and says in its docstring what it is for."""
import ast
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = os.path.join(ROOT, "scripts")
SHARED = os.path.join(SCRIPTS, "shared")
STORE = os.path.join(SHARED, "store")
MAX_LINES = 600
SQL_CALL = re.compile(r"\.(execute|executemany|cursor)\(")


def _runtime_sources():
    for folder, _, files in os.walk(SCRIPTS):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                yield path, open(path, encoding="utf-8").read()


def _offenders(pattern, allowed):
    """Lines matching ``pattern`` in files that are neither named in ``allowed`` nor inside a folder named there."""
    found = []
    for path, text in _runtime_sources():
        if os.path.basename(path) in allowed or os.path.dirname(path) in allowed:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if pattern.search(line):
                found.append("{}:{}: {}".format(os.path.relpath(path, ROOT), number, line.strip()))
    return found


def test_the_scan_sees_the_runtime_code():
    paths = [os.path.basename(p) for p, _ in _runtime_sources()]
    assert "dam_to_box.py" in paths and "leases.py" in paths and len(paths) > 30
    assert _offenders(SQL_CALL, set()), "the scan finds the store's own statements when nothing is allowed"


def test_sql_only_in_the_store_modules():
    assert os.path.isfile(os.path.join(STORE, "leases.py"))
    offenders = _offenders(SQL_CALL, {STORE})
    assert not offenders, "SQL outside scripts/shared/store/:\n" + "\n".join(offenders)


SLEEP = re.compile(r"\btime\.sleep\b|from time import .*\bsleep\b")


def test_no_sleep_outside_the_retry_module():
    """Every wait goes through scripts/shared/core/retry.py (retry_call, poll_until, the Box pacer's pauses)."""
    assert _offenders(SLEEP, set()), "the scan finds retry.py's own time.sleep when nothing is allowed"
    offenders = _offenders(SLEEP, {"retry.py"})
    assert not offenders, "time.sleep outside scripts/shared/core/retry.py:\n" + "\n".join(offenders)


HTTP_CALL = re.compile(r"requests\.(Session|get|post|put|patch|delete|head|request)\b|urlopen\(")


def test_every_http_session_comes_from_the_one_helper():
    """core/http_session.py makes every session (never ~/.netrc's credentials, environment proxies kept); a bare
    requests.Session / requests.get elsewhere would send whatever .netrc holds for the host."""
    planted = 'import requests\nclass _S(requests.Session):\n    pass\nrequests.get(url, timeout=5)\n'
    assert [n for n, line in enumerate(planted.splitlines(), 1) if HTTP_CALL.search(line)] == [2, 4]
    assert _offenders(HTTP_CALL, set()), "the scan finds the helper's own requests.Session when nothing is allowed"
    offenders = _offenders(HTTP_CALL, {"http_session.py"})
    assert not offenders, "HTTP sessions made outside scripts/shared/core/http_session.py:\n" + "\n".join(offenders)


def test_configuration_defaults_are_not_spelt_again_in_code():
    """Defaults live in config/schema.yaml: a configured number is read with config_schema.setting (value or the
    schema's default), never as ``cfg.get("key") or 30`` (issue 16). Protocol fields of an answer may have their own."""
    import yaml
    with open(os.path.join(ROOT, "config", "schema.yaml"), encoding="utf-8") as f:
        keys = set(re.findall(r"^\s+([a-z_]+):", f.read(), flags=re.M))
    assert "max_retry_wait_seconds" in keys and yaml
    pattern = re.compile(r'\.get\("({})"(?:, [^)]*)?\)\s+or\s+[0-9]'.format("|".join(sorted(keys))))
    assert _offenders(pattern, set()) == []


# -- dependencies point one way ------------------------------------------------------------------------------------
FOLDER_ORDER = ("core", "store", "dam", "box", "notify", "workflows")  # a folder imports only folders before it


def _imports(path, text):
    """(line, folder imported, name imported or None) of every import of scripts.shared.<folder> in a file of
    scripts/shared, absolute (``from scripts.shared.dam.dam_auth import``) or relative (``from ..dam import x``),
    at module level or inside a function."""
    import ast
    here = os.path.relpath(os.path.dirname(path), ROOT).split(os.sep)  # ['scripts', 'shared', 'core']
    found = []
    for node in ast.walk(ast.parse(text, path)):
        if isinstance(node, ast.ImportFrom):
            base = here[:len(here) - node.level + 1] if node.level else []
            parts = base + (node.module.split(".") if node.module else [])
            for alias in node.names:
                target = parts + ([alias.name] if len(parts) == 2 else [])  # ``from .. import notify``
                found.append((node.lineno, target, alias.name))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name.split("."), None) for alias in node.names)
    return [(line, parts[2], name) for line, parts, name in found
            if parts[:2] == ["scripts", "shared"] and len(parts) > 2 and parts[2] in FOLDER_ORDER]


def _library_imports():
    """(file, folder it is in, line, folder it imports, name) for every cross-folder import in scripts/shared."""
    for path, text in _runtime_sources():
        folder = os.path.relpath(path, SHARED).split(os.sep)[0]
        if folder in FOLDER_ORDER:
            for line, target, name in _imports(path, text):
                if target != folder:
                    yield os.path.relpath(path, ROOT), folder, line, target, name


def _upward(order):
    return ["{}:{}: {} imports {}".format(path, line, folder, target) for path, folder, line, target, _ in
            _library_imports() if order.index(target) > order.index(folder)]


def test_the_import_scan_reads_absolute_relative_and_function_level_imports():
    sample = os.path.join(SHARED, "notify", "sample.py")
    text = ("from ..core.cli import run_main\nfrom scripts.shared.store import database\nimport scripts.shared.box.x\n"
            "def f():\n    from ..dam.dam_auth import load_pfx\n    from . import reporting\n    from .. import workflows\n")
    assert _imports(sample, text) == [(1, "core", "run_main"), (2, "store", "database"), (3, "box", None),
                                      (5, "dam", "load_pfx"), (6, "notify", "reporting"), (7, "workflows", "workflows")]
    workflows_first = ("workflows",) + FOLDER_ORDER[:-1]
    assert _upward(workflows_first), "with workflows at the bottom, its imports of dam/box/notify are upward"


def test_imports_point_down():
    """core < store < dam < box < notify < workflows: a folder uses only the folders before it (docs/layout.md), so
    core knows no vendor and a change in a workflow never reaches the clients or the notifier."""
    offenders = _upward(FOLDER_ORDER)
    assert not offenders, "upward imports in scripts/shared:\n" + "\n".join(offenders)


def _private_across(imports):
    return ["{}:{}: {} from {}".format(path, line, name, target) for path, _, line, target, name in imports
            if name and name.startswith("_") and name != "__version__"]


def test_no_private_name_is_imported_across_folders():
    """A leading underscore means "this folder's own": another folder that needs it needs a public name."""
    planted = [("scripts/shared/notify/x.py", "notify", 7, "workflows", "_empty_next_steps")]
    assert _private_across(planted), "the rule sees a private name taken from another folder"
    offenders = _private_across(_library_imports())
    assert not offenders, "private names imported across folders:\n" + "\n".join(offenders)


# -- defaults only in the schema, for strings too ----------------------------------------------------------------
def _config_keys():
    """The last part of every key config/schema.yaml declares (config and field mappings)."""
    from scripts.shared.core import config_schema
    return set(key.rsplit(".", 1)[-1] for name in ("config", "field_mappings")
               for key, _ in config_schema.leaves(config_schema.section(name)))


def _spelt_default(keys):
    """``.get("key") or "text"`` / ``or 30`` / ``or A_CONSTANT`` and ``.get("key", "text")`` / ``.get("key", 1)`` for
    a configured key, and any customer id (FERRERO.*: they live in config/)."""
    literal = r'(?:"[^"]*"|\'[^\']*\'|-?[0-9][0-9.]*|True|False)'
    return re.compile(r'\.get\("({})"(?:\)\s+or\s+(?:"[^"]+"|\'[^\']+\'|-?[0-9]|[A-Z][A-Z0-9_]+\b)|,\s*{}\))|FERRERO'.format(
        "|".join(sorted(keys)), literal))


def test_the_default_rule_sees_strings_numbers_and_customer_ids():
    keys = _config_keys()
    assert {"lock_mode", "pool_min", "from_address", "tracking_id"} <= keys
    pattern = _spelt_default(keys)
    for offender in ('(dam_cfg.get("lock_mode") or "auto")', 'cfg.get("pool_min", 1)', 'x.get("security", "ssl")',
                     'cfg.get("max_bytes") or 10485760', '{"tracking_id": "FERRERO.FIELD.TRACKING_ID"}',
                     'cfg.get("deadline_grace_seconds") or DEFAULT_GRACE_SECONDS'):
        assert pattern.search(offender), offender
    for fine in ('setting(dam_cfg, "dam.lock_mode")', 'cfg["pool_min"]', 'row.get("last_error") or ""',
                 'box_cfg.get("jwt_user_id") or ""', 'answer.get("result", {})'):
        assert not pattern.search(fine), fine


def test_configured_strings_and_numbers_have_their_default_only_in_the_schema():
    """Every configured read is ``cfg[...]`` (the loader filled the schema's default) or ``config_schema.setting``
    (a section handed over in part); customer ids (FERRERO.*) live in config/, never in scripts/."""
    offenders = _offenders(_spelt_default(_config_keys()), set())
    assert not offenders, "defaults spelt in code (put them in config/schema.yaml):\n" + "\n".join(offenders)


# -- docs/layout.md places each module where it is -----------------------------------------------------------------
def _misplaced(layout_text):
    """Modules of scripts/shared that docs/layout.md's tree names under a folder other than the one they are in
    (a name written as ``folder/module`` is checked against that folder)."""
    where = {}
    for folder in FOLDER_ORDER:
        for name in os.listdir(os.path.join(SHARED, folder)):
            if name.endswith(".py") and name != "__init__.py":
                where[name[:-3]] = folder
    tree = layout_text.split("```")[1]
    found, section = [], None
    for line in tree.splitlines():
        heading = re.match(r"^  (\w+)/", line)
        if heading:
            section = heading.group(1)
        elif not line.startswith(" "):
            section = None
        if section in FOLDER_ORDER:
            for prefix, word in re.findall(r"\b(?:([a-z]+)/)?([a-z][a-z0-9_]+)(?:\.py)?\b", line):
                said = prefix if prefix in FOLDER_ORDER else section  # "store/box_store" names its folder
                if where.get(word, said) != said:
                    found.append("{} is named under {}/ but lives in {}/".format(word, said, where[word]))
    return found


def test_docs_layout_places_every_module_it_names_in_its_folder():
    with open(os.path.join(ROOT, "docs", "layout.md"), encoding="utf-8") as f:
        text = f.read()
    stale = text.replace("  core/                   what every part uses:",
                         "  core/                   what every part uses: box_pacer, sample_contexts,")
    assert len(_misplaced(stale)) == 2, "the check sees a module the tree puts in the wrong folder"
    assert _misplaced(text) == []


def _library_sources():
    return [(path, text) for path, text in _runtime_sources() if path.startswith(SHARED + os.sep)]


def _long_files(sources, limit):
    return ["{}: {} lines".format(os.path.relpath(path, ROOT), len(text.splitlines()))
            for path, text in sources if len(text.splitlines()) > limit]


def test_no_library_file_over_600_lines():
    """A library file holds one concern (issue 25): past 600 lines it holds several and is split (box_client.py
    and box_upload.py, dam_client.py and dam_transfer.py)."""
    sources = _library_sources()
    assert any(path.endswith(os.path.join("dam", "dam_client.py")) for path, _ in sources)
    assert any("dam_client.py" in line for line in _long_files(sources, 100)), "the scan counts lines"
    offenders = _long_files(sources, MAX_LINES)
    assert not offenders, "library files over {} lines (split them by concern):\n".format(MAX_LINES) + \
        "\n".join(offenders)


def test_no_sandbox_file_over_600_lines():
    """The stand-ins follow the same rule (issue 25): each server routes through one table and keeps its data,
    documents and uploads or writes in modules of their own."""
    folder = os.path.join(ROOT, "sandbox")
    sources = [(os.path.join(folder, name), open(os.path.join(folder, name), encoding="utf-8").read())
               for name in sorted(os.listdir(folder)) if name.endswith(".py")]
    assert any("box_server.py" in line for line in _long_files(sources, 100)), "the scan counts lines"
    offenders = _long_files(sources, MAX_LINES)
    assert not offenders, "sandbox files over {} lines:\n".format(MAX_LINES) + "\n".join(offenders)


def _undocumented(sources):
    return [os.path.relpath(path, ROOT) for path, text in sources if not (ast.get_docstring(ast.parse(text)) or
                                                                            "").strip()]


def test_every_library_module_says_what_it_is_for():
    """Each module under scripts/shared opens with a docstring naming its concern; a maintainer reads that first."""
    seen = _undocumented([(os.path.join(SHARED, "core", "bare.py"), "# a comment is no docstring\nimport os\n"),
                          (os.path.join(SHARED, "core", "said.py"), '"""Says why."""\nimport os\n')])
    assert seen == [os.path.join("scripts", "shared", "core", "bare.py")], "the scan sees a module without one"
    offenders = _undocumented(_library_sources())
    assert not offenders, "library modules without a docstring:\n" + "\n".join(offenders)


# -- engines: a job object, few parameters -----------------------------------------------------------------------
WORKFLOWS = os.path.join(SCRIPTS, "shared", "workflows")
MAX_PARAMETERS = 4


def _nodes(folder):
    """(path, node) of every syntax node in ``folder``'s modules."""
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read(), path)
            for node in ast.walk(tree):
                yield path, node


def _functions(folder):
    """(file:line name, parameter count without self/cls) of every function defined in ``folder``'s modules."""
    for path, node in _nodes(folder):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            names = [a.arg for a in args.args + args.kwonlyargs]
            names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
            count = len([n for n in names if n not in ("self", "cls")])
            yield "{}:{} {}".format(os.path.relpath(path, ROOT), node.lineno, getattr(node, "name", "lambda")), count


def test_no_workflow_function_takes_more_than_four_parameters():
    """A step that needs more than four things takes the claimed campaign's frame.Job (spec, runtime, lease,
    campaign) or a small declared value instead (issue 25: ``_transfer_all`` took ten)."""
    counts = dict(_functions(WORKFLOWS))
    assert max(counts.values()) >= 2 and any(" _transfer_asset" in f for f in counts), "the scan sees the engines"
    assert any(n > MAX_PARAMETERS for _, n in _functions(os.path.join(SCRIPTS, "shared", "store"))), \
        "the scan sees an offender where there is one (the store's finish_campaign takes seven)"
    offenders = ["{} takes {}".format(f, n) for f, n in sorted(counts.items()) if n > MAX_PARAMETERS]
    assert not offenders, "functions in scripts/shared/workflows/ with more than four parameters:\n" + \
        "\n".join(offenders)


def _event_calls(folder):
    """(file:line, callee, keywords) of every call in ``folder`` of a function or method named record_event or
    event."""
    for path, node in _nodes(folder):
        if isinstance(node, ast.Call):
            callee = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if callee in ("record_event", "event"):
                yield ("{}:{}".format(os.path.relpath(path, ROOT), node.lineno), callee, set(k.arg for k in node.keywords))


def test_workflow_events_name_their_campaign_only_through_the_job():
    """Engines record events with ``job.event(...)`` (the claimed campaign's workflow and number, bound once in
    frame.Job) or ``rt.event(...)`` (the tick's, no campaign); only those two call the store's record_event."""
    calls = list(_event_calls(WORKFLOWS))
    assert any(callee == "event" for _, callee, _ in calls), "the scan sees the engines' job.event calls"
    store_calls = [where for where, callee, _ in calls if callee == "record_event"]
    assert store_calls and all(w.startswith(("scripts/shared/workflows/frame.py", "scripts/shared/workflows/runtime.py"))
                               for w in store_calls), "record_event called outside Job.event/Runtime.event: " + \
        ", ".join(store_calls)
    assert len(store_calls) == 2, "one record_event in Job.event, one in Runtime.event: {}".format(store_calls)
    by_hand = [where for where, callee, keywords in calls if callee == "event" and
               keywords & {"campaign_id", "workflow"}]
    assert not by_hand, "events naming their workflow or campaign by hand: " + ", ".join(by_hand)
    assert any(keywords & {"campaign_id"} for _, callee, keywords in _event_calls(os.path.join(ROOT, "tests",
                                                                                               "integration"))
               if callee == "record_event"), "the scan sees a record_event that names its campaign by hand"


def _unnamed(layout_text):
    """Modules of scripts/shared that docs/layout.md's tree does not name."""
    tree = layout_text.split("```")[1]
    return sorted("{}/{}".format(folder, name[:-3]) for folder in FOLDER_ORDER
                  for name in os.listdir(os.path.join(SHARED, folder))
                  if name.endswith(".py") and name != "__init__.py" and not re.search(r"\b{}\b".format(name[:-3]), tree))


def test_docs_layout_names_every_library_module():
    """docs/layout.md matches the tree: a maintainer finds every module of scripts/shared named under its folder."""
    with open(os.path.join(ROOT, "docs", "layout.md"), encoding="utf-8") as f:
        text = f.read()
    assert _unnamed(text.replace("token_store", "kept tokens")) == ["core/token_store"], "the check sees a gap"
    assert _unnamed(text) == []
