"""Debian's az against a real `coffer server --dev`: service-principal login to
the ADFS-style authority of a custom cloud, then `az rest` set and get of a
secret on the vault host (CLIENT-FLOWS.md §5)."""
import json
import os
import unittest

from coffer_server import AzCli, CofferServer, canary


class AzRestTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = CofferServer().start()
        cls.az = AzCli(cls.server, prefix="coffer-az-")
        cls.cfg = cls.az.config_dir
        cls.az.use_cloud_of(cls.server)
        cls.az("login", "--service-principal", "-u", cls.server.dev["clientId"],
               "--password=" + cls.server.dev["clientSecret"], "--tenant", cls.server.dev["tenantId"], "--allow-no-subscriptions")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_rest_set_and_get(self):
        canary("super-secret-value")
        url = f"{self.server.vault_url()}/secrets/my-secret?api-version=7.3"
        resource = f"https://vault.localhost:{self.server.port}"
        out = self.az("rest", "--method", "put", "--url", url, "--resource", resource,
                      "--body", '{"value": "super-secret-value"}')
        self.assertEqual(json.loads(out.stdout)["value"], "super-secret-value")
        out = self.az("rest", "--method", "get", "--url", url, "--resource", resource)
        bundle = json.loads(out.stdout)
        self.assertEqual(bundle["value"], "super-secret-value")
        self.assertTrue(bundle["id"].startswith(self.server.vault_url() + "/secrets/my-secret/"))

    def test_rest_error_is_printed(self):
        url = f"{self.server.vault_url()}/secrets/absent?api-version=7.3"
        p = self.az("rest", "--method", "get", "--url", url, "--resource",
                    f"https://vault.localhost:{self.server.port}", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("SecretNotFound", p.stderr)


if __name__ == "__main__":
    unittest.main()
