#include "http/message.hpp"

#include "common/ascii.hpp"
#include "common/secure_memory.hpp"

namespace coffer::http {

bool is_credential_header(std::string_view name) {
  return iequals_ascii(name, "authorization") || iequals_ascii(name, "cookie");
}

Request::~Request() {
  secure_wipe(body.data(), body.capacity());
  for (auto& [k, v] : headers) {
    if (is_credential_header(k)) secure_wipe(v.data(), v.capacity());
  }
}

std::string_view Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals_ascii(k, name)) return v;
  }
  return {};
}

int status_of(Failure failure) {
  switch (failure) {
    case Failure::kHeaderTooLarge: return 431;
    case Failure::kBodyTooLarge: return 413;
    case Failure::kMalformed:
    case Failure::kNoHost:
    case Failure::kRepeatedHost: return 400;
    case Failure::kHandlerFailed:
    case Failure::kInvalidResponse: break;
  }
  return 500;
}

Response failure_response(const FailureResponder& responder, Failure failure) noexcept {
  try {
    if (responder) {
      Response r = responder(failure);
      r.status = status_of(failure);
      return r;
    }
  } catch (...) {  // allocation failure: the bare status below
  }
  return Response{status_of(failure), {}, {}};
}

Response Response::offloaded() {
  Response r;
  r.offload = true;
  return r;
}

void Response::set_header(std::string name, std::string value) {
  for (auto& [k, v] : headers) {
    if (iequals_ascii(k, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

}  // namespace coffer::http
