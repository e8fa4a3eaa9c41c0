// UTF-8 decoding for source text: where a valid character starts and how long it
// is, so the lexer is never handed bytes it cannot decode and diagnostics can
// point at a column counted in characters and echo a line safely.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vic::utf8 {

// The length (1-4) of the well-formed UTF-8 character starting at text[pos], or
// 0 when the bytes there are not one: a stray continuation byte, a truncated
// sequence, an overlong form, a surrogate (U+D800-DFFF) or a value above U+10FFFF.
size_t sequence_length(std::string_view text, size_t pos);

// `line` made safe to print on a terminal: each control character but the tab
// and each byte that is not well-formed UTF-8 becomes one '?', so a hostile file
// cannot send escape sequences, and each character still takes one column.
std::string printable(std::string_view line);

}  // namespace vic::utf8
