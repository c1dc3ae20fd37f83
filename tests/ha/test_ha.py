"""High availability on PostgreSQL, end to end (../shared/ha/POSTGRES-HA.md §3): three
replicas of the real server on one real PostgreSQL 15, driven over HTTPS while replicas are
killed and frozen, the database restarts, commits lose their answers and a standby takes over.
After each scenario every acknowledged write (the fsync'd ledger) reads back, no retried write
made a second version, and the connections stay within replicas × (pool + 2)."""
import concurrent.futures
import os
import random
import signal
import threading
import time
import unittest
import uuid

from ha_cluster import HaCluster, available

POOL = 8  # PostgresOptions::pool's default; + the snapshot connection, the listener and the jobs session


@unittest.skipUnless(available(), "PostgreSQL 15 (postgresql-15) or runuser is missing: run scripts/install-deps.sh")
class HaTest(unittest.TestCase):
    def cluster(self, **kw):
        c = HaCluster(**kw)
        self.addCleanup(c.close)
        return c

    def load(self, c, seconds, writers=4, prefix="load"):
        """Sets fresh secrets from `writers` threads for `seconds`; returns how many were acknowledged."""
        stop = time.time() + seconds
        acked = []

        def writer(w):
            n = 0
            while time.time() < stop:
                name = f"{prefix}-{w}-{n}"
                n += 1
                r = c.set_secret(name, f"value-{uuid.uuid4().hex}", budget=45)
                if r.status_code == 200:
                    acked.append(name)

        with concurrent.futures.ThreadPoolExecutor(writers) as pool:
            list(pool.map(writer, range(writers)))
        return len(acked)

    def finish(self, c):
        self.assertGreater(c.check_ledger(self), 0)
        c.check_at_rest(self)
        self.assertLessEqual(c.coffer_sessions(), len(c.replicas) * (POOL + 3))
        c.check_audit(self)

    # 1 -------------------------------------------------------------------------------------------
    def test_1_baseline_mixed_operations(self):
        c = self.cluster()
        ops = {"set": 0, "get": 0, "delete": 0, "recover": 0}
        names = [f"base-{i}" for i in range(40)]
        live = set()
        for i in range(600):
            name = random.choice(names)
            if name not in live or random.random() < 0.4:
                r = c.set_secret(name, f"v{i}")
                if r.status_code == 200:
                    live.add(name)
                    ops["set"] += 1
                elif r.status_code == 409:  # soft-deleted: recover it
                    self.assertEqual(c.call("POST", f"/deletedsecrets/{name}/recover?api-version=7.4").status_code, 200)
                    ops["recover"] += 1
                    live.add(name)
            elif random.random() < 0.8:
                r = c.call("GET", f"/secrets/{name}?api-version=7.4")
                self.assertEqual(r.status_code, 200, r.text)
                ops["get"] += 1
            else:
                self.assertEqual(c.call("DELETE", f"/secrets/{name}?api-version=7.4").status_code, 200)
                live.discard(name)
                ops["delete"] += 1
        for name in names:  # the ledger's names must be readable: recover what is deleted
            if name not in live and c.call("GET", f"/deletedsecrets/{name}?api-version=7.4").status_code == 200:
                self.assertEqual(c.call("POST", f"/deletedsecrets/{name}/recover?api-version=7.4").status_code, 200)
        self.assertTrue(all(v > 0 for v in ops.values()), ops)
        # Read-your-writes across replicas: set on one, read at once on each other one.
        for i in range(20):
            writer, reader = random.sample(c.replicas, 2)
            r = c.call("PUT", f"/secrets/ryw?api-version=7.4", {"value": f"ryw-{i}"}, replica=writer)
            self.assertEqual(r.status_code, 200, r.text)
            self.assertEqual(c.call("GET", "/secrets/ryw?api-version=7.4", replica=reader).json()["value"], f"ryw-{i}")
        self.finish(c)

    # 2 -------------------------------------------------------------------------------------------
    def test_2_replicas_killed_under_load(self):
        c = self.cluster()
        stop = threading.Event()
        kills = []

        def killer():
            while not stop.wait(random.uniform(3, 5)):
                victim = random.choice(c.replicas)
                victim.kill()
                kills.append(victim.name)
                victim.start()

        t = threading.Thread(target=killer)
        t.start()
        try:
            acked = self.load(c, 20)
        finally:
            stop.set()
            t.join()
        self.assertGreater(acked, 50)
        self.assertGreaterEqual(len(kills), 3)
        self.finish(c)

    # 3 -------------------------------------------------------------------------------------------
    def test_3_postgres_restarts_mid_load(self):
        c = self.cluster()
        done = threading.Event()

        def restarts():
            for mode in ("fast", "immediate"):
                time.sleep(4)
                c.pg.restart(mode)
            done.set()

        t = threading.Thread(target=restarts)
        t.start()
        acked = self.load(c, 16)
        t.join()
        self.assertTrue(done.is_set())
        self.assertGreater(acked, 20)
        # Every replica is ready again within seconds.
        for r in c.replicas:
            deadline = time.time() + 10
            while time.time() < deadline:
                h = c.session().get(f"{r.authority}/healthz", timeout=10)
                if h.status_code == 200:
                    break
                time.sleep(0.2)
            self.assertEqual(h.status_code, 200, f"{r.name}: {h.text}")
        self.finish(c)

    # 4 -------------------------------------------------------------------------------------------
    def advance(self, c, seconds, replicas=None):
        """Moves every replica's test clock; returns the sum of what their maintenance runs did."""
        total = {}
        for r in replicas or c.replicas:
            if r.proc.poll() is not None:
                continue
            resp = c.session().post(f"{r.authority}/coffer/admin/clock/advance", json={"seconds": seconds},
                                    headers={"Authorization": "Bearer " + self.authority_token(c, r)}, timeout=60)
            self.assertEqual(resp.status_code, 200, resp.text)
            for k, v in resp.json().items():
                if isinstance(v, int) and not isinstance(v, bool) and k != "now":
                    total[k] = total.get(k, 0) + v
        return total

    def authority_token(self, c, r):
        import requests
        resp = requests.post(f"{r.authority}/adfs/oauth2/token", verify=c.ca, timeout=30, data={
            "grant_type": "client_credentials", "client_id": c.dev["clientId"],
            "client_secret": c.dev["clientSecret"], "scope": c.authority + "/.default"})
        resp.raise_for_status()
        return resp.json()["access_token"]

    def wait_for_leader(self, c, not_this=None, within=30):
        deadline = time.time() + within
        while time.time() < deadline:
            leader = c.leader()
            if leader is not None and leader is not not_this and leader.proc.poll() is None:
                return leader
            time.sleep(0.3)
        self.fail("no replica took over the jobs")

    def test_4_jobs_run_exactly_once_across_leader_changes(self):
        c = self.cluster(extra_args=["--test-clock"])
        for i in range(200):
            self.assertEqual(c.set_secret(f"purge-{i}", "x").status_code, 200)
            self.assertEqual(c.call("DELETE", f"/secrets/purge-{i}?api-version=7.4").status_code, 200)
        policy = {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P1D"}, "action": {"type": "Rotate"}}],
                  "attributes": {"expiryTime": "P2Y"}}
        for i in range(50):
            self.assertEqual(c.call("POST", f"/keys/rot-{i}/create?api-version=7.4", {"kty": "EC"}).status_code, 200)
            self.assertEqual(c.call("PUT", f"/keys/rot-{i}/rotationpolicy?api-version=7.4", policy).status_code, 200)
        # The leader changes: killed twice, and its jobs session cut once.
        first = self.wait_for_leader(c)
        first.kill()
        second = self.wait_for_leader(c, not_this=first)
        first.start()
        c.pg.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'coffer-jobs/%'",
                  c.dbname)
        third = self.wait_for_leader(c)
        third.kill()
        self.wait_for_leader(c, not_this=third)
        third.start()
        self.wait_for_leader(c)
        # 91 days: every soft-deleted secret is due; every key's rotation is due once.
        done = self.advance(c, 91 * 86400)
        for _ in range(3):  # further runs find nothing left to do
            more = self.advance(c, 60)
            self.assertEqual(more.get("secretsPurged", 0), 0, more)
            self.assertEqual(more.get("keysRotated", 0), 0, more)
        self.assertEqual(done.get("secretsPurged"), 200, done)
        self.assertEqual(done.get("keysRotated"), 50, done)
        for i in range(0, 200, 20):
            self.assertEqual(c.call("GET", f"/deletedsecrets/purge-{i}?api-version=7.4").status_code, 404)
        for i in range(50):
            versions = c.call("GET", f"/keys/rot-{i}/versions?api-version=7.4").json()["value"]
            self.assertEqual(len(versions), 2, f"rot-{i}: one rotation per due time")

    # 5 -------------------------------------------------------------------------------------------
    def test_5_frozen_leader_cannot_commit_with_a_stale_epoch(self):
        c = self.cluster(extra_args=["--test-clock"])
        for i in range(20):
            self.assertEqual(c.set_secret(f"frozen-{i}", "x").status_code, 200)
            self.assertEqual(c.call("DELETE", f"/secrets/frozen-{i}?api-version=7.4").status_code, 200)
        old = self.wait_for_leader(c)
        os.kill(old.proc.pid, signal.SIGSTOP)
        try:
            new = self.wait_for_leader(c, not_this=old, within=40)  # after idle_session_timeout (10 s)
        finally:
            os.kill(old.proc.pid, signal.SIGCONT)
        others = [r for r in c.replicas if r is not new]
        did = self.advance(c, 91 * 86400, replicas=others)  # the thawed old leader first: it must do nothing
        self.assertEqual(did.get("secretsPurged", 0), 0, did)
        did = self.advance(c, 91 * 86400, replicas=[new])
        self.assertEqual(did.get("secretsPurged"), 20, did)
        deadline = time.time() + 10
        while "steps down" not in old.log() and time.time() < deadline:
            time.sleep(0.2)
        self.assertIn("steps down", old.log())

    # 6 -------------------------------------------------------------------------------------------
    def test_6_changes_on_one_replica_hold_on_every_other_at_once(self):
        c = self.cluster()
        a, b, _ = c.replicas
        r = c.session().post(f"{a.authority}/coffer/admin/service-principals", json={"displayName": "reader"},
                             headers={"Authorization": "Bearer " + self.authority_token(c, a)})
        self.assertEqual(r.status_code, 201, r.text)
        sp = r.json()
        import requests
        tok = requests.post(f"{a.authority}/adfs/oauth2/token", verify=c.ca, data={
            "grant_type": "client_credentials", "client_id": sp["clientId"], "client_secret": sp["clientSecret"],
            "scope": "https://vault.localhost/.default"}).json()["access_token"]
        self.assertEqual(c.set_secret("watched", "v1").status_code, 200)

        def reads(replica):
            return c.call("GET", "/secrets/watched?api-version=7.4", token=tok, replica=replica).status_code

        for round_ in ("plain", "listener-killed", "postgres-restarted", "replica-frozen"):
            assignment = str(uuid.uuid4())
            started = time.monotonic()
            try:
                r = c.call("PUT", f"/secrets/watched/providers/Microsoft.Authorization/roleAssignments/{assignment}"
                           "?api-version=7.4", replica=a, body={"properties": {
                               "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/"
                                                   "4633458b-17de-408a-b874-0445c86b69e6",
                               "principalId": sp["objectId"]}})
            finally:
                if round_ == "replica-frozen":
                    os.kill(b.proc.pid, signal.SIGCONT)
            if round_ == "replica-frozen":
                # A frozen replica holds the others' writes for the rest of its lease (2 s), no longer;
                # thawed, it answers nothing from memory that the grant made stale.
                self.assertLess(time.monotonic() - started, 20)
            self.assertIn(r.status_code, (200, 201), r.text)
            self.assertEqual(reads(b), 200, round_)
            r = c.call("DELETE", f"/secrets/watched/providers/Microsoft.Authorization/roleAssignments/{assignment}"
                       "?api-version=7.4", replica=a)
            self.assertEqual(r.status_code, 200, r.text)
            self.assertEqual(reads(b), 403, f"{round_}: revoked on {a.name}, still allowed on {b.name}")
            # A disabled version: refused everywhere at once.
            version = c.call("GET", "/secrets/watched?api-version=7.4", replica=a).json()["id"].rsplit("/", 1)[1]
            self.assertEqual(c.call("PATCH", f"/secrets/watched/{version}?api-version=7.4",
                                    {"attributes": {"enabled": False}}, replica=a).status_code, 200)
            self.assertEqual(c.call("GET", "/secrets/watched?api-version=7.4", replica=b).status_code, 403)
            self.assertEqual(c.call("PATCH", f"/secrets/watched/{version}?api-version=7.4",
                                    {"attributes": {"enabled": True}}, replica=a).status_code, 200)
            self.assertEqual(c.call("GET", "/secrets/watched?api-version=7.4", replica=b).status_code, 200)
            if round_ == "plain":
                c.pg.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          f"WHERE application_name = 'coffer' AND datname = '{c.dbname}'")
            elif round_ == "listener-killed":
                c.pg.restart("fast")
            elif round_ == "postgres-restarted":
                self.assertEqual(reads(b), 403)  # b holds the grant-less state in memory...
                os.kill(b.proc.pid, signal.SIGSTOP)  # ...and freezes with it

    # 7 -------------------------------------------------------------------------------------------
    def test_7_a_commit_whose_answer_is_lost_is_applied_once(self):
        c = self.cluster(replicas=2, replica_env={"r2": {"COFFER_FAILPOINT": "drop_after_commit_send:5"}})
        r2 = c.replicas[1]
        for i in range(8):
            r = c.call("PUT", f"/secrets/ambiguous-{i}?api-version=7.4", {"value": f"v{i}"}, replica=r2)
            self.assertEqual(r.status_code, 200, r.text)
            c.record(f"ambiguous-{i}", r.json()["id"].rsplit("/", 1)[1], f"v{i}")
        self.finish(c)  # each name: exactly one version

    # 8 -------------------------------------------------------------------------------------------
    def test_8_concurrent_conflicts_have_one_winner(self):
        c = self.cluster()
        self.assertEqual(c.set_secret("contested", "x").status_code, 200)
        self.assertEqual(c.call("DELETE", "/secrets/contested?api-version=7.4").status_code, 200)

        def race(i):
            method, path = (("POST", "/deletedsecrets/contested/recover?api-version=7.4") if i % 2
                            else ("DELETE", "/deletedsecrets/contested?api-version=7.4"))
            return c.call(method, path, replica=c.replicas[i % 3]).status_code

        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            results = list(pool.map(race, range(20)))
        self.assertEqual(sum(1 for s in results if s in (200, 204)), 1, results)
        principal = str(uuid.uuid4())

        def assign(i):
            return c.call("PUT", f"/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}?api-version=7.4",
                          {"properties": {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/"
                                                              "4633458b-17de-408a-b874-0445c86b69e6",
                                          "principalId": principal}}, replica=c.replicas[i % 3]).status_code

        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            results = list(pool.map(assign, range(20)))
        self.assertEqual(sum(1 for s in results if s in (200, 201)), 1, results)
        self.assertTrue(all(s in (200, 201, 409) for s in results), results)

    # 9 -------------------------------------------------------------------------------------------
    def test_9_failover_to_a_synchronous_standby_loses_nothing(self):
        c = self.cluster(standby=True, sync=True)
        stop = threading.Event()
        acked_before = []

        def failover():
            time.sleep(5)
            acked_before.append(len(c.ledger()))
            c.pg.stop("immediate")
            c.standby._as_postgres("/usr/lib/postgresql/15/bin/pg_ctl", "-D", c.standby.data, "-w", "promote")
            # As Patroni does: the promoted node has no standby to wait for.
            c.standby.psql("ALTER SYSTEM SET synchronous_standby_names = ''")
            c.standby.psql("SELECT pg_reload_conf()")
            stop.set()

        t = threading.Thread(target=failover)
        t.start()
        acked = self.load(c, 14)
        t.join()
        self.assertGreater(acked_before[0], 0)
        self.assertGreater(acked, acked_before[0], "writes go on after the failover")
        c.pg = c.standby  # the new primary, for the checks
        c.standby = None
        self.assertGreater(c.check_ledger(self), 0)
        self.wait_for_leader(c)


if __name__ == "__main__":
    unittest.main()
