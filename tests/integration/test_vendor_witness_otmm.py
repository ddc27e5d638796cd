"""OpenText's own OTMM client, ``pyxecm.otmm.OTMM`` (PyPI, E1/E15-E26 in ../shared/reference/otmm-evidence.md),
pointed at the OTMM stand-in: what a user of that client sees is what the stand-in must give. Where the two
disagree, the vendor's code decides and the stand-in changes (docs/otmm-api.md section 6 names the differences
kept, with their evidence keys).

The calls the product makes that pyxecm has no method for (folders, locks, writes) are sent through the witness's
own authenticated session, exactly as pyxecm sends everything: ``Authorization: Bearer`` only, a form
``Content-Type`` even on GETs, no ``Accept`` header beyond requests' ``*/*``.
"""
# ruff: noqa: F811  (pytest fixtures imported from dam_fixtures are parameters of the tests)
import hashlib
import json
import os
import re

import pytest
import requests
from pyxecm.otmm import OTMM  # requirements-dev.txt: a missing pyxecm fails the module, it is never skipped

from tests.integration.dam_fixtures import otmm, otmm_pki_dir  # noqa: F401

F = "FERRERO.FIELD."
WHOLE_SECOND = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
CONTAINS = "ARTESIA.OPERATOR.CHAR.CONTAINS"


def witness(otmm, tmp_path, password=None, username=None):
    """pyxecm's OTMM against the stand-in's host root (it builds ``/otmmapi/v6`` itself, E1 l.136-137)."""
    return OTMM(base_url=otmm.http.url, username=username or otmm.session_user,
                password=otmm.session_password if password is None else password, client_id=otmm.client_id,
                client_secret=otmm.client_secret, thread_number=2, download_dir=str(tmp_path / "downloads"))


@pytest.fixture
def w(otmm, tmp_path):
    client = witness(otmm, tmp_path)
    assert client.authenticate(), "pyxecm could not log in to the stand-in with the right password"
    return client


def api(w, path):
    return w.config()["restUrl"] + path


def masters(otmm, number="LC-2026-0042"):
    return otmm.assets_under(otmm.folder_id(number, "Master Assets"))


def scalar_condition(field, value, operator=CONTAINS):
    return json.dumps({"search_condition_list": {"search_condition": [{
        "type": "com.artesia.search.SearchScalarCondition", "metadata_field_id": field,
        "relational_operator_id": operator, "value": value}]}})


# -- authentication (E1 l.237-262, E26) ------------------------------------------------------------------------------
def test_the_right_password_gives_a_token_every_call_honours(otmm, tmp_path):
    client = witness(otmm, tmp_path)
    token = client.authenticate()
    assert token and client.get_asset(masters(otmm)[0]["asset_id"]) is not None


@pytest.mark.parametrize("who", ["wrong password", "unknown user"])
def test_a_wrong_user_password_gets_no_token(otmm, tmp_path, who):
    client = witness(otmm, tmp_path, password="not-the-password") if who == "wrong password" else \
        witness(otmm, tmp_path, username="nobody")
    assert client.authenticate() is None
    assert client.get_asset(masters(otmm)[0]["asset_id"]) is None  # and no call gets through without one


def test_the_otds_token_endpoint_refuses_a_wrong_password_grant_too(otmm):
    form = {"grant_type": "password", "client_id": otmm.client_id, "client_secret": otmm.client_secret,
            "username": otmm.session_user, "password": "not-the-password"}
    refused = requests.post(otmm.token_url, data=form, timeout=10)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"  # RFC 6749 section 5.2
    form["password"] = otmm.session_password
    assert requests.post(otmm.token_url, data=form, timeout=10).json()["access_token"]


# -- asset reads (E23, E24, E22) ------------------------------------------------------------------------------------
def test_a_plain_asset_read_carries_the_sample_fields_but_no_metadata(otmm, w):
    asset = w.get_asset(masters(otmm)[0]["asset_id"])["asset_resource"]["asset"]
    assert {"asset_id", "name", "content_size", "master_content_info", "deleted", "expired", "locked",
            "asset_state", "asset_lock_state_user_id", "checked_out", "date_imported", "date_last_updated",
            "import_job_id", "latest_version", "version", "mime_type", "metadata_model_id",
            "original_asset_id", "content_state"} <= set(asset)
    assert "metadata" not in asset  # pyxecm's get_asset sample has none (E23)
    assert asset["content_size"] == asset["master_content_info"]["content_size"]
    assert WHOLE_SECOND.match(asset["date_imported"]) and WHOLE_SECOND.match(asset["date_last_updated"])


def test_asset_details_carry_the_metadata_pyxecm_reads(otmm, w):
    asset_id = masters(otmm)[0]["asset_id"]
    details = w.get_asset_details(asset_id)["asset_resource"]["asset"]
    assert "metadata" in details
    data = w.prepare_asset_data(asset_id)
    assert data["FERRERO_FIELD_MARKET"] == "IT"
    assert data["FERRERO_FIELD_BRAND"] == "Nutella"  # a domain value read by its display_value
    assert data["FERRERO_FIELD_KEYWORDS"] == ["spring", "breakfast"]  # table rows by display_value (E24)


