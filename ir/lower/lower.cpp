// Lowering the checked AST to IR.
//
// Scalars become SSA values; mutable scalar variables (and `target`) are carried
// through `for` and `if` as explicit region arguments and results. Containers
// (vectors, arrays) live in buffers, read and written with load/store. A vector
// expression is lowered lazily to an element generator, so `y ~ normal(mu + tau
// * v, sigma)` becomes one loop with no temporary vector.
#include "ir/lower/lower.h"

#include <cmath>
#include <functional>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "ir/builder.h"
#include "stdlib/distributions.h"
#include "stdlib/signatures.h"

namespace vic::lower {
namespace {

using ast::BlockKind;
using ir::Block;
using ir::Builder;
using ir::CmpPredicate;
using ir::Op;
using ir::OpKind;
using ir::Type;
using ir::Value;

// A view of a buffer: element r (row-major over dims) is buffer[offset + r].
struct View {
  Value* buffer = nullptr;
  Value* offset = nullptr;
  std::vector<Value*> dims;  // array dims then vector dims
  Type element = Type::F64;
};

// What a variable stands for in the function being built.
struct Binding {
  Value* scalar = nullptr;  // a scalar's current SSA value
  std::optional<View> view;  // a container's storage
};

// A lowered expression: a scalar value, or a container given by its size and an
// element generator (and, when it is stored somewhere, a view of that storage).
struct LExpr {
  Value* scalar = nullptr;
  Value* size = nullptr;
  std::function<Value*(Builder&, Value*)> element;  // element at a 0-based i64 index
  std::optional<View> view;
  bool parameter = false;
  bool is_scalar() const { return scalar != nullptr; }
};

// The key under which `target` is kept among the scalar variables.
const ast::VarDecl kTargetDecl{};

enum class FunctionKind { LogDensity, LogDensityFull, Constrain };

// Points the lowering's current builder at a region for the life of the scope.
class RegionScope {
 public:
  RegionScope(Builder*& current, Block& region) : current_(current), saved_(current), builder_(current->function(), region) {
    builder_.set_loc(saved_->loc());
    current_ = &builder_;
  }
  ~RegionScope() { current_ = saved_; }
  RegionScope(const RegionScope&) = delete;
  RegionScope& operator=(const RegionScope&) = delete;

 private:
  Builder*& current_;
  Builder* saved_;
  Builder builder_;
};

class FunctionLowering {
 public:
  FunctionLowering(const ast::Program& program, ir::Program& out, FunctionKind kind)
      : program_(program), out_(out), kind_(kind) {}

  std::unique_ptr<ir::Function> run();

 private:
  bool propto() const { return kind_ == FunctionKind::LogDensity; }

  int64_t add_check(const std::string& message, SourceLoc loc) {
    out_.checks.push_back({message, loc});
    return static_cast<int64_t>(out_.checks.size() - 1);
  }
  stdlib::AddCheck check_adder() {
    return [this](const std::string& m) { return add_check(m, b_->loc()); };
  }

  // Conversions between the IR's scalar types.
  Value* to_real(Value* v) {
    if (v->type == Type::F64) return v;
    if (v->type == Type::I64) return b_->op(OpKind::IToF, {v});
    return b_->op(OpKind::Select, {v, b_->const_f64(1.0), b_->const_f64(0.0)});
  }
  Value* to_int(Value* v) {
    if (v->type == Type::I64) return v;
    VIC_CHECK(v->type == Type::I1) << "to_int of " << ir::type_name(v->type);
    return b_->op(OpKind::Select, {v, b_->const_i64(1), b_->const_i64(0)});
  }
  Value* to_bool(Value* v) {
    if (v->type == Type::I1) return v;
    if (v->type == Type::I64) return b_->cmp(CmpPredicate::Ne, v, b_->const_i64(0));
    return b_->cmp(CmpPredicate::Ne, v, b_->const_f64(0.0));
  }
  Value* to_type(Value* v, Type t) {
    if (t == Type::F64) return to_real(v);
    if (t == Type::I64) return to_int(v);
    return to_bool(v);
  }
  Value* product(const std::vector<Value*>& dims) {
    Value* n = b_->const_i64(1);
    for (Value* d : dims) n = b_->op(OpKind::IMul, {n, d});
    return n;
  }
  static Type element_type(const ast::SizedType& t) { return t.base == ast::BaseType::Int ? Type::I64 : Type::F64; }
  static Type element_type(const ast::Type& t) { return t.base == ast::BaseType::Int ? Type::I64 : Type::F64; }

  // Declarations.
  std::vector<Value*> lower_dims(const ast::SizedType& t);
  void declare_data(const ast::VarDecl& d);
  void declare_local(const ast::VarDecl& d);
  void declare_parameter(const ast::VarDecl& d, Value*& offset);
  void check_bounds(const ast::VarDecl& d, const char* what);
  Value* bounded(Value* u, const ast::VarDecl& d, Value* lower, Value* upper, bool add_jacobian);
  void write_output(const ast::VarDecl& d, Value*& out_offset);

