// The table of fuzz targets and the helpers their entry points share.
#include "fuzz/harness.h"

#include <cstdio>
#include <cstdlib>

namespace vic::fuzz {

const std::vector<Target>& all_targets() {
  static const std::vector<Target> targets = {
      {"frontend", run_frontend_input},
      {"data", run_data_input},
      {"cli", run_cli_input},
      {"compile", run_compile_input},
  };
  return targets;
}

const Target* find_target(std::string_view name) {
  for (const Target& t : all_targets())
    if (name == t.name) return &t;
  return nullptr;
}

const char* verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::Accepted:
      return "accepted";
    case Verdict::Rejected:
      return "rejected";
    case Verdict::Skipped:
      return "skipped";
  }
  return "?";
}

void report_bug(const std::string& what) {
  std::fprintf(stderr, "vic fuzz: bug: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

std::string first_line(std::string_view text) { return std::string(text.substr(0, text.find('\n'))); }

}  // namespace vic::fuzz
