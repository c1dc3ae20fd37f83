// Zeroing every string of a parsed JSON tree (values, not keys), for trees
// that held secret values, private keys, PFX files, passwords, plaintexts or
// tokens: the server's request bodies and the CSI provider's answers.
#pragma once

#include <boost/json.hpp>

namespace coffer {

void wipe_strings(boost::json::value& v);
void wipe_strings(boost::json::object& o);

}  // namespace coffer
