// The SQL over the entries table, shared by read and write transactions.
// Keys and values are bound as BLOBs, so keys order bytewise (memcmp, then
// length). The caller owns the transaction: these run inside it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite/connection.hpp"
#include "store/store.hpp"

namespace coffer::store::sqlite {

Result<std::optional<Entry>> get_entry(Connection& conn, std::string_view key);

// See ReadTxn::scan.
Result<std::vector<Entry>> scan_entries(Connection& conn, std::string_view prefix, std::string_view start_after,
                                        std::size_t limit);

// The entry's revision, 0 when absent.
Result<int64_t> entry_revision(Connection& conn, std::string_view key);

// Inserts or replaces, stamping the next global revision.
Status put_entry(Connection& conn, std::string_view key, std::string_view value);

Status erase_entry(Connection& conn, std::string_view key);

// The smallest key greater than every key starting with `prefix`, or nullopt
// when there is none (prefix empty or all 0xff bytes).
std::optional<std::string> prefix_end(std::string_view prefix);

}  // namespace coffer::store::sqlite
