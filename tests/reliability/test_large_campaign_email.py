"""Large campaigns stay readable: an email about hundreds of assets stays under 100 KB of HTML (mail clients clip
beyond about 102 KB); the full list travels as a CSV attachment."""
import csv
import io
import time

from tests.e2e.helpers import html_of, subjects
from tests.reliability.harness import fresh_lab

COUNT = 300


def test_an_email_about_hundreds_of_assets_is_summarised_and_carries_the_full_list_as_csv(pg_server, tmp_path,
                                                                                         pki_dir):
    with fresh_lab(pg_server, tmp_path, pki_dir, TRANSFER_CONCURRENCY="8") as lab:
        assets = [{"name": "banner {:03d} with a rather long descriptive file name_{}.jpg".format(i, "x" * 40),
                   "size": 10} for i in range(COUNT)]
        lab.otmm.add_campaign({"number": "LC-2026-0780", "name": "Big launch", "status": "A1", "type": "Local comm",
                               "folders": {"Master Assets": {"folders": {"Banners and a long folder name": {
                                   "assets": assets}}}}})
        started = time.time()
        result = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0780", timeout=600)
        assert result.returncode == 0, lab.log_text("a1_to_a2")[-3000:]
        mail = [m for m in lab.smtp.messages() if "delivered" in str(m["Subject"])]
        assert len(mail) == 1, subjects(lab)
        html = html_of(mail[0])
        assert len(html.encode("utf-8")) < 100 * 1024, len(html.encode("utf-8"))
        assert "{} assets".format(COUNT) in html and "attached" in html
        attachments = [p for p in mail[0].iter_attachments() if p.get_filename() and
                       p.get_filename().endswith(".csv")]
        assert len(attachments) == 1
        rows = list(csv.DictReader(io.StringIO(attachments[0].get_content())))
        assert len(rows) == COUNT and {"tracking_id", "filename", "folder_path", "size", "url"} <= set(rows[0])
        assert sorted(r["filename"][7:] for r in rows) == sorted(a["name"] for a in assets)
        print("run took {:.1f}s".format(time.time() - started))
