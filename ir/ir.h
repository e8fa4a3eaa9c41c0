// vic's IR: typed values in SSA form, grouped into blocks of operations, with
// structured `for` / `if` regions whose loop-carried values are explicit region
// arguments and `yield` operands (as MLIR's scf dialect).
//
// A Program holds the functions lowering produced (the entry points of
// ir/entry_points.def it was asked for, and after AD their gradients), the
// table of domain-check messages, and the layout of the parameters and
// outputs (ir/layout.h). Values
// and operations are owned by their Function; passes never edit a Program in
// place: they build a new one (ir/rewrite.h helps).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/entry_points.h"
#include "ir/layout.h"
#include "support/check.h"
#include "support/source.h"

namespace vic::ir {

enum class OpKind {
#define OP(Name) Name,
#include "ir/ops.def"
};
const char* op_spelling(OpKind kind);

// The type of a value: a scalar (f64, f32, i64, i1), a shaped tensor value of
// such elements (its rank here, its sizes as values on the Value), or a buffer
// of them in memory (flat, indexed from 0). Scalars and buffers are what the
// code generator sees; tensors live between lowering and bufferization.
struct Type {
  enum class Kind : uint8_t { Scalar, Tensor, Buffer };
  enum class Element : uint8_t { F64, F32, I64, I1 };

  Kind kind = Kind::Scalar;
  Element element = Element::F64;
  uint8_t rank = 0;  // tensors only

  static const Type F64, F32, I64, I1, BufF64, BufI64;
  static constexpr Type scalar(Element e) { return {Kind::Scalar, e, 0}; }
  static constexpr Type tensor(Element e, int rank) { return {Kind::Tensor, e, static_cast<uint8_t>(rank)}; }
  static constexpr Type buffer(Element e) { return {Kind::Buffer, e, 0}; }

  bool is_scalar() const { return kind == Kind::Scalar; }
  bool is_tensor() const { return kind == Kind::Tensor; }
  bool is_buffer() const { return kind == Kind::Buffer; }
  // The scalar type of one element (the type itself for a scalar).
  Type scalar_type() const { return scalar(element); }
  constexpr bool operator==(const Type&) const = default;
};
inline constexpr Type Type::F64 = Type::scalar(Type::Element::F64);
inline constexpr Type Type::F32 = Type::scalar(Type::Element::F32);
inline constexpr Type Type::I64 = Type::scalar(Type::Element::I64);
inline constexpr Type Type::I1 = Type::scalar(Type::Element::I1);
inline constexpr Type Type::BufF64 = Type::buffer(Type::Element::F64);
inline constexpr Type Type::BufI64 = Type::buffer(Type::Element::I64);

// "f64", "tensor<f64, 2>", "buf<i64>".
std::string type_name(Type type);
inline bool is_buffer(Type t) { return t.is_buffer(); }
// The element type of a buffer or tensor type.
Type element_type(Type buffer);
Type buffer_of(Type element);
Type tensor_of(Type element);

enum class CmpPredicate { Eq, Ne, Lt, Le, Gt, Ge };
const char* predicate_name(CmpPredicate p);

struct Op;
struct Block;

// An SSA value: the result of an Op or an argument of a Block.
struct Value {
  uint32_t id;   // unique within its Function
  Type type;
  std::string hint;  // a source name for readability ("mu"); may be empty
  Op* def = nullptr;          // defining op, or null for a block argument
  Block* owner = nullptr;     // for a block argument: its block
};

struct Op {
  OpKind kind;
  std::vector<Value*> operands;
  std::vector<Value*> results;
  double number = 0;    // ConstF64
  int64_t integer = 0;  // ConstI64, ConstBool, FCmp/ICmp predicate, Check id
  std::string name;     // DataInt/DataReal/DataBuf field, RngCall kernel
  std::vector<std::unique_ptr<Block>> regions;
  SourceLoc loc;
  Block* parent = nullptr;

  Value* result() const {
    VIC_CHECK(results.size() == 1) << op_spelling(kind) << " has " << results.size() << " results";
    return results[0];
  }
  Block& region(size_t i) const { return *regions.at(i); }
  // No side effects: may be removed when unused, merged with an equal op, or
  // moved. Stores, checks, returns, yields, rng calls, and region ops are not.
  bool is_pure() const;
};

struct Block {
  std::vector<Value*> args;
  std::vector<std::unique_ptr<Op>> ops;
  Op* parent = nullptr;  // the region op, or null for a function body
  // The Yield or Return ending this block, or null.
  Op* terminator() const;
};

// What a function's arguments are, in order; each is a buffer.
struct FunctionArg {
  std::string name;  // "theta", "grad", "out"
  Type type;
};

struct Function {
  std::string name;
  std::vector<Type> result_types;
  Block body;  // its args are the function arguments

