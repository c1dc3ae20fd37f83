#include "http/message.hpp"

#include <strings.h>

#include "common/secure_memory.hpp"

namespace coffer::http {

Request::~Request() {
  secure_wipe(body.data(), body.capacity());
  for (auto& [k, v] : headers) {
    if (k.size() == 13 && strncasecmp(k.data(), "authorization", 13) == 0) secure_wipe(v.data(), v.capacity());
  }
}

std::string_view Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return {};
}

Response Response::offloaded() {
  Response r;
  r.offload = true;
  return r;
}

void Response::set_header(std::string name, std::string value) {
  for (auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

}  // namespace coffer::http
