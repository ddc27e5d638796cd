"""Figure 4 of `make bench` (issue 26.4): latency hiding apart from the Box upload budget, and the budget itself.

  (a) 40 x 1 MiB, 100 ms injected on every OTMM and Box request, A1->A2 at concurrency 1 and 8 with the shared
      Box pacer lifted FOR THE BENCH ONLY: a trigger on the bench database's box_rate_budget hands every take a full
      bucket (the product's code and limits are untouched; the trigger is dropped afterwards). Target: c=8 >= 6x c=1,
      whole run, medians of the same run.
  (b) the same at c=8 with the real budget (box.max_uploads_per_minute as configured): the upload rate while paced,
      (uploads - the bucket's burst) over the span from the first to the last upload (the Box stand-in's request log),
      against the configured ceiling. Target: >= 0.97 of the ceiling, and no 429 from the Box stand-in.
"""
import contextlib
import datetime
import statistics

from bench.common import ok, spread, stats

MiB = 1024 * 1024
UPLOAD = "/api/2.0/files/content"

# Every take of the pacer's buckets finds them full: the budget is out of the way, whatever the product asks for.
_LIFT = """
CREATE OR REPLACE FUNCTION bench_full_bucket() RETURNS trigger AS $$
BEGIN NEW.tokens := NEW.capacity; NEW.cooldown_until := NULL; RETURN NEW; END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS bench_full_bucket ON box_rate_budget;
CREATE TRIGGER bench_full_bucket BEFORE INSERT OR UPDATE ON box_rate_budget
    FOR EACH ROW EXECUTE FUNCTION bench_full_bucket();
"""
_UNLIFT = "DROP TRIGGER IF EXISTS bench_full_bucket ON box_rate_budget; DROP FUNCTION IF EXISTS bench_full_bucket();"


@contextlib.contextmanager
def lifted_budget(b):
    """The shared Box pacer out of the way for the runs inside (bench database only)."""
    if not b.budget_sql(_LIFT):  # the table comes with the product's migrations: one run first creates it
        b.run_product(None, expect_status=None)
        b.budget_sql(_LIFT)
    try:
        yield
    finally:
        b.budget_sql(_UNLIFT)


def phase_seconds(output):
    """Seconds between the 'N to do' line and the status change: the parallel transfer phase alone."""
    start = end = None
    for line in output.splitlines():
        stamp = line[:23]
        if " to do" in line and start is None:
            start = stamp
        if " status A1 -> A2 " in line:
            end = stamp
    if not (start and end):
        return None
    fmt = "%Y-%m-%d %H:%M:%S,%f"
    try:
        return (datetime.datetime.strptime(end, fmt) - datetime.datetime.strptime(start, fmt)).total_seconds()
    except ValueError:
        return None


def _run(b, count, size, level, label):
    campaign_id = b.campaign([("tile-{:02d}.jpg".format(k), size) for k in range(count)], label)
    b.reset_box_budget()
    return b.run_product(campaign_id, concurrency=level)


def _rate_limited(b):
    return len(b.lab.box.control("GET", "/_sandbox/rate_limited")["rate_limited"])


def _paced_run(b, count, size, level):
    """One run under the real budget: uploads, the paced upload rate (per minute) and 429s from the stand-in."""
    from bench.growth import configured_limit
    from scripts.shared.box.box_pacer import Budget
    budget = Budget("uploads", configured_limit("max_uploads_per_minute"))
    b.lab.box.control("POST", "/_sandbox/log", {"enabled": True})
    try:
        result = _run(b, count, size, level, "latency paced")
        times = sorted(r["time"] for r in b.lab.box.control("GET", "/_sandbox/log")["records"]
                       if r["method"] == "POST" and r["path"].endswith(UPLOAD))
    finally:
        b.lab.box.control("POST", "/_sandbox/log", {"enabled": False})
    paced = len(times) - budget.capacity
    rate = 60.0 * paced / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else None
    return {"wall_s": result["wall_s"], "uploads": len(times), "burst": budget.capacity,
            "ceiling_per_minute": budget.per_minute, "pacer_rate_per_minute": budget.refill_per_second * 60,
            "paced_rate_per_minute": rate, "of_ceiling": rate / budget.per_minute if rate else None,
            "rate_limited_429": _rate_limited(b)}


