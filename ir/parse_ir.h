// Reading the IR's printed form back into a Program: the inverse of
// ir/printer.h. It lets a pass be tested on a few lines of IR text
// (tools/vic_ir_opt.cpp, tests/ir/filecheck/) and checks that the printer
// loses nothing: print_program(parse_ir(text)) == text.
#pragma once

#include <string>
#include <string_view>

#include "ir/ir.h"
#include "support/expected.h"

namespace vic::ir {

// Parses the functions in `text`, written as print_program writes them
// (`//` comments and blank lines are allowed between ops). `file` names the
// text in errors. The first mistake found is the Error
// "file:line:col: error: message": an unknown op, a value used where it is not
// defined, operands of the wrong type, a region without its yield, ...
//
// Values keep the hints of their names (`%mu.6` has hint "mu"; a hand-written
// `%x` has hint "x"). The text holds neither source locations nor the check
// table: Program::checks gets a placeholder message for each id up to the
// largest `#N` the text uses, so a pass that adds checks numbers them after.
Expected<Program> parse_ir(std::string_view text, const std::string& file);

}  // namespace vic::ir
