// Parsing the IR's text (see ir/printer.cpp for what it writes): a recursive
// descent over the characters, building the ops with ir::Builder as they are
// read. Op spellings come from ir/ops.def, so a new op with the plain form
// `%r = spelling %a, %b` (its result type inferred by Builder) parses without
// changes here; ops with attributes, regions or a printed type have a case.
//
// Every mistake is reported before Builder sees the op, because Builder's
// checks abort: they guard vic's own code, not text a person wrote.
#include "ir/parse_ir.h"

#include "ir/op_table.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>

#include "ir/builder.h"
#include "ir/kernels.h"

namespace vic::ir {
namespace {

// Regions nest at most this deep, so hostile text cannot overflow the stack.
constexpr int kMaxRegionDepth = 256;
// Check ids above this are refused: Program::checks gets one entry per id.
constexpr int64_t kMaxCheckId = 1 << 20;

std::optional<OpKind> op_kind_named(std::string_view spelling) {
  static const std::unordered_map<std::string_view, OpKind> kinds = [] {
    std::unordered_map<std::string_view, OpKind> m;
#define OP(Name) m.emplace(op_spelling(OpKind::Name), OpKind::Name);
#include "ir/ops.def"
    return m;
  }();
  auto it = kinds.find(spelling);
  if (it == kinds.end()) return std::nullopt;
  return it->second;
}

std::optional<Type::Element> element_named(std::string_view name) {
  for (Type::Element e : {Type::Element::F64, Type::Element::F32, Type::Element::I64, Type::Element::I1})
    if (type_name(Type::scalar(e)) == name) return e;
  return std::nullopt;
}

std::optional<CmpPredicate> predicate_named(std::string_view name) {
  for (int p = 0; p <= static_cast<int>(CmpPredicate::Ge); ++p)
    if (predicate_name(static_cast<CmpPredicate>(p)) == name) return static_cast<CmpPredicate>(p);
  return std::nullopt;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// The hint in a value's name, as the printer made it: "%mu.6" -> "mu",
// "%6" -> "". A hand-written name without a number ("%x") is all hint.
std::string hint_of(std::string_view name) {
  name.remove_prefix(1);  // '%'
  if (all_digits(name)) return "";
  size_t dot = name.rfind('.');
  if (dot != std::string_view::npos && all_digits(name.substr(dot + 1))) return std::string(name.substr(0, dot));
  return std::string(name);
}

std::string type_list(const std::vector<Type>& types) {
  std::string s = "(";
  for (size_t i = 0; i < types.size(); ++i) s += (i ? ", " : "") + type_name(types[i]);
  return s + ")";
}

std::vector<Type> types_of(const std::vector<Value*>& values) {
  std::vector<Type> types;
  for (const Value* v : values) types.push_back(v->type);
  return types;
}

// What a block must end with, and the types its terminator must give.
struct BlockContext {
  OpKind terminator;        // Yield or Return
  std::vector<Type> types;  // of the terminator's operands
  std::string what;         // "the for loop's region", for messages
  std::string expectation;  // "the for loop carries (f64)"
};

class Parser {
 public:
  Parser(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  Expected<Program> parse() {
    Program program;
    for (skip_blank(); !at_end(); skip_blank())
      if (!parse_function(program)) return Error{error_};
    for (int64_t id = 0; id <= max_check_id_; ++id)
      program.checks.push_back({"check #" + std::to_string(id) + " (its message is not in the IR text)", {}});
    return program;
  }

 private:
  // ---- Errors and positions.

  bool fail(size_t at, const std::string& message) {
    if (error_.empty()) error_ = where(at) + ": error: " + message;
    return false;
  }

  std::string where(size_t at) const {
    int line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < at && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    return file_ + ":" + std::to_string(line) + ":" + std::to_string(at - line_start + 1);
  }

  // The text at the cursor, for "expected X, found Y".
  std::string found() {
    skip_inline();
    if (at_end()) return "end of input";
    if (peek() == '\n') return "end of line";
    size_t end = pos_;
    while (end < text_.size() && end - pos_ < 20 && !std::isspace(static_cast<unsigned char>(text_[end]))) ++end;
    return "'" + std::string(text_.substr(pos_, end - pos_)) + "'";
  }

  // ---- Characters.

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  bool at_comment() const { return text_.substr(pos_, 2) == "//"; }

  // Skips spaces and a comment up to the end of the line, not past it.
  void skip_inline() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\r')) ++pos_;
    if (at_comment())
      while (!at_end() && peek() != '\n') ++pos_;
  }

  // Skips spaces, comments and line ends.
  void skip_blank() {
    for (skip_inline(); peek() == '\n'; skip_inline()) ++pos_;
  }

  bool accept(std::string_view s) {
    skip_inline();
    if (text_.substr(pos_, s.size()) != s) return false;
    pos_ += s.size();
    return true;
  }

  bool expect(std::string_view s) {
    if (accept(s)) return true;
    return fail(pos_, "expected '" + std::string(s) + "', found " + found());
  }

  bool expect_line_end() {
    skip_inline();
    if (at_end() || peek() == '\n') return true;
    return fail(pos_, "expected the end of the line, found " + found());
  }

  static bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  }

  // A run of letters, digits, '_' and '.': op spellings, types, names.
  std::string_view read_word() {
    skip_inline();
    size_t start = pos_;
    while (!at_end() && is_word_char(peek())) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  bool expect_word(std::string_view word) {
    skip_inline();
    size_t at = pos_;
    if (read_word() == word) return true;
    pos_ = at;
    return fail(at, "expected '" + std::string(word) + "', found " + found());
  }

  // A number token: what the printer writes for an f64 or i64.
  std::string_view read_number_token() {
    skip_inline();
    size_t start = pos_;
    while (!at_end() && (is_word_char(peek()) || peek() == '+' || peek() == '-')) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  bool read_f64(double& out) {
    skip_inline();
    size_t at = pos_;
    std::string_view token = read_number_token();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (token == "inf" || token == "-inf") {
      out = token[0] == '-' ? -HUGE_VAL : HUGE_VAL;
      return true;
    }
    if (token == "nan" || token == "-nan") {
      out = std::copysign(nan, token[0] == '-' ? -1.0 : 1.0);
      return true;
    }
    auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), out);
    if (token.empty() || ec != std::errc() || end != token.data() + token.size()) {
      pos_ = at;
      return fail(at, "expected an f64 number, found " + found());
    }
    return true;
  }

  bool read_i64(int64_t& out) {
    skip_inline();
    size_t at = pos_;
    std::string_view token = read_number_token();
    auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), out);
    if (token.empty() || ec != std::errc() || end != token.data() + token.size()) {
      pos_ = at;
      if (ec == std::errc::result_out_of_range) return fail(at, "the integer " + std::string(token) + " is not an i64");
      return fail(at, "expected an integer, found " + found());
    }
    return true;
  }

