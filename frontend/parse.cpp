// The parser: source text -> tokens (ANTLR lexer) -> a nesting check on the
// token stream -> parse tree (ANTLR parser, generated from grammar/VModel.g4) ->
// vic's AST. This is the only file that includes ANTLR headers; ANTLR's own
// error messages are replaced by SyntaxError diagnostics written for users.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "VModelLexer.h"
#include "VModelParser.h"
#include "antlr4-runtime.h"
#include "frontend/frontend.h"
#include "support/limits.h"
#include "support/utf8.h"

namespace vic::frontend {
namespace {

using grammar::VModelLexer;
using grammar::VModelParser;

SourceLoc token_loc(const SourceFile& file, const antlr4::Token* t) {
  return {&file, static_cast<int>(t->getLine()), static_cast<int>(t->getCharPositionInLine()) + 1};
}

bool is_eof(const antlr4::Token* t) { return t->getType() == antlr4::Token::EOF; }

// "'foo'", "end of file", or "the character U+001B" for what a terminal
// would not show as itself.
std::string describe_token(const antlr4::Token* t) {
  if (is_eof(t)) return "end of file";
  const std::string text = t->getText();
  if (utf8::printable(text) == text && text != "\t") return "'" + text + "'";
  const size_t length = utf8::sequence_length(text, 0);
  char32_t code = static_cast<unsigned char>(text[0]);
  if (length > 1) {
    code &= 0x7F >> length;
    for (size_t i = 1; i < length; ++i) code = (code << 6) | (static_cast<unsigned char>(text[i]) & 0x3F);
  }
  char spelled[32];
  std::snprintf(spelled, sizeof spelled, "the character U+%04X", static_cast<unsigned>(code));
  return spelled;
}

// ---------------------------------------------------------------------------
// Invalid UTF-8.
//
// ANTLR's input stream throws on bytes that are not UTF-8. Each such byte is
// handed to it as U+FFFD instead and remembered by its place: inside a comment
// it is harmless (a Latin-1 'é' in a comment should not stop a model), anywhere
// else the lexer makes it a BAD_CHARACTER token, reported as invalid UTF-8.

struct DecodedSource {
  std::string text;  // well-formed UTF-8
  // (line, 0-based character column, as ANTLR counts) -> the invalid byte there.
  std::map<std::pair<size_t, size_t>, unsigned char> invalid_bytes;
};

DecodedSource decode_source(const std::string& bytes) {
  DecodedSource out;
  out.text.reserve(bytes.size());
  size_t line = 1, column = 0;
  for (size_t i = 0; i < bytes.size();) {
    const size_t n = utf8::sequence_length(bytes, i);
    if (n == 0) {
      out.invalid_bytes.emplace(std::make_pair(line, column), static_cast<unsigned char>(bytes[i]));
      out.text += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    } else {
      out.text.append(bytes, i, n);
      i += n;
    }
    if (bytes[i - 1] == '\n' && n == 1) {
      ++line;
      column = 0;
    } else {
      ++column;
    }
  }
  return out;
}

// Reports the first character the lexer could not place in a token (an invalid
// byte, a stray '@', a control character) before the parser would report it as
// some other mistake; false when there is one.
bool check_characters(const SourceFile& file, const DecodedSource& source, const std::vector<antlr4::Token*>& tokens,
                      Diagnostics& diags) {
  for (const antlr4::Token* t : tokens) {
    if (t->getType() != VModelLexer::BAD_CHARACTER) continue;
    auto it = source.invalid_bytes.find({t->getLine(), t->getCharPositionInLine()});
    if (it != source.invalid_bytes.end()) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02X", it->second);
      diags.error(DiagnosticKind::InvalidUtf8, token_loc(file, t), {byte});
    } else if (t->getText() == "\"") {
      diags.error(DiagnosticKind::SyntaxError, token_loc(file, t), {"a string without its closing '\"' on the same line"});
    } else {
      // "character '@'" or "character U+001B".
      std::string what = describe_token(t);
      what = what.front() == '\'' ? "character " + what : what.substr(4);
      diags.error(DiagnosticKind::SyntaxError, token_loc(file, t), {"unexpected " + what});
    }
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// The nesting check on the token stream.
//
// The generated parser recurses once per bracket and once per unbraced nested
// statement (`if (a) if (b) ...`, `else if` chains), so hostile input could
// overflow the stack. Operator chains are loops in the grammar and do not count.
// This scan also reports unbalanced brackets and unterminated block comments
// precisely, before the parser would report them vaguely.

class NestingScanner {
 public:
  NestingScanner(const SourceFile& file, Diagnostics& diags) : file_(file), diags_(diags) {}

  // False (with a diagnostic) when the tokens nest too deeply or do not balance.
  bool scan(const std::vector<antlr4::Token*>& tokens) {
    levels_.push_back({nullptr, 0});
    for (size_t i = 0; i < tokens.size(); ++i) {
      antlr4::Token* t = tokens[i];
      if (is_eof(t)) break;
      const std::string text = t->getText();
      if (text == "/" && i + 1 < tokens.size() && tokens[i + 1]->getText() == "*" &&
          tokens[i + 1]->getStartIndex() == t->getStartIndex() + 1) {
        diags_.error(DiagnosticKind::UnterminatedComment, token_loc(file_, t));
        return false;
      }
      if (text == "(" || text == "[" || text == "{" || text == "?") {
        levels_.push_back({t, 0});
        if (!check_depth(t)) return false;
      } else if (text == ")" || text == "]" || text == "}") {
        if (!close(t, text[0])) return false;
        if (text == "}") end_statement(tokens, i);
      } else if (text == ":") {
        if (levels_.back().opener && levels_.back().opener->getText() == "?") pop();
      } else if (text == "if" || text == "for" || text == "while" || text == "else") {
        ++levels_.back().statement_chain;
        ++chain_total_;
        if (!check_depth(t)) return false;
      } else if (text == ";") {
        end_statement(tokens, i);
      }
    }
    // Drop unfinished `?`s: the parser reports them.
    while (levels_.size() > 1 && levels_.back().opener->getText() == "?") pop();
    if (levels_.size() > 1) {
      antlr4::Token* open = levels_.back().opener;
      diags_.error(DiagnosticKind::SyntaxError, token_loc(file_, open),
                   {"unbalanced '" + open->getText() + "': no matching '" +
                    std::string(1, closer_of(open->getText()[0])) + "' before the end of the file"});
      return false;
    }
    return true;
  }

 private:
  struct Level {
    antlr4::Token* opener;  // null for the outermost level
    int statement_chain;    // unbraced if/for/else nested at this level
  };

  static char closer_of(char open) { return open == '(' ? ')' : open == '[' ? ']' : '}'; }

  bool check_depth(antlr4::Token* t) {
    if (static_cast<int>(levels_.size()) - 1 + chain_total_ > kMaxNesting) {
      diags_.error(DiagnosticKind::NestingTooDeep, token_loc(file_, t), {std::to_string(kMaxNesting)});
      return false;
    }
    return true;
  }

  void pop() {
    chain_total_ -= levels_.back().statement_chain;
    levels_.pop_back();
  }

  bool close(antlr4::Token* t, char closer) {
    while (levels_.size() > 1 && levels_.back().opener->getText() == "?") pop();
    if (levels_.size() == 1) {
      char open = closer == ')' ? '(' : closer == ']' ? '[' : '{';
      diags_.error(DiagnosticKind::SyntaxError, token_loc(file_, t),
                   {"unbalanced '" + std::string(1, closer) + "': no '" + std::string(1, open) + "' is open here"});
      return false;
    }
    antlr4::Token* open = levels_.back().opener;
    char expected = closer_of(open->getText()[0]);
    if (expected != closer) {
      SourceLoc at = token_loc(file_, open);
      diags_.error(DiagnosticKind::SyntaxError, token_loc(file_, t),
                   {"expected '" + std::string(1, expected) + "' to close the '" + open->getText() + "' at line " +
                    std::to_string(at.line) + ", column " + std::to_string(at.column) + ", found '" +
                    std::string(1, closer) + "'"});
      return false;
    }
    pop();
    return true;
  }

  // A statement ended at tokens[i] (`;` or `}`): unless an `else` follows, the
  // unbraced statements nested at this level end with it.
  void end_statement(const std::vector<antlr4::Token*>& tokens, size_t i) {
    if (i + 1 < tokens.size() && tokens[i + 1]->getText() == "else") return;
    chain_total_ -= levels_.back().statement_chain;
    levels_.back().statement_chain = 0;
  }

  const SourceFile& file_;
  Diagnostics& diags_;
  std::vector<Level> levels_;
  int chain_total_ = 0;
};

// ---------------------------------------------------------------------------
// Syntax errors: the first one only, with a message written from the tokens the
// parser expected.

class SyntaxErrorListener : public antlr4::BaseErrorListener {
 public:
  SyntaxErrorListener(const SourceFile& file, Diagnostics& diags, antlr4::CommonTokenStream& tokens)
      : file_(file), diags_(diags), tokens_(tokens) {}

  bool failed() const { return failed_; }

  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending, size_t line, size_t column,
                   const std::string& /*antlr_message*/, std::exception_ptr e) override {
    if (failed_) return;
    failed_ = true;
    auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
    SourceLoc loc{&file_, static_cast<int>(line), static_cast<int>(column) + 1};
    if (!parser || !offending) {
      diags_.error(DiagnosticKind::SyntaxError, loc, {"unexpected input"});
      return;
    }
    // Where the parser started predicting, when no alternative of a rule fit.
    antlr4::Token* start = nullptr;
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const antlr4::NoViableAltException& no_viable) {
        start = no_viable.getStartToken();
      } catch (...) {
      }
    }
    report(*parser, offending, start, loc);
  }

