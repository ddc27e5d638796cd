"""crontab.example and the production layout, run as cron runs them: ``env -i``, the crontab's own variables only,
``/bin/sh -c`` on each line verbatim (only the install path differs), against the sandbox.

Also the 3.6 locale trap: with an ASCII locale the scripts still write UTF-8 (``--print`` used to die with
UnicodeEncodeError and console lines showed ``\\u2192``).
"""
import collections
import os
import re
import shutil
import subprocess

from tests.e2e.helpers import subjects

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INSTALL = "/opt/ferrero-automation/Python-Version"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (\w+) +\[run=")


def crontab():
    """(variables, [(schedule, command)]) of crontab.example, read the way cron reads it."""
    variables, jobs = {}, []
    with open(os.path.join(ROOT, "crontab.example")) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            assignment = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", line)
            if assignment:
                variables[assignment.group(1)] = assignment.group(2)
                continue
            fields = line.split(None, 5)
            jobs.append((" ".join(fields[:5]), fields[5]))
    return variables, jobs


def production_layout(tmp_path, lab):
    """<opt>/Box-config.json beside <opt>/Python-Version (code, .env, venv/bin/python), as in the README."""
    opt = tmp_path / "opt"
    project = opt / "Python-Version"
    (project / "venv" / "bin").mkdir(parents=True)
    for name in ("scripts", "config", "templates", "database"):
        os.symlink(os.path.join(ROOT, name), str(project / name))
    python = project / "venv" / "bin" / "python"
    python.write_text("#!/bin/sh\nexec '{}' \"$@\"\n".format(lab.product_python))
    python.chmod(0o755)
    shutil.copy(lab.box.box_config_path, str(opt / "Box-config.json"))
    os.chmod(str(opt / "Box-config.json"), 0o600)
    env = {k: v for k, v in lab.env().items() if k not in ("LOG_DIR", "BOX_CONFIG_PATH")}  # the defaults apply
    with open(str(project / ".env"), "w") as f:
        f.writelines("{}={}\n".format(k, v) for k, v in sorted(env.items()))
    os.chmod(str(project / ".env"), 0o600)
    (project / "logs").mkdir()
    return project


def cron_run(command, variables, project, home):
    """Start one crontab command the way cron does: an empty environment plus the crontab's variables."""
    env = dict(variables, HOME=str(home), LOGNAME="ferrero")
    argv = ["env", "-i"] + ["{}={}".format(k, v) for k, v in sorted(env.items())] + [
        "/bin/sh", "-c", command.replace(INSTALL, str(project))]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)


def test_crontab_lines_verbatim_write_each_log_line_once(lab, tmp_path):
    variables, jobs = crontab()
    assert variables.get("LANG") == "C.UTF-8" and "@" in variables.get("MAILTO", "")
    assert len(jobs) == 5
    for _, command in jobs:
        assert re.match(r"^cd {} && venv/bin/python scripts/\w+\.py -q >> logs/cron_\w+\.log 2>&1$".format(
            re.escape(INSTALL)), command), command
    project = production_layout(tmp_path, lab)
    ticks = [c for s, c in jobs if s.startswith("*/5")]
    # every five-minute line, plus a second A1->A2 tick overlapping the first (a long transfer outlives 5 min)
    procs = [cron_run(c, variables, project, tmp_path) for c in ticks + ticks[:1]]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    codes = [p.returncode for p in procs]
    daily = cron_run(next(c for s, c in jobs if not s.startswith("*/5")), variables, project, tmp_path)
    outputs.append(daily.communicate(timeout=300)[0])
    codes.append(daily.returncode)

    assert outputs == [""] * 6                       # cron itself has nothing to mail: all output went to files
    assert all(code in (0, 75) for code in codes), codes
    assert lab.otmm.campaign_status("LC-2026-0042") == "A2"   # real work was done under env -i
    assert len([s for s in subjects(lab) if s.startswith("[Daily report]")]) == 1

    logs = project / "logs"
    names = sorted(os.listdir(str(logs)))
    assert names == sorted(["a1_to_a2.log", "a5_to_a6.log", "b1_to_b2.log", "a2_to_a3.log", "daily_report.log",
                            "cron_a1_a2.log", "cron_a5_a6.log", "cron_b1_b2.log", "cron_a2_a3.log",
                            "cron_daily_report.log"])
    everywhere = collections.Counter()
    for name in names:
        lines = (logs / name).read_text(encoding="utf-8").splitlines()
        everywhere.update(lines)
        counts = collections.Counter(lines)
        assert [line for line, n in counts.items() if n > 1] == [], name        # no line written twice
        assert "\\u2192" not in (logs / name).read_text(encoding="utf-8")
        if name.startswith("cron_"):
            # -q: only warnings/errors reach cron's file; the informational lines live in the rotating log only
            assert [line for line in lines if LOG_LINE.match(line) and LOG_LINE.match(line).group(1) in (
                "DEBUG", "INFO")] == [], name
    assert [line for line, n in everywhere.items() if n > 1 and " INFO " in line] == []
    report = (logs / "daily_report.log").read_text(encoding="utf-8")
    assert len(re.findall(r"Daily report for \S+: ", report)) == 1
    assert "A1→A2" in (logs / "a1_to_a2.log").read_text(encoding="utf-8")


def test_print_and_console_are_utf8_even_in_the_ascii_c_locale(lab):
    """LANG=C (the 3.6 default under cron): PYTHONUTF8=0 and PYTHONCOERCECLOCALE=0 make a 3.7+ interpreter behave
    like 3.6 here, so this bites on every Python."""
    env = {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0", "PYTHONIOENCODING": ""}
    tick = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0042", env=env)  # console log lines
    assert tick.returncode == 0, tick.stdout
    assert "A1→A2" in tick.stdout and "\\u2192" not in tick.stdout, tick.stdout
    printed = lab.run_script("daily_report", "--print", env=env)
    assert printed.returncode == 0, printed.stdout
    assert "A1→A2" in printed.stdout and "UnicodeEncodeError" not in printed.stdout
    assert "CryptographyDeprecationWarning" not in tick.stdout + printed.stdout
