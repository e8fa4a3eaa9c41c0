// The program generator: a recursive writer of declarations, statements and
// expressions. It keeps every visible variable with its type, its sizes (as
// source text and as the value the generated data gives them) and what it
// knows about its values (positive, in (0, 1), a known int), so that the text
// it writes type-checks, its indices stay in range and density arguments stay
// in their domains. Expressions are fully parenthesised, so the types the
// generator intends are the types the parser builds.
#include "fuzz/program_generator.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <limits>
#include <optional>
#include <vector>

namespace vic::fuzz {
namespace {

enum class Block { Data, TransformedData, Parameters, TransformedParameters, Model, GeneratedQuantities };

// What the generator knows about real values: any, > 0, or in (0, 1).
enum class Domain { Any, Positive, Unit };
// ... and about int values: any, >= 0, or 0/1.
enum class IntDomain { Any, NonNegative, Binary };

bool within(Domain have, Domain want) {
  return want == Domain::Any || have == want || (want == Domain::Positive && have == Domain::Unit);
}
bool within(IntDomain have, IntDomain want) {
  return want == IntDomain::Any || have == want || (want == IntDomain::NonNegative && have == IntDomain::Binary);
}

// A size as written in the source (`N1`, `3`, `(N1 + 1)`) and its value under the generated data.
struct Size {
  std::string text;
  int64_t value = 0;
};

struct Var {
  std::string name;
  bool is_int = false;
  bool is_vector = false;
  Size vector_size;
  std::vector<Size> array_dims;  // outermost first
  Block block = Block::Data;
  bool is_loop_index = false;
  int64_t index_lo = 0, index_hi = 0;  // a loop index's range
  bool is_final = false;               // never assigned after its initialisation
  bool parameter_dependent = false;
  Domain domain = Domain::Any;
  IntDomain int_domain = IntDomain::Any;
  std::optional<int64_t> int_value;  // a data int scalar's value
  std::optional<double> real_value;  // a data scalar's value
  bool is_size = false;              // a data int that sizes containers
  // A data int array whose elements all lie in [1, index_values_hi]: an index.
  std::optional<int64_t> index_values_hi;

  int rank() const { return static_cast<int>(array_dims.size()); }
  int num_dims() const { return rank() + (is_vector ? 1 : 0); }
  int64_t dim(int k) const { return k < rank() ? array_dims[k].value : vector_size.value; }
};

// The kinds of value an expression is generated for; containers are one-dimensional.
enum class Kind { Int, Real, Vector, RealArray, IntArray };

// A variable with its first `num_indices` dimensions indexed.
struct View {
  const Var* var;
  int num_indices;
};

// The kind and length of a view; nullopt for what no expression of ours has
// (arrays of vectors, two-dimensional arrays).
std::optional<std::pair<Kind, int64_t>> view_kind(const Var& v, int k) {
  if (k == v.num_dims()) return std::pair{v.is_int ? Kind::Int : Kind::Real, int64_t{0}};
  if (k == v.rank() && v.is_vector) return std::pair{Kind::Vector, v.vector_size.value};
  if (k == v.rank() - 1 && !v.is_vector) {
    return std::pair{v.is_int ? Kind::IntArray : Kind::RealArray, v.array_dims[k].value};
  }
  return std::nullopt;
}

struct Distribution {
  const char* name;
  bool discrete;
  Domain variate;         // continuous variates
  IntDomain int_variate;  // discrete variates
  std::vector<Domain> params;
  bool first_param_is_int;  // binomial's N
};

const std::vector<Distribution>& distributions() {
  using D = Domain;
  using I = IntDomain;
  static const std::vector<Distribution> table = {
      {"normal", false, D::Any, I::Any, {D::Any, D::Positive}, false},
      {"std_normal", false, D::Any, I::Any, {}, false},
      {"student_t", false, D::Any, I::Any, {D::Positive, D::Any, D::Positive}, false},
      {"cauchy", false, D::Any, I::Any, {D::Any, D::Positive}, false},
      {"lognormal", false, D::Positive, I::Any, {D::Any, D::Positive}, false},
      {"exponential", false, D::Positive, I::Any, {D::Positive}, false},
      {"gamma", false, D::Positive, I::Any, {D::Positive, D::Positive}, false},
      {"inv_gamma", false, D::Positive, I::Any, {D::Positive, D::Positive}, false},
      {"beta", false, D::Unit, I::Any, {D::Positive, D::Positive}, false},
      {"uniform", false, D::Any, I::Any, {D::Any, D::Any}, false},
      {"bernoulli", true, D::Any, I::Binary, {D::Unit}, false},
      {"bernoulli_logit", true, D::Any, I::Binary, {D::Any}, false},
      {"binomial", true, D::Any, I::NonNegative, {D::Any, D::Unit}, true},
      {"poisson", true, D::Any, I::NonNegative, {D::Positive}, false},
      {"poisson_log", true, D::Any, I::NonNegative, {D::Any}, false},
  };
  return table;
}

// The elementwise functions, each with the domain its argument needs and what
// its result is known to be.
struct Function {
  const char* name;
  Domain argument;
  Domain result;
  bool smooth;
};

const std::vector<Function>& elementwise_functions() {
  using D = Domain;
  static const std::vector<Function> table = {
      {"exp", D::Any, D::Positive, true},       {"log", D::Positive, D::Any, true},
      {"sqrt", D::Positive, D::Positive, true}, {"square", D::Any, D::Any, true},
      {"fabs", D::Any, D::Any, false},          {"inv_logit", D::Any, D::Unit, true},
      {"logit", D::Unit, D::Any, true},         {"log1p", D::Positive, D::Any, true},
      {"expm1", D::Any, D::Any, true},          {"lgamma", D::Positive, D::Any, true},
  };
  return table;
}

std::string format_real(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", x);
  std::string s = buffer;
  if (s.find_first_of(".eE") == std::string::npos && s.find("inf") == std::string::npos) s += ".0";
  return s;
}

std::string parenthesised(const std::string& a, const char* op, const std::string& b) {
  return "(" + a + " " + op + " " + b + ")";
}

class Generator {
 public:
  Generator(ChoiceSource& choices, const GeneratorOptions& options) : c_(choices), o_(options) {}

  GeneratedProgram run() {
    scopes_.emplace_back();
    data_block();
    if (o_.transformed_data && c_.chance(50)) transformed_data_block();
    parameters_block();
    if (o_.transformed_parameters && c_.chance(50)) transformed_parameters_block();
    model_block();
    if (o_.generated_quantities && c_.chance(50)) generated_quantities_block();
    return {out_, "{" + json_ + "}"};
  }

 private:
  // -------------------------------------------------------------------------
  // Output and scopes

  void line(const std::string& text) {
    out_.append(2 * static_cast<size_t>(indent_), ' ');
    out_ += text;
    out_ += '\n';
  }

  std::string fresh(const char* prefix) { return prefix + std::to_string(next_name_++); }

  std::vector<const Var*> visible() const {
    std::vector<const Var*> out;
    for (const auto& scope : scopes_)
      for (const Var& v : scope)
        if (!(data_only_ && v.parameter_dependent)) out.push_back(&v);
    return out;
  }

  void declare(Var v) { scopes_.back().push_back(std::move(v)); }

  bool in_generated_quantities() const { return block_ == Block::GeneratedQuantities; }
  bool differentiated_block() const { return block_ == Block::TransformedParameters || block_ == Block::Model; }

  // Restricts expressions to data-only values while alive (conditions and
  // ints when nonsmooth code is off).
  class DataOnly {
   public:
    DataOnly(Generator& g, bool on) : g_(g), saved_(g.data_only_) { g_.data_only_ = saved_ || on; }
    ~DataOnly() { g_.data_only_ = saved_; }

   private:
    Generator& g_;
    bool saved_;
  };

  // -------------------------------------------------------------------------
  // Sizes, indices and views

  Size size() {
    std::vector<const Var*> sizes;
    for (const Var* v : visible())
      if (v->is_size) sizes.push_back(v);
    const size_t form = c_.weighted({sizes.empty() ? 0 : 60, 30, sizes.empty() ? 0 : 6, 4});
    if (form == 0) {
      const Var* v = sizes[c_.pick(sizes.size())];
      return {v->name, *v->int_value};
    }
    if (form == 2) {
      const Var* v = sizes[c_.pick(sizes.size())];
      return {"(" + v->name + " + 1)", *v->int_value + 1};
    }
    if (form == 3) return {"0", 0};
    const int64_t n = c_.in_range(1, o_.max_size);
    return {std::to_string(n), n};
  }

