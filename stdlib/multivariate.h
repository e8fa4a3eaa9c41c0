// The distributions of whole vectors and matrices: dirichlet, categorical,
// categorical_logit, multi_normal, multi_normal_cholesky, poisson_binomial
// (densities and draws) and lkj_corr_cholesky (its density), vectorised over arrays of vectors as Stan vectorises them. Their
// linear algebra goes through the container functions' kernels
// (cholesky_decompose, mdivide_left_tri_low), which have their own adjoints.
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

// A draw: an int (categorical) or a vector's elements.
ContainerResult build_multivariate_rng(ir::Builder& b, std::string_view dist, const std::vector<ContainerArg>& params,
                                       const AddCheck& add_check);

}  // namespace vic::stdlib
