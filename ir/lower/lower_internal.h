// The lowering's shared state, split by construct across lower.cpp (functions
// and declarations), lower_stmt.cpp (statements, with the SSA construction of
// mutable scalars) and lower_expr.cpp (expressions as element generators).
#pragma once

#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "frontend/ast.h"
#include "ir/builder.h"
#include "stdlib/container_functions.h"
#include "ir/entry_points.h"
#include "ir/layout.h"
#include "stdlib/cdfs.h"
#include "stdlib/distributions.h"
#include "stdlib/multivariate.h"
#include "stdlib/scalar_functions.h"

namespace vic::lower::internal {

using ast::BlockKind;
using ir::Block;
using ir::Builder;
using ir::CmpPredicate;
using ir::Op;
using ir::OpKind;
using ir::Type;
using ir::Value;

// A view of a container: element r (row-major over dims) is element
// offset + r of a read-only buffer (the parameters, a data field) or of the
// tensor value a mutable variable (`root`) held when the view was taken.
struct View {
  Value* buffer = nullptr;
  Value* tensor = nullptr;
  const ast::VarDecl* root = nullptr;
  Value* offset = nullptr;
  std::vector<Value*> dims;  // array dims then vector dims
  Type element = Type::F64;
  // A mutable variable's element count, computed where it was declared: a
  // new value of the whole variable takes this size, which every place the
  // variable is visible can read.
  Value* whole_size = nullptr;

  Value* read(Builder& b, Value* index) const {
    return buffer ? b.load(buffer, index) : b.extract(tensor, index);
  }
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
  // Its sizes when known: array dims then vector dims (a matrix's rows, cols).
  std::vector<Value*> dims;
  std::function<Value*(Builder&, Value*)> element;  // element at a 0-based i64 index
  // The tensor whose elements these are, in order, when there is one.
  Value* tensor = nullptr;
  std::optional<View> view;
  bool parameter = false;
  bool is_scalar() const { return scalar != nullptr; }
};

// The key under which `target` is kept among the scalar variables.
inline const ast::VarDecl kTargetDecl{};

// x as an f64, built by `b` (an i64 converted; an i1 as 0 or 1).
inline Value* to_real_in(Builder& b, Value* x) {
  if (x->type == Type::F64) return x;
  if (x->type == Type::I64) return b.op(OpKind::IToF, {x});
  return b.op(OpKind::Select, {x, b.const_f64(1.0), b.const_f64(0.0)});
}

// x through a network layer's activation (lower_guide.cpp).
Value* activate(Builder& b, ast::Activation a, Value* x);

// The program's layout from its declarations (lower_layout.cpp).
ir::ProgramLayout lower_layout(const ast::Program& program);
// The transform a parameter's bounds ask for.
ir::Transform parameter_transform(const ast::SizedType& t);

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
  // Lowers the function of `entry`: a log density without gradient (AD makes
  // gradients), constrain or unconstrain.
  FunctionLowering(const ast::Program& program, ir::Program& out, ir::EntryPoint entry, bool batch_plates = true)
      : program_(program), out_(out), entry_(ir::entry_point_info(entry)) {
    batch_plates_ = batch_plates;
  }

  std::unique_ptr<ir::Function> run();

 private:
  bool propto() const { return entry_.propto; }

