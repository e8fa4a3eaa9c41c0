// vic_random_gradcheck: the random-program gradient check
// (fuzz/random_gradient.h) over a range of seeds, for long runs.
//
//   vic_random_gradcheck --seeds A:B [--all-features] [--points K] [--out DIR]
//   vic_random_gradcheck --program MODEL.vmodel [--data DATA.json] [--points K] [--seed S]
//
// Seed S generates the program generate_program(S, options), the options of
// the ctest batch (gradient_test_options; --all-features switches on the
// features in kFeaturesNotYetRight too). Each failing seed prints one line
// with its first mismatch and writes its program and data to
// DIR/seed_S.vmodel and DIR/seed_S.json (DIR defaults to
// random_gradcheck_failures); the last line is the summary
// `programs N checked M skipped S failed F`. With --program the check runs
// on one saved program (a failing seed's, while reducing it by hand; --seed S
// gives it seed S's points) and prints every mismatch. Exits 1 when any program failed, 2 on a bad command line.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "fuzz/random_gradient.h"

namespace {

struct Arguments {
  uint64_t first = 0, last = 0;
  bool all_features = false;
  int points = 3;
  std::string out = "random_gradcheck_failures";
  std::string program, data;  // --program mode
  uint64_t seed = 1;          // --program mode: the seed whose points to use
};

bool parse_seeds(const std::string& text, Arguments& a) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos) return false;
  try {
    size_t used = 0;
    a.first = std::stoull(text.substr(0, colon), &used);
    if (used != colon) return false;
    a.last = std::stoull(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1) return false;
  } catch (const std::exception&) {
    return false;
  }
  return a.first <= a.last;
}

bool parse(int argc, char** argv, Arguments& a) {
  bool seeds = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--seeds" && has_value) {
      if (!parse_seeds(argv[++i], a)) return false;
      seeds = true;
    } else if (arg == "--all-features") {
      a.all_features = true;
    } else if (arg == "--points" && has_value) {
      a.points = std::atoi(argv[++i]);
      if (a.points < 1) return false;
    } else if (arg == "--out" && has_value) {
      a.out = argv[++i];
    } else if (arg == "--program" && has_value) {
      a.program = argv[++i];
    } else if (arg == "--data" && has_value) {
      a.data = argv[++i];
    } else if (arg == "--seed" && has_value) {
      a.seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      return false;
    }
  }
  return seeds != !a.program.empty();
}

// The first point seed of a program seed: programs draw disjoint points.
uint64_t point_seed(uint64_t seed) { return seed * 16; }

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// --program: one saved program, every mismatch printed.
int check_saved_program(const Arguments& a) {
  vic::fuzz::GeneratedProgram program{read_file(a.program), a.data.empty() ? "{}" : read_file(a.data)};
  const vic::fuzz::ProgramCheck c = vic::fuzz::check_program_gradient(program, point_seed(a.seed), a.points);
  if (!c.message.empty()) std::cout << c.message << "\n";
  for (const vic::fuzz::GradientMismatch& m : c.mismatches) {
    std::printf("%s: parameter %zu analytic %.10g numeric %.10g\n", m.what.c_str(), m.parameter, m.analytic, m.numeric);
  }
  std::printf("points checked %d skipped %d\n", c.points_checked, c.points_skipped);
  return c.outcome == vic::fuzz::Outcome::Failed ? 1 : 0;
}

std::string describe(const vic::fuzz::ProgramCheck& c) {
  if (c.mismatches.empty()) {
    std::string first_line = c.message.substr(0, c.message.find('\n'));
    return first_line;
  }
  const vic::fuzz::GradientMismatch& m = c.mismatches.front();
  char text[200];
  std::snprintf(text, sizeof text, "%s: parameter %zu analytic %.10g numeric %.10g", m.what.c_str(), m.parameter,
                m.analytic, m.numeric);
  std::string out = text;
  if (c.mismatches.size() > 1) out += " (" + std::to_string(c.mismatches.size() - 1) + " more)";
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Arguments a;
  if (!parse(argc, argv, a)) {
    std::cerr << "usage: vic_random_gradcheck --seeds A:B [--all-features] [--points K] [--out DIR]\n"
                 "       vic_random_gradcheck --program MODEL.vmodel [--data DATA.json] [--points K] [--seed S]\n";
    return 2;
  }
  if (!a.program.empty()) return check_saved_program(a);
  const vic::fuzz::GeneratorOptions options = vic::fuzz::gradient_test_options(a.all_features);
  uint64_t programs = 0, checked = 0, skipped = 0, failed = 0;
  for (uint64_t seed = a.first;; ++seed) {
    const vic::fuzz::GeneratedProgram program = vic::fuzz::generate_program(seed, options);
    if (!a.out.empty()) {
      // The program being checked, so that a crash leaves it behind.
      std::filesystem::create_directories(a.out);
      std::ofstream(a.out + "/current.vmodel") << program.model;
      std::ofstream(a.out + "/current.json") << program.data_json << "\n";
    }
    const vic::fuzz::ProgramCheck c = vic::fuzz::check_program_gradient(program, point_seed(seed), a.points);
    ++programs;
    switch (c.outcome) {
      case vic::fuzz::Outcome::Checked:
        ++checked;
        break;
      case vic::fuzz::Outcome::Skipped:
        ++skipped;
        break;
      case vic::fuzz::Outcome::Failed: {
        ++failed;
        std::filesystem::create_directories(a.out);
        const std::string base = a.out + "/seed_" + std::to_string(seed);
        std::ofstream(base + ".vmodel") << program.model;
        std::ofstream(base + ".json") << program.data_json << "\n";
        std::cout << "seed " << seed << ": " << describe(c) << " program " << base << ".vmodel" << std::endl;
        break;
      }
    }
    if (seed == a.last) break;
  }
  std::cout << "programs " << programs << " checked " << checked << " skipped " << skipped << " failed " << failed
            << std::endl;
  return failed > 0 ? 1 : 0;
}
