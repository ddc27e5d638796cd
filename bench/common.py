"""What every bench module shares: the project root and how a set of runs is summarised and shown."""
import os
import statistics

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def stats(values):
    values = list(values)
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": values}


def spread(s, fmt="{:.2f}"):
    """'median (min-max, n=runs)' of a stats() dict."""
    return "{} ({}-{}, n={})".format(fmt.format(s["median"]), fmt.format(s["min"]), fmt.format(s["max"]),
                                     len(s["runs"]))


def ok(flag):
    return "met" if flag else "MISSED"


def run_threads(threads):
    """Start every thread, wait for all; the wall time in seconds (the bench's parallel lanes and workers)."""
    import time
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def configured_box_limit(key):
    """config/config.yaml's box.<key> (a per-minute budget) as the product reads it: the value may name an
    environment variable with a default (${BOX_MAX_CALLS_PER_MINUTE:-900}), and the bench runs the scripts with the
    environment it has."""
    import yaml
    from scripts.shared.core.config import interpolate
    with open(os.path.join(ROOT, "config", "config.yaml")) as f:
        value = yaml.safe_load(f)["box"][key]
    return int(interpolate(str(value), os.environ, "config/config.yaml", "box." + key, [], {}))


def phase_seconds(output, start=" to do", end=" status A1 -> A2 "):
    """Seconds between the first log line holding ``start`` and the first holding ``end`` in a script's output (by
    default A1->A2's transfer phase: 'N to do' to the status change); None when either is missing."""
    import datetime
    stamps = {}
    for line in output.splitlines():
        for key, marker in (("start", start), ("end", end)):
            if marker in line and key not in stamps:
                stamps[key] = line[:23]
    try:
        parse = [datetime.datetime.strptime(stamps[k], "%Y-%m-%d %H:%M:%S,%f") for k in ("start", "end")]
    except (KeyError, ValueError):
        return None
    return (parse[1] - parse[0]).total_seconds()
