// The frontend's public interface: source text -> AST (parse_program), the AST
// annotated with declarations, types and dependence (check_program), and a
// stable printed form of it (print_ast, for `vic compile --emit ast` and golden
// tests). Every user mistake is reported through `Diagnostics`; nothing here
// throws or prints.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "frontend/ast.h"
#include "support/diagnostics.h"
#include "support/source.h"

namespace vic::frontend {

// The deepest bracket / statement nesting the parser accepts; deeper input gets
// a NestingTooDeep diagnostic instead of a parse (the parser recurses).
inline constexpr int kMaxNesting = 200;
// The deepest expression the AST builder makes; deeper gets NestingTooDeep.
// Prefix operators (`- - x`), `^` (right-associative: `a ^ b ^ c` is
// a ^ (b ^ c)) and `?:` chains nest without brackets. A chain of
// left-associative operators of one precedence (`a + b - c + ...`) is one
// level however long: 10^5 terms parse.
inline constexpr int kMaxExpressionDepth = 1000;
// Memory the parser and the AST take per token, measured (about 750 bytes
// with ANTLR's parse tree), rounded up: a model whose tokens would need more
// than the machine's memory is refused before it is parsed.
inline constexpr uint64_t kParseBytesPerToken = 1024;

// Parses `file` into an AST whose nodes carry 1-based source locations. On any
// syntax error (reported as SyntaxError, NestingTooDeep, UnterminatedComment,
// BadBlockOrder or DuplicateBlock diagnostics; the first syntax error only, so
// that one mistake does not cascade) it returns null. The program keeps a
// pointer to `file`, which must outlive it.
std::unique_ptr<ast::Program> parse_program(const SourceFile& file, Diagnostics& diags);

// Resolves names (fills Variable::decl), type-checks with Stan's rules (fills
// Expr::type and Expr::dependence) and enforces the block rules (read-only
// variables, `~`/`target +=` only in the model block, `_rng` only in transformed
// data and generated quantities, ...). Reports every independent error; an
// erroneous expression gets Type::poisoned() and causes no follow-on errors.
void check_program(ast::Program& program, Diagnostics& diags);

// parse_program, then check_program when parsing succeeded. Null on syntax
// errors; on type errors the (annotated) program is returned with the errors in
// `diags`.
std::unique_ptr<ast::Program> parse_and_check(const SourceFile& file, Diagnostics& diags);

// A stable, indented dump of a (checked) program without source locations; each
// expression shows its type and dependence, e.g.
//   (+ (var mu : real param) (var theta_trans : vector param) : vector param)
// The format is described at the top of frontend/print_ast.cpp.
std::string print_ast(const ast::Program& program);

// The source-like spelling of an expression (`x[i + 1]`), for messages.
std::string expr_to_source(const ast::Expr& e);

}  // namespace vic::frontend
