"""The OTMM sandbox itself: its command line, the /_sandbox/ control endpoints, the API wrappers and errors, big
generated files served as a stream, and a 200 MB download through the client whose memory stays flat."""
# ruff: noqa: F811  (pytest fixtures imported from dam_fixtures are parameters of the tests)
import json
import os
import subprocess
import sys

import pytest
import requests

from tests.integration.dam_fixtures import ROOT, SPECIAL, dam, dam_cfg, otmm, otmm_pki_dir  # noqa: F401


def control(sandbox, method, path, payload=None):
    response = requests.request(method, sandbox.http.url + path, json=payload, timeout=10)
    response.raise_for_status()
    return response.json()


def bearer(sandbox):
    token = requests.post(sandbox.token_url, data={"grant_type": "client_credentials", "client_id": sandbox.client_id,
                                                   "client_secret": sandbox.client_secret}, timeout=10).json()
    return {"Authorization": "Bearer " + token["access_token"]}


def test_cli_prints_its_urls_and_serves(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "sandbox.otmm_server", "--data-dir", str(tmp_path / "otmm")],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    try:
        line = proc.stdout.readline()
        urls = json.loads(line)
        assert set(urls) >= {"DAM_BASE_URL", "DAM_AUTH_URL", "DAM_MTLS_BASE_URL", "DAM_CA_BUNDLE", "DAM_CLIENT_ID",
                             "DAM_CLIENT_SECRET", "DAM_MTLS_CERT_PATH"}
        token = requests.post(urls["DAM_AUTH_URL"], data={"grant_type": "client_credentials",
                                                          "client_id": urls["DAM_CLIENT_ID"],
                                                          "client_secret": urls["DAM_CLIENT_SECRET"]}, timeout=10)
        headers = {"Authorization": "Bearer " + token.json()["access_token"]}
        roots = requests.get(urls["DAM_BASE_URL"] + "/v6/folders/rootfolders", headers=headers, timeout=10)
        listed = roots.json()["folders_resource"]["folder_list"]
        assert [f["name"] for f in listed] == ["Public Folders", "Campaigns", "My Folders"]
        assert listed[0]["asset_id"] == "ARTESIA.PUBLIC.TREEN" and listed[2]["asset_id"] == "dam-integrationN"
        state = requests.get(urls["DAM_BASE_URL"].rsplit("/otmmapi", 1)[0] + "/_sandbox/state", timeout=10).json()
        assert state["campaigns"]["LC-2026-0042"]["status"] == "A1"
    finally:
        proc.terminate()
        proc.wait(10)


def test_api_wrappers_and_errors(otmm):
    headers = bearer(otmm)
    api = otmm.oauth_base_url + "/v6"
    assert requests.get(api + "/folders/rootfolders", timeout=10).status_code == 401
    unauth = requests.get(api + "/folders/rootfolders", timeout=10).json()
    assert unauth["exception_body"]["message"]
    folder = otmm.folder_id("LC-2026-0050")
    doc = requests.get(api + "/folders/" + folder, params={"load_type": "metadata"}, headers=headers,
                       timeout=10).json()["folder_resource"]["folder"]
    assert doc["data_type"] == "CONTAINER" and "container_child_counts" not in doc  # counts only when asked
    counted = requests.get(api + "/folders/" + folder, headers=headers, timeout=10, params={
        "load_type": "custom", "data_load_request": json.dumps({"data_load_request": {"child_count_load_type":
                                                                                       "both"}})}).json()
    assert counted["folder_resource"]["folder"]["container_child_counts"]["container_count"] == 2
    group = doc["metadata"]["metadata_element_list"][0]
    assert group["type"] == "com.artesia.metadata.MetadataCategory"
    final = otmm.folder_id("LC-2026-0050", "Final Assets")
    def listed_fields(params):
        page = requests.get(api + "/folders/{}/children".format(final), params=dict(params, after=1, limit=2,
                                                                                      load_type="metadata"),
                            headers=headers, timeout=10).json()["folder_children"]["asset_list"]
        assert len(page) == 2 and all("container_child_counts" not in e for e in page)
        return [e["id"] for e in page[0]["metadata"]["metadata_element_list"][0]["metadata_element_list"]]

    assert listed_fields({"level_of_detail": "slim"}) == []  # a slim listing carries only what it names
    assert listed_fields({"level_of_detail": "slim", "metadata_to_return": "FERRERO.FIELD.ECOMMERCE_STATUS"}) == [
        "FERRERO.FIELD.ECOMMERCE_STATUS"]
    assert {"FERRERO.FIELD.ECOMMERCE_STATUS", "FERRERO.FIELD.BRAND"} <= set(listed_fields({"level_of_detail": "full"}))
    assert listed_fields({"level_of_detail": "slim",  # the OTMM UI's gallery preference: no decision fields
                          "preference_id": "ARTESIA.PREFERENCE.GALLERYVIEW.DISPLAYED_FIELDS"}) == [
        "FERRERO.FIELD.DESCRIPTION"]
    missing = requests.get(api + "/assets/" + "0" * 40, headers=headers, timeout=10)
    assert missing.status_code == 404 and "does not exist" in missing.json()["exception_body"]["message"]
    bad_lock = requests.put(api + "/assets/{}/state".format(folder), data={"action": "explode"}, headers=headers,
                            timeout=10)
    assert bad_lock.status_code == 400
    query_lock = requests.put(api + "/assets/{}/state".format(folder), params={"action": "lock"}, headers=headers,
                              timeout=10)  # action only from a form body, as real OTMM PUTs send it (E6, E8)
    assert query_lock.status_code == 400 and "form" in query_lock.json()["exception_body"]["message"]
    assert not otmm.is_locked("LC-2026-0050")


