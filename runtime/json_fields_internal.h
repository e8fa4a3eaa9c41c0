// The first half of reading a Stan JSON file: parse the text once, with
// nlohmann's SAX interface, into the top-level fields the model declares, each
// kept as a flat list of values (an array is followed by its elements; an
// object that is a field's whole value, such as an IDX reference, by its keys
// and their values). Parsing is iterative and nesting is limited, so no file
// can overflow the stack; a number is kept with the text it was written as when
// no int64 holds it, so an int field can say that 1000...0 is outside its
// range; and every error (bad syntax, a number beyond the range of a double,
// too deep nesting, a repeated field) names the field and element it is in
// where there is one, and quotes the file's text only through quote_text.
// data_json.cpp checks the fields against their declarations.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/expected.h"

namespace vic::runtime::json {

// How deeply arrays and objects may nest. Stan data needs one level per array
// dimension and two for a matrix; a file nested deeper is not data.
inline constexpr size_t kMaxNesting = 256;

enum class Kind : uint8_t {
  Null,
  Boolean,
  Integer,     // integer: an int64
  Unsigned,    // unsigned_integer: above int64's range, within uint64's
  BigInteger,  // written as an integer beyond uint64's range: text (its digits)
  Real,        // a number written with a fraction or exponent: real
  String,      // text
  Array,       // end: the index after its last element's values
  Object,      // end: as for Array; its members' values follow, keys dropped but for a field's whole value
  Key,         // text: the key of a member of an object that is a field's whole value; its value follows
};

// One value in a field's flat list: 16 bytes, so a large data array costs little
// more than its numbers.
struct Value {
  Kind kind = Kind::Null;
  bool boolean = false;
  union {
    int64_t integer;
    uint64_t unsigned_integer;
    double real;
    uint64_t end;
    uint64_t text;  // String, BigInteger, Key: an index into Fields::texts
  };
  Value() : integer(0) {}
};

// The values of the fields that were asked for, by name, and the text they use.
struct Fields {
  std::map<std::string, std::vector<Value>> values;
  std::vector<std::string> texts;

  const std::string& text_of(const Value& value) const { return texts[value.text]; }
};

// The index after `values[at]` and everything nested in it.
inline size_t skip(const std::vector<Value>& values, size_t at) {
  Kind kind = values[at].kind;
  return kind == Kind::Array || kind == Kind::Object ? values[at].end : at + 1;
}

// A number as a double; nullopt for a value that is not a number. (A
// BigInteger's digits are within a double's range: the parser checked.)
std::optional<double> number_value(const Value& value, const Fields& fields);

// How a value reads in a message: numbers as themselves (a whole real with its
// point: "3.0"), the rest by kind ("an array", "null"); a string's text only
// through quote_text.
std::string describe(const Value& value, const Fields& fields);

// A number's text for a message: as written, or its first kMaxQuotedChars
// characters and its length when it is longer.
std::string spell_number(std::string_view text);

// The declared type of a field, for the wording of a number out of range.
struct WantedField {
  bool is_int = false;
};

// Parses `text` (`source_name` names it in errors) and keeps the top-level
// fields named in `wanted`; others are parsed and dropped. The top level must be
// an object whose keys appear once each.
Expected<Fields> parse_fields(std::string_view text, const std::string& source_name,
                              const std::map<std::string, WantedField>& wanted);

}  // namespace vic::runtime::json