  int64_t add_check(const std::string& message, SourceLoc loc, bool fatal = false) {
    out_.checks.push_back({message, loc, fatal});
    return static_cast<int64_t>(out_.checks.size() - 1);
  }
  // A check Stan throws a non-domain error for: it ends a fit (ir::CheckInfo::fatal).
  int64_t add_fatal_check(const std::string& message, SourceLoc loc) { return add_check(message, loc, true); }
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
  Value* checked_size(const std::vector<Value*>& dims, const ast::VarDecl& d);
  void declare_data(const ast::VarDecl& d);
  void declare_local(const ast::VarDecl& d);
  void declare_parameter(const ast::VarDecl& d, Value*& offset);
  // A constrained type's parameter (lower_transforms.cpp): each container's
  // free values from theta through its transform, the log-Jacobians summed.
  void declare_constrained_parameter(const ast::VarDecl& d, Value*& offset);
  // The free values of the constrained values x of one container, a tensor.
  Value* unconstrain_values(const ast::VarDecl& d, Value* x, const std::vector<Value*>& shape);
  // The same without the check that x is of the type.
  Value* free_values_of(ast::Constraint c, Value* x, const std::vector<Value*>& shape);
  // The transform of one container's free values u: its values and log|J|.
  std::pair<Value*, Value*> constrain(ast::Constraint c, Value* u, const std::vector<Value*>& shape);
  Value* free_count(ast::Constraint c, const std::vector<Value*>& shape);
  // Whether one container's values are of the constrained type (an i1).
  Value* valid_constrained(ast::Constraint c, Value* x, const std::vector<Value*>& shape);
  // Rejects a variable of a constrained type outside the parameters whose value is not of it.
  void check_constrained_type(const ast::VarDecl& d, const char* what);
  Value* sum_to_zero(Value* u, Value* k);
  // Region helpers: a loop carrying values (the body gets the index and the
  // carried values, returns their next ones) and a two-way branch of reals.
  using LoopBody = std::function<std::vector<Value*>(Value*, const std::vector<Value*>&)>;
  std::vector<Value*> loop(Value* lo, Value* hi, const std::vector<Value*>& inits, const LoopBody& body);
  Value* if_else(Value* cond, const std::function<Value*()>& then_value, const std::function<Value*()>& else_value);
  // unconstrain: reads a parameter's constrained values (CmdStan's order) at
  // `in_offset`, binds them, and writes their unconstrained values into theta.
  void unconstrain_parameter(const ast::VarDecl& d, Value*& in_offset, Value*& offset);
  // A parameter's bounds (null when absent), checked to be ordered.
  std::pair<Value*, Value*> parameter_bounds(const ast::VarDecl& d);
  void check_bounds(const ast::VarDecl& d, const char* what);
  Value* bounded(Value* u, const ast::VarDecl& d, Value* lower, Value* upper, bool add_jacobian);
  // The inverse of `bounded`: the unconstrained value of x.
  Value* unbounded(Builder& b, Value* x, Value* lower, Value* upper, const ast::VarDecl& d);
  // A parameter's offset and multiplier (1 and 0 when absent), computed where
  // parameter_bounds computes its bounds: x = offset + multiplier * u.
  std::unordered_map<const ast::VarDecl*, std::pair<Value*, Value*>> affine_;
  void write_output(const ast::VarDecl& d, Value*& out_offset);

