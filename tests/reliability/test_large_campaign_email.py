"""Large campaigns stay readable: an email about a large campaign stays under 100 KB of HTML (mail clients clip
beyond about 102 KB); the full list travels as a CSV attachment.

The workflow run moves COUNT assets whose long names and deep folder make the full list well past the limit (every
asset is one Box upload, paced by the shared upload budget, here Box's 240 a minute: the list's size makes the limit
bite, not the count). Hundreds of entries in every template with a list come after it, through the real
notifier and SMTP server."""
import csv
import io
import time

import pytest

from tests.e2e.helpers import html_of, subjects
from tests.integration.notify_fixtures import notify_config, smtp_catcher, smtp_pki  # noqa: F401,F811 (fixtures)
from tests.reliability.harness import fresh_lab

COUNT = 90
FOLDER = "Banners and a long folder name for the spring launch in every market, web and social formats"
LONG = "with a rather long descriptive file name that agencies like to give to every banner they " \
       "deliver in a big launch"


@pytest.mark.slow
def test_an_email_about_a_large_campaign_is_summarised_and_carries_the_full_list_as_csv(pg_server, tmp_path, pki_dir):
    with fresh_lab(pg_server, tmp_path, pki_dir, TRANSFER_CONCURRENCY="8",
                   BOX_MAX_UPLOADS_PER_MINUTE="240") as lab:
        assets = [{"name": "banner {:03d} {}_{}.jpg".format(i, LONG, "x" * 40), "size": 10} for i in range(COUNT)]
        lab.otmm.add_campaign({"number": "LC-2026-0780", "name": "Big launch", "status": "A1", "type": "Local comm",
                               "folders": {"Master Assets": {"folders": {FOLDER: {"assets": assets}}}}})
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
        rows = list(csv.DictReader(io.StringIO(attachments[0].get_payload(decode=True).decode("utf-8-sig"))))
        assert len(rows) == COUNT and {"tracking_id", "filename", "folder_path", "size", "url"} <= set(rows[0])
        assert sorted(r["filename"][7:] for r in rows) == sorted(a["name"] for a in assets)
        print("run took {:.1f}s".format(time.time() - started))


# -- every template with a list, rendered through the real notifier and SMTP server with hundreds of entries --------
MANY = 400
TEN_FIELDS = [{"label": "Rejection field {}".format(n), "value": "Reviewer note {} about the logo, the colours and "
               "the claim <b>as agreed</b> & resend".format(n)} for n in range(10)]


def _many(rows, key):
    """``MANY`` distinct entries shaped like ``rows[0]`` (long names, as real campaigns have)."""
    out = []
    for i in range(MANY):
        row = dict(rows[0])
        tid = "T{:05d}".format(i)
        if "tracking_id" in row:
            row["tracking_id"] = tid
        row["filename"] = "{}_{} {:03d} with a rather long descriptive file name_{}.jpg".format(tid, key, i, "x" * 30)
        if key == "rejected":
            row["rejection"] = TEN_FIELDS
        out.append(row)
    return out


def _large_contexts():
    from scripts.shared.workflows.sample_contexts import sample_contexts
    samples = sample_contexts()
    grow = {"a1_to_a2_complete": ("assets",), "a1_to_a2_partial": ("assets", "failures"),
            "a5_to_a6_rejections": ("assets",), "a5_to_a6_partial": ("assets", "failures"),
            "b1_to_b2_complete": ("assets",), "b1_to_b2_partial": ("assets", "failures"),
            "a2_to_a3_file_uploaded": ("assets", "quarantined", "failures"), "a2_to_a3_complete": ("assets",)}
    for template, keys in grow.items():
        ctx = dict(samples[template])
        for key in keys:
            model = ctx.get(key) or samples["a1_to_a2_partial"][key]
            ctx[key] = _many(model, "rejected" if template.startswith("a5") and key == "assets" else key)
        yield template, ctx, keys
    daily = dict(samples["daily_summary_report"])
    daily["failures"] = [dict(daily["failures"][0], tracking_id="T{:05d}".format(i),
                              reason="DAM GET /otmmapi/v6/assets/{:032x}/contents HTTP 503: service unavailable"
                                     .format(i)) for i in range(MANY)]
    daily["stuck"] = [dict(daily["stuck"][0], campaign_id="LC-2026-{:04d}".format(i)) for i in range(MANY)]
    yield "daily_summary_report", daily, ("failures", "stuck")


def test_every_email_with_a_list_stays_under_100_kb_says_it_was_cut_and_attaches_the_full_list(
        notify_config, smtp_catcher):  # noqa: F811 (the imported fixtures)
    from scripts.shared.notify.daily_summary import csv_files
    from scripts.shared.notify.notifier import Notifier
    notifier = Notifier(notify_config)
    for template, ctx, keys in _large_contexts():
        attachments = ()
        if template == "daily_summary_report":
            attachments = [(name, data, "text/csv") for name, data in csv_files(ctx)]
        assert notifier.send_email(template, ctx.get("campaign", {}) and ctx["campaign"]["campaign_id"], ctx,
                                   attachments=attachments) == "sent", template
        mail = smtp_catcher.messages()[-1]
        html = html_of(mail)
        assert len(html.encode("utf-8")) < 100 * 1024, (template, len(html.encode("utf-8")))
        assert "Only the first" in html and "attached" in html, template
        assert "Only the first" in mail.get_body(("plain",)).get_content(), template
        csvs = {p.get_filename(): p.get_payload(decode=True) for p in mail.iter_attachments()
                if (p.get_filename() or "").endswith(".csv")}
        for key in keys:
            (name,) = [n for n in csvs if n.endswith("{}.csv".format(key))]
            raw = csvs[name]
            assert raw.startswith(b"\xef\xbb\xbf"), (template, name)  # UTF-8 with BOM: Excel reads accents right
            rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
            assert len(rows) == MANY + 1, (template, name, len(rows))
            if template.startswith("a5") and key == "assets":
                header = rows[0]
                assert all(f["label"] in header for f in TEN_FIELDS), header
                assert TEN_FIELDS[9]["value"] in rows[1], rows[1]
