"""OTMM v6 sandbox: the subset of the OpenText Media Management REST API the suite uses.

Paths, wrappers, the metadata representation and ``exception_body`` errors follow ../shared/otmm-api.md. Two
listeners share one in-memory state: plain HTTP with OAuth2 bearer tokens (``oauth_base_url``) and HTTPS that
*requires* a client certificate from the sandbox CA (``mtls_base_url``, the gateway: no token needed there).

CLI:  python -m sandbox.otmm_server [--seed FILE] [--port N] [--mtls-port M] [--data-dir DIR]
      (prints DAM_BASE_URL, DAM_AUTH_URL, DAM_MTLS_BASE_URL, DAM_CA_BUNDLE, ... as JSON on one line)

Control endpoints (besides the counters/faults/log ones of sandbox.common), JSON in and out:
  GET  /_sandbox/state               every campaign: folder id, status, locked, assets (path, name, size, sha1, fields)
  GET  /_sandbox/imported            assets created through POST /assets
  POST /_sandbox/assets_under        {"folder_id"} -> {"assets": [...]}
  POST /_sandbox/campaigns           a campaign spec as in the seed -> {"folder_id"}
  POST /_sandbox/folder              {"number", "path": [names]} -> {"folder_id"}
  POST /_sandbox/assets              {"folder_id", "name", "size", "mime", "fields"} -> {"asset_id"}
  POST /_sandbox/campaign_status     {"number", "status"}
  POST /_sandbox/lock                {"number", "user"}  (a person holds the folder's lock; user null releases it)
  POST /_sandbox/expire_tokens
  POST /_sandbox/fail_next_imports   {"count"}  (the next import jobs end FAILED)
  POST /_sandbox/settings            {"job_delay", "token_lifetime", "token_shape": "oauth2"|"otmm",
                                      "max_page_size": N (children pages capped below the client's limit; 0 = off)}
"""
import argparse
import hashlib
import itertools
import json
import os
import threading
import time
import urllib.parse
import uuid

import yaml
from werkzeug.formparser import parse_form_data
from werkzeug.wrappers import Request, Response

from sandbox.common import SandboxMiddleware, ServerThread, serve_until_interrupted
from sandbox.pki import make_pki, server_ssl_context

API = "/otmmapi/v6"
TOKEN_PATH = "/otdsws/oauth2/token"
DEFAULT_SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "otmm_seed.yaml")
F = "FERRERO.FIELD."
CAMPAIGN_FIELDS = {"number": F + "CAMPAIGN_ID", "name": F + "CAMPAIGN_NAME", "status": F + "CAMPAIGN_STATUS",
                   "type": F + "CAMPAIGN_TYPE", "global": F + "GLOBAL_MASTER_CAMPAIGN_ID",
                   "agency": F + "AGENCY_EMAIL"}
BLOCK = 65536


def error_body(status, message):
    return "application/json", json.dumps({"exception_body": {"message": message, "http_response_code": status,
                                                              "debug_message": None}}).encode()


