"""The change feed and batch reads on a vault (issue 16, Coffer's own API):
GET /coffer/changes per object type with a cursor — every kind of change,
once each, access changes, paging, long polls that wake on a change, bad
parameters, RBAC as listing — and POST /coffer/batchget, where each object
is a GET of its own: answered in order with its own status, authorized and
audited one by one."""
import json
import os
import threading
import time
import unittest
import uuid

import requests
from azure.keyvault.keys import KeyClient
from azure.keyvault.secrets import SecretClient

from coffer_server import CofferServer, admin, canary, credential, token

API = "api-version=7.4"
SECRETS_USER = "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"


def session(server, access_token):
    s = requests.Session()
    s.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
    s.verify = server.ca_file
    s.headers["Authorization"] = "Bearer " + access_token
    return s


class ChangeFeedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = CofferServer().start()
        cls.resource = f"https://vault.localhost:{cls.server.port}"
        cls.admin = session(cls.server, token(cls.server, cls.resource))
        cls.secrets = SecretClient(cls.server.vault_url(), credential(cls.server), connection_verify=cls.server.ca_file)
        cls.keys = KeyClient(cls.server.vault_url(), credential(cls.server), connection_verify=cls.server.ca_file)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def feed(self, cursor=None, object_type="secret", s=None, **params):
        query = f"{API}&objectType={object_type}" + (f"&cursor={cursor}" if cursor is not None else "")
        query += "".join(f"&{k}={v}" for k, v in params.items())
        return (s or self.admin).get(f"{self.server.vault_url()}/coffer/changes?{query}")

    def follow(self, cursor, object_type="secret"):
        r = self.feed(cursor, object_type)
        self.assertEqual(r.status_code, 200, r.text)
        page = r.json()
        self.assertFalse(page["reset"], page)
        return page["cursor"], [c.get("name", c["objectType"]) for c in page["changes"]]

    def now(self, object_type="secret"):
        page = self.feed(None, object_type).json()
        self.assertTrue(page["reset"], "no cursor: read everything once, then follow")
        return page["cursor"]

    def new_principal(self, role_scope=None):
        sp = admin(self.server, "POST", "/service-principals", {"displayName": "feed-" + uuid.uuid4().hex[:8]}).json()
        canary(sp["clientSecret"])
        if role_scope:
            url = (f"{self.server.authority}{role_scope}/providers/Microsoft.Authorization/roleAssignments/"
                   f"{uuid.uuid4()}?{API}")
            r = requests.put(url, json={"properties": {"roleDefinitionId": SECRETS_USER,
                                                       "principalId": sp["objectId"]}},
                             headers={"Authorization": "Bearer " + token(self.server, self.server.authority)},
                             verify=self.server.ca_file)
            self.assertEqual(r.status_code, 201, r.text)
        t = requests.post(f"{self.server.authority}/adfs/oauth2/token", verify=self.server.ca_file, data={
            "grant_type": "client_credentials", "client_id": sp["clientId"], "client_secret": sp["clientSecret"],
            "scope": self.resource + "/.default"}).json()["access_token"]
        return session(self.server, t)

    def test_every_change_once_per_object_type(self):
        cursor, key_cursor = self.now(), self.now("key")
        self.secrets.set_secret("Feed-A", "1")
        self.secrets.set_secret("feed-b", "1")
        self.secrets.set_secret("feed-a", "2")
        cursor, names = self.follow(cursor)
        self.assertEqual(names, ["feed-b", "feed-a"], "each once, where it last changed, names in lower case")
        self.assertEqual(self.follow(cursor)[1], [])
        self.secrets.update_secret_properties("feed-b", tags={"t": "1"})
        self.secrets.begin_delete_secret("feed-a").wait()
        cursor, names = self.follow(cursor)
        self.assertEqual(names, ["feed-b", "feed-a"], "an update and a deletion")
        self.keys.create_ec_key("feed-key", curve="P-256")
        self.assertEqual(self.follow(cursor)[1], [], "the secrets feed tells nothing of keys")
        self.assertEqual(self.follow(key_cursor, "key")[1], ["feed-key"])

    def test_paging_and_long_polls(self):
        cursor = self.now()
        for i in range(5):
            self.secrets.set_secret(f"page-{i}", "x")
        first = self.feed(cursor, maxResults=4).json()
        self.assertTrue(first["more"])
        rest = self.feed(first["cursor"]).json()
        self.assertFalse(rest["more"])
        seen = {c["name"] for c in first["changes"] + rest["changes"]}
        self.assertEqual(seen, {f"page-{i}" for i in range(5)})
        cursor = rest["cursor"]

        answered = {}

        def wait():
            started = time.time()
            answered["page"] = self.feed(cursor, maxWaitSeconds=20).json()
            answered["after"] = time.time() - started

        waiter = threading.Thread(target=wait)
        waiter.start()
        time.sleep(1.5)
        self.secrets.set_secret("woken", "x")
        waiter.join(30)
        self.assertEqual([c["name"] for c in answered["page"]["changes"]], ["woken"])
        self.assertGreater(answered["after"], 1.0, "it waited for the change")
        self.assertLess(answered["after"], 10, "and answered soon after it")
        started = time.time()
        quiet = self.feed(answered["page"]["cursor"], maxWaitSeconds=1).json()
        self.assertEqual(quiet["changes"], [])
        self.assertGreaterEqual(time.time() - started, 0.7, "nothing changed: it waited its time")

    def test_bad_parameters_are_refused(self):
        for params in ({"cursor": "not-a-cursor"}, {"cursor": "1.2.3"}, {"object_type": "vault"},
                       {"maxResults": "0"}, {"maxResults": "x"}, {"maxWaitSeconds": "61"}):
            r = self.feed(**({"cursor": None} | params))
            self.assertEqual(r.status_code, 400, f"{params}: {r.text}")
            self.assertEqual(r.json()["error"]["code"], "BadParameter")
        self.assertTrue(self.feed("999999.0").json()["reset"], "a cursor this vault never gave")

    def test_access_changes_and_rbac(self):
        reader = self.new_principal("/vaults/dev")
        page = self.feed(s=reader)
        self.assertEqual(page.status_code, 200, page.text)
        cursor = page.json()["cursor"]
        stranger = self.new_principal()
        denied = self.feed(s=stranger)
        self.assertEqual(denied.status_code, 403, denied.text)
        self.new_principal("/vaults/dev")  # an assignment at the vault changes who may access it
        r = self.feed(cursor, s=reader).json()
        self.assertIn({"objectType": "access"}, r["changes"])

    def test_batch_reads_answer_each_object_as_its_get(self):
        value = canary("batch-" + uuid.uuid4().hex)
        self.secrets.set_secret("batch-one", value)
        made = self.secrets.set_secret("batch-two", "second")
        self.keys.create_rsa_key("batch-key", size=2048)
        body = {"objects": [{"objectType": "secret", "name": "batch-one"},
                            {"objectType": "secret", "name": "batch-two", "version": made.properties.version},
                            {"objectType": "secret", "name": "batch-missing"},
                            {"objectType": "key", "name": "batch-key"}]}
        url = f"{self.server.vault_url()}/coffer/batchget?{API}"
        r = self.admin.post(url, json=body)
        self.assertEqual(r.status_code, 200, r.text)
        results = r.json()["results"]
        self.assertEqual([x["status"] for x in results], [200, 200, 404, 200])
        self.assertEqual(results[0]["body"]["value"], value)
        self.assertEqual(results[1]["body"]["id"], made.id)
        self.assertEqual(results[2]["body"]["error"]["code"], "SecretNotFound")
        self.assertEqual(results[3]["body"]["key"]["kty"], "RSA")

        # Each object is authorized on its own: a reader of one secret gets 403 for the rest.
        only_one = self.new_principal("/vaults/dev/secrets/batch-one")
        r = only_one.post(url, json=body)
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual([x["status"] for x in r.json()["results"]], [200, 403, 403, 403])
        # …and audited on its own.
        with open(os.path.join(self.server.data_dir, "audit.log")) as f:
            records = [json.loads(line) for line in f if line.strip()]
        gets = [rec for rec in records if rec.get("operationName") == "SecretGet"
                and "batch-" in rec["properties"]["requestUri"]]
        self.assertGreaterEqual(len(gets), 6)
        self.assertTrue(any(rec["operationName"] == "ObjectBatchGet" for rec in records))

        for bad in ({}, {"objects": []}, {"objects": [{"objectType": "secret", "name": "x"}] * 101},
                    {"objects": [{"objectType": "vault", "name": "x"}]}, {"objects": [{"objectType": "secret"}]},
                    {"objects": ["batch-one"]}):
            r = self.admin.post(url, json=bad)
            self.assertEqual(r.status_code, 400, f"{bad}: {r.text}")
            self.assertEqual(r.json()["error"]["code"], "BadParameter")


if __name__ == "__main__":
    unittest.main()
