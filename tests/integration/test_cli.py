"""The `coffer` CLI against a real dev server: the seed's az-style line with
`coffer` in place of `az`, the rest of the secret commands, vaults and
service principals, and the refusal to start outside dev mode without keys."""
import base64
import json
import os
import subprocess
import tempfile
import unittest

from coffer_server import COFFER_BIN, CofferServer, canary


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = CofferServer().start()
        cls.env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def coffer(self, *args, check=True, env=None):
        p = subprocess.run([COFFER_BIN, *args, "--data-dir", self.server.data_dir], capture_output=True, text=True,
                           timeout=60, env=env or self.env)
        if check and p.returncode != 0:
            raise AssertionError(f"coffer {' '.join(args)} exited {p.returncode}: {p.stderr}")
        return p

    def js(self, *args):
        return json.loads(self.coffer(*args).stdout)

    def test_seed_line_and_show(self):
        canary("super-secret-value")
        s = self.js("keyvault", "secret", "set", "--vault-name", "dev", "--name", "my-secret",
                    "--value", "super-secret-value")
        self.assertEqual(s["value"], "super-secret-value")
        self.assertEqual(s["name"], "my-secret")
        shown = self.js("keyvault", "secret", "show", "--vault-name", "dev", "--name", "my-secret")
        self.assertEqual(shown["value"], "super-secret-value")
        self.assertEqual(shown["id"], s["id"])
        tsv = self.coffer("keyvault", "secret", "show", "--vault-name", "dev", "--name", "my-secret",
                          "--query", "value", "-o", "tsv").stdout
        self.assertEqual(tsv.strip(), "super-secret-value")

    def test_lifecycle(self):
        self.js("keyvault", "secret", "set", "--vault-name", "dev", "--name", "cycle", "--value", "one")
        self.js("keyvault", "secret", "set", "--vault-name", "dev", "--name", "cycle", "--value", "two")
        versions = self.js("keyvault", "secret", "list-versions", "--vault-name", "dev", "--name", "cycle")
        self.assertEqual(len(versions), 2)
        attrs = self.js("keyvault", "secret", "set-attributes", "--vault-name", "dev", "--name", "cycle",
                        "--enabled", "false", "--tags", "env=test")
        self.assertFalse(attrs["attributes"]["enabled"])
        self.assertEqual(attrs["tags"], {"env": "test"})
        p = self.coffer("keyvault", "secret", "show", "--vault-name", "dev", "--name", "cycle", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("Forbidden", p.stderr)
        self.js("keyvault", "secret", "set-attributes", "--vault-name", "dev", "--name", "cycle", "--enabled", "true")
        names = {s["name"] for s in self.js("keyvault", "secret", "list", "--vault-name", "dev")}
        self.assertIn("cycle", names)
        with tempfile.TemporaryDirectory() as d:
            blob = os.path.join(d, "cycle.bak")
            self.coffer("keyvault", "secret", "backup", "--vault-name", "dev", "--name", "cycle", "--file", blob)
            self.assertGreater(os.path.getsize(blob), 0)
            deleted = self.js("keyvault", "secret", "delete", "--vault-name", "dev", "--name", "cycle")
            self.assertIn("recoveryId", deleted)
            self.assertIn("cycle", {s["name"] for s in self.js("keyvault", "secret", "list-deleted", "--vault-name", "dev")})
            self.js("keyvault", "secret", "show-deleted", "--vault-name", "dev", "--name", "cycle")
            self.js("keyvault", "secret", "recover", "--vault-name", "dev", "--name", "cycle")
            self.js("keyvault", "secret", "delete", "--vault-name", "dev", "--name", "cycle")
            self.coffer("keyvault", "secret", "purge", "--vault-name", "dev", "--name", "cycle")
            restored = self.js("keyvault", "secret", "restore", "--vault-name", "dev", "--file", blob)
            self.assertEqual(restored["name"], "cycle")
        shown = self.js("keyvault", "secret", "show", "--vault-name", "dev", "--name", "cycle")
        self.assertEqual(shown["value"], "two")

    def test_file_and_encoding(self):
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "in.bin")
            with open(src, "wb") as f:
                f.write(bytes(range(256)))
            self.js("keyvault", "secret", "set", "--vault-name", "dev", "--name", "binary", "--file", src,
                    "--encoding", "base64")
            out = os.path.join(d, "out.bin")
            self.coffer("keyvault", "secret", "download", "--vault-name", "dev", "--name", "binary", "--file", out)
            with open(out, "rb") as f:
                self.assertEqual(f.read(), bytes(range(256)))

    def test_errors_exit_nonzero_with_akv_message(self):
        p = self.coffer("keyvault", "secret", "show", "--vault-name", "dev", "--name", "absent", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("SecretNotFound", p.stderr)
        p = self.coffer("keyvault", "secret", "set", "--vault-name", "dev", "--name", "bad_name", "--value", "x",
                        check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("BadParameter", p.stderr)

    def test_vaults_and_service_principals(self):
        v = self.js("vault", "create", "--name", "cli-vault", "--retention-days", "30", "--enable-purge-protection")
        self.assertEqual(v["retentionDays"], 30)
        self.assertTrue(v["purgeProtection"])
        self.assertIn("cli-vault", {x["name"] for x in self.js("vault", "list")})
        self.assertEqual(self.js("vault", "show", "--name", "CLI-Vault")["name"], "cli-vault")
        p = self.coffer("vault", "create", "--name", "x", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.js("keyvault", "secret", "set", "--vault-name", "cli-vault", "--name", "s", "--value", "in cli vault")

        sp = self.js("sp", "create", "--display-name", "ci-runner")
        self.assertIn("clientSecret", sp)
        # Deny by default: the new principal reads the vault once granted a role there.
        self.js("role", "assignment", "create", "--role", "Key Vault Secrets User", "--assignee", sp["clientId"],
                "--scope", "/vaults/cli-vault")
        env = dict(self.env, AZURE_CLIENT_ID=sp["clientId"], AZURE_CLIENT_SECRET=sp["clientSecret"],
                   AZURE_AUTHORITY_HOST=self.server.authority, AZURE_TENANT_ID="adfs",
                   COFFER_CA_FILE=self.server.ca_file, COFFER_VAULT_DNS_SUFFIX=f"vault.localhost:{self.server.port}")
        shown = json.loads(self.coffer("keyvault", "secret", "show", "--vault-name", "cli-vault", "--name", "s",
                                       env=env).stdout)
        self.assertEqual(shown["value"], "in cli vault")
        reset = self.js("sp", "credential", "reset", "--id", sp["clientId"])
        p = self.coffer("keyvault", "secret", "show", "--vault-name", "cli-vault", "--name", "s", env=env, check=False)
        self.assertEqual(p.returncode, 1)                       # the old secret no longer works
        env["AZURE_CLIENT_SECRET"] = reset["clientSecret"]
        self.coffer("keyvault", "secret", "show", "--vault-name", "cli-vault", "--name", "s", env=env)
        self.coffer("sp", "delete", "--id", sp["clientId"])
        self.assertNotIn(sp["clientId"], {x["clientId"] for x in self.js("sp", "list")})

    def test_production_mode_refuses_without_keys(self):
        with tempfile.TemporaryDirectory() as d:
            p = subprocess.run([COFFER_BIN, "server", "--data-dir", d, "--listen", "localhost:0"],
                               capture_output=True, text=True, timeout=30,
                               env={k: v for k, v in self.env.items() if not k.startswith("COFFER_")})
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("TLS", p.stderr)


if __name__ == "__main__":
    unittest.main()
