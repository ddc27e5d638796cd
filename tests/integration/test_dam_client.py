"""DAMClient against the OTMM sandbox over real sockets: campaigns, listings, metadata, downloads, status changes,
folders and imports, in both auth modes where it matters."""
# ruff: noqa: F811  (pytest fixtures imported from dam_fixtures are parameters of the tests)
import hashlib
import json
import os

import pytest

from scripts.shared.core.errors import ServiceError, SuiteError
from scripts.shared.dam.dam_types import Campaign
from tests.integration.dam_fixtures import SPECIAL, any_dam, dam, dam_cfg, otmm, otmm_pki_dir  # noqa: F401

STATUS = "FERRERO.FIELD.CAMPAIGN_STATUS"


def counts(sandbox, prefix):
    snap = sandbox.middleware.snapshot()["by_endpoint"]
    return sum(n for key, n in snap.items() if key.startswith(prefix))


def dl_dir(tmp_path):
    path = tmp_path / "downloads"
    path.mkdir(exist_ok=True)
    return str(path)


def sha1_file(path):
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# -- campaigns -------------------------------------------------------------------------------------------------------
def test_ping_authenticates_and_reads(any_dam):
    info = any_dam.ping()
    assert info["auth"] == any_dam.auth_mode
    assert info["root_folders"] == 3  # ARTESIA.PUBLIC.TREEN, Campaigns, dam-integrationN


def campaign_ids(campaigns):
    return [campaign.campaign_id for campaign in campaigns]


def test_find_campaigns_returns_exact_status_oldest_first(any_dam):
    found = any_dam.find_campaigns("A1")
    assert campaign_ids(found) == ["LC-2026-0042", "LC-2026-0043", "LC-2026-0044"]
    first = found[0]
    assert first == Campaign(folder_id=first.folder_id, campaign_id="LC-2026-0042", name="Nutella Spring",
                             status="A1", type="Local comm", global_master_campaign_id="GM-2026-0007",
                             agency_email="agency-milano@example.com", created=first.created)
    assert len(first.folder_id) == 40 and first.created.endswith("Z")


def test_find_campaigns_by_type(dam):
    assert campaign_ids(dam.find_campaigns("B1", campaign_type="Global comm")) == ["GM-2026-0007"]
    assert campaign_ids(dam.find_campaigns("B1")) == ["GM-2026-0007", "LC-2026-0060"]
    assert dam.find_campaigns("A4") == []


def test_find_campaigns_rechecks_each_hit_exactly(otmm, dam_cfg):
    """With a CONTAINS operator the search also returns A10: the exact re-read drops it."""
    from scripts.shared.dam.dam_client import DAMClient
    otmm.add_campaign({"number": "LC-2026-0099", "name": "Odd status", "status": "A10", "type": "Local comm"})
    cfg = dict(dam_cfg, search={"search_config_id": 3, "operator_id": "ARTESIA.OPERATOR.CHAR.CONTAINS"})
    with DAMClient(cfg) as client:
        assert "LC-2026-0099" not in campaign_ids(client.find_campaigns("A1"))
        assert campaign_ids(client.find_campaigns("A10")) == ["LC-2026-0099"]


def test_find_campaigns_reads_every_search_page(otmm, dam_cfg):
    from scripts.shared.dam.dam_client import DAMClient
    for i in range(5):
        otmm.add_campaign({"number": "LC-2026-07{:02d}".format(i), "name": "Bulk {}".format(i), "status": "A1",
                           "type": "Local comm"})
    with DAMClient(dict(dam_cfg, page_size=2)) as client:
        otmm.middleware.reset_counters()
        found = client.find_campaigns("A1")
    assert len(found) == 8
    assert campaign_ids(found)[:3] == ["LC-2026-0042", "LC-2026-0043", "LC-2026-0044"]
    assert counts(otmm, "POST /otmmapi/v6/search/text") == 4  # 8 hits, 2 per page


def test_find_campaign_by_number_or_folder_id(dam, otmm):
    by_number = dam.find_campaign("LC-2026-0050")
    assert by_number.status == "A5" and by_number.name == "Raffaello Summer"
    by_id = dam.find_campaign(otmm.folder_id("GM-2026-0007"))
    assert by_id.campaign_id == "GM-2026-0007" and by_id.type == "Global comm"
    assert dam.find_campaign("LC-1999-0001") is None
    assert dam.find_campaign("0" * 40) is None


