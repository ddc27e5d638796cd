"""The emulated OTMM's data: folders and assets (several parents allowed, cycles included), tokens, sessions, locks
and import jobs that run on the server's clock; the declared metadata model; the ``exception_body`` error; and the
helpers tests and /_sandbox/ use to read and seed it (summary, assets_under, campaign_folder). Every mutation runs
under ``State.lock``. The routes are otmm_server.py's.
"""
import hashlib
import itertools
import json
import os
import threading
import time

API = "/otmmapi/v6"  # the REST API below the base URL (DAM_BASE_URL + /v6)
F = "FERRERO.FIELD."
CAMPAIGN_FIELDS = {"number": F + "CAMPAIGN_ID", "name": F + "CAMPAIGN_NAME", "status": F + "CAMPAIGN_STATUS",
                   "type": F + "CAMPAIGN_TYPE", "global": F + "GLOBAL_MASTER_CAMPAIGN_ID",
                   "agency": F + "AGENCY_EMAIL"}
CONTENT_BLOCK = 1 << 20  # the pieces an asset's content is read and sent in
SESSION_USER = "dam-integration"
# DAM users by login name -> user id (asset_lock_state_user_id carries the id, E19); others keep their name as id
USER_IDS = {SESSION_USER: "1001"}
PUBLIC_ROOT = "ARTESIA.PUBLIC.TREEN"
USER_ROOT = SESSION_USER + "N"
# Operator ids the search knows: the ones public clients send (CHAR.CONTAINS E1/E11, NUMBER.IS E10) and their
# analogues [I]; CHAR.IS is in no public source (N1, N2), so "refused_operators"/"known_operators" can take it away.
KNOWN_OPERATORS = ("ARTESIA.OPERATOR.CHAR.CONTAINS", "ARTESIA.OPERATOR.CHAR.IS", "ARTESIA.OPERATOR.NUMBER.IS",
                   "ARTESIA.OPERATOR.NUMBER.CONTAINS", "ARTESIA.OPERATOR.DATE.IS")
# Pick-lists (GET /lookupdomains[/{id}], E1): domain id -> [(code, label)]; the DOMAIN fields of MODEL draw on them.
LOOKUP_DOMAINS = {
    "FERRERO.DOMAIN.CAMPAIGN_STATUS": [(c, "{} - {}".format(c, label)) for c, label in (
        ("A1", "Masters ready"), ("A2", "Masters with the agency"), ("A3", "Localised"), ("A4", "In review"),
        ("A5", "Reviewed"), ("A6", "Rework sent"), ("B1", "Global masters ready"), ("B2", "Global masters sent"))],
    "FERRERO.DOMAIN.ECOMMERCE_STATUS": [("APPROVED", "Approved"), ("NOT APPROVED", "Not approved")],
    "FERRERO.DOMAIN.BRAND": [("NUTELLA", "Nutella"), ("KINDER", "Kinder"), ("ROCHER", "Ferrero Rocher"),
                             ("RAFFAELLO", "Raffaello")],
    "FERRERO.DOMAIN.ASSET_TYPE": [("BANNER", "Banner"), ("PACKSHOT", "Packshot"), ("VIDEO", "Video")]}
# The declared metadata model: field id -> CHAR | NUMBER | DATE | DOMAIN | ("TABLE", {column id: type}).
MODEL = dict({f: "CHAR" for f in CAMPAIGN_FIELDS.values()}, **{CAMPAIGN_FIELDS["status"]: "DOMAIN",
    F + "TRACKING_ID": "CHAR", F + "SOURCE_FILE_ID": "CHAR", F + "ASSET_TITLE": "CHAR", F + "DESCRIPTION": "CHAR",
    F + "SUPERSEDED_BY": "CHAR",
    F + "LANGUAGE": "CHAR", F + "STATE": "CHAR", F + "ECOMMERCE_STATUS": "DOMAIN", F + "BRAND": "DOMAIN",
    F + "PRODUCT": "CHAR", F + "MARKET": "CHAR", F + "ASSET_TYPE": "DOMAIN", F + "CHANNEL": "CHAR",
    F + "FORMAT": "CHAR", F + "KEYWORDS": ("TABLE", {"FERRERO.COLUMN.KEYWORD": "CHAR"}),
    F + "USAGE_RIGHTS_END": "DATE", F + "COPYRIGHT": "CHAR", F + "AGENCY": "CHAR", F + "APPROVER_COMMENT": "CHAR",
    F + "APPROVER_NAME": "CHAR", F + "APPROVAL_DATE": "DATE", F + "LEGAL_COMMENT": "CHAR", F + "LEGAL_NAME": "CHAR",
    F + "LEGAL_DATE": "DATE", F + "IACC_COMMENT": "CHAR", F + "IACC_NAME": "CHAR", F + "IACC_DATE": "DATE",
    F + "REJECTION_REASON": "CHAR", F + "PIECE_COUNT": "NUMBER",
    F + "USAGE_TABLE": ("TABLE", {"FERRERO.COLUMN.USAGE_MARKET": "CHAR", "FERRERO.COLUMN.USAGE_UNTIL": "DATE"})})


