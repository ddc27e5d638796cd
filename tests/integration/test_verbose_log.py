"""``-v`` against the Box sandbox: one short line per HTTP exchange, no file bytes, colour codes or JWT assertion.

boxsdk logs every request with its body (a chunked upload put each part's bytes into the log) and every response
with headers and JSON, in ANSI colours, and the token request carries the signed JWT assertion.
"""
import logging
import os
import re

from scripts.shared.box.box_client import BoxClient
from scripts.shared.core.logging_setup import setup_logging
from tests.integration.box_fixtures import box_sandbox, write_random  # noqa: F401

MB = 1024 * 1024
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR) +"
                  r"\[run=\w+ campaign=\S+ tid=\S+\] ")


def test_verbose_box_traffic_is_one_short_line_per_exchange(box_sandbox, tmp_path):  # noqa: F811
    log_dir = tmp_path / "logs"
    setup_logging("a1_to_a2", {"logging": {"dir": str(log_dir)}}, verbose=True, quiet=True)
    client = BoxClient(box_sandbox.client_config(chunked_upload_threshold_mb=20))
    path = write_random(str(tmp_path / "big.bin"), 21 * MB, seed=7)
    folder = client.ensure_folder_path(box_sandbox.roots["a1_a2"], ["LC-2026-0042 - Verbose"])
    client.ensure_folder_path(box_sandbox.roots["a1_a2"], ["LC-2026-0042 - Verbose"])  # a 409 answered by Box
    client.upload_with_tracking_id(path, folder, "K7Q2XM", "big.bin")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = (log_dir / "a1_to_a2.log").read_text()
    lines = text.splitlines()

    assert [line for line in lines if not LINE.match(line)] == []     # every line is a whole event
    assert "\x1b[" not in text                                          # no colour codes
    assert "eyJ" not in text and "assertion" not in text               # no signed JWT, no token request body
    assert os.path.getsize(str(log_dir / "a1_to_a2.log")) < 64 * 1024  # 21 MB moved, a few KB logged
    assert max(len(line) for line in lines) < 700
    parts = [line for line in lines if re.search(r"PUT \S+/upload_sessions/\S+ -> 200", line)]
    assert len(parts) == 21                                            # one line per uploaded part
    assert any(re.search(r"POST \S+/folders -> 409", line) for line in lines)
