"""The Secrets Store CSI provider against a real server: `coffer csi-provider`
on a unix socket in a temp dir, driven by the C++ fake driver
(tests/csi/fake_driver.cpp, gRPC with :authority localhost), backed by a
dev server on loopback that holds secrets, keys and certificates made with
Debian's Azure SDK. Covers PROVIDER-SPEC.md §6.2: Version; Mount with
driver-1.6 and driver-1.5 attributes; secrets null / {} / service
principal; workload identity (tokens of a test issuer whose JWKS the server
trusts; wrong audience, subject and issuer refused); every object type,
format and encoding; version history; filePermission; bad input → error
codes; rotation; the driver's atomic writer and TLS Secret extraction
replayed on the answers; size limits; health, metrics, socket handling."""
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

from azure.keyvault.certificates import CertificateClient, CertificateContentType, CertificatePolicy
from azure.keyvault.keys import KeyClient
from azure.keyvault.secrets import SecretClient
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from coffer_server import COFFER_BIN, CofferServer, admin, credential
from test_workload_identity import EXCHANGE, SUBJECT, Issuer

FAKE_DRIVER = os.environ.get("CSI_FAKE_DRIVER", os.path.join(os.path.dirname(__file__), "../../build/csi_fake_driver"))
ISSUER_URL = "https://cluster.example/oidc"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pointed_at(server, *extra):
    """The provider flags that point it at `server`'s vaults and authority, then `extra`."""
    return ["--vault-dns-suffix", f"vault.localhost:{server.port}", "--authority-host", server.authority,
            "--ca-file", server.ca_file, *extra]


def attributes_16(params, tokens=None):
    """What driver 1.6 sends on NodePublish: SPC parameters + the volume context."""
    a = dict(params)
    a.update({"secretProviderClass": "app-secrets", "csi.storage.k8s.io/pod.name": "api-0",
              "csi.storage.k8s.io/pod.namespace": "payments", "csi.storage.k8s.io/pod.uid": "0c8e-uid",
              "csi.storage.k8s.io/serviceAccount.name": "api", "csi.storage.k8s.io/ephemeral": "true"})
    if tokens is not None:
        a["csi.storage.k8s.io/serviceAccount.tokens"] = json.dumps(tokens)
    return a


def objects_yaml(*entries):
    """The SecretProviderClass `objects` text: an `array` of YAML block strings."""
    lines = ["array:"]
    for e in entries:
        lines.append("  - |")
        for k, v in e.items():
            lines.append(f"    {k}: {v}")
    return "\n".join(lines) + "\n"


