"""--help tells an operator the exit codes, where the logs are and how to run it; --version exists (issue #16)."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(*args):
    return subprocess.run([sys.executable] + list(args), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=60)


@pytest.mark.parametrize("script,log", [("a1_to_a2_download", "a1_to_a2"), ("a2_to_a3_upload_polling", "a2_to_a3"),
                                        ("daily_report", "daily_report"), ("test_connection", "test_connection")])
def test_help_shows_exit_codes_logs_and_an_example(script, log):
    result = _run("scripts/{}.py".format(script), "--help")
    assert result.returncode == 0, result.stdout
    text = result.stdout
    assert "exit codes:" in text and "75 " in text and "2    usage or configuration error" in text
    assert "logs/{}.log".format(log) in text
    assert "example:" in text and "python scripts/{}.py".format(script) in text


def test_version():
    from scripts.shared import __version__
    result = _run("scripts/a5_to_a6_download.py", "--version")
    assert result.returncode == 0 and result.stdout.startswith("dam-content-scaling {}".format(__version__))


# -- the job's health pings: run_main opens the check the script hands it (monitoring.HealthCheck), core knows no
# notifier; a workflow tick is pinged here too, never by its frame -------------------------------------------------
JOB = """
import sys
sys.path.insert(0, {root!r})
from scripts.shared.core.cli import build_parser, run_main
from scripts.shared.core.errors import ServiceError
from scripts.shared.notify.monitoring import HealthCheck
outcome, argv = sys.argv[1], sys.argv[2:]

def body(config, args):
    if outcome == "dam-down":
        raise ServiceError("DAM", "the DAM is down", retryable=True)
    if outcome == "interrupted":
        raise KeyboardInterrupt()
    return int(outcome)

health = None if "--by-hand" in argv else HealthCheck
sys.exit(run_main("a1_to_a2", build_parser("a job"), body, [a for a in argv if a != "--by-hand"], needs=(),
                  health=health))
"""


@pytest.fixture
def job(tmp_path, monkeypatch):
    from tests.unit.test_monitoring import Receiver
    receiver = Receiver()
    config = tmp_path / "config.yaml"
    config.write_text("extends: {}\nfield_mappings: {}\n".format(os.path.join(ROOT, "config", "config.yaml"),
                                                                  os.path.join(ROOT, "config", "field_mappings.yaml")))
    env = dict(os.environ, HEALTHCHECK_URL=receiver.url + "/ping/{job}", LOG_DIR=str(tmp_path / "logs"),
               DAM_ENV_FILE=str(tmp_path / "no.env"), STATE_DIR=str(tmp_path / "state"))

    def run(outcome, *args):
        del receiver.paths[:]
        argv = ["--config", str(config)] + list(args)
        done = subprocess.run([sys.executable, "-c", JOB.format(root=ROOT), outcome] + argv, cwd=str(tmp_path),
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                              timeout=60)
        return done.returncode, list(receiver.paths)
    yield run
    receiver.stop()


def test_a_job_pings_its_start_and_its_exit_code_whatever_it_is(job):
    assert job("0") == (0, ["/ping/a1_to_a2/start", "/ping/a1_to_a2/0"])
    assert job("75") == (75, ["/ping/a1_to_a2/start", "/ping/a1_to_a2/0"])  # busy: another run has the work
    assert job("dam-down") == (1, ["/ping/a1_to_a2/start", "/ping/a1_to_a2/1"])
    assert job("interrupted") == (130, ["/ping/a1_to_a2/start", "/ping/a1_to_a2/130"])


def test_a_job_whose_configuration_does_not_load_still_pings_exit_2(job, tmp_path):
    assert job("0", "--config", str(tmp_path / "missing.yaml")) == (2, ["/ping/a1_to_a2/2"])


def test_a_dry_run_and_a_tool_run_by_hand_send_no_ping(job):
    assert job("0", "--dry-run") == (0, [])
    assert job("0", "--by-hand") == (0, [])
