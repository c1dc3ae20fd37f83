// encode_response(): one HTTP/1.1 response in one buffer, with the body and
// header values of a sensitive response wiped from the Response once copied.
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

}  // namespace
}  // namespace coffer::http
