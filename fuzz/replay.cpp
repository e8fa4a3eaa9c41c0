// vic_fuzz_replay: runs saved inputs through a fuzz target's entry point
// (fuzz/harness.h) without libFuzzer, so that a crash file reproduces in the
// normal build and the regression tests can replay fuzz/regressions/.
//   vic_fuzz_replay TARGET FILE...        one line per file: its verdict
//   vic_fuzz_replay --show compile FILE   the program and data the bytes generate
// For the compile target a FILE ending in .vmodel is a saved program whose
// data is the .json file beside it (fuzz/regressions/compile/).
// Exit status 0 when vic handled every input (accepted or cleanly rejected it);
// a crash ends the process as it would end vic.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "fuzz/harness.h"

namespace {

int usage() {
  std::cerr << "usage: vic_fuzz_replay TARGET FILE...\n"
               "       vic_fuzz_replay --show compile FILE\n"
               "targets:";
  for (const vic::fuzz::Target& t : vic::fuzz::all_targets()) std::cerr << " " << t.name;
  std::cerr << "\n";
  return 2;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "vic_fuzz_replay: cannot read '" << path << "'\n";
    std::exit(2);
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// The data of a saved compile-target program: NAME.json beside NAME.vmodel.
std::string read_json_beside(const std::string& model_path) {
  return read_file(model_path.substr(0, model_path.size() - 7) + ".json");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  bool show = false;
  if (!args.empty() && args[0] == "--show") {
    show = true;
    args.erase(args.begin());
  }
  if (args.size() < 2) return usage();
  const vic::fuzz::Target* target = vic::fuzz::find_target(args[0]);
  if (!target || (show && args[0] != "compile")) return usage();

  // Read every file first: the cli target changes the working directory.
  std::vector<std::pair<std::string, std::string>> inputs;
  for (size_t i = 1; i < args.size(); ++i) inputs.emplace_back(args[i], read_file(args[i]));
  for (const auto& [name, bytes] : inputs) {
    const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
    if (show) {
      std::cout << vic::fuzz::describe_compile_input(data, bytes.size());
      continue;
    }
    vic::fuzz::RunResult r;
    if (args[0] == "compile" && name.size() > 7 && name.substr(name.size() - 7) == ".vmodel") {
      vic::fuzz::SeededChoices point(1);
      r = vic::fuzz::run_compile_program(bytes, read_json_beside(name), point);
    } else {
      r = target->run(data, bytes.size());
    }
    std::cout << name << ": " << vic::fuzz::verdict_name(r.verdict) << (r.detail.empty() ? "" : ": ") << r.detail
              << std::endl;
  }
  return 0;
}