def test_asset_details_without_load_metadata_carry_none(otmm, w):
    asset_id = masters(otmm)[0]["asset_id"]
    bare = w.get_asset_details(asset_id, load_metadata=False)
    assert "metadata" not in bare["asset_resource"]["asset"]
    assert w.prepare_asset_data(asset_id, asset=bare) == {}  # pyxecm gives up without metadata (E23)


@pytest.mark.parametrize("params, has_metadata", [
    ({}, False), ({"load_type": "system"}, False), ({"load_type": "metadata"}, True), ({"load_type": "full"}, True),
    ({"load_type": "custom", "data_load_request": json.dumps({"data_load_request": {"load_metadata": True}})}, True),
    ({"load_type": "custom", "data_load_request": json.dumps({"data_load_request": {"load_path": True}})}, False)])
def test_load_type_and_data_load_request_decide_what_a_read_carries(otmm, w, params, has_metadata):
    asset_id = masters(otmm)[0]["asset_id"]
    got = w._session.get(api(w, "/assets/" + asset_id), params=params, timeout=10)
    assert got.status_code == 200 and ("metadata" in got.json()["asset_resource"]["asset"]) is has_metadata


# -- search (E15, E10) -------------------------------------------------------------------------------------------------
def test_keyword_only_search_answers_json_and_pages(otmm, w):
    first = w.search_assets({"keyword_query": "*", "limit": "5"})["search_result_resource"]
    result = first["search_result"]
    assert result["hit_count"] == 5 and result["offset"] == 0 and result["contains_invalid_conditions"] is False
    assert result["total_hit_count"] > 5 and len(result["asset_id_list"]) == 5
    second = w.search_assets({"keyword_query": "*", "limit": "5", "after": "5"})["search_result_resource"]
    assert not set(second["search_result"]["asset_id_list"]) & set(result["asset_id_list"])


def test_scalar_search_paged_the_pyxecm_way_finds_every_hit(otmm, w):
    payload = {"search_condition_list": scalar_condition(F + "MARKET", "IT"), "load_type": "metadata",
               "level_of_detail": "full", "search_config_id": "3", "after": 0, "limit": 3}
    found = []
    while True:  # after += hit_count until total_hit_count (E1 l.618-720)
        result = w.search_assets(dict(payload))["search_result_resource"]
        found += [a["asset_id"] for a in result["asset_list"]]
        payload["after"] += result["search_result"]["hit_count"]
        if payload["after"] >= result["search_result"]["total_hit_count"]:
            break
    expected = [a["asset_id"] for number in ("LC-2026-0042", "LC-2026-0043") for a in masters(otmm, number)]
    assert set(expected) <= set(found) and len(found) == len(set(found))


def test_tabular_search_as_get_product_assets_sends_it(otmm, w):
    found = w.get_product_assets("breakfast", limit=2, metadata_table_id=F + "KEYWORDS",
                                 metadata_field_id="FERRERO.COLUMN.KEYWORD")
    ids = set(a["asset_id"] for a in found)
    assert set(a["asset_id"] for a in masters(otmm)) <= ids and len(ids) == len(found)
    assert not w.get_product_assets("no-such-keyword", metadata_table_id=F + "KEYWORDS",
                                    metadata_field_id="FERRERO.COLUMN.KEYWORD")


def test_a_search_on_an_unknown_field_is_flagged_not_answered_with_hits(otmm, w):
    assert not w.get_business_unit_assets("213")  # pyxecm's own table id is no field of this model
    raw = w.search_assets({"search_condition_list": scalar_condition("NO.SUCH.FIELD", "x")})
    result = raw["search_result_resource"]["search_result"]
    assert result["contains_invalid_conditions"] is True and result["total_hit_count"] == 0


def test_an_unknown_operator_is_refused_with_exception_body(otmm, w):
    condition = scalar_condition(F + "MARKET", "IT", operator="ARTESIA.OPERATOR.CHAR.NO_SUCH")
    assert w.search_assets({"search_condition_list": condition}) is None  # pyxecm sees the refusal
    raw = w._session.post(w.config()["searchUrl"], data={"search_condition_list": condition}, timeout=10)
    assert raw.status_code == 500 and "ARTESIA.OPERATOR.CHAR.NO_SUCH" in raw.json()["exception_body"]["message"]


# -- downloads (E1 l.868-925, E22, E18) ------------------------------------------------------------------------------
def test_download_twice_with_the_modification_date_pyxecm_parses(otmm, w, tmp_path):
    item = masters(otmm)[0]
    asset = w.get_asset(item["asset_id"])["asset_resource"]["asset"]
    for _ in range(2):  # the second call parses date_last_updated with %Y-%m-%dT%H:%M:%SZ (E22)
        assert w.download_asset(item["asset_id"], asset["name"],
                                asset_modification_date=asset["date_last_updated"]) is True
    with open(str(tmp_path / "downloads" / item["asset_id"]), "rb") as f:
        assert hashlib.sha1(f.read()).hexdigest() == item["sha1"]