  Function(std::string name, const std::vector<FunctionArg>& args, std::vector<Type> results);
  Function(const Function&) = delete;
  Function& operator=(const Function&) = delete;

  Value* new_value(Type type, std::string hint = {});
  Value* arg(size_t i) const { return body.args.at(i); }
  size_t num_values() const { return values_.size(); }

 private:
  std::deque<Value> values_;
};

// A print op's attribute: a newline after it; to the message of the reject
// that follows rather than to the output (Stan's reject("x = ", x)); the
// first piece of such a message, which clears the last one.
enum PrintFlags : int64_t { kPrintNewline = 1, kPrintToMessage = 2, kPrintStartsMessage = 4 };

// The message of a domain check, with the source place that raised it.
struct CheckInfo {
  std::string message;  // "normal_lpdf: Scale parameter must be positive"
  SourceLoc loc;
  // Where Stan throws std::out_of_range or std::invalid_argument (an index out
  // of range, sizes that do not match): the fit ends with the message. Other
  // checks (Stan's domain errors) only reject the point.
  bool fatal = false;
  // A reject whose message the print ops before it wrote at run time; `message`
  // is then its source form ("x = {x}"), for when that text is not at hand.
  bool message_at_run_time = false;
};

// A buffer of f64 the runtime allocates when it binds the data, filled once by
// the function `filler` (hoisted data-only values) and read as `data.buf`.
struct ScratchBuffer {
  std::string name;
  int64_t size;
  std::string filler;
};

// The size (an i64 value) of a tensor value: the size operand of the op that
// made it (splat, generate, a product, ...) it descends from through inserts,
// loops and branches.
Value* tensor_size(const Value* tensor);
// Whether `op` writes memory through its first operand (store, copy, kernel.run).
inline bool writes_first_operand(const Op& op) {
  return op.kind == OpKind::Store || op.kind == OpKind::Copy || op.kind == OpKind::KernelRun;
}

// Which operand of `op` is the size of the tensor it makes, for the ops that
// make one of a size they are given; nullopt for the others (insert, for and
// if pass a tensor through).
std::optional<size_t> tensor_size_operand(const Op& op);

// A function whose Jacobian-vector products compiled code calls (an ODE's
// right-hand side, ir/ad/forward_mode.h): the pipeline adds @<function>.jvp,
// with a tangent for each varied and each output argument, and for order 2
// also @<function>.jvp.jvp, the JVP of that.
struct JvpRequest {
  std::string function;
  std::vector<size_t> varied_args;
  std::vector<size_t> output_args;
  int order = 1;
};

struct Program {
  std::vector<std::unique_ptr<Function>> functions;
  std::vector<CheckInfo> checks;
  std::vector<ScratchBuffer> scratch_buffers;
  // Counters the passes keep ("bufferize.copies"), for tests and --time-passes.
  std::map<std::string, int64_t> statistics;
  // The parameters' transforms and places in theta, the outputs' sizes and names.
  ProgramLayout layout;
  // The entry points the program exports, as lowering was asked for them. A
  // gradient's value function (lp_propto for lp_grad) is in `functions` as
  // AD's input without being exported unless it is listed here too.
  std::vector<EntryPoint> entry_points;
  std::vector<JvpRequest> jvp_requests;

  Function* find(const std::string& name) const;
  Function* find(EntryPoint e) const { return find(entry_point_symbol(e)); }
  bool exports(EntryPoint e) const {
    for (EntryPoint x : entry_points)
      if (x == e) return true;
    return false;
  }
  Function& add(std::unique_ptr<Function> f);
  // A program with everything but the functions: what a pass carries over.
  Program without_functions() const {
    Program out;
    out.checks = checks;
    out.scratch_buffers = scratch_buffers;
    out.statistics = statistics;
    out.layout = layout;
    out.entry_points = entry_points;
    out.jvp_requests = jvp_requests;
    return out;
  }
};

}  // namespace vic::ir
