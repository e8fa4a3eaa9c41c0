// quote_text and quote_source_excerpt: one pass over the text that decodes UTF-8,
// escapes what a terminal would act on or that is not text, and stops after the
// allowed number of characters.
#include "support/quote_text.h"

#include <cstdint>
#include <cstdio>

namespace vic {
namespace {

// The length of the valid UTF-8 sequence at the start of `text` and the code point
// it encodes, or 0 when the first byte does not start one (a stray continuation
// byte, an overlong form, a surrogate, a value above U+10FFFF, a cut sequence).
size_t decode_utf8(std::string_view text, uint32_t* code_point) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(0);
  size_t length;
  uint32_t value;
  uint32_t smallest;
  if (lead < 0x80) {
    *code_point = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, value = lead & 0x1F, smallest = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, value = lead & 0x0F, smallest = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, value = lead & 0x07, smallest = 0x10000;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    value = (value << 6) | (byte(i) & 0x3F);
  }
  if (value < smallest || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  *code_point = value;
  return length;
}

// Code points above ASCII that a terminal or a text layout acts on instead of
// showing: C1 controls (U+009B is a terminal's CSI), line and paragraph
// separators, and the bidirectional embeddings, overrides and isolates that can
// make a line read differently from its bytes.
bool is_invisible_control(uint32_t c) {
  return (c >= 0x80 && c <= 0x9F) || c == 0x200E || c == 0x200F || c == 0x2028 || c == 0x2029 ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

std::string hex_escape(const char* format, uint32_t value) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, format, static_cast<unsigned>(value));
  return buffer;
}

// The body of the quoted text; escapes `quote` and backslashes when `escape_quoting`.
std::string quote(std::string_view text, char quote_char, bool escape_quoting, size_t max_chars) {
  std::string out(1, quote_char);
  size_t chars = 0;
  size_t at = 0;
  while (at < text.size() && chars < max_chars) {
    uint32_t c = 0;
    size_t length = decode_utf8(text.substr(at), &c);
    ++chars;
    if (length == 0) {
      out += hex_escape("\\x%02x", static_cast<unsigned char>(text[at]));
      at += 1;
      continue;
    }
    if (length > 1) {
      if (is_invisible_control(c)) {
        out += hex_escape("\\u%04x", c);
      } else {
        out.append(text.substr(at, length));
      }
      at += length;
      continue;
    }
    at += 1;
    char ch = static_cast<char>(c);
    if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      out += hex_escape("\\x%02x", c);
    } else if (escape_quoting && (ch == '\\' || ch == quote_char)) {
      out += '\\';
      out += ch;
    } else {
      out += ch;
    }
  }
  out += quote_char;
  if (at < text.size()) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

}  // namespace

std::string quote_text(std::string_view text, char quote_char, size_t max_chars) {
  return quote(text, quote_char, /*escape_quoting=*/true, max_chars);
}

std::string quote_source_excerpt(std::string_view text, size_t max_chars) {
  return quote(text, '\'', /*escape_quoting=*/false, max_chars);
}

}  // namespace vic
