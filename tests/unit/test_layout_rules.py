"""The library's layering rules, checked on the source: SQL lives only in the store layer (scripts/shared/store/),
so a maintainer finds every statement of the suite in one place; every pause goes through core/retry.py."""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = os.path.join(ROOT, "scripts")
STORE = os.path.join(SCRIPTS, "shared", "store")
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


def test_configuration_defaults_are_not_spelt_again_in_code():
    """Defaults live in config/schema.yaml: a configured number is read with config_schema.setting (value or the
    schema's default), never as ``cfg.get("key") or 30`` (issue 16). Protocol fields of an answer may have their own."""
    import yaml
    with open(os.path.join(ROOT, "config", "schema.yaml"), encoding="utf-8") as f:
        keys = set(re.findall(r"^\s+([a-z_]+):", f.read(), flags=re.M))
    assert "max_retry_wait_seconds" in keys and yaml
    pattern = re.compile(r'\.get\("({})"(?:, [^)]*)?\)\s+or\s+[0-9]'.format("|".join(sorted(keys))))
    assert _offenders(pattern, set()) == []


WORKFLOWS = os.path.join(SCRIPTS, "shared", "workflows")
MAX_PARAMETERS = 4


def _functions(folder):
    """(file:line name, parameter count without self/cls) of every function defined in ``folder``'s modules."""
    import ast
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read(), path)
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                    args = node.args
                    names = [a.arg for a in args.args + args.kwonlyargs]
                    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
                    count = len([n for n in names if n not in ("self", "cls")])
                    yield "{}:{} {}".format(os.path.relpath(path, ROOT), node.lineno,
                                            getattr(node, "name", "lambda")), count


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
    import ast
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read(), path)
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    callee = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                    if callee in ("record_event", "event"):
                        yield ("{}:{}".format(os.path.relpath(path, ROOT), node.lineno), callee,
                               set(k.arg for k in node.keywords))


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
