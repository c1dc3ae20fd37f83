#include "api/ui_assets.hpp"

#include <algorithm>

namespace coffer::api {
namespace {

std::string_view content_type_of(std::string_view path) {
  auto ends_with = [&](std::string_view ext) {
    return path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
  };
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  if (ends_with(".json")) return "application/json; charset=utf-8";
  return "application/octet-stream";
}

const UiAsset* find_asset(std::string_view path) {
  const auto assets = ui_assets();
  auto it = std::lower_bound(assets.begin(), assets.end(), path,
                             [](const UiAsset& a, std::string_view p) { return a.path < p; });
  return it != assets.end() && it->path == path ? &*it : nullptr;
}

constexpr std::string_view kConsolePage = "/ui/console/index.html";

}  // namespace

void set_page_security_headers(http::Response& r, std::string_view form_targets) {
  std::string csp =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' https:; "
      "base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
  if (!form_targets.empty()) csp += " " + std::string(form_targets);
  r.set_header("Content-Security-Policy", csp);
  r.set_header("X-Frame-Options", "DENY");
  r.set_header("X-Content-Type-Options", "nosniff");
  // same-origin: a form's POST then carries its real Origin (no-referrer makes it "null").
  r.set_header("Referrer-Policy", "same-origin");
  r.set_header("Cache-Control", "no-store");
}

std::optional<Operation> route_ui_asset(const http::Request& req, const ParsedTarget& target) {
  if (req.method != "GET" && req.method != "HEAD") return std::nullopt;
  const auto& s = target.segments;
  if (s.empty()) return std::nullopt;
  const UiAsset* asset = nullptr;
  if (s[0] == "ui") {
    asset = find_asset(target.path);
    if (!asset) return std::nullopt;
  } else if (s[0] == "console") {
    if (s.size() == 1) {  // "/console": the page lives at "/console/", which its relative links need
      return Operation{"ConsolePage", "", "/", "", [] {
                         http::Response r{301, {{"Location", "/console/"}}, ""};
                         return r;
                       }};
    }
    asset = find_asset(kConsolePage);
    if (!asset) return std::nullopt;
  } else {
    return std::nullopt;
  }
  const bool page = asset->path == kConsolePage;
  return Operation{
      page ? "ConsolePage" : "UiAsset", "", "/", "", [asset, page] {
        http::Response r{200, {{"Content-Type", std::string(content_type_of(asset->path))}}, std::string(asset->body)};
        if (page) {
          set_page_security_headers(r);
        } else {
          r.set_header("X-Content-Type-Options", "nosniff");
          r.set_header("Cache-Control", "no-cache");
        }
        return r;
      }};
}

}  // namespace coffer::api
