// JSON pieces every AKV object kind shares: the attributes object (times as
// Unix seconds, the vault's recovery level and days) and the tags object in
// answers, and the attributes a request body sets.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>

#include "common/status.hpp"

#include "vault/types.hpp"

namespace coffer::api {

// `sp`: where the object's memory comes from (an answer's arena, or the heap).
boost::json::object attributes_json(const vault::VaultInfo& vault, const vault::Attributes& a,
                                    boost::json::storage_ptr sp = {});
// The tags object ({} when there are none: ARM writes it always).
boost::json::object tags_json(const vault::Tags& tags, boost::json::storage_ptr sp = {});
// Adds "tags" to `o` unless there are none (AKV leaves it out).
void add_tags(boost::json::object& o, const vault::Tags& tags);

// The "attributes" member of a request body. A time sent as null clears it
// (an engaged optional holding nullopt); absent leaves it as it is.
struct RequestAttributes {
  std::optional<bool> enabled;
  std::optional<std::optional<int64_t>> not_before;
  std::optional<std::optional<int64_t>> expires;
  std::optional<bool> exportable;  // read only with_exportable (keys)
};
// kBadParameter for a member of the wrong type or nbf later than exp.
Result<RequestAttributes> parse_request_attributes(const boost::json::object& body, bool with_exportable = false);

}  // namespace coffer::api
