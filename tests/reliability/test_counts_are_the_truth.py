"""Issue 27.4: every count in a subject, heading and webhook is the body's count: the totals, not the rows an email
cut to fit shows, and never an asset deleted in the DAM counted as delivered."""
import re

from tests.e2e.helpers import box_files, html_of, subjects
from tests.integration.notify_fixtures import notify_config, smtp_catcher, smtp_pki  # noqa: F401,F811 (fixtures)
from tests.reliability.harness import fresh_lab

CAMPAIGN = "LC-2026-0042"


def _heading(html):
    return re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1).strip()


def test_a_500_asset_email_cut_to_fit_still_counts_all_500(notify_config, smtp_catcher):  # noqa: F811
    from scripts.shared.dam.dam_types import Campaign
    from scripts.shared.notify.notifier import Notifier
    from scripts.shared.notify.reporting import campaign_context, message_context
    from scripts.shared.workflows.workflow_types import asset_entry
    assets = [asset_entry("T{:05d}".format(i), "T{:05d}_banner {:03d} with a long descriptive name_{}.jpg".format(
        i, i, "x" * 40), "uploaded", folder_path="Banners", size=10, url="https://app.box.com/file/{}".format(i))
        for i in range(500)]
    context = message_context("A1→A2", campaign_context(Campaign(campaign_id="LC-2026-0900", name="Big", type=""),
                                                        "A1", "A2"), assets=assets, next_steps="Over to you.")
    assert Notifier(notify_config).send_email("a1_to_a2_complete", "LC-2026-0900", context) == "sent"
    mail = smtp_catcher.messages()[-1]
    html = html_of(mail)
    assert "Only the first" in html  # the email was cut to fit: the rows shown are fewer than 500
    assert "500 master asset(s) delivered" in str(mail["Subject"]), mail["Subject"]
    assert _heading(html).startswith("500 "), _heading(html)


def test_an_asset_deleted_in_the_dam_is_not_counted_as_delivered_in_subject_heading_or_webhook(pg_server, tmp_path,
                                                                                                pki_dir):
    with fresh_lab(pg_server, tmp_path, pki_dir, DAM_RETRY_ATTEMPTS="1") as lab:
        assets = {a["name"]: a for a in lab.otmm.snapshot()[CAMPAIGN]["assets"]}
        teaser = assets["teaser.mp4"]
        lab.otmm.middleware.set_faults([{"path": teaser["asset_id"] + "/contents", "status": 500}])
        assert lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN).returncode == 1   # 4 of 5 delivered
        lab.otmm.middleware.set_faults([])
        lab.otmm.delete_asset(assets["poster A2.pdf"]["asset_id"])  # a person deletes a delivered master
        assert lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN).returncode == 0, \
            lab.log_text("a1_to_a2")[-3000:]
        tree = lab.box.tree(lab.box.roots["a1_a2"])
        in_box = box_files(next(v for k, v in tree["folders"].items() if k.startswith(CAMPAIGN)))
        delivered = len([p for p in in_box if not p.endswith("poster A2.pdf")])
        assert delivered == 4
        mail = [m for m in lab.smtp.messages() if "delivered" in str(m["Subject"])]
        assert len(mail) == 1, subjects(lab)
        assert "{} master asset(s) delivered".format(delivered) in str(mail[0]["Subject"]), mail[0]["Subject"]
        html = html_of(mail[0])
        assert _heading(html).startswith("{} ".format(delivered)), _heading(html)
        assert "poster A2.pdf" in html and "deleted in the DAM" in html
        (event,) = [e["payload"] for e in lab.webhook.events if e["payload"]["event"] == "a1_a2.completed"]
        data = event.get("data", event)
        assert data["counts"]["delivered"] == delivered, data
        assert len(data["assets"]) == delivered and all(a["url"] for a in data["assets"]), data
        assert [a["filename"] for a in data["not_delivered"]] == ["poster A2.pdf"], data