def bench_latency(b, runs, count=40, size=MiB, latency_ms=100, levels=(1, 8)):
    out = {"assets": count, "asset_bytes": size, "latency_ms": latency_ms, "levels": {}}
    b.run_product(b.campaign([("warm-up.jpg", size)], "latency warm-up"))  # tokens kept, as between cron ticks
    b.set_latency(latency_ms)
    try:
        with lifted_budget(b):
            for level in levels:
                walls, phases = [], []
                for i in range(runs):
                    result = _run(b, count, size, level, "latency c{}".format(level))
                    walls.append(result["wall_s"])
                    phase = phase_seconds(result["output"])
                    if phase is not None:
                        phases.append(phase)
                    print("  (4) budget lifted, c={} run {}: {:.2f}s (transfer phase {})".format(
                        level, i + 1, walls[-1], "{:.2f}s".format(phase) if phase is not None else "n/a"), flush=True)
                out["levels"][str(level)] = {"wall_s": stats(walls),
                                             "transfer_phase_s": stats(phases) if phases else None}
        out["paced"] = _paced_run(b, count, size, levels[-1])
        p = out["paced"]
        print("  (4) real budget, c={}: {:.2f}s, {} uploads, paced at {} a minute ({} of the {} ceiling), {} x 429"
              .format(levels[-1], p["wall_s"], p["uploads"], _num(p["paced_rate_per_minute"], "{:.1f}"),
                      _num(p["of_ceiling"], "{:.3f}"), p["ceiling_per_minute"], p["rate_limited_429"]), flush=True)
    finally:
        b.set_latency(0)
    base = out["levels"][str(levels[0])]
    for level in levels:
        entry = out["levels"][str(level)]
        entry["speedup_wall"] = base["wall_s"]["median"] / entry["wall_s"]["median"]
        if entry["transfer_phase_s"] and base["transfer_phase_s"]:
            entry["speedup_transfer_phase"] = (base["transfer_phase_s"]["median"] /
                                               entry["transfer_phase_s"]["median"])
    top = out["levels"][str(levels[-1])]
    # the serial part of a run (start, search, folders, listing, status change, email) that no concurrency hides:
    # the whole run minus its transfer phase, measured, at c=1
    if base["transfer_phase_s"]:
        out["serial_s"] = statistics.median(w - p for w, p in zip(base["wall_s"]["runs"],
                                                                   base["transfer_phase_s"]["runs"]))
        # Amdahl: the best c=N could do if its transfer phase were c=1's divided by N and the serial part stayed
        out["amdahl_ceiling"] = base["wall_s"]["median"] / (
            out["serial_s"] + base["transfer_phase_s"]["median"] / float(levels[-1]))
    out["target"] = "budget lifted: c={} >= 6x c={} (whole run); real budget: paced rate >= 0.97 of the ceiling, " \
                    "no 429".format(levels[-1], levels[0])
    p = out["paced"]
    out["met_lifted"] = top["speedup_wall"] >= 6
    out["met_paced"] = bool(p["of_ceiling"] and p["of_ceiling"] >= 0.97 and p["rate_limited_429"] == 0)
    out["met"] = out["met_lifted"] and out["met_paced"]
    return out


def _num(value, fmt):
    return "n/a" if value is None else fmt.format(value)


def rows(results):
    """Table rows (measurement, median/spread, note) of figure 4."""
    out = []
    c = results.get("fig4_latency")
    if not c:
        return out
    for level, entry in sorted(c["levels"].items(), key=lambda kv: int(kv[0])):
        phase = entry.get("transfer_phase_s")
        out.append(("(4) {} x {} MiB, {} ms, budget lifted, c={}".format(c["assets"], c["asset_bytes"] // MiB,
                                                                         c["latency_ms"], level),
                    spread(entry["wall_s"]) + " s",
                    "x{:.2f} whole run{}".format(entry["speedup_wall"], ", x{:.2f} transfer phase ({:.2f} s)".format(
                        entry["speedup_transfer_phase"], phase["median"]) if entry.get("speedup_transfer_phase")
                        else "")))
    top = max(c["levels"], key=int)
    out.append(("(4) target c={} >= 6x c=1 (whole run)".format(top), "x{:.2f}".format(
        c["levels"][top]["speedup_wall"]), "{}{}".format(ok(c["met_lifted"]), "; serial part at c=1 {:.2f} s, so at "
                                                        "most x{:.2f} (Amdahl)".format(c["serial_s"], c["amdahl_ceiling"])
                                                        if c.get("serial_s") is not None else "")))
    p = c["paced"]
    out.append(("(4) real budget, c={}: paced upload rate / ceiling".format(top), _num(p["of_ceiling"], "{:.3f}"),
                ">= 0.97, no 429: {}; {} a minute of {} ({} uploads, burst {:.0f}, pacer {:.0f}/min), {} x 429".format(
                    ok(c["met_paced"]), _num(p["paced_rate_per_minute"], "{:.1f}"), p["ceiling_per_minute"],
                    p["uploads"], p["burst"], p["pacer_rate_per_minute"], p["rate_limited_429"])))
    return out
