"""Locks on DAM objects: take and release one (``PUT /assets/{id}/state``, or the bulk ``PUT /assets/state``; folders
go through the asset lock service, E6-E8), a PATCH between lock and unlock, a refused lock explained by its holder,
and a lock left behind released only when the integration user holds it (E19). DAMClient takes these from DamLocks.
"""
import json
import logging

from .dam_metadata import to_elements
from ..core.errors import ServiceError, SuiteError

log = logging.getLogger(__name__)

SELECTION = "com.artesia.asset.selection.AssetIdsSelectionContext"


class DamLocks(object):
    """The lock half of DAMClient: it uses the client's ``_send``, ``_read_json``, ``_get_json``, ``logins``,
    ``lock_mode``, ``_lock_transport``, ``_me``, ``domain_fields`` and ``api``."""

    def set_lock(self, object_id, action):
        """Lock or unlock an asset or folder (folders go through the asset lock service, E7).

        As real clients send it: ``PUT /assets/{id}/state`` with the form body ``action=lock|unlock`` (E6). Where
        the instance refuses that (400/404/405/415/501), the bulk form ``PUT /assets/state`` with an
        ``AssetIdsSelectionContext`` (E8); a non-empty ``failed_object_list`` is a failure. ``dam.lock_mode``:
        auto (try single, remember what worked), single, or bulk. Returns the transport used."""
        mode = self._lock_transport or self.lock_mode
        if mode in ("auto", "single"):
            try:
                self._send("PUT", self.api + "/assets/{}/state".format(object_id), data={"action": action})
                self._lock_transport = "single"
                return "single"
            except ServiceError as exc:
                if mode == "single" or exc.status not in (400, 404, 405, 415, 501):
                    raise
                log.info("DAM refused PUT /assets/{id}/state (%s %s); trying the bulk PUT /assets/state",
                         exc.status, exc.message)
        elif mode != "bulk":
            raise SuiteError("dam.lock_mode is {!r}".format(mode), fix="set DAM_LOCK_MODE to auto, single or bulk")
        context = {"selection_context_param": {"selection_context": {
            "type": SELECTION, "asset_ids": [object_id], "include_descendants": "NONE"}}}
        doc = self._read_json("PUT", "/assets/state", data={"action": action, "selection_context": json.dumps(
            context)})
        result = (doc.get("bulk_asset_result_representation") or {}).get("bulk_asset_result") or {}
        failed = result.get("failed_object_list") or []
        if failed:
            first = failed[0] if isinstance(failed[0], dict) else {"object_id": failed[0]}
            raise ServiceError("DAM", "could not {} {}: {}".format(action, object_id, first.get("message") or
                                                                   first.get("reason") or json.dumps(first)[:200]),
                               status=409, method="PUT", path="/assets/state",
                               fix="someone else may hold the lock in the DAM; the next run tries again")
        if self.lock_mode == "auto":
            self._lock_transport = "bulk"
        return "bulk"

    def _locked_patch(self, resource, object_id, values, read):
        """Lock, ``PATCH /<resource>/{id}`` (``edited_folder`` / ``edited_asset``), unlock in finally (otmm-api.md
        5f). A refused lock is explained from ``read()``, the object as the DAM shows it now (_held_lock)."""
        try:
            self.set_lock(object_id, "lock")
        except ServiceError as exc:
            raise self._held_lock(resource, object_id, exc, read)
        try:
            wrapper = "edited_folder" if resource == "folders" else "edited_asset"
            body = {wrapper: {"data": {"metadata": to_elements(values, self.domain_fields)}}}
            self._send("PATCH", self.api + "/{}/{}".format(resource, object_id), data=json.dumps(body),
                       headers={"Content-Type": "application/json; charset=UTF-8"})
        finally:
            try:
                self.set_lock(object_id, "unlock")
            except ServiceError as exc:
                log.warning("could not unlock %s %s: %s", resource[:-1], object_id, exc)

    @staticmethod
    def _held_lock(resource, object_id, refused, read):
        """A refused lock, explained: when a DAM user holds it (``asset_lock_state_user_id``, E19) the error names the
        lock and its holder (issue 27.8); otherwise the DAM's own refusal as it was. The lock is never broken."""
        try:
            doc = read()
        except (ServiceError, ValueError, KeyError, TypeError):
            return refused
        holder = doc.get("asset_lock_state_user_id") or doc.get("metadata_lock_state_user_name")
        if not (doc.get("locked") or doc.get("asset_state") == "LOCKED") or not holder:
            return refused
        what = "campaign folder" if resource == "folders" else "asset"
        since = doc.get("asset_lock_state_last_update_date")
        error = ServiceError("DAM", "{} {} ({}) is locked in the DAM by {}{}: it cannot change while that lock is "
                                    "held".format(what, doc.get("name") or object_id, object_id, holder,
                                                  " since {}".format(since) if since else ""),
                             status=409, retryable=True, code="locked_by_person",
                             fix="ask {} to finish the edit and unlock the {} in the DAM (or a DAM administrator to "
                                 "release the lock); the next run tries again".format(holder, what))
        error.__cause__ = refused
        return error

    def whoami(self):
        """(user id, login name) of the user the DAM sees, from ``GET /sessions`` (``session_resource.session``,
        section 2.1 of the API notes; in session mode the login's own answer), or (None, None) when it does not
        say."""
        if self._me is None:
            session = {}
            if self.logins is not None and self.logins.user is not None:
                session = self.logins.user
            else:
                try:
                    session = (self._get_json("/sessions").get("session_resource") or {}).get("session") or {}
                except ServiceError as exc:
                    log.info("DAM GET /sessions did not say who the integration user is (%s)", exc)
            user_id, login = session.get("user_id"), session.get("login_name")
            self._me = (str(user_id) if user_id is not None else None, str(login) if login else None)
        return self._me

    def _release_left_lock(self, folder_id, doc):
        """Unlock a folder whose status already moved, but only when the lock holder
        (``asset_lock_state_user_id``, E19) is the integration user: anyone else may be a person editing it."""
        holder = doc.get("asset_lock_state_user_id")
        holder = str(holder) if holder is not None else None
        if holder is None or holder not in [m for m in self.whoami() if m]:
            log.warning("campaign folder %s is locked by DAM user %s, not by the integration user: lock left as it "
                        "is", folder_id, holder or "(not said)")
            return
        try:
            self.set_lock(folder_id, "unlock")
            log.info("Released a lock left on campaign folder %s by an interrupted run", folder_id)
        except ServiceError as exc:
            log.warning("campaign folder %s stays locked: %s", folder_id, exc)
