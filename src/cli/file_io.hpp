// Whole-file reads and private writes for secret values and backup blobs.
// Written files get mode 0600 (they hold secrets) and are removed again
// when the write fails half-way.
#pragma once

#include <string>
#include <string_view>

#include "common/status.hpp"

namespace coffer::cli {

// The file's bytes; kBadParameter (with the path and reason) when unreadable
// or larger than `max_bytes`.
Result<std::string> read_file(const std::string& path, std::size_t max_bytes = 16u << 20);

// kConflict ("File or directory named '<path>' already exists.") when
// something exists at `path`, as az says before it downloads.
Status require_absent(const std::string& path);

enum class Overwrite { kAllow, kRefuse };
// kConflict when the path exists and `overwrite` is kRefuse.
Status write_private_file(const std::string& path, std::string_view bytes, Overwrite overwrite);

}  // namespace coffer::cli