 private:
  static bool is_type_keyword(const std::string& word) {
    return word == "int" || word == "real" || word == "vector" || word == "row_vector" || word == "matrix" ||
           word == "array";
  }

  // A Stan construct vic does not parse yet, said as such rather than as the
  // token the grammar did not expect: the first word of the statement (one of
  // the constrained types vic lacks). Empty when none.
  std::string unsupported_construct(antlr4::Token* offending, antlr4::Token* start, antlr4::Token** where) {
    static const char* const kConstrainedTypes[] = {"sum_to_zero_matrix", "column_stochastic_matrix",
                                                    "row_stochastic_matrix"};
    // The statement's first word: where the parser began predicting, or after the last ';', '{' or '}'.
    for (antlr4::Token* first : {start, statement_start(offending->getTokenIndex())}) {
      if (!first) continue;
      const std::string word = first->getText();
      *where = first;
      for (const char* t : kConstrainedTypes)
        if (word == t) return "the constrained type '" + word + "'";
      *where = nullptr;
    }
    return "";
  }

  // The first token of the statement the token at `index` is in: the one after
  // the last ';', '{' or '}' before it (null at the file's start).
  antlr4::Token* statement_start(size_t index) {
    for (size_t k = index; k-- > 0;) {
      const std::string t = tokens_.get(k)->getText();
      if (t == ";" || t == "{" || t == "}") return k + 1 <= index ? tokens_.get(k + 1) : nullptr;
    }
    return nullptr;
  }

