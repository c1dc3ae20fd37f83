// The pages where people sign in, on the identity paths of each authority
// (/<tenant>/… and /adfs/…), as Entra ID serves them:
//   GET|POST …/oauth2[/v2.0]/authorize   authorization code flow with PKCE:
//            a live session (cookie) answers at once unless prompt=login or
//            select_account (then "continue as"); otherwise the sign-in form;
//            success redirects to the client's redirect URI with code and state
//   GET|POST …/oauth2/deviceauth         the device flow's page: a user code,
//            then the sign-in (or the session) approves the device
//   GET      …/oauth2[/v2.0]/logout      ends the session and its refresh
//            tokens; redirects to post_logout_redirect_uri when it is one a
//            public client may use
// Forms are CSRF-protected (a SameSite=Strict cookie whose value the form
// repeats, and the Origin checked when sent); the session cookie is
// HttpOnly, Secure, SameSite=Lax. An unknown client or a redirect URI it may
// not use gets an error page, never a redirect.
#pragma once

#include <optional>

#include "api/operation.hpp"
#include "api/target.hpp"
#include "api/user_token_grants.hpp"
#include "audit/audit_record.hpp"

namespace coffer::api {

// nullopt when the request is not for one of these pages. `s` are the
// path's segments after the tenant segment (`path_tenant`).
std::optional<Operation> route_sign_in(const http::Request& req, const ParsedTarget& target,
                                       std::string_view path_tenant, const UserSignIn& ctx, audit::AuditRecord& record);

}  // namespace coffer::api
