"""The newest Azure Key Vault SDKs for JavaScript from npm (@azure/keyvault-secrets,
-keys, -certificates, @azure/identity; see npm/package.json) against a real
`coffer server --dev`: ClientSecretCredential with the server as authority
(tenant "adfs", instance discovery off), TLS trusted through NODE_EXTRA_CA_CERTS,
and the clients' challenge-resource verification left on.

The scenarios live in npm/scenarios.mjs, one function each; every test method
runs one of them in its own `node` process, so each fails on its own.

The packages are installed, not vendored: `npm install` runs into a cache
directory next to the coffer binary (build/npm-sdks/, so the source tree stays
clean and `make clean` drops it; a temp directory when that is not writable;
$COFFER_NPM_DIR overrides) when its node_modules is missing, was installed from
another package.json, or is older than a week (so newer SDK releases are
picked up; a fresh clone always installs). package.json's caret ranges start at
the newest releases: npm would otherwise pick older releases whose `engines`
fit this Node 20 over the newest ones, which declare node>=22 but run on 20.
The test is skipped only when node or npm is not installed."""
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from coffer_server import COFFER_BIN, CofferServer, canary

HERE = os.path.dirname(os.path.abspath(__file__))
NPM_SRC = os.path.join(HERE, "npm")
NODE = shutil.which("node")
NPM = shutil.which("npm")
REINSTALL_AFTER = 7 * 86400
SDKS = ("@azure/keyvault-secrets", "@azure/keyvault-keys", "@azure/keyvault-certificates", "@azure/identity")


def npm_dir():
    """Where node_modules goes: build/npm-sdks beside the binary, else a temp directory."""
    if os.environ.get("COFFER_NPM_DIR"):
        return os.environ["COFFER_NPM_DIR"]
    build = os.path.dirname(os.path.abspath(COFFER_BIN))
    if os.path.isdir(build) and os.access(build, os.W_OK):
        return os.path.join(build, "npm-sdks")
    return os.path.join(tempfile.gettempdir(), f"coffer-npm-sdks-{os.getuid()}")