def test_find_subfolder_exact_name_any_case(dam, otmm):
    folder = otmm.folder_id("LC-2026-0042")
    assert dam.find_subfolder(folder, "master assets") == otmm.folder_id("LC-2026-0042", "Master Assets")
    assert dam.find_subfolder(folder, "Master") is None
    assert dam.find_subfolder(folder, "Final Assets") == otmm.folder_id("LC-2026-0042", "Final Assets")


# -- listings and metadata --------------------------------------------------------------------------------------------
def test_iter_assets_recursive_with_paths_and_listing_metadata(any_dam, otmm):
    master = otmm.folder_id("LC-2026-0042", "Master Assets")
    otmm.middleware.reset_counters()
    assets = list(any_dam.iter_assets(master))
    got = sorted(("/".join(a.folder_path), a.name, a.size) for a in assets)
    assert got == [("", "key-visual.jpg", 120000), ("Banners", "banner 300x250.jpg", 45000),
                   ("Banners", "banner 728x90.png", 38000), ("Banners/Animated", "teaser.mp4", 250000),
                   ("Print", "poster A2.pdf", 90000)]
    visual = [a for a in assets if a.name == "key-visual.jpg"][0]
    assert visual.mime_type == "image/jpeg"
    assert visual.metadata["FERRERO.FIELD.BRAND"] == "NUTELLA"            # domain -> code
    assert visual.metadata["FERRERO.FIELD.KEYWORDS"] == ["spring", "breakfast"]  # tabular -> list
    assert visual.metadata["FERRERO.FIELD.MARKET"] == "IT"
    json.dumps(visual.raw)
    # metadata came with the listing: no per-asset reads
    assert counts(otmm, "GET /otmmapi/v6/assets/") == 0
    assert not any_dam.iter_assets(master, recursive=False).__next__().folder_path
    assert [a.name for a in any_dam.iter_assets(master, recursive=False)] == ["key-visual.jpg"]


def test_iter_assets_pages_and_is_cycle_safe(otmm, dam_cfg):
    from scripts.shared.dam.dam_client import DAMClient
    master = otmm.folder_id("LC-2026-0042", "Master Assets")
    banners = otmm.folder_id("LC-2026-0042", "Master Assets", "Banners")
    animated = otmm.folder_id("LC-2026-0042", "Master Assets", "Banners", "Animated")
    for i in range(7):
        otmm.add_asset(banners, "extra-{}.jpg".format(i), size=10 + i, mime="image/jpeg")
    otmm.link(banners, animated)  # a cycle: Banners is also a child of its own child
    shared = otmm.add_asset(master, "shared.jpg", size=5)
    otmm.link(shared, animated)  # one asset with two parents
    with DAMClient(dict(dam_cfg, page_size=3)) as client:
        otmm.middleware.reset_counters()
        assets = list(client.iter_assets(master))
    ids = [a.asset_id for a in assets]
    assert len(ids) == len(set(ids)) == 5 + 7 + 1
    assert counts(otmm, "GET /otmmapi/v6/folders/{id}/children") >= 6  # Banners alone needs 4 pages of 3


def test_iter_assets_complete_when_the_server_caps_the_page_size(otmm, dam_cfg):
    """The DAM answers 2 children per page although the client asks for 100: the folders' child counts keep the
    listing going instead of taking the first short page for the last one."""
    import requests
    from scripts.shared.dam.dam_client import DAMClient
    master = otmm.folder_id("LC-2026-0042", "Master Assets")
    banners = otmm.folder_id("LC-2026-0042", "Master Assets", "Banners")
    for i in range(5):
        otmm.add_asset(master, "top-{}.jpg".format(i), size=3)
        otmm.add_asset(banners, "nested-{}.jpg".format(i), size=3)
    expected = sorted(a["asset_id"] for a in otmm.assets_under(master))
    requests.post(otmm.http.url + "/_sandbox/settings", json={"max_page_size": 2}, timeout=10).raise_for_status()
    with DAMClient(dict(dam_cfg, page_size=100)) as client:
        assets = list(client.iter_assets(master))
    assert sorted(a.asset_id for a in assets) == expected
    assert len(expected) == 5 + 10
    paths = {a.name: a.folder_path for a in assets}
    assert paths["nested-4.jpg"] == ["Banners"] and paths["top-4.jpg"] == []


