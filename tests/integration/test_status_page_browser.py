"""The status page as marketing opens it: rendered by headless Chromium at 375 px (a phone) and 1280 px (a
desktop) from a real database with every state, it must not scroll sideways and must show the verdict, each
campaign with its stage and its Box link, and the workflows' last runs."""
import pytest

from scripts.shared.notify import job_metrics, status_view
from scripts.shared.store import events
from tests.integration.test_email_browser import MEASURE, assert_block, assert_fits
from tests.integration.test_status_trace import _config, _every_state

import json

SELECTORS = ["#verdict", "#campaigns", "tr.campaign", "#runs", "#failing"]


def _measure(browser, html, width):
    page = browser.page(html, width)
    try:
        return page.evaluate(MEASURE % {"width": width, "selectors": json.dumps(SELECTORS)}), page.evaluate(
            "document.body.innerText")
    finally:
        page.close()


def test_the_page_fits_a_phone_and_a_desktop_and_shows_each_campaign(browser, database, db_config, tmp_path):
    _every_state(database)
    events.record_event(database, "a1_a2", "campaign_failed", "x" * 400, campaign_id="LC-FAIL", level="error")
    config = _config(db_config, tmp_path)
    job_metrics.record_run(config, "a1_to_a2", 1000.0, 1003.0, 0)
    report = status_view.collect(config, database)
    report["stages"][0]["campaign_name"] = "Nutella_Summer_Campaign_With_A_Very_Long_Name_Without_Spaces_2026_EMEA"
    html = status_view.write_page(str(tmp_path / "page"), report)
    html = open(html, encoding="utf-8").read()
    for width in (375, 1280):
        result, text = _measure(browser, html, width)
        assert_fits(result, width, "status page")
        for selector in SELECTORS:
            assert_block(result, selector, width, "status page")
        for words in ("Needs attention", "LC-DONE", "LC-FAIL", "Box folder", "A1→A2", "localised 1 of 2",
                      "some files failed, next try", "broken.tif"):
            assert words in text, (width, words)
        assert len(result["blocks"]["tr.campaign"]) == len(report["stages"]) == 5


def test_the_check_catches_a_page_wider_than_a_phone(browser):
    result, _ = _measure(browser, "<html><body><table style='width:900px'><tr><td>wide</td></tr></table>"
                                  "</body></html>", 375)
    with pytest.raises(AssertionError):
        assert_fits(result, 375, "a fixed-width page")
