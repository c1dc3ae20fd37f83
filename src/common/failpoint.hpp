// Failpoints for fault-injection tests: COFFER_FAILPOINT="name[:count][,name…]"
// makes failpoint("name") true `count` times (default: always) in this
// process. Read from the environment at each call (the variable is set
// before a test starts the process or the component). Production code asks
// only at the few places a test must break on purpose (e.g. the PostgreSQL
// store dropping its connection right after sending COMMIT).
#pragma once

#include <string_view>

namespace coffer {

bool failpoint(std::string_view name);

}  // namespace coffer
