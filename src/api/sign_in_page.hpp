// The HTML of the server's sign-in pages (sign_in_routes.hpp): one form
// that asks for what the step needs (user name and password, a TOTP code, a
// device's user code, or only "continue as" for a live session), and a page
// for outcomes. Everything shown is HTML-escaped; the pages carry no script
// and take their only stylesheet from /ui/sign-in.css.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coffer::api {

struct SignInForm {
  std::string heading = "Sign in";
  std::string subheading;                                   // e.g. "to continue to Microsoft Azure CLI"
  std::string action;                                       // where the form posts (a path of this server)
  std::vector<std::pair<std::string, std::string>> hidden;  // carried through the POST
  std::string csrf;
  std::string user_name;       // prefilled
  bool ask_user_code = false;  // a device's code (the device flow)
  std::string user_code;       // prefilled
  bool ask_code = false;       // a TOTP code, after the right password
  std::string continue_as;     // a live session's user: offer to continue as them
  std::string error;
};

std::string render_sign_in_form(const SignInForm& form);
// A page that only tells: signed out, signed in on the device, an error.
std::string render_message_page(std::string_view heading, std::string_view message);
std::string html_escape(std::string_view text);

}  // namespace coffer::api
