"""One bad item never stalls the rest: values PostgreSQL refuses, malformed answers, unexpected exceptions."""
import pytest

from tests.e2e.helpers import box_files, db_rows, html_of, subjects
from tests.reliability.harness import fresh_lab


def test_nul_and_control_characters_in_names_are_stored_escaped_and_the_tick_goes_on(pg_server, tmp_path,
                                                                                       pki_dir):
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        lab.otmm.add_campaign({"number": "LC-2026-0778", "name": "Nul\x00 campaign\x07", "status": "A1",
                               "type": "Local comm", "folders": {"Master Assets": {
                                   "assets": [{"name": "fine.jpg", "size": 10}],
                                   "folders": {"Sub\x00folder": {"assets": [
                                       {"name": "bad\x00name\x1b.jpg", "size": 20}]}}}}})
        result = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0778")
        assert result.returncode == 0, lab.log_text("a1_to_a2")[-3000:]
        files = box_files(lab.box.tree(lab.box.roots["a1_a2"]))
        assert sorted(f["size"] for f in files.values()) == [10, 20]
        assert lab.otmm.campaign_status("LC-2026-0778") == "A2"
        stored = db_rows(lab, "SELECT original_filename, folder_path FROM transfer_items ORDER BY original_filename")
        assert [r["original_filename"] for r in stored] == ["bad\\x00name\x1b.jpg", "fine.jpg"]
        assert stored[0]["folder_path"] == "Sub\\x00folder"
        mail = [m for m in lab.smtp.messages() if "delivered" in str(m["Subject"])]
        assert len(mail) == 1, subjects(lab)
        assert "Sub\\x00folder" in html_of(mail[0]) and "_badname.jpg" in html_of(mail[0]) and "Nul\\x00 campaign\\x07" in str(mail[0]["Subject"])
        assert "\x00" not in html_of(mail[0])


def test_a_malformed_answer_for_one_campaign_is_charged_to_it_and_the_next_tick_moves_the_next(pg_server, tmp_path,
                                                                                               pki_dir):
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        masters = lab.otmm.folder_id("LC-2026-0042", "Master Assets")
        lab.otmm.middleware.set_faults([{"path": masters + "/children", "body": '{"folder_children": "garbage"}'}])
        first = lab.run_script("a1_to_a2_download")
        assert first.returncode == 1
        assert "Please report this" not in lab.log_text("a1_to_a2")
        alerts = [s for s in subjects(lab) if "ACTION NEEDED" in s]
        assert len(alerts) == 1 and "LC-2026-0042" in alerts[0], subjects(lab)
        state = db_rows(lab, "SELECT state, last_error, lease_owner FROM workflow_state WHERE campaign_id = %s",
                        ("LC-2026-0042",))[0]
        assert state["state"] == "failed" and "AttributeError" in state["last_error"] and not state["lease_owner"]
        assert lab.run_script("a1_to_a2_download").returncode == 0   # the next tick moves the next campaign
        assert lab.otmm.campaign_status("LC-2026-0043") == "A2"
        assert lab.otmm.campaign_status("LC-2026-0042") == "A1"


def test_an_unexpected_error_before_any_campaign_sends_the_run_error_alert(pg_server, tmp_path, pki_dir):
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        lab.otmm.middleware.set_faults([{"path": "/search/text", "body": '{"search_result_resource": []}'}])
        assert lab.run_script("a1_to_a2_download").returncode == 1
        alerts = [m for m in lab.smtp.messages() if "ACTION NEEDED" in str(m["Subject"])]
        assert len(alerts) == 1, subjects(lab)
        assert "AttributeError" in html_of(alerts[0])
        assert "Please report this" not in lab.log_text("a1_to_a2")


@pytest.mark.slow
def test_cut_short_or_malformed_answers_of_token_endpoints_and_box_listings_are_retried(pg_server, tmp_path,
                                                                                        pki_dir):
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        lab.otmm.middleware.set_faults([{"path": "/oauth2/token", "count": 1, "body": '{"access_tok'}])
        lab.box.middleware.set_faults([{"path": "^/oauth2/token", "count": 1, "body": '{"access_tok'}])
        result = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0043")
        assert result.returncode == 0, lab.log_text("a1_to_a2")[-3000:]
        assert all(r.hits == 1 for mw in (lab.otmm.middleware, lab.box.middleware) for r in mw.rules)
        lab.play_agency("LC-2026-0043")
        lab.box.middleware.set_faults([{"path": "^/2.0/folders/[0-9]+/items", "count": 1, "body": '{"entries": [{"ty'},
                                       {"path": "^/2.0/folders/[0-9]+/items", "count": 1, "truncate": True}])
        result = lab.run_script("a2_to_a3_upload_polling")
        assert result.returncode == 0, lab.log_text("a2_to_a3")[-3000:]
        assert lab.otmm.campaign_status("LC-2026-0043") == "A3"
        assert [r.hits for r in lab.box.middleware.rules] == [1, 1]
