// read_idx_field: the object's keys checked, the file read once by
// read_idx_file, its values moved (not copied) into the field and scaled in
// place, so a 47 M-pixel image set costs one array of doubles. The path is
// echoed in messages, so one a terminal would act on, or too long to be a
// path, is refused before anything is opened.
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>

#include "runtime/format.h"
#include "runtime/idx_field_internal.h"
#include "runtime/idx_reader.h"
#include "support/limits.h"
#include "support/quote_text.h"

namespace vic::runtime {
namespace {

// Linux's PATH_MAX: no file has a longer path.
constexpr size_t kMaxPathBytes = 4096;

constexpr const char* kForm = R"(an object value must be {"idx": PATH} or {"idx": PATH, "scale": S})";

// What the object says.
struct IdxReference {
  std::string path;
  std::optional<double> scale;
};

// Whether messages may show `path` as it is: no control characters, bytes
// that are not UTF-8, invisible formatting, quotes or backslashes.
bool prints_as_itself(const std::string& path) {
  return quote_text(path, '"', std::numeric_limits<size_t>::max()) == '"' + path + '"';
}

// The object's "idx" and "scale", or what is wrong with it.
Expected<IdxReference> parse_reference(const json::Fields& fields, const std::vector<json::Value>& value,
                                       const std::string& label) {
  std::optional<std::string> path;
  std::optional<double> scale;
  // Each member is its Key, then its value.
  for (size_t at = 1; at < value[0].end; at = json::skip(value, at + 1)) {
    const std::string& key = fields.text_of(value[at]);
    const json::Value& member = value[at + 1];
    if (key != "idx" && key != "scale") return Error{label + " has the key " + quote_text(key) + "; " + kForm};
    if ((key == "idx" && path) || (key == "scale" && scale)) {
      return Error{label + " has the key " + quote_text(key) + " twice"};
    }
    if (key == "idx") {
      if (member.kind != json::Kind::String) {
        return Error{label + R"(: "idx" must be a string, the IDX file's path, but is )" +
                     json::describe(member, fields)};
      }
      path = fields.text_of(member);
    } else {
      std::optional<double> number = json::number_value(member, fields);
      if (!number || !std::isfinite(*number) || *number <= 0) {
        return Error{label + R"(: "scale" must be a finite positive number, but is )" + json::describe(member, fields)};
      }
      scale = number;
    }
  }
  if (!path) return Error{label + R"( has no key "idx"; )" + kForm};
  if (path->empty()) return Error{label + R"(: "idx" is empty; it must be the IDX file's path)"};
  if (path->size() > kMaxPathBytes) {
    return Error{label + R"(: "idx" is )" + std::to_string(path->size()) + " bytes long, longer than a path may be (" +
                 std::to_string(kMaxPathBytes) + ")"};
  }
  if (!prints_as_itself(*path)) {
    return Error{label + R"(: "idx" must be a path of printable characters without quotes or backslashes, but is )" +
                 quote_text(*path)};
  }
  return IdxReference{*path, scale};
}

// The number of elements `dims` hold from `from` on: 0 when one of them is 0,
// else their product, or nullopt when it overflows.
std::optional<int64_t> element_count(const std::vector<int64_t>& dims, size_t from) {
  int64_t count = 1;
  for (size_t i = from; i < dims.size(); ++i) {
    if (dims[i] == 0) return 0;
  }
  for (size_t i = from; i < dims.size(); ++i) {
    std::optional<int64_t> product = limits::checked_mul(count, dims[i]);
    if (!product) return std::nullopt;
    count = *product;
  }
  return count;
}

// Whether the file's values, row-major, fill the declared shape: the same
// first size, and as many elements within each item.
bool fills_declared_shape(const std::vector<int64_t>& file_dims, const std::vector<int64_t>& declared_dims) {
  if (declared_dims.empty() || file_dims[0] != declared_dims[0]) return false;
  std::optional<int64_t> per_item = element_count(file_dims, 1);
  return per_item && per_item == element_count(declared_dims, 1);
}

bool is_floating(IdxElementType type) { return type == IdxElementType::kFloat32 || type == IdxElementType::kFloat64; }

}  // namespace

Expected<DataValue> read_idx_field(const json::Fields& fields, const std::vector<json::Value>& value,
                                   const DataDecl& decl, const std::vector<int64_t>& declared_dims,
                                   const std::string& directory) {
  const std::string label = "data field '" + decl.name + "'";
  Expected<IdxReference> reference = parse_reference(fields, value, label);
  if (!reference) return Error{reference.error()};
  if (decl.is_int && reference->scale) return Error{label + R"( is an int, so it takes no "scale")"};

  // An absolute path replaces the directory.
  const std::string path = (std::filesystem::path(directory) / reference->path).string();
  Expected<IdxArray> array = read_idx_file(path);
  if (!array) return Error{label + ": " + array.error()};
  if (!fills_declared_shape(array->dims, declared_dims)) {
    return Error{label + ": the IDX file " + path + " holds " + format_sizes(array->dims) +
                 " values; the declaration needs " +
                 (declared_dims.empty() ? "a single value" : format_sizes(declared_dims))};
  }
  if (decl.is_int && is_floating(array->element_type)) {
    return Error{label + " is an int, but the IDX file " + path + " holds " +
                 (array->element_type == IdxElementType::kFloat32 ? "32" : "64") + "-bit floating-point values"};
  }

  DataValue field;
  field.is_int = decl.is_int;
  field.dims = declared_dims;
  if (decl.is_int) {
    // Every IDX integer type fits Stan's 32-bit int, so each converts exactly.
    field.ints.reserve(array->values.size());
    for (double v : array->values) field.ints.push_back(static_cast<int64_t>(v));
  } else {
    field.reals = std::move(array->values);
    if (reference->scale) {
      for (double& v : field.reals) v *= *reference->scale;
    }
  }
  return field;
}

}  // namespace vic::runtime
