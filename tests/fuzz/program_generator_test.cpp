// The program generator (fuzz/program_generator.h) stays honest: programs from
// fixed seeds pass `vic check` and their data loads, each feature appears,
// options keep features out, and choices are read as documented.
#include "fuzz/program_generator.h"

#include <gtest/gtest.h>

#include <regex>
#include <utility>
#include <vector>

#include "tools/model_compiler.h"

namespace vic::fuzz {
namespace {

constexpr uint64_t kSeeds = 200;
// Random-program gradient tests run thousands of seeds; these many must check.
constexpr uint64_t kCheckedSeeds = 500;

// Checks the program and loads its data; an empty string when both succeed.
std::string check_program(const GeneratedProgram& p) {
  tools::CheckedModel m = tools::check_model_source("generated.vmodel", p.model);
  if (!m.ast) return "vic check fails:\n" + m.diagnostics.str() + "\n" + p.model;
  Expected<runtime::DataSet> data =
      runtime::read_stan_json(p.data_json, "generated.json", tools::data_declarations(*m.ast));
  if (!data) return "the data is rejected: " + data.error() + "\n" + p.model + "\n" + p.data_json;
  return "";
}

TEST(ProgramGenerator, ProgramsFromFiveHundredSeedsPassCheckAndTheirDataLoads) {
  for (uint64_t seed = 1; seed <= kCheckedSeeds; ++seed) {
    EXPECT_EQ(check_program(generate_program(seed)), "") << "seed " << seed;
  }
}

// The options the gradient tests use: nothing nonsmooth, no wild index, no
// argument outside its domain, and none of the container updates.
GeneratorOptions smooth_options() {
  GeneratorOptions o;
  o.nonsmooth = o.wild_indices = o.out_of_domain = false;
  o.element_updates = o.whole_container_updates = o.container_swaps = o.branch_container_updates = false;
  o.lazy_conditionals = false;
  return o;
}

TEST(ProgramGenerator, SmoothProgramsFromFiveHundredSeedsPassCheckAndTheirDataLoads) {
  for (uint64_t seed = 1; seed <= kCheckedSeeds; ++seed) {
    EXPECT_EQ(check_program(generate_program(seed, smooth_options())), "") << "seed " << seed;
  }
}

// The text of the differentiated blocks: transformed parameters and model.
std::string differentiated_blocks(const std::string& model) {
  const size_t begin = model.find("\ntransformed parameters {") != std::string::npos
                           ? model.find("\ntransformed parameters {")
                           : model.find("\nmodel {");
  const size_t end = model.find("\ngenerated quantities {");
  return model.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

// The names of the real containers declared in `text`: `vector[..] x`,
// `array[..] real x`, `array[..] vector[..] x`, `real x[..]`.
std::vector<std::string> real_container_names(const std::string& text) {
  static const std::regex kDeclaration(
      R"((?:vector(?:<[^>]*>)?\[[^\]]*\]|array\[[^\]]*\] real(?:<[^>]*>)?) (\w+)|real(?:<[^>]*>)? (\w+)\[)");
  std::vector<std::string> names;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kDeclaration); it != std::sregex_iterator(); ++it)
    names.push_back((*it)[1].matched ? (*it)[1].str() : (*it)[2].str());
  return names;
}

// Without the container-update switches no element of a real container is
// updated in place and no container is swapped in the differentiated blocks
// (the writes left are a declaration's fill and a recurrence's).
TEST(ProgramGenerator, WithoutContainerUpdatesNoDifferentiatedContainerIsUpdated) {
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const std::string text = differentiated_blocks(generate_program(seed, smooth_options()).model);
    EXPECT_EQ(text.find(" = nxt"), std::string::npos) << "seed " << seed << ":\n" << text;
    for (const std::string& name : real_container_names(text)) {
      const std::regex update("\\b" + name + "\\[[^;]*\\] [-+*/]= ");
      EXPECT_FALSE(std::regex_search(text, update)) << "seed " << seed << " updates " << name << ":\n" << text;
      const std::regex self_read("\\b" + name + "(\\[\\w+\\]) = .*\\b" + name + "\\1");
      EXPECT_FALSE(std::regex_search(text, self_read))
          << "seed " << seed << " reads " << name << " into its own update:\n"
          << text;
    }
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
                              "poisson_log(",
                              "int<lower=1, upper=N"}) {
    EXPECT_NE(all.find(feature), std::string::npos) << "no program has '" << feature << "'";
  }
}

// The statements of a fixed shape, each recognised by a pattern.
TEST(ProgramGenerator, EveryStructuredStatementAppearsInTwoHundredPrograms) {
  const std::pair<const char*, const char*> kShapes[] = {
      {"carried scalar", R"((\w+) = \(\(\1 \* )"},
      {"running log-sum-exp", R"((\w+) = log\(\(exp\(\1\) \+ )"},
      {"recurrence", R"((\w+)\[(i\d+)\] = .*\1\[\(\2 - 1\)\])"},
      {"rows from the row before", R"((\w+)\[(i\d+)\]\[(i\d+)\] = .*\1\[\(\2 - 1\)\]\[\3\])"},
      {"HMM forward swap", R"(\w+ = nxt\d+;)"},
      {"fill in both branches", R"(\} else \{\n +for \()"},
      {"element update loop", R"((\w+)\[(i\d+)\] = \(\(\1\[\2\] \* )"},
      {"element compound update", R"(\w+\[\w+\] \*= )"},
      {"whole-container update", R"((\w+) = \(\1 \.\* \1\);)"},
      {"data index array", R"(\w+\[idx\d+\[)"},
      {"lazy conditional", R"(> 0\) \? sqrt\()"},
  };
  std::vector<std::string> programs;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) programs.push_back(generate_program(seed).model);
  for (const auto& [name, pattern] : kShapes) {
    const std::regex re(pattern);
    bool found = false;
    for (const std::string& p : programs) found = found || std::regex_search(p, re);
    EXPECT_TRUE(found) << "no program has a " << name << " (" << pattern << ")";
  }
}

TEST(ProgramGenerator, OptionsKeepFeaturesOut) {
  GeneratorOptions o;
  o.transformed_data = o.transformed_parameters = o.generated_quantities = false;
  o.loops = o.conditionals = o.vectors = o.arrays = o.conditional_expressions = false;
  o.nonsmooth = o.wild_indices = o.out_of_domain = o.rng_calls = o.density_calls = false;
  o.data_indices = o.lazy_conditionals = false;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const GeneratedProgram p = generate_program(seed, o);
    EXPECT_EQ(check_program(p), "") << "seed " << seed;
    for (const char* absent : {"transformed", "generated", "for (", "if (", "vector", "array", " ? ", "fabs(", "_rng(",
                               "_lpdf(", "_lpmf(", "idx", "> 0) ? sqrt("}) {
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
