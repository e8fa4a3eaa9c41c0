// JitGuideModel: calls the compiled minibatch ELBO with a context pointing at
// the data.
#include "codegen/jit_guide_model.h"

#include <cmath>

#include "codegen/jit_data.h"

namespace vic::codegen {
namespace {

using GuideElboFn = double (*)(const double* theta, const double* eps, const int64_t* batch, VicJitContext* ctx);
using GuideLogWeightsFn = double (*)(const double* theta, const double* eps, const int64_t* batch, double* out,
                                     VicJitContext* ctx);
using GuideNetworkFn = void (*)(const double* theta, const double* in, const int64_t* shape, double* out,
                                VicJitContext* ctx);
using GuideElboGradientFn = double (*)(const double* theta, double* grad, const double* eps, const int64_t* batch,
                                       VicJitContext* ctx);

class JitGuideModel : public runtime::GuideModel {
 public:
  JitGuideModel(std::unique_ptr<JitModule> module, std::vector<ir::CheckInfo> checks, const ir::ResolvedLayout& layout)
      : module_(std::move(module)), checks_(std::move(checks)), dim_(static_cast<size_t>(layout.unconstrained_size)) {
    for (const ir::ResolvedNetwork& n : layout.networks) networks_.push_back({n.name, n.sizes, n.offset});
    for (const ir::ResolvedVariable& v : layout.variables) {
      if (v.plate < 0) continue;
      num_items_ = static_cast<size_t>(v.dims[0]);
      normals_per_item_ += v.dims[0] > 0 ? static_cast<size_t>(v.size / v.dims[0]) : 0;
    }
  }

  Status bind(const runtime::DataSet& data, const std::vector<ir::ScratchBuffer>& scratch) {
    if (Status s = data_.bind(*module_, data, scratch); !s) return s;
    value_ = reinterpret_cast<GuideElboFn>(module_->lookup(ir::entry_point_symbol(ir::EntryPoint::GuideElbo)));
    gradient_ = reinterpret_cast<GuideElboGradientFn>(
        module_->lookup(ir::entry_point_symbol(ir::EntryPoint::GuideElboGradient)));
    log_weights_ = reinterpret_cast<GuideLogWeightsFn>(
        module_->lookup(ir::entry_point_symbol(ir::EntryPoint::GuideLogWeights)));
    latents_ = reinterpret_cast<GuideLogWeightsFn>(module_->lookup(ir::entry_point_symbol(ir::EntryPoint::GuideLatents)));
    network_ = reinterpret_cast<GuideNetworkFn>(module_->lookup(ir::entry_point_symbol(ir::EntryPoint::GuideNetwork)));
    if (!value_ || !gradient_ || !log_weights_ || !latents_ || !network_)
      return Error{"compiled model lacks the guide's ELBO"};
    return data_.fill_scratch(*module_, scratch, [this](int32_t error) { return describe_error(error); });
  }

  size_t dim() const override { return dim_; }
  const std::vector<runtime::NetworkShape>& networks() const override { return networks_; }
  size_t num_items() const override { return num_items_; }
  size_t normals_per_item() const override { return normals_per_item_; }

  double elbo_gradient(const double* weights, const std::vector<int64_t>& items, const double* eps, double* grad,
                       runtime::EvalError* error) const override {
    std::fill_n(grad, dim_, 0.0);
    std::vector<int64_t> batch = batch_buffer(items);
    const int64_t d = static_cast<int64_t>(dim_);
    const int64_t arg_sizes[4] = {d, d, static_cast<int64_t>(items.size() * normals_per_item_),
                                  static_cast<int64_t>(batch.size())};
    VicJitContext ctx = data_.context(nullptr, arg_sizes);
    double value = gradient_(weights, grad, eps, batch.data(), &ctx);
    return finish(value, ctx, error);
  }

