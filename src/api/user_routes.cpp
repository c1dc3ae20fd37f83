#include "api/user_routes.hpp"

#include <boost/json.hpp>

#include "api/json_body.hpp"
#include "api/route_support.hpp"
#include "common/json_wipe.hpp"
#include "crypto/totp.hpp"
#include "http/form_encoding.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

json::object user_json(const auth::User& u, const auth::UserRegistry& users) {
  const bool locked = users.is_locked(u);
  json::object o{{"objectId", u.object_id}, {"userName", u.user_name},         {"displayName", u.display_name},
                 {"created", u.created},    {"totpEnrolled", u.totp_enrolled}, {"failedSignIns", u.failed_sign_ins},
                 {"locked", locked}};
  if (locked) o["lockedUntil"] = u.locked_until;
  return o;
}

// The optional string `key` of a JSON body (an empty body has none).
Result<std::string> body_string(const http::Request& req, const char* key) {
  if (req.body.empty()) return std::string();
  COFFER_ASSIGN_OR_RETURN(auto body, parse_json_object(req.body));
  auto value = opt_string(body, key);
  wipe_strings(body);
  if (!value.ok()) return value.status();
  std::string out = value->value_or("");
  if (*value) secure_wipe((*value)->data(), (*value)->size());
  return out;
}

http::Response create_user(const http::Request& req, auth::UserRegistry& users) {
  auto body = parse_json_object(req.body);
  if (!body.ok()) return error_response(body.status());
  auto name = opt_string(*body, "userName");
  auto display = opt_string(*body, "displayName");
  auto password = opt_string(*body, "password");
  for (const auto* r : {&name, &display, &password}) {
    if (!r->ok()) return error_response(r->status());
  }
  if (!*name) return error_response(Status(Code::kBadParameter, "Property 'userName' is required."));
  SecureString given((*password).value_or(""));
  if (*password) secure_wipe((*password)->data(), (*password)->size());
  wipe_strings(*body);  // the password's copy in the parsed body
  auto made = users.create(**name, (*display).value_or(""), given.view());
  if (!made.ok()) return error_response(made.status());
  json::object o = user_json(made->user, users);
  if (made->password.empty()) return json_response(201, o);
  o["password"] = made->password.view();
  return sensitive_json_response(201, std::move(o));
}

}  // namespace

std::optional<Operation> route_users(const http::Request& req, const std::vector<std::string>& s,
                                     auth::UserRegistry& users, std::string issuer) {
  if (s.empty() || s[0] != "users") return std::nullopt;
  const std::string& m = req.method;
  if (s.size() == 1 && m == "GET") {
    return coffer_operation("UserList", "/", [&users] {
      return respond(users.list(), [&users](const std::vector<auth::User>& list) {
        json::array items;
        for (const auto& u : list) items.push_back(user_json(u, users));
        return json::object{{"value", items}};
      });
    });
  }
  if (s.size() == 1 && m == "POST") {
    return coffer_operation("UserCreate", "/", [&req, &users] { return create_user(req, users); });
  }
  if (s.size() < 2 || s[1].empty() || s.size() > 3) return std::nullopt;
  const std::string who = s[1];
  const std::string sub = s.size() == 3 ? s[2] : "";
  auto answer_user = [&users, who] {
    return respond(users.find(who), [&users](const auth::User& u) { return user_json(u, users); });
  };
  if (sub.empty() && m == "GET") return coffer_operation("UserGet", "/", answer_user);
  if (sub.empty() && m == "DELETE") {
    return coffer_operation("UserDelete", "/", [&users, who] {
      Status st = users.remove(who);
      return st.ok() ? empty_response(204) : error_response(st);
    });
  }
  if (sub == "reset-password" && m == "POST") {
    return coffer_operation("UserResetPassword", "/", [&req, &users, who] {
      auto given = body_string(req, "password");
      if (!given.ok()) return error_response(given.status());
      SecureString password(std::move(*given));
      auto generated = users.reset_password(who, password.view());
      if (!generated.ok()) return error_response(generated.status());
      auto user = users.find(who);
      if (!user.ok()) return error_response(user.status());
      json::object o = user_json(*user, users);
      if (generated->empty()) return json_response(200, o);
      o["password"] = generated->view();
      return sensitive_json_response(200, std::move(o));
    });
  }
  if (sub == "totp" && m == "POST") {
    return coffer_operation("UserTotpEnroll", "/", [&users, who, issuer] {
      auto user = users.find(who);
      if (!user.ok()) return error_response(user.status());
      auto secret = users.enroll_totp(who);
      if (!secret.ok()) return error_response(secret.status());
      const SecureString text = crypto::base32_encode(secret->view());
      // The URI is assembled in one buffer reserved up front: no temporary holds the seed.
      const std::string label = http::percent_encode(issuer) + ":" + http::percent_encode(user->user_name);
      const std::string params = "&issuer=" + http::percent_encode(issuer) + "&algorithm=SHA1&digits=6&period=30";
      std::string uri;
      uri.reserve(15 + label.size() + 8 + text.size() + params.size());
      uri.append("otpauth://totp/").append(label).append("?secret=").append(text.view()).append(params);
      const SecureString otpauth_uri(std::move(uri));
      return sensitive_json_response(
          200,
          json::object{{"userName", user->user_name}, {"secret", text.view()}, {"otpauthUri", otpauth_uri.view()}});
    });
  }
  if (sub == "totp" && m == "DELETE") {
    return coffer_operation("UserTotpDisable", "/", [&users, who] {
      Status st = users.disable_totp(who);
      return st.ok() ? empty_response(204) : error_response(st);
    });
  }
  if (sub == "unlock" && m == "POST") {
    return coffer_operation("UserUnlock", "/", [&users, who, answer_user] {
      Status st = users.unlock(who);
      return st.ok() ? answer_user() : error_response(st);
    });
  }
  if (sub == "revoke-sign-ins" && m == "POST") {
    return coffer_operation("UserRevokeSignIns", "/", [&users, who] {
      Status st = users.revoke_sign_ins(who);
      return st.ok() ? empty_response(204) : error_response(st);
    });
  }
  return std::nullopt;
}

}  // namespace coffer::api
