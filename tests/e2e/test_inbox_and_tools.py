"""A2->A3 from the Box inbox, --dry-run, the connection check and configuration errors, as real scripts."""
import json

import pytest

from tests.e2e.helpers import box_files, db_rows, subjects

F = "FERRERO.FIELD."


def _state(lab):
    tables = ("master_assets", "derivative_assets", "transfer_items", "asset_events", "workflow_state",
              "notifications")
    counts = {t: db_rows(lab, "SELECT count(*) AS n FROM {}".format(t))[0]["n"] for t in tables}
    boxes = {k: lab.box.tree(v) for k, v in lab.box.roots.items()}
    return json.dumps([counts, boxes, lab.otmm.snapshot(), len(lab.smtp.messages())], sort_keys=True, default=str)


def test_a2_to_a3_imports_good_files_quarantines_the_rest_and_advances(lab):
    assert lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0043").returncode == 0
    uploaded = lab.play_agency("LC-2026-0043")          # two good files, one with a lower-case TID
    inbox = lab.box.roots["a2_a3"]
    agency = lab.box.ensure_folder(inbox, "agency upload LC-2026-0043")
    first_bytes = lab.box.file_bytes(box_files(lab.box.tree(agency))[uploaded[0]]["id"])
    lab.box.put_file(inbox, "copy of " + uploaded[0], first_bytes)        # bad name
    lab.box.put_file(agency, uploaded[0].replace(" localised", " again"), first_bytes)  # same bytes: duplicate
    lab.box.put_file(inbox, "ZZZZZZ_it_unknown.jpg", b"unknown tid")
    lab.box.put_file(inbox, "K7Q2XM_xx-XX_bad language.jpg", b"language")
    result = lab.run_script("a2_to_a3_upload_polling")
    assert result.returncode == 0, result.stdout
    final = [a for a in lab.otmm.snapshot()["LC-2026-0043"]["assets"] if a["path"] == "Final Assets"]
    duplicate = uploaded[0].replace(" localised", " again")
    assert sorted(a["name"].upper() for a in final) == sorted(
        [n.upper() for n in uploaded[1:]] + [min(uploaded[0], duplicate).upper()])  # one of the identical copies
    masters = {r["tracking_id"]: r for r in db_rows(lab, "SELECT * FROM master_assets")}
    for asset in final:
        fields = asset["fields"]
        assert fields[F + "STATE"] == "Local" and fields[F + "LANGUAGE"] == "it-IT"
        assert fields[F + "TRACKING_ID"] in masters and fields[F + "DESCRIPTION"].split()[-1] in ("localised", "again")
        assert fields[F + "BRAND"] == {"domain": "NUTELLA", "label": None} or fields[F + "BRAND"] == "NUTELLA"
    tree = lab.box.tree(inbox)
    assert box_files(tree["folders"]["agency upload LC-2026-0043"]) == {}
    attention = sorted(tree["folders"]["_Needs attention"]["files"])
    assert len(attention) == 4 and "ZZZZZZ_it_unknown.jpg" in attention
    assert lab.otmm.campaign_status("LC-2026-0043") == "A3"
    mails = subjects(lab)
    assert "[A2→A3] A2→A3 inbox: 4 file(s) need attention" in mails
    assert "[A2→A3] LC-2026-0043 Kinder Back to School: every master localised, campaign moved to A3" in mails
    report = next(m for m in lab.smtp.messages() if "need attention" in str(m["Subject"]))
    text = report.get_body(("plain",)).get_content()
    assert "tracking id ZZZZZZ is not known" in text and "language 'xx-XX' is not allowed" in text
    assert "identical to" in text
    # the email links the folder the files were moved to, and the inbox to upload the renamed files to
    html = report.get_body(("html",)).get_content()
    attention_url = "https://app.box.com/folder/{}".format(tree["folders"]["_Needs attention"]["id"])
    assert 'href="{}"'.format(attention_url) in html and attention_url in text
    assert 'href="https://app.box.com/folder/{}"'.format(inbox) in html
    derivatives = db_rows(lab, "SELECT state FROM derivative_assets")
    assert sorted(d["state"] for d in derivatives) == ["cleaned", "cleaned"]
    before = len(lab.smtp.messages())
    again = lab.run_script("a2_to_a3_upload_polling")
    assert again.returncode == 0 and "No files waiting" in again.stdout
    assert len(lab.smtp.messages()) == before


