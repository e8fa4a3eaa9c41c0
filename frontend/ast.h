// vic's abstract syntax tree: what the parser builds (frontend/parse.cpp, the only
// file that sees ANTLR) and what name resolution and type checking annotate in
// place (frontend/check.cpp). The lowering to IR (ir/lower/) reads it.
//
// Nodes own their children through unique_ptr; a node's `kind` selects its class,
// and `as<T>()` / `dyn<T>()` downcast without RTTI.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/check.h"
#include "support/source.h"

namespace vic::ast {

// ---------------------------------------------------------------------------
// Types

enum class BaseType { Int, Real };
// The container shape below any array dimensions.
enum class Shape { Scalar, Vector, RowVector, Matrix };

// A type without sizes, as the type checker sees it: `array[3] vector[N]` is
// {Real, Vector, array_rank = 1}. An error poisons an expression with `error`.
struct Type {
  BaseType base = BaseType::Real;
  Shape shape = Shape::Scalar;
  int array_rank = 0;
  bool error = false;

  static Type int_scalar() { return {BaseType::Int, Shape::Scalar, 0, false}; }
  static Type real_scalar() { return {BaseType::Real, Shape::Scalar, 0, false}; }
  static Type vector() { return {BaseType::Real, Shape::Vector, 0, false}; }
  static Type poisoned() { return {BaseType::Real, Shape::Scalar, 0, true}; }
  bool is_scalar() const { return shape == Shape::Scalar && array_rank == 0; }
  bool is_int_scalar() const { return is_scalar() && base == BaseType::Int; }
  bool is_real_scalar() const { return is_scalar() && base == BaseType::Real; }
  // Number of indices a full element access takes (array dims + container dims).
  int num_dims() const;
  bool operator==(const Type&) const = default;
  // Stan's spelling: "int", "real", "vector", "array[,] real", ...
  std::string str() const;
};

// Whether a value can change with the parameters (stanc3's "adlevel").
enum class Dependence { Data, Parameter };

// ---------------------------------------------------------------------------
// Expressions

enum class ExprKind { IntLiteral, RealLiteral, Variable, Unary, Binary, Index, Call, Conditional, Range, ContainerLiteral };

struct VarDecl;

struct Expr {
  explicit Expr(ExprKind kind, SourceLoc loc) : kind(kind), loc(loc) {}
  virtual ~Expr() = default;

  const ExprKind kind;
  SourceLoc loc;
  // Filled by the type checker.
  Type type = Type::poisoned();
  Dependence dependence = Dependence::Data;

