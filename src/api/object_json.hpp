// JSON pieces every AKV object kind shares: the attributes object (times as
// Unix seconds, the vault's recovery level and days) and the tags object.
#pragma once

#include <boost/json/object.hpp>

#include "vault/types.hpp"

namespace coffer::api {

boost::json::object attributes_json(const vault::VaultInfo& vault, const vault::Attributes& a);
// Adds "tags" to `o` unless there are none (AKV leaves it out).
void add_tags(boost::json::object& o, const vault::Tags& tags);

}  // namespace coffer::api
