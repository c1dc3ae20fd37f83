#include "http/beast_codec.hpp"

#include <algorithm>
#include <charconv>
#include <exception>

#include <spdlog/spdlog.h>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>

#include "common/secure_memory.hpp"

namespace coffer::http {
namespace {

namespace bhttp = boost::beast::http;

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool valid_header(std::string_view name, std::string_view value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) return false;
  return std::none_of(value.begin(), value.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool server_controlled(std::string_view name) {
  using boost::beast::iequals;
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Connection");
}

bool body_forbidden(int status) { return status == 204 || status == 304; }

}  // namespace

Request to_request(BeastRequest&& msg, std::string remote_address) {
  Request r;
  r.headers.reserve(16);
  r.method = std::string(msg.method_string());
  r.target = std::string(msg.target());
  r.host = std::string(msg[bhttp::field::host]);
  for (const auto& field : msg) r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  r.body = std::move(msg.body());
  r.remote_address = std::move(remote_address);
  // The parser's copy of the credentials goes with the parser: wipe it first.
  wipe_credentials(msg);
  return r;
}

void wipe_credentials(BeastRequest& msg) {
  secure_wipe(msg.body().data(), msg.body().size());
  for (auto& field : msg) {
    if (is_credential_header(field.name_string())) {
      const auto value = field.value();
      secure_wipe(const_cast<char*>(value.data()), value.size());
    }
  }
}

bool encode_response(Response&& r, unsigned version, bool head_request, bool keep_alive, std::string& out) {
  out.clear();
  try {
    if (r.status < 200 || r.status > 599) {
      spdlog::error("http: handler returned invalid status {}; answering 500", r.status);
      r = Response{500, {}, {}};
    }
    if (body_forbidden(r.status)) r.body.clear();
    const auto length = r.body.size();
    // One reservation: a growth midway would leave a sensitive answer's first part behind.
    std::size_t size = 128 + length;
    for (const auto& [name, value] : r.headers) size += name.size() + value.size() + 4;
    out.reserve(size);
    char number[24];
    out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    out.append(number, std::to_chars(number, number + sizeof number, r.status).ptr);
    out.push_back(' ');
    out.append(bhttp::obsolete_reason(static_cast<bhttp::status>(r.status)));
    out.append("\r\n");
    for (const auto& [name, value] : r.headers) {
      if (!valid_header(name, value) || server_controlled(name)) continue;
      out.append(name).append(": ").append(value).append("\r\n");
    }
    // 204/304 carry no Content-Length; every other response does.
    if (!body_forbidden(r.status)) {
      out.append("Content-Length: ")
          .append(number, std::to_chars(number, number + sizeof number, length).ptr)
          .append("\r\n");
    }
    if (version >= 11 && !keep_alive) out.append("Connection: close\r\n");
    if (version < 11 && keep_alive) out.append("Connection: keep-alive\r\n");
    out.append("\r\n");
    if (!head_request) out.append(r.body);
    if (r.sensitive) {
      secure_wipe(r.body.data(), r.body.size());
      for (auto& [name, value] : r.headers) secure_wipe(value.data(), value.size());
    }
    return keep_alive;
  } catch (const std::exception& e) {
    spdlog::error("http: cannot encode a response: {}", e.what());
  }
  out.clear();
  out.append(version == 10 ? "HTTP/1.0" : "HTTP/1.1");
  out.append(" 500 Internal Server Error\r\nContent-Length: 0\r\n");
  out.append(version >= 11 ? "Connection: close\r\n\r\n" : "\r\n");
  return false;
}

Response call_handler(const Handler& handler, Request& request, const FailureResponder& failure) noexcept {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    spdlog::error("http: handler threw on {} request: {}", request.method, e.what());
  } catch (...) {
    spdlog::error("http: handler threw a non-standard exception on {} request", request.method);
  }
  return failure_response(failure, Failure::kHandlerFailed);
}

}  // namespace coffer::http
