"""How the cost of the workflows grows with the work (issue 19, item 4; issue 26, figures 5 and 6a): measurements
(f), (5) and (6a) of `make bench`. Each runs the real scripts as fresh processes against the sandboxes (in their
own processes) through ``bench.run.Bench``; (h), the database at scale, is in bench/db_scale.py.

  (f) A2->A3 HTTP requests per imported file with 0 and with 2,000 finals already in the campaign's Final Assets
      (marginal: a run importing 8 files minus one importing 2, divided by 6; DAM and Box counted apart);
  (5) the DAM requests of one A1->A2 tick with 1, 50 and 200 campaigns waiting in A1 (flat: only search pages
      may add to it);
  (6a) A2->A3 scale-out: 8 campaigns of 3 localised files imported at 100 ms on every OTMM request, by 1 worker and
      by 4 worker processes (each with its own temp and log directory, as on 4 hosts; database and lease shared),
      with the lease's own ceiling and the Box calls budget's waits measured in the same run.
"""
import os
import statistics
import threading
import time

from bench.common import ROOT, ok, pacing_waits, run_threads, spread, stats

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


def configured_limit(key="max_uploads_per_minute"):
    """box.<key> as the product reads it from config/config.yaml: the key may name an environment variable with a
    default (${BOX_MAX_UPLOADS_PER_MINUTE:-200}), and the bench runs the scripts with the environment it has."""
    import yaml
    with open(os.path.join(ROOT, "config", "config.yaml")) as f:
        value = yaml.safe_load(f)["box"][key]
    from scripts.shared.core.config import interpolate
    return int(interpolate(str(value), os.environ, "config/config.yaml", "box." + key, [], {}))


def calls_budget_floor(calls):
    """The least time Box's per-user calls budget (box.max_calls_per_minute, shared by every process through the
    pacer: a burst, then a steady rate) lets ``calls`` Box requests take: parts are calls."""
    from scripts.shared.box.box_pacer import Budget
    budget = Budget("calls", configured_limit("max_calls_per_minute"))
    return {"per_minute": budget.per_minute, "calls": calls,
            "floor_s": max(0.0, (calls - budget.capacity) / budget.refill_per_second)}


# -- figure 5: a tick's DAM requests against the campaigns waiting -----------------------------------------------
SEARCH = "POST /otmmapi/v6/search/text"


def bench_waiting(b, levels=(1, 50, 200)):
    """One A1->A2 tick (no --campaign) with ``n`` campaigns of one 16 KiB master waiting in A1, for each level: the
    DAM requests it makes (OTMM stand-in's counters) and how many were search pages. The tick takes the oldest;
    the rest are then moved out of A1 (status Z9) so later figures find the DAM as they expect it."""
    out = {"levels": {}}
    b.run_product(None, expect_status=None)  # a tick first: every level runs with the DAM token kept, as cron's do
    for n in levels:
        numbers = [b.campaign([("waiting.jpg", 16 * KiB)], "waiting {}".format(n)) for _ in range(n)]
        b.reset_counters()
        result = b.run_product(None, expect_status=None)
        snap = b.counters()["otmm"]
        if b.status(numbers[0]) != "A2":
            raise RuntimeError("the tick with {} waiting did not take the oldest:\n{}".format(
                n, result["output"][-3000:]))
        for number in numbers[1:]:
            if b.status(number) != "A1":
                raise RuntimeError("the tick with {} waiting touched {} too".format(n, number))
            b.lab.otmm.set_campaign_status(number, "Z9")
        out["levels"][str(n)] = {"dam_requests": _total(snap), "search_pages": snap["by_endpoint"].get(SEARCH, 0),
                                 "wall_s": result["wall_s"], "by_endpoint": snap["by_endpoint"]}
        print("  (5) {} waiting: {} DAM requests ({} search page(s)), {:.2f}s".format(
            n, _total(snap), snap["by_endpoint"].get(SEARCH, 0), result["wall_s"]), flush=True)
    base = out["levels"][str(levels[0])]
    for n in levels:
        entry = out["levels"][str(n)]
        entry["ratio"] = entry["dam_requests"] / float(base["dam_requests"])
        # requests beyond the one-waiting tick that are not extra search pages: what grows with the waiting work
        entry["growth_beyond_pages"] = (entry["dam_requests"] - base["dam_requests"]) - (
            entry["search_pages"] - base["search_pages"])
    out["target"] = "DAM requests of a tick <= the one-waiting tick's plus its extra search pages, at {}".format(
        " / ".join(str(n) for n in levels))
    out["met"] = all(e["growth_beyond_pages"] <= 0 for e in out["levels"].values())
    return out


# -- A1->A2 workers drained back to back (figure 6b, bench/scaleout.py) ---------------------------------------------
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


