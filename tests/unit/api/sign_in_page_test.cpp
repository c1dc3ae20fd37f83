// The sign-in pages and the web UI's assets: everything a request or a user
// can put on a page is escaped (no markup, no attribute break-out); only the
// fields a step needs are asked for; the console's page and assets are served
// with the right types and the page with its Content-Security-Policy.
#include <gtest/gtest.h>

#include "api/sign_in_page.hpp"
#include "api/ui_assets.hpp"

namespace coffer::api {
namespace {

TEST(SignInPage, EscapesEverythingItShows) {
  EXPECT_EQ(html_escape(R"(<a href="x" onclick='y'>&</a>)"),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  SignInForm f;
  f.subheading = "to continue to <script>alert(1)</script>";
  f.action = "/adfs/oauth2/authorize\"><script>";
  f.hidden = {{"state", "\"><script>alert(2)</script>"}, {"x\"y", "1"}};
  f.csrf = "token";
  f.user_name = "a\"onfocus=\"alert(3)";
  f.error = "<b>bad</b>";
  const std::string html = render_sign_in_form(f);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_EQ(html.find("\"onfocus"), std::string::npos);
  EXPECT_NE(html.find("value=\"&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;\""), std::string::npos);
  EXPECT_NE(html.find("name=\"csrf\" value=\"token\""), std::string::npos);
  EXPECT_EQ(render_message_page("<h1>", "<img src=x>").find("<img"), std::string::npos);
}

TEST(SignInPage, AsksOnlyForWhatTheStepNeeds) {
  SignInForm f;
  f.action = "/adfs/oauth2/authorize";
  const std::string plain = render_sign_in_form(f);
  EXPECT_NE(plain.find("name=\"password\""), std::string::npos);
  EXPECT_EQ(plain.find("name=\"totp\""), std::string::npos);
  EXPECT_EQ(plain.find("name=\"user_code\""), std::string::npos);
  EXPECT_EQ(plain.find("name=\"continue\""), std::string::npos);
  f.ask_code = true;
  f.ask_user_code = true;
  f.continue_as = "alice";
  const std::string all = render_sign_in_form(f);
  EXPECT_NE(all.find("name=\"totp\""), std::string::npos);
  EXPECT_NE(all.find("name=\"user_code\""), std::string::npos);
  EXPECT_NE(all.find("Continue as alice"), std::string::npos);
  // The page loads no script and only the server's stylesheet.
  EXPECT_EQ(all.find("<script"), std::string::npos);
  EXPECT_NE(all.find("href=\"/ui/sign-in.css\""), std::string::npos);
}

http::Response get(const std::string& path) {
  http::Request req;
  req.method = "GET";
  req.target = path;
  auto target = parse_target(path).value();
  auto op = route_ui_asset(req, target);
  return op ? op->run() : http::Response{404, {}, ""};
}

std::string header(const http::Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(UiAssets, ServesTheConsoleAndItsFiles) {
  auto page = get("/console/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(header(page, "Content-Type"), "text/html; charset=utf-8");
  const std::string csp = header(page, "Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe"), std::string::npos);
  EXPECT_EQ(header(page, "X-Frame-Options"), "DENY");
  EXPECT_EQ(get("/console/anything/the/console/routes").body, page.body);
  EXPECT_EQ(get("/console").status, 301);
  EXPECT_EQ(header(get("/ui/console/app.js"), "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(header(get("/ui/sign-in.css"), "Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(header(get("/ui/sign-in.css"), "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(get("/ui/nothing.js").status, 404);
  EXPECT_EQ(get("/ui/../CMakeLists.txt").status, 404);
  // Inline script would be blocked by the policy: the page has none.
  EXPECT_EQ(page.body.find("<script>"), std::string::npos);
}

}  // namespace
}  // namespace coffer::api
