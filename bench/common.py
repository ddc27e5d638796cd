"""What every bench module shares: the project root and how a set of runs is summarised and shown."""
import os
import re
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


PACING = re.compile(r"waited ([\d.]+)s for the calls budget, ([\d.]+)s for the uploads budget")


def pacing_waits(text):
    """(calls, uploads) seconds the "Box pacing for ...: waited" lines in ``text`` (a run's output, or a part of a
    log with several runs) add up to; (0, 0) when none waited."""
    found = PACING.findall(text)
    return sum((float(c) for c, _ in found), 0.0), sum((float(u) for _, u in found), 0.0)


def run_threads(threads):
    """Start every thread, wait for all; the wall time in seconds (the bench's parallel lanes and workers)."""
    import time
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started
