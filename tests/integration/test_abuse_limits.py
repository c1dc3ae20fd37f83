"""What floods cannot do to a real server: wrong client secrets are throttled
per address and per client id (429 + Retry-After, no password hash past the
limit) while well-behaved clients keep getting tokens and writes; idle TLS
connections, even past `ulimit -n 1024`, never lock a client out."""
import concurrent.futures
import http.client
import json
import os
import re
import socket
import ssl
import threading
import time
import unittest
import urllib.parse
import uuid

import requests

from coffer_server import CofferServer, admin, canary, token


def form_token(server, client_id, secret, source=None):
    """POSTs a client-credentials request, optionally from a given loopback source address."""
    ctx = ssl.create_default_context(cafile=server.ca_file)
    conn = http.client.HTTPSConnection("localhost", server.port, context=ctx, timeout=60,
                                       source_address=(source, 0) if source else None)
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id,
                                   "client_secret": secret,
                                   "scope": f"https://vault.localhost:{server.port}/.default"})
    try:
        conn.request("POST", "/adfs/oauth2/token", body, {"Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), json.loads(r.read() or b"{}")
    finally:
        conn.close()


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0


class TokenFloodTest(unittest.TestCase):
    def test_secret_guessing_is_throttled_per_client_id(self):
        with CofferServer() as server:
            victim = server.dev["clientId"]
            status, _, body = form_token(server, victim, server.dev["clientSecret"])  # signs in once
            self.assertEqual(status, 200, body)
            statuses = []
            for i in range(40):
                status, headers, body = form_token(server, victim, f"guess-{i}")
                statuses.append(status)
                if status == 429:
                    self.assertEqual(body["error"], "temporarily_unavailable")
                    self.assertGreaterEqual(int(headers["Retry-After"]), 1)
            self.assertEqual(statuses[:10], [401] * 10)
            self.assertEqual(set(statuses[10:]), {429}, statuses)
            # The real secret was verified before the guessing, so its owner is not locked out.
            status, _, body = form_token(server, victim, server.dev["clientSecret"])
            self.assertEqual(status, 200, body)

    def test_flood_of_wrong_secrets_cannot_starve_good_clients(self):
        with CofferServer() as server:
            s = requests.Session()
            s.trust_env = False
            s.verify = server.ca_file
            s.headers["Authorization"] = "Bearer " + token(server, f"https://vault.localhost:{server.port}")
            base = server.vault_url()
            r = admin(server, "POST", "/service-principals", {"displayName": "newcomer"})
            self.assertEqual(r.status_code, 201, r.text)
            newcomer = r.json()
            canary(newcomer["clientSecret"])
            rss_before = rss_mb(server.proc.pid)

            stop = threading.Event()
            flood_statuses = []
            lock = threading.Lock()

            def flood():
                while not stop.is_set():
                    status, _, _ = form_token(server, str(uuid.uuid4()), "wrong-secret")
                    with lock:
                        flood_statuses.append(status)

            with concurrent.futures.ThreadPoolExecutor(48) as pool:
                for _ in range(48):
                    pool.submit(flood)
                try:
                    time.sleep(1.5)  # past the flood's first burst of checks
                    # Writes and token issuance for well-behaved clients go on.
                    for i in range(10):
                        value = canary(f"during-flood-{i}-{uuid.uuid4().hex}")
                        r = s.put(f"{base}/secrets/flood{i}?api-version=7.4", json={"value": value}, timeout=30)
                        self.assertEqual(r.status_code, 200, r.text)
                    status, _, body = form_token(server, server.dev["clientId"], server.dev["clientSecret"])
                    self.assertEqual(status, 200, body)
                    # A client that never signed in, from another address, is not caught by the flood's limit.
                    status, _, body = form_token(server, newcomer["clientId"], newcomer["clientSecret"],
                                                 source="127.0.0.2")
                    self.assertEqual(status, 200, body)
                    time.sleep(2.0)
                finally:
                    stop.set()
            hashed = flood_statuses.count(401)
            self.assertGreater(flood_statuses.count(429), 10 * hashed, "most of the flood is refused unhashed")
            self.assertLessEqual(hashed, 40, "password hashes past the burst are bounded by the refill rate")
            self.assertNotIn(500, flood_statuses)
            # Under AddressSanitizer, freed memory waits in its quarantine (256 MiB by default) first.
            bound = 200 + (256 if os.environ.get("COFFER_SANITIZER") == "address" else 0)
            self.assertLess(rss_mb(server.proc.pid) - rss_before, bound, "memory stays bounded")


class ConnectionFloodTest(unittest.TestCase):
    def test_idle_connections_past_ulimit_cannot_lock_a_client_out(self):
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < 4096:
            self.skipTest(f"this test needs 4096 open files for itself (hard limit {hard})")
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 4096), hard))
        self.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, (soft, hard))
        server = CofferServer(open_files=(1024, 1024),
                              extra_args=["--config", self.config_file(firstRequestTimeoutSeconds=60)])
        server.start()
        self.addCleanup(server.cleanup)
        self.assertTrue(any(re.search(r"at most 896 connections \(open-file limit 1024\)", line)
                            for line in server.output), "".join(server.output))
        ctx = ssl.create_default_context(cafile=server.ca_file)
        idle = []
        self.addCleanup(lambda: [c.close() for c in idle])
        for _ in range(1100):  # past the limit and past `ulimit -n`
            raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            try:
                idle.append(ctx.wrap_socket(raw, server_hostname="localhost"))
            except (ssl.SSLError, OSError):
                raw.close()  # shed while shaking hands: fine
        s = requests.Session()
        s.trust_env = False
        s.verify = server.ca_file
        s.headers["Authorization"] = "Bearer " + token(server, f"https://vault.localhost:{server.port}")
        r = s.put(f"{server.vault_url()}/secrets/still-served?api-version=7.4", json={"value": "v"}, timeout=15)
        self.assertEqual(r.status_code, 200, r.text)
        r = s.get(f"{server.vault_url()}/secrets/still-served?api-version=7.4", timeout=15)
        self.assertEqual(r.status_code, 200, r.text)
        self.assertTrue(server.proc.poll() is None, "the server is still running")

    def config_file(self, **options):
        import tempfile
        fd, path = tempfile.mkstemp(suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(options, f)
        self.addCleanup(os.remove, path)
        return path


if __name__ == "__main__":
    unittest.main()
