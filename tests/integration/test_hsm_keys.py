"""RSA-HSM, EC-HSM and oct-HSM keys held in a PKCS#11 token (issue 15,
SEAL-SPEC.md §2, §3 S10), with SoftHSM2 in a token directory of the test's
own and a server configured with it (hsmLib): Debian's azure-keyvault-keys
(KeyClient, CryptographyClient) creates the keys in the token, signs,
decrypts and unwraps there, verifies and encrypts with the public half;
signatures checked by `openssl pkeyutl`; AES in the token through the REST
API; hsmPlatform "2"; exportable keys, imports and backups refused with 400;
rotation makes a new token key; purge destroys the token objects; the
`coffer` CLI on an HSM key; and a server whose token is away answers 503
with Retry-After for HSM keys while software keys keep working."""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import requests
from azure.core.exceptions import HttpResponseError
from azure.keyvault.keys import JsonWebKey, KeyClient
from azure.keyvault.keys.crypto import (CryptographyClient, EncryptionAlgorithm, KeyWrapAlgorithm,
                                        SignatureAlgorithm)
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from coffer_server import COFFER_BIN, CofferServer, canary, credential, token

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "coffer-keys-pin-7c21d90e5b"
API = "api-version=7.4"


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_token(tmp):
    """A SoftHSM2 token 'coffer-test' under `tmp`; returns the server's environment for it."""
    tokens = os.path.join(tmp, "tokens")
    os.makedirs(tokens)
    conf = os.path.join(tmp, "softhsm2.conf")
    with open(conf, "w") as f:
        f.write(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    env = {"SOFTHSM2_CONF": conf, "COFFER_HSM_LIB": MODULE, "COFFER_HSM_TOKEN_LABEL": "coffer-test",
           "COFFER_HSM_PIN": PIN}
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "coffer-test", "--so-pin", "87654321",
                    "--pin", PIN], env=dict(os.environ, **env), check=True, capture_output=True)
    return env, tokens


def token_objects(tokens):
    """How many objects the token holds (SoftHSM's file store: one .object file each)."""
    return sum(1 for _, _, files in os.walk(tokens) for f in files if f.endswith(".object"))


def public_pem(jwk):
    if jwk.kty.startswith("RSA"):
        key = rsa.RSAPublicNumbers(int.from_bytes(jwk.e, "big"), int.from_bytes(jwk.n, "big")).public_key()
    else:
        curve = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1()}[jwk.crv]
        key = ec.EllipticCurvePublicNumbers(int.from_bytes(jwk.x, "big"), int.from_bytes(jwk.y, "big"),
                                            curve).public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def openssl_verify(pem, digest, signature, opts):
    with tempfile.TemporaryDirectory() as d:
        paths = {n: os.path.join(d, n) for n in ("pub.pem", "digest", "sig")}
        for name, data in (("pub.pem", pem), ("digest", digest), ("sig", signature)):
            with open(paths[name], "wb") as f:
                f.write(data)
        return subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", paths["pub.pem"], "-in",
                               paths["digest"], "-sigfile", paths["sig"]] + opts, capture_output=True).returncode == 0


