"""Issue #24.8: a long transfer says how far it is (log lines with bytes, rate, time left); on a terminal a progress
bar that log lines never break, and under cron (no terminal) no bar at all."""
import fcntl
import os
import pty
import re
import struct
import subprocess
import termios

from sandbox.lab import ROOT


def _slow_campaign(lab):
    lab.otmm.add_campaign({"number": "LC-2026-0790", "name": "Slow link", "status": "A1", "type": "Local comm",
                           "folders": {"Master Assets": {"assets": [{"name": "film.mp4", "size": 60000},
                                                                     {"name": "still.jpg", "size": 300}]}}})
    film = next(a for a in lab.otmm.snapshot()["LC-2026-0790"]["assets"] if a["name"] == "film.mp4")
    # 20 kB a second: a three-second download
    lab.otmm.middleware.set_faults([{"path": film["asset_id"] + "/contents", "trickle_bytes_per_second": 20000}])
    return film


def test_a_long_download_logs_bytes_rate_and_time_left(lab):
    film = _slow_campaign(lab)
    result = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0790", env={"TRANSFER_PROGRESS_SECONDS": "1"})
    assert result.returncode == 0, result.stdout
    pattern = (r"DAM download of asset {}: [\d.]+ (bytes|KiB) of 58\.6 KiB \(\d+ %\) at [\d.]+ (bytes|KiB)/s, "
               r"about \d+ s left".format(film["asset_id"]))
    lines = [x for x in lab.log_text("a1_to_a2").splitlines() if re.search(pattern, x)]
    assert 1 <= len(lines) <= 4, lab.log_text("a1_to_a2")[-3000:]   # about one a second, not one per piece
    assert "%|" not in result.stdout                                 # no terminal: no bar
    quiet = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0790", "--dry-run",
                           env={"TRANSFER_PROGRESS_SECONDS": "0"})
    assert "of 58.6 KiB" not in quiet.stdout


def test_on_a_terminal_the_bar_and_the_log_lines_never_share_a_line(lab):
    _slow_campaign(lab)
    env = dict(os.environ)
    env.update(lab.env())
    env.update({"DAM_ENV_FILE": os.path.join(lab.workdir, "no-such.env"), "COLUMNS": "120"})
    master, slave = pty.openpty()
    # a terminal has a size (a fresh pty has 0 x 0, on which tqdm >= 4.70 draws nothing): 40 rows, 120 columns
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen([lab.product_python, os.path.join("scripts", "a1_to_a2_download.py"), "--campaign",
                             "LC-2026-0790"], cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.wait(timeout=120) == 0
    text = out.decode("utf-8", "replace").replace("\r\n", "\n")
    assert "asset/s" in text and "LC-2026-0790" in text, text[-2000:]       # tqdm drew the campaign's bar
    shown = [chunk.rsplit("\r", 1)[-1] for chunk in text.split("\n")]       # what each terminal line ends up showing
    logged = [x for x in shown if re.search(r" (INFO|WARNING|ERROR) ", x)]
    assert logged and all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (INFO|WARNING|ERROR) ", x) for x in logged), \
        [x for x in logged if not re.match(r"\d{4}-", x)]
    assert not [x for x in shown if "asset/s" in x and " INFO " in x]       # never a bar and a log line together
