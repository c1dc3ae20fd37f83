#include "crypto/certificate_chain.hpp"

#include <algorithm>

namespace coffer::crypto {
namespace {

constexpr std::size_t kMaxChain = 50;

}  // namespace

Result<std::vector<Certificate>> order_chain(std::vector<Certificate> certs) {
  std::vector<Certificate> unique;
  for (Certificate& c : certs) {
    if (std::find(unique.begin(), unique.end(), c) == unique.end()) unique.push_back(std::move(c));
  }
  const std::size_t n = unique.size();
  if (n == 0) return bad_parameter("The certificate chain is empty.");
  if (n > kMaxChain)
    return bad_parameter("The certificate chain has more than " + std::to_string(kMaxChain) + " certificates.");

  // parent[i]: the index of the certificate that issued unique[i], or n for none in the set.
  std::vector<std::size_t> parent(n, n);
  std::vector<bool> is_issuer(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      if (i != j && unique[i].issued_by(unique[j])) {
        parent[i] = j;
        is_issuer[j] = true;
        break;
      }
    }
  }
  const auto leaves = static_cast<std::size_t>(std::count(is_issuer.begin(), is_issuer.end(), false));
  if (leaves == 0) return bad_parameter("The certificates do not form a chain: they issue each other in a loop.");
  if (leaves > 1) {
    return bad_parameter("The certificates do not form one chain: " + std::to_string(leaves) +
                         " of them issued no other (several leaf certificates, or one missing between them).");
  }
  std::size_t at = static_cast<std::size_t>(std::find(is_issuer.begin(), is_issuer.end(), false) - is_issuer.begin());
  std::vector<bool> taken(n, false);
  std::vector<Certificate> ordered;
  while (at != n && !taken[at]) {
    taken[at] = true;
    ordered.push_back(unique[at]);
    at = parent[at];
  }
  if (ordered.size() != n) return bad_parameter("The certificates do not form one chain from the leaf certificate.");
  return ordered;
}

Status check_key_and_chain(const KeyMaterial* key, const std::vector<Certificate>& chain) {
  if (chain.empty()) return bad_parameter("A certificate is needed.");
  if (key == nullptr) return Status::Ok();
  if (key->kind() == KeyKind::kOct)
    return bad_parameter("A certificate's key must be an RSA or EC key, not a symmetric (oct) key.");
  if (!chain.front().public_key_matches(*key)) {
    return bad_parameter("The private key does not match the certificate's public key.");
  }
  return Status::Ok();
}

}  // namespace coffer::crypto