  // An index expression: its text, or (text empty) a literal chosen later, or
  // an element of a data index array (`through`) at an index chosen later.
  struct IndexOption {
    std::string text;
    const Var* through = nullptr;
  };

  // Index expressions that are in range for a dimension of length `length`
  // (a loop index over an empty range counts: its body never runs). Index
  // arrays are indexed by direct options only, so the nesting stays one deep.
  std::vector<IndexOption> index_options(int64_t length, bool through_arrays = true) const {
    std::vector<IndexOption> out;
    if (length >= 1) out.push_back({});  // a literal, chosen later
    for (const Var* v : visible()) {
      if (v->is_loop_index) {
        if (v->index_lo >= 1 && v->index_hi <= length) out.push_back({v->name});
        if (v->index_lo >= 0 && v->index_hi + 1 <= length) out.push_back({"(" + v->name + " + 1)"});
        if (v->index_lo >= 2 && v->index_hi - 1 <= length) out.push_back({"(" + v->name + " - 1)"});
      } else if (v->int_value && v->num_dims() == 0 && *v->int_value >= 1 && *v->int_value <= length) {
        out.push_back({v->name});
      } else if (through_arrays && v->index_values_hi && *v->index_values_hi <= length &&
                 !index_options(v->dim(0), false).empty()) {
        out.push_back({"", v});
      }
    }
    return out;
  }

  std::string index(int64_t length, bool through_arrays = true) {
    if (o_.wild_indices && c_.chance(2)) return int_expr(1, IntDomain::Any);
    std::vector<IndexOption> options = index_options(length, through_arrays);
    if (options.empty()) return "1";
    const IndexOption chosen = options[c_.pick(options.size())];
    if (chosen.through) return chosen.through->name + "[" + index(chosen.through->dim(0), false) + "]";
    return chosen.text.empty() ? std::to_string(c_.in_range(1, length)) : chosen.text;
  }

  bool indexable(const Var& v, int k) const {
    for (int j = 0; j < k; ++j)
      if (index_options(v.dim(j)).empty()) return false;
    return true;
  }

  std::string view_text(const View& view) {
    std::string text = view.var->name;
    if (view.num_indices == 0) return text;
    if (c_.chance(70)) {
      text += "[";
      for (int j = 0; j < view.num_indices; ++j) text += (j ? ", " : "") + index(view.var->dim(j));
      return text + "]";
    }
    for (int j = 0; j < view.num_indices; ++j) text += "[" + index(view.var->dim(j)) + "]";
    return text;
  }

  // Every visible variable view of `kind` (and length, for containers) whose
  // values are known to lie in the domain.
  std::vector<View> views(Kind kind, int64_t length, Domain domain = Domain::Any, IntDomain int_domain = IntDomain::Any,
                          bool parameters_only = false) const {
    std::vector<View> out;
    for (const Var* v : visible()) {
      if (parameters_only && v->block != Block::Parameters) continue;
      for (int k = 0; k <= v->num_dims(); ++k) {
        auto vk = view_kind(*v, k);
        if (!vk || vk->first != kind) continue;
        if ((kind != Kind::Int && kind != Kind::Real) && vk->second != length) continue;
        const bool is_int = kind == Kind::Int || kind == Kind::IntArray;
        if (is_int ? !within(v->int_domain, int_domain) : !within(v->domain, domain)) continue;
        if (!indexable(*v, k)) continue;
        out.push_back({v, k});
      }
    }
    return out;
  }

  // Lengths of the one-dimensional containers in scope.
  std::vector<int64_t> sequence_lengths() const {
    std::vector<int64_t> out;
    for (const Var* v : visible())
      for (int k = 0; k <= v->num_dims(); ++k)
        if (auto vk = view_kind(*v, k); vk && vk->first != Kind::Int && vk->first != Kind::Real && indexable(*v, k))
          out.push_back(vk->second);
    return out;
  }

  // -------------------------------------------------------------------------
  // Expressions

  // The domain to ask of an argument that needs `want`: now and then none, to
  // exercise the compiled code's domain checks.
  Domain argument_domain(Domain want) {
    return o_.out_of_domain && want != Domain::Any && c_.chance(3) ? Domain::Any : want;
  }

  // The domain of a divisor and of a power's base: any value only when
  // out-of-domain arguments are wanted (a zero divisor or a negative base
  // makes an infinity or a NaN, whose zero adjoint still poisons gradients).
  Domain divisor_domain() const { return o_.out_of_domain ? Domain::Any : Domain::Positive; }

  std::string real_literal(Domain domain) {
    static const char* const kAny[] = {"0", "1", "2.5", "0.5", "-1.5", "1e-1", "3.0", ".25", "2", "1.5e0", "-0.75"};
    static const char* const kPositive[] = {"0.5", "1", "2.5", "1e-1", "3.0", ".75", "2", "1.5e0"};
    static const char* const kUnit[] = {"0.5", "0.25", ".9", "1e-1", "0.75"};
    switch (domain) {
      case Domain::Any:
        return kAny[c_.pick(std::size(kAny))];
      case Domain::Positive:
        return kPositive[c_.pick(std::size(kPositive))];
      case Domain::Unit:
        return kUnit[c_.pick(std::size(kUnit))];
    }
    return "1";
  }

  std::string int_literal(IntDomain domain) {
    switch (domain) {
      case IntDomain::Any:
        return std::to_string(c_.in_range(-2, 5));
      case IntDomain::NonNegative:
        return std::to_string(c_.in_range(0, 5));
      case IntDomain::Binary:
        return std::to_string(c_.in_range(0, 1));
    }
    return "0";
  }

  std::string real_leaf(Domain domain) {
    std::vector<View> candidates = views(Kind::Real, 0, domain);
    if (domain == Domain::Any) {
      std::vector<View> ints = views(Kind::Int, 0);
      candidates.insert(candidates.end(), ints.begin(), ints.end());
    }
    if (!candidates.empty() && c_.chance(75)) return view_text(candidates[c_.pick(candidates.size())]);
    return real_literal(domain);
  }

  std::string real_expr(int depth, Domain domain = Domain::Any) {
    if (depth <= 0 || c_.chance(25)) return real_leaf(domain);
    switch (domain) {
      case Domain::Any:
        return real_any(depth);
      case Domain::Positive:
        return real_positive(depth);
      case Domain::Unit:
        return real_unit(depth);
    }
    return real_leaf(domain);
  }

  std::string real_any(int depth) {
    const bool sequences = !sequence_lengths().empty();
    const bool rng = o_.rng_calls && in_generated_quantities();
    const bool cond = o_.conditional_expressions;
    switch (c_.weighted({30, 5, 5, 15, sequences ? 8 : 0, o_.density_calls ? 5 : 0, cond ? 4 : 0, 8, 6,
                         o_.lazy_conditionals ? 3 : 0, rng ? 5 : 0})) {
      case 0: {
        static const char* const kOps[] = {"+", "-", "*", "/"};
        const char* op = kOps[c_.pick(4)];
        return parenthesised(real_expr(depth - 1), op,
                             real_expr(depth - 1, op[0] == '/' ? divisor_domain() : Domain::Any));
      }
      case 1:
        return parenthesised(real_expr(depth - 1, divisor_domain()), "^", real_expr(depth - 1));
      case 2:
        return "(-" + real_expr(depth - 1) + ")";
      case 3:
        return function_call(depth, Domain::Any);
      case 4:
        return reduction(depth);
      case 5:
        return density_call(depth);
      case 6:
        return "(" + condition(depth - 1) + " ? " + real_expr(depth - 1) + " : " + real_expr(depth - 1) + ")";
      case 7:
        return int_expr(depth - 1, IntDomain::Any);
      case 8:
        return real_expr(depth, c_.chance(50) ? Domain::Positive : Domain::Unit);
      case 9:
        return lazy_conditional(depth);
      default:
        return rng_call(depth, Domain::Any);
    }
  }

  // A conditional whose untaken branch is NaN or infinite: both branches are
  // evaluated, so the value and the gradient must ignore the untaken one. The
  // condition may read parameters (the kink is on its boundary only).
  std::string lazy_conditional(int depth) {
    const std::string x = real_expr(depth - 1);
    switch (c_.pick(4)) {
      case 0:
        return "((" + x + " > 0) ? sqrt(" + x + ") : (-square(" + x + ")))";
      case 1:
        return "((" + x + " > 0) ? log(" + x + ") : " + x + ")";
      case 2:
        return "(((" + x + " > 0) && (" + x + " < 1)) ? logit(" + x + ") : " + x + ")";
      default:
        return "((" + x + " > -1) ? log1p(" + x + ") : " + x + ")";
    }
  }

