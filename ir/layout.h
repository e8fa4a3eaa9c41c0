// The program's layout: each parameter with its constraint transform and its
// place in the unconstrained vector theta, and each output (parameters,
// transformed parameters, generated quantities) with its sizes and CmdStan
// column names. Lowering records it symbolically (sizes are expressions over
// scalar data fields, as `vector[N - 1]` declares them); resolve_layout gives
// the numbers once the data are known.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "support/expected.h"
#include "support/source.h"

namespace vic::ir {

// A scalar a size expression computes with: sizes are ints, but a condition
// inside one may compare reals (`array[x > 0 ? 1 : 2]`).
using SizeScalar = std::variant<int64_t, double>;

// A size before the data are bound: constants, scalar data fields, and the
// arithmetic, comparisons and conditionals Stan allows in a declaration's sizes.
struct SizeExpr {
  enum class Kind : uint8_t { Int, Real, Data, Unary, Binary, Select, Unknown };
  enum class Op : uint8_t { Neg, Not, Add, Sub, Mul, Div, IntDiv, Mod, Pow, Lt, Le, Gt, Ge, Eq, Ne, And, Or };
  // One operator of a left-associative chain, with its spelling and place for messages.
  struct Step {
    Op op;
    std::string spelling;
    SourceLoc loc;
  };

  Kind kind = Kind::Int;
  Op op = Op::Neg;      // Unary: Neg or Not
  int64_t integer = 0;  // Int
  double real = 0;      // Real
  std::string text;     // Data: the field's name; Unknown: why it cannot be evaluated
  // Unary: 1. Select: 3 (condition, then, else). Binary: a chain
  // `operands[0] steps[0] operands[1] steps[1] ...`, kept flat so that a sum of
  // 10^5 terms is not 10^5 levels deep.
  std::vector<SizeExpr> operands;
  std::vector<Step> steps;  // Binary: operands.size() - 1 of them
  SourceLoc loc;
};

// The value of a scalar data field, or nullopt when it is not bound.
using SizeLookup = std::function<std::optional<SizeScalar>(const std::string& field)>;

// The value of `e`; an error starts with the source place it concerns.
Expected<SizeScalar> evaluate_size(const SizeExpr& e, const SizeLookup& lookup);

// How a parameter's unconstrained values become its constrained ones: the
// bounds map each real to one real; the constrained types (Stan's transforms)
// map a vector or matrix to one with fewer free values (unconstrained_size).
enum class Transform : uint8_t {
  Identity,
  Lower,
  Upper,
  LowerUpper,
  OffsetMultiplier,
  Simplex,
  Ordered,
  PositiveOrdered,
  UnitVector,
  SumToZero,
  CholeskyFactorCorr,
  CholeskyFactorCov,
  CorrMatrix,
  CovMatrix,
};
const char* transform_name(Transform t);  // "identity", "lower", "upper", "lower-upper", "simplex", ...
// The free values of one container of the transform's type, from its shape
// dims (K for a vector; M, N for a matrix); the count for the bounds' elementwise transforms.
int64_t free_values(Transform t, const std::vector<int64_t>& shape);
// A variable's elements in theta: free_values of each container of its type.
int64_t unconstrained_size(Transform t, const std::vector<int64_t>& dims);

enum class OutputBlock : uint8_t { Parameters, TransformedParameters, GeneratedQuantities };

// A plate: data items that are conditionally independent given the global
// parameters (Pyro's `plate`), `size` of them. A variable over a plate is
// local, one per item: its first dimension runs over the items. Amortized
// inference (vic train) keeps local latents out of theta (a guide produces
// them) and evaluates the density on minibatches of `batch_size` items, the
// plate's sums scaled by size / batch_size. The language declares no
// plates of their own: a program with a guide has one, the first size of its
// `latent` parameters.
struct Plate {
  std::string name;
  SizeExpr size;
  std::optional<SizeExpr> batch_size;  // none: every item at every step
};

// A network's dense layers, sizes[k] -> sizes[k + 1]. Its weights follow the
// parameters in theta, layer by layer: the weight matrix (out x in, row-major,
// as PyTorch's Linear keeps it), then the bias.
struct NetworkLayout {
  std::string name;
  std::vector<SizeExpr> sizes;
  SourceLoc loc;
};

// One output variable as lowering records it.
struct LayoutVariable {
  std::string name;
  OutputBlock block = OutputBlock::Parameters;
  Transform transform = Transform::Identity;  // Identity outside the parameters
  std::vector<SizeExpr> dims;                 // array dims then vector/matrix dims; empty for a scalar
  SourceLoc loc;
  int plate = -1;  // the ProgramLayout::plates entry its first dimension runs over; -1: global
};

// Every output variable in constrain's order: parameters (also theta's order),
// then transformed parameters, then generated quantities.
struct ProgramLayout {
  std::vector<LayoutVariable> variables;
  std::vector<Plate> plates;
  std::vector<NetworkLayout> networks;
};

// One variable with its sizes known.
struct ResolvedVariable {
  std::string name;
  OutputBlock block = OutputBlock::Parameters;
  Transform transform = Transform::Identity;
  std::vector<int64_t> dims;
  int64_t size = 1;                  // constrained elements
  int64_t output_offset = 0;         // first column in constrain's output
  int64_t unconstrained_offset = 0;  // parameters: first element in theta
  int64_t unconstrained_size = 0;    // parameters: elements in theta; 0 otherwise
  int plate = -1;                    // as LayoutVariable::plate
};

struct ResolvedPlate {
  std::string name;
  int64_t size = 0;
  int64_t batch_size = 0;  // size when not subsampled
};

struct ResolvedNetwork {
  std::string name;
  std::vector<int64_t> sizes;
  int64_t offset = 0;  // the first weight in theta
  int64_t size = 0;    // weights and biases
};

// The layout with the data's sizes: what the runtime and the CSV writer need.
struct ResolvedLayout {
  std::vector<ResolvedVariable> variables;
  std::vector<ResolvedPlate> plates;
  std::vector<ResolvedNetwork> networks;
  int64_t unconstrained_size = 0;  // the dimension of theta
  int64_t num_outputs = 0;
  int64_t num_parameter_outputs = 0;
  int64_t num_transformed_outputs = 0;

  const ResolvedVariable* find(const std::string& name) const;
  // CmdStan's column names of every output, in order ("mu", "theta.1", "Sigma.1.2").
  std::vector<std::string> output_names() const;
};

// The elements of theta a parameter with this transform and these constrained
// sizes takes.
int64_t unconstrained_size(Transform t, const std::vector<int64_t>& dims);

// Evaluates every size. Errors name the declaration's place: a size that is
// not an int, negative, or a container over limits::kMaxContainerElements.
Expected<ResolvedLayout> resolve_layout(const ProgramLayout& layout, const SizeLookup& lookup);

// CmdStan's names for a variable: "theta.1", "Sigma.1.2", the first index
// fastest (column-major), appended to `out`.
void append_cmdstan_names(const std::string& name, const std::vector<int64_t>& dims, std::vector<std::string>& out);

}  // namespace vic::ir