  // `#N`, the id of an entry of Program::checks.
  // `#N`; `#-1` (no check of its own) where `none_allowed`.
  bool read_check_id(int64_t& out, bool none_allowed = false) {
    if (!expect("#")) return false;
    size_t at = pos_;
    if (!read_i64(out)) return false;
    if (none_allowed && out == -1) return true;
    if (out < 0 || out > kMaxCheckId)
      return fail(at, "check id #" + std::to_string(out) + " is not in 0.." + std::to_string(kMaxCheckId));
    max_check_id_ = std::max(max_check_id_, out);
    return true;
  }

  bool read_string(std::string& out) {
    if (!expect("\"")) return false;
    size_t start = pos_;
    while (!at_end() && peek() != '"' && peek() != '\n') ++pos_;
    if (peek() != '"') return fail(start - 1, "unterminated string");
    out = std::string(text_.substr(start, pos_ - start));
    ++pos_;
    return true;
  }

  bool read_type(Type& out) {
    skip_inline();
    size_t at = pos_;
    std::string_view word = read_word();
    if (word == "buf" || word == "tensor") {
      if (!expect("<")) return false;
      skip_inline();
      size_t element_at = pos_;
      std::string_view element_word = read_word();
      std::optional<Type::Element> element = element_named(element_word);
      if (!element) return fail(element_at, "unknown element type '" + std::string(element_word) + "'");
      if (word == "buf") {
        out = Type::buffer(*element);
      } else {
        if (!expect(",")) return false;
        skip_inline();
        size_t rank_at = pos_;
        int64_t rank = 0;
        if (!read_i64(rank)) return false;
        if (rank < 0 || rank > 255) return fail(rank_at, "a tensor's rank must be in 0..255");
        out = Type::tensor(*element, static_cast<int>(rank));
      }
      return expect(">");
    }
    std::optional<Type::Element> element = element_named(word);
    if (!element) {
      pos_ = at;
      return fail(at, "expected a type, found " + found());
    }
    out = Type::scalar(*element);
    return true;
  }

