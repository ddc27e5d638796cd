"""Start-up of every script in a real interpreter: the interpreter deprecation is silent, other warnings are one log
line, and the output is UTF-8 in the ASCII locale cron gives."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CHILD = r"""
import logging, sys, warnings
sys.path.insert(0, {root!r})
from scripts.shared.core.startup import prepare_process
from scripts.shared.core.logging_setup import setup_logging
prepare_process()
setup_logging("tick", {{}}, log_dir=sys.argv[1])
warnings.warn("Python 3.6 is no longer supported by the Python core team. Therefore, support for it is deprecated "
              "in cryptography.", UserWarning)
warnings.warn("something else is deprecated", DeprecationWarning)
print("A1\u2192A2 on stdout")
logging.getLogger("scripts.x").info("A5\u2192A6 in the log")
"""


def test_startup_filters_the_interpreter_warning_and_writes_utf8(tmp_path):
    env = dict(os.environ, LANG="C", LC_ALL="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0", PYTHONWARNINGS="default")
    env.pop("PYTHONIOENCODING", None)
    proc = subprocess.run([sys.executable, "-c", CHILD.format(root=ROOT), str(tmp_path)], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.returncode == 0, proc.stderr
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert out == "A1→A2 on stdout\n"
    log = (tmp_path / "tick.log").read_text(encoding="utf-8")
    for text in (err, log):
        assert "no longer supported" not in text
        assert "A5→A6 in the log" in text
        warning = [line for line in text.splitlines() if "something else is deprecated" in line]
        assert len(warning) == 1 and " WARNING " in warning[0]
    assert "py.warnings" in log                       # the file names the source; the console stays short
    assert len(log.splitlines()) == 2                 # one line per event: the warning and the info line
