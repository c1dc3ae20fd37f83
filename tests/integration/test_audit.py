"""The audit log with the real server: every answered request is recorded,
nothing is served when no sink can record (disk full, deleted file, hung
sink) and service resumes by itself; `coffer audit verify` proves the log
and catches an edit; no secret value or token lands in the data directory."""
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import unittest
import uuid

import requests

from coffer_server import COFFER_BIN, CofferServer, admin, canary, new_data_dir, remove_dir, token


def session_for(server):
    s = requests.Session()
    s.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
    s.verify = server.ca_file
    s.headers["Authorization"] = "Bearer " + token(server, f"https://vault.localhost:{server.port}")
    return s


def config_file(directory, **options):
    path = os.path.join(directory, "audit-config.json")
    with open(path, "w") as f:
        json.dump(options, f)
    return path


def coffer(*args):
    return subprocess.run([COFFER_BIN, *args], capture_output=True, text=True, timeout=60)


def read_log(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


class AuditRecordsTest(unittest.TestCase):
    def test_every_answer_recorded_verify_and_nothing_secret(self):
        secret_value = canary("s3cr3t-" + uuid.uuid4().hex)
        with CofferServer() as server:
            s = session_for(server)
            tok = s.headers["Authorization"][7:]
            base = server.vault_url()
            answered = []  # x-ms-request-id of every response
            for i in range(5):
                r = s.put(f"{base}/secrets/a{i}?api-version=7.4", json={"value": secret_value},
                          headers={"User-Agent": "audit-it/1.0", "x-ms-client-request-id": f"corr-{i}"})
                self.assertEqual(r.status_code, 200, r.text)
                answered.append(r.headers["x-ms-request-id"])
                r = s.get(f"{base}/secrets/a{i}?api-version=7.4")
                self.assertEqual(r.json()["value"], secret_value)
                answered.append(r.headers["x-ms-request-id"])
            r = requests.get(f"{base}/secrets/a0?api-version=7.4", verify=server.ca_file)  # 401
            answered.append(r.headers["x-ms-request-id"])
            r = s.get(f"{base}/secrets/missing?api-version=7.4")  # 404
            answered.append(r.headers["x-ms-request-id"])
            log_path = os.path.join(server.data_dir, "audit.log")
            server.stop()

            records = read_log(log_path)
            ids = {rec.get("requestId") for rec in records}
            for rid in answered:
                self.assertIn(rid, ids)
            ops = [rec.get("operationName") for rec in records]
            # Each change is recorded before it runs ("Requested") and after, under one requestId.
            self.assertEqual(ops.count("SecretSet"), 10)
            sets = [rec for rec in records if rec.get("operationName") == "SecretSet"]
            self.assertEqual([rec["resultType"] for rec in sets], ["Requested", "Success"] * 5)
            for requested, done in zip(sets[0::2], sets[1::2]):
                self.assertEqual(requested["requestId"], done["requestId"])
                self.assertEqual(requested["httpStatusCode"], 0)
            self.assertEqual(ops.count("SecretGet"), 6)  # 5 reads + the 404, recorded once each
            self.assertIn("Authentication", ops)
            self.assertEqual(records[-1]["category"], "AuditCheckpoint")
            # Client-supplied header values are HMAC'd; `coffer audit hash` finds them.
            h = coffer("audit", "hash", "audit-it/1.0", "--data-dir", server.data_dir)
            self.assertEqual(h.returncode, 0, h.stderr)
            agent_hash = h.stdout.strip()
            self.assertTrue(agent_hash.startswith("hmac-sha256:"))
            # Each of the 5 sets: its "Requested" record and its outcome.
            self.assertEqual(sum(1 for rec in records if rec.get("properties", {}).get("clientInfo") == agent_hash), 10)
            found = coffer("audit", "search", log_path, "--operation", "SecretSet", "--vault", "dev",
                           "--result", "Success", "--since", "1h")
            self.assertEqual(found.returncode, 0, found.stderr)
            self.assertEqual(len(found.stdout.splitlines()), 5)
            tail = coffer("audit", "tail", log_path, "-n", "2", "--result", "401")
            self.assertEqual(len(tail.stdout.splitlines()), 1)

            v = coffer("audit", "verify", log_path)
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
            self.assertIn("intact", v.stdout)

            # Nothing secret anywhere in the data directory (log, database, WAL).
            for root, _, files in os.walk(server.data_dir):
                for name in files:
                    with open(os.path.join(root, name), "rb") as f:
                        data = f.read()
                    self.assertNotIn(secret_value.encode(), data, name)
                    self.assertNotIn(tok.encode(), data, name)
                    self.assertNotIn(tok.split(".")[2].encode(), data, name)  # the token's signature

            # An edited line is caught and named.
            with open(log_path) as f:
                lines = f.readlines()
            lines[3] = lines[3].replace('"httpStatusCode":200', '"httpStatusCode":403')
            with open(log_path, "w") as f:
                f.writelines(lines)
            v = coffer("audit", "verify", log_path)
            self.assertEqual(v.returncode, 1)
            self.assertIn("audit.log:4 (sequence 4): altered", v.stderr)


class HostileBytesTest(unittest.TestCase):
    def test_bytes_that_are_not_utf8_never_make_the_log_unverifiable(self):
        with CofferServer() as server:
            r = admin(server, "POST", "/service-principals", {"displayName": "no-role"})
            self.assertEqual(r.status_code, 201, r.text)
            sp = r.json()
            canary(sp["clientSecret"])
            resource = f"https://vault.localhost:{server.port}"
            r = requests.post(f"{server.authority}/adfs/oauth2/token", verify=server.ca_file, data={
                "grant_type": "client_credentials", "client_id": sp["clientId"],
                "client_secret": sp["clientSecret"], "scope": resource + "/.default"})
            r.raise_for_status()
            nobody = {"Authorization": "Bearer " + r.json()["access_token"], "User-Agent": "ua\xff"}  # sent as the byte 0xFF
            base = server.vault_url()
            r = requests.get(f"{base}/secrets/x%FF%FEy?api-version=7.4", headers=nobody, verify=server.ca_file)
            self.assertEqual(r.status_code, 403)
            r.content.decode("utf-8")  # the body is UTF-8
            s = session_for(server)
            r = s.get(f"{base}/secrets/a%FFb?api-version=7.4")
            self.assertEqual(r.status_code, 404)
            self.assertIn("a\ufffdb", r.content.decode("utf-8"))
            self.assertEqual(s.put(f"{base}/secrets/after?api-version=7.4", json={"value": "v"}).status_code, 200)
            log_path = os.path.join(server.data_dir, "audit.log")
            v = coffer("audit", "verify", log_path, "--live", "--data-dir", server.data_dir, "--no-anchor")
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
            server.stop()
            v = coffer("audit", "verify", log_path, "--data-dir", server.data_dir)
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
            uris = [rec.get("properties", {}).get("requestUri", "") for rec in read_log(log_path)]
            self.assertTrue(any("/secrets/x%FF%FEy" in u for u in uris), uris)


class AuditAnchorTest(unittest.TestCase):
    def test_truncation_at_a_checkpoint_is_caught_by_the_anchor(self):
        with CofferServer() as server:
            s = session_for(server)
            base = server.vault_url()
            for i in range(3):
                r = s.put(f"{base}/secrets/t{i}?api-version=7.4", json={"value": "v"})
                self.assertEqual(r.status_code, 200, r.text)
            log_path = os.path.join(server.data_dir, "audit.log")
            server.stop()  # final checkpoint, recorded as the anchor
            with open(log_path) as f:
                lines = f.readlines()
            self.assertEqual(json.loads(lines[-1])["category"], "AuditCheckpoint")

            v = coffer("audit", "verify", log_path, "--data-dir", server.data_dir)
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
            self.assertIn("intact", v.stdout)

            # Append a second checkpoint (restart, more requests, stop) so there is one to cut back to.
            server.start()
            s = session_for(server)
            base = server.vault_url()
            r = s.put(f"{base}/secrets/t9?api-version=7.4", json={"value": "v"})
            self.assertEqual(r.status_code, 200, r.text)
            server.stop()
            with open(log_path) as f:
                lines = f.readlines()
            cps = [i for i, line in enumerate(lines) if json.loads(line).get("category") == "AuditCheckpoint"]
            self.assertGreaterEqual(len(cps), 2)
            last_seq = json.loads(lines[cps[-1]])["sequence"]
            cut_seq = json.loads(lines[cps[-2]])["sequence"]
            self.assertEqual(coffer("audit", "verify", log_path, "--data-dir", server.data_dir).returncode, 0)

            with open(log_path, "w") as f:
                f.writelines(lines[:cps[-2] + 1])
            # Without the anchor the cut log looks intact; with it, the cut is named.
            self.assertEqual(coffer("audit", "verify", log_path, "--no-anchor").returncode, 0)
            for args in (["--data-dir", server.data_dir], []):
                v = coffer("audit", "verify", log_path, *args)
                self.assertEqual(v.returncode, 1, v.stdout + v.stderr)
                self.assertIn(f"log ends at checkpoint sequence {cut_seq}, but sequence {last_seq} was checkpointed",
                              v.stderr)

            # A copy of the cut log elsewhere: no anchor beside it, so verify fails instead of passing
            # with a note; --no-anchor skips the check explicitly; naming the sink finds the cut.
            copy_dir = new_data_dir("coffer-audit-copy-")
            self.addCleanup(remove_dir, copy_dir)
            copy = os.path.join(copy_dir, "audit-copy.log")
            shutil.copy(log_path, copy)
            pub = os.path.join(server.data_dir, "audit-signing-key.pub")
            v = coffer("audit", "verify", copy, "--public-key", pub)
            self.assertEqual(v.returncode, 1, v.stdout + v.stderr)
            self.assertIn("--no-anchor", v.stderr)
            self.assertNotIn("intact:", v.stdout)
            v = coffer("audit", "verify", copy, "--public-key", pub, "--data-dir", server.data_dir)
            self.assertEqual(v.returncode, 1, v.stdout + v.stderr)
            self.assertIn("hold no anchor", v.stderr)
            self.assertEqual(coffer("audit", "verify", copy, "--public-key", pub, "--no-anchor").returncode, 0)
            v = coffer("audit", "verify", copy, "--public-key", pub, "--data-dir", server.data_dir,
                       "--sink", f"file:{log_path}")
            self.assertEqual(v.returncode, 1, v.stdout + v.stderr)
            self.assertIn(f"log ends at checkpoint sequence {cut_seq}", v.stderr)

            with open(log_path, "w") as f:
                f.writelines(lines)
            v = coffer("audit", "verify", log_path, "--data-dir", server.data_dir)
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)


