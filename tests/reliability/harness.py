"""Reliability harness: fresh sandboxes per trial, a kill switch on the k-th external call, and a normalised view
of everything a user would check (Box, DAM, database, mailbox) so runs with different random TIDs compare equal."""
import contextlib
import datetime
import os
import re
import signal
import subprocess
import threading
import uuid

import psycopg2

from sandbox.lab import ROOT, Lab
from tests.e2e.helpers import box_files, db_rows

TID = re.compile(r"(?<![A-Za-z0-9])[0-9A-Za-z]{6}_")
LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) \w+\s+\[run=(\w+)")


def norm(text):
    return TID.sub("TID_", text)


@contextlib.contextmanager
def fresh_lab(pg_server, tmp_path, pki_dir, **env):
    """A lab on a new empty database cloned from the migrated template; extra env applies to every script run."""
    name = "dam_rel_{}".format(uuid.uuid4().hex[:10])
    admin = psycopg2.connect(host=pg_server["host"], port=pg_server["port"], user=pg_server["user"],
                             password=pg_server["password"], dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute('CREATE DATABASE "{}" TEMPLATE "{}"'.format(name, pg_server["template"]))
    settings = dict(pg_server, name=name)
    lab = Lab(os.path.join(str(tmp_path), name), db_settings=settings, pki_dir=pki_dir)
    lab.extra_env.update(env)
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()
        with admin.cursor() as cur:
            cur.execute('DROP DATABASE IF EXISTS "{}" WITH (FORCE)'.format(name))
        admin.close()


def run_killed_after(lab, k, script, *args):
    """Run a script and SIGKILL it right after the sandboxes served its k-th request (the request took effect,
    the answer never arrived). Returns (returncode, requests served)."""
    env = dict(os.environ)
    env.update(lab.env())
    env["DAM_ENV_FILE"] = os.path.join(lab.workdir, "no-such.env")
    lock = threading.Lock()
    state = {"n": 0, "proc": None, "killed": False}

    def hook(method, path, total):
        with lock:
            state["n"] += 1
            if state["n"] == k and state["proc"] is not None:
                state["killed"] = True
                os.kill(state["proc"].pid, signal.SIGKILL)

    middlewares = (lab.otmm.middleware, lab.box.middleware)
    for mw in middlewares:
        mw.after_request.append(hook)
    try:
        with lock:
            state["proc"] = subprocess.Popen([lab.product_python, os.path.join("scripts", script + ".py")] + list(args),
                                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        code = state["proc"].wait(timeout=120)
    finally:
        for mw in middlewares:
            mw.after_request.remove(hook)
    return code, state["n"], state["killed"]


def run_seconds(lab, log_name):
    """How long the last run of ``log_name`` worked, by its own log (first line to last): the time a deadline
    governs, without the interpreter's start-up, which a loaded machine (parallel test workers) stretches."""
    stamps = {}
    last = None
    for line in lab.log_text(log_name).splitlines():
        match = LOG_LINE.match(line)
        if match:
            last = match.group(2)
            stamps.setdefault(last, []).append(datetime.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f"))
    assert last is not None, "no run in logs/{}.log".format(log_name)
    return (stamps[last][-1] - stamps[last][0]).total_seconds()


def expire_leases(lab):
    """What time does to a dead run's lease (lease_seconds later), without waiting for it."""
    s = lab.db_settings
    conn = psycopg2.connect(host=s["host"], port=s["port"], dbname=s["name"], user=s["user"], password=s["password"])
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("UPDATE workflow_state SET lease_expires_at = now() - interval '1 second' "
                    "WHERE lease_expires_at IS NOT NULL")
    conn.close()


def until_done(lab, script, args, done, max_ticks=6):
    """Run ticks (expiring dead leases between them) until ``done()``; returns the ticks used."""
    for tick in range(1, max_ticks + 1):
        expire_leases(lab)
        lab.run_script(script, *args)
        if done():
            return tick
    raise AssertionError("not done after {} ticks:\n{}".format(max_ticks, lab.log_text(script.replace(
        "_download", "").replace("_upload_polling", ""))[-3000:]))


def end_state(lab):
    """Everything a user checks, with random tracking ids normalised."""
    boxes = {}
    for root, folder_id in lab.box.roots.items():
        for path, info in box_files(lab.box.tree(folder_id)).items():
            boxes["{}/{}".format(root, norm(path))] = (info["sha1"], info["size"], info["versions"])
    dam = {}
    for campaign_id, campaign in lab.otmm.snapshot().items():
        assets = sorted((a["path"], norm(a["name"]), a["sha1"]) for a in campaign["assets"])
        dam[campaign_id] = {"status": campaign["status"], "locked": campaign["locked"], "assets": assets}
    counts = {
        "masters": db_rows(lab, "SELECT count(*) AS n, count(box_file_id) AS in_box FROM master_assets")[0],
        "transfers": sorted((r["state"], r["n"]) for r in db_rows(
            lab, "SELECT state, count(*) AS n FROM transfer_items GROUP BY state")),
        "derivatives": sorted((r["state"], r["n"]) for r in db_rows(
            lab, "SELECT state, count(*) AS n FROM derivative_assets GROUP BY state")),
        "campaigns": sorted((r["workflow"], r["campaign_id"], r["state"]) for r in db_rows(
            lab, "SELECT workflow, campaign_id, state FROM workflow_state")),
    }
    success = [norm(str(m["Subject"])) for m in lab.smtp.messages()
               if "delivered" in str(m["Subject"]) or "moved to A3" in str(m["Subject"])
               or "imported" in str(m["Subject"]) or "sent back" in str(m["Subject"])]
    leftovers = []
    temp = os.path.join(lab.workdir, "temp")
    for dirpath, dirs, files in os.walk(temp):
        if dirpath == temp and "tokens" in dirs:
            dirs.remove("tokens")  # the DAM/Box token cache is kept between ticks on purpose (token_store.py)
        leftovers.extend(os.path.join(dirpath, f) for f in files)
    return {"box": boxes, "dam": dam, "db": counts, "success_mail": sorted(success), "temp_files": leftovers}


def compare(reference, got):
    """(duplicates, lost, differences) between two end states."""
    ref_box, got_box = set(reference["box"]), set(got["box"])
    duplicates = len(got_box - ref_box) + sum(
        max(0, len(c["assets"]) - len(reference["dam"][n]["assets"])) for n, c in got["dam"].items())
    lost = len(ref_box - got_box) + sum(
        max(0, len(reference["dam"][n]["assets"]) - len(c["assets"])) for n, c in got["dam"].items())
    diffs = [k for k in reference if reference[k] != got[k]]
    return duplicates, lost, diffs
