// Buffers for secret material (secret values, keys, passwords, tokens):
// their memory is wiped when they are destroyed or cleared, and equality is
// compared in constant time. Copying is allowed (each copy wipes itself).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace coffer {

// Overwrites n bytes at p with zeros in a way the compiler cannot elide.
void secure_wipe(void* p, std::size_t n);

// Compares two byte strings in time that depends only on their lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

// A std::string that wipes its bytes on destruction and on clear().
class SecureString {
 public:
  SecureString() = default;
  explicit SecureString(std::string s) : s_(std::move(s)) {}
  SecureString(std::string_view s) : s_(s) {}
  SecureString(const char* s) : s_(s) {}
  SecureString(const SecureString& o) : s_(o.s_) {}
  SecureString(SecureString&& o) noexcept : s_(std::move(o.s_)) { o.clear(); }
  SecureString& operator=(const SecureString& o) {
    if (this != &o) {
      clear();
      s_ = o.s_;
    }
    return *this;
  }
  SecureString& operator=(SecureString&& o) noexcept {
    if (this != &o) {
      clear();
      s_ = std::move(o.s_);
      o.clear();
    }
    return *this;
  }
  ~SecureString() { clear(); }

  void clear() {
    secure_wipe(s_.data(), s_.capacity());
    s_.clear();
  }
  std::string_view view() const { return s_; }
  const char* data() const { return s_.data(); }
  char* data() { return s_.data(); }
  std::size_t size() const { return s_.size(); }
  bool empty() const { return s_.empty(); }
  void resize(std::size_t n) { s_.resize(n); }
  // The caller takes responsibility for wiping what it copies out.
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

}  // namespace coffer
