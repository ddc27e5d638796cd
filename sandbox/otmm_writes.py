"""What the OTMM sandbox lets a client change: folders created (duplicate names allowed: none is shown refused),
locks taken and released (``PUT /assets/{id}/state`` and the bulk ``PUT /assets/state``, ``action`` read from a form
body only), metadata PATCHed by the lock holder, and imports: a multipart ``POST /assets`` starts a job that makes
its asset on the server's clock, read through ``GET /jobs/{id}`` (a switchable body: no source shows it) and
``GET /jobs/{id}/assets`` (E4). OTMMApp takes these routes from OTMMWriteRoutes.
"""
import json
import os
import time
import uuid

from werkzeug.formparser import parse_form_data
from werkzeug.wrappers import Response

from sandbox.otmm_documents import asset_json, folder_json, parse_elements, wanted_detail
from sandbox.otmm_state import API, SESSION_USER, OTMMError


class OTMMWriteRoutes(object):
    """The write routes of OTMMApp; they use its ``state``, ``json``, ``folder`` and ``asset``."""

    # -- folders, locks, metadata -----------------------------------------------------------------------------------
    def create_folder(self, req, parent_id):
        """No unique-name rule: OTMM is not shown refusing a duplicate folder name, so neither does the sandbox."""
        self.folder(parent_id)
        try:
            doc = json.loads(req.get_data(as_text=True))["folder_resource"]["folder"]
            name = doc["name"]
        except (ValueError, KeyError, TypeError):
            raise OTMMError(400, "A folder_resource.folder with a name is required")
        fields = parse_elements((doc.get("metadata") or {}).get("metadata_element_list"), self.state.model)
        folder = self.state.new_folder(name, parent_id, fields, doc.get("container_type_id", "ARTESIA.BASIC.FOLDER"))
        return self.json({"folder_resource": {"folder": folder_json(self.state, folder, {"fields": None,
                                                                                 "counts": False})}})

    def caller(self, req):
        """Locks belong to a DAM user, not to a token: the OAuth client, a session and the mTLS gateway all act as
        the integration user (as a gateway maps its certificate to that account), so a later run can take over."""
        return SESSION_USER

    @staticmethod
    def form_action(req):
        """``action`` from a form body only (every real OTMM PUT is form-bodied, E6/E8): a query string is not read."""
        if not (req.mimetype or "").startswith("application/x-www-form-urlencoded"):
            raise OTMMError(400, "The action parameter is required in an application/x-www-form-urlencoded body")
        action = req.form.get("action")
        if action not in ("lock", "unlock"):
            raise OTMMError(400, "Unknown action {!r}".format(action))
        return action

    def _set_lock(self, obj, action, who):
        if obj["locked_by"] and obj["locked_by"] != who:
            raise OTMMError(409, "Could not {} this asset: it is locked by another user".format(action))
        obj["locked_by"] = who if action == "lock" else None

    def lock(self, req, object_id):
        if not self.state.single_lock:
            raise OTMMError(405, "HTTP 405 Method Not Allowed")
        obj = self.state.obj(object_id)
        self._set_lock(obj, self.form_action(req), self.caller(req))
        return self.json({"asset_resource": {"asset": {"asset_id": object_id, "locked": bool(obj["locked_by"])}}})

    def bulk_lock(self, req):
        """PUT /assets/state with action and an AssetIdsSelectionContext (E8); per-object failures are listed."""
        action = self.form_action(req)
        try:
            context = json.loads(req.form["selection_context"])["selection_context_param"]["selection_context"]
            ids = list(context["asset_ids"])
        except (KeyError, ValueError, TypeError):
            raise OTMMError(400, "selection_context must hold an AssetIdsSelectionContext with asset_ids")
        done, failed = [], []
        for object_id in ids:
            try:
                self._set_lock(self.state.obj(object_id), action, self.caller(req))
                done.append(object_id)
            except OTMMError as exc:
                failed.append({"object_id": object_id, "message": exc.message})
        return self.json({"bulk_asset_result_representation": {"bulk_asset_result": {
            "successful_object_list": done, "failed_object_list": failed}}})

    def patch(self, req, obj, wrapper):
        who = self.caller(req)
        if obj["locked_by"] != who:
            raise OTMMError(409 if obj["locked_by"] else 400,
                            "The object must be locked by the current user before it is edited")
        try:
            elements = json.loads(req.get_data(as_text=True))[wrapper]["data"]["metadata"]
        except (ValueError, KeyError, TypeError):
            raise OTMMError(400, "A {}.data.metadata list is required".format(wrapper))
        for field, value in parse_elements(elements, self.state.model).items():
            old = obj["fields"].get(field)
            if isinstance(value, dict) and "table" in value and isinstance(old, dict) and "table" in old:
                value = {"table": dict(old["table"], **value["table"])}
            obj["fields"][field] = value
        obj["updated"] = time.time()
        return Response(status=200)

    def patch_folder(self, req, folder_id):
        return self.patch(req, self.folder(folder_id), "edited_folder")

    def patch_asset(self, req, asset_id):
        return self.patch(req, self.asset(asset_id), "edited_asset")

    # -- imports ----------------------------------------------------------------------------------------------------
    def import_asset(self, req):
        stream, form, files = parse_form_data(req.environ)
        if "files" not in files or "parent_folder_id" not in form:
            raise OTMMError(400, "A multipart body with files, manifest, asset_representation and parent_folder_id "
                                 "is required")
        parent = self.folder(form["parent_folder_id"])
        rep = json.loads(form.get("asset_representation") or files["asset_representation"].read().decode())
        manifest = json.loads(form.get("manifest") or files["manifest"].read().decode())
        name = manifest["upload_manifest"]["master_files"][0]["file"]["file_name"]
        fields = parse_elements(rep["asset_resource"]["asset"]["metadata"]["metadata_element_list"], self.state.model)
        upload = files["files"]
        path = os.path.join(self.state.data_dir, "content", uuid.uuid4().hex)
        upload.save(path)
        job_id = str(next(self.state.job_counter))
        fail = self.state.fail_next_imports > 0
        if fail:
            self.state.fail_next_imports -= 1
        self.state.jobs[job_id] = {"job_id": job_id, "ready_at": time.time() + self.state.job_delay, "fail": fail,
                                   "template": form.get("import_template_id"),
                                   "spec": {"name": name, "parent": parent["asset_id"], "fields": fields, "path": path,
                                            "size": os.path.getsize(path),
                                            "mime": manifest["upload_manifest"]["master_files"][0]["file"].get(
                                                "file_type") or "application/octet-stream"},
                                   "asset_id": None}
        return self.json({"job_handle": {"job_id": job_id}}, 202)

    def _job(self, job_id):
        job = self.state.jobs.get(job_id)
        if job is None:
            raise OTMMError(404, "Job {} not found".format(job_id))
        return job

    def job(self, req, job_id):
        """The job body is in no public source (N1): ``job_shape`` switches between guesses, or answers 404."""
        job = self._job(job_id)
        state = "FAILED" if job["fail"] and time.time() >= job["ready_at"] else \
            "COMPLETED" if job["asset_id"] else "RUNNING"
        shape = self.state.job_shape
        if shape == "absent":
            raise OTMMError(404, "No resource at GET {}/jobs/{}".format(API, job_id))
        if shape == "status":
            words = {"RUNNING": "In Progress", "COMPLETED": "Done", "FAILED": "Error"}
            return self.json({"job_resource": {"job": {"id": job_id, "status": words[state]}}})
        return self.json({"job_resource": {"job": {"job_id": job_id, "job_state": state,
                                                   "message": "import failed (sandbox)" if state == "FAILED"
                                                   else None}}})

    def job_assets(self, req, job_id):
        """GET /jobs/{id}/assets -> assets_resource.asset_list (E4): empty until the job has made its asset."""
        job = self._job(job_id)
        assets = [self.state.assets[job["asset_id"]]] if job["asset_id"] in self.state.assets else []
        detail = wanted_detail(req)
        return self.json({"assets_resource": {"asset_list": [asset_json(self.state, a, detail) for a in assets]}})
