// The `objects` parameter (PROVIDER-SPEC §4.2): a mapping whose `array`
// lists YAML strings, each one object's mapping.
#include "csi/object_specs.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "csi/mount_errors.hpp"

namespace coffer::csi {
namespace {

// `objects` text with one `- |` block-scalar entry per element.
std::string objects_yaml(const std::vector<std::string>& entries) {
  std::string out = "array:\n";
  for (const auto& e : entries) {
    out += "  - |\n";
    std::size_t start = 0;
    while (start < e.size()) {
      std::size_t nl = e.find('\n', start);
      if (nl == std::string::npos) nl = e.size();
      out += "    " + e.substr(start, nl - start) + "\n";
      start = nl + 1;
    }
  }
  return out;
}

Result<ObjectSpec> one(const std::string& entry) {
  auto r = parse_objects(objects_yaml({entry}));
  if (!r.ok()) return r.status();
  if (r->size() != 1) return Status(Code::kInternal, "expected one object");
  return std::move(r->front());
}

template <typename T>
void expect_invalid_objects(const Result<T>& r, const std::string& what) {
  ASSERT_FALSE(r.ok()) << "accepted: " << what;
  EXPECT_EQ(r.status().code(), Code::kBadParameter) << what;
  EXPECT_EQ(r.status().reason(), errors::kInvalidObjects) << what << ": " << r.status().message();
}

TEST(ParseObjects, ReadsBlockScalarEntries) {
  const std::string yaml =
      "array:\n"
      "  - |\n"
      "    objectName: secret1\n"
      "    objectType: secret\n"
      "    objectVersion: \"\"\n"
      "  - |\n"
      "    objectName: key1\n"
      "    objectType: key\n"
      "    objectAlias: keys/signing.pem\n"
      "    objectVersion: 0123abcdef\n"
      "  - |\n"
      "    objectName: cert1\n"
      "    objectType: cert\n"
      "    filePermission: \"0600\"\n";
  auto r = parse_objects(yaml);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 3u);
  const auto& s = (*r)[0];
  EXPECT_EQ(s.name, "secret1");
  EXPECT_EQ(s.type, ObjectType::kSecret);
  EXPECT_EQ(s.alias, "");
  EXPECT_EQ(s.file_name(), "secret1");
  EXPECT_EQ(s.version, "");
  EXPECT_EQ(s.version_history, 0);
  EXPECT_FALSE(s.pfx);
  EXPECT_EQ(s.encoding, ObjectEncoding::kUtf8);
  EXPECT_FALSE(s.mode.has_value());
  const auto& k = (*r)[1];
  EXPECT_EQ(k.name, "key1");
  EXPECT_EQ(k.type, ObjectType::kKey);
  EXPECT_EQ(k.alias, "keys/signing.pem");
  EXPECT_EQ(k.file_name(), "keys/signing.pem");
  EXPECT_EQ(k.version, "0123abcdef");
  const auto& c = (*r)[2];
  EXPECT_EQ(c.type, ObjectType::kCert);
  ASSERT_TRUE(c.mode.has_value());
  EXPECT_EQ(*c.mode, 0600);
}

TEST(ParseObjects, AcceptsQuotedStringEntries) {
  // Entries need only be YAML strings; block scalars are just the usual spelling.
  auto r = parse_objects(
      "array:\n  - \"objectName: s1\\nobjectType: secret\"\n  - 'objectName: s2\n\n    objectType: secret'\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].name, "s1");
  EXPECT_EQ((*r)[1].name, "s2");
}

TEST(ParseObjects, UnknownKeysIgnoredAndValuesTrimmed) {
  auto s =
      one("objectName:   padded   \nobjectType: \"  secret \"\nobjectAlias: ' dir/file '\n"
          "somethingNew: whatever\nobjectVersion: \" v1 \"\nnested_unknown: 5");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->name, "padded");
  EXPECT_EQ(s->type, ObjectType::kSecret);
  EXPECT_EQ(s->alias, "dir/file");
  EXPECT_EQ(s->version, "v1");
}

TEST(ParseObjects, KeysAreCaseSensitive) {
  // "objectname" is an unknown key, so objectName is missing.
  expect_invalid_objects(one("objectname: s\nobjectType: secret"), "objectname");
  // "ObjectType" is unknown, so objectType is missing.
  expect_invalid_objects(one("objectName: s\nObjectType: secret"), "ObjectType");
}

TEST(ParseObjects, ObjectTypeIsExact) {
  expect_invalid_objects(one("objectName: s"), "no type");
  for (const char* bad : {"Secret", "SECRET", "keys", "certificate", "certs", "x", "\"\""}) {
    expect_invalid_objects(one(std::string("objectName: s\nobjectType: ") + bad), bad);
  }
}

TEST(ParseObjects, FormatAndEncodingAreCaseInsensitive) {
  auto s = one("objectName: s\nobjectType: secret\nobjectFormat: PFX\nobjectEncoding: Base64");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_TRUE(s->pfx);
  EXPECT_EQ(s->encoding, ObjectEncoding::kBase64);
  s = one("objectName: s\nobjectType: secret\nobjectFormat: Pem\nobjectEncoding: HEX");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_FALSE(s->pfx);
  EXPECT_EQ(s->encoding, ObjectEncoding::kHex);
  s = one("objectName: s\nobjectType: secret\nobjectEncoding: UTF-8");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->encoding, ObjectEncoding::kUtf8);
  s = one("objectName: s\nobjectType: secret\nobjectFormat: pfx");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->pfx);
}

