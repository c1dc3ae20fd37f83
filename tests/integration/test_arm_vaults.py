"""Debian's az managing vaults through Coffer's Azure Resource Manager
surface (issue 14, CLIENT-FLOWS.md §5.3): the seed's `az keyvault create`
with access policies and with RBAC, show/list/update, soft delete, purge and
recover, `az keyvault set-policy`, and the data plane of the vaults it made
(through `az rest`, as Debian's az cannot run `az keyvault secret`), with
access policies enforced as AKV enforces them."""
import json
import os
import subprocess
import unittest
import uuid

import requests

from coffer_server import COFFER_BIN, AzCli, CofferServer, admin, canary, token


class ArmVaultTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = CofferServer(extra_args=["--test-clock"]).start()
        cls.az = AzCli(cls.server, prefix="coffer-armkv-")
        cls.base = f"https://localhost:{cls.server.port}"
        cls.vault_suffix = f"vault.localhost:{cls.server.port}"
        # `coffer cloud-config` gives az every endpoint, microsoftGraphResourceId included
        # (az keyvault create needs it to look up the caller's object id).
        p = subprocess.run([COFFER_BIN, "cloud-config", "--data-dir", cls.server.data_dir],
                           capture_output=True, text=True, timeout=30, check=True)
        path = os.path.join(cls.az.config_dir, "cloud.json")
        with open(path, "w") as f:
            f.write(p.stdout)
        cls.az("cloud", "register", "-n", "Coffer", "--cloud-config", "@" + path)
        cls.az("cloud", "set", "-n", "Coffer")
        cls.az("login", "--service-principal", "-u", cls.server.dev["clientId"],
               "--password=" + cls.server.dev["clientSecret"], "--tenant", cls.server.dev["tenantId"])
        cls.subscription = json.loads(cls.az("account", "show").stdout)["id"]
        cls.me = admin(cls.server, "GET", f"/service-principals/{cls.server.dev['clientId']}").json()["objectId"]
        cls.az("group", "create", "-n", "myResourceGroup", "-l", "eastus")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def azj(self, *args):
        return json.loads(self.az(*args).stdout or "null")

    def secret_url(self, vault, name):
        return f"https://{vault.lower()}.{self.vault_suffix}/secrets/{name}?api-version=7.3"

    def rest(self, method, url, body=None, check=True):
        args = ["rest", "--method", method, "--url", url, "--resource", f"https://{self.vault_suffix}"]
        if body is not None:
            args += ["--body", json.dumps(body)]
        return self.az(*args, check=check)

    def principal(self, name):
        """A new service principal with no role, and a vault-audience token for it."""
        sp = admin(self.server, "POST", "/service-principals", {"displayName": name}).json()
        canary(sp["clientSecret"])
        r = requests.post(f"{self.base}/adfs/oauth2/token", verify=self.server.ca_file, data={
            "grant_type": "client_credentials", "client_id": sp["clientId"], "client_secret": sp["clientSecret"],
            "scope": f"https://{self.vault_suffix}/.default"})
        r.raise_for_status()
        return sp, r.json()["access_token"]

    def put_secret(self, vault, name, value):
        """The data plane directly, as the dev principal (az rest is exercised by the seed's test)."""
        status, body = self.data("PUT", vault, name, self.server_token(), {"value": value})
        self.assertEqual(status, 200, body)

    def data(self, method, vault, name, bearer, body=None):
        r = requests.request(method, self.secret_url(vault, name), json=body, verify=self.server.ca_file,
                             headers={"Authorization": "Bearer " + bearer})
        return r.status_code, (r.json() if r.content else {})

    def test_seed_create_gives_the_creator_an_access_policy(self):
        made = self.azj("keyvault", "create", "--name", "myKeyVault", "--resource-group", "myResourceGroup",
                        "--location", "eastus")
        self.assertEqual(made["id"], f"/subscriptions/{self.subscription}/resourceGroups/myResourceGroup"
                                     "/providers/Microsoft.KeyVault/vaults/myKeyVault")
        props = made["properties"]
        self.assertEqual(props["vaultUri"], f"https://mykeyvault.{self.vault_suffix}/")
        self.assertEqual(props["provisioningState"], "Succeeded")
        self.assertFalse(props["enableRbacAuthorization"])
        self.assertEqual(props["softDeleteRetentionInDays"], 90)
        self.assertEqual([(p["objectId"], p["permissions"]["secrets"]) for p in props["accessPolicies"]],
                         [(self.me, ["all"])])
        shown = admin(self.server, "GET", "/vaults/myKeyVault").json()  # Coffer's admin API sees the same vault
        self.assertEqual((shown["resourceGroup"], shown["location"], shown["enableRbacAuthorization"]),
                         ("myResourceGroup", "eastus", False))
        # The data plane of the new vault, by the policy az wrote.
        self.rest("put", self.secret_url("myKeyVault", "my-secret"), {"value": "super-secret-value"})
        got = json.loads(self.rest("get", self.secret_url("myKeyVault", "my-secret")).stdout)
        self.assertEqual(got["value"], "super-secret-value")
        again = self.az("keyvault", "create", "--name", "myKeyVault", "--resource-group", "myResourceGroup",
                        "--location", "eastus", check=False)
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("already exists", again.stderr)

    def test_access_policies_decide_the_data_plane(self):
        self.az("keyvault", "create", "-n", "policyVault", "-g", "myResourceGroup", "-l", "eastus")
        self.put_secret("policyVault", "s1", "v1")
        sp, bearer = self.principal("policy-reader")
        status, body = self.data("GET", "policyVault", "s1", bearer)
        self.assertEqual((status, body["error"]["innererror"]["code"]), (403, "AccessDenied"), body)
        self.assertIn("does not have secrets get permission on key vault 'policyVault;location=eastus'",
                      body["error"]["message"])
        # --spn: az finds the object id through Graph, then rewrites the vault's policies.
        self.az("keyvault", "set-policy", "-n", "policyVault", "--spn", sp["clientId"], "--secret-permissions",
                "get", "list")
        status, body = self.data("GET", "policyVault", "s1", bearer)
        self.assertEqual((status, body.get("value")), (200, "v1"), body)
        status, body = self.data("PUT", "policyVault", "s1", bearer, {"value": "v2"})
        self.assertEqual(status, 403, body)
        self.assertIn("does not have secrets set permission", body["error"]["message"])
        # A role assignment counts for nothing in a vault that uses access policies.
        status, _ = self.data("GET", "policyVault", "s1", self.server_token())
        self.assertEqual(status, 200)  # the creator's own policy
        self.az("keyvault", "delete-policy", "-n", "policyVault", "--object-id", sp["objectId"])
        status, _ = self.data("GET", "policyVault", "s1", bearer)
        self.assertEqual(status, 403)
        # ARM's accessPolicies/{add|replace|remove} (not what az sends, but the SDKs and templates do).
        url = (f"{self.base}/subscriptions/{self.subscription}/resourceGroups/myResourceGroup/providers/"
               "Microsoft.KeyVault/vaults/policyVault/accessPolicies/{}?api-version=2022-07-01")
        arm = {"Authorization": "Bearer " + token(self.server, self.server.authority)}
        entry = {"tenantId": self.server.dev["tenantId"], "objectId": sp["objectId"],
                 "permissions": {"secrets": ["get"]}}
        r = requests.put(url.format("add"), json={"properties": {"accessPolicies": [entry]}}, headers=arm,
                         verify=self.server.ca_file)
        self.assertEqual(r.status_code, 200, r.text)
        self.assertIn(sp["objectId"], [p["objectId"] for p in r.json()["properties"]["accessPolicies"]])
        self.assertEqual(self.data("GET", "policyVault", "s1", bearer)[0], 200)
        r = requests.put(url.format("remove"), json={"properties": {"accessPolicies": [entry]}}, headers=arm,
                         verify=self.server.ca_file)
        self.assertEqual(r.status_code, 200, r.text)
        self.assertNotIn(sp["objectId"], [p["objectId"] for p in r.json()["properties"]["accessPolicies"]])
        self.assertEqual(self.data("GET", "policyVault", "s1", bearer)[0], 403)
        for kind, body in (("merge", {"properties": {"accessPolicies": []}}), ("add", {"properties": {}}),
                           ("add", {"properties": {"accessPolicies": [{"objectId": "x"}]}})):
            r = requests.put(url.format(kind), json=body, headers=arm, verify=self.server.ca_file)
            self.assertIn(r.status_code, (400, 404), (kind, body, r.text))
        # set-policy refuses what is not a permission, before anything changes.
        bad = self.az("keyvault", "set-policy", "-n", "policyVault", "--object-id", sp["objectId"],
                      "--secret-permissions", "get", "--key-permissions", "fly", check=False)
        self.assertNotEqual(bad.returncode, 0)

    def server_token(self):
        r = requests.post(f"{self.base}/adfs/oauth2/token", verify=self.server.ca_file, data={
            "grant_type": "client_credentials", "client_id": self.server.dev["clientId"],
            "client_secret": self.server.dev["clientSecret"], "scope": f"https://{self.vault_suffix}/.default"})
        return r.json()["access_token"]

    def test_rbac_vault_uses_role_assignments(self):
        made = self.azj("keyvault", "create", "-n", "rbacVault", "-g", "myResourceGroup", "-l", "eastus",
                        "--enable-rbac-authorization", "true")
        self.assertTrue(made["properties"]["enableRbacAuthorization"])
        self.assertEqual(made["properties"]["accessPolicies"], [])
        # The dev principal holds Key Vault Administrator at "/": RBAC lets it in.
        self.put_secret("rbacVault", "s", "x")
        _, bearer = self.principal("rbac-nobody")
        status, body = self.data("GET", "rbacVault", "s", bearer)
        self.assertEqual((status, body["error"]["innererror"]["code"]), (403, "ForbiddenByRbac"), body)
        refused = self.az("keyvault", "set-policy", "-n", "rbacVault", "--object-id", self.me,
                          "--secret-permissions", "get", check=False)
        self.assertNotEqual(refused.returncode, 0)

    def test_show_list_and_update(self):
        self.az("keyvault", "create", "-n", "showVault", "-g", "myResourceGroup", "-l", "eastus",
                "--retention-days", "30", "--tags", "team=ops")
        shown = self.azj("keyvault", "show", "-n", "SHOWVAULT")  # without -g: found through the resource list
        self.assertEqual((shown["name"], shown["tags"]), ("showVault", {"team": "ops"}))
        self.assertEqual(shown["properties"]["softDeleteRetentionInDays"], 30)
        self.assertIn("showVault", [v["name"] for v in self.azj("keyvault", "list")])
        in_group = self.azj("keyvault", "list", "-g", "myResourceGroup")
        self.assertIn("showVault", [v["name"] for v in in_group])
        # Vaults of Coffer's admin API live in the built-in group.
        dev = self.azj("keyvault", "show", "-n", "dev")
        self.assertEqual(dev["resourceGroup"], "coffer")
        self.assertTrue(dev["properties"]["enableRbacAuthorization"])
        updated = self.azj("keyvault", "update", "-n", "showVault", "--enable-purge-protection", "true")
        self.assertTrue(updated["properties"]["enablePurgeProtection"])
        updated = self.azj("keyvault", "update", "-n", "showVault", "-g", "myResourceGroup",
                           "--enable-rbac-authorization", "true")
        self.assertTrue(updated["properties"]["enableRbacAuthorization"])
        # AKV's rules: the retention is fixed once set, purge protection cannot be undone.
        moved = self.az("keyvault", "update", "-n", "showVault", "--retention-days", "60", check=False)
        self.assertNotEqual(moved.returncode, 0)
        self.assertIn("has been set already", moved.stderr)
        undone = self.az("keyvault", "update", "-n", "showVault", "--enable-purge-protection", "false",
                         check=False)
        self.assertNotEqual(undone.returncode, 0)
        self.assertIn("cannot be set to false", undone.stderr)
        self.assertEqual(self.azj("keyvault", "show", "-n", "showVault")["properties"]["softDeleteRetentionInDays"],
                         30)

    def test_delete_recover_and_purge(self):
        self.az("keyvault", "create", "-n", "cycleVault", "-g", "myResourceGroup", "-l", "eastus",
                "--retention-days", "7")
        self.put_secret("cycleVault", "kept", "still here")
        self.az("keyvault", "delete", "-n", "cycleVault")
        gone = self.az("keyvault", "show", "-n", "cycleVault", "-g", "myResourceGroup", check=False)
        self.assertIn("ResourceNotFound", gone.stderr)
        status, body = self.data("GET", "cycleVault", "kept", self.server_token())
        self.assertEqual((status, body["error"]["code"]), (404, "VaultNotFound"))
        deleted = self.azj("keyvault", "show-deleted", "-n", "cycleVault")
        self.assertEqual(deleted["properties"]["location"], "eastus")
        self.assertTrue(deleted["properties"]["vaultId"].endswith("/resourceGroups/myResourceGroup/providers/"
                                                                 "Microsoft.KeyVault/vaults/cycleVault"))
        self.assertIn("cycleVault", [v["name"] for v in self.azj("keyvault", "list-deleted")])
        taken = self.az("keyvault", "create", "-n", "cycleVault", "-g", "myResourceGroup", "-l", "eastus",
                        "--enable-rbac-authorization", "true", check=False)
        self.assertIn("ConflictError", taken.stderr)
        self.az("keyvault", "recover", "-n", "cycleVault")
        status, got = self.data("GET", "cycleVault", "kept", self.server_token())
        self.assertEqual((status, got.get("value")), (200, "still here"),
                         "a recovered vault keeps its objects and access policies")
        self.az("keyvault", "delete", "-n", "cycleVault")
        self.az("keyvault", "purge", "-n", "cycleVault")
        self.assertNotIn("cycleVault", [v["name"] for v in self.azj("keyvault", "list-deleted")])
        self.az("keyvault", "create", "-n", "cycleVault", "-g", "myResourceGroup", "-l", "eastus")
        status, fresh = self.data("GET", "cycleVault", "kept", self.server_token())
        self.assertEqual((status, fresh["error"]["code"]), (404, "SecretNotFound"))

    def test_purge_protection_holds_until_the_scheduled_date(self):
        self.az("keyvault", "create", "-n", "keptVault", "-g", "myResourceGroup", "-l", "eastus",
                "--retention-days", "7", "--enable-purge-protection", "true")
        self.put_secret("keptVault", "s", "x")
        self.az("keyvault", "delete", "-n", "keptVault")
        refused = self.az("keyvault", "purge", "-n", "keptVault", check=False)
        self.assertIn("MethodNotAllowed", refused.stderr)
        report = admin(self.server, "POST", "/clock/advance", {"seconds": 8 * 86400}).json()
        self.assertGreaterEqual(report["vaultsPurged"], 1)
        self.assertNotIn("keptVault", [v["name"] for v in self.azj("keyvault", "list-deleted")])

    def test_a_refused_access_policy_changes_nothing(self):
        # Microsoft.KeyVault answers a policy naming a permission that does not exist with
        # BadRequest, "An invalid value was provided for 'accessPolicies'", and applies nothing of
        # the request — its other changes included.
        url = (f"{self.base}/subscriptions/{self.subscription}/resourceGroups/myResourceGroup/providers/"
               "Microsoft.KeyVault/vaults/policyCheck")
        with requests.Session() as arm:
            arm.trust_env = False
            arm.verify = self.server.ca_file
            arm.headers["Authorization"] = "Bearer " + token(self.server, self.server.authority)
            tenant = self.server.dev["tenantId"]
            made = arm.put(url + "?api-version=2022-07-01", json={
                "location": "eastus", "properties": {"tenantId": tenant, "sku": {"family": "A", "name": "standard"},
                                                     "accessPolicies": []}})
            self.assertEqual(made.status_code, 200, made.text)
            bad = [{"tenantId": tenant, "objectId": self.me, "permissions": {"secrets": ["get", " list"]}}]
            for method, path, body in (
                    ("PATCH", "", {"tags": {"changed": "yes"}, "properties": {"accessPolicies": bad}}),
                    ("PUT", "", {"location": "eastus", "tags": {"changed": "yes"},
                                 "properties": {"tenantId": tenant, "sku": {"family": "A", "name": "standard"},
                                                "accessPolicies": bad}}),
                    ("PUT", "/accessPolicies/add", {"properties": {"accessPolicies": bad}})):
                r = arm.request(method, url + path + "?api-version=2022-07-01", json=body)
                self.assertEqual(r.status_code, 400, r.text)
                self.assertEqual(r.json()["error"]["code"], "BadRequest")
                self.assertIn("An invalid value was provided for 'accessPolicies'", r.json()["error"]["message"])
            shown = arm.get(url + "?api-version=2022-07-01").json()
            self.assertEqual(shown["tags"], {}, "the refused requests changed no tag")
            self.assertEqual(shown["properties"]["accessPolicies"], [])

    def test_arm_vault_errors(self):
        base = f"/subscriptions/{self.subscription}/resourceGroups/myResourceGroup/providers/Microsoft.KeyVault/vaults"
        tenant = self.server.dev["tenantId"]

        def put(name, body):
            out = self.az("rest", "--method", "put", "--url", f"{base}/{name}?api-version=2022-07-01",
                          "--body", json.dumps(body), check=False)
            return out.returncode, out.stderr

        good = {"location": "eastus", "properties": {"tenantId": tenant, "sku": {"family": "A", "name": "standard"},
                                                     "accessPolicies": []}}
        self.assertIn("VaultNameNotValid", put("bad--name", good)[1])
        self.assertIn("LocationRequired", put("errVault", {"properties": good["properties"]})[1])
        wrong_tenant = json.loads(json.dumps(good))
        wrong_tenant["properties"]["tenantId"] = str(uuid.uuid4())
        self.assertIn("BadRequest", put("errVault", wrong_tenant)[1])
        long_retention = json.loads(json.dumps(good))
        long_retention["properties"]["softDeleteRetentionInDays"] = 100
        self.assertIn("BadRequest", put("errVault", long_retention)[1])
        bad_policy = json.loads(json.dumps(good))
        bad_policy["properties"]["accessPolicies"] = [{"tenantId": tenant, "objectId": self.me,
                                                       "permissions": {"secrets": ["fly"]}}]
        self.assertIn("not a secret permission", put("errVault", bad_policy)[1])
        no_group = self.az("rest", "--method", "put", "--url", base.replace("myResourceGroup", "noGroup") +
                           "/errVault?api-version=2022-07-01", "--body", json.dumps(good), check=False)
        self.assertIn("ResourceGroupNotFound", no_group.stderr)
        # Nothing of the refused requests was made.
        names = [v["name"] for v in self.azj("keyvault", "list")]
        self.assertNotIn("errVault", names)
        # Names are free or taken as checkNameAvailability says.
        url = f"/subscriptions/{self.subscription}/providers/Microsoft.KeyVault/checkNameAvailability" \
              "?api-version=2022-07-01"
        free = json.loads(self.az("rest", "--method", "post", "--url", url, "--body",
                                  json.dumps({"name": "errVault", "type": "Microsoft.KeyVault/vaults"})).stdout)
        self.assertEqual(free, {"nameAvailable": True})
        taken = json.loads(self.az("rest", "--method", "post", "--url", url, "--body",
                                   json.dumps({"name": "DEV", "type": "Microsoft.KeyVault/vaults"})).stdout)
        self.assertEqual((taken["nameAvailable"], taken["reason"]), (False, "AlreadyExists"))
        invalid = json.loads(self.az("rest", "--method", "post", "--url", url, "--body",
                                     json.dumps({"name": "-x", "type": "Microsoft.KeyVault/vaults"})).stdout)
        self.assertEqual(invalid["reason"], "AccountNameInvalid")
        # A principal without a control-plane role may not create vaults.
        sp = admin(self.server, "POST", "/service-principals", {"displayName": "arm-nobody"}).json()
        canary(sp["clientSecret"])
        t = requests.post(f"{self.base}/adfs/oauth2/token", verify=self.server.ca_file, data={
            "grant_type": "client_credentials", "client_id": sp["clientId"], "client_secret": sp["clientSecret"],
            "scope": self.server.authority + "/.default"}).json()["access_token"]
        r = requests.put(f"{self.base}{base}/errVault?api-version=2022-07-01", json=good, verify=self.server.ca_file,
                         headers={"Authorization": "Bearer " + t})
        self.assertEqual(r.status_code, 403, r.text)

    def test_role_management_at_arm_scopes(self):
        sub = f"/subscriptions/{self.subscription}"
        secrets_user = "4633458b-17de-408a-b874-0445c86b69e6"
        role_id = f"{sub}/providers/Microsoft.Authorization/roleDefinitions/{secrets_user}"
        # What `az role definition list --name` would send (Debian's az fails client-side; az rest sends it).
        found = json.loads(self.az("rest", "--method", "get", "--url",
                                   f"{sub}/providers/Microsoft.Authorization/roleDefinitions",
                                   "--url-parameters", "api-version=2022-04-01",
                                   "$filter=roleName eq 'Key Vault Secrets User'").stdout)["value"]
        self.assertEqual([(d["id"], d["properties"]["type"]) for d in found], [(role_id, "BuiltInRole")])
        self.az("keyvault", "create", "-n", "roleVault", "-g", "myResourceGroup", "-l", "eastus",
                "--enable-rbac-authorization", "true")
        self.put_secret("roleVault", "s", "x")
        self.put_secret("roleVault", "other", "y")
        sp, bearer = self.principal("role-user")
        self.assertEqual(self.data("GET", "roleVault", "s", bearer)[0], 403)
        vault_id = f"{sub}/resourceGroups/myResourceGroup/providers/Microsoft.KeyVault/vaults/roleVault"

        def assign(scope):
            name = str(uuid.uuid4())
            url = f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01"
            body = {"properties": {"roleDefinitionId": role_id, "principalId": sp["objectId"],
                                   "principalType": "ServicePrincipal"}}
            return json.loads(self.az("rest", "--method", "put", "--url", url, "--body", json.dumps(body)).stdout)

        # At the vault: its secrets, as the data-plane rbac.json API of the vault shows too.
        at_vault = assign(vault_id)
        self.assertEqual(at_vault["properties"]["scope"], vault_id)
        self.assertEqual(at_vault["id"], f"{vault_id}/providers/Microsoft.Authorization/roleAssignments/"
                                         f"{at_vault['name']}")
        self.assertEqual(at_vault["properties"]["principalType"], "ServicePrincipal")
        self.assertEqual(self.data("GET", "roleVault", "s", bearer)[0], 200)
        shown = requests.get(f"https://rolevault.{self.vault_suffix}/providers/Microsoft.Authorization/"
                             "roleAssignments?api-version=7.4", verify=self.server.ca_file,
                             headers={"Authorization": "Bearer " + self.server_token()}).json()["value"]
        self.assertIn(at_vault["name"], [a["name"] for a in shown])
        listed = json.loads(self.az("rest", "--method", "get", "--url",
                                    f"{vault_id}/providers/Microsoft.Authorization/roleAssignments"
                                    "?api-version=2022-04-01&$filter=atScope()").stdout)["value"]
        self.assertIn(at_vault["id"], [a["id"] for a in listed])
        # az itself can delete by id.
        self.az("role", "assignment", "delete", "--ids", at_vault["id"])
        self.assertEqual(self.data("GET", "roleVault", "s", bearer)[0], 403)
        # At one secret: that secret only.
        at_secret = assign(f"{vault_id}/secrets/s")
        self.assertEqual(self.data("GET", "roleVault", "s", bearer)[0], 200)
        self.assertEqual(self.data("GET", "roleVault", "other", bearer)[0], 403)
        self.az("rest", "--method", "delete", "--url", at_secret["id"] + "?api-version=2022-04-01")
        # At the resource group: every vault in it, none elsewhere.
        at_group = assign(f"{sub}/resourceGroups/myResourceGroup")
        self.assertEqual(at_group["properties"]["scope"], f"{sub}/resourceGroups/myresourcegroup")
        self.assertEqual(self.data("GET", "roleVault", "other", bearer)[0], 200)
        self.put_secret("dev", "outside", "z")
        self.assertEqual(self.data("GET", "dev", "outside", bearer)[0], 403, "dev is in the built-in group")
        self.az("rest", "--method", "delete", "--url", at_group["id"] + "?api-version=2022-04-01")
        self.assertEqual(self.data("GET", "roleVault", "other", bearer)[0], 403)
        # Scopes outside Coffer's model are refused in ARM's shape.
        bad = self.az("rest", "--method", "get", "--url",
                      f"{sub}/resourceGroups/g/providers/Microsoft.Web/sites/x/providers/Microsoft.Authorization"
                      "/roleAssignments?api-version=2022-04-01", check=False)
        self.assertIn("InvalidScope", bad.stderr)

    def test_management_sdks(self):
        """Debian's azure-mgmt-keyvault and azure-mgmt-authorization against the same surface."""
        from azure.mgmt.authorization import AuthorizationManagementClient
        from azure.mgmt.keyvault import KeyVaultManagementClient
        from coffer_server import credential
        cred = credential(self.server)
        scopes = [self.server.authority + "/.default"]
        kv = KeyVaultManagementClient(cred, self.subscription, base_url=self.base, credential_scopes=scopes,
                                      connection_verify=self.server.ca_file)
        made = kv.vaults.begin_create_or_update("myResourceGroup", "sdkVault", {
            "location": "eastus", "properties": {"tenant_id": self.server.dev["tenantId"],
                                                 "sku": {"family": "A", "name": "premium"},
                                                 "enable_rbac_authorization": True}}).result()
        self.assertEqual((made.name, made.properties.sku.name), ("sdkVault", "premium"))
        self.assertEqual(made.properties.vault_uri, f"https://sdkvault.{self.vault_suffix}/")
        self.assertIn("sdkVault", [v.name for v in kv.vaults.list_by_resource_group("myResourceGroup")])
        kv.vaults.delete("myResourceGroup", "sdkVault")
        self.assertEqual([v.name for v in kv.vaults.list_deleted() if v.name == "sdkVault"], ["sdkVault"])
        kv.vaults.begin_purge_deleted("sdkVault", "eastus").result()
        self.assertEqual(kv.vaults.check_name_availability({"name": "sdkVault"}).name_available, True)
        auth = AuthorizationManagementClient(cred, self.subscription, base_url=self.base, credential_scopes=scopes,
                                             connection_verify=self.server.ca_file)
        roles = list(auth.role_definitions.list(f"/subscriptions/{self.subscription}",
                                                filter="roleName eq 'Key Vault Contributor'"))
        self.assertEqual([r.role_name for r in roles], ["Key Vault Contributor"])
        kv.close()
        auth.close()


if __name__ == "__main__":
    unittest.main()