  // Statements.
  void lower_stmts(const std::vector<ast::StmtPtr>& stmts);
  void lower_stmt(const ast::Stmt& s);
  void lower_assign(const ast::AssignStmt& s);
  void lower_tilde(const ast::TildeStmt& s);
  void lower_for(const ast::ForStmt& s);
  void lower_if(const ast::IfStmt& s);
  void add_to_target(Value* v);
  void assign_container(const View& dest, const LExpr& value, const std::function<Value*(Value*, Value*)>& combine);
  void collect_assigned(const ast::Stmt& s, std::vector<const ast::VarDecl*>& out,
                        std::unordered_set<const ast::VarDecl*>& declared_inside);

  // Expressions.
  LExpr lower_expr(const ast::Expr& e);
  Value* lower_scalar(const ast::Expr& e) {
    LExpr l = lower_expr(e);
    VIC_CHECK(l.is_scalar()) << "expected a scalar expression at " << e.loc.str();
    return l.scalar;
  }
  LExpr lower_variable(const ast::Variable& v);
  LExpr lower_index(const ast::Index& e);
  LExpr lower_binary(const ast::Binary& e);
  LExpr lower_call(const ast::Call& e);
  LExpr view_expr(const View& view, bool parameter);
  Value* index_value(const ast::Expr& index, Value* dim);
  LExpr elementwise(const LExpr& a, const LExpr& b, std::function<Value*(Builder&, Value*, Value*)> f, bool parameter);
  // A loop over the elements of `args` (scalars broadcast) summing f(elements).
  Value* sum_over(const std::vector<LExpr>& args, const std::function<Value*(const std::vector<Value*>&)>& f);
  Value* reduce(const LExpr& a, Value* init, const std::function<Value*(Value*, Value*)>& f);

