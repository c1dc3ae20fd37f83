"""Debian's azure-keyvault-keys (KeyClient, CryptographyClient) against a real
`coffer server --dev --test-clock`: every KeyClient method, local and remote
crypto for RSA/EC/oct keys, `openssl pkeyutl` cross-checks, rotation by the
test clock, and bad inputs answered with 400 BadParameter (never 500)."""
import base64
import hashlib
import os
import subprocess
import tempfile
import unittest

import requests
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.keyvault.keys import (JsonWebKey, KeyClient, KeyRotationLifetimeAction, KeyRotationPolicy,
                                 KeyRotationPolicyAction)
from azure.keyvault.keys.crypto import (CryptographyClient, EncryptionAlgorithm, KeyWrapAlgorithm,
                                        SignatureAlgorithm)
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from coffer_server import CofferServer, admin, canary, credential, token

API = "api-version=7.4"


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class KeyClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = CofferServer(extra_args=["--test-clock"]).start()
        cls.cred = credential(cls.server)
        cls.client = KeyClient(cls.server.vault_url(), cls.cred, connection_verify=cls.server.ca_file)
        cls.session = requests.Session()
        cls.session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
        cls.session.verify = cls.server.ca_file
        cls.session.headers["Authorization"] = "Bearer " + token(cls.server, f"https://vault.localhost:{cls.server.port}")
        cls.base = cls.server.vault_url()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_vault_deletion_removes_its_keys(self):
        self.assertEqual(admin(self.server, "PUT", "/vaults/short-lived", {}).status_code, 201)
        client = KeyClient(self.server.vault_url("short-lived"), self.cred, connection_verify=self.server.ca_file)
        client.create_rsa_key("doomed-key", size=2048)
        self.assertEqual(admin(self.server, "DELETE", "/vaults/short-lived").status_code, 204)
        self.assertEqual(admin(self.server, "PUT", "/vaults/short-lived", {}).status_code, 201)
        with self.assertRaises(ResourceNotFoundError):
            client.get_key("doomed-key")
        self.assertEqual(list(client.list_properties_of_keys()), [])

    def test_purge_protected_vault_with_keys_cannot_be_deleted(self):
        self.assertEqual(admin(self.server, "PUT", "/vaults/guarded-keys", {"purgeProtection": True}).status_code, 201)
        client = KeyClient(self.server.vault_url("guarded-keys"), self.cred, connection_verify=self.server.ca_file)
        client.create_ec_key("kept", curve="P-256")
        self.assertEqual(admin(self.server, "DELETE", "/vaults/guarded-keys").status_code, 403)
        self.assertEqual(client.get_key("kept").name, "kept")

    def crypto(self, key):
        return CryptographyClient(key, self.cred, connection_verify=self.server.ca_file)

    def rest(self, method, path, body=None):
        sep = "&" if "?" in path else "?"
        return self.session.request(method, f"{self.base}{path}{sep}{API}", json=body)

    def assert_bad_parameter(self, r):
        self.assertEqual(r.status_code, 400, r.text)
        self.assertEqual(r.json()["error"]["code"], "BadParameter", r.text)

    # --- KeyClient ---------------------------------------------------------------------------------

    def test_create_get_update_list(self):
        c = self.client
        k1 = c.create_rsa_key("rsa-a", size=2048, tags={"team": "a"})
        self.assertEqual(k1.name, "rsa-a")
        self.assertEqual(k1.key_type, "RSA")
        self.assertEqual(len(k1.properties.version), 32)
        self.assertEqual(len(k1.key.n), 256)
        self.assertEqual(k1.key.e, b"\x01\x00\x01")
        self.assertEqual(k1.properties.tags, {"team": "a"})
        self.assertEqual(k1.properties.recovery_level, "Recoverable+Purgeable")
        self.assertEqual(k1.id, f"{self.base}/keys/rsa-a/{k1.properties.version}")
        self.assertEqual(sorted(k1.key_operations), sorted(["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]))
        k2 = c.create_rsa_key("rsa-a", size=3072)
        self.assertEqual(len(k2.key.n), 384)
        self.assertEqual(c.get_key("rsa-a").properties.version, k2.properties.version)
        self.assertEqual(c.get_key("rsa-a", k1.properties.version).key.n, k1.key.n)
        versions = {p.version for p in c.list_properties_of_key_versions("rsa-a")}
        self.assertEqual(versions, {k1.properties.version, k2.properties.version})

        updated = c.update_key_properties("rsa-a", k1.properties.version, enabled=False, tags={"team": "b"},
                                          key_operations=["verify"])
        self.assertFalse(updated.properties.enabled)
        self.assertEqual(updated.properties.tags, {"team": "b"})
        self.assertEqual(updated.key_operations, ["verify"])

        ec_key = c.create_ec_key("ec-a", curve="P-384")
        self.assertEqual(ec_key.key.crv, "P-384")
        self.assertEqual(len(ec_key.key.x), 48)
        oct_key = c.create_oct_key("oct-a", size=256)
        self.assertEqual(oct_key.key_type, "oct")
        names = {p.name for p in c.list_properties_of_keys()}
        self.assertTrue({"rsa-a", "ec-a", "oct-a"} <= names)

        raw = self.rest("GET", "/keys/rsa-a/").json()
        for private in ("d", "p", "q", "dp", "dq", "qi", "k"):
            self.assertNotIn(private, raw["key"])
        self.assertNotIn("=", raw["key"]["n"])
        self.assertNotIn("k", self.rest("GET", "/keys/oct-a").json()["key"])

    def test_not_found_and_hsm_refused(self):
        with self.assertRaises(ResourceNotFoundError) as ctx:
            self.client.get_key("no-such-key")
        self.assertIn("KeyNotFound", str(ctx.exception))
        self.assertEqual(list(self.client.list_properties_of_key_versions("never-existed")), [])
        with self.assertRaises(HttpResponseError) as ctx:
            self.client.create_rsa_key("hsm", hardware_protected=True)
        self.assertEqual(ctx.exception.status_code, 400)

    def test_import_rsa_and_ec(self):
        priv = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        nums = priv.private_numbers()
        def be(i):
            return i.to_bytes((i.bit_length() + 7) // 8, "big")
        for private in (nums.d, nums.p, nums.q):  # key material must never be stored in clear
            canary(be(private))
        jwk = JsonWebKey(kty="RSA", n=be(nums.public_numbers.n), e=be(nums.public_numbers.e), d=be(nums.d),
                         p=be(nums.p), q=be(nums.q), dp=be(nums.dmp1), dq=be(nums.dmq1), qi=be(nums.iqmp))
        k = self.client.import_key("imported-rsa", jwk)
        self.assertEqual(k.key.n, be(nums.public_numbers.n))
        digest = hashlib.sha256(b"imported").digest()
        sig = self.crypto(k).sign(SignatureAlgorithm.rs256, digest).signature
        from cryptography.hazmat.primitives.asymmetric import padding, utils
        priv.public_key().verify(sig, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))

        ecpriv = ec.generate_private_key(ec.SECP256K1())
        en = ecpriv.private_numbers()
        canary(en.private_value.to_bytes(32, "big"))
        ek = self.client.import_key("imported-ec", JsonWebKey(
            kty="EC", crv="P-256K", x=en.public_numbers.x.to_bytes(32, "big"),
            y=en.public_numbers.y.to_bytes(32, "big"), d=en.private_value.to_bytes(32, "big")))
        self.assertEqual(ek.key.crv, "P-256K")
        result = self.crypto(ek).sign(SignatureAlgorithm.es256_k, digest)
        self.assertTrue(self.crypto(ek).verify(SignatureAlgorithm.es256_k, digest, result.signature).is_valid)

        bad = JsonWebKey(kty="RSA", n=be(nums.public_numbers.n), e=b"\x01\x00\x01")
        with self.assertRaises(HttpResponseError) as ctx:
            self.client.import_key("bad-import", bad)
        self.assertEqual(ctx.exception.status_code, 400)

    def test_soft_delete_recover_purge(self):
        c = self.client
        c.create_ec_key("doomed")
        deleted = c.begin_delete_key("doomed").result()
        self.assertEqual(deleted.name, "doomed")
        self.assertEqual(deleted.recovery_id, f"{self.base}/deletedkeys/doomed")
        self.assertIsNotNone(deleted.scheduled_purge_date)
        with self.assertRaises(ResourceNotFoundError):
            c.get_key("doomed")
        self.assertEqual(c.get_deleted_key("doomed").name, "doomed")
        self.assertIn("doomed", {d.name for d in c.list_deleted_keys()})
        with self.assertRaises(ResourceExistsError):
            c.create_ec_key("doomed")
        recovered = c.begin_recover_deleted_key("doomed").result()
        self.assertEqual(recovered.name, "doomed")
        c.get_key("doomed")
        c.begin_delete_key("doomed").result()
        c.purge_deleted_key("doomed")
        with self.assertRaises(ResourceNotFoundError):
            c.get_deleted_key("doomed")

    def test_backup_purge_restore(self):
        c = self.client
        k = c.create_rsa_key("backed-up")
        blob = c.backup_key("backed-up")
        c.begin_delete_key("backed-up").result()
        c.purge_deleted_key("backed-up")
        restored = c.restore_key_backup(blob)
        self.assertEqual(restored.properties.version, k.properties.version)
        self.assertEqual(restored.key.n, k.key.n)
        with self.assertRaises(ResourceExistsError):
            c.restore_key_backup(blob)
        r = self.rest("POST", "/keys/restore", {"value": b64u(b"garbage")})
        self.assert_bad_parameter(r)

    def test_rotate_policy_and_scheduled_rotation(self):
        c = self.client
        first = c.create_ec_key("rotating")
        rotated = c.rotate_key("rotating")
        self.assertNotEqual(rotated.properties.version, first.properties.version)
        self.assertEqual(rotated.key.crv, "P-256")
        policy = KeyRotationPolicy(expires_in="P90D", lifetime_actions=[
            KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_after_create="P30D")])
        stored = c.update_key_rotation_policy("rotating", policy)
        self.assertEqual(stored.expires_in, "P90D")
        got = c.get_key_rotation_policy("rotating")
        self.assertEqual(len(got.lifetime_actions), 1)
        self.assertEqual(got.lifetime_actions[0].time_after_create, "P30D")
        self.assertEqual(str(got.lifetime_actions[0].action).lower().split(".")[-1], "rotate")
        r = admin(self.server, "POST", "/clock/advance", {"seconds": 31 * 86400})
        self.assertEqual(r.status_code, 200, r.text)
        latest = c.get_key("rotating")
        self.assertNotIn(latest.properties.version, {first.properties.version, rotated.properties.version})
        self.assertIsNotNone(latest.properties.expires_on)
        with self.assertRaises(HttpResponseError) as ctx:
            c.update_key_rotation_policy("rotating", KeyRotationPolicy(expires_in="P1D"))
        self.assertEqual(ctx.exception.status_code, 400)

    def test_random_bytes(self):
        data = self.client.get_random_bytes(32)
        self.assertEqual(len(data), 32)
        self.assert_bad_parameter(self.rest("POST", "/rng", {"count": 0}))

    # --- CryptographyClient ------------------------------------------------------------------------

    def test_rsa_sign_remote_verify_local_and_openssl(self):
        k = self.client.create_rsa_key("signer", size=2048)
        cc = self.crypto(k)
        pem = serialization.load_der_public_key(
            rsa.RSAPublicNumbers(int.from_bytes(k.key.e, "big"), int.from_bytes(k.key.n, "big"))
            .public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        ).public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        for alg, h, opts in [(SignatureAlgorithm.rs256, hashlib.sha256, ["-pkeyopt", "digest:sha256"]),
                             (SignatureAlgorithm.rs512, hashlib.sha512, ["-pkeyopt", "digest:sha512"]),
                             (SignatureAlgorithm.ps256, hashlib.sha256,
                              ["-pkeyopt", "digest:sha256", "-pkeyopt", "rsa_padding_mode:pss",
                               "-pkeyopt", "rsa_pss_saltlen:32"])]:
            digest = h(b"payload").digest()
            result = cc.sign(alg, digest)
            self.assertEqual(result.key_id, k.id)
            self.assertTrue(cc.verify(alg, digest, result.signature).is_valid, alg)
            self.assertFalse(cc.verify(alg, h(b"other").digest(), result.signature).is_valid)
            self.assertTrue(self.openssl_verify(pem, digest, result.signature, opts), alg)
            # And server-side verification through the REST API.
            r = self.rest("POST", f"/keys/signer/{k.properties.version}/verify",
                          {"alg": str(alg.value), "digest": b64u(digest), "value": b64u(result.signature)})
            self.assertEqual(r.status_code, 200, r.text)
            self.assertTrue(r.json()["value"])

    def test_ec_sign_every_curve(self):
        for curve, alg, h in [("P-256", SignatureAlgorithm.es256, hashlib.sha256),
                              ("P-384", SignatureAlgorithm.es384, hashlib.sha384),
                              ("P-521", SignatureAlgorithm.es512, hashlib.sha512),
                              ("P-256K", SignatureAlgorithm.es256_k, hashlib.sha256)]:
            k = self.client.create_ec_key("ec-" + curve.replace("-", "").lower(), curve=curve)
            cc = self.crypto(k)
            digest = h(b"ec payload").digest()
            sig = cc.sign(alg, digest).signature
            self.assertTrue(cc.verify(alg, digest, sig).is_valid, curve)
            self.assertFalse(cc.verify(alg, h(b"x").digest(), sig).is_valid, curve)

    def test_rsa_encrypt_local_decrypt_remote_and_wrap(self):
        k = self.client.create_rsa_key("crypter")
        cc = self.crypto(k)
        for alg in (EncryptionAlgorithm.rsa_oaep, EncryptionAlgorithm.rsa_oaep_256, EncryptionAlgorithm.rsa1_5):
            enc = cc.encrypt(alg, b"top secret")   # local, with n and e
            self.assertEqual(cc.decrypt(alg, enc.ciphertext).plaintext, b"top secret")  # on the server
        for alg in (KeyWrapAlgorithm.rsa_oaep, KeyWrapAlgorithm.rsa_oaep_256, KeyWrapAlgorithm.rsa1_5):
            wrapped = cc.wrap_key(alg, b"k" * 32)
            self.assertEqual(cc.unwrap_key(alg, wrapped.encrypted_key).key, b"k" * 32)
        by_id = CryptographyClient(k.id, self.cred, connection_verify=self.server.ca_file)
        enc = by_id.encrypt(EncryptionAlgorithm.rsa_oaep_256, b"by id")
        self.assertEqual(by_id.decrypt(EncryptionAlgorithm.rsa_oaep_256, enc.ciphertext).plaintext, b"by id")

    def test_oct_aes_through_rest(self):
        k = self.client.create_oct_key("aes", size=256)
        v = k.properties.version
        r = self.rest("POST", f"/keys/aes/{v}/encrypt", {"alg": "A256GCM", "value": b64u(b"gcm data"), "aad": b64u(b"hdr")})
        self.assertEqual(r.status_code, 200, r.text)
        out = r.json()
        self.assertEqual(len(unb64u(out["iv"])), 12)
        self.assertEqual(len(unb64u(out["tag"])), 16)
        r = self.rest("POST", f"/keys/aes/{v}/decrypt", {"alg": "A256GCM", "value": out["value"], "iv": out["iv"],
                                                           "tag": out["tag"], "aad": b64u(b"hdr")})
        self.assertEqual(unb64u(r.json()["value"]), b"gcm data")
        r = self.rest("POST", f"/keys/aes/{v}/decrypt", {"alg": "A256GCM", "value": out["value"], "iv": out["iv"],
                                                           "tag": out["tag"], "aad": b64u(b"other")})
        self.assert_bad_parameter(r)
        r = self.rest("POST", f"/keys/aes/{v}/encrypt", {"alg": "A256CBCPAD", "value": b64u(b"cbc")})
        cbc = r.json()
        r = self.rest("POST", f"/keys/aes/{v}/decrypt", {"alg": "A256CBCPAD", "value": cbc["value"], "iv": cbc["iv"]})
        self.assertEqual(unb64u(r.json()["value"]), b"cbc")
        r = self.rest("POST", f"/keys/aes/{v}/wrapkey", {"alg": "A256KW", "value": b64u(b"w" * 16)})
        self.assertEqual(len(unb64u(r.json()["value"])), 24)
        r = self.rest("POST", f"/keys/aes/{v}/unwrapkey", {"alg": "A256KW", "value": r.json()["value"]})
        self.assertEqual(unb64u(r.json()["value"]), b"w" * 16)

    def test_bad_inputs_are_400(self):
        k = self.client.create_rsa_key("strict")
        v = k.properties.version
        cases = [
            ("POST", f"/keys/strict/{v}/sign", {"alg": "RS256", "value": b64u(b"short")}),       # digest length
            ("POST", f"/keys/strict/{v}/sign", {"alg": "ES256", "value": b64u(b"x" * 32)}),      # wrong key type
            ("POST", f"/keys/strict/{v}/sign", {"alg": "NOPE", "value": b64u(b"x" * 32)}),
            ("POST", f"/keys/strict/{v}/encrypt", {"alg": "A256GCM", "value": b64u(b"x")}),
            ("POST", f"/keys/strict/{v}/decrypt", {"alg": "RSA-OAEP", "value": b64u(b"x" * 256)}),
            ("POST", f"/keys/strict/{v}/sign", {"alg": "RS256"}),
            ("POST", f"/keys/strict/{v}/sign", {"alg": "RS256", "value": "!!!"}),
            ("POST", f"/keys/strict/{v}/sign", "not json"),
            ("POST", "/keys/new/create", {"kty": "RSA", "key_size": 1000}),
            ("POST", "/keys/new/create", {"kty": "EC", "crv": "P-192"}),
            ("POST", "/keys/new/create", {"kty": "XYZ"}),
            ("POST", "/keys/new/create", {}),
            ("PUT", "/keys/new", {"key": {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "d": "AA"}}),
            ("PUT", "/keys/strict/rotationpolicy", {"lifetimeActions": [{"trigger": {"timeAfterCreate": "30 days"},
                                                                          "action": {"type": "Rotate"}}]}),
        ]
        for method, path, body in cases:
            if isinstance(body, str):
                r = self.session.request(method, f"{self.base}{path}?{API}", data=body,
                                         headers={"Content-Type": "application/json"})
            else:
                r = self.rest(method, path, body)
            self.assert_bad_parameter(r)
        self.client.update_key_properties("strict", v, enabled=False)
        r = self.rest("POST", f"/keys/strict/{v}/sign", {"alg": "RS256", "value": b64u(b"x" * 32)})
        self.assert_bad_parameter(r)
        self.assertEqual(r.json()["error"]["innererror"]["code"], "KeyDisabled")
        r = self.rest("POST", f"/keys/strict/{v}/release", {"target": "token"})
        self.assert_bad_parameter(r)

    def openssl_verify(self, pem, digest, signature, opts):
        with tempfile.TemporaryDirectory() as d:
            paths = {n: os.path.join(d, n) for n in ("pub.pem", "digest", "sig")}
            for name, data in (("pub.pem", pem), ("digest", digest), ("sig", signature)):
                with open(paths[name], "wb") as f:
                    f.write(data)
            rc = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", paths["pub.pem"],
                                 "-in", paths["digest"], "-sigfile", paths["sig"]] + opts,
                                capture_output=True).returncode
            return rc == 0


