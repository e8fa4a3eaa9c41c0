// vic's subcommands, one run_* function each (one .cpp each), called by main()
// once the command line is parsed and checked. Each returns the exit status
// (tools/exit_status.h) after printing its errors on stderr; what it prints
// on stdout goes through std::cout, which main() checks at the end.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/advi.h"
#include "runtime/optimize.h"
#include "runtime/pathfinder.h"
#include "runtime/train.h"
#include "runtime/vi.h"
#include "tools/gradcheck.h"

namespace vic::tools {

// `vic fit MODEL [--data FILE] [--output FILE] ...`.
struct FitOptions {
  std::string model;
  std::string data;
  std::string output = "output.csv";
  uint64_t seed = 1;
  int draws = 1000;
  // "fullrank", "meanfield", "pathfinder", "laplace" or "stan-meanfield".
  std::string algorithm = "fullrank";
  runtime::AdviSettings advi;
  runtime::ViSettings vi;
  runtime::PathfinderSettings pathfinder;
  // Initial values on the constrained scale (Stan JSON), and the radius of
  // random ones on the unconstrained scale.
  std::string init;
  double init_radius = 2.0;
  // Replace the draws by draws resampled with their PSIS weights.
  bool psis_resample = false;
  // Compile the family's ELBO with the model (ir/elbo.h) and estimate each
  // gradient in one call of it. Off by default: today it costs compile time
  // and runs no faster than lp_grad draw by draw (bench/elbo_bench).
  bool compiled_elbo = false;
  // Where to write the summary as JSON and the algorithm's trace as CSV
  // (none when empty).
  std::string summary_json;
  std::string diagnostic_file;
  // Exit 0 even when the fit cannot be trusted (the reasons are still printed).
  bool allow_poor_fit = false;
  bool quiet = false;
  bool timings = false;
};

// Fits the model with the chosen algorithm, writes the draws to the output file (complete or
// not at all) and prints the summary: 0, or 3 when the fit ran but cannot be
// trusted, 1 on an error, 2 when the output file is one of the inputs.
int run_fit(const FitOptions& options);

// `vic optimize MODEL [--data FILE] [--output FILE] ...`.
struct OptimizeOptions {
  std::string model;
  std::string data;
  std::string output = "output.csv";
  uint64_t seed = 1;
  runtime::OptimizeSettings settings;
  // Initial values on the constrained scale (Stan JSON).
  std::string init;
  bool allow_poor_fit = false;
  bool quiet = false;
};

// Finds the posterior mode with L-BFGS, writes it as CmdStan's optimisation
// CSV and prints it: 0, 3 when L-BFGS stopped without converging, 1 on an
// error, 2 when the output file is one of the inputs.
int run_optimize(const OptimizeOptions& options);

// `vic train MODEL --data D [--test T]`: learns the networks of a program with
// a guide; writes the weights to `output`.
struct TrainOptions {
  std::string model;
  std::string data;
  std::string test;
  std::string output = "weights.json";
  std::string init;
  int iwae = 0;  // importance samples of the held-out IWAE bound; 0: none
  runtime::TrainOptions settings;
};
int run_train(const TrainOptions& options);

// `vic encode MODEL --data D --weights W`: each item's code (the guide's
// location for it) as CSV.
struct EncodeOptions {
  std::string model;
  std::string data;
  std::string weights;
  std::string output = "codes.csv";
  int items = 0;  // the first this many; 0: all
};
int run_encode(const EncodeOptions& options);

// `vic decode MODEL --data D --weights W --network NET (--codes C | --prior N)`:
// the network on codes, as CSV and as a PNG grid of pictures.
struct DecodeOptions {
  std::string model;
  std::string data;
  std::string weights;
  std::string network;
  std::string codes;
  int prior = 0;
  int grid = 0;          // an N x N grid of 2-D codes at the normal's quantiles
  std::string append;    // values after each code (a condition), comma-separated
  std::string link = "identity";
  std::string output;
  std::string png;
  std::string originals;
  int image_side = 0;
  int columns = 8;
  uint64_t seed = 1;
};
int run_decode(const DecodeOptions& options);

// `vic check MODEL`: parses and type-checks; 0 or 1.
int run_check(const std::string& model_path);

// `vic compile MODEL [--data FILE] [--emit STAGE] ...`.
struct CompileOptions {
  std::string model;
  std::string data;
  std::string emit = "ir";
  std::string dump_ir_after;
  bool time_passes = false;
};

// Prints the requested stage of compilation: 0, 1, or 2 when an option
// needs the pass pipeline but the stage does not run it.
int run_compile(const CompileOptions& options);

// `vic gradcheck MODEL [--data FILE] [--epsilon E] [--error E] [--seed N]`:
// 0 when every gradient entry is within the threshold, else 1.
int run_gradcheck(const std::string& model_path, const std::string& data_path, const GradcheckSettings& settings);

}  // namespace vic::tools
