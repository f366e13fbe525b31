// The CLI's JSON writer: what every --json output and serve's manifests.json are made of.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "gearbox/json_writer.h"

namespace gearbox::cli {
namespace {

TEST(JsonQuote, EscapesQuoteAndBackslash) {
  EXPECT_EQ(json_quote(R"(say "hi" \ bye)"), R"("say \"hi\" \\ bye")");
  EXPECT_EQ(json_quote(""), R"("")");
}

TEST(JsonQuote, EscapesEveryControlCharacter) {
  const char* const expected[0x20] = {
      R"(\u0000)", R"(\u0001)", R"(\u0002)", R"(\u0003)", R"(\u0004)", R"(\u0005)", R"(\u0006)",
      R"(\u0007)", R"(\b)",     R"(\t)",     R"(\n)",     R"(\u000b)", R"(\f)",     R"(\r)",
      R"(\u000e)", R"(\u000f)", R"(\u0010)", R"(\u0011)", R"(\u0012)", R"(\u0013)", R"(\u0014)",
      R"(\u0015)", R"(\u0016)", R"(\u0017)", R"(\u0018)", R"(\u0019)", R"(\u001a)", R"(\u001b)",
      R"(\u001c)", R"(\u001d)", R"(\u001e)", R"(\u001f)"};
  for (int c = 0; c < 0x20; ++c) {
    const std::string raw = "a" + std::string(1, static_cast<char>(c)) + "b";
    EXPECT_EQ(json_quote(raw), "\"a" + std::string(expected[c]) + "b\"") << "character " << c;
  }
}

TEST(JsonQuote, KeepsWhatNeedsNoEscape) {
  EXPECT_EQ(json_quote("v0 /out/manifest.mpd ~\x7f"), "\"v0 /out/manifest.mpd ~\x7f\"");
}

TEST(JsonQuote, PassesValidUtf8Through) {
  // 2, 3 and 4 byte sequences, and the highest code point.
  const std::string text = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf";
  EXPECT_EQ(json_quote(text), "\"" + text + "\"");
}

TEST(JsonQuote, ReplacesEachByteOfInvalidUtf8) {
  EXPECT_EQ(json_quote("a\x80z"), R"("a\ufffdz")");                  // a lone continuation
  EXPECT_EQ(json_quote("\xc0\xaf"), R"("\ufffd\ufffd")");            // overlong '/'
  EXPECT_EQ(json_quote("\xe0\x80\xaf"), R"("\ufffd\ufffd\ufffd")");  // overlong, 3 bytes
  EXPECT_EQ(json_quote("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // a UTF-16 surrogate
  EXPECT_EQ(json_quote("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // past U+10FFFF
  EXPECT_EQ(json_quote("\xe2\x82"), R"("\ufffd\ufffd")");    // cut short at the end
  EXPECT_EQ(json_quote("\xe2\x82z"), R"("\ufffd\ufffdz")");  // cut short by ASCII
  EXPECT_EQ(json_quote("\xff"), R"("\ufffd")");
}

TEST(JsonWriter, WritesScalars) {
  JsonWriter j;
  j.begin_array().integer(0).integer(-42).integer(std::numeric_limits<int64_t>::max());
  j.integer(std::numeric_limits<int64_t>::min()).boolean(true).boolean(false).null();
  j.string("s").end_array();
  EXPECT_EQ(j.str(), R"([0,-42,9223372036854775807,-9223372036854775808,true,false,null,"s"])");
}

TEST(JsonWriter, WritesDoublesWithTheDecimalsAsked) {
  JsonWriter j;
  j.begin_array().number(2.0 / 3.0, 3).number(25, 6).number(-1.5, 1).number(0.4, 0);
  j.number(1e20, 0).end_array();
  EXPECT_EQ(j.str(), "[0.667,25.000000,-1.5,0,100000000000000000000]");
}

TEST(JsonWriter, WritesNonFiniteDoublesAsNull) {
  JsonWriter j;
  j.begin_object().key("nan").number(std::nan(""), 3);
  j.key("inf").number(std::numeric_limits<double>::infinity(), 3);
  j.key("-inf").number(-std::numeric_limits<double>::infinity(), 1).key("after").integer(1);
  j.end_object();
  EXPECT_EQ(j.str(), R"({"nan":null,"inf":null,"-inf":null,"after":1})");
}

TEST(JsonWriter, PlacesCommasInNestedValues) {
  JsonWriter j;
  j.begin_object();
  j.key("a").begin_array().integer(1).begin_object().key("b").null().end_object();
  j.begin_array().end_array().begin_array().integer(2).integer(3).end_array().end_array();
  j.key("c").begin_object().end_object();
  j.key("d").begin_object().key("e").begin_object().key("f").boolean(true).end_object();
  j.key("g").string("h").end_object();
  j.key("i").integer(4);
  j.end_object();
  EXPECT_EQ(j.str(), R"({"a":[1,{"b":null},[],[2,3]],"c":{},"d":{"e":{"f":true},"g":"h"},"i":4})");
}

TEST(JsonWriter, EscapesKeysAsStrings) {
  JsonWriter j;
  j.begin_object().key("a\"b\n").string("c\\\x01").end_object();
  EXPECT_EQ(j.str(), R"({"a\"b\n":"c\\\u0001"})");
}

TEST(JsonWriter, SpacedStyleSeparatesWithSpaces) {
  JsonWriter j(JsonWriter::Style::kSpaced);
  j.begin_object().key("manifests").begin_array();
  j.begin_object().key("path").string("/manifest.mpd").key("kind").string("dash").end_object();
  j.begin_object().key("path").string("/master.m3u8").key("kind").string("hls").end_object();
  j.end_array().end_object();
  EXPECT_EQ(j.str(), R"({"manifests": [{"path": "/manifest.mpd", "kind": "dash"}, )"
                     R"({"path": "/master.m3u8", "kind": "hls"}]})");
}

}  // namespace
}  // namespace gearbox::cli