def test_a5_final_assets_metadata_normalised(dam, otmm):
    final = otmm.folder_id("LC-2026-0050", "Final Assets")
    by_name = {a.name: a for a in dam.iter_assets(final)}
    status = "FERRERO.FIELD.ECOMMERCE_STATUS"
    assert by_name["K7Q2XM_it-IT_Raffaello banner.jpg"].metadata[status] == "NOT APPROVED"
    assert by_name["H8W2NC_it-IT_Raffaello social.jpg"].metadata[status] == "APPROVED"
    assert by_name["M4T6QB_it-IT_Raffaello story.jpg"].metadata[status] == ""
    assert by_name["P3R7ZD_it-IT_Raffaello poster.pdf"].metadata[status] == " not approved "
    flat, raw = dam.get_asset_metadata(by_name["K7Q2XM_it-IT_Raffaello banner.jpg"].asset_id)
    assert flat["FERRERO.FIELD.TRACKING_ID"] == "K7Q2XM"
    assert flat["FERRERO.FIELD.APPROVAL_DATE"] == "2026-11-20T00:00:00Z"
    assert flat["FERRERO.FIELD.IACC_COMMENT"] == "<script>alert(1)</script> wrong colour"
    assert "Not approved" in json.dumps(raw)  # the domain label stays in the raw document
    assert raw["asset_id"] == by_name["K7Q2XM_it-IT_Raffaello banner.jpg"].asset_id


# -- downloads ------------------------------------------------------------------------------------------------------
def test_download_streams_checks_and_names_safely(any_dam, otmm, tmp_path):
    final = otmm.folder_id("GM-2026-0007", "Final Assets")
    asset = [a for a in any_dam.iter_assets(final) if a.name == "master film 30s.mp4"][0]
    dest = tmp_path / "dl"
    dest.mkdir()
    result = any_dam.download_asset(asset.asset_id, str(dest), name="../../etc/passwd",
                                    expected_size=asset.size)
    assert os.path.dirname(result.path) == str(dest)
    assert result.size == 300000 == os.path.getsize(result.path)
    assert result.sha1 == sha1_file(result.path) == otmm.asset_content_sha1(asset.asset_id)
    assert os.listdir(str(dest)) == [os.path.basename(result.path)]


def test_download_retries_a_truncated_body(dam, otmm, tmp_path):
    asset = otmm.assets_under(otmm.folder_id("LC-2026-0043", "Master Assets"))[0]
    otmm.middleware.set_faults([{"method": "GET", "path": "/contents$", "truncate": True, "count": 1}])
    result = dam.download_asset(asset["asset_id"], dl_dir(tmp_path), name=asset["name"], expected_size=asset["size"])
    assert result.sha1 == asset["sha1"]
    assert counts(otmm, "GET /otmmapi/v6/assets/{id}/contents") == 2
    assert os.listdir(dl_dir(tmp_path)) == [asset["name"]]


def test_download_gives_up_after_the_budget_and_leaves_no_temp_file(dam, otmm, tmp_path):
    asset = otmm.assets_under(otmm.folder_id("LC-2026-0043", "Master Assets"))[0]
    otmm.middleware.set_faults([{"method": "GET", "path": "/contents$", "truncate": True}])
    with pytest.raises(ServiceError) as info:
        dam.download_asset(asset["asset_id"], dl_dir(tmp_path), name=asset["name"])
    assert info.value.retryable
    assert counts(otmm, "GET /otmmapi/v6/assets/{id}/contents") == 4
    assert os.listdir(dl_dir(tmp_path)) == []


def test_download_rejects_wrong_size_and_checksum(dam, otmm, tmp_path):
    asset = otmm.assets_under(otmm.folder_id("LC-2026-0043", "Master Assets"))[0]
    with pytest.raises(ServiceError) as info:
        dam.download_asset(asset["asset_id"], dl_dir(tmp_path), name="a.bin", expected_size=asset["size"] + 1)
    assert "cut short" in info.value.message
    with pytest.raises(ServiceError) as info:
        dam.download_asset(asset["asset_id"], dl_dir(tmp_path), name="b.bin", checksum="0" * 40)
    assert "checksum" in info.value.message
    assert os.listdir(dl_dir(tmp_path)) == []
    ok = dam.download_asset(asset["asset_id"], dl_dir(tmp_path), name="c.bin", checksum=asset["sha1"])
    assert ok.sha1 == asset["sha1"]


