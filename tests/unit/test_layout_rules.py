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
