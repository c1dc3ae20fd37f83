"""Bad input over real HTTPS: limits, TLS versions, the challenge, bad
api-versions and bodies. Every answer is an AKV error, never a crash."""
import socket
import ssl
import subprocess
import unittest

import requests

from coffer_server import COFFER_BIN, CofferServer, token


class HttpEdgesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = CofferServer().start()
        cls.resource = f"https://vault.localhost:{cls.server.port}"
        cls.session = requests.Session()
        cls.session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
        cls.session.verify = cls.server.ca_file
        cls.session.headers["Authorization"] = "Bearer " + token(cls.server, cls.resource)
        cls.base = cls.server.vault_url()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_challenge_without_token(self):
        r = requests.put(f"{self.base}/secrets/probe?api-version=7.4", verify=self.server.ca_file)
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r.json()["error"]["code"], "Unauthorized")
        self.assertIn(f'resource="{self.resource}"', r.headers["WWW-Authenticate"])
        self.assertIn(f'authorization="{self.server.authority}/{self.server.dev["tenantId"]}"',
                      r.headers["WWW-Authenticate"])
        r = self.session.get(f"{self.base}/secrets/probe?api-version=7.4")
        self.assertEqual(r.status_code, 404)  # the probe was not acted on

    def test_bad_token(self):
        r = requests.get(f"{self.base}/secrets?api-version=7.4", verify=self.server.ca_file,
                         headers={"Authorization": "Bearer not.a.token"})
        self.assertEqual(r.status_code, 401)
        self.assertIn("WWW-Authenticate", r.headers)

    def test_oversized_body_is_413(self):
        r = self.session.put(f"{self.base}/secrets/big?api-version=7.4", data=b"x" * (1024 * 1024 + 10),
                             headers={"Content-Type": "application/json"})
        self.assertEqual(r.status_code, 413)

    def test_body_far_over_the_limit_still_reads_413(self):
        # The 413 goes out after the headers; the client is still sending. The server drains the
        # rest (lingering close) so the client reads the answer rather than a reset — every time.
        for size in (8 * 1024 * 1024, 8 * 1024 * 1024, 8 * 1024 * 1024, 24 * 1024 * 1024):
            body = b'{"value":"' + b"x" * size + b'"}'
            r = self.session.put(f"{self.base}/secrets/big?api-version=7.4", data=body,
                                 headers={"Content-Type": "application/json"})
            self.assertEqual(r.status_code, 413)
            self.assertEqual(r.json()["error"]["code"], "RequestEntityTooLarge")

    def raw_request(self, head):
        ctx = ssl.create_default_context(cafile=self.server.ca_file)
        with socket.create_connection(("127.0.0.1", self.server.port)) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(head)
                tls.settimeout(10)
                data = b""
                while True:
                    chunk = tls.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                    if b"\r\n\r\n" in data:
                        head_end = data.index(b"\r\n\r\n") + 4
                        length = [int(line.split(b":")[1]) for line in data[:head_end].split(b"\r\n")
                                  if line.lower().startswith(b"content-length:")]
                        if length and len(data) >= head_end + length[0]:
                            break
                return data

    def test_host_header_missing_or_repeated_is_400(self):
        # RFC 9112 §3.2: exactly one Host in HTTP/1.1, never two.
        for head in (b"GET /healthz HTTP/1.1\r\n\r\n",
                     b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n\r\n",
                     b"GET /healthz HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"):
            answer = self.raw_request(head)
            self.assertTrue(answer.startswith(b"HTTP/1.1 400 "), answer[:200])
            self.assertIn(b'"BadParameter"', answer)
        answer = self.raw_request(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        self.assertTrue(answer.startswith(b"HTTP/1.1 200 "), answer[:200])
        answer = self.raw_request(b"GET /healthz HTTP/1.0\r\n\r\n")  # HTTP/1.0 may omit it
        self.assertTrue(answer.startswith(b"HTTP/1.0 200 "), answer[:200])

    def test_oversized_headers_are_431(self):
        r = self.session.get(f"{self.base}/secrets?api-version=7.4", headers={"X-Big": "y" * 20000})
        self.assertEqual(r.status_code, 431)

    def test_bad_api_version_and_body(self):
        r = self.session.get(f"{self.base}/secrets?api-version=1.0")
        self.assertEqual((r.status_code, r.json()["error"]["code"]), (400, "BadParameter"))
        self.assertIn("not recognized", r.json()["error"]["message"])
        r = self.session.put(f"{self.base}/secrets/x?api-version=7.4", data="{nope",
                             headers={"Content-Type": "application/json"})
        self.assertEqual((r.status_code, r.json()["error"]["code"]), (400, "BadParameter"))
        r = self.session.put(f"{self.base}/secrets/x?api-version=7.4", json={"value": 5})
        self.assertEqual(r.status_code, 400)
        r = self.session.get(f"{self.base}/secrets?api-version=7.4&maxresults=26")
        self.assertEqual(r.status_code, 400)

    def test_tls_versions(self):
        for version, ok in ((ssl.TLSVersion.TLSv1_2, True), (ssl.TLSVersion.TLSv1_3, True)):
            ctx = ssl.create_default_context(cafile=self.server.ca_file)
            ctx.minimum_version = ctx.maximum_version = version
            with socket.create_connection(("127.0.0.1", self.server.port)) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                    self.assertEqual(tls.version(), "TLSv1.2" if version == ssl.TLSVersion.TLSv1_2 else "TLSv1.3")
        p = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{self.server.port}", "-tls1_1"],
                           input="", capture_output=True, text=True, timeout=30)
        self.assertNotEqual(p.returncode, 0)

    def test_second_server_on_the_same_data_dir_refuses_to_start(self):
        r = subprocess.run([COFFER_BIN, "server", "--dev", "--data-dir", self.server.data_dir, "--listen", "localhost:0"],
                           capture_output=True, text=True, timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("another Coffer server is running on the data directory", r.stdout + r.stderr)
        self.assertEqual(self.session.get(f"{self.base}/secrets?api-version=7.4").status_code, 200)

    def test_server_survives_garbage(self):
        with socket.create_connection(("127.0.0.1", self.server.port)) as raw:
            raw.sendall(b"\x16\x03\x01garbage-not-tls" * 10)
            raw.settimeout(5)
            try:
                raw.recv(100)
            except (ConnectionResetError, socket.timeout):
                pass
        r = self.session.get(f"{self.base}/secrets?api-version=7.4")
        self.assertEqual(r.status_code, 200)


class ShutdownTest(unittest.TestCase):
    def test_sigterm_finishes_in_flight_writes_and_exits_cleanly(self):
        import concurrent.futures
        import signal
        server = CofferServer().start()
        try:
            resource = f"https://vault.localhost:{server.port}"
            session = requests.Session()
            session.trust_env = False
            session.verify = server.ca_file
            session.headers["Authorization"] = "Bearer " + token(server, resource)
            base = server.vault_url()

            def put(i):
                try:
                    r = session.put(f"{base}/secrets/t{i}?api-version=7.4", json={"value": f"v{i}"}, timeout=30)
                    return i, r.status_code
                except requests.RequestException:
                    return i, None

            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                futures = [pool.submit(put, i) for i in range(40)]
                server.proc.send_signal(signal.SIGTERM)
                results = [f.result() for f in futures]
            self.assertEqual(server.proc.wait(30), 0)
            acked = [i for i, status in results if status == 200]
            server.start()
            session.headers["Authorization"] = "Bearer " + token(server, f"https://vault.localhost:{server.port}")
            for i in acked:
                r = session.get(f"{server.vault_url()}/secrets/t{i}?api-version=7.4")
                self.assertEqual(r.json().get("value"), f"v{i}")
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