  std::string real_positive(int depth) {
    const bool rng = o_.rng_calls && in_generated_quantities();
    switch (c_.weighted({30, 15, 15, 10, 5, 10, 5, rng ? 5 : 0})) {
      case 0:
        return "exp(" + real_expr(depth - 1) + ")";
      case 1:
        return parenthesised(real_expr(depth - 1, Domain::Positive), "+", real_expr(depth - 1, Domain::Positive));
      case 2:
        return parenthesised(real_expr(depth - 1, Domain::Positive), "*", real_expr(depth - 1, Domain::Positive));
      case 3:
        return parenthesised(real_expr(depth - 1, Domain::Positive), "/", real_expr(depth - 1, Domain::Positive));
      case 4:
        return "sqrt(" + real_expr(depth - 1, Domain::Positive) + ")";
      case 5:
        return real_unit(depth);
      case 6:
        return parenthesised(real_expr(depth - 1, Domain::Positive), "^", real_expr(depth - 1));
      default:
        return rng_call(depth, Domain::Positive);
    }
  }

  std::string real_unit(int depth) {
    const bool rng = o_.rng_calls && in_generated_quantities();
    switch (c_.weighted({60, 30, rng ? 10 : 0})) {
      case 0:
        return "inv_logit(" + real_expr(depth - 1) + ")";
      case 1:
        return parenthesised(real_expr(depth - 1, Domain::Unit), "*", real_expr(depth - 1, Domain::Unit));
      default:
        return rng_call(depth, Domain::Unit);
    }
  }

  const Function& pick_function(Domain result) {
    std::vector<const Function*> fs;
    for (const Function& f : elementwise_functions())
      if ((f.smooth || o_.nonsmooth) && within(f.result, result)) fs.push_back(&f);
    return *fs[c_.pick(fs.size())];
  }

  // f(x) for a scalar x.
  std::string function_call(int depth, Domain result) {
    const Function& f = pick_function(result);
    return std::string(f.name) + "(" + real_expr(depth - 1, argument_domain(f.argument)) + ")";
  }

  // sum, mean, sd of a sequence, or the dot product of two.
  std::string reduction(int depth) {
    std::vector<int64_t> lengths = sequence_lengths();
    const int64_t n = lengths[c_.pick(lengths.size())];
    static const char* const kNames[] = {"sum", "mean", "sd"};
    if (c_.chance(25)) return "dot_product(" + sequence(n, depth - 1) + ", " + sequence(n, depth - 1) + ")";
    return std::string(kNames[c_.pick(3)]) + "(" + sequence(n, depth - 1) + ")";
  }

  // A condition for `if` and `?:`: an int or real scalar, data-only unless
  // nonsmooth code is allowed.
  std::string condition(int depth) {
    DataOnly guard(*this, !o_.nonsmooth);
    if (c_.chance(60)) return comparison(depth);
    return c_.chance(50) ? int_expr(depth, IntDomain::Any) : real_expr(depth);
  }

  std::string comparison(int depth) {
    static const char* const kOps[] = {"<", "<=", ">", ">=", "==", "!="};
    const char* op = kOps[c_.pick(6)];
    if (c_.chance(50)) return parenthesised(int_expr(depth - 1), op, int_expr(depth - 1));
    return parenthesised(real_expr(depth - 1), op, real_expr(depth - 1));
  }

  std::string int_leaf(IntDomain domain) {
    std::vector<View> candidates = views(Kind::Int, 0, Domain::Any, domain);
    if (!candidates.empty() && c_.chance(70)) return view_text(candidates[c_.pick(candidates.size())]);
    return int_literal(domain);
  }

  std::string int_expr(int depth, IntDomain domain = IntDomain::Any) {
    DataOnly guard(*this, !o_.nonsmooth);
    if (!o_.int_arithmetic || depth <= 0 || c_.chance(30)) return int_leaf(domain);
    const bool rng = o_.rng_calls && in_generated_quantities();
    const bool cond = o_.conditional_expressions;
    switch (domain) {
      case IntDomain::Any:
        switch (c_.weighted({30, 10, 5, 10, 10, cond ? 4 : 0, 10, rng ? 4 : 0})) {
          case 0: {
            static const char* const kOps[] = {"+", "-", "*"};
            return parenthesised(int_expr(depth - 1), kOps[c_.pick(3)], int_expr(depth - 1));
          }
          case 1:
            return parenthesised(int_expr(depth - 1), c_.chance(50) ? "%/%" : "%", int_expr(depth - 1));
          case 2:
            return "(-" + int_expr(depth - 1) + ")";
          case 3:
            return as_value(comparison(depth));
          case 4:
            return as_value(logical(depth));
          case 5:
            return "(" + condition(depth - 1) + " ? " + int_expr(depth - 1) + " : " + int_expr(depth - 1) + ")";
          case 6:
            return int_expr(depth, c_.chance(50) ? IntDomain::NonNegative : IntDomain::Binary);
          default:
            return int_rng_call(depth, IntDomain::Any);
        }
      case IntDomain::NonNegative:
        switch (c_.weighted({20, 20, 20, rng ? 5 : 0})) {
          case 0:
            return parenthesised(int_expr(depth - 1, IntDomain::NonNegative), "+",
                                 int_expr(depth - 1, IntDomain::NonNegative));
          case 1:
            return parenthesised(int_expr(depth - 1, IntDomain::NonNegative), "*",
                                 int_expr(depth - 1, IntDomain::NonNegative));
          case 2:
            return int_expr(depth, IntDomain::Binary);
          default:
            return int_rng_call(depth, IntDomain::NonNegative);
        }
      case IntDomain::Binary:
        switch (c_.weighted({40, 30, rng ? 5 : 0})) {
          case 0:
            return as_value(comparison(depth));
          case 1:
            return as_value(logical(depth));
          default:
            return int_rng_call(depth, IntDomain::Binary);
        }
    }
    return int_leaf(domain);
  }

  // A comparison or logical operation used as an int value.
  std::string as_value(const std::string& boolean) { return o_.boolean_values ? boolean : "(" + boolean + " + 0)"; }

  std::string logical(int depth) {
    switch (c_.pick(3)) {
      case 0:
        return parenthesised(int_expr(depth - 1), "&&", int_expr(depth - 1));
      case 1:
        return parenthesised(int_expr(depth - 1), "||", int_expr(depth - 1));
      default:
        return "(!" + int_expr(depth - 1) + ")";
    }
  }

  // A vector of length n in the domain; nullopt when no vector of that length is in scope.
  std::optional<std::string> vector_expr(int64_t n, int depth, Domain domain = Domain::Any) {
    if (!o_.vectors || views(Kind::Vector, n).empty()) return std::nullopt;
    return vector_of(n, depth, domain);
  }

  // vector_expr's body, once a vector of length n is known to be in scope.
  std::string vector_of(int64_t n, int depth, Domain domain) {
    if (depth <= 0 || c_.chance(30)) {
      std::vector<View> in_domain = views(Kind::Vector, n, domain);
      if (!in_domain.empty()) return view_text(in_domain[c_.pick(in_domain.size())]);
      std::vector<View> any = views(Kind::Vector, n);
      const std::string v = view_text(any[c_.pick(any.size())]);
      if (domain == Domain::Positive) return "exp(" + v + ")";
      if (domain == Domain::Unit) return "inv_logit(" + v + ")";
      return v;
    }
    auto vec = [&](Domain d) { return vector_of(n, depth - 1, d); };
    switch (domain) {
      case Domain::Any:
        switch (c_.weighted({25, 15, 15, 5, 10, 10, 10, 8})) {
          case 0: {
            static const char* const kOps[] = {"+", "-", ".*", "./"};
            const char* op = kOps[c_.pick(4)];
            return parenthesised(vec(Domain::Any), op,
                                 vec(op[0] == '.' && op[1] == '/' ? divisor_domain() : Domain::Any));
          }
          case 1: {
            static const char* const kOps[] = {"+", "-", "*", ".*"};
            return parenthesised(real_expr(depth - 1), kOps[c_.pick(4)], vec(Domain::Any));
          }
          case 2: {
            static const char* const kOps[] = {"+", "-", "*", "/", ".*", "./"};
            const char* op = kOps[c_.pick(6)];
            const bool divides = op[0] == '/' || op[1] == '/';
            return parenthesised(vec(Domain::Any), op, real_expr(depth - 1, divides ? divisor_domain() : Domain::Any));
          }
          case 3:
            return "(-" + vec(Domain::Any) + ")";
          case 4: {
            const Function& f = pick_function(Domain::Any);
            return std::string(f.name) + "(" + vec(argument_domain(f.argument)) + ")";
          }
          case 5:
            return vec(Domain::Positive);
          case 6:
            return vec(Domain::Unit);
          default:
            return sliced_vector(n, depth);
        }
      case Domain::Positive:
        switch (c_.weighted({30, 15, 15, 15, 10})) {
          case 0:
            return "exp(" + vec(Domain::Any) + ")";
          case 1:
            return parenthesised(vec(Domain::Positive), "+", vec(Domain::Positive));
          case 2:
            return parenthesised(vec(Domain::Positive), ".*", vec(Domain::Positive));
          case 3:
            return parenthesised(real_expr(depth - 1, Domain::Positive), "*", vec(Domain::Positive));
          default:
            return vec(Domain::Unit);
        }
      case Domain::Unit:
        if (c_.chance(70)) return "inv_logit(" + vec(Domain::Any) + ")";
        return parenthesised(vec(Domain::Unit), ".*", vec(Domain::Unit));
    }
    return vec(Domain::Any);
  }

