// command_name_error (tools/command_line.h): the nearest command by edit
// distance suggests itself when it is at most two edits away.
#include "tools/command_line.h"

#include <algorithm>

namespace vic::tools {

namespace {

// Levenshtein distance: insertions, deletions and substitutions.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::string command_list(const std::vector<std::string>& commands) {
  std::string list;
  for (const std::string& command : commands) list += (list.empty() ? "" : ", ") + command;
  return list;
}

}  // namespace

std::optional<std::string> command_name_error(int argc, const char* const* argv,
                                              const std::vector<std::string>& commands) {
  if (argc < 2) return "no command given; the commands are " + command_list(commands);
  std::string given = argv[1];
  if (!given.empty() && given[0] == '-') return std::nullopt;
  if (std::find(commands.begin(), commands.end(), given) != commands.end()) return std::nullopt;
  std::string hint;
  size_t best = 3;
  for (const std::string& command : commands) {
    size_t distance = edit_distance(given, command);
    if (distance < best) {
      best = distance;
      hint = " (did you mean '" + command + "'?)";
    }
  }
  return "unknown command '" + given + "'" + hint + "; the commands are " + command_list(commands);
}

}  // namespace vic::tools
