// The frontend target: bytes as a .vmodel source, checked as `vic check`
// checks it (tools/model_compiler.h), then printed as vic's AST and, lowered,
// as IR when it checks cleanly.
#include "frontend/frontend.h"
#include "fuzz/harness.h"
#include "ir/lower/lower.h"
#include "ir/printer.h"
#include "tools/model_compiler.h"

namespace vic::fuzz {

RunResult run_frontend_input(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  tools::CheckedModel m = tools::check_model_source("fuzz.vmodel", std::move(text));
  if (!m.ast) {
    if (!m.diagnostics.has_errors()) report_bug("the model has no AST but no error either");
    const std::string printed = m.diagnostics.str();
    if (printed.empty()) report_bug("errors were reported but print nothing");
    return {Verdict::Rejected, first_line(printed)};
  }
  const std::string ast = frontend::print_ast(*m.ast);
  if (ast.empty()) report_bug("a checked program prints as an empty AST");
  (void)tools::data_declarations(*m.ast);
  const std::string ir = ir::print_program(lower::lower_program(*m.ast));
  if (ir.empty()) report_bug("a checked program lowers to no IR");
  return {Verdict::Accepted, ""};
}

}  // namespace vic::fuzz
