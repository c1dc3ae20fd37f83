// Tests for the common/ codecs the crypto layer builds on.
#include <gtest/gtest.h>

#include "common/base64.hpp"
#include "common/record_codec.hpp"

namespace coffer {
namespace {

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), std::string(plain));
    std::string unpadded(encoded);
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
    EXPECT_EQ(base64url_encode(plain), unpadded);
    EXPECT_EQ(base64url_decode(unpadded), std::string(plain));
    EXPECT_EQ(base64url_decode(encoded), std::string(plain));  // padding accepted
    EXPECT_EQ(base64_decode(unpadded), std::string(plain));
  }
}

TEST(Base64, AlphabetsDiffer) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(base64_encode(bytes), "+/+/");
  EXPECT_EQ(base64url_encode(bytes), "-_-_");
  EXPECT_EQ(base64_decode("+/+/"), bytes);
  EXPECT_EQ(base64url_decode("-_-_"), bytes);
  EXPECT_EQ(base64_decode("-_-_"), std::nullopt);
  EXPECT_EQ(base64url_decode("+/+/"), std::nullopt);
}

TEST(Base64, RejectsInvalidInput) {
  EXPECT_EQ(base64_decode("Zm9v!"), std::nullopt);
  EXPECT_EQ(base64_decode("Z"), std::nullopt);
  EXPECT_EQ(base64_decode("Zm 9v"), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm9vY"), std::nullopt);
}

TEST(Base64, BinaryRoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 17) {
    EXPECT_EQ(base64_decode(base64_encode(all.substr(0, n))), all.substr(0, n));
    EXPECT_EQ(base64url_decode(base64url_encode(all.substr(0, n))), all.substr(0, n));
  }
}

TEST(Hex, Encode) {
  EXPECT_EQ(hex_encode(""), "");
  EXPECT_EQ(hex_encode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
}

TEST(RecordCodec, RoundTrip) {
  const std::map<std::string, std::string> tags = {{"env", "prod"}, {"", ""}, {"k", std::string("v\0x", 3)}};
  RecordWriter w;
  w.bytes(1, "value").i64(2, -42).boolean(3, true).map(4, tags).bytes(5, std::string("\0\1", 2));
  auto r = RecordReader::parse(w.data());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->bytes(1), "value");
  EXPECT_EQ(r->i64(2), -42);
  EXPECT_EQ(r->opt_i64(2), -42);
  EXPECT_TRUE(r->boolean(3));
  EXPECT_EQ(r->map(4), tags);
  EXPECT_EQ(r->bytes(5), std::string("\0\1", 2));
  EXPECT_FALSE(r->has(9));
  EXPECT_EQ(r->bytes(9), "");
  EXPECT_EQ(r->i64(9, 7), 7);
  EXPECT_EQ(r->opt_i64(9), std::nullopt);
  EXPECT_EQ(r->opt_i64(1), std::nullopt);  // not 8 bytes
  EXPECT_TRUE(r->boolean(9, true));
  EXPECT_TRUE(r->map(9).empty());
}

TEST(RecordCodec, EmptyRecordAndUnknownTags) {
  auto empty = RecordReader::parse("");
  ASSERT_TRUE(empty.has_value());
  EXPECT_FALSE(empty->has(1));
  RecordWriter w;
  w.bytes(200, "from the future").bytes(1, "known");
  auto r = RecordReader::parse(w.data());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->bytes(1), "known");
}

TEST(RecordCodec, TruncatedInputIsRejected) {
  RecordWriter w;
  w.bytes(1, "abcdef").i64(2, 1234567890123).bytes(3, "xyz");
  const std::string data = w.data();
  // Field boundaries: 5+6, then 5+8, then 5+3.
  const std::size_t boundaries[] = {0, 11, 24, 32};
  ASSERT_EQ(data.size(), 32u);
  for (std::size_t n = 0; n <= data.size(); ++n) {
    bool boundary = std::find(std::begin(boundaries), std::end(boundaries), n) != std::end(boundaries);
    EXPECT_EQ(RecordReader::parse(data.substr(0, n)).has_value(), boundary) << "prefix " << n;
  }
}

TEST(RecordCodec, OversizedLengthIsRejected) {
  std::string data("\x01\xff\xff\xff\xff", 5);
  data += "abc";
  EXPECT_FALSE(RecordReader::parse(data).has_value());
}

}  // namespace
}  // namespace coffer
