"""`make demo`: the whole campaign lifecycle against the sandbox, running the real scripts as subprocesses.

A1→A2 delivers masters to Box; the "agency" downloads them, renames them to V2 names and uploads them to the A2→A3
inbox (plus one badly named file); A2→A3 imports them until the campaigns reach A3; some finals are then marked
NOT APPROVED and the campaign goes to A5; A5→A6 sends the rejections back; B1→B2 delivers the global masters; the
daily report closes the day. Exit 0 only when every campaign ends where it should.
"""
import os
import shutil
import sys
import re
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sandbox.lab import Lab  # noqa: E402

EXPECTED = {"LC-2026-0042": "A6", "LC-2026-0043": "A3", "LC-2026-0044": "A1", "LC-2026-0050": "A6",
            "GM-2026-0007": "B2", "LC-2026-0060": "B1"}
F = "FERRERO.FIELD."


def step(lab, title, script, *args, expect=(0,)):
    started = time.time()
    result = lab.run_script(script, *args)
    # the message of the last console line ("2026-11-24 10:05:00,123 INFO    [LC-2026-0042] text")
    last = [re.sub(r"^\S+ \S+ [A-Z]+\s+(\[[^]]*\] )?", "", line)
            for line in result.stdout.strip().splitlines()][-1:] or [""]
    ok = result.returncode in expect
    print("  {:<34} exit {:>2} {:5.1f}s  {}".format(title, result.returncode, time.time() - started,
                                                     last[0][:90]))
    if not ok:
        print(result.stdout)
        raise SystemExit("demo step failed: {} exited {}".format(script, result.returncode))
    return result


def run(workdir, db_settings=None):
    with Lab(workdir, db_settings=db_settings) as lab:
        before = {k: v["status"] for k, v in lab.otmm.snapshot().items()}
        print("Sandbox up: OTMM {}, Box {}, SMTP port {}, PostgreSQL port {}".format(
            lab.otmm.oauth_base_url, lab.box.api_base_url, lab.smtp.port, lab.db_settings["port"]))
        print("\n1. A1→A2: masters to Box (one campaign per tick)")
        step(lab, "a1_to_a2_download.py", "a1_to_a2_download")
        step(lab, "a1_to_a2_download.py --auth-pfx (mTLS)", "a1_to_a2_download", "--auth-pfx")
        step(lab, "a1_to_a2_download.py", "a1_to_a2_download")
        print("\n2. The agency localises and uploads to the A2→A3 inbox")
        for campaign_id in ("LC-2026-0042", "LC-2026-0043"):
            names = lab.play_agency(campaign_id)
            print("  uploaded {} file(s) for {}".format(len(names), campaign_id))
        lab.box.put_file(lab.box.roots["a2_a3"], "Nutella banner FINAL v3.jpg", b"not a V2 name")
        print("  uploaded 1 badly named file: 'Nutella banner FINAL v3.jpg'")
        print("\n3. A2→A3: import into the DAM until every master is localised")
        for _ in range(4):
            step(lab, "a2_to_a3_upload_polling.py", "a2_to_a3_upload_polling")
        print("\n4. Review in the DAM: two finals of LC-2026-0042 NOT APPROVED, campaign to A5")
        finals = [a for a in lab.otmm.snapshot()["LC-2026-0042"]["assets"] if a["path"].startswith("Final Assets")]
        for asset in finals[:2]:
            lab.otmm.set_asset_field(asset["asset_id"], F + "ECOMMERCE_STATUS", "NOT APPROVED")
            lab.otmm.set_asset_field(asset["asset_id"], F + "APPROVER_COMMENT", "Packshot too dark, please rework")
            lab.otmm.set_asset_field(asset["asset_id"], F + "REJECTION_REASON", "Brand guidelines")
        lab.otmm.set_campaign_status("LC-2026-0042", "A5")
        print("  marked {} asset(s) NOT APPROVED".format(min(2, len(finals))))
        print("\n5. A5→A6: rejections back to the agency")
        for _ in range(3):
            step(lab, "a5_to_a6_download.py", "a5_to_a6_download")
        print("\n6. B1→B2: global masters")
        for _ in range(2):
            step(lab, "b1_to_b2_download.py", "b1_to_b2_download")
        print("\n7. Daily report")
        step(lab, "daily_report.py", "daily_report")
        operators_view(lab)
        return summarise(lab, before)


def operators_view(lab):
    """What an operator sees without SQL at the end of the day: status.py (exit 1 here: the badly named file waits
    in _Needs attention) and the trace of one campaign."""
    print("\n8. The operator's view: status.py, then trace.py LC-2026-0043")
    for script, args, expect in (("status", (), (0, 1)), ("trace", ("LC-2026-0043",), (0,))):
        result = lab.run_script(script, *args)
        lines = result.stdout.rstrip().splitlines()
        shown = lines if script == "status" else lines[:24] + (["  ... ({} more lines)".format(len(lines) - 24)]
                                                              if len(lines) > 24 else [])
        print("  $ python scripts/{}.py {}   (exit {})".format(script, " ".join(args), result.returncode))
        print("\n".join("    " + line for line in shown))
        if result.returncode not in expect:
            print(result.stderr)
            raise SystemExit("demo step failed: {} exited {}".format(script, result.returncode))


def summarise(lab, before):
    from tests.e2e.helpers import db_rows
    after = {k: v["status"] for k, v in lab.otmm.snapshot().items()}
    moved = {r["campaign_id"]: r["n"] for r in db_rows(
        lab, "SELECT campaign_id, count(*) AS n FROM transfer_items WHERE state = 'done' GROUP BY campaign_id")}
    for r in db_rows(lab, "SELECT local_campaign_id AS c, count(*) AS n FROM derivative_assets WHERE state = "
                          "'cleaned' GROUP BY local_campaign_id"):
        moved[r["c"]] = moved.get(r["c"], 0) + r["n"]
    subjects = [str(m["Subject"]) for m in lab.smtp.messages()]
    print("\n{:<14} {:>8}  {:>6}  {:>13}  {:>11}".format("campaign", "before", "after", "assets moved", "emails sent"))
    ok = True
    for campaign_id in sorted(after):
        mails = sum(1 for s in subjects if campaign_id in s)
        expected = EXPECTED.get(campaign_id, after[campaign_id])
        flag = "" if after[campaign_id] == expected else "   <-- expected {}".format(expected)
        ok = ok and not flag
        print("{:<14} {:>8}  {:>6}  {:>13}  {:>11}{}".format(campaign_id, before[campaign_id], after[campaign_id],
                                                             moved.get(campaign_id, 0), mails, flag))
    print("\nEmails: {} captured in {} (.eml and rendered .html)".format(len(subjects), lab.smtp.out_dir))
    print("Logs:   {}".format(os.path.join(lab.workdir, "logs")))
    print("Box:    {} file(s) in _Needs attention".format(
        len(lab.box.tree(lab.box.roots["a2_a3"])["folders"].get("_Needs attention", {"files": {}})["files"])))
    print("\nDemo {}".format("finished: every campaign ended where it should." if ok else "FAILED"))
    return 0 if ok else 1


def main():
    workdir = os.path.join(ROOT, "var", "demo")
    shutil.rmtree(workdir, ignore_errors=True)
    started = time.time()
    try:
        code = run(workdir)
    except KeyboardInterrupt:
        print("\nInterrupted: everything the demo started has been stopped.")
        return 130
    print("Took {:.0f}s".format(time.time() - started))
    return code


if __name__ == "__main__":
    sys.exit(main())
