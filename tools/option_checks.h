// Checks for the numeric values on vic's command line, as CLI11 validators
// whose messages are short and name the option (CLI11 prefixes the option's
// name): "--draws: must be a positive integer, but is 0". Each validator also
// rewrites an accepted value in plain decimal, so what CLI11 then converts is
// exactly what was checked (CLI11 alone reads "010" as octal 8).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace vic::tools {

// An integer from 1 to `max`: "must be a positive integer, but is 0",
// "must be at most 2147483647, but is 3000000000".
CLI::Validator positive_integer(int64_t max);

// A finite number above 0: "must be a positive finite number, but is inf".
CLI::Validator positive_finite_number();

// A finite number at or above 0: "must be a non-negative finite number, but is -1".
CLI::Validator non_negative_finite_number();

// A seed as CmdStan takes it, 0 to 4294967295 (32 bits):
// "must be an integer from 0 to 4294967295, but is -1".
CLI::Validator seed_value();

// One of `names` or "all": "unknown pass 'x'; the passes are a, b, or all".
CLI::Validator pass_name(const std::vector<std::string>& names);

}  // namespace vic::tools
