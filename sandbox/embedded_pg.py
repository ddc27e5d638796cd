"""An embedded PostgreSQL for tests, the demo and development, started from the system's PostgreSQL binaries.

Production uses the configured server (port 5437 in the original setup). When none is configured the project
starts its own cluster under ``var/`` with ``initdb`` and ``pg_ctl`` on a free loopback port and stops it after.
PostgreSQL refuses to run as root, so under root the cluster runs as the ``postgres`` system user (via runuser).

CLI:  python -m sandbox.embedded_pg start [--dir var/pg] [--port N]   prints the connection as JSON
      python -m sandbox.embedded_pg stop  [--dir var/pg]
"""
import argparse
import glob
import json
import os
import pwd
import shutil
import subprocess
import sys

from sandbox.ports import free_port  # noqa: E402

SUPERUSER = "postgres"
APP_USER = "ferrero_user"
APP_PASSWORD = "sandbox_db_pass"


def find_bin(name):
    """Path of a PostgreSQL server binary: PATH first, then Debian's versioned directories."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/" + name), reverse=True)
    if candidates:
        return candidates[0]
    raise RuntimeError("PostgreSQL binary {!r} not found: install PostgreSQL (apt-get install postgresql) or "
                       "configure DB_HOST/DB_PORT for an existing server".format(name))



class EmbeddedPostgres(object):
    """A private PostgreSQL cluster in ``directory``; ``start()`` returns connection settings."""

    def __init__(self, directory, port=None):
        self.directory = os.path.abspath(directory)
        self.data = os.path.join(self.directory, "data")
        self.socket_dir = os.path.join(self.directory, "run")
        self.info_path = os.path.join(self.directory, "connection.json")
        self.port = port
        self.as_root = os.geteuid() == 0

    def _cmd(self, args):
        if self.as_root:
            return ["runuser", "-u", "postgres", "--"] + args
        return args

    def _chown(self, path):
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(path, pw.pw_uid, pw.pw_gid)

    def _run(self, args, **kw):
        return subprocess.run(self._cmd(args), check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, **kw)

    def settings(self):
        return {"host": "127.0.0.1", "port": self.port, "user": APP_USER, "password": APP_PASSWORD,
                "superuser": SUPERUSER, "dbname": "ferrero_tracking", "socket_dir": self.socket_dir}

    def running(self):
        if not os.path.exists(os.path.join(self.data, "postmaster.pid")):
            return False
        try:
            self._run([find_bin("pg_ctl"), "-D", self.data, "status"])
            return True
        except subprocess.CalledProcessError:
            return False

    def start(self):
        if self.as_root:
            # the postgres user must be able to traverse to the cluster directory
            path = self.directory
            while path not in ("/", ""):
                parent = os.path.dirname(path)
                if os.path.isdir(parent) and not (os.stat(parent).st_mode & 0o001):
                    os.chmod(parent, os.stat(parent).st_mode | 0o001)
                path = parent
        os.makedirs(self.socket_dir, exist_ok=True)
        self._chown(self.directory)
        self._chown(self.socket_dir)
        if self.running() and os.path.exists(self.info_path):
            with open(self.info_path) as f:
                self.port = json.load(f)["port"]
            return self.settings()
        if not os.path.exists(os.path.join(self.data, "PG_VERSION")):
            os.makedirs(self.data, exist_ok=True)
            self._chown(self.data)
            self._run([find_bin("initdb"), "-D", self.data, "-U", SUPERUSER, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                       "--locale=C.UTF-8" if _has_locale("C.UTF-8") else "--locale=C"])
        self.port = self.port or free_port()
        log = os.path.join(self.directory, "postgres.log")
        open(log, "a").close()
        self._chown(log)
        opts = ("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_connections=200".format(self.port, self.socket_dir))
        self._run([find_bin("pg_ctl"), "-D", self.data, "-l", log, "-o", opts, "-w", "-t", "60", "start"])
        self._bootstrap()
        with open(self.info_path, "w") as f:
            json.dump(self.settings(), f)
        return self.settings()

    def psql(self, sql, dbname="postgres"):
        return self._run([find_bin_client("psql"), "-h", self.socket_dir, "-p", str(self.port), "-U", SUPERUSER,
                          "-d", dbname, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql]).stdout

    def _bootstrap(self):
        exists = self.psql("SELECT 1 FROM pg_roles WHERE rolname = '{}'".format(APP_USER)).strip()
        if not exists:
            # TCP connections need the password (scram-sha-256), so the product's DB_PASSWORD path is exercised
            # exactly as in production; only the local socket (used by this harness) is trusted
            self.psql("CREATE ROLE {} LOGIN CREATEDB PASSWORD '{}'".format(APP_USER, APP_PASSWORD))
        # DROP DATABASE ... WITH (FORCE) in the tests' teardown must be able to end an autovacuum worker that just
        # started on the database; without this a non-superuser gets InsufficientPrivilege now and then
        self.psql("GRANT pg_signal_backend TO {}".format(APP_USER))
        if not self.psql("SELECT 1 FROM pg_database WHERE datname = 'ferrero_tracking'").strip():
            self.psql("CREATE DATABASE ferrero_tracking OWNER {}".format(APP_USER))

    def stop(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            try:
                self._run([find_bin("pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop"])
            except subprocess.CalledProcessError:
                pass
        if os.path.exists(self.info_path):
            os.remove(self.info_path)


def find_bin_client(name):
    return shutil.which(name) or find_bin(name)


def _has_locale(name):
    try:
        out = subprocess.run(["locale", "-a"], stdout=subprocess.PIPE, universal_newlines=True).stdout
    except OSError:
        return False
    return name.lower().replace("-", "") in out.lower().replace("-", "")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--dir", default="var/pg")
    parser.add_argument("--port", type=int)
    args = parser.parse_args(argv)
    pg = EmbeddedPostgres(args.dir, args.port)
    if args.action == "start":
        print(json.dumps(pg.start()))
    elif args.action == "stop":
        pg.stop()
    else:
        print("running" if pg.running() else "stopped")
        return 0 if pg.running() else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
