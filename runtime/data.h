// Data: Stan JSON files read and checked against the model's data declarations.
// A mismatch (missing field, wrong size, a real where an int is declared, a value
// outside its declared bounds, NaN) is an error naming the field.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/expected.h"

namespace vic::runtime {

// One data variable's value: dims (array dims then vector/matrix dims, outermost
// first; empty for a scalar) and the elements flattened row-major.
struct DataValue {
  bool is_int = false;
  std::vector<int64_t> dims;
  std::vector<double> reals;  // when !is_int
  std::vector<int64_t> ints;  // when is_int
  size_t size() const { return is_int ? ints.size() : reals.size(); }
};

// The values read so far, by name.
class DataSet {
 public:
  const DataValue* find(const std::string& name) const;
  void set(const std::string& name, DataValue value) { values_[name] = std::move(value); }
  const std::map<std::string, DataValue>& values() const { return values_; }

 private:
  std::map<std::string, DataValue> values_;
};

// A data declaration as the loader needs it. Sizes and bounds are expressions
// of earlier data (`vector[N] y`, `int<upper=N> k`), so they are callbacks that
// read the values loaded so far.
struct DataDecl {
  std::string name;
  bool is_int = false;
  // Array dims then container dims, outermost first; an Error if a size
  // expression fails (e.g. negative).
  std::function<Expected<std::vector<int64_t>>(const DataSet&)> dims;
  // The bounds' values; may be empty (no bound). An Error when a bound
  // cannot be computed from the data read so far: never silently no bound.
  std::function<Expected<double>(const DataSet&)> lower;
  std::function<Expected<double>(const DataSet&)> upper;
};

// Reads Stan JSON text (`source_name` names it in errors) and checks each declared
// field, in declaration order. Fields not declared are ignored. A field's value
// may name an IDX file instead, {"idx": PATH, "scale": S} ("scale" optional):
// the file's values times S, checked as inline values are; a relative PATH is
// resolved against `idx_directory` (the working directory when it is empty).
Expected<DataSet> read_stan_json(const std::string& text, const std::string& source_name,
                                 const std::vector<DataDecl>& decls, const std::string& idx_directory = "");

// The same, from a file; a relative IDX path is resolved against the file's directory.
Expected<DataSet> load_stan_json_file(const std::string& path, const std::vector<DataDecl>& decls);

}  // namespace vic::runtime
