"""Root-key rotation (issue 15, SEAL-SPEC.md §1.8, the test plan's S8): `coffer operator rotate-root`
makes a new root key generation and rewraps every vault KEK and the server-wide sealed records
under it. Every secret and key payload stays byte-identical in the store, the vault records
change and name the new generation, the data reads back (also after a restart, and after a second
rotation), only an authorized caller may rotate, on PostgreSQL a replica that was running
before the rotation reads what was written after it, and an hour after the rotation the
maintenance job retires the older generations (seal/root then holds the active one alone, the
upgrade entries are gone) while everything still reads — also after a restart."""
import json
import os
import shutil
import sqlite3
import subprocess
import unittest


from coffer_server import COFFER_BIN, CofferServer, admin, assert_needs_admin, canary, credential

# A wrapped KEK of generation g starts with C0 'R' 'K' and g as 4 bytes, big-endian (crypto/keyring.hpp).
GENERATION_TAG = b"\xc0RK"


def generation_of(wrapped):
    if wrapped.startswith(GENERATION_TAG) and len(wrapped) > 7:
        return int.from_bytes(wrapped[3:7], "big")
    return 1


class RootRotationTest(unittest.TestCase):
    def setUp(self):
        self.server = CofferServer(extra_args=["--test-clock"]).start()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}

    def tearDown(self):
        self.server.stop()

    def coffer(self, *args, check=True):
        p = subprocess.run([COFFER_BIN, *args, "--data-dir", self.server.data_dir], capture_output=True, text=True,
                           timeout=120, env=self.env)
        if check and p.returncode != 0:
            raise AssertionError(f"coffer {' '.join(args)} exited {p.returncode}: {p.stderr}")
        return p

    def records(self):
        """Every store entry, key → value (bytes), read beside the running server."""
        if self.server.storage:
            url = self.server.storage[1]
            out = subprocess.run(["psql", "-X", "-At", url, "-c",
                                  "SELECT encode(key, 'hex') || ' ' || encode(value, 'hex') FROM coffer_kv"],
                                 capture_output=True, text=True, check=True).stdout
            rows = [line.split(" ") for line in out.splitlines() if line]
            return {bytes.fromhex(k): bytes.fromhex(v) for k, v in rows}
        db = sqlite3.connect(f"file:{os.path.join(self.server.data_dir, 'coffer.db')}?mode=ro", uri=True)
        try:
            return {bytes(k): bytes(v) for k, v in db.execute("SELECT key, value FROM entries")}
        finally:
            db.close()

    def vault_keks(self, records):
        """vault name → its wrapped KEK, decoded from the vault records (field 4: common/record_codec)."""
        return {k: v for k, v in records.items() if k.startswith(b"vault/")}

    def clients(self, server):
        from azure.keyvault.keys import KeyClient
        from azure.keyvault.secrets import SecretClient
        cred = credential(self.server)
        return (SecretClient(server.vault_url(), cred, connection_verify=self.server.ca_file),
                KeyClient(server.vault_url(), cred, connection_verify=self.server.ca_file))

    def sign_and_verify(self, keys, name):
        from azure.keyvault.keys.crypto import CryptographyClient, SignatureAlgorithm
        import hashlib
        digest = hashlib.sha256(b"rotation").digest()
        crypto = CryptographyClient(keys.get_key(name), credential(self.server),
                                    connection_verify=self.server.ca_file)
        signed = crypto.sign(SignatureAlgorithm.rs256, digest)
        self.assertTrue(crypto.verify(SignatureAlgorithm.rs256, digest, signed.signature).is_valid)

    def test_rotation_keeps_payloads_and_reaches_every_server(self):
        secrets, keys = self.clients(self.server)
        secrets.set_secret("kept", canary("sealed before the rotation"))
        keys.create_rsa_key("signer", size=2048)
        replica = None
        if self.server.storage:  # a second replica, running before the rotation, on the same database
            d = os.path.join(os.path.dirname(self.server.data_dir), os.path.basename(self.server.data_dir) + "-b")
            os.makedirs(d, mode=0o700)
            shutil.copy(os.path.join(self.server.data_dir, "root.key"), os.path.join(d, "root.key"))
            shutil.copytree(os.path.join(self.server.data_dir, "tls"), os.path.join(d, "tls"))
            with open(os.path.join(d, "replica.json"), "w") as f:
                json.dump({"authority": self.server.authority}, f)
            replica = CofferServer(data_dir=d, storage=self.server.storage,
                                   extra_args=["--config", os.path.join(d, "replica.json")]).start()
            self.addCleanup(replica.stop)
            self.assertEqual(self.clients(replica)[0].get_secret("kept").value, "sealed before the rotation")

        before = self.records()
        payloads = {k: v for k, v in before.items() if k.startswith((b"secretver/", b"keyver/"))}
        self.assertGreaterEqual(len(payloads), 2)

        # Only a caller with Coffer/rootKey/rotate/action may rotate.
        assert_needs_admin(self, self.server, "POST", "/rotate-root")

        done = json.loads(self.coffer("operator", "rotate-root").stdout)
        self.assertEqual(done["activeGeneration"], 2)
        self.assertGreaterEqual(done["keksRewrapped"], 1)
        self.assertEqual(done["recordsResealed"], 3, "token-signing key and both audit keys")
        after = self.records()
        self.assertEqual({k: after.get(k) for k in payloads}, payloads,
                         "every secret and key payload is byte-identical")
        self.assertIn(b"seal/root-upgrade/2", after)
        changed = [k for k, v in self.vault_keks(after).items() if before.get(k) != v]
        self.assertTrue(changed, "the vault records carry new wrapped KEKs")
        for k in changed:
            self.assertIn(GENERATION_TAG + (2).to_bytes(4, "big"), after[k], k)
        self.assertEqual(generation_of(after[b"config/signing-key"]), 2)

        # The data reads back; new data is written under the new generation.
        self.assertEqual(secrets.get_secret("kept").value, "sealed before the rotation")
        self.sign_and_verify(keys, "signer")
        secrets.set_secret("fresh", canary("sealed after the rotation"))
        if replica:  # running since before the rotation: it loads generation 2 when it meets it
            r_secrets, r_keys = self.clients(replica)
            self.assertEqual(r_secrets.get_secret("fresh").value, "sealed after the rotation")
            self.assertEqual(r_secrets.get_secret("kept").value, "sealed before the rotation")
            r_secrets.set_secret("from-replica", "written by the replica")
            replica.stop()

        # Inside the hour after the rotation nothing is retired; after it the job drops generation 1.
        admin(self.server, "POST", "/clock/advance", {"seconds": 600}).raise_for_status()
        self.assertIn(b"seal/root-upgrade/2", self.records())
        admin(self.server, "POST", "/clock/advance", {"seconds": 3600}).raise_for_status()
        retired = self.records()
        self.assertNotIn(b"seal/root-upgrade/2", retired, "the upgrade entry is gone after the grace period")
        self.assertEqual({k: retired.get(k) for k in payloads}, payloads)
        self.assertEqual(secrets.get_secret("kept").value, "sealed before the rotation")
        self.sign_and_verify(keys, "signer")

        # A restart unseals with the key file (seal/root now holds generation 2 alone); a second rotation builds on it.
        self.server.stop()
        self.server.start()
        secrets, keys = self.clients(self.server)
        self.assertEqual(secrets.get_secret("kept").value, "sealed before the rotation")
        self.assertEqual(secrets.get_secret("fresh").value, "sealed after the rotation")
        if replica:
            self.assertEqual(secrets.get_secret("from-replica").value, "written by the replica")
        self.assertEqual(json.loads(self.coffer("operator", "rotate-root").stdout)["activeGeneration"], 3)
        self.sign_and_verify(keys, "signer")
        self.assertEqual(secrets.get_secret("kept").value, "sealed before the rotation")
        # The audit log's HMAC key, resealed under the new generations, still opens offline.
        hashed = self.coffer("audit", "hash", "some-value")
        self.assertIn("hmac-sha256:", hashed.stdout)


if __name__ == "__main__":
    unittest.main()