@pytest.mark.slow
def test_dry_run_changes_nothing_anywhere(lab):
    assert lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0043").returncode == 0
    lab.play_agency("LC-2026-0043")
    lab.box.put_file(lab.box.roots["a2_a3"], "bad name.jpg", b"x")
    before = _state(lab)
    for script in ("a1_to_a2_download", "a5_to_a6_download", "b1_to_b2_download", "a2_to_a3_upload_polling"):
        result = lab.run_script(script, "--dry-run")
        assert result.returncode == 0, result.stdout
        assert "DRY RUN" in result.stdout
    assert _state(lab) == before


def test_test_connection_reports_each_part(lab):
    ok = lab.run_script("test_connection")
    assert ok.returncode == 0, ok.stdout
    for part in ("Database", "DAM", "Box", "SMTP", "Webhook"):
        assert any(line.startswith(part) and " OK " in line for line in ok.stdout.splitlines()), part
    mtls = lab.run_script("test_connection", "--auth-pfx")
    assert mtls.returncode == 0 and "via mTLS" in mtls.stdout
    bad = lab.run_script("test_connection", env={"DB_PASSWORD": "wrong-password", "SMTP_PASSWORD": "nope"})
    assert bad.returncode == 1
    lines = {line.split()[0]: line for line in bad.stdout.splitlines() if line.strip()}
    assert " FAIL " in lines["Database"] and "5437" not in lines["Database"]
    assert " FAIL " in lines["SMTP"] and "login refused" in lines["SMTP"]
    assert "wrong-password" not in bad.stdout and " OK " in lines["DAM"]


def test_configuration_error_exits_2_and_names_the_fix(lab):
    result = lab.run_script("a1_to_a2_download", env={"DB_PASSWORD": "", "BOX_ROOT_FOLDER_A1_A2": "abc"})
    assert result.returncode == 2
    # issue #16: a variable present but empty says so (it is not "not set")
    assert "database.password: refers to ${DB_PASSWORD}, which is set but empty" in result.stdout
    assert "box.roots.a1_a2: must be a Box folder id" in result.stdout
    missing = lab.run_script("a1_to_a2_download", env={"BOX_CONFIG_PATH": "/nonexistent/Box-config.json"})
    assert missing.returncode == 2 and "Box-config.json not found at /nonexistent/Box-config.json" in missing.stdout


def test_daily_report_email_with_csv(lab):
    assert lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0043").returncode == 0
    result = lab.run_script("daily_report")
    assert result.returncode == 0, result.stdout
    report = lab.smtp.messages()[-1]
    assert "[Daily report]" in str(report["Subject"]) and "1 campaign(s) advanced, 2 asset(s) moved" in str(
        report["Subject"])
    attachments = {a.get_filename(): a for a in report.iter_attachments()}
    day = str(report["Subject"]).split("]")[1].split(":")[0].strip()
    assert sorted(attachments) == ["daily_report_{}_{}.csv".format(day, t)
                                   for t in ("failures", "moves", "stuck", "trend", "workflows")]
    raw = attachments["daily_report_{}_workflows.csv".format(day)].get_payload(decode=True)
    assert raw.startswith(b"\xef\xbb\xbf")                  # UTF-8 with BOM: Excel reads it as UTF-8
    assert "{},A1-A2,1,2,0,0,0,".format(day) in raw.decode("utf-8-sig")
    printed = lab.run_script("daily_report", "--print")
    assert printed.returncode == 0, printed.stdout
    assert "== daily_report_{}_workflows.csv\nDate,Workflow,".format(day) in printed.stdout.replace("\r\n", "\n")
    assert "== daily_report_{}_stuck.csv".format(day) in printed.stdout and "\ufeff" not in printed.stdout


def test_mtls_certificate_check(lab):
    ok = lab.run_script("test_mtls_cert", "--handshake")
    assert ok.returncode == 0, ok.stdout
    assert "CN=dam-client" in ok.stdout and "Handshake            OK" in ok.stdout and "Days left" in ok.stdout
    expired = lab.run_script("test_mtls_cert", env={"DAM_MTLS_CERT_PATH": lab.otmm.pki["client_expired_pfx"]})
    assert expired.returncode == 1 and "EXPIRED" in expired.stdout
    wrong = lab.run_script("test_mtls_cert", env={"DAM_MTLS_CERT_PASSWORD": "not-the-password"})
    assert wrong.returncode == 1 and "wrong password" in wrong.stdout and "not-the-password" not in wrong.stdout
    other = lab.run_script("a1_to_a2_download", "--auth-pfx",
                           env={"DAM_MTLS_CERT_PATH": lab.otmm.pki["client_other_ca_pfx"]})
    # issue #16: the TLS refusal is named (unknown CA alert, or the handshake closed under TLS 1.3): wrong PFX first
    assert other.returncode == 1 and "our client certificate" in other.stdout
    assert "wrong PFX?" in other.stdout and "HTTPSConnectionPool" not in other.stdout
