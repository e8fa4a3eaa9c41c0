// `vic check`: parse and type-check, print the diagnostics or "no errors".
#include <iostream>

#include "tools/command_support.h"
#include "tools/commands.h"
#include "tools/exit_status.h"

namespace vic::tools {

int run_check(const std::string& model_path) {
  std::optional<CheckedModel> m = load_model(model_path);
  if (!m) return kExitError;
  std::cout << model_path << ": no errors\n";
  return kExitOk;
}

}  // namespace vic::tools