  void report(antlr4::Parser& parser, antlr4::Token* offending, antlr4::Token* start, SourceLoc loc) {
    antlr4::Token* where = nullptr;
    if (std::string what = unsupported_construct(offending, start, &where); !what.empty()) {
      // A statement or a type is named where it starts.
      SourceLoc at = loc;
      if (where) at = token_loc(file_, where);
      diags_.error(DiagnosticKind::NotSupportedYet, at, {what});
      return;
    }
    antlr4::misc::IntervalSet expected = parser.getExpectedTokens();
    const antlr4::dfa::Vocabulary& vocabulary = parser.getVocabulary();
    antlr4::ParserRuleContext* context = parser.getContext();
    const size_t rule = context ? context->getRuleIndex() : static_cast<size_t>(VModelParser::RuleProgram);
    const std::string found = describe_token(offending);

    if (rule == VModelParser::RuleProgram || rule == VModelParser::RuleBlockHeader) {
      if (offending->getText() == "functions") {
        diags_.error(DiagnosticKind::SyntaxError, loc, {"the 'functions' block must come first"});
      } else {
        Diagnostic& d =
            diags_.error(DiagnosticKind::SyntaxError, loc,
                         {"expected a block ('data', 'transformed data', 'parameters', 'transformed parameters', "
                          "'model' or 'generated quantities'), found " +
                          found});
        if (!is_eof(offending)) {
          d.hints.push_back("statements and declarations must be inside a block, e.g. 'model { ... }'");
        }
      }
      return;
    }
    if (rule == VModelParser::RuleStatement && start && start != offending && !is_eof(offending)) {
      const std::string first = start->getText();
      if (first == "vector" || first == "row_vector" || first == "matrix") {
        diags_.error(DiagnosticKind::SyntaxError, loc,
                     {"expected '[' and the size after '" + first + "', found " + found});
        return;
      }
      if (is_type_keyword(first)) {
        diags_.error(DiagnosticKind::SyntaxError, loc, {"unexpected " + found + " in the declaration"});
        return;
      }
      if (start->getType() == VModelParser::ID) {
        diags_.error(DiagnosticKind::SyntaxError, loc,
                     {"expected '~' or an assignment ('=', '+=', ...), found " + found});
        return;
      }
    }

    std::vector<std::string> all_names, names;
    bool wants_semicolon = false, wants_expression = false, wants_name = false;
    for (ssize_t type : expected.toList()) {
      std::string name = type == static_cast<ssize_t>(antlr4::Token::EOF)
                             ? std::string("end of file")
                             : vocabulary.getDisplayName(static_cast<size_t>(type));
      if (name == "';'") wants_semicolon = true;
      if (name == "INT_LITERAL" || name == "REAL_LITERAL") wants_expression = true;
      if (name == "ID") wants_name = true;
      all_names.push_back(name);
    }
    // In a long list, leave out what would merely continue the construct before
    // (operators, indexing) and keywords that "a name" covers.
    if (all_names.size() <= 4) {
      names = all_names;
    } else {
      for (const std::string& name : all_names)
        if (!is_continuation(name, wants_name)) names.push_back(name);
    }
    if (rule == VModelParser::RuleElementType && std::find(names.begin(), names.end(), "'['") != names.end()) {
      diags_.error(DiagnosticKind::SyntaxError, loc,
                   {"expected '[' and the size after '" + context->getStart()->getText() + "', found " + found});
      return;
    }
    if (wants_semicolon && offending->getText() != ";") {
      // Point just after the previous token, where the ';' belongs.
      SourceLoc at = loc;
      if (offending->getTokenIndex() > 0) {
        antlr4::Token* previous = tokens_.get(offending->getTokenIndex() - 1);
        at = token_loc(file_, previous);
        at.column += static_cast<int>(previous->getText().size());
      }
      const bool declaration = rule == VModelParser::RuleVarDecl || rule == VModelParser::RuleDeclType ||
                               rule == VModelParser::RuleElementType;
      diags_.error(DiagnosticKind::SyntaxError, at,
                   {std::string("expected ';' at the end of the ") + (declaration ? "declaration" : "statement")});
      return;
    }
    if (wants_expression) {
      diags_.error(DiagnosticKind::SyntaxError, loc, {"expected an expression, found " + found});
      return;
    }
    if (wants_name && names.size() > 4) {
      diags_.error(DiagnosticKind::SyntaxError, loc, {"expected a name, found " + found});
      return;
    }
    if (!names.empty() && names.size() <= 4) {
      std::string list;
      for (size_t i = 0; i < names.size(); ++i) {
        if (i) list += i + 1 == names.size() ? " or " : ", ";
        list += names[i] == "ID" ? "a name" : names[i];
      }
      diags_.error(DiagnosticKind::SyntaxError, loc, {"expected " + list + ", found " + found});
      return;
    }
    diags_.error(DiagnosticKind::SyntaxError, loc, {"unexpected " + found});
  }

  // Tokens that would continue what came before (binary operators, indexing),
  // not worth listing as "expected".
  static bool is_continuation(const std::string& name, bool wants_name) {
    static const char* const kOperators[] = {"'+'",  "'-'",  "'*'",  "'/'",  "'%/%'", "'%'",  "'^'",
                                             "'.*'", "'./'", "'<'",  "'<='", "'>'",   "'>='", "'=='",
                                             "'!='", "'&&'", "'||'", "'?'",  "'['"};
    for (const char* op : kOperators)
      if (name == op) return true;
    // Keywords that may also be names are covered by "a name".
    if (!wants_name) return false;
    for (const char* word : {"'lower'", "'upper'", "'offset'", "'multiplier'", "'in'", "'data'", "'transformed'", "'parameters'", "'model'",
                             "'generated'", "'quantities'"})
      if (name == word) return true;
    return false;
  }

  const SourceFile& file_;
  Diagnostics& diags_;
  antlr4::CommonTokenStream& tokens_;
  bool failed_ = false;
};

// ---------------------------------------------------------------------------
// Parse tree -> AST.

class AstBuilder {
 public:
  AstBuilder(const SourceFile& file, Diagnostics& diags) : file_(file), diags_(diags) {}

  // Null when a construct was rejected (with a diagnostic).
  std::unique_ptr<ast::Program> build(VModelParser::ProgramContext* tree) {
    auto program = std::make_unique<ast::Program>();
    program->file = &file_;
    if (VModelParser::FunctionsBlockContext* functions = tree->functionsBlock()) {
      current_block_ = ast::BlockKind::Functions;
      for (VModelParser::FunctionDefContext* f : functions->functionDef()) {
        ast::FunctionDefPtr def = function_def(f);
        if (def->body) program->functions.push_back(std::move(def));
      }
    }
    int last_rank = -1;
    std::string last_name;
    for (antlr4::tree::ParseTree* child : tree->children) {
      if (auto* network = dynamic_cast<VModelParser::NetworkDeclContext*>(child)) {
        if (ast::NetworkDeclPtr decl = network_decl(network)) {
          decl->after_blocks = program->blocks.size();
          program->networks.push_back(std::move(decl));
        }
        continue;
      }
      auto* block_ctx = dynamic_cast<VModelParser::ProgramBlockContext*>(child);
      if (!block_ctx) continue;
      ast::ProgramBlock block;
      block.kind = block_kind(block_ctx->blockHeader()->getText());
      block.loc = loc(block_ctx->getStart());
      const std::string name = ast::block_kind_name(block.kind);
      if (program->block(block.kind)) {
        diags_.error(DiagnosticKind::DuplicateBlock, block.loc, {name});
        failed_ = true;
      } else if (static_cast<int>(block.kind) < last_rank) {
        diags_.error(DiagnosticKind::BadBlockOrder, block.loc, {name, last_name});
        failed_ = true;
      }
      last_rank = std::max(last_rank, static_cast<int>(block.kind));
      if (static_cast<int>(block.kind) == last_rank) last_name = name;
      current_block_ = block.kind;
      for (VModelParser::StatementContext* s : block_ctx->statement()) {
        ast::StmtPtr stmt = statement(s, /*top_level=*/true);
        if (!stmt) continue;
        check_declarations_only(block.kind, *stmt);
        block.stmts.push_back(std::move(stmt));
      }
      program->blocks.push_back(std::move(block));
    }
    if (failed_) return nullptr;
    return program;
  }

