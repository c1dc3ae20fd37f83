"""Every operation of the AKV data plane (the 7.4 and 2025-07-01 specs' 82 paths and methods),
Coffer's own data-plane, admin, ARM, Graph and token endpoints, each sent bodies and query
strings of the wrong shape: no answer is a 5xx or a dropped connection, every refusal carries an
error body (AKV's {"error": {"code", "message"}}, OAuth's {"error": "..."} at the token
endpoints) and, for a body that is not a JSON object, its API's code (AKV BadParameter, ARM
InvalidRequestContent, Graph Request_BadRequest), an operation whose body the spec requires
refuses every body that is not a JSON object, and the server goes on serving."""
import json
import time
import unittest
import uuid

import requests

from coffer_server import CofferServer, token

# (method, path, body required): from ../shared/akv-api/{7.4,2025-07-01}/*.json, every
# operation once ("in": "body", "required": true).
AKV_OPERATIONS = [
    ("POST", "/backup", True),
    ("GET", "/backup/{jobId}/pending", False),
    ("GET", "/certificates", False),
    ("GET", "/certificates/contacts", False),
    ("PUT", "/certificates/contacts", True),
    ("GET", "/certificates/issuers", False),
    ("GET", "/certificates/issuers/{issuer-name}", False),
    ("PATCH", "/certificates/issuers/{issuer-name}", True),
    ("PUT", "/certificates/issuers/{issuer-name}", True),
    ("POST", "/certificates/restore", True),
    ("POST", "/certificates/{certificate-name}/backup", False),
    ("POST", "/certificates/{certificate-name}/create", True),
    ("POST", "/certificates/{certificate-name}/import", True),
    ("GET", "/certificates/{certificate-name}/pending", False),
    ("PATCH", "/certificates/{certificate-name}/pending", True),
    ("POST", "/certificates/{certificate-name}/pending/merge", True),
    ("GET", "/certificates/{certificate-name}/policy", False),
    ("PATCH", "/certificates/{certificate-name}/policy", True),
    ("GET", "/certificates/{certificate-name}/versions", False),
    ("GET", "/certificates/{certificate-name}/{certificate-version}", False),
    ("PATCH", "/certificates/{certificate-name}/{certificate-version}", True),
    ("GET", "/deletedcertificates", False),
    ("GET", "/deletedcertificates/{certificate-name}", False),
    ("POST", "/deletedcertificates/{certificate-name}/recover", False),
    ("GET", "/deletedkeys", False),
    ("GET", "/deletedkeys/{key-name}", False),
    ("POST", "/deletedkeys/{key-name}/recover", False),
    ("GET", "/deletedsecrets", False),
    ("GET", "/deletedsecrets/{secret-name}", False),
    ("POST", "/deletedsecrets/{secret-name}/recover", False),
    ("GET", "/keys", False),
    ("POST", "/keys/restore", True),
    ("PUT", "/keys/{key-name}", True),
    ("POST", "/keys/{key-name}/backup", False),
    ("POST", "/keys/{key-name}/create", True),
    ("POST", "/keys/{key-name}/rotate", False),
    ("GET", "/keys/{key-name}/rotationpolicy", False),
    ("PUT", "/keys/{key-name}/rotationpolicy", True),
    ("GET", "/keys/{key-name}/versions", False),
    ("GET", "/keys/{key-name}/{key-version}", False),
    ("PATCH", "/keys/{key-name}/{key-version}", True),
    ("GET", "/keys/{key-name}/{key-version}/attestation", False),
    ("POST", "/keys/{key-name}/{key-version}/decrypt", True),
    ("POST", "/keys/{key-name}/{key-version}/encrypt", True),
    ("POST", "/keys/{key-name}/{key-version}/release", True),
    ("POST", "/keys/{key-name}/{key-version}/sign", True),
    ("POST", "/keys/{key-name}/{key-version}/unwrapkey", True),
    ("POST", "/keys/{key-name}/{key-version}/verify", True),
    ("POST", "/keys/{key-name}/{key-version}/wrapkey", True),
    ("PUT", "/keys/{keyName}/restore", True),
    ("POST", "/prebackup", True),
    ("PUT", "/prerestore", True),
    ("PUT", "/restore", True),
    ("GET", "/restore/{jobId}/pending", False),
    ("POST", "/rng", True),
    ("GET", "/secrets", False),
    ("POST", "/secrets/restore", True),
    ("PUT", "/secrets/{secret-name}", True),
    ("POST", "/secrets/{secret-name}/backup", False),
    ("GET", "/secrets/{secret-name}/versions", False),
    ("GET", "/secrets/{secret-name}/{secret-version}", False),
    ("PATCH", "/secrets/{secret-name}/{secret-version}", True),
    ("GET", "/settings", False),
    ("GET", "/settings/{setting-name}", False),
    ("PATCH", "/settings/{setting-name}", True),
    ("GET", "/{scope}/providers/Microsoft.Authorization/roleAssignments", False),
    ("GET", "/{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}", False),
    ("PUT", "/{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}", True),
    ("GET", "/{scope}/providers/Microsoft.Authorization/roleDefinitions", False),
    ("GET", "/{scope}/providers/Microsoft.Authorization/roleDefinitions/{roleDefinitionName}", False),
    ("PUT", "/{scope}/providers/Microsoft.Authorization/roleDefinitions/{roleDefinitionName}", True),
    # Deletes last: the objects above stay for the other operations.
    ("DELETE", "/certificates/contacts", False),
    ("DELETE", "/certificates/issuers/{issuer-name}", False),
    ("DELETE", "/certificates/{certificate-name}/pending", False),
    ("DELETE", "/{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}", False),
    ("DELETE", "/{scope}/providers/Microsoft.Authorization/roleDefinitions/{roleDefinitionName}", False),
    ("DELETE", "/certificates/{certificate-name}", False),
    ("DELETE", "/keys/{key-name}", False),
    ("DELETE", "/secrets/{secret-name}", False),
    ("DELETE", "/deletedcertificates/{certificate-name}", False),
    ("DELETE", "/deletedkeys/{key-name}", False),
    ("DELETE", "/deletedsecrets/{secret-name}", False),
]

