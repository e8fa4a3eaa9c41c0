// The part of reading vic's command line that CLI11 does not do well: naming
// an unknown command (CLI11 says only "A subcommand is required"), with a
// did-you-mean hint for a near miss.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vic::tools {

// The error for a command line whose first argument is not one of `commands`
// (and not an option such as --help), or that has no argument at all:
// "unknown command 'fitt' (did you mean 'fit'?); the commands are fit, check".
// Empty when the first argument is a command or an option.
std::optional<std::string> command_name_error(int argc, const char* const* argv,
                                              const std::vector<std::string>& commands);

}  // namespace vic::tools
