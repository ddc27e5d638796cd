"""Box's writes to existing items as the sandbox answers them: file updates (rename, move, shared link; If-Match
except on moves), folder rename and delete, the trash (read, list, restore) and a file's earlier versions. Every
write moves ``modified_at``. Box's vendor SDK (box-sdk-gen) is the witness: its models' required fields are in every
answer (tests/integration/test_vendor_witness_box.py). BoxApp takes the routes from BoxItemRoutes.
"""
import hashlib
import time

from werkzeug.wrappers import Response

from sandbox.box_state import (SERVICE_ACCOUNT, BoxError, body_json, check_if_match, check_name, file_full, folder_full, iso, mini,
                               name_in_use, path_collection, touch)


def user_mini(state, user_id):
    name, login = state.users[user_id]
    return {"type": "user", "id": user_id, "name": name, "login": login}


def trashed(state, item):
    """The trashed file as GET /files/{id}/trash shows it: box-sdk-gen's TrashFile requires description, size,
    path_collection, created_at, modified_at, modified_by, owned_by and item_status (L18)."""
    owner = user_mini(state, SERVICE_ACCOUNT)
    parent = state.items.get(item["parent_id"])
    out = mini(item)
    out.update(description="", size=item["size"], item_status="trashed", trashed_at=iso(item["trashed_at"]),
               purged_at=None, created_at=iso(item["created"]), modified_at=iso(item["modified"]),
               content_created_at=iso(item["created"]), content_modified_at=iso(item["modified"]),
               modified_by=owner, created_by=owner, owned_by=owner, shared_link=None,
               parent=mini(parent) if parent else None,
               path_collection={"total_count": 1, "entries": [{"type": "folder", "id": "1", "sequence_id": None,
                                                               "etag": None, "name": "Trash"}]})
    return out


def shared_link(item_id, access):
    token = hashlib.sha1(item_id.encode()).hexdigest()[:32]
    if access not in ("open", "company", "collaborators"):
        raise BoxError(400, "bad_request", "Invalid shared link access")
    return {"url": "https://app.box.com/s/" + token, "download_url": None, "vanity_url": None, "vanity_name": None,
            "access": access, "effective_access": access, "effective_permission": "can_download",
            "unshared_at": None, "is_password_enabled": False,
            "permissions": {"can_download": True, "can_preview": True, "can_edit": False},
            "download_count": 0, "preview_count": 0}


