// Plain HTTP request/response values exchanged between http/ (which parses
// and writes them with Beast) and the application handler (api/). No Beast
// types cross this edge, so api/ stays testable without sockets.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coffer::http {

struct Request {
  std::string method;  // "GET", "PUT", … (upper case, as sent)
  std::string target;  // origin-form: path and query, undecoded
  std::string host;    // Host header value, may include ":port"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;  // peer IP, for audit
  // When the server had read the whole request (unset: not from a
  // connection). Everything committed before it is what the request's reads
  // must reflect (common/freshness.hpp).
  std::chrono::steady_clock::time_point received{};

  Request() = default;
  Request(const Request&) = default;
  Request& operator=(const Request&) = default;
  Request(Request&&) noexcept = default;
  Request& operator=(Request&&) noexcept = default;
  // Wipes the body and the Authorization and Cookie headers: they carry
  // secret values, bearer tokens and the console's session cookie.
  ~Request();

  // First header with this name (case-insensitive), or empty.
  std::string_view header(std::string_view name) const;
};

// Header fields that carry credentials (bearer tokens, the console's session
// cookie): wiped wherever a copy of them is dropped.
bool is_credential_header(std::string_view name);

struct Response;
// Takes a handler's final response (see Response::later).
using Respond = std::function<void(Response)>;

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Set only by a handler running on an I/O thread that answers after
  // defer()'s pass (deferral.hpp): the session then ignores the rest of
  // this Response and calls later(respond); respond must be called exactly
  // once, on that same thread, with the response to send.
  std::function<void(Respond)> later = nullptr;
  // The body or a header (a session cookie) holds a secret: the session
  // wipes every copy it makes of them (and these) once the response is written.
  bool sensitive = false;
  // Only from a handler running on the I/O thread (directly or through
  // later): nothing is sent; the session hands the same request to the
  // worker pool instead, where the handler runs it again. For requests that
  // turn out to need waiting (a database read) after all; the handler must
  // not have acted on the request.
  bool offload = false;
  void set_header(std::string name, std::string value);
  // A response with only `offload` set.
  static Response offloaded();
};

// Produces the response for a request. Must not throw; runs concurrently.
using Handler = std::function<Response(Request&)>;

// What the HTTP layer answers itself, before or instead of the handler.
enum class Failure {
  kHeaderTooLarge,   // 431: the header block is over the limit
  kBodyTooLarge,     // 413: the body is over the limit
  kMalformed,        // 400: not valid HTTP/1.x
  kNoHost,           // 400: HTTP/1.1 without a Host header
  kRepeatedHost,     // 400: more than one Host header
  kHandlerFailed,    // 500: the handler threw
  kInvalidResponse,  // 500: the handler's response has no valid status
};
int status_of(Failure failure);
// The application's answer to a Failure (the body in its error shape, with
// status_of(failure)); runs concurrently, must not throw. Unset: the status
// with an empty body.
using FailureResponder = std::function<Response(Failure)>;
// responder(failure), or the bare status when it is unset or throws.
Response failure_response(const FailureResponder& responder, Failure failure) noexcept;

}  // namespace coffer::http