 private:
  static ast::BlockKind block_kind(const std::string& header) {
    if (header == "data") return ast::BlockKind::Data;
    if (header == "transformeddata") return ast::BlockKind::TransformedData;
    if (header == "parameters") return ast::BlockKind::Parameters;
    if (header == "transformedparameters") return ast::BlockKind::TransformedParameters;
    if (header == "model") return ast::BlockKind::Model;
    if (header == "guide") return ast::BlockKind::Guide;
    return ast::BlockKind::GeneratedQuantities;
  }

  // `network NAME = mlp(sizes, options)`; null (with a diagnostic) when the
  // kind or an option is not one vic has.
  ast::NetworkDeclPtr network_decl(VModelParser::NetworkDeclContext* ctx) {
    auto decl = std::make_unique<ast::NetworkDecl>();
    decl->loc = loc(ctx->identifier(0)->getStart());
    decl->name = ctx->identifier(0)->getText();
    if (ctx->kind->getText() != "mlp") {
      diags_.error(DiagnosticKind::BadNetwork, loc(ctx->kind->getStart()),
                   {"unknown network kind '" + ctx->kind->getText() + "': vic has mlp (dense layers)"});
      failed_ = true;
      return nullptr;
    }
    for (VModelParser::ExpressionContext* size : ctx->expression()) decl->sizes.push_back(expression(size));
    static const std::pair<const char*, ast::Activation> kActivations[] = {
        {"identity", ast::Activation::Identity}, {"relu", ast::Activation::Relu},
        {"tanh", ast::Activation::Tanh},         {"sigmoid", ast::Activation::Sigmoid},
        {"softplus", ast::Activation::Softplus}, {"elu", ast::Activation::Elu},
    };
    for (VModelParser::NetworkOptionContext* option : ctx->networkOption()) {
      const std::string key = option->identifier(0)->getText();
      const std::string value = option->identifier(1)->getText();
      if (key != "activation" && key != "output") {
        diags_.error(DiagnosticKind::BadNetwork, loc(option->getStart()),
                     {"unknown option '" + key + "' of mlp: it takes 'activation' (the hidden layers') and 'output' "
                      "(the last layer's)"});
        failed_ = true;
        return nullptr;
      }
      const auto* found = std::find_if(std::begin(kActivations), std::end(kActivations),
                                       [&](const auto& a) { return value == a.first; });
      if (found == std::end(kActivations)) {
        diags_.error(DiagnosticKind::BadNetwork, loc(option->identifier(1)->getStart()),
                     {"unknown activation '" + value + "': vic has identity, relu, tanh, sigmoid, softplus and elu"});
        failed_ = true;
        return nullptr;
      }
      (key == "activation" ? decl->activation : decl->output) = found->second;
    }
    return decl;
  }

  // The data and parameters blocks hold declarations without values only.
  void check_declarations_only(ast::BlockKind block, const ast::Stmt& stmt) {
    if (block != ast::BlockKind::Data && block != ast::BlockKind::Parameters) return;
    const std::string name = ast::block_kind_name(block);
    if (stmt.kind != ast::StmtKind::Decl) {
      diags_.error(DiagnosticKind::SyntaxError, stmt.loc, {"only declarations are allowed in the " + name + " block"});
      failed_ = true;
    } else if (const ast::VarDecl& d = *stmt.as<ast::DeclStmt>().decl; d.init) {
      diags_.error(DiagnosticKind::SyntaxError, d.init->loc,
                   {"declarations in the " + name + " block cannot have a value"});
      failed_ = true;
    }
  }

  SourceLoc loc(const antlr4::Token* t) const { return token_loc(file_, t); }

  // `array[,] vector` without sizes: the rank as null array dims.
  static ast::SizedType unsized_type(VModelParser::UnsizedTypeContext* ctx) {
    ast::SizedType t;
    if (child_tokens(ctx, "array").size() == 1) t.array_dims.resize(ctx->commas.size() + 1);
    const std::string keyword = ctx->unsizedElement()->getText();
    t.base = keyword == "int" ? ast::BaseType::Int : ast::BaseType::Real;
    t.shape = keyword == "vector"       ? ast::Shape::Vector
              : keyword == "row_vector" ? ast::Shape::RowVector
              : keyword == "matrix"     ? ast::Shape::Matrix
                                        : ast::Shape::Scalar;
    return t;
  }

  ast::FunctionDefPtr function_def(VModelParser::FunctionDefContext* ctx) {
    auto def = std::make_unique<ast::FunctionDef>();
    def->loc = loc(ctx->identifier()->getStart());
    def->name = ctx->identifier()->getText();
    if (VModelParser::UnsizedTypeContext* r = ctx->returnType()->unsizedType()) {
      def->return_type = unsized_type(r).type();
    } else {
      def->returns_void = true;
    }
    for (VModelParser::ParameterContext* p : ctx->parameter()) {
      auto arg = std::make_unique<ast::VarDecl>();
      arg->loc = loc(p->identifier()->getStart());
      arg->name = p->identifier()->getText();
      arg->type = unsized_type(p->unsizedType());
      arg->block = ast::BlockKind::Functions;
      arg->is_local = true;
      arg->is_function_argument = true;
      def->data_only.push_back(child_tokens(p, "data").size() == 1);
      def->arguments.push_back(std::move(arg));
    }
    // `real f(real x);` is a forward declaration (the grammar reads its ';' as an empty statement).
    if (ctx->statement() && !dynamic_cast<VModelParser::EmptyStatementContext*>(ctx->statement())) {
      def->body = statement(ctx->statement(), /*top_level=*/false);
    }
    return def;
  }

