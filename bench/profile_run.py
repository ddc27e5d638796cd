"""Run a workflow script under cProfile in every thread (``python -m cProfile`` sees the main thread only, and the
transfers run in worker threads); the stats of all threads are merged into one file for pstats. Times are each
thread's CPU time (time.thread_time), not wall time: where the CPU goes, not where a thread waits.

    python -m bench.profile_run OUT.prof scripts/a1_to_a2_download.py [ARGS...]

Used by docs/performance.md's profile of (b3); not part of `make bench`.
"""
import cProfile
import os
import pstats
import runpy
import sys
import threading
import time


def main(argv=None):
    argv = list(argv if argv is not None else sys.argv[1:])
    out, script = argv[0], argv[1]
    profiles = []
    lock = threading.Lock()
    original = threading.Thread.run

    def profiled(self):
        profile = cProfile.Profile(time.thread_time)
        with lock:
            profiles.append(profile)
        profile.enable()
        try:
            original(self)
        finally:
            profile.disable()
    threading.Thread.run = profiled
    main_profile = cProfile.Profile(time.thread_time)
    profiles.append(main_profile)
    sys.argv = [script] + argv[2:]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    code = 0
    main_profile.enable()
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        main_profile.disable()
        stats = pstats.Stats(main_profile)
        for profile in profiles[1:]:
            try:
                stats.add(profile)
            except TypeError:  # a thread that never ran anything
                pass
        stats.dump_stats(out)
    return code


if __name__ == "__main__":
    sys.exit(main())
