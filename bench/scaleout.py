"""Figure 6b of issue 26 (`make bench` key k): scale-out where the network, not Box's upload budget, is the bound.

A1->A2 of large files under the stand-ins' network switch (sandbox/network.py: every connection gets
``bandwidth`` bytes a second, every request a round trip of ``rtt_ms``): ``campaigns`` campaigns of ``assets`` files
of ``size`` bytes, drained by 1 worker (one A1->A2 tick after another, a campaign per tick) and by 4 worker processes
at once (each with its own temp and log directory, as on 4 hosts; the database and the lease are shared), each tick
with ``TRANSFER_CONCURRENCY`` = ``assets`` lanes. Each worker has its own lanes, so 4 workers can move 4 times the
bytes a second; few large files (chunked sessions) keep the upload budget out of the way.

Floor (the peer of each level, in the same run): the bandwidth floor, bytes / (lanes at once x bandwidth), where the
lanes at once are ``assets`` for one worker and ``workers x assets`` for several. Target: 4 workers >= 3.5x one.
When missed, two measurements say what bounds it: the CPU the scripts and the stand-ins used during the drain
(against cores x wall: is the machine the bound?) and an idle tick timed after each pair (every drain ends with a
tick that finds nothing left, serial at any number of workers: the speed-up it leaves is
wall_1 / ((wall_1 - idle) / 4 + idle)), and the seconds the ticks waited for the shared Box budgets (their "Box
pacing" log lines).
"""
import os

from bench import growth
from bench.common import ok, pacing_waits, spread, stats

MiB = 1024 * 1024


def _log_sizes(b, workers):
    """Where each worker's A1->A2 log ends now (growth's workers log to <workdir>/host-<i>/logs)."""
    return {i: _size(os.path.join(b.workdir, "host-{}".format(i), "logs", "a1_to_a2.log")) for i in range(workers)}


def _size(path):
    return os.path.getsize(path) if os.path.exists(path) else 0


def _budget_waits(b, since):
    """Seconds the ticks logged since ``since`` waited for the shared Box calls and uploads budgets (their "Box
    pacing ... waited" lines), summed over the workers."""
    calls = uploads = 0.0
    for i, offset in since.items():
        path = os.path.join(b.workdir, "host-{}".format(i), "logs", "a1_to_a2.log")
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            f.seek(offset)
            waited = pacing_waits(f.read())
        calls += waited[0]
        uploads += waited[1]
    return calls, uploads


def _cpu_total(before, after):
    return {side: (after[side] - before[side]) if None not in (before[side], after[side]) else None
            for side in before}


