"""No secret reaches a log line or an email, mTLS key material is private and gone after exit (SIGTERM too)."""
import glob
import json
import os
import signal
import subprocess
import tempfile
import time

import pytest

from sandbox.lab import ROOT, SMTP_PASSWORD, WEBHOOK_SECRET
from tests.reliability.harness import expire_leases, fresh_lab, run_killed_after


def _secrets(lab):
    with open(lab.box.box_config_path) as f:
        box = json.load(f)["boxAppSettings"]
    values = [lab.otmm.client_secret, lab.db_settings["password"], SMTP_PASSWORD, WEBHOOK_SECRET,
              lab.otmm.client_pfx_password, box["clientSecret"], box["appAuth"]["passphrase"],
              box["appAuth"]["privateKey"].splitlines()[1]]
    values += list(lab.otmm.state.tokens) + list(lab.box.state.tokens)  # every access token issued in the run
    return [v for v in values if v]


@pytest.mark.slow
def test_full_verbose_run_leaks_no_secret(pg_server, tmp_path, pki_dir):
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        for script, args in (("a1_to_a2_download", ["-v"]), ("a1_to_a2_download", ["-v", "--auth-pfx"]),
                             ("a5_to_a6_download", ["-v"]), ("b1_to_b2_download", ["-v"]),
                             ("test_connection", ["-v"]), ("daily_report", ["-v"])):
            lab.run_script(script, *args)
        lab.play_agency("LC-2026-0042")
        lab.run_script("a2_to_a3_upload_polling", "-v")
        lab.run_script("a1_to_a2_download", "-v", env={"DAM_CLIENT_SECRET": "wrong-" + lab.otmm.client_secret})
        secrets = _secrets(lab)
        assert len(secrets) >= 10
        texts = {}
        for path in glob.glob(os.path.join(lab.workdir, "logs", "*.log")) + \
                glob.glob(os.path.join(lab.smtp.out_dir, "*")):
            with open(path, errors="replace") as f:
                texts[path] = f.read()
        assert len([p for p in texts if p.endswith(".eml")]) >= 5 and any(p.endswith(".log") for p in texts)
        hits = [(os.path.basename(p), s[:6]) for p, text in texts.items() for s in secrets if s in text]
        assert hits == []


@pytest.mark.slow
def test_key_material_is_off_the_disk_during_the_run_and_after_kill_9(pg_server, tmp_path, pki_dir):
    """Promise 5: the key goes into the TLS context and its files are removed before the first DAM request, so not
    even kill -9 leaves it behind; the next start-up sweeps a directory of a process killed inside that window."""
    pattern = os.path.join(tempfile.gettempdir(), "dam-mtls-*")
    before = set(glob.glob(pattern))
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        seen = []

        def inspect(method, path, total):
            seen.extend(set(glob.glob(pattern)) - before)
        lab.otmm.middleware.on_request.append(inspect)
        assert lab.run_script("a1_to_a2_download", "--auth-pfx", "--campaign", "LC-2026-0043").returncode == 0
        lab.otmm.middleware.on_request.remove(inspect)
        assert seen == [] and set(glob.glob(pattern)) - before == set()
        # SIGTERM and kill -9 in the middle of a run: nothing is left
        for how in ("sigterm", 3):
            if how == "sigterm":
                lab.otmm.middleware.set_faults([{"path": "/children", "latency_ms": 1500}])
                env = dict(os.environ, **lab.env())
                env["DAM_ENV_FILE"] = os.path.join(lab.workdir, "none.env")
                proc = subprocess.Popen([lab.product_python, "scripts/a1_to_a2_download.py", "--auth-pfx",
                                         "--campaign", "LC-2026-0042"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
                time.sleep(3)
                proc.send_signal(signal.SIGTERM)
                assert proc.wait(timeout=30) != 0
                lab.otmm.middleware.set_faults([])
            else:
                expire_leases(lab)  # whatever the SIGTERM'd run still held (this test is about keys, not leases)
                code, served, killed = run_killed_after(lab, how, "a1_to_a2_download", "--auth-pfx", "--campaign",
                                                        "LC-2026-0042")
                assert killed and code == -signal.SIGKILL
            assert set(glob.glob(pattern)) - before == set(), how
        # a directory a killed run left inside the write-load window: the next start-up removes it
        dead = subprocess.Popen(["true"])
        dead.wait()
        left = os.path.join(tempfile.gettempdir(), "dam-mtls-{}-left".format(dead.pid))
        os.makedirs(left, mode=0o700)
        with open(os.path.join(left, "client.key"), "w") as f:
            f.write("-----BEGIN PRIVATE KEY-----")
        expire_leases(lab)
        assert lab.run_script("a1_to_a2_download", "--auth-pfx", "--campaign", "LC-2026-0042").returncode == 0
        assert not os.path.exists(left)
