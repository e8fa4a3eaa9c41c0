// The weights file (runtime/weights_file.h).
#include "runtime/weights_file.h"

#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>

#include "runtime/format.h"

namespace vic::runtime {
namespace {

constexpr const char* kFormat = "vic-weights-1";

int64_t network_size(const NetworkShape& n) {
  int64_t size = 0;
  for (size_t k = 0; k + 1 < n.sizes.size(); ++k) size += (n.sizes[k] + 1) * n.sizes[k + 1];
  return size;
}

std::string sizes_text(const std::vector<int64_t>& sizes) {
  std::string s;
  for (int64_t x : sizes) s += (s.empty() ? "" : " -> ") + std::to_string(x);
  return s;
}

}  // namespace

void write_weights(std::ostream& out, const GuideModel& model, const std::vector<double>& weights) {
  out << "{\"format\": \"" << kFormat << "\", \"networks\": [";
  bool first_network = true;
  for (const NetworkShape& n : model.networks()) {
    out << (first_network ? "" : ",") << "\n  {\"name\": \"" << n.name << "\", \"sizes\": [";
    first_network = false;
    for (size_t k = 0; k < n.sizes.size(); ++k) out << (k ? ", " : "") << n.sizes[k];
    out << "], \"values\": [";
    const int64_t size = network_size(n);
    for (int64_t i = 0; i < size; ++i) {
      // The shortest text that reads back as the same double.
      out << (i ? ", " : "") << format_shortest(weights[static_cast<size_t>(n.offset + i)]);
    }
    out << "]}";
  }
  out << "\n]}\n";
}

Expected<std::vector<double>> read_weights(const std::string& path, const GuideModel& model) {
  std::ifstream in(path);
  if (!in) return Error{"cannot read the weights file '" + path + "'"};
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& why) { return Error{path + ": " + why}; };
  if (j.is_discarded()) return bad("not valid JSON");
  if (!j.is_object() || j.value("format", "") != kFormat || !j.contains("networks") || !j["networks"].is_array())
    return bad(std::string("not a vic weights file (it has no \"format\": \"") + kFormat + "\" and \"networks\")");
  std::vector<double> weights(model.dim(), 0.0);
  for (const NetworkShape& n : model.networks()) {
    const nlohmann::json* found = nullptr;
    for (const nlohmann::json& x : j["networks"])
      if (x.is_object() && x.value("name", "") == n.name) found = &x;
    if (!found) return bad("no weights for the network '" + n.name + "'");
    std::vector<int64_t> sizes;
    if (found->contains("sizes") && (*found)["sizes"].is_array())
      for (const nlohmann::json& s : (*found)["sizes"])
        sizes.push_back(s.is_number_integer() ? s.get<int64_t>() : -1);
    if (sizes != n.sizes)
      return bad("the network '" + n.name + "' has sizes " + sizes_text(sizes) + " in the file, " +
                 sizes_text(n.sizes) + " in the model");
    const nlohmann::json& values = (*found)["values"];
    if (!values.is_array() || static_cast<int64_t>(values.size()) != network_size(n))
      return bad("the network '" + n.name + "' needs " + std::to_string(network_size(n)) + " values");
    for (size_t i = 0; i < values.size(); ++i) {
      if (!values[i].is_number()) return bad("value " + std::to_string(i + 1) + " of '" + n.name + "' is not a number");
      weights[static_cast<size_t>(n.offset) + i] = values[i].get<double>();
    }
  }
  return weights;
}

}  // namespace vic::runtime