  // The tokens among `ctx`'s direct children spelled `text`.
  static std::vector<antlr4::Token*> child_tokens(antlr4::ParserRuleContext* ctx, const std::string& text) {
    std::vector<antlr4::Token*> out;
    for (antlr4::tree::ParseTree* child : ctx->children) {
      if (auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(child)) {
        if (terminal->getSymbol()->getText() == text) out.push_back(terminal->getSymbol());
      }
    }
    return out;
  }

  // --- statements ---------------------------------------------------------

  ast::StmtPtr statement(VModelParser::StatementContext* ctx, bool top_level) {
    const SourceLoc at = loc(ctx->getStart());
    if (auto* c = dynamic_cast<VModelParser::DeclStatementContext*>(ctx)) {
      ast::VarDeclPtr decl = var_decl(c->varDecl(), top_level);
      return std::make_unique<ast::DeclStmt>(at, std::move(decl));
    }
    if (auto* c = dynamic_cast<VModelParser::AssignStatementContext*>(ctx)) {
      const std::string op = c->op->getText();
      ast::AssignOp kind = op == "="    ? ast::AssignOp::Assign
                           : op == "+=" ? ast::AssignOp::AddAssign
                           : op == "-=" ? ast::AssignOp::SubAssign
                           : op == "*=" ? ast::AssignOp::MulAssign
                                        : ast::AssignOp::DivAssign;
      ast::ExprPtr lhs = lvalue(c->lvalue());
      return std::make_unique<ast::AssignStmt>(at, std::move(lhs), kind, expression(c->expression()));
    }
    if (auto* c = dynamic_cast<VModelParser::TildeStatementContext*>(ctx)) {
      ast::ExprPtr lhs = expression(c->expression());
      std::vector<ast::ExprPtr> args = expression_list(c->expressionList());
      auto tilde = std::make_unique<ast::TildeStmt>(at, std::move(lhs), c->identifier()->getText(),
                                                    loc(c->identifier()->getStart()), std::move(args));
      if (VModelParser::TruncationContext* t = c->truncation()) {
        tilde->truncated = true;
        if (t->lo) tilde->truncate_lower = expression(t->lo);
        if (t->hi) tilde->truncate_upper = expression(t->hi);
      }
      return tilde;
    }
    if (auto* c = dynamic_cast<VModelParser::TargetStatementContext*>(ctx)) {
      return std::make_unique<ast::TargetPlusStmt>(at, expression(c->expression()));
    }
    if (auto* c = dynamic_cast<VModelParser::ForStatementContext*>(ctx)) {
      auto index = std::make_unique<ast::VarDecl>();
      index->loc = loc(c->identifier()->getStart());
      index->name = c->identifier()->getText();
      index->type.base = ast::BaseType::Int;
      index->block = current_block_;
      index->is_local = true;
      index->is_loop_index = true;
      ast::ExprPtr lower = expression(c->expression(0));
      ast::ExprPtr upper = expression(c->expression(1));
      ast::StmtPtr body = statement(c->statement(), false);
      return std::make_unique<ast::ForStmt>(at, std::move(index), std::move(lower), std::move(upper), std::move(body));
    }
    if (auto* c = dynamic_cast<VModelParser::IfStatementContext*>(ctx)) {
      ast::ExprPtr cond = expression(c->expression());
      ast::StmtPtr then_stmt = statement(c->statement(0), false);
      ast::StmtPtr else_stmt = c->statement().size() > 1 ? statement(c->statement(1), false) : nullptr;
      return std::make_unique<ast::IfStmt>(at, std::move(cond), std::move(then_stmt), std::move(else_stmt));
    }
    if (auto* c = dynamic_cast<VModelParser::WhileStatementContext*>(ctx)) {
      ast::ExprPtr cond = expression(c->expression());
      return std::make_unique<ast::WhileStmt>(at, std::move(cond), statement(c->statement(), false));
    }
    if (auto* c = dynamic_cast<VModelParser::JumpStatementContext*>(ctx)) {
      if (c->kind->getText() == "break") return std::make_unique<ast::BreakStmt>(at);
      return std::make_unique<ast::ContinueStmt>(at);
    }
    if (auto* c = dynamic_cast<VModelParser::ProfileStatementContext*>(ctx)) {
      // A profile's name is for Stan's timing tables: its body is a block.
      std::vector<ast::StmtPtr> stmts;
      for (VModelParser::StatementContext* s : c->statement()) stmts.push_back(statement(s, false));
      return std::make_unique<ast::BlockStmt>(at, std::move(stmts));
    }
    if (auto* c = dynamic_cast<VModelParser::BlockStatementContext*>(ctx)) {
      std::vector<ast::StmtPtr> stmts;
      for (VModelParser::StatementContext* s : c->statement()) stmts.push_back(statement(s, false));
      return std::make_unique<ast::BlockStmt>(at, std::move(stmts));
    }
    if (auto* c = dynamic_cast<VModelParser::ReturnStatementContext*>(ctx)) {
      return std::make_unique<ast::ReturnStmt>(at, c->expression() ? expression(c->expression()) : nullptr);
    }
    if (auto* c = dynamic_cast<VModelParser::RejectStatementContext*>(ctx)) {
      std::vector<ast::PrintPiece> pieces;
      for (VModelParser::PrintableContext* p : c->printable()) {
        if (antlr4::tree::TerminalNode* s = p->STRING_LITERAL()) {
          const std::string text = s->getText();
          pieces.push_back({text.substr(1, text.size() - 2), nullptr});
        } else {
          pieces.push_back({"", expression(p->expression())});
        }
      }
      const std::string kind = c->kind->getText();
      if (kind == "print") return std::make_unique<ast::PrintStmt>(at, std::move(pieces));
      return std::make_unique<ast::RejectStmt>(at, kind == "fatal_error", std::move(pieces));
    }
    if (auto* c = dynamic_cast<VModelParser::CallStatementContext*>(ctx)) {
      auto call = std::make_unique<ast::Call>(at, c->identifier()->getText(), expression_list(c->expressionList()),
                                              /*conditional=*/false);
      return std::make_unique<ast::CallStmt>(at, std::move(call));
    }
    // `;`: an empty block.
    return std::make_unique<ast::BlockStmt>(at, std::vector<ast::StmtPtr>{});
  }

