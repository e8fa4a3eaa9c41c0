// Printing the IR. Values are numbered in the order the printer meets them, so
// the text does not depend on how a pass happened to allocate values.
#include "ir/printer.h"

#include <cmath>
#include <sstream>
#include <unordered_map>

namespace vic::ir {
namespace {

class Printer {
 public:
  explicit Printer(std::ostringstream& out) : out_(out) {}

  void print_function(const Function& f) {
    out_ << "func @" << f.name << "(";
    for (size_t i = 0; i < f.body.args.size(); ++i) {
      if (i) out_ << ", ";
      out_ << name(f.body.args[i]) << ": " << type_name(f.body.args[i]->type);
    }
    out_ << ") -> (";
    for (size_t i = 0; i < f.result_types.size(); ++i) out_ << (i ? ", " : "") << type_name(f.result_types[i]);
    out_ << ") {\n";
    print_block(f.body, 1);
    out_ << "}\n";
  }

 private:
  std::string name(const Value* v) {
    auto it = names_.find(v);
    if (it != names_.end()) return it->second;
    std::string n = "%" + (v->hint.empty() ? "" : v->hint + ".") + std::to_string(next_++);
    names_.emplace(v, n);
    return n;
  }

  void indent(int depth) {
    for (int i = 0; i < depth; ++i) out_ << "  ";
  }

  void operands(const Op& op, size_t from = 0) {
    for (size_t i = from; i < op.operands.size(); ++i) out_ << (i > from ? ", " : "") << name(op.operands[i]);
  }

  static std::string number(double v) {
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    std::ostringstream s;
    s.precision(17);
    s << v;
    return s.str();
  }

  void print_block(const Block& block, int depth) {
    for (const auto& op : block.ops) print_op(*op, depth);
  }

  void print_op(const Op& op, int depth) {
    indent(depth);
    if (!op.results.empty()) {
      for (size_t i = 0; i < op.results.size(); ++i) out_ << (i ? ", " : "") << name(op.results[i]);
      out_ << " = ";
    }
    out_ << op_spelling(op.kind);
    switch (op.kind) {
      case OpKind::ConstF64: out_ << " " << number(op.number); break;
      case OpKind::ConstI64: out_ << " " << op.integer; break;
      case OpKind::ConstBool: out_ << " " << (op.integer ? "true" : "false"); break;
      case OpKind::FCmp:
      case OpKind::ICmp:
        out_ << " " << predicate_name(static_cast<CmpPredicate>(op.integer)) << " ";
        operands(op);
        break;
      case OpKind::DataInt:
      case OpKind::DataReal:
      case OpKind::DataBuf: out_ << " \"" << op.name << "\""; break;
      case OpKind::Print:
        if (op.operands.empty()) {
          out_ << " \"" << op.name << "\"";
        } else {
          out_ << " " << name(op.operands[0]);
        }
        if (op.integer & kPrintToMessage) out_ << (op.integer & kPrintStartsMessage ? " message first" : " message");
        if (op.integer & kPrintNewline) out_ << " newline";
        break;
      case OpKind::RngCall:
      case OpKind::KernelCall:
      case OpKind::KernelRun:
        out_ << " @" << op.name << "(";
        operands(op);
        out_ << ")";
        break;
      case OpKind::Load: out_ << " " << name(op.operands[0]) << "[" << name(op.operands[1]) << "]"; break;
      case OpKind::Store:
        out_ << " " << name(op.operands[2]) << ", " << name(op.operands[0]) << "[" << name(op.operands[1]) << "]";
        break;
      case OpKind::TensorExtract: out_ << " " << name(op.operands[0]) << "[" << name(op.operands[1]) << "]"; break;
      case OpKind::TensorInsert:
        out_ << " " << name(op.operands[2]) << ", " << name(op.operands[0]) << "[" << name(op.operands[1]) << "]";
        break;
      case OpKind::TensorGenerate:
        out_ << " " << name(op.region(0).args[0]) << " < " << name(op.operands[0]) << ", #" << op.integer << " : "
             << type_name(op.result()->type) << " {\n";
        print_block(op.region(0), depth + 1);
        indent(depth);
        out_ << "}";
        break;
      case OpKind::Check:
      case OpKind::Alloc:        // its check reports running out of memory
      case OpKind::TensorSplat:  // likewise, once bufferized (-1: a generic message)
        out_ << " ";
        operands(op);
        out_ << ", #" << op.integer;
        break;
      case OpKind::For:
      case OpKind::While: {
        // for: %i = %lo to %hi, then the carried values; while: the carried values.
        const Block& body = op.region(0);
        const size_t first = op.kind == OpKind::For ? 2 : 0;  // operands before the initial values
        if (op.kind == OpKind::For)
          out_ << " " << name(body.args[0]) << " = " << name(op.operands[0]) << " to " << name(op.operands[1]);
        if (op.operands.size() > first) {
          out_ << " iter_args(";
          for (size_t i = first; i < op.operands.size(); ++i)
            out_ << (i > first ? ", " : "") << name(body.args[i - first + (first ? 1 : 0)]) << " = " << name(op.operands[i]);
          out_ << ")";
        }
        out_ << " {\n";
        print_block(body, depth + 1);
        indent(depth);
        out_ << "}";
        break;
      }
      case OpKind::If: {
        out_ << " " << name(op.operands[0]);
        if (!op.results.empty()) {
          out_ << " -> (";
          for (size_t i = 0; i < op.results.size(); ++i) out_ << (i ? ", " : "") << type_name(op.results[i]->type);
          out_ << ")";
        }
        out_ << " {\n";
        print_block(op.region(0), depth + 1);
        indent(depth);
        out_ << "} else {\n";
        print_block(op.region(1), depth + 1);
        indent(depth);
        out_ << "}";
        break;
      }
      default:
        if (!op.operands.empty()) {
          out_ << " ";
          operands(op);
        }
        break;
    }
    // The types that the operands do not tell, for ir/parse_ir.cpp.
    if (op.kind == OpKind::Alloc || op.kind == OpKind::DataBuf || op.kind == OpKind::TensorSplat)
      out_ << " : " << type_name(op.result()->type);
    out_ << "\n";
  }

  std::ostringstream& out_;
  std::unordered_map<const Value*, std::string> names_;
  int next_ = 0;
};

}  // namespace

std::string print_function(const Function& function) {
  std::ostringstream out;
  Printer(out).print_function(function);
  return out.str();
}

std::string print_program(const Program& program) {
  std::string out;
  for (size_t i = 0; i < program.functions.size(); ++i) {
    if (i) out += "\n";
    out += print_function(*program.functions[i]);
  }
  return out;
}

}  // namespace vic::ir