def iso(ts):
    """OTMM's ISO time: whole seconds (E22: pyxecm parses them with %Y-%m-%dT%H:%M:%SZ), so two objects made in the
    same second carry the same date, as on a real DAM."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def user_id(login):
    """The user id OTMM shows for a DAM user (``asset_lock_state_user_id``), or None."""
    return USER_IDS.get(login, login) if login else None


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
        self.folders, self.assets, self.jobs, self.tokens, self.sessions = {}, {}, {}, {}, {}
        self.counter = itertools.count(1)
        self.job_counter = itertools.count(1100)
        self.job_delay = 0.2
        self.token_lifetime = 3600
        self.fail_next_imports = 0
        self.max_page_size = 0  # 0: children pages as large as the client asks
        self.job_shape = "job_state"  # or "status", "absent"
        self.single_lock = True
        self.refused_operators = set()  # known ids this instance still refuses (500), e.g. CHAR.IS
        self.known_operators = set(KNOWN_OPERATORS)
        self.unknown_operators = "refuse"  # or "ignore" (no hits) or "flag" (contains_invalid_conditions)
        self.session_cookie = "set"  # or "none" (the login sets none) or "dropped" (a gateway drops it)
        self.bearer_writes = True  # False: a Bearer token may read but not write (403)
        self.subfolders_route = True  # False: GET /folders/{id}/folders is not served (404)
        self.folder_load_types = ()  # empty: any; else the load_type values a folder GET accepts
        self.index_lag = {}  # object id -> the fields the search index still has for it (a lagging index)
        self.model = dict(MODEL)
        self.roots = [self.new_folder("Public Folders", None, {}, object_id=PUBLIC_ROOT)["asset_id"],
                      self.new_folder("Campaigns", None, {})["asset_id"],
                      self.new_folder("My Folders", None, {}, object_id=USER_ROOT)["asset_id"]]
        self.root_id = self.roots[1]

    def new_id(self):
        return hashlib.sha1("otmm-{}".format(next(self.counter)).encode()).hexdigest()

    def new_folder(self, name, parent_id, fields, type_id="ARTESIA.BASIC.FOLDER", object_id=None):
        folder = {"asset_id": object_id or self.new_id(), "name": name, "parent_ids": [parent_id] if parent_id else [],
                  "fields": dict(fields), "container_type_id": type_id, "locked_by": None,
                  "created": time.time() + next(self.counter) * 1e-6, "updated": time.time()}
        self.folders[folder["asset_id"]] = folder
        return folder

    def new_asset(self, name, parent_id, fields, size=0, mime="application/octet-stream", path=None,
                  import_job_id=None, file_name=None):
        asset = {"asset_id": self.new_id(), "name": name, "parent_ids": [parent_id], "fields": dict(fields),
                 "size": size, "mime_type": mime, "path": path, "import_job_id": import_job_id,
                 "file_name": file_name or name, "locked_by": None, "created": time.time(), "updated": time.time()}
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
        for field_id, kind in (seed.get("model") or {}).items():  # extra declared fields: CHAR, {TABLE: {...}}
            self.model[field_id] = ("TABLE", kind["TABLE"]) if isinstance(kind, dict) else kind
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
                                  spec.get("mime", "application/octet-stream"),
                                  file_name=spec.get("file_name"))["asset_id"]

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
                               a.get("mime", "application/octet-stream"), file_name=a.get("file_name"))
            self._add_tree(sub["asset_id"], content.get("folders") or {}, defaults)

    def advance_jobs(self):
        """Finish every import job whose time has come: a job runs on the server's clock, not the client's polls."""
        now = time.time()
        for job_id, job in self.jobs.items():
            if job["asset_id"] is None and not job["fail"] and now >= job["ready_at"]:
                spec = job["spec"]
                job["asset_id"] = self.new_asset(spec["name"], spec["parent"], spec["fields"], spec["size"],
                                                 spec["mime"], spec["path"], import_job_id=int(job_id))["asset_id"]
                self.assets[job["asset_id"]]["import_template_id"] = job.get("template")

    # -- content --------------------------------------------------------------------------------------------------
    def content(self, asset):
        """Iterator over the asset's bytes: its stored file, or deterministic generated bytes."""
        if asset["path"]:
            def read():
                with open(asset["path"], "rb") as f:
                    while True:
                        chunk = f.read(CONTENT_BLOCK)
                        if not chunk:
                            return
                        yield chunk
            return read()
        # a 32-byte pattern repeated: one 1 MiB block made once and sent again and again, no per-chunk copy
        block = hashlib.sha256(asset["asset_id"].encode()).digest() * (CONTENT_BLOCK // 32)

        def gen():
            left = asset["size"]
            while left >= CONTENT_BLOCK:
                yield block
                left -= CONTENT_BLOCK
            if left:
                yield block[:left]
        return gen()

    def sha1(self, asset):
        h = hashlib.sha1()
        for chunk in self.content(asset):
            h.update(chunk)
        return h.hexdigest()


def scalar(value):
    if isinstance(value, dict):
        return value.get("domain")
    return value


def campaign_folder(state, campaign_id):
    for f in state.folders.values():
        if f["fields"].get(CAMPAIGN_FIELDS["number"]) == campaign_id:
            return f
    raise KeyError(campaign_id)


def folder_by_path(state, campaign_id, path):
    """Folder id of ``path`` (list of names) below the campaign ``number``."""
    current = campaign_folder(state, campaign_id)["asset_id"]
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
             "sha1": state.sha1(a), "import_job_id": a["import_job_id"], "fields": dict(a["fields"]),
             "import_template_id": a.get("import_template_id")}
            for a in state.assets.values() if a["import_job_id"]]


def set_field_by_number(state, campaign_id, field, value):
    campaign_folder(state, campaign_id)["fields"][field] = value


def summary(state):
    """Every campaign with its status and the assets under it (path, name, size, sha1, fields)."""
    out = {}
    for f in state.folders.values():
        campaign_id = f["fields"].get(CAMPAIGN_FIELDS["number"])
        if not campaign_id:
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
        out[campaign_id] = {"folder_id": f["asset_id"], "status": scalar(f["fields"].get(CAMPAIGN_FIELDS["status"])),
                       "locked": bool(f["locked_by"]), "assets": sorted(assets, key=lambda a: (a["path"], a["name"]))}
    return {"campaigns": out}
