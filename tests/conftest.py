"""Shared fixtures: a real PostgreSQL for every test that needs one.

A configured server is used when TEST_DB_HOST is set (TEST_DB_PORT, TEST_DB_USER with CREATEDB, TEST_DB_PASSWORD);
otherwise the project's embedded PostgreSQL is started under var/pg-test and stopped at the end of the session.
Each test gets its own fresh database cloned from a migrated template, so tests never see each other's rows.
"""
import os
import shutil
import sys
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

TEMPLATE_DB = "dam_test_template"


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
    yield server
    if pg is not None:
        pg.stop()
        shutil.rmtree(pg.directory, ignore_errors=True)


def _make_template(server):
    from scripts.shared.store.database import Database
    conn = _admin_connect(server)
    with conn.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datname LIKE 'dam_test_%%'")
        for (name,) in cur.fetchall():
            cur.execute('DROP DATABASE IF EXISTS "{}"'.format(name))
        cur.execute('CREATE DATABASE "{}"'.format(TEMPLATE_DB))
    conn.close()
    db = Database(dict(server, name=TEMPLATE_DB))
    db.migrate()
    db.close()


@pytest.fixture
def db_config(pg_server):
    """config['database'] for a fresh, migrated database of this test alone."""
    name = "dam_test_{}".format(uuid.uuid4().hex[:10])
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