  // Statements.
  // From `from` on; after a statement that may break or continue, the rest
  // runs under a branch on the loop's flags (lower_guarded).
  void lower_stmts(const std::vector<ast::StmtPtr>& stmts, size_t from = 0);
  void lower_guarded(const std::vector<ast::StmtPtr>& stmts, size_t from);
  void lower_stmt(const ast::Stmt& s);
  void lower_assign(const ast::AssignStmt& s);
  void lower_tilde(const ast::TildeStmt& s);
  // The log density of `dist` at `args` (the variate first), summed over
  // vectorised arguments; a GLM's is its base distribution's at alpha + x beta.
  Value* log_density(const std::string& dist, std::vector<LExpr> args, bool propto);
  // The log CDF (log CCDF when `complement`) of `dist` at `args` (the variate
  // first), summed over vectorised arguments; a truncation's `bound` may lie
  // off a discrete support where a direct call may not.
  Value* log_cdf(const std::string& dist, const std::vector<LExpr>& args, bool complement, bool bound);
  void lower_for(const ast::ForStmt& s);
  void lower_while(const ast::WhileStmt& s);
  void lower_if(const ast::IfStmt& s);
  // An if on `cond` carrying `carried`: each side lowers its statements
  // (`else_side` may be null), then yields the carried variables' values.
  void branch(Value* cond, const std::vector<const ast::VarDecl*>& carried, const std::function<void()>& then_side,
              const std::function<void()>& else_side);
  // The flags of the innermost loop's `break` and `continue` (SSA scalars
  // like any variable): a loop that broke runs its remaining iterations
  // without doing anything (a while stops), and the statements after a
  // `break` or `continue` run only while neither flag is set.
  struct LoopControl {
    ast::VarDecl broke, continued;
    ast::VarDecl go;  // a while loop's condition, false once it broke
    bool has_break = false, has_continue = false;
    bool may_return = false;  // a `return` in its body ends it too
  };
  std::vector<std::unique_ptr<LoopControl>> loops_;
  LoopControl& enter_loop(const ast::Stmt& body);
  void exit_loop();
  // The function being inlined, when it returns before its end: whether it
  // has returned, and the value it returns, carried like variables.
  struct ReturnControl {
    ast::VarDecl returned, value;
    Type type = Type::F64;  // of the value; none in a void function
    bool has_value = false;
  };
  std::unique_ptr<ReturnControl> return_;
  // Whether `s` may break, continue or return from where it is.
  bool may_jump(const ast::Stmt& s) const;
  // Whether `s` has a `return` anywhere in it.
  static bool may_return(const ast::Stmt& s);
  // Whether none of the flags the statements here may set is set (an i1).
  Value* not_jumped();
  // Whether the innermost loop has stopped (broke or returned); null when it cannot.
  Value* loop_stopped(const LoopControl& l);
  int nested_loops_ = 0;  // collect_assigned's depth in loops below the one it started in
  // print's pieces, to the output (then a newline) or, with
  // ir::kPrintToMessage, as the message of the reject that follows.
  void lower_print(const std::vector<ast::PrintPiece>& pieces, int64_t flags);
  void add_to_target(Value* v);
  void assign_container(const View& dest, const LExpr& value, const std::function<Value*(Value*, Value*)>& combine);
  // The new value of a mutable container variable.
  void set_tensor(const ast::VarDecl* root, Value* tensor) {
    env_[root].view->tensor = tensor;
    tensor->hint = root->name;
  }
  static const ast::VarDecl* assigned_variable(const ast::Expr& lhs);
  // The current value of a variable a region carries: a scalar or a tensor.
  Value* carried_value(const ast::VarDecl* d) {
    const Binding& b = env_[d];
    return b.scalar ? b.scalar : b.view->tensor;
  }
  void set_carried_value(const ast::VarDecl* d, Value* v) {
    Binding& b = env_[d];
    if (b.scalar) {
      b.scalar = v;
    } else {
      b.view->tensor = v;
    }
  }
  static bool calls_lp_function(const ast::Stmt& s);
  void collect_assigned(const ast::Stmt& s, std::vector<const ast::VarDecl*>& out,
                        std::unordered_set<const ast::VarDecl*>& declared_inside);

