#include "api/sign_in_routes.hpp"

#include "api/sign_in_page.hpp"
#include "api/ui_assets.hpp"
#include "auth/public_clients.hpp"
#include "common/ascii.hpp"
#include "crypto/random.hpp"
#include "http/form_encoding.hpp"

namespace coffer::api {
namespace {

constexpr std::string_view kSessionCookie = "coffer_session";
constexpr std::string_view kCsrfCookie = "coffer_csrf";
constexpr std::size_t kMaxParam = 2048;

using Fields = std::map<std::string, std::string>;

std::string field_of(const Fields& f, const char* name) {
  auto it = f.find(name);
  return it == f.end() ? std::string() : it->second.substr(0, kMaxParam);
}

// A credential of the form (password, code) in place: no copy outlives the form's wipe.
std::string_view secret_of(const Fields& f, const char* name) {
  auto it = f.find(name);
  return it == f.end() ? std::string_view() : std::string_view(it->second);
}

// The value of cookie `name` in the request's Cookie header, or empty.
std::string_view cookie(const http::Request& req, std::string_view name) {
  std::string_view header = req.header("Cookie");
  while (!header.empty()) {
    const std::size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
  }
  return {};
}

// The cookie is written into one reserved string (no temporary holds its
// value), and a response that sets a value is sensitive: its copies are wiped.
void add_cookie(http::Response& r, std::string_view name, std::string_view value, std::string_view same_site,
                int64_t max_age) {
  const std::string age = std::to_string(max_age);
  std::string cookie;
  cookie.reserve(name.size() + 1 + value.size() + 40 + same_site.size() + 10 + age.size());
  cookie.append(name).append("=").append(value).append("; Path=/; Secure; HttpOnly; SameSite=").append(same_site);
  cookie.append("; Max-Age=").append(age);
  r.headers.emplace_back("Set-Cookie", std::move(cookie));
  if (!value.empty()) r.sensitive = true;
}

http::Response html(int status, std::string body, std::string_view form_targets = {}) {
  http::Response r{status, {{"Content-Type", "text/html; charset=utf-8"}}, std::move(body)};
  set_page_security_headers(r, form_targets);
  return r;
}

http::Response message(int status, std::string_view heading, std::string_view text) {
  return html(status, render_message_page(heading, text));
}

http::Response redirect(const std::string& location) {
  http::Response r{302, {{"Location", location}}, ""};
  set_page_security_headers(r);
  return r;
}

// scheme://host[:port] of an absolute URI.
std::string origin_of(std::string_view uri) {
  const std::size_t scheme = uri.find("://");
  if (scheme == std::string_view::npos) return {};
  const std::size_t end = uri.find_first_of("/?#", scheme + 3);
  return std::string(uri.substr(0, end));
}

std::string with_query(const std::string& uri, const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out = uri;
  char sep = uri.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : params) {
    if (v.empty() && k == "state") continue;
    out += sep + k + "=" + http::percent_encode(v);
    sep = '&';
  }
  return out;
}

// The authorization request, from the query (GET) or the form's hidden fields (POST).
struct AuthorizeParams {
  std::string client_id, redirect_uri, response_type, response_mode, scope, state, nonce, challenge, method, prompt,
      login_hint;

  static AuthorizeParams from(const Fields& f) {
    return AuthorizeParams{
        field_of(f, "client_id"),     field_of(f, "redirect_uri"),   field_of(f, "response_type"),
        field_of(f, "response_mode"), field_of(f, "scope"),          field_of(f, "state"),
        field_of(f, "nonce"),         field_of(f, "code_challenge"), field_of(f, "code_challenge_method"),
        field_of(f, "prompt"),        field_of(f, "login_hint")};
  }
  std::vector<std::pair<std::string, std::string>> hidden() const {
    return {{"client_id", client_id},
            {"redirect_uri", redirect_uri},
            {"response_type", response_type},
            {"response_mode", response_mode},
            {"scope", scope},
            {"state", state},
            {"nonce", nonce},
            {"code_challenge", challenge},
            {"code_challenge_method", method}};
  }
};

class SignInPages {
 public:
  SignInPages(const http::Request& req, std::string_view path_tenant, bool v2, const UserSignIn& ctx,
              audit::AuditRecord& record)
      : req_(req), path_tenant_(path_tenant), v2_(v2), ctx_(ctx), record_(record) {}

