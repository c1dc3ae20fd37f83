// encode_response(): one HTTP/1.1 response in one buffer, with the body of
// a sensitive response wiped from the Response once it is copied.
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

}  // namespace
}  // namespace coffer::http