TEST(ParseObjects, UnknownFormatOrEncodingIsRefused) {
  for (const char* bad : {"der", "p12", "pkcs12", "pem-file"}) {
    expect_invalid_objects(one(std::string("objectName: s\nobjectType: secret\nobjectFormat: ") + bad), bad);
  }
  for (const char* bad : {"utf8", "ascii", "base64url", "binary", "b64"}) {
    expect_invalid_objects(one(std::string("objectName: s\nobjectType: secret\nobjectEncoding: ") + bad), bad);
  }
}

TEST(ParseObjects, PfxOnlyForSecrets) {
  expect_invalid_objects(one("objectName: k\nobjectType: key\nobjectFormat: pfx"), "pfx key");
  expect_invalid_objects(one("objectName: c\nobjectType: cert\nobjectFormat: pfx"), "pfx cert");
  // pem is the default, so it is fine everywhere.
  EXPECT_TRUE(one("objectName: c\nobjectType: cert\nobjectFormat: pem").ok());
  EXPECT_TRUE(one("objectName: k\nobjectType: key\nobjectFormat: PEM").ok());
}

TEST(ParseObjects, EncodingOnlyForSecrets) {
  expect_invalid_objects(one("objectName: c\nobjectType: cert\nobjectEncoding: base64"), "base64 cert");
  expect_invalid_objects(one("objectName: k\nobjectType: key\nobjectEncoding: hex"), "hex key");
  // utf-8 is the default, so it is fine everywhere.
  EXPECT_TRUE(one("objectName: c\nobjectType: cert\nobjectEncoding: utf-8").ok());
}

TEST(ParseObjects, FilePermissionIsOctal) {
  const std::pair<const char*, int> cases[] = {{"0755", 493}, {"755", 493},   {"0644", 0644}, {"0400", 0400},
                                               {"0", 0},      {"0777", 0777}, {"00600", 0600}};
  for (const auto& [text, mode] : cases) {
    auto s = one(std::string("objectName: s\nobjectType: secret\nfilePermission: \"") + text + "\"");
    ASSERT_TRUE(s.ok()) << text << ": " << s.status().message();
    ASSERT_TRUE(s->mode.has_value());
    EXPECT_EQ(*s->mode, mode) << text;
  }
  // Unquoted YAML numbers are still read as octal text.
  auto s = one("objectName: s\nobjectType: secret\nfilePermission: 0440");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s->mode, 0440);
}

