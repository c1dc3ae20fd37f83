"""Role-based access control against a real dev server: service principals made
through the admin API and driven by Debian's azure-keyvault-secrets, role
assignments made through the rbac.json routes with plain requests and with
azure-keyvault-administration's KeyVaultAccessControlClient, and groups."""
import json
import os
import subprocess
import unittest
import uuid

import requests
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient

from coffer_server import COFFER_BIN, CofferServer, admin, canary, credential

SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
KV_ADMIN = "00482a5a-887f-4fb3-b363-3b7fe8e74483"
VAULT = "rbac"


class RbacTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = CofferServer().start()
        try:
            cls.session = requests.Session()
            cls.session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
            cls.session.verify = cls.server.ca_file
            r = cls.admin("PUT", f"/vaults/{VAULT}", {})
            assert r.status_code == 201, r.text
            cls.admin_client = SecretClient(cls.server.vault_url(VAULT), credential(cls.server),
                                            connection_verify=cls.server.ca_file)
            for name in ("one", "two"):
                cls.admin_client.set_secret(name, f"value of {name}")
        except BaseException:
            cls.server.cleanup()  # tearDownClass does not run when setUpClass fails
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    # -- helpers ---------------------------------------------------------------------------------------
    @classmethod
    def token(cls, resource, client_id=None, client_secret=None):
        client_id = client_id or cls.server.dev["clientId"]
        client_secret = client_secret or cls.server.dev["clientSecret"]
        r = cls.session.post(f"{cls.server.authority}/adfs/oauth2/token", data={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret,
            "scope": resource + "/.default"})
        r.raise_for_status()
        return r.json()["access_token"]

    @classmethod
    def admin(cls, method, path, body=None, sp=None):
        t = cls.token(cls.server.authority, *(sp or (None, None)))
        return cls.session.request(method, cls.server.authority + "/coffer/admin" + path, json=body,
                                   headers={"Authorization": "Bearer " + t})

    @classmethod
    def rbac(cls, method, scope, collection, name="", body=None, query="", host=None):
        """A request to /{scope}/providers/Microsoft.Authorization/{collection}[/{name}], scope unencoded."""
        base = host or cls.server.authority
        resource = cls.server.authority if host is None else f"https://vault.localhost:{cls.server.port}"
        url = f"{base}/{scope}/providers/Microsoft.Authorization/{collection}" + (f"/{name}" if name else "")
        url += "?api-version=7.4" + (f"&$filter={query}" if query else "")
        return cls.session.request(method, url, json=body,
                                   headers={"Authorization": "Bearer " + cls.token(resource)})

    def new_principal(self, name):
        r = self.admin("POST", "/service-principals", {"displayName": name})
        self.assertEqual(r.status_code, 201, r.text)
        canary(r.json()["clientSecret"])  # stored only as a password hash
        return r.json()

    def client_for(self, sp, vault=VAULT):
        cred = ClientSecretCredential("adfs", sp["clientId"], sp["clientSecret"], authority=self.server.authority,
                                      connection_verify=self.server.ca_file)
        return SecretClient(self.server.vault_url(vault), cred, connection_verify=self.server.ca_file)

    def assign(self, principal_id, role, scope):
        name = str(uuid.uuid4())
        r = self.rbac("PUT", scope, "roleAssignments", name,
                      {"properties": {"roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{role}",
                                      "principalId": principal_id}})
        self.assertEqual(r.status_code, 201, r.text)
        return name

    def unassign(self, name, scope="/"):
        r = self.rbac("DELETE", scope, "roleAssignments", name)
        self.assertEqual(r.status_code, 200, r.text)

    def assertForbidden(self, call, action):
        with self.assertRaises(HttpResponseError) as cm:
            call()
        e = cm.exception
        self.assertEqual(e.status_code, 403)
        body = json.loads(e.response.text())
        self.assertEqual(body["error"]["code"], "Forbidden")
        self.assertEqual(body["error"]["innererror"]["code"], "ForbiddenByRbac")
        self.assertIn(f"Action: '{action}'", body["error"]["message"])
        self.assertIn("Assignment: (not found)", body["error"]["message"])
        self.assertIn("DecisionReason: 'DeniedWithNoValidRBAC'", body["error"]["message"])
        return body

    # -- tests -----------------------------------------------------------------------------------------
    def test_new_principal_is_denied_everything(self):
        sp = self.new_principal("nobody")
        client = self.client_for(sp)
        body = self.assertForbidden(lambda: client.get_secret("one"),
                                    "Microsoft.KeyVault/vaults/secrets/getSecret/action")
        self.assertIn(f"oid={sp['objectId']}", body["error"]["message"])
        self.assertIn(f"appid={sp['clientId']}", body["error"]["message"])
        self.assertIn(f"Resource: '/vaults/{VAULT}/secrets/one'", body["error"]["message"])
        self.assertForbidden(lambda: list(client.list_properties_of_secrets()),
                             "Microsoft.KeyVault/vaults/secrets/readMetadata/action")
        self.assertForbidden(lambda: client.set_secret("x", "y"),
                             "Microsoft.KeyVault/vaults/secrets/setSecret/action")
        # ...and the admin API.
        r = self.admin("GET", "/vaults", sp=(sp["clientId"], sp["clientSecret"]))
        self.assertEqual(r.status_code, 403, r.text)
        self.assertEqual(r.json()["error"]["innererror"]["code"], "ForbiddenByRbac")
        self.assertIn("Action: 'Coffer/vaults/read'", r.json()["error"]["message"])

    def test_secrets_user_reads_but_cannot_write(self):
        sp = self.new_principal("reader")
        name = self.assign(sp["objectId"], SECRETS_USER, f"/vaults/{VAULT}")
        client = self.client_for(sp)
        self.assertEqual(client.get_secret("one").value, "value of one")
        self.assertIn("two", {p.name for p in client.list_properties_of_secrets()})
        self.assertForbidden(lambda: client.set_secret("one", "overwritten"),
                             "Microsoft.KeyVault/vaults/secrets/setSecret/action")
        self.assertForbidden(lambda: client.begin_delete_secret("one"), "Microsoft.KeyVault/vaults/secrets/delete")
        self.assertEqual(self.admin_client.get_secret("one").value, "value of one")
        # The grant is for this vault only.
        self.assertForbidden(lambda: self.client_for(sp, "dev").get_secret("one"),
                             "Microsoft.KeyVault/vaults/secrets/getSecret/action")
        # Revoking takes effect at once, even for a token already held.
        self.unassign(name)
        self.assertForbidden(lambda: client.get_secret("one"), "Microsoft.KeyVault/vaults/secrets/getSecret/action")

    def test_deleting_a_vault_deletes_its_role_assignments(self):
        sp = self.new_principal("vault-scoped")
        r = admin(self.server, "PUT", "/vaults/short-lived", {"retentionDays": 7})
        self.assertEqual(r.status_code, 201, r.text)
        self.assign(sp["objectId"], SECRETS_USER, "/vaults/short-lived")
        self.assign(sp["objectId"], SECRETS_USER, "/vaults/short-lived/secrets/x")
        kept = self.assign(sp["objectId"], SECRETS_USER, f"/vaults/{VAULT}/secrets/one")
        self.assertEqual(admin(self.server, "DELETE", "/vaults/short-lived").status_code, 204)
        r = admin(self.server, "PUT", "/vaults/short-lived", {"retentionDays": 7})  # same name again
        self.assertEqual(r.status_code, 201, r.text)
        SecretClient(self.server.vault_url("short-lived"), credential(self.server),
                     connection_verify=self.server.ca_file).set_secret("x", "new vault's secret")
        self.assertForbidden(lambda: self.client_for(sp, "short-lived").get_secret("x"),
                             "Microsoft.KeyVault/vaults/secrets/getSecret/action")
        listed = self.rbac("GET", "", "roleAssignments", query=f"principalId eq '{sp['objectId']}'").json()["value"]
        self.assertEqual({a["name"] for a in listed}, {kept})

    def test_single_secret_assignment_sees_only_that_secret(self):
        sp = self.new_principal("one-secret")
        self.assign(sp["objectId"], SECRETS_USER, f"/vaults/{VAULT}/secrets/one")
        client = self.client_for(sp)
        self.assertEqual(client.get_secret("one").value, "value of one")
        self.assertEqual(client.get_secret("ONE").value, "value of one")  # names are case-insensitive
        self.assertEqual(len(list(client.list_properties_of_secret_versions("one"))), 1)
        self.assertForbidden(lambda: client.get_secret("two"), "Microsoft.KeyVault/vaults/secrets/getSecret/action")
        body = self.assertForbidden(lambda: list(client.list_properties_of_secrets()),
                                    "Microsoft.KeyVault/vaults/secrets/readMetadata/action")
        self.assertIn(f"Resource: '/vaults/{VAULT}'", body["error"]["message"])

    def test_group_grant_takes_effect_and_revokes(self):
        sp = self.new_principal("team-member")
        r = self.admin("POST", "/groups", {"displayName": "secret-readers"})
        self.assertEqual(r.status_code, 201, r.text)
        group = r.json()
        name = self.assign(group["objectId"], SECRETS_USER, f"/vaults/{VAULT}")
        client = self.client_for(sp)
        self.assertForbidden(lambda: client.get_secret("two"), "Microsoft.KeyVault/vaults/secrets/getSecret/action")
        r = self.admin("PUT", f"/groups/{group['objectId']}/members/{sp['clientId']}")  # by client id
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.json()["members"], [sp["objectId"]])
        self.assertEqual(client.get_secret("two").value, "value of two")
        r = self.admin("DELETE", f"/groups/{group['objectId']}/members/{sp['objectId']}")
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.json()["members"], [])
        self.assertForbidden(lambda: client.get_secret("two"), "Microsoft.KeyVault/vaults/secrets/getSecret/action")
        self.admin("PUT", f"/groups/{group['objectId']}/members/{sp['objectId']}")
        self.assertEqual(client.get_secret("two").value, "value of two")
        self.unassign(name)
        self.assertForbidden(lambda: client.get_secret("two"), "Microsoft.KeyVault/vaults/secrets/getSecret/action")
        self.assertIn(group["objectId"], {g["objectId"] for g in self.admin("GET", "/groups").json()["value"]})
        self.assertEqual(self.admin("DELETE", f"/groups/{group['objectId']}").status_code, 204)
        self.assertEqual(self.admin("GET", f"/groups/{group['objectId']}").status_code, 404)

    def test_role_assignment_crud_with_plain_requests(self):
        sp = self.new_principal("crud")
        name = str(uuid.uuid4())
        body = {"properties": {"roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{SECRETS_USER}",
                               "principalId": sp["objectId"]}}
        r = self.rbac("PUT", "/vaults/" + VAULT, "roleAssignments", name, body)
        self.assertEqual(r.status_code, 201, r.text)
        a = r.json()
        self.assertEqual(a, {
            "id": f"/vaults/{VAULT}/providers/Microsoft.Authorization/roleAssignments/{name}",
            "name": name, "type": "Microsoft.Authorization/roleAssignments",
            "properties": {"scope": f"/vaults/{VAULT}",
                           "roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{SECRETS_USER}",
                           "principalId": sp["objectId"]}})
        r = self.rbac("PUT", "/vaults/" + VAULT, "roleAssignments", name, body)  # same PUT again
        self.assertEqual(r.status_code, 201, r.text)
        r = self.rbac("PUT", "/vaults/" + VAULT, "roleAssignments", str(uuid.uuid4()), body)
        self.assertEqual(r.status_code, 409, r.text)
        self.assertEqual(r.json()["error"]["code"], "RoleAssignmentExists")
        self.assertEqual(self.rbac("GET", "/vaults/" + VAULT, "roleAssignments", name).json(), a)
        # Lists: principalId filter; atScope() at "/" shows only "/" assignments (the dev admin's).
        listed = self.rbac("GET", "", "roleAssignments", query=f"principalId eq '{sp['objectId']}'").json()
        self.assertEqual([x["name"] for x in listed["value"]], [name])
        at_root = self.rbac("GET", "", "roleAssignments", query="atScope()").json()["value"]
        self.assertTrue(at_root)
        self.assertTrue(all(x["properties"]["scope"] == "/" for x in at_root))
        at_vault = self.rbac("GET", "/vaults/" + VAULT, "roleAssignments", query="atScope()").json()["value"]
        self.assertIn(name, {x["name"] for x in at_vault})
        self.assertEqual(self.rbac("GET", "", "roleAssignments", query="bogus").status_code, 400)
        # Delete answers with the deleted assignment; then it is gone.
        r = self.rbac("DELETE", "/vaults/" + VAULT, "roleAssignments", name)
        self.assertEqual((r.status_code, r.json()), (200, a))
        r = self.rbac("GET", "/vaults/" + VAULT, "roleAssignments", name)
        self.assertEqual(r.status_code, 404)
        self.assertEqual(r.json()["error"]["code"], "RoleAssignmentNotFound")
        # Bad input.
        r = self.rbac("PUT", "/vaults/" + VAULT, "roleAssignments", "not-a-guid", body)
        self.assertEqual(r.status_code, 400, r.text)
        r = self.rbac("PUT", "/keys", "roleAssignments", str(uuid.uuid4()), body)
        self.assertEqual(r.status_code, 400, r.text)
        # On a vault host, the scope is relative to the vault.
        vault_host = self.server.vault_url(VAULT)
        r = self.rbac("PUT", "/secrets/one", "roleAssignments", name, body, host=vault_host)
        self.assertEqual(r.status_code, 201, r.text)
        self.assertEqual(r.json()["properties"]["scope"], f"/vaults/{VAULT}/secrets/one")
        self.assertEqual(self.rbac("DELETE", "/", "roleAssignments", name, host=vault_host).status_code, 200)

    def test_role_definitions(self):
        r = self.rbac("GET", "", "roleDefinitions")
        self.assertEqual(r.status_code, 200, r.text)
        roles = {d["properties"]["roleName"]: d for d in r.json()["value"]}
        user = roles["Key Vault Secrets User"]
        self.assertEqual(user["name"], SECRETS_USER)
        self.assertEqual(user["id"], f"/providers/Microsoft.Authorization/roleDefinitions/{SECRETS_USER}")
        self.assertEqual(user["type"], "Microsoft.Authorization/roleDefinitions")
        self.assertEqual(user["properties"]["type"], "AKVBuiltInRole")
        self.assertEqual(user["properties"]["permissions"][0]["dataActions"],
                         ["Microsoft.KeyVault/vaults/secrets/getSecret/action",
                          "Microsoft.KeyVault/vaults/secrets/readMetadata/action"])
        for role in ("Key Vault Administrator", "Key Vault Reader", "Key Vault Secrets Officer",
                     "Key Vault Crypto Officer", "Key Vault Crypto User", "Key Vault Crypto Service Encryption User",
                     "Key Vault Crypto Service Release User", "Key Vault Certificates Officer",
                     "Key Vault Certificate User", "Key Vault Data Access Administrator", "Coffer Administrator"):
            self.assertIn(role, roles)
        self.assertEqual(self.rbac("GET", "", "roleDefinitions", SECRETS_USER).json(), user)
        # A custom role: set secrets but never read them.
        rid = str(uuid.uuid4())
        custom = {"properties": {"roleName": "Secret Depositor", "description": "write-only", "type": "CustomRole",
                                 "permissions": [{"dataActions": ["Microsoft.KeyVault/vaults/secrets/*"],
                                                  "notDataActions": ["Microsoft.KeyVault/vaults/secrets/getSecret/action"]}],
                                 "assignableScopes": [f"/vaults/{VAULT}"]}}
        r = self.rbac("PUT", "", "roleDefinitions", rid, custom)
        self.assertEqual(r.status_code, 201, r.text)
        self.assertEqual(r.json()["properties"]["type"], "CustomRole")
        sp = self.new_principal("depositor")
        name = self.assign(sp["objectId"], rid, f"/vaults/{VAULT}")
        client = self.client_for(sp)
        client.set_secret("deposited", "v")
        self.assertForbidden(lambda: client.get_secret("deposited"), "Microsoft.KeyVault/vaults/secrets/getSecret/action")
        r = self.rbac("DELETE", "", "roleDefinitions", rid)
        self.assertEqual(r.status_code, 409, r.text)
        self.assertEqual(r.json()["error"]["code"], "RoleDefinitionHasAssignments")
        self.unassign(name)
        self.assertEqual(self.rbac("DELETE", "", "roleDefinitions", rid).status_code, 200)
        self.assertEqual(self.rbac("GET", "", "roleDefinitions", rid).status_code, 404)
        # Built-in GUIDs cannot be reused.
        r = self.rbac("PUT", "", "roleDefinitions", SECRETS_USER, custom)
        self.assertEqual(r.status_code, 400, r.text)

    def test_role_management_needs_its_own_permission(self):
        sp = self.new_principal("kv-admin-only")
        self.assign(sp["objectId"], KV_ADMIN, "/")
        t = self.token(self.server.authority, sp["clientId"], sp["clientSecret"])
        url = (f"{self.server.authority}//providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}"
               "?api-version=7.4")
        body = {"properties": {"roleDefinitionId": KV_ADMIN, "principalId": sp["objectId"]}}
        r = self.session.put(url, json=body, headers={"Authorization": "Bearer " + t})
        self.assertEqual(r.status_code, 403, r.text)
        self.assertIn("Action: 'Microsoft.Authorization/roleAssignments/write'", r.json()["error"]["message"])
        # Key Vault Data Access Administrator may hand out Key Vault roles only.
        daa = self.new_principal("access-admin")
        self.assign(daa["objectId"], "8b54135c-b56d-4d72-a534-26097cfdc8d8", f"/vaults/{VAULT}")
        t = self.token(self.server.authority, daa["clientId"], daa["clientSecret"])
        url = (f"{self.server.authority}/vaults/{VAULT}/providers/Microsoft.Authorization/roleAssignments/"
               f"{uuid.uuid4()}?api-version=7.4")
        ok = {"properties": {"roleDefinitionId": SECRETS_OFFICER, "principalId": sp["objectId"]}}
        self.assertEqual(self.session.put(url, json=ok, headers={"Authorization": "Bearer " + t}).status_code, 201)
        bad = {"properties": {"roleDefinitionId": "c0ffe700-0000-4000-8000-00000000ad01", "principalId": daa["objectId"]}}
        url2 = url.replace(url.rsplit("/", 1)[1].split("?")[0], str(uuid.uuid4()))
        self.assertEqual(self.session.put(url2, json=bad, headers={"Authorization": "Bearer " + t}).status_code, 403)

    def test_access_control_client_sdk(self):
        from azure.keyvault.administration import KeyVaultAccessControlClient, KeyVaultRoleScope
        client = KeyVaultAccessControlClient(self.server.vault_url(VAULT), credential(self.server),
                                             connection_verify=self.server.ca_file)
        names = {d.role_name: d for d in client.list_role_definitions(KeyVaultRoleScope.GLOBAL)}
        self.assertIn("Key Vault Secrets User", names)
        sp = self.new_principal("via-sdk")
        created = client.create_role_assignment(KeyVaultRoleScope.GLOBAL, names["Key Vault Secrets User"].id,
                                                sp["objectId"])
        self.assertEqual(created.properties.scope, f"/vaults/{VAULT}")
        self.assertEqual(created.properties.principal_id, sp["objectId"])
        self.assertEqual(self.client_for(sp).get_secret("one").value, "value of one")
        got = client.get_role_assignment(KeyVaultRoleScope.GLOBAL, created.name)
        self.assertEqual(got.properties.role_definition_id, created.properties.role_definition_id)
        self.assertIn(created.name, {a.name for a in client.list_role_assignments(KeyVaultRoleScope.GLOBAL)})
        client.delete_role_assignment(KeyVaultRoleScope.GLOBAL, created.name)
        with self.assertRaises(ResourceNotFoundError):
            client.get_role_assignment(KeyVaultRoleScope.GLOBAL, created.name)

    def coffer(self, *args, check=True):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}
        p = subprocess.run([COFFER_BIN, *args, "--data-dir", self.server.data_dir], capture_output=True, text=True,
                           timeout=60, env=env)
        if check and p.returncode != 0:
            raise AssertionError(f"coffer {' '.join(args)} exited {p.returncode}: {p.stderr}")
        return json.loads(p.stdout) if check and p.stdout.strip() else p

    def test_cli_roles_and_groups(self):
        sp = self.coffer("sp", "create", "--display-name", "cli-rbac")
        client = self.client_for(sp)
        a = self.coffer("role", "assignment", "create", "--role", "key vault secrets user", "--assignee",
                        sp["clientId"], "--scope", f"/vaults/{VAULT.upper()}/secrets/one")
        self.assertEqual((a["principalId"], a["roleDefinitionName"], a["scope"]),
                         (sp["objectId"], "Key Vault Secrets User", f"/vaults/{VAULT}/secrets/one"))
        self.assertEqual(client.get_secret("one").value, "value of one")
        listed = self.coffer("role", "assignment", "list", "--assignee", sp["objectId"])
        self.assertEqual([x["name"] for x in listed], [a["name"]])
        self.coffer("role", "assignment", "delete", "--assignee", sp["clientId"], "--role", SECRETS_USER,
                    "--scope", f"/vaults/{VAULT}/secrets/one")
        self.assertEqual(self.coffer("role", "assignment", "list", "--assignee", sp["clientId"]), [])
        self.assertForbidden(lambda: client.get_secret("one"), "Microsoft.KeyVault/vaults/secrets/getSecret/action")
        # A group grant through the CLI, then revoked by removing the member.
        g = self.coffer("group", "create", "--display-name", "cli-team")
        self.coffer("group", "member", "add", "--group", g["objectId"], "--member-id", sp["clientId"])
        self.assertEqual(self.coffer("group", "member", "list", "--group", g["objectId"]), [sp["objectId"]])
        self.coffer("role", "assignment", "create", "--role", "Key Vault Secrets Officer", "--assignee", g["objectId"],
                    "--scope", f"/vaults/{VAULT}")
        client.set_secret("from-cli-team", "v")
        self.coffer("group", "member", "remove", "--group", g["objectId"], "--member-id", sp["objectId"])
        self.assertForbidden(lambda: client.set_secret("from-cli-team", "w"),
                             "Microsoft.KeyVault/vaults/secrets/setSecret/action")
        self.coffer("group", "delete", "--group", g["objectId"])
        self.assertNotIn(g["objectId"], {x["objectId"] for x in self.coffer("group", "list")})
        # Role definitions.
        names = [d["properties"]["roleName"] for d in self.coffer("role", "definition", "list")]
        self.assertIn("Key Vault Data Access Administrator", names)
        shown = self.coffer("role", "definition", "show", "--name", SECRETS_USER)
        self.assertEqual(shown["properties"]["roleName"], "Key Vault Secrets User")
        made = self.coffer("role", "definition", "create", "--role-definition", json.dumps(
            {"Name": "CLI Lister", "Description": "list only",
             "DataActions": ["Microsoft.KeyVault/vaults/secrets/readMetadata/action"],
             "AssignableScopes": [f"/vaults/{VAULT}"]}))
        self.assertEqual(made["properties"]["assignableScopes"], [f"/vaults/{VAULT}"])
        self.assertEqual(len(self.coffer("role", "definition", "list", "--custom-role-only")), 1)
        self.coffer("role", "definition", "delete", "--name", "CLI Lister")
        self.assertEqual(self.coffer("role", "definition", "list", "--custom-role-only"), [])
        p = self.coffer("role", "assignment", "create", "--role", "No Such Role", "--assignee", sp["clientId"],
                        check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("doesn't exist", p.stderr)


if __name__ == "__main__":
    unittest.main()