# -- figure 6a: A2->A3 scale-out, DAM-latency bound ---------------------------------------------------------------
def _a2_a3_settle(b):
    """A2->A3 ticks at no latency until one finds nothing: the masters checks owed for campaigns other figures left
    in A2 are done before the clock starts, so the drain below measures only the imports."""
    for _ in range(500):
        r = b.run_product(None, script=A2_SCRIPT, expect_status=None, ok_codes=(0, 75))
        if "No files waiting in the A2" in r["output"]:
            return
    raise RuntimeError("A2->A3 ticks kept finding work before the scale-out figure")


def _a2_a3_worker(b, index, log, errors):
    """One host's A2->A3 cron, back to back, until a tick finds nothing for it."""
    env = {"TEMP_DIR": os.path.join(b.workdir, "a2-host-{}".format(index), "temp"),
           "LOG_DIR": os.path.join(b.workdir, "a2-host-{}".format(index), "logs")}
    try:
        while True:
            r = b.run_product(None, script=A2_SCRIPT, extra_env=env, expect_status=None, ok_codes=(0, 75))
            if r["returncode"] == 75 or "No files waiting in the A2" in r["output"]:
                return
            log.append((index, r["wall_s"], r["cpu_s"], r["output"]))
    except Exception as exc:  # reported by the caller
        errors.append(exc)


def _a2_a3_prepare(b, campaigns, files):
    """``campaigns`` campaigns of ``files`` masters each, delivered to Box (A1->A2) and waiting in A2, with the
    masters checks owed for them done: their numbers."""
    ids = [b.campaign([("master-{:02d}.psd".format(k), 64 * KiB) for k in range(files)], "a2a3 scale-out")
           for _ in range(campaigns)]
    for campaign_id in ids:
        b.run_product(campaign_id)
    _a2_a3_settle(b)
    return ids


def _a2_a3_drain(b, ids, files, workers, latency_ms):
    """The agency puts ``files`` localised files per campaign of ``ids`` in the A2->A3 inbox; ``workers`` parallel
    hosts import them with ``latency_ms`` on every OTMM request (Box is not slowed)."""
    for campaign_id in ids:
        if len(b.lab.play_agency(campaign_id)) != files:
            raise RuntimeError("the agency step did not fill the inbox for {}".format(campaign_id))
    log, errors = [], []
    b.reset_box_budget()
    b.reset_counters()
    b.lab.otmm.set_faults([{"latency_ms": latency_ms, "path": "/"}])
    before = b.server_cpu_s()
    try:
        wall = run_threads([threading.Thread(target=_a2_a3_worker, args=(b, i, log, errors))
                            for i in range(workers)])
    finally:
        b.lab.otmm.set_faults([])
    if errors:
        raise RuntimeError("an A2->A3 worker failed: {}".format(errors[0]))
    left = [n for n in ids if b.status(n) != "A3"]
    if left:
        raise RuntimeError("A2->A3 scale-out left {} campaign(s) short of A3: {}".format(len(left), ", ".join(left)))
    after = b.server_cpu_s()
    busy = [sum(x[1] for x in log if x[0] == w) for w in range(workers)]
    snap = b.counters()
    return {"wall_s": wall, "box_requests": _total(snap["box"]), "dam_requests": _total(snap["otmm"]),
            "standin_cpu_s": sum(after[k] - before[k] for k in after if after[k] is not None and before[k] is not None),
            "load_average": os.getloadavg()[0],
            # the earliest the shared Box calls budget lets the last of these requests go: its own floor
            "box_calls_floor_s": calls_budget_floor(_total(snap["box"]))["floor_s"],
            "ticks_per_worker": [sum(1 for x in log if x[0] == w) for w in range(workers)],
            "busy_s_per_worker": busy, "cpu_s": sum(x[2] for x in log),
            "box_calls_wait_s": sum(pacing_waits(x[3])[0] for x in log)}