class BoxItemRoutes(object):
    """Updates, deletes, the trash and versions; they use the app's ``state`` and ``json``."""

    def _rename_or_move(self, item, body):
        """Name and parent from a PUT body; a clash with another item is 409 item_name_in_use."""
        parent_id = (body.get("parent") or {}).get("id", item["parent_id"])
        name = body.get("name", item["name"])
        self.state.item(parent_id, "folder")
        check_name(name)
        conflict = self.state.conflict(parent_id, name)
        if conflict and conflict["id"] != item["id"]:
            raise name_in_use(conflict, as_list=item["type"] == "folder")
        if item["type"] == "folder":
            ancestor = parent_id
            while ancestor is not None:
                if ancestor == item["id"]:
                    raise BoxError(400, "bad_request", "A folder cannot be moved into itself")
                ancestor = self.state.items[ancestor]["parent_id"]
        item["parent_id"], item["name"] = parent_id, name

    def update_file(self, req, file_id):
        """PUT /files/{id}: If-Match is checked unless the file moves ("If-Match cannot prevent a move", F13, L16)."""
        body = body_json(req)
        with self.state.lock:
            item = self.state.item(file_id, "file")
            moves = "parent" in body and (body["parent"] or {}).get("id", item["parent_id"]) != item["parent_id"]
            if not moves:
                check_if_match(req, item)
            if ("parent" in body or "name" in body) and self.state.move_blocked > 0:
                self.state.move_blocked -= 1
                raise BoxError(409, "operation_blocked_temporary", "The operation is blocked by another ongoing "
                                                                   "operation on the folder")
            if "parent" in body or "name" in body:
                self._rename_or_move(item, body)
            if "shared_link" in body:
                item["shared_link"] = None if body["shared_link"] is None else \
                    shared_link(item["id"], (body["shared_link"] or {}).get("access") or "company")
            if "description" in body:
                item["description"] = str(body["description"] or "")
            touch(item)
            return self.json(file_full(self.state, item))

    def update_folder(self, req, folder_id):
        """PUT /folders/{id}: rename or move a folder (If-Match honoured, F13)."""
        body = body_json(req)
        with self.state.lock:
            item = self.state.item(folder_id, "folder")
            if item["parent_id"] is None:
                raise BoxError(403, "access_denied_insufficient_permissions", "The root folder cannot be changed")
            check_if_match(req, item)
            if "parent" in body or "name" in body:
                self._rename_or_move(item, body)
            touch(item)
            return self.json(folder_full(self.state, item))

    def delete_folder(self, req, folder_id):
        """DELETE /folders/{id}: a folder with items needs ``recursive=true`` (else 400 folder_not_empty); its files
        go to the trash like a deleted file (spec delete_folders_id)."""
        with self.state.lock:
            item = self.state.item(folder_id, "folder")
            if item["parent_id"] is None:
                raise BoxError(403, "access_denied_insufficient_permissions", "The root folder cannot be deleted")
            check_if_match(req, item)
            kids = self.state.children(folder_id)
            if kids and req.args.get("recursive", "").lower() != "true":
                raise BoxError(400, "folder_not_empty", "Cannot delete a folder that is not empty")
            self._trash_tree(item)
        return Response(status=204)

    def _trash_tree(self, folder):
        for kid in self.state.children(folder["id"]):
            if kid["type"] == "folder":
                self._trash_tree(kid)
            else:
                self.state.trash[kid["id"]] = dict(self.state.items.pop(kid["id"]), trashed_at=time.time())
        self.state.items.pop(folder["id"])

    def delete_file(self, req, file_id):
        s = self.state
        with s.lock:
            item = s.item(file_id, "file")
            check_if_match(req, item)
            s.trash[file_id] = dict(s.items.pop(file_id), trashed_at=time.time())  # blob kept: restorable
        return Response(status=204)

    def trashed_file(self, req, file_id):
        with self.state.lock:
            if file_id not in self.state.trash:
                raise BoxError(404, "not_found", "Not Found")
            return self.json(trashed(self.state, self.state.trash[file_id]))

    def trash_items(self, req):
        with self.state.lock:
            entries = [trashed(self.state, t) for t in self.state.trash.values()]
        return self.json({"total_count": len(entries), "entries": entries, "offset": 0, "limit": len(entries)})

    def restore_file(self, req, file_id):
        """POST /files/{id}: back from the trash, to its folder or the one named; 409 on a name clash, 404 when the
        folder is gone and none is named (spec post_files_id)."""
        body = body_json(req)
        with self.state.lock:
            if file_id not in self.state.trash:
                raise BoxError(404, "not_found", "Not Found")
            item = dict(self.state.trash[file_id])
            parent_id = (body.get("parent") or {}).get("id", item["parent_id"])
            name = body.get("name", item["name"])
            self.state.item(parent_id, "folder")
            check_name(name)
            conflict = self.state.conflict(parent_id, name)
            if conflict:
                raise name_in_use(conflict)
            item.pop("trashed_at")
            item.update(parent_id=parent_id, name=name)
            touch(item)
            self.state.items[file_id] = item
            del self.state.trash[file_id]
            out = file_full(self.state, item)
            owner = user_mini(self.state, SERVICE_ACCOUNT)
            out.update(path_collection=path_collection(self.state, item), modified_by=owner, owned_by=owner)
            return self.json(out, 201)

    def file_versions(self, req, file_id):
        """GET /files/{id}/versions: the earlier versions, newest first (the current one is not listed)."""
        with self.state.lock:
            item = self.state.item(file_id, "file")
            entries = [{"type": "file_version", "id": v["id"], "sha1": v["sha1"], "name": item["name"],
                        "size": v["size"], "created_at": iso(v["created"]), "modified_at": iso(v["modified"]),
                        "trashed_at": None, "purged_at": None}
                       for v in item.get("history", [])]
        return self.json({"total_count": len(entries), "entries": entries, "offset": 0, "limit": 1000,
                          "order": [{"by": "created_at", "direction": "DESC"}]})
