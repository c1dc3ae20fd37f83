"""Secret rotation with a generator (issue 16, EVENTS-SPEC.md §4): Coffer's
rotation policy on plain secrets at /secrets/{name}/rotationpolicy, manual
POST /secrets/{name}/rotate, rotation by the server's scheduler as the test
clock moves, one SecretNewVersionCreated per rotation at a loopback webhook,
what Debian's azure-keyvault-secrets SDK reads afterwards, RBAC (a secrets
reader may read the policy but not set it or rotate), bad policies refused
with 400 BadParameter, and `coffer keyvault secret rotation-policy|rotate`."""
import json
import string
import unittest
import uuid

import requests

from coffer_server import admin, canary, coffer_cli, token
from webhook_receiver import HookedServerTest

API = "api-version=7.4"
DAY = 86400


class SecretRotationTest(HookedServerTest):
    def test_a_policy_rotates_on_schedule_and_on_demand(self):
        self.assertEqual(self.subscribe(), 200)
        first = self.secrets.set_secret("db-password", "typed-by-hand", tags={"CredentialId": "user1"})
        self.hook.wait_events(1)
        shown = self.rest("GET", "/secrets/db-password/rotationpolicy").json()
        self.assertEqual(shown["id"], f"{self.server.vault_url()}/secrets/db-password/rotationpolicy")
        self.assertEqual(shown["lifetimeActions"], [{"trigger": {"timeBeforeExpiry": "P30D"},
                                                     "action": {"type": "Notify"}}], "the default policy")
        self.assertEqual(self.rest("POST", "/secrets/db-password/rotate").status_code, 400,
                         "no policy: nothing says how to make the value")
        policy = {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P30D"}, "action": {"type": "Rotate"}}],
                  "attributes": {"expiryTime": "P45D", "contentType": "text/plain"},
                  "generator": {"type": "password", "length": 40, "excludeCharacters": "\"'\\`"}}
        r = self.rest("PUT", "/secrets/db-password/rotationpolicy", policy)
        self.assertEqual(r.status_code, 200, r.text)
        stored = r.json()
        self.assertEqual(stored["generator"]["length"], 40)
        self.assertTrue(stored["generator"]["requireEachIncludedType"])
        self.assertEqual(stored["attributes"]["expiryTime"], "P45D")
        self.assertIn("created", stored["attributes"])
        self.assertEqual(self.rest("GET", "/secrets/db-password/rotationpolicy").json(), stored)

        # Due 30 days after the current version was created, by the server's clock.
        self.assertEqual(self.advance(29 * DAY)["secretsRotated"], 0)
        self.assertEqual(self.secrets.get_secret("db-password").value, "typed-by-hand")
        now = self.advance(DAY + 60)["now"]
        current = self.secrets.get_secret("db-password")
        canary(current.value)  # a generated value is never at rest in clear (scan_artifacts)
        self.assertNotEqual(current.properties.version, first.properties.version)
        self.assertEqual(len(current.value), 40)
        for c in current.value:
            self.assertIn(c, string.ascii_letters + string.digits + string.punctuation)
            self.assertNotIn(c, "\"'\\`")
        self.assertEqual(current.properties.tags, {"CredentialId": "user1"}, "tags carried over")
        self.assertEqual(current.properties.content_type, "text/plain")
        self.assertEqual(int(current.properties.expires_on.timestamp()), now + 45 * DAY)
        self.assertEqual(self.secrets.get_secret("db-password", first.properties.version).value, "typed-by-hand",
                         "the old version stays readable by its id")
        posts = self.hook.wait_events(2)
        self.assertEqual(len(posts), 2, "one event per rotation (after the set's)")
        self.assertEqual(posts[1]["body"][0]["eventType"], "Microsoft.KeyVault.SecretNewVersionCreated")
        self.assertEqual(posts[1]["body"][0]["data"]["Version"], current.properties.version)
        self.assertNotIn(current.value.encode(), b"".join(p["raw"] for p in posts), "no value travels in an event")
        self.assertEqual(self.advance(60)["secretsRotated"], 0, "the next one counts from the new version")

        # On demand; a retried request (same x-ms-client-request-id) makes no second version.
        headers = {"x-ms-client-request-id": "3f6e2c1a-0000-4000-8000-000000000001"}
        url = f"{self.server.vault_url()}/secrets/db-password/rotate?{API}"
        once = self.session.post(url, headers=headers)
        self.assertEqual(once.status_code, 200, once.text)
        self.assertEqual(self.session.post(url, headers=headers).json()["id"], once.json()["id"])
        self.assertEqual(self.secrets.get_secret("db-password").value, once.json()["value"])
        versions = list(self.secrets.list_properties_of_secret_versions("db-password"))
        self.assertEqual(len(versions), 3)

    def subscribe(self):
        body = {"properties": {"destination": {"endpointType": "WebHook",
                                               "properties": {"endpointUrl": self.hook.url()}}}}
        return admin(self.server, "PUT", "/vaults/dev/eventSubscriptions/rotations", body).status_code

    def test_random_bytes_and_bad_policies(self):
        self.secrets.set_secret("hmac-key", "x")
        r = self.rest("PUT", "/secrets/hmac-key/rotationpolicy",
                      {"generator": {"type": "randomBytes", "length": 32, "encoding": "hex"}})
        self.assertEqual(r.status_code, 200, r.text)
        rotated = self.rest("POST", "/secrets/hmac-key/rotate")
        self.assertEqual(rotated.status_code, 200, rotated.text)
        value = rotated.json()["value"]
        self.assertEqual(len(bytes.fromhex(value)), 32)
        self.assertIsNone(rotated.json()["attributes"].get("exp"), "no expiryTime, no exp")
        for bad in ({"generator": {"type": "none"}},
                    {"generator": {"type": "password", "length": 0}},
                    {"generator": {"type": "password", "length": 2}},
                    {"generator": {"type": "password", "excludeLowercase": True, "excludeUppercase": True,
                                   "excludeNumbers": True, "excludePunctuation": True}},
                    {"generator": {"type": "randomBytes", "encoding": "base32"}},
                    {"generator": {"type": "randomBytes", "excludeNumbers": True}},
                    {"generator": "password"},
                    {"lifetimeActions": [{"trigger": {"timeAfterCreate": "PT5M"}, "action": {"type": "Rotate"}}]},
                    {"lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P7D"}, "action": {"type": "Rotate"}}]},
                    {"lifetimeActions": [{"trigger": {"timeAfterCreate": "thirty days"},
                                          "action": {"type": "Rotate"}}]},
                    {"attributes": {"expiryTime": "PT1M"}},
                    {"lifetimeActions": [{"trigger": {"repeat": "R/tomorrow/P1D"}, "action": {"type": "Rotate"}}]},
                    {"lifetimeActions": [{"trigger": {"repeat": "R/2026-01-01T02:00:00Z/PT30M"},
                                          "action": {"type": "Rotate"}}]},
                    {"lifetimeActions": [{"trigger": {"repeat": "2026-01-01T02:00:00Z/P1D"},
                                          "action": {"type": "Rotate"}}]},
                    {"lifetimeActions": [{"trigger": {"repeat": "R/2026-01-01T02:00:00Z/P1D"},
                                          "action": {"type": "Notify"}}]}):
            r = self.rest("PUT", "/secrets/hmac-key/rotationpolicy", bad)
            self.assertEqual(r.status_code, 400, f"{bad}: {r.text}")
            self.assertEqual(r.json()["error"]["code"], "BadParameter", r.text)
        self.assertEqual(self.rest("GET", "/secrets/hmac-key/rotationpolicy").json()["generator"]["encoding"], "hex",
                         "nothing refused replaced the policy")
        # A repeating interval at a wall-clock anchor (Coffer's extension of the trigger), shown as given.
        nightly = {"lifetimeActions": [{"trigger": {"repeat": "R/2026-01-01T02:00:00Z/P1D"},
                                        "action": {"type": "Rotate"}}]}
        r = self.rest("PUT", "/secrets/hmac-key/rotationpolicy", nightly)
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.json()["lifetimeActions"], nightly["lifetimeActions"])
        self.assertEqual(self.rest("POST", "/keys/signer/create", {"kty": "EC", "crv": "P-256"}).status_code, 200)
        keys_policy = self.rest("PUT", "/keys/signer/rotationpolicy", nightly)
        self.assertEqual(keys_policy.status_code, 400, "keys' AKV policies have no repeat: " + keys_policy.text)
        self.assertEqual(self.rest("PUT", "/secrets/missing/rotationpolicy", {}).status_code, 404)
        self.assertEqual(self.rest("POST", "/secrets/missing/rotate").status_code, 404)
        self.secrets.begin_delete_secret("hmac-key").wait()
        self.assertEqual(self.rest("POST", "/secrets/hmac-key/rotate").status_code, 404, "deleted: not rotated")

    def test_a_reader_may_read_the_policy_but_not_rotate(self):
        self.secrets.set_secret("shared", "x")
        self.assertEqual(self.rest("PUT", "/secrets/shared/rotationpolicy", {}).status_code, 200)
        made = admin(self.server, "POST", "/service-principals", {"displayName": "reader"}).json()
        url = (f"{self.server.authority}/vaults/dev/providers/Microsoft.Authorization/roleAssignments/"
               f"{uuid.uuid4()}?{API}")
        r = requests.put(url, json={"properties": {  # Key Vault Secrets User on the vault
            "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6",
            "principalId": made["objectId"]}}, headers={"Authorization": "Bearer " + token(
                self.server, self.server.authority)}, verify=self.server.ca_file)
        self.assertEqual(r.status_code, 201, r.text)
        t = requests.post(f"{self.server.authority}/adfs/oauth2/token", verify=self.server.ca_file, data={
            "grant_type": "client_credentials", "client_id": made["clientId"], "client_secret": made["clientSecret"],
            "scope": f"https://vault.localhost:{self.server.port}/.default"}).json()["access_token"]
        reader = requests.Session()
        reader.trust_env = False
        reader.verify = self.server.ca_file
        reader.headers["Authorization"] = "Bearer " + t
        self.assertEqual(self.rest("GET", "/secrets/shared/rotationpolicy", session=reader).status_code, 200)
        for method, path in (("PUT", "/secrets/shared/rotationpolicy"), ("POST", "/secrets/shared/rotate")):
            denied = self.rest(method, path, {} if method == "PUT" else None, session=reader)
            self.assertEqual(denied.status_code, 403, denied.text)
            self.assertEqual(denied.json()["error"]["code"], "Forbidden")

    def test_the_coffer_cli_sets_shows_and_rotates(self):
        def coffer(*args, check=True):
            p = coffer_cli(self.server, *args)
            if check:
                self.assertEqual(p.returncode, 0, p.stderr)
            return p

        self.secrets.set_secret("cli-token", "x")
        policy = json.dumps({"generator": {"type": "randomBytes", "length": 16, "encoding": "base64url"},
                             "attributes": {"expiryTime": "P10D"}})
        set_out = json.loads(coffer("keyvault", "secret", "rotation-policy", "set", "--vault-name", "dev",
                                    "-n", "cli-token", "--value", policy).stdout)
        self.assertEqual(set_out["generator"]["encoding"], "base64url")
        shown = json.loads(coffer("keyvault", "secret", "rotation-policy", "show", "--vault-name", "dev",
                                  "-n", "cli-token").stdout)
        self.assertEqual(shown, set_out)
        rotated = json.loads(coffer("keyvault", "secret", "rotate", "--vault-name", "dev", "-n", "cli-token").stdout)
        self.assertNotIn("value", rotated, "the CLI does not print the new value")
        self.assertEqual(rotated["name"], "cli-token")
        self.assertIsNotNone(rotated["attributes"]["expires"])
        current = self.secrets.get_secret("cli-token")
        self.assertEqual(current.id, rotated["id"])
        self.assertEqual(len(current.value), 22, "16 bytes as unpadded base64url")
        bad = coffer("keyvault", "secret", "rotation-policy", "set", "--vault-name", "dev", "-n", "cli-token",
                     "--value", '{"generator": {"type": "sometimes"}}', check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("generator.type", bad.stderr)


if __name__ == "__main__":
    unittest.main()