class EmulatedHsmTest(unittest.TestCase):
    def test_hsm_key_types_only_with_emulate_hsm(self):
        for flags, accepted in (([], False), (["--emulate-hsm"], True)):
            with CofferServer(extra_args=flags) as server:
                client = KeyClient(server.vault_url(), credential(server), connection_verify=server.ca_file)
                if accepted:
                    key = client.create_rsa_key("hsm-key", size=2048, hardware_protected=True)
                    self.assertEqual(key.name, "hsm-key")
                    self.assertEqual(key.key_type, "RSA-HSM")
                    raw = requests.get(f"{server.vault_url()}/keys/hsm-key?api-version=7.4", verify=server.ca_file,
                                       headers={"Authorization": "Bearer " + token(
                                           server, f"https://vault.localhost:{server.port}")}).json()
                    self.assertIn("software-protected", raw["attributes"]["hsmPlatform"])
                    soft = client.create_rsa_key("soft-key", size=2048)
                    self.assertNotIn("hsmPlatform", requests.get(
                        f"{server.vault_url()}/keys/soft-key?api-version=7.4", verify=server.ca_file,
                        headers={"Authorization": "Bearer " + token(
                            server, f"https://vault.localhost:{server.port}")}).json()["attributes"])
                    self.assertEqual(soft.key_type, "RSA")
                else:
                    with self.assertRaises(HttpResponseError) as ctx:
                        client.create_rsa_key("hsm-key", size=2048, hardware_protected=True)
                    self.assertEqual(ctx.exception.status_code, 400)


if __name__ == "__main__":
    unittest.main()
