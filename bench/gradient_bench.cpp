// gradient_bench MODEL DATA [EVALS]: compile time and nanoseconds per gradient
// of a model's compiled log density, the median of 11 timed batches at a fixed
// point drawn uniform(-2, 2) (as Stan's harness measures its gradient).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <boost/random/uniform_real_distribution.hpp>

#include "bench_model.h"
#include "tools/model_compiler.h"

int main(int argc, char** argv) {
  using namespace vic;
  if (argc < 3) {
    std::fprintf(stderr, "usage: gradient_bench MODEL DATA [EVALS]\n");
    return 2;
  }
  long evals = argc > 3 ? std::atol(argv[3]) : 100000;
  auto start = std::chrono::steady_clock::now();
  std::optional<bench::BenchModel> loaded = bench::load_bench_model(argv[1], argv[2]);
  if (!loaded) return 1;
  const tools::CheckedModel* m = &loaded->checked;
  const runtime::DataSet* data = &loaded->data;
  Expected<tools::CompiledModel> compiled = tools::compile_model(*m->ast, *data, ir::PipelineSettings{});
  if (!compiled) {
    std::fprintf(stderr, "%s\n", compiled.error().c_str());
    return 1;
  }
  double compile_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const runtime::Model& model = *compiled->model;
  Rng rng(1);
  boost::random::uniform_real_distribution<double> uniform(-2, 2);
  std::vector<double> theta(model.dim()), grad(model.dim());
  for (double& t : theta) t = uniform(rng);
  runtime::EvalError error = 0;
  double sink = 0;
  for (long i = 0; i < evals / 10; ++i) sink += model.lp_grad(theta.data(), grad.data(), &error);
  std::vector<double> batches;
  for (int b = 0; b < 11; ++b) {
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < evals; ++i) sink += model.lp_grad(theta.data(), grad.data(), &error);
    batches.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / evals);
  }
  std::sort(batches.begin(), batches.end());
  std::printf("dim %zu\ncompile_ms %.2f\nns_per_grad %.1f\n(checksum %g)\n", model.dim(), compile_ms, batches[5], sink);
  return error == 0 ? 0 : 1;
}