  // n elements cut from a longer vector, or joined from two: head, tail,
  // segment, append_row (the slicing and concatenation ops).
  std::string sliced_vector(int64_t n, int depth) {
    std::vector<int64_t> longer;
    for (int64_t m : sequence_lengths())
      if (m >= n && !views(Kind::Vector, m).empty()) longer.push_back(m);
    if (longer.empty()) return vector_of(n, depth - 1, Domain::Any);
    const int64_t m = longer[c_.pick(longer.size())];
    auto source = [&] { return vector_of(m, depth - 1, Domain::Any); };
    switch (c_.pick(n >= 2 ? 4 : 3)) {
      case 0: return "head(" + source() + ", " + std::to_string(n) + ")";
      case 1: return "tail(" + source() + ", " + std::to_string(n) + ")";
      case 2: return "segment(" + source() + ", " + std::to_string(c_.in_range(1, m - n + 1)) + ", " + std::to_string(n) + ")";
      default: {
        const int64_t k = c_.in_range(1, n - 1);
        return "append_row(head(" + source() + ", " + std::to_string(k) + "), tail(" + source() + ", " +
               std::to_string(n - k) + "))";
      }
    }
  }

  // A one-dimensional real array of length n: a variable, or an elementwise
  // function of a real or int array.
  std::optional<std::string> real_array_expr(int64_t n, int depth, Domain domain = Domain::Any) {
    std::vector<View> direct = views(Kind::RealArray, n, domain);
    std::vector<View> any = views(Kind::RealArray, n);
    std::vector<View> ints = views(Kind::IntArray, n);
    any.insert(any.end(), ints.begin(), ints.end());
    if (direct.empty() && any.empty()) return std::nullopt;
    if (!direct.empty() && (depth <= 0 || any.empty() || c_.chance(50)))
      return view_text(direct[c_.pick(direct.size())]);
    if (any.empty()) return view_text(direct[c_.pick(direct.size())]);
    const Function& f = pick_function(domain);
    // The argument's domain is unknown here, so ask only functions that take any argument.
    if (f.argument != Domain::Any && !o_.out_of_domain) return "exp(" + view_text(any[c_.pick(any.size())]) + ")";
    return std::string(f.name) + "(" + view_text(any[c_.pick(any.size())]) + ")";
  }

  // A sequence of n reals (vector or array) in the domain; a scalar when none exists.
  std::string sequence(int64_t n, int depth, Domain domain = Domain::Any) {
    const bool int_arrays = !views(Kind::IntArray, n).empty();
    std::vector<int> weights = {o_.vectors && !views(Kind::Vector, n).empty() ? 50 : 0,
                                !views(Kind::RealArray, n).empty() || int_arrays ? 40 : 0,
                                domain == Domain::Any && int_arrays ? 10 : 0};
    if (weights[0] + weights[1] + weights[2] == 0) return real_expr(depth, domain);
    switch (c_.weighted(weights)) {
      case 0:
        return vector_of(n, depth, domain);
      case 1:
        return *real_array_expr(n, depth, domain);
      default: {
        std::vector<View> ints = views(Kind::IntArray, n);
        return view_text(ints[c_.pick(ints.size())]);
      }
    }
  }

  // Either a scalar or a sequence of length n, for vectorised density arguments.
  std::string scalar_or_sequence(std::optional<int64_t> n, int depth, Domain domain) {
    if (!n || c_.chance(40)) return real_expr(depth, domain);
    return sequence(*n, depth, domain);
  }

  // The variate and parameters of a density, vectorised over length n or scalar.
  struct DensityArguments {
    std::string variate;
    std::vector<std::string> params;
  };

  DensityArguments density_arguments(const Distribution& d, int depth, bool prefer_parameters) {
    std::optional<int64_t> n;
    std::vector<int64_t> lengths = sequence_lengths();
    if (!lengths.empty() && c_.chance(50)) n = lengths[c_.pick(lengths.size())];
    DensityArguments a;
    if (d.discrete) {
      std::vector<View> arrays = n ? views(Kind::IntArray, *n, Domain::Any, d.int_variate) : std::vector<View>{};
      if (!arrays.empty() && c_.chance(70)) {
        a.variate = view_text(arrays[c_.pick(arrays.size())]);
      } else {
        a.variate = int_expr(depth - 1, d.int_variate);
      }
    } else {
      const Domain want = argument_domain(d.variate);
      std::vector<View> params;
      if (prefer_parameters) {
        params = views(Kind::Real, 0, want, IntDomain::Any, true);
        if (n) {
          std::vector<View> seq = views(Kind::Vector, *n, want, IntDomain::Any, true);
          std::vector<View> arr = views(Kind::RealArray, *n, want, IntDomain::Any, true);
          params.insert(params.end(), seq.begin(), seq.end());
          params.insert(params.end(), arr.begin(), arr.end());
        }
      }
      if (!params.empty() && c_.chance(70)) {
        a.variate = view_text(params[c_.pick(params.size())]);
      } else {
        a.variate = scalar_or_sequence(n, depth - 1, want);
      }
    }
    for (size_t i = 0; i < d.params.size(); ++i) {
      if (i == 0 && d.first_param_is_int) {
        a.params.push_back(c_.chance(60) ? "10" : int_expr(depth - 1, IntDomain::NonNegative));
      } else if (std::string(d.name) == "uniform") {
        a.params.push_back(i == 0 ? real_literal(Domain::Any) + " - 5" : real_literal(Domain::Positive) + " + 5");
      } else {
        a.params.push_back(scalar_or_sequence(n, depth - 1, argument_domain(d.params[i])));
      }
    }
    return a;
  }

  const Distribution& pick_distribution() { return distributions()[c_.pick(distributions().size())]; }

  std::string density_call(int depth) {
    const Distribution& d = pick_distribution();
    DensityArguments a = density_arguments(d, depth, false);
    std::string text = std::string(d.name) + (d.discrete ? "_lpmf(" : "_lpdf(") + a.variate;
    for (size_t i = 0; i < a.params.size(); ++i) text += (i == 0 ? " | " : ", ") + a.params[i];
    return text + ")";
  }

  // A continuous _rng draw (scalar arguments) whose result lies in the domain.
  std::string rng_call(int depth, Domain domain) {
    std::vector<const Distribution*> ds;
    for (const Distribution& d : distributions())
      if (!d.discrete && within(d.variate, domain)) ds.push_back(&d);
    const Distribution& d = *ds[c_.pick(ds.size())];
    std::string text = std::string(d.name) + "_rng(";
    for (size_t i = 0; i < d.params.size(); ++i) {
      if (i) text += ", ";
      text +=
          std::string(d.name) == "uniform" ? (i == 0 ? "0" : "1") : real_expr(depth - 1, argument_domain(d.params[i]));
    }
    return text + ")";
  }

  std::string int_rng_call(int depth, IntDomain domain) {
    std::vector<const Distribution*> ds;
    for (const Distribution& d : distributions())
      if (d.discrete && within(d.int_variate, domain)) ds.push_back(&d);
    const Distribution& d = *ds[c_.pick(ds.size())];
    std::string text = std::string(d.name) + "_rng(";
    for (size_t i = 0; i < d.params.size(); ++i) {
      if (i) text += ", ";
      if (i == 0 && d.first_param_is_int) {
        text += int_literal(IntDomain::NonNegative);
      } else if (std::string(d.name) == "poisson" || std::string(d.name) == "poisson_log") {
        // Keep rates small: a huge rate is a domain error, tested elsewhere.
        text += d.params[i] == Domain::Positive ? real_literal(Domain::Positive) : real_literal(Domain::Any);
      } else {
        text += real_expr(depth - 1, argument_domain(d.params[i]));
      }
    }
    return text + ")";
  }

