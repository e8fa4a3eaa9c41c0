// parse_fields: a SAX handler for nlohmann's iterative parser that keeps the
// wanted top-level fields as flat value lists and turns every way parsing can
// fail into one message. nlohmann reports a number beyond the range of a double
// (1e400, or an integer with 400 digits) through the handler's parse_error
// rather than by throwing once the handler is in charge, and the handler knows
// which field and element it was reading at that moment, so the message can say.
#include <cstdlib>
#include <exception>
#include <limits>
#include <new>
#include <nlohmann/json.hpp>
#include <set>

#include "runtime/format.h"
#include "runtime/json_fields_internal.h"
#include "support/quote_text.h"

namespace vic::runtime::json {
namespace {

using Json = nlohmann::json;

// nlohmann's exception id for "number overflow parsing '...'".
constexpr int kNumberOverflowId = 406;

// A number token written as an integer (no fraction, no exponent).
bool is_integer_text(std::string_view text) { return text.find_first_of(".eE") == std::string_view::npos; }

// Receives nlohmann's parse events. An error sets error_ and stops the parse.
class FieldCollector {
 public:
  FieldCollector(std::string_view text, const std::string& source_name,
                 const std::map<std::string, WantedField>& wanted)
      : text_(text), source_name_(source_name), wanted_(wanted) {}

  Fields take_fields() { return std::move(fields_); }
  const std::string& error() const { return error_; }

  // nlohmann's SAX interface.
  bool null() {
    if (open_.empty()) return top_level_not_an_object("null");
    return add_scalar(Value{});
  }
  bool boolean(bool b) {
    if (open_.empty()) return top_level_not_an_object(b ? "true" : "false");
    Value v;
    v.kind = Kind::Boolean;
    v.boolean = b;
    return add_scalar(v);
  }
  bool number_integer(Json::number_integer_t n) {
    if (open_.empty()) return top_level_not_an_object(std::to_string(n));
    Value v;
    v.kind = Kind::Integer;
    v.integer = n;
    return add_scalar(v);
  }
  bool number_unsigned(Json::number_unsigned_t n) {
    if (open_.empty()) return top_level_not_an_object(std::to_string(n));
    // nlohmann reads every integer without a minus sign as unsigned.
    Value v;
    if (n <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      v.kind = Kind::Integer;
      v.integer = static_cast<int64_t>(n);
    } else {
      v.kind = Kind::Unsigned;
      v.unsigned_integer = n;
    }
    return add_scalar(v);
  }
  bool number_float(Json::number_float_t x, const Json::string_t& token) {
    if (open_.empty()) return top_level_not_an_object(spell_number(token));
    Value v;
    if (is_integer_text(token)) {
      v.kind = Kind::BigInteger;
      v.text = add_text(token);
    } else {
      v.kind = Kind::Real;
      v.real = x;
    }
    return add_scalar(v);
  }
  bool string(Json::string_t& s) {
    if (open_.empty()) return top_level_not_an_object("the string " + quote_text(s));
    Value v;
    v.kind = Kind::String;
    v.text = add_text(std::move(s));
    return add_scalar(v);
  }
  bool binary(Json::binary_t&) { return fail("binary values are not JSON"); }
  bool start_object(std::size_t) { return open(Kind::Object); }
  bool end_object() { return close(); }
  bool start_array(std::size_t) { return open(Kind::Array); }
  bool end_array() { return close(); }

  bool key(Json::string_t& name) {
    if (open_.size() == 2 && open_.back().kind == Kind::Object) return add_key(std::move(name));
    if (open_.size() != 1) return true;  // keys nested deeper in a field's value are not kept
    if (!keys_.insert(name).second) return fail("data field " + quote_text(name, '\'') + " appears twice");
    field_ = std::move(name);
    auto found = wanted_.find(field_);
    field_is_int_ = found != wanted_.end() && found->second.is_int;
    values_ = found == wanted_.end() ? nullptr : &fields_.values[field_];
    return true;
  }

  bool parse_error(std::size_t byte, const std::string& last_token, const nlohmann::detail::exception& e) {
    if (e.id == kNumberOverflowId) return fail(overflow_message(byte, last_token));
    return fail("malformed JSON: " + parse_error_message(e.what(), last_token));
  }

 private:
  // An open array or object: where it is in values_ and how many members it has begun.
  struct Open {
    Kind kind;
    size_t index;
    int64_t members_begun = 0;
  };

  // Adds a number, string, bool or null inside the top-level object.
  bool add_scalar(const Value& value) {
    begin_member();
    if (values_) values_->push_back(value);
    return true;
  }

  // Keeps a key of the object that is a field's whole value: {"idx": ..., "scale": ...}.
  bool add_key(std::string name) {
    if (!values_) return true;
    Value v;
    v.kind = Kind::Key;
    v.text = add_text(std::move(name));
    values_->push_back(v);
    return true;
  }

  bool open(Kind kind) {
    if (open_.empty() && kind != Kind::Object) return top_level_not_an_object("an array");
    if (open_.size() >= kMaxNesting) {
      return fail("data field " + quote_text(field_, '\'') + " nests arrays and objects more than " +
                  std::to_string(kMaxNesting) + " deep");
    }
    if (!open_.empty()) begin_member();
    size_t index = 0;
    if (values_ && !open_.empty()) {
      index = values_->size();
      Value v;
      v.kind = kind;
      values_->push_back(v);
    }
    open_.push_back(Open{kind, index});
    return true;
  }