class OTMMError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class State(object):
    """Folders, assets, tokens, locks and jobs; every mutation under one lock."""

    def __init__(self, data_dir):
        self.lock = threading.RLock()
        self.data_dir = data_dir
        os.makedirs(os.path.join(data_dir, "content"), exist_ok=True)
        self.folders, self.assets, self.jobs, self.tokens = {}, {}, {}, {}
        self.counter = itertools.count(1)
        self.job_counter = itertools.count(1100)
        self.job_delay = 0.2
        self.token_lifetime = 3600
        self.fail_next_imports = 0
        self.max_page_size = 0  # 0: children pages as large as the client asks
        self.root_id = self.new_folder("Campaigns", None, {})["asset_id"]

    def new_id(self):
        return hashlib.sha1("otmm-{}".format(next(self.counter)).encode()).hexdigest()

    def new_folder(self, name, parent_id, fields, type_id="ARTESIA.BASIC.FOLDER"):
        folder = {"asset_id": self.new_id(), "name": name, "parent_ids": [parent_id] if parent_id else [],
                  "fields": dict(fields), "container_type_id": type_id, "locked_by": None,
                  "created": time.time() + next(self.counter) * 1e-6}
        self.folders[folder["asset_id"]] = folder
        return folder

    def new_asset(self, name, parent_id, fields, size=0, mime="application/octet-stream", path=None,
                  import_job_id=None):
        asset = {"asset_id": self.new_id(), "name": name, "parent_ids": [parent_id], "fields": dict(fields),
                 "size": size, "mime_type": mime, "path": path, "import_job_id": import_job_id,
                 "locked_by": None, "created": time.time()}
        self.assets[asset["asset_id"]] = asset
        return asset

    def children(self, folder_id):
        kids = [f for f in self.folders.values() if folder_id in f["parent_ids"]]
        kids += [a for a in self.assets.values() if folder_id in a["parent_ids"]]
        return sorted(kids, key=lambda o: (o["name"].lower(), o["asset_id"]))

    def obj(self, object_id):
        found = self.folders.get(object_id) or self.assets.get(object_id)
        if found is None:
            raise OTMMError(404, "Object {} does not exist or is not visible to the user".format(object_id))
        return found

    # -- seed ---------------------------------------------------------------------------------------------------
    def seed(self, seed):
        defaults = seed.get("asset_defaults") or {}
        for c in seed.get("campaigns") or []:
            self.add_campaign(c, defaults)

    def add_campaign(self, c, defaults=None):
        fields = {CAMPAIGN_FIELDS[k]: c[k] for k in CAMPAIGN_FIELDS if c.get(k) is not None}
        with self.lock:
            folder = self.new_folder("{} {}".format(c["number"], c.get("name", "")).strip(), self.root_id, fields,
                                     "FERRERO.FOLDER.CAMPAIGN")
            self._add_tree(folder["asset_id"], c.get("folders") or {}, defaults or {})
        return folder["asset_id"]

    def add_asset(self, folder_id, spec):
        """One more generated asset in an existing folder: {name, size, mime, fields}."""
        with self.lock:
            if folder_id not in self.folders:
                raise KeyError(folder_id)
            return self.new_asset(spec["name"], folder_id, spec.get("fields") or {}, int(spec.get("size", 1000)),
                                  spec.get("mime", "application/octet-stream"))["asset_id"]

    def link(self, object_id, parent_id):
        """Give an object a second parent (OTMM allows several; cycles included)."""
        with self.lock:
            obj = self.obj(object_id)
            if parent_id not in obj["parent_ids"]:
                obj["parent_ids"].append(parent_id)

    def _add_tree(self, parent_id, tree, defaults):
        for name, content in tree.items():
            sub = self.new_folder(name, parent_id, {})
            content = content or {}
            for a in content.get("assets") or []:
                fields = dict(defaults)
                fields.update(a.get("fields") or {})
                self.new_asset(a["name"], sub["asset_id"], fields, int(a.get("size", 1000)),
                               a.get("mime", "application/octet-stream"))
            self._add_tree(sub["asset_id"], content.get("folders") or {}, defaults)

    # -- content --------------------------------------------------------------------------------------------------
    def content(self, asset):
        """Iterator over the asset's bytes: its stored file, or deterministic generated bytes."""
        if asset["path"]:
            def read():
                with open(asset["path"], "rb") as f:
                    while True:
                        chunk = f.read(BLOCK)
                        if not chunk:
                            return
                        yield chunk
            return read()
        block = (hashlib.sha256(asset["asset_id"].encode()).digest() * (BLOCK // 32 + 1))[:BLOCK]

        def gen():
            left = asset["size"]
            while left > 0:
                n = min(left, BLOCK)
                yield block[:n]
                left -= n
        return gen()

    def sha1(self, asset):
        h = hashlib.sha1()
        for chunk in self.content(asset):
            h.update(chunk)
        return h.hexdigest()


# -- metadata representation (otmm-api.md section 5) -------------------------------------------------------------
def element(field_id, value):
    if isinstance(value, dict) and "table" in value:
        return {"id": field_id, "type": "com.artesia.metadata.MetadataTable", "metadata_element_list": [
            {"id": col, "type": "com.artesia.metadata.MetadataTableField",
             "values": [{"value": {"type": "string", "value": v}} for v in rows]}
            for col, rows in value["table"].items()]}
    if isinstance(value, dict) and "domain" in value:
        inner = {"type": "com.artesia.metadata.DomainValue", "field_value": {"type": "string",
                                                                            "value": value["domain"]},
                 "display_value": value.get("label", value["domain"])}
        return {"id": field_id, "type": "com.artesia.metadata.MetadataField",
                "value": {"value": inner, "domain_value": True, "cascading_domain_value": False}}
    kind = "datetime" if isinstance(value, str) and value[:4].isdigit() and value.endswith("Z") else "string"
    return {"id": field_id, "type": "com.artesia.metadata.MetadataField", "name": field_id.split(".")[-1],
            "value": {"value": {"type": kind, "value": value}, "domain_value": False}}


def metadata_doc(fields):
    return {"type": "com.artesia.metadata.MetadataModel", "id": "FERRERO.MODEL.MARKETING", "name": "Marketing",
            "metadata_element_list": [{"id": "FERRERO.FG.MAIN", "type": "com.artesia.metadata.MetadataCategory",
                                       "metadata_element_list": [element(k, v) for k, v in sorted(fields.items())]}]}


def parse_element(el):
    """(field id, stored value) from a written element (scalar, domain or table column)."""
    if el.get("type") == "com.artesia.metadata.MetadataTableField":
        return el["id"], {"table": {el["id"]: [v["value"]["value"] for v in el.get("values") or []]}}
    inner = (el.get("value") or {}).get("value") or {}
    if "field_value" in inner:
        return el["id"], {"domain": inner["field_value"]["value"],
                          "label": inner.get("display_value") or inner.get("displayValue")}
    return el["id"], inner.get("value")


def scalar(value):
    if isinstance(value, dict):
        return value.get("domain")
    return value


class OTMMApp(object):
    def __init__(self, state):
        self.state = state
        self.client_id = "dam-sandbox-client"
        self.client_secret = "dam-sandbox-secret-" + uuid.uuid4().hex[:8]
        self.token_shape = "oauth2"  # or "otmm"

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except OTMMError as exc:
            ctype, body = error_body(exc.status, exc.message)
            response = Response(body, status=exc.status, content_type=ctype)
        return response(environ, start_response)

    # -- routing --------------------------------------------------------------------------------------------------
    def dispatch(self, req):
        path, method = req.path, req.method
        if path == TOKEN_PATH and method == "POST":
            return self.token(req)
        if not path.startswith(API + "/"):
            raise OTMMError(404, "No resource at {}".format(path))
        if req.scheme != "https":  # the HTTPS listener is the mTLS gateway: the client certificate is the auth
            self.authorise(req)
        parts = path[len(API) + 1:].rstrip("/").split("/")
        with self.state.lock:
            if parts == ["folders", "rootfolders"]:
                return self.json({"folders_resource": {"folder_list": [self.folder_json(
                    self.state.folders[self.state.root_id])]}})
            if parts[0] == "folders" and len(parts) == 2 and method == "GET":
                return self.json({"folder_resource": {"folder": self.folder_json(self.folder(parts[1]))}})
            if parts[0] == "folders" and len(parts) == 2 and method == "POST":
                return self.create_folder(req, parts[1])
            if parts[0] == "folders" and len(parts) == 2 and method == "PATCH":
                return self.patch(req, self.folder(parts[1]), "edited_folder")
            if parts[0] == "folders" and len(parts) == 3 and parts[2] == "children" and method == "GET":
                return self.children(req, parts[1])
            if parts[0] == "assets" and len(parts) == 1 and method == "POST":
                return self.import_asset(req)
            if parts[0] == "assets" and len(parts) == 2 and method == "GET":
                return self.json({"asset_resource": {"asset": self.asset_json(self.asset(parts[1]))}})
            if parts[0] == "assets" and len(parts) == 2 and method == "PATCH":
                return self.patch(req, self.asset(parts[1]), "edited_asset")
            if parts[0] == "assets" and len(parts) == 3 and parts[2] == "state" and method == "PUT":
                return self.lock(req, parts[1])
            if parts == ["search", "text"] and method in ("GET", "POST"):
                return self.search(req)
            if parts[0] == "jobs" and len(parts) == 2 and method == "GET":
                return self.job(parts[1])
        if parts[0] == "assets" and len(parts) == 3 and parts[2] == "contents" and method == "GET":
            with self.state.lock:
                asset = self.asset(parts[1])
            return Response(self.state.content(asset), content_type=asset["mime_type"], direct_passthrough=True,
                            headers={"Content-Length": str(asset["size"]),
                                     "Content-Disposition": "attachment; filename*=UTF-8''{}".format(
                                         urllib.parse.quote(asset["name"]))})
        raise OTMMError(404, "No resource at {} {}".format(method, path))

    @staticmethod
    def json(doc, status=200):
        return Response(json.dumps(doc), status=status, content_type="application/json")

    def authorise(self, req):
        header = req.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else None
        expiry = self.state.tokens.get(token)
        if token is None or expiry is None or expiry < time.time():
            raise OTMMError(401, "The session is not valid or has expired")

    def token(self, req):
        form = req.form
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return self.json({"error": "invalid_client", "error_description": "Client authentication failed"}, 401)
        if form.get("grant_type") not in ("client_credentials", "password"):
            return self.json({"error": "unsupported_grant_type"}, 400)
        token = uuid.uuid4().hex + uuid.uuid4().hex
        with self.state.lock:
            lifetime = self.state.token_lifetime
            self.state.tokens[token] = time.time() + lifetime
        if self.token_shape == "otmm":  # OTMM's own /sessions/oauth2/token answer (otmm-api.md section 2.3)
            return self.json({"token_info": {"oauth_token": {"accessToken": token, "expiresIn": lifetime,
                                                             "tokenType": "bearer"}}})
        return self.json({"access_token": token, "token_type": "Bearer", "expires_in": lifetime})

    def folder(self, folder_id):
        f = self.state.folders.get(folder_id)
        if f is None:
            raise OTMMError(404, "Folder {} does not exist or is not visible to the user".format(folder_id))
        return f

    def asset(self, asset_id):
        a = self.state.assets.get(asset_id)
        if a is None:
            raise OTMMError(404, "Asset {} does not exist or is not visible to the user".format(asset_id))
        return a

    def folder_json(self, f):
        kids = self.state.children(f["asset_id"])
        n_folders = sum(1 for k in kids if k["asset_id"] in self.state.folders)
        return {"asset_id": f["asset_id"], "name": f["name"], "data_type": "CONTAINER",
                "container_type_id": f["container_type_id"], "locked": bool(f["locked_by"]),
                "asset_state": "LOCKED" if f["locked_by"] else "NORMAL", "asset_lock_state_user_id": f["locked_by"],
                "date_imported": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(f["created"])),
                "container_child_counts": {"total_child_count": len(kids), "container_count": n_folders,
                                           "asset_count": len(kids) - n_folders},
                "metadata": metadata_doc(f["fields"])}

    def asset_json(self, a):
        return {"asset_id": a["asset_id"], "name": a["name"], "data_type": "DATA", "mime_type": a["mime_type"],
                "content_type": "BITMAP" if a["mime_type"].startswith("image/") else "OTHER",
                "content_size": a["size"], "version": a.get("version", 1), "latest_version": True,
                "deleted": bool(a.get("deleted")),
                "expired": False, "locked": bool(a["locked_by"]), "import_job_id": a["import_job_id"],
                "asset_state": "LOCKED" if a["locked_by"] else "NORMAL",
                "date_imported": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(a["created"])),
                "master_content_info": {"id": "c" + a["asset_id"][1:], "name": a["name"], "mime_type": a["mime_type"],
                                        "content_size": a["size"],
                                        "url": "{}/renditions/c{}".format(API, a["asset_id"][1:]),
                                        **({"content_checksum": a["checksum"]} if a.get("checksum") else {})},
                "metadata_model_id": "FERRERO.MODEL.MARKETING", "metadata": metadata_doc(a["fields"])}

    def entry_json(self, obj):
        return self.folder_json(obj) if obj["asset_id"] in self.state.folders else self.asset_json(obj)

    def children(self, req, folder_id):
        self.folder(folder_id)
        after = int(req.args.get("after", 0))
        limit = int(req.args.get("limit", 25)) or 10 ** 9
        if self.state.max_page_size:  # a server that caps the page below the requested limit
            limit = min(limit, self.state.max_page_size)
        kids = self.state.children(folder_id)[after:after + limit]
        return self.json({"folder_children": {"asset_list": [self.entry_json(k) for k in kids]}})

    def create_folder(self, req, parent_id):
        self.folder(parent_id)
        doc = json.loads(req.get_data(as_text=True))["folder_resource"]["folder"]
        name = doc["name"]
        if any(k["name"] == name for k in self.state.children(parent_id) if k["asset_id"] in self.state.folders):
            raise OTMMError(409, "A folder named {} already exists in this folder".format(name))
        fields = dict(parse_element(e) for e in (doc.get("metadata") or {}).get("metadata_element_list") or [])
        folder = self.state.new_folder(name, parent_id, fields, doc.get("container_type_id", "ARTESIA.BASIC.FOLDER"))
        return self.json({"folder_resource": {"folder": self.folder_json(folder)}})

    def caller(self, req):
        """Locks belong to a DAM user, not to a token: the OAuth client and the mTLS gateway both act as the
        integration user (as a gateway maps its certificate to that account), so a later run can take over."""
        return "dam-integration"

    def lock(self, req, object_id):
        obj = self.state.obj(object_id)
        action = req.args.get("action") or req.form.get("action")
        who = self.caller(req)
        if action == "lock":
            if obj["locked_by"] and obj["locked_by"] != who:
                raise OTMMError(409, "Could not lock this asset: it is locked by another user")
            obj["locked_by"] = who
        elif action == "unlock":
            if obj["locked_by"] and obj["locked_by"] != who:
                raise OTMMError(409, "Could not unlock this asset: it is locked by another user")
            obj["locked_by"] = None
        else:
            raise OTMMError(400, "Unknown action {!r}".format(action))
        return self.json({"asset_resource": {"asset": {"asset_id": object_id, "locked": bool(obj["locked_by"])}}})

    def patch(self, req, obj, wrapper):
        who = self.caller(req)
        if obj["locked_by"] != who:
            raise OTMMError(409 if obj["locked_by"] else 400,
                            "The object must be locked by the current user before it is edited")
        doc = json.loads(req.get_data(as_text=True))[wrapper]["data"]["metadata"]
        for el in doc:
            field, value = parse_element(el)
            obj["fields"][field] = value
        return Response(status=200)

    def search(self, req):
        params = req.values
        conditions = json.loads(params["search_condition_list"])["search_condition_list"]["search_condition"]
        after = int(params.get("after", 0))
        limit = int(params.get("limit", 100))
        hits = []
        objects = list(self.state.folders.values()) + list(self.state.assets.values())
        for obj in sorted(objects, key=lambda o: o["created"]):
            if all(self._matches(obj, c) for c in conditions):
                hits.append(obj)
        page = hits[after:after + limit]
        return self.json({"search_result_resource": {
            "search_result": {"hit_count": len(page), "total_hit_count": len(hits), "offset": after,
                              "asset_id_list": [h["asset_id"] for h in page], "contains_invalid_conditions": False},
            "asset_list": [self.entry_json(h) for h in page]}})

    @staticmethod
    def _matches(obj, cond):
        value = scalar(obj["fields"].get(cond["metadata_field_id"]))
        if value is None:
            return False
        op = cond.get("relational_operator_id", "ARTESIA.OPERATOR.CHAR.IS")
        if op.endswith("CONTAINS"):
            return str(cond["value"]).lower() in str(value).lower()
        return str(value) == str(cond["value"])

    def import_asset(self, req):
        stream, form, files = parse_form_data(req.environ)
        if "files" not in files or "parent_folder_id" not in form:
            raise OTMMError(400, "A multipart body with files, manifest, asset_representation and parent_folder_id "
                                 "is required")
        parent = self.folder(form["parent_folder_id"])
        rep = json.loads(form.get("asset_representation") or files["asset_representation"].read().decode())
        manifest = json.loads(form.get("manifest") or files["manifest"].read().decode())
        name = manifest["upload_manifest"]["master_files"][0]["file"]["file_name"]
        upload = files["files"]
        path = os.path.join(self.state.data_dir, "content", uuid.uuid4().hex)
        upload.save(path)
        fields = dict(parse_element(e) for e in rep["asset_resource"]["asset"]["metadata"]["metadata_element_list"])
        job_id = str(next(self.state.job_counter))
        fail = self.state.fail_next_imports > 0
        if fail:
            self.state.fail_next_imports -= 1
        self.state.jobs[job_id] = {"job_id": job_id, "ready_at": time.time() + self.state.job_delay, "fail": fail,
                                   "spec": {"name": name, "parent": parent["asset_id"], "fields": fields, "path": path,
                                            "size": os.path.getsize(path),
                                            "mime": manifest["upload_manifest"]["master_files"][0]["file"].get(
                                                "file_type") or "application/octet-stream"},
                                   "asset_id": None}
        return self.json({"job_handle": {"job_id": job_id}}, 202)

    def job(self, job_id):
        job = self.state.jobs.get(job_id)
        if job is None:
            raise OTMMError(404, "Job {} not found".format(job_id))
        if time.time() < job["ready_at"]:
            state = "RUNNING"
        elif job["fail"]:
            state = "FAILED"
        else:
            state = "COMPLETED"
            if job["asset_id"] is None:
                s = job["spec"]
                job["asset_id"] = self.state.new_asset(s["name"], s["parent"], s["fields"], s["size"], s["mime"],
                                                       s["path"], import_job_id=int(job_id))["asset_id"]
        return self.json({"job_resource": {"job": {"job_id": job_id, "job_state": state,
                                                   "asset_ids": [job["asset_id"]] if job["asset_id"] else [],
                                                   "message": "import failed (sandbox)" if state == "FAILED"
                                                   else None}}})

    def control(self, method, path, payload):
        """/_sandbox/ extras: state dump, seeding, token expiry, import failures, campaign status."""
        s = self.state
        with s.lock:
            if path == "/_sandbox/state" and method == "GET":
                return summary(s)
            if path == "/_sandbox/expire_tokens" and method == "POST":
                s.tokens.clear()
                return {"ok": True}
            if path == "/_sandbox/fail_next_imports" and method == "POST":
                s.fail_next_imports = int(payload.get("count", 1))
                return {"ok": True}
            if path == "/_sandbox/campaign_status" and method == "POST":
                set_field_by_number(s, payload["number"], CAMPAIGN_FIELDS["status"], payload["status"])
                return {"ok": True}
            if path == "/_sandbox/campaigns" and method == "POST":
                return {"folder_id": s.add_campaign(payload)}
            if path == "/_sandbox/assets" and method == "POST":  # {"folder_id", "name", "size", "mime", "fields"}
                return {"asset_id": s.add_asset(payload["folder_id"], payload)}
            if path == "/_sandbox/folder" and method == "POST":  # {"number", "path": ["Master Assets", ...]}
                return {"folder_id": folder_by_path(s, payload["number"], payload.get("path") or [])}
            if path == "/_sandbox/imported" and method == "GET":
                return {"assets": imported_assets(s)}
            if path == "/_sandbox/assets_under" and method == "POST":  # {"folder_id"}
                return {"assets": assets_under(s, payload["folder_id"])}
            if path == "/_sandbox/lock" and method == "POST":  # {"number", "user"}: a person holds the lock
                campaign_folder(s, payload["number"])["locked_by"] = payload.get("user")
                return {"ok": True}
            if path == "/_sandbox/settings" and method == "POST":  # job_delay, token_lifetime, token_shape
                for key in ("job_delay", "token_lifetime"):
                    if key in payload:
                        setattr(s, key, float(payload[key]))
                if "max_page_size" in payload:
                    s.max_page_size = int(payload["max_page_size"] or 0)
                if "token_shape" in payload:
                    self.token_shape = payload["token_shape"]
                return {"ok": True}
        return None


