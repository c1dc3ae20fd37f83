// Drives a Coffer server with the Azure Key Vault SDKs for JavaScript
// (@azure/keyvault-secrets, -keys, -certificates and @azure/identity), as an
// application would: ClientSecretCredential against the server's own authority,
// the challenge flow with resource verification left on, TLS trusted through
// NODE_EXTRA_CA_CERTS.
//
//   node scenarios.mjs [--vault-url=URL] [--authority=URL] [--tenant-id=T] [--client-id=ID]
//                      [--client-secret=S] [--ca-file=PATH] SCENARIO...
//   node scenarios.mjs --list          names of the scenarios
//   node scenarios.mjs versions        installed SDK versions (needs no server)
//
// Each option falls back to an environment variable: COFFER_VAULT_URL, COFFER_AUTHORITY,
// COFFER_TENANT_ID (default "adfs"), COFFER_CLIENT_ID, COFFER_CLIENT_SECRET, COFFER_CA_FILE
// (default $NODE_EXTRA_CA_CERTS). Node reads NODE_EXTRA_CA_CERTS only at start-up, so when the
// CA file differs the script runs itself again with it set.
//
// Prints one JSON document on stdout: {"results": [{"scenario", "ok", "result" | "error",
// "canaries", "requests"}]}. "canaries" are the hex of every secret value and piece of key
// material a scenario sent (the Python suite registers them for the at-rest scan); "requests"
// are the data-plane calls it made (method, URL, status). Exit code 0 when every scenario
// passed, 1 when one failed (its message also goes to stderr), 2 on bad usage.
import assert from "node:assert/strict";
import { spawnSync, execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PACKAGES = ["@azure/keyvault-secrets", "@azure/keyvault-keys", "@azure/keyvault-certificates",
  "@azure/identity", "@azure/core-rest-pipeline", "@azure/msal-node"];

// ---------------------------------------------------------------- command line

function parseArgs(argv) {
  const opts = {};
  const names = [];
  for (const a of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (m) opts[m[1]] = m[2] ?? true;
    else names.push(a);
  }
  const env = process.env;
  return {
    names,
    list: opts.list === true,
    vaultUrl: opts["vault-url"] ?? env.COFFER_VAULT_URL,
    authority: opts.authority ?? env.COFFER_AUTHORITY,
    tenantId: opts["tenant-id"] ?? env.COFFER_TENANT_ID ?? "adfs",
    clientId: opts["client-id"] ?? env.COFFER_CLIENT_ID,
    clientSecret: opts["client-secret"] ?? env.COFFER_CLIENT_SECRET,
    caFile: opts["ca-file"] ?? env.COFFER_CA_FILE ?? env.NODE_EXTRA_CA_CERTS,
  };
}

function packageVersion(name) {
  for (let dir = HERE; ; dir = path.dirname(dir)) {
    const p = path.join(dir, "node_modules", ...name.split("/"), "package.json");
    if (fs.existsSync(p)) return JSON.parse(fs.readFileSync(p, "utf8")).version;
    if (path.dirname(dir) === dir) return null;
  }
}

// ---------------------------------------------------------------- helpers

/** Per scenario: the SDK clients, a log of data-plane requests and the canaries. */
class Context {
  constructor(cfg, sdk) {
    this.cfg = cfg;
    this.sdk = sdk;
    this.requests = [];
    this.canaries = [];
    this.tmp = null;
    const { ClientSecretCredential } = sdk.identity;
    this.credential = new ClientSecretCredential(cfg.tenantId, cfg.clientId, cfg.clientSecret, {
      authorityHost: cfg.authority,
      disableInstanceDiscovery: true,
    });
    const requests = this.requests;
    // Sees every data-plane call once (after the challenge round trip), with its final status.
    this.clientOptions = {
      additionalPolicies: [{
        position: "perCall",
        policy: {
          name: "cofferRequestLog",
          async sendRequest(request, next) {
            const entry = { method: request.method, url: request.url, status: null };
            requests.push(entry);
            const response = await next(request);
            entry.status = response.status;
            return response;
          },
        },
      }],
    };
  }

  secrets(options = {}) {
    return new this.sdk.secrets.SecretClient(this.cfg.vaultUrl, this.credential, { ...this.clientOptions, ...options });
  }

  keys(options = {}) {
    return new this.sdk.keys.KeyClient(this.cfg.vaultUrl, this.credential, { ...this.clientOptions, ...options });
  }

  crypto(keyOrId) {
    return new this.sdk.keys.CryptographyClient(keyOrId, this.credential, this.clientOptions);
  }

  certificates(options = {}) {
    return new this.sdk.certificates.CertificateClient(this.cfg.vaultUrl, this.credential,
      { ...this.clientOptions, ...options });
  }

  /** Registers a secret value or key material (string or bytes) that must never be stored in clear. */
  canary(value) {
    const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value);
    this.canaries.push(bytes.toString("hex"));
    return value;
  }

  /** A scratch directory, removed after the scenario. */
  dir() {
    if (!this.tmp) this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), "coffer-npm-"));
    return this.tmp;
  }

  cleanup() {
    if (this.tmp) fs.rmSync(this.tmp, { recursive: true, force: true });
  }

  /** The distinct api-version values the scenario sent. */
  apiVersions() {
    return [...new Set(this.requests.map((r) => new URL(r.url).searchParams.get("api-version")))];
  }
}

