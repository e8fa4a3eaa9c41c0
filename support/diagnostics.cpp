// The diagnostics engine: formatting kinds with their arguments and printing
// them with a source excerpt.
#include "support/diagnostics.h"

#include <sstream>

#include "support/check.h"
#include "support/utf8.h"

namespace vic {
namespace {

struct KindInfo {
  const char* name;
  const char* format;
};

constexpr KindInfo kKinds[] = {
#define DIAGNOSTIC(Name, Format) {#Name, Format},
#include "support/diagnostic_kinds.def"
};

std::string format_message(const char* format, const std::vector<std::string>& args) {
  std::string out;
  size_t next_arg = 0;
  for (const char* p = format; *p; ++p) {
    if (p[0] == '{' && p[1] == '}') {
      VIC_CHECK(next_arg < args.size()) << "too few arguments for diagnostic \"" << format << "\"";
      out += args[next_arg++];
      ++p;
    } else {
      out += *p;
    }
  }
  VIC_CHECK(next_arg == args.size()) << "too many arguments for diagnostic \"" << format << "\"";
  return out;
}

}  // namespace

const char* diagnostic_kind_name(DiagnosticKind kind) {
  return kKinds[static_cast<int>(kind)].name;
}

int num_diagnostic_kinds() { return static_cast<int>(std::size(kKinds)); }

Diagnostic& Diagnostics::error(DiagnosticKind kind, SourceLoc loc, std::vector<std::string> args) {
  diagnostics_.push_back(
      Diagnostic{kind, loc, format_message(kKinds[static_cast<int>(kind)].format, args), {}});
  return diagnostics_.back();
}

void print_diagnostic(std::ostream& out, const Diagnostic& d) {
  out << d.loc.str() << ": error: " << d.message << "\n";
  if (d.loc.valid() && d.loc.file) {
    // Columns count characters; the echoed line shows one column per character.
    const std::string line = utf8::printable(d.loc.file->line(d.loc.line));
    out << "    " << line << "\n    ";
    int column = 1;
    for (size_t i = 0; column < d.loc.column && i < line.size(); ++column) {
      out << (line[i] == '\t' ? '\t' : ' ');
      const size_t n = utf8::sequence_length(line, i);
      i += n == 0 ? 1 : n;
    }
    out << "^\n";
  }
  for (const std::string& hint : d.hints) out << "hint: " << hint << "\n";
}

void Diagnostics::print(std::ostream& out) const {
  for (const Diagnostic& d : diagnostics_) print_diagnostic(out, d);
}

std::string Diagnostics::str() const {
  std::ostringstream out;
  print(out);
  return out.str();
}

}  // namespace vic
