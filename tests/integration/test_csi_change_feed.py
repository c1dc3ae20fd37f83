"""The CSI provider on Coffer's change feed and batch reads (issue 16): a
Mount of a 100-object SecretProviderClass reads the objects in one batch
round trip; a second Mount of the unchanged class reads no object (the
audit log shows no SecretGet, only the feed); a changed object is read
once; an access change at the vault makes the next Mount read everything
again (authorization is never served from the cache), and a revoked
identity's Mount fails."""
import json
import os
import shutil
import tempfile
import unittest
import uuid

import requests
from azure.keyvault.secrets import SecretClient

from coffer_server import CofferServer, admin, canary, credential, token
from test_csi_provider import Provider, attributes_16, driver, files_of, objects_yaml, pointed_at

API = "api-version=7.4"
COUNT = 100


class CsiChangeFeedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="coffer-csi-feed-")  # mounted files hold secret values
        cls.server = CofferServer().start()
        s = cls.server
        cls.sp = admin(s, "POST", "/service-principals", {"displayName": "csi-feed"}).json()
        canary(cls.sp["clientSecret"])
        cls.assignment = cls.assign(cls.sp["objectId"])
        cls.secrets = SecretClient(s.vault_url(), credential(s), connection_verify=s.ca_file)
        for i in range(COUNT):
            cls.secrets.set_secret(f"obj-{i}", f"value-{i}")
        cls.provider = Provider(cls.tmp, name="feed", args=pointed_at(s))

    @classmethod
    def tearDownClass(cls):
        cls.provider.stop()
        cls.server.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def assign(cls, principal_id):
        name = str(uuid.uuid4())
        url = f"{cls.server.authority}/vaults/dev/providers/Microsoft.Authorization/roleAssignments/{name}?{API}"
        r = requests.put(url, json={"properties": {  # Key Vault Secrets User
            "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6",
            "principalId": principal_id}}, headers={"Authorization": "Bearer " + token(
                cls.server, cls.server.authority)}, verify=cls.server.ca_file)
        assert r.status_code == 201, r.text
        return url

    def mount(self):
        params = {"keyvaultName": "dev", "tenantID": self.server.dev["tenantId"],
                  "objects": objects_yaml(*({"objectName": f"obj-{i}", "objectType": "secret"}
                                            for i in range(COUNT)))}
        return driver(self.provider.socket, "mount", {
            "attributes": attributes_16(params), "permission": "420",
            "secrets": {"clientid": self.sp["clientId"], "clientsecret": self.sp["clientSecret"]}})

    def audit_ops(self):
        """Operation names of the audit records written so far, in order."""
        with open(os.path.join(self.server.data_dir, "audit.log")) as f:
            return [json.loads(line).get("operationName") for line in f if line.strip()]

    def reads_during(self, action):
        before = len(self.audit_ops())
        result = action()
        ops = self.audit_ops()[before:]
        return result, ops

    def test_unchanged_objects_are_not_read_again(self):
        first, ops = self.reads_during(self.mount)
        self.assertEqual(first["error"], "", first)
        files = files_of(first)
        self.assertEqual(files["obj-7"], b"value-7")
        self.assertEqual(ops.count("SecretGet"), COUNT)
        self.assertEqual(ops.count("ObjectBatchGet"), 1, "one round trip for all hundred")

        second, ops = self.reads_during(self.mount)
        self.assertEqual(second["error"], "", second)
        self.assertEqual(files_of(second), files)
        self.assertEqual(ops.count("SecretGet"), 0, f"an unchanged class reads no object: {ops}")
        self.assertEqual(ops.count("SecretChangesRead"), 1)

        changed = self.secrets.set_secret("obj-42", "rotated")
        third, ops = self.reads_during(self.mount)
        self.assertEqual(files_of(third)["obj-42"], b"rotated")
        self.assertEqual({v["id"]: v["version"] for v in third["object_version"]}["secret/obj-42"],
                         changed.properties.version)
        self.assertEqual(ops.count("SecretGet"), 1, f"the changed object is read once: {ops}")

        # Who may access the vault changed: everything is read (and so authorized) again.
        other = admin(self.server, "POST", "/service-principals", {"displayName": "bystander"}).json()
        canary(other["clientSecret"])
        self.assign(other["objectId"])
        fourth, ops = self.reads_during(self.mount)
        self.assertEqual(fourth["error"], "", fourth)
        self.assertEqual(ops.count("SecretGet"), COUNT)

        # The pod's own access revoked: the next Mount fails, nothing comes from the cache.
        r = requests.delete(self.assignment, headers={"Authorization": "Bearer " + token(
            self.server, self.server.authority)}, verify=self.server.ca_file)
        self.assertEqual(r.status_code, 200, r.text)
        fifth = self.mount()
        self.assertNotEqual(fifth["error"], "")
        self.assertEqual(fifth["files"], [])


if __name__ == "__main__":
    unittest.main()