function unique(prefix) {
  return `${prefix}-${crypto.randomBytes(4).toString("hex")}`;
}

async function collect(iterable) {
  const out = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Runs fn and returns the error it throws; fails when it does not throw. */
async function rejects(fn, what) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  assert.fail(`${what}: expected an error, the call succeeded`);
}

function openssl(cwd, ...args) {
  return execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
}

/** The path of an object id, e.g. "/certificates/name/version". */
function idPath(id) {
  return new URL(id).pathname;
}

const VERSION = /^[0-9a-f]{32}$/;

function assertVersionedId(id, collection, name, what) {
  assert.ok(typeof id === "string", `${what}: no id (got ${JSON.stringify(id)})`);
  const m = new RegExp(`^/${collection}/${name}/([0-9a-f]{32})$`).exec(idPath(id));
  assert.ok(m, `${what}: ${JSON.stringify(id)} is not .../${collection}/${name}/<32-hex version>`);
  return m[1];
}

function jwkOf(key) {
  const b64u = (b) => Buffer.from(b).toString("base64url");
  return key.kty.startsWith("EC")
    ? { kty: "EC", crv: key.crv, x: b64u(key.x), y: b64u(key.y) }
    : { kty: "RSA", n: b64u(key.n), e: b64u(key.e) };
}

// ---------------------------------------------------------------- scenarios

