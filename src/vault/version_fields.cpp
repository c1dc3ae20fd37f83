#include "vault/version_fields.hpp"

namespace coffer::vault {
namespace {
enum CommonVersionField : uint8_t { kVersion = 1, kEnabled, kNbf, kExp, kCreated, kUpdated };
static_assert(kUpdated + 1 == kFirstKindField);
}  // namespace

void write_version_fields(RecordWriter& w, const std::string& version, const Attributes& a) {
  w.bytes(kVersion, version).boolean(kEnabled, a.enabled);
  if (a.not_before) w.i64(kNbf, *a.not_before);
  if (a.expires) w.i64(kExp, *a.expires);
  w.i64(kCreated, a.created).i64(kUpdated, a.updated);
}

void read_version_fields(const RecordReader& r, std::string& version, Attributes& a) {
  version = r.bytes(kVersion);
  a.enabled = r.boolean(kEnabled, true);
  a.not_before = r.opt_i64(kNbf);
  a.expires = r.opt_i64(kExp);
  a.created = r.i64(kCreated);
  a.updated = r.i64(kUpdated);
}

}  // namespace coffer::vault