  // -------------------------------------------------------------------------
  // Declarations

  // `array[N] real<lower=0> x` or `real<lower=0> x[N]`.
  std::string declaration(const Var& v, const std::string& bounds) {
    std::string element = v.is_int ? "int" : v.is_vector ? "vector" : "real";
    element += bounds;
    if (v.is_vector) element += "[" + v.vector_size.text + "]";
    if (v.array_dims.empty()) return element + " " + v.name;
    std::string dims;
    for (size_t i = 0; i < v.array_dims.size(); ++i) dims += (i ? ", " : "") + v.array_dims[i].text;
    if (o_.old_array_syntax && c_.chance(20)) return element + " " + v.name + "[" + dims + "]";
    return "array[" + dims + "] " + element + " " + v.name;
  }

  // A type for a new variable: scalar, vector, 1-D or 2-D array, array of vectors.
  void choose_shape(Var& v, bool allow_int, bool allow_nested) {
    const size_t shape =
        c_.weighted({40, allow_int ? 15 : 0, o_.vectors ? 20 : 0, o_.arrays ? 15 : 0, o_.arrays && allow_int ? 6 : 0,
                     o_.arrays && allow_nested ? 4 : 0, o_.arrays && o_.vectors && allow_nested ? 4 : 0});
    switch (shape) {
      case 0:
        break;
      case 1:
        v.is_int = true;
        break;
      case 2:
        v.is_vector = true;
        v.vector_size = size();
        break;
      case 3:
        v.array_dims = {size()};
        break;
      case 4:
        v.is_int = true;
        v.array_dims = {size()};
        break;
      case 5:
        v.array_dims = {size(), size()};
        break;
      default:
        v.array_dims = {size()};
        v.is_vector = true;
        v.vector_size = size();
        break;
    }
  }

  // An initialiser of v's type; nullopt when the generator has none.
  std::optional<std::string> initialiser(const Var& v, int depth, Domain domain) {
    if (v.num_dims() == 0) return v.is_int ? int_expr(depth, v.int_domain) : real_expr(depth, domain);
    if (v.rank() == 0 && v.is_vector) return vector_expr(v.vector_size.value, depth, domain);
    if (v.rank() == 1 && !v.is_vector) {
      if (v.is_int) {
        std::vector<View> ints = views(Kind::IntArray, v.array_dims[0].value, Domain::Any, v.int_domain);
        if (ints.empty()) return std::nullopt;
        return view_text(ints[c_.pick(ints.size())]);
      }
      return real_array_expr(v.array_dims[0].value, depth, domain);
    }
    return std::nullopt;
  }

  // Assigns every element of v with nested loops (or one whole assignment).
  void fill(const Var& v) {
    const bool whole = !o_.loops || (v.num_dims() == 1 && c_.chance(30));
    if (whole || v.num_dims() == 0) {
      if (std::optional<std::string> init = initialiser(v, o_.max_expression_depth, Domain::Any)) {
        line(v.name + " = " + *init + ";");
        return;
      }
      if (!o_.loops) return;
    }
    const int saved_indent = indent_;
    scopes_.emplace_back();
    std::string indices;
    for (int k = 0; k < v.num_dims(); ++k) {
      const Size& length = k < v.rank() ? v.array_dims[k] : v.vector_size;
      Var index;
      index.name = fresh("i");
      index.is_int = true;
      index.is_loop_index = true;
      index.index_lo = 1;
      index.index_hi = length.value;
      index.int_domain = IntDomain::NonNegative;
      index.block = block_;
      line("for (" + index.name + " in 1:" + length.text + ")");
      ++indent_;
      indices += (k ? ", " : "") + index.name;
      declare(std::move(index));
    }
    const std::string target = v.name + (indices.empty() ? "" : "[" + indices + "]");
    line(target + " = " + (v.is_int ? int_expr(o_.max_expression_depth) : real_expr(o_.max_expression_depth)) + ";");
    scopes_.pop_back();
    indent_ = saved_indent;
  }

  // A declaration in a block other than data and parameters (or a local),
  // with an initialiser or followed by a fill.
  void variable_declaration(bool local, bool allow_int) {
    Var v;
    v.name = fresh(local                                    ? "l"
                   : block_ == Block::TransformedData       ? "td"
                   : block_ == Block::TransformedParameters ? "tp"
                   : block_ == Block::GeneratedQuantities   ? "g"
                                                            : "l");
    v.block = block_;
    choose_shape(v, allow_int, true);
    v.parameter_dependent = differentiated_block() && !(local && v.is_int);
    // A final variable keeps the domain of its initialiser; others may be reassigned anything.
    v.is_final = c_.chance(40);
    Domain domain = v.is_final ? static_cast<Domain>(c_.pick(3)) : Domain::Any;
    if (v.is_int && v.is_final) v.int_domain = static_cast<IntDomain>(c_.pick(3));
    std::optional<std::string> init = c_.chance(70) ? initialiser(v, o_.max_expression_depth, domain) : std::nullopt;
    std::string bounds;
    if (init && v.is_final && !v.is_int && !local && block_ != Block::TransformedData && o_.bounds &&
        domain != Domain::Any && c_.chance(50)) {
      bounds = domain == Domain::Unit ? "<lower=0, upper=1>" : "<lower=0>";
    }
    if (!init && v.is_int && v.num_dims() > 0 && !o_.uninitialized_ints && !o_.loops) {
      return;  // no way to give it a value
    }
    if (!init) {
      v.is_final = false;
      domain = Domain::Any;
      v.int_domain = IntDomain::Any;
    }
    v.domain = domain;
    line(declaration(v, bounds) + (init ? " = " + *init : "") + ";");
    // A real container that later statements may not update is filled now.
    const bool fixed_after_declaration = !update_allowed(v, v.num_dims()) || !update_allowed(v, 0);
    // Declared after its fill, so that the fill reads none of its own (unset) elements.
    if (!init && (!local || (v.is_int && !o_.uninitialized_ints) || fixed_after_declaration)) fill(v);
    declare(std::move(v));
  }

  // -------------------------------------------------------------------------
  // Statements

  struct Target {
    View view;
    Kind kind;
    int64_t length;
  };

  // Whether the options allow assigning v with its first k dimensions
  // indexed: real containers in differentiated blocks only under the
  // container-update switches.
  bool update_allowed(const Var& v, int k) const {
    if (!differentiated_block() || v.is_int || v.num_dims() == 0) return true;
    if (in_branch_ > 0 && !o_.branch_container_updates) return false;
    return k == 0 ? o_.whole_container_updates : o_.element_updates;
  }

  std::vector<Target> assignable() const {
    std::vector<Target> out;
    for (const Var* v : visible()) {
      if (v->block != block_ || v->is_loop_index || v->is_final) continue;
      for (int k = 0; k <= v->num_dims(); ++k) {
        auto vk = view_kind(*v, k);
        if (vk && indexable(*v, k) && update_allowed(*v, k)) out.push_back({{v, k}, vk->first, vk->second});
      }
    }
    return out;
  }

  void assignment(int depth) {
    std::vector<Target> targets = assignable();
    const Target t = targets[c_.pick(targets.size())];
    const std::string lhs = view_text(t.view);
    const int d = o_.max_expression_depth;
    const bool compound = o_.compound_assignment && c_.chance(40);
    switch (t.kind) {
      case Kind::Int: {
        static const char* const kOps[] = {"+=", "-=", "*=", "/="};
        line(lhs + " " + (compound ? kOps[c_.pick(4)] : "=") + " " + int_expr(d) + ";");
        return;
      }
      case Kind::Real: {
        static const char* const kOps[] = {"+=", "-=", "*=", "/="};
        const char* op = compound ? kOps[c_.pick(4)] : "=";
        line(lhs + " " + op + " " + real_expr(d, op[0] == '/' ? divisor_domain() : Domain::Any) + ";");
        return;
      }
      case Kind::Vector: {
        if (o_.whole_container_updates && t.view.num_indices == 0 && c_.chance(25)) {
          // The vector read and rewritten whole.
          line(lhs + " = " + (c_.chance(50) ? parenthesised(lhs, "*", real_expr(d)) : parenthesised(lhs, ".*", lhs)) +
               ";");
          return;
        }
        if (compound) {
          static const char* const kOps[] = {"+=", "-=", "*=", "/="};
          const char* op = kOps[c_.pick(4)];
          const bool scalar_only = op[0] == '*' || op[0] == '/';
          line(lhs + " " + op + " " +
               (scalar_only || c_.chance(40) ? real_expr(d, op[0] == '/' ? divisor_domain() : Domain::Any)
                                             : vector_of(t.length, d, Domain::Any)) +
               ";");
          return;
        }
        line(lhs + " = " + vector_of(t.length, d, Domain::Any) + ";");
        return;
      }
      case Kind::RealArray:
      case Kind::IntArray: {
        Var shape;
        shape.is_int = t.kind == Kind::IntArray;
        shape.array_dims = {{"", t.length}};
        if (std::optional<std::string> rhs = initialiser(shape, d, Domain::Any)) line(lhs + " = " + *rhs + ";");
        return;
      }
    }
  }

