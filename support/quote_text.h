// Text from a user's file made safe to quote in a message. A data file can hold
// anything: a megabyte-long string, terminal escape sequences, NUL bytes, bytes
// that are not UTF-8. Quoted as they are, they flood the terminal or forge its
// output. These functions keep the first characters only (saying how long the
// whole text is) and spell every control character, invalid UTF-8 byte and
// invisible formatting character as an escape, so what is printed is plain text
// and shows exactly which bytes the file holds.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vic {

// How many characters of a user's text a message quotes before cutting it short.
inline constexpr size_t kMaxQuotedChars = 60;

// `text` between `quote` characters, escaped as C escapes it: \n, \t, \r, \\, the
// quote character itself, \x1b for other ASCII control characters and for each
// byte that is not part of valid UTF-8, and \u0085 for the C1 control characters,
// the Unicode line separators and the bidirectional-text controls. Printable UTF-8
// is kept. Text longer than `max_chars` characters keeps its first `max_chars`,
// then `...` after the closing quote and the whole length in bytes:
//   "abc"    "a\x1b[31mb"    "aaaaaaaa"... (1048576 bytes)
std::string quote_text(std::string_view text, char quote = '"', size_t max_chars = kMaxQuotedChars);

// The same for an excerpt of source text (a token of a file that failed to
// parse), in single quotes: unprintable characters are escaped as above, but a
// backslash or quote character stays as the file spells it, so the excerpt can
// be found in the file.
std::string quote_source_excerpt(std::string_view text, size_t max_chars = kMaxQuotedChars);

}  // namespace vic