def test_download_of_a_missing_asset_reports_the_dam_message(dam, tmp_path):
    with pytest.raises(ServiceError) as info:
        dam.download_asset("f" * 40, dl_dir(tmp_path))
    err = info.value
    assert err.status == 404 and err.method == "GET" and err.path == "/otmmapi/v6/assets/{}/contents".format("f" * 40)
    assert "does not exist" in str(err)
    assert os.listdir(dl_dir(tmp_path)) == []


# -- status change ----------------------------------------------------------------------------------------------------
def test_set_campaign_status_locks_patches_unlocks_and_verifies(any_dam, otmm):
    folder = otmm.folder_id("LC-2026-0042")
    otmm.middleware.recording = True
    assert any_dam.set_campaign_status(folder, "A1", "A2") == "changed"
    assert otmm.campaign_status("LC-2026-0042") == "A2"
    assert otmm.is_locked("LC-2026-0042") is None
    calls = [(r["method"], r["path"].split("/")[-1], r["query"]) for r in otmm.middleware.records
             if "/otmmapi/" in r["path"]]
    # lock and unlock carry action in a form body, never in the query (the sandbox reads only the form, E6)
    assert calls == [("GET", folder, "load_type=metadata"), ("PUT", "state", ""), ("PATCH", folder, ""),
                     ("PUT", "state", ""), ("GET", folder, "load_type=metadata")]
    # a second run finds it done
    otmm.middleware.records = []
    assert any_dam.set_campaign_status(folder, "A1", "A2") == "already"
    assert [r["method"] for r in otmm.middleware.records if "/otmmapi/" in r["path"]] == ["GET"]


def test_set_campaign_status_refuses_an_unexpected_status(dam, otmm):
    otmm.set_campaign_status("LC-2026-0043", "A4")
    with pytest.raises(SuiteError) as info:
        dam.set_campaign_status(otmm.folder_id("LC-2026-0043"), "A1", "A2")
    assert "'A4'" in str(info.value) and info.value.fix
    assert otmm.campaign_status("LC-2026-0043") == "A4"


def test_set_campaign_status_on_a_folder_someone_else_locked(dam, otmm):
    otmm.lock_as("LC-2026-0043", "maria.rossi")
    with pytest.raises(ServiceError) as info:
        dam.set_campaign_status(otmm.folder_id("LC-2026-0043"), "A1", "A2")
    assert info.value.status == 409 and "locked by another user" in info.value.message
    assert otmm.campaign_status("LC-2026-0043") == "A1"
    assert otmm.is_locked("LC-2026-0043") == "maria.rossi"


def test_set_campaign_status_unlocks_when_the_patch_fails(dam, otmm):
    otmm.middleware.set_faults([{"method": "PATCH", "path": "/folders/", "status": 500}])
    with pytest.raises(ServiceError) as info:
        dam.set_campaign_status(otmm.folder_id("LC-2026-0043"), "A1", "A2")
    assert info.value.status == 500 and info.value.method == "PATCH"
    assert otmm.campaign_status("LC-2026-0043") == "A1"
    assert otmm.is_locked("LC-2026-0043") is None


def test_patch_without_lock_is_refused_by_the_sandbox(dam, otmm):
    folder = otmm.folder_id("LC-2026-0043")
    body = {"edited_folder": {"data": {"metadata": [{"id": STATUS, "type": "com.artesia.metadata.MetadataField",
                                                     "value": {"value": {"type": "string", "value": "A2"}}}]}}}
    with pytest.raises(ServiceError) as info:
        dam._send("PATCH", dam.api + "/folders/" + folder, data=json.dumps(body),
                  headers={"Content-Type": "application/json"})
    assert info.value.status == 400 and "must be locked" in info.value.message
    assert otmm.campaign_status("LC-2026-0043") == "A1"


