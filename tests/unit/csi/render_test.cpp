// Rendering one fetched object version into files (PROVIDER-SPEC §4.3):
// secrets with their encodings, certificate secrets (PEM, PKCS#12, pfx),
// separate .crt/.key files, public keys and certificates, modes.
#include "csi/render.hpp"

#include <gtest/gtest.h>

#include <ctime>

#include "common/base64.hpp"
#include "crypto/certificate_issue.hpp"
#include "crypto/key_material.hpp"
#include "crypto/pem_bundle.hpp"
#include "crypto/pkcs12.hpp"
#include "csi/mount_errors.hpp"

namespace coffer::csi {
namespace {

using crypto::Certificate;
using crypto::CertificateProfile;
using crypto::KeyMaterial;

// ---- fixtures: keys and certificates are made once (RSA generation is slow) ----

struct Pki {
  KeyMaterial root_key = KeyMaterial::generate_ec("P-256").value();
  KeyMaterial leaf_key = KeyMaterial::generate_rsa(2048).value();
  Certificate root;
  Certificate leaf;

  Pki() : root(make_root()), leaf(make_leaf()) {}

  Certificate make_root() {
    CertificateProfile p;
    p.subject = "CN=CSI Test Root";
    p.key_usage = {"keyCertSign", "cRLSign"};
    p.ca = true;
    return crypto::issue_certificate(root_key, p, std::time(nullptr), nullptr, nullptr).value();
  }
  Certificate make_leaf() {
    CertificateProfile p;
    p.subject = "CN=leaf.csi.example";
    p.dns_names = {"leaf.csi.example"};
    p.key_usage = {"digitalSignature", "keyEncipherment"};
    return crypto::issue_certificate(leaf_key, p, std::time(nullptr), &root, &root_key).value();
  }
};

const Pki& pki() {
  static const Pki* p = new Pki();
  return *p;
}

ObjectSpec secret_spec(ObjectEncoding encoding = ObjectEncoding::kUtf8) {
  ObjectSpec s;
  s.name = "s1";
  s.type = ObjectType::kSecret;
  s.encoding = encoding;
  return s;
}

VaultObject plain_secret(std::string value, std::string content_type = "") {
  VaultObject o;
  o.version = "v1";
  o.value = SecureString(std::move(value));
  o.content_type = std::move(content_type);
  return o;
}

VaultObject certificate_secret(std::string value, std::string content_type) {
  VaultObject o = plain_secret(std::move(value), std::move(content_type));
  o.certificate_backed = true;
  return o;
}

// The PKCS#12 of the leaf key and chain, base64 as AKV stores it.
std::string pfx_base64(bool with_key = true) {
  auto pfx = crypto::make_pkcs12(with_key ? &pki().leaf_key : nullptr, {pki().leaf, pki().root});
  EXPECT_TRUE(pfx.ok()) << pfx.status().message();
  return base64_encode(pfx->view());
}

std::string pem_bundle() {
  return std::string(crypto::make_pem_bundle(&pki().leaf_key, {pki().leaf, pki().root}).value().view());
}

Result<std::vector<MountedFile>> render(const ObjectSpec& spec, const VaultObject& object, RenderOptions options = {}) {
  return render_object(spec, object, "dir/file", options);
}

// The one file's contents, or a test failure.
std::string single(const Result<std::vector<MountedFile>>& r) {
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return {};
  EXPECT_EQ(r->size(), 1u);
  if (r->empty()) return {};
  EXPECT_EQ(r->front().path, "dir/file");
  return std::string(r->front().contents.view());
}

template <typename T>
void expect_unsupported(const Result<T>& r, const std::string& what) {
  ASSERT_FALSE(r.ok()) << "rendered: " << what;
  EXPECT_EQ(r.status().reason(), errors::kUnsupportedObject) << what << ": " << r.status().message();
  EXPECT_EQ(errors::code_of(r.status()), errors::kUnsupportedObject);
}

// Labels of the PEM blocks of `text`, in order.
std::vector<std::string> block_labels(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  const std::string_view begin = "-----BEGIN ";
  while ((pos = text.find(begin, pos)) != std::string_view::npos) {
    pos += begin.size();
    const std::size_t end = text.find("-----", pos);
    out.emplace_back(text.substr(pos, end - pos));
  }
  return out;
}

// The text of the first PEM block labelled `label` (BEGIN line to END line and its LF).
std::string first_block(const std::string& text, const std::string& label) {
  const std::size_t b = text.find("-----BEGIN " + label + "-----");
  const std::string end = "-----END " + label + "-----\n";
  const std::size_t e = text.find(end, b);
  if (b == std::string::npos || e == std::string::npos) return {};
  return text.substr(b, e + end.size() - b);
}

// ---- plain secrets ----

TEST(RenderSecret, Utf8IsTheValueAsIs) {
  const std::string value("line1\nline2\r\n\xff\x00 binary", 22);
  ASSERT_EQ(value.back(), 'y');
  EXPECT_EQ(single(render(secret_spec(), plain_secret(value))), value);
  EXPECT_EQ(single(render(secret_spec(), plain_secret(""))), "");
}

TEST(RenderSecret, ContentTypeOfAPlainSecretIsIgnored) {
  // Without a kid the content type is only a label: the value is mounted as is.
  EXPECT_EQ(single(render(secret_spec(), plain_secret("not a pfx", "application/x-pkcs12"))), "not a pfx");
  EXPECT_EQ(single(render(secret_spec(), plain_secret("x", "text/plain"))), "x");
}

TEST(RenderSecret, Base64IsDecoded) {
  EXPECT_EQ(single(render(secret_spec(ObjectEncoding::kBase64), plain_secret("aHVudGVyMg=="))), "hunter2");
  EXPECT_EQ(single(render(secret_spec(ObjectEncoding::kBase64), plain_secret("aGVsbG8="))), "hello");
  EXPECT_EQ(single(render(secret_spec(ObjectEncoding::kBase64), plain_secret("Zm9vYmFy"))), "foobar");
  EXPECT_EQ(single(render(secret_spec(ObjectEncoding::kBase64), plain_secret(""))), "");
  const std::string binary("\x00\x01\xfe\xff\x80", 5);
  EXPECT_EQ(single(render(secret_spec(ObjectEncoding::kBase64), plain_secret(base64_encode(binary)))), binary);
}

TEST(RenderSecret, Base64IsStrictLikeGo) {
  for (const std::string bad : {"hunter2", "aHVudGVyMg", "aHVudGVyMg=", "aGVsbG8", "a", "Zm9v!", "Zm 9v",
                                "aGk=aGk=", "-_-_", "Zg==Zg==", "Zm9v====", "Zg===", "===="}) {
    expect_unsupported(render(secret_spec(ObjectEncoding::kBase64), plain_secret(bad)), bad);
  }
}

TEST(RenderSecret, Base64IgnoresLineBreaksLikeGo) {
  // Go's base64.StdEncoding.DecodeString (Azure's provider) skips \r and \n,
  // so a value stored from a line-wrapped `base64` file still mounts.
  std::string binary;
  for (int i = 0; i < 200; ++i) binary += static_cast<char>(i * 7);
  const std::string flat = base64_encode(binary);
  std::string wrapped;
  for (std::size_t i = 0; i < flat.size(); i += 76) wrapped += flat.substr(i, 76) + "\n";
  EXPECT_EQ(single(render(secret_spec(ObjectEncoding::kBase64), plain_secret(wrapped))), binary);
  EXPECT_EQ(single(render(secret_spec(ObjectEncoding::kBase64), plain_secret("aGVs\r\nbG8=\r\n"))), "hello");
  EXPECT_EQ(single(render(secret_spec(ObjectEncoding::kBase64), plain_secret("aGVsbG8=\n"))), "hello");
  // Other whitespace is still refused, and line breaks do not make up for missing padding.
  expect_unsupported(render(secret_spec(ObjectEncoding::kBase64), plain_secret("aGVsbG8= ")), "trailing space");
  expect_unsupported(render(secret_spec(ObjectEncoding::kBase64), plain_secret("aGVsbG8\n")), "unpadded + LF");
}

TEST(RenderSecret, HexIsDecoded) {
  EXPECT_EQ(single(render(secret_spec(ObjectEncoding::kHex), plain_secret("68756e74657232"))), "hunter2");
  EXPECT_EQ(single(render(secret_spec(ObjectEncoding::kHex), plain_secret("68756E74657232"))), "hunter2");
  EXPECT_EQ(single(render(secret_spec(ObjectEncoding::kHex), plain_secret("00ff"))), std::string("\x00\xff", 2));
  EXPECT_EQ(single(render(secret_spec(ObjectEncoding::kHex), plain_secret(""))), "");
  for (const std::string bad : {"abc", "zz", "0x00", "68 75", "6g", "hunter2"}) {
    expect_unsupported(render(secret_spec(ObjectEncoding::kHex), plain_secret(bad)), bad);
  }
}

TEST(RenderSecret, ErrorDoesNotCarryTheValue) {
  auto r = render(secret_spec(ObjectEncoding::kBase64), plain_secret("s3cr3t-value!"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("s3cr3t"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("s1"), std::string::npos) << r.status().message();
}

// ---- certificate secrets ----

TEST(RenderCertificateSecret, PemFileIsPassedThrough) {
  const std::string pem = "any text\n" + pem_bundle() + "trailer";
  EXPECT_EQ(single(render(secret_spec(), certificate_secret(pem, "application/x-pem-file"))), pem);
}

TEST(RenderCertificateSecret, Pkcs12BecomesKeyThenChain) {
  const std::string out = single(render(secret_spec(), certificate_secret(pfx_base64(), "application/x-pkcs12")));
  ASSERT_EQ(out.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u) << out.substr(0, 64);
  EXPECT_EQ(block_labels(out), (std::vector<std::string>{"PRIVATE KEY", "CERTIFICATE", "CERTIFICATE"}));
  // The key is the leaf's; the certificates are the leaf then the root, as their PEM.
  auto key = KeyMaterial::from_private_pem(first_block(out, "PRIVATE KEY"));
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_TRUE(pki().leaf.public_key_matches(*key));
  const std::size_t leaf_at = out.find(pki().leaf.pem());
  const std::size_t root_at = out.find(pki().root.pem());
  ASSERT_NE(leaf_at, std::string::npos);
  ASSERT_NE(root_at, std::string::npos);
  EXPECT_LT(leaf_at, root_at);
  EXPECT_EQ(out.substr(leaf_at), pki().leaf.pem() + pki().root.pem());
}

TEST(RenderCertificateSecret, Pkcs12WithoutKeyGivesCertificatesOnly) {
  const std::string out = single(render(secret_spec(), certificate_secret(pfx_base64(false), "application/x-pkcs12")));
  EXPECT_EQ(out, pki().leaf.pem() + pki().root.pem());
}

TEST(RenderCertificateSecret, PfxFormatIsTheStoredBase64Text) {
  const std::string b64 = pfx_base64();
  ObjectSpec spec = secret_spec();
  spec.pfx = true;
  EXPECT_EQ(single(render(spec, certificate_secret(b64, "application/x-pkcs12"))), b64);
  // With objectEncoding base64 the file is the binary PFX, which opens with no password.
  spec.encoding = ObjectEncoding::kBase64;
  const std::string binary = single(render(spec, certificate_secret(b64, "application/x-pkcs12")));
  EXPECT_EQ(binary, base64_decode(b64).value());
  auto opened = crypto::parse_pkcs12(binary, "");
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(opened->chain.front(), pki().leaf);
}

TEST(RenderCertificateSecret, PfxFormatOfAPemCertificateIsThePem) {
  ObjectSpec spec = secret_spec();
  spec.pfx = true;
  const std::string pem = pem_bundle();
  EXPECT_EQ(single(render(spec, certificate_secret(pem, "application/x-pem-file"))), pem);
}

TEST(RenderCertificateSecret, OtherContentTypesAreUnsupported) {
  for (const std::string type :
       {"", "application/json", "application/x-pem", "APPLICATION/X-PKCS12", "text/plain", "application/x-pkcs12 "}) {
    expect_unsupported(render(secret_spec(), certificate_secret(pfx_base64(), type)), "content type '" + type + "'");
  }
}

TEST(RenderCertificateSecret, BrokenPkcs12IsUnsupported) {
  expect_unsupported(render(secret_spec(), certificate_secret("not base64!", "application/x-pkcs12")), "not base64");
  expect_unsupported(render(secret_spec(), certificate_secret(base64_encode("garbage bytes"), "application/x-pkcs12")),
                     "not a PFX");
  expect_unsupported(render(secret_spec(), certificate_secret("", "application/x-pkcs12")), "empty");
  std::string truncated = base64_decode(pfx_base64()).value();
  truncated.resize(truncated.size() / 2);
  expect_unsupported(render(secret_spec(), certificate_secret(base64_encode(truncated), "application/x-pkcs12")),
                     "truncated");
}

TEST(RenderCertificateSecret, EncodingAppliesToTheCertificateOutputToo) {
  // A PEM is not base64 text, so asking to decode it fails.
  expect_unsupported(
      render(secret_spec(ObjectEncoding::kBase64), certificate_secret(pem_bundle(), "application/x-pem-file")),
      "base64 of a PEM");
  // hex of the PEM bundle's hex is the bundle.
  const std::string pem = pem_bundle();
  EXPECT_EQ(
      single(render(secret_spec(ObjectEncoding::kHex), certificate_secret(hex_encode(pem), "application/x-pem-file"))),
      pem);
}

// ---- separate .crt and .key ----

TEST(RenderSeparateFiles, Pkcs12YieldsBundleCrtAndKey) {
  RenderOptions options;
  options.separate_cert_and_key = true;
  auto r = render(secret_spec(), certificate_secret(pfx_base64(), "application/x-pkcs12"), options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].path, "dir/file");
  EXPECT_EQ((*r)[1].path, "dir/file.crt");
  EXPECT_EQ((*r)[2].path, "dir/file.key");
  const std::string bundle((*r)[0].contents.view());
  EXPECT_EQ(block_labels(bundle), (std::vector<std::string>{"PRIVATE KEY", "CERTIFICATE", "CERTIFICATE"}));
  EXPECT_EQ((*r)[1].contents.view(), pki().leaf.pem() + pki().root.pem());
  const std::string key((*r)[2].contents.view());
  EXPECT_EQ(block_labels(key), std::vector<std::string>{"PRIVATE KEY"});
  EXPECT_EQ(key, first_block(bundle, "PRIVATE KEY"));
  auto parsed = KeyMaterial::from_private_pem(key);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(pki().leaf.public_key_matches(*parsed));
  for (const auto& f : *r) EXPECT_EQ(f.mode, 0644) << f.path;
}

TEST(RenderSeparateFiles, PemFileIsSplitWhateverTheOrder) {
  RenderOptions options;
  options.separate_cert_and_key = true;
  // Certificates first, key last, text between blocks.
  const std::string bundle = pem_bundle();
  const std::string key = first_block(bundle, "PRIVATE KEY");
  const std::string pem = "leaf:\n" + pki().leaf.pem() + "root:\n" + pki().root.pem() + key;
  auto r = render(secret_spec(), certificate_secret(pem, "application/x-pem-file"), options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].contents.view(), pem);  // the main file as stored
  EXPECT_EQ((*r)[1].contents.view(), pki().leaf.pem() + pki().root.pem());
  EXPECT_EQ((*r)[2].contents.view(), key);
}

TEST(RenderSeparateFiles, OnlyForCertificatePemOutput) {
  RenderOptions options;
  options.separate_cert_and_key = true;
  // A plain secret holding PEM text is not split.
  EXPECT_EQ(single(render(secret_spec(), plain_secret(pem_bundle()), options)), pem_bundle());
  // Nor is a pfx output, or one with an encoding.
  ObjectSpec pfx = secret_spec();
  pfx.pfx = true;
  const std::string b64 = pfx_base64();
  EXPECT_EQ(single(render(pfx, certificate_secret(b64, "application/x-pkcs12"), options)), b64);
  const std::string pem = pem_bundle();
  EXPECT_EQ(single(render(secret_spec(ObjectEncoding::kHex),
                          certificate_secret(hex_encode(pem), "application/x-pem-file"), options)),
            pem);
}

TEST(RenderSeparateFiles, UnreadablePemIsUnsupported) {
  RenderOptions options;
  options.separate_cert_and_key = true;
  const std::string broken = "-----BEGIN CERTIFICATE-----\nMIIB\n";  // no END line
  expect_unsupported(render(secret_spec(), certificate_secret(broken, "application/x-pem-file"), options), "no END");
  // Without the option the same value is passed through.
  EXPECT_EQ(single(render(secret_spec(), certificate_secret(broken, "application/x-pem-file"))), broken);
}

// ---- keys ----

ObjectSpec key_spec() {
  ObjectSpec s;
  s.name = "k1";
  s.type = ObjectType::kKey;
  return s;
}

VaultObject key_object(const crypto::Jwk& jwk) {
  VaultObject o;
  o.version = "v1";
  o.public_key = jwk;
  return o;
}

TEST(RenderKey, RsaAndEcArePublicKeyPem) {
  std::vector<KeyMaterial> keys;
  keys.push_back(KeyMaterial::generate_rsa(2048).value());
  keys.push_back(KeyMaterial::generate_ec("P-256").value());
  keys.push_back(KeyMaterial::generate_ec("P-384").value());
  keys.push_back(KeyMaterial::generate_ec("P-521").value());
  for (const auto& k : keys) {
    const std::string out = single(render(key_spec(), key_object(k.public_jwk())));
    EXPECT_EQ(block_labels(out), std::vector<std::string>{"PUBLIC KEY"}) << k.curve();
    EXPECT_EQ(out, k.public_pem().value()) << k.curve();
  }
}

TEST(RenderKey, HsmKeyTypesToo) {
  const auto& k = pki().leaf_key;
  crypto::Jwk jwk = k.public_jwk();
  jwk.kty = "RSA-HSM";
  EXPECT_EQ(single(render(key_spec(), key_object(jwk))), k.public_pem().value());
  const auto& ec = pki().root_key;
  crypto::Jwk ec_jwk = ec.public_jwk();
  ec_jwk.kty = "EC-HSM";
  EXPECT_EQ(single(render(key_spec(), key_object(ec_jwk))), ec.public_pem().value());
}

TEST(RenderKey, OctAndSecp256k1AreUnsupported) {
  expect_unsupported(render(key_spec(), key_object(KeyMaterial::generate_oct(256).value().public_jwk())), "oct");
  crypto::Jwk oct;
  oct.kty = "oct-HSM";
  expect_unsupported(render(key_spec(), key_object(oct)), "oct-HSM");
  expect_unsupported(render(key_spec(), key_object(KeyMaterial::generate_ec("P-256K").value().public_jwk())), "P-256K");
}

TEST(RenderKey, BrokenMembersAreUnsupported) {
  expect_unsupported(render(key_spec(), key_object(crypto::Jwk{})), "empty jwk");
  crypto::Jwk rsa = pki().leaf_key.public_jwk();
  rsa.n.clear();
  expect_unsupported(render(key_spec(), key_object(rsa)), "no n");
  crypto::Jwk ec = pki().root_key.public_jwk();
  ec.y[ec.y.size() - 1] ^= 1;  // no longer on the curve
  expect_unsupported(render(key_spec(), key_object(ec)), "off-curve point");
}

// ---- certificates ----

ObjectSpec cert_spec() {
  ObjectSpec s;
  s.name = "c1";
  s.type = ObjectType::kCert;
  return s;
}

VaultObject cert_object(std::string der) {
  VaultObject o;
  o.version = "v1";
  o.certificate_der = std::move(der);
  return o;
}

TEST(RenderCert, DerIsOneCertificateBlock) {
  const std::string out = single(render(cert_spec(), cert_object(pki().leaf.der())));
  EXPECT_EQ(out, pki().leaf.pem());
  EXPECT_EQ(block_labels(out), std::vector<std::string>{"CERTIFICATE"});
  EXPECT_EQ(out.find("PRIVATE"), std::string::npos);
}

TEST(RenderCert, GarbageDerIsUnsupported) {
  expect_unsupported(render(cert_spec(), cert_object("")), "empty");
  expect_unsupported(render(cert_spec(), cert_object("not a certificate")), "garbage");
  const std::string der = pki().leaf.der();
  expect_unsupported(render(cert_spec(), cert_object(der.substr(0, der.size() - 10))), "truncated");
  expect_unsupported(render(cert_spec(), cert_object(der + "junk")), "trailing bytes");
}

// ---- modes and paths ----

TEST(RenderMode, SpecModeElseDefault) {
  RenderOptions options;
  options.default_mode = 0600;
  auto r = render(secret_spec(), plain_secret("x"), options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->front().mode, 0600);
  ObjectSpec spec = secret_spec();
  spec.mode = 0440;
  r = render(spec, plain_secret("x"), options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->front().mode, 0440);
  spec.mode = 0;  // an explicit 0 is kept, not replaced by the default
  r = render(spec, plain_secret("x"), options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->front().mode, 0);

  ObjectSpec cert = cert_spec();
  cert.mode = 0400;
  r = render(cert, cert_object(pki().leaf.der()), options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->front().mode, 0400);
  r = render(key_spec(), key_object(pki().root_key.public_jwk()), options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->front().mode, 0600);
}

TEST(RenderMode, SeparateFilesShareTheMode) {
  RenderOptions options;
  options.separate_cert_and_key = true;
  ObjectSpec spec = secret_spec();
  spec.mode = 0400;
  auto r = render(spec, certificate_secret(pem_bundle(), "application/x-pem-file"), options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 3u);
  for (const auto& f : *r) EXPECT_EQ(f.mode, 0400) << f.path;
}

TEST(RenderPath, PathIsUsedVerbatim) {
  auto r = render_object(secret_spec(), plain_secret("x"), "alias/0", RenderOptions{});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(r->front().path, "alias/0");
}

}  // namespace
}  // namespace coffer::csi
