"""The DAM client against the strict sandbox: what public OTMM clients send (evidence keys E1-E14 in
docs/otmm-api.md) works, and what the evidence says OTMM refuses is refused."""
# ruff: noqa: F811  (pytest fixtures imported from dam_fixtures are parameters of the tests)
import copy
import json

import pytest
import requests

from scripts.shared.dam.dam_client import DAMClient
from scripts.shared.core.errors import ServiceError
from tests.integration.dam_fixtures import SPECIAL, dam, dam_cfg, otmm, otmm_pki_dir  # noqa: F401

F = "FERRERO.FIELD."


def counts(otmm, key):
    return otmm.middleware.snapshot()["by_endpoint"].get(key, 0)


def client(cfg, **overrides):
    cfg = copy.deepcopy(cfg)
    cfg.update(overrides)
    return DAMClient(cfg, field_ids=SPECIAL)


def upload(tmp_path, name="local.jpg", data=b"localised bytes"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


# -- auth profiles (E1-E5, E12) -------------------------------------------------------------------------------------
def session_cfg(otmm, dam_cfg):
    return dict(dam_cfg, auth_mode="session", username=otmm.session_user, password=otmm.session_password)


def test_session_mode_reads_writes_and_imports_with_x_requested_by(otmm, dam_cfg, tmp_path):
    otmm.middleware.recording = True
    with client(session_cfg(otmm, dam_cfg)) as dam_s:
        assert dam_s.auth_mode == "session"
        assert dam_s.set_campaign_status(otmm.folder_id("LC-2026-0042"), "A1", "A2") == "changed"
        final = otmm.folder_id("LC-2026-0042", "Final Assets")
        asset_id = dam_s.import_asset(final, upload(tmp_path), {SPECIAL["tracking_id"]: "K7Q2XM",
                                                                SPECIAL["source_file_id"]: "b-1"}, "local.jpg")
    assert otmm.campaign_status("LC-2026-0042") == "A2"
    assert [a["asset_id"] for a in otmm.imported_assets()] == [asset_id]
    assert counts(otmm, "POST /otmmapi/v6/sessions") == 1 and counts(otmm, "POST /otdsws/oauth2/token") == 0


def test_session_mode_logs_in_again_after_a_401(otmm, dam_cfg):
    with client(session_cfg(otmm, dam_cfg)) as dam_s:
        dam_s.ping()
        otmm.expire_tokens()  # the DAM forgot the session (restart, timeout)
        assert dam_s.ping()["root_folders"] == 3
    assert counts(otmm, "POST /otmmapi/v6/sessions") == 2


def test_a_cookie_session_write_without_x_requested_by_is_refused(otmm):
    api = otmm.oauth_base_url + "/v6"
    login = requests.post(api + "/sessions", data={"username": otmm.session_user,
                                                   "password": otmm.session_password}, timeout=10)
    session_id = str(login.json()["session_resource"]["session"]["id"])
    cookies = {"JSESSIONID": login.cookies["JSESSIONID"]}
    folder = otmm.folder_id("LC-2026-0043")
    assert requests.get(api + "/folders/" + folder, cookies=cookies, timeout=10).status_code == 200
    refused = requests.put(api + "/assets/{}/state".format(folder), data={"action": "lock"}, cookies=cookies,
                           timeout=10)
    assert refused.status_code == 401 and "X-Requested-By" in refused.json()["exception_body"]["message"]
    assert not otmm.is_locked("LC-2026-0043")
    done = requests.put(api + "/assets/{}/state".format(folder), data={"action": "lock"}, cookies=cookies,
                        headers={"X-Requested-By": session_id}, timeout=10)
    assert done.status_code == 200 and otmm.is_locked("LC-2026-0043") == "dam-integration"


def test_session_mode_without_credentials_says_what_to_set(otmm, dam_cfg):
    with client(dict(dam_cfg, auth_mode="session", username="", password="")) as dam_s:
        with pytest.raises(Exception) as info:
            dam_s.ping()
    assert "DAM_USERNAME" in str(info.value)


def test_otmm_own_token_endpoint_password_grant(otmm, dam_cfg):
    """The OTMM token profile (E1): /otmmapi/v6/sessions/oauth2/token, password grant, token_info answer."""
    cfg = dict(dam_cfg, auth_url=otmm.oauth_base_url + "/v6/sessions/oauth2/token", grant_type="password",
               username=otmm.session_user, password=otmm.session_password)
    with client(cfg) as dam_o:
        assert dam_o.ping()["root_folders"] == 3
    assert counts(otmm, "POST /otmmapi/v6/sessions/oauth2/token") == 1


# -- lock transport (E5, E6, E8) --------------------------------------------------------------------------------------
def test_status_change_through_the_bulk_lock_where_the_single_one_is_refused(otmm, dam):
    otmm.settings(single_lock=False)
    assert dam.set_campaign_status(otmm.folder_id("LC-2026-0043"), "A1", "A2") == "changed"
    assert otmm.campaign_status("LC-2026-0043") == "A2" and otmm.is_locked("LC-2026-0043") is None
    assert counts(otmm, "PUT /otmmapi/v6/assets/state") == 2  # lock and unlock
    assert counts(otmm, "PUT /otmmapi/v6/assets/{id}/state") == 1  # tried once, then remembered


def test_bulk_lock_failure_is_a_failure(otmm, dam_cfg):
    otmm.settings(single_lock=False)
    otmm.lock_as("LC-2026-0043", "jane.doe")
    with client(dam_cfg, lock_mode="bulk") as dam_b:
        with pytest.raises(ServiceError) as info:
            dam_b.set_campaign_status(otmm.folder_id("LC-2026-0043"), "A1", "A2")
    assert "locked in the DAM by jane.doe" in info.value.message  # the refused bulk lock, explained (issue 27.8)
    assert otmm.campaign_status("LC-2026-0043") == "A1"


# -- import jobs (E4, E13, N1) ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", ["job_state", "status", "absent"])
def test_import_confirmed_through_the_job_assets_whatever_the_job_body(otmm, dam, tmp_path, shape):
    otmm.settings(job_shape=shape)
    final = otmm.folder_id("LC-2026-0042", "Final Assets")
    asset_id = dam.import_asset(final, upload(tmp_path), {SPECIAL["tracking_id"]: "K7Q2XM",
                                                          SPECIAL["source_file_id"]: "b-2"}, "local.jpg")
    assert [a["asset_id"] for a in otmm.imported_assets()] == [asset_id]
    assert counts(otmm, "GET /otmmapi/v6/jobs/{id}/assets") >= 1
    assert counts(otmm, "GET /otmmapi/v6/folders/{id}/children") == 0  # no folder scan to confirm it


def test_a_job_finishes_on_the_servers_clock_not_the_clients_polls(otmm, dam_cfg, tmp_path):
    import time
    final = otmm.folder_id("LC-2026-0042", "Final Assets")
    with client(dam_cfg) as dam_c:
        job_id = dam_c._post_import(final, upload(tmp_path), {SPECIAL["tracking_id"]: "K7Q2XM",
                                                              SPECIAL["source_file_id"]: "b-3"}, "lost.jpg")
    time.sleep(0.3)  # the answer was "lost": nobody polls the job
    assert [a["import_job_id"] for a in otmm.imported_assets()] == [int(job_id)]
    with client(dam_cfg) as later:
        found = later.find_imported_asset(final, "K7Q2XM", "b-3", filename="lost.jpg")
    assert found == otmm.imported_assets()[0]["asset_id"]


def test_import_lookup_costs_the_same_however_full_the_folder(otmm, dam, tmp_path):
    final = otmm.folder_id("LC-2026-0042", "Final Assets")
    asset_id = dam.import_asset(final, upload(tmp_path), {SPECIAL["tracking_id"]: "K7Q2XM",
                                                          SPECIAL["source_file_id"]: "b-4"}, "k.jpg")

    def cost():
        otmm.middleware.reset_counters()
        assert dam.find_imported_asset(final, "K7Q2XM", "b-4") == asset_id
        assert dam.find_imported_asset(final, "K7Q2XM", "b-5") is None
        return otmm.middleware.snapshot()["total"]

    small = cost()
    for i in range(250):
        otmm.add_asset(final, "other-{:03d}.jpg".format(i), size=3, fields={SPECIAL["tracking_id"]: "Z{:05d}".format(i)})
    assert cost() == small == 2


# -- full metadata for decisions (E1, E7, E9) -----------------------------------------------------------------------
@pytest.mark.parametrize("detail", ["full", "fields"])
def test_decision_fields_reach_the_workflow_in_either_listing_mode(otmm, dam_cfg, detail):
    with DAMClient(dict(dam_cfg, listing_detail=detail), field_ids=SPECIAL,
                   metadata_fields=[F + "ECOMMERCE_STATUS", F + "REJECTION_REASON", F + "KEYWORDS"]) as dam_d:
        assets = list(dam_d.iter_assets(otmm.folder_id("LC-2026-0050", "Final Assets")))
    banner = [a for a in assets if a.name.startswith("K7Q2XM")][0]
    assert banner.metadata[F + "ECOMMERCE_STATUS"] == "NOT APPROVED"
    assert banner.metadata[F + "REJECTION_REASON"] == "Brand guidelines"
    assert banner.typed_metadata[F + "KEYWORDS"] == {"table": {"FERRERO.COLUMN.KEYWORD": ["spring", "breakfast"]}}


def test_a_slim_listing_would_have_hidden_the_decision_fields(otmm, dam_cfg):
    """Why the client asks: the strict sandbox, like OTMM's UI listings, sends only what is named."""
    with client(dam_cfg, listing_detail="slim") as dam_s:
        assets = list(dam_s.iter_assets(otmm.folder_id("LC-2026-0050", "Final Assets")))
    assert assets and all(F + "ECOMMERCE_STATUS" not in a.metadata for a in assets)


def test_subfolders_listed_completely_without_per_entry_counts(otmm, dam):
    master = otmm.folder_id("LC-2026-0042", "Master Assets")
    otmm.settings(max_page_size=1)
    names = sorted(a.name for a in dam.iter_assets(master))
    assert names == ["banner 300x250.jpg", "banner 728x90.png", "key-visual.jpg", "poster A2.pdf", "teaser.mp4"]


# -- typed writes refused when wrong (E7, E10, E14) -----------------------------------------------------------------
@pytest.mark.parametrize("value, message", [
    ({"table": {F + "KEYWORDS": ["a"]}}, "column"),             # a table id where a column id belongs
    (["a", "b"], "column"),                                      # an untyped list lands under the table id
])
def test_table_written_under_its_id_is_refused(otmm, dam, tmp_path, value, message):
    final = otmm.folder_id("LC-2026-0042", "Final Assets")
    with pytest.raises(ServiceError) as info:
        dam.import_asset(final, upload(tmp_path), {SPECIAL["tracking_id"]: "K7Q2XM", F + "KEYWORDS": value}, "x.jpg")
    assert info.value.status == 400 and message in info.value.message and otmm.imported_assets() == []


def test_a_number_written_as_a_string_is_refused_and_as_a_number_accepted(otmm, dam, tmp_path):
    final = otmm.folder_id("LC-2026-0042", "Final Assets")
    with pytest.raises(ServiceError) as info:
        dam.import_asset(final, upload(tmp_path), {SPECIAL["tracking_id"]: "K7Q2XM", F + "PIECE_COUNT": "12"}, "x.jpg")
    assert info.value.status == 400 and "NUMBER" in info.value.message
    dam.import_asset(final, upload(tmp_path), {SPECIAL["tracking_id"]: "K7Q2XM", F + "PIECE_COUNT": 12}, "x.jpg")
    assert otmm.imported_assets()[0]["fields"][F + "PIECE_COUNT"] == 12


def test_master_metadata_copied_with_its_types(otmm, dam, tmp_path):
    """A master's typed fields (domain, table columns, date) read by iter_assets are accepted back on an import."""
    master = [a for a in dam.iter_assets(otmm.folder_id("LC-2026-0050", "Final Assets"))
              if a.name.startswith("K7Q2XM")][0]
    copied = dict((k, v) for k, v in master.typed_metadata.items())
    copied[SPECIAL["source_file_id"]] = "b-9"
    final = otmm.folder_id("LC-2026-0042", "Final Assets")
    dam.import_asset(final, upload(tmp_path), copied, "copy.jpg")
    fields = otmm.imported_assets()[0]["fields"]
    assert fields[F + "KEYWORDS"] == {"table": {"FERRERO.COLUMN.KEYWORD": ["spring", "breakfast"]}}
    assert fields[F + "BRAND"]["domain"] == "NUTELLA" and fields[F + "APPROVAL_DATE"] == "2026-11-20T00:00:00Z"


# -- smaller points (E1, E6) ------------------------------------------------------------------------------------------
def test_download_sends_accept_any_and_the_sandbox_refuses_json_only(otmm, dam, tmp_path):
    folder = otmm.folder_id("GM-2026-0007", "Final Assets")
    asset_id = otmm.add_asset(folder, "Key visual", size=2000, mime="image/tiff", file_name="key_visual.tif")
    refused = requests.get(otmm.oauth_base_url + "/v6/assets/{}/contents".format(asset_id), timeout=10,
                           headers={"Accept": "application/json",
                                    "Authorization": "Bearer " + dam.tokens.get()})
    assert refused.status_code == 406
    assert dam.download_asset(asset_id, str(tmp_path), name="k.tif").size == 2000
    listed = [a for a in dam.iter_assets(folder) if a.asset_id == asset_id][0]
    assert listed.name == "Key visual.tif"  # the extension comes from master_content_info.name


def test_folder_creation_settles_on_the_oldest_same_named_folder(otmm, dam):
    final = otmm.folder_id("LC-2026-0042", "Final Assets")
    first = dam.create_folder(final, "Banners")
    second = dam.create_folder(final, "Banners")  # OTMM allows two: no 409 rule
    otmm.state.folders[second]["created"] = otmm.state.folders[first]["created"] + 1  # a second later
    assert dam.ensure_folder_path(final, ["Banners"]) == first


def test_two_same_named_folders_of_the_same_second_settle_on_one(otmm, dam_cfg):
    """OTMM dates are whole seconds (E22): racing runs that each created "Banners" in the same second must still all
    pick the same folder (the smaller id), whatever order the DAM lists them in."""
    final = otmm.folder_id("LC-2026-0042", "Final Assets")
    with client(dam_cfg) as one, client(dam_cfg) as two:
        made = [one.create_folder(final, "Banners"), two.create_folder(final, "Banners")]
        for folder_id in made:
            otmm.state.folders[folder_id]["created"] = int(otmm.state.folders[made[0]]["created"])
        dates = [f["date_imported"] for f in one.subfolders(final) if f["asset_id"] in made]
        assert len(dates) == 2 and dates[0] == dates[1] and dates[0].endswith("Z") and "." not in dates[0]
        assert one.ensure_folder_path(final, ["Banners"]) == two.ensure_folder_path(final, ["Banners"]) == min(made)


def test_subfolder_look_up_costs_the_same_however_many_assets_sit_beside(otmm, dam_cfg):
    final = otmm.folder_id("LC-2026-0042", "Final Assets")
    with client(dam_cfg, page_size=10) as dam_c:
        target = dam_c.create_folder(final, "Banners")
        costs = []
        for extra in (0, 120):
            for i in range(extra):
                otmm.add_asset(final, "file {:03d}.jpg".format(i))
            otmm.middleware.reset_counters()
            assert dam_c.find_subfolder(final, "Banners") == target
            costs.append(sum(otmm.middleware.snapshot()["by_endpoint"].values()))
    assert costs == [1, 1] and counts(otmm, "GET /otmmapi/v6/folders/{id}/folders") == 1


def test_without_the_subfolders_route_the_listing_pages_to_the_child_count(otmm, dam_cfg):
    """An instance that serves no /folders/{id}/folders (E20 is a v5 client): the children listing goes on to the
    folder's child count, also past pages that a server caps shorter than asked."""
    final = otmm.folder_id("LC-2026-0042", "Final Assets")
    otmm.settings(subfolders_route=False, max_page_size=7)
    for i in range(30):
        otmm.add_asset(final, "a{:03d}.jpg".format(i))
    with client(dam_cfg, page_size=10) as dam_c:
        target = dam_c.create_folder(final, "zz last")  # listed after every asset (asc_NAME)
        assert dam_c.find_subfolder(final, "zz last") == target


def test_a_failed_create_is_followed_by_a_re_list(otmm, dam):
    final = otmm.folder_id("LC-2026-0042", "Final Assets")
    otmm.middleware.set_faults([{"method": "POST", "path": "/folders/", "status": 500, "count": 5}])
    with pytest.raises(ServiceError):
        dam.ensure_folder_path(final, ["Print"])
    otmm.middleware.set_faults([])
    lister = counts(otmm, "GET /otmmapi/v6/folders/{id}/folders")
    assert lister == 2  # before the create and after its failure


def test_campaigns_found_by_walking_special_root_folders(otmm, dam_cfg):
    with client(dam_cfg, search={"mode": "walk", "walk_depth": 2}) as walker:
        found = walker.find_campaigns("A1")
    assert [campaign.campaign_id for campaign in found] == ["LC-2026-0042", "LC-2026-0043", "LC-2026-0044"]
    assert counts(otmm, "GET /otmmapi/v6/folders/ARTESIA.PUBLIC.TREEN/children") == 1


def test_job_assets_json_shape(otmm, dam, tmp_path):
    final = otmm.folder_id("LC-2026-0042", "Final Assets")
    dam.import_asset(final, upload(tmp_path), {SPECIAL["tracking_id"]: "K7Q2XM"}, "j.jpg")
    job_id = str(otmm.imported_assets()[0]["import_job_id"])
    doc = requests.get(otmm.oauth_base_url + "/v6/jobs/{}/assets".format(job_id), timeout=10,
                       headers={"Authorization": "Bearer " + dam.tokens.get()}).json()
    listed = doc["assets_resource"]["asset_list"][0]
    assert listed["name"] == "j.jpg" and listed["master_content_info"]["mime_type"] == "image/jpeg"
    assert json.dumps(doc).count("asset_id") >= 1


def test_a_folder_refusing_load_type_metadata_is_read_with_full(otmm, dam):
    otmm.settings(folder_load_types=["full", "custom", "system"])
    assert dam.set_campaign_status(otmm.folder_id("LC-2026-0043"), "A1", "A2") == "changed"
    assert dam.get_campaign(otmm.folder_id("LC-2026-0043")).status == "A2"


def test_import_template_id_sent_when_configured(otmm, dam_cfg, tmp_path):
    final = otmm.folder_id("LC-2026-0042", "Final Assets")
    with client(dam_cfg, import_template_id="ARTESIA.IMPORT.TEMPLATE.DEFAULT") as dam_t:
        dam_t.import_asset(final, upload(tmp_path), {SPECIAL["tracking_id"]: "K7Q2XM"}, "t.jpg")
    assert otmm.imported_assets()[0]["import_template_id"] == "ARTESIA.IMPORT.TEMPLATE.DEFAULT"


def test_a_kept_job_id_confirms_an_import_in_one_request(otmm, dam, tmp_path):
    final = otmm.folder_id("LC-2026-0042", "Final Assets")
    jobs = []
    asset_id = dam.import_asset(final, upload(tmp_path), {SPECIAL["tracking_id"]: "K7Q2XM",
                                                          SPECIAL["source_file_id"]: "b-7"}, "kept.jpg",
                                on_job=jobs.append)
    assert jobs == [str(otmm.imported_assets()[0]["import_job_id"])]
    otmm.middleware.reset_counters()
    assert dam.find_imported_asset(final, "K7Q2XM", "b-7", job_id=jobs[0]) == asset_id
    assert otmm.middleware.snapshot()["total"] == 1  # GET /jobs/{id}/assets only


def test_without_a_job_asset_list_the_finished_job_and_the_look_up_confirm(otmm, dam, tmp_path):
    """An instance that does not serve /jobs/{id}/assets: the job state says finished, the search finds the asset."""
    otmm.middleware.set_faults([{"method": "GET", "path": r"/jobs/\d+/assets", "status": 404}])
    final = otmm.folder_id("LC-2026-0042", "Final Assets")
    asset_id = dam.import_asset(final, upload(tmp_path), {SPECIAL["tracking_id"]: "K7Q2XM",
                                                          SPECIAL["source_file_id"]: "b-8"}, "nolist.jpg")
    assert [a["asset_id"] for a in otmm.imported_assets()] == [asset_id]
    assert counts(otmm, "GET /otmmapi/v6/jobs/{id}") >= 1


# -- issue 23: what OpenText's own client (pyxecm, E15-E26) shows ----------------------------------------------------
def test_the_default_operator_is_the_one_opentext_sends(otmm, dam_cfg):
    from scripts.shared.core.config_schema import setting
    assert setting({}, "dam.search.operator_id") == "ARTESIA.OPERATOR.CHAR.CONTAINS"
    otmm.middleware.recording = True
    with client(dam_cfg) as dam_c:
        found = dam_c.find_campaigns("A1")
    assert [c.campaign_id for c in found] == ["LC-2026-0042", "LC-2026-0043", "LC-2026-0044"]


@pytest.mark.parametrize("how", ["refused", "flagged"])
def test_a_search_the_dam_does_not_take_is_a_configuration_error(otmm, dam_cfg, how):
    """An operator the DAM refuses (500 + exception_body, E10) or a condition it flags (contains_invalid_conditions,
    E15) is a configuration error naming the setting, never "no campaigns"."""
    from scripts.shared.core.errors import ConfigError
    cfg = dict(dam_cfg, search={"search_config_id": 3, "operator_id": "ARTESIA.OPERATOR.CHAR.NO_SUCH"})
    if how == "flagged":
        cfg = dict(dam_cfg, fields=dict(dam_cfg["fields"], campaign_status="FERRERO.FIELD.NO_SUCH_STATUS"))
    with client(cfg) as dam_c:
        with pytest.raises(ConfigError) as info:
            dam_c.find_campaigns("A1")
    assert "DAM_SEARCH_OPERATOR_ID" in str(info.value) and info.value.exit_code == 2
    assert ("NO_SUCH" in str(info.value)) if how == "refused" else ("contains_invalid_conditions" in str(info.value))


def test_expired_assets_are_left_out_like_deleted_ones_and_named(otmm, dam):
    masters = otmm.folder_id("LC-2026-0042", "Master Assets")
    listed = list(dam.iter_assets(masters))
    otmm.expire_asset(listed[0].asset_id)
    otmm.delete_asset(listed[1].asset_id)
    expired = []
    again = [a.asset_id for a in dam.iter_assets(masters, expired=expired)]
    assert again == [a.asset_id for a in listed[2:]]
    assert [a.asset_id for a in expired] == [listed[0].asset_id]  # the deleted one is simply gone


@pytest.mark.parametrize("cookie", ["none", "dropped"])
def test_session_mode_without_a_cookie_sends_the_digest(otmm, dam_cfg, tmp_path, cookie):
    """E16: no JSESSIONID from the login (or a gateway that drops it): otmmauthtoken + X-Requested-By carry the
    session, writes and imports included."""
    otmm.settings(session_cookie=cookie)
    otmm.middleware.recording = True
    with client(session_cfg(otmm, dam_cfg)) as dam_s:
        assert dam_s.set_campaign_status(otmm.folder_id("LC-2026-0042"), "A1", "A2") == "changed"
        final = otmm.folder_id("LC-2026-0042", "Final Assets")
        asset_id = dam_s.import_asset(final, upload(tmp_path), {SPECIAL["tracking_id"]: "K7Q2XM",
                                                                SPECIAL["source_file_id"]: "b-9"}, "local.jpg")
    assert otmm.campaign_status("LC-2026-0042") == "A2"
    assert [a["asset_id"] for a in otmm.imported_assets()] == [asset_id]
    logins = counts(otmm, "POST /otmmapi/v6/sessions")
    assert logins == (1 if cookie == "none" else 2)  # a refused cookie costs one more login, then the digest


def test_one_session_serves_several_ticks(otmm, dam_cfg, tmp_path):
    cfg = dict(session_cfg(otmm, dam_cfg), token_cache_dir=str(tmp_path / "tokens"))
    for _ in range(2):  # two cron ticks, two processes' worth of clients
        with client(cfg) as dam_s:
            assert dam_s.ping()["root_folders"] == 3
    assert counts(otmm, "POST /otmmapi/v6/sessions") == 1
    otmm.expire_tokens()  # the DAM forgot it: the next tick logs in again
    with client(cfg) as dam_s:
        assert dam_s.ping()["root_folders"] == 3
    assert counts(otmm, "POST /otmmapi/v6/sessions") == 2


@pytest.mark.parametrize("holder, released", [("dam-integration", True), ("maria.rossi", False)])
def test_a_lock_left_behind_is_released_only_when_the_integration_user_holds_it(otmm, dam, holder, released):
    """E19: the status already moved and the folder is still locked; only the integration user's own lock (an
    interrupted run) is released, a person's edit lock is left alone."""
    otmm.set_campaign_status("LC-2026-0043", "A2")
    otmm.lock_as("LC-2026-0043", holder)
    assert dam.set_campaign_status(otmm.folder_id("LC-2026-0043"), "A1", "A2") == "already"
    assert otmm.is_locked("LC-2026-0043") == (None if released else holder)
