// The program generator (fuzz/program_generator.h) stays honest: programs from
// fixed seeds pass `vic check` and their data loads, each feature appears,
// options keep features out, and choices are read as documented.
#include "fuzz/program_generator.h"

#include <gtest/gtest.h>

#include "tools/model_compiler.h"

namespace vic::fuzz {
namespace {

constexpr uint64_t kSeeds = 200;

// Checks the program and loads its data; an empty string when both succeed.
std::string check_program(const GeneratedProgram& p) {
  tools::CheckedModel m = tools::check_model_source("generated.vmodel", p.model);
  if (!m.ast) return "vic check fails:\n" + m.diagnostics.str() + "\n" + p.model;
  Expected<runtime::DataSet> data =
      runtime::read_stan_json(p.data_json, "generated.json", tools::data_declarations(*m.ast));
  if (!data) return "the data is rejected: " + data.error() + "\n" + p.model + "\n" + p.data_json;
  return "";
}

TEST(ProgramGenerator, ProgramsFromTwoHundredSeedsPassCheckAndTheirDataLoads) {
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    EXPECT_EQ(check_program(generate_program(seed)), "") << "seed " << seed;
  }
}

TEST(ProgramGenerator, EveryFeatureAppearsInTwoHundredPrograms) {
  std::string all;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) all += generate_program(seed).model;
  for (const char* feature : {"transformed data {",
                              "transformed parameters {",
                              "generated quantities {",
                              "for (",
                              "if (",
                              "} else {",
                              " ~ ",
                              "target += ",
                              "+= ",
                              "-= ",
                              "*= ",
                              "/= ",
                              "vector[",
                              "array[",
                              "<lower=",
                              "upper=",
                              "_lpdf(",
                              "_lpmf(",
                              "_rng(",
                              " ? ",
                              "%/%",
                              " % ",
                              "&&",
                              "||",
                              "sum(",
                              "dot_product(",
                              ".*",
                              "./",
                              "^",
                              "exp(",
                              "inv_logit(",
                              "upper=(1 - p",
                              "std_normal(",
                              "binomial(",
                              "poisson_log("}) {
    EXPECT_NE(all.find(feature), std::string::npos) << "no program has '" << feature << "'";
  }
}

TEST(ProgramGenerator, OptionsKeepFeaturesOut) {
  GeneratorOptions o;
  o.transformed_data = o.transformed_parameters = o.generated_quantities = false;
  o.loops = o.conditionals = o.vectors = o.arrays = o.conditional_expressions = false;
  o.nonsmooth = o.wild_indices = o.out_of_domain = o.rng_calls = o.density_calls = false;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const GeneratedProgram p = generate_program(seed, o);
    EXPECT_EQ(check_program(p), "") << "seed " << seed;
    for (const char* absent : {"transformed", "generated", "for (", "if (", "vector", "array", " ? ", "fabs(", "_rng(",
                               "_lpdf(", "_lpmf("}) {
      EXPECT_EQ(p.model.find(absent), std::string::npos) << "seed " << seed << " has '" << absent << "':\n" << p.model;
    }
  }
}

TEST(ProgramGenerator, ASeedGivesOneProgram) {
  EXPECT_EQ(generate_program(7).model, generate_program(7).model);
  EXPECT_EQ(generate_program(7).data_json, generate_program(7).data_json);
  EXPECT_NE(generate_program(7).model, generate_program(8).model);
}

TEST(ProgramGenerator, ByteChoicesReadFromTheEndLikeFuzzedDataProvider) {
  const uint8_t bytes[] = {0x01, 0x02, 0x03};
  ByteChoices c(bytes, sizeof bytes);
  EXPECT_EQ(c.below(256), 0x03u);
  EXPECT_EQ(c.below(65536), 0x0201u);  // two bytes, the later one first
  EXPECT_EQ(c.remaining(), 0u);
  EXPECT_EQ(c.below(1000), 0u);  // exhausted: every choice is 0
  const uint8_t one[] = {250};
  ByteChoices d(one, 1);
  EXPECT_EQ(d.below(100), 50u);  // 250 % 100
}

TEST(ProgramGenerator, AnyBytesGiveAProgramThatChecks) {
  std::vector<uint8_t> bytes;
  for (int n = 0; n < 200; ++n) {
    ByteChoices c(bytes.data(), bytes.size());
    const GeneratedProgram p = generate_program(c);
    EXPECT_EQ(check_program(p), "") << n << " bytes";
    bytes.push_back(static_cast<uint8_t>(n * 37 + 11));
  }
}

}  // namespace
}  // namespace vic::fuzz
