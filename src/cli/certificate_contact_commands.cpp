// `coffer keyvault certificate contact add|list|delete`: the vault's
// certificate contacts (/certificates/contacts), one list for the whole
// vault. As az does, add and delete read the list and write it back whole;
// deleting the last contact deletes the list.
#include <boost/json.hpp>
#include <memory>

#include "cli/certificate_commands.hpp"
#include "cli/connect.hpp"
#include "cli/secret_support.hpp"
#include "cli/vault_calls.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

constexpr const char* kContactsPath = "/certificates/contacts";

struct ContactArgs {
  std::string vault_name;
  std::string email;
  std::string name;
  std::string phone;
  CLI::Option* name_opt = nullptr;
  CLI::Option* phone_opt = nullptr;
};

// The "contacts" array of the vault; empty when none are set (404).
Result<json::array> current_contacts(ServiceClient& client) {
  auto answer = client.call("GET", std::string(kContactsPath) + api_query());
  if (!answer.ok()) {
    if (answer.status().code() == Code::kNotFound) return json::array();
    return answer.status();
  }
  const json::value* list = answer->is_object() ? answer->get_object().if_contains("contacts") : nullptr;
  return list && list->is_array() ? list->get_array() : json::array();
}

bool has_email(const json::value& contact, const std::string& email) {
  const json::value* e = contact.is_object() ? contact.get_object().if_contains("email") : nullptr;
  return e && e->is_string() && e->get_string() == email;
}

Status run_add(const CliContext& ctx, const ContactArgs& a) {
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_vault(ctx, a.vault_name));
  COFFER_ASSIGN_OR_RETURN(json::array contacts, current_contacts(client));
  for (const auto& c : contacts) {
    if (has_email(c, a.email)) return Status(Code::kConflict, "contact '" + a.email + "' already exists");
  }
  json::object contact{{"email", a.email}};
  if (a.name_opt->count()) contact["name"] = a.name;
  if (a.phone_opt->count()) contact["phone"] = a.phone;
  contacts.emplace_back(std::move(contact));
  json::value request = json::object{{"contacts", std::move(contacts)}};
  return print_call(ctx, client, "PUT", kContactsPath, &request);
}

Status run_delete(const CliContext& ctx, const ContactArgs& a) {
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_vault(ctx, a.vault_name));
  COFFER_ASSIGN_OR_RETURN(json::array contacts, current_contacts(client));
  json::array remaining;
  for (const auto& c : contacts) {
    if (!has_email(c, a.email)) remaining.push_back(c);
  }
  if (remaining.size() == contacts.size()) {
    return Status(Code::kNotFound, "contact '" + a.email + "' not found in vault '" + a.vault_name + "'");
  }
  if (remaining.empty()) return print_call(ctx, client, "DELETE", kContactsPath);
  json::value request = json::object{{"contacts", std::move(remaining)}};
  return print_call(ctx, client, "PUT", kContactsPath, &request);
}

}  // namespace

void add_certificate_contact_commands(CLI::App* certificate, CliContext& ctx) {
  auto* contact = certificate->add_subcommand("contact", "Manage the contacts for a vault's certificates.");
  contact->require_subcommand(1);

  auto a = std::make_shared<ContactArgs>();
  auto* add = contact->add_subcommand("add", "Add a contact.");
  add->add_option("--vault-name", a->vault_name, "Name of the vault.")->required();
  add->add_option("--email", a->email, "The contact's email address.")->required();
  a->name_opt = add->add_option("--name", a->name, "The contact's name.");
  a->phone_opt = add->add_option("--phone", a->phone, "The contact's phone number.");
  on_run(add, ctx, [&ctx, a] { return run_add(ctx, *a); });

  auto l = std::make_shared<ContactArgs>();
  auto* list = contact->add_subcommand("list", "List the contacts.");
  list->add_option("--vault-name", l->vault_name, "Name of the vault.")->required();
  on_run(list, ctx, [&ctx, l] { return call_and_print(ctx, l->vault_name, "GET", kContactsPath); });

  auto d = std::make_shared<ContactArgs>();
  auto* del = contact->add_subcommand("delete", "Remove a contact.");
  del->add_option("--vault-name", d->vault_name, "Name of the vault.")->required();
  del->add_option("--email", d->email, "The email address of the contact to remove.")->required();
  on_run(del, ctx, [&ctx, d] { return run_delete(ctx, *d); });
}

}  // namespace coffer::cli
