// The change feed on a vault (Coffer's extension, issue 16; vault/change_feed.hpp):
//   GET /coffer/changes?objectType=secret|key|certificate[&cursor=C][&maxResults=N][&maxWaitSeconds=S]
//   → 200 {"cursor": "…", "reset": false, "more": false,
//          "changes": [{"objectType": "secret", "name": "db-password"}, {"objectType": "access"}]}
// Changes of that object type (names in lower case) and of who may access
// the vault ("access": re-check everything you hold) since the cursor.
// `reset`: no cursor, or one that can no longer be continued — read every
// object once, then go on from `cursor`. `more`: read again at once.
// Authorized like listing that type (secrets/readMetadata, keys/read,
// certificates/read on the vault). With maxWaitSeconds (≤ 60) and nothing to
// report it waits for a change (long poll) on a worker thread, polling the
// store every 250 ms; at most `waiters` slots wait at once, others answer at
// once. Bad parameters: 400 BadParameter.
#pragma once

#include <optional>

#include "api/operation.hpp"
#include "common/concurrency_gate.hpp"
#include "vault/change_feed.hpp"

namespace coffer::api {

std::optional<Operation> route_change_feed_operation(const VaultRequest& req, vault::ChangeFeed& feed,
                                                     ConcurrencyGate& waiters);

}  // namespace coffer::api
