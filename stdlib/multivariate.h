// The distributions of whole vectors and matrices: dirichlet, categorical,
// categorical_logit, multi_normal, multi_normal_cholesky, multi_student_t,
// multi_student_t_cholesky, multinomial, multinomial_logit, poisson_binomial,
// ordered_logistic, ordered_probit, lkj_corr, lkj_corr_cholesky, wishart,
// inv_wishart, wishart_cholesky and inv_wishart_cholesky (densities and draws),
// vectorised over arrays of vectors as Stan vectorises them. Their linear
// algebra goes through the container functions' kernels (cholesky_decompose,
// mdivide_left_tri_low, inverse_spd), which have their own adjoints.
#pragma once

#include <string_view>
#include <vector>

#include "stdlib/container_functions.h"

namespace vic::stdlib {

bool is_multivariate(std::string_view dist);

// The log density of `dist` at args (the variate, then the parameters);
// `parameter[i]` says whether args[i] can change with the parameters (under
// `~` a term of data alone is dropped).
ir::Value* build_multivariate_density(ir::Builder& b, std::string_view dist, const std::vector<ContainerArg>& args,
                                      const std::vector<bool>& parameter, bool propto, const AddCheck& add_check);

// A draw: an int (categorical), a vector's elements, an array of vectors
// (multi_normal's of an array of locations), a matrix's (wishart's, row-major)
// or an int array's (multinomial's, i64 elements with their tensor).
ContainerResult build_multivariate_rng(ir::Builder& b, std::string_view dist, const std::vector<ContainerArg>& params,
                                       const AddCheck& add_check);

}  // namespace vic::stdlib