  // ---- Values and their scopes.

  bool read_value_name(std::string& out) {
    skip_inline();
    size_t at = pos_;
    if (peek() == '%') {
      ++pos_;
      while (!at_end() && is_word_char(peek())) ++pos_;
    }
    if (pos_ - at < 2) {
      pos_ = at;
      return fail(at, "expected a value such as %x, found " + found());
    }
    out = std::string(text_.substr(at, pos_ - at));
    return true;
  }

  // Reads a value's name and finds the value it names.
  bool use(Value*& out) {
    skip_inline();
    size_t at = pos_;
    std::string name;
    if (!read_value_name(name)) return false;
    auto it = visible_.find(name);
    if (it == visible_.end()) return fail(at, "undefined value " + name);
    out = it->second;
    return true;
  }

  // Values up to the end of the line: `%a, %b` or nothing.
  bool use_list(std::vector<Value*>& out) {
    skip_inline();
    if (peek() != '%') return true;
    do {
      Value* v = nullptr;
      if (!use(v)) return false;
      out.push_back(v);
    } while (accept(","));
    return true;
  }

  struct Name {
    size_t at;
    std::string text;
  };

  bool define(const Name& name, Value* value) {
    if (visible_.count(name.text)) return fail(name.at, name.text + " is already defined");
    visible_.emplace(name.text, value);
    scopes_.back().push_back(name.text);
    value->hint = hint_of(name.text);
    return true;
  }

  void open_scope() { scopes_.emplace_back(); }
  void close_scope() {
    for (const std::string& name : scopes_.back()) visible_.erase(name);
    scopes_.pop_back();
  }

  // ---- Functions, blocks and ops.

  bool parse_function(Program& program) {
    if (!expect_word("func") || !expect("@")) return false;
    skip_inline();
    size_t name_at = pos_;
    std::string name(read_word());
    if (name.empty()) return fail(name_at, "expected a function name, found " + found());
    if (program.find(name)) return fail(name_at, "function @" + name + " is defined twice");

    std::vector<Name> arg_names;
    std::vector<FunctionArg> args;
    if (!expect("(")) return false;
    if (!accept(")")) {
      do {
        Name arg{pos_, ""};
        Type type;
        skip_inline();
        arg.at = pos_;
        if (!read_value_name(arg.text) || !expect(":") || !read_type(type)) return false;
        args.push_back({hint_of(arg.text), type});
        arg_names.push_back(arg);
      } while (accept(","));
      if (!expect(")")) return false;
    }
    std::vector<Type> results;
    if (!expect("->") || !expect("(")) return false;
    if (!accept(")")) {
      do {
        Type type;
        if (!read_type(type)) return false;
        results.push_back(type);
      } while (accept(","));
      if (!expect(")")) return false;
    }
    if (!expect("{") || !expect_line_end()) return false;

    auto function = std::make_unique<Function>(name, args, results);
    visible_.clear();
    scopes_.clear();
    open_scope();
    for (size_t i = 0; i < arg_names.size(); ++i)
      if (!define(arg_names[i], function->arg(i))) return false;
    Builder b(*function, function->body);
    BlockContext context{OpKind::Return, results, "body of @" + name, "@" + name + " returns " + type_list(results)};
    if (!parse_block(b, context, 0) || !expect_line_end()) return false;
    program.add(std::move(function));
    return true;
  }

