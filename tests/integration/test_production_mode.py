"""`coffer server` outside dev mode: settings from a JSON config file and the
environment, TLS material and a root key supplied by the operator, the
one-time initial administrator, and refusal to start with a wrong root key."""
import base64
import json
import os
import re
import subprocess
import threading
import unittest

import requests
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient

from coffer_server import COFFER_BIN, new_data_dir, remove_dir


def make_tls(d):
    ca_key, ca_crt = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
    key, csr, crt = os.path.join(d, "srv.key"), os.path.join(d, "srv.csr"), os.path.join(d, "srv.crt")
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
        "-subj", "/CN=test CA", "-keyout", ca_key, "-out", ca_crt)
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost",
        "-keyout", key, "-out", csr)
    ext = os.path.join(d, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,DNS:*.prod.localhost,IP:127.0.0.1\n")
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial", "-days", "2",
        "-extfile", ext, "-out", crt)
    return ca_crt, crt, key


class ProductionModeTest(unittest.TestCase):
    def setUp(self):
        self.dir = new_data_dir("coffer-prod-")
        self.ca, self.crt, self.key = make_tls(self.dir)
        self.config = os.path.join(self.dir, "coffer.json")
        with open(self.config, "w") as f:
            json.dump({"dataDir": os.path.join(self.dir, "data"), "listen": "localhost:0",
                       "tlsCertFile": self.crt, "tlsKeyFile": self.key, "rootKeyEnv": "TEST_ROOT_KEY",
                       "dnsSuffix": "prod.localhost"}, f)
        self.root_key = base64.b64encode(os.urandom(32)).decode()
        self.proc = None

    def tearDown(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)
        remove_dir(self.dir)

    def start(self, root_key):
        env = {k: v for k, v in os.environ.items() if not k.startswith("COFFER_")}
        env["TEST_ROOT_KEY"] = root_key
        self.proc = subprocess.Popen([COFFER_BIN, "server", "--config", self.config], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        port, lines = [None], []
        ready = threading.Event()

        def pump():
            for line in self.proc.stdout:
                lines.append(line)
                m = re.search(r"\(port (\d+)\)", line)
                if m:
                    port[0] = int(m.group(1))
                    ready.set()
            ready.set()

        threading.Thread(target=pump, daemon=True).start()
        ready.wait(60)
        return port[0], lines

    def test_config_file_initial_admin_and_wrong_root_key(self):
        port, lines = self.start(self.root_key)
        self.assertIsNotNone(port, "".join(lines))
        with open(os.path.join(self.dir, "data", "initial-admin.json")) as f:
            admin = json.load(f)
        self.assertEqual(os.stat(os.path.join(self.dir, "data", "initial-admin.json")).st_mode & 0o077, 0)
        authority = f"https://localhost:{port}"
        tok = requests.post(f"{authority}/adfs/oauth2/token", verify=self.ca, data={
            "grant_type": "client_credentials", "client_id": admin["clientId"], "client_secret": admin["clientSecret"],
            "scope": authority + "/.default"}).json()["access_token"]
        r = requests.put(f"{authority}/coffer/admin/vaults/payments", json={}, verify=self.ca,
                         headers={"Authorization": "Bearer " + tok})
        self.assertEqual(r.status_code, 201, r.text)
        self.assertEqual(r.json()["vaultUri"], f"https://payments.prod.localhost:{port}")
        cred = ClientSecretCredential("adfs", admin["clientId"], admin["clientSecret"], authority=authority,
                                      connection_verify=self.ca)
        client = SecretClient(f"https://payments.prod.localhost:{port}", cred, connection_verify=self.ca)
        client.set_secret("db-password", "hunter2")
        self.assertEqual(client.get_secret("db-password").value, "hunter2")
        # Keys live in the server's memory: it writes no core file (SEAL-SPEC S13).
        with open(f"/proc/{self.proc.pid}/limits") as f:
            core = [l for l in f if l.startswith("Max core file size")][0].split()
        self.assertEqual(core[4:6], ["0", "0"], core)
        r = requests.get(f"https://localhost:{port}/secrets?api-version=7.4", verify=self.ca,
                         headers={"Authorization": "Bearer " + tok})
        self.assertEqual(r.status_code, 404)  # no default vault outside dev mode
        self.proc.terminate()
        self.assertEqual(self.proc.wait(30), 0)

        # Restart with another root key: the data cannot be unsealed, so the server refuses to start.
        port, lines = self.start(base64.b64encode(os.urandom(32)).decode())
        self.assertIsNone(port)
        self.assertNotEqual(self.proc.wait(30), 0)
        self.assertIn("root key", "".join(lines))

        # The right key again: everything is still there, and no second initial admin is made.
        os.remove(os.path.join(self.dir, "data", "initial-admin.json"))
        port, lines = self.start(self.root_key)
        self.assertIsNotNone(port, "".join(lines))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "data", "initial-admin.json")))
        cred = ClientSecretCredential("adfs", admin["clientId"], admin["clientSecret"],
                                      authority=f"https://localhost:{port}", connection_verify=self.ca)
        client = SecretClient(f"https://payments.prod.localhost:{port}", cred, connection_verify=self.ca)
        self.assertEqual(client.get_secret("db-password").value, "hunter2")

    def test_a_store_from_before_seals_is_not_locked_by_a_wrong_key(self):
        """A store written before seals existed has no seal records; the first start writes them with its key
        file as the root key — only once that key has opened the store, so a wrong key file cannot lock the
        right one out."""
        port, lines = self.start(self.root_key)
        self.assertIsNotNone(port, "".join(lines))
        self.proc.terminate()
        self.assertEqual(self.proc.wait(30), 0)
        if os.environ.get("COFFER_TEST_PG"):
            self.skipTest("the pre-seal store is made by editing the SQLite file")
        import sqlite3
        db = sqlite3.connect(os.path.join(self.dir, "data", "coffer.db"))
        db.execute("DELETE FROM entries WHERE hex(substr(key, 1, 5)) = hex('seal/')")  # as an earlier Coffer left it
        db.commit()
        db.close()
        port, lines = self.start(base64.b64encode(os.urandom(32)).decode())
        self.assertIsNone(port)
        self.assertNotEqual(self.proc.wait(30), 0)
        self.assertIn("root key does not belong", "".join(lines))
        port, lines = self.start(self.root_key)
        self.assertIsNotNone(port, "the right key still opens it:\n" + "".join(lines))
        self.proc.terminate()
        self.assertEqual(self.proc.wait(30), 0)
        # With shares instead, the same store is refused: a new root key would open none of it.
        db = sqlite3.connect(os.path.join(self.dir, "data", "coffer.db"))
        db.execute("DELETE FROM entries WHERE hex(substr(key, 1, 5)) = hex('seal/')")
        db.commit()
        db.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("COFFER_")}
        cfg = json.load(open(self.config))
        del cfg["rootKeyEnv"]
        cfg["seal"] = "shamir"
        with open(self.config, "w") as f:
            json.dump(cfg, f)
        self.proc = subprocess.Popen([COFFER_BIN, "server", "--config", self.config], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            port_line = ""
            for line in self.proc.stdout:
                if "SEALED" in line:
                    port_line = line
                    break
            port = int(re.search(r"\(port (\d+)\)", port_line).group(1))
            r = requests.post(f"https://localhost:{port}/coffer/v1/sys/init", verify=self.ca,
                              json={"secretShares": 3, "secretThreshold": 2})
            self.assertEqual(r.status_code, 409, r.text)
            self.assertEqual(r.json()["error"]["innererror"]["code"], "StoreNotEmpty")
        finally:
            self.proc.terminate()
            self.proc.wait(30)

    def test_refuses_bad_root_key_and_unknown_options(self):
        port, lines = self.start("not-base64!")
        self.assertIsNone(port)
        self.assertNotEqual(self.proc.wait(30), 0)
        with open(self.config, "w") as f:
            json.dump({"tlsCertFile": self.crt, "tlsKeyFile": self.key, "rootKeyEnv": "X", "bogus": 1}, f)
        port, lines = self.start(self.root_key)
        self.assertIsNone(port)
        self.assertIn("bogus", "".join(lines))


if __name__ == "__main__":
    unittest.main()
