"""Assertion helpers for end-to-end tests: read the state a user would check."""
import psycopg2
import psycopg2.extras

from sandbox.ports import free_port


def db_rows(lab, sql, params=()):
    s = lab.db_settings
    conn = psycopg2.connect(host=s["host"], port=s["port"], dbname=s["name"], user=s["user"], password=s["password"])
    try:
        with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            cur.execute(sql, params)
            return [dict(r) for r in cur.fetchall()]
    finally:
        conn.close()


def box_files(tree, path=()):
    """{"Folder/Sub/name": info} of every file below a Box tree."""
    out = {}
    for name, info in tree["files"].items():
        out["/".join(path + (name,))] = info
    for name, sub in tree["folders"].items():
        out.update(box_files(sub, path + (name,)))
    return out


def subjects(lab):
    return [str(m["Subject"]) for m in lab.smtp.messages()]


def html_of(message):
    return message.get_body(("html",)).get_content()


def closed_port():
    """A loopback port nothing listens on (a server that is down): a free port no one was started on."""
    return free_port()