def campaign_folder(state, number):
    for f in state.folders.values():
        if f["fields"].get(CAMPAIGN_FIELDS["number"]) == number:
            return f
    raise KeyError(number)


def folder_by_path(state, number, path):
    """Folder id of ``path`` (list of names) below the campaign ``number``."""
    current = campaign_folder(state, number)["asset_id"]
    for name in path:
        current = next(k["asset_id"] for k in state.children(current)
                       if k["asset_id"] in state.folders and k["name"].lower() == name.lower())
    return current


def assets_under(state, folder_id):
    out, seen, stack = [], set(), [(folder_id, [])]
    while stack:
        fid, path = stack.pop()
        for k in state.children(fid):
            if k["asset_id"] in seen:
                continue
            seen.add(k["asset_id"])
            if k["asset_id"] in state.folders:
                stack.append((k["asset_id"], path + [k["name"]]))
            else:
                out.append({"asset_id": k["asset_id"], "path": "/".join(path), "name": k["name"], "size": k["size"],
                            "sha1": state.sha1(k), "import_job_id": k["import_job_id"], "fields": dict(k["fields"])})
    return sorted(out, key=lambda a: (a["path"], a["name"]))


def imported_assets(state):
    return [{"asset_id": a["asset_id"], "name": a["name"], "parent_ids": list(a["parent_ids"]), "size": a["size"],
             "sha1": state.sha1(a), "import_job_id": a["import_job_id"], "fields": dict(a["fields"])}
            for a in state.assets.values() if a["import_job_id"]]


