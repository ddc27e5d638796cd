"""No secret reaches a log line or an email, mTLS key material is private and gone after exit (SIGTERM too)."""
import glob
import json
import os
import signal
import subprocess
import tempfile
import time

from sandbox.lab import ROOT, SMTP_PASSWORD, WEBHOOK_SECRET
from tests.reliability.harness import fresh_lab


def _secrets(lab):
    with open(lab.box.box_config_path) as f:
        box = json.load(f)["boxAppSettings"]
    values = [lab.otmm.client_secret, lab.db_settings["password"], SMTP_PASSWORD, WEBHOOK_SECRET,
              lab.otmm.client_pfx_password, box["clientSecret"], box["appAuth"]["passphrase"],
              box["appAuth"]["privateKey"].splitlines()[1]]
    values += list(lab.otmm.state.tokens) + list(lab.box.state.tokens)  # every access token issued in the run
    return [v for v in values if v]


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


def test_pem_files_are_private_and_removed_even_on_sigterm(pg_server, tmp_path, pki_dir):
    before = set(glob.glob(os.path.join(tempfile.gettempdir(), "dam-mtls-*")))
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        seen = {}

        def inspect(method, path, total):
            for directory in set(glob.glob(os.path.join(tempfile.gettempdir(), "dam-mtls-*"))) - before:
                seen[directory] = {name: oct(os.stat(os.path.join(directory, name)).st_mode & 0o777)
                                   for name in os.listdir(directory)}
                seen[directory]["."] = oct(os.stat(directory).st_mode & 0o777)
        lab.otmm.middleware.on_request.append(inspect)
        assert lab.run_script("a1_to_a2_download", "--auth-pfx", "--campaign", "LC-2026-0043").returncode == 0
        assert seen and all(modes == {"client.crt": "0o600", "client.key": "0o600", ".": "0o700"}
                            for modes in seen.values())
        assert set(glob.glob(os.path.join(tempfile.gettempdir(), "dam-mtls-*"))) - before == set()
        # SIGTERM in the middle of a run: the handler removes the key material before exiting
        lab.otmm.middleware.set_faults([{"path": "/children", "latency_ms": 1500}])
        env = dict(os.environ, **lab.env())
        env["DAM_ENV_FILE"] = os.path.join(lab.workdir, "none.env")
        proc = subprocess.Popen([lab.product_python, "scripts/a1_to_a2_download.py", "--auth-pfx", "--campaign",
                                 "LC-2026-0042"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline and not (set(glob.glob(os.path.join(tempfile.gettempdir(), "dam-mtls-*")))
                                              - before):
            time.sleep(0.05)
        assert set(glob.glob(os.path.join(tempfile.gettempdir(), "dam-mtls-*"))) - before, "PEM dir never appeared"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) != 0
        assert set(glob.glob(os.path.join(tempfile.gettempdir(), "dam-mtls-*"))) - before == set()