  // Networks, latents and the guide's ELBO (lower_guide.cpp).
  // Each network's weights and biases as tensors read from theta at `offset`.
  void declare_networks(size_t after_blocks, Value*& offset);
  // A latent of the minibatch: a tensor of its items, which the guide sets.
  void declare_latent(const ast::VarDecl& d);
  // The guide's `z[n] ~ normal(mu, sigma)`: z[n] = mu + sigma * eps, and
  // normal_lpdf(z[n] | mu, sigma) added to the guide's target.
  void lower_guide_draw(const ast::TildeStmt& s);
  LExpr lower_network_call(const ast::Call& e, const LExpr& input);
  // `for (n in 1:N)` over the plate of a guide's ELBO.
  bool is_plate_loop(const ast::ForStmt& s) const;
  // Binds the plate loop's index to the data item of minibatch slot `slot`.
  void enter_plate_item(const ast::VarDecl& index, Value* slot);
  Value* batch_count();   // B, the minibatch's items
  // After a plate loop lowered into a target of its own: target = outer + N / B * its terms.
  void end_plate(Value* outer_target);
  // The ELBO: the guide's draws and log density, then the model's.
  void lower_guide_elbo(const ast::Program& program);
  struct NetworkWeights {
    std::vector<Value*> sizes;
    std::vector<Value*> weights, biases;  // per layer: out x in, out
  };
  std::unordered_map<const ast::NetworkDecl*, NetworkWeights> networks_;
  Value* eps_ = nullptr;
  Value* batch_ = nullptr;
  bool in_guide_ = false;
  bool batch_plates_ = true;
  const ast::VarDecl* plate_ = nullptr;        // N, the plate's size
  const ast::VarDecl* plate_index_ = nullptr;  // the index of the plate loop being lowered
  Value* plate_slot_ = nullptr;                // its minibatch slot (0-based)
  Value* eps_per_item_ = nullptr;
  // @guide_log_weights's `out`: each slot's plate terms are added into it,
  // the guide's with sign -1 (log p - log q); null in the other functions.
  Value* log_weights_ = nullptr;
  // The training ELBO (@guide_elbo and its gradient) takes expectations it can
  // in closed form, as PyTorch's VAE does: the guide's normal adds its
  // negative entropy where a draw's log density would be, and a standard normal
  // prior on a latent the batched guide drew, its expected log density.
  bool closed_form_terms() const {
    return entry_.id == ir::EntryPoint::GuideElbo || entry_.id == ir::EntryPoint::GuideElboGradient;
  }
  // The guide's location and scale of each latent it drew (batched plates).
  struct GuideMoments {
    LExpr mu, sigma;
  };
  std::unordered_map<const ast::VarDecl*, GuideMoments> guide_moments_;
  // sum over the elements of -H(normal(mu, sigma)) = -log sigma - log(2 pi e) / 2.
  Value* normal_negative_entropy(const LExpr& sigma, Value* count);
  // `~ std_normal()` or `~ normal(0, 1)` with literal arguments.
  static bool standard_normal_prior(const ast::TildeStmt& t);
  // @guide_latents's `out`: the guide's draws are written there, and the model is not lowered.
  Value* latents_out_ = nullptr;
  // @guide_network's body: the network `shape[0]` on shape[1] rows of `in`, into `out`.
  void lower_network_function(Value* in, Value* shape, Value* out);
  double log_weight_sign_ = 1.0;
  // Adds sign * `terms` (a tensor of B values) into log_weights_.
  void add_log_weights(Value* terms);
  // Adds a batched plate's per-slot terms (B values) to the log weights and their sum to the target.
  void add_slot_terms(Value* terms);
  // Adds sign * delta into log_weights_[slot].
  void add_log_weight(Value* slot, Value* delta);

  std::unordered_map<const ast::VarDecl*, Value*> latent_eps_offset_;

  // A plate loop lowered for the whole minibatch at once (lower_plate.cpp).
  // What an expression in the loop's body is: the same for every item, one
  // real or one vector per item, or something lower_plate.cpp cannot lower.
  enum class ItemKind { Global, Scalar, Container, Unsupported };
  ItemKind item_kind(const ast::Expr& e) const;
  // Whether the body is made of what lower_plate.cpp lowers.
  bool plate_batchable(const ast::ForStmt& s);
  void lower_batched_plate(const ast::ForStmt& s);
  // A value of every item of the minibatch: B x item_size elements, item
  // after item; `item_size` null for a value the same for every item.
  struct ItemValue {
    LExpr l;
    Value* item_size = nullptr;
    bool per_item() const { return item_size != nullptr; }
  };
  ItemValue lower_item_expr(const ast::Expr& e);
  ItemValue lower_item_index(const ast::Index& e);
  ItemValue lower_item_network(const ast::NetworkDecl& decl, SourceLoc loc, const ItemValue& input);
  ItemValue lower_item_one_hot(const ast::Call& c, const ItemValue& size, const ItemValue& k);
  ItemValue lower_item_append_row(const ItemValue& a, const ItemValue& c);
  void lower_item_stmt(const ast::Stmt& s);
  ItemValue item_values(Value* tensor, Value* item_size);
  ItemValue per_item(Value* item_size, std::function<Value*(Builder&, Value*)> element);
  // The per-slot sums of a value of the minibatch's items: a tensor of B values.
  Value* slot_sums(const ItemValue& v);
  // The per-slot log density of a `~` in a batched plate.
  Value* slot_log_densities(const std::string& dist, const std::vector<ItemValue>& args, bool propto);
  std::unordered_map<const ast::VarDecl*, ItemKind> plate_local_kinds_;
  std::unordered_map<const ast::VarDecl*, ItemValue> plate_locals_;
  Value* plate_count_ = nullptr;  // B, while a plate is lowered batched

