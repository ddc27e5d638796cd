"""Box's own SDK (box-sdk-gen, PyPI) as a witness against the Box stand-in: every call the product makes and every
call the evidence names (box-evidence.md, "Real vendor clients as witnesses"), driven through the vendor's code.

What a box-sdk-gen user would see is asserted: answers deserialise into the SDK's models (their required fields are
there), errors raise BoxAPIError with Box's status and code, retries follow Retry-After. Where the SDK and the stand-in
disagree, the SDK decides (issue 23) and the stand-in changes; docs/box-api.md lists each difference with its key.
"""
# ruff: noqa: F811  (pytest fixtures imported from box_fixtures are parameters of the tests)
import base64
import hashlib
import io
import time

import pytest

from box_sdk_gen import BaseUrls, BoxClient, BoxJWTAuth, JWTConfig, NetworkSession  # noqa: E402
from box_sdk_gen.box.errors import BoxAPIError  # noqa: E402
from box_sdk_gen.managers.files import (UpdateFileByIdParent, UpdateFileByIdSharedLink,  # noqa: E402
                                        UpdateFileByIdSharedLinkAccessField)
from box_sdk_gen.managers.folders import CreateFolderParent  # noqa: E402
from box_sdk_gen.managers.uploads import (PreflightFileUploadCheckParent, UploadFileAttributes,  # noqa: E402
                                          UploadFileAttributesParentField, UploadFileVersionAttributes,
                                          UploadWithPreflightCheckAttributes,
                                          UploadWithPreflightCheckAttributesParentField)

from sandbox.box_state import SERVICE_ACCOUNT  # noqa: E402
from tests.integration.box_fixtures import box_sandbox, write_random  # noqa: E402, F401

MANAGED_USER = "22000001"  # a managed user of the stand-in's enterprise, not an admin
MB = 1000 * 1000


def sdk(sandbox, user_id=None, client_secret=None):
    """A box-sdk-gen client on the stand-in: JWT from its Box-config.json, its three base URLs (plain http)."""
    config = JWTConfig.from_config_file(sandbox.box_config_path)
    if client_secret is not None:
        config.client_secret = client_secret
    auth = BoxJWTAuth(config=config)
    if user_id:
        auth = auth.with_user_subject(user_id)
    urls = BaseUrls(base_url=sandbox.url, upload_url=sandbox.url + "/api", oauth_2_url=sandbox.url + "/oauth2")
    return BoxClient(auth=auth, network_session=NetworkSession(base_urls=urls))


def api_error(call):
    with pytest.raises(BoxAPIError) as err:
        call()
    return err.value.response_info.status_code, err.value.response_info.code


def upload(client, folder_id, name, data):
    attributes = UploadFileAttributes(name=name, parent=UploadFileAttributesParentField(id=folder_id))
    return client.uploads.upload_file(attributes, io.BytesIO(data),
                                      content_md_5=hashlib.sha1(data).hexdigest()).entries[0]


def test_jwt_right_and_wrong_credentials_and_as_user_only_for_admins(box_sandbox):
    assert sdk(box_sandbox).users.get_user_me().id == SERVICE_ACCOUNT
    assert sdk(box_sandbox, user_id=MANAGED_USER).users.get_user_me().id == MANAGED_USER
    status, _ = api_error(lambda: sdk(box_sandbox, client_secret="wrong").users.get_user_me())
    assert status == 400  # the token request: invalid_client
    status, _ = api_error(lambda: sdk(box_sandbox, user_id="987654").users.get_user_me())
    assert status == 400  # invalid_grant: the 'sub' claim names no user of the enterprise
    admin = sdk(box_sandbox)
    assert admin.with_as_user_header(MANAGED_USER).users.get_user_me().id == MANAGED_USER
    managed = sdk(box_sandbox, user_id=MANAGED_USER)
    assert api_error(lambda: managed.with_as_user_header(SERVICE_ACCOUNT).users.get_user_me()) == \
        (403, "access_denied_insufficient_permissions")  # L13: As-User needs an admin's token


def test_an_expired_token_is_refreshed_by_the_sdk(box_sandbox):
    client = sdk(box_sandbox)
    client.users.get_user_me()
    box_sandbox.expire_tokens()
    assert client.users.get_user_me().id == SERVICE_ACCOUNT  # 401, new token, the call again


