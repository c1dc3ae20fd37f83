"""Several `coffer server` replicas on one PostgreSQL database, for the HA
scenarios (../shared/ha/POSTGRES-HA.md §3): a PostgreSQL 15 primary (and on
request a streaming standby) in a directory of its own, N replicas sharing the
root key, the TLS material and the database, and a driver that spreads
requests over the replicas, retries on the next one, and appends every
acknowledged write to an fsync'd ledger."""
import concurrent.futures
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "support"))

from coffer_server import COFFER_BIN, CofferServer, canary, new_data_dir, remove_dir  # noqa: E402,F401
from pg_cluster import PG_BIN, Cluster, available  # noqa: E402


def sha(value):
    return hashlib.sha256(value.encode()).hexdigest()


class Replica(CofferServer):
    """A CofferServer whose --storage is the shared database and whose port survives restarts."""

    def __init__(self, name, data_dir, storage, extra_args=(), env=None):
        super().__init__(data_dir=data_dir, extra_args=extra_args, storage=["--storage", storage])
        self.name = name
        self.env = env

    def start(self, port=None, timeout=60):
        if port is None:
            port = self.port or 0
        if self.env:
            old = dict(os.environ)
            os.environ.update(self.env)
            try:
                return super().start(port=port, timeout=timeout)
            finally:
                os.environ.clear()
                os.environ.update(old)
        return super().start(port=port, timeout=timeout)

    def log(self):
        return "".join(self.output)