def prepare_packages(target):
    """Copies the driver into `target` and installs the SDKs there when needed; returns the driver's path."""
    os.makedirs(target, exist_ok=True)
    with open(os.path.join(target, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for name in os.listdir(NPM_SRC):
            if name == "package.json" or name.endswith((".mjs", ".js")):
                shutil.copyfile(os.path.join(NPM_SRC, name), os.path.join(target, name))
        with open(os.path.join(NPM_SRC, "package.json"), "rb") as f:
            wanted = hashlib.sha256(f.read()).hexdigest()
        modules = os.path.join(target, "node_modules")
        stamp = os.path.join(modules, ".coffer-package-json.sha256")
        try:
            with open(stamp) as f:
                fresh = f.read().strip() == wanted and time.time() - os.path.getmtime(stamp) < REINSTALL_AFTER
        except OSError:
            fresh = False
        if not fresh:
            shutil.rmtree(modules, ignore_errors=True)
            for stale in ("package-lock.json",):
                if os.path.exists(os.path.join(target, stale)):
                    os.remove(os.path.join(target, stale))
            started = time.monotonic()
            p = subprocess.run([NPM, "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error",
                                "--no-update-notifier"], cwd=target, capture_output=True, text=True, timeout=600)
            if p.returncode != 0:
                raise RuntimeError(f"npm install in {target} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
            with open(stamp, "w") as f:
                f.write(wanted + "\n")
            print(f"npm install into {target}: {time.monotonic() - started:.1f} s", file=sys.stderr)
    return os.path.join(target, "scenarios.mjs")


@unittest.skipUnless(NODE and NPM, "node and npm are not installed (scripts/install-deps.sh installs them)")
class NpmSdkTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.driver = prepare_packages(npm_dir())
        cls.server = CofferServer().start()
        dev = cls.server.dev
        env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_") and "proxy" not in k.lower()}
        env.update(NODE_EXTRA_CA_CERTS=cls.server.ca_file, NO_PROXY="localhost,.localhost,127.0.0.1,::1",
                   COFFER_VAULT_URL=cls.server.vault_url(), COFFER_AUTHORITY=cls.server.authority,
                   COFFER_TENANT_ID="adfs", COFFER_CLIENT_ID=dev["clientId"],
                   COFFER_CLIENT_SECRET=dev["clientSecret"], COFFER_CA_FILE=cls.server.ca_file)
        cls.env = env
        p = subprocess.run([NODE, cls.driver, "versions"], capture_output=True, text=True, env=env, timeout=60)
        if p.returncode != 0:
            cls.server.cleanup()
            raise RuntimeError(f"node {cls.driver} versions: {p.stderr}")
        info = json.loads(p.stdout)
        cls.versions = info["versions"]
        print(f"npm SDKs under node {info['node']}: " +
              ", ".join(f"{k}@{v}" for k, v in cls.versions.items()), file=sys.stderr)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def scenario(self, name, **env):
        """Runs one scenario of npm/scenarios.mjs; returns its result or fails with its error."""
        p = subprocess.run([NODE, self.driver, name], capture_output=True, text=True, timeout=180,
                           env={**self.env, **env})
        try:
            out = json.loads(p.stdout)["results"][0]
        except (ValueError, KeyError, IndexError):
            self.fail(f"{name}: node exited {p.returncode} without a result:\n{p.stdout}\n{p.stderr}")
        for hexed in out.get("canaries", []):
            canary(bytes.fromhex(hexed))
        if not out["ok"]:
            err = out["error"]
            calls = "\n".join(f"  {r['method']} {r['url']} -> {r['status']}" for r in out.get("requests", [])[-6:])
            self.fail(f"{name}: {err['message']} (statusCode {err.get('statusCode')}, code {err.get('code')})"
                      f"\nlast data-plane calls:\n{calls}")
        self.assertEqual(p.returncode, 0, p.stderr)
        return out["result"]

    def test_installed_sdks_are_the_newest_majors(self):
        for pkg in SDKS:
            self.assertIsNotNone(self.versions.get(pkg), f"{pkg} is not installed")
            self.assertEqual(self.versions[pkg].split(".")[0], "4", pkg)

    def test_secrets_with_the_default_api_version(self):
        result = self.scenario("secretsDefaultApiVersion")
        version = self.versions["@azure/keyvault-secrets"]
        if version.startswith("4.12."):
            self.assertEqual(result["apiVersion"], "2026-04-01", f"keyvault-secrets {version}'s default")
        else:  # a later release: its default is no older
            self.assertGreaterEqual(result["apiVersion"], "2026-04-01")

    def test_aad_style_tenant(self):
        # The tenant's GUID instead of "adfs": the credential reads {authority}/{tenant}/v2.0/.well-known/…
        # (instance discovery off) and the challenge's tenant must equal it.
        result = self.scenario("secretRoundTrip", COFFER_TENANT_ID=self.server.dev["tenantId"])
        self.assertEqual(result["tenantId"], self.server.dev["tenantId"])

    def test_versions_of_a_secret_that_never_existed(self):
        self.assertEqual(self.scenario("secretVersionsOfUnknownName")["status"], 200)

    def test_versions_of_a_key_that_never_existed(self):
        self.assertEqual(self.scenario("keyVersionsOfUnknownName")["status"], 200)

    def test_versions_of_a_certificate_that_never_existed(self):
        self.assertEqual(self.scenario("certificateVersionsOfUnknownName")["status"], 200)

    def test_keys_lifecycle_sign_verify_rotate(self):
        self.scenario("keysLifecycleAndCrypto")

    def test_key_attestation_of_a_software_key(self):
        self.scenario("keyAttestationOfSoftwareKey")

    def test_certificate_create_self_signed_with_poller(self):
        self.scenario("certificateCreateSelfSigned")

    def test_certificate_import_pfx_and_pem(self):
        self.scenario("certificateImportPfxAndPem")

    def test_certificate_preserve_certificate_order(self):
        self.assertEqual(self.scenario("certificatePreserveOrder"), {"created": True, "got": True})

    def test_certificate_merge_of_a_signed_csr(self):
        self.scenario("certificateMergeSignedCsr")

    def test_get_missing_issuer_is_404_issuer_not_found(self):
        result = self.scenario("certificateMissingIssuer")
        self.assertEqual((result["statusCode"], result["message"]), (404, "Issuer not found"))


if __name__ == "__main__":
    unittest.main()