  template <typename T>
  T& as() {
    VIC_CHECK(kind == T::kKind) << "bad expression downcast";
    return static_cast<T&>(*this);
  }
  template <typename T>
  const T& as() const {
    VIC_CHECK(kind == T::kKind) << "bad expression downcast";
    return static_cast<const T&>(*this);
  }
  template <typename T>
  const T* dyn() const {
    return kind == T::kKind ? static_cast<const T*>(this) : nullptr;
  }
};
using ExprPtr = std::unique_ptr<Expr>;

struct IntLiteral : Expr {
  static constexpr ExprKind kKind = ExprKind::IntLiteral;
  IntLiteral(SourceLoc loc, long long value) : Expr(kKind, loc), value(value) {}
  long long value;
};

struct RealLiteral : Expr {
  static constexpr ExprKind kKind = ExprKind::RealLiteral;
  RealLiteral(SourceLoc loc, double value) : Expr(kKind, loc), value(value) {}
  double value;
};

// A use of a declared name: a variable or a loop index.
struct Variable : Expr {
  static constexpr ExprKind kKind = ExprKind::Variable;
  Variable(SourceLoc loc, std::string name) : Expr(kKind, loc), name(std::move(name)) {}
  std::string name;
  // Filled by name resolution: the declaration this name refers to.
  const VarDecl* decl = nullptr;
};

enum class UnaryOp { Negate, Plus, Not, Transpose };

struct Unary : Expr {
  static constexpr ExprKind kKind = ExprKind::Unary;
  Unary(SourceLoc loc, UnaryOp op, ExprPtr operand)
      : Expr(kKind, loc), op(op), operand(std::move(operand)) {}
  UnaryOp op;
  ExprPtr operand;
};

enum class BinaryOp {
  Add, Sub, Mul, Div, IntDiv, Mod, Pow,
  EltMul, EltDiv,
  Less, LessEq, Greater, GreaterEq, Equal, NotEqual, And, Or,
};
// The operator's spelling ("+", ".*", "&&").
const char* binary_op_spelling(BinaryOp op);

// `lhs op rhs`. A chain `a + b - c + ...` is left-nested: its Binary nodes form
// the left spine below the outermost one. A flat chain may have 10^5 terms, so
// code that walks expressions iterates along the spine (left_spine) rather
// than recursing into lhs; the destructor does the same.
struct Binary : Expr {
  static constexpr ExprKind kKind = ExprKind::Binary;
  Binary(SourceLoc loc, BinaryOp op, ExprPtr lhs, ExprPtr rhs)
      : Expr(kKind, loc), op(op), lhs(std::move(lhs)), rhs(std::move(rhs)) {}
  ~Binary() override;
  BinaryOp op;
  ExprPtr lhs, rhs;
};

// The Binary nodes down the left spine from `top`, outermost first: in
// `(a + b) - c`, [the '-' node, the '+' node]. The last node's lhs is the first
// operand of the chain, and is not a Binary.
std::vector<const Binary*> left_spine(const Binary& top);
std::vector<Binary*> left_spine(Binary& top);

// `base[i1, i2, ...]`; each index a single int (slices come later).
struct Index : Expr {
  static constexpr ExprKind kKind = ExprKind::Index;
  Index(SourceLoc loc, ExprPtr base, std::vector<ExprPtr> indices)
      : Expr(kKind, loc), base(std::move(base)), indices(std::move(indices)) {}
  ExprPtr base;
  std::vector<ExprPtr> indices;
};

struct FunctionDef;

// `f(a, b)` or, for `_lpdf`/`_lpmf` functions, `f(a | b, c)` (conditional = true).
struct Call : Expr {
  static constexpr ExprKind kKind = ExprKind::Call;
  Call(SourceLoc loc, std::string name, std::vector<ExprPtr> args, bool conditional)
      : Expr(kKind, loc), name(std::move(name)), args(std::move(args)), conditional(conditional) {}
  std::string name;
  std::vector<ExprPtr> args;
  bool conditional;
  // Filled by the type checker for a call of a user-defined function.
  const FunctionDef* function = nullptr;
  // Filled by the type checker for a call of a network.
  const struct NetworkDecl* network = nullptr;
};

// `cond ? a : b`.
struct Conditional : Expr {
  static constexpr ExprKind kKind = ExprKind::Conditional;
  Conditional(SourceLoc loc, ExprPtr cond, ExprPtr then_expr, ExprPtr else_expr)
      : Expr(kKind, loc),
        cond(std::move(cond)),
        then_expr(std::move(then_expr)),
        else_expr(std::move(else_expr)) {}
  ExprPtr cond, then_expr, else_expr;
};

// `lo:hi` inside an index: the ints lo, lo + 1, ..., hi (none when hi < lo),
// an int array indexing as a multi-index does. `lo` or `hi` is null when left out.
struct Range : Expr {
  static constexpr ExprKind kKind = ExprKind::Range;
  Range(SourceLoc loc, ExprPtr lo, ExprPtr hi) : Expr(kKind, loc), lo(std::move(lo)), hi(std::move(hi)) {}
  ExprPtr lo, hi;
};

// `[a, b, c]` (a row_vector) or `{a, b, c}` (an array), of scalars.
struct ContainerLiteral : Expr {
  static constexpr ExprKind kKind = ExprKind::ContainerLiteral;
  ContainerLiteral(SourceLoc loc, bool array, std::vector<ExprPtr> elements)
      : Expr(kKind, loc), array(array), elements(std::move(elements)) {}
  bool array;
  std::vector<ExprPtr> elements;
};

// ---------------------------------------------------------------------------
// Declarations

// The program block a declaration or statement belongs to.
// Functions: the body of a user-defined function (declared in the functions block).
// Guide: vic's guide block, the variational distribution of the latents (vic train).
enum class BlockKind { Data, TransformedData, Parameters, TransformedParameters, Model, Guide, GeneratedQuantities, Functions };
// Stan's spelling: "data", "transformed data", ...
const char* block_kind_name(BlockKind block);

// A constrained type: the vector or matrix its name declares, and the
// transform a parameter of it takes (Stan's, with its log-Jacobian).
enum class Constraint {
  None,
  Simplex,             // simplex[K]: K - 1 free values
  Ordered,             // ordered[K]
  PositiveOrdered,     // positive_ordered[K]
  UnitVector,          // unit_vector[K]
  SumToZero,           // sum_to_zero_vector[K]: K - 1 free values
  CholeskyFactorCorr,  // cholesky_factor_corr[K]: K (K - 1) / 2 free values
  CholeskyFactorCov,   // cholesky_factor_cov[M, N]: N (N + 1) / 2 + (M - N) N free values
  CorrMatrix,          // corr_matrix[K]
  CovMatrix,           // cov_matrix[K]: K (K + 1) / 2 free values
};
// Stan's spelling: "simplex", "cholesky_factor_corr", ...
const char* constraint_name(Constraint c);

// A declared type with its sizes and constraint:
// `array[N] real<lower=0, upper=1 - a>` or the old `real x[N]` form.
struct SizedType {
  BaseType base = BaseType::Real;
  Shape shape = Shape::Scalar;
  std::vector<ExprPtr> array_dims;  // outermost first
  std::vector<ExprPtr> shape_dims;  // vector/row_vector: [N]; matrix: [M, N]
  ExprPtr lower;                    // null when absent
  ExprPtr upper;
  ExprPtr offset;                   // <offset=, multiplier=>: x = offset + multiplier * u
  ExprPtr multiplier;
  Constraint constraint = Constraint::None;  // a matrix one has both shape_dims (a square one twice)
  Type type() const {
    return {base, shape, static_cast<int>(array_dims.size()), false};
  }
};

// A variable: block-level (data, parameter, ...), local, or a loop index
// (loop indices have no SizedType sizes and are int scalars).
struct VarDecl {
  SourceLoc loc;
  std::string name;
  SizedType type;
  BlockKind block = BlockKind::Model;
  bool is_local = false;       // declared inside a statement body
  bool is_loop_index = false;  // `for (i in ...)`
  bool is_function_argument = false;
  // `latent array[N] vector[K] z;`: one element per data item of the plate N
  // (its first array size), drawn by the guide rather than fitted as a whole.
  bool is_latent = false;
  ExprPtr init;                // `= expr`, optional
};
using VarDeclPtr = std::unique_ptr<VarDecl>;

// ---------------------------------------------------------------------------
// Statements

enum class StmtKind { Decl, Assign, Tilde, TargetPlus, For, While, Break, Continue, If, Block, Return, Call, Reject, Print };

struct Stmt {
  explicit Stmt(StmtKind kind, SourceLoc loc) : kind(kind), loc(loc) {}
  virtual ~Stmt() = default;
  const StmtKind kind;
  SourceLoc loc;