def set_field_by_number(state, number, field, value):
    campaign_folder(state, number)["fields"][field] = value


def summary(state):
    """Every campaign with its status and the assets under it (path, name, size, sha1, fields)."""
    out = {}
    for f in state.folders.values():
        number = f["fields"].get(CAMPAIGN_FIELDS["number"])
        if not number:
            continue
        assets = []
        stack = [(f["asset_id"], [])]
        seen = set([f["asset_id"]])
        while stack:
            fid, path = stack.pop()
            for k in state.children(fid):
                if k["asset_id"] in seen:  # several parents, or a cycle
                    continue
                seen.add(k["asset_id"])
                if k["asset_id"] in state.folders:
                    stack.append((k["asset_id"], path + [k["name"]]))
                else:
                    assets.append({"asset_id": k["asset_id"], "path": "/".join(path), "name": k["name"],
                                   "size": k["size"], "sha1": state.sha1(k), "import_job_id": k["import_job_id"],
                                   "fields": k["fields"]})
        out[number] = {"folder_id": f["asset_id"], "status": scalar(f["fields"].get(CAMPAIGN_FIELDS["status"])),
                       "locked": bool(f["locked_by"]), "assets": sorted(assets, key=lambda a: (a["path"], a["name"]))}
    return {"campaigns": out}


