"""A server sealed by an HSM key (issue 15, SEAL-SPEC.md §1.2, §3 S1/S3 in
part), with SoftHSM2 in a token directory of the test's own: the seal key
made by `coffer operator hsm-keygen`, the server unsealing itself at every
start, staying sealed — with the reason in its seal status and AKV's 503 on
every route — while the PIN is wrong or the token absent, and unsealing by
itself once the token is back. A root-key rotation needs no HSM, and the
older generation is retired through the HSM an hour later. Recovery shares
(§1.6): generated once by an admin, a quorum of them unseals the server
after an operator sealed it, and a quorum rekeys them. Seal-key rotation
(§1.7): a new key made and configured takes the seal over at the next start;
a move to another token (§1.9, pkcs11 A → pkcs11 B) with the previous token
configured for one start.
Migrations (§1.9): keyfile → pkcs11 (an admin), pkcs11 → shamir and shamir →
keyfile (a quorum of shares), with the data read back after each restart."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import requests

from coffer_server import COFFER_BIN, SealedServer, admin, assert_needs_admin, canary, credential

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "coffer-pin-5e1d7a93c4"  # long enough to be found if it were ever written or logged


@unittest.skipUnless(os.path.exists(MODULE) and shutil.which("softhsm2-util"), "SoftHSM2 is not installed")
class HsmSealTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="coffer-hsm-")
        self.tokens = os.path.join(self.tmp, "tokens")
        os.makedirs(self.tokens)
        self.conf = os.path.join(self.tmp, "softhsm2.conf")
        with open(self.conf, "w") as f:
            f.write(f"directories.tokendir = {self.tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
        self.env = {"SOFTHSM2_CONF": self.conf, "COFFER_HSM_LIB": MODULE, "COFFER_HSM_TOKEN_LABEL": "coffer-test",
                    "COFFER_HSM_KEY_LABEL": "coffer-seal", "COFFER_HSM_PIN": PIN}
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "coffer-test", "--so-pin",
                        "87654321", "--pin", PIN], env=dict(os.environ, **self.env), check=True,
                       capture_output=True)
        keygen = subprocess.run([COFFER_BIN, "operator", "hsm-keygen", "--lib", MODULE, "--token-label",
                                 "coffer-test"], env=dict(os.environ, **self.env), capture_output=True, text=True)
        self.assertEqual(keygen.returncode, 0, keygen.stderr)
        again = subprocess.run([COFFER_BIN, "operator", "hsm-keygen", "--lib", MODULE, "--token-label",
                                "coffer-test"], env=dict(os.environ, **self.env), capture_output=True, text=True)
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("exists already", again.stderr)
        self.server = SealedServer(seal="pkcs11", env=self.env)
        canary(PIN)

    def tearDown(self):
        self.assertNotIn(PIN, "".join(self.server.output), "the PIN is never logged")
        self.server.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def status(self):
        p = subprocess.run([COFFER_BIN, "operator", "seal-status", "--address", self.server.authority,
                            "--data-dir", self.server.data_dir], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def start_unsealing(self):
        """Starts the server and waits until it unsealed itself and finished starting."""
        self.server.start()
        return self.server.wait_for_dev_json()

    def client(self):
        from azure.keyvault.secrets import SecretClient
        return SecretClient(self.server.vault_url(), credential(self.server), connection_verify=self.server.ca_file)

    def wait_status(self, predicate, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            st = self.status()
            if predicate(st):
                return st
            time.sleep(0.3)
        self.fail("the seal status never got there: " + json.dumps(self.status()))

    def test_unseals_itself_at_every_start(self):
        self.start_unsealing()
        st = self.status()
        self.assertEqual((st["type"], st["initialized"], st["sealed"]), ("pkcs11", True, False))
        self.client().set_secret("kept", "behind the HSM")
        self.server.stop()
        self.start_unsealing()
        self.assertEqual(self.client().get_secret("kept").value, "behind the HSM")

    def test_old_root_generations_are_retired_through_the_hsm(self):
        self.server.cleanup()
        self.server = SealedServer(seal="pkcs11", env=self.env, extra_args=["--test-clock"])
        self.start_unsealing()
        self.client().set_secret("kept", "across a rotation behind the HSM")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}
        rotated = subprocess.run([COFFER_BIN, "operator", "rotate-root", "--data-dir", self.server.data_dir],
                                 capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(rotated.returncode, 0, rotated.stderr)
        self.assertEqual(json.loads(rotated.stdout)["activeGeneration"], 2)
        admin(self.server, "POST", "/clock/advance", {"seconds": 600}).raise_for_status()
        self.assertNotIn("retired", "".join(self.server.output), "not inside the hour after the rotation")
        admin(self.server, "POST", "/clock/advance", {"seconds": 3600}).raise_for_status()
        deadline = time.time() + 15  # the server's output reaches us through a pipe, a moment later
        while "retired 1 old root key generation(s)" not in "".join(self.server.output) and time.time() < deadline:
            time.sleep(0.1)
        self.assertIn("retired 1 old root key generation(s)", "".join(self.server.output))
        self.assertEqual(self.client().get_secret("kept").value, "across a rotation behind the HSM")
        self.server.stop()
        self.start_unsealing()  # seal/root, written again through the HSM, holds generation 2 alone
        self.assertEqual(self.client().get_secret("kept").value, "across a rotation behind the HSM")

    def operator(self, *args, admin_credentials=False, check=True):
        """`coffer operator ...`: the sys routes through --address, or the admin routes with the data
        directory's credentials (admin_credentials)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}
        target = [] if admin_credentials else ["--address", self.server.authority]
        p = subprocess.run([COFFER_BIN, "operator", *args, *target, "--data-dir", self.server.data_dir],
                           capture_output=True, text=True, timeout=60, env=env)
        if check:
            self.assertEqual(p.returncode, 0, f"coffer operator {args[0]}: {p.stderr}")
        return p

    def test_recovery_shares_unseal_after_an_operators_seal_and_rekey(self):
        self.start_unsealing()
        self.client().set_secret("kept", "behind the HSM")
        st = self.status()
        self.assertEqual((st["recoverySeal"], st["n"], st["t"]), (True, 0, 0))
        assert_needs_admin(self, self.server, "POST", "/recovery-keys")
        for bad in ({"secretShares": 3}, {"secretShares": 3, "secretThreshold": 0}, {"secretShares": "3"}):
            r = admin(self.server, "POST", "/recovery-keys", bad)
            self.assertEqual((r.status_code, r.json()["error"]["code"]), (400, "BadParameter"), bad)
        made = json.loads(self.operator("generate-recovery", "--key-shares", "3", "--key-threshold", "2",
                                        admin_credentials=True).stdout)
        shares = made["keys"]
        self.assertEqual((len(shares), made["n"], made["t"]), (3, 3, 2))
        for s in shares:
            canary(s)
        again = self.operator("generate-recovery", admin_credentials=True, check=False)
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("recovery shares already", again.stderr)
        st = self.status()
        self.assertEqual((st["n"], st["t"], st["keysetId"]), (3, 2, made["keysetId"]))

        self.operator("seal", admin_credentials=True)
        self.wait_status(lambda s: s["sealed"])
        r = requests.get(self.server.authority + "/secrets/kept?api-version=7.4", verify=self.server.ca_file,
                         timeout=10)
        self.assertEqual((r.status_code, r.json()["error"]["innererror"]["code"]), (503, "VaultSealed"))
        self.assertIn("recovery shares", r.json()["error"]["message"])
        self.assertEqual(json.loads(self.operator("unseal", shares[2]).stdout)["progress"], 1)
        self.assertFalse(json.loads(self.operator("unseal", shares[0]).stdout)["sealed"])
        self.assertEqual(self.client().get_secret("kept").value, "behind the HSM")

        # A recovery rekey: the quorum of current shares, new shares out once, the old ones refused.
        nonce = json.loads(self.operator("rekey", "init", "--key-shares", "2", "--key-threshold", "2",
                                         admin_credentials=True).stdout)["nonce"]
        self.operator("rekey", "update", "--nonce", nonce, shares[1])
        done = json.loads(self.operator("rekey", "update", "--nonce", nonce, shares[2]).stdout)
        self.assertTrue(done["complete"])
        fresh = done["keys"]
        for s in fresh:
            canary(s)
        self.operator("seal", admin_credentials=True)
        self.wait_status(lambda s: s["sealed"])
        refused = self.operator("unseal", shares[0], check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("key set", refused.stderr)
        self.operator("unseal", fresh[1])
        self.assertFalse(json.loads(self.operator("unseal", fresh[0]).stdout)["sealed"])
        self.assertEqual(self.client().get_secret("kept").value, "behind the HSM")
        # A restart unseals through the HSM alone, as before.
        self.server.stop()
        self.start_unsealing()
        self.assertEqual(self.client().get_secret("kept").value, "behind the HSM")

    def test_a_new_seal_key_takes_over_at_the_next_start(self):
        self.start_unsealing()
        self.client().set_secret("kept", "across a seal-key rotation")
        shares = json.loads(self.operator("generate-recovery", "--key-shares", "2", "--key-threshold", "2",
                                          admin_credentials=True).stdout)["keys"]
        for s in shares:
            canary(s)
        self.assertEqual(self.status()["hsmKeyLabel"], "coffer-seal")
        self.server.stop()
        subprocess.run([COFFER_BIN, "operator", "hsm-keygen", "--lib", MODULE, "--token-label", "coffer-test",
                        "--key-label", "coffer-seal-2"], env=dict(os.environ, **self.env), check=True,
                       capture_output=True)
        self.server.env = dict(self.env, COFFER_HSM_KEY_LABEL="coffer-seal-2")
        self.start_unsealing()
        self.assertEqual(self.status()["hsmKeyLabel"], "coffer-seal-2")
        self.assertIn("the seal moved from HSM key 'coffer-seal' in token 'coffer-test' to key 'coffer-seal-2' in "
                      "token 'coffer-test'", "".join(self.server.output))
        self.assertEqual(self.client().get_secret("kept").value, "across a seal-key rotation")
        # The recovery shares went along: they reopen the server after an operator's seal.
        self.operator("seal", admin_credentials=True)
        self.wait_status(lambda s: s["sealed"])
        self.operator("unseal", shares[1])
        self.assertFalse(json.loads(self.operator("unseal", shares[0]).stdout)["sealed"])
        self.assertEqual(self.client().get_secret("kept").value, "across a seal-key rotation")

    def test_the_seal_moves_to_another_token_with_the_previous_one_configured_once(self):
        self.start_unsealing()
        self.client().set_secret("kept", "across a token move")
        shares = json.loads(self.operator("generate-recovery", "--key-shares", "2", "--key-threshold", "2",
                                          admin_credentials=True).stdout)["keys"]
        for s in shares:
            canary(s)
        self.assertEqual(self.status()["hsmTokenLabel"], "coffer-test")
        self.server.stop()
        env = dict(os.environ, **self.env)
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "coffer-other", "--so-pin", "87654321",
                        "--pin", PIN], env=env, check=True, capture_output=True)
        subprocess.run([COFFER_BIN, "operator", "hsm-keygen", "--lib", MODULE, "--token-label", "coffer-other",
                        "--key-label", "seal-b"], env=env, check=True, capture_output=True)
        token_b = dict(self.env, COFFER_HSM_TOKEN_LABEL="coffer-other", COFFER_HSM_KEY_LABEL="seal-b")
        # Only the new token configured: the server stays sealed and says what it needs.
        self.server.env = token_b
        self.server.start()
        st = self.wait_status(lambda s: "hsmPreviousTokenLabel" in s["lastError"])
        self.assertTrue(st["sealed"])
        self.assertIn("token 'coffer-test'", st["lastError"])
        self.server.stop()
        # The previous token configured for one start: the seal moves to token B.
        self.server.env = dict(token_b, COFFER_HSM_PREVIOUS_LIB=MODULE, COFFER_HSM_PREVIOUS_TOKEN_LABEL="coffer-test",
                               COFFER_HSM_PREVIOUS_PIN=PIN)
        self.start_unsealing()
        st = self.status()
        self.assertEqual((st["hsmTokenLabel"], st["hsmKeyLabel"]), ("coffer-other", "seal-b"))
        self.assertIn("the seal moved from HSM key 'coffer-seal' in token 'coffer-test' to key 'seal-b' in token "
                      "'coffer-other'", "".join(self.server.output))
        self.assertEqual(self.client().get_secret("kept").value, "across a token move")
        self.server.stop()
        # Token A gone for good: token B alone unseals, and the recovery shares work through it.
        subprocess.run(["softhsm2-util", "--delete-token", "--token", "coffer-test"], env=env, check=True,
                       capture_output=True)
        self.server.env = token_b
        self.start_unsealing()
        self.assertEqual(self.client().get_secret("kept").value, "across a token move")
        self.operator("seal", admin_credentials=True)
        self.wait_status(lambda s: s["sealed"])
        self.operator("unseal", shares[0])
        self.assertFalse(json.loads(self.operator("unseal", shares[1]).stdout)["sealed"])
        self.assertEqual(self.client().get_secret("kept").value, "across a token move")

    def test_migrations_from_a_key_file_into_the_hsm_to_shares_and_back(self):
        self.server.cleanup()
        self.server = SealedServer(seal="keyfile", env=self.env)
        self.server.start()
        self.server.wait_for_dev_json()
        root_key = os.path.join(self.server.data_dir, "root.key")
        self.client().set_secret("kept", "across every seal")
        assert_needs_admin(self, self.server, "POST", "/seal/migrate")
        for bad in ({}, {"seal": "vault"}, {"seal": "shamir"}, {"seal": "shamir", "secretShares": 300}):
            r = admin(self.server, "POST", "/seal/migrate", bad)
            self.assertEqual((r.status_code, r.json()["error"]["code"]), (400, "BadParameter"), bad)
        self.assertEqual(self.status()["type"], "keyfile", "nothing moved")
        # keyfile → pkcs11: the admin's word; new recovery shares, shown once.
        moved = json.loads(self.operator("migrate", "--to", "pkcs11", "--key-shares", "3", "--key-threshold", "2",
                                         admin_credentials=True).stdout)
        self.assertEqual((moved["complete"], moved["seal"], len(moved["keys"])), (True, "pkcs11", 3))
        shares = moved["keys"]
        for s in shares:
            canary(s)
        self.assertEqual(self.client().get_secret("kept").value, "across every seal", "the running server goes on")
        self.server.stop()
        self.server.seal = "pkcs11"
        self.start_unsealing()
        self.assertEqual(self.status()["type"], "pkcs11")
        self.assertEqual(self.client().get_secret("kept").value, "across every seal")

        # pkcs11 → shamir: an admin starts it, a quorum of recovery shares completes it; they now unseal.
        started = json.loads(self.operator("migrate", "--to", "shamir", admin_credentials=True).stdout)
        self.assertEqual((started["started"], started["migrateTo"], started["t"]), (True, "shamir", 2))
        self.operator("rekey", "update", "--nonce", started["nonce"], shares[0])
        done = json.loads(self.operator("rekey", "update", "--nonce", started["nonce"], shares[2]).stdout)
        self.assertEqual((done["complete"], done["seal"]), (True, "shamir"))
        self.server.stop()
        self.server.seal = "shamir"
        self.server.env = dict(self.env, COFFER_ROOT_KEY_FILE=root_key)  # the key file a migration back takes
        self.server.start()
        self.assertTrue(self.status()["sealed"])
        self.operator("unseal", shares[1])
        self.assertFalse(json.loads(self.operator("unseal", shares[2]).stdout)["sealed"])
        self.server.wait_for_dev_json()
        self.assertEqual(self.client().get_secret("kept").value, "across every seal")

        # shamir → keyfile: a quorum of the unseal shares.
        started = json.loads(self.operator("migrate", "--to", "keyfile", admin_credentials=True).stdout)
        self.operator("rekey", "update", "--nonce", started["nonce"], shares[2])
        done = json.loads(self.operator("rekey", "update", "--nonce", started["nonce"], shares[0]).stdout)
        self.assertEqual((done["complete"], done["seal"]), (True, "keyfile"))
        self.server.stop()
        self.server.seal = "keyfile"
        self.server.env = self.env
        self.server.start()
        self.server.wait_for_dev_json()
        self.assertEqual(self.status()["type"], "keyfile")
        self.assertEqual(self.client().get_secret("kept").value, "across every seal")

    def test_stays_sealed_while_the_pin_is_wrong_or_the_token_absent(self):
        self.start_unsealing()
        self.client().set_secret("kept", "behind the HSM")
        self.server.stop()
        # A wrong PIN: sealed, not retried (PINs lock out), the reason in the status.
        self.server.env = dict(self.env, COFFER_HSM_PIN="9999")
        self.server.start()
        st = self.wait_status(lambda s: "CKR_PIN_INCORRECT" in s["lastError"])
        self.assertTrue(st["sealed"])
        self.assertNotIn("9999", json.dumps(st))
        r = requests.get(self.server.authority + "/secrets/kept?api-version=7.4", verify=self.server.ca_file,
                         timeout=10)
        self.assertEqual((r.status_code, r.json()["error"]["innererror"]["code"]), (503, "VaultSealed"))
        self.assertIn("CKR_PIN_INCORRECT", r.json()["error"]["message"])
        self.server.stop()
        # The token away at start: sealed and retrying; back again: unsealed by itself.
        away = self.tokens + ".away"
        os.rename(self.tokens, away)
        os.makedirs(self.tokens)
        self.server.env = self.env
        self.server.start()
        self.wait_status(lambda s: "no token labelled" in s["lastError"])
        self.assertTrue(self.status()["sealed"])
        os.rmdir(self.tokens)
        os.rename(away, self.tokens)
        self.server.wait_for_dev_json(timeout=90)
        self.assertFalse(self.status()["sealed"])
        self.assertEqual(self.client().get_secret("kept").value, "behind the HSM")

    def test_a_key_that_does_not_open_the_store_is_refused(self):
        self.start_unsealing()
        self.server.stop()
        # The seal key lost: the token made again, with a new key under the same label.
        env = dict(os.environ, **self.env)
        shutil.rmtree(self.tokens)
        os.makedirs(self.tokens)
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "coffer-test", "--so-pin",
                        "87654321", "--pin", PIN], env=env, check=True, capture_output=True)
        subprocess.run([COFFER_BIN, "operator", "hsm-keygen", "--lib", MODULE, "--token-label", "coffer-test"],
                       env=env, check=True, capture_output=True)
        self.server.start()
        st = self.wait_status(lambda s: s["lastError"] != "")
        self.assertTrue(st["sealed"])
        self.assertIn("does not open", st["lastError"])


if __name__ == "__main__":
    unittest.main()
