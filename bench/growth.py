"""How the cost of the workflows grows with the work (issue 19, item 4): measurements (f), (g) and (i) of
`make bench`. Each runs the real scripts as fresh processes against the sandboxes (in their own processes) through
``bench.run.Bench``; (h), the database at scale, is in bench/db_scale.py.

  (f) A2->A3 HTTP requests per imported file with 0 and with 2,000 finals already in the campaign's Final Assets
      (marginal: a run importing 8 files minus one importing 2, divided by 6; DAM and Box counted apart);
  (g) one 500-asset campaign through A1->A2: wall time against the floor that the Box per-user upload limit sets
      (the configured box.max_uploads_per_minute), and HTTP requests per asset;
  (i) scale-out: 8 campaigns at 100 ms latency on every request, drained by 1 worker and by 4 worker processes
      (each with its own temp and log directory, as on 4 hosts; the database and the lease are shared).
"""
import os
import threading
import time

from bench.common import ROOT, ok, run_threads, spread, stats

A2_SCRIPT = os.path.join("scripts", "a2_to_a3_upload_polling.py")
KiB = 1024


def _total(snap):
    return snap["total"]


# -- (f) A2->A3 requests per file --------------------------------------------------------------------------------
def _a2_a3_requests(b, files, finals):
    """Requests of one A2->A3 run importing ``files`` localised files into a campaign with ``finals`` finals."""
    campaign_id = b.campaign([("master-{:02d}.psd".format(k), 64 * KiB) for k in range(files)],
                        "a2a3 {} files {} finals".format(files, finals), finals=finals)
    b.run_product(campaign_id)
    names = b.lab.play_agency(campaign_id)
    if len(names) != files:
        raise RuntimeError("the agency step put {} of {} files in the inbox".format(len(names), files))
    b.reset_counters()
    started = time.perf_counter()
    b.run_product(campaign_id, script=A2_SCRIPT, expect_status="A3")
    wall = time.perf_counter() - started
    snap = b.counters()
    return {"otmm": _total(snap["otmm"]), "box": _total(snap["box"]), "wall_s": wall,
            "otmm_by_endpoint": snap["otmm"]["by_endpoint"], "box_by_endpoint": snap["box"]["by_endpoint"]}


def bench_a2_a3_requests(b, small=2, large=8, finals_levels=(0, 2000)):
    out = {"files": [small, large], "levels": {}}
    for finals in finals_levels:
        runs = {n: _a2_a3_requests(b, n, finals) for n in (small, large)}
        span = float(large - small)
        entry = {"runs": {str(n): r for n, r in runs.items()},
                 "otmm_per_file": (runs[large]["otmm"] - runs[small]["otmm"]) / span,
                 "box_per_file": (runs[large]["box"] - runs[small]["box"]) / span,
                 "otmm_fixed": runs[large]["otmm"] - large * (runs[large]["otmm"] - runs[small]["otmm"]) / span}
        entry["per_file"] = entry["otmm_per_file"] + entry["box_per_file"]
        out["levels"][str(finals)] = entry
        print("  (f) {} finals: {:.2f} DAM + {:.2f} Box requests per file ({} DAM requests importing {})".format(
            finals, entry["otmm_per_file"], entry["box_per_file"], runs[large]["otmm"], large), flush=True)
    lo, hi = out["levels"][str(finals_levels[0])], out["levels"][str(finals_levels[-1])]
    out["difference"] = hi["per_file"] - lo["per_file"]
    out["target"] = "requests per file the same (+-1) with {} and {} finals".format(finals_levels[0],
                                                                                 finals_levels[-1])
    out["met"] = abs(out["difference"]) <= 1
    return out


