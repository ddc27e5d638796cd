"""Issue #24.7 and #24.9 in a real Chromium: the daily report's 14-day trend is a picture every mail client shows
(table cells, no image, no script) that fits a 375 px phone, and in dark mode every heading stays readable."""
# ruff: noqa: F811  (pytest fixtures imported from test_email_browser are parameters of the tests)
import re

import pytest

from scripts.shared.notify.notifier import TEMPLATES
from scripts.shared.workflows.sample_contexts import sample_contexts
from tests.integration.test_email_browser import _luminance, assert_fits, measure, notifier  # noqa: F401

BARS = """(function () {
  return Array.prototype.map.call(document.querySelectorAll('.email-trend td.trend-day'), function (day) {
    function height(sel) { var el = day.querySelector(sel); return el ? el.getBoundingClientRect().height : 0; }
    var r = day.getBoundingClientRect();
    return {title: day.getAttribute('title'), moved: height('.bar-moved'), failed: height('.bar-fail'),
            left: r.left, right: r.right, width: r.width};
  });
})()"""


def _bars(browser, html, width, dark=False):
    page = browser.page(html, width, dark=dark)
    try:
        return page.evaluate(BARS)
    finally:
        page.close()


@pytest.mark.parametrize("strip_style", [False, True])
def test_the_trend_is_drawn_to_scale_and_fits_a_phone(browser, notifier, strip_style):
    ctx = sample_contexts()["daily_summary_report"]
    _, html, text = notifier.render("daily_summary_report", ctx)
    assert "<img" not in html and "<script" not in html and "<svg" not in html
    if strip_style:  # a mail app that drops the <style> block still shows the bars
        html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    assert_fits(measure(browser, html, 375, selectors=(".email-trend",)), 375, "daily report trend")
    bars = _bars(browser, html, 375)
    charts = ctx["trend"]["workflows"]
    assert len(bars) == 14 * len(charts)
    expected = [b for w in charts for b in w["bars"]]
    for got, want in zip(bars, expected):
        assert got["title"].startswith(want["date"])
        assert abs(got["moved"] - want["moved_px"]) <= 1 and abs(got["failed"] - want["failures_px"]) <= 1, (
            got, want)
        assert got["right"] <= 375 and got["width"] >= 12    # fourteen bars side by side, each still visible
    busiest = max(bars[:14], key=lambda b: b["moved"] + b["failed"])
    assert busiest["moved"] + busiest["failed"] >= 39      # the busiest day of A1->A2 is the full height
    assert "A1→A2: 75 moved, 8 failure(s): 4/0 0/0 7/0 12/1" in text


def test_the_check_sees_a_chart_that_is_not_to_scale(browser, notifier):
    ctx = sample_contexts()["daily_summary_report"]
    _, html, _ = notifier.render("daily_summary_report", ctx)
    flat = html.replace('class="bar-moved" height="', 'class="bar-moved" data-x="')
    flat = re.sub(r'(class="bar-moved" data-x="\d+" bgcolor="#1e7e34" style="height:)\d+px', r"\g<1>40px", flat)
    bars = _bars(browser, flat, 375)
    want = ctx["trend"]["workflows"][0]["bars"]
    assert any(abs(g["moved"] - w["moved_px"]) > 1 for g, w in zip(bars, want))


HEADINGS = """(function () {
  function bg(el) {
    while (el) { var c = getComputedStyle(el).backgroundColor;
      if (c && c !== 'transparent' && !/rgba\\(.*, 0\\)$/.test(c)) return c; el = el.parentElement; }
    return 'rgb(255, 255, 255)';
  }
  return Array.prototype.filter.call(document.querySelectorAll('h1, h2, strong, th'), function (el) {
    var r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && el.innerText.trim();
  }).map(function (el) { return {text: el.innerText.trim().slice(0, 40), color: getComputedStyle(el).color,
                                 background: bg(el)}; });
})()"""


def _contrast(a, b):
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _unreadable(browser, html, dark=True):
    page = browser.page(html, 375, dark=dark)
    try:
        found = page.evaluate(HEADINGS)
    finally:
        page.close()
    assert found
    return [(h["text"], h["color"], h["background"]) for h in found if _contrast(h["color"], h["background"]) < 3]


@pytest.mark.parametrize("name", TEMPLATES)
def test_dark_mode_keeps_every_heading_readable(browser, notifier, name):
    _, html, _ = notifier.render(name, sample_contexts()[name])
    assert _unreadable(browser, html) == [], name
    assert _unreadable(browser, html, dark=False) == [], name


def test_the_check_sees_the_old_invisible_delivered_heading(browser, notifier):
    _, html, _ = notifier.render("a1_to_a2_partial", sample_contexts()["a1_to_a2_partial"])
    old = html.replace('<h2 class="h-plain"', '<h2 class=""')
    assert old != html
    assert any(text == "Delivered" for text, _, _ in _unreadable(browser, old))
