"""Issue 27.1: every wait has an end or a message. A campaign in A2 waits for a localised file per master; the
daily report names each waiting campaign and the masters it waits for. A master deleted in the DAM after delivery
is not expected any more: the campaign completes without it and the "moved to A3" email names it. A localised file
that arrives for a deleted master is imported (the agency's work is kept) and its result says the master is gone."""
import psycopg2

from tests.e2e.helpers import db_rows, html_of, subjects
from tests.reliability.harness import fresh_lab

CAMPAIGN = "LC-2026-0043"


def _masters(lab):
    return db_rows(lab, "SELECT tracking_id, opentext_id, original_filename FROM master_assets WHERE "
                        "local_campaign_id = %s ORDER BY original_filename", (CAMPAIGN,))


def _time_passes(lab):
    """What a day does to the last look at a waiting campaign's masters, without waiting for it."""
    s = lab.db_settings
    conn = psycopg2.connect(host=s["host"], port=s["port"], dbname=s["name"], user=s["user"], password=s["password"])
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("UPDATE workflow_state SET masters_checked_at = now() - interval '1 day'")
    conn.close()


def test_a_waiting_campaign_is_named_and_a_master_deleted_in_the_dam_no_longer_holds_it_in_a2(pg_server, tmp_path,
                                                                                              pki_dir):
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        assert lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN).returncode == 0
        masters = _masters(lab)
        names = lab.play_agency(CAMPAIGN, limit=len(masters) - 1)
        sent = set(n.split("_")[0].upper() for n in names)
        (missing,) = [m for m in masters if m["tracking_id"] not in sent]
        assert lab.run_script("a2_to_a3_upload_polling").returncode == 0, lab.log_text("a2_to_a3")[-3000:]
        assert lab.otmm.campaign_status(CAMPAIGN) == "A2"

        # the daily report names the waiting campaign and the master it waits for
        assert lab.run_script("daily_report").returncode == 0, lab.log_text("daily_report")[-3000:]
        (report,) = [m for m in lab.smtp.messages() if "Daily report" in str(m["Subject"])]
        html = html_of(report)
        assert CAMPAIGN in html and missing["original_filename"] in html and "waiting" in html.lower(), html

        # a person deletes that master in the DAM; the inbox stays empty from now on
        lab.otmm.delete_asset(missing["opentext_id"])
        _time_passes(lab)
        result = lab.run_script("a2_to_a3_upload_polling")
        assert result.returncode == 0, lab.log_text("a2_to_a3")[-3000:]
        assert lab.otmm.campaign_status(CAMPAIGN) == "A3", lab.log_text("a2_to_a3")[-3000:]
        done = [m for m in lab.smtp.messages() if "moved to A3" in str(m["Subject"])]
        assert len(done) == 1, subjects(lab)
        html = html_of(done[0])
        assert missing["original_filename"] in html and "deleted in the DAM" in html, html
        assert "not expected any more" in html

        # and nothing waits any more: an idle tick is quiet, the next report lists no waiting campaign
        assert lab.run_script("a2_to_a3_upload_polling").returncode == 0
        assert len([m for m in lab.smtp.messages() if "moved to A3" in str(m["Subject"])]) == 1


def test_a_localised_file_for_a_master_deleted_in_the_dam_is_imported_and_said(pg_server, tmp_path, pki_dir):
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        assert lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN).returncode == 0
        masters = _masters(lab)
        names = lab.play_agency(CAMPAIGN)
        gone = masters[0]
        lab.otmm.delete_asset(gone["opentext_id"])  # deleted while the agency was localising it
        assert lab.run_script("a2_to_a3_upload_polling").returncode == 0, lab.log_text("a2_to_a3")[-3000:]
        (late,) = [n for n in names if n.split("_")[0].upper() == gone["tracking_id"]]
        imported = [m for m in lab.smtp.messages() if "imported" in str(m["Subject"])]
        html = "".join(html_of(m) for m in imported)
        assert late in html and "its master was deleted in the DAM" in html, subjects(lab)
        assert lab.otmm.campaign_status(CAMPAIGN) == "A3"
