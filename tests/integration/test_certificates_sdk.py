"""Debian's azure-keyvault-certificates (CertificateClient) against a real
`coffer server --dev --test-clock`: the create/poll dance with a Self issuer
(default policy, and EC + PEM + non-exportable), the backing key and secret
read through KeyClient/SecretClient and checked with `cryptography` and
`openssl`, issuer Unknown's pending operation with its CSR, soft delete /
recover / purge moving all three objects, retention purge by the test
clock, and the managed key/secret refusing changes through their own APIs."""
import base64
import datetime
import hashlib
import subprocess
import tempfile
import os
import unittest

from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.keyvault.certificates import (AdministratorContact, CertificateClient, CertificateContact,
                                         CertificateContentType, CertificatePolicy, KeyCurveName, KeyType,
                                         WellKnownIssuerNames)
from azure.keyvault.keys import KeyClient
from azure.keyvault.keys.crypto import CryptographyClient, SignatureAlgorithm
from azure.keyvault.secrets import SecretClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives.serialization import pkcs12

import requests

from coffer_server import CofferServer, admin, credential, token


class CertificateClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = CofferServer(extra_args=["--test-clock"]).start()
        cls.cred = cred = credential(cls.server)
        kw = dict(connection_verify=cls.server.ca_file)
        url = cls.server.vault_url()
        cls.certs = CertificateClient(url, cred, **kw)
        cls.keys = KeyClient(url, cred, **kw)
        cls.secrets = SecretClient(url, cred, **kw)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def create(self, name, policy):
        # The first poll of …/pending already says completed, so the poller never sleeps.
        return self.certs.begin_create_certificate(name, policy).result()

    def test_self_signed_default_policy_and_its_key_and_secret(self):
        cert = self.create("web", CertificatePolicy.get_default())
        self.assertEqual(cert.name, "web")
        leaf = x509.load_der_x509_certificate(bytes(cert.cer))
        self.assertEqual(leaf.subject.rfc4514_string(), "CN=DefaultPolicy")
        self.assertEqual(cert.properties.x509_thumbprint, hashlib.sha1(bytes(cert.cer)).digest())
        self.assertTrue(cert.properties.enabled)
        self.assertEqual(cert.policy.key_type, KeyType.rsa)
        self.assertEqual(cert.policy.key_size, 2048)
        self.assertTrue(cert.policy.exportable)
        self.assertEqual(cert.policy.content_type, CertificateContentType.pkcs12)
        self.assertEqual(cert.policy.validity_in_months, 12)
        self.assertEqual(cert.policy.issuer_name, "Self")
        self.assertEqual(cert.policy.lifetime_actions[0].action.value, "AutoRenew")
        self.assertEqual(cert.policy.lifetime_actions[0].lifetime_percentage, 80)
        self.assertEqual(cert.key_id, f"{self.server.vault_url()}/keys/web/{cert.properties.version}")
        self.assertEqual(cert.secret_id, f"{self.server.vault_url()}/secrets/web/{cert.properties.version}")
        self.assertEqual(self.certs.get_certificate_operation("web").status, "completed")
        self.assertEqual(self.certs.get_certificate_version("web", cert.properties.version).cer, cert.cer)
        self.assertIn("web", {c.name for c in self.certs.list_properties_of_certificates()})
        self.assertEqual(len(list(self.certs.list_properties_of_certificate_versions("web"))), 1)
        self.assertEqual(self.certs.get_certificate_policy("web").subject, "CN=DefaultPolicy")

        # The secret: a PKCS#12 without password, with the private key of the certificate.
        secret = self.secrets.get_secret("web")
        self.assertEqual(secret.properties.content_type, "application/x-pkcs12")
        self.assertTrue(secret.properties.managed)
        # It names its key, as AKV does (the CSI provider tells certificate secrets apart by it).
        self.assertEqual(secret.properties.key_id, f"{self.server.vault_url()}/keys/web/{cert.properties.version}")
        key, pfx_cert, _ = pkcs12.load_key_and_certificates(base64.b64decode(secret.value), None)
        self.assertEqual(pfx_cert.public_bytes(serialization.Encoding.DER), bytes(cert.cer))
        self.assertEqual(key.public_key().public_numbers(), leaf.public_key().public_numbers())
        # openssl reads the PFX with an empty password too.
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "web.pfx")
            with open(path, "wb") as f:
                f.write(base64.b64decode(secret.value))
            out = subprocess.run(["openssl", "pkcs12", "-in", path, "-passin", "pass:", "-nokeys"],
                                 capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("CN = DefaultPolicy", out.stdout)

        # The key signs (server side); the certificate's public key verifies.
        k = self.keys.get_key("web")
        self.assertEqual(k.properties.version, cert.properties.version)
        self.assertTrue(k.properties.managed)
        digest = hashlib.sha256(b"signed by a certificate's key").digest()
        sig = CryptographyClient(k, self.cred, connection_verify=self.server.ca_file).sign(
            SignatureAlgorithm.rs256, digest).signature
        leaf.public_key().verify(sig, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))

        # Managed: set and delete through the secrets/keys APIs are refused with AKV's 403.
        for call in (lambda: self.secrets.set_secret("web", "x"), lambda: self.secrets.begin_delete_secret("web"),
                     lambda: self.keys.begin_delete_key("web")):
            with self.assertRaises(HttpResponseError) as ctx:
                call()
            self.assertEqual(ctx.exception.status_code, 403)
            self.assertIn("managed by Key Vault", str(ctx.exception))

    def test_ec_pem_not_exportable(self):
        policy = CertificatePolicy(issuer_name=WellKnownIssuerNames.self, subject="CN=ec.example",
                                   san_dns_names=["ec.example"], key_type=KeyType.ec, key_curve_name=KeyCurveName.p_384,
                                   content_type=CertificateContentType.pem, exportable=False, validity_in_months=3)
        # exportable=False is falsy, so the SDK does not send it: set it on the wire explicitly.
        policy._exportable = False
        cert = self.create("ec-cert", policy)
        leaf = x509.load_der_x509_certificate(bytes(cert.cer))
        self.assertIsInstance(leaf.public_key(), ec.EllipticCurvePublicKey)
        self.assertEqual(leaf.public_key().curve.name, "secp384r1")
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        self.assertEqual(san.get_values_for_type(x509.DNSName), ["ec.example"])
        self.assertEqual(cert.policy.key_curve_name, KeyCurveName.p_384)
        self.assertEqual(cert.policy.content_type, CertificateContentType.pem)
        secret = self.secrets.get_secret("ec-cert")
        self.assertEqual(secret.properties.content_type, "application/x-pem-file")
        self.assertIn("-----BEGIN CERTIFICATE-----", secret.value)
        self.assertEqual(cert.policy.exportable, False)
        self.assertNotIn("PRIVATE KEY", secret.value)

    def test_unknown_issuer_leaves_a_pending_operation(self):
        policy = CertificatePolicy(issuer_name=WellKnownIssuerNames.unknown, subject="CN=external.example")
        self.certs.begin_create_certificate("ext", policy)  # the SDK's poller ends at once for Unknown
        op = self.certs.get_certificate_operation("ext")
        self.assertEqual(op.status, "inProgress")
        self.assertEqual(op.issuer_name, "Unknown")
        csr = x509.load_der_x509_csr(bytes(op.csr))
        self.assertTrue(csr.is_signature_valid)
        self.assertEqual(csr.subject.rfc4514_string(), "CN=external.example")
        pending = self.certs.get_certificate("ext")
        self.assertFalse(pending.properties.enabled)
        self.assertIsNone(pending.cer)
        with self.assertRaises(ResourceNotFoundError) as ctx:
            self.certs.get_certificate_operation("no-such-certificate")
        self.assertEqual(ctx.exception.error.code, "PendingCertificateNotFound")

    def test_delete_recover_purge_move_all_three(self):
        cert = self.create("life", CertificatePolicy.get_default())
        deleted = self.certs.begin_delete_certificate("life").result()
        self.assertEqual(deleted.name, "life")
        self.assertIsNotNone(deleted.recovery_id)
        self.assertGreater(deleted.scheduled_purge_date, deleted.deleted_on)
        for get in (lambda: self.certs.get_certificate("life"), lambda: self.keys.get_key("life"),
                    lambda: self.secrets.get_secret("life")):
            with self.assertRaises(ResourceNotFoundError):
                get()
        self.assertIn("life", {d.name for d in self.certs.list_deleted_certificates()})
        with self.assertRaises(ResourceExistsError):
            self.create("life", CertificatePolicy.get_default())
        recovered = self.certs.begin_recover_deleted_certificate("life").result()
        self.assertEqual(recovered.properties.version, cert.properties.version)
        self.assertEqual(self.secrets.get_secret("life").properties.version, cert.properties.version)
        self.certs.begin_delete_certificate("life").wait()
        self.certs.purge_deleted_certificate("life")
        with self.assertRaises(ResourceNotFoundError):
            self.certs.get_deleted_certificate("life")
        with self.assertRaises(ResourceNotFoundError):
            self.keys.get_deleted_key("life")

    def test_retention_purge_by_the_test_clock(self):
        self.create("short", CertificatePolicy.get_default())
        self.certs.begin_delete_certificate("short").wait()
        r = admin(self.server, "POST", "/clock/advance", {"seconds": 91 * 86400})
        self.assertEqual(r.status_code, 200, r.text)
        self.assertGreaterEqual(r.json()["certificatesPurged"], 1)
        with self.assertRaises(ResourceNotFoundError):
            self.certs.get_deleted_certificate("short")

    def test_bad_policies_are_400(self):
        for policy in (CertificatePolicy(issuer_name="Self"),  # no subject, no SAN: the SDK refuses itself
                       ):
            with self.assertRaises((ValueError, HttpResponseError)):
                self.create("bad", policy)
        bad = CertificatePolicy(issuer_name="Self", subject="CN=x", key_type=KeyType.rsa, key_size=1000)
        with self.assertRaises(HttpResponseError) as ctx:
            self.create("bad", bad)
        self.assertEqual(ctx.exception.status_code, 400)
        self.assertIn("2048, 3072 or 4096", str(ctx.exception))
        with self.assertRaises(HttpResponseError) as ctx:  # a subject that is no distinguished name
            self.create("bad", CertificatePolicy(issuer_name="Self", subject="no equals sign here"))
        self.assertEqual(ctx.exception.status_code, 400)
        for blob in (b"\x30\x82\x01\x00broken pfx", b"garbage"):  # broken PFX
            with self.assertRaises(HttpResponseError) as ctx:
                self.certs.import_certificate("bad", blob, password="x")
            self.assertEqual(ctx.exception.status_code, 400)
            self.assertEqual(ctx.exception.error.code, "BadParameter")

    def test_import_pfx_with_password_and_pem(self):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imported.example")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now)
                .not_valid_after(now + datetime.timedelta(days=90))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName("imported.example")]), False)
                .sign(key, hashes.SHA256()))
        pfx = pkcs12.serialize_key_and_certificates(b"imp", key, cert, None,
                                                    serialization.BestAvailableEncryption(b"s3cret"))
        imported = self.certs.import_certificate("imported", pfx, password="s3cret", tags={"src": "pfx"})
        version = imported.properties.version
        self.assertEqual(imported.id, f"{self.server.vault_url()}/certificates/imported/{version}")
        self.assertEqual(imported.key_id, f"{self.server.vault_url()}/keys/imported/{version}")
        self.assertEqual(imported.secret_id, f"{self.server.vault_url()}/secrets/imported/{version}")
        self.assertEqual(bytes(imported.cer), cert.public_bytes(serialization.Encoding.DER))
        self.assertEqual(imported.policy.issuer_name, "Unknown")
        self.assertEqual(imported.policy.subject, "CN=imported.example")
        self.assertEqual(imported.policy.san_dns_names, ["imported.example"])
        self.assertEqual(imported.properties.tags, {"src": "pfx"})
        self.assertEqual(imported.policy.validity_in_months, 3)
        secret = self.secrets.get_secret("imported")
        k, c, _ = pkcs12.load_key_and_certificates(base64.b64decode(secret.value), None)
        self.assertEqual(k.private_numbers(), key.private_numbers())
        with self.assertRaises(HttpResponseError) as ctx:
            self.certs.import_certificate("locked", pfx, password="wrong")
        self.assertEqual(ctx.exception.status_code, 400)

        pem = (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()) + cert.public_bytes(serialization.Encoding.PEM))
        pem_policy = CertificatePolicy(content_type=CertificateContentType.pem, issuer_name="Unknown",
                                       subject="CN=imported.example")
        as_pem = self.certs.import_certificate("imported-pem", pem, policy=pem_policy)
        self.assertEqual(as_pem.policy.content_type, CertificateContentType.pem)
        self.assertIn("BEGIN PRIVATE KEY", self.secrets.get_secret("imported-pem").value)
        with self.assertRaises(HttpResponseError) as ctx:  # no private key
            self.certs.import_certificate("no-key", cert.public_bytes(serialization.Encoding.PEM))
        self.assertEqual(ctx.exception.status_code, 400)

    def test_merge_a_csr_signed_by_an_outside_ca(self):
        policy = CertificatePolicy(issuer_name=WellKnownIssuerNames.unknown, subject="CN=merged.example")
        self.certs.begin_create_certificate("merged", policy)
        csr_der = bytes(self.certs.get_certificate_operation("merged").csr)
        with tempfile.TemporaryDirectory() as d:
            run = lambda *a: subprocess.run(a, check=True, capture_output=True, cwd=d)
            run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-days", "30", "-subj", "/CN=Outside CA", "-keyout", "ca.key", "-out", "ca.pem")
            with open(os.path.join(d, "req.der"), "wb") as f:
                f.write(csr_der)
            run("openssl", "req", "-inform", "DER", "-in", "req.der", "-out", "req.pem")
            run("openssl", "x509", "-req", "-in", "req.pem", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "10", "-outform", "DER", "-out", "leaf.der")
            run("openssl", "x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der")
            leaf_der = open(os.path.join(d, "leaf.der"), "rb").read()
            ca_der = open(os.path.join(d, "ca.der"), "rb").read()
        merged = self.certs.merge_certificate("merged", [leaf_der, ca_der])
        self.assertEqual(bytes(merged.cer), leaf_der)
        self.assertTrue(merged.properties.enabled)
        self.assertEqual(self.certs.get_certificate_operation("merged").status, "completed")
        secret = self.secrets.get_secret("merged")
        _, c, chain = pkcs12.load_key_and_certificates(base64.b64decode(secret.value), None)
        self.assertEqual(c.public_bytes(serialization.Encoding.DER), leaf_der)
        self.assertEqual([x.public_bytes(serialization.Encoding.DER) for x in chain], [ca_der])
        with self.assertRaises(ResourceNotFoundError):  # nothing pending any more
            self.certs.merge_certificate("merged", [leaf_der])

        # As the SDKs' own merge tests do it: the base64 *text* of the DER (or PEM text) as the bytes
        # to merge, which the SDK base64-encodes once more. AKV merges that (recorded: 201).
        for name, as_text in (("merged-b64", lambda der: base64.b64encode(der)),
                              ("merged-pem", lambda der: ("-----BEGIN CERTIFICATE-----\n" +
                                                          base64.encodebytes(der).decode() +
                                                          "-----END CERTIFICATE-----\n").encode())):
            self.certs.begin_create_certificate(name, policy)
            csr = bytes(self.certs.get_certificate_operation(name).csr)
            with tempfile.TemporaryDirectory() as d:
                run = lambda *a: subprocess.run(a, check=True, capture_output=True, cwd=d)
                with open(os.path.join(d, "req.der"), "wb") as f:
                    f.write(csr)
                run("openssl", "req", "-inform", "DER", "-in", "req.der", "-out", "req.pem")
                run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-days", "30", "-subj", "/CN=Outside CA", "-keyout", "ca.key", "-out", "ca.pem")
                run("openssl", "x509", "-req", "-in", "req.pem", "-CA", "ca.pem", "-CAkey", "ca.key",
                    "-CAcreateserial", "-days", "10", "-outform", "DER", "-out", "leaf.der")
                der = open(os.path.join(d, "leaf.der"), "rb").read()
            merged = self.certs.merge_certificate(name, [as_text(der)])
            self.assertEqual(bytes(merged.cer), der, name)
        with self.assertRaises(HttpResponseError) as ctx:  # text that is no certificate stays a 400
            self.certs.begin_create_certificate("merged-bad", policy)
            self.certs.merge_certificate("merged-bad", [base64.b64encode(b"not a certificate")])
        self.assertEqual(ctx.exception.status_code, 400)

    def test_update_properties_policy_and_operation(self):
        cert = self.create("upd", CertificatePolicy.get_default())
        updated = self.certs.update_certificate_properties("upd", enabled=False, tags={"env": "prod"})
        self.assertFalse(updated.properties.enabled)
        self.assertEqual(updated.properties.tags, {"env": "prod"})
        self.assertFalse(self.keys.get_key("upd").properties.enabled)
        policy = self.certs.get_certificate_policy("upd")
        policy._validity_in_months = 6
        new_policy = self.certs.update_certificate_policy("upd", policy)
        self.assertEqual(new_policy.validity_in_months, 6)
        self.assertEqual(self.certs.get_certificate_policy("upd").validity_in_months, 6)
        self.assertEqual(self.certs.get_certificate("upd").properties.version, cert.properties.version)
        # A policy inside the update body (as az set-attributes --policy sends it) is applied too.
        s = requests.Session()
        s.trust_env = False
        s.verify = self.server.ca_file
        s.headers["Authorization"] = "Bearer " + token(self.server, f"https://vault.localhost:{self.server.port}")
        r = s.patch(f"{self.server.vault_url()}/certificates/upd/?api-version=7.4",
                    json={"policy": {"x509_props": {"validity_months": 9}}, "tags": {"env": "qa"}})
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.json()["policy"]["x509_props"]["validity_months"], 9)
        self.assertEqual(r.json()["tags"], {"env": "qa"})
        r = s.patch(f"{self.server.vault_url()}/certificates/upd/?api-version=7.4",
                    json={"policy": {"key_props": {"key_size": 1000}}})
        self.assertEqual(r.status_code, 400, r.text)
        op = self.certs.cancel_certificate_operation("upd")
        self.assertTrue(op.cancellation_requested)
        self.certs.delete_certificate_operation("upd")
        with self.assertRaises(ResourceNotFoundError):
            self.certs.get_certificate_operation("upd")

    def test_issuers_and_contacts(self):
        issuer = self.certs.create_issuer("digicert-like", "Test", account_id="acct", password="hunter2",
                                          organization_id="org-1",
                                          admin_contacts=[AdministratorContact(first_name="Ada", last_name="L",
                                                                               email="ada@example.com", phone="1")])
        self.assertEqual(issuer.provider, "Test")
        self.assertEqual(issuer.account_id, "acct")
        self.assertIsNone(issuer.password)  # never shown
        self.assertEqual(issuer.admin_contacts[0].email, "ada@example.com")
        self.assertEqual(self.certs.get_issuer("digicert-like").organization_id, "org-1")
        updated = self.certs.update_issuer("digicert-like", enabled=False)
        self.assertFalse(updated.enabled)
        self.assertIn("digicert-like", {i.name for i in self.certs.list_properties_of_issuers()})
        # A policy naming an issuer of another provider stays pending (no external CA integration).
        self.certs.begin_create_certificate("via-test", CertificatePolicy(issuer_name="digicert-like", subject="CN=t"))
        self.assertEqual(self.certs.get_certificate_operation("via-test").status, "inProgress")
        with self.assertRaises(HttpResponseError) as ctx:  # a name that is no issuer
            self.create("via-nothing", CertificatePolicy(issuer_name="no-such-issuer", subject="CN=t"))
        self.assertEqual(ctx.exception.status_code, 400)
        self.certs.delete_issuer("digicert-like")
        with self.assertRaises(ResourceNotFoundError) as ctx:
            self.certs.get_issuer("digicert-like")
        self.assertEqual(ctx.exception.error.code, "CertificateIssuerNotFound")
        self.assertEqual(ctx.exception.error.message, "Issuer not found")  # AKV's exact text (recorded)

        with self.assertRaises(ResourceNotFoundError) as ctx:
            self.certs.get_contacts()
        self.assertEqual(ctx.exception.error.code, "ContactsNotFound")
        contacts = self.certs.set_contacts([CertificateContact(email="ops@example.com", name="Ops", phone="2")])
        self.assertEqual([c.email for c in contacts], ["ops@example.com"])
        self.assertEqual(self.certs.get_contacts()[0].name, "Ops")
        self.assertEqual([c.email for c in self.certs.delete_contacts()], ["ops@example.com"])
        with self.assertRaises(ResourceNotFoundError):
            self.certs.get_contacts()

    def test_coffer_ca_issuer_signs_at_once(self):
        # A CA certificate: the SDK cannot send basic_constraints, so create it with a plain request.
        s = requests.Session()
        s.trust_env = False
        s.verify = self.server.ca_file
        s.headers["Authorization"] = "Bearer " + token(self.server, f"https://vault.localhost:{self.server.port}")
        body = {"policy": {"key_props": {"kty": "EC", "crv": "P-256"},
                           "x509_props": {"subject": "CN=Coffer Test Root", "key_usage": ["keyCertSign", "cRLSign"],
                                          "validity_months": 24, "basic_constraints": {"ca": True}},
                           "issuer": {"name": "Self"}}}
        r = s.post(f"{self.server.vault_url()}/certificates/root-ca/create?api-version=7.4", json=body)
        self.assertEqual(r.status_code, 202, r.text)
        self.certs.create_issuer("internal", "Coffer", account_id="root-ca")
        leaf = self.create("service", CertificatePolicy(issuer_name="internal", subject="CN=service.internal",
                                                        san_dns_names=["service.internal"]))
        root = self.certs.get_certificate("root-ca")
        root_cert = x509.load_der_x509_certificate(bytes(root.cer))
        leaf_cert = x509.load_der_x509_certificate(bytes(leaf.cer))
        self.assertEqual(leaf_cert.issuer, root_cert.subject)
        root_cert.public_key().verify(leaf_cert.signature, leaf_cert.tbs_certificate_bytes,
                                      ec.ECDSA(leaf_cert.signature_hash_algorithm))
        self.assertTrue(root_cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
        with tempfile.TemporaryDirectory() as d:
            for name, cert in (("root.pem", root_cert), ("leaf.pem", leaf_cert)):
                with open(os.path.join(d, name), "wb") as f:
                    f.write(cert.public_bytes(serialization.Encoding.PEM))
            # At the server's time: other tests move its test clock ahead of the wall clock.
            server_now = admin(self.server, "POST", "/clock/advance", {"seconds": 0}).json()["now"]
            out = subprocess.run(["openssl", "verify", "-x509_strict", "-attime", str(server_now), "-CAfile",
                                  "root.pem", "leaf.pem"], capture_output=True, text=True, cwd=d)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        # The secret carries the chain: leaf, then the CA.
        _, c, chain = pkcs12.load_key_and_certificates(base64.b64decode(self.secrets.get_secret("service").value),
                                                       None)
        self.assertEqual(c.subject, leaf_cert.subject)
        self.assertEqual([x.subject for x in chain], [root_cert.subject])
        # An intermediate CA signed by the root: its leaves carry the full chain.
        body["policy"]["x509_props"]["subject"] = "CN=Coffer Test Intermediate"
        body["policy"]["issuer"] = {"name": "internal"}
        r = s.post(f"{self.server.vault_url()}/certificates/intermediate-ca/create?api-version=7.4", json=body)
        self.assertEqual(r.status_code, 202, r.text)
        self.certs.create_issuer("internal-2", "Coffer", account_id="intermediate-ca")
        deep = self.create("deep", CertificatePolicy(issuer_name="internal-2", subject="CN=deep.internal"))
        intermediate = x509.load_der_x509_certificate(bytes(self.certs.get_certificate("intermediate-ca").cer))
        _, c, chain = pkcs12.load_key_and_certificates(base64.b64decode(self.secrets.get_secret("deep").value), None)
        self.assertEqual(c.public_bytes(serialization.Encoding.DER), bytes(deep.cer))
        self.assertEqual([x.subject for x in chain], [intermediate.subject, root_cert.subject])
        # A Coffer issuer whose certificate is not a CA cannot sign.
        self.create("not-a-ca", CertificatePolicy.get_default())
        self.certs.create_issuer("fake", "Coffer", account_id="not-a-ca")
        with self.assertRaises(HttpResponseError) as ctx:
            self.create("nope", CertificatePolicy(issuer_name="fake", subject="CN=x"))
        self.assertIn("is not a CA", str(ctx.exception))

    def test_backup_purge_restore(self):
        cert = self.create("kept", CertificatePolicy.get_default())
        blob = self.certs.backup_certificate("kept")
        with self.assertRaises(ResourceExistsError):
            self.certs.restore_certificate_backup(blob)
        self.certs.begin_delete_certificate("kept").wait()
        self.certs.purge_deleted_certificate("kept")
        restored = self.certs.restore_certificate_backup(blob)
        self.assertEqual(restored.name, "kept")
        self.assertEqual(bytes(restored.cer), bytes(cert.cer))
        self.assertEqual(restored.properties.version, cert.properties.version)
        secret = self.secrets.get_secret("kept")
        self.assertTrue(secret.properties.managed)
        key, c, _ = pkcs12.load_key_and_certificates(base64.b64decode(secret.value), None)
        self.assertEqual(c.public_bytes(serialization.Encoding.DER), bytes(cert.cer))
        self.assertTrue(self.keys.get_key("kept").properties.managed)
        with self.assertRaises(HttpResponseError) as ctx:
            self.certs.restore_certificate_backup(blob[:-8] + b"tampered")
        self.assertEqual(ctx.exception.status_code, 400)

    def test_auto_renewal_by_the_test_clock(self):
        policy = CertificatePolicy(issuer_name="Self", subject="CN=renew.example", validity_in_months=1)
        first = self.create("renewing", policy)  # AutoRenew at 80 % of the lifetime, AKV's default action
        r = admin(self.server, "POST", "/clock/advance", {"seconds": 26 * 86400})
        self.assertEqual(r.status_code, 200, r.text)
        self.assertGreaterEqual(r.json()["certificatesRenewed"], 1)
        latest = self.certs.get_certificate("renewing")
        self.assertNotEqual(latest.properties.version, first.properties.version)
        self.assertEqual(len(list(self.certs.list_properties_of_certificate_versions("renewing"))), 2)
        self.assertEqual(self.keys.get_key("renewing").properties.version, latest.properties.version)
        self.assertEqual(self.secrets.get_secret("renewing").properties.version, latest.properties.version)
        # 2025-07-01+: the renewed certificate's secret names the version before it.
        secret = self.rest("GET", f"/secrets/renewing/{latest.properties.version}", "2025-07-01")
        self.assertEqual(secret["previousVersion"], first.properties.version)
        self.assertNotIn("previousVersion", self.rest("GET", f"/secrets/renewing/{first.properties.version}"))

    def rest(self, method, path, api_version="7.4", body=None, status=200, params=None):
        r = requests.request(method, f"{self.server.vault_url()}{path}", json=body, verify=self.server.ca_file,
                             params={"api-version": api_version, **(params or {})},
                             headers={"Authorization": "Bearer " + token(self.server,
                                                                         f"https://vault.localhost:{self.server.port}")})
        self.assertEqual(r.status_code, status, r.text)
        return r.json()

    def test_out_content_type_converts_pfx_to_pem(self):
        made = self.create("as-pfx", CertificatePolicy(issuer_name="Self", subject="CN=pfx.example"))
        plain = self.rest("GET", "/secrets/as-pfx/", "2025-07-01")
        self.assertEqual(plain["contentType"], "application/x-pkcs12")
        pem = self.rest("GET", "/secrets/as-pfx/", "2026-04-01", params={"outContentType": "application/x-pem-file"})
        self.assertEqual(pem["contentType"], "application/x-pem-file")
        key = serialization.load_pem_private_key(pem["value"].encode(), None)
        leaf = x509.load_pem_x509_certificate(pem["value"].encode())
        self.assertEqual(leaf.public_bytes(serialization.Encoding.DER), bytes(made.cer))
        k, _, _ = pkcs12.load_key_and_certificates(base64.b64decode(plain["value"]), None)
        self.assertEqual(key.private_numbers(), k.private_numbers())
        same = self.rest("GET", "/secrets/as-pfx/", "2025-07-01", params={"outContentType": "application/x-pkcs12"})
        self.assertEqual(same["value"], plain["value"])
        err = self.rest("GET", "/secrets/as-pfx/", "2025-07-01", params={"outContentType": "text/plain"}, status=400)
        self.assertEqual(err["error"]["code"], "BadParameter")
        # PEM → PFX is not offered (AKV: only PFX to PEM).
        self.create("as-pem", CertificatePolicy(issuer_name="Self", subject="CN=pem.example",
                                                content_type=CertificateContentType.pem))
        self.rest("GET", "/secrets/as-pem/", "2025-07-01", params={"outContentType": "application/x-pkcs12"},
                  status=400)
        # A plain secret is no certificate content: returned as it is.
        self.secrets.set_secret("plain-for-out", "just text")
        self.assertEqual(self.rest("GET", "/secrets/plain-for-out/", "2025-07-01",
                                   params={"outContentType": "application/x-pem-file"})["value"], "just text")

    def test_preserve_cert_order_is_echoed_when_given(self):
        body = {"policy": {"issuer": {"name": "Self"}, "x509_props": {"subject": "CN=order.example"}},
                "preserveCertOrder": True}
        op = self.rest("POST", "/certificates/ordered/create", "2025-07-01", body=body, status=202)
        self.assertIs(op["preserveCertOrder"], True)
        self.assertIs(self.rest("GET", "/certificates/ordered/pending", "2025-07-01")["preserveCertOrder"], True)
        self.assertIs(self.rest("GET", "/certificates/ordered", "2025-07-01")["preserveCertOrder"], True)
        body["preserveCertOrder"] = False
        self.rest("POST", "/certificates/unordered/create", "2025-07-01", body=body, status=202)
        self.assertIs(self.rest("GET", "/certificates/unordered", "2025-07-01")["preserveCertOrder"], False)
        del body["preserveCertOrder"]
        self.rest("POST", "/certificates/unsaid/create", "2025-07-01", body=body, status=202)
        self.assertNotIn("preserveCertOrder", self.rest("GET", "/certificates/unsaid", "2025-07-01"))
        body["preserveCertOrder"] = "yes"
        self.rest("POST", "/certificates/bad-order/create", "2025-07-01", body=body, status=400)

    def test_versions_of_a_name_that_never_existed_are_empty(self):
        self.assertEqual(list(self.certs.list_properties_of_certificate_versions("never-existed")), [])
        self.assertEqual(self.rest("GET", "/certificates/never-existed/versions"), {"value": [], "nextLink": None})
        self.assertEqual(self.rest("GET", "/secrets/never-existed/versions"), {"value": [], "nextLink": None})
        self.assertEqual(self.rest("GET", "/keys/never-existed/versions"), {"value": [], "nextLink": None})

    def test_key_attestation_of_a_key_without_one(self):
        made = self.keys.create_rsa_key("attested")
        for path in ("/keys/attested/attestation", "/keys/attested//attestation",
                     f"/keys/attested/{made.properties.version}/attestation"):
            bundle = self.rest("GET", path, "7.6")
            self.assertEqual(bundle["key"]["kid"], made.id, path)
            self.assertNotIn("attestation", bundle["attributes"])
        self.rest("GET", "/keys/no-such-key/attestation", "7.6", status=404)


if __name__ == "__main__":
    unittest.main()
