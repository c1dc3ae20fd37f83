// Batch read on a vault (Coffer's extension, issue 16):
//   POST /coffer/batchget {"objects": [{"objectType": "secret"|"key"|"certificate", "name": "db",
//                                       "version": "<32 hex, optional>"}, …]}     (1 to 100 objects)
//   → 200 {"results": [{"status": 200, "body": {…what GET /secrets/db/… answers…}},
//                      {"status": 404, "body": {"error": {…}}}, …]}      (in the order asked)
// Each object is read by a GET of its own through the whole pipeline —
// authentication, authorization, audit record — with the batch's token:
// a batch saves round trips, never a check. The answer holds secret values.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "http/message.hpp"

namespace coffer::api {

inline constexpr std::size_t kMaxBatchObjects = 100;

// The GET targets ("/secrets/db/<version>?api-version=…") of a batch body; kBadParameter for a bad one.
Result<std::vector<std::string>> parse_batch_get(std::string_view body, std::string_view api_version);

// Runs each GET of `req`'s batch through `handle_one` (a request like `req`: same host, caller and token) and
// answers the batch.
http::Response batch_get(const http::Request& req, std::string_view api_version,
                         const std::function<http::Response(http::Request&)>& handle_one);

}  // namespace coffer::api