  const ast::Program& program_;
  ir::Program& out_;
  FunctionKind kind_;
  ir::Function* function_ = nullptr;
  std::unique_ptr<Builder> root_builder_;
  Builder* b_ = nullptr;
  Value* theta_ = nullptr;
  Value* out_buffer_ = nullptr;
  std::unordered_map<const ast::VarDecl*, Binding> env_;
};

// ---------------------------------------------------------------------------
// Functions

std::unique_ptr<ir::Function> FunctionLowering::run() {
  std::unique_ptr<ir::Function> f;
  switch (kind_) {
    case FunctionKind::LogDensity:
      f = std::make_unique<ir::Function>("lp", std::vector<ir::FunctionArg>{{"theta", Type::BufF64}},
                                         std::vector<Type>{Type::F64});
      break;
    case FunctionKind::LogDensityFull:
      f = std::make_unique<ir::Function>("lp_full", std::vector<ir::FunctionArg>{{"theta", Type::BufF64}},
                                         std::vector<Type>{Type::F64});
      break;
    case FunctionKind::Constrain:
      f = std::make_unique<ir::Function>(
          "constrain", std::vector<ir::FunctionArg>{{"theta", Type::BufF64}, {"out", Type::BufF64}},
          std::vector<Type>{});
      out_buffer_ = f->arg(1);
      break;
  }
  function_ = f.get();
  theta_ = f->arg(0);
  root_builder_ = std::make_unique<Builder>(*f, f->body);
  b_ = root_builder_.get();
  env_[&kTargetDecl].scalar = b_->const_f64(0.0);

  bool log_density = kind_ != FunctionKind::Constrain;
  Value* offset = b_->const_i64(0);
  for (const ast::ProgramBlock& block : program_.blocks) {
    switch (block.kind) {
      case BlockKind::Data:
        for (const auto& s : block.stmts) declare_data(*s->as<ast::DeclStmt>().decl);
        break;
      case BlockKind::TransformedData:
        lower_stmts(block.stmts);
        break;
      case BlockKind::Parameters:
        for (const auto& s : block.stmts) declare_parameter(*s->as<ast::DeclStmt>().decl, offset);
        break;
      case BlockKind::TransformedParameters:
        lower_stmts(block.stmts);
        for (const auto& s : block.stmts)
          if (s->kind == ast::StmtKind::Decl) check_bounds(*s->as<ast::DeclStmt>().decl, "transformed parameter");
        break;
      case BlockKind::Model:
        if (log_density) lower_stmts(block.stmts);
        break;
      case BlockKind::GeneratedQuantities:
        if (!log_density) lower_stmts(block.stmts);
        break;
    }
  }
  if (log_density) {
    b_->ret({env_[&kTargetDecl].scalar});
  } else {
    Value* out_offset = b_->const_i64(0);
    for (BlockKind k : {BlockKind::Parameters, BlockKind::TransformedParameters, BlockKind::GeneratedQuantities}) {
      const ast::ProgramBlock* block = program_.block(k);
      if (!block) continue;
      for (const auto& s : block->stmts)
        if (s->kind == ast::StmtKind::Decl) write_output(*s->as<ast::DeclStmt>().decl, out_offset);
    }
    b_->ret({});
  }
  return f;
}

// ---------------------------------------------------------------------------
// Declarations

std::vector<Value*> FunctionLowering::lower_dims(const ast::SizedType& t) {
  std::vector<Value*> dims;
  for (const auto& d : t.array_dims) dims.push_back(to_int(lower_scalar(*d)));
  for (const auto& d : t.shape_dims) dims.push_back(to_int(lower_scalar(*d)));
  return dims;
}

void FunctionLowering::declare_data(const ast::VarDecl& d) {
  b_->set_loc(d.loc);
  Binding& binding = env_[&d];
  if (d.type.type().is_scalar()) {
    binding.scalar = d.type.base == ast::BaseType::Int ? b_->data_int(d.name) : b_->data_real(d.name);
    return;
  }
  View view;
  view.dims = lower_dims(d.type);
  view.element = element_type(d.type);
  view.buffer = b_->data_buf(d.name, view.element);
  view.offset = b_->const_i64(0);
  binding.view = view;
}

void FunctionLowering::declare_local(const ast::VarDecl& d) {
  b_->set_loc(d.loc);
  Binding& binding = env_[&d];
  Type t = element_type(d.type);
  if (d.type.type().is_scalar()) {
    // Stan initialises real locals to NaN.
    binding.scalar = t == Type::F64 ? b_->const_f64(NAN) : b_->const_i64(std::numeric_limits<int64_t>::min());
    binding.scalar->hint = d.name;
  } else {
    View view;
    view.dims = lower_dims(d.type);
    view.element = t;
    view.buffer = b_->alloc(t, product(view.dims), d.name);
    view.offset = b_->const_i64(0);
    binding.view = view;
  }
  if (d.init) {
    if (binding.view) {
      assign_container(*binding.view, lower_expr(*d.init), nullptr);
    } else {
      binding.scalar = to_type(lower_scalar(*d.init), t);
      binding.scalar->hint = d.name;
    }
  }
}

// The constrained value of an unconstrained u under the declaration's bounds;
// adds the transform's log-Jacobian to the target when asked.
Value* FunctionLowering::bounded(Value* u, const ast::VarDecl& d, Value* lower, Value* upper, bool add_jacobian) {
  if (lower && upper) {
    // x = lb + (ub - lb) inv_logit(u); log|dx/du| = log(ub - lb) - log1p_exp(-u) - log1p_exp(u)
    Value* width = b_->op(OpKind::FSub, {upper, lower});
    Value* x = b_->op(OpKind::FAdd, {lower, b_->op(OpKind::FMul, {width, b_->op(OpKind::InvLogit, {u})})});
    if (add_jacobian) {
      Value* j = b_->op(OpKind::FSub, {b_->op(OpKind::Log, {width}), b_->op(OpKind::Log1pExp, {b_->op(OpKind::FNeg, {u})})});
      add_to_target(b_->op(OpKind::FSub, {j, b_->op(OpKind::Log1pExp, {u})}));
    }
    return x;
  }
  if (lower) {
    // x = lb + exp(u); log|dx/du| = u
    if (add_jacobian) add_to_target(u);
    return b_->op(OpKind::FAdd, {lower, b_->op(OpKind::Exp, {u})});
  }
  if (upper) {
    // x = ub - exp(u); log|dx/du| = u
    if (add_jacobian) add_to_target(u);
    return b_->op(OpKind::FSub, {upper, b_->op(OpKind::Exp, {u})});
  }
  return u;
}

void FunctionLowering::declare_parameter(const ast::VarDecl& d, Value*& offset) {
  b_->set_loc(d.loc);
  Binding& binding = env_[&d];
  Value* lower = d.type.lower ? to_real(lower_scalar(*d.type.lower)) : nullptr;
  Value* upper = d.type.upper ? to_real(lower_scalar(*d.type.upper)) : nullptr;
  if (lower && upper) {
    b_->check(b_->cmp(CmpPredicate::Lt, lower, upper),
              add_check("parameter '" + d.name + "': lower bound must be less than the upper bound", d.loc));
  }
  bool jacobian = kind_ != FunctionKind::Constrain;
  if (d.type.type().is_scalar()) {
    Value* u = b_->load(theta_, offset);
    binding.scalar = bounded(u, d, lower, upper, jacobian);
    binding.scalar->hint = d.name;
    offset = b_->op(OpKind::IAdd, {offset, b_->const_i64(1)});
    return;
  }
  View view;
  view.dims = lower_dims(d.type);
  Value* size = product(view.dims);
  if (!lower && !upper) {
    // An unconstrained container is read in place.
    view.buffer = theta_;
    view.offset = offset;
  } else {
    view.buffer = b_->alloc(Type::F64, size, d.name);
    view.offset = b_->const_i64(0);
    Value* base = offset;
    Op* loop = b_->create_for(b_->const_i64(0), size, {env_[&kTargetDecl].scalar}, "i");
    Value* i = loop->region(0).args[0];
    env_[&kTargetDecl].scalar = loop->region(0).args[1];
    {
      RegionScope scope(b_, loop->region(0));
      Value* u = b_->load(theta_, b_->op(OpKind::IAdd, {base, i}));
      b_->store(view.buffer, i, bounded(u, d, lower, upper, jacobian));
      b_->yield({env_[&kTargetDecl].scalar});
    }
    env_[&kTargetDecl].scalar = loop->results[0];
  }
  binding.view = view;
  offset = b_->op(OpKind::IAdd, {offset, size});
}

// Rejects the point when a transformed parameter breaks its declared bounds.
void FunctionLowering::check_bounds(const ast::VarDecl& d, const char* what) {
  if (!d.type.lower && !d.type.upper) return;
  b_->set_loc(d.loc);
  Value* lower = d.type.lower ? to_real(lower_scalar(*d.type.lower)) : nullptr;
  Value* upper = d.type.upper ? to_real(lower_scalar(*d.type.upper)) : nullptr;
  int64_t id = add_check(std::string(what) + " '" + d.name + "' is outside its declared bounds", d.loc);
  auto within = [&](Builder& b, Value* x) {
    Value* ok = b.const_bool(true);
    if (lower) ok = b.op(OpKind::And, {ok, b.cmp(CmpPredicate::Ge, x, lower)});
    if (upper) ok = b.op(OpKind::And, {ok, b.cmp(CmpPredicate::Le, x, upper)});
    return ok;
  };
  const Binding& binding = env_[&d];
  if (binding.scalar) {
    b_->check(within(*b_, to_real(binding.scalar)), id);
    return;
  }
  LExpr all = view_expr(*binding.view, true);
  Op* loop = b_->create_for(b_->const_i64(0), all.size, {}, "i");
  Builder inner(*function_, loop->region(0));
  inner.set_loc(d.loc);
  Value* x = all.element(inner, loop->region(0).args[0]);
  if (x->type != Type::F64) x = inner.op(OpKind::IToF, {x});
  inner.check(within(inner, x), id);
  inner.yield({});
}

// Stores a variable into `out` in CmdStan's column-major order.
void FunctionLowering::write_output(const ast::VarDecl& d, Value*& out_offset) {
  b_->set_loc(d.loc);
  const Binding& binding = env_[&d];
  if (binding.scalar) {
    b_->store(out_buffer_, out_offset, to_real(binding.scalar));
    out_offset = b_->op(OpKind::IAdd, {out_offset, b_->const_i64(1)});
    return;
  }
  const View& view = *binding.view;
  Value* size = product(view.dims);
  Op* loop = b_->create_for(b_->const_i64(0), size, {}, "r");
  Builder in(*function_, loop->region(0));
  Value* r = loop->region(0).args[0];
  // Row-major index r -> indices (i_1 .. i_k) -> column-major position.
  Value* rest = r;
  std::vector<Value*> idx(view.dims.size());
  for (size_t k = view.dims.size(); k-- > 0;) {
    idx[k] = in.op(OpKind::IMod, {rest, view.dims[k]});
    rest = in.op(OpKind::IDiv, {rest, view.dims[k]});
  }
  Value* col = in.const_i64(0);
  for (size_t k = view.dims.size(); k-- > 0;) col = in.op(OpKind::IAdd, {in.op(OpKind::IMul, {col, view.dims[k]}), idx[k]});
  Value* x = in.load(view.buffer, in.op(OpKind::IAdd, {view.offset, r}));
  if (x->type != Type::F64) x = in.op(OpKind::IToF, {x});
  in.store(out_buffer_, in.op(OpKind::IAdd, {out_offset, col}), x);
  in.yield({});
  out_offset = b_->op(OpKind::IAdd, {out_offset, size});
}

// ---------------------------------------------------------------------------
// Statements

void FunctionLowering::lower_stmts(const std::vector<ast::StmtPtr>& stmts) {
  for (const auto& s : stmts) lower_stmt(*s);
}

void FunctionLowering::add_to_target(Value* v) {
  Value*& target = env_[&kTargetDecl].scalar;
  target = b_->op(OpKind::FAdd, {target, to_real(v)});
  target->hint = "target";
}

void FunctionLowering::lower_stmt(const ast::Stmt& s) {
  b_->set_loc(s.loc);
  switch (s.kind) {
    case ast::StmtKind::Decl:
      declare_local(*s.as<ast::DeclStmt>().decl);
      break;
    case ast::StmtKind::Assign:
      lower_assign(s.as<ast::AssignStmt>());
      break;
    case ast::StmtKind::Tilde:
      lower_tilde(s.as<ast::TildeStmt>());
      break;
    case ast::StmtKind::TargetPlus: {
      LExpr v = lower_expr(*s.as<ast::TargetPlusStmt>().value);
      add_to_target(v.is_scalar() ? v.scalar : reduce(v, b_->const_f64(0.0), [&](Value* a, Value* x) {
        return b_->op(OpKind::FAdd, {a, to_real(x)});
      }));
      break;
    }
    case ast::StmtKind::For:
      lower_for(s.as<ast::ForStmt>());
      break;
    case ast::StmtKind::If:
      lower_if(s.as<ast::IfStmt>());
      break;
    case ast::StmtKind::Block:
      lower_stmts(s.as<ast::BlockStmt>().stmts);
      break;
  }
}

void FunctionLowering::assign_container(const View& dest, const LExpr& value,
                                        const std::function<Value*(Value*, Value*)>& combine) {
  Value* size = product(dest.dims);
  if (!value.is_scalar()) {
    b_->check(b_->cmp(CmpPredicate::Eq, size, value.size),
              add_check("assignment: the sizes of the two sides differ", b_->loc()));
  }
  Op* loop = b_->create_for(b_->const_i64(0), size, {}, "i");
  Value* i = loop->region(0).args[0];
  RegionScope scope(b_, loop->region(0));
  Value* x = value.is_scalar() ? value.scalar : value.element(*b_, i);
  Value* where = b_->op(OpKind::IAdd, {dest.offset, i});
  if (combine) x = combine(to_type(b_->load(dest.buffer, where), dest.element), x);
  b_->store(dest.buffer, where, to_type(x, dest.element));
  b_->yield({});
}

void FunctionLowering::lower_assign(const ast::AssignStmt& s) {
  std::function<Value*(Value*, Value*)> combine;
  auto arith = [&](OpKind f, OpKind i) {
    return [this, f, i](Value* old, Value* x) {
      if (old->type == Type::I64 && x->type == Type::I64) return b_->op(i, {old, x});
      return b_->op(f, {to_real(old), to_real(x)});
    };
  };
  switch (s.op) {
    case ast::AssignOp::Assign: break;
    case ast::AssignOp::AddAssign: combine = arith(OpKind::FAdd, OpKind::IAdd); break;
    case ast::AssignOp::SubAssign: combine = arith(OpKind::FSub, OpKind::ISub); break;
    case ast::AssignOp::MulAssign: combine = arith(OpKind::FMul, OpKind::IMul); break;
    case ast::AssignOp::DivAssign: combine = arith(OpKind::FDiv, OpKind::IDiv); break;
  }
  LExpr value = lower_expr(*s.rhs);
  if (const auto* var = s.lhs->dyn<ast::Variable>()) {
    Binding& binding = env_[var->decl];
    if (binding.view) {
      assign_container(*binding.view, value, combine);
    } else {
      Type t = binding.scalar->type;
      Value* x = value.scalar;
      if (combine) x = combine(binding.scalar, x);
      binding.scalar = to_type(x, t);
      binding.scalar->hint = var->name;
    }
    return;
  }
  // An indexed element or sub-container: lower the target as a view.
  LExpr target = lower_expr(*s.lhs);
  VIC_CHECK(target.view) << "assignment target is not stored";
  const View& view = *target.view;
  if (view.dims.empty()) {
    Value* x = value.scalar;
    if (combine) x = combine(to_type(b_->load(view.buffer, view.offset), view.element), x);
    b_->store(view.buffer, view.offset, to_type(x, view.element));
  } else {
    assign_container(view, value, combine);
  }
}

void FunctionLowering::lower_tilde(const ast::TildeStmt& s) {
  std::vector<LExpr> args;
  args.push_back(lower_expr(*s.lhs));
  for (const auto& a : s.args) args.push_back(lower_expr(*a));
  std::string dist = s.distribution;
  bool keep_all = !propto();
  add_to_target(sum_over(args, [&](const std::vector<Value*>& xs) {
    std::vector<stdlib::DensityArg> dargs;
    for (size_t i = 0; i < xs.size(); ++i) dargs.push_back({xs[i], args[i].parameter});
    return stdlib::build_log_density(*b_, dist, dargs, !keep_all, check_adder());
  }));
}

// The scalar variables a statement assigns that were declared outside it, and
// `target` when it adds to it: the values a loop or branch must carry.
void FunctionLowering::collect_assigned(const ast::Stmt& s, std::vector<const ast::VarDecl*>& out,
                                        std::unordered_set<const ast::VarDecl*>& inside) {
  auto add = [&](const ast::VarDecl* d) {
    if (inside.count(d)) return;
    for (const ast::VarDecl* o : out)
      if (o == d) return;
    out.push_back(d);
  };
  switch (s.kind) {
    case ast::StmtKind::Decl:
      inside.insert(s.as<ast::DeclStmt>().decl.get());
      break;
    case ast::StmtKind::Assign: {
      const auto& a = s.as<ast::AssignStmt>();
      if (const auto* v = a.lhs->dyn<ast::Variable>()) {
        if (v->decl && v->decl->type.type().is_scalar()) add(v->decl);
      }
      break;
    }
    case ast::StmtKind::Tilde:
    case ast::StmtKind::TargetPlus:
      add(&kTargetDecl);
      break;
    case ast::StmtKind::For:
      collect_assigned(*s.as<ast::ForStmt>().body, out, inside);
      break;
    case ast::StmtKind::If: {
      const auto& i = s.as<ast::IfStmt>();
      collect_assigned(*i.then_stmt, out, inside);
      if (i.else_stmt) collect_assigned(*i.else_stmt, out, inside);
      break;
    }
    case ast::StmtKind::Block:
      for (const auto& c : s.as<ast::BlockStmt>().stmts) collect_assigned(*c, out, inside);
      break;
  }
  // Parameter-block bounds add Jacobians only at the top level: nothing here.
}

void FunctionLowering::lower_for(const ast::ForStmt& s) {
  Value* lo = to_int(lower_scalar(*s.lower));
  Value* hi = b_->op(OpKind::IAdd, {to_int(lower_scalar(*s.upper)), b_->const_i64(1)});
  std::vector<const ast::VarDecl*> carried;
  std::unordered_set<const ast::VarDecl*> inside;
  collect_assigned(*s.body, carried, inside);
  std::vector<Value*> inits;
  for (const ast::VarDecl* d : carried) inits.push_back(env_[d].scalar);
  b_->set_loc(s.loc);
  Op* loop = b_->create_for(lo, hi, inits, s.index->name);
  Block& body = loop->region(0);
  env_[s.index.get()].scalar = body.args[0];
  for (size_t k = 0; k < carried.size(); ++k) env_[carried[k]].scalar = body.args[k + 1];
  {
    RegionScope scope(b_, body);
    lower_stmt(*s.body);
    std::vector<Value*> yields;
    for (const ast::VarDecl* d : carried) yields.push_back(env_[d].scalar);
    b_->yield(yields);
  }
  for (size_t k = 0; k < carried.size(); ++k) env_[carried[k]].scalar = loop->results[k];
}

void FunctionLowering::lower_if(const ast::IfStmt& s) {
  Value* cond = to_bool(lower_scalar(*s.cond));
  std::vector<const ast::VarDecl*> carried;
  std::unordered_set<const ast::VarDecl*> inside;
  collect_assigned(s, carried, inside);
  std::vector<Value*> before;
  std::vector<Type> types;
  for (const ast::VarDecl* d : carried) {
    before.push_back(env_[d].scalar);
    types.push_back(env_[d].scalar->type);
  }
  b_->set_loc(s.loc);
  Op* op = b_->create_if(cond, types);
  for (int branch = 0; branch < 2; ++branch) {
    for (size_t k = 0; k < carried.size(); ++k) env_[carried[k]].scalar = before[k];
    RegionScope scope(b_, op->region(branch));
    const ast::Stmt* stmt = branch == 0 ? s.then_stmt.get() : s.else_stmt.get();
    if (stmt) lower_stmt(*stmt);
    std::vector<Value*> yields;
    for (const ast::VarDecl* d : carried) yields.push_back(env_[d].scalar);
    b_->yield(yields);
  }
  for (size_t k = 0; k < carried.size(); ++k) env_[carried[k]].scalar = op->results[k];
}

// ---------------------------------------------------------------------------
// Expressions

LExpr FunctionLowering::view_expr(const View& view, bool parameter) {
  LExpr l;
  l.view = view;
  l.parameter = parameter;
  if (view.dims.empty()) {
    l.scalar = b_->load(view.buffer, view.offset);
    l.view = view;
    return l;
  }
  l.size = product(view.dims);
  l.element = [view](Builder& b, Value* i) { return b.load(view.buffer, b.op(OpKind::IAdd, {view.offset, i})); };
  return l;
}

LExpr FunctionLowering::lower_variable(const ast::Variable& v) {
  const ast::VarDecl* decl = v.decl;
  auto it = env_.find(decl);
  VIC_CHECK(it != env_.end()) << "variable '" << v.name << "' used before it was lowered";
  bool parameter = v.dependence == ast::Dependence::Parameter;
  if (it->second.scalar) {
    LExpr l;
    l.scalar = it->second.scalar;
    l.parameter = parameter;
    return l;
  }
  return view_expr(*it->second.view, parameter);
}

// A 1-based Stan index, range-checked, as a 0-based i64.
Value* FunctionLowering::index_value(const ast::Expr& index, Value* dim) {
  Value* i = to_int(lower_scalar(index));
  b_->set_loc(index.loc);
  Value* ok = b_->op(OpKind::And, {b_->cmp(CmpPredicate::Ge, i, b_->const_i64(1)), b_->cmp(CmpPredicate::Le, i, dim)});
  b_->check(ok, add_check("index out of range", index.loc));
  return b_->op(OpKind::ISub, {i, b_->const_i64(1)});
}

LExpr FunctionLowering::lower_index(const ast::Index& e) {
  LExpr base = lower_expr(*e.base);
  VIC_CHECK(base.view) << "indexing a value that is not stored, at " << e.loc.str();
  View view = *base.view;
  for (const auto& index : e.indices) {
    VIC_CHECK(!view.dims.empty()) << "too many indices at " << e.loc.str();
    Value* i = index_value(*index, view.dims[0]);
    std::vector<Value*> rest(view.dims.begin() + 1, view.dims.end());
    Value* stride = product(rest);
    view.offset = b_->op(OpKind::IAdd, {view.offset, b_->op(OpKind::IMul, {i, stride})});
    view.dims = rest;
  }
  return view_expr(view, e.dependence == ast::Dependence::Parameter);
}

LExpr FunctionLowering::elementwise(const LExpr& a, const LExpr& c, std::function<Value*(Builder&, Value*, Value*)> f,
                                    bool parameter) {
  LExpr l;
  l.parameter = parameter;
  if (a.is_scalar() && c.is_scalar()) {
    l.scalar = f(*b_, a.scalar, c.scalar);
    return l;
  }
  if (!a.is_scalar() && !c.is_scalar()) {
    b_->check(b_->cmp(CmpPredicate::Eq, a.size, c.size), add_check("elementwise operands differ in size", b_->loc()));
  }
  l.size = a.is_scalar() ? c.size : a.size;
  l.element = [a, c, f](Builder& b, Value* i) {
    Value* x = a.is_scalar() ? a.scalar : a.element(b, i);
    Value* y = c.is_scalar() ? c.scalar : c.element(b, i);
    return f(b, x, y);
  };
  return l;
}

LExpr FunctionLowering::lower_binary(const ast::Binary& e) {
  LExpr a = lower_expr(*e.lhs);
  LExpr c = lower_expr(*e.rhs);
  bool parameter = e.dependence == ast::Dependence::Parameter;
  bool ints = e.lhs->type.base == ast::BaseType::Int && e.rhs->type.base == ast::BaseType::Int;
  auto real = [](Builder& b, Value* v) {
    if (v->type == Type::I64) return b.op(OpKind::IToF, {v});
    if (v->type == Type::I1) return b.op(OpKind::Select, {v, b.const_f64(1.0), b.const_f64(0.0)});
    return v;
  };
  auto integer = [](Builder& b, Value* v) {
    return v->type == Type::I1 ? b.op(OpKind::Select, {v, b.const_i64(1), b.const_i64(0)}) : v;
  };
  auto arith = [&](OpKind f, OpKind i) {
    return elementwise(a, c, [=](Builder& b, Value* x, Value* y) {
      if (ints) return b.op(i, {integer(b, x), integer(b, y)});
      return b.op(f, {real(b, x), real(b, y)});
    }, parameter);
  };
  auto compare = [&](CmpPredicate p) {
    return elementwise(a, c, [=](Builder& b, Value* x, Value* y) {
      if (ints) return b.cmp(p, integer(b, x), integer(b, y));
      return b.cmp(p, real(b, x), real(b, y));
    }, parameter);
  };
  auto logic = [&](OpKind k) {
    return elementwise(a, c, [=](Builder& b, Value* x, Value* y) {
      auto boolean = [&](Value* v) {
        if (v->type == Type::I1) return v;
        if (v->type == Type::I64) return b.cmp(CmpPredicate::Ne, v, b.const_i64(0));
        return b.cmp(CmpPredicate::Ne, v, b.const_f64(0.0));
      };
      return b.op(k, {boolean(x), boolean(y)});
    }, parameter);
  };
  switch (e.op) {
    case ast::BinaryOp::Add: return arith(OpKind::FAdd, OpKind::IAdd);
    case ast::BinaryOp::Sub: return arith(OpKind::FSub, OpKind::ISub);
    case ast::BinaryOp::Mul:
    case ast::BinaryOp::EltMul: return arith(OpKind::FMul, OpKind::IMul);
    case ast::BinaryOp::Div:
    case ast::BinaryOp::EltDiv: return arith(OpKind::FDiv, OpKind::IDiv);
    case ast::BinaryOp::IntDiv: return arith(OpKind::FDiv, OpKind::IDiv);
    case ast::BinaryOp::Mod: return arith(OpKind::FDiv, OpKind::IMod);
    case ast::BinaryOp::Pow:
      return elementwise(a, c, [=](Builder& b, Value* x, Value* y) { return b.op(OpKind::FPow, {real(b, x), real(b, y)}); },
                         parameter);
    case ast::BinaryOp::Less: return compare(CmpPredicate::Lt);
    case ast::BinaryOp::LessEq: return compare(CmpPredicate::Le);
    case ast::BinaryOp::Greater: return compare(CmpPredicate::Gt);
    case ast::BinaryOp::GreaterEq: return compare(CmpPredicate::Ge);
    case ast::BinaryOp::Equal: return compare(CmpPredicate::Eq);
    case ast::BinaryOp::NotEqual: return compare(CmpPredicate::Ne);
    case ast::BinaryOp::And: return logic(OpKind::And);
    case ast::BinaryOp::Or: return logic(OpKind::Or);
  }
  VIC_UNREACHABLE();
}

Value* FunctionLowering::sum_over(const std::vector<LExpr>& args,
                                  const std::function<Value*(const std::vector<Value*>&)>& f) {
  const LExpr* container = nullptr;
  for (const LExpr& a : args) {
    if (a.is_scalar()) continue;
    if (container) {
      b_->check(b_->cmp(CmpPredicate::Eq, container->size, a.size),
                add_check("vectorised arguments differ in size", b_->loc()));
    } else {
      container = &a;
    }
  }
  if (!container) {
    std::vector<Value*> xs;
    for (const LExpr& a : args) xs.push_back(a.scalar);
    return f(xs);
  }
  Op* loop = b_->create_for(b_->const_i64(0), container->size, {b_->const_f64(0.0)}, "i");
  Block& body = loop->region(0);
  RegionScope scope(b_, body);
  std::vector<Value*> xs;
  for (const LExpr& a : args) xs.push_back(a.is_scalar() ? a.scalar : a.element(*b_, body.args[0]));
  b_->yield({b_->op(OpKind::FAdd, {body.args[1], f(xs)})});
  return loop->results[0];
}

Value* FunctionLowering::reduce(const LExpr& a, Value* init, const std::function<Value*(Value*, Value*)>& f) {
  Op* loop = b_->create_for(b_->const_i64(0), a.size, {init}, "i");
  Block& body = loop->region(0);
  RegionScope scope(b_, body);
  b_->yield({f(body.args[1], a.element(*b_, body.args[0]))});
  return loop->results[0];
}

LExpr FunctionLowering::lower_call(const ast::Call& e) {
  bool parameter = e.dependence == ast::Dependence::Parameter;
  auto [base, suffix] = stdlib::split_distribution_suffix(e.name);
  std::vector<LExpr> args;
  for (const auto& a : e.args) args.push_back(lower_expr(*a));
  LExpr l;
  l.parameter = parameter;
  if (suffix == "_lpdf" || suffix == "_lpmf") {
    std::string dist(base);
    l.scalar = sum_over(args, [&](const std::vector<Value*>& xs) {
      std::vector<stdlib::DensityArg> dargs;
      for (size_t i = 0; i < xs.size(); ++i) dargs.push_back({xs[i], args[i].parameter});
      return stdlib::build_log_density(*b_, dist, dargs, /*propto=*/false, check_adder());
    });
    return l;
  }
  if (suffix == "_rng") {
    VIC_CHECK(std::all_of(args.begin(), args.end(), [](const LExpr& a) { return a.is_scalar(); }))
        << "vectorised _rng is not supported yet (" << e.loc.str() << ")";
    std::vector<Value*> xs;
    for (const LExpr& a : args) xs.push_back(a.scalar);
    l.scalar = stdlib::build_rng(*b_, base, xs, check_adder());
    if (e.type.base == ast::BaseType::Int) l.scalar = b_->op(OpKind::FToI, {l.scalar});
    return l;
  }
  const std::string& name = e.name;
  auto add = [&](Value* acc, Value* x) { return b_->op(OpKind::FAdd, {acc, to_real(x)}); };
  if (name == "sum") {
    if (args[0].is_scalar()) return args[0];
    l.scalar = reduce(args[0], b_->const_f64(0.0), add);
    return l;
  }
  if (name == "mean" || name == "sd") {
    Value* n = to_real(args[0].size);
    Value* mean = b_->op(OpKind::FDiv, {reduce(args[0], b_->const_f64(0.0), add), n});
    if (name == "mean") {
      l.scalar = mean;
      return l;
    }
    // sd = sqrt(sum (x - mean)^2 / (n - 1))
    Value* ss = reduce(args[0], b_->const_f64(0.0), [&](Value* acc, Value* x) {
      Value* d = b_->op(OpKind::FSub, {to_real(x), mean});
      return b_->op(OpKind::FAdd, {acc, b_->op(OpKind::FMul, {d, d})});
    });
    l.scalar = b_->op(OpKind::Sqrt, {b_->op(OpKind::FDiv, {ss, b_->op(OpKind::FSub, {n, b_->const_f64(1.0)})})});
    return l;
  }
  if (name == "dot_product") {
    l.scalar = sum_over(args, [&](const std::vector<Value*>& xs) {
      return b_->op(OpKind::FMul, {to_real(xs[0]), to_real(xs[1])});
    });
    return l;
  }
  // Elementwise functions of one argument.
  std::string fname = name;
  if (args[0].is_scalar()) {
    l.scalar = stdlib::build_function(*b_, fname, args[0].scalar);
    return l;
  }
  LExpr a = args[0];
  l.size = a.size;
  l.element = [a, fname](Builder& b, Value* i) { return stdlib::build_function(b, fname, a.element(b, i)); };
  return l;
}

LExpr FunctionLowering::lower_expr(const ast::Expr& e) {
  b_->set_loc(e.loc);
  bool parameter = e.dependence == ast::Dependence::Parameter;
  switch (e.kind) {
    case ast::ExprKind::IntLiteral: {
      LExpr l;
      l.scalar = b_->const_i64(e.as<ast::IntLiteral>().value);
      return l;
    }
    case ast::ExprKind::RealLiteral: {
      LExpr l;
      l.scalar = b_->const_f64(e.as<ast::RealLiteral>().value);
      return l;
    }
    case ast::ExprKind::Variable:
      return lower_variable(e.as<ast::Variable>());
    case ast::ExprKind::Unary: {
      const auto& u = e.as<ast::Unary>();
      LExpr x = lower_expr(*u.operand);
      if (u.op == ast::UnaryOp::Plus) return x;
      bool is_int = u.operand->type.base == ast::BaseType::Int;
      std::function<Value*(Builder&, Value*)> f;
      if (u.op == ast::UnaryOp::Negate) {
        f = [is_int](Builder& b, Value* v) {
          if (is_int) return b.op(OpKind::ISub, {b.const_i64(0), v->type == Type::I1 ? b.op(OpKind::Select, {v, b.const_i64(1), b.const_i64(0)}) : v});
          return b.op(OpKind::FNeg, {v});
        };
      } else {
        f = [](Builder& b, Value* v) {
          if (v->type == Type::I1) return b.op(OpKind::Not, {v});
          if (v->type == Type::I64) return b.cmp(CmpPredicate::Eq, v, b.const_i64(0));
          return b.cmp(CmpPredicate::Eq, v, b.const_f64(0.0));
        };
      }
      LExpr l;
      l.parameter = parameter;
      if (x.is_scalar()) {
        l.scalar = f(*b_, x.scalar);
        return l;
      }
      l.size = x.size;
      l.element = [x, f](Builder& b, Value* i) { return f(b, x.element(b, i)); };
      return l;
    }
    case ast::ExprKind::Binary:
      return lower_binary(e.as<ast::Binary>());
    case ast::ExprKind::Index:
      return lower_index(e.as<ast::Index>());
    case ast::ExprKind::Call:
      return lower_call(e.as<ast::Call>());
    case ast::ExprKind::Conditional: {
      // Both branches are evaluated; the condition selects (scalars only).
      const auto& c = e.as<ast::Conditional>();
      Value* cond = to_bool(lower_scalar(*c.cond));
      Type t = element_type(e.type);
      Value* x = to_type(lower_scalar(*c.then_expr), t);
      Value* y = to_type(lower_scalar(*c.else_expr), t);
      LExpr l;
      l.parameter = parameter;
      l.scalar = b_->op(OpKind::Select, {cond, x, y});
      return l;
    }
  }
  VIC_UNREACHABLE();
}

}  // namespace

ir::Program lower_program(const ast::Program& program) {
  ir::Program out;
  for (FunctionKind kind : {FunctionKind::LogDensity, FunctionKind::LogDensityFull, FunctionKind::Constrain}) {
    out.add(FunctionLowering(program, out, kind).run());
  }
  return out;
}

}  // namespace vic::lower