  // Parses ops into b's block up to and including the closing '}'.
  bool parse_block(Builder& b, const BlockContext& context, int depth) {
    const Op* terminator = nullptr;
    for (;;) {
      skip_blank();
      if (at_end()) return fail(pos_, "expected '}' to close the " + context.what + ", found end of input");
      if (peek() == '}') break;
      if (terminator)
        return fail(pos_, "no op may follow the '" + std::string(op_spelling(terminator->kind)) + "' ending the " +
                              context.what);
      if (!parse_op(b, context, depth)) return false;
      const Op* last = b.block().ops.back().get();
      if (last->kind == context.terminator) terminator = last;
    }
    if (!terminator)
      return fail(pos_, "the " + context.what + " does not end with '" + op_spelling(context.terminator) + "'");
    ++pos_;  // '}'
    return true;
  }

  bool expect_result_count(size_t at, OpKind kind, const std::vector<Name>& results, size_t count) {
    if (results.size() == count) return true;
    std::string has = count == 0 ? "no results" : count == 1 ? "1 result" : std::to_string(count) + " results";
    return fail(at, "'" + std::string(op_spelling(kind)) + "' has " + has + ", but " + std::to_string(results.size()) +
                        (results.size() == 1 ? " is" : " are") + " named");
  }

  bool mismatch(size_t at, OpKind kind, const std::string& expected, const std::vector<Value*>& operands) {
    return fail(at, "type mismatch: '" + std::string(op_spelling(kind)) + "' takes " + expected + ", not " +
                        type_list(types_of(operands)));
  }

  bool define_results(const Op* op, const std::vector<Name>& names) {
    for (size_t i = 0; i < names.size(); ++i)
      if (!define(names[i], op->results[i])) return false;
    return true;
  }

