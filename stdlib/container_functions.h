// The functions of whole containers (sum, mean, sd, max, log_sum_exp,
// dot_product, rows, cols, rep_vector, to_vector, head, tail, segment,
// append_row, cholesky_decompose, mdivide_left_tri_low, inverse, the
// determinants and the solves, the sorts and rank), written once as IR over the elements of their
// arguments (the linear algebra as tensor ops and kernel calls with their own
// adjoints). The lowering hands each argument over as an element generator,
// so `sum(mu + tau * v)` is one loop with no temporary vector.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ir/builder.h"
#include "stdlib/distributions.h"

namespace vic::stdlib {

// How an argument is shaped, in Stan's terms.
enum class ArgShape { Scalar, Vector, RowVector, Matrix, Array };

// A container argument: its element count, its sizes when known (array dims
// then vector dims: a matrix's rows and columns), and element i (row-major).
struct Elements {
  ir::Value* size = nullptr;
  std::vector<ir::Value*> dims;
  std::function<ir::Value*(ir::Builder&, ir::Value*)> element;
  // The tensor whose elements these are, in order, when there is one (a
  // whole variable, a product): reductions of it are tensor.reduce ops.
  ir::Value* tensor = nullptr;
  // i64 for an int array's elements.
  ir::Type element_type = ir::Type::F64;
};

struct ContainerArg {
  ArgShape shape;
  ir::Value* scalar = nullptr;  // when shape is Scalar
  Elements elements;            // otherwise
};

// A call's value: a scalar, or a container given by its elements.
struct ContainerResult {
  ir::Value* scalar = nullptr;
  Elements elements;
};

// The call of `name` on `args`, or nullopt when `name` is not one of these
// functions.
std::optional<ContainerResult> build_container_function(ir::Builder& b, const std::string& name,
                                                        const std::vector<ContainerArg>& args,
                                                        const AddCheck& add_check);

// sum over i of f(element i of each container argument, scalars repeated),
// the containers' sizes checked equal.
ir::Value* sum_over(ir::Builder& b, const std::vector<ContainerArg>& args,
                    const std::function<ir::Value*(ir::Builder&, const std::vector<ir::Value*>&)>& f,
                    const AddCheck& add_check);

// The elements as a tensor of reals: the tensor they come from, or a
// tensor.generate of them (ints and booleans converted).
ir::Value* as_tensor(ir::Builder& b, const Elements& x);

// The Cholesky factor of the square matrix a (cholesky_decompose's kernel):
// its failures are "<name>: the matrix is not square", "<name>: Matrix <arg>
// is not symmetric" and "... is not positive definite".
Elements cholesky_decompose(ir::Builder& b, const Elements& a, const AddCheck& add_check,
                            const std::string& name = "cholesky_decompose", const std::string& arg = "m");

// The elements of a matrix (rows x cols, row-major) read column by column:
// the transpose's order, and to_vector's.
Elements column_major(const Elements& matrix);

}  // namespace vic::stdlib
