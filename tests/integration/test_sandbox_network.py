"""The stand-ins' network switch (sandbox/network.py) over real sockets: with it on, an OTMM download and a Box upload
of N bytes take at least N / bandwidth and every request at least the round trip; with it off they do not; the bytes
and their digests arrive intact either way. Lower bounds only (a busy machine can make a transfer slower, never
faster than its pace); the off case has a margin of 10x or more on loopback."""
import base64
import hashlib
import json
import os
import time
import uuid

import pytest
import requests

from sandbox.box_server import BoxSandbox
from sandbox.lab import Lab
from sandbox.network import Pace
from sandbox.otmm_server import OTMMSandbox
from sandbox.remote import RemoteOTMM

MiB = 1024 * 1024
SIZE = 2 * MiB
BANDWIDTH = 2 * MiB  # 2 MiB at 2 MiB/s: at least 1 s (with the switch off, a loaded CI machine must stay well under)
FLOOR = SIZE / float(BANDWIDTH)


@pytest.fixture
def otmm(tmp_path, sandbox_pki_dir):
    sandbox = OTMMSandbox(seed={"campaigns": []}, data_dir=str(tmp_path / "otmm"), pki_dir=sandbox_pki_dir).start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def box(tmp_path):
    sandbox = BoxSandbox(data_dir=str(tmp_path / "box")).start()
    yield sandbox
    sandbox.stop()


def otmm_asset(otmm, size=SIZE):
    otmm.add_campaign({"number": "NW-0001", "name": "network", "status": "A1", "type": "Local comm",
                       "global": "GM-0001", "agency": "a@example.com",
                       "folders": {"Master Assets": {"assets": [{"name": "clip.mov", "size": size,
                                                                 "mime": "application/octet-stream"}]}}})
    asset = otmm.assets_under(otmm.folder_id("NW-0001", "Master Assets"))[0]
    token = requests.post(otmm.token_url, timeout=10, data={
        "grant_type": "client_credentials", "client_id": otmm.client_id,
        "client_secret": otmm.client_secret}).json()["access_token"]
    return asset, {"Authorization": "Bearer " + token}


def timed_download(base_url, asset_id, headers):
    started = time.monotonic()
    r = requests.get("{}/v6/assets/{}/contents".format(base_url, asset_id), headers=headers, timeout=30)
    return time.monotonic() - started, r


def box_token(box):
    token = uuid.uuid4().hex + uuid.uuid4().hex
    with box.state.lock:
        box.state.tokens[token] = time.time() + 3600
    return {"Authorization": "Bearer " + token}


