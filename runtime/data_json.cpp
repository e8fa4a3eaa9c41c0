// Stan JSON data loading: parses the text with nlohmann::json and checks every
// declared field against its declaration, in declaration order (so a size such as
// `vector[N] y` is read from the N loaded before it). Scalars are JSON numbers,
// arrays, vectors and matrices nested lists (outermost dimension first, flattened
// row-major); reals may be the strings "NaN", "Inf", "-Inf", "+Inf", "Infinity",
// "+Infinity", "-Infinity". An int field takes only JSON integers in the 32-bit
// range Stan's int has (3.0 is a real, as Stan's reader says too). NaN, values
// outside declared bounds, missing fields and shape mismatches are errors that
// name the file, the field and (1-based) the element.
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/data.h"
#include "runtime/format.h"

namespace vic::runtime {

const DataValue* DataSet::find(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

namespace {

using Json = nlohmann::json;

// Stan's spellings of non-finite reals; nullopt for any other string.
std::optional<double> parse_non_finite(const std::string& text) {
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Inf" || text == "+Inf" || text == "Infinity" || text == "+Infinity") {
    return std::numeric_limits<double>::infinity();
  }
  if (text == "-Inf" || text == "-Infinity") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

// How a JSON value reads in a message: numbers as themselves, the rest by kind.
std::string describe_json(const Json& value) {
  switch (value.type()) {
    case Json::value_t::number_integer:
      return std::to_string(value.get<int64_t>());
    case Json::value_t::number_unsigned:
      return std::to_string(value.get<uint64_t>());
    case Json::value_t::number_float: {
      // A whole real keeps its point, so "must be an int, but is 3.0" reads right.
      std::string text = format_shortest(value.get<double>());
      bool whole = text.find_first_of(".eEna") == std::string::npos;
      return whole ? text + ".0" : text;
    }
    case Json::value_t::string:
      return "the string \"" + value.get<std::string>() + "\"";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case Json::value_t::null:
      return "null";
    default:
      return "an unsupported JSON value";
  }
}

// Reads one field's JSON value into a DataValue of the declared shape, checking
// shape, type, NaN and bounds as it goes.
class FieldReader {
 public:
  FieldReader(const std::string& source, const DataDecl& decl, std::vector<int64_t> dims,
              std::optional<double> lower, std::optional<double> upper)
      : source_(source), decl_(decl), dims_(std::move(dims)), lower_(lower), upper_(upper) {}

  Expected<DataValue> read(const Json& json) {
    value_.is_int = decl_.is_int;
    value_.dims = dims_;
    index_.clear();
    if (Status status = read_level(json, 0); !status) return Error{status.error()};
    return std::move(value_);
  }

 private:
  // Reads the value at nesting `level` (index_ holds the 0-based indices above it).
  Status read_level(const Json& json, size_t level) {
    if (level == dims_.size()) return read_element(json);
    int64_t declared = dims_[level];
    if (!json.is_array()) {
      return fail(subject() + " must be an array of size " + std::to_string(declared) +
                  ", but is " + describe_json(json));
    }
    int64_t actual = static_cast<int64_t>(json.size());
    // `[]` stands for any shape with no elements (e.g. array[0, 4] as []).
    if (actual == 0 && remaining_size(level) == 0) return Status::ok();
    if (actual != declared) {
      std::string what = level == 0 ? "data field '" + decl_.name + "'"
                                     : "dimension " + std::to_string(level + 1) +
                                           " of data field '" + decl_.name + "'";
      return fail(what + " has size " + std::to_string(actual) + ", but its declaration needs " +
                  std::to_string(declared));
    }
    for (int64_t i = 0; i < actual; ++i) {
      index_.push_back(i);
      Status status = read_level(json[static_cast<size_t>(i)], level + 1);
      index_.pop_back();
      if (!status) return status;
    }
    return Status::ok();
  }

  // Reads one scalar element at index_.
  Status read_element(const Json& json) {
    double as_real = 0;
    if (decl_.is_int) {
      std::optional<int64_t> as_int;
      if (json.is_number_integer() && !json.is_number_unsigned()) {
        as_int = json.get<int64_t>();
      } else if (json.is_number_unsigned()) {
        uint64_t u = json.get<uint64_t>();
        if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          as_int = static_cast<int64_t>(u);
        } else {
          return fail(subject() + " is " + describe_json(json) + ", outside the range of an int");
        }
      }
      if (!as_int) {
        return fail("data field '" + decl_.name + "' must be an int, but " + element_prefix() +
                    "is " + describe_json(json));
      }
      if (*as_int < std::numeric_limits<int32_t>::min() ||
          *as_int > std::numeric_limits<int32_t>::max()) {
        return fail(subject() + " is " + std::to_string(*as_int) +
                    ", outside the range of an int");
      }
      value_.ints.push_back(*as_int);
      as_real = static_cast<double>(*as_int);
    } else {
      std::optional<double> real;
      if (json.is_number()) {
        real = json.get<double>();
      } else if (json.is_string()) {
        real = parse_non_finite(json.get<std::string>());
      }
      if (!real) {
        return fail("data field '" + decl_.name + "' must be a real, but " + element_prefix() +
                    "is " + describe_json(json));
      }
      if (std::isnan(*real)) return fail(subject() + " is NaN");
      value_.reals.push_back(*real);
      as_real = *real;
    }
    std::string spelled =
        decl_.is_int ? std::to_string(value_.ints.back()) : format_shortest(as_real);
    if (lower_ && as_real < *lower_) {
      return fail(subject() + " is " + spelled + ", below its lower bound " +
                  format_shortest(*lower_));
    }
    if (upper_ && as_real > *upper_) {
      return fail(subject() + " is " + spelled + ", above its upper bound " +
                  format_shortest(*upper_));
    }
    return Status::ok();
  }

  // Number of elements from `level` inwards.
  int64_t remaining_size(size_t level) const {
    int64_t size = 1;
    for (size_t i = level; i < dims_.size(); ++i) size *= dims_[i];
    return size;
  }

  // "2.3": the 1-based index of the current element.
  std::string element_label() const {
    std::string label;
    for (size_t i = 0; i < index_.size(); ++i) {
      if (i > 0) label += ".";
      label += std::to_string(index_[i] + 1);
    }
    return label;
  }

  // "element 2.3 " inside an array, "" for a scalar.
  std::string element_prefix() const {
    return index_.empty() ? "" : "element " + element_label() + " ";
  }

  // "data field 'y'" for a scalar, "data field 'y': element 3" for an element.
  std::string subject() const {
    std::string s = "data field '" + decl_.name + "'";
    if (!index_.empty()) s += ": element " + element_label();
    return s;
  }

  Status fail(const std::string& message) const { return Error{source_ + ": " + message}; }

  const std::string& source_;
  const DataDecl& decl_;
  std::vector<int64_t> dims_;
  std::optional<double> lower_;
  std::optional<double> upper_;
  std::vector<int64_t> index_;
  DataValue value_;
};

// "parse error at line 1, column 5: ..." without nlohmann's "[json.exception...] " tag.
std::string strip_exception_tag(const std::string& what) {
  if (!what.empty() && what[0] == '[') {
    size_t end = what.find("] ");
    if (end != std::string::npos) return what.substr(end + 2);
  }
  return what;
}

}  // namespace

Expected<DataSet> read_stan_json(const std::string& text, const std::string& source_name,
                                 const std::vector<DataDecl>& decls) {
  Json root;
  try {
    root = Json::parse(text);
  } catch (const Json::parse_error& e) {
    return Error{source_name + ": malformed JSON: " + strip_exception_tag(e.what())};
  }
  if (!root.is_object()) {
    return Error{source_name + ": the top level of a Stan JSON file must be an object, but is " +
                 describe_json(root)};
  }
  DataSet data;
  for (const DataDecl& decl : decls) {
    auto found = root.find(decl.name);
    if (found == root.end()) return Error{source_name + ": missing data field '" + decl.name + "'"};
    std::vector<int64_t> dims;
    if (decl.dims) {
      Expected<std::vector<int64_t>> declared = decl.dims(data);
      if (!declared) {
        return Error{source_name + ": data field '" + decl.name + "': " + declared.error()};
      }
      dims = declared.take();
    }
    std::optional<double> lower = decl.lower ? decl.lower(data) : std::nullopt;
    std::optional<double> upper = decl.upper ? decl.upper(data) : std::nullopt;
    FieldReader reader(source_name, decl, std::move(dims), lower, upper);
    Expected<DataValue> value = reader.read(*found);
    if (!value) return Error{value.error()};
    data.set(decl.name, value.take());
  }
  return data;
}

Expected<DataSet> load_stan_json_file(const std::string& path, const std::vector<DataDecl>& decls) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    return Error{path + ": cannot read the data file: it is a directory"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot read the data file: " + std::strerror(errno)};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error{path + ": cannot read the data file: " + std::strerror(errno)};
  return read_stan_json(text.str(), path, decls);
}

}  // namespace vic::runtime