const scenarios = {
  /** Every SecretClient operation with the package's default api-version, observed on the wire. */
  async secretsDefaultApiVersion(ctx) {
    const client = ctx.secrets();
    const name = unique("npm-secret");
    const v1 = ctx.canary(`first-${crypto.randomUUID()}`);
    const v2 = ctx.canary(`second-${crypto.randomUUID()}`);

    const s1 = await client.setSecret(name, v1, { contentType: "text/plain", tags: { team: "a" } });
    assert.equal(s1.name, name);
    assert.equal(s1.value, v1);
    assert.match(s1.properties.version, VERSION);
    assert.equal(s1.properties.contentType, "text/plain");
    assert.deepEqual(s1.properties.tags, { team: "a" });
    assert.equal(s1.properties.enabled, true);
    assert.ok(s1.properties.createdOn instanceof Date, "createdOn is a Date");
    const s2 = await client.setSecret(name, v2);
    assert.notEqual(s2.properties.version, s1.properties.version);

    assert.equal((await client.getSecret(name)).value, v2, "getSecret (latest)");
    assert.equal((await client.getSecret(name, { version: s1.properties.version })).value, v1, "getSecret (version)");

    const updated = await client.updateSecretProperties(name, s1.properties.version,
      { enabled: false, tags: { team: "b" }, contentType: "application/json" });
    assert.equal(updated.enabled, false);
    assert.deepEqual(updated.tags, { team: "b" });
    assert.equal(updated.contentType, "application/json");

    const listed = (await collect(client.listPropertiesOfSecrets())).map((p) => p.name);
    assert.ok(listed.includes(name), `listPropertiesOfSecrets lacks ${name}: ${listed}`);
    const versions = (await collect(client.listPropertiesOfSecretVersions(name))).map((p) => p.version).sort();
    assert.deepEqual(versions, [s1.properties.version, s2.properties.version].sort(), "listPropertiesOfSecretVersions");

    const deletePoller = await client.beginDeleteSecret(name, { intervalInMs: 200 });
    const deleted = await deletePoller.pollUntilDone();
    assert.equal(deleted.name, name);
    assert.ok(deleted.recoveryId, "the deleted secret has a recoveryId");
    assert.ok(deleted.scheduledPurgeDate instanceof Date, "the deleted secret has a scheduledPurgeDate");
    const notFound = await rejects(() => client.getSecret(name), "getSecret after delete");
    assert.equal(notFound.statusCode, 404);
    assert.equal((await client.getDeletedSecret(name)).name, name, "getDeletedSecret");
    assert.ok((await collect(client.listDeletedSecrets())).some((d) => d.name === name), "listDeletedSecrets");

    const recovered = await (await client.beginRecoverDeletedSecret(name, { intervalInMs: 200 })).pollUntilDone();
    assert.equal(recovered.name, name);
    assert.equal((await client.getSecret(name)).value, v2, "value after recover");

    const backup = await client.backupSecret(name);
    assert.ok(backup instanceof Uint8Array && backup.length > 0, "backupSecret returns bytes");
    assert.ok(!Buffer.from(backup).includes(Buffer.from(v2)), "the backup holds the value in clear");
    await (await client.beginDeleteSecret(name, { intervalInMs: 200 })).pollUntilDone();
    await client.purgeDeletedSecret(name);
    const purged = await rejects(() => client.getDeletedSecret(name), "getDeletedSecret after purge");
    assert.equal(purged.statusCode, 404);
    const restored = await client.restoreSecretBackup(backup);
    assert.equal(restored.name, name);
    assert.equal((await client.getSecret(name)).value, v2, "value after restore");
    assert.equal((await collect(client.listPropertiesOfSecretVersions(name))).length, 2, "versions after restore");

    const apiVersions = ctx.apiVersions();
    assert.equal(apiVersions.length, 1, `one api-version for every call, got ${apiVersions}`);
    return { apiVersion: apiVersions[0], calls: ctx.requests.length, versions: versions.length };
  },

  /** The smallest round trip: one secret set and read back (used with each credential style). */
  async secretRoundTrip(ctx) {
    const client = ctx.secrets();
    const name = unique("npm-round-trip");
    const value = ctx.canary(`round-trip-${crypto.randomUUID()}`);
    const set = await client.setSecret(name, value);
    assertVersionedId(set.properties.id, "secrets", name, "secret id");
    assert.equal((await client.getSecret(name)).value, value);
    return { tenantId: ctx.cfg.tenantId, id: set.properties.id };
  },

  /** AKV answers 200 {"value": [], "nextLink": null} for the versions of a name that never existed. */
  async secretVersionsOfUnknownName(ctx) {
    const name = unique("never-existed-secret");
    const items = await collect(ctx.secrets().listPropertiesOfSecretVersions(name));
    assert.deepEqual(items, [], "no versions");
    return { items: items.length, status: ctx.requests.at(-1)?.status };
  },

  async keyVersionsOfUnknownName(ctx) {
    const name = unique("never-existed-key");
    const items = await collect(ctx.keys().listPropertiesOfKeyVersions(name));
    assert.deepEqual(items, [], "no versions");
    return { items: items.length, status: ctx.requests.at(-1)?.status };
  },

  async certificateVersionsOfUnknownName(ctx) {
    const name = unique("never-existed-cert");
    const items = await collect(ctx.certificates().listPropertiesOfCertificateVersions(name));
    assert.deepEqual(items, [], "no versions");
    return { items: items.length, status: ctx.requests.at(-1)?.status };
  },

  /** RSA and EC keys: create, get, versions, sign remotely and verify (SDK and node:crypto), rotate, delete, purge. */
  async keysLifecycleAndCrypto(ctx) {
    const client = ctx.keys();
    const { KnownSignatureAlgorithms } = ctx.sdk.keys;
    const rsaName = unique("npm-rsa");
    const ecName = unique("npm-ec");
    const data = Buffer.from("signed through the JavaScript SDK");

    const rsa = await client.createRsaKey(rsaName, { keySize: 2048 });
    assert.equal(rsa.name, rsaName);
    assert.equal(rsa.keyType, "RSA");
    assert.equal(Buffer.from(rsa.key.n).length, 256, "a 2048-bit modulus");
    const rsaVersion = assertVersionedId(rsa.id, "keys", rsaName, "RSA key id");
    const ecKey = await client.createEcKey(ecName, { curve: "P-256" });
    assert.equal(ecKey.keyType, "EC");
    assert.equal(ecKey.key.crv, "P-256");

    const got = await client.getKey(rsaName);
    assert.equal(got.properties.version, rsaVersion);
    assert.deepEqual(Buffer.from(got.key.n), Buffer.from(rsa.key.n));
    assert.equal((await client.getKey(rsaName, { version: rsaVersion })).id, rsa.id);

    // Sign on the server; verify with the SDK and, independently, with node:crypto.
    const rsaCrypto = ctx.crypto(rsa.id);
    const digest = crypto.createHash("sha256").update(data).digest();
    const rsaSig = await rsaCrypto.sign(KnownSignatureAlgorithms.RS256, digest);
    assert.equal(rsaSig.keyID, rsa.id);
    assert.equal((await rsaCrypto.verify(KnownSignatureAlgorithms.RS256, digest, rsaSig.result)).result, true,
      "the SDK verifies RS256");
    assert.ok(crypto.verify("sha256", data, crypto.createPublicKey({ key: jwkOf(rsa.key), format: "jwk" }),
      Buffer.from(rsaSig.result)), "node:crypto verifies the RS256 signature");
    const ps = await rsaCrypto.signData(KnownSignatureAlgorithms.PS256, data);
    assert.ok(crypto.verify("sha256", data, {
      key: crypto.createPublicKey({ key: jwkOf(rsa.key), format: "jwk" }),
      padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32,
    }, Buffer.from(ps.result)), "node:crypto verifies the PS256 signature");

    const ecCrypto = ctx.crypto(ecKey);
    const ecSig = await ecCrypto.signData(KnownSignatureAlgorithms.ES256, data);
    assert.equal(Buffer.from(ecSig.result).length, 64, "ES256 signature is raw r||s");
    assert.equal((await ecCrypto.verifyData(KnownSignatureAlgorithms.ES256, data, ecSig.result)).result, true,
      "the SDK verifies ES256");
    assert.ok(crypto.verify("sha256", data, {
      key: crypto.createPublicKey({ key: jwkOf(ecKey.key), format: "jwk" }), dsaEncoding: "ieee-p1363",
    }, Buffer.from(ecSig.result)), "node:crypto verifies the ES256 signature");
    const tampered = Buffer.from(ecSig.result);
    tampered[5] ^= 1;
    assert.equal((await ecCrypto.verifyData(KnownSignatureAlgorithms.ES256, data, tampered)).result, false,
      "a tampered signature does not verify");

    // Rotate: a new version, listed with the first.
    const rotated = await client.rotateKey(rsaName);
    assert.notEqual(rotated.properties.version, rsaVersion);
    assert.equal(rotated.keyType, "RSA");
    const versions = (await collect(client.listPropertiesOfKeyVersions(rsaName))).map((p) => p.version).sort();
    assert.deepEqual(versions, [rsaVersion, rotated.properties.version].sort(), "listPropertiesOfKeyVersions");
    assert.ok((await collect(client.listPropertiesOfKeys())).some((p) => p.name === ecName), "listPropertiesOfKeys");

    for (const name of [rsaName, ecName]) {
      const deleted = await (await client.beginDeleteKey(name, { intervalInMs: 200 })).pollUntilDone();
      assert.equal(deleted.name, name);
      assert.ok(deleted.properties.recoveryId, "the deleted key has a recoveryId");
      assert.equal((await client.getDeletedKey(name)).name, name);
      await client.purgeDeletedKey(name);
      const gone = await rejects(() => client.getDeletedKey(name), "getDeletedKey after purge");
      assert.equal(gone.statusCode, 404);
    }
    return { apiVersions: ctx.apiVersions(), rotatedVersions: versions.length };
  },

  /** getKeyAttestation on a software key: the ordinary key bundle, no attestation. */
  async keyAttestationOfSoftwareKey(ctx) {
    const client = ctx.keys();
    const name = unique("npm-attest");
    const created = await client.createRsaKey(name, { keySize: 2048 });
    const latest = await client.getKeyAttestation(name);
    assert.equal(latest.id, created.id, "getKeyAttestation (latest) names the key's version");
    assert.equal(latest.name, name);
    assert.deepEqual(Buffer.from(latest.key.n), Buffer.from(created.key.n));
    assert.equal(latest.properties.attestation, undefined, "a software key has no attestation");
    const byVersion = await client.getKeyAttestation(name, { version: created.properties.version });
    assert.equal(byVersion.id, created.id, "getKeyAttestation (version)");
    assert.equal(byVersion.properties.attestation, undefined);
    return { id: latest.id, requests: ctx.requests.map((r) => `${r.method} ${idPath(r.url)} ${r.status}`) };
  },

  /** A self-signed certificate through the create poller, then read back. (The JS SDK puts a certificate's
   *  id in properties.id; its top-level `id` stays undefined.) */
  async certificateCreateSelfSigned(ctx) {
    const client = ctx.certificates();
    const name = unique("npm-self");
    const poller = await client.beginCreateCertificate(name, ctx.sdk.certificates.DefaultCertificatePolicy,
      { intervalInMs: 200 });
    const created = await poller.pollUntilDone();
    assert.ok(created, "pollUntilDone returns the certificate");
    assert.equal(created.name, name);
    const version = assertVersionedId(created.properties.id, "certificates", name, "certificate id");
    assert.equal(assertVersionedId(created.keyId, "keys", name, "keyId"), version);
    assert.equal(assertVersionedId(created.secretId, "secrets", name, "secretId"), version);
    const x509 = new crypto.X509Certificate(Buffer.from(created.cer));
    assert.match(x509.subject, /^CN=MyCert$/i, "the subject of DefaultCertificatePolicy");
    assert.equal(created.policy.issuerName, "Self");

    const got = await client.getCertificate(name);
    assert.equal(got.properties.id, created.properties.id);
    assert.deepEqual(Buffer.from(got.cer), Buffer.from(created.cer));
    assert.equal(got.properties.enabled, true);
    assert.equal((await client.getCertificateVersion(name, version)).properties.id, created.properties.id);
    const op = await client.getCertificateOperation(name);
    assert.equal(op.getOperationState().certificateOperation.status, "completed");
    return { id: created.properties.id, subject: x509.subject, apiVersions: ctx.apiVersions() };
  },

  /** Import a PFX (with password) and a PEM; the returned ids name the certificate, key and secret version. */
  async certificateImportPfxAndPem(ctx) {
    const client = ctx.certificates();
    const dir = ctx.dir();
    const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    const jwk = privateKey.export({ format: "jwk" });
    for (const part of ["d", "p", "q"]) ctx.canary(Buffer.from(jwk[part], "base64url"));
    const keyPem = privateKey.export({ format: "pem", type: "pkcs8" });
    fs.writeFileSync(path.join(dir, "key.pem"), keyPem, { mode: 0o600 });
    openssl(dir, "req", "-x509", "-key", "key.pem", "-subj", "/CN=imported.example", "-days", "30",
      "-addext", "subjectAltName=DNS:imported.example", "-out", "cert.pem");
    const password = ctx.canary(`pfx-${crypto.randomBytes(8).toString("hex")}`);
    openssl(dir, "pkcs12", "-export", "-inkey", "key.pem", "-in", "cert.pem", "-passout", `pass:${password}`,
      "-out", "cert.pfx");
    const certPem = fs.readFileSync(path.join(dir, "cert.pem"), "utf8");
    const der = new crypto.X509Certificate(certPem).raw;

    const results = {};
    const cases = [
      ["pfx", unique("npm-import-pfx"), fs.readFileSync(path.join(dir, "cert.pfx")), { password }],
      ["pem", unique("npm-import-pem"), Buffer.from(keyPem + certPem),
        { policy: { contentType: "application/x-pem-file", issuerName: "Unknown", subject: "CN=imported.example" } }],
    ];
    const failures = [];
    for (const [kind, name, bytes, options] of cases) {
      const imported = await client.importCertificate(name, bytes, options);
      assert.deepEqual(Buffer.from(imported.cer), der, `${kind}: cer is the imported certificate`);
      results[kind] = { id: imported.properties.id, keyId: imported.keyId, secretId: imported.secretId };
      // Collect every id problem before failing, so the report shows them all.
      try {
        const version = assertVersionedId(imported.properties.id, "certificates", name, `${kind}: id`);
        assert.equal(assertVersionedId(imported.keyId, "keys", name, `${kind}: keyId`), version, `${kind}: keyId version`);
        assert.equal(assertVersionedId(imported.secretId, "secrets", name, `${kind}: secretId`), version,
          `${kind}: secretId version`);
        assert.equal(imported.properties.version, version, `${kind}: properties.version`);
        const got = await client.getCertificate(name);
        assert.equal(got.properties.id, imported.properties.id, `${kind}: getCertificate returns the imported version`);
      } catch (e) {
        failures.push(e.message);
      }
    }
    assert.deepEqual(failures, [], `import ids: ${JSON.stringify(results)}`);
    return results;
  },

  /** preserveCertificateOrder given at create is returned on the certificate. */
  async certificatePreserveOrder(ctx) {
    const client = ctx.certificates();
    const name = unique("npm-order");
    const poller = await client.beginCreateCertificate(name,
      { issuerName: "Self", subject: "CN=order.example" },
      { preserveCertificateOrder: true, intervalInMs: 200 });
    const created = await poller.pollUntilDone();
    const got = await client.getCertificate(name);
    const seen = { created: created.properties.preserveCertificateOrder, got: got.properties.preserveCertificateOrder };
    assert.equal(got.properties.preserveCertificateOrder, true,
      `properties.preserveCertificateOrder of getCertificate: ${inspect(seen)}`);
    assert.equal(created.properties.preserveCertificateOrder, true,
      `properties.preserveCertificateOrder of the created certificate: ${inspect(seen)}`);
    return seen;
  },

  /** Issuer Unknown, the CSR signed by an outside CA (openssl), merged as the upstream JS test does it:
   *  the base64 text of the DER certificate passed as bytes. */
  async certificateMergeSignedCsr(ctx) {
    const client = ctx.certificates();
    const dir = ctx.dir();
    const name = unique("npm-merge");
    await client.beginCreateCertificate(name, { issuerName: "Unknown", subject: "CN=merged.example" });
    const pending = await client.getCertificateOperation(name);
    const operation = pending.getOperationState().certificateOperation;
    assert.equal(operation.status, "inProgress");
    assert.ok(operation.csr instanceof Uint8Array && operation.csr.length > 0, "the pending operation has a CSR");
    const csrBase64 = Buffer.from(operation.csr).toString("base64").replace(/.{64}/g, "$&\n");
    fs.writeFileSync(path.join(dir, "req.csr"),
      `-----BEGIN CERTIFICATE REQUEST-----\n${csrBase64}\n-----END CERTIFICATE REQUEST-----\n`);
    openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
      "-days", "30", "-subj", "/CN=Coffer npm test CA");
    openssl(dir, "x509", "-req", "-in", "req.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
      "-days", "10", "-out", "leaf.crt");
    const leafPem = fs.readFileSync(path.join(dir, "leaf.crt"), "utf8");
    const base64Crt = leafPem.split("\n").filter((l) => l && !l.startsWith("-----")).join("");

    const merged = await client.mergeCertificate(name, [Buffer.from(base64Crt)]);
    assert.deepEqual(Buffer.from(merged.cer), Buffer.from(base64Crt, "base64"), "cer is the merged certificate");
    assert.equal(merged.properties.enabled, true);
    assertVersionedId(merged.properties.id, "certificates", name, "merged id");
    const after = await client.getCertificateOperation(name);
    assert.equal(after.getOperationState().certificateOperation.status, "completed");
    assert.deepEqual(Buffer.from((await client.getCertificate(name)).cer), Buffer.from(merged.cer));
    return { id: merged.properties.id };
  },

  /** getIssuer of a name that is no issuer: 404 "Issuer not found". */
  async certificateMissingIssuer(ctx) {
    const client = ctx.certificates();
    const name = unique("npm-no-issuer");
    const e = await rejects(() => client.getIssuer(name), "getIssuer of a missing issuer");
    const seen = { statusCode: e.statusCode, code: e.code, message: e.message };
    assert.equal(e.statusCode, 404, `statusCode: ${JSON.stringify(seen)}`);
    assert.equal(e.message, "Issuer not found", `message: ${JSON.stringify(seen)}`);
    return seen;
  },
};

