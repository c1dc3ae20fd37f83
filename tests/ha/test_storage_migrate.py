"""`coffer storage migrate`: a SQLite deployment moves into PostgreSQL with everything it holds —
secrets with their versions, soft-deleted ones, keys that still sign, role assignments, the
audit anchor — and the same root key; a non-empty target and a running source are refused."""
import os
import subprocess
import unittest

import requests

import uuid

from ha_cluster import COFFER_BIN, CofferServer, Cluster, available, canary, new_data_dir, remove_dir


def coffer(*args):
    return subprocess.run([COFFER_BIN, *args], capture_output=True, text=True, timeout=120)


@unittest.skipUnless(available(), "PostgreSQL 15 (postgresql-15) or runuser is missing: run scripts/install-deps.sh")
class StorageMigrateTest(unittest.TestCase):
    def setUp(self):
        self.dir = new_data_dir("coffer-migrate-")
        os.chmod(self.dir, 0o711)
        self.addCleanup(remove_dir, self.dir)
        self.pg = Cluster(os.path.join(self.dir, "pg")).start()
        self.addCleanup(self.pg.stop, "immediate")

    def session(self, server):
        s = requests.Session()
        s.trust_env = False
        s.verify = server.ca_file
        r = requests.post(f"{server.authority}/adfs/oauth2/token", verify=server.ca_file, data={
            "grant_type": "client_credentials", "client_id": server.dev["clientId"],
            "client_secret": server.dev["clientSecret"], "scope": "https://vault.localhost/.default"})
        r.raise_for_status()
        s.headers["Authorization"] = "Bearer " + r.json()["access_token"]
        return s

    def test_everything_moves_and_reads_back(self):
        data = os.path.join(self.dir, "data")
        server = CofferServer(data_dir=data, storage=[])  # SQLite
        server.start()
        s = self.session(server)
        base = server.vault_url()
        versions = []
        values = [canary(f"migrated-{i}-{uuid.uuid4().hex}") for i in range(3)]  # sealed on both backends
        for value in values:
            r = s.put(f"{base}/secrets/moved?api-version=7.4", json={"value": value})
            self.assertEqual(r.status_code, 200, r.text)
            versions.append(r.json()["id"].rsplit("/", 1)[1])
        self.assertEqual(s.put(f"{base}/secrets/gone?api-version=7.4", json={"value": "x"}).status_code, 200)
        self.assertEqual(s.delete(f"{base}/secrets/gone?api-version=7.4").status_code, 200)
        key = s.post(f"{base}/keys/signer/create?api-version=7.4", json={"kty": "EC", "crv": "P-256"}).json()
        target = self.pg.create_database()
        running = coffer("storage", "migrate", "--from", data, "--to", target)
        self.assertNotEqual(running.returncode, 0, "the source server is still running")
        self.assertIn("another Coffer server is running", running.stdout + running.stderr)
        server.stop()

        moved = coffer("storage", "migrate", "--from", data, "--to", target)
        self.assertEqual(moved.returncode, 0, moved.stdout + moved.stderr)
        self.assertIn("verified on both sides", moved.stdout)
        again = coffer("storage", "migrate", "--from", data, "--to", target)
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("not empty", again.stderr)

        server = CofferServer(data_dir=data, storage=["--storage", target])
        server.start()
        self.addCleanup(server.cleanup)
        s = self.session(server)
        for value, v in zip(values, versions):
            self.assertEqual(s.get(f"{base.rsplit(':', 1)[0]}:{server.port}/secrets/moved/{v}?api-version=7.4")
                             .json()["value"], value)
        base = server.vault_url()
        self.assertEqual(s.get(f"{base}/deletedsecrets/gone?api-version=7.4").status_code, 200)
        signed = s.post(f"{base}/keys/signer/sign?api-version=7.4", json={"alg": "ES256", "value": "A" * 43})
        self.assertEqual(signed.status_code, 200, signed.text)
        self.assertEqual(s.get(f"{base}/keys/signer?api-version=7.4").json()["key"]["kid"].rsplit("/", 1)[1],
                         key["key"]["kid"].rsplit("/", 1)[1])
        server.stop()
        # The audit chain written on SQLite verifies against the anchor now kept in PostgreSQL.
        v = coffer("audit", "verify", os.path.join(data, "audit.log"), "--data-dir", data)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)

    def test_bad_targets_are_refused(self):
        data = os.path.join(self.dir, "empty")
        os.makedirs(data)
        r = coffer("storage", "migrate", "--from", data, "--to", self.pg.create_database())
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("No SQLite database", r.stderr)
        r = coffer("storage", "migrate", "--from", data, "--to", "/not/a/url")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("PostgreSQL URL", r.stderr)


if __name__ == "__main__":
    unittest.main()
