#!/usr/bin/env python
"""Render every email template with sample data to DIR/<template>.html and .txt, to look at in a browser.

    python scripts/preview_emails.py --out /tmp/emails
"""
import argparse
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts.shared.notifier import Notifier  # noqa: E402
from scripts.shared.sample_contexts import sample_contexts  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, metavar="DIR", help="directory to write the previews to")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    notifier = Notifier({"smtp": {}, "notifications": {}})
    for name, context in sorted(sample_contexts().items()):
        subject, html, text = notifier.render(name, context)
        for ext, body in (("html", html), ("txt", text)):
            with io.open(os.path.join(args.out, "{}.{}".format(name, ext)), "w", encoding="utf-8") as f:
                f.write(body)
        print("{:<24} {}".format(name, subject))
    print("Wrote {} templates to {}".format(len(sample_contexts()), os.path.abspath(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