// ---------------------------------------------------------------- main

function describeError(e) {
  return {
    name: e?.name,
    message: e?.message ?? String(e),
    statusCode: e?.statusCode,
    code: e?.code,
    request: e?.request ? `${e.request.method} ${e.request.url}` : undefined,
  };
}

async function main() {
  const cfg = parseArgs(process.argv.slice(2));
  if (cfg.list) {
    console.log(JSON.stringify({ scenarios: Object.keys(scenarios) }));
    return 0;
  }
  if (cfg.names.length === 1 && cfg.names[0] === "versions") {
    console.log(JSON.stringify({ node: process.version,
      versions: Object.fromEntries(PACKAGES.map((p) => [p, packageVersion(p)])) }));
    return 0;
  }
  const unknown = cfg.names.filter((n) => !(n in scenarios));
  const missing = ["vaultUrl", "authority", "clientId", "clientSecret"].filter((k) => !cfg[k]);
  if (!cfg.names.length || unknown.length || missing.length) {
    console.error(`usage: node scenarios.mjs [options] SCENARIO... (${Object.keys(scenarios).join(", ")})`);
    if (unknown.length) console.error(`unknown scenario(s): ${unknown.join(", ")}`);
    if (missing.length) console.error(`missing setting(s): ${missing.join(", ")}`);
    return 2;
  }
  // TLS trust comes from NODE_EXTRA_CA_CERTS, which node reads only at start-up.
  if (cfg.caFile && path.resolve(cfg.caFile) !== path.resolve(process.env.NODE_EXTRA_CA_CERTS ?? "")) {
    const r = spawnSync(process.execPath, process.argv.slice(1), {
      stdio: "inherit", env: { ...process.env, NODE_EXTRA_CA_CERTS: path.resolve(cfg.caFile) } });
    return r.status ?? 1;
  }

  const sdk = {
    identity: await import("@azure/identity"),
    secrets: await import("@azure/keyvault-secrets"),
    keys: await import("@azure/keyvault-keys"),
    certificates: await import("@azure/keyvault-certificates"),
  };
  const results = [];
  for (const name of cfg.names) {
    const ctx = new Context(cfg, sdk);
    const entry = { scenario: name, ok: true };
    try {
      entry.result = await scenarios[name](ctx);
    } catch (e) {
      entry.ok = false;
      entry.error = describeError(e);
      console.error(`scenario ${name} FAILED: ${entry.error.message}` +
        (entry.error.statusCode ? ` (HTTP ${entry.error.statusCode}${entry.error.code ? " " + entry.error.code : ""})` : "") +
        (entry.error.request ? ` on ${entry.error.request}` : ""));
    } finally {
      ctx.cleanup();
    }
    entry.canaries = ctx.canaries;
    entry.requests = ctx.requests;
    results.push(entry);
  }
  console.log(JSON.stringify({ results }));
  return results.every((r) => r.ok) ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (e) => {
  console.error(`scenarios.mjs: ${e?.stack ?? e}`);
  process.exitCode = 1;
});
