#include "agent/common/json.hpp"

#include <gtest/gtest.h>

namespace mf {
namespace {

const json::Limits kLimits{1024, 8};

TEST(Json, ParsesWithinLimits) {
  auto doc = json::parse_untrusted(R"({"a":[1,2,{"b":"}]{["}]})", kLimits);
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_TRUE(doc->IsObject());
}

TEST(Json, RefusesDeepNestingBeforeParsing) {
  const std::string deep = std::string(200'000, '[') + std::string(200'000, ']');
  auto doc = json::parse_untrusted(deep, {1 << 20, 32});
  ASSERT_FALSE(doc);
  EXPECT_NE(doc.error().message.find("nested too deeply"), std::string::npos);
}

TEST(Json, BracketsInsideStringsDoNotCount) {
  const std::string text = R"({"s":")" + std::string(100, '[') + R"(\"["})";
  EXPECT_TRUE(json::parse_untrusted(text, kLimits));
}

TEST(Json, RefusesOversizedText) {
  auto doc = json::parse_untrusted(std::string(2000, ' '), kLimits);
  ASSERT_FALSE(doc);
  EXPECT_NE(doc.error().message.find("too large: 2000 bytes, the limit is 1024"), std::string::npos);
}

TEST(Json, RefusesExtremeExponentsOfCve2024_38517) {
  for (const char* bad : {"1e-2147483649", "[0.1e2147483648]", "{\"a\":1E+99999999}"}) {
    EXPECT_FALSE(json::parse_untrusted(bad, kLimits)) << bad;
  }
  EXPECT_TRUE(json::parse_untrusted("[1e300, -2.5E-10, true, false]", kLimits));
}

TEST(Json, RefusesInvalidUtf8AndTrailingGarbage) {
  EXPECT_FALSE(json::parse_untrusted("\"\xff\xfe\"", kLimits));
  EXPECT_FALSE(json::parse_untrusted("{} x", kLimits));
  EXPECT_FALSE(json::parse_untrusted("", kLimits));
}

// ASCII text skips RapidJSON's UTF-8 check; one high byte anywhere (in an
// 8-byte word or in the tail) must bring it back.
TEST(Json, ChecksUtf8WhereverTheFirstNonAsciiByteIs) {
  const std::string ascii = R"({"attributes":{"name":"sensor-17","value":"abcdefghijklmnop"}})";
  ASSERT_TRUE(json::parse_untrusted(ascii, kLimits));
  const std::size_t value_at = ascii.find("abcdefghijklmnop");
  for (std::size_t at = value_at; at < value_at + 16; ++at) {
    std::string broken = ascii;
    broken[at] = '\xC3';  // a lead byte followed by ASCII: not UTF-8
    EXPECT_FALSE(json::parse_untrusted(broken, kLimits)) << "invalid byte at " << at;
    std::string valid = ascii;
    valid.replace(at, 1, "\xC3\xA9");  // é
    EXPECT_TRUE(json::parse_untrusted(valid, kLimits)) << "valid é at " << at;
  }
}

// Found by fuzz_ingest_line: RapidJSON 1.1.0 accepts a lone low surrogate and
// writes it out as bytes that are not UTF-8, which a collector refuses.
TEST(Json, RefusesLoneUtf16Surrogates) {
  for (const char* bad : {R"({"a":"\uDEEE"})", R"({"i":{"a\uEEEE4\uDEEE":[{"":null}]}})", R"(["x\uDC00y"])",
                          R"(["\uDFFF\uD800"])"}) {
    auto doc = json::parse_untrusted(bad, kLimits);
    ASSERT_FALSE(doc) << bad;
    EXPECT_NE(doc.error().message.find("surrogate"), std::string::npos) << doc.error().message;
  }
  EXPECT_FALSE(json::parse_untrusted(R"(["\uD800x"])", kLimits)) << "a high surrogate alone (RapidJSON refuses it)";
  auto pair = json::parse_untrusted(R"(["\uD83D\uDE00 \u00e9 \\uDC00"])", kLimits);
  ASSERT_TRUE(pair) << pair.error().message;
  EXPECT_EQ(json::to_string(*pair), "[\"\xF0\x9F\x98\x80 \xC3\xA9 \\\\uDC00\"]");
}

TEST(Json, WrongTypeAccessThrowsInsteadOfAborting) {
  auto doc = json::parse_untrusted(R"({"a":"text"})", kLimits);
  ASSERT_TRUE(doc);
  EXPECT_THROW((void)(*doc)["a"].GetInt(), JsonAssertion);
  EXPECT_EQ(json::find(*doc, "missing"), nullptr);
  EXPECT_EQ(json::find_string(*doc, "a"), std::string("text"));
}

TEST(Json, SerializesQuotesAndControlBytesValidly) {
  auto doc = json::parse_untrusted(R"({"a":"q\"\n\u0001"})", kLimits);
  ASSERT_TRUE(doc);
  EXPECT_EQ(json::to_string(*doc), R"({"a":"q\"\n\u0001"})");
}

// Its inline buffers hold a small event; a large one spills to the heap and
// must read back the same.
TEST(Json, ScratchDocumentParsesSmallAndLargeDocumentsAlike) {
  json::ScratchDocument small;
  ASSERT_TRUE(small.parse(R"({"a":1,"b":"two"})", kLimits));
  EXPECT_EQ(json::to_string(small.root()), R"({"a":1,"b":"two"})");

  std::string large = "{";
  for (int i = 0; i < 2000; ++i) large += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":[" + std::to_string(i) + ",\"v\"]";
  large += "}";
  json::ScratchDocument scratch;
  ASSERT_TRUE(scratch.parse(large, {1 << 20, 32}));
  auto reference = json::parse_untrusted(large, {1 << 20, 32});
  ASSERT_TRUE(reference);
  EXPECT_EQ(json::to_string(scratch.root()), json::to_string(*reference));

  json::ScratchDocument refused;
  EXPECT_FALSE(refused.parse("{\"a\":\"\xff\"}", kLimits));
}

}  // namespace
}  // namespace mf