def _a2_a3_level(b, prepared, runs, workers, args):
    """``runs`` drains by ``workers`` hosts, each on ``campaigns`` of ``prepared`` (used up); the level's entry."""
    campaigns, files, latency_ms = args
    walls, ceilings, waits, shares, cpu, floors, box, standin, load = [], [], [], [], [], [], [], [], []
    for i in range(runs):
        ids = [prepared.pop(0) for _ in range(campaigns)]
        r = _a2_a3_drain(b, ids, files, workers, latency_ms)
        walls.append(r["wall_s"])
        ceilings.append(sum(r["busy_s_per_worker"]) / max(r["busy_s_per_worker"]))
        waits.append(r["box_calls_wait_s"])
        shares.append(r["ticks_per_worker"])
        cpu.append(r["cpu_s"])
        floors.append(r["box_calls_floor_s"])
        box.append(r["box_requests"])
        standin.append(r["standin_cpu_s"])
        load.append(r["load_average"])
        print("  (6a) {} A2->A3 worker(s) run {}: {:.2f}s for {} campaigns x {} files (ticks per worker {}, "
              "lease ceiling x{:.2f}, Box calls budget waits {:.1f}s; {} Box requests: budget floor {:.1f}s; {} DAM "
              "requests; CPU {:.1f} s scripts + {:.1f} s stand-ins; load {:.1f})".format(
                  workers, i + 1, r["wall_s"], campaigns, files, r["ticks_per_worker"], ceilings[-1], waits[-1],
                  r["box_requests"], r["box_calls_floor_s"], r["dam_requests"], r["cpu_s"], r["standin_cpu_s"],
                  r["load_average"]), flush=True)
    return {"wall_s": stats(walls), "lease_ceiling": stats(ceilings), "box_calls_wait_s": stats(waits),
            "ticks_per_worker": shares, "product_cpu_s": stats(cpu), "box_requests": stats(box),
            "box_calls_floor_s": stats(floors), "standin_cpu_s": stats(standin), "load_average": stats(load),
            # the CPU of the scripts and the stand-ins on the machine's cores: the least wall time the CPU allows
            "cpu_floor_s": statistics.median([c + s for c, s in zip(cpu, standin)]) / float(
                min(workers + 2, os.cpu_count() or 1))}


def bench_a2_a3_scale_out(b, runs, campaigns=8, files=3, latency_ms=100, levels=(1, 4)):
    """Figure 6a: 4 A2->A3 workers against 1 on imports bound by DAM latency, with the shared Box budget lifted for
    the bench (bench/latency.lifted_budget: the budget is not the bound here). What bounds each is measured in the
    same run: the lease's own ceiling (the work as the campaigns fell to the workers: total tick time over the
    busiest worker's), the floor the real Box calls budget would set for the requests made, the CPU of the scripts
    and of the stand-ins against the cores, and the machine's load."""
    from bench.latency import lifted_budget
    out = {"campaigns": campaigns, "files_per_campaign": files, "latency_ms": latency_ms, "levels": {}}
    prepared = _a2_a3_prepare(b, campaigns * runs * len(levels), files)
    args = (campaigns, files, latency_ms)
    with lifted_budget(b):
        for workers in levels:
            out["levels"][str(workers)] = _a2_a3_level(b, prepared, runs, workers, args)
    base = out["levels"][str(levels[0])]["wall_s"]["median"]
    for entry in out["levels"].values():
        entry["speedup"] = base / entry["wall_s"]["median"]
    out["target"] = "{} A2->A3 workers >= 3.5x one (Box budget lifted)".format(levels[-1])
    out["met"] = out["levels"][str(levels[-1])]["speedup"] >= 3.5
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
    w = results.get("fig5_waiting")
    if w:
        for n, e in sorted(w["levels"].items(), key=lambda kv: int(kv[0])):
            out.append(("(5) DAM requests of one A1->A2 tick, {} waiting".format(n), "{} (n=1)".format(
                e["dam_requests"]), "x{:.2f} the 1-waiting tick; {} search page(s); beyond pages {:+d}".format(
                    e["ratio"], e["search_pages"], e["growth_beyond_pages"])))
        out.append(("(5) target: flat in the waiting campaigns", "", ok(w["met"])))
    a = results.get("fig6a_a2_a3_scale_out")
    if a:
        def row(label, e):
            return ("(6a) A2->A3 {} x {} files, {} ms DAM, {}".format(a["campaigns"], a["files_per_campaign"],
                                                                     a["latency_ms"], label),
                    spread(e["wall_s"]) + " s",
                    "x{:.2f}; lease ceiling x{:.2f}; the real Box calls budget's floor {:.1f} s ({:.0f} requests); "
                    "CPU {:.1f} s scripts + {:.1f} s stand-ins on {} cores (floor {:.1f} s); load {:.1f}".format(
                        e["speedup"], e["lease_ceiling"]["median"], e["box_calls_floor_s"]["median"],
                        e["box_requests"]["median"], e["product_cpu_s"]["median"], e["standin_cpu_s"]["median"],
                        os.cpu_count(), e["cpu_floor_s"], e["load_average"]["median"]))
        for workers, e in sorted(a["levels"].items(), key=lambda kv: int(kv[0])):
            out.append(row("{} worker(s), budget lifted".format(workers), e))
        top = max(a["levels"], key=int)
        out.append(("(6a) target {} workers >= 3.5x one (budget lifted)".format(top),
                    "x{:.2f}".format(a["levels"][top]["speedup"]), ok(a["met"])))
    return out