# -- folders and imports ----------------------------------------------------------------------------------------------
def test_ensure_folder_path_creates_once(dam, otmm):
    final = otmm.folder_id("LC-2026-0042", "Final Assets")
    leaf = dam.ensure_folder_path(final, ["Banners", "Animated/HTML5"])
    assert leaf == otmm.folder_id("LC-2026-0042", "Final Assets", "Banners", "Animated_HTML5")
    assert dam.ensure_folder_path(final, ["banners", "Animated/HTML5"]) == leaf
    assert dam.ensure_folder_path(final, []) == final
    assert counts(otmm, "POST /otmmapi/v6/folders/{id}") == 2


def _upload_file(tmp_path, size=300000):
    path = tmp_path / "upload.jpg"
    with open(str(path), "wb") as f:
        f.write(hashlib.sha256(b"x").digest() * (size // 32))
    return str(path)


def test_import_asset_with_metadata_is_found_again(any_dam, otmm, tmp_path):
    final = otmm.folder_id("LC-2026-0042", "Final Assets")
    path = _upload_file(tmp_path)
    meta = {SPECIAL["tracking_id"]: "K7Q2XM", SPECIAL["source_file_id"]: "98765",
            "FERRERO.FIELD.LANGUAGE": "it-IT", "FERRERO.FIELD.DESCRIPTION": "Nutella banner \"è\"",
            "FERRERO.FIELD.KEYWORDS": {"table": {"FERRERO.COLUMN.KEYWORD": ["a", "b"]}},
            "FERRERO.FIELD.PIECE_COUNT": 12, "FERRERO.FIELD.APPROVAL_DATE": {"datetime": "2026-11-20T00:00:00Z"},
            "FERRERO.FIELD.BRAND": {"domain": "NUTELLA"}, "FERRERO.FIELD.EMPTY": None}
    assert any_dam.find_imported_asset(final, "K7Q2XM", "98765") is None
    name = "K7Q2XM_it-IT_Nutella banner è.jpg"
    asset_id = any_dam.import_asset(final, path, meta, name)
    imported = otmm.imported_assets()
    assert [a["asset_id"] for a in imported] == [asset_id]
    assert imported[0]["name"] == name and imported[0]["parent_ids"] == [final]
    assert imported[0]["sha1"] == sha1_file(path) and imported[0]["size"] == os.path.getsize(path)
    fields = imported[0]["fields"]
    assert fields[SPECIAL["tracking_id"]] == "K7Q2XM" and fields["FERRERO.FIELD.LANGUAGE"] == "it-IT"
    assert fields["FERRERO.FIELD.DESCRIPTION"] == "Nutella banner \"è\""
    # typed writes: the table under its column id, the number as a number, the date as a date, the domain wrapped
    assert fields["FERRERO.FIELD.KEYWORDS"] == {"table": {"FERRERO.COLUMN.KEYWORD": ["a", "b"]}}
    assert fields["FERRERO.FIELD.PIECE_COUNT"] == 12 and fields["FERRERO.FIELD.APPROVAL_DATE"].startswith("2026-11-20")
    assert fields["FERRERO.FIELD.BRAND"] == {"domain": "NUTELLA", "label": None}
    assert "FERRERO.FIELD.EMPTY" not in fields
    assert any_dam.find_imported_asset(final, "K7Q2XM", "98765") == asset_id
    assert any_dam.find_imported_asset(final, "K7Q2XM", "11111") is None


def test_find_imported_asset_reads_past_a_capped_page(otmm, dam, tmp_path):
    """A miss would mean a second import: the lookup reads the whole folder even when the server caps its pages."""
    import requests
    final = otmm.folder_id("LC-2026-0042", "Final Assets")
    for i in range(6):
        otmm.add_asset(final, "aaa-{}.jpg".format(i), size=3)
    source = tmp_path / "zzz.jpg"
    source.write_bytes(b"localised")
    meta = {SPECIAL["tracking_id"]: "K7Q2XM", SPECIAL["source_file_id"]: "box-123"}
    asset_id = dam.import_asset(final, str(source), meta, "zzz.jpg")  # sorts last: on the fourth page of 2
    requests.post(otmm.http.url + "/_sandbox/settings", json={"max_page_size": 2}, timeout=10).raise_for_status()
    assert dam.find_imported_asset(final, "K7Q2XM", "box-123") == asset_id
    assert dam.find_imported_asset(final, "K7Q2XM", "box-999") is None


def test_import_whose_job_first_fails_then_succeeds(dam, otmm, tmp_path):
    final = otmm.folder_id("LC-2026-0043", "Final Assets")
    otmm.fail_next_imports(1)
    meta = {SPECIAL["tracking_id"]: "P3R7ZD", SPECIAL["source_file_id"]: "555"}
    asset_id = dam.import_asset(final, _upload_file(tmp_path), meta, "P3R7ZD_it_x.jpg")
    assert [a["asset_id"] for a in otmm.imported_assets()] == [asset_id]
    assert counts(otmm, "POST /otmmapi/v6/assets") == 2
    assert counts(otmm, "GET /otmmapi/v6/jobs/{id}") >= 2


def test_import_job_that_keeps_failing_is_reported(dam, otmm, tmp_path):
    final = otmm.folder_id("LC-2026-0043", "Final Assets")
    otmm.fail_next_imports(5)
    with pytest.raises(ServiceError) as info:
        dam.import_asset(final, _upload_file(tmp_path), {SPECIAL["tracking_id"]: "P3R7ZD",
                                                         SPECIAL["source_file_id"]: "1"}, "x.jpg")
    assert info.value.code == "job_failed" and info.value.retryable and "FAILED" in info.value.message
    assert otmm.imported_assets() == []
    assert counts(otmm, "POST /otmmapi/v6/assets") == 2  # the first POST and one retry, no more


def test_import_post_is_not_repeated_blindly(dam, otmm, tmp_path):
    final = otmm.folder_id("LC-2026-0043", "Final Assets")
    otmm.middleware.set_faults([{"method": "POST", "path": "/assets$", "status": 503, "retry_after": 0}])
    with pytest.raises(ServiceError) as info:
        dam.import_asset(final, _upload_file(tmp_path), {SPECIAL["tracking_id"]: "P3R7ZD",
                                                         SPECIAL["source_file_id"]: "1"}, "x.jpg")
    assert info.value.status == 503
    assert counts(otmm, "POST /otmmapi/v6/assets") == 1


def test_import_after_token_expiry_refreshes_once(dam, otmm, tmp_path):
    final = otmm.folder_id("LC-2026-0043", "Final Assets")
    dam.ping()
    otmm.expire_tokens()
    meta = {SPECIAL["tracking_id"]: "H8W2NC", SPECIAL["source_file_id"]: "2"}
    asset_id = dam.import_asset(final, _upload_file(tmp_path), meta, "y.jpg")
    assert [a["asset_id"] for a in otmm.imported_assets()] == [asset_id]
    assert counts(otmm, "POST /otdsws/oauth2/token") == 2


def test_find_campaign_by_a_folder_id_that_is_no_campaign(dam, otmm):
    assert dam.find_campaign(otmm.folder_id("LC-2026-0042", "Master Assets")) is None


def test_campaigns_found_by_walking_the_tree_when_search_is_not_usable(otmm, dam_cfg):
    """dam.search.mode: walk reads the folder tree instead of /search/text (instances whose search skips folders)."""
    from scripts.shared.dam.dam_client import DAMClient
    cfg = dict(dam_cfg, page_size=2, search={"mode": "walk", "walk_depth": 2})
    with DAMClient(cfg) as client:
        otmm.middleware.reset_counters()
        assert campaign_ids(client.find_campaigns("A1")) == ["LC-2026-0042", "LC-2026-0043", "LC-2026-0044"]
        assert campaign_ids(client.find_campaigns("B1", "Global comm")) == ["GM-2026-0007"]
        assert client.find_campaign("LC-2026-0050").status == "A5"
    assert counts(otmm, "POST /otmmapi/v6/search/text") == 0
    with DAMClient(dict(cfg, search={"mode": "walk", "walk_root": otmm.folder_id("LC-2026-0042"),
                                     "walk_depth": 1})) as client:
        assert client.find_campaigns("A1") == []  # only the campaign's own subfolders are below that root


def test_domain_fields_written_in_domain_value_form(otmm, dam_cfg):
    from scripts.shared.dam.dam_client import DAMClient
    with DAMClient(dict(dam_cfg, domain_fields=[STATUS])) as client:
        assert client.set_campaign_status(otmm.folder_id("LC-2026-0044"), "A1", "A2") == "changed"
    folder = otmm.state.folders[otmm.folder_id("LC-2026-0044")]
    assert folder["fields"][STATUS] == {"domain": "A2", "label": None}
    assert otmm.campaign_status("LC-2026-0044") == "A2"
