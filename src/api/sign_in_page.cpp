#include "api/sign_in_page.hpp"

namespace coffer::api {
namespace {

void head(std::string& out, std::string_view title) {
  out +=
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>";
  out += html_escape(title);
  out +=
      " · Coffer</title><link rel=\"stylesheet\" href=\"/ui/sign-in.css\"></head>\n<body><main>"
      "<div class=\"brand\">COFFER</div>";
}

void text_input(std::string& out, std::string_view name, std::string_view label, std::string_view type,
                std::string_view value, std::string_view autocomplete, bool autofocus, std::string_view extra = {}) {
  out += "<label for=\"" + std::string(name) + "\">" + html_escape(label) + "</label><input id=\"" + std::string(name) +
         "\" name=\"" + std::string(name) + "\" type=\"" + std::string(type) + "\" value=\"" + html_escape(value) +
         "\" autocomplete=\"" + std::string(autocomplete) + "\" required";
  if (autofocus) out += " autofocus";
  if (!extra.empty()) out += " " + std::string(extra);
  out += ">";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_sign_in_form(const SignInForm& f) {
  std::string out;
  head(out, f.heading);
  out += "<h1>" + html_escape(f.heading) + "</h1>";
  if (!f.subheading.empty()) out += "<p class=\"note\">" + html_escape(f.subheading) + "</p>";
  if (!f.error.empty()) out += "<p class=\"error\" role=\"alert\">" + html_escape(f.error) + "</p>";
  out += "<form method=\"post\" action=\"" + html_escape(f.action) + "\">";
  out += "<input type=\"hidden\" name=\"csrf\" value=\"" + html_escape(f.csrf) + "\">";
  for (const auto& [name, value] : f.hidden) {
    out += "<input type=\"hidden\" name=\"" + html_escape(name) + "\" value=\"" + html_escape(value) + "\">";
  }
  bool focus = true;
  if (f.ask_user_code) {
    text_input(out, "user_code", "Code shown on your device", "text", f.user_code, "off", focus,
               "class=\"code\" maxlength=\"12\"");
    focus = false;
  }
  if (!f.continue_as.empty()) {
    out += "<p class=\"note\">Signed in as <strong>" + html_escape(f.continue_as) + "</strong>.</p>";
    out += "<button type=\"submit\" name=\"continue\" value=\"1\">Continue as " + html_escape(f.continue_as) +
           "</button></form>";
    out += "<p class=\"note\">Or sign in as someone else:</p><form method=\"post\" action=\"" + html_escape(f.action) +
           "\">";
    out += "<input type=\"hidden\" name=\"csrf\" value=\"" + html_escape(f.csrf) + "\">";
    for (const auto& [name, value] : f.hidden) {
      out += "<input type=\"hidden\" name=\"" + html_escape(name) + "\" value=\"" + html_escape(value) + "\">";
    }
    if (f.ask_user_code) out += "<input type=\"hidden\" name=\"user_code\" value=\"" + html_escape(f.user_code) + "\">";
  }
  text_input(out, "username", "User name", "text", f.user_name, "username", focus && f.user_name.empty());
  text_input(out, "password", "Password", "password", "", "current-password", focus && !f.user_name.empty());
  if (f.ask_code) {
    text_input(out, "totp", "Verification code from your authenticator app", "text", "", "one-time-code", false,
               "inputmode=\"numeric\" pattern=\"[0-9]{6}\" maxlength=\"6\"");
  }
  out += "<button type=\"submit\"";
  if (!f.continue_as.empty()) out += " class=\"secondary\"";
  out += ">Sign in</button></form></main></body></html>\n";
  return out;
}

std::string render_message_page(std::string_view heading, std::string_view message) {
  std::string out;
  head(out, heading);
  out += "<h1>" + html_escape(heading) + "</h1><p>" + html_escape(message) + "</p></main></body></html>\n";
  return out;
}

}  // namespace coffer::api
