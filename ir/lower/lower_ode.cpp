// Lowering the ODE solvers' calls: the user's right-hand side becomes a
// function of the program of its own, @ode.<f>.<placement>, which the solver
// kernel (ir/kernels.h, stdlib/ode_solvers.cpp) calls at each step; its
// forward-mode derivatives, which the sensitivities need, are the pipeline's
// (ir/ad/forward_mode.h). The call site packs the arguments after the state
// into three flat tensors, the ones that may vary (p), the data (x_r) and the
// integers (x_i, as reals), with their sizes in a fourth (dims).
#include "ir/lower/lower_internal.h"
#include "ir/kernels.h"
#include "stdlib/signatures.h"

namespace vic::lower::internal {
namespace {

// One flat tensor built from pieces, and its size.
struct Packed {
  Value* tensor = nullptr;
  Value* size = nullptr;

  void append(Builder& b, Value* piece, Value* piece_size) {
    if (!tensor) {
      tensor = piece;
      size = piece_size;
      return;
    }
    Value* total = b.op(OpKind::IAdd, {size, piece_size});
    tensor = b.op(OpKind::TensorConcat, {tensor, piece, total});
    size = total;
  }
  void finish(Builder& b) {
    if (tensor) return;
    size = b.const_i64(0);
    tensor = b.splat(size, b.const_f64(0.0));
  }
};

}  // namespace

LExpr FunctionLowering::lower_ode_call(const ast::Call& e) {
  const stdlib::OdeSolverForm form = *stdlib::ode_solver_form(e.name);
  const bool deprecated = form.deprecated, stiff = form.stiff;
  const std::string solver = stiff ? "ode_bdf" : "ode_rk45";
  const ast::FunctionDef& f = *e.function;
  b_->set_loc(e.loc);

  LExpr y0 = lower_value(*e.args[1]);
  Value* state = materialize_as(y0, Type::F64);
  Value* n = y0.size;
  Value* t0 = to_real(lower_scalar(*e.args[2]));
  LExpr ts = lower_value(*e.args[3]);
  Value* times = materialize_as(ts, Type::F64);
  Value* count = ts.size;

  // Where the arguments after the state go: their indices in e.args and in f's.
  std::vector<std::pair<size_t, size_t>> passed;  // (call argument, function argument)
  size_t tolerance_at = 0;
  if (deprecated) {
    for (size_t k = 0; k < 3; ++k) passed.push_back({4 + k, 2 + k});
    if (e.args.size() == 10) tolerance_at = 7;
  } else {
    if (form.tolerances) tolerance_at = 4;
    const size_t first = form.tolerances ? 7 : 4;
    for (size_t k = first; k < e.args.size(); ++k) passed.push_back({k, 2 + k - first});
  }
  // Stan's defaults: rk45 1e-6, 1e-6, 1e6 steps; bdf 1e-10, 1e-10, 1e8 steps.
  Value* rtol = b_->const_f64(stiff ? 1e-10 : 1e-6);
  Value* atol = rtol;
  Value* max_steps = b_->const_f64(stiff ? 1e8 : 1e6);
  if (tolerance_at) {
    rtol = to_real(lower_scalar(*e.args[tolerance_at]));
    atol = to_real(lower_scalar(*e.args[tolerance_at + 1]));
    max_steps = to_real(lower_scalar(*e.args[tolerance_at + 2]));
  }

  Packed p, xr, xi, dims;
  auto as_real_size = [&](Value* i) { return b_->splat(b_->const_i64(1), to_real(i)); };
  dims.append(*b_, as_real_size(n), b_->const_i64(1));
  std::string placement;
  for (auto [call_arg, fn_arg] : passed) {
    const ast::Expr& arg = *e.args[call_arg];
    LExpr a = lower_value(arg);
    const bool is_int = f.arguments[fn_arg]->type.base == ast::BaseType::Int;
    const char where = is_int ? 'i' : arg.dependence == ast::Dependence::Data ? 'd' : 'p';
    placement += where;
    Value* values;
    Value* size;
    if (a.is_scalar()) {
      size = b_->const_i64(1);
      values = b_->splat(size, to_real(a.scalar));
    } else {
      size = a.size;
      if (is_int) {
        Op* gen = b_->create_generate(size, Type::F64, "k");
        {
          RegionScope scope(b_, gen->region(0));
          b_->yield({to_real(a.element(*b_, gen->region(0).args[0]))});
        }
        values = gen->result();
      } else {
        values = materialize_as(a, Type::F64);
      }
      for (Value* d : a.dims.empty() ? std::vector<Value*>{a.size} : a.dims)
        dims.append(*b_, as_real_size(d), b_->const_i64(1));
    }
    (where == 'p' ? p : where == 'd' ? xr : xi).append(*b_, values, size);
  }
  for (Packed* x : {&p, &xr, &xi, &dims}) x->finish(*b_);

  // The right-hand side, built once per function and placement.
  const std::string rhs = "ode." + f.name + "." + placement;
  if (!out_.find(rhs)) {
    FunctionLowering nested(program_, out_, ir::EntryPoint::LogDensityPropto);
    out_.add(nested.lower_ode_rhs(f, placement, rhs, solver));
    out_.jvp_requests.push_back({rhs, {0, 1, 2}, {6}, 1});
  }
  for (ir::JvpRequest& request : out_.jvp_requests)
    if (request.function == rhs && stiff) request.order = 2;  // Rosenbrock's Jacobian of the sensitivity system

  // Stan's argument checks.
  // Whether ok(i, x_i) holds for every element: a sum of 0s and 1s (a loop
  // carrying an i1 would be recorded for AD).
  auto all = [&](Value* tensor, Value* size, const std::function<Value*(Builder&, Value*, Value*)>& ok) {
    Op* gen = b_->create_generate(size, Type::F64, "k");
    {
      RegionScope scope(b_, gen->region(0));
      Value* i = gen->region(0).args[0];
      b_->yield({b_->op(OpKind::Select, {ok(*b_, i, b_->extract(tensor, i)), b_->const_f64(0.0), b_->const_f64(1.0)})});
    }
    return b_->cmp(CmpPredicate::Eq, b_->op(OpKind::ReduceAdd, {gen->result()}), b_->const_f64(0.0));
  };
  auto finite = [](Builder& in, Value* x) {
    Value* inf = in.const_f64(std::numeric_limits<double>::infinity());
    return in.op(OpKind::And, {in.cmp(CmpPredicate::Lt, x, inf), in.cmp(CmpPredicate::Gt, x, in.op(OpKind::FNeg, {inf}))});
  };
  auto check = [&](Value* ok, const std::string& message) { b_->check(ok, add_check(e.name + ": " + message, e.loc)); };
  check(all(state, n, [&](Builder& in, Value*, Value* x) { return finite(in, x); }), "initial state must be finite");
  check(finite(*b_, t0), "initial time must be finite");
  check(all(times, count, [&](Builder& in, Value* i, Value* x) {
          // After t0, and not before the time before it (time 0 compared with itself).
          Value* before = in.op(OpKind::Select, {in.cmp(CmpPredicate::Eq, i, in.const_i64(0)), i,
                                                 in.op(OpKind::ISub, {i, in.const_i64(1)})});
          Value* ordered = in.op(OpKind::And, {in.cmp(CmpPredicate::Gt, x, t0),
                                               in.cmp(CmpPredicate::Ge, x, in.extract(times, before))});
          return in.op(OpKind::And, {finite(in, x), ordered});
        }),
        "times must be finite, sorted, and after the initial time");
  for (Packed* x : {&p, &xr})
    check(all(x->tensor, x->size, [&](Builder& in, Value*, Value* v) { return finite(in, v); }),
          "arguments of the right-hand side must be finite");
  check(b_->cmp(CmpPredicate::Gt, rtol, b_->const_f64(0.0)), "relative_tolerance must be positive");
  check(b_->cmp(CmpPredicate::Gt, atol, b_->const_f64(0.0)), "absolute_tolerance must be positive");
  check(b_->cmp(CmpPredicate::Ge, max_steps, b_->const_f64(1.0)), "max_num_steps must be positive");

  Value* control = b_->splat(b_->const_i64(4), t0);
  control = b_->insert(control, b_->const_i64(1), rtol);
  control = b_->insert(control, b_->const_i64(2), atol);
  control = b_->insert(control, b_->const_i64(3), max_steps);
  Value* size = b_->op(OpKind::IMul, {count, n});
  Op* call = b_->kernel_call(solver + "." + rhs, {state, p.tensor, xr.tensor, xi.tensor, dims.tensor, times, control, n,
                                                   p.size, xr.size, xi.size, dims.size, count, size});
  Value* status = call->results[1];
  auto status_is_not = [&](int64_t s) { return b_->cmp(CmpPredicate::Ne, status, b_->const_i64(s)); };
  check(status_is_not(ir::kOdeTooManySteps),
        "Failed to integrate to next output time in less than max_num_steps steps");
  // The right-hand side's own failed check is the one reported.
  check(status_is_not(ir::kOdeRightHandSideFailed), "the right-hand side '" + f.name + "' failed");
  check(status_is_not(ir::kOdeNotFinite), "the solution is not finite");
  return tensor_expr(call->results[0], {count, n}, e.dependence == ast::Dependence::Parameter);
}

std::unique_ptr<ir::Function> FunctionLowering::lower_ode_rhs(const ast::FunctionDef& f, const std::string& placement,
                                                              const std::string& name, const std::string& solver) {
  std::vector<ir::FunctionArg> args;
  for (const char* a : {"t", "y", "p", "x_r", "x_i", "dims", "dydt"}) args.push_back({a, Type::BufF64});
  auto fn = std::make_unique<ir::Function>(name, args, std::vector<Type>{});
  function_ = fn.get();
  root_builder_ = std::make_unique<Builder>(*fn, fn->body);
  b_ = root_builder_.get();
  b_->set_loc(f.loc);
  Value* dims_buffer = fn->arg(5);
  size_t next_dim = 0;
  auto read_dim = [&]() { return b_->op(OpKind::FToI, {b_->load(dims_buffer, b_->const_i64(next_dim++))}); };

  // t and y.
  env_[f.arguments[0].get()].scalar = b_->load(fn->arg(0), b_->const_i64(0));
  Value* n = read_dim();
  View state;
  state.buffer = fn->arg(1);
  state.offset = b_->const_i64(0);
  state.dims = {n};
  env_[f.arguments[1].get()].view = state;
  // The others, each from its buffer.
  Value* offsets[3] = {b_->const_i64(0), b_->const_i64(0), b_->const_i64(0)};  // p, x_r, x_i
  for (size_t k = 0; k < placement.size(); ++k) {
    const ast::VarDecl& arg = *f.arguments[2 + k];
    const size_t which = placement[k] == 'p' ? 0 : placement[k] == 'd' ? 1 : 2;
    Value* buffer = fn->arg(2 + which);
    Value*& offset = offsets[which];
    const bool is_int = which == 2;
    Binding binding;
    if (arg.type.type().is_scalar()) {
      Value* x = b_->load(buffer, offset);
      binding.scalar = is_int ? b_->op(OpKind::FToI, {x}) : x;
      offset = b_->op(OpKind::IAdd, {offset, b_->const_i64(1)});
    } else {
      View v;
      for (int d = 0; d < arg.type.type().num_dims(); ++d) v.dims.push_back(read_dim());
      Value* size = product(v.dims);
      if (is_int) {
        Op* gen = b_->create_generate(size, Type::I64, "k");
        {
          RegionScope scope(b_, gen->region(0));
          Value* at = b_->op(OpKind::IAdd, {offset, gen->region(0).args[0]});
          b_->yield({b_->op(OpKind::FToI, {b_->load(buffer, at)})});
        }
        v.tensor = gen->result();
        v.offset = b_->const_i64(0);
        v.element = Type::I64;
      } else {
        v.buffer = buffer;
        v.offset = offset;
      }
      binding.view = v;
      offset = b_->op(OpKind::IAdd, {offset, size});
    }
    env_[&arg] = binding;
  }

  LExpr dydt = lower_function_body(f, /*parameter=*/true);
  b_->set_loc(f.loc);
  b_->check(b_->cmp(CmpPredicate::Eq, dydt.size, n),
            add_check(solver + ": the right-hand side '" + f.name + "' returned a size that differs from the state's",
                      f.loc));
  b_->for_loop(b_->const_i64(0), n, {}, [&](Builder& in, Value* i, const std::vector<Value*>&) {
    in.store(fn->arg(6), i, dydt.element(in, i));
    return std::vector<Value*>{};
  });
  b_->ret({});
  return fn;
}

}  // namespace vic::lower::internal