# -- (g) a 500-asset campaign against the upload limit -----------------------------------------------------------
def upload_floor_seconds(uploads, per_minute):
    """The earliest the last of ``uploads`` may start under Box's own per-user limit, a one-minute window of
    ``per_minute`` uploads: one full window for each further block."""
    return 60.0 * ((uploads - 1) // per_minute)


def pacer_floor_seconds(uploads, per_minute):
    """The earliest the last of ``uploads`` may start under the client's pacer with a budget of ``per_minute``
    (scripts/shared/box/box_pacer.py: a full bucket of N/10, then 0.9*N a minute)."""
    from scripts.shared.box.box_pacer import Budget
    budget = Budget("uploads", per_minute)
    return max(0.0, (uploads - budget.capacity) / budget.refill_per_second)


def _configured_upload_limit():
    import yaml
    with open(os.path.join(ROOT, "config", "config.yaml")) as f:
        value = yaml.safe_load(f)["box"]["max_uploads_per_minute"]
    # the key may name an environment variable with a default (${BOX_MAX_UPLOADS_PER_MINUTE:-200}), read as the
    # product reads it (the bench runs the scripts with the environment it has)
    from scripts.shared.core.config import interpolate
    return int(interpolate(str(value), os.environ, "config/config.yaml", "box.max_uploads_per_minute", [], {}))


def bench_big_campaign(b, assets=500, size=16 * KiB, concurrency=4):
    per_minute = _configured_upload_limit()
    from scripts.shared.box.box_pacer import BOX_UPLOADS_PER_MINUTE
    campaign_id = b.campaign([("tile-{:04d}.jpg".format(k), size) for k in range(assets)], "{} assets".format(assets))
    b.reset_counters()
    b.reset_box_budget()
    result = b.run_product(campaign_id, concurrency=concurrency)
    snap = b.counters()
    total = _total(snap["otmm"]) + _total(snap["box"])
    uploads = snap["box"]["by_endpoint"].get("POST /api/2.0/files/content", 0)
    floor = upload_floor_seconds(assets, BOX_UPLOADS_PER_MINUTE)
    pacer = pacer_floor_seconds(assets, per_minute)
    wall = result["wall_s"]
    print("  (g) {} assets: {:.1f}s (Box's limit floor {:.0f}s at {}/min; the pacer's {:.0f}s at {}/min), "
          "{:.2f} requests per asset".format(assets, wall, floor, BOX_UPLOADS_PER_MINUTE, pacer, per_minute,
                                             total / float(assets)), flush=True)
    return {"assets": assets, "asset_bytes": size, "concurrency": concurrency, "wall_s": stats([wall]),
            "cpu_s": result["cpu_s"], "uploads_per_minute": per_minute, "floor_s": floor,
            "box_uploads_per_minute": BOX_UPLOADS_PER_MINUTE, "pacer_floor_s": pacer,
            "over_pacer_floor": wall / pacer if pacer else None,
            "over_floor": wall / floor if floor else None, "requests_total": total, "uploads": uploads,
            "requests_per_asset": total / float(assets), "otmm_by_endpoint": snap["otmm"]["by_endpoint"],
            "box_by_endpoint": snap["box"]["by_endpoint"],
            "target": "within 10 % of the time the upload limit allows",
            "met": (wall <= 1.1 * floor) if floor else None}  # None: fewer uploads than one window, no floor


# -- (i) scale-out -----------------------------------------------------------------------------------------------
def _worker(b, index, log, errors, concurrency):
    """One host's cron, run back to back: A1->A2 ticks until a tick finds nothing left for it."""
    env = {"TEMP_DIR": os.path.join(b.workdir, "host-{}".format(index), "temp"),
           "LOG_DIR": os.path.join(b.workdir, "host-{}".format(index), "logs")}
    try:
        while True:
            r = b.run_product(None, concurrency=concurrency, extra_env=env, expect_status=None, ok_codes=(0, 75))
            if r["returncode"] == 75 or "No A1 campaigns found" in r["output"]:
                return
            log.append((index, r["wall_s"], r["cpu_s"]))
    except Exception as exc:  # reported by the caller
        errors.append(exc)


def _drain(b, campaigns, workers, concurrency):
    campaign_ids = [b.campaign([("m-{:02d}.jpg".format(k), size) for k in range(count)], "scale-out")
               for count, size in campaigns]
    log, errors = [], []
    threads = [threading.Thread(target=_worker, args=(b, i, log, errors, concurrency)) for i in range(workers)]
    wall = run_threads(threads)
    if errors:
        raise RuntimeError("a scale-out worker failed: {}".format(errors[0]))
    left = [n for n in campaign_ids if b.status(n) != "A2"]
    if left:
        raise RuntimeError("scale-out left {} campaign(s) short of A2: {}".format(len(left), ", ".join(left)))
    per_worker = [sum(1 for x in log if x[0] == w) for w in range(workers)]
    return wall, per_worker, sum(x[2] for x in log)


def bench_scale_out(b, runs, campaigns=8, assets=10, size=256 * KiB, latency_ms=100, concurrency=4,
                    levels=(1, 4)):
    out = {"campaigns": campaigns, "assets_per_campaign": assets, "asset_bytes": size, "latency_ms": latency_ms,
           "concurrency": concurrency, "levels": {}}
    b.set_latency(latency_ms)
    try:
        for workers in levels:
            walls, cpu, shares = [], [], []
            for i in range(runs):
                wall, per_worker, cpu_s = _drain(b, [(assets, size)] * campaigns, workers, concurrency)
                walls.append(wall)
                cpu.append(cpu_s)
                shares.append(per_worker)
                print("  (i) {} worker(s) run {}: {:.2f}s for {} campaigns (campaigns per worker {}, {:.1f} CPU s)"
                      .format(workers, i + 1, wall, campaigns, per_worker, cpu_s), flush=True)
            out["levels"][str(workers)] = {"wall_s": stats(walls), "product_cpu_s": stats(cpu),
                                           "campaigns_per_worker": shares}
    finally:
        b.set_latency(0)
    base = out["levels"][str(levels[0])]["wall_s"]["median"]
    for workers in levels:
        entry = out["levels"][str(workers)]
        entry["speedup"] = base / entry["wall_s"]["median"]
    top = out["levels"][str(levels[-1])]
    out["target"] = "{} workers >= 3.5x one".format(levels[-1])
    out["met"] = top["speedup"] >= 3.5
    return out


def rows(results):
    """Table rows (measurement, median/spread, note) for the figures above."""
    out = []
    f = results.get("f_a2_a3_requests")
    if f:
        for finals, e in f["levels"].items():
            out.append(("(f) A2->A3 requests/file, {} finals".format(finals), "{:.2f}".format(e["per_file"]),
                        "{:.2f} DAM + {:.2f} Box".format(e["otmm_per_file"], e["box_per_file"])))
        out.append(("(f) same (+-1) with 0 and 2000 finals", "{:+.2f}".format(f["difference"]), ok(f["met"])))
    g = results.get("g_big_campaign")
    if g:
        out.append(("(g) {} x {} KiB, A1->A2 (c={})".format(g["assets"], g["asset_bytes"] // KiB, g["concurrency"]),
                    spread(g["wall_s"], "{:.1f}") + " s",
                    "Box floor {:.0f} s at {}/min: x{:.2f}, <= 1.1: {}; pacer floor {:.0f} s at {}/min: x{:.2f}"
                    .format(g["floor_s"], g["box_uploads_per_minute"], g["over_floor"], ok(g["met"]),
                            g["pacer_floor_s"], g["uploads_per_minute"], g["over_pacer_floor"])
                    if g["floor_s"] else "under one minute's uploads: no floor to compare"))
        out.append(("(g) HTTP requests per asset", "{:.2f}".format(g["requests_per_asset"]),
                    "{} requests, {} uploads".format(g["requests_total"], g["uploads"])))
    i = results.get("i_scale_out")
    if i:
        for workers, e in i["levels"].items():
            out.append(("(i) {} campaigns x {}, {} ms, {} worker(s)".format(i["campaigns"], i["assets_per_campaign"],
                                                                          i["latency_ms"], workers),
                        spread(e["wall_s"]) + " s", "x{:.2f}; scripts used {:.1f} CPU s".format(
                            e["speedup"], e["product_cpu_s"]["median"])))
        out.append(("(i) target 4 workers >= 3.5x one", "", ok(i["met"])))
    return out

