#include "csi/render.hpp"

#include "common/base64.hpp"
#include "crypto/certificate.hpp"
#include "crypto/pem.hpp"
#include "crypto/pem_bundle.hpp"
#include "crypto/pkcs12.hpp"
#include "crypto/public_key_pem.hpp"
#include "csi/mount_errors.hpp"

namespace coffer::csi {
namespace {

Status unsupported(const ObjectSpec& spec, std::string why) {
  return errors::fail(errors::kUnsupportedObject,
                      std::string(type_name(spec.type)) + " '" + spec.name + "' cannot be mounted: " + why);
}

Result<SecureString> certificate_secret_pem(const ObjectSpec& spec, const VaultObject& object) {
  if (object.content_type == "application/x-pem-file") return object.value;
  if (object.content_type != "application/x-pkcs12") {
    return unsupported(spec, "its content type '" + object.content_type.substr(0, 64) +
                                 "' is neither application/x-pem-file nor application/x-pkcs12.");
  }
  if (spec.pfx) return object.value;
  auto der = base64_decode(object.value.view());
  if (!der) return unsupported(spec, "its PKCS#12 value is not base64.");
  SecureString pfx(std::move(*der));
  auto opened = crypto::parse_pkcs12(pfx.view(), "");
  if (!opened.ok()) return unsupported(spec, "its PKCS#12 value cannot be opened: " + opened.status().message());
  return crypto::make_pem_bundle(opened->key ? &*opened->key : nullptr, opened->chain);
}

// Go's base64.StdEncoding.DecodeString, which Azure's provider uses: CR and
// LF are skipped wherever they are; the rest must be whole four-character
// groups with at most two '=', only at the end.
std::optional<std::string> go_base64_decode(std::string_view text) {
  SecureString compact;  // sized once: no reallocation leaves an unwiped copy behind
  compact.resize(text.size());
  std::size_t n = 0;
  for (char c : text) {
    if (c != '\r' && c != '\n') compact.data()[n++] = c;
  }
  compact.resize(n);
  const std::size_t last = compact.view().find_last_not_of('=');
  const std::size_t padding = compact.size() - (last == std::string_view::npos ? 0 : last + 1);
  if (compact.size() % 4 != 0 || padding > 2) return std::nullopt;
  return base64_decode(compact.view());
}

Result<SecureString> decode(const ObjectSpec& spec, SecureString text) {
  if (spec.encoding == ObjectEncoding::kUtf8) return text;
  const bool base64 = spec.encoding == ObjectEncoding::kBase64;
  auto bytes = base64 ? go_base64_decode(text.view()) : hex_decode(text.view());
  if (!bytes) {
    return unsupported(spec,
                       std::string("its value is not ") + (base64 ? "padded base64" : "hex") + " (objectEncoding).");
  }
  return SecureString(std::move(*bytes));
}

// Joins PEM blocks into one buffer sized up front (no reallocation leaves
// an unwiped copy of key bytes behind).
SecureString join(const std::vector<SecureString>& blocks) {
  std::size_t total = 0;
  for (const auto& b : blocks) total += b.size();
  std::string out;
  out.reserve(total);
  for (const auto& b : blocks) out.append(b.view());
  return SecureString(std::move(out));
}

// The certificate blocks and the other blocks of a PEM text, each re-encoded.
Result<std::pair<SecureString, SecureString>> split_pem(const ObjectSpec& spec, std::string_view text) {
  auto blocks = crypto::pem::read_blocks(text);
  if (!blocks.ok()) return unsupported(spec, "its PEM value cannot be split: " + blocks.status().message());
  std::vector<SecureString> certs, others;
  for (const auto& block : *blocks) {
    (block.label == "CERTIFICATE" ? certs : others)
        .emplace_back(crypto::pem::encode_block(block.label, block.der.view()));
  }
  return std::make_pair(join(certs), join(others));
}

}  // namespace

Result<std::vector<MountedFile>> render_object(const ObjectSpec& spec, const VaultObject& object,
                                               const std::string& path, const RenderOptions& options) {
  const int mode = spec.mode.value_or(options.default_mode);
  std::vector<MountedFile> files;
  switch (spec.type) {
    case ObjectType::kSecret: {
      SecureString content = object.value;
      if (object.certificate_backed) {
        COFFER_ASSIGN_OR_RETURN(content, certificate_secret_pem(spec, object));
      }
      COFFER_ASSIGN_OR_RETURN(SecureString decoded, decode(spec, std::move(content)));
      if (object.certificate_backed && options.separate_cert_and_key && !spec.pfx &&
          spec.encoding == ObjectEncoding::kUtf8) {
        COFFER_ASSIGN_OR_RETURN(auto parts, split_pem(spec, decoded.view()));
        files.push_back({path, mode, std::move(decoded)});
        files.push_back({path + ".crt", mode, std::move(parts.first)});
        files.push_back({path + ".key", mode, std::move(parts.second)});
        return files;
      }
      files.push_back({path, mode, std::move(decoded)});
      return files;
    }
    case ObjectType::kKey: {
      auto pem = crypto::public_key_pem(object.public_key);
      if (!pem.ok()) return unsupported(spec, pem.status().message());
      files.push_back({path, mode, SecureString(std::move(*pem))});
      return files;
    }
    case ObjectType::kCert: {
      auto cert = crypto::Certificate::from_der(object.certificate_der);
      if (!cert.ok()) return unsupported(spec, "its certificate cannot be read: " + cert.status().message());
      files.push_back({path, mode, SecureString(cert->pem())});
      return files;
    }
  }
  return files;
}

}  // namespace coffer::csi
