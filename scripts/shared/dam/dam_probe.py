"""A live probe of the OTMM open points (docs/otmm-api.md section 4): run once against a test folder before the
first cron tick, it says per point what worked on this instance and the .env setting to use.

Points, in order: authentication (each configured profile), an authenticated search with both operator ids and
their hit sets compared (which operator the instance takes, whether campaign folders are indexed), whether listings
carry the decision fields (full vs metadata_to_return), lock, write the folder's own status back, unlock (single vs
bulk form, and the other auth profile when a write is refused; the folder is left as it was), and, only when asked
and only into a folder without a campaign status, one small probe import carrying one value of each field type
taken from a real master, confirmed through the job resource (job body key and values, the import look-up, the
download back). The probe asset stays in the DAM (no delete call is evidenced, N2): its id is printed.
"""
import copy
import json
import logging
import os
import tempfile
import time
import uuid

from .dam_client import DAMClient, decision_fields
from .dam_metadata import as_text, flatten, to_elements, typed_values
from ..core.errors import ServiceError, SuiteError
from ..core.retry import poll_until
from ..core.config_schema import setting as config_setting

log = logging.getLogger(__name__)
CONTAINS = "ARTESIA.OPERATOR.CHAR.CONTAINS"
IS = "ARTESIA.OPERATOR.CHAR.IS"


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
        self.mode = None  # the auth profile that worked
        self.status, self.folder_raw, self.master = None, {}, None
        self._statuses = {}

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
            self.dam, self.mode = dam, mode
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
        """Both operator ids, their hit sets compared. OpenText's clients send CONTAINS (E15, N2); an instance that
        ignores an operator it does not know answers it with no hits, which must not be read as "folders are not
        indexed" while the other operator finds them."""
        search = self.config["dam"].get("search") or {}
        configured = config_setting(search, "dam.search.operator_id")
        status_field = self.config["dam"]["fields"]["campaign_status"]
        value = self.status or "A1"
        found, refused = {}, []
        for operator in [configured] + [o for o in (CONTAINS, IS) if o != configured]:
            try:
                hits = self._search_once(operator, status_field, value)
                found[operator] = set(h["asset_id"] for h in hits if self.dam._is_folder(h))
            except Exception as exc:
                refused.append("{}: {}".format(operator, _short(exc)))
        if not found:
            self.add("search", "FAIL", "POST /search/text refused: " + "; ".join(refused),
                     "DAM_CAMPAIGN_LOOKUP=walk (and DAM_CAMPAIGN_ROOT_FOLDER=<folder above the campaigns>)")
            return
        exact = dict((op, set(i for i in ids if self._status_of(i) == value)) for op, ids in found.items())
        counts = ", ".join("{} {} folder hit(s), {} with status {}".format(op.rsplit(".", 1)[-1], len(found[op]),
                                                                          len(exact[op]), value) for op in found)
        best = max(found, key=lambda op: (len(exact[op]), op == CONTAINS))
        detail = "POST /search/text answered: {}".format(counts)
        for op in found:
            if op != best and len(exact[op]) < len(exact[best]):
                detail += "; {} misses {} folder(s) {} finds (the instance ignores or narrows it: not an index " \
                          "problem)".format(op.rsplit(".", 1)[-1], len(exact[best] - exact[op]),
                                            best.rsplit(".", 1)[-1])
        if refused:
            detail += "; refused: " + "; ".join(refused)
        setting = "DAM_SEARCH_OPERATOR_ID={}".format(best)
        if self.status:
            if self.folder_id in found[best]:
                detail += "; the test folder is among the hits (campaign folders are indexed)"
                setting += " DAM_CAMPAIGN_LOOKUP=search"
            else:
                detail += "; with no operator is the test folder among the hits (folders not indexed by search " \
                          "config {})".format(config_setting(search, "dam.search.search_config_id"))
                setting += " DAM_CAMPAIGN_LOOKUP=walk (or another DAM_SEARCH_CONFIG_ID)"
        self.add("search", "OK", detail, setting)

    def _status_of(self, folder_id):
        """The folder's campaign status read from the folder itself (each hit read once)."""
        if folder_id not in self._statuses:
            try:
                self._statuses[folder_id] = self.dam.get_campaign(folder_id).status
            except Exception:
                self._statuses[folder_id] = None
        return self._statuses[folder_id]

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
            self.master = full_doc["asset_resource"]["asset"]
            reference = flatten(self.master.get("metadata"))
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
        """Lock, write the folder's own status back to itself, unlock: each lock form, and when the DAM refuses the
        write (401/403) under this auth profile, the other configured one, so the output names one that works."""
        if self.folder_raw.get("locked"):
            self.add("lock", "SKIP", "the test folder is locked (by {}): not touched; unlock it and run again".format(
                self.folder_raw.get("asset_lock_state_user_id") or "someone"))
            return
        tried = []
        if self._try_writes(self.dam, tried):
            return
        refused = any(" HTTP 401" in t or " HTTP 403" in t for t in tried)
        other = self._other_profile() if refused else None
        if other is not None:
            dam = self.client(auth_mode=other)
            try:
                if self._try_writes(dam, tried, profile=other):
                    return
            finally:
                dam.close()
        self.add("lock", "FAIL", "no lock form (and write) worked: " + "; ".join(tried),
                 "check the integration user's edit permission on the folder (and DAM_AUTH_MODE)")

    def _other_profile(self):
        dam_cfg = self.config["dam"]
        if self.mode == "oauth2" and dam_cfg.get("username") and dam_cfg.get("password"):
            return "session"
        if self.mode == "session" and dam_cfg.get("client_id") and dam_cfg.get("auth_url"):
            return "oauth2"
        return None

    def _try_writes(self, dam, tried, profile=None):
        for mode in ("single", "bulk"):
            dam.lock_mode, dam._lock_transport = mode, None
            try:
                dam.set_lock(self.folder_id, "lock")
            except Exception as exc:
                tried.append("{}{}: {}".format(profile + " " if profile else "", mode, _short(exc)))
                continue
            wrote, failure = self._write_back(dam), None
            try:
                shown = dam.get_folder(self.folder_id).get("locked")
            finally:
                try:
                    dam.set_lock(self.folder_id, "unlock")
                except Exception as exc:
                    failure = "locked with the {} form but unlock failed: {} - UNLOCK FOLDER {} BY HAND".format(
                        mode, _short(exc), self.folder_id)
            if failure:
                self.add("lock", "FAIL", failure)
                return True
            if wrote.startswith("PATCH refused"):  # locked and unlocked, but the write itself was refused
                tried.append("{}{}: {}".format(profile + " " if profile else "", mode, wrote))
                return False
            path = "PUT /assets/{id}/state" if mode == "single" else "PUT /assets/state (bulk)"
            detail = "{} with a form body locked and unlocked the folder{}; {}".format(
                path, "" if shown in (True, None) else " (the folder did not show locked=true in between)", wrote)
            if tried:
                detail += "; refused: " + "; ".join(tried)
            settings = "DAM_LOCK_MODE={}".format(mode)
            if profile:
                settings += " DAM_AUTH_MODE={}".format(profile)
                detail += "; works under DAM_AUTH_MODE={}, not under {}".format(profile, self.mode)
            self.add("lock", "OK", detail, settings)
            return True
        return False

    def _write_back(self, dam):
        """PATCH the folder's campaign status with the value it already has (the write the workflows make)."""
        if not self.status:
            return "no campaign status on the test folder: PATCH not tried (give a campaign folder to check it)"
        field = self.config["dam"]["fields"]["campaign_status"]
        body = {"edited_folder": {"data": {"metadata": to_elements({field: self.status}, dam.domain_fields)}}}
        try:
            dam._send("PATCH", dam.api + "/folders/{}".format(self.folder_id), data=json.dumps(body),
                      headers={"Content-Type": "application/json; charset=UTF-8"})
        except ServiceError as exc:
            return "PATCH refused: {}".format(_short(exc))
        after = dam.get_campaign(self.folder_id).status
        return "PATCH /folders/{{id}} wrote status {} back to itself{}".format(
            self.status, "" if after == self.status else " BUT IT NOW READS {!r}: CHECK THE FOLDER".format(after))

    def check_import(self):
        if self.status:
            self.add("import", "FAIL", "not tried: the test folder carries campaign status {}, and a probe file "
                                       "there would travel with the campaign".format(self.status),
                     "give --probe-dam a folder without a campaign status (a test folder) for --probe-import")
            return
        special = self.config["fields"].get("special_fields") or {}
        tracking = "PRB" + uuid.uuid4().hex[:3].upper()
        source = "probe-" + uuid.uuid4().hex[:8]
        name = "{}_dam-probe.txt".format(tracking)
        directory = tempfile.mkdtemp(prefix="dam-probe-")
        path = os.path.join(directory, name)
        with open(path, "wb") as f:
            f.write(b"dam-content-scaling probe import\n")
        metadata, kinds = self._sample_values()
        metadata.update({special["tracking_id"]: tracking, special["source_file_id"]: source})  # field_mappings
        try:
            started = time.time()
            job_id = self.dam._post_import(self.folder_id, path, metadata, name)
            asset_id = self.dam._wait_for_import(job_id, self.folder_id, tracking, source, name)
            took = time.time() - started
            self.add("import", "OK", "POST /assets -> job {}; GET /jobs/{}/assets listed asset {} after {:.1f}s, "
                                     "with {}".format(job_id, job_id, asset_id, took, kinds))
            self.add("cleanup", "INFO", "delete the probe asset {} ({}) from folder {} in the DAM by hand (no "
                                        "delete call is evidenced)".format(asset_id, name, self.folder_id))
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

    def _sample_values(self):
        """One value of each field type (text, number, date, pick-list, table) copied from the master the listing
        point read in full, so the import shows whether the DAM takes every encoding; ({field: value}, summary)."""
        special = set((self.config["fields"].get("special_fields") or {}).values())
        picked = {}
        for field, value in sorted(typed_values((self.master or {}).get("metadata")).items()):
            kind = _kind(value)
            if kind and kind not in picked and field not in special and value not in (None, "", [], {}):
                picked[kind] = (field, value)
        if not picked:
            return {}, "no master metadata to copy (put an asset with metadata in the test folder)"
        return (dict(picked.values()), "one value per field type from master {}: {}".format(
            (self.master or {}).get("asset_id"), ", ".join("{} {}".format(k, f) for k, (f, _) in
                                                            sorted(picked.items()))))

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


def _kind(value):
    """The field type of a typed value (dam_metadata.typed_values)."""
    if isinstance(value, dict):
        return next((k for k in ("table", "domain", "datetime") if k in value), None)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return "number"
    return "text" if isinstance(value, str) else None


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
    lines = {}  # a later point's finding wins (a write refused under one auth profile names the other)
    for line in settings:
        for item in line.split(" "):
            if "=" in item:
                lines.pop(item.split("=", 1)[0], None)
                lines[item.split("=", 1)[0]] = item
    if lines:
        write("Suggested .env lines:\n" + "\n".join("  " + s for s in lines.values()) + "\n")
    return not any(r.status == "FAIL" for r in results)
