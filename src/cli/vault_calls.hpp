// Requests on a vault that the `coffer keyvault key|secret|certificate`
// commands share: one call whose answer is printed as the server sent it,
// paged lists, backup blobs to and from files, JSON documents given as an
// option, and the commands that are one request about a named object
// (delete, purge…) or a backup file.
// Paths are relative to the vault and carry no query: "?api-version=…" (and
// the list's maxresults) are added here.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

#include "cli/cli_context.hpp"
#include "cli/file_io.hpp"
#include "cli/object_ref.hpp"
#include "cli/service_client.hpp"

namespace coffer::cli {

// Sends `method path` (with `body` as JSON when given) and prints the answer;
// an empty answer (204) prints nothing.
Status print_call(const CliContext& ctx, ServiceClient& client, const std::string& method, const std::string& path,
                  const boost::json::value* body = nullptr);
// The same on the vault named `vault` (--vault-name).
Status call_and_print(const CliContext& ctx, const std::string& vault, const std::string& method,
                      const std::string& path, const boost::json::value* body = nullptr);

// Every item of the paged list at `path`, or the first `max_results` (0 = all).
// `extra_query` ("&includePending=true") is appended to the first request.
Result<boost::json::array> fetch_list(ServiceClient& client, const std::string& path, std::size_t max_results,
                                      std::string_view extra_query = {});
// fetch_list on the vault named `vault`, printed.
Status list_and_print(const CliContext& ctx, const std::string& vault, const std::string& path, std::size_t max_results,
                      std::string_view extra_query = {});

// POST <object_path>/backup, and the blob of its {"value": base64url} answer
// written to `file`.
Status save_backup(ServiceClient& client, const std::string& object_path, const std::string& file, Overwrite overwrite);
// POST /<collection>/restore {"value": base64url of the file's bytes}; the
// server's answer.
Result<boost::json::value> restore_backup(ServiceClient& client, ObjectKind kind, const std::string& file);

// `backup --vault-name --name --file` (save_backup, refusing to replace a
// file) and `restore --vault-name --file` (restore_backup, answer printed).
void add_backup_restore_commands(CLI::App* parent, CliContext& ctx, ObjectKind kind, const std::string& backup_help);

// A JSON object given as an option's value: "@path" or a path reads the file,
// text starting with '{' is the JSON itself. kBadParameter naming `option`
// when unreadable or not a JSON object.
Result<boost::json::object> json_object_argument(const std::string& value, std::string_view option);

// A command that sends one request about a named object (--vault-name and
// --name, both required) and prints the answer: method on
// "/<collection>/<name><suffix>", or on "/deleted<collection>/<name><suffix>".
struct NamedCall {
  const char* name;
  const char* help;
  const char* method;
  bool deleted;  // the deleted object's path
  const char* suffix;
};
void add_named_calls(CLI::App* parent, CliContext& ctx, ObjectKind kind, std::initializer_list<NamedCall> calls);

}  // namespace coffer::cli