def test_load_assets_worker_skips_expired_and_deleted_assets(otmm, w, tmp_path):
    normal, expired, deleted = masters(otmm, "LC-2026-0042")[:3]
    otmm.expire_asset(expired["asset_id"])
    otmm.delete_asset(deleted["asset_id"])
    assets = [w.get_asset(a["asset_id"])["asset_resource"]["asset"] for a in (normal, expired, deleted)]
    assert [a["expired"] for a in assets] == [False, True, False] and assets[2]["deleted"] is True
    w.load_assets_worker(assets, len(assets), 0, True)
    assert sorted(os.listdir(str(tmp_path / "downloads"))) == [normal["asset_id"]]


# -- lookup domains (E1 l.280-489) -------------------------------------------------------------------------------------
def test_lookup_domains_as_pyxecm_reads_them(otmm, w):
    domains = w.get_lookup_domains()["lookup_domains_resource"]["lookup_domains"]
    assert "FERRERO.DOMAIN.CAMPAIGN_STATUS" in [d["domainId"] for d in domains]
    codes = [v["field_value"]["value"] for v in w.get_lookup_domain_values("FERRERO.DOMAIN.CAMPAIGN_STATUS")]
    assert {"A1", "A2", "A5", "A6", "B1", "B2"} <= set(codes)
    assert w.get_products(domain="FERRERO.DOMAIN.BRAND")["Nutella"] == "NUTELLA"
    assert w.get_lookup_domain("NO.SUCH.DOMAIN") is None
    missing = w._session.get(w.config()["domainUrl"] + "/NO.SUCH.DOMAIN", timeout=10)
    assert missing.status_code == 404 and missing.json()["exception_body"]["message"]


# -- the product's other calls, sent the way pyxecm sends everything (Bearer only) ------------------------------------
def test_folder_listings_in_every_paging_form(otmm, w):
    get = lambda path, **params: w._session.get(api(w, path), params=params, timeout=10)  # noqa: E731
    roots = get("/folders/rootfolders", load_type="system", limit=0).json()["folders_resource"]["folder_list"]
    assert len(roots) == 3
    assert len(get("/folders/rootfolders", load_type="system", limit=1).json()["folders_resource"][
        "folder_list"]) == 1
    campaign = otmm.folder_id("LC-2026-0042")
    subfolders = get("/folders/{}/folders".format(campaign), load_type="system", limit=0).json()
    assert sorted(f["name"] for f in subfolders["folders_resource"]["folder_list"]) == ["Final Assets",
                                                                                        "Master Assets"]
    banners = otmm.folder_id("LC-2026-0042", "Master Assets")
    everything = get("/folders/{}/children".format(banners), load_type="metadata", level_of_detail="slim",
                     after=0, limit=0).json()["folder_children"]["asset_list"]
    paged, after = [], 0
    while True:
        page = get("/folders/{}/children".format(banners), load_type="metadata", level_of_detail="slim",
                   after=after, limit=1, sort="asc_NAME").json()["folder_children"]["asset_list"]
        if not page:
            break
        paged += page
        after += len(page)
    assert [e["asset_id"] for e in paged] == [e["asset_id"] for e in everything] and len(paged) == 3
    counted = get("/folders/" + banners, load_type="custom", data_load_request=json.dumps(
        {"data_load_request": {"child_count_load_type": "both"}})).json()["folder_resource"]["folder"]
    assert counted["container_child_counts"]["total_child_count"] == 3


def test_the_products_writes_work_under_a_bearer_token_alone(otmm, w):
    """E1/E11: a Bearer token needs no X-Requested-By; the lock is a form body (E6), the status a PATCH (E7)."""
    folder = otmm.folder_id("LC-2026-0043")
    state = api(w, "/assets/{}/state".format(folder))
    assert w._session.put(state, data={"action": "lock"}, timeout=10).status_code == 200
    body = {"edited_folder": {"data": {"metadata": [{"id": F + "CAMPAIGN_STATUS",
                                                     "type": "com.artesia.metadata.MetadataField",
                                                     "value": {"value": {"type": "string", "value": "A2"}}}]}}}
    patched = w._session.patch(api(w, "/folders/" + folder), data=json.dumps(body), timeout=10,
                               headers={"Content-Type": "application/json; charset=UTF-8"})
    assert patched.status_code == 200
    assert w._session.put(state, data={"action": "unlock"}, timeout=10).status_code == 200
    assert otmm.campaign_status("LC-2026-0043") == "A2" and not otmm.is_locked("LC-2026-0043")
    created = w._session.post(api(w, "/folders/" + folder), timeout=10, headers={"Content-Type": "application/json"},
                              data=json.dumps({"folder_resource": {"folder": {"name": "Witness",
                                                                              "container_type_id":
                                                                                  "ARTESIA.BASIC.FOLDER"}}}))
    assert created.json()["folder_resource"]["folder"]["asset_id"]