TEST(ParseObjects, BadFilePermissionIsRefused) {
  for (const char* bad : {"0999", "8", "abc", "-1", "+644", "1000", "07777", "0x1ff", "0644x", "6 44", "0o644",
                          "99999999999999999999999"}) {
    expect_invalid_objects(one(std::string("objectName: s\nobjectType: secret\nfilePermission: \"") + bad + "\""), bad);
  }
}

TEST(ParseObjects, VersionHistory) {
  auto s = one("objectName: s\nobjectType: secret\nobjectVersionHistory: 3");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->version_history, 3);
  s = one("objectName: s\nobjectType: secret\nobjectVersionHistory: \"100\"\nobjectVersion: latest");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->version_history, kMaxVersionHistory);
  EXPECT_EQ(s->version, "latest");
  s = one("objectName: s\nobjectType: secret\nobjectVersionHistory: 0");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->version_history, 0);
  for (const char* bad : {"x", "-1", "101", "1000", "3.0", "3x", "0x3", "99999999999999999999999"}) {
    expect_invalid_objects(one(std::string("objectName: s\nobjectType: secret\nobjectVersionHistory: \"") + bad + "\""),
                           bad);
  }
}

TEST(ParseObjects, BadObjectVersionIsRefused) {
  for (const char* bad : {"a/b", "v 1", "../x", "v?x", "v%2F"}) {
    expect_invalid_objects(one(std::string("objectName: s\nobjectType: secret\nobjectVersion: \"") + bad + "\""), bad);
  }
  expect_invalid_objects(one("objectName: s\nobjectType: secret\nobjectVersion: " + std::string(65, 'a')), "65 chars");
  EXPECT_TRUE(one("objectName: s\nobjectType: secret\nobjectVersion: " + std::string(64, 'a')).ok());
}

TEST(ParseObjects, ObjectNameRules) {
  expect_invalid_objects(one("objectType: secret"), "no name");
  expect_invalid_objects(one("objectName: \"\"\nobjectType: secret"), "empty name");
  for (const char* bad : {"a/b", "../x", "a_b", "a.b", "a b", "name%2F"}) {
    expect_invalid_objects(one(std::string("objectName: \"") + bad + "\"\nobjectType: secret"), bad);
  }
  expect_invalid_objects(one("objectName: " + std::string(128, 'n') + "\nobjectType: secret"), "128 chars");
  auto s = one("objectName: " + std::string(127, 'n') + "\nobjectType: secret");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->name.size(), 127u);
}

TEST(ParseObjects, AliasMustBeRelativeWithoutDotDot) {
  for (const char* bad : {"../x", "a/../b", "..", "a..b", "x/..", "/etc/passwd", "/x"}) {
    expect_invalid_objects(one(std::string("objectName: s\nobjectType: secret\nobjectAlias: \"") + bad + "\""), bad);
  }
  for (const char* good : {"a/b/c", ".hidden", "dir/.file", "file.txt"}) {
    auto s = one(std::string("objectName: s\nobjectType: secret\nobjectAlias: \"") + good + "\"");
    ASSERT_TRUE(s.ok()) << good << ": " << s.status().message();
    EXPECT_EQ(s->file_name(), good);
  }
}

TEST(ParseObjects, DuplicateFileNamesAreRefused) {
  expect_invalid_objects(
      parse_objects(objects_yaml({"objectName: s\nobjectType: secret", "objectName: s\nobjectType: key"})),
      "same name twice");
  expect_invalid_objects(parse_objects(objects_yaml({"objectName: a\nobjectType: secret\nobjectAlias: f",
                                                     "objectName: b\nobjectType: secret\nobjectAlias: f"})),
                         "same alias twice");
  expect_invalid_objects(parse_objects(objects_yaml({"objectName: a\nobjectType: secret",
                                                     "objectName: b\nobjectType: secret\nobjectAlias: a"})),
                         "alias equal to another's name");
  // The same object under two names is fine.
  auto r = parse_objects(
      objects_yaml({"objectName: s\nobjectType: secret", "objectName: s\nobjectType: secret\nobjectAlias: s-copy"}));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->size(), 2u);
}