  double elbo(const double* weights, const std::vector<int64_t>& items, const double* eps,
              runtime::EvalError* error) const override {
    std::vector<int64_t> batch = batch_buffer(items);
    const int64_t arg_sizes[3] = {static_cast<int64_t>(dim_), static_cast<int64_t>(items.size() * normals_per_item_),
                                  static_cast<int64_t>(batch.size())};
    VicJitContext ctx = data_.context(nullptr, arg_sizes);
    double value = value_(weights, eps, batch.data(), &ctx);
    return finish(value, ctx, error);
  }

  void log_weights(const double* weights, const std::vector<int64_t>& items, const double* eps, double* out,
                   runtime::EvalError* error) const override {
    std::vector<int64_t> batch = batch_buffer(items);
    const int64_t arg_sizes[4] = {static_cast<int64_t>(dim_), static_cast<int64_t>(items.size() * normals_per_item_),
                                  static_cast<int64_t>(batch.size()), static_cast<int64_t>(items.size())};
    VicJitContext ctx = data_.context(nullptr, arg_sizes);
    log_weights_(weights, eps, batch.data(), out, &ctx);
    if (error) *error = ctx.error;
  }

  void latents(const double* weights, const std::vector<int64_t>& items, const double* eps, double* out,
               runtime::EvalError* error) const override {
    std::vector<int64_t> batch = batch_buffer(items);
    const int64_t normals = static_cast<int64_t>(items.size() * normals_per_item_);
    const int64_t arg_sizes[4] = {static_cast<int64_t>(dim_), normals, static_cast<int64_t>(batch.size()), normals};
    VicJitContext ctx = data_.context(nullptr, arg_sizes);
    latents_(weights, eps, batch.data(), out, &ctx);
    if (error) *error = ctx.error;
  }

  void network(size_t index, const double* weights, const double* in, size_t count, double* out,
               runtime::EvalError* error) const override {
    VIC_CHECK(index < networks_.size()) << "no network " << index;
    const std::vector<int64_t>& sizes = networks_[index].sizes;
    const int64_t shape[2] = {static_cast<int64_t>(index), static_cast<int64_t>(count)};
    const int64_t n = static_cast<int64_t>(count);
    const int64_t arg_sizes[4] = {static_cast<int64_t>(dim_), n * sizes.front(), 2, n * sizes.back()};
    VicJitContext ctx = data_.context(nullptr, arg_sizes);
    network_(weights, in, shape, out, &ctx);
    if (error) *error = ctx.error;
  }

  std::string describe_error(runtime::EvalError error) const override { return describe_check(checks_, error); }

 private:
  // {B, the items}: the compiled function's `batch` argument.
  static std::vector<int64_t> batch_buffer(const std::vector<int64_t>& items) {
    std::vector<int64_t> batch{static_cast<int64_t>(items.size())};
    batch.insert(batch.end(), items.begin(), items.end());
    return batch;
  }
  static double finish(double value, const VicJitContext& ctx, runtime::EvalError* error) {
    if (error) *error = ctx.error;
    return ctx.error ? -INFINITY : value;
  }

  std::unique_ptr<JitModule> module_;
  std::vector<ir::CheckInfo> checks_;
  size_t dim_;
  std::vector<runtime::NetworkShape> networks_;
  size_t num_items_ = 0;
  size_t normals_per_item_ = 0;
  JitData data_;
  GuideElboFn value_ = nullptr;
  GuideElboGradientFn gradient_ = nullptr;
  GuideLogWeightsFn log_weights_ = nullptr;
  GuideLogWeightsFn latents_ = nullptr;  // the same arguments
  GuideNetworkFn network_ = nullptr;
};

}  // namespace

Expected<std::unique_ptr<runtime::GuideModel>> make_jit_guide_model(std::unique_ptr<JitModule> module,
                                                                    const ir::Program& program,
                                                                    const ir::ResolvedLayout& layout,
                                                                    const runtime::DataSet& data) {
  auto model = std::make_unique<JitGuideModel>(std::move(module), program.checks, layout);
  if (Status s = model->bind(data, program.scratch_buffers); !s) return Error{s.error()};
  return std::unique_ptr<runtime::GuideModel>(std::move(model));
}

}  // namespace vic::codegen
