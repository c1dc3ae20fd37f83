#include "audit/chain.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <ctime>

#include "audit/audit_sink.hpp"
#include "common/base64.hpp"
#include "crypto/tls_material.hpp"

namespace coffer::audit {
namespace json = boost::json;
namespace {

constexpr std::string_view kHashPrefix = "hmac-sha256:";

// Query parameters whose values are protocol vocabulary, recorded in clear.
bool clear_query_param(std::string_view name) {
  return name == "api-version" || name == "maxresults" || name == "$skiptoken" || name == "skiptoken" ||
         name == "%24skiptoken";
}

// `uri` with the values of its query parameters replaced by their HMACs
// (but those clear_query_param() names); empty when it has no query.
std::string redact_query(const crypto::HmacSha256& key, const std::string& uri) {
  auto q = uri.find('?');
  if (q == std::string::npos) return {};
  std::string out = uri.substr(0, q + 1);
  std::string_view rest = std::string_view(uri).substr(q + 1);
  bool first = true;
  while (true) {
    auto amp = rest.find('&');
    std::string_view part = rest.substr(0, amp);
    if (!first) out += '&';
    first = false;
    auto eq = part.find('=');
    if (eq == std::string_view::npos || clear_query_param(part.substr(0, eq))) {
      out += part;
    } else {
      out += part.substr(0, eq + 1);
      out += hash_value(key, part.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return out;
}

// Appends `{"sequence":N,"previousHash":"H",` + the rest of `object_json` after its '{'.
void append_chained(std::string& out, uint64_t sequence, const std::string& previous, std::string_view object_json) {
  out.reserve(out.size() + object_json.size() + 110);
  out += "{\"sequence\":";
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, sequence).ptr);
  out += ",\"previousHash\":\"";
  out += previous;
  out += '"';
  if (object_json.size() > 2) out += ',';
  out += object_json.substr(1);
}

}  // namespace

void append_iso_time_ms(std::string& out, int64_t ms) {
  std::time_t secs = std::time_t(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char text[64];
  const int n = std::snprintf(text, sizeof text, "%s.%03dZ", buf, int(ms % 1000));
  out.append(text, n > 0 ? static_cast<std::size_t>(n) : 0);
}

std::string iso_time_ms(int64_t ms) {
  std::string out;
  append_iso_time_ms(out, ms);
  return out;
}

std::string line_hash(std::string_view line) { return crypto::sha256_hex(line); }

Result<ChainHead> head_after(std::string_view line) {
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* seq = o ? o->if_contains("sequence") : nullptr;
  if (!seq || !seq->is_int64() || seq->get_int64() < 1) {
    return Status(Code::kBadParameter, "not an audit chain line");
  }
  return ChainHead{uint64_t(seq->get_int64()), line_hash(line)};
}

std::string checkpoint_message(uint64_t sequence, std::string_view previous_hash, int64_t time_ms,
                               std::string_view key_id) {
  std::string m = "coffer-audit-checkpoint-v1\n";
  m += std::to_string(sequence) + "\n";
  m += previous_hash;
  m += "\n" + std::to_string(time_ms) + "\n";
  m += key_id;
  return m;
}

SecureString sink_hmac_key(std::string_view secret, std::string_view sink_id) {
  return SecureString(crypto::hmac_sha256(secret, "coffer-audit-hmac-v1:" + std::string(sink_id)));
}

std::string hash_value(std::string_view key, std::string_view value) {
  return hash_value(crypto::HmacSha256(key), value);
}

std::string hash_value(const crypto::HmacSha256& key, std::string_view value) {
  return std::string(kHashPrefix) + hex_encode(key.mac(value));
}

std::string RecordFormatter::record(const AuditRecord& record, ChainHead& head) const {
  return link(body(record), head);
}

std::string RecordFormatter::body(const AuditRecord& record) const {
  // The sensitive fields replaced by their HMACs; a URI without a query is written as it is.
  const std::string client_info = record.client_info.empty() ? std::string() : hash_value(hmac_, record.client_info);
  const std::string correlation_id =
      record.correlation_id.empty() ? std::string() : hash_value(hmac_, record.correlation_id);
  std::string request_uri = redact_query(hmac_, record.request_uri);
  return to_json(record, {client_info, correlation_id, request_uri.empty() ? record.request_uri : request_uri});
}

std::string RecordFormatter::link(std::string_view body, ChainHead& head) {
  std::string line;
  append_link(line, body, head);
  return line;
}

void RecordFormatter::append_link(std::string& out, std::string_view body, ChainHead& head) {
  const std::size_t start = out.size();
  append_chained(out, head.sequence + 1, head.hash, body);
  head = ChainHead{head.sequence + 1, line_hash(std::string_view(out).substr(start))};
}

Result<std::string> RecordFormatter::checkpoint(int64_t time_ms, ChainHead& head) const {
  if (!signer_) return Status(Code::kUnavailable, "no audit signing key");
  const uint64_t seq = head.sequence + 1;
  COFFER_ASSIGN_OR_RETURN(std::string sig,
                          signer_->sign(checkpoint_message(seq, head.hash, time_ms, signer_->key_id())));
  json::object o{{"category", "AuditCheckpoint"},
                 {"time", iso_time_ms(time_ms)},
                 {"timeMs", time_ms},
                 {"keyId", signer_->key_id()},
                 {"signature", base64url_encode(sig)}};
  std::string line;
  append_chained(line, seq, head.hash, json::serialize(o));
  head = ChainHead{seq, line_hash(line)};
  return line;
}

}  // namespace coffer::audit
