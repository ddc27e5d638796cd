"""A live probe of the OTMM open points (docs/otmm-api.md section 4): run once against a test folder before the
first cron tick, it says per point what worked on this instance and the .env setting to use.

Points, in order: authentication (each configured profile), an authenticated search (operator id, whether campaign
folders are indexed), whether listings carry the decision fields (full vs metadata_to_return), lock then unlock of
the test folder (single vs bulk form; the folder is left as it was), and, only when asked, one small probe import
confirmed through the job resource (job body key and values, the import look-up, the download back).
"""
import copy
import json
import logging
import os
import tempfile
import time
import uuid

from .dam_client import DAMClient, decision_fields
from .dam_metadata import as_text, flatten
from ..core.errors import SuiteError
from ..core.retry import poll_until
from ..core.config_schema import setting as config_setting

log = logging.getLogger(__name__)
CONTAINS = "ARTESIA.OPERATOR.CHAR.CONTAINS"


class Result(object):
    def __init__(self, point, status, detail, setting=None):
        self.point, self.status, self.detail, self.setting = point, status, detail, setting

    def line(self, width):
        text = "{}  {:<4}  {}".format(self.point.ljust(width), self.status, self.detail)
        if self.setting:
            text += "\n{}        .env: {}".format(" " * width, self.setting)
        return text


def _short(exc):
    return exc.message if isinstance(exc, SuiteError) else "{}: {}".format(type(exc).__name__, exc)


