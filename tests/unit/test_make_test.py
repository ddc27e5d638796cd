"""What README says of `make test`: it runs in parallel, two pytest-xdist workers per core (most of a test's time is
waiting, not computing), slow tests first, its 20 slowest tests listed; TEST_WORKERS=0 runs it in one process."""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _pytest_line(*args):
    out = subprocess.run(["make", "-n", "-o", ".venv/.installed", "-o", ".venv-sbom/.installed", "test"] + list(args),
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                         check=True).stdout
    lines = [x for x in out.splitlines() if "/bin/pytest" in x]
    assert len(lines) == 1, out
    return lines[0]


def test_make_test_runs_two_workers_per_core_and_lists_the_slowest():
    line = _pytest_line()
    assert " -n {} ".format(2 * int(subprocess.check_output(["nproc"]))) in line, line
    assert "--maxschedchunk=1" in line and "--durations=20" in line


def test_test_workers_zero_runs_one_process():
    line = _pytest_line("TEST_WORKERS=0")
    assert " -n 0 " in line and "--maxschedchunk" not in line, line
