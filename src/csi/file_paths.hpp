// The driver's rules for a MountResponse File.path (PROVIDER-SPEC §2.4.3):
// non-empty, relative, at most 4096 characters, every component at most 255,
// no ".." component, a first component not starting with "..", and already
// in clean form (no "." component, no "//", no trailing "/"). The provider
// checks its own output with this before answering, so a bad alias fails
// with InvalidPath instead of the driver's FileWriteError.
#pragma once

#include <string_view>

#include "common/status.hpp"

namespace coffer::csi {

Status check_file_path(std::string_view path);

}  // namespace coffer::csi