@unittest.skipUnless(os.path.exists(MODULE) and shutil.which("softhsm2-util"), "SoftHSM2 is not installed")
class HsmKeysTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="coffer-hsm-keys-")
        cls.env, cls.tokens = new_token(cls.tmp)
        canary(PIN)
        cls.server = CofferServer(env=cls.env).start()
        cls.cred = credential(cls.server)
        cls.client = KeyClient(cls.server.vault_url(), cls.cred, connection_verify=cls.server.ca_file)
        cls.session = requests.Session()
        cls.session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
        cls.session.verify = cls.server.ca_file
        cls.session.headers["Authorization"] = "Bearer " + token(cls.server, f"https://vault.localhost:{cls.server.port}")

    @classmethod
    def tearDownClass(cls):
        out = "".join(cls.server.output)
        cls.server.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert PIN not in out, "the PIN is never logged"

    def rest(self, method, path, body=None):
        sep = "&" if "?" in path else "?"
        return self.session.request(method, f"{self.server.vault_url()}{path}{sep}{API}", json=body)

    def crypto(self, key):
        return CryptographyClient(key, self.cred, connection_verify=self.server.ca_file)

    def assert_bad_parameter(self, r, text=None):
        self.assertEqual(r.status_code, 400, r.text)
        self.assertEqual(r.json()["error"]["code"], "BadParameter", r.text)
        if text:
            self.assertIn(text, r.json()["error"]["message"])

    def test_rsa_hsm_keys_sign_decrypt_and_unwrap_in_the_token(self):
        before = token_objects(self.tokens)
        k = self.client.create_rsa_key("rsa-hsm", size=2048, hardware_protected=True)
        self.assertEqual(k.key_type, "RSA-HSM")
        self.assertEqual(token_objects(self.tokens), before + 2, "the private and the public half")
        raw = self.rest("GET", "/keys/rsa-hsm").json()
        self.assertEqual(raw["attributes"]["hsmPlatform"], "2")
        self.assertEqual(raw["key"]["kty"], "RSA-HSM")
        self.assertNotIn("d", raw["key"])
        cc = self.crypto(k)
        pem = public_pem(k.key)
        for alg, h, opts in [(SignatureAlgorithm.rs256, hashlib.sha256, ["-pkeyopt", "digest:sha256"]),
                             (SignatureAlgorithm.rs512, hashlib.sha512, ["-pkeyopt", "digest:sha512"]),
                             (SignatureAlgorithm.ps256, hashlib.sha256,
                              ["-pkeyopt", "digest:sha256", "-pkeyopt", "rsa_padding_mode:pss",
                               "-pkeyopt", "rsa_pss_saltlen:32"])]:
            digest = h(b"hsm payload").digest()
            sig = cc.sign(alg, digest).signature
            self.assertTrue(cc.verify(alg, digest, sig).is_valid, alg)
            self.assertFalse(cc.verify(alg, h(b"other").digest(), sig).is_valid, alg)
            self.assertTrue(openssl_verify(pem, digest, sig, opts), alg)
            r = self.rest("POST", f"/keys/rsa-hsm/{k.properties.version}/verify",
                          {"alg": str(alg.value), "digest": b64u(digest), "value": b64u(sig)})
            self.assertTrue(r.json()["value"], r.text)
        for alg in (EncryptionAlgorithm.rsa_oaep, EncryptionAlgorithm.rsa1_5):
            enc = cc.encrypt(alg, b"hsm secret")
            self.assertEqual(cc.decrypt(alg, enc.ciphertext).plaintext, b"hsm secret", alg)
        for alg in (KeyWrapAlgorithm.rsa_oaep, KeyWrapAlgorithm.rsa1_5):
            wrapped = cc.wrap_key(alg, b"k" * 32)
            self.assertEqual(cc.unwrap_key(alg, wrapped.encrypted_key).key, b"k" * 32, alg)
        # Encryption under the public half happens on the server too, and the token opens it.
        r = self.rest("POST", f"/keys/rsa-hsm/{k.properties.version}/encrypt",
                      {"alg": "RSA-OAEP", "value": b64u(b"server side")})
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(cc.decrypt(EncryptionAlgorithm.rsa_oaep, unb64u(r.json()["value"])).plaintext,
                         b"server side")
        # SoftHSM 2.6 offers OAEP with SHA-1 only: a clear 400, not a 500.
        oaep256 = cc.encrypt(EncryptionAlgorithm.rsa_oaep_256, b"x")
        with self.assertRaises(HttpResponseError) as e:
            cc.decrypt(EncryptionAlgorithm.rsa_oaep_256, oaep256.ciphertext)
        self.assertEqual(e.exception.status_code, 400)
        self.assertIn("not supported by this HSM", str(e.exception))
        bad = bytearray(cc.encrypt(EncryptionAlgorithm.rsa_oaep, b"x").ciphertext)
        bad[10] ^= 1
        r = self.rest("POST", f"/keys/rsa-hsm/{k.properties.version}/decrypt",
                      {"alg": "RSA-OAEP", "value": b64u(bytes(bad))})
        self.assert_bad_parameter(r, "Decryption failed.")
        self.assert_bad_parameter(self.rest("POST", f"/keys/rsa-hsm/{k.properties.version}/sign",
                                            {"alg": "RS256", "value": b64u(b"short")}))
        self.assert_bad_parameter(self.rest("POST", f"/keys/rsa-hsm/{k.properties.version}/sign",
                                            {"alg": "ES256", "value": b64u(b"d" * 32)}))

    def test_ec_hsm_keys_sign_on_every_curve(self):
        for curve, alg, h in [("P-256", SignatureAlgorithm.es256, hashlib.sha256),
                              ("P-384", SignatureAlgorithm.es384, hashlib.sha384),
                              ("P-521", SignatureAlgorithm.es512, hashlib.sha512)]:
            name = "ec-hsm-" + curve.replace("-", "").lower()
            k = self.client.create_ec_key(name, curve=curve, hardware_protected=True)
            self.assertEqual(k.key_type, "EC-HSM")
            self.assertEqual(k.key.crv, curve)
            cc = self.crypto(k)
            digest = h(b"ec hsm payload").digest()
            sig = cc.sign(alg, digest).signature
            self.assertTrue(cc.verify(alg, digest, sig).is_valid, curve)
            self.assertFalse(cc.verify(alg, h(b"x").digest(), sig).is_valid, curve)
            half = len(sig) // 2
            der = encode_dss_signature(int.from_bytes(sig[:half], "big"), int.from_bytes(sig[half:], "big"))
            self.assertTrue(openssl_verify(public_pem(k.key), digest, der, []), curve)
        with self.assertRaises(HttpResponseError) as e:
            self.client.create_ec_key("ec-hsm-k", curve="P-256K", hardware_protected=True)
        self.assertEqual(e.exception.status_code, 400)

    def test_oct_hsm_keys_encrypt_and_wrap_in_the_token(self):
        before = token_objects(self.tokens)
        k = self.client.create_oct_key("aes-hsm", size=256, hardware_protected=True)
        self.assertEqual(k.key_type, "oct-HSM")
        self.assertEqual(token_objects(self.tokens), before + 1)
        v = k.properties.version
        r = self.rest("POST", f"/keys/aes-hsm/{v}/encrypt",
                      {"alg": "A256GCM", "value": b64u(b"gcm data"), "aad": b64u(b"hdr")})
        self.assertEqual(r.status_code, 200, r.text)
        out = r.json()
        self.assertEqual(len(unb64u(out["iv"])), 12)
        self.assertEqual(len(unb64u(out["tag"])), 16)
        r = self.rest("POST", f"/keys/aes-hsm/{v}/decrypt", {"alg": "A256GCM", "value": out["value"],
                                                              "iv": out["iv"], "tag": out["tag"], "aad": b64u(b"hdr")})
        self.assertEqual(unb64u(r.json()["value"]), b"gcm data", r.text)
        self.assert_bad_parameter(self.rest("POST", f"/keys/aes-hsm/{v}/decrypt", {
            "alg": "A256GCM", "value": out["value"], "iv": out["iv"], "tag": out["tag"], "aad": b64u(b"other")}))
        cbc = self.rest("POST", f"/keys/aes-hsm/{v}/encrypt", {"alg": "A256CBCPAD", "value": b64u(b"cbc")}).json()
        r = self.rest("POST", f"/keys/aes-hsm/{v}/decrypt",
                      {"alg": "A256CBCPAD", "value": cbc["value"], "iv": cbc["iv"]})
        self.assertEqual(unb64u(r.json()["value"]), b"cbc", r.text)
        r = self.rest("POST", f"/keys/aes-hsm/{v}/wrapkey", {"alg": "A256KW", "value": b64u(b"w" * 16)})
        self.assertEqual(len(unb64u(r.json()["value"])), 24, r.text)
        r = self.rest("POST", f"/keys/aes-hsm/{v}/unwrapkey", {"alg": "A256KW", "value": r.json()["value"]})
        self.assertEqual(unb64u(r.json()["value"]), b"w" * 16, r.text)
        self.assert_bad_parameter(self.rest("POST", f"/keys/aes-hsm/{v}/encrypt",
                                            {"alg": "A128GCM", "value": b64u(b"x")}))
        self.assert_bad_parameter(self.rest("POST", f"/keys/aes-hsm/{v}/verify",
                                            {"alg": "RS256", "digest": b64u(b"d" * 32), "value": b64u(b"s")}))

    def test_export_import_and_backup_are_refused(self):
        r = self.rest("POST", "/keys/exportable-hsm/create", {
            "kty": "RSA-HSM", "attributes": {"exportable": True},
            "release_policy": {"data": b64u(json.dumps({"version": "1.0.0", "anyOf": []}).encode())}})
        self.assert_bad_parameter(r, "cannot be exported")
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        with self.assertRaises(HttpResponseError) as e:
            self.client.import_key("imported-hsm", JsonWebKey(
                kty="RSA-HSM", n=private.public_key().public_numbers().n.to_bytes(256, "big"),
                e=b"\x01\x00\x01", d=private.private_numbers().d.to_bytes(256, "big"),
                p=private.private_numbers().p.to_bytes(128, "big"), q=private.private_numbers().q.to_bytes(128, "big"),
                dp=private.private_numbers().dmp1.to_bytes(128, "big"),
                dq=private.private_numbers().dmq1.to_bytes(128, "big"),
                qi=private.private_numbers().iqmp.to_bytes(128, "big")))
        self.assertEqual(e.exception.status_code, 400)
        self.assertIn("Importing a key into the HSM", str(e.exception))
        self.client.create_rsa_key("kept-in-hsm", hardware_protected=True)
        with self.assertRaises(HttpResponseError) as e:
            self.client.backup_key("kept-in-hsm")
        self.assertEqual(e.exception.status_code, 400)
        self.assertIn("cannot be backed up", str(e.exception))

    def test_rotation_makes_a_new_token_key_and_purge_destroys_them(self):
        before = token_objects(self.tokens)
        first = self.client.create_ec_key("rotated-hsm", curve="P-256", hardware_protected=True)
        second = self.client.rotate_key("rotated-hsm")
        self.assertEqual(second.key_type, "EC-HSM")
        self.assertNotEqual(second.key.x, first.key.x)
        self.assertEqual(token_objects(self.tokens), before + 4)
        digest = hashlib.sha256(b"old").digest()
        old = self.crypto(first)
        self.assertTrue(old.verify(SignatureAlgorithm.es256, digest,
                                   old.sign(SignatureAlgorithm.es256, digest).signature).is_valid,
                        "the older version still signs")
        self.client.begin_delete_key("rotated-hsm").wait()
        self.assertEqual(token_objects(self.tokens), before + 4, "soft delete leaves the token alone")
        self.client.begin_recover_deleted_key("rotated-hsm").wait()
        self.assertTrue(self.crypto(second).sign(SignatureAlgorithm.es256, digest).signature)
        self.client.begin_delete_key("rotated-hsm").wait()
        self.client.purge_deleted_key("rotated-hsm")
        self.assertEqual(token_objects(self.tokens), before, "purge destroyed both versions' objects")

    def test_the_coffer_cli_uses_hsm_keys(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}

        def coffer(*args):
            p = subprocess.run([COFFER_BIN, *args, "--data-dir", self.server.data_dir], capture_output=True,
                               text=True, timeout=120, env=env)
            self.assertEqual(p.returncode, 0, p.stderr)
            return json.loads(p.stdout)

        k = coffer("keyvault", "key", "create", "--vault-name", "dev", "-n", "cli-hsm", "--kty", "RSA-HSM")
        self.assertEqual(k["key"]["kty"], "RSA-HSM")
        self.assertEqual(k["attributes"]["hsmPlatform"], "2")
        digest = base64.b64encode(hashlib.sha256(b"cli").digest()).decode()
        sig = coffer("keyvault", "key", "sign", "--vault-name", "dev", "-n", "cli-hsm", "-a", "RS256",
                     "--digest", digest)
        ok = coffer("keyvault", "key", "verify", "--vault-name", "dev", "-n", "cli-hsm", "-a", "RS256",
                    "--digest", digest, "--signature", sig["result"])
        self.assertTrue(ok["isValid"])


@unittest.skipUnless(os.path.exists(MODULE) and shutil.which("softhsm2-util"), "SoftHSM2 is not installed")
class HsmAwayTest(unittest.TestCase):
    def test_hsm_keys_answer_503_while_the_token_is_away_and_software_keys_work(self):
        tmp = tempfile.mkdtemp(prefix="coffer-hsm-away-")
        try:
            env, _ = new_token(tmp)
            env["COFFER_HSM_TOKEN_LABEL"] = "not-plugged-in"
            with CofferServer(env=env) as server:
                session = requests.Session()
                session.trust_env = False
                session.verify = server.ca_file
                session.headers["Authorization"] = "Bearer " + token(server, f"https://vault.localhost:{server.port}")
                r = session.post(f"{server.vault_url()}/keys/away/create?{API}", json={"kty": "RSA-HSM"})
                self.assertEqual(r.status_code, 503, r.text)
                self.assertIn("Retry-After", r.headers)
                self.assertIn("not-plugged-in", r.json()["error"]["message"])
                r = session.post(f"{server.vault_url()}/keys/soft/create?{API}", json={"kty": "RSA"})
                self.assertEqual(r.status_code, 200, r.text)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