  template <typename T>
  T& as() {
    VIC_CHECK(kind == T::kKind) << "bad statement downcast";
    return static_cast<T&>(*this);
  }
  template <typename T>
  const T& as() const {
    VIC_CHECK(kind == T::kKind) << "bad statement downcast";
    return static_cast<const T&>(*this);
  }
};
using StmtPtr = std::unique_ptr<Stmt>;

// A declaration in statement position (block-level or local).
struct DeclStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::Decl;
  DeclStmt(SourceLoc loc, VarDeclPtr decl) : Stmt(kKind, loc), decl(std::move(decl)) {}
  VarDeclPtr decl;
};

enum class AssignOp { Assign, AddAssign, SubAssign, MulAssign, DivAssign };

// `lhs = rhs`, `lhs += rhs`, ... ; lhs is a Variable or an Index of one.
struct AssignStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::Assign;
  AssignStmt(SourceLoc loc, ExprPtr lhs, AssignOp op, ExprPtr rhs)
      : Stmt(kKind, loc), lhs(std::move(lhs)), op(op), rhs(std::move(rhs)) {}
  ExprPtr lhs;
  AssignOp op;
  ExprPtr rhs;
};

// `lhs ~ dist(args)`.
struct TildeStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::Tilde;
  TildeStmt(SourceLoc loc, ExprPtr lhs, std::string distribution, SourceLoc distribution_loc,
            std::vector<ExprPtr> args)
      : Stmt(kKind, loc),
        lhs(std::move(lhs)),
        distribution(std::move(distribution)),
        distribution_loc(distribution_loc),
        args(std::move(args)) {}
  ExprPtr lhs;
  std::string distribution;  // "normal"
  SourceLoc distribution_loc;
  std::vector<ExprPtr> args;
  // Filled by the type checker when the distribution is a user-defined
  // `_lpdf` or `_lpmf` function.
  const FunctionDef* function = nullptr;
  // `T[lower, upper]`: either bound may be left out (null).
  bool truncated = false;
  ExprPtr truncate_lower, truncate_upper;
};

