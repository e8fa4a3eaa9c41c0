// The whole-pipeline target: the bytes drive the program generator
// (fuzz/program_generator.h) and pick which features it uses; the generated
// program and data go through check, data loading, lowering, the passes, AD
// and the LLVM JIT (tools/model_compiler.h compile_model), and the compiled
// model is evaluated at a point the bytes choose. A generated program that
// fails to check, or data that fails to load, is a bug (of the generator or
// of vic); a compile error must come with a message, and so must a point the
// model rejects.
#include <vector>

#include "fuzz/harness.h"
#include "fuzz/program_generator.h"
#include "support/rng.h"
#include "tools/model_compiler.h"

namespace vic::fuzz {
namespace {

// Which generator features this input uses: each on with probability 0.85.
GeneratorOptions options_from(ChoiceSource& choices) {
  GeneratorOptions o;
  for (bool* feature : {&o.transformed_data,
                        &o.transformed_parameters,
                        &o.generated_quantities,
                        &o.loops,
                        &o.conditionals,
                        &o.local_variables,
                        &o.compound_assignment,
                        &o.tilde_statements,
                        &o.target_statements,
                        &o.vectors,
                        &o.arrays,
                        &o.int_arithmetic,
                        &o.bounds,
                        &o.parameter_dependent_bounds,
                        &o.conditional_expressions,
                        &o.density_calls,
                        &o.rng_calls,
                        &o.old_array_syntax,
                        &o.nonsmooth,
                        &o.wild_indices,
                        &o.out_of_domain,
                        &o.uninitialized_ints}) {
    *feature = choices.chance(85);
  }
  return o;
}

void check_evaluation_error(const runtime::Model& model, runtime::EvalError error, const char* entry) {
  if (error != 0 && model.describe_error(error).empty()) {
    report_bug(std::string(entry) + " rejected the point without saying why");
  }
}

}  // namespace

std::string describe_compile_input(const uint8_t* data, size_t size) {
  ByteChoices choices(data, size);
  const GeneratorOptions options = options_from(choices);
  GeneratedProgram program = generate_program(choices, options);
  return program.model + "\n// data:\n// " + program.data_json + "\n";
}

RunResult run_compile_input(const uint8_t* data, size_t size) {
  ByteChoices choices(data, size);
  const GeneratorOptions options = options_from(choices);
  const GeneratedProgram program = generate_program(choices, options);
  return run_compile_program(program.model, program.data_json, choices);
}

RunResult run_compile_program(const std::string& model_text, const std::string& data_json, ChoiceSource& point) {
  const std::string shown = "\n--- program\n" + model_text + "--- data\n" + data_json + "\n";
  tools::CheckedModel m = tools::check_model_source("generated.vmodel", model_text);
  if (!m.ast) report_bug("a generated program fails vic check:\n" + m.diagnostics.str() + shown);
  Expected<runtime::DataSet> loaded =
      runtime::read_stan_json(data_json, "generated.json", tools::data_declarations(*m.ast));
  if (!loaded) report_bug("generated data is rejected: " + loaded.error() + shown);

  Expected<tools::CompiledModel> compiled = tools::compile_model(*m.ast, *loaded, ir::PipelineSettings{});
  if (!compiled) {
    if (compiled.error().empty()) report_bug("compiling failed without a message" + shown);
    return {Verdict::Rejected, first_line(compiled.error())};
  }
  const runtime::Model& model = *compiled->model;
  std::vector<double> theta(model.dim()), gradient(model.dim());
  for (double& x : theta) x = static_cast<double>(point.in_range(-16, 16)) / 8.0;

  runtime::EvalError error = 0;
  model.lp_grad(theta.data(), gradient.data(), &error);
  check_evaluation_error(model, error, "lp_grad");
  error = 0;
  model.lp(theta.data(), &error);
  check_evaluation_error(model, error, "lp");
  std::vector<double> outputs(model.output_names().size());
  Rng rng(1);
  error = 0;
  model.constrain(theta.data(), rng, outputs.data(), &error);
  check_evaluation_error(model, error, "constrain");
  return {Verdict::Accepted, ""};
}

}  // namespace vic::fuzz
