// elbo_bench MODEL DATA [DRAWS]: one ELBO gradient estimate (DRAWS draws, default 4,
// vic's VI setting) through the model's compiled ELBO (ir/elbo.h: one call) against
// the loop it replaces in vic's VI (per draw: the family's transform, the whitening
// map, lp_grad, the pull-back through the map and the family; then the entropy's
// gradient), for each family, in the same process, at the same parameters, map and
// draws. The map is VI's: diagonal for mean-field, lower triangular for full-rank. Prints, per family, nanoseconds per
// estimate of each (the median of 11 timed batches), their ratio, the largest
// relative difference of the two gradients, and the compile time the ELBO adds.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "bench_model.h"
#include "runtime/variational_family.h"
#include "support/rng.h"
#include "tools/model_compiler.h"

namespace {

using namespace vic;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The median over 11 batches of nanoseconds per call of `f`, with a batch size
// that makes a batch last about 20 ms.
double median_ns(const std::function<void()>& f) {
  long n = 1;
  for (;;) {
    auto t0 = Clock::now();
    for (long i = 0; i < n; ++i) f();
    if (ms_since(t0) > 20 || n > (1L << 24)) break;
    n *= 2;
  }
  std::vector<double> batches;
  for (int b = 0; b < 11; ++b) {
    auto t0 = Clock::now();
    for (long i = 0; i < n; ++i) f();
    batches.push_back(ms_since(t0) * 1e6 / static_cast<double>(n));
  }
  std::sort(batches.begin(), batches.end());
  return batches[5];
}

Expected<tools::CompiledModel> compile(const ast::Program& ast, const runtime::DataSet& data,
                                       std::span<const ir::EntryPoint> extra, double* ms) {
  auto start = Clock::now();
  Expected<tools::CompiledModel> compiled = tools::compile_model(ast, data, ir::PipelineSettings{}, nullptr, extra);
  *ms = ms_since(start);
  return compiled;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: elbo_bench MODEL DATA [DRAWS]\n");
    return 2;
  }
  const size_t num_draws = argc > 3 ? static_cast<size_t>(std::atol(argv[3])) : 4;
  std::optional<bench::BenchModel> loaded = bench::load_bench_model(argv[1], argv[2]);
  if (!loaded) return 1;
  const tools::CheckedModel* m = &loaded->checked;
  const runtime::DataSet* data = &loaded->data;
  double plain_ms = 0;
  if (auto plain = compile(*m->ast, *data, {}, &plain_ms); !plain) {
    std::fprintf(stderr, "%s\n", plain.error().c_str());
    return 1;
  }
  std::printf("%-10s %6s %14s %14s %7s %10s %14s\n", "family", "dim", "loop ns", "compiled ns", "ratio", "max diff",
              "compile +ms");
  for (const char* name : {"meanfield", "fullrank"}) {
    const bool meanfield = std::string(name) == "meanfield";
    const ir::EntryPoint entry[] = {meanfield ? ir::EntryPoint::ElboGradientMeanField
                                              : ir::EntryPoint::ElboGradientFullRank};
    double with_elbo_ms = 0;
    Expected<tools::CompiledModel> compiled = compile(*m->ast, *data, entry, &with_elbo_ms);
    if (!compiled) {
      std::fprintf(stderr, "%s\n", compiled.error().c_str());
      return 1;
    }
    const runtime::Model& model = *compiled->model;
    const size_t d = model.dim();
    auto family = meanfield ? runtime::make_meanfield_family(d) : runtime::make_fullrank_family(d);
    // A point near the bulk: the means a uniform(-2, 2) draw, scales 0.1.
    Rng rng(1);
    std::vector<double> phi(family->num_parameters(), 0.0);
    standard_normals(rng, phi.data(), d);
    for (size_t i = 0; i < d; ++i) phi[d + i] = std::log(0.1);
    std::vector<double> draws(num_draws * d);
    standard_normals(rng, draws.data(), draws.size());
    runtime::AffineMap map;
    map.shift.resize(d);
    standard_normals(rng, map.shift.data(), d);
    map.matrix.assign(meanfield ? d : d * d, 0.0);
    for (size_t i = 0; i < d; ++i) {
      map.matrix[meanfield ? i : i + i * d] = 0.5;
      if (!meanfield)
        for (size_t j = 0; j < i; ++j) map.matrix[i + j * d] = 0.01;
    }
    const runtime::CompiledElbo::Map compiled_map{map.shift.data(), map.matrix.data()};

    const runtime::CompiledElbo& elbo = *model.compiled_elbo(name);
    std::vector<double> compiled_grad(phi.size()), loop_grad(phi.size());
    std::vector<double> z(d), zeta(d), g(d), g_z(d);
    runtime::EvalError error = 0;
    auto by_compiled = [&] {
      elbo.value_and_gradient(phi.data(), draws.data(), num_draws, compiled_map, compiled_grad.data(), &error);
    };
    auto by_loop = [&] {
      std::fill(loop_grad.begin(), loop_grad.end(), 0.0);
      for (size_t b = 0; b < num_draws; ++b) {
        family->transform(phi.data(), draws.data() + b * d, z.data());
        map.apply(z.data(), zeta.data());
        model.lp_grad(zeta.data(), g.data(), &error);
        map.pull_back(g.data(), g_z.data());
        for (double& x : g_z) x /= static_cast<double>(num_draws);
        family->add_pullback(phi.data(), draws.data() + b * d, g_z.data(), loop_grad.data());
      }
      family->add_entropy_gradient(phi.data(), loop_grad.data());
    };
    by_compiled();
    by_loop();
    if (error != 0) {
      std::fprintf(stderr, "%s: the density fails at the benchmark's point: %s\n", name,
                   model.describe_error(error).c_str());
      return 1;
    }
    double max_diff = 0;
    for (size_t k = 0; k < phi.size(); ++k)
      max_diff = std::max(max_diff, std::fabs(compiled_grad[k] - loop_grad[k]) / std::max(1.0, std::fabs(loop_grad[k])));
    const double loop_ns = median_ns(by_loop);
    const double compiled_ns = median_ns(by_compiled);
    std::printf("%-10s %6zu %14.0f %14.0f %6.2fx %10.1e %14.1f\n", name, d, loop_ns, compiled_ns, loop_ns / compiled_ns,
                max_diff, with_elbo_ms - plain_ms);
  }
  return 0;
}