  http::Response authorize(const Fields& fields, bool posted);
  http::Response device(const Fields& fields, bool posted);
  http::Response logout(const Fields& query);

 private:
  // The CSRF token this page's form repeats: the request's cookie, or a new one set on `r`.
  std::string csrf_for(http::Response& r, std::string& pending_cookie);
  bool csrf_ok(const Fields& form) const;
  std::optional<auth::SignedIn> session() const;
  // Renders `form` with its CSRF token.
  http::Response form_page(int status, SignInForm form, std::string_view form_targets = {});
  // Signs in from the form's fields: the session (when "continue" is asked and live) or the
  // credentials, opening a session. On failure, `refusal` is the page to answer.
  std::optional<auth::SignedIn> sign_in(const Fields& form, SignInForm& page, std::optional<http::Response>& refusal,
                                        SecureString& new_session_cookie, std::string_view form_targets = {});
  std::string action(std::string_view rest) const { return "/" + std::string(path_tenant_) + std::string(rest); }

  const http::Request& req_;
  std::string_view path_tenant_;
  const bool v2_;  // asked on /oauth2/v2.0/
  const UserSignIn& ctx_;
  audit::AuditRecord& record_;
};

std::string SignInPages::csrf_for(http::Response& r, std::string& pending_cookie) {
  const std::string_view existing = cookie(req_, kCsrfCookie);
  if (existing.size() >= 32 && existing.size() <= 64) return std::string(existing);
  if (pending_cookie.empty()) {
    pending_cookie = std::string(crypto::random_token(24).view());
    add_cookie(r, kCsrfCookie, pending_cookie, "Strict", 3600);
  }
  return pending_cookie;
}

bool SignInPages::csrf_ok(const Fields& form) const {
  const std::string_view expected = cookie(req_, kCsrfCookie);
  const std::string sent = field_of(form, "csrf");
  if (expected.size() < 32 || !constant_time_equal(expected, sent)) return false;
  const std::string_view origin = req_.header("Origin");
  return origin.empty() || origin == ctx_.authority;
}

std::optional<auth::SignedIn> SignInPages::session() const {
  const std::string_view value = cookie(req_, kSessionCookie);
  if (value.empty()) return std::nullopt;
  auto resumed = ctx_.sessions.resume(value);
  if (!resumed.ok()) return std::nullopt;
  return std::move(*resumed);
}

http::Response SignInPages::form_page(int status, SignInForm form, std::string_view form_targets) {
  http::Response r = html(status, "", form_targets);
  std::string pending;
  form.csrf = csrf_for(r, pending);
  r.body = render_sign_in_form(form);
  return r;
}

std::optional<auth::SignedIn> SignInPages::sign_in(const Fields& form, SignInForm& page,
                                                   std::optional<http::Response>& refusal,
                                                   SecureString& new_session_cookie, std::string_view form_targets) {
  if (field_of(form, "continue") == "1") {
    if (auto live = session()) return live;
    page.error = "Your session has ended; sign in again.";
    refusal = form_page(401, page, form_targets);
    return std::nullopt;
  }
  const std::string user_name = field_of(form, "username");
  page.user_name = user_name.substr(0, 64);
  record_.caller_upn = page.user_name;
  auto user =
      ctx_.users.authenticate(user_name, secret_of(form, "password"), secret_of(form, "totp"), req_.remote_address);
  if (!user.ok()) {
    const Status& st = user.status();
    if (st.code() == Code::kThrottled) {
      page.error = st.message();
      refusal = form_page(429, page, form_targets);
      refusal->set_header("Retry-After", st.reason());
    } else if (st.code() == Code::kUnauthorized) {
      page.ask_code = st.reason() == "MfaRequired" || st.reason() == "InvalidCode";
      page.error = st.reason() == "MfaRequired" ? "Enter your password again and the code from your authenticator app."
                                                : st.message();
      refusal = form_page(st.reason() == "MfaRequired" ? 200 : 401, page, form_targets);
    } else {
      refusal = message(503, "Sign-in is not available", st.message());
    }
    return std::nullopt;
  }
  auto opened = ctx_.sessions.open(*user);
  if (!opened.ok()) {
    refusal = message(503, "Sign-in is not available", opened.status().message());
    return std::nullopt;
  }
  new_session_cookie = std::move(opened->cookie);
  return auth::SignedIn{std::move(*user), opened->session_id};
}

http::Response SignInPages::authorize(const Fields& fields, bool posted) {
  const AuthorizeParams p = AuthorizeParams::from(fields);
  record_.caller_app_id = p.client_id.substr(0, 64);
  const auth::PublicClient* client = auth::find_public_client(p.client_id);
  if (!client) {
    return message(400, "Sign-in failed",
                   "AADSTS700016: Application with identifier '" + p.client_id.substr(0, 64) +
                       "' was not found in the directory.");
  }
  if (!auth::redirect_allowed(*client, p.redirect_uri, ctx_.authority)) {
    return message(400, "Sign-in failed",
                   "AADSTS50011: The redirect URI '" + p.redirect_uri.substr(0, 200) +
                       "' does not match the redirect URIs of the application '" + std::string(client->display_name) +
                       "'.");
  }
  // From here on, refusals go back to the client, as RFC 6749 §4.1.2.1 says.
  auto refuse = [&](const std::string& error, const std::string& description) {
    return redirect(
        with_query(p.redirect_uri, {{"error", error}, {"error_description", description}, {"state", p.state}}));
  };
  if (p.response_type != "code") {
    return refuse("unsupported_response_type", "AADSTS700054: response_type must be 'code'.");
  }
  if (!p.response_mode.empty() && p.response_mode != "query") {
    return refuse("invalid_request", "AADSTS900144: response_mode must be 'query'.");
  }
  if (p.challenge.empty() || p.method != "S256") {
    return refuse("invalid_request",
                  "AADSTS9002325: Proof Key for Code Exchange (code_challenge, code_challenge_method=S256) is "
                  "required.");
  }
  const std::string targets = origin_of(p.redirect_uri);
  auto answer_with_code = [&](const auth::SignedIn& who, const SecureString& new_cookie) {
    auto code = ctx_.grants.issue_code(
        auth::AuthorizationRequest{std::string(client->client_id), p.redirect_uri, p.challenge, p.scope, p.nonce}, who);
    if (!code.ok()) return refuse("invalid_request", code.status().message());
    record_.caller_object_id = who.user.object_id;
    record_.caller_upn = who.user.user_name;
    http::Response r = redirect(with_query(p.redirect_uri, {{"code", std::string(code->view())}, {"state", p.state}}));
    r.sensitive = true;  // the code in Location: its copies are wiped once sent
    set_page_security_headers(r, targets);
    if (!new_cookie.empty()) add_cookie(r, kSessionCookie, new_cookie.view(), "Lax", auth::kBrowserSessionSeconds);
    return r;
  };
  SignInForm page;
  page.subheading = "to continue to " + std::string(client->display_name);
  page.action = action(v2_ ? "/oauth2/v2.0/authorize" : "/oauth2/authorize");
  page.hidden = p.hidden();
  page.user_name = p.login_hint.substr(0, 64);
  if (!posted) {
    auto live = session();
    if (live && p.prompt != "login" && p.prompt != "select_account") return answer_with_code(*live, SecureString());
    if (p.prompt == "none") {
      return refuse("login_required", "AADSTS50058: A silent sign-in was asked, but no user is signed in.");
    }
    if (live && p.prompt == "select_account") page.continue_as = live->user.user_name;
    return form_page(200, page, targets);
  }
  if (!csrf_ok(fields)) {
    return message(400, "Sign-in failed",
                   "The sign-in form expired or came from another site. Go back to the application and try again.");
  }
  std::optional<http::Response> refusal;
  SecureString new_cookie;
  auto who = sign_in(fields, page, refusal, new_cookie, targets);
  if (!who) return std::move(*refusal);
  return answer_with_code(*who, new_cookie);
}

http::Response SignInPages::device(const Fields& fields, bool posted) {
  SignInForm page;
  page.heading = "Enter code";
  page.subheading = "Enter the code your device shows, then sign in to allow it access.";
  page.action = action("/oauth2/deviceauth");
  page.ask_user_code = true;
  page.user_code = field_of(fields, posted ? "user_code" : "code").substr(0, 12);
  auto live = session();
  if (live) page.continue_as = live->user.user_name;
  if (!posted) return form_page(200, page);
  if (!csrf_ok(fields)) {
    return message(400, "Sign-in failed", "The form expired or came from another site. Open the page again.");
  }
  auto pending = ctx_.grants.find_device(page.user_code);
  if (!pending.ok()) {
    page.error = pending.status().message();
    return form_page(pending.status().code() == Code::kNotFound ? 400 : 503, page);
  }
  record_.caller_app_id = pending->client_id;
  const auth::PublicClient* client = auth::find_public_client(pending->client_id);
  std::optional<http::Response> refusal;
  SecureString new_cookie;
  auto who = sign_in(fields, page, refusal, new_cookie);
  if (!who) return std::move(*refusal);
  if (Status st = ctx_.grants.approve_device(page.user_code, *who); !st.ok()) {
    page.error = st.message();
    return form_page(st.code() == Code::kNotFound ? 400 : 503, page);
  }
  record_.caller_object_id = who->user.object_id;
  record_.caller_upn = who->user.user_name;
  http::Response r = message(200, "You are signed in",
                             "You have signed in to " +
                                 std::string(client ? client->display_name : std::string_view("the application")) +
                                 " on your device as " + who->user.user_name + ". You may now close this window.");
  if (!new_cookie.empty()) add_cookie(r, kSessionCookie, new_cookie.view(), "Lax", auth::kBrowserSessionSeconds);
  return r;
}

http::Response SignInPages::logout(const Fields& query) {
  const std::string_view value = cookie(req_, kSessionCookie);
  if (!value.empty()) {
    if (auto live = ctx_.sessions.resume(value); live.ok()) {
      record_.caller_object_id = live->user.object_id;
      record_.caller_upn = live->user.user_name;
    }
    if (Status st = ctx_.sessions.close(value); !st.ok()) return message(503, "Sign-out failed", st.message());
  }
  const std::string back = field_of(query, "post_logout_redirect_uri");
  bool allowed = false;
  for (std::string_view id : {auth::kConsoleClientId, auth::kAzureCliClientId}) {
    allowed = allowed || (!back.empty() && auth::redirect_allowed(*auth::find_public_client(id), back, ctx_.authority));
  }
  http::Response r = allowed ? redirect(back) : message(200, "You have signed out", "You may close this window.");
  add_cookie(r, kSessionCookie, "", "Lax", 0);
  return r;
}

}  // namespace

