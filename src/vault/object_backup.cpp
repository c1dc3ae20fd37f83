#include "vault/object_backup.hpp"

#include "common/record_codec.hpp"
#include "common/secure_memory.hpp"

namespace coffer::vault {
namespace {

enum BackupField : uint8_t { kBMagic = 1, kBName, kBLatest, kBVersions, kBExtra };

std::string magic(std::string_view kind) { return "coffer-" + std::string(kind) + "-backup-v1"; }

Status corrupt_backup() { return Status(Code::kBadParameter, "Backup blob contains invalid or corrupt version."); }

}  // namespace

ObjectBackup::~ObjectBackup() {
  for (auto& [version, record] : versions) secure_wipe(record.data(), record.size());
}

Result<std::string> seal_backup(const Barrier& barrier, std::string_view kind, const ObjectBackup& backup) {
  RecordWriter w;
  w.bytes(kBMagic, magic(kind)).bytes(kBName, backup.name).bytes(kBLatest, backup.latest_version);
  w.map(kBVersions, backup.versions);
  if (backup.extra) w.bytes(kBExtra, *backup.extra);
  SecureString plain(w.take());
  return barrier.seal_backup(kind, plain.view());
}

Result<ObjectBackup> open_backup(const Barrier& barrier, std::string_view kind, std::string_view blob) {
  auto opened = barrier.open_backup(kind, blob);
  if (!opened.ok()) return corrupt_backup();
  auto r = RecordReader::parse(opened->view());
  if (!r || r->bytes(kBMagic) != magic(kind)) return corrupt_backup();
  ObjectBackup out;
  out.name = r->bytes(kBName);
  out.latest_version = r->bytes(kBLatest);
  out.versions = r->map(kBVersions);
  if (r->has(kBExtra)) out.extra = r->bytes(kBExtra);
  return out;
}

}  // namespace coffer::vault
