"""Coffer's web console (/console) in a real browser: Debian's chromium driven by npm's
playwright-core (npm/console.mjs; installed like the JavaScript SDKs, see test_npm_sdks.py).
A person signs in on the server's page and uses every page — vaults, secrets (set, value shown
only on request, delete, recover), keys and certificates with expiry marked, deleted objects,
role assignments (one added at a secret's scope), audit search, health — then signs out;
another person, without roles, is refused. A screenshot of each page is kept (under
$COFFER_TEST_ARTIFACTS/console-screenshots, else a temp directory). Also checked without a
browser: the page's Content-Security-Policy, the console's config, and CORS toward the vault
hosts only for the console's own origin."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import uuid

import requests

from coffer_server import ARTIFACTS, CofferServer, admin, canary, coffer_cli, token
from test_npm_sdks import NODE, NPM, npm_dir, prepare_packages

CHROMIUM = shutil.which("chromium")
PASSWORD = canary("console people password")


@unittest.skipUnless(NODE and NPM and CHROMIUM,
                     "node, npm or chromium is not installed (scripts/install-deps.sh installs them)")
class ConsoleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.driver = os.path.join(os.path.dirname(prepare_packages(npm_dir())), "console.mjs")
        cls.server = CofferServer().start()
        cls.shots = os.path.join(ARTIFACTS, "console-screenshots") if ARTIFACTS else tempfile.mkdtemp(
            prefix="coffer-console-")
        cls.users = {}
        for name in ("officer@example.com", "nobody@example.com"):
            r = admin(cls.server, "POST", "/users", {"userName": name, "password": PASSWORD})
            assert r.status_code == 201, r.text
            cls.users[name] = r.json()["objectId"]
        for role, scope in (("Coffer Administrator", "/"), ("Key Vault Secrets Officer", "/vaults/dev"),
                            ("Key Vault Reader", "/vaults/dev")):
            p = coffer_cli(cls.server, "role", "assignment", "create", "--role", role, "--assignee",
                           "officer@example.com", "--scope", scope)
            assert p.returncode == 0, p.stderr
        # Keys whose expiry the console marks: one expired, one expiring within 30 days.
        t = token(cls.server, f"https://vault.localhost:{cls.server.port}")
        now = int(time.time())
        for name, exp in (("expired-key", now - 86400), ("soon-key", now + 10 * 86400)):
            r = requests.post(f"{cls.server.vault_url()}/keys/{name}/create?api-version=7.4", verify=cls.server.ca_file,
                              headers={"Authorization": "Bearer " + t},
                              json={"kty": "EC", "crv": "P-256", "attributes": {"exp": exp}})
            assert r.status_code == 200, r.text
        r = requests.post(f"{cls.server.vault_url()}/certificates/console-cert/create?api-version=7.4",
                          verify=cls.server.ca_file, headers={"Authorization": "Bearer " + t},
                          json={"policy": {"issuer": {"name": "Self"},
                                           "x509_props": {"subject": "CN=console", "validity_months": 1},
                                           "key_props": {"kty": "EC", "crv": "P-256"}}})
        assert r.status_code == 202, r.text

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def drive(self, scenario, user, **extra):
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env.update(COFFER_AUTHORITY=self.server.authority, COFFER_USER=user, COFFER_PASSWORD=PASSWORD,
                   COFFER_SCREENSHOTS=self.shots, CHROMIUM=CHROMIUM, **extra)
        p = subprocess.run([NODE, self.driver, scenario], capture_output=True, text=True, env=env, timeout=300)
        try:
            out = json.loads(p.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            self.fail(f"{scenario}: node exited {p.returncode} without a result:\n{p.stdout}\n{p.stderr}")
        self.assertTrue(out["ok"], f"{scenario} failed at {out.get('url')} after {out['steps']}:\n{out.get('error')}"
                                   f"\nscreenshots in {self.shots}")
        # Nothing the page did was blocked by its Content-Security-Policy, and no script failed.
        broken = [e for e in out["consoleErrors"] if "Content Security Policy" in e or "Uncaught" in e]
        self.assertEqual(broken, [])
        for step in out["steps"]:
            self.assertTrue(os.path.getsize(os.path.join(self.shots, f"{scenario}-{step}.png")) > 1000, step)
        return out

    def test_officer_uses_every_page(self):
        value = canary("shown only on request " + uuid.uuid4().hex)
        out = self.drive("officer", "officer@example.com", COFFER_SECRET_VALUE=value,
                         COFFER_USER_OID=self.users["officer@example.com"],
                         COFFER_OTHER_OID=self.users["nobody@example.com"])
        self.assertEqual(out["steps"], ["sign-in", "vaults", "secrets", "secret-value", "keys", "certificates",
                                        "deleted", "access", "audit", "health", "signed-out"])
        # What the console did, it did through the APIs, as the person: the audit log says so.
        with open(os.path.join(self.server.data_dir, "audit.log")) as f:
            records = [r for r in (json.loads(line) for line in f if line.startswith("{")) if "operationName" in r]
        upn = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
        by_officer = {r["operationName"] for r in records
                      if r["identity"]["claim"].get(upn) == "officer@example.com" and r["resultType"] == "Success"}
        for op in ("SecretSet", "SecretGet", "SecretDelete", "SecretRecover", "KeyList", "RoleAssignmentCreate",
                   "AuditSearch"):
            self.assertIn(op, by_officer)
        # The assignment made in the console is real.
        listed = coffer_cli(self.server, "role", "assignment", "list", "--assignee", "nobody@example.com")
        self.assertIn("/vaults/dev/secrets/console-secret", listed.stdout)

    def test_a_person_without_roles_is_refused(self):
        self.drive("denied", "nobody@example.com")

    def test_page_headers_config_and_cors(self):
        page = requests.get(self.server.authority + "/console/", verify=self.server.ca_file, timeout=30)
        self.assertEqual(page.status_code, 200)
        csp = page.headers["Content-Security-Policy"]
        for part in ("default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"):
            self.assertIn(part, csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("<script>", page.text)  # only <script src=…>
        moved = requests.get(self.server.authority + "/console", verify=self.server.ca_file, allow_redirects=False)
        self.assertEqual((moved.status_code, moved.headers["Location"]), (301, "/console/"))
        config = requests.get(self.server.authority + "/console/config", verify=self.server.ca_file).json()
        self.assertEqual(config["vaultSuffix"], f".vault.localhost:{self.server.port}")
        self.assertEqual(config["tenantId"], self.server.dev["tenantId"])
        url = f"{self.server.vault_url()}/secrets?api-version=7.4"
        pre = requests.options(url, verify=self.server.ca_file, headers={
            "Origin": self.server.authority, "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization"})
        self.assertEqual(pre.status_code, 204)
        self.assertEqual(pre.headers["Access-Control-Allow-Origin"], self.server.authority)
        self.assertIn("Authorization", pre.headers["Access-Control-Allow-Headers"])
        # The console's own host needs none; any other origin gets none: the browser keeps its pages out.
        same = requests.get(self.server.authority + "/console/config", verify=self.server.ca_file,
                            headers={"Origin": self.server.authority})
        self.assertNotIn("Access-Control-Allow-Origin", same.headers)
        other = requests.options(url, verify=self.server.ca_file, headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
        self.assertNotIn("Access-Control-Allow-Origin", other.headers)
        got = requests.get(url, verify=self.server.ca_file, headers={"Origin": "https://evil.example"})
        self.assertNotIn("Access-Control-Allow-Origin", got.headers)


if __name__ == "__main__":
    unittest.main()
