// encode_response(): one HTTP/1.1 response in one buffer, with the body and
// header values of a sensitive response wiped from the Response once copied.
// to_request()/wipe_credentials(): what a Beast request keeps of the
// credentials (Authorization, Cookie, the body) is zeroed, nothing else.
#include "http/beast_codec.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace coffer::http {
namespace {

TEST(EncodeResponse, WritesStatusHeadersLengthAndBody) {
  Response r{200, {{"Content-Type", "application/json"}}, R"({"a":1})"};
  std::string out;
  EXPECT_TRUE(encode_response(std::move(r), 11, false, true, out));
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
}

TEST(EncodeResponse, SensitiveBodyIsWipedFromTheResponse) {
  Response r{200, {}, "the secret value"};
  r.sensitive = true;
  std::string out;
  encode_response(std::move(r), 11, false, false, out);
  EXPECT_NE(out.find("the secret value"), std::string::npos);
  EXPECT_TRUE(
      std::all_of(r.body.begin(), r.body.end(), [](char c) { return c == '\0'; }))  // NOLINT: moved-from by design
      << "the Response's own copy is zeroed";
  EXPECT_NE(out.find("Connection: close"), std::string::npos);
}

TEST(EncodeResponse, SensitiveHeaderValuesAreWipedFromTheResponse) {
  Response r{302, {{"Location", "https://app/cb?code=the-code"}, {"Set-Cookie", "session=the-cookie"}}, ""};
  r.sensitive = true;
  std::string out;
  encode_response(std::move(r), 11, false, true, out);
  EXPECT_NE(out.find("Set-Cookie: session=the-cookie\r\n"), std::string::npos);
  EXPECT_NE(out.find("Location: https://app/cb?code=the-code\r\n"), std::string::npos);
  for (const auto& [name, value] : r.headers) {  // NOLINT: moved-from by design
    EXPECT_TRUE(std::all_of(value.begin(), value.end(), [](char c) { return c == '\0'; })) << name;
  }
  // Not sensitive: left as they are.
  Response plain{200, {{"X-A", "b"}}, "body"};
  encode_response(std::move(plain), 11, false, true, out);
  EXPECT_EQ(plain.headers[0].second, "b");  // NOLINT
}

bool zeroed(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '\0'; });
}

TEST(BeastRequest, CredentialsAreWipedAndTheRestIsKept) {
  EXPECT_TRUE(is_credential_header("AUTHORIZATION"));
  EXPECT_TRUE(is_credential_header("cookie"));
  EXPECT_FALSE(is_credential_header("Set-Cookie"));
  EXPECT_FALSE(is_credential_header("x-ms-client-request-id"));

  BeastRequest msg;
  msg.method_string("POST");
  msg.target("/t");
  msg.set("Host", "h");
  msg.set("Authorization", "Bearer the-token");
  msg.set("Cookie", "session=the-cookie");
  msg.set("X-Other", "kept");
  msg.body() = "client_secret=s3cret";
  Request r = to_request(std::move(msg), "127.0.0.1");
  EXPECT_EQ(r.header("Authorization"), "Bearer the-token") << "the Request has its own copy";
  EXPECT_EQ(r.body, "client_secret=s3cret");
  EXPECT_TRUE(zeroed(std::string_view(msg[boost::beast::http::field::authorization])));  // NOLINT: by design
  EXPECT_TRUE(zeroed(std::string_view(msg[boost::beast::http::field::cookie])));         // NOLINT
  EXPECT_EQ(std::string_view(msg["X-Other"]), "kept");                                   // NOLINT

  BeastRequest outgoing;
  outgoing.set("Authorization", "Bearer t");
  outgoing.set("Accept", "application/json");
  outgoing.body() = "secret body";
  wipe_credentials(outgoing);
  EXPECT_TRUE(zeroed(outgoing.body()));
  EXPECT_TRUE(zeroed(std::string_view(outgoing[boost::beast::http::field::authorization])));
  EXPECT_EQ(std::string_view(outgoing["Accept"]), "application/json");
}

}  // namespace
}  // namespace coffer::http
