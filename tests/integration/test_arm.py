"""Debian's az against a real `coffer server --dev` as Azure Resource Manager
(issue 14, CLIENT-FLOWS.md §5): a custom cloud registered from the server's
metadata endpoint, a service-principal login that finds the tenant's one
subscription, `az group` on its resource groups, and ARM's answers and errors
through `az rest` and plain requests."""
import hashlib
import json
import os
import ssl
import subprocess
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid

import requests

from coffer_server import COFFER_BIN, AzCli, CofferServer, admin, canary, token


def subscription_of(tenant):
    """The derivation arm_routes.hpp documents: SHA-256, RFC 9562 version 8."""
    b = bytearray(hashlib.sha256(b"coffer subscription of tenant " + tenant.encode()).digest()[:16])
    b[6] = (b[6] & 0x0F) | 0x80
    b[8] = (b[8] & 0x3F) | 0x80
    return str(uuid.UUID(bytes=bytes(b)))


class ArmTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = CofferServer().start()
        cls.az = AzCli(cls.server, prefix="coffer-arm-")
        cls.cfg = cls.az.config_dir
        cls.base = f"https://localhost:{cls.server.port}"
        # Only the ARM endpoint and the Key Vault suffix: az reads the rest from
        # GET /metadata/endpoints, which needs no token.
        cls.az("cloud", "register", "-n", "CofferArm", "--endpoint-resource-manager", cls.base + "/",
               "--suffix-keyvault-dns", f".vault.localhost:{cls.server.port}")
        cls.az("cloud", "set", "-n", "CofferArm")
        # No --allow-no-subscriptions: the login must find the tenant's subscription.
        cls.az("login", "--service-principal", "-u", cls.server.dev["clientId"],
               "--password=" + cls.server.dev["clientSecret"], "--tenant", cls.server.dev["tenantId"])
        cls.subscription = subscription_of(cls.server.dev["tenantId"])

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_cloud_endpoints_come_from_the_metadata(self):
        cloud = json.loads(self.az("cloud", "show", "-n", "CofferArm").stdout)
        self.assertEqual(cloud["endpoints"]["activeDirectory"], self.base + "/adfs")
        self.assertEqual(cloud["endpoints"]["activeDirectoryResourceId"], self.base + "/")

    def test_coffer_cloud_config_registers_as_is(self):
        p = subprocess.run([COFFER_BIN, "cloud-config", "--data-dir", self.server.data_dir],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"subscription {self.subscription}", p.stderr)
        path = os.path.join(self.cfg, "coffer-cloud.json")
        with open(path, "w") as f:
            f.write(p.stdout)
        self.az("cloud", "register", "-n", "CofferCfg", "--cloud-config", "@" + path)
        cloud = json.loads(self.az("cloud", "show", "-n", "CofferCfg").stdout)
        self.assertEqual(cloud["endpoints"]["resourceManager"], self.base + "/")
        self.assertEqual(cloud["endpoints"]["microsoftGraphResourceId"], self.base + "/")
        self.assertEqual(cloud["suffixes"]["keyvaultDns"], f".vault.localhost:{self.server.port}")
        by_port = subprocess.run([COFFER_BIN, "cloud-config", "--port", "9443", "--data-dir", self.cfg],
                                 capture_output=True, text=True, timeout=30)
        self.assertEqual(by_port.returncode, 0, by_port.stderr)
        self.assertEqual(json.loads(by_port.stdout)["suffixes"]["keyvaultDns"], ".vault.localhost:9443")
        bad = subprocess.run([COFFER_BIN, "cloud-config", "--port", "0"], capture_output=True, text=True, timeout=30)
        self.assertEqual(bad.returncode, 2, bad.stderr)

    def test_login_finds_the_tenants_subscription(self):
        account = json.loads(self.az("account", "show").stdout)
        self.assertEqual(account["id"], self.subscription)
        self.assertEqual(account["tenantId"], self.server.dev["tenantId"])
        self.assertEqual(account["state"], "Enabled")
        listed = json.loads(self.az("account", "list").stdout)
        self.assertEqual([a["id"] for a in listed], [self.subscription])

    def arm_get(self, path, bearer=None):
        """(status, JSON body) of a GET with a token for the authority (ARM's audience)."""
        bearer = bearer or token(self.server, self.server.authority)
        req = urllib.request.Request(self.base + path, headers={"Authorization": "Bearer " + bearer})
        ctx = ssl.create_default_context(cafile=self.server.ca_file)
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def test_subscription_get_and_arm_errors(self):
        url = f"{self.base}/subscriptions/{self.subscription}?api-version=2022-12-01"
        got = json.loads(self.az("rest", "--method", "get", "--url", url).stdout)
        self.assertEqual(got["subscriptionId"], self.subscription)
        # (az refuses a subscription it did not list before sending anything: asked directly.)
        status, body = self.arm_get(f"/subscriptions/{uuid.uuid4()}?api-version=2022-12-01")
        self.assertEqual((status, body["error"]["code"]), (404, "SubscriptionNotFound"))
        status, body = self.arm_get(f"/subscriptions/{self.subscription}")
        self.assertEqual((status, body["error"]["code"]), (400, "MissingApiVersionParameter"))
        status, body = self.arm_get(f"/subscriptions/{self.subscription}/resourceGroups/x/providers/"
                                    "Microsoft.Nothing/things/y?api-version=2022-12-01")
        self.assertEqual((status, body["error"]["code"]), (404, "InvalidResourceType"))

    def test_resource_groups_through_az_group(self):
        made = json.loads(self.az("group", "create", "-n", "myResourceGroup", "-l", "eastus",
                                  "--tags", "env=dev").stdout)
        self.assertEqual(made["id"], f"/subscriptions/{self.subscription}/resourceGroups/myResourceGroup")
        self.assertEqual((made["name"], made["location"], made["tags"]), ("myResourceGroup", "eastus", {"env": "dev"}))
        self.assertEqual(made["properties"]["provisioningState"], "Succeeded")
        shown = json.loads(self.az("group", "show", "-n", "MYRESOURCEGROUP").stdout)
        self.assertEqual(shown["name"], "myResourceGroup")
        self.assertEqual(self.az("group", "exists", "-n", "myResourceGroup").stdout.strip(), "true")
        self.assertEqual(self.az("group", "exists", "-n", "noSuchGroup").stdout.strip(), "false")
        names = [g["name"] for g in json.loads(self.az("group", "list").stdout)]
        self.assertIn("myResourceGroup", names)
        # The location is fixed at creation, as ARM has it.
        moved = self.az("group", "create", "-n", "myResourceGroup", "-l", "westeurope", check=False)
        self.assertNotEqual(moved.returncode, 0)
        self.assertIn("InvalidResourceGroupLocation", moved.stderr)
        missing = self.az("group", "show", "-n", "noSuchGroup", check=False)
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("ResourceGroupNotFound", missing.stderr)
        self.az("group", "delete", "-n", "myResourceGroup", "--yes")
        self.assertEqual(self.az("group", "exists", "-n", "myResourceGroup").stdout.strip(), "false")

    def test_resource_group_refusals(self):
        base = f"/subscriptions/{self.subscription}/resourcegroups"
        status, body = self.arm_put(f"{base}/bad%20name?api-version=2021-04-01", {"location": "eastus"})
        self.assertEqual((status, body["error"]["code"]), (400, "InvalidParameter"))
        status, body = self.arm_put(f"{base}/g?api-version=2021-04-01", {"tags": {}})
        self.assertEqual((status, body["error"]["code"]), (400, "LocationRequired"))
        status, body = self.arm_put(f"{base}/g?api-version=2021-04-01", "not json")
        self.assertEqual((status, body["error"]["code"]), (400, "InvalidRequestContent"))
        # Writing needs a role that allows Microsoft.Resources/…: a new principal has none.
        sp = admin(self.server, "POST", "/service-principals", {"displayName": "arm-reader"}).json()
        canary(sp["clientSecret"])
        r = requests.post(f"{self.base}/adfs/oauth2/token", verify=self.server.ca_file, data={
            "grant_type": "client_credentials", "client_id": sp["clientId"], "client_secret": sp["clientSecret"],
            "scope": self.server.authority + "/.default"})
        status, body = self.arm_put(f"{base}/g?api-version=2021-04-01", {"location": "eastus"},
                                    bearer=r.json()["access_token"])
        self.assertEqual(status, 403, body)
        status, _ = self.arm_get(f"{base}/g?api-version=2021-04-01")
        self.assertEqual(status, 404, "a refused write leaves nothing behind")

    def test_graph_lookups_az_makes(self):
        client_id = self.server.dev["clientId"]
        me = admin(self.server, "GET", f"/service-principals/{client_id}").json()
        status, body = self.arm_get("/v1.0/me")
        self.assertEqual((status, body["error"]["code"]), (400, "BadRequest"))
        for f in (f"servicePrincipalNames/any(c:c eq '{client_id}')", f"appId eq '{client_id}'"):
            status, body = self.arm_get("/v1.0/servicePrincipals?$filter=" + urllib.parse.quote(f))
            self.assertEqual(status, 200, body)
            self.assertEqual([(p["id"], p["appId"]) for p in body["value"]], [(me["objectId"], client_id)], f)
        status, body = self.arm_get("/v1.0/servicePrincipals?$filter=" + urllib.parse.quote("appId eq 'nobody'"))
        self.assertEqual((status, body["value"]), (200, []))
        status, body = self.arm_get("/v1.0/servicePrincipals?$filter=" + urllib.parse.quote("startswith(appId,'a')"))
        self.assertEqual((status, body["error"]["code"]), (400, "Request_UnsupportedQuery"))
        status, body = self.arm_get(f"/v1.0/servicePrincipals/{me['objectId']}")
        self.assertEqual((status, body["appId"]), (200, client_id))
        status, body = self.arm_get(f"/v1.0/servicePrincipals/{uuid.uuid4()}")
        self.assertEqual((status, body["error"]["code"]), (404, "Request_ResourceNotFound"))
        # az's Graph client needs microsoftGraphResourceId, which only --cloud-config can set.
        p = subprocess.run([COFFER_BIN, "cloud-config", "--data-dir", self.server.data_dir],
                           capture_output=True, text=True, timeout=30)
        path = os.path.join(self.cfg, "graph-cloud.json")
        with open(path, "w") as f:
            f.write(p.stdout)
        self.az("cloud", "update", "-n", "CofferArm", "--cloud-config", "@" + path)
        shown = json.loads(self.az("ad", "sp", "show", "--id", client_id).stdout)
        self.assertEqual((shown["id"], shown["appId"]), (me["objectId"], client_id))

    def arm_put(self, path, body, bearer=None):
        bearer = bearer or token(self.server, self.server.authority)
        data = body if isinstance(body, str) else json.dumps(body)
        r = requests.put(self.base + path, data=data, verify=self.server.ca_file,
                         headers={"Authorization": "Bearer " + bearer, "Content-Type": "application/json"})
        return r.status_code, (r.json() if r.content else {})

    def test_arm_needs_a_token_for_the_authority(self):
        ctx = ssl.create_default_context(cafile=self.server.ca_file)
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{self.base}/subscriptions?api-version=2019-11-01", context=ctx, timeout=10)
        self.assertEqual(refused.exception.code, 401)
        # ARM's 401, not AKV's: its code and a Bearer challenge naming the authority.
        self.assertEqual(json.loads(refused.exception.read())["error"]["code"], "AuthenticationFailed")
        self.assertIn(f'authorization_uri="{self.base}/', refused.exception.headers["WWW-Authenticate"])
        # A token for the vaults is not one for ARM.
        vault_token = token(self.server, f"https://vault.localhost:{self.server.port}")
        status, body = self.arm_get("/subscriptions?api-version=2019-11-01", bearer=vault_token)
        self.assertEqual((status, body["error"]["code"]), (401, "InvalidAuthenticationToken"))
        status, body = self.arm_get("/v1.0/me", bearer=vault_token)
        self.assertEqual((status, body["error"]["code"]), (401, "InvalidAuthenticationToken"))
        status, listed = self.arm_get("/subscriptions?api-version=2019-11-01")
        self.assertEqual((status, [s["subscriptionId"] for s in listed["value"]]), (200, [self.subscription]))
        with urllib.request.urlopen(f"{self.base}/metadata/endpoints?api-version=2015-01-01", context=ctx,
                                    timeout=10) as r:
            self.assertEqual(json.load(r)["authentication"]["loginEndpoint"], self.base + "/adfs")


if __name__ == "__main__":
    unittest.main()
