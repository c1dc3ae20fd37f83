// ObjectCache: what the provider read from a vault, kept between Mounts so
// that a Mount of objects that did not change reads none of them again
// (issue 16). Per (identity, vault) it holds a change-feed cursor per object
// type and the answers of the objects read at those cursors. A Mount takes a
// snapshot of the cursors, asks the feed what changed since, serves the
// unchanged objects from here and reads the others; commit() then stores the
// new cursors and answers — only if no other Mount moved the cursors
// meanwhile (otherwise it stores nothing, and the next Mount reads again).
// An access change or a reset empties the entry. Bodies hold secret values
// (wiped when dropped). At most kMaxCachedObjects answers in all: beyond
// that, everything is dropped. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/secure_memory.hpp"

namespace coffer::csi {

inline constexpr std::size_t kMaxCachedObjects = 20000;

class ObjectCache {
 public:
  using Cursors = std::map<std::string, std::string>;  // object type → cursor

  Cursors cursors(const std::string& key) const;
  // The answer stored for `object` ("<type>/<name lower case>/<version or empty>").
  std::optional<SecureString> find(const std::string& key, const std::string& object) const;
  // Stores `fetched` (object → answer) and `next` cursors if the entry's
  // cursors are still `seen`; `drop_all` first empties it (reset, access
  // change), and every answer whose object starts with one of `stale`
  // ("<type>/<name>/": objects the feed says changed) is forgotten.
  void commit(const std::string& key, const Cursors& seen, const Cursors& next, bool drop_all,
              const std::vector<std::string>& stale, std::map<std::string, SecureString> fetched);
  void forget(const std::string& key);

 private:
  struct Entry {
    Cursors cursors;
    std::map<std::string, SecureString> answers;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
  std::size_t size_ = 0;  // answers in all entries
};

}  // namespace coffer::csi
