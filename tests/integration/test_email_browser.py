"""Every email as a phone shows it: rendered by a real headless Chromium (the DevTools pipe, scripts/shared/notify/browser.py)
at 375 px with the viewport meta honoured, the document must not scroll sideways, and the blocks a reader needs
(title, asset list, next steps) must be on screen, not cut off on the right.

Chromium comes from Debian's package (`make chromium`, which `make test` runs); without it these tests fail with
that instruction rather than being skipped.
"""
import copy
import json
import re

import pytest

from scripts.shared.notify.notifier import TEMPLATES, Notifier
from scripts.shared.workflows.sample_contexts import sample_contexts

# The blocks a reader needs per template (CSS classes the templates put on them).
ASSET_LIST = {t for t in TEMPLATES if t.endswith(("complete", "_rejections", "partial")) and "_no_" not in t} | {
    "a2_to_a3_file_uploaded", "daily_summary_report"}
PROBLEMS = {t for t in TEMPLATES if t.endswith("partial")} | {"a2_to_a3_file_uploaded", "daily_summary_report",
                                                              "run_error"}

# What the page reports: its width, and for each block whether it is shown and lies within the screen.
MEASURE = """(function (selectors) {
  var width = window.visualViewport ? Math.round(document.documentElement.clientWidth) : window.innerWidth;
  function shown(el) {
    var r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  }
  var blocks = {};
  selectors.forEach(function (sel) {
    var els = Array.prototype.slice.call(document.querySelectorAll(sel));
    blocks[sel] = els.map(function (el) {
      var r = el.getBoundingClientRect();
      return {shown: shown(el), left: r.left, right: r.right, text: el.innerText.trim().slice(0, 60)};
    });
  });
  var beyond = [];
  Array.prototype.forEach.call(document.body.querySelectorAll('*'), function (el) {
    if (!shown(el) || !el.innerText) return;
    var r = el.getBoundingClientRect();
    if (r.right > %(width)d + 0.5 && el.children.length === 0) beyond.push(el.tagName + ': ' + el.innerText.slice(0, 40));
  });
  return {scrollWidth: document.documentElement.scrollWidth, bodyScrollWidth: document.body.scrollWidth,
          blocks: blocks, beyond: beyond.slice(0, 5)};
})(%(selectors)s)"""


@pytest.fixture(scope="module")
def notifier():
    return Notifier({"smtp": {}, "notifications": {}})


def measure(browser, html, width, selectors=(".email-title", ".email-assets", ".email-problems", ".email-next"),
            dark=False):
    page = browser.page(html, width, dark=dark)
    try:
        return page.evaluate(MEASURE % {"width": width, "selectors": json.dumps(list(selectors))})
    finally:
        page.close()


def assert_fits(result, width, what):
    assert result["scrollWidth"] <= width and result["bodyScrollWidth"] <= width, (
        "{} scrolls sideways at {} px: document {} px wide; cut off: {}".format(what, width, result["scrollWidth"],
                                                                              result["beyond"]))
    assert not result["beyond"], "{}: text beyond the right edge at {} px: {}".format(what, width, result["beyond"])


def assert_block(result, selector, width, what):
    found = result["blocks"][selector]
    assert found, "{}: no {} block".format(what, selector)
    for block in found:
        assert block["shown"] and block["text"], "{}: {} is not visible".format(what, selector)
        assert block["left"] >= 0 and block["right"] <= width + 0.5, "{}: {} is cut off ({}..{} of {} px)".format(
            what, selector, block["left"], block["right"], width)


@pytest.mark.parametrize("name", TEMPLATES)
def test_phone_width_shows_every_block_without_sideways_scrolling(browser, notifier, name):
    _, html, _ = notifier.render(name, sample_contexts()[name])
    for width in (375, 360):
        result = measure(browser, html, width)
        assert_fits(result, width, name)
        assert_block(result, ".email-title", width, name)
        assert_block(result, ".email-next", width, name)
        if name in ASSET_LIST:
            assert_block(result, ".email-assets", width, name)
        if name in PROBLEMS:
            assert_block(result, ".email-problems", width, name)


