// Backup blobs of one versioned object: its name, latest version, every
// version's record (encoded, the payload in clear) and, for kinds that have
// one, an extra record (a key's rotation policy). The whole is sealed under
// the root key (Barrier::seal_backup) with associated data naming the kind,
// so only a Coffer holding the same root of trust can open it, and a secret
// backup cannot be restored as a key. Format v1, shared by every kind.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "vault/barrier.hpp"

namespace coffer::vault {

struct ObjectBackup {
  std::string name;
  std::string latest_version;
  std::map<std::string, std::string> versions;  // version → encoded record, payload in clear
  std::optional<std::string> extra;
  ObjectBackup() = default;
  ObjectBackup(ObjectBackup&&) = default;
  ObjectBackup& operator=(ObjectBackup&&) = default;
  ~ObjectBackup();  // wipes the versions
};

// `kind`: "secret", "key".
Result<std::string> seal_backup(const Barrier& barrier, std::string_view kind, const ObjectBackup& backup);
// kBadParameter "Backup blob contains invalid or corrupt version." for
// anything that is not a blob of this kind sealed by this root key.
Result<ObjectBackup> open_backup(const Barrier& barrier, std::string_view kind, std::string_view blob);

}  // namespace coffer::vault
