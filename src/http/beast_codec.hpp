// Conversion between Beast messages and the plain http::Request/Response
// values handed to the application. Never throws. (Error bodies are the
// application's: message.hpp FailureResponder.)
#pragma once

#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/message.hpp"

namespace coffer::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Moves method, target, Host, every header and the body out of `msg`, then
// wipes what `msg` keeps of the credentials (wipe_credentials).
Request to_request(BeastRequest&& msg, std::string remote_address);

// Zeroes, in place, `msg`'s body and the values of its credential fields
// (is_credential_header): for a Beast message about to be dropped.
void wipe_credentials(BeastRequest& msg);

// Serializes the wire response into `out` (replacing its contents, keeping
// its capacity): status line, the handler's headers (Content-Length,
// Transfer-Encoding, Connection and malformed headers are dropped), a
// Content-Length matching the body, and Connection per `keep_alive` (HTTP/1.1:
// "close" when not kept alive; HTTP/1.0: "keep-alive" when kept alive). For a
// HEAD request the body is omitted but Content-Length still describes it.
// A status outside 200..599 becomes a bare 500 (the session checks for it
// first). A sensitive response's body and header values are wiped in `r`
// once copied (the caller wipes `out` after sending). Returns whether the response announces
// keep-alive (false when encoding failed and a bare 500 went out instead).
bool encode_response(Response&& r, unsigned version, bool head_request, bool keep_alive, std::string& out);

// Calls `handler`; an escaping exception becomes failure(kHandlerFailed)
// (and is logged without the request body or headers).
Response call_handler(const Handler& handler, Request& request, const FailureResponder& failure) noexcept;

}  // namespace coffer::http
