"""Shared fixtures: a real PostgreSQL for every test that needs one.

A configured server is used when TEST_DB_HOST is set (TEST_DB_PORT, TEST_DB_USER with CREATEDB, TEST_DB_PASSWORD);
otherwise the project's embedded PostgreSQL is started under var/pg-test and stopped at the end of the session.
Each test gets its own fresh database cloned from a migrated template, so tests never see each other's rows.

Parallel runs (pytest-xdist, ``make test``): every worker is its own pytest process, so it starts its own cluster
(var/pg-test-<pid>, a free port); on a configured server the worker's databases carry its name
(dam_test_gw0_...), so no worker drops or clones another's.
"""
import os
import shutil
import sys
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, ... under pytest-xdist; empty in a plain run
DB_PREFIX = "dam_test_{}_".format(WORKER) if WORKER else "dam_test_"
TEMPLATE_DB = DB_PREFIX + "template"


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` run first (in their usual order): with pytest-xdist each worker takes the next test when
    it is free, so the long ones overlap at the start and the quick ones fill the gaps, instead of one worker
    starting a minute-long test when the others are done."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def _admin_connect(server, dbname="postgres"):
    import psycopg2
    conn = psycopg2.connect(host=server["host"], port=server["port"], user=server["user"],
                            password=server["password"], dbname=dbname)
    conn.autocommit = True
    return conn


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """Connection settings of a running PostgreSQL whose user may create databases."""
    if os.environ.get("TEST_DB_HOST"):
        server = {"host": os.environ["TEST_DB_HOST"], "port": int(os.environ.get("TEST_DB_PORT", "5432")),
                  "user": os.environ.get("TEST_DB_USER", "postgres"),
                  "password": os.environ.get("TEST_DB_PASSWORD", "")}
        pg = None
    else:
        from sandbox.embedded_pg import EmbeddedPostgres
        # one cluster per pytest process: concurrent sessions in one checkout never stop each other's server
        pg = EmbeddedPostgres(os.path.join(ROOT, "var", "pg-test-{}".format(os.getpid())))
        settings = pg.start()
        server = {"host": settings["host"], "port": settings["port"], "user": settings["user"],
                  "password": settings["password"]}
    _make_template(server)
    server["template"] = TEMPLATE_DB
    yield server
    if pg is not None:
        pg.stop()
        shutil.rmtree(pg.directory, ignore_errors=True)


def _make_template(server):
    from scripts.shared.store.database import Database
    conn = _admin_connect(server)
    with conn.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database")
        for (name,) in cur.fetchall():
            if name.startswith(DB_PREFIX) and not (WORKER == "" and name[len(DB_PREFIX):].startswith("gw")):
                cur.execute('DROP DATABASE IF EXISTS "{}"'.format(name))  # left by an interrupted run
        cur.execute('CREATE DATABASE "{}"'.format(TEMPLATE_DB))
    conn.close()
    db = Database(dict(server, name=TEMPLATE_DB))
    db.migrate()
    db.close()


@pytest.fixture(scope="session")
def sandbox_pki_dir(tmp_path_factory):
    """One throw-away PKI (CA, server and client certificates) per session, shared by every sandbox and SMTP
    server: the files are only read, and making them costs a quarter of a CPU second each time."""
    from sandbox.pki import make_pki
    path = str(tmp_path_factory.mktemp("pki"))
    make_pki(path)
    return path


@pytest.fixture
def db_config(pg_server):
    """config['database'] for a fresh, migrated database of this test alone."""
    name = "{}{}".format(DB_PREFIX, uuid.uuid4().hex[:10])
    conn = _admin_connect(pg_server)
    with conn.cursor() as cur:
        cur.execute('CREATE DATABASE "{}" TEMPLATE "{}"'.format(name, TEMPLATE_DB))
    cfg = {"host": pg_server["host"], "port": pg_server["port"], "name": name, "user": pg_server["user"],
           "password": pg_server["password"], "pool_min": 1, "pool_max": 20, "connect_timeout_seconds": 5}
    yield cfg
    with conn.cursor() as cur:
        cur.execute('DROP DATABASE IF EXISTS "{}" WITH (FORCE)'.format(name))
    conn.close()


@pytest.fixture
def database(db_config):
    """A connected scripts.shared.store.database.Database on this test's fresh database."""
    from scripts.shared.store.database import Database
    db = Database(db_config, lease_seconds=60, backoff_base_seconds=60, backoff_max_seconds=3600)
    db.connect()
    yield db
    db.close()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for the tests that look at an email or page as a person would (one per test module)."""
    from scripts.shared.notify.browser import Browser, find_chromium
    if find_chromium() is None:
        pytest.fail("Chromium is not installed: run 'make chromium' (Debian package 'chromium'), or set CHROMIUM")
    with Browser() as b:
        yield b
