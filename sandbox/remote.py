"""The OTMM and Box sandboxes each in a process of their own, steered over their /_sandbox/ HTTP endpoints.

Why: a sandbox server hosted in the benchmark's own process shares its GIL with everything the benchmark does, so
a figure would measure that contention as much as the product. ``Lab(servers_in_subprocess=True)`` starts each
server with ``python -m sandbox.remote otmm|box ...`` and keeps a small proxy here with the attributes the lab and
the benchmark read (URLs, credentials, roots) and a few helpers under the same names as the in-process sandboxes'
(add_campaign, folder_id, tree, put_file, ensure_folder, file_bytes, expire_tokens, set_network).

Besides the servers' own control endpoints, the child adds a few cheap ones that the benchmark needs and that must
not hash or copy gigabytes (the servers' /_sandbox/state hashes every asset):
  OTMM  POST /_sandbox/x/status      {"number"} -> {"status"}
        POST /_sandbox/x/asset_ids   {"folder_id"} -> {"asset_ids"}   (direct children that are assets)
        POST /_sandbox/x/token       -> {"token"}   (a valid bearer token, for curl)
        POST /_sandbox/x/bulk_assets {"folder_id", "names": [..], "size"} -> {"count"}   (many at once)
  Box   POST /_sandbox/x/token       -> {"token"}
        POST /_sandbox/x/free_blobs  {"min_bytes"} -> {"freed"}   (drop big uploaded blobs; the tree stays)

The child stops when its stdin closes (the parent exited or called stop()), so no server outlives the lab.
"""
import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# -- the child side -----------------------------------------------------------------------------------------------
def _wrap_control(app, extra):
    original = app.control

    def control(method, path, payload):
        if path.startswith("/_sandbox/x/"):
            return extra(method, path, payload or {})
        return original(method, path, payload)
    app.control = control


def _otmm_child(args):
    from sandbox.otmm_server import OTMMSandbox
    from sandbox.otmm_state import CAMPAIGN_FIELDS, campaign_folder, scalar
    seed = json.loads(args.seed_json) if args.seed_json else None
    kwargs = {"data_dir": args.data_dir, "pki_dir": args.pki_dir}
    if seed is not None:
        kwargs["seed"] = seed
    sandbox = OTMMSandbox(**kwargs)
    state = sandbox.state

    def extra(method, path, payload):
        with state.lock:
            if path == "/_sandbox/x/status":
                return {"status": scalar(campaign_folder(state, payload["number"])["fields"].get(
                    CAMPAIGN_FIELDS["status"]))}
            if path == "/_sandbox/x/asset_ids":
                return {"asset_ids": [a["asset_id"] for a in state.assets.values()
                                      if payload["folder_id"] in a["parent_ids"]]}
            if path == "/_sandbox/x/token":
                token = uuid.uuid4().hex + uuid.uuid4().hex
                state.tokens[token] = time.time() + 3600
                return {"token": token}
            if path == "/_sandbox/x/bulk_assets":
                for name in payload["names"]:
                    state.new_asset(name, payload["folder_id"], payload.get("fields") or {},
                                    int(payload.get("size", 1000)))
                return {"count": len(payload["names"])}
        return None
    _wrap_control(sandbox.app, extra)
    sandbox.start()
    return sandbox, {"oauth_base_url": sandbox.oauth_base_url, "token_url": sandbox.token_url,
                     "mtls_base_url": sandbox.mtls_base_url, "ca_bundle": sandbox.ca_bundle,
                     "client_pfx": sandbox.client_pfx, "client_pfx_password": sandbox.client_pfx_password,
                     "client_id": sandbox.client_id, "client_secret": sandbox.client_secret,
                     "session_user": sandbox.session_user, "session_password": sandbox.session_password,
                     "control_url": sandbox.http.url}


def _box_child(args):
    from sandbox.box_server import BoxSandbox
    sandbox = BoxSandbox(data_dir=args.data_dir)
    state = sandbox.state

    def extra(method, path, payload):
        if path == "/_sandbox/x/token":
            token = uuid.uuid4().hex + uuid.uuid4().hex
            with state.lock:
                state.tokens[token] = time.time() + 3600
            return {"token": token}
        if path == "/_sandbox/x/free_blobs":
            freed = 0
            with state.lock:
                for item in list(state.items.values()):
                    blob = item.get("blob")
                    if blob and (item.get("size") or 0) > int(payload.get("min_bytes", 4 << 20)) \
                            and os.path.exists(blob):
                        os.remove(blob)
                        freed += 1
            return {"freed": freed}
        return None
    _wrap_control(sandbox.app, extra)
    sandbox.start()
    return sandbox, {"url": sandbox.url, "api_base_url": sandbox.api_base_url,
                     "upload_base_url": sandbox.upload_base_url, "oauth2_base_url": sandbox.oauth2_base_url,
                     "box_config_path": sandbox.box_config_path, "roots": sandbox.roots,
                     "control_url": sandbox.url}


