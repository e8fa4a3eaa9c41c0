// The few out-of-line pieces of the AST: spellings of types, operators and
// blocks, and the walks along a chain's left spine.
#include "frontend/ast.h"

namespace vic::ast {

Binary::~Binary() {
  // Unlink the spine one node at a time, so a 10^5-term chain is freed
  // without 10^5 nested destructor calls.
  ExprPtr next = std::move(lhs);
  while (next && next->kind == ExprKind::Binary) next = std::move(static_cast<Binary&>(*next).lhs);
}

std::vector<Binary*> left_spine(Binary& top) {
  std::vector<Binary*> spine{&top};
  while (spine.back()->lhs->kind == ExprKind::Binary) spine.push_back(&spine.back()->lhs->as<Binary>());
  return spine;
}

std::vector<const Binary*> left_spine(const Binary& top) {
  std::vector<const Binary*> spine{&top};
  while (spine.back()->lhs->kind == ExprKind::Binary) spine.push_back(&spine.back()->lhs->as<Binary>());
  return spine;
}

int Type::num_dims() const {
  int container = shape == Shape::Scalar ? 0 : shape == Shape::Matrix ? 2 : 1;
  return array_rank + container;
}

std::string Type::str() const {
  if (error) return "<error>";
  std::string element;
  switch (shape) {
    case Shape::Scalar: element = base == BaseType::Int ? "int" : "real"; break;
    case Shape::Vector: element = "vector"; break;
    case Shape::RowVector: element = "row_vector"; break;
    case Shape::Matrix: element = "matrix"; break;
  }
  if (array_rank == 0) return element;
  return "array[" + std::string(static_cast<size_t>(array_rank - 1), ',') + "] " + element;
}

const char* binary_op_spelling(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return "+";
    case BinaryOp::Sub: return "-";
    case BinaryOp::Mul: return "*";
    case BinaryOp::Div: return "/";
    case BinaryOp::IntDiv: return "%/%";
    case BinaryOp::Mod: return "%";
    case BinaryOp::Pow: return "^";
    case BinaryOp::EltMul: return ".*";
    case BinaryOp::EltDiv: return "./";
    case BinaryOp::Less: return "<";
    case BinaryOp::LessEq: return "<=";
    case BinaryOp::Greater: return ">";
    case BinaryOp::GreaterEq: return ">=";
    case BinaryOp::Equal: return "==";
    case BinaryOp::NotEqual: return "!=";
    case BinaryOp::And: return "&&";
    case BinaryOp::Or: return "||";
  }
  return "?";
}

const char* constraint_name(Constraint c) {
  switch (c) {
    case Constraint::None: return "none";
    case Constraint::Simplex: return "simplex";
    case Constraint::Ordered: return "ordered";
    case Constraint::PositiveOrdered: return "positive_ordered";
    case Constraint::UnitVector: return "unit_vector";
    case Constraint::SumToZero: return "sum_to_zero_vector";
    case Constraint::CholeskyFactorCorr: return "cholesky_factor_corr";
    case Constraint::CholeskyFactorCov: return "cholesky_factor_cov";
    case Constraint::CorrMatrix: return "corr_matrix";
    case Constraint::CovMatrix: return "cov_matrix";
  }
  return "?";
}

const char* block_kind_name(BlockKind block) {
  switch (block) {
    case BlockKind::Data: return "data";
    case BlockKind::TransformedData: return "transformed data";
    case BlockKind::Parameters: return "parameters";
    case BlockKind::TransformedParameters: return "transformed parameters";
    case BlockKind::Model: return "model";
    case BlockKind::GeneratedQuantities: return "generated quantities";
    case BlockKind::Functions: return "functions";
  }
  return "?";
}

}  // namespace vic::ast