TEST(ParseObjects, EmptyOrMissingObjectsAreRefused) {
  for (const std::string bad : {"", "  \n\t ", "array: []", "array:", "array: ~", "other: []", "[]", "- a", "just text",
                                "array: text", "array: {a: b}", "42"}) {
    expect_invalid_objects(parse_objects(bad), "'" + bad + "'");
  }
}

TEST(ParseObjects, InvalidYamlIsRefused) {
  for (const std::string bad :
       {"array: [", "array:\n  - |\n    objectName: s\n  bad: [", "{array: [}", "array: ['unterminated]"}) {
    expect_invalid_objects(parse_objects(bad), bad);
  }
  // An entry that is not itself valid YAML.
  expect_invalid_objects(parse_objects("array:\n  - \"objectName: [s\"\n"), "entry not YAML");
}

TEST(ParseObjects, EntriesMustBeStringsHoldingMappings) {
  // A mapping written directly in the list, not as a string.
  expect_invalid_objects(parse_objects("array:\n  - objectName: s\n    objectType: secret\n"), "inline mapping");
  expect_invalid_objects(parse_objects("array:\n  - [a, b]\n"), "sequence entry");
  // A string that is not a mapping.
  expect_invalid_objects(parse_objects("array:\n  - just a string\n"), "plain string");
  expect_invalid_objects(parse_objects("array:\n  - 5\n"), "number");
  expect_invalid_objects(parse_objects(objects_yaml({"- a\n- b"})), "list in string");
  // A field whose value is not a scalar.
  expect_invalid_objects(one("objectName: s\nobjectType: secret\nobjectAlias: [a, b]"), "list alias");
  expect_invalid_objects(one("objectName: s\nobjectType: secret\nobjectVersion: {a: b}"), "map version");
  expect_invalid_objects(one("objectName: [s]\nobjectType: secret"), "list name");
}

TEST(ParseObjects, ErrorNamesTheEntry) {
  auto r = parse_objects(objects_yaml({"objectName: good\nobjectType: secret", "objectName: bad\nobjectType: nope"}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("entry 1"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("bad"), std::string::npos) << r.status().message();
}

TEST(ParseObjects, ManyObjects) {
  std::vector<std::string> entries;
  for (std::size_t i = 0; i < kMaxObjects; ++i)
    entries.push_back("objectName: s" + std::to_string(i) + "\nobjectType: secret");
  auto r = parse_objects(objects_yaml(entries));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->size(), kMaxObjects);
  EXPECT_EQ(r->back().name, "s999");
  entries.push_back("objectName: extra\nobjectType: secret");
  expect_invalid_objects(parse_objects(objects_yaml(entries)), "1001 objects");
}

TEST(ParseObjects, OversizedTextIsRefused) {
  std::string yaml = objects_yaml({"objectName: s\nobjectType: secret"}) + "# " + std::string(256 * 1024, 'x') + "\n";
  expect_invalid_objects(parse_objects(yaml), "over 256 KiB");
}

TEST(ObjectTypeNames, TypeNameAndCollection) {
  EXPECT_EQ(type_name(ObjectType::kSecret), "secret");
  EXPECT_EQ(type_name(ObjectType::kKey), "key");
  EXPECT_EQ(type_name(ObjectType::kCert), "cert");
  EXPECT_EQ(collection_of(ObjectType::kSecret), "secrets");
  EXPECT_EQ(collection_of(ObjectType::kKey), "keys");
  EXPECT_EQ(collection_of(ObjectType::kCert), "certificates");
}

TEST(ObjectSpec, FileNameIsAliasElseName) {
  ObjectSpec s;
  s.name = "n";
  EXPECT_EQ(s.file_name(), "n");
  s.alias = "a/b";
  EXPECT_EQ(s.file_name(), "a/b");
}

}  // namespace
}  // namespace coffer::csi
