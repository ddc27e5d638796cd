#!/usr/bin/env python
"""Render every email template with sample data to DIR/<template>.html and .txt, to look at in a browser.

    python scripts/preview_emails.py --out var/email-preview                 # HTML + text
    python scripts/preview_emails.py --out var/email-preview --screenshots   # + PNGs from headless Chromium:
        DIR/screenshots/<template>-375.png (a phone), -720.png (desktop width), -375-dark.png (phone, dark mode)

`make preview` does the second. DIR/index.html lists every template with its subject and screenshots.
"""
import argparse
import html
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts.shared.notify.notifier import Notifier  # noqa: E402
from scripts.shared.workflows.sample_contexts import sample_contexts  # noqa: E402

# (file suffix, width in CSS pixels, dark mode)
SHOTS = (("375", 375, False), ("720", 720, False), ("375-dark", 375, True))


def _write(path, text):
    with io.open(path, "w", encoding="utf-8") as f:
        f.write(text)


def render_all(out):
    """{template: (subject, html)} after writing DIR/<template>.html and .txt."""
    notifier = Notifier({"smtp": {}, "notifications": {}})
    rendered = {}
    for name, context in sorted(sample_contexts().items()):
        subject, body, text = notifier.render(name, context)
        _write(os.path.join(out, name + ".html"), body)
        _write(os.path.join(out, name + ".txt"), text)
        rendered[name] = (subject, body)
        print("{:<24} {}".format(name, subject))
    return rendered


def screenshots(out, rendered):
    """PNG screenshots of every rendered email (one browser for all); returns the files written."""
    from scripts.shared.notify.browser import Browser
    folder = os.path.join(out, "screenshots")
    os.makedirs(folder, exist_ok=True)
    written = []
    with Browser() as browser:
        for name, (_, body) in sorted(rendered.items()):
            for suffix, width, dark in SHOTS:
                page = browser.page(body, width, dark=dark)
                try:
                    written.append(page.screenshot(os.path.join(folder, "{}-{}.png".format(name, suffix))))
                finally:
                    page.close()
    return written


def write_index(out, rendered, with_shots):
    rows = []
    for name, (subject, _) in sorted(rendered.items()):
        shots = " ".join('<a href="screenshots/{0}-{1}.png">{1}</a>'.format(name, s) for s, _, _ in SHOTS) \
            if with_shots else ""
        rows.append('<tr><td><a href="{0}.html">{0}</a> (<a href="{0}.txt">text</a>)</td><td>{1}</td><td>{2}</td>'
                    '</tr>'.format(name, html.escape(subject), shots))
    _write(os.path.join(out, "index.html"), '<!DOCTYPE html><meta charset="utf-8"><title>Email previews</title>'
           '<table cellpadding="4"><tr><th>Template</th><th>Subject</th><th>Screenshots</th></tr>{}</table>'
           .format("".join(rows)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, metavar="DIR", help="directory to write the previews to")
    parser.add_argument("--screenshots", action="store_true",
                        help="also write PNG screenshots at 375 and 720 px with headless Chromium")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    rendered = render_all(args.out)
    write_index(args.out, rendered, args.screenshots)
    print("Wrote {} templates to {}".format(len(rendered), os.path.abspath(args.out)))
    if args.screenshots:
        from scripts.shared.notify.browser import BrowserError
        try:
            shots = screenshots(args.out, rendered)
        except BrowserError as exc:
            print("Screenshots failed: {}".format(exc), file=sys.stderr)
            return 1
        print("Wrote {} screenshots to {}".format(len(shots), os.path.abspath(os.path.join(args.out,
                                                                                             "screenshots"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