  ast::ExprPtr lvalue(VModelParser::LvalueContext* ctx) {
    ast::ExprPtr e = std::make_unique<ast::Variable>(loc(ctx->getStart()), ctx->identifier()->getText());
    std::vector<antlr4::Token*> brackets = child_tokens(ctx, "[");
    std::vector<VModelParser::IndexListContext*> lists = ctx->indexList();
    for (size_t i = 0; i < lists.size(); ++i) {
      e = std::make_unique<ast::Index>(loc(brackets[i]), std::move(e), index_list(lists[i]));
    }
    return e;
  }

  ast::VarDeclPtr var_decl(VModelParser::VarDeclContext* ctx, bool top_level) {
    auto decl = std::make_unique<ast::VarDecl>();
    decl->loc = loc(ctx->identifier()->getStart());
    decl->name = ctx->identifier()->getText();
    decl->block = current_block_;
    decl->is_local = !top_level || current_block_ == ast::BlockKind::Model || current_block_ == ast::BlockKind::Guide;
    decl->is_latent = ctx->latent != nullptr;
    if (decl->is_latent && !(top_level && current_block_ == ast::BlockKind::Parameters)) {
      diags_.error(DiagnosticKind::BadLatent, loc(ctx->latent),
                   {"'latent' applies to declarations in the parameters block"});
      failed_ = true;
    }

    VModelParser::DeclTypeContext* type_ctx = ctx->declType();
    if (type_ctx->expressionList()) decl->type.array_dims = expression_list(type_ctx->expressionList());
    if (ctx->expressionList()) {
      if (!decl->type.array_dims.empty()) {
        diags_.error(DiagnosticKind::SyntaxError, loc(ctx->expressionList()->getStart()),
                     {"give the array dimensions either in 'array[...]' or after the name, not both"});
        failed_ = true;
      }
      decl->type.array_dims = expression_list(ctx->expressionList());
    }

    VModelParser::ElementTypeContext* element = type_ctx->elementType();
    const std::string keyword = element->getStart()->getText();
    decl->type.base = keyword == "int" ? ast::BaseType::Int : ast::BaseType::Real;
    decl->type.shape = keyword == "vector"       ? ast::Shape::Vector
                       : keyword == "row_vector" ? ast::Shape::RowVector
                       : keyword == "matrix"     ? ast::Shape::Matrix
                                                 : ast::Shape::Scalar;
    for (VModelParser::ExpressionContext* size : element->expression()) {
      decl->type.shape_dims.push_back(expression(size));
    }
    static const std::pair<const char*, ast::Constraint> kConstrained[] = {
        {"simplex", ast::Constraint::Simplex},
        {"ordered", ast::Constraint::Ordered},
        {"positive_ordered", ast::Constraint::PositiveOrdered},
        {"unit_vector", ast::Constraint::UnitVector},
        {"sum_to_zero_vector", ast::Constraint::SumToZero},
        {"cholesky_factor_corr", ast::Constraint::CholeskyFactorCorr},
        {"cholesky_factor_cov", ast::Constraint::CholeskyFactorCov},
        {"corr_matrix", ast::Constraint::CorrMatrix},
        {"cov_matrix", ast::Constraint::CovMatrix},
    };
    for (const auto& [word, constraint] : kConstrained) {
      if (keyword != word) continue;
      decl->type.constraint = constraint;
      const bool matrix = constraint >= ast::Constraint::CholeskyFactorCorr;
      decl->type.shape = matrix ? ast::Shape::Matrix : ast::Shape::Vector;
      // A square matrix's one size is both of its dimensions.
      if (matrix && element->expression().size() == 1) decl->type.shape_dims.push_back(expression(element->expression(0)));
    }
    if (VModelParser::RangeContext* range = element->range()) {
      for (VModelParser::RangeBoundContext* bound : range->rangeBound()) {
        const std::string kind = bound->kind->getText();
        ast::ExprPtr& slot = kind == "lower"    ? decl->type.lower
                             : kind == "upper"  ? decl->type.upper
                             : kind == "offset" ? decl->type.offset
                                                : decl->type.multiplier;
        if (slot) {
          diags_.error(DiagnosticKind::SyntaxError, loc(bound->kind), {"the '" + kind + "' bound is given twice"});
          failed_ = true;
        }
        slot = additive(bound->additiveExpr());
      }
      if ((decl->type.lower || decl->type.upper) && (decl->type.offset || decl->type.multiplier)) {
        diags_.error(DiagnosticKind::SyntaxError, loc(range->getStart()),
                     {"a declaration takes bounds ('lower', 'upper') or 'offset' and 'multiplier', not both"});
        failed_ = true;
      }
    }
    if (ctx->expression()) decl->init = expression(ctx->expression());
    return decl;
  }

  // --- expressions ----------------------------------------------------------
  //
  // Each builder returns a non-null expression; the depth of every node built is
  // tracked so that no tree deeper than kMaxExpressionDepth is made (deeper
  // input is replaced by a literal after a NestingTooDeep diagnostic).

  // The indices of `x[...]`: expressions, and slices `lo:hi` as Range nodes.
  std::vector<ast::ExprPtr> index_list(VModelParser::IndexListContext* ctx) {
    std::vector<ast::ExprPtr> out;
    for (VModelParser::IndexItemContext* item : ctx->indexItem()) {
      if (auto* single = dynamic_cast<VModelParser::SingleIndexContext*>(item)) {
        out.push_back(expression(single->expression()));
        continue;
      }
      auto* range = dynamic_cast<VModelParser::RangeIndexContext*>(item);
      ast::ExprPtr lo = range->lo ? expression(range->lo) : nullptr;
      ast::ExprPtr hi = range->hi ? expression(range->hi) : nullptr;
      const int d = std::max(lo ? depth(lo) : 0, hi ? depth(hi) : 0);
      out.push_back(finish(std::make_unique<ast::Range>(loc(item->getStart()), std::move(lo), std::move(hi)), d));
    }
    return out;
  }

  std::vector<ast::ExprPtr> expression_list(VModelParser::ExpressionListContext* ctx) {
    std::vector<ast::ExprPtr> out;
    if (!ctx) return out;
    for (VModelParser::ExpressionContext* e : ctx->expression()) out.push_back(expression(e));
    return out;
  }