class Provider:
    """A `coffer csi-provider` process on <dir>/<name>.sock."""

    def __init__(self, directory, name="coffer", args=()):
        self.socket = os.path.join(directory, f"{name}.sock")
        self.healthz = free_port()
        self.metrics = free_port()
        # A file, not a pipe: a full pipe would block the provider's logging.
        self.log_path = os.path.join(directory, f"{name}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [COFFER_BIN, "csi-provider", "--endpoint", "unix://" + self.socket, "--provider-name", name,
             "--http-address", "127.0.0.1", "--healthz-port", str(self.healthz),
             "--prometheus-port", str(self.metrics), *args],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("csi-provider exited:\n" + open(self.log_path).read())
            if os.path.exists(self.socket) and self.get(self.healthz, "/healthz")[0] == 200:
                return
            time.sleep(0.1)
        raise RuntimeError("csi-provider did not become healthy")

    def get(self, port, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        except OSError:
            return 0, ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def driver(sock, command, request=None, write_dir=None, tls=None):
    args = [FAKE_DRIVER, "--socket", sock, command]
    if write_dir:
        args += ["--write-dir", write_dir]
    if tls:
        args += ["--tls-secret", tls]
    p = subprocess.run(args, input=json.dumps(request) if request is not None else "", capture_output=True,
                       text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError(f"csi_fake_driver {command} exited {p.returncode}: {p.stdout} {p.stderr}")
    return json.loads(p.stdout)


def files_of(resp):
    return {f["path"]: base64.b64decode(f["contents_b64"]) for f in resp["files"]}


def versions_of(resp):
    return {v["id"]: v["version"] for v in resp["object_version"]}


class CsiProviderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Outside COFFER_TEST_ARTIFACTS on purpose: mounted files hold secret values.
        cls.tmp = tempfile.mkdtemp(prefix="coffer-csi-")
        cls.issuer = Issuer()
        jwks = os.path.join(cls.tmp, "jwks.json")
        with open(jwks, "w") as f:
            json.dump(cls.issuer.jwks(), f)
        saved = os.environ.get("COFFER_OIDC_JWKS_FILES")
        os.environ["COFFER_OIDC_JWKS_FILES"] = f"{ISSUER_URL}={jwks}"
        try:
            cls.server = CofferServer().start()
        finally:
            if saved is None:
                os.environ.pop("COFFER_OIDC_JWKS_FILES")
            else:
                os.environ["COFFER_OIDC_JWKS_FILES"] = saved
        s = cls.server
        cls.tenant = s.dev["tenantId"]
        # The pod's identity: a principal with a client secret and a federated credential.
        cls.sp = admin(s, "POST", "/service-principals", {"displayName": "csi-app"}).json()
        for role in ("Key Vault Secrets User", "Key Vault Reader"):
            cls.coffer("role", "assignment", "create", "--role", role, "--assignee", cls.sp["clientId"],
                       "--scope", "/vaults/dev")
        r = admin(s, "POST", f"/service-principals/{cls.sp['clientId']}/federated-credentials",
                  {"name": "csi-app", "issuer": ISSUER_URL, "subject": SUBJECT})
        assert r.status_code == 201, r.text

        cred = credential(s)
        url = s.vault_url()
        cls.secrets = SecretClient(url, cred, connection_verify=s.ca_file)
        cls.keys = KeyClient(url, cred, connection_verify=s.ca_file)
        cls.certs = CertificateClient(url, cred, connection_verify=s.ca_file)
        cls.secrets.set_secret("db-password", "hunter2")
        cls.secrets.set_secret("b64-secret", base64.b64encode(b"\x00\x01binary\xff").decode())
        cls.secrets.set_secret("hex-secret", "00ff10")
        cls.rsa = cls.keys.create_rsa_key("rsa-key", size=2048)
        cls.ec = cls.keys.create_ec_key("ec-key", curve="P-384")
        cls.keys.create_oct_key("oct-key", size=256)
        cls.pfx_cert = cls.certs.begin_create_certificate(
            "web-pfx", CertificatePolicy(issuer_name="Self", subject="CN=web.example")).result()
        cls.pem_cert = cls.certs.begin_create_certificate(
            "web-pem", CertificatePolicy(issuer_name="Self", subject="CN=pem.example",
                                         content_type=CertificateContentType.pem)).result()

        cls.make_example_vault()
        cls.provider = Provider(cls.tmp, args=pointed_at(s))

    @classmethod
    def make_example_vault(cls):
        """Vault `team` with the objects deploy/kubernetes/examples mount."""
        s = cls.server
        cls.coffer("vault", "create", "--name", "team")
        for role in ("Key Vault Secrets User", "Key Vault Reader"):
            cls.coffer("role", "assignment", "create", "--role", role, "--assignee", cls.sp["clientId"],
                       "--scope", "/vaults/team")
        cred = credential(s)
        url = s.vault_url("team")
        secrets = SecretClient(url, cred, connection_verify=s.ca_file)
        for i in range(3):
            secrets.set_secret("db-password", f"team-password-{i}")
            time.sleep(1.1)
        KeyClient(url, cred, connection_verify=s.ca_file).create_rsa_key("signing-key", size=2048)
        CertificateClient(url, cred, connection_verify=s.ca_file).begin_create_certificate(
            "web-tls", CertificatePolicy(issuer_name="Self", subject="CN=web.payments.example")).result()
        # A PKCS#12 keystore stored as base64 text, as `secret set --encoding base64` would.
        secrets.set_secret("app-keystore", secrets.get_secret("web-tls").value)

    @classmethod
    def tearDownClass(cls):
        cls.provider.stop()
        cls.server.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def coffer(cls, *args):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}
        p = subprocess.run([COFFER_BIN, *args, "--data-dir", cls.server.data_dir], capture_output=True, text=True,
                           timeout=60, env=env)
        assert p.returncode == 0, p.stderr

    # -- request builders -----------------------------------------------------------------

    def parameters(self, *objects, **extra):
        p = {"keyvaultName": "dev", "tenantID": self.tenant, "objects": objects_yaml(*objects)}
        p.update(extra)
        return p

    def attributes_16(self, params, tokens=None):
        return attributes_16(params, tokens)

    def sp_secrets(self):
        return {"clientid": self.sp["clientId"], "clientsecret": self.sp["clientSecret"]}

    def mount(self, params, secrets="sp", tokens=None, sock=None, **kw):
        request = {"attributes": self.attributes_16(params, tokens),
                   "secrets": self.sp_secrets() if secrets == "sp" else secrets, "permission": "420"}
        request.update({k: v for k, v in kw.items() if k in ("current_object_version", "parallel")})
        return driver(sock or self.provider.socket, "mount", request, write_dir=kw.get("write_dir"),
                      tls=kw.get("tls"))

    def assertMounted(self, resp):
        self.assertEqual(resp["error"], "", resp)
        self.assertTrue(resp["object_version"], resp)
        return files_of(resp)

    def assertFails(self, resp, code):
        self.assertEqual(resp["error"], code, resp)
        self.assertEqual(resp["files"], [])
        self.assertEqual(resp["object_version"], [])

    def wi_token(self, **claims):
        return {EXCHANGE: {"token": self.issuer.token(ISSUER_URL, **claims),
                           "expirationTimestamp": "2030-01-01T00:00:00Z"}}

    # -- Version and transport -------------------------------------------------------------

    def test_version(self):
        v = driver(self.provider.socket, "version")
        self.assertEqual(v["version"], "v1alpha1")
        self.assertEqual(v["runtime_name"], "coffer-csi-provider")
        self.assertRegex(v["runtime_version"], r"^v\d+\.\d+\.\d+$")
        # The same version as `coffer --version`.
        out = subprocess.run([COFFER_BIN, "--version"], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0)
        self.assertEqual(out.stdout.strip(), "coffer " + v["runtime_version"][1:])
        # grpc.health.v1.Health/Check answers SERVING on the same socket, as Azure's provider does.
        self.assertEqual(driver(self.provider.socket, "health"), {"status": 1})

    def test_socket_is_private_and_health_and_metrics_answer(self):
        self.assertEqual(os.stat(self.provider.socket).st_mode & 0o077, 0)
        self.assertEqual(self.provider.get(self.provider.healthz, "/healthz"), (200, "ok"))
        self.assertEqual(self.provider.get(self.provider.healthz, "/other")[0], 404)
        self.mount(self.parameters({"objectName": "db-password", "objectType": "secret"}))
        status, text = self.provider.get(self.provider.metrics, "/metrics")
        self.assertEqual(status, 200)
        self.assertIn('keyvault_request_count{object_type="secret",object_name="db-password",error=""', text)
        self.assertRegex(text, r'grpc_request_bucket\{grpc_method="/v1alpha1.CSIDriverProvider/Mount",grpc_code="OK"')
        self.assertIn('provider="coffer"', text)

    # -- identities ------------------------------------------------------------------------

    def test_service_principal_mount_driver_16(self):
        resp = self.mount(self.parameters({"objectName": "db-password", "objectType": "secret"}))
        files = self.assertMounted(resp)
        self.assertEqual(files, {"db-password": b"hunter2"})
        self.assertEqual(resp["files"][0]["mode"], 420)
        version = self.secrets.get_secret("db-password").properties.version
        self.assertEqual(resp["object_version"], [{"id": "secret/db-password", "version": version}])

    def test_driver_15_rotation_call(self):
        """No secretProviderClass/ephemeral keys, `{}`-style secrets with other casing, versions filled."""
        params = self.parameters({"objectName": "db-password", "objectType": "secret"})
        attributes = dict(params)
        attributes.update({"csi.storage.k8s.io/pod.name": "api-0", "csi.storage.k8s.io/pod.namespace": "payments",
                           "csi.storage.k8s.io/pod.uid": "0c8e-uid", "csi.storage.k8s.io/serviceAccount.name": "api"})
        request = {"attributes": attributes, "permission": "420",
                   "secrets": {"ClientID": self.sp["clientId"], "ClientSecret": self.sp["clientSecret"], "x": "y"},
                   "current_object_version": [{"id": "secret/db-password", "version": "old"}]}
        resp = driver(self.provider.socket, "mount", request)
        self.assertEqual(files_of(resp), {"db-password": b"hunter2"})
        self.assertEqual(len(resp["object_version"]), 1)

    def test_no_credentials(self):
        params = self.parameters({"objectName": "db-password", "objectType": "secret"})
        self.assertFails(self.mount(params, secrets=None), "MissingCredentials")
        self.assertFails(self.mount(params, secrets={}), "MissingCredentials")
        self.assertFails(self.mount(params, secrets={"clientid": self.sp["clientId"]}), "MissingCredentials")
        self.assertFails(self.mount(params, secrets={"clientid": self.sp["clientId"], "clientsecret": "wrong"}),
                         "AuthenticationFailed")
        # The provider log names the pod and the reason, never the secret.
        self.provider.log.flush()
        with open(self.provider.log_path) as f:
            log = f.read()
        self.assertIn("mount for pod payments/api-0 failed (AuthenticationFailed)", log)
        self.assertIn("AADSTS", log)
        self.assertNotIn(self.sp["clientSecret"], log)

    def test_workload_identity(self):
        params = self.parameters({"objectName": "db-password", "objectType": "secret"},
                                 clientID=self.sp["clientId"])
        files = self.assertMounted(self.mount(params, secrets=None, tokens=self.wi_token()))
        self.assertEqual(files, {"db-password": b"hunter2"})
        # Driver 1.6 with serviceAccountTokenInSecrets: the tokens arrive in `secrets`.
        in_secrets = {"csi.storage.k8s.io/serviceAccount.tokens": json.dumps(self.wi_token())}
        self.assertMounted(self.mount(params, secrets=in_secrets))
        # Refused tokens: wrong audience, subject, issuer; no token for the audience at all.
        self.assertFails(self.mount(params, secrets=None, tokens=self.wi_token(aud="api://other")),
                         "AuthenticationFailed")
        self.assertFails(self.mount(params, secrets=None, tokens=self.wi_token(sub="system:serviceaccount:x:y")),
                         "AuthenticationFailed")
        other_issuer = {EXCHANGE: {"token": self.issuer.token("https://other.example/oidc"),
                                   "expirationTimestamp": "2030-01-01T00:00:00Z"}}
        self.assertFails(self.mount(params, secrets=None, tokens=other_issuer), "AuthenticationFailed")
        self.assertFails(self.mount(params, secrets=None, tokens={}), "MissingCredentials")
        self.assertFails(self.mount(params, secrets=None), "MissingCredentials")

    def test_unsupported_modes_and_bad_parameters(self):
        obj = {"objectName": "db-password", "objectType": "secret"}
        for mode in ("usePodIdentity", "useVMManagedIdentity", "useAzureTokenProxy"):
            self.assertFails(self.mount(self.parameters(obj, **{mode: "true"})), "UnsupportedAuthMode")
        self.assertFails(self.mount(self.parameters(obj, usePodIdentity="TRUE", useVMManagedIdentity="1")),
                         "InvalidParameters")
        self.assertMounted(self.mount(self.parameters(obj, usePodIdentity="False", useVMManagedIdentity="0")))
        self.assertFails(self.mount(self.parameters(obj, usePodIdentity="yes")), "InvalidParameters")
        self.assertFails(self.mount(self.parameters(obj, keyvaultName="a")), "InvalidParameters")
        self.assertFails(self.mount(self.parameters(obj, keyvaultName="bad_name!")), "InvalidParameters")
        self.assertFails(self.mount(self.parameters(obj, cloudName="MarsCloud")), "InvalidParameters")
        no_tenant = self.parameters(obj)
        del no_tenant["tenantID"]
        self.assertFails(self.mount(no_tenant), "InvalidParameters")
        legacy = self.parameters(obj)
        legacy["tenantId"] = legacy.pop("tenantID")  # the legacy spelling still works
        self.assertMounted(self.mount(legacy))
        # A vault that does not exist.
        self.assertFails(self.mount(self.parameters(obj, keyvaultName="nosuchvault")), "ObjectNotFound")

    def test_cloud_env_file(self):
        env_file = os.path.join(self.tmp, "cloud.json")
        with open(env_file, "w") as f:
            json.dump({"name": "AzureStackCloud", "keyVaultDNSSuffix": f"vault.localhost:{self.server.port}",
                       "activeDirectoryEndpoint": self.server.authority + "/"}, f)
        provider = Provider(self.tmp, name="envcloud", args=["--ca-file", self.server.ca_file])
        try:
            params = self.parameters({"objectName": "db-password", "objectType": "secret"},
                                     cloudName="AzureStackCloud", cloudEnvFileName=env_file)
            self.assertEqual(files_of(self.mount(params, sock=provider.socket)), {"db-password": b"hunter2"})
            params["cloudEnvFileName"] = os.path.join(self.tmp, "missing.json")
            self.assertFails(self.mount(params, sock=provider.socket), "InvalidParameters")
            # Without the file nothing names the suffix or the authority.
            del params["cloudEnvFileName"]
            self.assertFails(self.mount(params, sock=provider.socket), "InvalidParameters")
        finally:
            provider.stop()

    def test_bad_request_fields(self):
        request = {"attributes": "{not json", "secrets": "null", "permission": "420"}
        self.assertFails(driver(self.provider.socket, "mount", request), "InvalidRequest")
        request = {"attributes": self.attributes_16(self.parameters({"objectName": "a", "objectType": "secret"})),
                   "secrets": "[1]", "permission": "420"}
        self.assertFails(driver(self.provider.socket, "mount", request), "InvalidRequest")
        request["secrets"] = self.sp_secrets()
        request["permission"] = "\"rw\""
        self.assertFails(driver(self.provider.socket, "mount", request), "InvalidRequest")

    # -- objects ---------------------------------------------------------------------------

    def test_every_object_type_format_and_encoding(self):
        resp = self.mount(self.parameters(
            {"objectName": "db-password", "objectType": "secret", "objectAlias": "config/db"},
            {"objectName": "b64-secret", "objectType": "secret", "objectEncoding": "base64"},
            {"objectName": "hex-secret", "objectType": "secret", "objectEncoding": "HEX"},
            {"objectName": "rsa-key", "objectType": "key"},
            {"objectName": "ec-key", "objectType": "key"},
            {"objectName": "web-pfx", "objectType": "cert", "objectAlias": "web.crt"},
            {"objectName": "web-pfx", "objectType": "secret", "objectAlias": "web.pem"},
            {"objectName": "web-pfx", "objectType": "secret", "objectAlias": "web.pfx.b64", "objectFormat": "pfx"},
            {"objectName": "web-pfx", "objectType": "secret", "objectAlias": "web.pfx", "objectFormat": "PFX",
             "objectEncoding": "base64"},
            {"objectName": "web-pem", "objectType": "secret", "objectAlias": "pem.pem"}))
        files = self.assertMounted(resp)
        self.assertEqual(files["config/db"], b"hunter2")
        self.assertEqual(files["b64-secret"], b"\x00\x01binary\xff")
        self.assertEqual(files["hex-secret"], b"\x00\xff\x10")
        # Keys: the public key, as SubjectPublicKeyInfo PEM.
        rsa_pub = serialization.load_pem_public_key(files["rsa-key"])
        self.assertEqual(rsa_pub.public_numbers().n, int.from_bytes(self.rsa.key.n, "big"))
        ec_pub = serialization.load_pem_public_key(files["ec-key"])
        self.assertEqual(ec_pub.public_numbers().x, int.from_bytes(self.ec.key.x, "big"))
        self.assertTrue(files["ec-key"].startswith(b"-----BEGIN PUBLIC KEY-----"))
        # cert: the leaf only.
        leaf = x509.load_pem_x509_certificate(files["web.crt"])
        self.assertEqual(leaf.public_bytes(serialization.Encoding.DER), bytes(self.pfx_cert.cer))
        self.assertEqual(files["web.crt"].count(b"BEGIN CERTIFICATE"), 1)
        # A PKCS#12 certificate secret as PEM: the PKCS#8 key first, then the certificate.
        pem = files["web.pem"]
        self.assertTrue(pem.startswith(b"-----BEGIN PRIVATE KEY-----"), pem[:40])
        key = serialization.load_pem_private_key(pem, None)
        self.assertEqual(key.public_key().public_numbers(), leaf.public_key().public_numbers())
        self.assertEqual(x509.load_pem_x509_certificate(pem[pem.index(b"-----BEGIN CERTIFICATE"):]), leaf)
        # pfx: the stored base64 text; with objectEncoding base64 the binary PFX.
        secret_value = self.secrets.get_secret("web-pfx").value
        self.assertEqual(files["web.pfx.b64"], secret_value.encode())
        self.assertEqual(files["web.pfx"], base64.b64decode(secret_value))
        k2, c2, _ = pkcs12.load_key_and_certificates(files["web.pfx"], None)
        self.assertEqual(c2, leaf)
        # A PEM certificate's secret is passed on as stored.
        self.assertEqual(files["pem.pem"], self.secrets.get_secret("web-pem").value.encode())
        # Ids and versions.
        versions = versions_of(resp)
        self.assertEqual(versions["key/rsa-key"], self.rsa.properties.version)
        self.assertEqual(versions["cert/web-pfx"], self.pfx_cert.properties.version)
        self.assertEqual(versions["secret/web-pfx"], self.pfx_cert.properties.version)
        self.assertEqual(len(resp["object_version"]), 10)

    def test_unsupported_objects(self):
        self.assertFails(self.mount(self.parameters({"objectName": "oct-key", "objectType": "key"})),
                         "UnsupportedObject")
        self.assertFails(self.mount(self.parameters({"objectName": "db-password", "objectType": "secret",
                                                     "objectEncoding": "base64"})), "UnsupportedObject")
        # One bad object fails the whole mount: no partial volume.
        self.assertFails(self.mount(self.parameters({"objectName": "db-password", "objectType": "secret"},
                                                    {"objectName": "missing", "objectType": "secret"})),
                         "ObjectNotFound")
        self.assertFails(self.mount(self.parameters({"objectName": "db-password", "objectType": "secret",
                                                     "objectVersion": "0" * 32})), "ObjectNotFound")

    def test_separate_cert_and_key_files(self):
        provider = Provider(self.tmp, name="split",
                            args=pointed_at(self.server, "--write-cert-and-key-in-separate-files", "true"))
        try:
            files = self.assertMounted(self.mount(self.parameters(
                {"objectName": "web-pfx", "objectType": "secret", "objectAlias": "tls"}), sock=provider.socket))
            self.assertEqual(set(files), {"tls", "tls.crt", "tls.key"})
            self.assertTrue(files["tls.key"].startswith(b"-----BEGIN PRIVATE KEY-----"))
            self.assertEqual(files["tls.crt"], files["tls"][files["tls"].index(b"-----BEGIN CERTIFICATE"):])
        finally:
            provider.stop()

    def test_bad_objects(self):
        cases = {
            "not yaml: [": "InvalidObjects",
            "array: notalist": "InvalidObjects",
            "array: []": "InvalidObjects",
            "array:\n  - |\n    objectType: secret\n": "InvalidObjects",
            "array:\n  - |\n    objectName: a\n    objectType: password\n": "InvalidObjects",
            "array:\n  - |\n    objectName: a\n    objectType: key\n    objectFormat: pfx\n": "InvalidObjects",
            "array:\n  - |\n    objectName: a\n    objectType: secret\n    objectEncoding: rot13\n": "InvalidObjects",
            "array:\n  - |\n    objectName: a\n    objectType: secret\n    objectAlias: ../etc/passwd\n":
                "InvalidObjects",
            "array:\n  - |\n    objectName: a\n    objectType: secret\n    filePermission: 0999\n": "InvalidObjects",
            "array:\n  - |\n    objectName: a\n    objectType: secret\n    objectVersionHistory: many\n":
                "InvalidObjects",
            "array:\n  - |\n    objectName: a/b\n    objectType: secret\n": "InvalidObjects",
            "array:\n  - |\n    objectName: db-password\n    objectType: secret\n    objectAlias: a//b\n":
                "InvalidPath",
            "array:\n  - |\n    objectName: db-password\n    objectType: secret\n    objectAlias: a/./b\n":
                "InvalidPath",
            "array:\n  - |\n    objectName: db-password\n    objectType: secret\n    objectAlias: dir/\n":
                "InvalidPath",
        }
        for text, code in cases.items():
            params = {"keyvaultName": "dev", "tenantID": self.tenant, "objects": text}
            with self.subTest(objects=text):
                self.assertFails(self.mount(params), code)
        missing = {"keyvaultName": "dev", "tenantID": self.tenant}
        self.assertFails(self.mount(missing), "InvalidObjects")

    def test_file_permission(self):
        resp = self.mount(self.parameters({"objectName": "db-password", "objectType": "secret",
                                           "filePermission": "0600"},
                                          {"objectName": "hex-secret", "objectType": "secret"}))
        modes = {f["path"]: f["mode"] for f in resp["files"]}
        self.assertEqual(modes, {"db-password": 0o600, "hex-secret": 420})
        target = os.path.join(self.tmp, "perm-volume")
        self.mount(self.parameters({"objectName": "db-password", "objectType": "secret", "filePermission": "0440"}),
                   write_dir=target)
        self.assertEqual(os.stat(os.path.join(target, "db-password")).st_mode & 0o777, 0o440)

    def test_version_history(self):
        for i in range(4):
            self.secrets.set_secret("rotated", f"v{i}")
            time.sleep(1.1)  # `created` has one-second resolution
        versions = [p for p in self.secrets.list_properties_of_secret_versions("rotated")]
        by_value = {self.secrets.get_secret("rotated", p.version).value: p.version for p in versions}
        self.secrets.update_secret_properties("rotated", by_value["v2"], enabled=False)
        resp = self.mount(self.parameters({"objectName": "rotated", "objectType": "secret", "objectAlias": "r",
                                           "objectVersionHistory": 3}))
        files = self.assertMounted(resp)
        self.assertEqual(files, {"r/0": b"v3", "r/1": b"v1", "r/2": b"v0"})
        self.assertEqual(versions_of(resp), {"secret/rotated/0": by_value["v3"], "secret/rotated/1": by_value["v1"],
                                             "secret/rotated/2": by_value["v0"]})
        # Starting at a given version.
        resp = self.mount(self.parameters({"objectName": "rotated", "objectType": "secret",
                                           "objectVersion": by_value["v1"], "objectVersionHistory": 5}))
        self.assertEqual(files_of(resp), {"rotated/0": b"v1", "rotated/1": b"v0"})
        # The disabled version cannot start a history.
        self.assertFails(self.mount(self.parameters({"objectName": "rotated", "objectType": "secret",
                                                     "objectVersion": by_value["v2"], "objectVersionHistory": 2})),
                         "ObjectNotFound")

    def test_version_history_within_one_second(self):
        # A rotation right after a set: both versions share their `created` second. The current
        # version is alias 0 every time, and the older one follows.
        for i in range(8):
            name = f"quick-{i}"
            self.secrets.set_secret(name, "old")
            self.secrets.set_secret(name, "new")
            resp = self.mount(self.parameters({"objectName": name, "objectType": "secret", "objectAlias": "q",
                                               "objectVersionHistory": 2}))
            self.assertEqual(self.assertMounted(resp), {"q/0": b"new", "q/1": b"old"}, name)

    # -- rotation and the driver's writers -------------------------------------------------

    def test_rotation_and_atomic_writer(self):
        self.secrets.set_secret("rotating", "first")
        params = self.parameters({"objectName": "rotating", "objectType": "secret"},
                                 {"objectName": "db-password", "objectType": "secret", "objectAlias": "nested/db"})
        volume = os.path.join(self.tmp, "volume")
        first = self.mount(params, write_dir=volume)
        self.assertTrue(first["write"]["written"], first)
        with open(os.path.join(volume, "rotating")) as f:
            self.assertEqual(f.read(), "first")
        with open(os.path.join(volume, "nested", "db")) as f:
            self.assertEqual(f.read(), "hunter2")
        self.assertTrue(os.path.islink(os.path.join(volume, "rotating")))
        # The same answer again: identical files, nothing rewritten, same versions.
        again = self.mount(params, write_dir=volume)
        self.assertFalse(again["write"]["written"])
        self.assertEqual(versions_of(again), versions_of(first))
        # A new version on the server shows on the next poll.
        new = self.secrets.set_secret("rotating", "second")
        rotated = self.mount(params, write_dir=volume,
                             current_object_version=first["object_version"])
        self.assertTrue(rotated["write"]["written"])
        self.assertEqual(versions_of(rotated)["secret/rotating"], new.properties.version)
        self.assertNotEqual(versions_of(rotated)["secret/rotating"], versions_of(first)["secret/rotating"])
        self.assertEqual(versions_of(rotated)["secret/db-password"], versions_of(first)["secret/db-password"])
        with open(os.path.join(volume, "rotating")) as f:
            self.assertEqual(f.read(), "second")
        # A file dropped from the class disappears from the volume (the answer is always complete).
        smaller = self.mount(self.parameters({"objectName": "rotating", "objectType": "secret"}), write_dir=volume)
        self.assertTrue(smaller["write"]["written"])
        self.assertFalse(os.path.exists(os.path.join(volume, "nested")))
        self.assertEqual(sorted(n for n in os.listdir(volume) if not n.startswith("..")), ["rotating"])

    def test_tls_secret_sync(self):
        """secretObjects type kubernetes.io/tls from the PEM and the binary PFX forms."""
        for obj, path in (({"objectName": "web-pfx", "objectType": "secret", "objectAlias": "tls.pem"}, "tls.pem"),
                          ({"objectName": "web-pfx", "objectType": "secret", "objectAlias": "tls.pfx",
                            "objectFormat": "pfx", "objectEncoding": "base64"}, "tls.pfx"),
                          ({"objectName": "web-pem", "objectType": "secret"}, "web-pem")):
            with self.subTest(path=path):
                resp = self.mount(self.parameters(obj), tls=path)
                tls = resp["tls"]
                self.assertNotIn("error", tls)
                cert = x509.load_pem_x509_certificate(tls["tls.crt"].encode())
                key = serialization.load_pem_private_key(tls["tls.key"].encode(), None)
                self.assertEqual(key.public_key().public_numbers(), cert.public_key().public_numbers())
                self.assertRegex(tls["tls.key"], r"^-----BEGIN (RSA|EC) PRIVATE KEY-----")

    def test_concurrent_mounts_agree(self):
        resp = self.mount(self.parameters({"objectName": "db-password", "objectType": "secret"},
                                          {"objectName": "rsa-key", "objectType": "key"},
                                          {"objectName": "web-pfx", "objectType": "secret"}), parallel=16)
        self.assertMounted(resp)
        self.assertTrue(resp["parallel_identical"])

    # -- limits ----------------------------------------------------------------------------

    def test_size_limits(self):
        provider = Provider(self.tmp, name="small", args=pointed_at(self.server, "--max-file-bytes", "100",
                                                                    "--max-response-bytes", "3000"))
        try:
            self.assertMounted(self.mount(self.parameters({"objectName": "db-password", "objectType": "secret"}),
                                          sock=provider.socket))
            self.assertFails(self.mount(self.parameters({"objectName": "rsa-key", "objectType": "key"}),
                                        sock=provider.socket), "FileTooLarge")
            many = [{"objectName": "db-password", "objectType": "secret", "objectAlias": f"copy{i}"}
                    for i in range(60)]
            self.assertFails(self.mount(self.parameters(*many), sock=provider.socket), "ResponseTooLarge")
        finally:
            provider.stop()

    def test_default_limit_is_the_drivers_4_mib(self):
        value = "x" * 25000  # near AKV's 25 KiB secret limit
        self.secrets.set_secret("big", value)
        def copies(n):
            return [{"objectName": "big", "objectType": "secret", "objectAlias": f"b{i}"} for i in range(n)]
        fits = self.mount(self.parameters(*copies(160)))  # ~4.0 MB: under 4 MiB, the fake driver accepts it
        self.assertMounted(fits)
        self.assertLess(fits["response_bytes"], 4 * 1024 * 1024)
        self.assertEqual(len(fits["files"]), 160)
        self.assertFails(self.mount(self.parameters(*copies(170))), "ResponseTooLarge")

    # -- the documented examples ----------------------------------------------------------

    def example_classes(self):
        """Every SecretProviderClass (and Secret) in deploy/kubernetes/examples, placeholders filled."""
        import yaml
        root = os.path.join(os.path.dirname(__file__), "../../deploy/kubernetes/examples")
        fills = {"<coffer-tenant-id>": self.tenant, "<app-client-id>": self.sp["clientId"],
                 "<sp-client-id>": self.sp["clientId"], "<sp-client-secret>": self.sp["clientSecret"]}
        found = {}
        for name in sorted(os.listdir(root)):
            with open(os.path.join(root, name)) as f:
                text = f.read()
            for k, v in fills.items():
                text = text.replace(k, v)
            docs = [d for d in yaml.safe_load_all(text) if d]
            secret = next((d for d in docs if d["kind"] == "Secret"), None)
            for d in docs:
                if d["kind"] == "SecretProviderClass":
                    found[name] = (d, secret)
        return found

    def test_documented_examples_mount(self):
        classes = self.example_classes()
        self.assertEqual(len(classes), 4, list(classes))
        azure = Provider(self.tmp, name="azure", args=pointed_at(self.server))
        try:
            for name, (spc, secret) in classes.items():
                with self.subTest(example=name):
                    spec = spc["spec"]
                    sock = azure.socket if spec["provider"] == "azure" else self.provider.socket
                    self.assertIn(spec["provider"], ("azure", "coffer"))
                    params = spec["parameters"]
                    secrets = secret["stringData"] if secret else None
                    tokens = self.wi_token() if params.get("clientID") else None
                    tls = None
                    for obj in spec.get("secretObjects", []):
                        if obj["type"] == "kubernetes.io/tls":
                            tls = obj["data"][0]["objectName"]
                    resp = self.mount(params, secrets=secrets, tokens=tokens, sock=sock, tls=tls,
                                      write_dir=os.path.join(self.tmp, "example-" + name))
                    files = self.assertMounted(resp)
                    self.assertTrue(resp["write"]["written"])
                    self.assertIn("db-password" if "tls" not in name else "web-tls", files)
                    for obj in spec.get("secretObjects", []):  # every synced key names a mounted file
                        for d in obj["data"]:
                            self.assertIn(d["objectName"], files)
                    if tls:
                        self.assertNotIn("error", resp["tls"])
            wi = files_of(self.mount(classes["secretproviderclass-workload-identity.yaml"][0]["spec"]["parameters"],
                                     secrets=None, tokens=self.wi_token()))
            self.assertEqual(wi["db-password"], b"team-password-2")
            self.assertEqual([wi[f"db-password-history/{i}"] for i in range(3)],
                             [b"team-password-2", b"team-password-1", b"team-password-0"])
            self.assertTrue(wi["signing-key.pub.pem"].startswith(b"-----BEGIN PUBLIC KEY-----"))
            pkcs12.load_key_and_certificates(wi["keystore/app.p12"], None)
        finally:
            azure.stop()

    # -- drop-in for Azure classes, other endpoints ----------------------------------------

    def test_azure_provider_name_with_vault_url_and_ca_bundle(self):
        """`--provider-name azure` serves an unchanged Azure class; vaultUrl + caBundle reach the server
        without any provider-wide vault or CA setting."""
        provider = Provider(self.tmp, name="azure", args=["--authority-host", self.server.authority])
        try:
            self.assertTrue(provider.socket.endswith("/azure.sock"))
            with open(self.server.ca_file) as f:
                ca = f.read()
            params = self.parameters({"objectName": "db-password", "objectType": "secret"},
                                     vaultUrl=self.server.vault_url() + "/", caBundle=ca)
            del params["keyvaultName"]
            self.assertEqual(files_of(self.mount(params, sock=provider.socket)), {"db-password": b"hunter2"})
            del params["caBundle"]  # the system store does not trust the dev CA
            self.assertFails(self.mount(params, sock=provider.socket), "VaultUnavailable")
        finally:
            provider.stop()

    def test_socket_handling_and_graceful_stop(self):
        directory = os.path.join(self.tmp, "sockets")
        os.makedirs(directory, exist_ok=True)
        # A stale socket from a crashed run is replaced.
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(os.path.join(directory, "coffer.sock"))
        stale.close()
        provider = Provider(directory)
        self.assertEqual(driver(provider.socket, "version")["version"], "v1alpha1")
        # /healthz really dials the socket: with the socket file gone it reports 503.
        os.rename(provider.socket, provider.socket + ".moved")
        self.assertEqual(provider.get(provider.healthz, "/healthz"), (503, "unhealthy"))
        os.rename(provider.socket + ".moved", provider.socket)
        self.assertEqual(provider.get(provider.healthz, "/healthz"), (200, "ok"))
        self.assertEqual(provider.stop(), 0)
        self.assertFalse(os.path.exists(provider.socket))
        # Anything else at the socket path is left alone and the provider refuses to start.
        with open(os.path.join(directory, "coffer.sock"), "w") as f:
            f.write("not a socket")
        p = subprocess.run([COFFER_BIN, "csi-provider", "--endpoint", f"unix://{directory}/coffer.sock",
                            "--healthz-port", "0", "--prometheus-port", "0"], capture_output=True, text=True, timeout=30)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("not a socket", p.stdout + p.stderr)
        # A health port in use stops the start-up cleanly: exit 1, no socket left behind.
        os.remove(os.path.join(directory, "coffer.sock"))
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            p = subprocess.run([COFFER_BIN, "csi-provider", "--endpoint", f"unix://{directory}/coffer.sock",
                                "--http-address", "127.0.0.1", "--healthz-port", str(busy.getsockname()[1]),
                                "--prometheus-port", "0"], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertFalse(os.path.exists(os.path.join(directory, "coffer.sock")))
        # A socket directory that does not exist: exit 1 with the reason, nothing created.
        p = subprocess.run([COFFER_BIN, "csi-provider", "--endpoint", f"unix://{directory}/missing/coffer.sock",
                            "--healthz-port", "0", "--prometheus-port", "0"], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("cannot listen", p.stdout + p.stderr)
        self.assertFalse(os.path.exists(os.path.join(directory, "missing")))
        # Bad health settings are refused before anything starts.
        for args in (["--healthz-timeout", "5x"], ["--healthz-timeout", "0s"], ["--healthz-path", "healthz"]):
            p = subprocess.run([COFFER_BIN, "csi-provider", "--endpoint", f"unix://{directory}/coffer.sock", *args],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 1, (args, p.stdout, p.stderr))
            self.assertIn("ERROR: --healthz-", p.stderr)
            self.assertFalse(os.path.exists(os.path.join(directory, "coffer.sock")))
        # The socket name must be the provider name; names follow the driver's rule.
        for args in (["--endpoint", f"unix://{directory}/other.sock"], ["--provider-name", "bad name"],
                     ["--endpoint", "unix://relative/coffer.sock"], ["--endpoint", "unix:///" + "x" * 120 + "/coffer.sock"]):
            p = subprocess.run([COFFER_BIN, "csi-provider", *args], capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 1, (args, p.stdout, p.stderr))
            self.assertIn("ERROR: ", p.stderr)


if __name__ == "__main__":
    unittest.main()