  bool close() {
    Open closed = open_.back();
    open_.pop_back();
    if (values_ && !open_.empty()) (*values_)[closed.index].end = values_->size();
    if (open_.size() == 1) values_ = nullptr;
    return true;
  }

  void begin_member() { ++open_.back().members_begun; }

  uint64_t add_text(std::string text) {
    if (!values_) return 0;
    fields_.texts.push_back(std::move(text));
    return fields_.texts.size() - 1;
  }

  bool top_level_not_an_object(const std::string& spelled) {
    return fail("the top level of a Stan JSON file must be an object, but is " + spelled);
  }

  // Where the value about to begin is: "data field 'y': element 2.3" inside an
  // array, "data field 'y'" at the top of a field. Only inside the top-level object.
  std::string where() const {
    std::string label = "data field " + quote_text(field_, '\'');
    std::string element;
    for (size_t level = 1; level < open_.size(); ++level) {
      if (open_[level].kind != Kind::Array) continue;
      // Enclosing arrays have begun the member that holds the rest of the path.
      int64_t index = level + 1 == open_.size() ? open_[level].members_begun + 1 : open_[level].members_begun;
      element += (element.empty() ? "" : ".") + std::to_string(index);
    }
    return element.empty() ? label : label + ": element " + element;
  }

  std::string line_and_column(size_t byte) const {
    size_t line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < byte && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(byte - line_start + 1);
  }

  std::string overflow_message(size_t byte, const std::string& token) const {
    if (open_.empty()) {
      return line_and_column(byte >= token.size() ? byte - token.size() : 0) + ": the number " + spell_number(token) +
             " is outside the range of a double";
    }
    return where() + " is " + spell_number(token) + ", outside the range of " + (field_is_int_ ? "an int" : "a double");
  }

  // nlohmann's message without its "[json.exception.parse_error.101] " tag and with
  // the text it last read quoted safely.
  static std::string parse_error_message(std::string message, const std::string& last_token) {
    if (!message.empty() && message[0] == '[') {
      size_t end = message.find("] ");
      if (end != std::string::npos) message.erase(0, end + 2);
    }
    const std::string marker = "; last read: ";
    size_t at = message.find(marker + "'" + last_token + "'");
    if (at != std::string::npos) {
      message.replace(at + marker.size(), last_token.size() + 2, quote_source_excerpt(last_token));
    } else if ((at = message.find(marker)) != std::string::npos) {
      message.erase(at);
    }
    return message;
  }

  bool fail(std::string message) {
    error_ = source_name_ + ": " + std::move(message);
    return false;
  }

  std::string_view text_;
  const std::string& source_name_;
  const std::map<std::string, WantedField>& wanted_;
  Fields fields_;
  std::vector<Open> open_;
  std::set<std::string> keys_;
  std::string field_;
  bool field_is_int_ = false;
  std::vector<Value>* values_ = nullptr;  // the wanted field being read, else null
  std::string error_;
};

}  // namespace

std::optional<double> number_value(const Value& value, const Fields& fields) {
  switch (value.kind) {
    case Kind::Integer:
      return static_cast<double>(value.integer);
    case Kind::Unsigned:
      return static_cast<double>(value.unsigned_integer);
    case Kind::BigInteger:
      // nlohmann parsed the digits once and checked that they fit a double.
      return std::strtod(fields.text_of(value).c_str(), nullptr);
    case Kind::Real:
      return value.real;
    default:
      return std::nullopt;
  }
}

std::string describe(const Value& value, const Fields& fields) {
  switch (value.kind) {
    case Kind::Integer:
      return std::to_string(value.integer);
    case Kind::Unsigned:
      return std::to_string(value.unsigned_integer);
    case Kind::BigInteger:
      return spell_number(fields.text_of(value));
    case Kind::Real: {
      // A whole real keeps its point, so "must be an int, but is 3.0" reads right.
      std::string text = format_shortest(value.real);
      bool whole = text.find_first_of(".eEna") == std::string::npos;
      return whole ? text + ".0" : text;
    }
    case Kind::String:
      return "the string " + quote_text(fields.text_of(value));
    case Kind::Key:
      return "the key " + quote_text(fields.text_of(value));
    case Kind::Array:
      return "an array";
    case Kind::Object:
      return "an object";
    case Kind::Boolean:
      return value.boolean ? "true" : "false";
    case Kind::Null:
      return "null";
  }
  return "an unsupported JSON value";
}

std::string spell_number(std::string_view text) {
  if (text.size() <= kMaxQuotedChars) return std::string(text);
  return std::string(text.substr(0, kMaxQuotedChars)) + "... (" + std::to_string(text.size()) + " characters)";
}

Expected<Fields> parse_fields(std::string_view text, const std::string& source_name,
                              const std::map<std::string, WantedField>& wanted) {
  FieldCollector collector(text, source_name, wanted);
  try {
    if (!Json::sax_parse(text.begin(), text.end(), &collector)) return Error{collector.error()};
  } catch (const nlohmann::json::exception& e) {
    // The SAX parser reports its errors through parse_error; this is a safety net.
    return Error{source_name + ": malformed JSON: " + quote_source_excerpt(e.what())};
  } catch (const std::bad_alloc&) {
    return Error{source_name + ": not enough memory to read the data file (" + std::to_string(text.size()) + " bytes)"};
  }
  return collector.take_fields();
}

}  // namespace vic::runtime::json