// `target += expr`.
struct TargetPlusStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::TargetPlus;
  TargetPlusStmt(SourceLoc loc, ExprPtr value) : Stmt(kKind, loc), value(std::move(value)) {}
  ExprPtr value;
};

// `for (index in lower:upper) body`, bounds inclusive.
struct ForStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::For;
  ForStmt(SourceLoc loc, VarDeclPtr index, ExprPtr lower, ExprPtr upper, StmtPtr body)
      : Stmt(kKind, loc),
        index(std::move(index)),
        lower(std::move(lower)),
        upper(std::move(upper)),
        body(std::move(body)) {}
  VarDeclPtr index;
  ExprPtr lower, upper;
  StmtPtr body;
};

// `while (cond) body`: the condition an int or a real, nonzero to go on.
struct WhileStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::While;
  WhileStmt(SourceLoc loc, ExprPtr cond, StmtPtr body) : Stmt(kKind, loc), cond(std::move(cond)), body(std::move(body)) {}
  ExprPtr cond;
  StmtPtr body;
};

// `break;` and `continue;`, of the innermost loop.
struct BreakStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::Break;
  explicit BreakStmt(SourceLoc loc) : Stmt(kKind, loc) {}
};
struct ContinueStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::Continue;
  explicit ContinueStmt(SourceLoc loc) : Stmt(kKind, loc) {}
};

struct IfStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::If;
  IfStmt(SourceLoc loc, ExprPtr cond, StmtPtr then_stmt, StmtPtr else_stmt)
      : Stmt(kKind, loc),
        cond(std::move(cond)),
        then_stmt(std::move(then_stmt)),
        else_stmt(std::move(else_stmt)) {}
  ExprPtr cond;
  StmtPtr then_stmt;
  StmtPtr else_stmt;  // null when absent
};

// `{ ... }`: a scope.
struct BlockStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::Block;
  BlockStmt(SourceLoc loc, std::vector<StmtPtr> stmts) : Stmt(kKind, loc), stmts(std::move(stmts)) {}
  std::vector<StmtPtr> stmts;
};

// `return expr;` or, in a void function, `return;`.
struct ReturnStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::Return;
  ReturnStmt(SourceLoc loc, ExprPtr value) : Stmt(kKind, loc), value(std::move(value)) {}
  ExprPtr value;  // null in `return;`
};

