// `vic train`: a program with networks and a guide (a VAE), its weights
// learned by Adam on minibatch ELBO estimates (runtime/train.h); one line per
// epoch and the weights written to --output.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "runtime/train.h"
#include "runtime/weights_file.h"
#include "support/output_file.h"
#include "tools/command_support.h"
#include "tools/commands.h"
#include "tools/exit_status.h"

namespace vic::tools {
namespace {

// printf's formatting, into a string.
template <typename... Args>
std::string formatted(const char* format, Args... args) {
  char line[256];
  std::snprintf(line, sizeof line, format, args...);
  return line;
}

}  // namespace

int run_train(const TrainOptions& o) {
  for (const auto& [option, path] : {std::pair{"--data", o.data}, std::pair{"--test", o.test}}) {
    if (std::string clash = output_clash("--output", o.output, o.model, path); !clash.empty()) {
      std::cerr << "error: " << clash << "\n";
      return kExitUsage;
    }
  }
  if (o.iwae > 0 && o.test.empty()) {
    std::cerr << "error: --iwae estimates the held-out data's log-likelihood: it needs --test\n";
    return kExitUsage;
  }
  std::optional<CheckedModel> m = load_model(o.model);
  if (!m) return kExitError;
  if (!m->ast->block(ast::BlockKind::Guide)) {
    std::cerr << "error: " << o.model << " has no guide block: vic train learns a guide's networks; fit a model "
              << "without one with vic fit\n";
    return kExitError;
  }
  std::optional<LoadedGuideModel> train = load_guide_model(*m, o.data, o.settings.seed);
  if (!train) return kExitError;
  std::optional<LoadedGuideModel> test;
  if (!o.test.empty()) {
    test = load_guide_model(*m, o.test, o.settings.seed);
    if (!test) return kExitError;
  }
  // Before anything runs a matrix product: OpenBLAS starts with a thread per core.
  runtime::set_matrix_product_threads(o.settings.threads);
  const runtime::GuideModel& model = train->model();
  Rng init_rng(o.settings.seed);
  std::vector<double> weights = runtime::initial_weights(model, init_rng);
  if (!o.init.empty()) {
    Expected<std::vector<double>> read = runtime::read_weights(o.init, model);
    if (!read) {
      std::cerr << "error: " << read.error() << "\n";
      return kExitError;
    }
    weights = read.take();
  }
  Expected<std::unique_ptr<OutputFile>> output = OutputFile::open(o.output);
  if (!output) {
    std::cerr << "error: " << output.error() << "\n";
    return kExitError;
  }
  std::cout << formatted("%5s %9s %11s %10s\n", "epoch", "seconds", "train_elbo", "test_elbo") << std::flush;
  Status trained = runtime::train(model, test ? &test->model() : nullptr, o.settings, weights,
                                  [](const runtime::EpochReport& r) {
                                    std::cout << formatted("%5d %9.4f %11.3f %10.3f\n", r.epoch, r.seconds,
                                                           r.train_elbo, r.test_elbo)
                                              << std::flush;
                                  });
  if (!trained) {
    std::cerr << "error: " << trained.error() << "\n";
    return kExitError;
  }
  if (o.iwae > 0) {
    Rng rng(o.settings.seed);
    Expected<double> bound = runtime::iwae_bound(test->model(), weights, o.iwae, rng);
    if (!bound) {
      std::cerr << "error: " << bound.error() << "\n";
      return kExitError;
    }
    std::cout << formatted("held-out log-likelihood (IWAE bound, k=%d): %.3f nats per item\n", o.iwae, *bound);
  }
  runtime::write_weights((*output)->stream(), model, weights);
  if (Status s = (*output)->commit(); !s) {
    std::cerr << "error: " << s.error() << "\n";
    return kExitError;
  }
  std::cout << "weights written to " << o.output << "\n";
  return kExitOk;
}

}  // namespace vic::tools