  bool parse_op(Builder& b, const BlockContext& context, int depth) {
    size_t at = pos_;
    std::vector<Name> results;
    if (peek() == '%') {
      do {
        skip_inline();
        Name name{pos_, ""};
        if (!read_value_name(name.text)) return false;
        results.push_back(name);
      } while (accept(","));
      if (!expect("=")) return false;
    }
    skip_inline();
    size_t spelling_at = pos_;
    std::string_view spelling = read_word();
    if (spelling.empty()) return fail(spelling_at, "expected an op, found " + found());
    std::optional<OpKind> kind = op_kind_named(spelling);
    if (!kind) return fail(spelling_at, "unknown op '" + std::string(spelling) + "'");
    size_t operands_at = (skip_inline(), pos_);
    const Op* op = nullptr;
    switch (*kind) {
      case OpKind::ConstF64: {
        double v = 0;
        if (!expect_result_count(at, *kind, results, 1) || !read_f64(v)) return false;
        op = b.const_f64(v)->def;
        break;
      }
      case OpKind::ConstI64: {
        int64_t v = 0;
        if (!expect_result_count(at, *kind, results, 1) || !read_i64(v)) return false;
        op = b.const_i64(v)->def;
        break;
      }
      case OpKind::ConstBool: {
        if (!expect_result_count(at, *kind, results, 1)) return false;
        std::string_view word = read_word();
        if (word != "true" && word != "false") {
          pos_ = operands_at;
          return fail(operands_at, "expected true or false, found " + found());
        }
        op = b.const_bool(word == "true")->def;
        break;
      }
      case OpKind::FCmp:
      case OpKind::ICmp: {
        if (!expect_result_count(at, *kind, results, 1)) return false;
        std::string_view word = read_word();
        std::optional<CmpPredicate> predicate = predicate_named(word);
        if (!predicate) {
          pos_ = operands_at;
          return fail(operands_at, "expected a predicate (eq, ne, lt, le, gt, ge), found " + found());
        }
        skip_inline();
        size_t values_at = pos_;
        Value *x = nullptr, *y = nullptr;
        if (!use(x) || !expect(",") || !use(y)) return false;
        Type t = *kind == OpKind::FCmp ? Type::F64 : Type::I64;
        if (x->type != t || y->type != t) return mismatch(values_at, *kind, type_list({t, t}), {x, y});
        op = b.cmp(*predicate, x, y)->def;
        break;
      }
      case OpKind::DataInt:
      case OpKind::DataReal: {
        std::string name;
        if (!expect_result_count(at, *kind, results, 1) || !read_string(name)) return false;
        op = (*kind == OpKind::DataInt ? b.data_int(name) : b.data_real(name))->def;
        break;
      }
      case OpKind::DataBuf: {
        std::string name;
        Type type;
        if (!expect_result_count(at, *kind, results, 1) || !read_string(name) || !expect(":")) return false;
        size_t type_at = (skip_inline(), pos_);
        if (!read_type(type)) return false;
        if (type != Type::BufF64 && type != Type::BufI64)
          return fail(type_at, "'data.buf' reads a buf<f64> or buf<i64>, not " + type_name(type));
        op = b.data_buf(name, type.scalar_type())->def;
        break;
      }
      case OpKind::RngCall:
      case OpKind::KernelCall:
      case OpKind::KernelRun: {
        const size_t count = *kind == OpKind::KernelCall ? 2 : 1;
        if (!expect_result_count(at, *kind, results, count) || !expect("@")) return false;
        std::string kernel(read_word());
        if (kernel.empty()) return fail(pos_, "expected the kernel's name, found " + found());
        std::vector<Value*> args;
        if (!expect("(")) return false;
        size_t args_at = (skip_inline(), pos_);
        if (!accept(")")) {
          do {
            Value* v = nullptr;
            if (!use(v)) return false;
            args.push_back(v);
          } while (accept(","));
          if (!expect(")")) return false;
        }
        if (*kind == OpKind::RngCall) {
          for (const Value* v : args)
            if (v->type != Type::F64) return mismatch(args_at, *kind, "f64 operands", args);
          op = b.rng_call(kernel, args)->def;
          break;
        }
        const KernelInfo* info = find_kernel(kernel);
        if (!info) return fail(args_at, "unknown kernel '" + kernel + "'");
        const std::vector<Type> expected = kernel_operand_types(*info, *kind == OpKind::KernelRun);
        if (types_of(args) != expected) return mismatch(args_at, *kind, type_list(expected), args);
        op = *kind == OpKind::KernelCall ? b.kernel_call(kernel, args) : b.kernel_run(kernel, args)->def;
        break;
      }
      case OpKind::Load: {
        Value *buffer = nullptr, *index = nullptr;
        if (!expect_result_count(at, *kind, results, 1) || !use(buffer) || !expect("[") || !use(index) ||
            !expect("]"))
          return false;
        if (!buffer->type.is_buffer() || index->type != Type::I64)
          return mismatch(operands_at, *kind, "(buf<T>, i64)", {buffer, index});
        op = b.load(buffer, index)->def;
        break;
      }
      case OpKind::Store: {
        Value *value = nullptr, *buffer = nullptr, *index = nullptr;
        if (!expect_result_count(at, *kind, results, 0) || !use(value) || !expect(",") || !use(buffer) ||
            !expect("[") || !use(index) || !expect("]"))
          return false;
        if (!buffer->type.is_buffer() || index->type != Type::I64 || value->type != buffer->type.scalar_type())
          return mismatch(operands_at, *kind, "(T, buf<T>, i64)", {value, buffer, index});
        b.store(buffer, index, value);
        op = b.block().ops.back().get();
        break;
      }
      case OpKind::Print: {
        if (!expect_result_count(at, *kind, results, 0)) return false;
        skip_inline();
        if (peek() == '"') {
          std::string text;
          if (!read_string(text)) return false;
          b.print_text(text);
        } else {
          Value* v = nullptr;
          if (!use(v)) return false;
          if (v->type != Type::F64 && v->type != Type::I64) return mismatch(operands_at, *kind, "(f64) or (i64)", {v});
          b.print_value(v);
        }
        Op* printed = b.block().ops.back().get();
        // [message [first]] [newline]
        skip_inline();
        if (!at_end() && peek() == 'm') {
          if (!expect_word("message")) return false;
          printed->integer |= kPrintToMessage;
          skip_inline();
          if (!at_end() && peek() == 'f') {
            if (!expect_word("first")) return false;
            printed->integer |= kPrintStartsMessage;
          }
        }
        skip_inline();
        if (!at_end() && peek() == 'n') {
          if (!expect_word("newline")) return false;
          printed->integer |= kPrintNewline;
        }
        op = printed;
        break;
      }
      case OpKind::Check: {
        Value* ok = nullptr;
        int64_t id = 0;
        if (!expect_result_count(at, *kind, results, 0) || !use(ok) || !expect(",") || !read_check_id(id))
          return false;
        if (ok->type != Type::I1) return mismatch(operands_at, *kind, "(i1)", {ok});
        b.check(ok, id);
        op = b.block().ops.back().get();
        break;
      }
      case OpKind::Alloc: {
        Value* size = nullptr;
        int64_t id = 0;
        Type type;
        if (!expect_result_count(at, *kind, results, 1) || !use(size) || !expect(",") || !read_check_id(id) ||
            !expect(":"))
          return false;
        size_t type_at = (skip_inline(), pos_);
        if (!read_type(type)) return false;
        if (size->type != Type::I64) return mismatch(operands_at, *kind, "(i64)", {size});
        if (type != Type::BufF64 && type != Type::BufI64)
          return fail(type_at, "'alloc' makes a buf<f64> or buf<i64>, not " + type_name(type));
        op = b.alloc(type.scalar_type(), size, id)->def;
        break;
      }
      case OpKind::TensorSplat: {
        // `%t = tensor.splat %n, %x, #check : tensor<T, 1>`
        Value *size = nullptr, *x = nullptr;
        int64_t id = 0;
        Type type;
        if (!expect_result_count(at, *kind, results, 1) || !use(size) || !expect(",") || !use(x) || !expect(",") ||
            !read_check_id(id, /*none_allowed=*/true) || !expect(":"))
          return false;
        size_t type_at = (skip_inline(), pos_);
        if (!read_type(type)) return false;
        if (size->type != Type::I64 || !x->type.is_scalar()) return mismatch(operands_at, *kind, "(i64, T)", {size, x});
        if (type != tensor_of(x->type)) return fail(type_at, "'tensor.splat' of a " + type_name(x->type) + " makes a " + type_name(tensor_of(x->type)));
        op = b.splat(size, x, id)->def;
        break;
      }
      case OpKind::TensorExtract: {
        Value *tensor = nullptr, *index = nullptr;
        if (!expect_result_count(at, *kind, results, 1) || !use(tensor) || !expect("[") || !use(index) ||
            !expect("]"))
          return false;
        if (!tensor->type.is_tensor() || index->type != Type::I64)
          return mismatch(operands_at, *kind, "(tensor<T>, i64)", {tensor, index});
        op = b.extract(tensor, index)->def;
        break;
      }
      case OpKind::TensorInsert: {
        Value *value = nullptr, *tensor = nullptr, *index = nullptr;
        if (!expect_result_count(at, *kind, results, 1) || !use(value) || !expect(",") || !use(tensor) ||
            !expect("[") || !use(index) || !expect("]"))
          return false;
        if (!tensor->type.is_tensor() || index->type != Type::I64 || value->type != tensor->type.scalar_type())
          return mismatch(operands_at, *kind, "(T, tensor<T>, i64)", {value, tensor, index});
        op = b.insert(tensor, index, value)->def;
        break;
      }
      case OpKind::Copy: {
        Value *dst = nullptr, *src = nullptr, *n = nullptr;
        if (!expect_result_count(at, *kind, results, 0) || !use(dst) || !expect(",") || !use(src) || !expect(",") ||
            !use(n))
          return false;
        if (!dst->type.is_buffer() || dst->type != src->type || n->type != Type::I64)
          return mismatch(operands_at, *kind, "(buf<T>, buf<T>, i64)", {dst, src, n});
        b.copy(dst, src, n);
        op = b.block().ops.back().get();
        break;
      }
      case OpKind::TensorGenerate:
        return parse_generate(b, at, results, depth);
      case OpKind::For:
        return parse_for(b, at, results, depth);
      case OpKind::While:
        return parse_while(b, at, results, depth);
      case OpKind::If:
        return parse_if(b, at, results, depth);
      case OpKind::Yield:
      case OpKind::Return: {
        if (*kind != context.terminator)
          return fail(spelling_at, *kind == OpKind::Yield ? "'yield' outside a region" : "'return' inside a region");
        std::vector<Value*> values;
        if (!expect_result_count(at, *kind, results, 0) || !use_list(values) || !expect_line_end()) return false;
        if (types_of(values) != context.types)
          return fail(operands_at, "'" + std::string(spelling) + "' gives " + type_list(types_of(values)) + ", but " +
                                       context.expectation);
        *kind == OpKind::Yield ? b.yield(values) : b.ret(values);
        op = b.block().ops.back().get();
        break;
      }
      default: {
        // The plain form `%r = spelling %a, %b`, its result type inferred.
        std::vector<Value*> operands;
        if (!expect_result_count(at, *kind, results, 1) || !use_list(operands) || !expect_line_end()) return false;
        if (op_info(*kind).signature == Signature::Special)
          return fail(spelling_at, "'" + std::string(spelling) + "' is not written in the plain form");
        std::string expected;
        if (!signature_result(*kind, types_of(operands), &expected))
          return mismatch(operands_at, *kind, expected, operands);
        op = b.op(*kind, operands)->def;
        break;
      }
    }
    return define_results(op, results) && expect_line_end();
  }