def payload(size, seed):
    block = hashlib.sha256(seed.encode()).digest() * (MiB // 32)
    return (block * (size // MiB + 1))[:size]


# -- OTMM downloads ------------------------------------------------------------------------------------------------
def test_an_otmm_download_takes_its_size_over_the_bandwidth_and_arrives_whole(otmm):
    asset, headers = otmm_asset(otmm)
    otmm.set_network(bandwidth_bytes_per_s=BANDWIDTH)
    paced, r = timed_download(otmm.oauth_base_url, asset["asset_id"], headers)
    assert r.status_code == 200 and len(r.content) == SIZE
    assert hashlib.sha1(r.content).hexdigest() == asset["sha1"]
    assert paced >= FLOOR

    otmm.set_network(0, 0)
    unpaced, r = timed_download(otmm.oauth_base_url, asset["asset_id"], headers)
    assert hashlib.sha1(r.content).hexdigest() == asset["sha1"]
    assert unpaced < FLOOR


def test_the_round_trip_is_added_once_to_every_request_and_not_to_control_calls(otmm):
    asset, headers = otmm_asset(otmm, size=1000)
    otmm.set_network(rtt_ms=1000)
    started = time.monotonic()
    r = requests.get("{}/v6/assets/{}".format(otmm.oauth_base_url, asset["asset_id"]), headers=headers, timeout=10)
    slow = time.monotonic() - started
    assert r.status_code == 200 and slow >= 1.0
    started = time.monotonic()
    assert requests.get(otmm.http.url + "/_sandbox/network", timeout=10).json() == {
        "bandwidth_bytes_per_s": 0, "rtt_ms": 1000}
    assert time.monotonic() - started < 1.0  # the switch's own control endpoint is not behind the link

    otmm.set_network(0, 0)
    started = time.monotonic()
    requests.get("{}/v6/assets/{}".format(otmm.oauth_base_url, asset["asset_id"]), headers=headers, timeout=10)
    assert time.monotonic() - started < 1.0


def test_a_bad_setting_is_refused_with_its_reason(otmm):
    r = requests.post(otmm.http.url + "/_sandbox/network", json={"bandwidth_bytes_per_s": -1}, timeout=10)
    assert r.status_code == 400 and "bandwidth_bytes_per_s and rtt_ms must be >= 0" in r.json()["error"]
    assert otmm.middleware.network.setting() == {"bandwidth_bytes_per_s": 0, "rtt_ms": 0}


# -- Box uploads ---------------------------------------------------------------------------------------------------
def simple_upload(box, headers, name, data):
    attributes = json.dumps({"name": name, "parent": {"id": box.roots["a1_a2"]}})
    started = time.monotonic()
    r = requests.post(box.upload_base_url + "/files/content", headers=headers, timeout=30,
                      files=[("attributes", (None, attributes, "application/json")), ("file", (name, data))])
    return time.monotonic() - started, r


def test_a_box_simple_upload_body_is_read_at_the_bandwidth_and_stored_whole(box):
    headers = box_token(box)
    data = payload(SIZE, "simple")
    box.set_network(bandwidth_bytes_per_s=BANDWIDTH)
    paced, r = simple_upload(box, headers, "paced.bin", data)
    assert r.status_code == 201, r.text
    entry = r.json()["entries"][0]
    assert entry["sha1"] == hashlib.sha1(data).hexdigest() and box.file_bytes(entry["id"]) == data
    assert paced >= FLOOR

    box.set_network(0, 0)
    unpaced, r = simple_upload(box, headers, "unpaced.bin", data)
    assert r.status_code == 201 and box.file_bytes(r.json()["entries"][0]["id"]) == data
    assert unpaced < FLOOR


def chunked_upload(box, headers, name, data):
    """One upload session, part by part; returns (seconds the part PUTs took, the commit's answer)."""
    session = requests.post(box.upload_base_url + "/files/upload_sessions", headers=headers, timeout=10, json={
        "folder_id": box.roots["a1_a2"], "file_size": len(data), "file_name": name}).json()
    part, parts = session["part_size"], []
    started = time.monotonic()
    for lo in range(0, len(data), part):
        piece = data[lo:lo + part]
        digest = base64.b64encode(hashlib.sha1(piece).digest()).decode()
        r = requests.put(session["session_endpoints"]["upload_part"], data=piece, timeout=30, headers=dict(
            headers, **{"Digest": "sha=" + digest, "Content-Type": "application/octet-stream",
                        "Content-Range": "bytes {}-{}/{}".format(lo, lo + len(piece) - 1, len(data))}))
        assert r.status_code == 200, r.text
        parts.append(r.json()["part"])
    spent = time.monotonic() - started
    whole = base64.b64encode(hashlib.sha1(data).digest()).decode()
    return spent, requests.post(session["session_endpoints"]["commit"], json={"parts": parts}, timeout=30,
                                headers=dict(headers, Digest="sha=" + whole))


def test_box_session_parts_are_read_at_the_bandwidth_and_the_file_is_whole(box):
    headers = box_token(box)
    data = payload(20 * 1000 * 1000 + 12345, "chunked")  # Box's smallest session: 20 MB (3 parts of 8 MiB)
    bandwidth = 12 * MiB  # at least 1.6 s for the 20 MB: far above the same upload with the switch off
    box.set_network(bandwidth_bytes_per_s=bandwidth)
    paced, r = chunked_upload(box, headers, "paced.mov", data)
    assert r.status_code == 201, r.text
    entry = r.json()["entries"][0]
    assert entry["sha1"] == hashlib.sha1(data).hexdigest() and box.file_bytes(entry["id"]) == data
    assert paced >= len(data) / float(bandwidth)

    box.set_network(0, 0)
    unpaced, r = chunked_upload(box, headers, "unpaced.mov", data)
    assert r.status_code == 201 and box.file_bytes(r.json()["entries"][0]["id"]) == data
    assert unpaced < len(data) / float(bandwidth)


# -- the proxies: subprocess servers (the bench) and the lab -------------------------------------------------------
def test_the_subprocess_stand_in_takes_the_setting_over_http(tmp_path, sandbox_pki_dir):
    remote = RemoteOTMM(str(tmp_path / "otmm"), pki_dir=sandbox_pki_dir, seed={"campaigns": []}).start()
    try:
        assert remote.set_network(bandwidth_bytes_per_s=BANDWIDTH, rtt_ms=40) == {
            "bandwidth_bytes_per_s": BANDWIDTH, "rtt_ms": 40}
        folder = remote.add_campaign({"number": "NW-0002", "name": "n", "status": "A1", "type": "Local comm",
                                      "global": "GM-1", "agency": "a@example.com",
                                      "folders": {"Master Assets": {"assets": [{"name": "a.bin", "size": SIZE}]}}})
        assert folder
        asset_id = remote.asset_ids(remote.folder_id("NW-0002", "Master Assets"))[0]
        paced, r = timed_download(remote.oauth_base_url, asset_id, {"Authorization": "Bearer " + remote.token()})
        assert len(r.content) == SIZE and paced >= FLOOR + 0.04
    finally:
        remote.stop()


def test_a_lab_sets_both_stand_ins_switches_at_start(tmp_path, sandbox_pki_dir):
    lab = Lab(str(tmp_path / "lab"), db_settings={"host": "127.0.0.1", "port": 1, "name": "x", "user": "x",
                                                  "password": "x"},
              seed={"campaigns": []}, pki_dir=sandbox_pki_dir, network={"bandwidth_bytes_per_s": 1000000,
                                                                         "rtt_ms": 5})
    with lab:
        for side in (lab.otmm, lab.box):
            assert side.middleware.network.setting() == {"bandwidth_bytes_per_s": 1000000, "rtt_ms": 5}
        lab.set_network(0, 0)
        assert lab.box.middleware.network.setting() == {"bandwidth_bytes_per_s": 0, "rtt_ms": 0}


# -- the bucket's accuracy, on a clock the test drives ---------------------------------------------------------------
def test_the_bucket_paces_64_mib_at_16_mib_s_to_4_seconds(monkeypatch):
    """A 64 MiB transfer at 16 MiB/s takes 4 s of the link's clock (not 3, not 6), in short sleeps."""
    import sandbox.network as network
    clock = {"now": 1000.0, "sleeps": []}

    def pause(seconds):
        clock["sleeps"].append(seconds)
        clock["now"] += seconds + 0.0003  # a sleep overshoots a little, as a real one does

    monkeypatch.setattr(network.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(network, "_pause", pause)
    pace = Pace(16 * MiB)
    start = clock["now"]
    sent = 0
    while sent < 64 * MiB:
        n = min(pace.slice, 64 * MiB - sent)
        pace.take(n)
        sent += n
    assert 4.0 <= clock["now"] - start <= 4.0 + len(clock["sleeps"]) * 0.0003 + 0.001
    assert max(clock["sleeps"]) <= network.SLICE_S


def test_the_answer_is_cut_into_slices_without_losing_or_adding_bytes():
    from sandbox.network import PacedAnswer
    chunks = [os.urandom(100000), b"", os.urandom(3 * MiB + 7)]
    paced = PacedAnswer(iter(chunks), 1 << 40)  # fast enough to take no time
    assert b"".join(paced) == b"".join(chunks)