class AuditFailClosedTest(unittest.TestCase):
    def setUp(self):
        self.dir = new_data_dir("coffer-audit-it-")
        self.addCleanup(remove_dir, self.dir)

    def start(self, **options):
        server = CofferServer(extra_args=["--config", config_file(self.dir, **options)])
        server.start()
        self.addCleanup(server.cleanup)
        return server

    def test_disk_full_is_503_and_unhealthy(self):
        server = self.start(auditSinks="file:/dev/full")
        r = requests.get(f"{server.authority}/healthz", verify=server.ca_file)
        self.assertEqual(r.status_code, 503)
        self.assertEqual(r.json()["status"], "unhealthy")
        self.assertIn("/dev/full", r.json()["reason"])
        with self.assertRaises(requests.HTTPError) as cm:
            token(server, f"https://vault.localhost:{server.port}")  # the token answer too: no record, no token
        self.assertEqual(cm.exception.response.status_code, 503)

    def test_one_good_sink_suffices_unless_all_required(self):
        server = self.start(auditSinks="file,file:/dev/full")
        self.assertEqual(requests.get(f"{server.authority}/healthz", verify=server.ca_file).status_code, 200)
        server.cleanup()
        server = self.start(auditSinks="file,file:/dev/full", auditRequireAll=True)
        self.assertEqual(requests.get(f"{server.authority}/healthz", verify=server.ca_file).status_code, 503)

    def test_deleted_log_is_503_until_sighup(self):
        server = self.start()
        s = session_for(server)
        base = server.vault_url()
        log_path = os.path.join(server.data_dir, "audit.log")
        self.assertEqual(s.put(f"{base}/secrets/x?api-version=7.4", json={"value": "v"}).status_code, 200)
        os.remove(log_path)
        r = s.get(f"{base}/secrets/x?api-version=7.4")
        self.assertEqual(r.status_code, 503)
        self.assertNotIn("value", r.text)
        h = requests.get(f"{server.authority}/healthz", verify=server.ca_file)
        self.assertEqual(h.status_code, 503)
        self.assertIn("deleted", h.json()["reason"])
        # A change that cannot be recorded is not applied: refused before it runs.
        r = s.put(f"{base}/secrets/unrecorded?api-version=7.4", json={"value": "w"})
        self.assertEqual(r.status_code, 503)
        self.assertIn("not applied", r.json()["error"]["message"])
        r = s.delete(f"{base}/secrets/x?api-version=7.4")
        self.assertEqual(r.status_code, 503)
        server.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while time.time() < deadline:
            r = s.get(f"{base}/secrets/x?api-version=7.4")
            if r.status_code == 200:
                break
            time.sleep(0.2)
        self.assertEqual(r.status_code, 200)
        rid = r.headers["x-ms-request-id"]
        self.assertIn(rid, {rec.get("requestId") for rec in read_log(log_path)})
        self.assertEqual(requests.get(f"{server.authority}/healthz", verify=server.ca_file).status_code, 200)
        self.assertEqual(s.get(f"{base}/secrets/unrecorded?api-version=7.4").status_code, 404)
        self.assertEqual(s.get(f"{base}/secrets/x?api-version=7.4").status_code, 200)

    def test_hung_sink_times_out_then_recovers(self):
        fifo = os.path.join(self.dir, "audit.fifo")
        os.mkfifo(fifo)
        # Hold both ends so the server's open does not wait, then fill the pipe: its writes block.
        fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
        self.addCleanup(os.close, fd)
        server = self.start(auditSinks=f"file:{fifo}", auditWriteTimeoutMs=700)
        s = session_for(server)  # the token request is recorded while the pipe still has room
        try:
            while True:
                os.write(fd, b"x" * 4096)
        except BlockingIOError:
            pass
        base = server.vault_url()
        started = time.monotonic()
        r = s.get(f"{base}/secrets?api-version=7.4")
        self.assertEqual(r.status_code, 503)
        self.assertLess(time.monotonic() - started, 5)
        h = requests.get(f"{server.authority}/healthz", verify=server.ca_file)
        self.assertEqual(h.status_code, 503)
        self.assertIn("blocked", h.json()["reason"])

        stop = threading.Event()

        def drain():
            while not stop.is_set():
                try:
                    os.read(fd, 65536)
                except BlockingIOError:
                    time.sleep(0.01)

        t = threading.Thread(target=drain, daemon=True)
        t.start()
        self.addCleanup(t.join)
        self.addCleanup(stop.set)
        deadline = time.time() + 10
        while time.time() < deadline:
            r = s.get(f"{base}/secrets?api-version=7.4")
            if r.status_code == 200:
                break
            time.sleep(0.2)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(requests.get(f"{server.authority}/healthz", verify=server.ca_file).status_code, 200)


if __name__ == "__main__":
    unittest.main()
