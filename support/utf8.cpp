// UTF-8 well-formedness as the Unicode standard's Table 3-7 defines it.
#include "support/utf8.h"

namespace vic::utf8 {

size_t sequence_length(std::string_view text, size_t pos) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  const size_t left = text.size() - pos;
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) return 1;
  // The second byte's range depends on the first (excludes overlongs,
  // surrogates and values above U+10FFFF); later bytes are 80..BF.
  unsigned char lo = 0x80, hi = 0xBF;
  size_t length;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (left < length) return 0;
  if (byte(1) < lo || byte(1) > hi) return 0;
  for (size_t i = 2; i < length; ++i)
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  return length;
}

std::string printable(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size();) {
    const unsigned char c = static_cast<unsigned char>(line[i]);
    const size_t n = sequence_length(line, i);
    if (n == 0 || (c < 0x20 && c != '\t') || c == 0x7F) {
      out += '?';
      ++i;
      continue;
    }
    // C1 controls (U+0080-009F) are two bytes, C2 80..C2 9F.
    if (n == 2 && c == 0xC2 && static_cast<unsigned char>(line[i + 1]) < 0xA0) {
      out += '?';
      i += 2;
      continue;
    }
    out.append(line.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace vic::utf8
