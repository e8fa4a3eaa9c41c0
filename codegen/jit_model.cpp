// JitModel: calls into compiled code with a context pointing at the data.
// Binding the data runs the hoisted data-only work once, then evaluates the
// density at one point: a check that depends on the data alone (an index read
// from the data, a transformed-data assignment out of range) fails there if it
// fails anywhere, and is reported as an error about the data before any fitting.
#include "codegen/jit_model.h"

#include "codegen/jit_data.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_set>

#include "ir/data_only_checks.h"
#include "runtime/format.h"

namespace vic::codegen {
namespace {

// Follows the message of a check that fails whatever the parameters are.
constexpr const char* kFailsEverywhere = "; it depends on the data alone, so it fails at every value of the parameters";

// The data fields `function` reads (DataReal, DataBuf), in the order it first reads them.
void collect_data_reads(const ir::Block& block, std::vector<std::string>& names) {
  for (const auto& op : block.ops) {
    if (op->kind == ir::OpKind::DataReal || op->kind == ir::OpKind::DataBuf) {
      if (std::find(names.begin(), names.end(), op->name) == names.end()) names.push_back(op->name);
    }
    for (const auto& region : op->regions) collect_data_reads(*region, names);
  }
}

// The data fields the log density reads, directly or through the scratch
// buffers that hoisted data-only work fills.
std::vector<std::string> density_data_reads(const ir::Program& program) {
  std::vector<std::string> names;
  if (const ir::Function* lp = program.find(ir::EntryPoint::LogDensityJacobian)) collect_data_reads(lp->body, names);
  for (const ir::ScratchBuffer& buffer : program.scratch_buffers) {
    if (std::find(names.begin(), names.end(), buffer.name) == names.end()) continue;
    if (const ir::Function* filler = program.find(buffer.filler)) collect_data_reads(filler->body, names);
  }
  return names;
}

// "data field 'y': element 2.3 is inf" for the first non-finite value of a data
// field in `names`, or "".
std::string first_non_finite(const runtime::DataSet& data, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    const runtime::DataValue* value = data.find(name);
    if (!value || value->is_int) continue;
    for (size_t flat = 0; flat < value->reals.size(); ++flat) {
      if (std::isfinite(value->reals[flat])) continue;
      // The 1-based index, last dimension fastest.
      std::string label;
      size_t rest = flat;
      for (size_t d = value->dims.size(); d-- > 0;) {
        size_t size = static_cast<size_t>(value->dims[d]);
        label = std::to_string(rest % size + 1) + (label.empty() ? "" : "." + label);
        rest /= size;
      }
      std::string where = "data field '" + name + "'" + (label.empty() ? "" : ": element " + label);
      return where + " is " + runtime::format_shortest(value->reals[flat]);
    }
  }
  return "";
}

class JitModel;

// One family's compiled ELBO, calling into the model's module with its data.
class JitElbo : public runtime::CompiledElbo {
 public:
  // `dense`: the family's map is lower triangular (full-rank), else diagonal.
  JitElbo(const JitModel& model, ElboGradientFn function, size_t dim, size_t num_parameters, bool dense)
      : model_(model), function_(function), num_parameters_(num_parameters), dense_(dense) {
    // The identity map (at least one element each: never a null buffer).
    identity_shift_.assign(std::max<size_t>(dim, 1), 0.0);
    identity_scale_.assign(std::max<size_t>(dense ? dim * dim : dim, 1), 0.0);
    for (size_t i = 0; i < dim; ++i) identity_scale_[dense ? i + i * dim : i] = 1.0;
  }
  double value_and_gradient(const double* phi, const double* draws, size_t num_draws, const Map& map, double* grad,
                            runtime::EvalError* error) const override;

 private:
  const JitModel& model_;
  ElboGradientFn function_;
  size_t num_parameters_;
  bool dense_;
  std::vector<double> identity_shift_, identity_scale_;
};

class JitModel : public runtime::Model {
 public:
  JitModel(std::unique_ptr<JitModule> module, std::vector<ir::CheckInfo> checks, ir::ResolvedLayout layout)
      : module_(std::move(module)),
        checks_(std::move(checks)),
        layout_(std::move(layout)),
        dim_(static_cast<size_t>(layout_.unconstrained_size)),
        output_names_(layout_.output_names()) {
    const int64_t dim = layout_.unconstrained_size;
    sizes_ = {{dim}, {dim, dim}, {dim, layout_.num_outputs}, {layout_.num_parameter_outputs, dim}};
  }

