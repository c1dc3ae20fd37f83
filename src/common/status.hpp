// Status and Result<T>: the one error type that crosses every module edge.
// A Status is OK or carries a Code, a human message and an optional reason
// (AKV's innererror code, e.g. "ObjectIsDeletedButRecoverable"). api/ maps
// each Code to exactly one HTTP status and AKV error code (api/responses.cpp);
// no other layer knows HTTP.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace coffer {

enum class Code {
  kOk,
  kBadParameter,  // malformed or out-of-range input
  kUnauthorized,  // missing or invalid credentials
  kForbidden,     // authenticated, but not allowed (also: disabled object)
  kNotFound,      // generic: no such route / principal / record
  kVaultNotFound,
  kSecretNotFound,
  kKeyNotFound,
  kCertificateNotFound,
  kConflict,  // name in use, deleted-but-recoverable, CAS failure
  kPayloadTooLarge,
  kMethodNotAllowed,
  kUnavailable,  // shutting down, audit sink down, store busy
  kThrottled,    // too many attempts: the reason is the seconds to wait (Retry-After)
  kInternal,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message, std::string reason = {})
      : code_(code), message_(std::move(message)), reason_(std::move(reason)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& reason() const { return reason_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string reason_;
};

// The most common refusal: the caller sent something malformed or out of range.
inline Status bad_parameter(std::string message) { return Status(Code::kBadParameter, std::move(message)); }

// A value or the Status explaining why there is none. Never holds an OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).ok()); }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace coffer

// Propagate a non-OK Status (or the Status of a failed Result) to the caller.
// (Each expansion names its temporary apart, so a nested use inside `expr`
// — a lambda passed to a store transaction — shadows nothing.)
#define COFFER_CONCAT_INNER(a, b) a##b
#define COFFER_CONCAT(a, b) COFFER_CONCAT_INNER(a, b)
#define COFFER_RETURN_IF_ERROR_IMPL(st, expr) \
  do {                                        \
    ::coffer::Status st = (expr);             \
    if (!st.ok()) return st;                  \
  } while (0)
#define COFFER_RETURN_IF_ERROR(expr) COFFER_RETURN_IF_ERROR_IMPL(COFFER_CONCAT(coffer_st_, __COUNTER__), expr)
#define COFFER_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
// COFFER_ASSIGN_OR_RETURN(auto x, f()) — binds x or returns f()'s Status.
#define COFFER_ASSIGN_OR_RETURN(lhs, expr) \
  COFFER_ASSIGN_OR_RETURN_IMPL(COFFER_CONCAT(coffer_res_, __COUNTER__), lhs, expr)