  void for_loop(int depth) {
    Var index;
    index.name = fresh("i");
    index.is_int = true;
    index.is_loop_index = true;
    index.block = block_;
    std::string upper;
    if (c_.chance(8)) {
      // A bound the generator cannot predict: the index is never used to index.
      upper = int_expr(1, IntDomain::Any);
      index.index_lo = 1;
      index.index_hi = std::numeric_limits<int64_t>::max() - 1;
    } else {
      Size s = size();
      upper = s.text;
      index.index_lo = c_.weighted({80, 15, 5}) == 0 ? 1 : c_.chance(75) ? 2 : 0;
      index.index_hi = s.value;
    }
    index.int_domain = index.index_lo >= 0 ? IntDomain::NonNegative : IntDomain::Any;
    line("for (" + index.name + " in " + std::to_string(index.index_lo) + ":" + upper + ") {");
    scopes_.emplace_back();
    declare(std::move(index));
    ++indent_;
    statements(c_.in_range(1, 3), depth + 1);
    --indent_;
    scopes_.pop_back();
    line("}");
  }

  void if_statement(int depth) {
    line("if (" + condition(o_.max_expression_depth - 1) + ") {");
    ++in_branch_;
    nested_body(depth);
    if (c_.chance(50)) {
      line("} else {");
      nested_body(depth);
    }
    --in_branch_;
    line("}");
  }

  void nested_body(int depth) {
    scopes_.emplace_back();
    ++indent_;
    statements(c_.in_range(1, 2), depth + 1);
    --indent_;
    scopes_.pop_back();
  }

  void tilde_statement() {
    const Distribution& d = pick_distribution();
    DensityArguments a = density_arguments(d, o_.max_expression_depth, true);
    std::string args;
    for (size_t i = 0; i < a.params.size(); ++i) args += (i ? ", " : "") + a.params[i];
    line(a.variate + " ~ " + d.name + "(" + args + ");");
  }

  void target_statement() {
    std::string value;
    switch (c_.weighted({o_.density_calls ? 50 : 0, 35, sequence_lengths().empty() ? 0 : 15})) {
      case 0:
        value = density_call(o_.max_expression_depth);
        break;
      case 1:
        value = real_expr(o_.max_expression_depth);
        break;
      default: {
        std::vector<int64_t> lengths = sequence_lengths();
        value = sequence(lengths[c_.pick(lengths.size())], o_.max_expression_depth - 1);
        break;
      }
    }
    line("target += " + value + ";");
  }

  // -------------------------------------------------------------------------
  // Loop-carried values and container updates, as statements of a fixed shape

  // A size whose value is at least 1 (a recurrence writes element 1 first).
  Size nonempty_size() {
    Size s = size();
    if (s.value >= 1) return s;
    const int64_t n = c_.in_range(1, std::max(1, o_.max_size));
    return {std::to_string(n), n};
  }

  // A real variable declared by a structured statement: a block output at the
  // top of a block other than the model, a local elsewhere.
  Var new_real_var(bool local) {
    Var v;
    v.name = fresh(!local && block_ == Block::TransformedData         ? "td"
                   : !local && block_ == Block::TransformedParameters ? "tp"
                   : !local && block_ == Block::GeneratedQuantities   ? "g"
                                                                      : "l");
    v.block = block_;
    v.parameter_dependent = differentiated_block();
    return v;
  }

  // A one-dimensional real container: a vector or a real array.
  Var new_sequence_var(bool local, const Size& length) {
    Var v = new_real_var(local);
    if (o_.vectors && (!o_.arrays || c_.chance(50))) {
      v.is_vector = true;
      v.vector_size = length;
    } else {
      v.array_dims = {length};
    }
    return v;
  }

  // A value visible inside a loop under a name that is an expression (such as
  // `x[(i - 1)]`, an element written by the iteration before): read only.
  Var read_only_alias(const std::string& text) {
    Var v;
    v.name = text;
    v.block = block_;
    v.is_final = true;
    v.parameter_dependent = differentiated_block();
    return v;
  }

  // Writes `for (i in lo:upper) {`, opens its scope with the index declared
  // and returns the index's name; close_loop ends it.
  std::string open_loop(int64_t lo, const Size& upper) {
    Var index;
    index.name = fresh("i");
    index.is_int = true;
    index.is_loop_index = true;
    index.block = block_;
    index.index_lo = lo;
    index.index_hi = upper.value;
    index.int_domain = IntDomain::NonNegative;
    line("for (" + index.name + " in " + std::to_string(lo) + ":" + upper.text + ") {");
    scopes_.emplace_back();
    const std::string name = index.name;
    declare(std::move(index));
    ++indent_;
    return name;
  }

  void close_loop() {
    --indent_;
    scopes_.pop_back();
    line("}");
  }

  // real s = e; for (i in 1:N) { s = (s * e1) + e2; ... }
  void carried_scalar_loop(int depth, bool local) {
    Var s = new_real_var(local);
    const std::string name = s.name;
    const int d = o_.max_expression_depth;
    line("real " + name + " = " + real_expr(d) + ";");
    declare(std::move(s));
    open_loop(1, size());
    switch (c_.pick(4)) {
      case 0:
        line(name + " = " +
             parenthesised(parenthesised(name, "*", real_expr(d - 1, Domain::Unit)), "+", real_expr(d - 1)) + ";");
        break;
      case 1:
        line(name + " += " + real_expr(d - 1) + ";");
        break;
      case 2:
        // A running log-sum-exp, as an HMM's forward pass in log space.
        line(name + " = log(" + parenthesised("exp(" + name + ")", "+", real_expr(d - 1, Domain::Positive)) + ");");
        break;
      default:
        line(name + " = " + parenthesised(name, "*", real_expr(d - 1)) + ";");
        break;
    }
    statements(c_.in_range(0, 1), depth + 1);
    close_loop();
  }

  // x[1] = e; for (i in 2:N) x[i] = (x[(i - 1)] * e1) + e2;  each element written once.
  void recurrence(int depth, bool local) {
    Var x = new_sequence_var(local, nonempty_size());
    const Size length = x.is_vector ? x.vector_size : x.array_dims[0];
    const int d = o_.max_expression_depth;
    line(declaration(x, "") + ";");
    line(x.name + "[1] = " + real_expr(d) + ";");
    const std::string i = open_loop(2, length);
    const std::string previous = x.name + "[(" + i + " - 1)]";
    declare(read_only_alias(previous));
    std::string rhs;
    switch (c_.pick(3)) {
      case 0:
        rhs = parenthesised(parenthesised(previous, "*", real_expr(d - 1)), "+", real_expr(d - 1));
        break;
      case 1:
        rhs = parenthesised(previous, c_.chance(50) ? "+" : "-", real_expr(d - 1));
        break;
      default:
        rhs = real_expr(d);  // reads the previous element or not
        break;
    }
    line(x.name + "[" + i + "] = " + rhs + ";");
    statements(c_.in_range(0, 1), depth + 1);
    close_loop();
    declare(std::move(x));
  }