  int depth(const ast::ExprPtr& e) const {
    auto it = depth_.find(e.get());
    return it == depth_.end() ? 1 : it->second;
  }

  // Records the depth of a freshly made node from its children's depths.
  ast::ExprPtr finish(ast::ExprPtr e, int child_depth) {
    const int d = child_depth + 1;
    if (d > kMaxExpressionDepth) {
      if (!too_deep_reported_) {
        diags_.error(DiagnosticKind::NestingTooDeep, e->loc, {std::to_string(kMaxExpressionDepth)});
        too_deep_reported_ = true;
      }
      failed_ = true;
      return std::make_unique<ast::IntLiteral>(e->loc, 0);
    }
    depth_[e.get()] = d;
    return e;
  }

  ast::ExprPtr make_binary(SourceLoc at, ast::BinaryOp op, ast::ExprPtr lhs, ast::ExprPtr rhs) {
    const int d = std::max(depth(lhs), depth(rhs));
    return finish(std::make_unique<ast::Binary>(at, op, std::move(lhs), std::move(rhs)), d);
  }

  ast::ExprPtr make_unary(SourceLoc at, const std::string& op, ast::ExprPtr operand) {
    ast::UnaryOp kind = op == "-" ? ast::UnaryOp::Negate : op == "+" ? ast::UnaryOp::Plus : ast::UnaryOp::Not;
    const int d = depth(operand);
    return finish(std::make_unique<ast::Unary>(at, kind, std::move(operand)), d);
  }

  static ast::BinaryOp binary_op(const std::string& op) {
    static const std::unordered_map<std::string, ast::BinaryOp> kOps = {
        {"+", ast::BinaryOp::Add},        {"-", ast::BinaryOp::Sub},      {"*", ast::BinaryOp::Mul},
        {"/", ast::BinaryOp::Div},        {"%/%", ast::BinaryOp::IntDiv}, {"%", ast::BinaryOp::Mod},
        {"^", ast::BinaryOp::Pow},        {".*", ast::BinaryOp::EltMul},  {"./", ast::BinaryOp::EltDiv},
        {"<", ast::BinaryOp::Less},       {"<=", ast::BinaryOp::LessEq},  {">", ast::BinaryOp::Greater},
        {">=", ast::BinaryOp::GreaterEq}, {"==", ast::BinaryOp::Equal},   {"!=", ast::BinaryOp::NotEqual},
        {"&&", ast::BinaryOp::And},       {"||", ast::BinaryOp::Or},
    };
    return kOps.at(op);
  }

  // A left-associative chain `o0 op1 o1 op2 o2 ...`. The chain is one level of
  // nesting however long it is (10^5 terms parse): its depth is one more than
  // its deepest operand's.
  template <typename Operand, typename Build>
  ast::ExprPtr left_chain(const std::vector<Operand*>& operands, const std::vector<antlr4::Token*>& ops, Build build) {
    ast::ExprPtr result = build(operands[0]);
    int operand_depth = depth(result);
    for (size_t i = 1; i < operands.size(); ++i) {
      ast::ExprPtr rhs = build(operands[i]);
      operand_depth = std::max(operand_depth, depth(rhs));
      result = finish(std::make_unique<ast::Binary>(loc(ops[i - 1]), binary_op(ops[i - 1]->getText()),
                                                    std::move(result), std::move(rhs)),
                      operand_depth);
    }
    return result;
  }

  ast::ExprPtr expression(VModelParser::ExpressionContext* ctx) {
    std::vector<VModelParser::OrExprContext*> ors = ctx->orExpr();
    std::vector<VModelParser::ExpressionContext*> thens = ctx->expression();
    if (thens.empty()) return or_expr(ors[0]);
    // c0 ? t0 : c1 ? t1 : ... : last, folded from the right.
    std::vector<antlr4::Token*> questions = child_tokens(ctx, "?");
    ast::ExprPtr result = or_expr(ors.back());
    for (size_t i = thens.size(); i-- > 0;) {
      ast::ExprPtr cond = or_expr(ors[i]);
      ast::ExprPtr then_expr = expression(thens[i]);
      const int d = std::max({depth(cond), depth(then_expr), depth(result)});
      result = finish(std::make_unique<ast::Conditional>(loc(questions[i]), std::move(cond), std::move(then_expr),
                                                         std::move(result)),
                      d);
    }
    return result;
  }

  ast::ExprPtr or_expr(VModelParser::OrExprContext* ctx) {
    return left_chain(ctx->andExpr(), child_tokens(ctx, "||"), [this](auto* c) { return and_expr(c); });
  }
  ast::ExprPtr and_expr(VModelParser::AndExprContext* ctx) {
    return left_chain(ctx->equalityExpr(), child_tokens(ctx, "&&"), [this](auto* c) { return equality(c); });
  }
  ast::ExprPtr equality(VModelParser::EqualityExprContext* ctx) {
    return left_chain(ctx->comparisonExpr(), ctx->ops, [this](auto* c) { return comparison(c); });
  }
  ast::ExprPtr comparison(VModelParser::ComparisonExprContext* ctx) {
    return left_chain(ctx->additiveExpr(), ctx->ops, [this](auto* c) { return additive(c); });
  }
  ast::ExprPtr additive(VModelParser::AdditiveExprContext* ctx) {
    return left_chain(ctx->multiplicativeExpr(), ctx->ops, [this](auto* c) { return multiplicative(c); });
  }
  ast::ExprPtr multiplicative(VModelParser::MultiplicativeExprContext* ctx) {
    return left_chain(ctx->elementwiseExpr(), ctx->ops, [this](auto* c) { return elementwise(c); });
  }
  ast::ExprPtr elementwise(VModelParser::ElementwiseExprContext* ctx) {
    return left_chain(ctx->prefixExpr(), ctx->ops, [this](auto* c) { return prefix(c); });
  }

  ast::ExprPtr apply_prefix(const std::vector<antlr4::Token*>& ops, ast::ExprPtr e) {
    for (size_t i = ops.size(); i-- > 0;) e = make_unary(loc(ops[i]), ops[i]->getText(), std::move(e));
    return e;
  }

