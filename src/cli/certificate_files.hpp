// The certificate files `coffer keyvault certificate` reads and writes, in
// az's forms: what `import --file` sends, the chain `pending merge --file`
// sends, and the bytes `download` writes. Pure functions; errors are
// kBadParameter with a message fit for "ERROR: …".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace coffer::cli {

inline constexpr std::string_view kPemContentType = "application/x-pem-file";
inline constexpr std::string_view kPkcs12ContentType = "application/x-pkcs12";

// import's "value" and the secret content type that goes with it: a PEM
// file (it holds "-----BEGIN") as its text with CRLF turned into LF, any
// other file (a PFX) as standard base64 of its bytes.
struct ImportValue {
  std::string value;
  std::string_view content_type;
};
Result<ImportValue> certificate_import_value(std::string_view file_bytes);

// The DER of every CERTIFICATE block of a PEM text, in the file's order; a
// file without PEM armour is taken as one DER certificate.
Result<std::vector<std::string>> certificates_der(std::string_view file_bytes);

// A bundle's "cer" (standard base64 of DER) as `encoding` "PEM" (one
// CERTIFICATE block, 64-character lines, LF) or "DER".
Result<std::string> certificate_download_bytes(std::string_view cer, std::string_view encoding);

}  // namespace coffer::cli
