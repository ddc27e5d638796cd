"""DAMClient HTTP edge cases with `responses` (Python 3.6 compatible): tokens (both body shapes, refresh before
expiry, one retry after a 401), the retry budget, error mapping, campaign search re-checks, tolerant job parsing."""
import json
import re

import pytest
import responses

from scripts.shared.dam import dam_auth
from scripts.shared.dam.dam_client import DAMClient
from scripts.shared.dam.dam_transfer import MultipartStream, _unwrap_job
from scripts.shared.core.errors import ServiceError, SuiteError

BASE = "https://dam.example.com/otmmapi"
API = BASE + "/v6"
TOKEN_URL = "https://auth.example.com/otdsws/oauth2/token"
STATUS = "FERRERO.FIELD.CAMPAIGN_STATUS"
FIELDS = {"campaign_id": "FERRERO.FIELD.CAMPAIGN_ID", "campaign_name": "FERRERO.FIELD.CAMPAIGN_NAME",
          "campaign_status": STATUS, "campaign_type": "FERRERO.FIELD.CAMPAIGN_TYPE",
          "global_master_campaign_id": "FERRERO.FIELD.GLOBAL_MASTER_CAMPAIGN_ID",
          "agency_email": "FERRERO.FIELD.AGENCY_EMAIL"}


def make_cfg(**overrides):
    cfg = {"base_url": BASE, "api_version": "v6", "auth_url": TOKEN_URL, "grant_type": "client_credentials",
           "client_id": "cid", "client_secret": "very-secret", "token_refresh_margin_seconds": 60,
           "mtls_base_url": "https://mtls.example.com/otmmapi", "mtls_cert_path": "", "ca_bundle": "",
           "connect_timeout_seconds": 3, "read_timeout_seconds": 7, "page_size": 2,
           "retry": {"max_attempts": 3, "backoff_base_seconds": 0.001, "backoff_max_seconds": 0.001},
           "search": {"search_config_id": 7, "operator_id": "ARTESIA.OPERATOR.CHAR.IS"}, "fields": dict(FIELDS),
           "job_poll_deadline_seconds": 5}
    cfg.update(overrides)
    return cfg


def token_body(token="tok-1", expires_in=3600):
    return {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}


def element(field_id, value):
    return {"id": field_id, "type": "com.artesia.metadata.MetadataField",
            "value": {"value": {"type": "string", "value": value}, "domain_value": False}}


def folder(asset_id, status, campaign_id, created="2026-11-01T10:00:00Z", kind="Local comm"):
    return {"asset_id": asset_id, "name": campaign_id, "data_type": "CONTAINER", "container_type_id": "F.CAMPAIGN",
            "date_imported": created, "locked": False,
            "metadata": {"metadata_element_list": [{"id": "G", "metadata_element_list": [
                element(STATUS, status), element(FIELDS["campaign_id"], campaign_id),
                element(FIELDS["campaign_type"], kind)]}]}}


def api_calls():
    return [c for c in responses.calls if c.request.url.startswith(API)]


def token_calls():
    return [c for c in responses.calls if c.request.url.startswith(TOKEN_URL)]


# -- tokens ---------------------------------------------------------------------------------------------------------
@responses.activate
def test_token_sent_as_bearer_and_cached():
    responses.add(responses.POST, TOKEN_URL, json=token_body("abc"))
    responses.add(responses.GET, API + "/folders/rootfolders", json={"folders_resource": {"folder_list": [{}]}})
    client = DAMClient(make_cfg())
    assert client.ping() == {"auth": "oauth2", "root_folders": 1}
    client.ping()
    assert len(token_calls()) == 1
    form = token_calls()[0].request.body
    assert "grant_type=client_credentials" in form and "client_id=cid" in form
    assert all(c.request.headers["Authorization"] == "Bearer abc" for c in api_calls())
    assert api_calls()[0].request.headers["Accept"] == "application/json"