def test_a_route_answers_its_own_methods_and_a_path_without_one_is_404(otmm):
    """The routing table (otmm_server.ROUTES): outside the API a path is 404 at once; below it the credential comes
    first (401), then 404; a route answers only the methods of its row, so GET /assets/state reads an asset called
    "state" (the bulk lock route is PUT only); a trailing slash is the same route; the single lock route answers
    405 when the instance is switched to the bulk form only."""
    api = otmm.oauth_base_url + "/v6"
    outside = requests.get(otmm.http.url + "/elsewhere", timeout=10)
    assert outside.status_code == 404 and outside.json()["exception_body"]["message"] == "No resource at /elsewhere"
    assert requests.get(api + "/nothing", timeout=10).status_code == 401
    headers = bearer(otmm)
    missing = requests.get(api + "/nothing", headers=headers, timeout=10)
    assert missing.status_code == 404
    assert missing.json()["exception_body"]["message"] == "No resource at GET /otmmapi/v6/nothing"
    assert requests.delete(api + "/search/text", headers=headers, timeout=10).status_code == 404
    state = requests.get(api + "/assets/state", headers=headers, timeout=10)
    assert state.status_code == 404 and "Asset state does not exist" in state.json()["exception_body"]["message"]
    folder = otmm.folder_id("LC-2026-0050")
    again = requests.get(api + "/folders/" + folder + "/", headers=headers, timeout=10)
    assert again.json()["folder_resource"]["folder"]["asset_id"] == folder
    otmm.settings(single_lock=False)
    refused = requests.put(api + "/assets/{}/state".format(folder), data={"action": "lock"}, headers=headers,
                           timeout=10)
    assert refused.status_code == 405 and not otmm.is_locked("LC-2026-0050")

def test_control_endpoints(otmm):
    state = control(otmm, "GET", "/_sandbox/state")["campaigns"]
    assert state["LC-2026-0050"]["status"] == "A5" and len(state["LC-2026-0050"]["assets"]) == 5
    asset = state["LC-2026-0043"]["assets"][0]
    assert asset["path"] == "Master Assets" and len(asset["sha1"]) == 40
    new = control(otmm, "POST", "/_sandbox/campaigns", {"number": "LC-2026-0100", "name": "Late", "status": "A1",
                                                        "type": "Local comm", "folders": {"Master Assets": {}}})
    master = control(otmm, "POST", "/_sandbox/folder", {"number": "LC-2026-0100", "path": ["Master Assets"]})
    added = control(otmm, "POST", "/_sandbox/assets", {"folder_id": master["folder_id"], "name": "late.jpg",
                                                       "size": 1234, "fields": {SPECIAL["tracking_id"]: "ABC123"}})
    assert otmm.assets_under(new["folder_id"])[0]["asset_id"] == added["asset_id"]
    control(otmm, "POST", "/_sandbox/campaign_status", {"number": "LC-2026-0100", "status": "A2"})
    control(otmm, "POST", "/_sandbox/lock", {"number": "LC-2026-0100", "user": "someone"})
    state = control(otmm, "GET", "/_sandbox/state")["campaigns"]["LC-2026-0100"]
    assert state["status"] == "A2" and state["locked"] is True and state["assets"][0]["size"] == 1234
    headers = bearer(otmm)
    control(otmm, "POST", "/_sandbox/expire_tokens")
    assert requests.get(otmm.oauth_base_url + "/v6/folders/rootfolders", headers=headers,
                        timeout=10).status_code == 401
    control(otmm, "POST", "/_sandbox/settings", {"token_shape": "otmm", "token_lifetime": 60, "job_delay": 0})
    body = requests.post(otmm.token_url, data={"grant_type": "client_credentials", "client_id": otmm.client_id,
                                               "client_secret": otmm.client_secret}, timeout=10).json()
    assert body["token_info"]["oauth_token"]["expiresIn"] == 60
    control(otmm, "POST", "/_sandbox/fail_next_imports", {"count": 2})
    assert otmm.state.fail_next_imports == 2
    under = control(otmm, "POST", "/_sandbox/assets_under", {"folder_id": new["folder_id"]})["assets"]
    assert [(a["path"], a["name"], a["fields"]) for a in under] == [("Master Assets", "late.jpg",
                                                                     {SPECIAL["tracking_id"]: "ABC123"})]
    assert control(otmm, "GET", "/_sandbox/imported") == {"assets": []}