std::optional<Operation> route_sign_in(const http::Request& req, const ParsedTarget& target,
                                       std::string_view path_tenant, const UserSignIn& ctx,
                                       audit::AuditRecord& record) {
  const auto& s = target.segments;  // [tenant, "oauth2", ...]
  if (s.size() < 3 || s[1] != "oauth2") return std::nullopt;
  const bool v2 = s.size() == 4 && s[2] == "v2.0";
  if (s.size() != 3 && !v2) return std::nullopt;
  const std::string& leaf = s.back();
  const bool get = req.method == "GET", post = req.method == "POST";
  auto op = [&](const char* name, std::function<http::Response(SignInPages&)> run) {
    Operation o{name, "", "/", "",
                [&req, &ctx, &record, path_tenant = std::string(path_tenant), v2, run = std::move(run)] {
                  SignInPages pages(req, path_tenant, v2, ctx, record);
                  return run(pages);
                }};
    o.writes = true;
    return o;
  };
  // A page's fields: the query of a GET, the form of a POST (wiped once the page is done).
  using Page = http::Response (SignInPages::*)(const Fields&, bool);
  auto with_fields = [&req, &target, post](Page page) {
    return [&req, &target, post, page](SignInPages& pages) {
      if (!post) return (pages.*page)(target.query, false);
      auto form = parse_form(req.body);
      if (!form.ok()) return message(400, "Sign-in failed", form.status().message());
      const FormWipe wipe(*form);
      return (pages.*page)(*form, true);
    };
  };
  if (leaf == "authorize" && (get || post)) {
    return op(post ? "SignIn" : "SignInPage", with_fields(&SignInPages::authorize));
  }
  if (leaf == "deviceauth" && !v2 && (get || post)) {
    return op(post ? "DeviceSignIn" : "DeviceSignInPage", with_fields(&SignInPages::device));
  }
  if (leaf == "logout" && get) {
    return op("SignOut", [&target](SignInPages& pages) { return pages.logout(target.query); });
  }
  return std::nullopt;
}

}  // namespace coffer::api
