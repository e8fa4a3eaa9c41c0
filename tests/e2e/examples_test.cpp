// Every example and a model touring the language subset: `vic gradcheck`
// agrees with finite differences, and the tour fits.
#include <gtest/gtest.h>

#include "runtime/advi.h"
#include "test_util.h"

namespace vic {
namespace {

// `vic gradcheck` agrees with finite differences on every example.
TEST(Examples, GradcheckAgreesOnEveryExample) {
  for (const char* name : {"eight_schools", "kidiq_momiq", "kidiq_interaction_z", "garch"}) {
    auto m = testing_util::compile_example(name);
    ASSERT_TRUE(m) << name;
    testing_util::expect_gradcheck_passes(m->model(), 3, name);
  }
}

// A model touring the language: its gradient is right and it fits.
TEST(Examples, LanguageTourGradientAndFit) {
  std::string dir = std::string(VIC_SOURCE_DIR) + "/tests/e2e/models/";
  auto m = testing_util::compile_source("language_tour", testing_util::read_file(dir + "language_tour.vmodel"),
                                        testing_util::read_file(dir + "language_tour.json"));
  ASSERT_TRUE(m);
  testing_util::expect_gradcheck_passes(m->model(), 3, "language tour");
  Rng rng(1);
  Expected<runtime::AdviResult> fit = runtime::run_advi(m->model(), runtime::AdviSettings{}, rng);
  ASSERT_TRUE(fit) << fit.error();
  Expected<runtime::Draws> draws = runtime::draw_approximation(m->model(), *fit, 100, rng);
  ASSERT_TRUE(draws) << draws.error();
  EXPECT_EQ(draws->num_constrain_errors, 0u);
}

}  // namespace
}  // namespace vic
