// The networks' learned weights as a JSON file (vic train --output, --init):
//   {"format": "vic-weights-1", "networks": [{"name": "encoder",
//     "sizes": [64, 128, 4], "values": [...]}, ...]}
// values per network: layer after layer, the weight matrix (out x in,
// row-major, as PyTorch's Linear keeps it), then the bias.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "runtime/guide_model.h"
#include "support/expected.h"

namespace vic::runtime {

void write_weights(std::ostream& out, const GuideModel& model, const std::vector<double>& weights);

// The weights in `path` for `model`, whose networks they must match by name
// and sizes; an error names the file and what does not match.
Expected<std::vector<double>> read_weights(const std::string& path, const GuideModel& model);

}  // namespace vic::runtime
