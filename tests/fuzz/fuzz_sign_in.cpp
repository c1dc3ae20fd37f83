// The sign-in pages' untrusted inputs: where the authorization endpoint may
// send a code (an open redirect would hand it to anyone), and the HTML the
// pages show (a field of the request that escapes its quotes is script in
// the server's origin). Input: one selector byte, then fields split by NUL.
// Beyond crashes, a target aborts when:
//   - a redirect URI is allowed to a loopback client although an RFC 3986
//     parse (Boost.URL, an oracle independent of Coffer's own check) finds
//     another scheme or host, userinfo or a fragment (a URI Boost.URL does
//     not parse gets no verdict: browsers take more than RFC 3986 does); or
//     allowed to the console although it is not exactly
//     `<authority>/console/`;
//   - a page's markup depends on what it shows: the '<', '>' and '"' of a
//     page rendered from the fuzzed fields must be those of the same page
//     rendered from placeholders ("x" for each non-empty field);
//   - html_escape() leaves one of < > " ' or an '&' that begins no entity.
#include <boost/url/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "api/sign_in_page.hpp"
#include "auth/public_clients.hpp"
#include "common/ascii.hpp"

namespace {

using namespace coffer;

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "%s: %.*s\n", what, static_cast<int>(input.size()), input.data());
  std::abort();
}

std::vector<std::string> split_fields(std::string_view data) {
  std::vector<std::string> out;
  while (true) {
    const std::size_t nul = data.find('\0');
    out.emplace_back(data.substr(0, nul));
    if (nul == std::string_view::npos) break;
    data.remove_prefix(nul + 1);
  }
  return out;
}

std::string field(const std::vector<std::string>& f, std::size_t i) { return i < f.size() ? f[i] : std::string(); }

void check_loopback_redirect(std::string_view uri) {
  const auth::PublicClient* cli = auth::find_public_client(auth::kAzureCliClientId);
  if (!auth::redirect_allowed(*cli, uri, "https://coffer.example:8443")) return;
  auto parsed = boost::urls::parse_uri(uri);
  if (!parsed) return;
  const auto& u = *parsed;
  const std::string_view host(u.encoded_host().data(), u.encoded_host().size());
  const std::string_view scheme(u.scheme().data(), u.scheme().size());
  const bool loopback = iequals_ascii(host, "localhost") || host == "127.0.0.1";
  if (!iequals_ascii(scheme, "http") || !loopback || u.has_userinfo() || u.has_fragment()) {
    fail("allowed a redirect URI off the loopback", uri);
  }
}

void check_console_redirect(std::string_view uri, std::string_view authority) {
  const auth::PublicClient* console = auth::find_public_client(auth::kConsoleClientId);
  if (auth::redirect_allowed(*console, uri, authority) && uri != std::string(authority) + "/console/") {
    fail("allowed the console a redirect URI other than its own", uri);
  }
}

void check_escaped(std::string_view text) {
  const std::string out = api::html_escape(text);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const char c = out[i];
    if (c == '<' || c == '>' || c == '"' || c == '\'') fail("html_escape left a markup character", text);
    if (c == '&') {
      const std::string_view rest = std::string_view(out).substr(i);
      bool entity = false;
      for (std::string_view e : {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"}) entity = entity || rest.starts_with(e);
      if (!entity) fail("html_escape left a bare '&'", text);
    }
  }
}

// The counts of the characters that make markup.
struct Markup {
  std::size_t lt = 0, gt = 0, quote = 0;
  explicit Markup(std::string_view html) {
    for (char c : html) {
      lt += c == '<';
      gt += c == '>';
      quote += c == '"';
    }
  }
  bool operator==(const Markup&) const = default;
};

std::string placeholder(const std::string& s) { return s.empty() ? std::string() : std::string("x"); }

void check_form(const std::vector<std::string>& f, uint8_t flags) {
  api::SignInForm form;
  form.heading = field(f, 0);
  form.subheading = field(f, 1);
  form.action = field(f, 2);
  form.csrf = field(f, 3);
  form.user_name = field(f, 4);
  form.user_code = field(f, 5);
  form.continue_as = field(f, 6);
  form.error = field(f, 7);
  for (std::size_t i = 8; i + 1 < f.size(); i += 2) form.hidden.emplace_back(f[i], f[i + 1]);
  form.ask_user_code = (flags & 1) != 0;
  form.ask_code = (flags & 2) != 0;

  api::SignInForm plain = form;
  for (std::string* s : {&plain.heading, &plain.subheading, &plain.action, &plain.csrf, &plain.user_name,
                         &plain.user_code, &plain.continue_as, &plain.error}) {
    *s = placeholder(*s);
  }
  for (auto& [name, value] : plain.hidden) {
    name = placeholder(name);
    value = placeholder(value);
  }
  if (!(Markup(api::render_sign_in_form(form)) == Markup(api::render_sign_in_form(plain)))) {
    fail("the sign-in form's markup depends on its fields", field(f, 0));
  }
  const std::string heading = field(f, 0), message = field(f, 1);
  if (!(Markup(api::render_message_page(heading, message)) ==
        Markup(api::render_message_page(placeholder(heading), placeholder(message))))) {
    fail("the message page's markup depends on its text", heading);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: check_loopback_redirect(input); break;
    case 1: {
      const auto f = split_fields(input);
      check_console_redirect(field(f, 0), f.size() > 1 ? f[1] : "https://coffer.example:8443");
      break;
    }
    case 2: check_escaped(input); break;
    case 3: check_form(split_fields(input), data[0] >> 2); break;
  }
  return 0;
}