def test_token_body_shapes():
    assert dam_auth.parse_token({"access_token": "a", "expires_in": 60}) == ("a", 60)
    assert dam_auth.parse_token({"token_info": {"oauth_token": {"accessToken": "b", "expiresIn": 90}}}) == ("b", 90)
    assert dam_auth.parse_token({"token_info": {"oauth_token": {"accessToken": "c"}}}) == ("c", 3600)
    assert dam_auth.parse_token({})[0] is None


@responses.activate
def test_password_grant_sends_user_and_password():
    responses.add(responses.POST, TOKEN_URL, json={"token_info": {"oauth_token": {"accessToken": "otmm-tok"}}})
    responses.add(responses.GET, API + "/folders/rootfolders", json={"folders_resource": {"folder_list": []}})
    DAMClient(make_cfg(grant_type="password", username="svc", password="pw")).ping()
    assert "username=svc" in token_calls()[0].request.body
    assert api_calls()[0].request.headers["Authorization"] == "Bearer otmm-tok"


@responses.activate
def test_token_endpoint_without_token_is_an_error():
    responses.add(responses.POST, TOKEN_URL, json={"nothing": True})
    with pytest.raises(ServiceError) as info:
        DAMClient(make_cfg()).ping()
    assert "without an access token" in str(info.value) and "DAM_AUTH_URL" in info.value.fix