# Coffer's data-plane additions (secret rotation, the change feed, batch reads).
COFFER_DATA_PLANE = [
    ("GET", "/secrets/{secret-name}/rotationpolicy", False),
    ("PUT", "/secrets/{secret-name}/rotationpolicy", True),
    ("POST", "/secrets/{secret-name}/rotate", False),
    ("GET", "/secrets/{secret-name}/rotation", False),
    ("GET", "/coffer/changes", False),
    ("POST", "/coffer/batchget", True),
]

NOT_AN_OBJECT = [
    b"",
    b"null",
    b"[]",
    b'"a string"',
    b"42",
    b'{"value": "cut off',
    b"[" * 5000 + b"]" * 5000,
    b'{"value": "\xff\xfe not UTF-8"}',
    b'{"a": 1} trailing',
]
# Objects of the wrong shape: every field a parser reads, of the wrong type or out of range.
WRONG_SHAPES = [
    b"{}",
    json.dumps({"value": 1, "attributes": "x", "tags": [], "contentType": {}, "kty": 7, "alg": [], "key_ops": "sign",
                "key_size": -1, "crv": None, "policy": [], "x509_props": 1, "issuer": "x", "permissions": "all",
                "properties": [], "roleDefinitionId": 5, "principalId": {}, "contacts": "x", "x5c": "y",
                "lifetimeActions": {}, "attributes_": None, "count": "ten", "target": 3, "ids": "x"}).encode(),
    json.dumps({"attributes": {"exp": 1e300, "nbf": -1e300, "enabled": "yes"}, "tags": {"t": 1},
                "key_size": 10 ** 30, "count": 10 ** 30, "value": "x" * 70000}).encode(),
    json.dumps({"value": "\u0000\ud7ff", "tags": {"": ""}, "contentType": "x" * 10000,
                "properties": {"accessPolicies": [1, {"tenantId": []}], "roleDefinitionId": "/../../x"}}).encode(),
]
# Per operation: bodies that are well formed and carry a change, with one thing wrong. Refused,
# they must change nothing (sweep()'s state check).
HALF_VALID = {
    ("PATCH", "/secrets/{secret-name}/{secret-version}"): [
        {"tags": {"changed": "yes"}, "contentType": "changed", "attributes": {"exp": "tomorrow"}},
        {"tags": {"changed": "yes"}, "attributes": {"enabled": False, "nbf": 1, "exp": "x"}}],
    ("PATCH", "/keys/{key-name}/{key-version}"): [
        {"tags": {"changed": "yes"}, "key_ops": ["sign", "fly"]},
        {"tags": {"changed": "yes"}, "attributes": {"enabled": "no"}}],
    ("PATCH", "/certificates/{certificate-name}/{certificate-version}"): [
        {"tags": {"changed": "yes"}, "attributes": {"enabled": "no"}},
        {"tags": {"changed": "yes"}, "policy": {"key_props": {"kty": "RSA", "key_size": 7}}}],
    ("PATCH", "/certificates/{certificate-name}/policy"): [
        {"x509_props": {"subject": "CN=changed"}, "key_props": {"kty": "RSA", "key_size": 7}},
        {"x509_props": {"subject": "CN=changed", "validity_months": -3}},
        {"x509_props": {"subject": "CN=changed"}, "lifetime_actions": [{"trigger": {}, "action": {"action_type": "X"}}]}],
    ("PUT", "/keys/{key-name}/rotationpolicy"): [
        {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P30D"}, "action": {"type": "Rotate"}},
                             {"trigger": {"timeAfterCreate": "fortnight"}, "action": {"type": "Notify"}}]},
        {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P30D"}, "action": {"type": "Rotate"}}],
         "attributes": {"expiryTime": "never"}}],
    ("PUT", "/certificates/contacts"): [{"contacts": [{"email": "changed@example.com"}, 5]}],
    ("PATCH", "/settings/{setting-name}"): [{"value": "maybe"}],
    ("PUT", "/secrets/{secret-name}/rotationpolicy"): [
        {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P30D"}, "action": {"type": "Rotate"}}],
         "rotator": {"url": "not a url"}}],
}
BAD_QUERIES = ["&maxresults=0", "&maxresults=abc", "&maxresults=99999999999999999999", "&$skiptoken=%00%ff",
               "&objectType=nothing&cursor=%ff", "&force=maybe"]


class BadBodiesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = CofferServer().start()
        cls.vault = cls.server.vault_url()
        cls.arm = cls.server.authority
        cls.data = cls.session(token(cls.server, f"https://vault.localhost:{cls.server.port}"))
        cls.manage = cls.session(token(cls.server, cls.server.authority))
        cls.problems = []
        # Objects for the named operations: a secret, a key and a certificate with their versions.
        cls.secret_version = cls.data.put(f"{cls.vault}/secrets/sweep-secret?api-version=7.4",
                                          json={"value": "v"}).json()["id"].rsplit("/", 1)[1]
        cls.key_version = cls.data.post(f"{cls.vault}/keys/sweep-key/create?api-version=7.4",
                                        json={"kty": "EC", "crv": "P-256"}).json()["key"]["kid"].rsplit("/", 1)[1]
        made = cls.data.post(f"{cls.vault}/certificates/sweep-cert/create?api-version=7.4", json={
            "policy": {"x509_props": {"subject": "CN=sweep"}, "issuer": {"name": "Self"}}})
        assert made.status_code == 202, made.text
        deadline = time.time() + 30
        while (got := cls.data.get(f"{cls.vault}/certificates/sweep-cert?api-version=7.4")).status_code != 200:
            assert time.time() < deadline, got.text
            time.sleep(0.1)
        cls.certificate_version = got.json()["id"].rsplit("/", 1)[1]
        cls.subscription = cls.manage.get(f"{cls.arm}/subscriptions?api-version=2022-12-01").json()["value"][0][
            "subscriptionId"]
        cls.principal = cls.manage.get(f"{cls.arm}/coffer/admin/service-principals/{cls.server.dev['clientId']}").json()[
            "objectId"]

    @classmethod
    def tearDownClass(cls):
        cls.data.close()
        cls.manage.close()
        cls.server.cleanup()

    @classmethod
    def session(cls, bearer):
        s = requests.Session()
        s.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
        s.verify = cls.server.ca_file
        s.headers["Authorization"] = "Bearer " + bearer
        return s

    def names(self, path):
        names = {"{secret-name}": "sweep-secret", "{secret-version}": self.secret_version,
                 "{key-name}": "sweep-key", "{keyName}": "sweep-key", "{key-version}": self.key_version,
                 "{certificate-name}": "sweep-cert", "{certificate-version}": self.certificate_version,
                 "{issuer-name}": "sweep-issuer", "{setting-name}": "AllowKeyManagementOperationsThroughARM",
                 "{jobId}": "job", "{scope}": "keys", "{roleAssignmentName}": str(uuid.uuid4()),
                 "{roleDefinitionName}": str(uuid.uuid4())}
        for placeholder, name in names.items():
            path = path.replace(placeholder, name)
        return path

    def send(self, session, method, url, body, oauth=False, must_refuse=False, code=None):
        """One request; notes what is wrong with its answer in self.problems (a 400 must carry
        `code`, when one is given). Returns the status (None: no answer)."""
        what = f"{method} {url.split('//', 1)[1].split('/', 1)[1][:120]} with {body[:40]!r}"
        try:
            r = session.request(method, url, data=body, timeout=60,
                                headers={"Content-Type": "application/x-www-form-urlencoded" if oauth
                                         else "application/json"})
        except requests.RequestException as e:
            self.problems.append(f"{what}: no answer ({e})")
            return None
        if r.status_code >= 500:
            self.problems.append(f"{what}: {r.status_code} {r.text[:200]}")
            return r.status_code
        if must_refuse and r.status_code < 400:
            self.problems.append(f"{what}: accepted ({r.status_code}), though the operation needs an object")
        if r.status_code >= 400:
            try:
                error = r.json()["error"]
            except (ValueError, KeyError, TypeError):
                self.problems.append(f"{what}: {r.status_code} without an error body: {r.text[:200]!r}")
                return r.status_code
            good = isinstance(error, str) if oauth else (
                isinstance(error, dict) and isinstance(error.get("code"), str) and isinstance(error.get("message"), str)
                and error["code"] and error["message"])
            if not good:
                self.problems.append(f"{what}: {r.status_code} with a malformed error body: {r.text[:200]!r}")
            elif code and r.status_code == 400 and error["code"] != code:
                self.problems.append(f"{what}: {error['code']}, not {code}: {error['message'][:120]}")
        return r.status_code

    def sweep(self, session, base, operations, api_version, malformed_code, state, extra_bodies=()):
        """`malformed_code`: the error code of a 400 for a body that is not a JSON object; `state`:
        what the objects look like (GETs), which an operation whose every request was refused must
        leave as it was."""
        for method, path, body_required in operations:
            url = f"{base}{self.names(path)}?api-version={api_version}"
            if method in ("PUT", "POST", "PATCH"):
                before = state()
                statuses = [self.send(session, method, url, body, must_refuse=body_required, code=malformed_code)
                            for body in NOT_AN_OBJECT]
                half_valid = [json.dumps(b).encode() for b in HALF_VALID.get((method, path), [])]
                statuses += [self.send(session, method, url, body)
                             for body in WRONG_SHAPES + list(extra_bodies) + half_valid]
                if all(status is not None and status >= 400 for status in statuses) and state() != before:
                    self.problems.append(f"{method} {path}: refused every request, yet the objects changed")
            else:
                for query in [""] + BAD_QUERIES:
                    self.send(session, method, url + query, b"")

    def data_state(self):
        return [self.data.get(f"{self.vault}/{path}?api-version=7.4").text for path in (
            "secrets/sweep-secret", "keys/sweep-key", "certificates/sweep-cert", "certificates/sweep-cert/policy",
            "keys/sweep-key/rotationpolicy", "secrets/sweep-secret/rotationpolicy", "certificates/contacts",
            "settings")]

    def assert_no_problems(self):
        problems, self.problems[:] = list(self.problems), []
        self.assertEqual(problems, [], f"{len(problems)} bad answers:\n" + "\n".join(problems[:40]))

    def assert_still_serving(self):
        r = self.data.get(f"{self.vault}/secrets?api-version=7.4")
        self.assertEqual(r.status_code, 200, r.text)

    def test_1_every_akv_operation(self):
        self.sweep(self.data, self.vault, AKV_OPERATIONS[:-11] + COFFER_DATA_PLANE, "7.4", "BadParameter",
                   self.data_state)
        self.sweep(self.data, self.vault, [op for op in AKV_OPERATIONS[:-11] if op[0] != "GET"], "2025-07-01",
                   "BadParameter", self.data_state)
        self.assert_still_serving()
        self.sweep(self.data, self.vault, AKV_OPERATIONS[-11:], "7.4", "BadParameter", self.data_state)
        self.assert_no_problems()
        self.assert_still_serving()

    def test_2_admin_arm_graph_and_token_endpoints(self):
        admin = f"{self.arm}/coffer/admin"
        client_id = self.server.dev["clientId"]

        def admin_state():
            return [self.manage.get(f"{admin}{path}").text for path in (
                "/service-principals", "/users", "/groups", "/vaults/dev/eventSubscriptions")]

        self.sweep(self.manage, admin, [
            ("POST", "/service-principals", True),
            ("POST", f"/service-principals/{client_id}/federated-credentials", True),
            ("POST", f"/service-principals/{client_id}/certificates", True),
            ("POST", "/users", True),
            ("POST", "/groups", True),
            ("PUT", f"/groups/{uuid.uuid4()}/members/{self.principal}", False),
            ("PUT", "/vaults/dev/eventSubscriptions/sweep", True),
            ("POST", "/vaults/dev/eventSubscriptions/sweep/deadLetters/replay", False),
            ("GET", "/audit", False),
            ("GET", "/vaults", False),
        ], "7.4", "BadParameter", admin_state)
        group = f"/subscriptions/{self.subscription}/resourceGroups"
        vaults = f"{group}/sweepGroup/providers/Microsoft.KeyVault/vaults"
        r = self.manage.put(f"{self.arm}{group}/sweepGroup?api-version=2021-04-01", json={"location": "eastus"})
        self.assertIn(r.status_code, (200, 201), r.text)
        tenant = self.server.dev["tenantId"]
        vault_body = {"location": "eastus", "properties": {"tenantId": tenant, "sku": {"family": "A", "name": "standard"},
                                                           "accessPolicies": []}}
        r = self.manage.put(f"{self.arm}{vaults}/sweepVault?api-version=2022-07-01", json=vault_body)
        self.assertEqual(r.status_code, 200, r.text)
        # Well formed, with a change and one thing wrong: a permission that does not exist.
        vault_body["tags"] = {"changed": "yes"}
        vault_body["properties"]["accessPolicies"] = [
            {"tenantId": tenant, "objectId": self.principal, "permissions": {"keys": ["fly"]}}]

        def arm_state():
            return [self.manage.get(f"{self.arm}{path}").text for path in (
                f"{vaults}/sweepVault?api-version=2022-07-01",
                f"/subscriptions/{self.subscription}/providers/Microsoft.Authorization/roleAssignments"
                "?api-version=2022-04-01",
                f"/subscriptions/{self.subscription}/providers/Microsoft.Authorization/roleDefinitions"
                "?api-version=2022-04-01")]

        self.sweep(self.manage, self.arm, [
            ("PUT", f"{group}/sweepGroup2", True),
            ("PUT", f"{vaults}/sweepVault", True),
            ("PATCH", f"{vaults}/sweepVault", True),
            ("PUT", f"{vaults}/sweepVault/accessPolicies/add", True),
            ("PUT", f"{vaults}/sweepVault/accessPolicies/remove", True),
            ("PUT", f"/subscriptions/{self.subscription}/providers/Microsoft.Authorization/roleAssignments/"
                    f"{uuid.uuid4()}", True),
            ("PUT", f"/subscriptions/{self.subscription}/providers/Microsoft.Authorization/roleDefinitions/"
                    f"{uuid.uuid4()}", True),
            ("GET", f"{vaults}", False),
        ], "2022-07-01", "InvalidRequestContent", arm_state,  # ARM's code for a body it cannot deserialize
            extra_bodies=[json.dumps(vault_body).encode()])
        self.sweep(self.manage, self.arm, [("POST", "/v1.0/directoryObjects/getByIds", True)], "1",
                   "Request_BadRequest", list)  # Microsoft Graph's; it changes nothing
        with requests.Session() as anonymous:
            anonymous.trust_env = False
            anonymous.verify = self.server.ca_file
            for path in ("/adfs/oauth2/token", f"/{tenant}/oauth2/v2.0/token", f"/{tenant}/oauth2/v2.0/devicecode"):
                for body in NOT_AN_OBJECT + [b"grant_type=client_credentials", b"grant_type=password&username=%ff",
                                             b"grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=a.b.c",
                                             b"client_id=" + b"x" * 10000, b"&&&==&=&"]:
                    self.send(anonymous, "POST", f"{self.arm}{path}", body, oauth=True)
        self.assert_no_problems()
        self.assert_still_serving()


if __name__ == "__main__":
    unittest.main()