def test_folder_listings_in_every_paging_form(box_sandbox):
    client = sdk(box_sandbox)
    root = box_sandbox.roots["a2_a3"]
    names = ["f{:02d}.txt".format(i) for i in range(5)]
    for name in names:
        box_sandbox.put_file(root, name, name.encode())
    folder = client.folders.create_folder("sub", CreateFolderParent(id=root))
    assert folder.name == "sub" and folder.parent.id == root
    everything = ["sub"] + names

    offset_pages, offset = [], 0
    while True:
        page = client.folders.get_folder_items(root, offset=offset, limit=2, fields=["id", "name", "sha1", "size"])
        offset_pages += [e.name for e in page.entries]
        offset += 2
        if offset >= page.total_count:
            break
    assert offset_pages == everything

    marker_pages, marker = [], "0"  # L15: marker=0 is the first page
    while marker:
        page = client.folders.get_folder_items(root, usemarker=True, marker=marker, limit=2)
        marker_pages += [e.name for e in page.entries]
        marker = page.next_marker
    assert marker_pages == everything

    first = client.folders.get_folder_items(root, usemarker=True, limit=2)  # no marker: the first page too
    assert [e.name for e in first.entries] == everything[:2]
    capped = client.folders.get_folder_items(root, limit=5000)  # L14: Box uses its maximum
    assert capped.limit == 1000 and [e.name for e in capped.entries] == everything
    assert client.folders.get_folder_by_id(root).id == root
    assert api_error(lambda: client.folders.get_folder_by_id("123")) == (404, "not_found")


def test_preflight_simple_upload_new_version_with_if_match_and_download(box_sandbox):
    client = sdk(box_sandbox)
    root = box_sandbox.roots["a1_a2"]
    check = client.uploads.preflight_file_upload_check(name="a.txt", size=5,
                                                       parent=PreflightFileUploadCheckParent(id=root))
    assert check.upload_url.startswith(box_sandbox.upload_host_url)
    attributes = UploadWithPreflightCheckAttributes(name="a.txt", size=5,
                                                    parent=UploadWithPreflightCheckAttributesParentField(id=root))
    first = client.uploads.upload_with_preflight_check(attributes, io.BytesIO(b"hello")).entries[0]
    assert first.sha_1 == hashlib.sha1(b"hello").hexdigest()
    assert api_error(lambda: client.uploads.preflight_file_upload_check(
        name="a.txt", size=5, parent=PreflightFileUploadCheckParent(id=root)))[1] == "item_name_in_use"
    assert api_error(lambda: upload(client, root, "A.TXT", b"other"))[0] == 409  # names are case-insensitive

    status = api_error(lambda: client.uploads.upload_file_version(
        first.id, UploadFileVersionAttributes(name="a.txt"), io.BytesIO(b"v2"), if_match="stale"))
    assert status == (412, "precondition_failed")
    second = client.uploads.upload_file_version(first.id, UploadFileVersionAttributes(name="a.txt"),
                                                io.BytesIO(b"v2"), if_match=first.etag,
                                                content_md_5=hashlib.sha1(b"v2").hexdigest()).entries[0]
    assert second.id == first.id and second.sha_1 == hashlib.sha1(b"v2").hexdigest()
    assert second.etag != first.etag
    assert client.downloads.download_file(first.id).read() == b"v2"
    versions = client.file_versions.get_file_versions(first.id)  # L19
    assert [v.sha_1 for v in versions.entries] == [hashlib.sha1(b"hello").hexdigest()]
    bad = api_error(lambda: client.uploads.upload_file(
        UploadFileAttributes(name="b.txt", parent=UploadFileAttributesParentField(id=root)), io.BytesIO(b"x"),
        content_md_5=hashlib.sha1(b"y").hexdigest()))
    assert bad == (400, "bad_digest")


def test_chunked_upload_through_session_endpoints_with_a_202_and_retry_after(box_sandbox, tmp_path):
    client = sdk(box_sandbox)
    root = box_sandbox.roots["b1_b2"]
    path = write_random(str(tmp_path / "big.bin"), 20 * MB + 7, seed=5)
    with open(path, "rb") as f:
        data = f.read()
    box_sandbox.commit_answers_202(count=1, retry_after=1)
    box_sandbox.record_exchanges()
    started = time.time()
    with open(path, "rb") as f:
        uploaded = client.chunked_uploads.upload_big_file(f, "big.bin", len(data), root)
    assert uploaded.sha_1 == hashlib.sha1(data).hexdigest() and uploaded.size == len(data)
    assert box_sandbox.tree(root)["files"]["big.bin"]["sha1"] == hashlib.sha1(data).hexdigest()
    commits = [x for x in box_sandbox.exchanges if x["path"].endswith("/commit")]
    assert [c["status"] for c in commits] == [202, 201]
    assert commits[1]["time"] - commits[0]["time"] >= 1.0 and time.time() - started >= 1.0
    parts = [x for x in box_sandbox.exchanges if x["method"] == "PUT"]
    assert parts and all(x["host"] == box_sandbox.upload_host_url.split("://", 1)[1] for x in parts + commits)