// `f(a, b);`: a call of a void function as a statement.
struct CallStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::Call;
  CallStmt(SourceLoc loc, ExprPtr call) : Stmt(kKind, loc), call(std::move(call)) {}
  ExprPtr call;  // a Call
};

// One argument of print, reject or fatal_error: a string, or a value.
struct PrintPiece {
  std::string text;  // when `value` is null
  ExprPtr value;
};

// `reject(...)` or `fatal_error(...)`: ends the evaluation with a message (a
// fatal error ends the fit): its strings and values in print's format.
struct RejectStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::Reject;
  RejectStmt(SourceLoc loc, bool fatal, std::vector<PrintPiece> pieces)
      : Stmt(kKind, loc), fatal(fatal), pieces(std::move(pieces)) {}
  bool fatal;
  std::vector<PrintPiece> pieces;
};

// `print(...)`: writes its strings and the values of its expressions, in
// order, then a newline, each time it runs.
struct PrintStmt : Stmt {
  static constexpr StmtKind kKind = StmtKind::Print;
  PrintStmt(SourceLoc loc, std::vector<PrintPiece> pieces) : Stmt(kKind, loc), pieces(std::move(pieces)) {}
  std::vector<PrintPiece> pieces;
};

// ---------------------------------------------------------------------------
// User-defined functions

// `real f(real x, data vector y) { ... }`. A forward declaration has no body.
struct FunctionDef {
  SourceLoc loc;
  std::string name;
  bool returns_void = false;
  Type return_type;                  // when not void
  std::vector<VarDeclPtr> arguments;  // no sizes: array_dims holds nulls for the rank
  std::vector<bool> data_only;        // `data real x`
  StmtPtr body;                       // null for a forward declaration
};
using FunctionDefPtr = std::unique_ptr<FunctionDef>;

// ---------------------------------------------------------------------------
// Networks

// What a network's layers apply to their output: PyTorch's names.
enum class Activation { Identity, Relu, Tanh, Sigmoid, Softplus, Elu };
const char* activation_name(Activation a);

// `network encoder = mlp(D -> H -> 2 * K, activation = relu, output = identity);`:
// a multilayer perceptron of dense layers, sizes[k] -> sizes[k + 1] each, the
// hidden ones followed by `activation`, the last by `output`. Its weights and
// biases are learned; calling it maps a vector of sizes[0] to one of sizes.back().
struct NetworkDecl {
  SourceLoc loc;
  std::string name;
  std::vector<ExprPtr> sizes;  // data ints
  Activation activation = Activation::Relu;
  Activation output = Activation::Identity;
  // How many program blocks precede it: its sizes see their variables.
  size_t after_blocks = 0;
};
using NetworkDeclPtr = std::unique_ptr<NetworkDecl>;

// ---------------------------------------------------------------------------
// Program

// One program block: its top-level declarations appear as DeclStmts, in order,
// among its statements.
struct ProgramBlock {
  BlockKind kind;
  SourceLoc loc;
  std::vector<StmtPtr> stmts;
};

struct Program {
  const SourceFile* file = nullptr;
  // The functions block's definitions, in order (forward declarations dropped).
  std::vector<FunctionDefPtr> functions;
  // Present blocks in source order (which is the canonical order).
  std::vector<ProgramBlock> blocks;
  // The network declarations, in order.
  std::vector<NetworkDeclPtr> networks;

  const ProgramBlock* block(BlockKind kind) const {
    for (const ProgramBlock& b : blocks)
      if (b.kind == kind) return &b;
    return nullptr;
  }
};

// Whether `e` (null: no) calls a function that `accept` accepts, anywhere in it.
bool calls(const Expr* e, const std::function<bool(const Call&)>& accept);
// The same for a statement and everything in it: nested statements,
// declarations' sizes, bounds and initial values.
bool stmt_calls(const Stmt& s, const std::function<bool(const Call&)>& accept);
// Whether the transformed data block draws random numbers (calls an `_rng`
// function): its values are then computed once, before the model is compiled.
bool transformed_data_draws(const Program& program);

}  // namespace vic::ast