class OTMMSandbox(object):
    """Both listeners around one state; see the module docstring."""

    def __init__(self, seed=DEFAULT_SEED, data_dir=None, port=0, mtls_port=0, pki_dir=None, job_delay=0.2,
                 token_lifetime=3600):
        import tempfile
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="otmm-sandbox-")
        self.state = State(self.data_dir)
        self.state.job_delay = job_delay
        self.state.token_lifetime = token_lifetime
        if seed:
            if isinstance(seed, str):
                with open(seed) as f:
                    seed = yaml.safe_load(f)
            self.state.seed(seed)
        self.pki = make_pki(pki_dir or os.path.join(self.data_dir, "pki"))
        self.app = OTMMApp(self.state)
        self.middleware = SandboxMiddleware(self.app, error_body)  # one set of counters and faults for both doors
        self._ports = (port, mtls_port)
        self.http = self.https = None

    def start(self):
        self.http = ServerThread(self.middleware, port=self._ports[0]).start()
        self.https = ServerThread(self.middleware, port=self._ports[1],
                                  ssl_context=server_ssl_context(self.pki, require_client_cert=True)).start()
        return self

    def stop(self):
        for server in (self.http, self.https):
            if server:
                server.stop()

    @property
    def oauth_base_url(self):
        return self.http.url + "/otmmapi"

    @property
    def token_url(self):
        return self.http.url + TOKEN_PATH

    @property
    def mtls_base_url(self):
        return self.https.url + "/otmmapi"

    @property
    def ca_bundle(self):
        return self.pki["ca_cert"]

    @property
    def client_pfx(self):
        return self.pki["client_pfx"]

    @property
    def client_pfx_password(self):
        return self.pki["client_pfx_password"]

    @property
    def client_id(self):
        return self.app.client_id

    @property
    def client_secret(self):
        return self.app.client_secret

    # -- in-process inspection and steering for tests and the demo --------------------------------------------------
    def snapshot(self):
        with self.state.lock:
            return summary(self.state)["campaigns"]

    def campaign_status(self, number):
        return self.snapshot()[number]["status"]

    def set_campaign_status(self, number, status):
        with self.state.lock:
            set_field_by_number(self.state, number, CAMPAIGN_FIELDS["status"], status)

    def set_asset_field(self, asset_id, field, value):
        with self.state.lock:
            self.state.assets[asset_id]["fields"][field] = value

    def add_campaign(self, spec):
        return self.state.add_campaign(spec)

    def expire_tokens(self):
        with self.state.lock:
            self.state.tokens.clear()

    def lock_as(self, number, user):
        """Lock a campaign folder as another DAM user (a person editing it); None releases it."""
        with self.state.lock:
            campaign_folder(self.state, number)["locked_by"] = user

    def is_locked(self, number):
        with self.state.lock:
            return campaign_folder(self.state, number)["locked_by"]

    def folder_id(self, number, *path):
        """Id of the campaign folder ``number`` or of a folder below it: folder_id("LC-2026-0042", "Master Assets")."""
        with self.state.lock:
            return folder_by_path(self.state, number, list(path))

    def add_asset(self, folder_id, name, size=1000, mime="application/octet-stream", fields=None):
        return self.state.add_asset(folder_id, {"name": name, "size": size, "mime": mime, "fields": fields})

    def link(self, object_id, parent_id):
        self.state.link(object_id, parent_id)

    def assets_under(self, folder_id):
        """[{asset_id, path, name, size, sha1, import_job_id, fields}] of every asset below ``folder_id``."""
        with self.state.lock:
            return assets_under(self.state, folder_id)

    def imported_assets(self):
        """Every asset created through POST /assets (with its import job id)."""
        with self.state.lock:
            return imported_assets(self.state)

    def replace_content(self, asset_id, data, checksum=None):
        """A person checks in a new version of an asset: new bytes, version + 1 (and a checksum to publish, or
        None: the DAM gives none)."""
        path = os.path.join(self.data_dir, "v-" + uuid.uuid4().hex)
        with open(path, "wb") as f:
            f.write(data)
        with self.state.lock:
            asset = self.state.assets[asset_id]
            asset.update(path=path, size=len(data), version=asset.get("version", 1) + 1, checksum=checksum)

    def set_checksum(self, asset_id, checksum):
        with self.state.lock:
            self.state.assets[asset_id]["checksum"] = checksum

    def delete_asset(self, asset_id):
        """A person deletes an asset in the DAM (OTMM keeps it flagged deleted)."""
        with self.state.lock:
            self.state.assets[asset_id]["deleted"] = True

    def asset_content_sha1(self, asset_id):
        with self.state.lock:
            return self.state.sha1(self.state.assets[asset_id])

    def fail_next_imports(self, count=1):
        with self.state.lock:
            self.state.fail_next_imports = count


def main(argv=None):
    parser = argparse.ArgumentParser(description="OTMM v6 sandbox")
    parser.add_argument("--seed", default=DEFAULT_SEED)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mtls-port", type=int, default=0)
    parser.add_argument("--data-dir")
    args = parser.parse_args(argv)
    sandbox = OTMMSandbox(seed=args.seed, data_dir=args.data_dir, port=args.port, mtls_port=args.mtls_port).start()
    serve_until_interrupted(sandbox, {"DAM_BASE_URL": sandbox.oauth_base_url, "DAM_AUTH_URL": sandbox.token_url,
                      "DAM_MTLS_BASE_URL": sandbox.mtls_base_url, "DAM_CA_BUNDLE": sandbox.ca_bundle,
                      "DAM_CLIENT_ID": sandbox.client_id, "DAM_CLIENT_SECRET": sandbox.client_secret,
                      "DAM_MTLS_CERT_PATH": sandbox.client_pfx})


if __name__ == "__main__":
    main()
