// A Stan JSON data field whose value is an IDX file rather than inline numbers:
// {"idx": PATH} or {"idx": PATH, "scale": S}. MNIST-sized image sets (47 M
// pixels) are too big to write as JSON; this reads them with read_idx_file and
// hands data_json.cpp flat values of the declared shape, so the declaration's
// element checks (NaN, bounds) run on them as on inline values.
#pragma once

#include <string>
#include <vector>

#include "runtime/data.h"
#include "runtime/json_fields_internal.h"
#include "support/expected.h"

namespace vic::runtime {

// Whether a field's JSON value is an object: the form that names an IDX file.
inline bool names_idx_file(const std::vector<json::Value>& value) { return value[0].kind == json::Kind::Object; }

// The values of the field `decl` names, from the IDX file its JSON object
// `value` names (a relative path resolved against `directory`; the working
// directory when empty), times the object's "scale" (1 without one), flat
// row-major with the dims `declared_dims`. The file's first dimension must be
// the declared first size and its other dimensions must hold as many elements
// as the declared others (an image set of 60000 x 28 x 28 fills array[60000]
// vector[784]). An int field takes only an IDX file of integers, and no scale.
// Errors start "data field 'x'"; the IDX reader's keep their text after that.
Expected<DataValue> read_idx_field(const json::Fields& fields, const std::vector<json::Value>& value,
                                   const DataDecl& decl, const std::vector<int64_t>& declared_dims,
                                   const std::string& directory);

}  // namespace vic::runtime
