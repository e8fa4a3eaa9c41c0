// UTF-8 well-formedness (Unicode's Table 3-7) and the printable form of a
// source line that diagnostics echo.
#include "support/utf8.h"

#include <gtest/gtest.h>

namespace vic {
namespace {

TEST(Utf8, SequenceLengthOfWellFormedCharacters) {
  EXPECT_EQ(utf8::sequence_length("a", 0), 1u);
  EXPECT_EQ(utf8::sequence_length("\xc3\xa9", 0), 2u);          // é
  EXPECT_EQ(utf8::sequence_length("\xe2\x82\xac", 0), 3u);      // €
  EXPECT_EQ(utf8::sequence_length("\xf0\x9f\x98\x80", 0), 4u);  // U+1F600
  EXPECT_EQ(utf8::sequence_length("\xf4\x8f\xbf\xbf", 0), 4u);  // U+10FFFF, the last code point
  EXPECT_EQ(utf8::sequence_length("\xed\x9f\xbf", 0), 3u);      // U+D7FF, just below the surrogates
}

TEST(Utf8, SequenceLengthRejectsIllFormedBytes) {
  for (const char* bad : {"\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf0\x80\x80\xaf",
                          "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xe2\x82", "\xc3", "\xe2\x28\xa1"}) {
    EXPECT_EQ(utf8::sequence_length(bad, 0), 0u) << "bytes " << testing::PrintToString(std::string(bad));
  }
}

TEST(Utf8, PrintableReplacesControlsAndBadBytesOnePerColumn) {
  EXPECT_EQ(utf8::printable("x = 1;\ty"), "x = 1;\ty");
  EXPECT_EQ(utf8::printable("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(utf8::printable("a\x1b[31mb"), "a?[31mb");
  EXPECT_EQ(utf8::printable(std::string("a\0b\x7f", 4)), "a?b?");
  EXPECT_EQ(utf8::printable("caf\xe9!"), "caf?!");
  EXPECT_EQ(utf8::printable("\xc2\x9b" "2J"), "?2J");  // the C1 control CSI
}

}  // namespace
}  // namespace vic