  // array[T] vector[K] a; row 1 filled, then each row from the row before:
  // a[t][k] = (e1 * a[(t - 1)][k]) + (sum(v) * e2), v possibly a[(t - 1)].
  void forward_rows(bool local) {
    Var a = new_real_var(local);
    a.array_dims = {nonempty_size()};
    a.is_vector = true;
    a.vector_size = nonempty_size();
    const Size rows = a.array_dims[0], width = a.vector_size;
    const int d = o_.max_expression_depth;
    line(declaration(a, "") + ";");
    std::string k = open_loop(1, width);
    line(a.name + "[1][" + k + "] = " + real_expr(d) + ";");
    close_loop();
    const std::string t = open_loop(2, rows);
    const std::string previous = a.name + "[(" + t + " - 1)]";
    Var row = read_only_alias(previous);
    row.is_vector = true;
    row.vector_size = width;
    declare(std::move(row));
    k = open_loop(1, width);
    const std::string rhs = parenthesised(
        parenthesised(real_expr(d - 1, Domain::Unit), "*", previous + "[" + k + "]"), "+",
        parenthesised("sum(" + vector_of(width.value, d - 2, Domain::Any) + ")", "*", real_expr(d - 1, Domain::Unit)));
    line(a.name + "[" + t + "][" + k + "] = " + rhs + ";");
    close_loop();
    close_loop();
    declare(std::move(a));
  }

  // vector[K] alpha = ...; for (t in 1:T) { vector[K] nxt; for (k in 1:K)
  // nxt[k] = ...alpha...; alpha = nxt; }: the forward pass of an HMM.
  void swapped_rows(bool local) {
    Var alpha = new_real_var(local);
    alpha.is_vector = true;
    alpha.vector_size = nonempty_size();
    const Size width = alpha.vector_size;
    const int d = o_.max_expression_depth;
    line(declaration(alpha, "") + ";");
    fill(alpha);
    const std::string name = alpha.name;
    declare(std::move(alpha));
    open_loop(1, size());
    Var next = new_real_var(true);
    next.name = fresh("nxt");
    next.is_vector = true;
    next.vector_size = width;
    line(declaration(next, "") + ";");
    const std::string k = open_loop(1, width);
    line(next.name + "[" + k + "] = " +
         parenthesised(parenthesised(real_expr(d - 1, Domain::Unit), "*", name + "[" + k + "]"), "+",
                       parenthesised("sum(" + name + ")", "*", real_expr(d - 1, Domain::Unit))) +
         ";");
    close_loop();
    line(name + " = " + next.name + ";");
    close_loop();
  }

  // vector[N] x; if (c) { fill } else { fill }: each element written once, in
  // one branch or the other.
  void filled_in_branches(bool local) {
    Var x = new_sequence_var(local, size());
    line(declaration(x, "") + ";");
    line("if (" + condition(o_.max_expression_depth - 1) + ") {");
    ++in_branch_;
    ++indent_;
    fill(x);
    --indent_;
    line("} else {");
    ++indent_;
    fill(x);
    --indent_;
    --in_branch_;
    line("}");
    declare(std::move(x));
  }

  // The one-dimensional real containers an element update may write.
  std::vector<Target> updatable_sequences() const {
    std::vector<Target> out;
    for (const Target& t : assignable())
      if (t.kind == Kind::Vector || t.kind == Kind::RealArray) out.push_back(t);
    return out;
  }

  // for (i in 1:n) x[i] = (x[i] * e1) + e2;  (or *=, +=): each element read, then rewritten.
  void element_update_loop() {
    std::vector<Target> targets = updatable_sequences();
    const Target t = targets[c_.pick(targets.size())];
    const std::string x = view_text(t.view);
    const int d = o_.max_expression_depth - 1;
    const std::string i = open_loop(1, {std::to_string(t.length), t.length});
    const std::string element = x + "[" + i + "]";
    switch (c_.pick(3)) {
      case 0:
        line(element + " = " + parenthesised(parenthesised(element, "*", real_expr(d)), "+", real_expr(d)) + ";");
        break;
      case 1:
        line(element + " *= " + real_expr(d) + ";");
        break;
      default:
        line(element + " += " + real_expr(d) + ";");
        break;
    }
    close_loop();
  }

  void statements(int64_t count, int depth) {
    for (int64_t i = 0; i < count; ++i) statement(depth);
  }

  void statement(int depth) {
    const bool model = block_ == Block::Model;
    const bool nest = depth < o_.max_statement_depth;
    // A declaration at the top of transformed parameters or generated
    // quantities is an output; inside a statement it is a local.
    const bool top_level = depth == 0 && !model;
    const bool decl = top_level || o_.local_variables;
    const bool sequences = o_.vectors || o_.arrays;
    const bool carried = o_.carried_loops && o_.loops && nest && decl;
    switch (c_.weighted(
        {decl ? 15 : 0, assignable().empty() ? 0 : 30, o_.loops && nest ? 12 : 0, o_.conditionals && nest ? 10 : 0,
         nest ? 3 : 0, model && o_.tilde_statements ? 25 : 0, model && o_.target_statements ? 15 : 0, 1,
         carried ? 5 : 0, carried && sequences ? 5 : 0, carried && o_.vectors && o_.arrays ? 3 : 0,
         o_.container_swaps && o_.loops && o_.vectors && o_.local_variables && nest && decl ? 3 : 0,
         o_.branch_container_updates && o_.conditionals && o_.loops && sequences && nest && decl ? 3 : 0,
         o_.element_updates && o_.loops && nest && !updatable_sequences().empty() ? 4 : 0})) {
      case 0:
        variable_declaration(!top_level, block_ != Block::TransformedParameters || !top_level);
        return;
      case 1:
        assignment(depth);
        return;
      case 2:
        for_loop(depth);
        return;
      case 3:
        if_statement(depth);
        return;
      case 4:
        line("{");
        nested_body(depth);
        line("}");
        return;
      case 5:
        tilde_statement();
        return;
      case 6:
        target_statement();
        return;
      case 7:
        line(";");
        return;
      case 8:
        carried_scalar_loop(depth, !top_level);
        return;
      case 9:
        recurrence(depth, !top_level);
        return;
      case 10:
        forward_rows(!top_level);
        return;
      case 11:
        swapped_rows(!top_level);
        return;
      case 12:
        filled_in_branches(!top_level);
        return;
      default:
        element_update_loop();
        return;
    }
  }

  // -------------------------------------------------------------------------
  // Data: declarations and their JSON values

  // Values of a real in [lo, hi] (either may be infinite): eighths, exact in binary.
  double real_value(double lo, double hi) {
    const bool has_lo = lo > -std::numeric_limits<double>::infinity();
    const bool has_hi = hi < std::numeric_limits<double>::infinity();
    if (has_lo && has_hi) return lo + (hi - lo) * static_cast<double>(c_.in_range(1, 7)) / 8.0;
    if (has_lo) return lo + static_cast<double>(c_.in_range(1, 16)) / 4.0;
    if (has_hi) return hi - static_cast<double>(c_.in_range(1, 16)) / 4.0;
    return static_cast<double>(c_.in_range(-24, 24)) / 8.0;
  }

  // The JSON value of dims[k..] of a data variable.
  std::string json_value(const Var& v, size_t k, double lo, double hi) {
    std::vector<int64_t> dims;
    for (const Size& s : v.array_dims) dims.push_back(s.value);
    if (v.is_vector) dims.push_back(v.vector_size.value);
    if (k == dims.size()) {
      if (v.is_int) return std::to_string(c_.in_range(static_cast<int64_t>(lo), static_cast<int64_t>(hi)));
      return format_real(real_value(lo, hi));
    }
    std::string out = "[";
    for (int64_t i = 0; i < dims[k]; ++i) out += (i ? ", " : "") + json_value(v, k + 1, lo, hi);
    return out + "]";
  }

  void add_json(const std::string& name, const std::string& value) {
    if (!json_.empty()) json_ += ", ";
    json_ += "\"" + name + "\": " + value;
  }

  void size_declaration() {
    Var v;
    v.name = fresh("N");
    v.is_int = true;
    v.is_size = true;
    v.block = Block::Data;
    v.int_domain = IntDomain::NonNegative;
    std::string bounds = "<lower=0>";
    int64_t lo = 0;
    if (c_.chance(25)) {
      bounds = "<lower=1>";
      lo = 1;
    } else if (c_.chance(25)) {
      bounds = "<lower=0, upper=" + std::to_string(o_.max_size + c_.in_range(0, 3)) + ">";
    }
    const int64_t value = lo == 0 && c_.chance(5) ? 0 : c_.in_range(std::max<int64_t>(lo, 1), std::max(o_.max_size, 1));
    v.int_value = value;
    v.real_value = static_cast<double>(value);
    line(declaration(v, bounds) + ";");
    add_json(v.name, std::to_string(value));
    declare(std::move(v));
  }

