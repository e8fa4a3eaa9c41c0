// What the benchmarks share: a model and its data read from files, the error
// printed on stderr when either is bad.
#pragma once

#include <cstdio>
#include <optional>

#include "tools/model_compiler.h"

namespace vic::bench {

struct BenchModel {
  tools::CheckedModel checked;
  runtime::DataSet data;
};

inline std::optional<BenchModel> load_bench_model(const char* model_path, const char* data_path) {
  Expected<tools::CheckedModel> m = tools::check_model_file(model_path);
  if (!m || !m->ast) {
    std::fprintf(stderr, "%s\n", m ? m->diagnostics.str().c_str() : m.error().c_str());
    return std::nullopt;
  }
  Expected<runtime::DataSet> data = runtime::load_stan_json_file(data_path, tools::data_declarations(*m->ast));
  if (!data) {
    std::fprintf(stderr, "%s\n", data.error().c_str());
    return std::nullopt;
  }
  return BenchModel{m.take(), data.take()};
}

}  // namespace vic::bench
