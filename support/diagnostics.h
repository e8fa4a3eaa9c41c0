// The diagnostics engine. User mistakes are reported here, never thrown or printed
// ad hoc: a DiagnosticKind from diagnostic_kinds.def, a location and the message
// arguments, plus optional hints. The consumer prints
//   file:line:col: error: message
//      source line
//      ^
//   hint: ...
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "support/source.h"

namespace vic {

enum class DiagnosticKind {
#define DIAGNOSTIC(Name, Format) Name,
#include "support/diagnostic_kinds.def"
};

// The name of a kind ("SyntaxError"), for tests.
const char* diagnostic_kind_name(DiagnosticKind kind);
// Number of kinds in the registry.
int num_diagnostic_kinds();

struct Diagnostic {
  DiagnosticKind kind;
  SourceLoc loc;
  std::string message;
  std::vector<std::string> hints;
};

// Collects diagnostics for one compilation. Several errors per run are reported.
class Diagnostics {
 public:
  // Reports `kind` at `loc`, its format's {} filled with `args` in order.
  // Returns the diagnostic so a caller can add hints.
  Diagnostic& error(DiagnosticKind kind, SourceLoc loc, std::vector<std::string> args = {});

  bool has_errors() const { return !diagnostics_.empty(); }
  const std::vector<Diagnostic>& all() const { return diagnostics_; }
  // Prints every diagnostic, each with its source line and a caret.
  void print(std::ostream& out) const;
  std::string str() const;

 private:
  std::vector<Diagnostic> diagnostics_;
};

// Prints one diagnostic in the standard format.
void print_diagnostic(std::ostream& out, const Diagnostic& diagnostic);

}  // namespace vic