@pytest.mark.parametrize("name", TEMPLATES)
def test_still_fits_a_phone_when_the_mail_app_drops_the_style_block(browser, notifier, name):
    """Some clients strip <style> (and with it the media queries): the inline layout alone must not overflow."""
    _, html, _ = notifier.render(name, sample_contexts()[name])
    bare = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    assert bare != html
    result = measure(browser, bare, 360)
    assert_fits(result, 360, name + " without <style>")
    assert_block(result, ".email-next", 360, name + " without <style>")


@pytest.mark.parametrize("name", ["a1_to_a2_complete", "a5_to_a6_rejections", "daily_summary_report"])
def test_desktop_width_keeps_the_720_px_card_and_its_columns(browser, notifier, name):
    _, html, _ = notifier.render(name, sample_contexts()[name])
    page = browser.page(html, 1024)
    try:
        card = page.evaluate("document.querySelector('.card').getBoundingClientRect().width")
        head = page.evaluate("getComputedStyle(document.querySelector('.email-assets tr.head')).display")
    finally:
        page.close()
    assert card == 720 and head == "table-row"     # columns with their headers, not phone cards


def test_awkward_real_data_still_fits_a_phone(browser, notifier):
    """A 120-character file name without spaces, a long campaign name and error text with long paths."""
    ctx = copy.deepcopy(sample_contexts()["a1_to_a2_partial"])
    ctx["campaign"]["name"] = "Nutella B-ready Back to School 2026 Italy Switzerland and Austria " * 2
    ctx["assets"][0]["filename"] = "K7Q2XM_" + "Nutella_BReady_KeyVisual_Master_" * 4 + ".psd"
    ctx["assets"][0]["folder_path"] = "Key visuals/Print/Outdoor_6x3_Billboards_Final_Approved_Versions"
    ctx["failures"][0]["reason"] = "DAM GET /otmmapi/v6/assets/" + "f6d1c0e8a2b94e0f" * 6 + "/contents HTTP 503"
    _, html, _ = notifier.render("a1_to_a2_partial", ctx)
    for width in (360, 375):
        result = measure(browser, html, width)
        assert_fits(result, width, "long names")
        assert_block(result, ".email-assets", width, "long names")


def test_the_check_catches_a_fixed_width_email(browser):
    """The old 720 px layout (no viewport meta, fixed table) is reported as scrolling sideways: the test can fail."""
    old = ('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><table width="720"><tr>'
           '<td class="email-title">Title</td></tr><tr><td class="email-next">What happens next</td></tr></table>'
           '</body></html>')
    result = measure(browser, old, 375)
    assert result["scrollWidth"] > 375
    with pytest.raises(AssertionError):
        assert_fits(result, 375, "old layout")


def test_dark_mode_turns_the_card_dark_and_keeps_text_readable(browser, notifier):
    _, html, _ = notifier.render("a5_to_a6_rejections", sample_contexts()["a5_to_a6_rejections"])
    colours = {}
    for dark in (False, True):
        page = browser.page(html, 375, dark=dark)
        try:
            colours[dark] = page.evaluate(
                "[getComputedStyle(document.querySelector('.card')).backgroundColor,"
                " getComputedStyle(document.querySelector('.email-next td')).color,"
                " getComputedStyle(document.querySelector('.email-title')).backgroundColor]")
        finally:
            page.close()
    assert colours[False][0] == "rgb(255, 255, 255)"
    card, text, header = colours[True]
    assert _luminance(card) < 0.05 and _luminance(text) > 0.6      # light text on a dark card
    assert header == colours[False][2] == "rgb(106, 61, 154)"       # the agency colour, in both modes


def _luminance(css_rgb):
    r, g, b = [int(x) / 255.0 for x in re.findall(r"\d+", css_rgb)[:3]]
    channel = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * channel[0] + 0.7152 * channel[1] + 0.0722 * channel[2]


def test_dark_mode_keeps_a_failure_count_red(browser, notifier):
    _, html, _ = notifier.render("daily_summary_report", sample_contexts()["daily_summary_report"])
    page = browser.page(html, 375, dark=True)
    try:
        colour = page.evaluate("getComputedStyle(document.querySelector('td.alert')).color")
    finally:
        page.close()
    r, g, b = [int(x) for x in re.findall(r"\d+", colour)[:3]]
    assert r > 200 and g < 160 and b < 170, colour       # a light red on the dark card, not plain text colour
