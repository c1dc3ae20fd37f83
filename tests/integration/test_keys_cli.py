"""`coffer keyvault key …` against a real `coffer server --dev`: create, sign and
verify, encrypt and decrypt, list, backup → purge → restore, rotate, rotation
policy, import from PEM, and errors as exit code 1 with AKV's message."""
import base64
import hashlib
import json
import os
import subprocess
import unittest

from coffer_server import COFFER_BIN, CofferCliTest, CofferServer


class KeyCliTest(CofferCliTest):
    tmp_prefix = "coffer-keys-cli-"

    def test_create_sign_verify_encrypt_decrypt(self):
        k = self.js("keyvault", "key", "create", "--vault-name", "dev", "-n", "cli-ec", "--kty", "EC",
                    "--curve", "P-256", "--tags", "team=a")
        self.assertEqual(k["key"]["crv"], "P-256")
        self.assertEqual(k["tags"], {"team": "a"})
        digest = base64.b64encode(hashlib.sha256(b"hello").digest()).decode()
        sig = self.js("keyvault", "key", "sign", "--vault-name", "dev", "-n", "cli-ec", "-a", "ES256",
                      "--digest", digest)
        self.assertEqual(len(base64.b64decode(sig["result"])), 64)
        ok = self.js("keyvault", "key", "verify", "--vault-name", "dev", "-n", "cli-ec", "-a", "ES256",
                     "--digest", digest, "--signature", sig["result"])
        self.assertTrue(ok["isValid"])
        # --id names a version (or, without one, the latest) as az takes it.
        kid = k["key"]["kid"]
        self.assertEqual(self.js("keyvault", "key", "show", "--id", kid)["key"]["kid"], kid)
        latest_id = kid.rsplit("/", 1)[0]
        self.assertEqual(self.js("keyvault", "key", "show", "--id", latest_id)["key"]["kid"], kid)
        by_id = self.js("keyvault", "key", "verify", "--id", kid, "-a", "ES256", "--digest", digest,
                        "--signature", sig["result"])
        self.assertTrue(by_id["isValid"])
        signed = self.js("keyvault", "key", "sign", "--id", latest_id, "-a", "ES256", "--digest", digest)
        self.assertEqual(signed["kid"], kid)
        updated = self.js("keyvault", "key", "set-attributes", "--id", kid, "--tags", "team=b")
        self.assertEqual(updated["tags"], {"team": "b"})
        for bad_args in (["--id", kid.replace("/keys/", "/secrets/")],  # not a key id
                         ["--id", kid, "--vault-name", "dev"],           # --id excludes the rest
                         ["--name", "cli-ec"]):                         # no vault
            r = self.coffer("keyvault", "key", "show", *bad_args, check=False)
            self.assertNotEqual(r.returncode, 0, bad_args)

        self.coffer("keyvault", "key", "create", "--vault-name", "dev", "-n", "cli-rsa", "--kty", "RSA")
        enc = self.js("keyvault", "key", "encrypt", "--vault-name", "dev", "-n", "cli-rsa", "-a", "RSA-OAEP-256",
                      "--value", "secret text", "--data-type", "plaintext")
        dec = self.js("keyvault", "key", "decrypt", "--vault-name", "dev", "-n", "cli-rsa", "-a", "RSA-OAEP-256",
                      "--value", enc["result"], "--data-type", "plaintext")
        self.assertEqual(dec["result"], "secret text")
        kids = self.js("keyvault", "key", "list", "--vault-name", "dev", "--query", "[].kid")
        self.assertTrue(any(kid.endswith("/keys/cli-rsa") for kid in kids))

        bad = self.coffer("keyvault", "key", "sign", "--vault-name", "dev", "-n", "cli-ec", "-a", "RS256",
                          "--digest", digest, check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("BadParameter", bad.stderr)

    def test_backup_purge_restore_rotate_policy_import(self):
        self.coffer("keyvault", "key", "create", "--vault-name", "dev", "-n", "cli-life", "--kty", "oct",
                    "--size", "256")
        backup = os.path.join(self.tmp, "life.bak")
        self.coffer("keyvault", "key", "backup", "--vault-name", "dev", "-n", "cli-life", "-f", backup)
        self.coffer("keyvault", "key", "delete", "--vault-name", "dev", "-n", "cli-life")
        self.coffer("keyvault", "key", "purge", "--vault-name", "dev", "-n", "cli-life")
        restored = self.js("keyvault", "key", "restore", "--vault-name", "dev", "-f", backup)
        self.assertIn("/keys/cli-life/", restored["key"]["kid"])
        self.coffer("keyvault", "key", "rotate", "--vault-name", "dev", "-n", "cli-life")
        versions = self.js("keyvault", "key", "list-versions", "--vault-name", "dev", "-n", "cli-life")
        self.assertEqual(len(versions), 2)
        policy = self.js("keyvault", "key", "rotation-policy", "update", "--vault-name", "dev", "-n", "cli-life",
                         "--value", json.dumps({"lifetimeActions": [{"trigger": {"timeAfterCreate": "P30D"},
                                                                      "action": {"type": "Rotate"}}],
                                                "attributes": {"expiryTime": "P90D"}}))
        self.assertEqual(policy["attributes"]["expiryTime"], "P90D")
        shown = self.js("keyvault", "key", "rotation-policy", "show", "--vault-name", "dev", "-n", "cli-life")
        self.assertEqual(shown["lifetimeActions"][0]["trigger"]["timeAfterCreate"], "P30D")
        attrs = self.js("keyvault", "key", "set-attributes", "--vault-name", "dev", "-n", "cli-life",
                        "--enabled", "false")
        self.assertFalse(attrs["attributes"]["enabled"])

        pem = os.path.join(self.tmp, "ec.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384",
                        "-out", pem], check=True, capture_output=True)
        imported = self.js("keyvault", "key", "import", "--vault-name", "dev", "-n", "cli-imp", "--pem-file", pem)
        self.assertEqual(imported["key"]["crv"], "P-384")
        self.assertNotIn("d", imported["key"])
        missing = self.coffer("keyvault", "key", "show", "--vault-name", "dev", "-n", "nope", check=False)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("KeyNotFound", missing.stderr)


if __name__ == "__main__":
    unittest.main()
