// vic-ir-opt: reads a file of IR text (ir/parse_ir.h), runs the passes named
// by --pass on it in the order given, and prints the result: the driver of
// the pass tests in tests/ir/filecheck/, as mlir-opt is MLIR's. Built only
// with the tests (VIC_BUILD_TESTS).
//
//   vic-ir-opt input.ir --pass fold-constants --pass dce
//   vic-ir-opt input.ir --data data.json --pass bind-data-sizes
#include <CLI/CLI.hpp>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>

#include "ir/ad/forward_mode.h"
#include "ir/ad/reverse_mode.h"
#include "ir/elbo.h"
#include "ir/parse_ir.h"
#include "ir/passes/passes.h"
#include "ir/passes/pipeline.h"
#include "ir/printer.h"
#include "ir/rewriter.h"
#include "ir/verify.h"
#include "runtime/data.h"
#include "tools/exit_status.h"

namespace vic::tools {
namespace {

using Pass = std::function<Expected<ir::Program>(const ir::Program&)>;
using SizeLookup = std::function<std::optional<int64_t>(const std::string&)>;

// Adds the names of the data.int fields `block` reads to `names`.
void collect_data_ints(const ir::Block& block, std::vector<std::string>& names) {
  for (const auto& op : block.ops) {
    if (op->kind == ir::OpKind::DataInt) names.push_back(op->name);
    for (const auto& region : op->regions) collect_data_ints(*region, names);
  }
}

// The sizes bind-data-sizes binds: the integer scalars of `path` that the
// program reads with data.int (the file must hold each of them).
Expected<runtime::DataSet> load_sizes(const ir::Program& program, const std::string& path) {
  std::vector<std::string> names;
  for (const auto& f : program.functions) collect_data_ints(f->body, names);
  std::vector<runtime::DataDecl> decls;
  for (const std::string& name : names) {
    runtime::DataDecl decl;
    decl.name = name;
    decl.is_int = true;
    decl.dims = [](const runtime::DataSet&) -> Expected<std::vector<int64_t>> { return std::vector<int64_t>{}; };
    decls.push_back(std::move(decl));
  }
  return runtime::load_stan_json_file(path, decls);
}

// reverse-mode-ad as the pipeline runs it: @lp_propto differentiated into
// @lp_grad, after checking what add_gradient_function assumes.
Expected<ir::Program> differentiate(const ir::Program& in) {
  constexpr ir::EntryPoint kGradient = ir::EntryPoint::GradientProptoJacobian;
  const ir::Function* f = in.find(ir::entry_point_value(kGradient));
  if (!f) return Error{"reverse-mode-ad differentiates @lp_propto, which the input does not define"};
  if (in.find(kGradient)) return Error{"reverse-mode-ad writes @lp_grad, which the input already defines"};
  if (f->result_types != std::vector<ir::Type>{ir::Type::F64} || f->body.args.empty() ||
      f->arg(0)->type != ir::Type::BufF64)
    return Error{"reverse-mode-ad needs @lp_propto(buf<f64>, ...) -> (f64)"};
  ir::Program out = ir::clone_program(in);
  ir::add_gradient_function(out, ir::entry_point_symbol(ir::entry_point_value(kGradient)),
                            ir::entry_point_symbol(kGradient));
  return out;
}

// build-elbo as the pipeline runs it, for each family whose surrogate the
// input has differentiated (@elbo_<family>.surrogate_grad, with @lp_grad).
Expected<ir::Program> build_elbo(const ir::Program& in) {
  ir::Program out = ir::clone_program(in);
  bool built = false;
  for (ir::ElboFamily family : {ir::ElboFamily::MeanField, ir::ElboFamily::FullRank}) {
    if (!in.find(ir::elbo_surrogate_name(family) + "_grad")) continue;
    if (!in.find(ir::EntryPoint::GradientProptoJacobian))
      return Error{"build-elbo inlines @lp_grad, which the input does not define"};
    ir::add_elbo_gradient(out, family, ir::entry_point_symbol(ir::elbo_entry_point(family, true)));
    built = true;
  }
  if (!built) return Error{"build-elbo needs @elbo_meanfield.surrogate_grad or @elbo_fullrank.surrogate_grad"};
  return out;
}

// Every pass of ir::pipeline_pass_names(), by that name.
std::map<std::string, Pass> passes(const SizeLookup* lookup, bool reorder_reductions) {
  auto plain = [](ir::Program (*pass)(const ir::Program&)) {
    return [pass](const ir::Program& p) -> Expected<ir::Program> { return pass(p); };
  };
  std::map<std::string, Pass> table{
      {"fold-constants", plain(ir::fold_constants)},
      {"simplify-algebra", plain(ir::simplify_algebra)},
      {"cse", plain(ir::eliminate_common_subexpressions)},
      {"dce", plain(ir::eliminate_dead_code)},
      {"hoist-data-only", plain(ir::hoist_data_only)},
      {"bufferize",
       [reorder_reductions](const ir::Program& p) -> Expected<ir::Program> {
         return ir::bufferize(p, reorder_reductions);
       }},
      {"reverse-mode-ad", differentiate},
      {"forward-mode-ad", plain(ir::add_requested_jvps)},
      {"build-elbo", build_elbo},
      {"bind-data-sizes",
       [lookup](const ir::Program& p) -> Expected<ir::Program> {
         if (!lookup) return Error{"bind-data-sizes needs the data: --data FILE"};
         return ir::bind_data_sizes(p, *lookup);
       }},
  };
  // The pipeline's list is the one truth: a pass added there must be added here.
  for (const std::string& name : ir::pipeline_pass_names()) VIC_CHECK(table.count(name)) << "no pass " << name;
  VIC_CHECK(table.size() == ir::pipeline_pass_names().size()) << "vic-ir-opt has a pass the pipeline has not";
  return table;
}

std::string pass_list() {
  std::string s;
  for (const std::string& name : ir::pipeline_pass_names()) s += (s.empty() ? "" : ", ") + name;
  return s;
}

int run(int argc, char** argv) {
  CLI::App app{"vic-ir-opt: runs IR passes on a file of IR text and prints the result"};
  std::string input;
  std::vector<std::string> pass_names;
  std::string data_path;
  app.add_option("input", input, "the .ir file")->required();
  app.add_option("--pass", pass_names, "a pass to run (repeat it; they run in order): " + pass_list())
      ->allow_extra_args(false);
  app.add_option("--data", data_path, "Stan JSON file with the sizes bind-data-sizes binds");
  bool reorder_reductions = false;
  app.add_flag("--reorder-reductions", reorder_reductions,
               "let bufferize reorder sums (reductions reassociated, matrix products by BLAS)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  std::ifstream in(input, std::ios::binary);
  if (!in) {
    std::cerr << "error: cannot read " << input << "\n";
    return kExitError;
  }
  std::ostringstream text;
  text << in.rdbuf();
  Expected<ir::Program> program = ir::parse_ir(text.str(), input);
  if (!program) {
    std::cerr << program.error() << "\n";
    return kExitError;
  }

  std::optional<runtime::DataSet> data;
  SizeLookup lookup = [&data](const std::string& field) -> std::optional<int64_t> {
    const runtime::DataValue* v = data->find(field);
    if (!v || !v->is_int || !v->dims.empty()) return std::nullopt;
    return v->ints[0];
  };
  if (!data_path.empty()) {
    Expected<runtime::DataSet> loaded = load_sizes(*program, data_path);
    if (!loaded) {
      std::cerr << "error: " << loaded.error() << "\n";
      return kExitError;
    }
    data = loaded.take();
  }

  const std::map<std::string, Pass> table = passes(data ? &lookup : nullptr, reorder_reductions);
  for (const std::string& name : pass_names) {
    if (!table.count(name)) {
      std::cerr << "error: unknown pass '" << name << "'; the passes are " << pass_list() << "\n";
      return kExitUsage;
    }
  }
  // As the pipeline does (PipelineSettings::verify): the input and each
  // pass's output are verified when VIC_VERIFY_IR is on, as in every ctest.
  const bool verify = ir::verify_ir_by_default();
  ir::IrStage stage = ir::IrStage::Tensors;
  auto verified = [&](const ir::Program& p, const std::string& where) {
    if (!verify) return true;
    Status status = ir::verify(p, stage);
    if (!status) std::cerr << "error: invalid IR " << where << ": " << status.error() << "\n";
    return static_cast<bool>(status);
  };
  ir::Program p = program.take();
  if (!verified(p, "in " + input)) return kExitError;
  for (const std::string& name : pass_names) {
    Expected<ir::Program> next = table.at(name)(p);
    if (!next) {
      std::cerr << "error: " << next.error() << "\n";
      return kExitError;
    }
    p = next.take();
    if (name == "bufferize") stage = ir::IrStage::Buffers;
    if (!verified(p, "after pass " + name)) return kExitError;
  }
  std::cout << ir::print_program(p);
  return kExitOk;
}

}  // namespace
}  // namespace vic::tools

int main(int argc, char** argv) { return vic::tools::run(argc, argv); }