class HaCluster:
    def __init__(self, replicas=3, standby=False, sync=False, extra_args=(), replica_env=None):
        self.dir = new_data_dir("coffer-ha-")
        os.chmod(self.dir, 0o711)  # the postgres user must reach its cluster directory inside
        self.pg = Cluster(os.path.join(self.dir, "primary"))
        self.pg.start()
        self.standby = None
        if standby:
            self.standby = self._make_standby(sync)
        self.dbname = "coffer_ha"
        self.pg.psql(f"CREATE DATABASE {self.dbname}")
        self.url = self._url()
        self.replicas = []
        first = Replica("r1", os.path.join(self.dir, "r1"), self.url, extra_args, (replica_env or {}).get("r1"))
        first.start()
        self.replicas.append(first)
        # Replicas behind one address share one authority: the issuer of every token, whichever
        # replica issued it (here: r1's URL, as a load balancer's would be).
        self.authority = first.authority
        for i in range(2, replicas + 1):
            d = os.path.join(self.dir, f"r{i}")
            os.makedirs(d, mode=0o700)
            shutil.copy(os.path.join(first.data_dir, "root.key"), os.path.join(d, "root.key"))
            shutil.copytree(os.path.join(first.data_dir, "tls"), os.path.join(d, "tls"))
            config = os.path.join(d, "replica.json")
            with open(config, "w") as f:
                json.dump({"authority": self.authority}, f)
            r = Replica(f"r{i}", d, self.url, list(extra_args) + ["--config", config],
                        (replica_env or {}).get(f"r{i}"))
            r.start()
            self.replicas.append(r)
        self.dev = first.dev
        self.ca = first.ca_file
        self.canaries = []
        self.ledger_path = os.path.join(self.dir, "ledger.jsonl")
        self.ledger_lock = threading.Lock()
        self._tokens = {}

    def _url(self):
        if not self.standby:
            return self.pg.url(self.dbname)
        return (f"postgresql://coffer@127.0.0.1:{self.pg.port()},127.0.0.1:{self.standby.port()}/{self.dbname}"
                "?target_session_attrs=read-write&connect_timeout=3")

    def _make_standby(self, sync):
        standby = Cluster(os.path.join(self.dir, "standby"))
        os.makedirs(standby.dir, exist_ok=True)
        import pwd
        pw = pwd.getpwnam("postgres")
        os.chown(standby.dir, pw.pw_uid, pw.pw_gid)
        os.chmod(standby.dir, 0o700)
        standby._as_postgres(f"{PG_BIN}/pg_basebackup", "-h", "127.0.0.1", "-p", str(self.pg.port()), "-U", "coffer",
                             "-D", standby.data, "-R", "-X", "stream")
        from pg_cluster import free_port
        port = free_port()
        with open(os.path.join(standby.data, "postgresql.conf"), "a") as f:
            f.write(f"port = {port}\nunix_socket_directories = '{standby.dir}'\n")
        with open(os.path.join(standby.dir, "port"), "w") as f:
            f.write(str(port))
        standby.start()
        if sync:
            self.pg.psql("ALTER SYSTEM SET synchronous_standby_names = '*'")
            self.pg.psql("SELECT pg_reload_conf()")
        return standby

    # -- requests -------------------------------------------------------------------------------
    def token(self, replica=None):
        r = replica or self.replicas[0]
        resp = requests.post(f"{r.authority}/adfs/oauth2/token", verify=self.ca, timeout=30, data={
            "grant_type": "client_credentials", "client_id": self.dev["clientId"],
            "client_secret": self.dev["clientSecret"], "scope": "https://vault.localhost/.default"})
        resp.raise_for_status()
        return resp.json()["access_token"]

    def session(self):
        s = requests.Session()
        s.trust_env = False
        s.verify = self.ca
        return s

    def call(self, method, path, body=None, token=None, request_id=None, budget=60, replica=None, expect=None,
             session=None):
        """One logical request, retried on the next replica (same x-ms-client-request-id) on a
        connection error or a 503 until `budget` seconds passed; returns the last response. A new
        connection each time, unless `session` (a keep-alive requests.Session) is given."""
        token = token or self.admin_token
        request_id = request_id or str(uuid.uuid4())
        deadline = time.time() + budget
        i = random.randrange(len(self.replicas)) if replica is None else self.replicas.index(replica)
        last = None
        while True:
            r = self.replicas[i % len(self.replicas)]
            i += 1
            try:
                last = (session or requests).request(method, f"https://dev.vault.localhost:{r.port}{path}", json=body,
                                        verify=self.ca, timeout=30,
                                        headers={"Authorization": "Bearer " + token,
                                                 "x-ms-client-request-id": request_id})
                if last.status_code != 503 or replica is not None:
                    return last
            except requests.RequestException:
                if replica is not None:
                    raise
            if time.time() > deadline:
                if last is None:
                    raise RuntimeError(f"{method} {path}: no replica answered within {budget} s")
                return last
            time.sleep(0.2)

    @property
    def admin_token(self):
        if "admin" not in self._tokens or self._tokens["admin"][1] < time.time():
            self._tokens["admin"] = (self.token(), time.time() + 600)
        return self._tokens["admin"][0]

    def set_secret(self, name, value, budget=60):
        if len(value) >= 16 and len(self.canaries) < 20:  # a sample, looked for by check_at_rest()
            self.canaries.append(value.encode())
        r = self.call("PUT", f"/secrets/{name}?api-version=7.4", {"value": value}, budget=budget)
        if r.status_code == 200:
            self.record(name, r.json()["id"].rsplit("/", 1)[1], value)
        return r

    def record(self, name, version, value):
        line = json.dumps({"name": name, "version": version, "sha": sha(value)}) + "\n"
        with self.ledger_lock:
            with open(self.ledger_path, "a") as f:
                f.write(line)
                f.flush()
                os.fsync(f.fileno())

    def ledger(self):
        if not os.path.exists(self.ledger_path):
            return []
        with open(self.ledger_path) as f:
            return [json.loads(line) for line in f]

    # -- checks ---------------------------------------------------------------------------------
    def check_ledger(self, test):
        """Every acknowledged write reads back with its value; no name has more versions than sets.
        Read back from four threads, each on keep-alive connections of its own."""
        entries = self.ledger()
        per_name = {}
        for e in entries:
            per_name.setdefault(e["name"], []).append(e)
        local = threading.local()
        sessions = []

        def read_back(item):
            name, writes = item
            if not hasattr(local, "session"):
                local.session = self.session()
                sessions.append(local.session)
            problems = []
            for e in writes:
                r = self.call("GET", f"/secrets/{name}/{e['version']}?api-version=7.4", session=local.session)
                if r.status_code != 200:
                    problems.append(f"acknowledged {name}/{e['version']} is lost: {r.status_code} {r.text}")
                elif sha(r.json()["value"]) != e["sha"]:
                    problems.append(f"{name}/{e['version']} changed")
            r = self.call("GET", f"/secrets/{name}/versions?api-version=7.4", session=local.session)
            if r.status_code != 200:
                problems.append(f"{name}/versions: {r.status_code} {r.text}")
            elif len(r.json()["value"]) != len(writes):
                problems.append(f"{name}: {len(r.json()['value'])} versions for {len(writes)} acknowledged sets "
                                "(a retried write made a second version)")
            return problems

        try:
            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                problems = [p for found in pool.map(read_back, per_name.items()) for p in found]
        finally:
            for s in sessions:
                s.close()
        test.assertEqual(problems, [])
        return len(entries)

    def check_audit(self, test):
        """Each replica's own chain verifies against its own anchor."""
        for r in self.replicas:
            r.stop()
            log = os.path.join(r.data_dir, "audit.log")
            v = subprocess.run([COFFER_BIN, "audit", "verify", log, "--data-dir", r.data_dir], capture_output=True,
                               text=True, timeout=120)
            test.assertEqual(v.returncode, 0, f"{r.name}: {v.stdout}{v.stderr}")

    def check_at_rest(self, test):
        """No sampled secret value in any file of the cluster: PostgreSQL's data and WAL, the
        replicas' data directories."""
        for root, _, names in os.walk(self.dir):
            for name in names:
                path = os.path.join(root, name)
                if not os.path.isfile(path) or name == "ledger.jsonl":
                    continue
                with open(path, "rb") as f:
                    data = f.read()
                for value in self.canaries:
                    test.assertNotIn(value, data, f"{path} holds a secret value in clear")

    def coffer_sessions(self):
        return int(self.pg.psql(f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{self.dbname}' "
                                "AND application_name LIKE 'coffer%'"))

    def leader(self):
        """The replica holding the job lease, by the lease row."""
        holder = self.pg.psql(f"SELECT holder FROM coffer_lease WHERE name = 'jobs'", self.dbname)
        for r in self.replicas:
            with open(os.path.join(r.data_dir, "replica-id")) as f:
                if f.read().strip() == holder:
                    return r
        return None

    def close(self):
        for r in self.replicas:
            if r.proc and r.proc.poll() is None:
                try:
                    os.kill(r.proc.pid, signal.SIGCONT)
                except OSError:
                    pass
            r.stop()
        if self.standby:
            self.standby.stop("immediate")
            shutil.rmtree(self.standby.dir, ignore_errors=True)
        self.pg.stop("immediate")
        # The clusters are large and checked by check_at_rest(); the replicas' directories stay
        # for the suite's final scan.
        shutil.rmtree(self.pg.dir, ignore_errors=True)
        remove_dir(self.dir)
