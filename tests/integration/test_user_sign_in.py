"""People signing in to a real server: users made through the admin API and the `coffer` CLI;
the password grant (as `az login -u -p` sends it), the authorization code flow with PKCE driven
through the server's own sign-in page, the device code flow, refresh tokens (rotation, replay,
revocation), sign-out, lockout after failed sign-ins, TOTP; what a person's token may do is what
RBAC grants them, and the audit log names them. The real Azure CLI signs in three ways: password,
device code (`--use-device-code`, the code entered on the page) and interactive (a BROWSER stand-in
that fills in the page and follows the redirect to az's loopback listener)."""
import base64
import fcntl
import hashlib
import hmac
import html
import json
import os
import re
import secrets
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

import requests

from coffer_server import COFFER_BIN, AzCli, CofferServer, admin, assert_needs_admin, canary, coffer_cli, token

AZ_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
REDIRECT = "http://localhost:9/callback"
PASSWORD = canary("correct horse battery staple")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(jwt):
    part = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def pkce():
    verifier = secrets.token_urlsafe(48)
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


def totp(secret_b32, at=None, step_offset=0):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((at or time.time()) // 30) + step_offset
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000
    return f"{code:06d}"


class Form:
    """The sign-in page's form: where it posts and its hidden fields (the CSRF token among them)."""

    def __init__(self, page):
        self.page = page
        m = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert m, page.text[:500]
        self.action = html.unescape(m.group(1))
        self.fields = {k: html.unescape(v)
                       for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text)}

    def post(self, session, base, **extra):
        return session.post(base + self.action, data=dict(self.fields, **extra), allow_redirects=False, timeout=30)


class UserSignInTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = CofferServer().start()
        cls.base = cls.server.authority
        cls.ca = cls.server.ca_file

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    # --- helpers -------------------------------------------------------------------------------

    def make_user(self, name, password=PASSWORD, role=None):
        r = admin(self.server, "POST", "/users", {"userName": name, "displayName": name.title(), "password": password})
        self.assertEqual(r.status_code, 201, r.text)
        if role:
            p = coffer_cli(self.server, "role", "assignment", "create", "--role", role, "--assignee", name,
                           "--scope", "/vaults/dev")
            self.assertEqual(p.returncode, 0, p.stderr)
        return r.json()

    def session(self):
        s = requests.Session()
        s.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment overrides `verify`
        s.verify = self.ca
        return s

    def password_grant(self, name, password=PASSWORD, scope=None):
        return requests.post(f"{self.base}/adfs/oauth2/token", verify=self.ca, timeout=30, data={
            "grant_type": "password", "client_id": AZ_CLI, "username": name, "password": password,
            "scope": (scope or self.server.vault_url().replace("dev.", "")) + "/.default openid offline_access"})

    def authorize_url(self, challenge, **extra):
        q = {"client_id": AZ_CLI, "response_type": "code", "redirect_uri": REDIRECT, "state": "st-1",
             "nonce": "n-1", "scope": self.base + "//.default openid offline_access",
             "code_challenge": challenge, "code_challenge_method": "S256"}
        q.update(extra)
        return f"{self.base}/adfs/oauth2/authorize?" + urllib.parse.urlencode(q)

    def sign_in_on_page(self, s, name, password=PASSWORD, challenge=None, **extra):
        """The authorization endpoint's page filled in; returns the POST's answer."""
        page = s.get(self.authorize_url(challenge or pkce()[1], **extra), timeout=30)
        self.assertEqual(page.status_code, 200, page.text[:300])
        return Form(page).post(s, self.base, username=name, password=password)

    def redeem(self, code, verifier, redirect=REDIRECT):
        return requests.post(f"{self.base}/adfs/oauth2/token", verify=self.ca, timeout=30, data={
            "grant_type": "authorization_code", "client_id": AZ_CLI, "code": code, "redirect_uri": redirect,
            "code_verifier": verifier, "scope": self.server.vault_url().replace("dev.", "") + "/.default"})

    def refresh(self, rt, scope=None):
        return requests.post(f"{self.base}/adfs/oauth2/token", verify=self.ca, timeout=30, data={
            "grant_type": "refresh_token", "client_id": AZ_CLI, "refresh_token": rt,
            "scope": (scope or self.base + "/") + "/.default"})

    def get_secret(self, access_token, name="s"):
        return requests.get(f"{self.server.vault_url()}/secrets/{name}?api-version=7.4", verify=self.ca, timeout=30,
                            headers={"Authorization": "Bearer " + access_token})

    # --- tests ---------------------------------------------------------------------------------

    def test_admin_api_and_cli_manage_users(self):
        assert_needs_admin(self, self.server, "GET", "/users")
        made = admin(self.server, "POST", "/users", {"userName": "gen@example.com"})
        self.assertEqual(made.status_code, 201, made.text)
        generated = canary(made.json()["password"])
        self.assertGreaterEqual(len(generated), 20)
        self.assertEqual(self.password_grant("gen@example.com", generated).status_code, 200)
        self.assertEqual(admin(self.server, "POST", "/users", {"userName": "GEN@example.com"}).status_code, 409)
        for bad in ({"userName": "-x"}, {"userName": "a b"}, {}, {"userName": "ok", "password": "short"},
                    {"userName": 7}):
            r = admin(self.server, "POST", "/users", bad)
            self.assertEqual(r.status_code, 400, bad)
            self.assertEqual(r.json()["error"]["code"], "BadParameter")
        # The CLI reads a password only from standard input.
        p = subprocess.run([COFFER_BIN, "user", "create", "--name", "cli@example.com", "--password-stdin",
                            "--data-dir", self.server.data_dir], input=PASSWORD + "\n", capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(PASSWORD, p.stdout)
        self.assertEqual(json.loads(p.stdout)["userName"], "cli@example.com")
        listed = json.loads(coffer_cli(self.server, "user", "list").stdout)
        self.assertTrue({"gen@example.com", "cli@example.com"} <= {u["userName"] for u in listed})
        self.assertEqual(self.password_grant("cli@example.com").status_code, 200)
        # Bad input on the other user routes: AKV's error shapes, nothing changed.
        for method, path, body, status in (("POST", "/users/cli@example.com/reset-password", {"password": "short"}, 400),
                                           ("POST", "/users/cli@example.com/reset-password", {"password": 5}, 400),
                                           ("POST", "/users/nobody@example.com/totp", None, 404),
                                           ("POST", "/users/nobody@example.com/unlock", None, 404),
                                           ("DELETE", "/users/nobody@example.com", None, 404)):
            r = admin(self.server, method, path, body)
            self.assertEqual(r.status_code, status, (path, r.text))
            self.assertIn("code", r.json()["error"])
        self.assertEqual(self.password_grant("cli@example.com").status_code, 200)  # the password stayed
        p = coffer_cli(self.server, "user", "delete", "--name", "cli@example.com")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(admin(self.server, "GET", "/users/cli@example.com").status_code, 404)
        self.assertEqual(self.password_grant("cli@example.com").status_code, 400)

    def test_password_grant_rbac_graph_and_audit(self):
        user = self.make_user("reader@example.com")
        r = self.password_grant("reader@example.com")
        self.assertEqual(r.status_code, 200, r.text)
        body = r.json()
        for key in ("access_token", "refresh_token", "id_token", "client_info", "expires_in"):
            self.assertIn(key, body)
        self.assertLessEqual(body["expires_in"], 900)  # short-lived
        at = claims(body["access_token"])
        self.assertEqual((at["upn"], at["oid"], at["appid"]), ("reader@example.com", user["objectId"], AZ_CLI))
        idt = claims(body["id_token"])
        self.assertEqual((idt["aud"], idt["iss"]), (AZ_CLI, self.base + "/adfs"))
        # An ID token is no access token.
        self.assertEqual(self.get_secret(body["id_token"]).status_code, 401)
        # No role yet: RBAC refuses, as for any principal.
        self.assertEqual(self.get_secret(body["access_token"]).status_code, 403)
        p = coffer_cli(self.server, "role", "assignment", "create", "--role", "Key Vault Secrets Officer",
                       "--assignee", "reader@example.com", "--scope", "/vaults/dev")
        self.assertEqual(p.returncode, 0, p.stderr)
        put = requests.put(f"{self.server.vault_url()}/secrets/s?api-version=7.4", verify=self.ca, timeout=30,
                           json={"value": canary("people-secret")},
                           headers={"Authorization": "Bearer " + body["access_token"]})
        self.assertEqual(put.status_code, 200, put.text)
        self.assertEqual(self.get_secret(body["access_token"]).json()["value"], "people-secret")
        # ARM names the assignee's kind.
        admin_token = token(self.server, self.base)
        sub = requests.get(f"{self.base}/subscriptions?api-version=2020-01-01", verify=self.ca, timeout=30,
                           headers={"Authorization": "Bearer " + admin_token}).json()["value"][0]["subscriptionId"]
        listed = requests.get(f"{self.base}/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments",
                              params={"api-version": "2022-04-01", "$filter": f"principalId eq '{user['objectId']}'"},
                              verify=self.ca, timeout=30, headers={"Authorization": "Bearer " + admin_token}).json()
        self.assertEqual({a["properties"]["principalType"] for a in listed["value"]}, {"User"})
        # Graph: /me is the user (a service principal gets 400 there).
        graph = requests.post(f"{self.base}/adfs/oauth2/token", verify=self.ca, timeout=30, data={
            "grant_type": "password", "client_id": AZ_CLI, "username": "reader@example.com", "password": PASSWORD,
            "scope": self.base + "//.default"}).json()["access_token"]
        me = requests.get(f"{self.base}/v1.0/me", verify=self.ca, timeout=30,
                          headers={"Authorization": "Bearer " + graph})
        self.assertEqual(me.status_code, 200, me.text)
        self.assertEqual(me.json()["userPrincipalName"], "reader@example.com")
        # The audit log names the person on each request.
        with open(os.path.join(self.server.data_dir, "audit.log")) as f:
            records = [r for r in (json.loads(line) for line in f if line.startswith("{")) if "operationName" in r]
        upn = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
        sets = [r for r in records if r["operationName"] == "SecretSet" and r["identity"]["claim"].get(upn)]
        self.assertTrue(sets)
        self.assertEqual(sets[-1]["identity"]["claim"][upn], "reader@example.com")
        # Wrong password: Entra's AADSTS50126; unknown user: the same words.
        for name, password in (("reader@example.com", "wrong password!!"), ("nobody@example.com", PASSWORD)):
            bad = self.password_grant(name, password)
            self.assertEqual((bad.status_code, bad.json()["error"]), (400, "invalid_grant"))
            self.assertIn("AADSTS50126", bad.json()["error_description"])
        # A confidential client's secret has no place in a public client's grant; unknown clients are refused.
        r = requests.post(f"{self.base}/adfs/oauth2/token", verify=self.ca, timeout=30, data={
            "grant_type": "password", "client_id": "00000000-0000-0000-0000-000000000001",
            "username": "reader@example.com", "password": PASSWORD, "scope": self.base + "//.default"})
        self.assertEqual(r.status_code, 400)
        self.assertIn("AADSTS700016", r.json()["error_description"])

    def test_users_in_groups_get_the_groups_roles(self):
        user = self.make_user("grouped@example.com")
        group = admin(self.server, "POST", "/groups", {"displayName": "people"}).json()
        added = admin(self.server, "PUT", f"/groups/{group['objectId']}/members/grouped@example.com")
        self.assertEqual(added.status_code, 200, added.text)
        self.assertIn(user["objectId"].lower(), added.json()["members"])
        at = self.password_grant("grouped@example.com").json()["access_token"]
        self.assertEqual(self.get_secret(at, "missing").status_code, 403)
        p = coffer_cli(self.server, "role", "assignment", "create", "--role", "Key Vault Secrets User", "--assignee",
                       group["objectId"], "--scope", "/vaults/dev")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.get_secret(at, "missing").status_code, 404)  # allowed now, and absent
        # Graph resolves the user among directory objects, as az does for assignees.
        found = requests.post(f"{self.base}/v1.0/directoryObjects/getByIds", verify=self.ca, timeout=30,
                              json={"ids": [user["objectId"]], "types": ["user"]},
                              headers={"Authorization": "Bearer " + self.password_grant(
                                  "grouped@example.com", scope=self.base + "/").json()["access_token"]})
        self.assertEqual(found.status_code, 200, found.text)
        self.assertEqual(found.json()["value"][0]["userPrincipalName"], "grouped@example.com")

    def test_lockout_after_failures_and_unlock(self):
        self.make_user("locked@example.com")
        for _ in range(5):
            self.assertEqual(self.password_grant("locked@example.com", "wrong password!!").status_code, 400)
        r = self.password_grant("locked@example.com")  # the right password, refused while locked
        self.assertEqual(r.status_code, 429, r.text)
        self.assertGreater(int(r.headers["Retry-After"]), 0)
        shown = admin(self.server, "GET", "/users/locked@example.com").json()
        self.assertTrue(shown["locked"])
        # The page says so too.
        s = self.session()
        page = self.sign_in_on_page(s, "locked@example.com")
        self.assertEqual(page.status_code, 429)
        self.assertIn("locked", page.text)
        p = coffer_cli(self.server, "user", "unlock", "--name", "locked@example.com")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(json.loads(p.stdout)["locked"])
        self.assertEqual(self.password_grant("locked@example.com").status_code, 200)

    def test_authorization_code_flow_with_pkce_session_and_sign_out(self):
        self.make_user("carol@example.com", role="Key Vault Secrets User")
        s = self.session()
        verifier, challenge = pkce()
        page = s.get(self.authorize_url(challenge), timeout=30)
        self.assertEqual(page.status_code, 200)
        csp = page.headers["Content-Security-Policy"]
        self.assertIn("default-src 'none'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertIn("http://localhost:9", csp)  # the form may redirect there
        self.assertNotIn("<script", page.text)
        self.assertEqual(page.headers["X-Frame-Options"], "DENY")
        css = s.get(self.base + "/ui/sign-in.css", timeout=30)
        self.assertEqual((css.status_code, css.headers["Content-Type"]), (200, "text/css; charset=utf-8"))
        form = Form(page)
        wrong = form.post(s, self.base, username="carol@example.com", password="wrong password!!")
        self.assertEqual(wrong.status_code, 401)
        self.assertIn("incorrect", wrong.text)
        ok = Form(wrong).post(s, self.base, username="carol@example.com", password=PASSWORD)
        self.assertEqual(ok.status_code, 302, ok.text[:300])
        self.assertIn("HttpOnly", ok.headers["Set-Cookie"])
        location = urllib.parse.urlparse(ok.headers["Location"])
        self.assertEqual(f"{location.scheme}://{location.netloc}{location.path}", REDIRECT)
        got = urllib.parse.parse_qs(location.query)
        self.assertEqual(got["state"], ["st-1"])
        code = got["code"][0]
        # The code needs the verifier of its challenge, the same redirect URI, and works once.
        self.assertEqual(self.redeem(code, pkce()[0]).json()["error"], "invalid_grant")
        verifier2, challenge2 = pkce()
        code2 = urllib.parse.parse_qs(urllib.parse.urlparse(
            s.get(self.authorize_url(challenge2), allow_redirects=False, timeout=30).headers["Location"]).query)
        self.assertIn("code", code2)  # the session answers at once
        self.assertEqual(self.redeem(code2["code"][0], verifier2, redirect="http://localhost:10/").json()["error"],
                         "invalid_grant")
        verifier3, challenge3 = pkce()
        silent = s.get(self.authorize_url(challenge3, prompt="none"), allow_redirects=False, timeout=30)
        code3 = urllib.parse.parse_qs(urllib.parse.urlparse(silent.headers["Location"]).query)["code"][0]
        tokens = self.redeem(code3, verifier3)
        self.assertEqual(tokens.status_code, 200, tokens.text)
        self.assertEqual(claims(tokens.json()["id_token"])["nonce"], "n-1")
        self.assertEqual(self.redeem(code3, verifier3).json()["error"], "invalid_grant")  # once
        self.assertEqual(self.get_secret(tokens.json()["access_token"], "missing").status_code, 404)  # allowed, absent
        # prompt=login asks again even with a session.
        self.assertEqual(s.get(self.authorize_url(pkce()[1], prompt="login"), timeout=30).status_code, 200)
        # Sign-out ends the session and the refresh tokens minted under it.
        rt = tokens.json()["refresh_token"]
        out = s.get(f"{self.base}/adfs/oauth2/logout", timeout=30)
        self.assertEqual(out.status_code, 200)
        self.assertEqual(self.refresh(rt).json()["error"], "invalid_grant")
        again = s.get(self.authorize_url(pkce()[1]), allow_redirects=False, timeout=30)
        self.assertEqual(again.status_code, 200)  # the form, not a code
        back = s.get(f"{self.base}/adfs/oauth2/logout",
                     params={"post_logout_redirect_uri": self.base + "/console/"}, allow_redirects=False, timeout=30)
        self.assertEqual((back.status_code, back.headers["Location"]), (302, self.base + "/console/"))
        evil = s.get(f"{self.base}/adfs/oauth2/logout", params={"post_logout_redirect_uri": "https://evil.example/"},
                     allow_redirects=False, timeout=30)
        self.assertEqual(evil.status_code, 200)

    def test_authorize_refuses_bad_requests_safely(self):
        s = self.session()
        _, challenge = pkce()
        # An unknown client or a redirect URI it may not use: an error page, never a redirect.
        for extra in ({"client_id": "00000000-0000-0000-0000-00000000000f"},
                      {"redirect_uri": "https://evil.example/cb"}, {"redirect_uri": "http://localhost.evil.example/"}):
            r = s.get(self.authorize_url(challenge, **extra), allow_redirects=False, timeout=30)
            self.assertEqual(r.status_code, 400, extra)
            self.assertNotIn("Location", r.headers)
        # Other mistakes go back to the client with an error.
        for extra, error in (({"code_challenge": ""}, "invalid_request"),
                             ({"code_challenge_method": "plain"}, "invalid_request"),
                             ({"response_type": "token"}, "unsupported_response_type"),
                             ({"prompt": "none"}, "login_required")):
            r = s.get(self.authorize_url(challenge, **extra), allow_redirects=False, timeout=30)
            self.assertEqual(r.status_code, 302, extra)
            q = urllib.parse.parse_qs(urllib.parse.urlparse(r.headers["Location"]).query)
            self.assertEqual((q["error"], q["state"]), ([error], ["st-1"]))
        # CSRF: the form's token must match the cookie, and a foreign Origin is refused.
        self.make_user("csrf@example.com")
        page = s.get(self.authorize_url(challenge), timeout=30)
        form = Form(page)
        forged = dict(form.fields, csrf="x" * 32, username="csrf@example.com", password=PASSWORD)
        self.assertEqual(s.post(self.base + form.action, data=forged, allow_redirects=False).status_code, 400)
        cross = s.post(self.base + form.action, data=dict(form.fields, username="csrf@example.com",
                                                          password=PASSWORD),
                       headers={"Origin": "https://evil.example"}, allow_redirects=False)
        self.assertEqual(cross.status_code, 400)
        no_cookie = requests.post(self.base + form.action, verify=self.ca, allow_redirects=False,
                                  data=dict(form.fields, username="csrf@example.com", password=PASSWORD))
        self.assertEqual(no_cookie.status_code, 400)

    def test_refresh_tokens_rotate_and_are_revoked(self):
        self.make_user("dora@example.com")
        first = self.password_grant("dora@example.com").json()["refresh_token"]
        second = self.refresh(first)
        self.assertEqual(second.status_code, 200, second.text)
        rt2 = second.json()["refresh_token"]
        self.assertNotEqual(rt2, first)
        self.assertEqual(claims(second.json()["access_token"])["aud"], self.base)  # any resource
        # The first one again: a replay. The family ends, the newest token with it.
        self.assertEqual(self.refresh(first).json()["error"], "invalid_grant")
        self.assertEqual(self.refresh(rt2).json()["error"], "invalid_grant")
        for garbage in ("", "x", "a.b.c", "0" * 32 + "." + "0" * 32 + ".zzz"):
            self.assertEqual(self.refresh(garbage).status_code, 400)
        # Revoked sign-ins and password resets void the refresh tokens.
        rt = self.password_grant("dora@example.com").json()["refresh_token"]
        self.assertEqual(admin(self.server, "POST", "/users/dora@example.com/revoke-sign-ins").status_code, 204)
        self.assertEqual(self.refresh(rt).json()["error"], "invalid_grant")
        rt = self.password_grant("dora@example.com").json()["refresh_token"]
        reset = admin(self.server, "POST", "/users/dora@example.com/reset-password", {})
        self.assertEqual(reset.status_code, 200)
        canary(reset.json()["password"])
        self.assertEqual(self.refresh(rt).json()["error"], "invalid_grant")
        self.assertEqual(self.password_grant("dora@example.com").status_code, 400)
        self.assertEqual(self.password_grant("dora@example.com", reset.json()["password"]).status_code, 200)

    def test_totp_is_asked_after_the_password_and_codes_work_once(self):
        self.make_user("erin@example.com")
        enrolled = admin(self.server, "POST", "/users/erin@example.com/totp")
        self.assertEqual(enrolled.status_code, 200, enrolled.text)
        secret = canary(enrolled.json()["secret"])
        self.assertTrue(enrolled.json()["otpauthUri"].startswith("otpauth://totp/"))
        self.assertIn("secret=" + secret, enrolled.json()["otpauthUri"])
        # The password grant cannot carry a code: Entra's MFA refusal.
        r = self.password_grant("erin@example.com")
        self.assertEqual(r.status_code, 400)
        self.assertIn("AADSTS50076", r.json()["error_description"])
        s = self.session()
        asked = self.sign_in_on_page(s, "erin@example.com")
        self.assertEqual(asked.status_code, 200)
        self.assertIn('name="totp"', asked.text)
        wrong = Form(asked).post(s, self.base, username="erin@example.com", password=PASSWORD, totp="000000")
        self.assertEqual(wrong.status_code, 401)
        # The code of the next step is used, so the current one cannot have been used already.
        code = totp(secret, step_offset=1)
        ok = Form(wrong).post(s, self.base, username="erin@example.com", password=PASSWORD, totp=code)
        self.assertEqual(ok.status_code, 302, ok.text[:300])
        replay = self.sign_in_on_page(self.session(), "erin@example.com")
        again = Form(replay).post(self.session(), self.base, username="erin@example.com", password=PASSWORD, totp=code)
        self.assertNotEqual(again.status_code, 302)
        p = coffer_cli(self.server, "user", "totp", "disable", "--name", "erin@example.com")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.password_grant("erin@example.com").status_code, 200)

    def test_device_code_flow_with_msal(self):
        import msal
        self.make_user("frank@example.com", role="Key Vault Secrets User")
        app = msal.PublicClientApplication(AZ_CLI, authority=self.base + "/adfs", http_client=self.session())
        flow = app.initiate_device_flow(scopes=[self.server.vault_url().replace("dev.", "") + "/.default"])
        self.assertIn("user_code", flow, flow)
        self.assertIn(flow["verification_uri"], flow["message"])
        result = {}
        poller = threading.Thread(target=lambda: result.update(app.acquire_token_by_device_flow(flow)))
        poller.start()
        s = self.session()
        page = s.get(flow["verification_uri"], params={"code": flow["user_code"]}, timeout=30)
        self.assertEqual(page.status_code, 200)
        unknown = Form(page).post(s, self.base, user_code="BBBB-BBBB", username="frank@example.com",
                                  password=PASSWORD)
        self.assertEqual(unknown.status_code, 400)
        done = Form(page).post(s, self.base, user_code=flow["user_code"], username="frank@example.com",
                               password=PASSWORD)
        self.assertEqual(done.status_code, 200, done.text[:300])
        self.assertIn("signed in to Microsoft Azure CLI", done.text)
        poller.join(60)
        self.assertIn("access_token", result, result)
        self.assertEqual(result["id_token_claims"]["preferred_username"], "frank@example.com")
        self.assertEqual(self.get_secret(result["access_token"], "missing").status_code, 404)

    def test_az_login_password_device_code_and_interactive(self):
        self.make_user("gina@example.com", role="Key Vault Secrets Officer")
        az = AzCli(self.server, prefix="coffer-az-user-")
        az.use_cloud_of(self.server)
        port = self.server.port

        def check_signed_in():
            account = json.loads(az("account", "show").stdout)
            self.assertEqual(account["user"], {"name": "gina@example.com", "type": "user"})
            put = az("rest", "--method", "put", "--url", f"{self.server.vault_url()}/secrets/az-user?api-version=7.4",
                     "--resource", f"https://vault.localhost:{port}", "--body",
                     json.dumps({"value": canary("set-by-a-person")}))
            self.assertEqual(json.loads(put.stdout)["value"], "set-by-a-person")
            az("logout")

        # 1. Password (ROPC).
        az("login", "-u", "gina@example.com", "--password=" + PASSWORD, "--allow-no-subscriptions")
        check_signed_in()
        # 2. Device code: the code az prints is entered on the server's page.
        proc = subprocess.Popen(["az", "login", "--use-device-code", "--allow-no-subscriptions"], env=az.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = proc.stderr.readline()
            m = re.search(r"open the page (\S+) and enter the code (\S+)", line)
            self.assertTrue(m, line)
            s = self.session()
            page = s.get(m.group(1), timeout=30)
            done = Form(page).post(s, self.base, user_code=m.group(2), username="gina@example.com", password=PASSWORD)
            self.assertEqual(done.status_code, 200, done.text[:300])
            _, err = proc.communicate(timeout=120)
            self.assertEqual(proc.returncode, 0, err)
        finally:
            if proc.poll() is None:
                proc.kill()
        check_signed_in()
        # 3. Interactive: az opens "a browser" (BROWSER), which signs in on the page and follows the
        # redirect to az's listener on localhost:8400 (az's fixed port for ADFS authorities: one
        # interactive login at a time on this machine, hence the lock).
        browser = os.path.join(az.config_dir, "browser.py")
        with open(browser, "w") as f:
            f.write(BROWSER_SCRIPT)
        env = dict(az.env, BROWSER=f"{sys.executable} {browser} %s", SIGNIN_USER="gina@example.com",
                   SIGNIN_PASSWORD=PASSWORD)
        with open(os.path.join(tempfile.gettempdir(), "coffer-az-interactive.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            p = subprocess.run(["az", "login", "--allow-no-subscriptions"], env=env, capture_output=True, text=True,
                               timeout=180)
        self.assertEqual(p.returncode, 0, p.stderr)
        check_signed_in()


# The BROWSER stand-in of the interactive az login: the sign-in page filled in, the redirect followed.
# Like a real browser's launcher it returns at once and works in the background: Python's webbrowser
# waits for the BROWSER command to exit before az starts answering on its redirect listener, so a
# launcher that waited for the redirect's answer stalled both until the request timed out (30 s).
BROWSER_SCRIPT = r'''
import html, os, re, sys
if os.fork():
    os._exit(0)
import requests
url = sys.argv[1]
s = requests.Session()
s.verify = os.environ["REQUESTS_CA_BUNDLE"]
page = s.get(url, timeout=30)
action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page.text).group(1))
fields = {k: html.unescape(v) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text)}
fields.update(username=os.environ["SIGNIN_USER"], password=os.environ["SIGNIN_PASSWORD"])
base = re.match(r"https://[^/]+", url).group(0)
answer = s.post(base + action, data=fields, allow_redirects=False, timeout=30)
requests.get(answer.headers["Location"], timeout=30)
'''


if __name__ == "__main__":
    unittest.main()
