// Tests for quote_text and quote_source_excerpt: what a message may print of a
// user's text, one test per kind of hostile byte, each against the exact output.
#include "support/quote_text.h"

#include <gtest/gtest.h>

#include <string>

namespace vic {
namespace {

using namespace std::string_literals;

TEST(QuoteText, PlainTextIsQuotedAsItIs) {
  EXPECT_EQ(quote_text("abc"), "\"abc\"");
  EXPECT_EQ(quote_text(""), "\"\"");
  EXPECT_EQ(quote_text("y", '\''), "'y'");
}

TEST(QuoteText, EscapesTheQuoteAndBackslash) {
  EXPECT_EQ(quote_text("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(quote_text("it's", '\''), "'it\\'s'");
  EXPECT_EQ(quote_text("say \"hi\"", '\''), "'say \"hi\"'");
}

TEST(QuoteText, EscapesControlCharacters) {
  EXPECT_EQ(quote_text("a\nb\tc\rd"), "\"a\\nb\\tc\\rd\"");
  EXPECT_EQ(quote_text("\x1b[31mred\x1b[0m"), "\"\\x1b[31mred\\x1b[0m\"");
  EXPECT_EQ(quote_text("a\0b"s), "\"a\\x00b\"");
  EXPECT_EQ(quote_text("\x7f\x07"), "\"\\x7f\\x07\"");
}

TEST(QuoteText, KeepsValidUtf8) {
  EXPECT_EQ(quote_text("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80\"");
}

TEST(QuoteText, EscapesEachByteOfInvalidUtf8) {
  EXPECT_EQ(quote_text("a\xff"
                       "b"),
            "\"a\\xffb\"");
  // A stray continuation byte, an overlong NUL, a UTF-16 surrogate, a cut sequence.
  EXPECT_EQ(quote_text("\x80"), "\"\\x80\"");
  EXPECT_EQ(quote_text("\xc0\x80"), "\"\\xc0\\x80\"");
  EXPECT_EQ(quote_text("\xed\xa0\x80"), "\"\\xed\\xa0\\x80\"");
  EXPECT_EQ(quote_text("\xe6\x97"), "\"\\xe6\\x97\"");
  // Above U+10FFFF.
  EXPECT_EQ(quote_text("\xf4\x90\x80\x80"), "\"\\xf4\\x90\\x80\\x80\"");
}

TEST(QuoteText, EscapesInvisibleControlCodePoints) {
  // U+009B is the C1 control sequence introducer; U+202E reverses the text after it.
  EXPECT_EQ(quote_text("a\xc2\x9b"
                       "31mb"),
            "\"a\\u009b31mb\"");
  EXPECT_EQ(quote_text("x\xe2\x80\xaey"), "\"x\\u202ey\"");
  EXPECT_EQ(quote_text("\xe2\x80\xa8"), "\"\\u2028\"");
}

TEST(QuoteText, CutsLongTextAndGivesItsLength) {
  std::string long_text(1048576, 'a');
  EXPECT_EQ(quote_text(long_text), "\"" + std::string(60, 'a') + "\"... (1048576 bytes)");
  EXPECT_EQ(quote_text(std::string(60, 'b')), "\"" + std::string(60, 'b') + "\"");
  EXPECT_EQ(quote_text(std::string(61, 'b')), "\"" + std::string(60, 'b') + "\"... (61 bytes)");
  EXPECT_EQ(quote_text("abcdef", '"', 3), "\"abc\"... (6 bytes)");
}

TEST(QuoteText, CountsCharactersNotBytesWhenCutting) {
  // Three two-byte characters; the cut never splits one.
  EXPECT_EQ(quote_text("\xc3\xa9\xc3\xa9\xc3\xa9", '"', 2), "\"\xc3\xa9\xc3\xa9\"... (6 bytes)");
  // An escaped byte counts as one character.
  EXPECT_EQ(quote_text("\x1b\x1b\x1b", '"', 2), "\"\\x1b\\x1b\"... (3 bytes)");
}

TEST(QuoteSourceExcerpt, KeepsBackslashesAndQuotesAsWritten) {
  EXPECT_EQ(quote_source_excerpt("\"\\u12x"), "'\"\\u12x'");
  EXPECT_EQ(quote_source_excerpt("\"a\xff"), "'\"a\\xff'");
  EXPECT_EQ(quote_source_excerpt("\"" + std::string(100, 'a')), "'\"" + std::string(59, 'a') + "'... (101 bytes)");
}

}  // namespace
}  // namespace vic