def test_an_upload_session_by_hand_part_digests_overlap_listing_commit_and_abort(box_sandbox):
    """The calls upload_big_file makes one by one, as the product's boxsdk makes them: a part with a wrong digest is
    400, a part sent again is 416 range_overlaps_existing_part with the stored part (F1), the listing, the commit
    with the whole-file digest; an aborted session is gone."""
    client = sdk(box_sandbox)
    chunked = client.chunked_uploads
    data = bytes(bytearray(range(256))) * (21 * MB // 256 + 1)
    session = chunked.create_file_upload_session(box_sandbox.roots["b1_b2"], len(data), "byhand.bin")
    assert session.session_endpoints.upload_part.startswith(box_sandbox.upload_host_url)
    part_size, parts = session.part_size, []
    for lo in range(0, len(data), part_size):
        piece = data[lo:lo + part_size]
        digest = "sha=" + base64.b64encode(hashlib.sha1(piece).digest()).decode()
        rng = "bytes {}-{}/{}".format(lo, lo + len(piece) - 1, len(data))
        if lo == 0:
            assert api_error(lambda piece=piece, rng=rng: chunked.upload_file_part_by_url(
                session.session_endpoints.upload_part, io.BytesIO(piece), "sha=" + "A" * 27 + "=", rng)) == \
                (400, "bad_digest")
        part = chunked.upload_file_part_by_url(session.session_endpoints.upload_part, io.BytesIO(piece), digest, rng)
        assert (part.part.offset, part.part.size, part.part.sha_1) == (lo, len(piece), hashlib.sha1(piece).hexdigest())
        parts.append(part.part)
    with pytest.raises(BoxAPIError) as err:
        chunked.upload_file_part_by_url(session.session_endpoints.upload_part, io.BytesIO(data[:part_size]),
                                        "sha=" + base64.b64encode(hashlib.sha1(data[:part_size]).digest()).decode(),
                                        "bytes 0-{}/{}".format(part_size - 1, len(data)))
    info = err.value.response_info
    assert (info.status_code, info.code) == (416, "range_overlaps_existing_part")
    assert info.context_info["conflicting_part"]["part_id"] == parts[0].part_id
    listed = chunked.get_file_upload_session_parts_by_url(session.session_endpoints.list_parts)
    assert listed.total_count == len(parts) and [p.part_id for p in listed.entries] == [p.part_id for p in parts]
    whole = "sha=" + base64.b64encode(hashlib.sha1(data).digest()).decode()
    made = chunked.create_file_upload_session_commit_by_url(session.session_endpoints.commit, parts, whole)
    assert made.entries[0].sha_1 == hashlib.sha1(data).hexdigest() and made.entries[0].size == len(data)

    other = chunked.create_file_upload_session(box_sandbox.roots["b1_b2"], len(data), "aborted.bin")
    chunked.delete_file_upload_session_by_url(other.session_endpoints.abort)
    assert api_error(lambda: chunked.get_file_upload_session_by_id(other.id))[0] == 404
    small = api_error(lambda: chunked.create_file_upload_session(box_sandbox.roots["b1_b2"], 19 * MB, "s.bin"))
    assert small == (400, "file_size_too_small")


def test_folder_conflict_file_fields_and_shared_link(box_sandbox):
    """What ensure_folder, get_file and file_url read: the conflicting folder of a 409, a file with ``fields``, a
    shared link."""
    client = sdk(box_sandbox)
    root = box_sandbox.roots["a5_a6"]
    first = client.folders.create_folder("Campaign", CreateFolderParent(id=root))
    with pytest.raises(BoxAPIError) as err:
        client.folders.create_folder("campaign", CreateFolderParent(id=root))
    info = err.value.response_info
    assert (info.status_code, info.code) == (409, "item_name_in_use")
    assert [c["id"] for c in info.context_info["conflicts"]] == [first.id]
    made = upload(client, first.id, "a.jpg", b"jpeg")
    got = client.files.get_file_by_id(made.id, fields=["id", "name", "sha1", "size", "parent", "item_status"])
    assert (got.name, got.sha_1, got.size, got.parent.id, got.item_status.value) == \
        ("a.jpg", hashlib.sha1(b"jpeg").hexdigest(), 4, first.id, "active")
    linked = client.files.update_file_by_id(made.id, shared_link=UpdateFileByIdSharedLink(
        access=UpdateFileByIdSharedLinkAccessField.COMPANY))
    assert linked.shared_link.url.startswith("https://") and linked.shared_link.access.value == "company"


def test_an_upload_session_ends_after_seven_days(box_sandbox):
    client = sdk(box_sandbox)
    session = client.chunked_uploads.create_file_upload_session(box_sandbox.roots["b1_b2"], 21 * MB, "late.bin")
    assert client.chunked_uploads.get_file_upload_session_by_id(session.id).id == session.id
    box_sandbox.age_upload_sessions(6 * 86400)
    assert client.chunked_uploads.get_file_upload_session_by_id(session.id).id == session.id
    box_sandbox.age_upload_sessions(86400 + 1)  # L12: "The lifetime of an upload session is 7 days"
    assert api_error(lambda: client.chunked_uploads.get_file_upload_session_by_id(session.id))[0] == 404


def test_rename_with_if_match_move_ignores_it_and_every_write_moves_modified_at(box_sandbox):
    client = sdk(box_sandbox)
    root, other = box_sandbox.roots["a2_a3"], box_sandbox.roots["a1_a2"]
    made = upload(client, root, "x.txt", b"x")
    before = client.files.get_file_by_id(made.id)
    assert api_error(lambda: client.files.update_file_by_id(made.id, name="y.txt", if_match="stale")) == \
        (412, "precondition_failed")  # L16
    time.sleep(1.1)  # modified_at is shown to the second
    renamed = client.files.update_file_by_id(made.id, name="y.txt", if_match=before.etag)
    assert renamed.name == "y.txt" and renamed.modified_at > before.modified_at  # L17
    time.sleep(1.1)
    moved = client.files.update_file_by_id(made.id, parent=UpdateFileByIdParent(id=other), if_match="stale")
    assert moved.parent.id == other and moved.modified_at > renamed.modified_at  # F13: If-Match cannot stop a move
    assert api_error(lambda: client.files.update_file_by_id(made.id, name="../x")) == (400, "item_name_invalid")


def test_delete_trash_restore_and_folder_rename_and_delete(box_sandbox):
    client = sdk(box_sandbox)
    root = box_sandbox.roots["a2_a3"]
    made = upload(client, root, "gone.txt", b"gone")
    assert api_error(lambda: client.files.delete_file_by_id(made.id, if_match="stale"))[0] == 412
    client.files.delete_file_by_id(made.id, if_match=made.etag)
    assert api_error(lambda: client.files.get_file_by_id(made.id))[0] == 404
    trashed = client.trashed_files.get_trashed_file_by_id(made.id)  # L18: TrashFile's required fields
    assert trashed.item_status.value == "trashed" and trashed.size == 4
    restored = client.trashed_files.restore_file_from_trash(made.id)  # L19
    assert restored.name == "gone.txt" and client.files.get_file_by_id(made.id).parent.id == root

    folder = client.folders.create_folder("old name", CreateFolderParent(id=root))
    box_sandbox.put_file(folder.id, "inside.txt", b"inside")
    assert api_error(lambda: client.folders.update_folder_by_id(folder.id, name="new", if_match="stale"))[0] == 412
    renamed = client.folders.update_folder_by_id(folder.id, name="new name")
    assert renamed.name == "new name" and set(box_sandbox.tree(root)["folders"]) == {"new name"}
    assert api_error(lambda: client.folders.delete_folder_by_id(folder.id)) == (400, "folder_not_empty")
    client.folders.delete_folder_by_id(folder.id, recursive=True)
    assert box_sandbox.tree(root)["folders"] == {}
    assert [t["name"] for t in box_sandbox.trash()] == ["inside.txt"]


def test_a_429_is_waited_out_for_its_retry_after(box_sandbox):
    client = sdk(box_sandbox)
    client.users.get_user_me()
    box_sandbox.middleware.set_faults([{"method": "GET", "path": r"/2\.0/folders/\d+$", "status": 429,
                                        "retry_after": 1, "count": 1}])
    started = time.time()
    assert client.folders.get_folder_by_id(box_sandbox.roots["a1_a2"]).id == box_sandbox.roots["a1_a2"]
    assert time.time() - started >= 1.0