def bench_scale_out_bandwidth(b, runs, campaigns=4, assets=2, size=48 * MiB, bandwidth=16 * MiB, rtt_ms=40,
                              levels=(1, 4)):
    total = campaigns * assets * size
    out = {"campaigns": campaigns, "assets_per_campaign": assets, "asset_bytes": size, "bytes": total,
           "bandwidth_bytes_per_s": bandwidth, "rtt_ms": rtt_ms, "lanes_per_worker": assets, "levels": {},
           "cores": os.cpu_count()}
    walls = {w: [] for w in levels}
    detail = {w: {"over_floor": [], "script_cpu_s": [], "box_cpu_s": [], "otmm_cpu_s": [], "shares": [],
                  "calls_wait_s": [], "uploads_wait_s": [], "load": []}
              for w in levels}
    speedups, idle_walls, ceilings = [], [], []
    b.lab.set_network(bandwidth, rtt_ms)
    try:
        for i in range(runs):  # the levels alternate inside a run, so a ratio compares neighbours in time
            for workers in levels:
                floor = total / float(min(workers, campaigns) * assets * bandwidth)
                b.reset_box_budget()
                before, logs = b.server_cpu_s(), _log_sizes(b, workers)
                wall, per_worker, script_cpu = growth._drain(b, [(assets, size)] * campaigns, workers, assets)
                servers = _cpu_total(before, b.server_cpu_s())
                waits = _budget_waits(b, logs)
                d = detail[workers]
                d["load"].append(os.getloadavg()[0])  # the machine is shared: its 1-minute load after the drain
                b.free_box_blobs()
                walls[workers].append(wall)
                d["over_floor"].append(wall / floor)
                d["script_cpu_s"].append(script_cpu)
                d["box_cpu_s"].append(servers["box"])
                d["otmm_cpu_s"].append(servers["otmm"])
                d["shares"].append(per_worker)
                d["calls_wait_s"].append(waits[0])
                d["uploads_wait_s"].append(waits[1])
                print("  (k) {} worker(s) run {}: {:.2f}s for {} MiB (bandwidth floor {:.2f}s, x{:.2f}; campaigns per "
                      "worker {}; CPU s: scripts {:.1f}, Box stand-in {}, OTMM stand-in {}; waited for the Box "
                      "budgets: calls {:.1f}s, uploads {:.1f}s, summed over the ticks; load average {:.1f})".format(
                          workers, i + 1, wall, total // MiB, floor, wall / floor, per_worker, script_cpu,
                          _fmt(servers["box"]), _fmt(servers["otmm"]), waits[0], waits[1], d["load"][-1]),
                      flush=True)
            speedups.append(walls[levels[0]][-1] / walls[levels[-1]][-1])
            # every drain ends with a tick that finds nothing left, one after another whatever the workers: the
            # speed-up it leaves is wall_1 / ((wall_1 - idle) / workers + idle), the idle tick timed here
            idle = b.run_product(None, concurrency=assets, expect_status=None, ok_codes=(0, 75))["wall_s"]
            idle_walls.append(idle)
            w1 = walls[levels[0]][-1]
            ceilings.append(w1 / ((w1 - idle) / float(levels[-1]) + idle))
    finally:
        b.lab.set_network(0, 0)
    for workers in levels:
        d = detail[workers]
        cpu_all = [s + (bx or 0) + (ot or 0) for s, bx, ot in zip(d["script_cpu_s"], d["box_cpu_s"], d["otmm_cpu_s"])]
        out["levels"][str(workers)] = {
            "wall_s": stats(walls[workers]), "floor_s": total / float(min(workers, campaigns) * assets * bandwidth),
            "over_floor": stats(d["over_floor"]), "script_cpu_s": stats(d["script_cpu_s"]),
            "box_cpu_s": d["box_cpu_s"], "otmm_cpu_s": d["otmm_cpu_s"], "campaigns_per_worker": d["shares"],
            "load_average_1m": d["load"], "calls_budget_wait_s": stats(d["calls_wait_s"]),
            "uploads_budget_wait_s": stats(d["uploads_wait_s"]),
            # the share of the machine the drain kept busy: all CPU seconds over cores x wall
            "cpu_share_of_cores": stats(c / (out["cores"] * w) for c, w in zip(cpu_all, walls[workers]))}
    out["speedup"] = stats(speedups)
    out["idle_tick_s"] = stats(idle_walls)
    out["ceiling_from_idle_tick"] = stats(ceilings)
    out["target"] = "{} workers >= 3.5x one".format(levels[-1])
    out["met"] = out["speedup"]["median"] >= 3.5
    return out


def _fmt(value):
    return "{:.1f}".format(value) if value is not None else "n/a"


def rows(results):
    """Table rows (measurement, median/spread, note) for figure 6b."""
    k = results.get("k_scale_out_bandwidth")
    if not k:
        return []
    out = []
    for workers, e in k["levels"].items():
        out.append(("(k) 6b {} x {} x {} MiB at {} MiB/s, {} ms, {} worker(s)".format(
            k["campaigns"], k["assets_per_campaign"], k["asset_bytes"] // MiB, k["bandwidth_bytes_per_s"] // MiB,
            k["rtt_ms"], workers), spread(e["wall_s"]) + " s",
            "bandwidth floor {:.1f} s: x{:.2f}; ours {:.0%} of {} cores (load average {:.1f}); Box budgets held "
            "ticks {:.1f} s (calls) + {:.1f} s (uploads)".format(
                e["floor_s"], e["over_floor"]["median"], e["cpu_share_of_cores"]["median"], k["cores"],
                max(e["load_average_1m"]), e["calls_budget_wait_s"]["median"], e["uploads_budget_wait_s"]["median"])))
    out.append(("(k) 6b speed-up, 4 workers against 1", spread(k["speedup"]),
                ">= 3.5x: {}; the serial last tick ({:.2f} s) allows x{:.2f}".format(
                    ok(k["met"]), k["idle_tick_s"]["median"], k["ceiling_from_idle_tick"]["median"])))
    return out
