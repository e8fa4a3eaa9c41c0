// The diagnostics engine's formatting: location, source excerpt, caret, hints.
#include "support/diagnostics.h"

#include <gtest/gtest.h>

namespace vic {
namespace {

TEST(Diagnostics, PrintsLocationLineCaretAndHint) {
  SourceFile file("m.vmodel", "model {\n  y ~ nromal(0, 1);\n}\n");
  Diagnostics diags;
  Diagnostic& d = diags.error(DiagnosticKind::UnknownDistribution, {&file, 2, 7}, {"nromal"});
  d.hints.push_back("did you mean 'normal'?");
  EXPECT_EQ(diags.str(),
            "m.vmodel:2:7: error: unknown distribution 'nromal'\n"
            "      y ~ nromal(0, 1);\n"
            "          ^\n"
            "hint: did you mean 'normal'?\n");
}

TEST(Diagnostics, KindNamesComeFromTheRegistry) {
  EXPECT_STREQ(diagnostic_kind_name(DiagnosticKind::SyntaxError), "SyntaxError");
  EXPECT_GT(num_diagnostic_kinds(), 10);
}

}  // namespace
}  // namespace vic
