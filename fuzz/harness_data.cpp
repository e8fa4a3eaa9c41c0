// The data target: bytes as Stan JSON, read against the data block of a fixed
// model whose fields cover the declaration forms (ints and reals, bounds that
// are literals or earlier data, vectors, 1-3 dimensional arrays, sizes read
// from the data). A file vic accepts is checked against its declarations
// again here, so that a value that is silently wrong is a bug too.
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "fuzz/harness.h"
#include "tools/model_compiler.h"

namespace vic::fuzz {
namespace {

constexpr const char* kModel = R"(data {
  int<lower=0> N;
  int<lower=0, upper=N> K;
  int M;
  real<lower=-1, upper=1> r;
  real<lower=r> s;
  vector[N] y;
  vector<lower=0>[K] w;
  array[N] int<lower=0, upper=1> b;
  array[K, 2] real<lower=s> z;
  array[K] vector[N] v;
  array[2, K, N] int c;
  array[M] real q;
}
parameters {
  real mu;
}
model {
  mu ~ normal(0, 1);
}
)";

struct FixedModel {
  tools::CheckedModel checked;
  std::vector<runtime::DataDecl> decls;
};

const FixedModel& fixed_model() {
  static const FixedModel* model = [] {
    auto m = new FixedModel{tools::check_model_source("data_target.vmodel", kModel), {}};
    if (!m->checked.ast) report_bug("the data target's model does not check:\n" + m->checked.diagnostics.str());
    m->decls = tools::data_declarations(*m->checked.ast);
    return m;
  }();
  return *model;
}

// What the loader promises of a DataSet it returns: every declared field, of
// the declared shape and type, with no NaN and every value within its bounds.
void check_loaded(const runtime::DataSet& data, const std::vector<runtime::DataDecl>& decls) {
  for (const runtime::DataDecl& decl : decls) {
    const runtime::DataValue* value = data.find(decl.name);
    if (!value) report_bug("field '" + decl.name + "' was accepted but not stored");
    Expected<std::vector<int64_t>> dims = decl.dims(data);
    if (!dims) report_bug("field '" + decl.name + "' was accepted but its size fails: " + dims.error());
    if (value->dims != *dims) report_bug("field '" + decl.name + "' was stored with other dims than declared");
    int64_t count = 1;
    for (int64_t d : *dims) count *= d;
    if (static_cast<int64_t>(value->size()) != count) report_bug("field '" + decl.name + "' has the wrong count");
    if (value->is_int != decl.is_int) report_bug("field '" + decl.name + "' has the wrong element type");
    auto bound = [&](const std::function<Expected<double>(const runtime::DataSet&)>& f) -> std::optional<double> {
      if (!f) return std::nullopt;
      Expected<double> b = f(data);
      if (!b) report_bug("field '" + decl.name + "' was accepted but its bound fails: " + b.error());
      return *b;
    };
    const std::optional<double> lower = bound(decl.lower);
    const std::optional<double> upper = bound(decl.upper);
    for (size_t i = 0; i < value->size(); ++i) {
      const double x = value->is_int ? static_cast<double>(value->ints[i]) : value->reals[i];
      if (std::isnan(x)) report_bug("field '" + decl.name + "' holds NaN");
      if ((lower && x < *lower) || (upper && x > *upper)) {
        report_bug("field '" + decl.name + "' holds a value outside its bounds");
      }
    }
  }
}

}  // namespace

RunResult run_data_input(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const FixedModel& model = fixed_model();
  Expected<runtime::DataSet> loaded = runtime::read_stan_json(text, "fuzz.json", model.decls);
  if (!loaded) {
    if (loaded.error().empty()) report_bug("the data was rejected without a message");
    return {Verdict::Rejected, first_line(loaded.error())};
  }
  check_loaded(*loaded, model.decls);
  return {Verdict::Accepted, ""};
}

}  // namespace vic::fuzz