  Status bind(const runtime::DataSet& data, const std::vector<ir::ScratchBuffer>& scratch) {
    if (Status s = data_.bind(*module_, data, scratch); !s) return s;
    auto entry = [&](ir::EntryPoint e) { return module_->lookup(ir::entry_point_symbol(e)); };
    lp_ = reinterpret_cast<LogDensityFn>(entry(ir::EntryPoint::LogDensityJacobian));
    lp_grad_ = reinterpret_cast<GradientFn>(entry(ir::EntryPoint::GradientProptoJacobian));
    // Optional: only `vic optimize` compiles it.
    lp_grad_without_jacobian_ = reinterpret_cast<GradientFn>(entry(ir::EntryPoint::GradientPropto));
    constrain_ = reinterpret_cast<ConstrainFn>(entry(ir::EntryPoint::Constrain));
    unconstrain_ = reinterpret_cast<UnconstrainFn>(entry(ir::EntryPoint::Unconstrain));
    if (!lp_ || !lp_grad_ || !constrain_ || !unconstrain_) return Error{"compiled model lacks an entry point"};
    // Optional: the ELBOs a fitting algorithm asked to be compiled.
    const size_t d = dim_;
    if (auto f = reinterpret_cast<ElboGradientFn>(entry(ir::EntryPoint::ElboGradientMeanField)))
      elbos_.emplace("meanfield", std::make_unique<JitElbo>(*this, f, d, 2 * d, false));
    if (auto f = reinterpret_cast<ElboGradientFn>(entry(ir::EntryPoint::ElboGradientFullRank)))
      elbos_.emplace("fullrank", std::make_unique<JitElbo>(*this, f, d, 2 * d + d * (d - (d > 0)) / 2, true));
    // The data-only work hoisted out of the densities, and the data-only checks
    // that guard it (ir/passes/hoist_data_only.cpp).
    return data_.fill_scratch(*module_, scratch,
                              [this](int32_t error) { return describe_error(error) + kFailsEverywhere; });
  }

  // Evaluates the density at the origin: a failed check that depends on the data
  // alone would fail at every point, so it is an error now.
  Status check_data_only_conditions(const std::unordered_set<int64_t>& data_only_checks) const {
    std::vector<double> theta(dim_, 0.0);
    runtime::EvalError error = 0;
    lp(theta.data(), &error);
    if (error > 0 && data_only_checks.count(error - 1)) {
      return Error{describe_error(error) + kFailsEverywhere};
    }
    return Status::ok();
  }

  void set_non_finite_data(std::string description) { non_finite_data_ = std::move(description); }
  std::string non_finite_data() const override { return non_finite_data_; }

  size_t dim() const override { return dim_; }
  const std::vector<std::string>& output_names() const override { return output_names_; }
  size_t num_parameter_outputs() const override { return static_cast<size_t>(layout_.num_parameter_outputs); }
  size_t num_transformed_outputs() const override { return static_cast<size_t>(layout_.num_transformed_outputs); }

  double lp_grad(const double* theta, double* grad, runtime::EvalError* error) const override {
    // fill_n, not memset: grad may be null when the model has no parameters.
    std::fill_n(grad, dim_, 0.0);
    VicJitContext ctx = context(nullptr, sizes_.lp_grad);
    double lp = lp_grad_(theta, grad, &ctx);
    return finish(lp, ctx, error);
  }

  double lp_grad_without_jacobian(const double* theta, double* grad, runtime::EvalError* error) const override {
    if (!lp_grad_without_jacobian_) return runtime::Model::lp_grad_without_jacobian(theta, grad, error);
    std::fill_n(grad, dim_, 0.0);
    VicJitContext ctx = context(nullptr, sizes_.lp_grad);
    double lp = lp_grad_without_jacobian_(theta, grad, &ctx);
    return finish(lp, ctx, error);
  }

  double lp(const double* theta, runtime::EvalError* error) const override {
    VicJitContext ctx = context(nullptr, sizes_.lp);
    double lp = lp_(theta, &ctx);
    return finish(lp, ctx, error);
  }

