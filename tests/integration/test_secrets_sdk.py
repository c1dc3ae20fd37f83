"""Every SecretClient method of Debian's azure-keyvault-secrets against a real
`coffer server --dev`, with the challenge flow and resource verification on."""
import datetime
import os
import subprocess
import unittest
import uuid

from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.keyvault.secrets import SecretClient

from coffer_server import CofferServer, admin, canary, credential


class SecretClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = CofferServer(extra_args=["--test-clock"]).start()
        cls.cred = credential(cls.server)
        cls.client = SecretClient(cls.server.vault_url(), cls.cred, connection_verify=cls.server.ca_file)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_set_get_versions_and_update(self):
        c = self.client
        s1 = c.set_secret("alpha", "first value", content_type="text/plain", tags={"team": "a"})
        self.assertEqual(s1.value, "first value")
        self.assertEqual(s1.name, "alpha")
        self.assertEqual(len(s1.properties.version), 32)
        self.assertEqual(s1.properties.content_type, "text/plain")
        self.assertEqual(s1.properties.tags, {"team": "a"})
        self.assertTrue(s1.properties.enabled)
        self.assertEqual(s1.properties.recovery_level, "Recoverable+Purgeable")
        self.assertEqual(s1.properties.recoverable_days, 90)
        s2 = c.set_secret("alpha", "second value")
        self.assertNotEqual(s1.properties.version, s2.properties.version)
        self.assertEqual(c.get_secret("alpha").value, "second value")           # latest, trailing slash
        self.assertEqual(c.get_secret("alpha", s1.properties.version).value, "first value")
        self.assertEqual(c.get_secret("ALPHA").value, "second value")           # case-insensitive names
        versions = {p.version for p in c.list_properties_of_secret_versions("alpha")}
        self.assertEqual(versions, {s1.properties.version, s2.properties.version})

        exp = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
        props = c.update_secret_properties("alpha", s1.properties.version, enabled=False, expires_on=exp,
                                           tags={"team": "b"}, content_type="application/json")
        self.assertFalse(props.enabled)
        self.assertEqual(props.expires_on, exp)
        self.assertEqual(props.tags, {"team": "b"})
        with self.assertRaises(HttpResponseError) as ctx:
            c.get_secret("alpha", s1.properties.version)
        self.assertEqual(ctx.exception.status_code, 403)
        self.assertIn("disabled", ctx.exception.message)
        self.assertEqual(c.get_secret("alpha").value, "second value")

    def test_not_found_and_bad_names(self):
        with self.assertRaises(ResourceNotFoundError) as ctx:
            self.client.get_secret("does-not-exist")
        self.assertIn("SecretNotFound", str(ctx.exception))
        # AKV: the versions of a name that never existed are an empty list (200), not a 404.
        self.assertEqual(list(self.client.list_properties_of_secret_versions("never-existed")), [])
        with self.assertRaises(HttpResponseError) as ctx:
            self.client.set_secret("bad_name!", "x")
        self.assertEqual(ctx.exception.status_code, 400)
        with self.assertRaises(HttpResponseError) as ctx:
            self.client.set_secret("too-big", "x" * (25 * 1024 + 1))
        self.assertEqual(ctx.exception.status_code, 400)

    def test_paging_over_sixty_secrets(self):
        names = {f"page-{i:03d}" for i in range(60)}
        for n in names:
            self.client.set_secret(n, "v-" + n)
        listed = {p.name for p in self.client.list_properties_of_secrets(max_page_size=7) if p.name.startswith("page-")}
        self.assertEqual(listed, names)
        pages = list(self.client.list_properties_of_secrets(max_page_size=25).by_page())
        self.assertGreaterEqual(len(pages), 3)

    def test_soft_delete_recover_purge(self):
        c = self.client
        c.set_secret("doomed", "bye")
        deleted = c.begin_delete_secret("doomed").result()
        self.assertEqual(deleted.name, "doomed")
        self.assertIsNotNone(deleted.recovery_id)
        self.assertIsNotNone(deleted.scheduled_purge_date)
        with self.assertRaises(ResourceNotFoundError):
            c.get_secret("doomed")
        self.assertIn("doomed", {d.name for d in c.list_deleted_secrets()})
        self.assertEqual(c.get_deleted_secret("doomed").name, "doomed")
        with self.assertRaises(ResourceExistsError) as ctx:          # name reserved while deleted
            c.set_secret("doomed", "again")
        self.assertEqual(ctx.exception.status_code, 409)
        recovered = c.begin_recover_deleted_secret("doomed").result()
        self.assertEqual(recovered.name, "doomed")
        self.assertEqual(c.get_secret("doomed").value, "bye")
        c.begin_delete_secret("doomed").wait()
        c.purge_deleted_secret("doomed")
        with self.assertRaises(ResourceNotFoundError):
            c.get_deleted_secret("doomed")
        c.set_secret("doomed", "reborn")                               # the name is free again
        self.assertEqual(c.get_secret("doomed").value, "reborn")

    def test_retention_purges_with_test_clock(self):
        c = self.client
        c.set_secret("expiring", "v")
        c.begin_delete_secret("expiring").wait()
        r = admin(self.server, "POST", "/clock/advance", {"seconds": 89 * 86400})
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(c.get_deleted_secret("expiring").name, "expiring")
        r = admin(self.server, "POST", "/clock/advance", {"seconds": 2 * 86400})
        self.assertEqual(r.status_code, 200, r.text)
        self.assertGreaterEqual(r.json()["secretsPurged"], 1)
        with self.assertRaises(ResourceNotFoundError):
            c.get_deleted_secret("expiring")

    def test_backup_restore(self):
        c = self.client
        v1 = canary("precious-one-" + uuid.uuid4().hex)
        v2 = canary("precious-two-" + uuid.uuid4().hex)
        c.set_secret("precious", v1)
        c.set_secret("precious", v2)
        blob = c.backup_secret("precious")
        self.assertNotIn(v2.encode(), blob)
        with self.assertRaises(ResourceExistsError):
            c.restore_secret_backup(blob)
        c.begin_delete_secret("precious").wait()
        c.purge_deleted_secret("precious")
        restored = c.restore_secret_backup(blob)
        self.assertEqual(restored.name, "precious")
        self.assertEqual(c.get_secret("precious").value, v2)
        self.assertEqual(len(list(c.list_properties_of_secret_versions("precious"))), 2)
        with self.assertRaises(HttpResponseError) as ctx:
            c.restore_secret_backup(blob[:-5] + b"xxxxx")
        self.assertEqual(ctx.exception.status_code, 400)

    def test_aad_style_authority_and_other_vaults(self):
        r = admin(self.server, "PUT", "/vaults/team-vault", {"retentionDays": 7, "purgeProtection": True})
        self.assertEqual(r.status_code, 201, r.text)
        client = SecretClient(self.server.vault_url("Team-Vault"), credential(self.server, tenant="guid"),
                              connection_verify=self.server.ca_file)
        s = client.set_secret("x", "in team vault")
        self.assertTrue(s.id.startswith(self.server.vault_url("team-vault")))
        self.assertEqual(s.properties.recovery_level, "CustomizedRecoverable")
        self.assertEqual(s.properties.recoverable_days, 7)
        with self.assertRaises(ResourceNotFoundError):
            self.client.get_secret("x")                                  # vaults are separate
        client.begin_delete_secret("x").wait()
        with self.assertRaises(HttpResponseError) as ctx:
            client.purge_deleted_secret("x")                             # purge protection
        self.assertEqual(ctx.exception.status_code, 403)

    def test_unknown_vault_is_404(self):
        client = SecretClient(self.server.vault_url("nosuchvault"), self.cred, connection_verify=self.server.ca_file)
        with self.assertRaises(ResourceNotFoundError) as ctx:
            client.get_secret("x")
        self.assertIn("VaultNotFound", str(ctx.exception))


if __name__ == "__main__":
    unittest.main()