  ast::ExprPtr prefix(VModelParser::PrefixExprContext* ctx) { return apply_prefix(ctx->ops, power(ctx->powerExpr())); }

  // a ^ p1 b1 ^ p2 b2 ... (p = prefix operators): a ^ (p1 (b1 ^ (p2 (b2 ...)))).
  ast::ExprPtr power(VModelParser::PowerExprContext* ctx) {
    std::vector<VModelParser::PowerTailContext*> tails = ctx->powerTail();
    ast::ExprPtr base = postfix(ctx->postfixExpr());
    if (tails.empty()) return base;
    ast::ExprPtr acc = apply_prefix(tails.back()->ops, postfix(tails.back()->postfixExpr()));
    for (size_t k = tails.size() - 1; k-- > 0;) {
      ast::ExprPtr b = postfix(tails[k]->postfixExpr());
      acc = make_binary(loc(tails[k + 1]->getStart()), ast::BinaryOp::Pow, std::move(b), std::move(acc));
      acc = apply_prefix(tails[k]->ops, std::move(acc));
    }
    return make_binary(loc(tails[0]->getStart()), ast::BinaryOp::Pow, std::move(base), std::move(acc));
  }

  ast::ExprPtr postfix(VModelParser::PostfixExprContext* ctx) {
    ast::ExprPtr e = primary(ctx->primary());
    for (VModelParser::PostfixOpContext* op : ctx->postfixOp()) {
      if (auto* suffix = dynamic_cast<VModelParser::IndexSuffixContext*>(op)) {
        std::vector<ast::ExprPtr> indices = index_list(suffix->indexList());
        int d = depth(e);
        for (const ast::ExprPtr& i : indices) d = std::max(d, depth(i));
        e = finish(std::make_unique<ast::Index>(loc(suffix->getStart()), std::move(e), std::move(indices)), d);
      } else {
        int d = depth(e);
        e = finish(std::make_unique<ast::Unary>(loc(op->getStart()), ast::UnaryOp::Transpose, std::move(e)), d);
      }
    }
    return e;
  }

  ast::ExprPtr call(SourceLoc at, const std::string& name, std::vector<ast::ExprPtr> args, bool conditional) {
    int d = 0;
    for (const ast::ExprPtr& a : args) d = std::max(d, depth(a));
    return finish(std::make_unique<ast::Call>(at, name, std::move(args), conditional), d);
  }

  ast::ExprPtr literal(SourceLoc at, bool array, VModelParser::ExpressionListContext* list) {
    std::vector<ast::ExprPtr> elements = expression_list(list);
    int d = 0;
    for (const ast::ExprPtr& e : elements) d = std::max(d, depth(e));
    return finish(std::make_unique<ast::ContainerLiteral>(at, array, std::move(elements)), d);
  }

  ast::ExprPtr primary(VModelParser::PrimaryContext* ctx) {
    const SourceLoc at = loc(ctx->getStart());
    if (dynamic_cast<VModelParser::IntLiteralContext*>(ctx)) {
      const std::string text = ctx->getText();
      long long value = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc() || end != text.data() + text.size()) {
        diags_.error(DiagnosticKind::SyntaxError, at, {"the integer literal " + text + " is too large"});
        failed_ = true;
      }
      return std::make_unique<ast::IntLiteral>(at, value);
    }
    if (dynamic_cast<VModelParser::RealLiteralContext*>(ctx)) {
      return std::make_unique<ast::RealLiteral>(at, std::strtod(ctx->getText().c_str(), nullptr));
    }
    if (auto* c = dynamic_cast<VModelParser::CallContext*>(ctx)) {
      return call(at, c->identifier()->getText(), expression_list(c->expressionList()), false);
    }
    if (auto* c = dynamic_cast<VModelParser::ConditionalCallContext*>(ctx)) {
      std::vector<ast::ExprPtr> args;
      args.push_back(expression(c->expression()));
      for (ast::ExprPtr& a : expression_list(c->expressionList())) args.push_back(std::move(a));
      return call(at, c->identifier()->getText(), std::move(args), true);
    }
    if (auto* c = dynamic_cast<VModelParser::VariableContext*>(ctx)) {
      return std::make_unique<ast::Variable>(at, c->identifier()->getText());
    }
    if (auto* c = dynamic_cast<VModelParser::RowVectorLiteralContext*>(ctx)) return literal(at, false, c->expressionList());
    if (auto* c = dynamic_cast<VModelParser::ArrayLiteralContext*>(ctx)) return literal(at, true, c->expressionList());
    auto* c = dynamic_cast<VModelParser::ParenthesizedContext*>(ctx);
    return expression(c->expression());
  }

  const SourceFile& file_;
  Diagnostics& diags_;
  ast::BlockKind current_block_ = ast::BlockKind::Data;
  std::unordered_map<const ast::Expr*, int> depth_;
  bool failed_ = false;
  bool too_deep_reported_ = false;
};

}  // namespace

std::unique_ptr<ast::Program> parse_program(const SourceFile& file, Diagnostics& diags) {
  const DecodedSource source = decode_source(file.text());
  antlr4::ANTLRInputStream input(source.text);
  VModelLexer lexer(&input);
  lexer.removeErrorListeners();
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  if (!check_characters(file, source, tokens.getTokens(), diags)) return nullptr;
  const uint64_t needed = tokens.size() * kParseBytesPerToken;
  if (needed > limits::memory_budget_bytes()) {
    diags.error(DiagnosticKind::SourceTooLarge, SourceLoc{&file, 1, 1},
                {std::to_string(tokens.size()), limits::format_bytes(needed), limits::describe_memory_budget()});
    return nullptr;
  }

  NestingScanner scanner(file, diags);
  if (!scanner.scan(tokens.getTokens())) return nullptr;

  VModelParser parser(&tokens);
  SyntaxErrorListener listener(file, diags, tokens);
  parser.removeErrorListeners();
  parser.addErrorListener(&listener);
  VModelParser::ProgramContext* tree = parser.program();
  if (listener.failed()) return nullptr;

  AstBuilder builder(file, diags);
  return builder.build(tree);
}

std::unique_ptr<ast::Program> parse_and_check(const SourceFile& file, Diagnostics& diags) {
  std::unique_ptr<ast::Program> program = parse_program(file, diags);
  if (program) check_program(*program, diags);
  return program;
}

}  // namespace vic::frontend