  void constrain(const double* theta, Rng& rng, double* out, runtime::EvalError* error) const override {
    VicJitContext ctx = context(&rng, sizes_.constrain);
    constrain_(theta, out, &ctx);
    if (error) *error = ctx.error;
  }

  void unconstrain(const double* values, double* theta, runtime::EvalError* error) const override {
    VicJitContext ctx = context(nullptr, sizes_.unconstrain);
    unconstrain_(values, theta, &ctx);
    if (error) *error = ctx.error;
  }

  const runtime::CompiledElbo* compiled_elbo(const std::string& family) const override {
    auto it = elbos_.find(family);
    return it == elbos_.end() ? nullptr : it->second.get();
  }

  double call_elbo(ElboGradientFn f, const double* phi, const double* draws, size_t num_draws,
                   const runtime::CompiledElbo::Map& map, bool dense, double* grad, size_t num_parameters,
                   runtime::EvalError* error) const {
    std::fill_n(grad, num_parameters, 0.0);
    const int64_t d = static_cast<int64_t>(dim_);
    const int64_t shape[2] = {static_cast<int64_t>(num_draws), d};
    const int64_t p = static_cast<int64_t>(num_parameters);
    const int64_t arg_sizes[6] = {p, p, shape[0] * d, 2, d, dense ? d * d : d};
    VicJitContext ctx = context(nullptr, arg_sizes);
    VIC_CHECK(map.shift && map.scale) << "the compiled ELBO needs its map";
    double value = f(phi, grad, draws, shape, map.shift, map.scale, &ctx);
    return finish(value, ctx, error);
  }

  bool is_fatal(runtime::EvalError error) const override {
    return error > 0 && static_cast<size_t>(error) <= checks_.size() && checks_[error - 1].fatal;
  }

  std::string describe_error(runtime::EvalError error) const override { return describe_check(checks_, error); }

 private:
  // `arg_sizes`: the sizes of the called function's buffer arguments, for the
  // bounds assertions of a test build (fixed per model, so set up once).
  VicJitContext context(Rng* rng, const int64_t* arg_sizes) const { return data_.context(rng, arg_sizes); }
  int64_t dim_size() const { return layout_.unconstrained_size; }

  static double finish(double lp, const VicJitContext& ctx, runtime::EvalError* error) {
    if (error) *error = ctx.error;
    return ctx.error ? -INFINITY : lp;
  }

  std::unique_ptr<JitModule> module_;
  std::vector<ir::CheckInfo> checks_;
  ir::ResolvedLayout layout_;
  size_t dim_;
  std::vector<std::string> output_names_;
  JitData data_;
  // Each entry point's buffer argument sizes, in argument order.
  struct ArgSizes {
    int64_t lp[1];
    int64_t lp_grad[2];
    int64_t constrain[2];
    int64_t unconstrain[2];
  } sizes_{};
  LogDensityFn lp_ = nullptr;
  GradientFn lp_grad_ = nullptr;
  GradientFn lp_grad_without_jacobian_ = nullptr;
  ConstrainFn constrain_ = nullptr;
  UnconstrainFn unconstrain_ = nullptr;
  std::string non_finite_data_;
  std::map<std::string, std::unique_ptr<JitElbo>> elbos_;

};

double JitElbo::value_and_gradient(const double* phi, const double* draws, size_t num_draws, const Map& map,
                                   double* grad, runtime::EvalError* error) const {
  const Map mapped = map.shift ? map : Map{identity_shift_.data(), identity_scale_.data()};
  return model_.call_elbo(function_, phi, draws, num_draws, mapped, dense_, grad, num_parameters_, error);
}

}  // namespace

Expected<std::unique_ptr<runtime::Model>> make_jit_model(std::unique_ptr<JitModule> module, const ir::Program& program,
                                                         ir::ResolvedLayout layout, const runtime::DataSet& data) {
  auto model = std::make_unique<JitModel>(std::move(module), program.checks, std::move(layout));
  if (Status s = model->bind(data, program.scratch_buffers); !s) return Error{s.error()};
  if (const ir::Function* lp = program.find(ir::EntryPoint::LogDensityJacobian)) {
    if (Status s = model->check_data_only_conditions(ir::data_only_checks(*lp)); !s) return Error{s.error()};
  }
  model->set_non_finite_data(first_non_finite(data, density_data_reads(program)));
  return std::unique_ptr<runtime::Model>(std::move(model));
}

}  // namespace vic::codegen
