// Number formatting shared by the runtime's text output: data error messages, the
// CSV writer and the summary table. One place decides how a double is spelled, so
// every file vic writes round-trips and reads the same on every platform.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vic::runtime {

// The shortest decimal spelling of `value` that reads back to the same double
// (std::to_chars): "1", "2.5", "0.1", "1e+20", "-3.0000000000000004". Non-finite
// values are spelled as CmdStan writes them: "nan", "inf", "-inf".
std::string format_shortest(double value);

// A shape in messages: "60000 x 28 x 28"; "" for a scalar's empty sizes.
std::string format_sizes(const std::vector<int64_t>& sizes);

}  // namespace vic::runtime
