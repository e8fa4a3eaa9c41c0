// Evaluating the layout's sizes once the data are bound, and CmdStan's names.
// The arithmetic is Stan's on ints and reals, as the frontend's constant
// evaluator does it (frontend/const_eval.cpp), with the same messages.
#include "ir/layout.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "support/check.h"
#include "support/limits.h"

namespace vic::ir {
namespace {

bool is_int(const SizeScalar& s) { return std::holds_alternative<int64_t>(s); }
double to_double(const SizeScalar& s) {
  return is_int(s) ? static_cast<double>(std::get<int64_t>(s)) : std::get<double>(s);
}
SizeScalar truth(bool b) { return SizeScalar{int64_t{b}}; }

Expected<SizeScalar> binary(const SizeExpr::Step& e, const SizeScalar& a, const SizeScalar& b) {
  using Op = SizeExpr::Op;
  auto at = [&e] { return e.loc.str() + ": "; };
  if (is_int(a) && is_int(b) &&
      (e.op == Op::Add || e.op == Op::Sub || e.op == Op::Mul || e.op == Op::Div || e.op == Op::IntDiv ||
       e.op == Op::Mod)) {
    const int64_t x = std::get<int64_t>(a), y = std::get<int64_t>(b);
    std::optional<int64_t> r;
    switch (e.op) {
      case Op::Add:
        r = limits::checked_add(x, y);
        break;
      case Op::Sub:
        r = limits::checked_sub(x, y);
        break;
      case Op::Mul:
        r = limits::checked_mul(x, y);
        break;
      default:
        if (y == 0) return Error{at() + (e.op == Op::Mod ? "integer modulus by zero" : "integer division by zero")};
        // The one quotient that does not fit: INT64_MIN / -1.
        if (!(x == std::numeric_limits<int64_t>::min() && y == -1)) r = e.op == Op::Mod ? x % y : x / y;
        break;
    }
    if (!r)
      return Error{at() + "integer overflow in " + std::to_string(x) + " " + e.spelling + " " + std::to_string(y)};
    return SizeScalar{*r};
  }
  const double x = to_double(a), y = to_double(b);
  switch (e.op) {
    case Op::Add:
      return SizeScalar{x + y};
    case Op::Sub:
      return SizeScalar{x - y};
    case Op::Mul:
      return SizeScalar{x * y};
    case Op::Div:
      return SizeScalar{x / y};
    case Op::Pow:
      return SizeScalar{std::pow(x, y)};
    case Op::Lt:
      return truth(x < y);
    case Op::Le:
      return truth(x <= y);
    case Op::Gt:
      return truth(x > y);
    case Op::Ge:
      return truth(x >= y);
    case Op::Eq:
      return truth(x == y);
    case Op::Ne:
      return truth(x != y);
    case Op::And:
      return truth(x != 0 && y != 0);
    case Op::Or:
      return truth(x != 0 || y != 0);
    default:
      return Error{at() + "cannot evaluate this operator here"};
  }
}

}  // namespace

Expected<SizeScalar> evaluate_size(const SizeExpr& e, const SizeLookup& lookup) {
  switch (e.kind) {
    case SizeExpr::Kind::Int:
      return SizeScalar{e.integer};
    case SizeExpr::Kind::Real:
      return SizeScalar{e.real};
    case SizeExpr::Kind::Data: {
      std::optional<SizeScalar> v = lookup(e.text);
      if (!v) return Error{e.loc.str() + ": the value of '" + e.text + "' is not known here"};
      return *v;
    }
    case SizeExpr::Kind::Unary: {
      Expected<SizeScalar> x = evaluate_size(e.operands.at(0), lookup);
      if (!x) return x;
      if (e.op == SizeExpr::Op::Not) return truth(to_double(*x) == 0);
      if (!is_int(*x)) return SizeScalar{-std::get<double>(*x)};
      const int64_t n = std::get<int64_t>(*x);
      if (n == std::numeric_limits<int64_t>::min()) {
        return Error{e.loc.str() + ": integer overflow in -(" + std::to_string(n) + ")"};
      }
      return SizeScalar{-n};
    }
    case SizeExpr::Kind::Binary: {
      Expected<SizeScalar> acc = evaluate_size(e.operands.at(0), lookup);
      for (size_t k = 0; k < e.steps.size() && acc; ++k) {
        Expected<SizeScalar> y = evaluate_size(e.operands.at(k + 1), lookup);
        if (!y) return y;
        acc = binary(e.steps[k], *acc, *y);
      }
      return acc;
    }
    case SizeExpr::Kind::Select: {
      Expected<SizeScalar> cond = evaluate_size(e.operands.at(0), lookup);
      if (!cond) return cond;
      return evaluate_size(e.operands.at(to_double(*cond) != 0 ? 1 : 2), lookup);
    }
    case SizeExpr::Kind::Unknown:
      return Error{e.loc.str() + ": " + e.text};
  }
  return Error{e.loc.str() + ": cannot evaluate this size"};
}

const char* transform_name(Transform t) {
  switch (t) {
    case Transform::Identity: return "identity";
    case Transform::Lower: return "lower";
    case Transform::Upper: return "upper";
    case Transform::LowerUpper: return "lower-upper";
    case Transform::OffsetMultiplier: return "offset-multiplier";
    case Transform::Simplex: return "simplex";
    case Transform::Ordered: return "ordered";
    case Transform::PositiveOrdered: return "positive_ordered";
    case Transform::UnitVector: return "unit_vector";
    case Transform::SumToZero: return "sum_to_zero_vector";
    case Transform::CholeskyFactorCorr: return "cholesky_factor_corr";
    case Transform::CholeskyFactorCov: return "cholesky_factor_cov";
    case Transform::CorrMatrix: return "corr_matrix";
    case Transform::CovMatrix: return "cov_matrix";
  }
  return "?";
}

namespace {

// How many of a variable's last dims one transformed container spans.
size_t shape_rank(Transform t) {
  switch (t) {
    case Transform::Identity:
    case Transform::Lower:
    case Transform::Upper:
    case Transform::LowerUpper:
    case Transform::OffsetMultiplier: return 0;
    case Transform::Simplex:
    case Transform::Ordered:
    case Transform::PositiveOrdered:
    case Transform::UnitVector:
    case Transform::SumToZero: return 1;
    default: return 2;
  }
}

}  // namespace

int64_t free_values(Transform t, const std::vector<int64_t>& shape) {
  const int64_t k = shape.empty() ? 1 : shape[0];
  switch (t) {
    case Transform::Simplex:
    case Transform::SumToZero: return k > 0 ? k - 1 : 0;
    case Transform::CholeskyFactorCorr:
    case Transform::CorrMatrix: return k * (k - 1) / 2;
    case Transform::CovMatrix: return k * (k + 1) / 2;
    case Transform::CholeskyFactorCov: {
      const int64_t n = shape.size() > 1 ? shape[1] : k;
      return n * (n + 1) / 2 + (k - n) * n;
    }
    default: {
      int64_t n = 1;
      for (int64_t d : shape) n *= d;
      return n;
    }
  }
}

int64_t unconstrained_size(Transform t, const std::vector<int64_t>& dims) {
  const size_t rank = std::min(shape_rank(t), dims.size());
  int64_t n = 1;
  for (size_t i = 0; i + rank < dims.size(); ++i) n *= dims[i];
  return n * free_values(t, std::vector<int64_t>(dims.end() - static_cast<long>(rank), dims.end()));
}

Expected<ResolvedLayout> resolve_layout(const ProgramLayout& layout, const SizeLookup& lookup) {
  ResolvedLayout out;
  for (const Plate& p : layout.plates) {
    auto count = [&](const SizeExpr& e, const char* what) -> Expected<int64_t> {
      Expected<SizeScalar> n = evaluate_size(e, lookup);
      if (!n) return Error{n.error()};
      if (!is_int(*n) || std::get<int64_t>(*n) < 0)
        return Error{e.loc.str() + ": the " + what + " of plate '" + p.name + "' is not a non-negative int"};
      return std::get<int64_t>(*n);
    };
    Expected<int64_t> size = count(p.size, "size");
    if (!size) return Error{size.error()};
    Expected<int64_t> batch = p.batch_size ? count(*p.batch_size, "batch size") : *size;
    if (!batch) return Error{batch.error()};
    if (*batch > *size)
      return Error{p.batch_size->loc.str() + ": the batch size of plate '" + p.name + "' (" + std::to_string(*batch) +
                   ") is larger than the plate (" + std::to_string(*size) + ")"};
    out.plates.push_back({p.name, *size, *batch});
  }
  for (const LayoutVariable& v : layout.variables) {
    auto at = [&v] { return v.loc.str() + ": "; };
    ResolvedVariable r{v.name, v.block, v.transform, {}, 1, 0, 0, 0, v.plate};
    for (const SizeExpr& dim : v.dims) {
      Expected<SizeScalar> n = evaluate_size(dim, lookup);
      if (!n) return Error{n.error()};
      if (!is_int(*n)) return Error{at() + "the size of '" + v.name + "' is not an int"};
      if (std::get<int64_t>(*n) < 0) {
        return Error{at() + "the size of '" + v.name + "' is negative (" + std::to_string(std::get<int64_t>(*n)) + ")"};
      }
      r.dims.push_back(std::get<int64_t>(*n));
    }
    if (v.plate >= 0) {
      VIC_CHECK(static_cast<size_t>(v.plate) < out.plates.size()) << v.name << ": no plate " << v.plate;
      const ResolvedPlate& plate = out.plates[static_cast<size_t>(v.plate)];
      if (r.dims.empty() || r.dims[0] != plate.size)
        return Error{at() + "'" + v.name + "' is local to plate '" + plate.name + "' of " + std::to_string(plate.size) +
                     " items, but its first size is not that"};
    }
    // All dimensions together, checked before anything is allocated.
    for (int64_t d : r.dims) {
      std::optional<int64_t> product = limits::checked_mul(r.size, d);
      if (!product || *product > limits::kMaxContainerElements) {
        std::string spelled;
        for (int64_t x : r.dims) spelled += (spelled.empty() ? "" : " x ") + std::to_string(x);
        return Error{at() + "'" + v.name + "' would hold " + spelled + " elements, more than the " +
                     std::to_string(limits::kMaxContainerElements) + " one container may hold"};
      }
      r.size = *product;
    }
    r.output_offset = out.num_outputs;
    out.num_outputs += r.size;  // at most (variables) x 2^31: no overflow
    if (v.block == OutputBlock::Parameters && v.plate < 0) {
      r.unconstrained_offset = out.unconstrained_size;
      if (v.transform == Transform::CholeskyFactorCov && r.dims.size() >= 2 &&
          r.dims[r.dims.size() - 2] < r.dims.back()) {
        return Error{at() + "cholesky_factor_cov[M, N] needs at least as many rows as columns; '" + v.name +
                     "' has " + std::to_string(r.dims[r.dims.size() - 2]) + " rows and " +
                     std::to_string(r.dims.back()) + " columns"};
      }
      r.unconstrained_size = unconstrained_size(v.transform, r.dims);
      out.unconstrained_size += r.unconstrained_size;
      out.num_parameter_outputs += r.size;
    } else if (v.block == OutputBlock::TransformedParameters) {
      out.num_transformed_outputs += r.size;
    }
    out.variables.push_back(std::move(r));
  }
  for (const NetworkLayout& n : layout.networks) {
    ResolvedNetwork r{n.name, {}, out.unconstrained_size, 0};
    for (size_t k = 0; k < n.sizes.size(); ++k) {
      Expected<SizeScalar> size = evaluate_size(n.sizes[k], lookup);
      if (!size) return Error{size.error()};
      if (!is_int(*size) || std::get<int64_t>(*size) < 1)
        return Error{n.sizes[k].loc.str() + ": the network '" + n.name + "' needs positive int sizes; size " +
                     std::to_string(k + 1) + " is not one"};
      r.sizes.push_back(std::get<int64_t>(*size));
    }
    for (size_t k = 0; k + 1 < r.sizes.size(); ++k) {
      std::optional<int64_t> weights = limits::checked_mul(r.sizes[k] + 1, r.sizes[k + 1]);
      if (!weights || *weights > limits::kMaxContainerElements)
        return Error{n.loc.str() + ": layer " + std::to_string(k + 1) + " of the network '" + n.name +
                     "' would have more than " + std::to_string(limits::kMaxContainerElements) + " weights"};
      r.size += *weights;
    }
    out.unconstrained_size += r.size;
    out.networks.push_back(std::move(r));
  }
  return out;
}

const ResolvedVariable* ResolvedLayout::find(const std::string& name) const {
  for (const ResolvedVariable& v : variables)
    if (v.name == name) return &v;
  return nullptr;
}

std::vector<std::string> ResolvedLayout::output_names() const {
  std::vector<std::string> names;
  names.reserve(static_cast<size_t>(num_outputs));
  for (const ResolvedVariable& v : variables) append_cmdstan_names(v.name, v.dims, names);
  return names;
}

void append_cmdstan_names(const std::string& name, const std::vector<int64_t>& dims, std::vector<std::string>& out) {
  int64_t total = 1;
  for (int64_t d : dims) total *= d;
  for (int64_t col = 0; col < total; ++col) {
    std::string n = name;
    int64_t rest = col;
    for (int64_t d : dims) {
      n += "." + std::to_string(rest % d + 1);
      rest /= d;
    }
    out.push_back(std::move(n));
  }
}

}  // namespace vic::ir
