// Tests for initialize_unconstrained's messages when no initial point works: a
// density that is not finite anywhere while it reads infinite data names that
// data; otherwise Stan's wording stays, naming the last failed check.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "runtime/initialize.h"

namespace vic::runtime {
namespace {

// A one-parameter model whose densities return `lp` (and a finite or NaN
// gradient), reject with check 1 when `fail_check`, and report `non_finite`.
class FixedDensity : public Model {
 public:
  FixedDensity(double lp, std::string non_finite, bool fail_check = false, double grad = 0)
      : lp_(lp), non_finite_(std::move(non_finite)), fail_check_(fail_check), grad_(grad) {}
  size_t dim() const override { return 1; }
  const std::vector<std::string>& output_names() const override { return names_; }
  size_t num_parameter_outputs() const override { return 1; }
  size_t num_transformed_outputs() const override { return 0; }
  double lp_grad(const double*, double* grad, EvalError* error) const override {
    grad[0] = grad_;
    return lp(nullptr, error);
  }
  double lp(const double*, EvalError* error) const override {
    if (fail_check_) {
      *error = 1;
      return -std::numeric_limits<double>::infinity();
    }
    return lp_;
  }
  void constrain(const double*, Rng&, double* out, EvalError*) const override { out[0] = 0; }
  void unconstrain(const double* values, double* theta, EvalError*) const override { theta[0] = values[0]; }
  std::string describe_error(EvalError) const override {
    return "m.vmodel:2:7: normal_lpdf: Scale parameter must be positive";
  }
  std::string non_finite_data() const override { return non_finite_; }

 private:
  double lp_;
  std::string non_finite_;
  bool fail_check_;
  double grad_;
  std::vector<std::string> names_{"mu"};
};

std::string error_of(const Model& model, double radius = 2, const std::vector<double>* user_init = nullptr) {
  Rng rng(1);
  Expected<std::vector<double>> init = initialize_unconstrained(model, rng, radius, user_init, {});
  EXPECT_FALSE(init);
  return init ? "" : init.error();
}

const double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(InitializeBadData, InfiniteDensityNamesTheInfiniteData) {
  EXPECT_EQ(error_of(FixedDensity(-kInf, "data field 'y' is inf")),
            "initialization failed: the log density is -inf at every initial point; data field 'y' is inf");
  EXPECT_EQ(error_of(FixedDensity(kNaN, "data field 'y': element 2.1 is -inf")),
            "initialization failed: the log density is NaN at every initial point; data field 'y': element 2.1 is "
            "-inf");
}

TEST(InitializeBadData, InfiniteGradientNamesTheInfiniteData) {
  EXPECT_EQ(error_of(FixedDensity(-1, "data field 'x' is inf", false, kNaN)),
            "initialization failed: the gradient is not finite at every initial point; data field 'x' is inf");
}

TEST(InitializeBadData, AtZeroAndAtAGivenPoint) {
  std::vector<double> point = {0.5};
  EXPECT_EQ(error_of(FixedDensity(-kInf, "data field 'y' is inf"), 0),
            "initialization at zero failed: the log density is -inf; data field 'y' is inf");
  EXPECT_EQ(error_of(FixedDensity(-kInf, "data field 'y' is inf"), 2, &point),
            "the given initial point is not usable: the log density is -inf; data field 'y' is inf");
}

TEST(InitializeBadData, WithoutInfiniteDataStansWordingStays) {
  EXPECT_EQ(error_of(FixedDensity(-kInf, "")),
            "initialization between (-2, 2) failed after 100 attempts (last: the log density is -inf); try reducing "
            "ranges of constrained values or reparameterizing the model");
}

TEST(InitializeBadData, AFailedCheckIsNamedNotTheData) {
  EXPECT_EQ(error_of(FixedDensity(-kInf, "data field 'y' is inf", true)),
            "initialization between (-2, 2) failed after 100 attempts (last: error evaluating the log density: "
            "m.vmodel:2:7: normal_lpdf: Scale parameter must be positive); try reducing ranges of constrained values "
            "or reparameterizing the model");
}

}  // namespace
}  // namespace vic::runtime
