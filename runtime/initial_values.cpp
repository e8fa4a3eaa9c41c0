// read_initial_values: each parameter output name split into its field and
// indices, looked up in the parsed JSON (nlohmann), then unconstrained.
#include "runtime/initial_values.h"

#include <nlohmann/json.hpp>

namespace vic::runtime {

Expected<std::vector<double>> read_initial_values(const Model& model, const std::string& text,
                                                  const std::string& source_name) {
  const std::string where = "init file '" + source_name + "'";
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Error{where + ": not valid JSON"};
  if (!json.is_object()) return Error{where + ": expected a JSON object with a field per parameter"};
  const std::vector<std::string>& names = model.output_names();
  std::vector<double> values;
  for (size_t k = 0; k < model.num_parameter_outputs(); ++k) {
    const std::string& name = names[k];
    const size_t dot = name.find('.');
    const std::string field = name.substr(0, dot);
    if (!json.contains(field)) return Error{where + ": no value for parameter '" + field + "'"};
    const nlohmann::json* node = &json[field];
    std::string label;
    for (size_t at = dot; at != std::string::npos;) {
      const size_t next = name.find('.', at + 1);
      const std::string index_text = name.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1);
      const size_t index = std::stoul(index_text);
      label += (label.empty() ? "" : ".") + index_text;
      if (!node->is_array() || index == 0 || index > node->size()) {
        return Error{where + ": field '" + field + "' has no element " + label};
      }
      node = &(*node)[index - 1];
      at = next;
    }
    if (!node->is_number()) {
      return Error{where + ": field '" + field + "'" + (label.empty() ? "" : " element " + label) + " is not a number"};
    }
    values.push_back(node->get<double>());
  }
  std::vector<double> theta(model.dim());
  EvalError error = 0;
  model.unconstrain(values.data(), theta.data(), &error);
  if (error != 0) return Error{where + ": " + model.describe_error(error)};
  return theta;
}

}  // namespace vic::runtime
