"""Workload identity against a real server: a test OIDC issuer (a small HTTPS
server with discovery + JWKS, certificate from `openssl req`, trusted by Coffer
through COFFER_OIDC_CA_FILE) mints service-account-style tokens; Coffer accepts
the good one (and its access token reads a secret through the SDK's
ClientAssertionCredential) and refuses wrong issuer, subject, audience, expiry
and signature. Then the same through a JWKS file (air-gapped option), and a
client-certificate credential through the SDK's CertificateCredential."""
import base64
import http.server
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from coffer_server import COFFER_BIN, CofferServer, admin

SUBJECT = "system:serviceaccount:payments:api"
EXCHANGE = "api://AzureADTokenExchange"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_b64(n, length=None):
    length = length or (n.bit_length() + 7) // 8
    return b64url(n.to_bytes(length, "big"))


class Issuer:
    """Signing keys of a test token issuer and the JWKS that publishes them."""

    def __init__(self):
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())

    def jwks(self):
        rn = self.rsa.public_key().public_numbers()
        en = self.ec.public_key().public_numbers()
        return {"keys": [
            {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": "rsa-1", "n": int_b64(rn.n), "e": int_b64(rn.e)},
            {"kty": "EC", "use": "sig", "alg": "ES256", "kid": "ec-1", "crv": "P-256",
             "x": int_b64(en.x, 32), "y": int_b64(en.y, 32)},
        ]}

    def token(self, iss, sub=SUBJECT, aud=EXCHANGE, lifetime=600, nbf_offset=0, alg="RS256", kid=None, key=None):
        now = int(time.time())
        claims = {"iss": iss, "sub": sub, "aud": aud, "iat": now, "nbf": now + nbf_offset, "exp": now + lifetime,
                  "kubernetes.io": {"namespace": "payments", "serviceaccount": {"name": "api"}}}
        return sign_jwt({"alg": alg, "typ": "JWT", "kid": kid or ("rsa-1" if alg == "RS256" else "ec-1")}, claims,
                        key or (self.rsa if alg == "RS256" else self.ec))


def sign_jwt(header, claims, key):
    signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())).encode()
    if isinstance(key, rsa.RSAPrivateKey):
        sig = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    else:
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return signing_input.decode() + "." + b64url(sig)


class OidcServer:
    """https://localhost:<port> serving /.well-known/openid-configuration and /keys."""

    def __init__(self, issuer_keys, tmp):
        self.cert = os.path.join(tmp, "oidc.crt")
        key = os.path.join(tmp, "oidc.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", key, "-out", self.cert, "-days", "1", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                       check=True, capture_output=True)
        outer = self
        self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": outer.url, "jwks_uri": outer.url + "/keys",
                            "response_types_supported": ["id_token"], "subject_types_supported": ["public"],
                            "id_token_signing_alg_values_supported": ["RS256", "ES256"]}
                elif self.path == "/keys":
                    body = issuer_keys.jwks()
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://localhost:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()


class WorkloadIdentityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="coffer-wi-")
        cls.keys = Issuer()
        cls.oidc = OidcServer(cls.keys, cls.tmp)
        # A second, air-gapped issuer whose keys reach Coffer only as a file.
        cls.offline = Issuer()
        cls.offline_url = "https://offline-issuer.invalid/cluster"
        jwks_file = os.path.join(cls.tmp, "offline-jwks.json")
        with open(jwks_file, "w") as f:
            json.dump(cls.offline.jwks(), f)
        env = {"COFFER_OIDC_CA_FILE": cls.oidc.cert, "COFFER_OIDC_JWKS_FILES": f"{cls.offline_url}={jwks_file}"}
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            cls.server = CofferServer().start()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        s = cls.server
        cls.ca = s.ca_file
        cls.sp = admin(s, "POST", "/service-principals", {"displayName": "payments-api"}).json()
        cls.grant(cls.sp["clientId"])
        r = admin(s, "POST", f"/service-principals/{cls.sp['clientId']}/federated-credentials",
                  {"name": "payments-api", "issuer": cls.oidc.url, "subject": SUBJECT})
        assert r.status_code == 201, r.text
        from azure.keyvault.secrets import SecretClient
        from coffer_server import credential
        SecretClient(s.vault_url(), credential(s), connection_verify=cls.ca).set_secret("db-password", "hunter2")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        cls.oidc.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def coffer(cls, *args, check=True):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}
        p = subprocess.run([COFFER_BIN, *args, "--data-dir", cls.server.data_dir], capture_output=True, text=True,
                           timeout=60, env=env)
        if check and p.returncode != 0:
            raise AssertionError(f"coffer {' '.join(args)} exited {p.returncode}: {p.stderr}")
        return json.loads(p.stdout) if p.stdout.strip() else None

    @classmethod
    def grant(cls, client_id):
        """Key Vault Secrets User on the dev vault (RBAC denies by default)."""
        cls.coffer("role", "assignment", "create", "--role", "Key Vault Secrets User", "--assignee", client_id,
                   "--scope", "/vaults/dev")

    def exchange(self, assertion, client_id=None, endpoint="/adfs/oauth2/token", **extra):
        data = {"grant_type": "client_credentials", "client_id": client_id or self.sp["clientId"],
                "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion,
                "scope": f"https://vault.localhost:{self.server.port}/.default", **extra}
        with requests.Session() as session:
            session.trust_env = False
            return session.post(self.server.authority + endpoint, data=data, verify=self.ca)

    def assertRefused(self, r, status, error, aadsts):
        self.assertEqual(r.status_code, status, r.text)
        body = r.json()
        self.assertEqual(body["error"], error, body)
        self.assertTrue(body["error_description"].startswith(aadsts), body)
        self.assertNotIn("access_token", body)

    # -- federated credentials -----------------------------------------------------------

    def test_good_token_reads_a_secret_through_the_sdk(self):
        from azure.identity import ClientAssertionCredential
        from azure.keyvault.secrets import SecretClient
        # Debian's azure-identity 1.13.0b2 passes every keyword argument of ClientAssertionCredential on to
        # object.__init__ (TypeError), so its authority and CA bundle come from the environment instead.
        saved = {k: os.environ.get(k) for k in ("AZURE_AUTHORITY_HOST", "REQUESTS_CA_BUNDLE")}
        os.environ.update({"AZURE_AUTHORITY_HOST": self.server.authority, "REQUESTS_CA_BUNDLE": self.ca})
        try:
            cred = ClientAssertionCredential("adfs", self.sp["clientId"], lambda: self.keys.token(self.oidc.url))
            client = SecretClient(self.server.vault_url(), cred, connection_verify=self.ca)
            self.assertEqual(client.get_secret("db-password").value, "hunter2")
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        self.assertIn("/.well-known/openid-configuration", self.oidc.requests)
        self.assertIn("/keys", self.oidc.requests)

    def test_raw_exchange_with_rs256_and_es256(self):
        for alg in ("RS256", "ES256"):
            r = self.exchange(self.keys.token(self.oidc.url, alg=alg), endpoint=f"/{self.server.dev['tenantId']}"
                              "/oauth2/v2.0/token")
            self.assertEqual(r.status_code, 200, r.text)
            self.assertEqual(r.json()["token_type"], "Bearer")
            self.assertGreater(r.json()["expires_in"], 3000)

    def test_wrong_issuer_subject_or_audience_is_refused(self):
        cases = [self.keys.token("https://elsewhere.example.test"), self.keys.token(self.oidc.url, sub=SUBJECT + "x"),
                 self.keys.token(self.oidc.url, aud="api://other")]
        for t in cases:
            self.assertRefused(self.exchange(t), 400, "invalid_request", "AADSTS70021")
        r = self.exchange(self.keys.token(self.oidc.url), client_id=str(uuid.uuid4()))
        self.assertRefused(r, 400, "invalid_request", "AADSTS70021")

    def test_expired_and_not_yet_valid_tokens_are_refused(self):
        self.assertRefused(self.exchange(self.keys.token(self.oidc.url, lifetime=-3600)), 401, "invalid_client",
                           "AADSTS700024")
        self.assertRefused(self.exchange(self.keys.token(self.oidc.url, nbf_offset=3600, lifetime=7200)), 401,
                           "invalid_client", "AADSTS700024")

    def test_bad_signature_unknown_kid_and_forbidden_algorithms_are_refused(self):
        impostor = Issuer()
        self.assertRefused(self.exchange(self.keys.token(self.oidc.url, key=impostor.rsa)), 401, "invalid_client",
                           "AADSTS50013")
        self.assertRefused(self.exchange(self.keys.token(self.oidc.url, kid="rotated-away")), 401, "invalid_client",
                           "AADSTS50013")
        good = self.keys.token(self.oidc.url)
        head, body, _ = good.split(".")
        none = b64url(json.dumps({"alg": "none", "kid": "rsa-1"}).encode()) + "." + body + "."
        self.assertRefused(self.exchange(none), 400, "invalid_request", "AADSTS50027")
        hs = b64url(json.dumps({"alg": "HS256", "kid": "rsa-1"}).encode()) + "." + body + "." + b64url(b"x" * 32)
        self.assertRefused(self.exchange(hs), 400, "invalid_request", "AADSTS50027")
        self.assertRefused(self.exchange("not-a-jwt"), 400, "invalid_request", "AADSTS50027")
        # Both a secret and an assertion, or a wrong assertion type.
        self.assertRefused(self.exchange(good, client_secret="x"), 400, "invalid_request", "AADSTS90023")
        self.assertRefused(self.exchange(good, client_assertion_type="urn:other"), 400, "invalid_request",
                           "AADSTS90014")

    def test_air_gapped_issuer_via_jwks_file(self):
        sp = admin(self.server, "POST", "/service-principals", {"displayName": "offline"}).json()
        self.coffer("sp", "federated-credential", "create", "--id", sp["clientId"], "--name", "offline-sa",
                    "--issuer", self.offline_url, "--subject", SUBJECT, "--audiences", "api://coffer", EXCHANGE)
        r = self.exchange(self.offline.token(self.offline_url, aud="api://coffer"), client_id=sp["clientId"])
        self.assertEqual(r.status_code, 200, r.text)
        r = self.exchange(self.keys.token(self.offline_url), client_id=sp["clientId"])  # right claims, wrong keys
        self.assertRefused(r, 401, "invalid_client", "AADSTS50013")

    def test_cli_and_admin_api_manage_federated_credentials(self):
        sp = admin(self.server, "POST", "/service-principals", {"displayName": "cli-fic"}).json()
        cid = sp["clientId"]
        created = self.coffer("sp", "federated-credential", "create", "--id", cid, "--name", "ci-runner",
                              "--issuer", self.oidc.url, "--subject", "system:serviceaccount:ci:runner")
        self.assertEqual(created["audiences"], [EXCHANGE])
        listed = self.coffer("sp", "federated-credential", "list", "--id", cid)
        self.assertEqual([c["name"] for c in listed], ["ci-runner"])
        shown = self.coffer("sp", "federated-credential", "show", "--id", cid, "--name", "ci-runner")
        self.assertEqual(shown["subject"], "system:serviceaccount:ci:runner")
        r = admin(self.server, "POST", f"/service-principals/{cid}/federated-credentials",
                  {"name": "plain", "issuer": "http://insecure.example.test", "subject": "s"})
        self.assertEqual(r.status_code, 400, r.text)
        r = admin(self.server, "POST", f"/service-principals/{cid}/federated-credentials",
                  {"name": "dup", "issuer": self.oidc.url, "subject": "system:serviceaccount:ci:runner"})
        self.assertEqual(r.status_code, 409, r.text)
        self.coffer("sp", "federated-credential", "delete", "--id", cid, "--name", "ci-runner")
        self.assertEqual(self.coffer("sp", "federated-credential", "list", "--id", cid), [])
        r = admin(self.server, "GET", f"/service-principals/{uuid.uuid4()}/federated-credentials")
        self.assertEqual(r.status_code, 404, r.text)

    # -- certificate credentials -----------------------------------------------------------

    def test_certificate_credential_through_the_sdk(self):
        sp = admin(self.server, "POST", "/service-principals", {"displayName": "cert-client"}).json()
        self.grant(sp["clientId"])
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cert-client")])
        import datetime
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
        pem = os.path.join(self.tmp, "client.pem")
        with open(pem, "wb") as f:  # key and certificate in one file, as CertificateCredential reads it
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        added = self.coffer("sp", "credential", "add", "--id", sp["clientId"], "--cert", pem)
        self.assertEqual(added["customKeyIdentifier"], cert.fingerprint(hashes.SHA1()).hex().upper())
        listed = self.coffer("sp", "credential", "list", "--id", sp["clientId"])
        self.assertEqual([c["keyId"] for c in listed], [added["keyId"]])

        from azure.identity import CertificateCredential
        from azure.keyvault.secrets import SecretClient
        cred = CertificateCredential("adfs", sp["clientId"], pem, authority=self.server.authority,
                                     connection_verify=self.ca)
        client = SecretClient(self.server.vault_url(), cred, connection_verify=self.ca)
        self.assertEqual(client.get_secret("db-password").value, "hunter2")

        # A self-made assertion with the wrong audience, and one after the certificate was removed.
        def assertion(aud):
            now_s = int(time.time())
            header = {"alg": "RS256", "typ": "JWT", "x5t": b64url(cert.fingerprint(hashes.SHA1()))}
            claims = {"iss": sp["clientId"], "sub": sp["clientId"], "aud": aud, "jti": str(uuid.uuid4()),
                      "nbf": now_s, "exp": now_s + 600}
            return sign_jwt(header, claims, key)
        endpoint = self.server.authority + "/adfs/oauth2/token"
        self.assertEqual(self.exchange(assertion(endpoint), client_id=sp["clientId"]).status_code, 200)
        self.assertRefused(self.exchange(assertion("https://login.microsoftonline.com/x/oauth2/v2.0/token"),
                                         client_id=sp["clientId"]), 401, "invalid_client", "AADSTS50013")
        self.coffer("sp", "credential", "delete", "--id", sp["clientId"], "--key-id", added["keyId"])
        self.assertRefused(self.exchange(assertion(endpoint), client_id=sp["clientId"]), 401, "invalid_client",
                           "AADSTS700027")


if __name__ == "__main__":
    unittest.main()
