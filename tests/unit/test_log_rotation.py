"""Two real processes write one workflow log past its size limit at the same moment: no line is lost or doubled.

Cron starts a tick every five minutes and a long transfer outlives that, so two runs of one script share
``logs/<name>.log``; each rotates it when it passes ``logging.max_bytes``.
"""
import os
import re
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LINES = 4000
MAX_BYTES = 4000

WRITER = r"""
import logging, os, sys, time
sys.path.insert(0, {root!r})
from scripts.shared.core.logging_setup import setup_logging
name, log_dir, go = sys.argv[1], sys.argv[2], sys.argv[3]
setup_logging("shared", {{"logging": {{"max_bytes": {max_bytes}, "backup_count": 1000}}}}, quiet=True,
              log_dir=log_dir)
log = logging.getLogger("writer")
while not os.path.exists(go):
    time.sleep(0.001)
for i in range({lines}):
    log.info("writer=%s line=%05d %s", name, i, "x" * 40)
"""

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO    \[run=\w+ campaign=- tid=-\] writer: "
                  r"writer=(\w) line=(\d{5}) x{40}$")


@pytest.mark.slow
def test_two_processes_rotating_one_log_lose_no_line(tmp_path):
    log_dir, go = tmp_path / "logs", tmp_path / "go"
    script = WRITER.format(root=ROOT, max_bytes=MAX_BYTES, lines=LINES)
    procs = [subprocess.Popen([sys.executable, "-c", script, name, str(log_dir), str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
             for name in ("A", "B")]
    time.sleep(1.0)  # both interpreters started and waiting
    go.write_text("")
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs

    files = sorted(os.listdir(str(log_dir)))
    seen, bad, sizes = {}, [], []
    for name in files:
        assert name == "shared.log" or re.match(r"^shared\.log\.\d+$", name), name
        path = log_dir / name
        sizes.append(os.path.getsize(str(path)))
        for line in path.read_text().splitlines():
            match = LINE.match(line)
            if not match:
                bad.append(line)
                continue
            key = match.groups()
            seen[key] = seen.get(key, 0) + 1
    assert bad == []                              # no torn or interleaved line
    assert len(files) > 10                        # it really rotated, many times, under both writers
    missing = [(w, "%05d" % i) for w in "AB" for i in range(LINES) if (w, "%05d" % i) not in seen]
    doubled = [k for k, n in seen.items() if n > 1]
    assert missing == [] and doubled == []
    assert max(sizes) <= MAX_BYTES                # each file rotated at the limit, whoever wrote last