class DAMProbe(object):
    """``config``: the loaded configuration; ``auth_mode``: "mtls" for --auth-pfx, else what dam.auth_mode says."""

    def __init__(self, config, folder_id, auth_mode="oauth2", try_import=False):
        self.config = config
        self.folder_id = folder_id
        self.requested_auth = auth_mode
        self.try_import = try_import
        self.results = []
        self.dam = None

    def add(self, point, status, detail, setting=None):
        self.results.append(Result(point, status, detail, setting))

    def client(self, **overrides):
        cfg = copy.deepcopy(self.config["dam"])
        cfg.update(overrides)
        return DAMClient(cfg, auth_mode=self.requested_auth, field_ids=self.config["fields"].get("special_fields"),
                         metadata_fields=decision_fields(self.config["fields"]))

    def run(self):
        try:
            if self.check_auth():
                self.check_folder()
                self.check_search()
                self.check_listing()
                self.check_lock()
                if self.try_import:
                    self.check_import()
                else:
                    self.add("import", "SKIP", "not tried (add --probe-import to import one small probe file into "
                                              "the test folder and confirm it through the job resource)")
        finally:
            if self.dam is not None:
                self.dam.close()
        return self.results

    # -- points -----------------------------------------------------------------------------------------------------
    def check_auth(self):
        """The configured profile first; when it fails, every other configured one, so the output names one that
        works."""
        dam_cfg = self.config["dam"]
        if self.requested_auth == "mtls":
            candidates = [("mtls", {})]
        else:
            configured = config_setting(dam_cfg, "dam.auth_mode").lower()
            candidates = [(configured, {})]
            other = "session" if configured == "oauth2" else "oauth2"
            if other == "session" and dam_cfg.get("username") and dam_cfg.get("password"):
                candidates.append(("session", {"auth_mode": "session"}))
            if other == "oauth2" and dam_cfg.get("client_id") and dam_cfg.get("auth_url"):
                candidates.append(("oauth2", {"auth_mode": "oauth2"}))
        failures = []
        for mode, overrides in candidates:
            dam = self.client(**overrides)
            try:
                info = dam.ping()
            except Exception as exc:  # every failure is a finding here, not a crash
                dam.close()
                failures.append("{}: {}".format(mode, _short(exc)))
                continue
            self.dam = dam
            what = {"oauth2": "OAuth2 bearer token ({})".format(config_setting(dam_cfg, "dam.grant_type")),
                    "session": "OTMM session (JSESSIONID + X-Requested-By)", "mtls": "mTLS client certificate"}[mode]
            detail = "{} accepted: GET /folders/rootfolders lists {} root folder(s)".format(what,
                                                                                          info["root_folders"])
            if failures:
                detail += "; refused: " + "; ".join(failures)
            self.add("auth", "OK", detail, None if mode == "mtls" else "DAM_AUTH_MODE={}".format(mode))
            return True
        self.add("auth", "FAIL", "no auth profile worked: " + "; ".join(failures),
                 "check DAM_AUTH_URL/DAM_CLIENT_ID/DAM_CLIENT_SECRET, or set DAM_AUTH_MODE=session with "
                 "DAM_USERNAME/DAM_PASSWORD (docs/otmm-api.md section 1)")
        return False

    def check_folder(self):
        try:
            self.status = self.dam.get_campaign(self.folder_id).status  # the folder's campaign status, if any
            self.folder_raw = self.dam.get_folder(self.folder_id)
            self.add("folder", "OK", "test folder {} ({}) readable{}".format(
                self.folder_id, self.folder_raw.get("name"),
                ", campaign status {}".format(self.status) if self.status else ""))
        except Exception as exc:
            self.status, self.folder_raw = None, {}
            self.add("folder", "FAIL", "GET /folders/{}: {}".format(self.folder_id, _short(exc)),
                     "give the id of a folder the integration user may read and edit")

    def _search_once(self, operator, field_id, value):
        search = dict(self.config["dam"].get("search") or {}, operator_id=operator, mode="search")
        dam = self.dam
        saved = dam.cfg.get("search")
        dam.cfg["search"] = search
        try:
            return dam._search(field_id, value)
        finally:
            dam.cfg["search"] = saved

    def check_search(self):
        search = self.config["dam"].get("search") or {}
        configured = config_setting(search, "dam.search.operator_id")
        status_field = self.config["dam"]["fields"]["campaign_status"]
        value = self.status or "A1"
        working, failures, hits = None, [], []
        for operator in [configured] + ([CONTAINS] if configured != CONTAINS else []):
            try:
                hits = self._search_once(operator, status_field, value)
                working = operator
                break
            except Exception as exc:
                failures.append("{}: {}".format(operator, _short(exc)))
        if working is None:
            self.add("search", "FAIL", "POST /search/text refused: " + "; ".join(failures),
                     "DAM_CAMPAIGN_LOOKUP=walk (and DAM_CAMPAIGN_ROOT_FOLDER=<folder above the campaigns>)")
            return
        detail = "POST /search/text with {} answered ({} hit(s) for status {})".format(working, len(hits), value)
        if failures:
            detail += "; refused: " + "; ".join(failures)
        setting = "DAM_SEARCH_OPERATOR_ID={}".format(working)
        if self.status:
            if any(h.get("asset_id") == self.folder_id for h in hits):
                detail += "; the test folder is among the hits (campaign folders are indexed)"
                setting += " DAM_CAMPAIGN_LOOKUP=search"
            else:
                detail += "; the test folder is NOT among the hits (folders not indexed by search config {})".format(
                    config_setting(search, "dam.search.search_config_id"))
                setting += " DAM_CAMPAIGN_LOOKUP=walk (or another DAM_SEARCH_CONFIG_ID)"
        self.add("search", "OK", detail, setting)

    def check_listing(self):
        """Do listings carry the decision fields? Compared with a full read of one asset of the folder."""
        try:
            first = next((i for i in self.dam._children(self.folder_id, detail="slim")
                          if not self.dam._is_folder(i)), None)
            if first is None:
                self.add("listing", "SKIP", "the test folder holds no asset: put one (with metadata) in it to check "
                                            "whether listings carry the decision fields",
                         "DAM_LISTING_DETAIL=full (the safe default)")
                return
            full_doc = self.dam._get_json("/assets/{}".format(first["asset_id"]), {"load_type": "full"})
            reference = flatten(full_doc["asset_resource"]["asset"].get("metadata"))
            wanted = [f for f in self.dam.metadata_fields if reference.get(f) not in (None, "", [])]
            if not wanted:
                self.add("listing", "SKIP", "asset {} carries none of the decision fields: use an asset with "
                                            "metadata".format(first["asset_id"]), "DAM_LISTING_DETAIL=full")
                return
            found = {}
            for detail in ("full", "fields"):
                listed = next((i for i in self.dam._children(self.folder_id, detail=detail)
                               if i.get("asset_id") == first["asset_id"]), None)
                values = flatten(listed.get("metadata")) if listed else {}
                found[detail] = [f for f in wanted if as_text(values.get(f)) == as_text(reference.get(f))]
            summary = ", ".join("{}: {}/{}".format(d, len(found[d]), len(wanted)) for d in ("full", "fields"))
            best = "full" if len(found["full"]) == len(wanted) else "fields" if len(found["fields"]) == len(
                wanted) else None
            if best:
                self.add("listing", "OK", "decision fields in the listing of asset {} ({})".format(
                    first["asset_id"], summary), "DAM_LISTING_DETAIL={}".format(best))
            else:
                missing = sorted(set(wanted) - set(found["full"]) - set(found["fields"]))
                self.add("listing", "FAIL", "listings miss decision fields ({}); missing {}".format(
                    summary, ", ".join(missing[:5])), "report this: the workflows need these fields in listings")
        except Exception as exc:
            self.add("listing", "FAIL", _short(exc))

    def check_lock(self):
        if self.folder_raw.get("locked"):
            self.add("lock", "SKIP", "the test folder is locked (by {}): not touched; unlock it and run again".format(
                self.folder_raw.get("asset_lock_state_user_id") or "someone"))
            return
        tried = []
        for mode in ("single", "bulk"):
            self.dam.lock_mode, self.dam._lock_transport = mode, None
            try:
                self.dam.set_lock(self.folder_id, "lock")
            except Exception as exc:
                tried.append("{}: {}".format(mode, _short(exc)))
                continue
            try:
                shown = self.dam.get_folder(self.folder_id).get("locked")
            finally:
                try:
                    self.dam.set_lock(self.folder_id, "unlock")
                except Exception as exc:
                    self.add("lock", "FAIL", "locked with the {} form but unlock failed: {} - UNLOCK FOLDER {} BY "
                                             "HAND".format(mode, _short(exc), self.folder_id))
                    return
            path = "PUT /assets/{id}/state" if mode == "single" else "PUT /assets/state (bulk)"
            detail = "{} with a form body locked and unlocked the folder{}".format(
                path, "" if shown in (True, None) else " (the folder did not show locked=true in between)")
            if tried:
                detail += "; refused: " + "; ".join(tried)
            self.add("lock", "OK", detail, "DAM_LOCK_MODE={}".format(mode))
            return
        self.add("lock", "FAIL", "neither lock form worked: " + "; ".join(tried),
                 "check the integration user's edit permission on the folder (and DAM_AUTH_MODE)")

    def check_import(self):
        special = self.config["fields"].get("special_fields") or {}
        tracking = "PRB" + uuid.uuid4().hex[:3].upper()
        source = "probe-" + uuid.uuid4().hex[:8]
        name = "{}_dam-probe.txt".format(tracking)
        directory = tempfile.mkdtemp(prefix="dam-probe-")
        path = os.path.join(directory, name)
        with open(path, "wb") as f:
            f.write(b"dam-content-scaling probe import\n")
        metadata = {special["tracking_id"]: tracking, special["source_file_id"]: source}  # required in field_mappings
        try:
            started = time.time()
            job_id = self.dam._post_import(self.folder_id, path, metadata, name)
            asset_id = self.dam._wait_for_import(job_id, self.folder_id, tracking, source, name)
            took = time.time() - started
            self.add("import", "OK", "POST /assets -> job {}; GET /jobs/{}/assets listed asset {} after {:.1f}s "
                                     "(left in the folder: delete it when done)".format(job_id, job_id, asset_id,
                                                                                      took))
            self._report_job_body(job_id)
            self._report_lookup(tracking, source, name, asset_id)
            got = self.dam.download_asset(asset_id, directory, name="back.txt", expected_size=os.path.getsize(path))
            self.add("download", "OK", "GET /assets/{}/contents with Accept: */* returned the {} bytes".format(
                asset_id, got.size))
        except Exception as exc:
            self.add("import", "FAIL", _short(exc), "check DAM_METADATA_MODEL_ID, DAM_SECURITY_POLICY_ID and the "
                                                    "field ids in config/field_mappings.yaml against the DAM")
        finally:
            for entry in os.listdir(directory):
                os.remove(os.path.join(directory, entry))
            os.rmdir(directory)

    def _report_job_body(self, job_id):
        state, job = self.dam.job_state(job_id)
        if not job:
            self.add("job body", "OK", "GET /jobs/{} is not served here: imports are confirmed by /jobs/{{id}}/assets "
                                       "alone".format(job_id), "DAM_JOB_STATUS_KEY= (leave empty)")
            return
        keys = [self.dam.job_status_key] if self.dam.job_status_key else ["job_state", "status", "state"]
        key = next((k for k in keys if job.get(k)), None)
        body = json.dumps(job)[:160]
        if key is None:
            self.add("job body", "INFO", "GET /jobs/{} carries no known status key: {}".format(job_id, body),
                     "set DAM_JOB_STATUS_KEY to the key holding the state above")
            return
        known = state in self.dam.job_done_states
        self.add("job body", "OK" if known else "INFO", "GET /jobs/{} says {}={} for a finished job{}".format(
            job_id, key, job.get(key), "" if known else " (not a known finished value)"),
            "DAM_JOB_STATUS_KEY={} DAM_JOB_DONE_VALUES={}".format(key, job.get(key)))

    def _report_lookup(self, tracking, source, name, asset_id):
        def look():
            found = self.dam.find_imported_asset(self.folder_id, tracking, source, filename=name)
            return found if found == asset_id else None
        found = poll_until(look, time.time() + 30, interval=3)
        if found == asset_id:
            self.add("look-up", "OK", "the search finds the new asset by TRACKING_ID in the folder",
                     "DAM_IMPORT_LOOKUP={}".format(self.dam.import_lookup))
        else:
            self.add("look-up", "FAIL", "the search did not find the new asset within 30 s (search index lag or "
                                        "the field is not searchable)", "DAM_IMPORT_LOOKUP=folder")


def run_probe(config, folder_id, auth_mode="oauth2", try_import=False, write=None):
    """Run every point, print the table, return True when nothing failed."""
    import sys
    write = write or sys.stdout.write
    results = DAMProbe(config, folder_id, auth_mode=auth_mode, try_import=try_import).run()
    width = max(len(r.point) for r in results)
    base = config["dam"]["mtls_base_url" if auth_mode == "mtls" else "base_url"]
    write("DAM probe of {} (test folder {})\n".format(base, folder_id))
    write("\n".join(r.line(width) for r in results) + "\n")
    settings = [r.setting for r in results if r.setting and r.status in ("OK", "INFO") and "=" in r.setting]
    if settings:
        write("Suggested .env lines:\n" + "\n".join("  " + s for line in settings for s in line.split(" ")
                                                   if "=" in s) + "\n")
    return not any(r.status == "FAIL" for r in results)
