"""A throw-away PostgreSQL 15 cluster for the tests, as ../shared/ha/POSTGRES-HA.md §3 runs it:
initdb and pg_ctl as the `postgres` user (they refuse root) in a directory of its own, listening
on a free loopback port, trust authentication for the `coffer` role.

    pg_cluster.py start DIR     initdb (once) and start; writes DIR/url (postgresql://coffer@127.0.0.1:PORT/postgres)
    pg_cluster.py stop DIR      fast shutdown

Library use: Cluster(dir).start(), .stop(), .url(dbname), .create_database() -> URL of a fresh database."""
import os
import pwd
import shutil
import socket
import subprocess
import sys
import uuid

PG_BIN = "/usr/lib/postgresql/15/bin"


def available():
    return os.path.exists(os.path.join(PG_BIN, "initdb")) and shutil.which("runuser") is not None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, directory):
        self.dir = os.path.abspath(directory)
        self.data = os.path.join(self.dir, "data")

    def _as_postgres(self, *args, check=True, timeout=120):
        p = subprocess.run(["runuser", "-u", "postgres", "--", *args], capture_output=True, text=True,
                           timeout=timeout)
        if check and p.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} exited {p.returncode}: {p.stdout}{p.stderr}")
        return p

    def port(self):
        with open(os.path.join(self.dir, "port")) as f:
            return int(f.read())

    def url(self, dbname="postgres"):
        return f"postgresql://coffer@127.0.0.1:{self.port()}/{dbname}"

    def start(self, settings=None):
        os.makedirs(self.dir, exist_ok=True)
        pw = pwd.getpwnam("postgres")
        os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.dir, 0o700)
        if not os.path.exists(os.path.join(self.data, "PG_VERSION")):
            self._as_postgres(f"{PG_BIN}/initdb", "-D", self.data, "-U", "coffer", "--auth=trust", "--no-locale",
                              "-E", "UTF8")
            port = free_port()
            conf = {"listen_addresses": "'127.0.0.1'", "port": str(port), "unix_socket_directories": f"'{self.dir}'",
                    "max_connections": "200", "shared_buffers": "64MB", "wal_level": "replica",
                    "idle_session_timeout": "0"}
            conf.update(settings or {})
            with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
                for k, v in conf.items():
                    f.write(f"{k} = {v}\n")
            with open(os.path.join(self.data, "pg_hba.conf"), "a") as f:
                f.write("host replication coffer 127.0.0.1/32 trust\n")
            with open(os.path.join(self.dir, "port"), "w") as f:
                f.write(str(port))
            os.chown(os.path.join(self.dir, "port"), pw.pw_uid, pw.pw_gid)
        self._as_postgres(f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"), "-w",
                          "start")
        with open(os.path.join(self.dir, "url"), "w") as f:
            f.write(self.url() + "\n")
        return self

    def stop(self, mode="fast"):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._as_postgres(f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)

    def restart(self, mode="fast"):
        self._as_postgres(f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"), "-m",
                          mode, "-w", "restart")

    def psql(self, sql, dbname="postgres"):
        p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", self.url(dbname), "-c", sql],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"psql {sql!r}: {p.stderr}")
        return p.stdout.strip()

    def create_database(self, prefix="coffer_"):
        name = prefix + uuid.uuid4().hex[:12]
        self.psql(f"CREATE DATABASE {name}")
        return self.url(name)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    if not available():
        print(f"pg_cluster: PostgreSQL 15 ({PG_BIN}) or runuser is missing; run scripts/install-deps.sh",
              file=sys.stderr)
        return 1
    cluster = Cluster(sys.argv[2])
    if sys.argv[1] == "start":
        cluster.start()
        print(cluster.url())
    else:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
