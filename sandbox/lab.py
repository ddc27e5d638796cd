"""The whole sandbox in one object: OTMM and Box emulators, an SMTP catcher and a PostgreSQL, plus the
environment that points the real scripts at them. Used by the end-to-end tests, ``make demo`` and ``make sandbox``.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SMTP_USER = "sandbox-mailer"
SMTP_PASSWORD = "sandbox-smtp-pass"
NOTIFY_TO = "marketing-ops@example.com"
ALERT_EMAIL_TO = "dam-operators@example.com"
WEBHOOK_SECRET = "sandbox-webhook-secret"


class Lab(object):
    def __init__(self, workdir, db_settings=None, seed=None, product_python=None, pki_dir=None,
                 servers_in_subprocess=False, network=None):
        """``servers_in_subprocess``: run the OTMM and Box servers each in its own process (sandbox/remote.py),
        steered over HTTP, so that a benchmark does not share a GIL with them; the tests keep them in-process.
        ``network``: {"bandwidth_bytes_per_s", "rtt_ms"} for both stand-ins' network switch from the start
        (sandbox/network.py; later ``lab.set_network(...)`` or ``lab.otmm.set_network(...)``)."""
        self.workdir = os.path.abspath(workdir)
        self.servers_in_subprocess = servers_in_subprocess
        self.pki_dir = pki_dir
        self.db_settings = db_settings
        self.seed = seed
        self.product_python = product_python or os.environ.get("PRODUCT_PYTHON") or sys.executable
        self.network = dict(network or {})
        self.otmm = self.box = self.smtp = self.webhook = self.pg = None
        self.extra_env = {}

    def start(self):
        from sandbox.box_server import BoxSandbox
        from sandbox.otmm_server import OTMMSandbox
        from sandbox.smtp_server import SMTPCatcher
        from sandbox.webhook_receiver import WebhookReceiver
        os.makedirs(self.workdir, exist_ok=True)
        if self.db_settings is None:
            from sandbox.embedded_pg import EmbeddedPostgres
            self.pg = EmbeddedPostgres(os.path.join(self.workdir, "pg"))
            s = self.pg.start()
            self.db_settings = {"host": s["host"], "port": s["port"], "name": s["dbname"], "user": s["user"],
                                "password": s["password"]}
        kwargs = {"data_dir": os.path.join(self.workdir, "otmm"), "pki_dir": self.pki_dir}
        if self.seed is not None:
            kwargs["seed"] = self.seed
        if self.servers_in_subprocess:
            from sandbox.remote import RemoteBox, RemoteOTMM
            self.otmm = RemoteOTMM(**kwargs).start()
            self.box = RemoteBox(os.path.join(self.workdir, "box")).start()
        else:
            self.otmm = OTMMSandbox(**kwargs).start()
            self.box = BoxSandbox(data_dir=os.path.join(self.workdir, "box")).start()
        if self.network:
            self.set_network(**self.network)
        self.smtp = SMTPCatcher(os.path.join(self.workdir, "mail"), username=SMTP_USER,
                                password=SMTP_PASSWORD).start()
        self.webhook = WebhookReceiver(WEBHOOK_SECRET).start()
        return self

    def set_network(self, bandwidth_bytes_per_s=0, rtt_ms=0):
        """Both stand-ins' network switch (DAM downloads and Box uploads paced per connection); 0 = off."""
        self.otmm.set_network(bandwidth_bytes_per_s, rtt_ms)
        self.box.set_network(bandwidth_bytes_per_s, rtt_ms)

    def stop(self):
        for part in (self.webhook, self.smtp, self.box, self.otmm, self.pg):
            if part is not None:
                try:
                    part.stop()
                except Exception:
                    pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def env(self):
        """Environment variables that point the product at this sandbox (what .env holds in production)."""
        db = self.db_settings
        roots = self.box.roots
        env = {
            "DAM_BASE_URL": self.otmm.oauth_base_url, "DAM_AUTH_URL": self.otmm.token_url,
            "DAM_CLIENT_ID": self.otmm.client_id, "DAM_CLIENT_SECRET": self.otmm.client_secret,
            "DAM_USERNAME": self.otmm.session_user, "DAM_PASSWORD": self.otmm.session_password,
            "DAM_MTLS_BASE_URL": self.otmm.mtls_base_url, "DAM_MTLS_CERT_PATH": self.otmm.client_pfx,
            "DAM_MTLS_CERT_PASSWORD": self.otmm.client_pfx_password, "DAM_CA_BUNDLE": self.otmm.ca_bundle,
            "BOX_CONFIG_PATH": self.box.box_config_path, "BOX_API_BASE_URL": self.box.api_base_url,
            "BOX_UPLOAD_BASE_URL": self.box.upload_base_url, "BOX_OAUTH2_BASE_URL": self.box.oauth2_base_url,
            "BOX_ROOT_FOLDER_A1_A2": roots["a1_a2"], "BOX_ROOT_FOLDER_A5_A6": roots["a5_a6"],
            "BOX_ROOT_FOLDER_B1_B2": roots["b1_b2"], "BOX_ROOT_FOLDER_A2_A3": roots["a2_a3"],
            "DB_HOST": db["host"], "DB_PORT": str(db["port"]), "DB_NAME": db["name"], "DB_USER": db["user"],
            "DB_PASSWORD": db["password"],
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.smtp.port), "SMTP_SECURITY": "none",
            "SMTP_USERNAME": SMTP_USER, "SMTP_PASSWORD": SMTP_PASSWORD, "NOTIFY_TO": NOTIFY_TO,
            "ALERT_EMAIL_TO": ALERT_EMAIL_TO,
            "SMTP_FROM": "DAM Automation <dam-automation@example.com>",
            "TEMP_DIR": os.path.join(self.workdir, "temp"), "LOG_DIR": os.path.join(self.workdir, "logs"),
            "STATE_DIR": os.path.join(self.workdir, "state"),
            "TRANSFER_CONCURRENCY": "4", "WEBHOOK_URL": self.webhook.url, "WEBHOOK_SECRET": WEBHOOK_SECRET,
        }
        env.update(self.extra_env)
        return env

    def write_env_file(self, path):
        with open(path, "w") as f:
            for key, value in sorted(self.env().items()):
                f.write("{}={}\n".format(key, value))
        os.chmod(path, 0o600)
        return path

    def run_script(self, name, *args, **kw):
        """Run ``python scripts/<name>.py ARGS`` from the project root against this sandbox."""
        return self._run([os.path.join("scripts", name + ".py")] + list(args), **kw)

    def run_python(self, code, **kw):
        """Run ``python -c CODE`` from the project root with the environment a script gets."""
        return self._run(["-c", code], **kw)

    def _run(self, argv, env=None, timeout=300):
        environ = dict(os.environ)
        environ.pop("DAM_ENV_FILE", None)
        environ.update(self.env())
        environ.update(env or {})
        environ["DAM_ENV_FILE"] = os.path.join(self.workdir, "no-such.env")  # the sandbox env comes from os.environ
        return subprocess.run([self.product_python] + argv, cwd=ROOT, env=environ, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, timeout=timeout)

    def play_agency(self, campaign_number, language="it-IT", limit=None):
        """Do what an agency does: take each delivered file of a campaign from the A1→A2 Box folder, "localise" it
        and upload it to the A2→A3 inbox under its V2 name. Returns the inbox names."""
        root = self.box.tree(self.box.roots["a1_a2"])
        folder = next(v for k, v in root["folders"].items() if k.startswith(campaign_number + " "))
        inbox = self.box.ensure_folder(self.box.roots["a2_a3"], "agency upload " + campaign_number)
        names = []
        for _path, name, info in _walk(folder):
            tid, _, original = name.partition("_")
            stem = os.path.splitext(original)[0]
            v2 = "{}_{}_{} localised{}".format(tid.lower() if len(names) == 1 else tid, language, stem,
                                              os.path.splitext(original)[1])
            self.box.put_file(inbox, v2, self.box.file_bytes(info["id"]) + language.encode())
            names.append(v2)
            if limit and len(names) >= limit:
                break
        return names

    def log_text(self, log_name):
        path = os.path.join(self.workdir, "logs", log_name + ".log")
        return open(path).read() if os.path.exists(path) else ""

    def describe(self):
        return json.dumps({"otmm": self.otmm.oauth_base_url, "otmm_mtls": self.otmm.mtls_base_url,
                           "box": self.box.api_base_url, "smtp_port": self.smtp.port, "db": self.db_settings},
                          indent=2)


def _walk(tree, path=()):
    for name, info in sorted(tree["files"].items()):
        yield "/".join(path), name, info
    for name, sub in sorted(tree["folders"].items()):
        for item in _walk(sub, path + (name,)):
            yield item