  // A loop's optional `iter_args(%c = %init, ...)`.
  bool parse_iter_args(std::vector<Name>& carried, std::vector<Value*>& inits) {
    skip_inline();
    if (text_.substr(pos_, 9) != "iter_args") return true;
    if (!expect_word("iter_args") || !expect("(")) return false;
    do {
      Name name{(skip_inline(), pos_), ""};
      Value* init = nullptr;
      if (!read_value_name(name.text) || !expect("=") || !use(init)) return false;
      carried.push_back(name);
      inits.push_back(init);
    } while (accept(","));
    return expect(")");
  }

  // `%r... = for %i = %lo to %hi iter_args(%c = %init, ...) { ... }`
  bool parse_for(Builder& b, size_t at, const std::vector<Name>& results, int depth) {
    Name index{(skip_inline(), pos_), ""};
    Value *lower = nullptr, *upper = nullptr;
    if (!read_value_name(index.text) || !expect("=")) return false;
    size_t bounds_at = (skip_inline(), pos_);
    if (!use(lower) || !expect_word("to") || !use(upper)) return false;
    std::vector<Name> carried;
    std::vector<Value*> inits;
    if (!parse_iter_args(carried, inits)) return false;
    if (!expect_result_count(at, OpKind::For, results, inits.size())) return false;
    if (lower->type != Type::I64 || upper->type != Type::I64)
      return mismatch(bounds_at, OpKind::For, "i64 bounds", {lower, upper});
    if (!expect("{") || !expect_line_end()) return false;
    if (depth + 1 > kMaxRegionDepth)
      return fail(at, "regions are nested deeper than " + std::to_string(kMaxRegionDepth) + " levels");

    Op* op = b.create_for(lower, upper, inits);
    Block& body = op->region(0);
    open_scope();
    if (!define(index, body.args[0])) return false;
    for (size_t i = 0; i < carried.size(); ++i)
      if (!define(carried[i], body.args[i + 1])) return false;
    Builder inner(b.function(), body);
    BlockContext context{OpKind::Yield, types_of(inits), "for loop's region",
                         "the for loop carries " + type_list(types_of(inits))};
    if (!parse_block(inner, context, depth + 1)) return false;
    close_scope();
    return define_results(op, results) && expect_line_end();
  }