  // Expressions.
  LExpr lower_expr(const ast::Expr& e);
  // The expression as Stan types it: a comparison or a logical operator is an
  // int (the IR's i1 becomes i64), as calls and arithmetic expect it.
  LExpr lower_value(const ast::Expr& e) {
    LExpr l = lower_expr(e);
    if (l.scalar && l.scalar->type == Type::I1) l.scalar = to_int(l.scalar);
    return l;
  }
  Value* lower_scalar(const ast::Expr& e) {
    LExpr l = lower_expr(e);
    VIC_CHECK(l.is_scalar()) << "expected a scalar expression at " << e.loc.str();
    return l.scalar;
  }
  LExpr lower_variable(const ast::Variable& v);
  LExpr lower_index(const ast::Index& e);
  // Indices with slices or multi-indices: the result's dims, and where its
  // element i lies in the view's storage (range-checked as it is read).
  struct IndexPlan {
    std::vector<Value*> dims;
    std::function<Value*(Builder&, Value*)> offset;
  };
  IndexPlan plan_index(const View& view, const std::vector<ast::ExprPtr>& indices);
  LExpr lower_binary(const ast::Binary& top);
  // What a binary operator does to one pair of elements (or scalars).
  using ElementOp = std::function<Value*(Builder&, Value*, Value*)>;
  ElementOp element_op(const ast::Binary& e);
  // The checks of one integer operator: overflow, and division by zero for / and %.
  struct IntChecks {
    int64_t overflow = -1;
    int64_t by_zero = -1;
  };
  IntChecks int_checks(OpKind kind, const std::string& spelling, SourceLoc loc);
  Value* checked_int_op(Builder& b, OpKind kind, Value* x, Value* y, const IntChecks& checks);
  LExpr lower_call(const ast::Call& e);
  // A call of a user-defined function, inlined: its arguments bound to its
  // argument names, its body lowered in place, its `return` value the result
  // (a container materialized, so that the caller reads it without redoing it).
  LExpr inline_call(const ast::FunctionDef& f, const std::vector<LExpr>& args, bool parameter);
  // The body of `f`, its arguments bound: the value its `return` gives.
  LExpr lower_function_body(const ast::FunctionDef& f, bool parameter);
  // An ODE solver's call (lower_ode.cpp): the kernel call on its right-hand
  // side, a function of its own built once per program.
  LExpr lower_ode_call(const ast::Call& e);
  // @<name>(t, y, p, x_r, x_i, dims, dydt): the user's function `f` with its
  // arguments after (t, y) read from p (`placement` 'p'), x_r ('d') or x_i
  // ('i') and their sizes from dims (after the state's), dy/dt stored in dydt.
  std::unique_ptr<ir::Function> lower_ode_rhs(const ast::FunctionDef& f, const std::string& placement,
                                              const std::string& name, const std::string& solver);
  // The elements as a tensor of `t` (i64 for an int array).
  Value* materialize_as(const LExpr& x, Type t);
  // A matrix or vector product (`*` between two containers).
  LExpr lower_product(const LExpr& lhs, const LExpr& rhs, const ast::Binary& e);
  LExpr lower_transpose(const LExpr& x, const ast::Type& type);
  // A lowered argument as stdlib's container functions take it.
  static stdlib::ContainerArg container_arg(const LExpr& x, const ast::Type& type);
  // The elements of a container as one tensor value (the variable's own
  // value when it is a whole variable, else a generate).
  Value* materialize(const LExpr& x);
  // A container expression over an existing tensor.
  LExpr tensor_expr(Value* tensor, std::vector<Value*> dims, bool parameter);
  LExpr view_expr(const View& view, bool parameter);
  Value* index_value(const ast::Expr& index, Value* dim);
  // A loop over the elements of `args` (scalars broadcast) summing f(elements).
  Value* sum_over(const std::vector<LExpr>& args, const std::function<Value*(const std::vector<Value*>&)>& f);
  Value* reduce(const LExpr& a, Value* init, const std::function<Value*(Value*, Value*)>& f);

  const ast::Program& program_;
  ir::Program& out_;
  const ir::EntryPointInfo& entry_;
  ir::Function* function_ = nullptr;
  std::unique_ptr<Builder> root_builder_;
  Builder* b_ = nullptr;
  Value* theta_ = nullptr;
  Value* out_buffer_ = nullptr;
  Value* values_ = nullptr;  // unconstrain's input
  std::unordered_map<const ast::VarDecl*, Binding> env_;
};

}  // namespace vic::lower::internal
