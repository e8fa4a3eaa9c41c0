// Stan JSON data loading: parses the text into the declared fields
// (json_fields.cpp) and checks every field against its declaration, in declaration order (so a size such as
// `vector[N] y` is read from the N loaded before it). Scalars are JSON numbers,
// arrays, vectors and matrices nested lists (outermost dimension first, flattened
// row-major); reals may be the strings "NaN", "Inf", "-Inf", "+Inf", "Infinity",
// "+Infinity", "-Infinity". An int field takes only JSON integers in the 32-bit
// range Stan's int has (3.0 is a real, as Stan's reader says too). NaN, values
// outside declared bounds, missing fields and shape mismatches are errors that
// name the file, the field and (1-based) the element. A declared size is never
// used to allocate: elements are stored as they are read, so a size mismatch is
// found before the declared number of elements would be. A field whose value is
// an object names an IDX file instead (idx_field.cpp); its values pass the same
// element checks.
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/data.h"
#include "runtime/format.h"
#include "runtime/idx_field_internal.h"
#include "runtime/json_fields_internal.h"
#include "support/limits.h"
#include "support/quote_text.h"

namespace vic::runtime {

const DataValue* DataSet::find(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

namespace {

using json::Kind;
using json::Value;

// Stan's spellings of non-finite reals; nullopt for any other string.
std::optional<double> parse_non_finite(const std::string& text) {
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Inf" || text == "+Inf" || text == "Infinity" || text == "+Infinity") {
    return std::numeric_limits<double>::infinity();
  }
  if (text == "-Inf" || text == "-Infinity") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

// Whether some size from `level` inwards is 0 (no elements there).
bool has_zero_size_from(const std::vector<int64_t>& dims, size_t level) {
  for (size_t i = level; i < dims.size(); ++i) {
    if (dims[i] == 0) return true;
  }
  return false;
}

// "element 2.3" for the 0-based `index`; "" for a scalar's empty one.
std::string element_label(const std::vector<int64_t>& index) {
  std::string label;
  for (size_t i = 0; i < index.size(); ++i) label += (i == 0 ? "element " : ".") + std::to_string(index[i] + 1);
  return label;
}

// "data field 'y'" for a scalar, "data field 'y': element 2.3" for an element.
std::string subject(const std::string& name, const std::vector<int64_t>& index) {
  std::string s = "data field '" + name + "'";
  return index.empty() ? s : s + ": " + element_label(index);
}

// The checks a declaration makes of a field, whether its values were written
// inline or come from an IDX file: its sizes fit a container, no real is NaN,
// and each value lies within the declared bounds.
class FieldChecks {
 public:
  FieldChecks(const std::string& source, const DataDecl& decl, std::optional<double> lower, std::optional<double> upper)
      : source_(source), decl_(decl), lower_(lower), upper_(upper) {}

  // Whether the element `value` passes; cheap, for millions of elements.
  bool accepts(double value) const {
    return !std::isnan(value) && !(lower_ && value < *lower_) && !(upper_ && value > *upper_);
  }

  // The error for the element `value` at `index`, or ok when it passes.
  Status check(double value, const std::vector<int64_t>& index) const {
    if (std::isnan(value)) return fail(subject(decl_.name, index) + " is NaN");
    std::string spelled = decl_.is_int ? std::to_string(static_cast<int64_t>(value)) : format_shortest(value);
    if (lower_ && value < *lower_) {
      return fail(subject(decl_.name, index) + " is " + spelled + ", below its lower bound " +
                  format_shortest(*lower_));
    }
    if (upper_ && value > *upper_) {
      return fail(subject(decl_.name, index) + " is " + spelled + ", above its upper bound " +
                  format_shortest(*upper_));
    }
    return Status::ok();
  }

  // A declaration whose sizes multiply past what a container may hold is an error
  // before anything is read (the product is computed without overflow).
  Status check_declared_size(const std::vector<int64_t>& dims) const {
    if (has_zero_size_from(dims, 0)) return Status::ok();
    int64_t total = 1;
    for (int64_t d : dims) {
      std::optional<int64_t> product = limits::checked_mul(total, d);
      if (!product || *product > limits::kMaxContainerElements) {
        return fail("data field '" + decl_.name + "' is declared with sizes " + format_sizes(dims) +
                    ", more than the " + std::to_string(limits::kMaxContainerElements) +
                    " elements a container may hold");
      }
      total = *product;
    }
    return Status::ok();
  }

  Error fail(const std::string& message) const { return Error{source_ + ": " + message}; }

 private:
  const std::string& source_;
  const DataDecl& decl_;
  std::optional<double> lower_;
  std::optional<double> upper_;
};

// Reads one field's JSON value into a DataValue of the declared shape, checking
// shape, type, NaN and bounds as it goes.
class FieldReader {
 public:
  FieldReader(const FieldChecks& checks, const json::Fields& fields, const DataDecl& decl, std::vector<int64_t> dims)
      : checks_(checks), fields_(fields), decl_(decl), dims_(std::move(dims)) {}

  Expected<DataValue> read(const std::vector<Value>& values) {
    values_ = &values;
    value_.is_int = decl_.is_int;
    value_.dims = dims_;
    index_.clear();
    if (Status status = read_level(0, 0); !status) return Error{status.error()};
    return std::move(value_);
  }

 private:
  // Reads values_[at], the value at nesting `level` (index_ holds the 0-based
  // indices above it).
  Status read_level(size_t at, size_t level) {
    const Value& json = (*values_)[at];
    if (level == dims_.size()) return read_element(json);
    int64_t declared = dims_[level];
    if (json.kind != Kind::Array) {
      return fail(subject() + " must be an array of size " + std::to_string(declared) + ", but is " + describe(json));
    }
    int64_t actual = count_members(at);
    // `[]` stands for any shape with no elements (e.g. array[0, 4] as []).
    if (actual == 0 && has_zero_size_from(dims_, level)) return Status::ok();
    if (actual != declared) {
      std::string what = level == 0 ? "data field '" + decl_.name + "'"
                                    : "dimension " + std::to_string(level + 1) + " of data field '" + decl_.name + "'";
      return fail(what + " has size " + std::to_string(actual) + ", but its declaration needs " +
                  std::to_string(declared));
    }
    size_t member = at + 1;
    for (int64_t i = 0; i < actual; ++i) {
      index_.push_back(i);
      Status status = read_level(member, level + 1);
      index_.pop_back();
      if (!status) return status;
      member = json::skip(*values_, member);
    }
    return Status::ok();
  }

  // The number of members of the array at values_[at].
  int64_t count_members(size_t at) const {
    int64_t count = 0;
    for (size_t member = at + 1; member < (*values_)[at].end; member = json::skip(*values_, member)) ++count;
    return count;
  }

  // Reads one scalar element at index_.
  Status read_element(const Value& json) {
    if (decl_.is_int) {
      std::optional<int64_t> as_int;
      if (json.kind == Kind::Integer) {
        as_int = json.integer;
      } else if (json.kind == Kind::Unsigned || json.kind == Kind::BigInteger) {
        return fail(subject() + " is " + describe(json) + ", outside the range of an int");
      }
      if (!as_int) {
        return fail("data field '" + decl_.name + "' must be an int, but " + element_prefix() + "is " + describe(json));
      }
      if (*as_int < std::numeric_limits<int32_t>::min() || *as_int > std::numeric_limits<int32_t>::max()) {
        return fail(subject() + " is " + std::to_string(*as_int) + ", outside the range of an int");
      }
      value_.ints.push_back(*as_int);
      return checks_.check(static_cast<double>(*as_int), index_);
    }
    std::optional<double> real = to_real(json);
    if (!real) {
      return fail("data field '" + decl_.name + "' must be a real, but " + element_prefix() + "is " + describe(json));
    }
    value_.reals.push_back(*real);
    return checks_.check(*real, index_);
  }

  // A number, or one of Stan's spellings of a non-finite real, as a double.
  std::optional<double> to_real(const Value& json) const {
    if (json.kind == Kind::String) return parse_non_finite(fields_.text_of(json));
    return json::number_value(json, fields_);
  }

  std::string describe(const Value& json) const { return json::describe(json, fields_); }

  // "element 2.3 " inside an array, "" for a scalar.
  std::string element_prefix() const { return index_.empty() ? "" : element_label(index_) + " "; }

  std::string subject() const { return runtime::subject(decl_.name, index_); }

  Error fail(const std::string& message) const { return checks_.fail(message); }

  const FieldChecks& checks_;
  const json::Fields& fields_;
  const DataDecl& decl_;
  std::vector<int64_t> dims_;
  const std::vector<Value>* values_ = nullptr;
  std::vector<int64_t> index_;
  DataValue value_;
};

// Runs the element checks over values that came whole (from an IDX file),
// naming a failing element by its place in the declared shape, as an inline
// value's would be named.
Status check_elements(const DataValue& value, const FieldChecks& checks) {
  for (size_t i = 0; i < value.size(); ++i) {
    double element = value.is_int ? static_cast<double>(value.ints[i]) : value.reals[i];
    if (checks.accepts(element)) continue;
    std::vector<int64_t> index(value.dims.size());
    size_t rest = i;
    for (size_t level = value.dims.size(); level-- > 0;) {
      index[level] = static_cast<int64_t>(rest % static_cast<size_t>(value.dims[level]));
      rest /= static_cast<size_t>(value.dims[level]);
    }
    return checks.check(element, index);
  }
  return Status::ok();
}

// A field given as an IDX file: its values, checked as inline ones are.
Expected<DataValue> read_idx_value(const FieldChecks& checks, const json::Fields& fields,
                                   const std::vector<Value>& json, const DataDecl& decl,
                                   const std::vector<int64_t>& dims, const std::string& directory) {
  Expected<DataValue> value = read_idx_field(fields, json, decl, dims, directory);
  if (!value) return checks.fail(value.error());
  if (Status status = check_elements(*value, checks); !status) return Error{status.error()};
  return value;
}

}  // namespace

Expected<DataSet> read_stan_json(const std::string& text, const std::string& source_name,
                                 const std::vector<DataDecl>& decls, const std::string& idx_directory) {
  std::map<std::string, json::WantedField> wanted;
  for (const DataDecl& decl : decls) wanted[decl.name].is_int = decl.is_int;
  Expected<json::Fields> fields = json::parse_fields(text, source_name, wanted);
  if (!fields) return Error{fields.error()};
  DataSet data;
  try {
    for (const DataDecl& decl : decls) {
      auto found = fields->values.find(decl.name);
      if (found == fields->values.end()) return Error{source_name + ": missing data field '" + decl.name + "'"};
      std::vector<int64_t> dims;
      if (decl.dims) {
        Expected<std::vector<int64_t>> declared = decl.dims(data);
        if (!declared) return Error{source_name + ": data field '" + decl.name + "': " + declared.error()};
        dims = declared.take();
      }
      std::optional<double> lower, upper;
      for (auto [bound, value] : {std::pair{&decl.lower, &lower}, std::pair{&decl.upper, &upper}}) {
        if (!*bound) continue;
        Expected<double> computed = (*bound)(data);
        if (!computed) return Error{source_name + ": data field '" + decl.name + "': " + computed.error()};
        *value = *computed;
      }
      FieldChecks checks(source_name, decl, lower, upper);
      if (Status status = checks.check_declared_size(dims); !status) return Error{status.error()};
      Expected<DataValue> value = names_idx_file(found->second)
                                      ? read_idx_value(checks, *fields, found->second, decl, dims, idx_directory)
                                      : FieldReader(checks, *fields, decl, std::move(dims)).read(found->second);
      if (!value) return Error{value.error()};
      data.set(decl.name, value.take());
    }
  } catch (const std::bad_alloc&) {
    return Error{source_name + ": not enough memory to hold the data (" + limits::format_bytes(text.size()) +
                 " of JSON)"};
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
  // A file larger than memory cannot be held, let alone parsed (a pipe has no size).
  std::error_code size_error;
  uintmax_t size = std::filesystem::file_size(path, size_error);
  if (!size_error && size > limits::memory_budget_bytes()) {
    return Error{path + ": the data file is " + limits::format_bytes(size) + ", more than " +
                 limits::describe_memory_budget()};
  }
  std::string text;
  try {
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) return Error{path + ": cannot read the data file: " + std::strerror(errno)};
    text = std::move(buffer).str();
  } catch (const std::bad_alloc&) {
    return Error{path + ": not enough memory to read the data file"};
  }
  return read_stan_json(text, path, decls, std::filesystem::path(path).parent_path().string());
}

}  // namespace vic::runtime
