"""Box conditional delete (If-Match on the listed etag) and the trash, client against the sandbox."""
# ruff: noqa: F811  (pytest fixtures imported from box_fixtures are parameters of the tests)
import requests

from tests.integration.box_fixtures import box_cfg, box_client, box_sandbox  # noqa: F401  (fixtures)


def _token(box_client):
    return box_client.client.auth.access_token or box_client.client.auth.refresh(None)[0]


def test_delete_only_the_listed_version_and_keep_deleted_files_in_the_trash(box_client, box_sandbox):
    root = box_sandbox.roots["a2_a3"]
    file_id = box_sandbox.put_file(root, "K7Q2XM_it_x.jpg", b"first")
    listed = next(f for f in box_client.list_inbox(root) if f.file_id == file_id)
    assert listed.etag is not None and listed.version_id
    box_sandbox.put_file(root, "K7Q2XM_it_x.jpg", b"corrected")  # a new version: the etag moves on
    assert box_client.delete_file(file_id, etag=listed.etag) is False  # 412: changed, left alone
    assert box_client.get_file(file_id).sha1 == listed_sha1(box_sandbox, file_id)
    again = next(f for f in box_client.list_inbox(root) if f.file_id == file_id)
    assert again.etag != listed.etag and again.version_id != listed.version_id
    assert box_client.delete_file(file_id, etag=again.etag) is True
    assert box_client.get_file(file_id) is None
    assert [t["id"] for t in box_sandbox.trash()] == [file_id]
    headers = {"Authorization": "Bearer " + _token(box_client)}
    trashed = requests.get(box_sandbox.api_base_url + "/files/{}/trash".format(file_id), headers=headers, timeout=10)
    assert trashed.status_code == 200 and trashed.json()["item_status"] == "trashed"
    listing = requests.get(box_sandbox.api_base_url + "/folders/trash/items", headers=headers, timeout=10).json()
    assert [e["id"] for e in listing["entries"]] == [file_id]


def listed_sha1(box_sandbox, file_id):
    return box_sandbox.tree(box_sandbox.roots["a2_a3"])["files"]["K7Q2XM_it_x.jpg"]["sha1"]
