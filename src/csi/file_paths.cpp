#include "csi/file_paths.hpp"

#include <string>

#include "csi/mount_errors.hpp"

namespace coffer::csi {

Status check_file_path(std::string_view path) {
  auto bad = [&](const char* why) {
    return errors::fail(errors::kInvalidPath,
                        "The file path '" + std::string(path.substr(0, 128)) + "' is not allowed: " + why + ".");
  };
  if (path.empty()) return bad("it is empty");
  if (path.size() > 4096) return bad("it is longer than 4096 characters");
  if (path.front() == '/') return bad("it is absolute");
  if (path.substr(0, 2) == "..") return bad("it starts with '..'");
  if (path.find('\0') != std::string_view::npos) return bad("it holds a NUL byte");
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    const std::string_view part =
        path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty()) return bad(slash == std::string_view::npos ? "it ends with '/'" : "it holds '//'");
    if (part == ".") return bad("it holds a '.' component");
    if (part == "..") return bad("it holds a '..' component");
    if (part.size() > 255) return bad("a component is longer than 255 characters");
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Status::Ok();
}

}  // namespace coffer::csi
