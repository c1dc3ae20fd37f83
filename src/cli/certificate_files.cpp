#include "cli/certificate_files.hpp"

#include "common/base64.hpp"
#include "crypto/certificate.hpp"

namespace coffer::cli {
namespace {

constexpr std::string_view kPemBegin = "-----BEGIN";
constexpr std::string_view kCertificateBegin = "-----BEGIN CERTIFICATE-----";

}  // namespace

Result<ImportValue> certificate_import_value(std::string_view file_bytes) {
  if (file_bytes.empty()) return Status(Code::kBadParameter, "The certificate file is empty.");
  if (file_bytes.find(kPemBegin) == std::string_view::npos) {
    return ImportValue{base64_encode(file_bytes), kPkcs12ContentType};
  }
  std::string text;
  text.reserve(file_bytes.size());
  for (std::size_t i = 0; i < file_bytes.size(); ++i) {
    if (file_bytes[i] == '\r' && i + 1 < file_bytes.size() && file_bytes[i + 1] == '\n') continue;
    text += file_bytes[i];
  }
  return ImportValue{std::move(text), kPemContentType};
}

Result<std::vector<std::string>> certificates_der(std::string_view file_bytes) {
  std::vector<std::string> out;
  if (file_bytes.find(kPemBegin) == std::string_view::npos) {
    auto cert = crypto::Certificate::from_der(file_bytes);
    if (!cert.ok()) {
      return Status(Code::kBadParameter, "The file is neither PEM nor one DER certificate: " + cert.status().message());
    }
    out.push_back(cert->der());
    return out;
  }
  for (std::size_t pos = file_bytes.find(kCertificateBegin); pos != std::string_view::npos;
       pos = file_bytes.find(kCertificateBegin, pos + kCertificateBegin.size())) {
    // from_pem reads the first CERTIFICATE block of the text it is given.
    auto cert = crypto::Certificate::from_pem(file_bytes.substr(pos));
    if (!cert.ok()) {
      return Status(Code::kBadParameter, "Certificate " + std::to_string(out.size() + 1) +
                                             " of the file cannot be read: " + cert.status().message());
    }
    out.push_back(cert->der());
  }
  if (out.empty()) return Status(Code::kBadParameter, "The file holds PEM data but no CERTIFICATE block.");
  return out;
}

Result<std::string> certificate_download_bytes(std::string_view cer, std::string_view encoding) {
  auto der = base64_decode(cer);
  if (!der) return Status(Code::kInternal, "The server's 'cer' is not base64.");
  if (encoding == "DER") return std::move(*der);
  auto cert = crypto::Certificate::from_der(*der);
  if (!cert.ok()) return Status(Code::kInternal, "The server's 'cer' is not a certificate: " + cert.status().message());
  return cert->pem();
}

}  // namespace coffer::cli
