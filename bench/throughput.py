"""Figure (b) of `make bench` (issue 26, points 1-3): A1->A2 on large files against the protocol it must speak.

  (b1) same protocol, fair peer: A1->A2 (8 x 128 MiB, TRANSFER_CONCURRENCY=4) against bench/peer.py's streamed
       reference (DAM download, Box upload session, same part size, per-part and whole-file SHA-1, 4 lanes) on
       loopback: the product's speed as a multiple of the peer's (target >= 1.0);
  (b2) a network that behaves like one: the same with the stand-ins' network switch (per connection 16 MiB/s and
       40 ms a request) against the floor (bytes / (lanes x bandwidth) + the protocol's round trips + one part per
       asset, which must be whole before it is sent: its SHA-1 goes in the header) and against a peer that
       downloads each asset to disk before it uploads it (target: within 10 % of the floor, ahead of that peer);
  (b3) CPU per GiB, from (b1)'s loopback runs: the script's CPU net of an idle tick's (measured in the same run)
       against the peer's CPU net of its own start-up (target <= 1.1x) and against the hashing floor, hashlib over
       the same bytes in this process: SHA-1 of each part and of the whole file (the DAM stand-in publishes no MD5
       checksum for these assets, so no MD5) (target <= 1.5x).

Every ratio is taken between runs of one `make bench`; each run makes a fresh campaign. What bounds a miss is measured
in the same runs: Box's calls budget for the run's calls (b1), the part PUT time the Box stand-in delivers under the
switch and the product's transfer phase from its log (b2), the sandboxes' CPU for each side (b3).
"""
import json
import os
import statistics
import subprocess
import tempfile
import time
import uuid

from bench.common import ROOT, ok, spread, stats
from bench.growth import calls_budget_floor
from bench.latency import lifted_budget, phase_seconds

MiB = 1024 * 1024
GiB = 1024 * MiB
SWITCH = {"bandwidth_bytes_per_s": 16 * MiB, "rtt_ms": 40}


# -- the peer as its own process ---------------------------------------------------------------------------------
def run_peer(b, mode, asset_ids, size, lanes):
    """bench/peer.py in ``mode`` over ``asset_ids`` into a fresh Box folder; its report plus its CPU seconds (the
    child's rusage) and the Box files it made (checked: one per asset, each of ``size`` bytes)."""
    lab = b.lab
    folder = lab.box.ensure_folder(lab.box.roots["a1_a2"], "peer-{}-{}".format(mode, uuid.uuid4().hex[:8]))
    spec = {"mode": mode, "lanes": lanes, "assets": [{"id": a, "size": size} for a in asset_ids],
            "dam_base_url": lab.otmm.oauth_base_url, "dam_token_url": lab.otmm.token_url,
            "dam_client_id": lab.otmm.client_id, "dam_client_secret": lab.otmm.client_secret,
            "box_upload_base_url": lab.box.upload_base_url, "box_token": lab.box.token(), "box_folder_id": folder,
            "scratch_dir": tempfile.mkdtemp(prefix="peer-", dir=b.workdir)}
    spec_path = os.path.join(b.workdir, "peer-{}.json".format(uuid.uuid4().hex[:8]))
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    out_path = spec_path + ".out"
    started = time.perf_counter()
    with open(out_path, "w+b") as out:
        child = subprocess.Popen([lab.product_python, "-m", "bench.peer", spec_path], cwd=ROOT, stdout=out,
                                 stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)  # the child's own rusage: its CPU alone
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    for path in (spec_path, out_path):
        os.remove(path)
    os.rmdir(spec["scratch_dir"])
    if child.returncode != 0:
        raise RuntimeError("bench.peer {} exited {}:\n{}".format(mode, child.returncode, output[-3000:]))
    report = json.loads(output.strip().splitlines()[-1])
    report.update(process_wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime)
    if mode != "idle":
        files = lab.box.tree(folder)["files"]
        if len(files) != len(asset_ids) or any(info.get("size") != size for info in files.values()):
            raise RuntimeError("bench.peer {} left {} of {} files in Box".format(mode, len(files), len(asset_ids)))
    return report