def test_a_2_gb_asset_is_served_as_a_stream(otmm):
    folder = otmm.folder_id("GM-2026-0007", "Final Assets")
    size = 2 * 1024 ** 3 + 7
    asset_id = otmm.add_asset(folder, "huge.mov", size=size, mime="video/quicktime")
    import psutil
    before = psutil.Process().memory_info().rss
    with requests.get(otmm.oauth_base_url + "/v6/assets/{}/contents".format(asset_id), headers=bearer(otmm),
                      stream=True, timeout=30) as response:
        assert int(response.headers["Content-Length"]) == size
        read = 0
        for chunk in response.iter_content(1024 * 1024):
            read += len(chunk)
            if read >= 64 * 1024 * 1024:
                break
    assert read >= 64 * 1024 * 1024
    assert psutil.Process().memory_info().rss - before < 100 * 1024 * 1024


@pytest.mark.slow
def test_200_mb_download_keeps_memory_flat(otmm, dam_cfg, tmp_path):
    """The client streams both ways: the peak RSS of a process downloading then importing 200 MB stays flat."""
    size = 200 * 1024 * 1024
    asset_id = otmm.add_asset(otmm.folder_id("GM-2026-0007", "Final Assets"), "big.mp4", size=size)
    script = (
        "import json, sys\n"
        "def hwm():  # VmHWM: this process's own peak (ru_maxrss would keep the forking parent's peak across exec)\n"
        "    return int([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])\n"
        "sys.path.insert(0, {root!r})\n"
        "from scripts.shared.dam.dam_client import DAMClient\n"
        "cfg, asset_id, dest = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]\n"
        "with DAMClient(cfg, field_ids={special!r}) as client:\n"
        "    client.ping()\n"
        "    base = hwm()\n"
        "    result = client.download_asset(asset_id, dest, name='big.mp4', expected_size={size})\n"
        "    peak = hwm()\n"
        "    meta = {{{tid!r}: 'BIG001', {src!r}: 'box-1'}}\n"
        "    imported = client.import_asset(sys.argv[4], result.path, meta, 'BIG001_it_big.mp4')\n"
        "    peak_import = hwm()\n"
        "print(json.dumps(dict(result._asdict(), base_kb=base, peak_kb=peak, peak_import_kb=peak_import, imported=imported)))\n"
        ).format(root=ROOT, size=size, tid=SPECIAL["tracking_id"], src=SPECIAL["source_file_id"],
                special=SPECIAL)
    target = otmm.folder_id("LC-2026-0042", "Final Assets")
    out = subprocess.run([sys.executable, "-c", script, json.dumps(dam_cfg), asset_id, str(tmp_path), target],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["size"] == size == os.path.getsize(result["path"])
    assert result["sha1"] == otmm.asset_content_sha1(asset_id)
    assert result["peak_kb"] - result["base_kb"] < 30 * 1024, result  # growth under 30 MB for 200 MB moved
    assert result["peak_kb"] < 120 * 1024, result
    # the import streams the same file from disk (multipart body never built in memory)
    assert result["peak_import_kb"] - result["base_kb"] < 30 * 1024, result
    imported = otmm.imported_assets()
    assert [a["asset_id"] for a in imported] == [result["imported"]]
    assert imported[0]["size"] == size and imported[0]["sha1"] == result["sha1"]