@responses.activate
def test_token_refreshed_shortly_before_expiry(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(dam_auth.time, "time", lambda: now[0])
    responses.add(responses.POST, TOKEN_URL, json=token_body("t1", 300))
    responses.add(responses.POST, TOKEN_URL, json=token_body("t2", 300))
    responses.add(responses.GET, API + "/folders/rootfolders", json={"folders_resource": {"folder_list": []}})
    client = DAMClient(make_cfg(token_refresh_margin_seconds=60))
    client.ping()
    now[0] += 230  # 70 s left: still used
    client.ping()
    now[0] += 20  # 50 s left: inside the margin, refreshed before use
    client.ping()
    assert [c.request.headers["Authorization"] for c in api_calls()] == ["Bearer t1", "Bearer t1", "Bearer t2"]
    assert len(token_calls()) == 2


@responses.activate
def test_a_401_refreshes_the_token_once_and_retries():
    responses.add(responses.POST, TOKEN_URL, json=token_body("old"))
    responses.add(responses.POST, TOKEN_URL, json=token_body("new"))
    responses.add(responses.GET, API + "/folders/rootfolders", status=401,
                  json={"exception_body": {"message": "The session is not valid"}})
    responses.add(responses.GET, API + "/folders/rootfolders", json={"folders_resource": {"folder_list": []}})
    assert DAMClient(make_cfg()).ping()["root_folders"] == 0
    assert [c.request.headers["Authorization"] for c in api_calls()] == ["Bearer old", "Bearer new"]


@responses.activate
def test_a_second_401_is_raised_with_a_fix():
    responses.add(responses.POST, TOKEN_URL, json=token_body("x"))
    responses.add(responses.GET, API + "/folders/rootfolders", status=401,
                  json={"exception_body": {"message": "The session is not valid"}})
    with pytest.raises(ServiceError) as info:
        DAMClient(make_cfg()).ping()
    assert info.value.status == 401 and "DAM_CLIENT_ID" in info.value.fix
    assert len(api_calls()) == 2 and len(token_calls()) == 2


@responses.activate
def test_bad_client_credentials_never_echo_the_secret():
    responses.add(responses.POST, TOKEN_URL, status=401,
                  json={"error": "invalid_client", "error_description": "Client authentication failed"})
    with pytest.raises(ServiceError) as info:
        DAMClient(make_cfg()).ping()
    assert "Client authentication failed" in str(info.value) and "very-secret" not in str(info.value)
    assert len(token_calls()) == 1  # a 4xx from the token endpoint is not retried


# -- retries and error mapping --------------------------------------------------------------------------------------
@responses.activate
def test_5xx_and_429_retried_then_succeeds():
    responses.add(responses.POST, TOKEN_URL, json=token_body())
    responses.add(responses.GET, API + "/folders/rootfolders", status=503, headers={"Retry-After": "0"})
    responses.add(responses.GET, API + "/folders/rootfolders", status=429, headers={"Retry-After": "0"})
    responses.add(responses.GET, API + "/folders/rootfolders", json={"folders_resource": {"folder_list": [{}]}})
    assert DAMClient(make_cfg()).ping()["root_folders"] == 1
    assert len(api_calls()) == 3


@responses.activate
def test_retry_budget_is_bounded():
    responses.add(responses.POST, TOKEN_URL, json=token_body())
    responses.add(responses.GET, API + "/folders/rootfolders", status=502,
                  json={"exception_body": {"message": "Bad gateway"}})
    with pytest.raises(ServiceError) as info:
        DAMClient(make_cfg()).ping()
    assert info.value.status == 502 and info.value.retryable
    assert len(api_calls()) == 3


@responses.activate
def test_other_4xx_not_retried_and_mapped():
    responses.add(responses.POST, TOKEN_URL, json=token_body("secret-token-value"))
    responses.add(responses.GET, re.compile(API + "/assets/.*"), status=403,
                  json={"exception_body": {"message": "You do not have permission to view this asset"}},
                  headers={"X-Request-Id": "req-77"})
    with pytest.raises(ServiceError) as info:
        DAMClient(make_cfg()).get_asset_metadata("a" * 40)
    err = info.value
    assert (err.status, err.method, err.path) == (403, "GET", "/otmmapi/v6/assets/" + "a" * 40)
    assert "You do not have permission" in err.message and err.request_id == "req-77"
    assert "secret-token-value" not in str(err) and "load_type" not in str(err)
    assert len(api_calls()) == 1


@responses.activate
def test_non_json_error_body_still_reported():
    responses.add(responses.POST, TOKEN_URL, json=token_body())
    responses.add(responses.GET, API + "/folders/rootfolders", status=404, body="<html>Not Found</html>")
    with pytest.raises(ServiceError) as info:
        DAMClient(make_cfg()).ping()
    assert "Not Found" in info.value.message


@responses.activate
def test_timeouts_are_always_sent(monkeypatch):
    seen = []
    import requests
    original = requests.Session.request

    def spy(self, method, url, **kwargs):
        seen.append(kwargs.get("timeout"))
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    responses.add(responses.POST, TOKEN_URL, json=token_body())
    responses.add(responses.GET, API + "/folders/rootfolders", json={"folders_resource": {"folder_list": []}})
    DAMClient(make_cfg()).ping()
    assert seen == [(3, 7), (3, 7)]


# -- campaigns ------------------------------------------------------------------------------------------------------
def search_page(hits, total, offset):
    return {"search_result_resource": {"search_result": {"hit_count": len(hits), "total_hit_count": total,
                                                         "offset": offset},
                                       "asset_list": hits}}


@responses.activate
def test_find_campaigns_pages_filters_and_sorts_from_the_hits_alone():
    responses.add(responses.POST, TOKEN_URL, json=token_body())
    f1 = folder("1" * 40, "A1", "LC-2", created="2026-11-03T00:00:00Z")
    f2 = folder("2" * 40, "A10", "LC-3")
    f3 = folder("3" * 40, "A1", "LC-1", created="2026-11-01T00:00:00Z")
    asset_hit = {"asset_id": "4" * 40, "name": "asset with status A1", "data_type": "DATA"}
    responses.add(responses.POST, API + "/search/text", json=search_page([f1, f2], 4, 0))
    responses.add(responses.POST, API + "/search/text", json=search_page([asset_hit, f3], 4, 2))
    found = DAMClient(make_cfg()).find_campaigns("A1")
    assert [campaign.campaign_id for campaign in found] == ["LC-1", "LC-2"]
    searches = [c for c in api_calls() if c.request.url.endswith("/search/text")]
    assert len(searches) == 2 and len(api_calls()) == 2  # no folder read per hit (issue 26.5)
    from urllib.parse import parse_qs
    form = parse_qs(searches[1].request.body)
    assert form["after"] == ["2"] and form["limit"] == ["2"] and form["search_config_id"] == ["7"]
    assert form["load_type"] == ["metadata"] and form["level_of_detail"] == ["full"]  # the hits carry the fields
    condition = json.loads(form["search_condition_list"][0])["search_condition_list"]["search_condition"][0]
    assert condition["metadata_field_id"] == STATUS and condition["value"] == "A1"
    assert condition["relational_operator_id"] == "ARTESIA.OPERATOR.CHAR.IS"


def children_page(items):
    return {"folder_children": {"asset_list": items}}


def asset_item(n, **extra):
    item = {"asset_id": "{:040d}".format(n), "name": "a{}.jpg".format(n), "data_type": "DATA", "content_size": n}
    item.update(extra)
    return item


@responses.activate
def test_iter_assets_follows_the_child_count_past_short_pages_and_skips_deleted():
    responses.add(responses.POST, TOKEN_URL, json=token_body())
    top = "9" * 40
    responses.add(responses.GET, API + "/folders/" + top,
                  json={"folder_resource": {"folder": {"asset_id": top, "data_type": "CONTAINER",
                                                       "container_child_counts": {"total_child_count": 3}}}})
    children = API + "/folders/{}/children".format(top)
    # page_size is 2 but this server answers one item per page: the count (3) says when the listing is complete
    responses.add(responses.GET, children, json=children_page([asset_item(1)]))
    responses.add(responses.GET, children, json=children_page([asset_item(2, deleted=True)]))
    responses.add(responses.GET, children, json=children_page([asset_item(3)]))
    assets = list(DAMClient(make_cfg()).iter_assets(top))
    assert [asset.size for asset in assets] == [1, 3]
    pages = [c for c in api_calls() if "/children" in c.request.url]
    assert len(pages) == 3
    assert [re.search(r"after=(\d+)", c.request.url).group(1) for c in pages] == ["0", "1", "2"]
    first = [c for c in api_calls() if c.request.url.startswith(API + "/folders/" + top + "?")][0].request.url
    assert "load_type=custom" in first and "child_count_load_type" in first


@responses.activate
def test_iter_assets_without_a_child_count_ends_at_the_first_short_page():
    responses.add(responses.POST, TOKEN_URL, json=token_body())
    top = "8" * 40
    responses.add(responses.GET, API + "/folders/" + top,
                  json={"folder_resource": {"folder": {"asset_id": top, "data_type": "CONTAINER"}}})
    children = API + "/folders/{}/children".format(top)
    responses.add(responses.GET, children, json=children_page([asset_item(1), asset_item(2)]))
    responses.add(responses.GET, children, json=children_page([asset_item(3)]))
    assert [asset.size for asset in DAMClient(make_cfg()).iter_assets(top)] == [1, 2, 3]
    assert len([c for c in api_calls() if "/children" in c.request.url]) == 2


@responses.activate
def test_find_campaigns_filters_on_type():
    responses.add(responses.POST, TOKEN_URL, json=token_body())
    glob = folder("1" * 40, "B1", "GM-1", kind="Global comm")
    loc = folder("2" * 40, "B1", "LC-9", kind="Local comm")
    responses.add(responses.POST, API + "/search/text", json=search_page([glob, loc], 2, 0))
    assert [campaign.campaign_id for campaign in DAMClient(make_cfg()).find_campaigns("B1", "Global comm")] == [
        "GM-1"]


@responses.activate
def test_a_hit_without_its_fields_is_read_from_its_folder():
    """A search that carries no metadata (an instance that ignores the load) still finds the campaigns: those hits
    alone are read, and ordered by what their folders say."""
    responses.add(responses.POST, TOKEN_URL, json=token_body())
    bare = {"asset_id": "1" * 40, "name": "LC-1", "data_type": "CONTAINER", "container_type_id": "F.CAMPAIGN"}
    full = folder("2" * 40, "A1", "LC-2", created="2026-11-05T00:00:00Z")
    responses.add(responses.POST, API + "/search/text", json=search_page([bare, full], 2, 0))
    responses.add(responses.GET, API + "/folders/" + bare["asset_id"], json={"folder_resource": {"folder": folder(
        bare["asset_id"], "A1", "LC-1", created="2026-11-01T00:00:00Z")}})
    assert [c.campaign_id for c in DAMClient(make_cfg()).find_campaigns("A1")] == ["LC-1", "LC-2"]
    assert [c.request.url.split("?")[0] for c in api_calls() if c.request.method == "GET"] == [
        API + "/folders/" + bare["asset_id"]]


@responses.activate
def test_set_campaign_status_refuses_an_unexpected_status_without_locking():
    responses.add(responses.POST, TOKEN_URL, json=token_body())
    f = folder("1" * 40, "A4", "LC-1")
    responses.add(responses.GET, API + "/folders/" + "1" * 40, json={"folder_resource": {"folder": f}})
    with pytest.raises(SuiteError) as info:
        DAMClient(make_cfg()).set_campaign_status("1" * 40, "A1", "A2")
    assert "'A4'" in str(info.value)
    assert [c.request.method for c in api_calls()] == ["GET"]


@responses.activate
def test_set_campaign_status_unlocks_even_when_the_patch_fails():
    responses.add(responses.POST, TOKEN_URL, json=token_body())
    fid = "1" * 40
    responses.add(responses.GET, API + "/folders/" + fid, json={"folder_resource": {"folder": folder(fid, "A1", "L")}})
    responses.add(responses.PUT, API + "/assets/{}/state".format(fid), json={})
    responses.add(responses.PATCH, API + "/folders/" + fid, status=409,
                  json={"exception_body": {"message": "The object must be locked"}})
    with pytest.raises(ServiceError) as info:
        DAMClient(make_cfg()).set_campaign_status(fid, "A1", "A2")
    assert info.value.status == 409
    calls = [(c.request.method, c.request.url, c.request.body) for c in api_calls()]
    state = API + "/assets/{}/state".format(fid)
    assert calls[1:] == [("PUT", state, "action=lock"), ("PATCH", API + "/folders/" + fid, calls[2][2]),
                         ("PUT", state, "action=unlock")]
    assert api_calls()[1].request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    patch = json.loads(api_calls()[2].request.body)
    assert patch["edited_folder"]["data"]["metadata"] == [
        {"id": STATUS, "type": "com.artesia.metadata.MetadataField", "value": {"value": {"type": "string",
                                                                                         "value": "A2"}}}]


# -- jobs and multipart ---------------------------------------------------------------------------------------------
def test_job_bodies_parsed_tolerantly():
    assert _unwrap_job({"job_resource": {"job": {"job_state": "COMPLETED"}}}) == {"job_state": "COMPLETED"}
    assert _unwrap_job({"import_job_resource": {"status": "RUNNING"}}) == {"status": "RUNNING"}
    assert _unwrap_job({"job": {"state": "FAILED"}}) == {"state": "FAILED"}
    assert _unwrap_job({"status": "SUCCESS"}) == {"status": "SUCCESS"}


@responses.activate
def test_import_confirmed_by_the_job_assets_whatever_the_job_body_says():
    """The asset list of the job is the answer (E4); an unknown job state never makes the client wait it out."""
    responses.add(responses.POST, TOKEN_URL, json=token_body())
    responses.add(responses.GET, API + "/jobs/11/assets", json={"assets_resource": {"asset_list": []}})
    responses.add(responses.GET, API + "/jobs/11", json={"job": {"state": "SOMETHING_NEW"}})
    responses.add(responses.GET, API + "/jobs/11/assets", json={"assets_resource": {"asset_list": [
        {"asset_id": "a" * 40, "name": "x.jpg"}]}})
    client = DAMClient(make_cfg(job_poll_deadline_seconds=30))
    assert client._wait_for_import("11", "f" * 40, "K7Q2XM", "1", "x.jpg") == "a" * 40


@responses.activate
def test_job_failure_read_from_a_configured_status_key_and_values():
    responses.add(responses.POST, TOKEN_URL, json=token_body())
    responses.add(responses.GET, API + "/jobs/12/assets", json={"assets_resource": {"asset_list": []}})
    responses.add(responses.GET, API + "/jobs/12", json={"job_resource": {"job": {"phase": "Broken",
                                                                                  "message": "bad file"}}})
    client = DAMClient(make_cfg(jobs={"status_key": "phase", "failed_values": "broken, aborted"}))
    with pytest.raises(ServiceError) as info:
        client._wait_for_import("12", "f" * 40, "K7Q2XM", "1", "x.jpg")
    assert info.value.code == "job_failed" and "bad file" in info.value.message


@responses.activate
def test_lock_falls_back_to_the_bulk_form_and_reads_its_failures():
    responses.add(responses.POST, TOKEN_URL, json=token_body())
    fid = "1" * 40
    responses.add(responses.PUT, API + "/assets/{}/state".format(fid), status=405,
                  json={"exception_body": {"message": "HTTP 405 Method Not Allowed"}})
    responses.add(responses.PUT, API + "/assets/state", json={"bulk_asset_result_representation": {
        "bulk_asset_result": {"successful_object_list": [fid], "failed_object_list": []}}})
    responses.add(responses.PUT, API + "/assets/state", json={"bulk_asset_result_representation": {
        "bulk_asset_result": {"failed_object_list": [{"object_id": fid, "message": "locked by jane"}]}}})
    client = DAMClient(make_cfg())
    assert client.set_lock(fid, "lock") == "bulk"
    with pytest.raises(ServiceError) as info:
        client.set_lock(fid, "unlock")  # the bulk form is remembered: no second single try
    assert "locked by jane" in info.value.message
    bodies = [c.request.body for c in api_calls() if c.request.url.endswith("/assets/state")]
    assert len(bodies) == 2 and "AssetIdsSelectionContext" in bodies[0].replace("%2E", ".")
    assert [c.request.url for c in api_calls()].count(API + "/assets/{}/state".format(fid)) == 1


def test_multipart_stream_length_and_parts(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"\x00\x01" * 5000)
    body = MultipartStream([("manifest", None, "application/json", '{"a": 1}'),
                            ("files", 'na"me è.jpg', "application/octet-stream", str(path)),
                            ("parent_folder_id", None, None, "abc")])
    data = b""
    while True:
        piece = body.read(777)
        if not piece:
            break
        data += piece
    assert len(data) == body.len
    text = data.decode("latin-1")
    assert text.count("--" + body.boundary) == 4 and text.endswith("--" + body.boundary + "--\r\n")
    assert 'name="files"; filename="na%22me \xc3\xa8.jpg"' in text
    assert (b"\x00\x01" * 5000) in data and 'name="parent_folder_id"\r\n\r\nabc\r\n' in text


@responses.activate
def test_extra_headers_from_config_on_every_call():
    responses.add(responses.POST, TOKEN_URL, json=token_body())
    responses.add(responses.GET, API + "/folders/rootfolders", json={"folders_resource": {"folder_list": []}})
    DAMClient(make_cfg(extra_headers={"X-Requested-By": "dam-suite", "X-Api-Key": 12})).ping()
    headers = api_calls()[0].request.headers
    assert headers["X-Requested-By"] == "dam-suite" and headers["X-Api-Key"] == "12"
