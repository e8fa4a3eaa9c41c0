// The `vic` command: the command line (CLI11) and its checks, dispatch to the
// subcommands (tools/commands.h), the final check of standard output, and a
// last-resort catch so that nothing ends in an abort. Exit statuses are in
// tools/exit_status.h.
#include "tools/vic_main.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstring>
#include <iostream>
#include <new>

#include "ir/passes/pipeline.h"
#include "tools/command_line.h"
#include "tools/commands.h"
#include "tools/exit_status.h"
#include "tools/option_checks.h"
#include "tools/standard_output.h"
#include "tools/version.h"

namespace vic::tools {
namespace {

constexpr int kMaxInt = 2147483647;

// Parses the command line and runs the command; returns the exit status.
int run_command_line(int argc, char** argv) {
  const std::vector<std::string> commands = {"fit",   "optimize", "train",  "encode",
                                             "decode", "check",   "compile", "gradcheck"};
  if (std::optional<std::string> error = command_name_error(argc, argv, commands)) {
    std::cerr << "error: " << *error << "\n";
    return kExitUsage;
  }

  CLI::App app{"vic: Bayesian models compiled to native code and fitted with ADVI"};
  app.set_version_flag("--version", std::string("vic ") + kVersion);
  app.require_subcommand(1);
  app.footer(kExitStatusHelp);

  FitOptions fit;
  CLI::App* fit_cmd = app.add_subcommand("fit", "fit a model with variational inference and write its draws");
  fit_cmd->add_option("model", fit.model, "the .vmodel file")->required();
  fit_cmd->add_option("--algorithm", fit.algorithm,
                      "fullrank | meanfield (vic's ADVI: a Pathfinder start, Adam, averaged iterates) | pathfinder "
                      "(Stan's multi-path Pathfinder) | laplace (the normal at the mode) | stan-meanfield (Stan's "
                      "ADVI, draw for draw)")
      ->check(CLI::IsMember({"fullrank", "meanfield", "pathfinder", "laplace", "stan-meanfield"}))
      ->capture_default_str();
  fit_cmd->add_option("--data", fit.data, "Stan JSON data file");
  fit_cmd->add_option("--output", fit.output, "CSV file for the draws (replaced only once complete)")
      ->capture_default_str();
  fit_cmd->add_option("--seed", fit.seed, "random seed, 0 to 4294967295")->capture_default_str()->check(seed_value());
  fit_cmd->add_option("--draws", fit.draws, "draws from the approximation")
      ->capture_default_str()
      ->check(positive_integer(kMaxInt));
  CLI::Option* iter_option = fit_cmd->add_option("--iter", fit.advi.max_iterations, "maximum iterations (stan-meanfield: 10000; fullrank, meanfield: 20000)")
      ->check(positive_integer(kMaxInt));
  CLI::Option* grad_samples_option =
      fit_cmd->add_option("--grad-samples", fit.advi.grad_samples, "draws per gradient estimate (stan-meanfield: 1; fullrank, meanfield: 4)")
      ->check(positive_integer(kMaxInt / 10));
  CLI::Option* elbo_samples_option =
      fit_cmd->add_option("--elbo-samples", fit.advi.elbo_samples, "draws per ELBO estimate (stan-meanfield: 100; fullrank, meanfield: 200, fixed)")
      ->check(positive_integer(kMaxInt));
  CLI::Option* eval_elbo_option =
      fit_cmd->add_option("--eval-elbo", fit.advi.eval_elbo, "stan-meanfield: iterations between ELBO estimates")
      ->capture_default_str()
      ->check(positive_integer(kMaxInt));
  CLI::Option* tol_rel_obj_option = fit_cmd->add_option("--tol-rel-obj", fit.advi.tol_rel_obj,
                                                        "stan-meanfield: relative ELBO change for convergence")
      ->capture_default_str()
      ->check(positive_finite_number());
  double eta = 0;
  CLI::Option* eta_option =
      fit_cmd->add_option("--eta", eta, "stan-meanfield: step size (default: adapted)")->check(positive_finite_number());
  CLI::Option* adapt_iter_option = fit_cmd->add_option("--adapt-iter", fit.advi.adapt_iterations,
                                                       "stan-meanfield: iterations per step-size candidate")
      ->capture_default_str()
      ->check(positive_integer(kMaxInt));
  CLI::Option* paths_option =
      fit_cmd->add_option("--paths", fit.pathfinder.num_paths, "pathfinder: paths from different initial points")
      ->capture_default_str()
      ->check(positive_integer(1000));
  CLI::Option* threads_option =
      fit_cmd->add_option("--threads", fit.pathfinder.threads, "pathfinder: threads the paths run on (same result)")
      ->capture_default_str()
      ->check(positive_integer(1024));
  CLI::Option* compiled_elbo_option = fit_cmd->add_flag(
      "--compiled-elbo", fit.compiled_elbo,
      "stan-meanfield, fullrank, meanfield: estimate each ELBO gradient in one call of an ELBO compiled with the "
      "model (same draws; costs compile time, no faster yet)");
  fit_cmd->add_option("--init", fit.init, "initial values of the parameters (Stan JSON, constrained scale)");
  fit_cmd->add_option("--init-radius", fit.init_radius,
                      "random initial values uniform on (-R, R), unconstrained scale; 0 for all zeros")
      ->capture_default_str()
      ->check(non_negative_finite_number());
  fit_cmd->add_option("--summary-json", fit.summary_json,
                      "also write the summary and the diagnostics to this file as JSON");
  fit_cmd->add_option("--diagnostic-file", fit.diagnostic_file,
                      "also write the algorithm's trace to this file as CSV (the ELBO by iteration; Pathfinder: "
                      "each path)");
  fit_cmd->add_flag("--psis-resample", fit.psis_resample,
                    "replace the draws by draws resampled with their Pareto-smoothed importance weights (multi-path "
                    "Pathfinder always does)");
  fit_cmd->add_flag("--allow-poor-fit", fit.allow_poor_fit,
                    "exit 0 when the fit cannot be trusted (k-hat above 0.7, a diverging ELBO); the reasons are still "
                    "printed");
  fit_cmd->add_flag("--quiet", fit.quiet,
                    "no progress lines (they go to stderr only when it is a terminal); warnings and errors still do");
  fit_cmd->add_flag("--timings", fit.timings, "print the time of each stage");

  OptimizeOptions optimize;
  CLI::App* optimize_cmd = app.add_subcommand("optimize", "find the posterior mode with L-BFGS and write it");
  optimize_cmd->add_option("model", optimize.model, "the .vmodel file")->required();
  optimize_cmd->add_option("--data", optimize.data, "Stan JSON data file");
  optimize_cmd->add_option("--output", optimize.output, "CSV file for the mode (replaced only once complete)")
      ->capture_default_str();
  optimize_cmd->add_option("--seed", optimize.seed, "random seed of the initial point, 0 to 4294967295")
      ->capture_default_str()
      ->check(seed_value());
  optimize_cmd->add_option("--iter", optimize.settings.lbfgs.max_iterations, "maximum L-BFGS iterations")
      ->capture_default_str()
      ->check(positive_integer(kMaxInt));
  optimize_cmd->add_option("--init", optimize.init, "initial values of the parameters (Stan JSON, constrained scale)");
  optimize_cmd->add_option("--init-radius", optimize.settings.init_radius,
                           "random initial values uniform on (-R, R), unconstrained scale; 0 for all zeros")
      ->capture_default_str()
      ->check(non_negative_finite_number());
  optimize_cmd->add_flag("--jacobian", optimize.settings.jacobian,
                         "maximise the density on the unconstrained scale (with the constraints' log-Jacobians), "
                         "not the posterior's mode (MAP)");
  optimize_cmd->add_flag("--allow-poor-fit", optimize.allow_poor_fit, "exit 0 when L-BFGS stops before converging");
  optimize_cmd->add_flag("--quiet", optimize.quiet, "no progress lines");

  TrainOptions train;
  CLI::App* train_cmd =
      app.add_subcommand("train", "learn the networks of a model with a guide (a VAE) and write their weights");
  train_cmd->add_option("model", train.model, "the .vmodel file")->required();
  train_cmd->add_option("--data", train.data, "Stan JSON training data")->required();
  train_cmd->add_option("--test", train.test, "Stan JSON held-out data: its ELBO is printed after each epoch");
  train_cmd->add_option("--output", train.output, "JSON file for the weights (replaced only once complete)")
      ->capture_default_str();
  train_cmd->add_option("--init", train.init, "start from the weights in this file (written by --output)");
  train_cmd->add_option("--epochs", train.settings.epochs, "passes over the training data")
      ->capture_default_str()
      ->check(positive_integer(kMaxInt));
  train_cmd->add_option("--batch", train.settings.batch_size, "data items per minibatch")
      ->capture_default_str()
      ->check(positive_integer(kMaxInt));
  train_cmd->add_option("--lr", train.settings.learning_rate, "Adam's learning rate")
      ->capture_default_str()
      ->check(positive_finite_number());
  train_cmd->add_option("--threads", train.settings.threads, "threads of the matrix products")
      ->capture_default_str()
      ->check(positive_integer(256));
  train_cmd->add_option("--iwae", train.iwae,
                        "after training, the held-out data's IWAE bound with this many importance samples per item "
                        "(needs --test)")
      ->check(positive_integer(100000));
  train_cmd->add_option("--seed", train.settings.seed, "random seed, 0 to 4294967295")
      ->capture_default_str()
      ->check(seed_value());

  EncodeOptions encode;
  CLI::App* encode_cmd = app.add_subcommand("encode", "write each data item's code: the trained guide's location for it");
  encode_cmd->add_option("model", encode.model, "the .vmodel file")->required();
  encode_cmd->add_option("--data", encode.data, "Stan JSON data")->required();
  encode_cmd->add_option("--weights", encode.weights, "the weights vic train wrote")->required();
  encode_cmd->add_option("--output", encode.output, "CSV file for the codes: item, then the latents' columns")
      ->capture_default_str();
  encode_cmd->add_option("--items", encode.items, "only the first this many items")->check(positive_integer(kMaxInt));

  DecodeOptions decode;
  CLI::App* decode_cmd = app.add_subcommand(
      "decode", "run a trained network on codes (from vic encode, or drawn from N(0, I)); write CSV and a PNG grid");
  decode_cmd->add_option("model", decode.model, "the .vmodel file")->required();
  decode_cmd->add_option("--data", decode.data, "Stan JSON data (its sizes)")->required();
  decode_cmd->add_option("--weights", decode.weights, "the weights vic train wrote")->required();
  decode_cmd->add_option("--network", decode.network, "the network to run (the decoder)")->required();
  decode_cmd->add_option("--codes", decode.codes, "CSV of codes, as vic encode writes it");
  decode_cmd->add_option("--prior", decode.prior, "draw this many codes from N(0, I) instead")
      ->check(positive_integer(1000000));
  decode_cmd->add_option("--grid", decode.grid,
                         "decode an N x N grid of 2-D codes, at the standard normal's quantiles (i + 1/2) / N")
      ->check(positive_integer(1000));
  decode_cmd->add_option("--append", decode.append,
                         "values appended to every code before decoding, comma-separated (a conditional "
                         "decoder's condition, e.g. a one-hot label)");
  decode_cmd->add_option("--link", decode.link, "applied to the outputs: identity | inv_logit | exp")
      ->check(CLI::IsMember({"identity", "inv_logit", "exp"}))
      ->capture_default_str();
  decode_cmd->add_option("--output", decode.output, "CSV file for the outputs");
  decode_cmd->add_option("--png", decode.png, "PNG grid of the outputs as greyscale pictures (values in [0, 1])");
  decode_cmd->add_option("--originals", decode.originals,
                         "a data field of the pictures encoded: each row of the grid followed by their decodings");
  decode_cmd->add_option("--image-side", decode.image_side, "the pictures' side (default: the square root of the size)")
      ->check(positive_integer(100000));
  decode_cmd->add_option("--columns", decode.columns, "pictures per row of the grid")
      ->capture_default_str()
      ->check(positive_integer(10000));
  decode_cmd->add_option("--seed", decode.seed, "random seed of --prior, 0 to 4294967295")
      ->capture_default_str()
      ->check(seed_value());

  std::string check_model;
  CLI::App* check_cmd = app.add_subcommand("check", "parse and type-check a model");
  check_cmd->add_option("model", check_model, "the .vmodel file")->required();

  CompileOptions compile;
  CLI::App* compile_cmd = app.add_subcommand("compile", "print a compilation stage");
  compile_cmd->add_option("model", compile.model, "the .vmodel file")->required();
  compile_cmd->add_option("--data", compile.data, "Stan JSON data file (needed for grad-ir and llvm)");
  compile_cmd->add_option("--emit", compile.emit, "ast | ir | grad-ir | elbo-ir | llvm")
      ->check(CLI::IsMember({"ast", "ir", "grad-ir", "elbo-ir", "llvm"}))
      ->capture_default_str();
  compile_cmd->add_option("--dump-ir-after", compile.dump_ir_after, "print the IR after a pass (or 'all') on stderr")
      ->check(pass_name(ir::pipeline_pass_names()));
  compile_cmd->add_flag("--time-passes", compile.time_passes, "print each pass's time on stderr");

  std::string gc_model, gc_data;
  GradcheckSettings gc;
  CLI::App* gc_cmd = app.add_subcommand("gradcheck", "compare the compiled gradient with finite differences");
  gc_cmd->add_option("model", gc_model, "the .vmodel file")->required();
  gc_cmd->add_option("--data", gc_data, "Stan JSON data file");
  gc_cmd->add_option("--epsilon", gc.epsilon, "finite-difference step")
      ->capture_default_str()
      ->check(positive_finite_number());
  gc_cmd->add_option("--error", gc.error, "largest accepted difference")
      ->capture_default_str()
      ->check(positive_finite_number());
  gc_cmd->add_option("--seed", gc.seed, "seed of the random point, 0 to 4294967295")
      ->capture_default_str()
      ->check(seed_value());

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kExitUsage;
  }
  if (*fit_cmd) {
    // An option that the chosen algorithm would ignore is a mistake to say.
    const std::vector<std::pair<CLI::Option*, std::vector<std::string>>> applies_to = {
        {iter_option, {"stan-meanfield", "fullrank", "meanfield"}},
        {grad_samples_option, {"stan-meanfield", "fullrank", "meanfield"}},
        {elbo_samples_option, {"stan-meanfield", "fullrank", "meanfield"}},
        {eval_elbo_option, {"stan-meanfield"}},
        {tol_rel_obj_option, {"stan-meanfield"}},
        {eta_option, {"stan-meanfield"}},
        {adapt_iter_option, {"stan-meanfield"}},
        {paths_option, {"pathfinder"}},
        {threads_option, {"pathfinder"}},
        {compiled_elbo_option, {"stan-meanfield", "fullrank", "meanfield"}},
    };
    for (const auto& [option, algorithms] : applies_to) {
      if (!*option || std::find(algorithms.begin(), algorithms.end(), fit.algorithm) != algorithms.end()) continue;
      std::string list;
      for (size_t i = 0; i < algorithms.size(); ++i)
        list += (i == 0 ? "" : i + 1 == algorithms.size() ? " or " : ", ") + algorithms[i];
      std::cerr << "error: " << option->get_name() << " applies to --algorithm " << list << ", not "
                << fit.algorithm << "\n";
      return kExitUsage;
    }
    fit.vi.max_iterations = fit.advi.max_iterations;
    fit.vi.grad_samples = fit.advi.grad_samples;
    if (*elbo_samples_option) fit.vi.elbo_samples = fit.advi.elbo_samples;
    if (!*iter_option) fit.vi.max_iterations = runtime::ViSettings{}.max_iterations;
    if (!*grad_samples_option) fit.vi.grad_samples = runtime::ViSettings{}.grad_samples;
    if (*eta_option) {
      fit.advi.eta = eta;
      fit.advi.adapt_engaged = false;
    }
    return run_fit(fit);
  }
  if (*optimize_cmd) return run_optimize(optimize);
  if (*train_cmd) return run_train(train);
  if (*encode_cmd) return run_encode(encode);
  if (*decode_cmd) return run_decode(decode);
  if (*check_cmd) return run_check(check_model);
  if (*compile_cmd) return run_compile(compile);
  if (*gc_cmd) return run_gradcheck(gc_model, gc_data, gc);
  return kExitUsage;
}

}  // namespace

int vic_main(int argc, char** argv) {
  CheckedStandardOutput standard_output;
  int status;
  // A safety net: the checks before each allocation and each step are the
  // real defence; whatever escapes them ends here with a message, not abort().
  try {
    status = run_command_line(argc, argv);
  } catch (const std::bad_alloc&) {
    std::cerr << "error: out of memory: an allocation failed (std::bad_alloc)\n";
    return kExitError;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kExitError;
  }
  if (Status written = standard_output.finish(); !written) {
    std::cerr << "error: " << written.error() << "\n";
    return kExitError;
  }
  return status;
}

}  // namespace vic::tools
