// The validators of tools/option_checks.h: each parses the whole string with
// std::from_chars (base 10, nothing left over), checks the range and writes the
// value back in canonical form.
#include "tools/option_checks.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

namespace vic::tools {

namespace {

// The value as a message shows it: a number as typed, anything else quoted.
std::string shown(const std::string& text, bool is_number) { return is_number ? text : "'" + text + "'"; }

// The whole of `text` as a base-10 integer, or nullopt (also on overflow).
std::optional<int64_t> parse_integer(const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end || text.empty()) return std::nullopt;
  return value;
}

// The whole of `text` as a number ("1e-3", "inf", "nan" included), or nullopt.
std::optional<double> parse_number(const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end || text.empty()) return std::nullopt;
  return value;
}

// Whether `text` reads as a number at all (integers beyond int64 included).
bool looks_numeric(const std::string& text) {
  if (parse_number(text)) return true;
  double value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  return error == std::errc::result_out_of_range && stop == end;
}

std::string shortest(double value) {
  char text[64];
  auto [end, error] = std::to_chars(text, text + sizeof text, value);
  return std::string(text, end);
}

}  // namespace

CLI::Validator positive_integer(int64_t max) {
  return CLI::Validator(
      [max](std::string& text) -> std::string {
        std::optional<int64_t> value = parse_integer(text);
        bool numeric = looks_numeric(text);
        // An integer too large for int64 is still "too large", not "not an integer".
        bool all_digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
        bool too_large = value ? *value > max : all_digits;
        if (too_large) return "must be at most " + std::to_string(max) + ", but is " + text;
        if (!value || *value < 1) return "must be a positive integer, but is " + shown(text, numeric);
        text = std::to_string(*value);
        return "";
      },
      "");
}

CLI::Validator positive_finite_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::optional<double> value = parse_number(text);
        if (!value || !(*value > 0) || !std::isfinite(*value)) {
          return "must be a positive finite number, but is " + shown(text, looks_numeric(text));
        }
        text = shortest(*value);
        return "";
      },
      "");
}

CLI::Validator non_negative_finite_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::optional<double> value = parse_number(text);
        if (!value || !(*value >= 0) || !std::isfinite(*value)) {
          return "must be a non-negative finite number, but is " + shown(text, looks_numeric(text));
        }
        text = shortest(*value);
        return "";
      },
      "");
}

CLI::Validator seed_value() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        constexpr int64_t kMaxSeed = 4294967295;
        std::optional<int64_t> value = parse_integer(text);
        if (!value || *value < 0 || *value > kMaxSeed) {
          return "must be an integer from 0 to " + std::to_string(kMaxSeed) + ", but is " +
                 shown(text, looks_numeric(text));
        }
        text = std::to_string(*value);
        return "";
      },
      "");
}

CLI::Validator pass_name(const std::vector<std::string>& names) {
  return CLI::Validator(
      [names](std::string& text) -> std::string {
        if (text == "all") return "";
        for (const std::string& name : names)
          if (text == name) return "";
        std::string list;
        for (const std::string& name : names) list += name + ", ";
        return "unknown pass '" + text + "'; the passes are " + list + "or all";
      },
      "");
}

}  // namespace vic::tools