  // A data scalar (real or int) whose value is known, for bounds: its name and value.
  std::optional<std::pair<std::string, double>> known_scalar(bool int_only) {
    std::vector<const Var*> known;
    for (const Var* v : visible())
      if (v->block == Block::Data && v->num_dims() == 0 && v->real_value && (!int_only || v->is_int))
        known.push_back(v);
    if (known.empty()) return std::nullopt;
    const Var* v = known[c_.pick(known.size())];
    return std::pair{v->name, *v->real_value};
  }

  void data_declaration() {
    Var v;
    v.name = fresh("d");
    v.block = Block::Data;
    choose_shape(v, true, true);
    constexpr double kInf = std::numeric_limits<double>::infinity();
    double lo = -kInf, hi = kInf;
    std::string bounds;
    if (v.is_int) {
      lo = -3;
      hi = 5;
      switch (o_.bounds ? c_.weighted({30, 30, 25, 15}) : 0) {
        case 0:
          break;
        case 1:
          bounds = "<lower=0>";
          lo = 0;
          hi = 10;
          v.int_domain = IntDomain::NonNegative;
          break;
        case 2:
          bounds = "<lower=0, upper=1>";
          lo = 0;
          hi = 1;
          v.int_domain = IntDomain::Binary;
          break;
        default:
          if (auto n = known_scalar(true); n && n->second >= 0) {
            bounds = "<lower=0, upper=" + n->first + ">";
            lo = 0;
            hi = n->second;
            v.int_domain = IntDomain::NonNegative;
          }
          break;
      }
    } else {
      switch (o_.bounds ? c_.weighted({35, 20, 15, 5, 5, 10, 10}) : 0) {
        case 0:
          break;
        case 1:
          bounds = "<lower=0>";
          lo = 0;
          v.domain = Domain::Positive;
          break;
        case 2:
          bounds = "<lower=0, upper=1>";
          lo = 0;
          hi = 1;
          v.domain = Domain::Unit;
          break;
        case 3:
          bounds = "<lower=-2.5>";
          lo = -2.5;
          break;
        case 4:
          bounds = "<upper=3>";
          hi = 3;
          break;
        case 5:
          bounds = "<lower=-1, upper=2.5>";
          lo = -1;
          hi = 2.5;
          break;
        default:
          if (auto s = known_scalar(false)) {
            bounds = c_.chance(50) ? "<lower=" + s->first + ">" : "<upper=" + s->first + ">";
            (bounds[1] == 'l' ? lo : hi) = s->second;
            if (bounds[1] == 'l' && s->second >= 0) v.domain = Domain::Positive;
          }
          break;
      }
    }
    const std::string value = json_value(v, 0, lo, hi);
    if (v.num_dims() == 0) {
      // A scalar's value, for bounds and indices.
      if (v.is_int) {
        v.int_value = std::stoll(value);
        v.real_value = static_cast<double>(*v.int_value);
      } else {
        v.real_value = std::stod(value);
      }
    }
    line(declaration(v, bounds) + ";");
    add_json(v.name, value);
    declare(std::move(v));
  }

  // `array[M] int<lower=1, upper=N> idx`: elements that index a dimension of length N.
  void index_array_declaration() {
    std::vector<const Var*> sizes;
    for (const Var* v : visible())
      if (v->is_size && *v->int_value >= 1) sizes.push_back(v);
    if (sizes.empty()) return;
    const Var* n = sizes[c_.pick(sizes.size())];
    Var v;
    v.name = fresh("idx");
    v.block = Block::Data;
    v.is_int = true;
    v.array_dims = {size()};
    v.int_domain = IntDomain::NonNegative;
    v.index_values_hi = *n->int_value;
    line(declaration(v, "<lower=1, upper=" + n->name + ">") + ";");
    add_json(v.name, json_value(v, 0, 1, static_cast<double>(*n->int_value)));
    declare(std::move(v));
  }

  // -------------------------------------------------------------------------
  // Parameters

  // Bounds for a parameter and the domain they give its values.
  std::pair<std::string, Domain> parameter_bounds() {
    if (!o_.bounds) return {"", Domain::Any};
    std::vector<View> earlier =
        o_.parameter_dependent_bounds ? views(Kind::Real, 0, Domain::Any, IntDomain::Any, true) : std::vector<View>{};
    std::vector<View> unit =
        o_.parameter_dependent_bounds ? views(Kind::Real, 0, Domain::Unit, IntDomain::Any, true) : std::vector<View>{};
    switch (c_.weighted({35, 20, 12, 5, 5, 8, 5, earlier.empty() ? 0 : 8, unit.empty() ? 0 : 10})) {
      case 0:
        return {"", Domain::Any};
      case 1:
        return {"<lower=0>", Domain::Positive};
      case 2:
        return {"<lower=0, upper=1>", Domain::Unit};
      case 3:
        return {"<lower=1.5>", Domain::Positive};
      case 4:
        return {"<upper=2>", Domain::Any};
      case 5:
        return {"<lower=-1, upper=3>", Domain::Any};
      case 6:
        if (auto s = known_scalar(false)) {
          return {"<lower=" + s->first + ">", s->second >= 0 ? Domain::Positive : Domain::Any};
        }
        return {"<lower=0>", Domain::Positive};
      case 7: {
        const std::string p = view_text(earlier[c_.pick(earlier.size())]);
        if (c_.chance(50)) return {"<lower=" + p + ">", Domain::Any};
        return {"<lower=" + p + ", upper=" + p + " + 2>", Domain::Any};
      }
      default: {
        // GARCH's stationarity bound: 0 < beta < 1 - alpha for alpha in (0, 1).
        const std::string p = view_text(unit[c_.pick(unit.size())]);
        return {"<lower=0, upper=(1 - " + p + ")>", Domain::Unit};
      }
    }
  }

  void parameter_declaration() {
    Var v;
    v.name = fresh("p");
    v.block = Block::Parameters;
    v.parameter_dependent = true;
    v.is_final = true;
    choose_shape(v, false, true);
    auto [bounds, domain] = parameter_bounds();
    v.domain = domain;
    line(declaration(v, bounds) + ";");
    declare(std::move(v));
  }

  // -------------------------------------------------------------------------
  // Blocks

  void open_block(Block block, const char* header) {
    block_ = block;
    line(std::string(header) + " {");
    ++indent_;
  }

  void close_block() {
    --indent_;
    line("}");
  }

  void data_block() {
    open_block(Block::Data, "data");
    for (int64_t i = c_.in_range(1, 2); i > 0; --i) size_declaration();
    for (int64_t i = c_.in_range(0, 4); i > 0; --i) data_declaration();
    if (o_.data_indices && c_.chance(50)) index_array_declaration();
    close_block();
  }

  void transformed_data_block() {
    open_block(Block::TransformedData, "transformed data");
    for (int64_t i = c_.in_range(1, 3); i > 0; --i) variable_declaration(false, true);
    statements(c_.in_range(0, 2), 0);
    close_block();
  }

  void parameters_block() {
    open_block(Block::Parameters, "parameters");
    for (int64_t i = c_.in_range(1, std::max(1, o_.max_parameters)); i > 0; --i) parameter_declaration();
    close_block();
  }

  void transformed_parameters_block() {
    open_block(Block::TransformedParameters, "transformed parameters");
    for (int64_t i = c_.in_range(1, 3); i > 0; --i) variable_declaration(false, false);
    statements(c_.in_range(0, 2), 0);
    close_block();
  }

  void model_block() {
    open_block(Block::Model, "model");
    scopes_.emplace_back();
    statements(c_.in_range(1, o_.max_block_statements + 2), 0);
    scopes_.pop_back();
    close_block();
  }

  void generated_quantities_block() {
    open_block(Block::GeneratedQuantities, "generated quantities");
    for (int64_t i = c_.in_range(1, 3); i > 0; --i) variable_declaration(false, true);
    statements(c_.in_range(0, 2), 0);
    close_block();
  }

  ChoiceSource& c_;
  const GeneratorOptions& o_;
  std::vector<std::vector<Var>> scopes_;
  Block block_ = Block::Data;
  bool data_only_ = false;
  int in_branch_ = 0;  // nesting of if bodies around the statement being written
  int indent_ = 0;
  int next_name_ = 1;
  std::string out_;
  std::string json_;
};

}  // namespace

GeneratedProgram generate_program(ChoiceSource& choices, const GeneratorOptions& options) {
  return Generator(choices, options).run();
}

GeneratedProgram generate_program(uint64_t seed, const GeneratorOptions& options) {
  SeededChoices choices(seed);
  return generate_program(choices, options);
}

}  // namespace vic::fuzz