def main(argv=None):
    parser = argparse.ArgumentParser(description="one sandbox server in its own process (see module docstring)")
    parser.add_argument("kind", choices=["otmm", "box"])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--pki-dir")
    parser.add_argument("--seed-json")
    args = parser.parse_args(argv)
    sandbox, info = (_otmm_child if args.kind == "otmm" else _box_child)(args)
    print(json.dumps(info), flush=True)
    try:
        sys.stdin.read()  # until the parent closes the pipe or exits
    except KeyboardInterrupt:
        pass
    sandbox.stop()
    return 0


# -- the parent side ----------------------------------------------------------------------------------------------
class _Remote(object):
    kind = None

    def __init__(self, data_dir, extra_args=()):
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.proc = None
        self.info = {}

    def start(self):
        os.makedirs(self.data_dir, exist_ok=True)
        self.proc = subprocess.Popen([sys.executable, "-m", "sandbox.remote", self.kind, "--data-dir", self.data_dir]
                                     + self.extra_args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     universal_newlines=True)
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(10)
            raise RuntimeError("the {} sandbox process exited {} before it was up".format(self.kind,
                                                                                         self.proc.returncode))
        self.info = json.loads(line)
        return self

    def stop(self):
        if self.proc is not None:
            try:
                self.proc.stdin.close()
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                self.proc.wait(10)
            self.proc = None

    def control(self, method, path, payload=None):
        """Call one /_sandbox/ endpoint; returns its JSON answer."""
        data = json.dumps(payload).encode() if payload is not None else (b"{}" if method == "POST" else None)
        req = urllib.request.Request(self.info["control_url"] + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=600) as resp:
            return json.loads(resp.read().decode("utf-8"))

    # counters and faults (sandbox.common), the same for both
    def counters(self):
        return self.control("GET", "/_sandbox/counters")

    def reset_counters(self):
        self.control("POST", "/_sandbox/counters/reset")

    def set_faults(self, rules, seed=1):
        self.control("POST", "/_sandbox/faults", {"rules": rules, "seed": seed})

    def set_network(self, bandwidth_bytes_per_s=0, rtt_ms=0):
        """The network switch (sandbox/network.py, ``POST /_sandbox/network``); 0 = off."""
        return self.control("POST", "/_sandbox/network", {"bandwidth_bytes_per_s": bandwidth_bytes_per_s,
                                                          "rtt_ms": rtt_ms})

    def token(self):
        return self.control("POST", "/_sandbox/x/token")["token"]

    def expire_tokens(self):
        self.control("POST", "/_sandbox/expire_tokens")

    def __getattr__(self, name):  # the URLs and credentials the child printed
        info = self.__dict__.get("info") or {}
        if name in info:
            return info[name]
        raise AttributeError(name)


class RemoteOTMM(_Remote):
    kind = "otmm"

    def __init__(self, data_dir, pki_dir=None, seed=None):
        args = []
        if pki_dir:
            args += ["--pki-dir", pki_dir]
        if seed is not None:
            args += ["--seed-json", json.dumps(seed)]
        super(RemoteOTMM, self).__init__(data_dir, args)

    def add_campaign(self, spec):
        return self.control("POST", "/_sandbox/campaigns", spec)["folder_id"]

    def folder_id(self, campaign_id, *path):
        return self.control("POST", "/_sandbox/folder", {"number": campaign_id, "path": list(path)})["folder_id"]

    def campaign_status(self, campaign_id):
        return self.control("POST", "/_sandbox/x/status", {"number": campaign_id})["status"]

    def set_campaign_status(self, campaign_id, status):
        self.control("POST", "/_sandbox/campaign_status", {"number": campaign_id, "status": status})

    def lag_index(self, campaign_id, lag=True):
        self.control("POST", "/_sandbox/index_lag", {"number": campaign_id, "lag": lag})

    def asset_ids(self, folder_id):
        return self.control("POST", "/_sandbox/x/asset_ids", {"folder_id": folder_id})["asset_ids"]

    def bulk_assets(self, folder_id, names, size=1000):
        return self.control("POST", "/_sandbox/x/bulk_assets", {"folder_id": folder_id, "names": list(names),
                                                                "size": size})["count"]

    def settings(self, **values):
        self.control("POST", "/_sandbox/settings", values)


class RemoteBox(_Remote):
    kind = "box"

    def tree(self, folder_id):
        return self.control("GET", "/_sandbox/tree/{}".format(folder_id))

    def put_file(self, folder_id, name, data):
        import base64
        return self.control("POST", "/_sandbox/put_file", {"folder_id": folder_id, "name": name,
                                                           "content_b64": base64.b64encode(data).decode()})["file_id"]

    def ensure_folder(self, parent_id, name):
        return self.control("POST", "/_sandbox/ensure_folder", {"parent_id": parent_id, "name": name})["folder_id"]

    def file_bytes(self, file_id):
        import base64
        return base64.b64decode(self.control("GET", "/_sandbox/file_bytes/{}".format(file_id))["content_b64"])

    def free_blobs(self, min_bytes=4 << 20):
        return self.control("POST", "/_sandbox/x/free_blobs", {"min_bytes": min_bytes})["freed"]


if __name__ == "__main__":
    sys.exit(main())