  // `%r... = while iter_args(%c = %init, ...) { ... yield %go, %next... }`
  bool parse_while(Builder& b, size_t at, const std::vector<Name>& results, int depth) {
    std::vector<Name> carried;
    std::vector<Value*> inits;
    if (!parse_iter_args(carried, inits)) return false;
    if (!expect_result_count(at, OpKind::While, results, inits.size())) return false;
    if (!expect("{") || !expect_line_end()) return false;
    if (depth + 1 > kMaxRegionDepth)
      return fail(at, "regions are nested deeper than " + std::to_string(kMaxRegionDepth) + " levels");

    Op* op = b.create_while(inits);
    Block& body = op->region(0);
    open_scope();
    for (size_t i = 0; i < carried.size(); ++i)
      if (!define(carried[i], body.args[i])) return false;
    Builder inner(b.function(), body);
    std::vector<Type> yields{Type::I1};
    for (Type t : types_of(inits)) yields.push_back(t);
    BlockContext context{OpKind::Yield, yields, "while loop's region",
                         "the while loop yields " + type_list(yields)};
    if (!parse_block(inner, context, depth + 1)) return false;
    close_scope();
    return define_results(op, results) && expect_line_end();
  }

  // `%t = tensor.generate %i < %n, #check : tensor<T, 1> { ... yield %x }`
  bool parse_generate(Builder& b, size_t at, const std::vector<Name>& results, int depth) {
    Name index{(skip_inline(), pos_), ""};
    Value* size = nullptr;
    int64_t id = 0;
    Type type;
    if (!expect_result_count(at, OpKind::TensorGenerate, results, 1) || !read_value_name(index.text) || !expect("<"))
      return false;
    size_t size_at = (skip_inline(), pos_);
    if (!use(size) || !expect(",") || !read_check_id(id, /*none_allowed=*/true) || !expect(":")) return false;
    size_t type_at = (skip_inline(), pos_);
    if (!read_type(type)) return false;
    if (size->type != Type::I64) return mismatch(size_at, OpKind::TensorGenerate, "an i64 size", {size});
    if (!type.is_tensor() || type.rank != 1)
      return fail(type_at, "'tensor.generate' makes a tensor of rank 1, not " + type_name(type));
    if (!expect("{") || !expect_line_end()) return false;
    if (depth + 1 > kMaxRegionDepth)
      return fail(at, "regions are nested deeper than " + std::to_string(kMaxRegionDepth) + " levels");
    Op* op = b.create_generate(size, type.scalar_type(), "", id);
    Block& body = op->region(0);
    open_scope();
    if (!define(index, body.args[0])) return false;
    Builder inner(b.function(), body);
    BlockContext context{OpKind::Yield, {type.scalar_type()}, "generate's region",
                         "the generate's elements are " + type_name(type.scalar_type())};
    if (!parse_block(inner, context, depth + 1)) return false;
    close_scope();
    return define_results(op, results) && expect_line_end();
  }