def _hashing_floor(b, asset_ids, size, part_size):
    """CPU seconds this process spends on hashlib alone over the assets' bytes: SHA-1 of each part and of the whole
    file (the work the protocol asks for). The bytes come from the DAM stand-in; only the hashing is timed."""
    import hashlib
    import requests
    from bench.peer import read_exactly
    token = b.lab.otmm.token()
    spent = 0.0
    with requests.Session() as http:
        for asset_id in asset_ids:
            answer = http.get("{}/v6/assets/{}/contents".format(b.lab.otmm.oauth_base_url, asset_id), stream=True,
                              headers={"Authorization": "Bearer " + token, "Accept": "*/*"})
            answer.raise_for_status()
            with answer:
                started = time.thread_time()
                whole = hashlib.sha1()  # nosec B324
                spent += time.thread_time() - started
                for _ in range((size + part_size - 1) // part_size):
                    data = read_exactly(answer.raw, part_size)
                    started = time.thread_time()
                    hashlib.sha1(data).digest()  # nosec B324
                    whole.update(data)
                    spent += time.thread_time() - started
                started = time.thread_time()
                whole.hexdigest()
                spent += time.thread_time() - started
    return spent


# -- the figures ---------------------------------------------------------------------------------------------------
def floor_seconds(count, size, lanes, part_size, network):
    """The least time the protocol allows under ``network`` (per connection bandwidth and a round trip per request):
    every lane moves its share of the bytes at the bandwidth; each of its requests costs one round trip (the DAM
    token once; per asset the DAM GET, the session, each part, the commit); and each asset's first part must be
    whole before it can be sent (its SHA-1 goes in the part's header), so one part's download is never hidden."""
    bw, rtt = float(network["bandwidth_bytes_per_s"]), network["rtt_ms"] / 1000.0
    per_lane = -(-count // lanes)
    parts = -(-size // part_size)
    terms = {"bytes_s": count * size / (lanes * bw), "round_trips": 1 + per_lane * (3 + parts),
             "first_parts_s": per_lane * min(part_size, size) / bw}
    terms["round_trips_s"] = terms["round_trips"] * rtt
    terms["ideal_part_put_s"] = min(part_size, size) / bw + rtt
    terms["floor_s"] = terms["bytes_s"] + terms["round_trips_s"] + terms["first_parts_s"]
    return terms


def delivered_floor_seconds(floor, count, size, lanes, part_size, network, part_put_s):
    """The floor again with each part PUT taking what the Box stand-in took for one in the same run (from memory,
    all lanes at once) instead of part / bandwidth + one round trip: what the protocol allows on this stand-in."""
    bw, rtt = float(network["bandwidth_bytes_per_s"]), network["rtt_ms"] / 1000.0
    per_lane, parts = -(-count // lanes), -(-size // part_size)
    return rtt + per_lane * (3 * rtt + min(part_size, size) / bw + parts * part_put_s)


def _product(b, campaign_id, lanes, profiled=False):
    b.free_box_blobs()
    b.reset_box_budget()
    b.reset_counters()
    before = b.server_cpu_s()
    # BENCH_PROFILE=FILE: the loopback runs under bench.profile_run (their figures then include the profiler's own
    # cost: for docs/performance.md's profile, not for the figures)
    profile = os.environ.get("BENCH_PROFILE") if profiled else None
    result = b.run_product(campaign_id, concurrency=lanes,
                           python_args=["-m", "bench.profile_run", os.path.abspath(profile)] if profile else ())
    after = b.server_cpu_s()
    result["box_calls"] = b.counters()["box"]["total"]
    b.free_box_blobs()
    result["box_sandbox_cpu_s"] = _delta(before, after, "box")
    return result


def _peer(b, mode, ids, size, lanes):
    before = b.server_cpu_s()
    report = run_peer(b, mode, ids, size, lanes)
    report["box_sandbox_cpu_s"] = _delta(before, b.server_cpu_s(), "box")
    b.free_box_blobs()
    return report


def _delta(before, after, side):
    return None if before.get(side) is None or after.get(side) is None else after[side] - before[side]


def _loopback_run(b, i, count, size, lanes):
    b.run_product(None)  # a first tick may migrate a fresh database: not the idle tick's cost
    idle = b.run_product(None)
    if "No A1 campaigns found" not in idle["output"]:
        raise RuntimeError("the idle tick found work:\n" + idle["output"][-2000:])
    peer_idle = run_peer(b, "idle", [], size, lanes)
    campaign_id = b.campaign([("large-{}.mxf".format(k), size) for k in range(count)], "throughput")
    ids = b.master_asset_ids(campaign_id)
    if i % 2:  # alternate who goes first: a busy moment on the shared machine does not always hit the same side
        product = _product(b, campaign_id, lanes, profiled=True)
        peer = _peer(b, "stream", ids, size, lanes)
    else:
        peer = _peer(b, "stream", ids, size, lanes)
        product = _product(b, campaign_id, lanes, profiled=True)
    lifted_id = b.campaign([("lifted-{}.mxf".format(k), size) for k in range(count)], "throughput lifted")
    with lifted_budget(b):  # the product's transfer path without Box's per-user calls budget (bench only)
        lifted = _product(b, lifted_id, lanes)
    hashing = _hashing_floor(b, ids, size, peer["part_size"])
    run = {"product_wall_s": product["wall_s"], "peer_wall_s": peer["process_wall_s"],
           "lifted_product_wall_s": lifted["wall_s"], "product_cpu_s": product["cpu_s"], "idle_tick_cpu_s": idle["cpu_s"], "peer_cpu_s": peer["cpu_s"],
           "peer_idle_cpu_s": peer_idle["cpu_s"], "hashing_cpu_s": hashing, "part_size": peer["part_size"],
           "product_box_sandbox_cpu_s": product["box_sandbox_cpu_s"],
           "peer_box_sandbox_cpu_s": peer["box_sandbox_cpu_s"], "peer_requests": peer["requests"],
           "product_box_calls": product["box_calls"], "calls_budget": calls_budget_floor(product["box_calls"])}
    run["product_net_cpu_s"] = run["product_cpu_s"] - run["idle_tick_cpu_s"]
    run["peer_net_cpu_s"] = run["peer_cpu_s"] - run["peer_idle_cpu_s"]
    print("  (b1) run {}: A1->A2 {:.2f}s ({} Box calls: >= {:.2f}s under the calls budget; {:.2f}s with it lifted), "
          "peer {:.2f}s; CPU net: script {:.2f}s (idle tick {:.2f}s), peer {:.2f}s, "
          "hashing {:.2f}s; Box stand-in {:.2f}s / {:.2f}s".format(
              i + 1, run["product_wall_s"], run["product_box_calls"], run["calls_budget"]["floor_s"],
              run["lifted_product_wall_s"], run["peer_wall_s"], run["product_net_cpu_s"], run["idle_tick_cpu_s"],
              run["peer_net_cpu_s"], hashing, run["product_box_sandbox_cpu_s"] or 0,
              run["peer_box_sandbox_cpu_s"] or 0), flush=True)
    return run


def _part_puts(b, lanes, part_size, parts):
    """Seconds of each part PUT when ``lanes`` lanes each send ``parts`` parts of one upload session at once, from
    memory (no DAM, no product): the Box link as the stand-in delivers it under the switch, to tell the protocol's
    floor from what the stand-in manages on this machine."""
    import base64
    import hashlib
    import threading
    import requests
    data = os.urandom(part_size)
    digest = "sha=" + base64.b64encode(hashlib.sha1(data).digest()).decode()  # nosec B324
    folder = b.lab.box.ensure_folder(b.lab.box.roots["a1_a2"], "calibration-{}".format(uuid.uuid4().hex[:8]))
    token, size, spent, errors = b.lab.box.token(), part_size * parts, [], []

    def lane(index):
        try:
            with requests.Session() as http:
                http.headers["Authorization"] = "Bearer " + token
                answer = http.post(b.lab.box.upload_base_url + "/files/upload_sessions",
                                   json={"folder_id": folder, "file_size": size, "file_name": "c{}.bin".format(index)})
                answer.raise_for_status()
                url = answer.json()["session_endpoints"]["upload_part"]
                for k in range(parts):
                    started = time.perf_counter()
                    http.put(url, data=data, headers={
                        "Content-Type": "application/octet-stream", "Digest": digest,
                        "Content-Range": "bytes {}-{}/{}".format(k * part_size, (k + 1) * part_size - 1, size)
                    }).raise_for_status()
                    spent.append(time.perf_counter() - started)
                http.delete(url)
        except Exception as exc:  # reported below
            errors.append(exc)
    threads = [threading.Thread(target=lane, args=(i,)) for i in range(lanes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError("the part calibration failed: {}".format(errors[0]))
    return statistics.median(spent)


def _switch_run(b, i, count, size, lanes, network, part_size):
    campaign_id = b.campaign([("remote-{}.mxf".format(k), size) for k in range(count)], "throughput switch")
    ids = b.master_asset_ids(campaign_id)
    b.lab.set_network(**network)
    try:
        product = _product(b, campaign_id, lanes)
        download = _peer(b, "download", ids, size, lanes)
        part_put = _part_puts(b, lanes, part_size, 4)
    finally:
        b.lab.set_network(0, 0)
    run = {"product_wall_s": product["wall_s"], "download_peer_wall_s": download["process_wall_s"],
           "part_put_s": part_put, "product_cpu_s": product["cpu_s"],
           "product_transfer_phase_s": phase_seconds(product["output"])}
    print("  (b2) run {} at {:.0f} MiB/s, {} ms: A1->A2 {:.2f}s (transfer phase {}s), download-then-upload peer "
          "{:.2f}s; a part PUT takes {:.3f}s on {} lanes".format(
              i + 1, network["bandwidth_bytes_per_s"] / MiB, network["rtt_ms"], run["product_wall_s"],
              run["product_transfer_phase_s"], run["download_peer_wall_s"], part_put, lanes), flush=True)
    return run


def bench_throughput(b, runs, switch_runs=2, count=8, size=128 * MiB, lanes=4, network=None):
    """Figures (b1)-(b3); ``runs`` loopback runs, ``switch_runs`` runs under the network switch."""
    network = dict(network or SWITCH)
    total = count * size
    started = time.perf_counter()
    loop = [_loopback_run(b, i, count, size, lanes) for i in range(runs)]
    speed = [r["peer_wall_s"] / r["product_wall_s"] for r in loop]
    lifted = [r["peer_wall_s"] / r["lifted_product_wall_s"] for r in loop]
    peer_cpu = [r["product_net_cpu_s"] / r["peer_net_cpu_s"] for r in loop]
    hash_cpu = [r["product_net_cpu_s"] / r["hashing_cpu_s"] for r in loop]

    def per_gib(key):
        return stats(r[key] * GiB / total for r in loop if r[key] is not None)
    out = {"assets": count, "asset_bytes": size, "bytes": total, "lanes": lanes, "loopback_runs": loop,
           "b1": {"product_wall_s": stats(r["product_wall_s"] for r in loop),
                  "peer_wall_s": stats(r["peer_wall_s"] for r in loop), "speed_ratio": stats(speed),
                  "lifted_product_wall_s": stats(r["lifted_product_wall_s"] for r in loop),
                  "lifted_speed_ratio": stats(lifted), "met_lifted": statistics.median(lifted) >= 1.0,
                  "calls_budget_floor_s": stats(r["calls_budget"]["floor_s"] for r in loop),
                  "calls_budget_per_minute": loop[0]["calls_budget"]["per_minute"],
                  "box_calls": stats(r["product_box_calls"] for r in loop),
                  "over_bound": stats(r["product_wall_s"] / max(r["peer_wall_s"], r["calls_budget"]["floor_s"])
                                      for r in loop),
                  "product_mib_s": total / MiB / statistics.median(r["product_wall_s"] for r in loop),
                  "peer_mib_s": total / MiB / statistics.median(r["peer_wall_s"] for r in loop),
                  "target": "A1->A2 speed >= 1.0x the same-protocol peer's", "met": statistics.median(speed) >= 1.0},
           "b3": {"product_net_cpu_per_gib_s": per_gib("product_net_cpu_s"),
                  "idle_tick_cpu_s": stats(r["idle_tick_cpu_s"] for r in loop),
                  "peer_net_cpu_per_gib_s": per_gib("peer_net_cpu_s"),
                  "hashing_cpu_per_gib_s": per_gib("hashing_cpu_s"),
                  "product_box_sandbox_cpu_per_gib_s": per_gib("product_box_sandbox_cpu_s"),
                  "peer_box_sandbox_cpu_per_gib_s": per_gib("peer_box_sandbox_cpu_s"),
                  "ratio_to_peer": stats(peer_cpu), "ratio_to_hashing": stats(hash_cpu),
                  "target": "script CPU (net of an idle tick) <= 1.1x the peer's and <= 1.5x the hashing floor",
                  "met": statistics.median(peer_cpu) <= 1.1 and statistics.median(hash_cpu) <= 1.5}}
    out["b3"]["box_sandbox_within_script"] = (out["b3"]["product_box_sandbox_cpu_per_gib_s"]["median"] <=
                                              out["b3"]["product_net_cpu_per_gib_s"]["median"])
    if switch_runs:
        part_size = loop[0]["part_size"]
        sw = [_switch_run(b, i, count, size, lanes, network, part_size) for i in range(switch_runs)]
        floor = floor_seconds(count, size, lanes, part_size, network)
        over = [r["product_wall_s"] / floor["floor_s"] for r in sw]
        ahead = [r["download_peer_wall_s"] / r["product_wall_s"] for r in sw]
        delivered = [delivered_floor_seconds(floor, count, size, lanes, part_size, network, r["part_put_s"])
                     for r in sw]
        out["b2"] = {"network": network, "runs": sw, "floor": floor,
                     "product_wall_s": stats(r["product_wall_s"] for r in sw),
                     "download_peer_wall_s": stats(r["download_peer_wall_s"] for r in sw),
                     "part_put_s": stats(r["part_put_s"] for r in sw),
                     "product_transfer_phase_s": _stats_or_none(r["product_transfer_phase_s"] for r in sw),
                     "delivered_floor_s": stats(delivered),
                     "over_delivered_floor": stats(r["product_wall_s"] / d for r, d in zip(sw, delivered)),
                     "over_floor": stats(over), "over_bytes_floor": stats(r["product_wall_s"] / floor["bytes_s"]
                                                                          for r in sw),
                     "ahead_of_download_peer": stats(ahead),
                     "target": "A1->A2 within 10 % of the floor and faster than the download-then-upload peer",
                     "met": statistics.median(over) <= 1.1 and statistics.median(ahead) > 1.0}
    else:
        out["b2"] = {"skipped": "not asked for (switch_runs=0)"}
    out["wall_s"] = time.perf_counter() - started
    return out


def _stats_or_none(values):
    values = [v for v in values if v is not None]
    return stats(values) if values else None


def rows(results):
    """Table rows (measurement, median/spread, note) for (b1)-(b3)."""
    bb = results.get("b_throughput")
    if not bb:
        return []
    b1, b2, b3 = bb["b1"], bb["b2"], bb["b3"]
    shape = "{} x {} MiB, {} lanes".format(bb["assets"], bb["asset_bytes"] // MiB, bb["lanes"])
    out = [("(b1) A1->A2, " + shape + ", loopback", spread(b1["product_wall_s"]) + " s",
            "{:.0f} MiB/s".format(b1["product_mib_s"])),
           ("(b1) same-protocol peer (bench/peer.py)", spread(b1["peer_wall_s"]) + " s",
            "{:.0f} MiB/s".format(b1["peer_mib_s"])),
           ("(b1) A1->A2 speed / peer's", spread(b1["speed_ratio"]), ">= 1.0: " + ok(b1["met"])),
           ("(b1) Box calls budget floor ({:.0f} calls at {}/min)".format(b1["box_calls"]["median"],
                                                                         b1["calls_budget_per_minute"]),
            spread(b1["calls_budget_floor_s"]) + " s",
            "A1->A2 x{:.2f} the slower of peer and budget floor".format(b1["over_bound"]["median"])),
           ("(b1) A1->A2 with the Box budget lifted (bench only)", spread(b1["lifted_product_wall_s"]) + " s",
            "speed / peer's {}: >= 1.0: {}".format(spread(b1["lifted_speed_ratio"]), ok(b1["met_lifted"])))]
    if "skipped" in b2:
        out.append(("(b2) under the network switch", "", "not measured: " + b2["skipped"]))
    else:
        net, fl = b2["network"], b2["floor"]
        label = "{:.0f} MiB/s, {} ms".format(net["bandwidth_bytes_per_s"] / MiB, net["rtt_ms"])
        out += [("(b2) A1->A2, " + shape + ", " + label, spread(b2["product_wall_s"]) + " s",
                 "floor {:.2f} s = bytes {:.2f} + {} round trips {:.2f} + first parts {:.2f}; transfer phase {}".format(
                     fl["floor_s"], fl["bytes_s"], fl["round_trips"], fl["round_trips_s"], fl["first_parts_s"],
                     spread(b2["product_transfer_phase_s"]) + " s" if b2.get("product_transfer_phase_s") else "n/a")),
                ("(b2) download-then-upload peer", spread(b2["download_peer_wall_s"]) + " s",
                 "A1->A2 x{:.2f} as fast".format(b2["ahead_of_download_peer"]["median"])),
                ("(b2) A1->A2 / floor", spread(b2["over_floor"]),
                 "<= 1.10 and ahead of the download peer: {} (x{:.2f} the bytes alone)".format(
                     ok(b2["met"]), b2["over_bytes_floor"]["median"])),
                ("(b2) floor as the Box stand-in delivers it", spread(b2["delivered_floor_s"]) + " s",
                 "a part PUT takes {:.3f} s on {} lanes (ideal {:.3f}): A1->A2 x{:.2f} this".format(
                     b2["part_put_s"]["median"], bb["lanes"], fl["ideal_part_put_s"],
                     b2["over_delivered_floor"]["median"]))]
    out += [("(b3) script CPU per GiB, net of idle tick", spread(b3["product_net_cpu_per_gib_s"]) + " s",
             "idle tick {:.2f} CPU s; Box stand-in {:.2f} s/GiB".format(
                 b3["idle_tick_cpu_s"]["median"], b3["product_box_sandbox_cpu_per_gib_s"]["median"])),
            ("(b3) peer CPU per GiB, net of start-up", spread(b3["peer_net_cpu_per_gib_s"]) + " s", ""),
            ("(b3) hashing floor per GiB (SHA-1 parts + file)", spread(b3["hashing_cpu_per_gib_s"]) + " s", ""),
            ("(b3) script CPU / peer's; / hashing floor", "{} ; {}".format(spread(b3["ratio_to_peer"]),
                                                                          spread(b3["ratio_to_hashing"])),
             "<= 1.1 ; <= 1.5: " + ok(b3["met"]))]
    return out
