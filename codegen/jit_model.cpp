// JitModel: calls into compiled code with a context pointing at the data.
// Binding the data runs the hoisted data-only work once, then evaluates the
// density at one point: a check that depends on the data alone (an index read
// from the data, a transformed-data assignment out of range) fails there if it
// fails anywhere, and is reported as an error about the data before any fitting.
#include "codegen/jit_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_set>

#include "ir/data_only_checks.h"
#include "runtime/format.h"
#include "stdlib/kernels.h"

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
    for (const std::string& name : module_->data_names()) {
      const runtime::DataValue* value = data.find(name);
      storage_.push_back(std::make_unique<std::vector<double>>());
      int_storage_.push_back(std::make_unique<std::vector<int64_t>>());
      auto s = std::find_if(scratch.begin(), scratch.end(), [&](const ir::ScratchBuffer& b) { return b.name == name; });
      if (s != scratch.end()) {
        storage_.back()->assign(std::max<int64_t>(s->size, 1), 0.0);
        pointers_.push_back(storage_.back()->data());
        data_sizes_.push_back(s->size);
        continue;
      }
      if (!value) return Error{"data field '" + name + "' is needed by the compiled model but was not read"};
      // The bounds assertions' sizes: the data's own, before the padding below.
      data_sizes_.push_back(static_cast<int64_t>(value->is_int ? value->ints.size() : value->reals.size()));
      if (value->is_int) {
        *int_storage_.back() = value->ints;
        if (int_storage_.back()->empty()) int_storage_.back()->push_back(0);
        pointers_.push_back(int_storage_.back()->data());
      } else {
        *storage_.back() = value->reals;
        if (storage_.back()->empty()) storage_.back()->push_back(0);
        pointers_.push_back(storage_.back()->data());
      }
    }
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
    // Fill the scratch buffers: the data-only work hoisted out of the densities.
    std::vector<std::string> fillers;
    for (const ir::ScratchBuffer& b : scratch)
      if (std::find(fillers.begin(), fillers.end(), b.filler) == fillers.end()) fillers.push_back(b.filler);
    for (const std::string& name : fillers) {
      auto fill = reinterpret_cast<void (*)(VicJitContext*)>(module_->lookup(name));
      if (!fill) return Error{"compiled model lacks @" + name};
      VicJitContext ctx = context(nullptr, nullptr);  // bind functions take no buffers
      fill(&ctx);
      // The hoisted work and the data-only checks that guard it (ir/passes/hoist_data_only.cpp).
      if (ctx.error) return Error{describe_error(ctx.error) + kFailsEverywhere};
    }
    return Status::ok();
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

  std::string describe_error(runtime::EvalError error) const override {
    if (error <= 0 || static_cast<size_t>(error) > checks_.size()) return "unknown error";
    const ir::CheckInfo& c = checks_[error - 1];
    if (c.message_at_run_time) {
      // Written by the evaluation that failed, on this thread.
      std::string message = stdlib::last_reject_message();
      if (!message.empty()) return c.loc.str() + ": " + message;
    }
    return c.loc.str() + ": " + c.message;
  }

 private:
  // `arg_sizes`: the sizes of the called function's buffer arguments, for the
  // bounds assertions of a test build (fixed per model, so set up once).
  VicJitContext context(Rng* rng, const int64_t* arg_sizes) const {
    return VicJitContext{pointers_.data(), 0, 0, rng, data_sizes_.data(), arg_sizes};
  }
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
  std::vector<std::unique_ptr<std::vector<double>>> storage_;
  std::vector<std::unique_ptr<std::vector<int64_t>>> int_storage_;
  std::vector<const void*> pointers_;
  std::vector<int64_t> data_sizes_;  // elements of each of pointers_
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