  // `%r... = if %cond -> (types) { ... } else { ... }`
  bool parse_if(Builder& b, size_t at, const std::vector<Name>& results, int depth) {
    size_t cond_at = (skip_inline(), pos_);
    Value* cond = nullptr;
    if (!use(cond)) return false;
    std::vector<Type> types;
    if (accept("->")) {
      if (!expect("(")) return false;
      if (!accept(")")) {
        do {
          Type type;
          if (!read_type(type)) return false;
          types.push_back(type);
        } while (accept(","));
        if (!expect(")")) return false;
      }
    }
    if (!expect_result_count(at, OpKind::If, results, types.size())) return false;
    if (cond->type != Type::I1) return mismatch(cond_at, OpKind::If, "an i1 condition", {cond});
    if (!expect("{") || !expect_line_end()) return false;
    if (depth + 1 > kMaxRegionDepth)
      return fail(at, "regions are nested deeper than " + std::to_string(kMaxRegionDepth) + " levels");

    Op* op = b.create_if(cond, types);
    const std::string expectation = "the if's results are " + type_list(types);
    for (size_t i = 0; i < 2; ++i) {
      if (i == 1 && (!expect_word("else") || !expect("{") || !expect_line_end())) return false;
      open_scope();
      Builder inner(b.function(), op->region(i));
      BlockContext context{OpKind::Yield, types, i == 0 ? "if's then region" : "if's else region", expectation};
      if (!parse_block(inner, context, depth + 1)) return false;
      close_scope();
    }
    return define_results(op, results) && expect_line_end();
  }

  std::string_view text_;
  const std::string& file_;
  size_t pos_ = 0;
  std::string error_;
  int64_t max_check_id_ = -1;
  // The values visible at the cursor, by name, and the names each open region
  // defined, forgotten when it closes.
  std::unordered_map<std::string, Value*> visible_;
  std::vector<std::vector<std::string>> scopes_;
};

}  // namespace

Expected<Program> parse_ir(std::string_view text, const std::string& file) { return Parser(text, file).parse(); }

}  // namespace vic::ir
