// The IR verifier. One walk per function keeps the set of values visible at
// each op (its block's earlier results, its enclosing blocks' earlier results
// and region arguments, the function's arguments); each op is checked against
// its type rule, its regions and its effects. The walk stops at the first
// problem; only then are values named, as the printer would name them.
#include "ir/verify.h"

#include "ir/kernels.h"
#include "ir/op_table.h"

#include <algorithm>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace vic::ir {
namespace {

// Names values exactly as ir/printer.cpp does: numbered in the order the
// printer first mentions them, with the hint as a prefix.
class ValueNamer {
 public:
  explicit ValueNamer(const Function& f) {
    for (const Value* a : f.body.args) name(a);
    walk(f.body);
  }

  std::string operator()(const Value* v) {
    if (!v) return "<null>";
    auto it = names_.find(v);
    return it != names_.end() ? it->second : name(v);
  }

 private:
  std::string name(const Value* v) {
    if (!v) return "<null>";
    auto it = names_.find(v);
    if (it != names_.end()) return it->second;
    std::string n = "%" + (v->hint.empty() ? "" : v->hint + ".") + std::to_string(next_++);
    names_.emplace(v, n);
    return n;
  }

  void operand(const Op& op, size_t i) {
    if (i < op.operands.size()) name(op.operands[i]);
  }
  void region_arg(const Op& op, size_t r, size_t i) {
    if (r < op.regions.size() && op.regions[r] && i < op.regions[r]->args.size()) name(op.regions[r]->args[i]);
  }
  void region(const Op& op, size_t r) {
    if (r < op.regions.size() && op.regions[r]) walk(*op.regions[r]);
  }

  void walk(const Block& block) {
    for (const auto& owned : block.ops) {
      const Op& op = *owned;
      for (const Value* r : op.results) name(r);
      switch (op.kind) {
        case OpKind::Store:
        case OpKind::TensorInsert:
          operand(op, 2);
          operand(op, 0);
          operand(op, 1);
          break;
        case OpKind::TensorGenerate:
          region_arg(op, 0, 0);
          operand(op, 0);
          region(op, 0);
          break;
        case OpKind::For:
          region_arg(op, 0, 0);
          operand(op, 0);
          operand(op, 1);
          for (size_t i = 2; i < op.operands.size(); ++i) {
            region_arg(op, 0, i - 1);
            operand(op, i);
          }
          region(op, 0);
          break;
        case OpKind::While:
          for (size_t i = 0; i < op.operands.size(); ++i) {
            region_arg(op, 0, i);
            operand(op, i);
          }
          region(op, 0);
          break;
        case OpKind::If:
          operand(op, 0);
          region(op, 0);
          region(op, 1);
          break;
        default:
          for (size_t i = 0; i < op.operands.size(); ++i) operand(op, i);
          break;
      }
    }
  }

  std::unordered_map<const Value*, std::string> names_;
  int next_ = 0;
};

std::string types_text(const std::vector<Type>& types) {
  std::string s = "(";
  for (size_t i = 0; i < types.size(); ++i) s += (i ? ", " : "") + type_name(types[i]);
  return s + ")";
}

std::vector<Type> types_of(const std::vector<Value*>& values) {
  std::vector<Type> types;
  for (const Value* v : values) types.push_back(v ? v->type : Type::F64);
  return types;
}

bool is_tensor_op(OpKind k) {
  return k == OpKind::TensorSplat || k == OpKind::TensorGenerate || k == OpKind::TensorExtract ||
         k == OpKind::TensorInsert || k == OpKind::TensorSlice || k == OpKind::TensorConcat ||
         k == OpKind::KernelCall;
}

// Thrown internally to stop the walk at the first problem.
struct Stop {};

class FunctionVerifier {
 public:
  FunctionVerifier(const Program& program, const Function& f, IrStage stage)
      : program_(program), f_(f), stage_(stage), by_id_(f.num_values()) {}

  // The first problem, or "".
  std::string run() {
    try {
      for (const Value* a : f_.body.args) {
        if (a->owner != &f_.body) fail_at(nullptr, "argument " + namer()(a) + " is not owned by the function body");
        if (!a->type.is_buffer())
          fail_at(nullptr, "argument " + namer()(a) + " is " + type_name(a->type) + ", not a buffer");
        define(nullptr, a);
      }
      verify_block(f_.body, nullptr);
    } catch (const Stop&) {
    }
    return error_;
  }

 private:
  ValueNamer& namer() {
    if (!namer_) namer_ = std::make_unique<ValueNamer>(f_);
    return *namer_;
  }

  // "@f: fadd %3: problem" (the op and its first result), or "@f: problem".
  [[noreturn]] void fail_at(const Op* op, const std::string& problem) {
    std::ostringstream s;
    s << "@" << f_.name << ": ";
    if (op) {
      s << op_spelling(op->kind);
      if (!op->results.empty()) s << " " << namer()(op->results[0]);
      s << ": ";
    }
    s << problem;
    error_ = s.str();
    throw Stop{};
  }

  std::string name(const Value* v) { return namer()(v); }

  // What the walk knows of a value of this function, by its id.
  struct ValueState {
    const Value* value = nullptr;  // set when defined: a value of another function with the same id differs
    bool visible = false;
    bool sized = false;  // a tensor whose size resolves
  };

  // The state of `v`, or null when `v` is not one of this function's values.
  ValueState* state(const Value* v) {
    if (v->id >= by_id_.size()) return nullptr;
    ValueState& s = by_id_[v->id];
    return s.value == v || !s.value ? &s : nullptr;
  }

  bool visible(const Value* v) {
    ValueState* s = state(v);
    return s && s->value == v && s->visible;
  }

  // Makes `v` visible from here to the end of the block that defines it.
  void define(const Op* op, const Value* v) {
    ValueState* s = state(v);
    if (!s) fail_at(op, name(v) + " is not a value of this function");
    if (s->value) fail_at(op, name(v) + " is defined twice");
    s->value = v;
    s->visible = true;
  }

  void verify_block(const Block& block, const Op* region_op) {
    std::vector<const Value*> defined_here;
    for (const Value* a : block.args) defined_here.push_back(a);
    if (region_op) {
      for (const Value* a : block.args) {
        if (a->owner != &block) fail_at(region_op, "region argument " + name(a) + " is not owned by its region");
        if (a->def) fail_at(region_op, "region argument " + name(a) + " has a defining op");
        define(region_op, a);
      }
      for (const Value* a : block.args)
        if (a->type.is_tensor()) verify_tensor_size(*region_op, a);
    }
    for (size_t i = 0; i < block.ops.size(); ++i) {
      const Op& op = *block.ops[i];
      bool last = i + 1 == block.ops.size();
      if (op.parent != &block) fail_at(&op, "its parent link does not name the block holding it");
      if ((op.kind == OpKind::Yield || op.kind == OpKind::Return) && !last)
        fail_at(&op, "ends its block but is followed by " + std::string(op_spelling(block.ops[i + 1]->kind)));
      if (op.kind == OpKind::Yield && !region_op) fail_at(&op, "yield outside a region");
      if (op.kind == OpKind::Return && region_op)
        fail_at(&op, "return inside the region of " + std::string(op_spelling(region_op->kind)));
      verify_operands(op);
      verify_types(op);
      verify_stage(op);
      verify_effects(op);
      for (const auto& r : op.regions) {
        if (!r) fail_at(&op, "has a null region");
        if (r->parent != &op) fail_at(&op, "its region's parent link does not name it");
        verify_block(*r, &op);
      }
      verify_regions(op);
      for (const Value* r : op.results) {
        if (!r) fail_at(&op, "has a null result");
        if (r->def != &op) fail_at(&op, "result " + name(r) + " does not name this op as its definition");
        define(&op, r);
        defined_here.push_back(r);
      }
      for (const Value* r : op.results)
        if (r->type.is_tensor()) verify_tensor_size(op, r);
    }
    if (region_op) {
      const Op* t = block.terminator();
      if (!t || t->kind != OpKind::Yield) fail_at(region_op, "a region does not end in yield");
    } else {
      const Op* t = block.terminator();
      if (!t || t->kind != OpKind::Return) fail_at(nullptr, "the body does not end in return");
      if (types_of(t->operands) != f_.result_types)
        fail_at(t, "returns " + types_text(types_of(t->operands)) + ", but the function declares " +
                       types_text(f_.result_types));
    }
    for (const Value* v : defined_here) state(v)->visible = false;
  }

  void verify_operands(const Op& op) {
    for (size_t i = 0; i < op.operands.size(); ++i) {
      const Value* v = op.operands[i];
      if (!v) fail_at(&op, "operand " + std::to_string(i) + " is null");
      if (!state(v)) fail_at(&op, "operand " + name(v) + " is a value of another function");
      if (!visible(v)) {
        bool region_arg = !v->def && v->owner && v->owner->parent;
        fail_at(&op,
                "operand " + name(v) +
                    (region_arg ? " is a region argument used outside its region" : " is not defined before this use"));
      }
    }
  }

  void expect_arity(const Op& op, size_t operands, size_t results) {
    if (op.operands.size() != operands)
      fail_at(&op, "takes " + std::to_string(operands) + " operands, has " + std::to_string(op.operands.size()));
    if (op.results.size() != results)
      fail_at(&op, "has " + std::to_string(op.results.size()) + " results, expected " + std::to_string(results));
  }

  void expect_operand(const Op& op, size_t i, Type t) {
    if (op.operands[i]->type != t)
      fail_at(&op, "operand " + name(op.operands[i]) + " is " + type_name(op.operands[i]->type) + ", expected " +
                       type_name(t));
  }

  void expect_result(const Op& op, Type t) {
    if (op.results[0]->type != t)
      fail_at(&op, "result is " + type_name(op.results[0]->type) + ", expected " + type_name(t));
  }

  // Operands all of type `operand`, one result of type `result`.
  void expect_signature(const Op& op, size_t n, Type operand, Type result) {
    expect_arity(op, n, 1);
    for (size_t i = 0; i < n; ++i) expect_operand(op, i, operand);
    expect_result(op, result);
  }

  void expect_buffer(const Op& op, size_t i) {
    Type t = op.operands[i]->type;
    if (!t.is_buffer() || !(t.element == Type::Element::F64 || t.element == Type::Element::I64))
      fail_at(&op, "operand " + name(op.operands[i]) + " is " + type_name(t) + ", expected a buffer");
  }

  void expect_tensor(const Op& op, size_t i) {
    Type t = op.operands[i]->type;
    if (!t.is_tensor() || t.rank != 1)
      fail_at(&op, "operand " + name(op.operands[i]) + " is " + type_name(t) + ", expected a tensor of rank 1");
  }

  void expect_check_id(const Op& op, bool may_be_generic) {
    int64_t id = op.integer;
    if (may_be_generic && id == -1) return;
    if (id < 0 || static_cast<size_t>(id) >= program_.checks.size())
      fail_at(&op, "check #" + std::to_string(id) + " is not in the program's " +
                       std::to_string(program_.checks.size()) + " checks");
  }

  void verify_types(const Op& op) {
    // Ops of a plain signature: the op table's rule (ir/op_table.cpp).
    if (op_info(op.kind).signature != Signature::Special) {
      std::vector<Type> types;
      for (const Value* x : op.operands) types.push_back(x->type);
      const SignatureTypes sig = signature_types(op.kind, types);
      expect_arity(op, sig.operands.size(), 1);
      for (size_t i = 0; i < sig.operands.size(); ++i) expect_operand(op, i, sig.operands[i]);
      expect_result(op, sig.result);
      return;
    }
    switch (op.kind) {
      case OpKind::ConstF64:
        expect_signature(op, 0, Type::F64, Type::F64);
        break;
      case OpKind::ConstI64:
        expect_signature(op, 0, Type::I64, Type::I64);
        break;
      case OpKind::ConstBool:
        expect_signature(op, 0, Type::I1, Type::I1);
        break;
      case OpKind::FCmp:
      case OpKind::ICmp:
        expect_signature(op, 2, op.kind == OpKind::FCmp ? Type::F64 : Type::I64, Type::I1);
        if (op.integer < static_cast<int64_t>(CmpPredicate::Eq) || op.integer > static_cast<int64_t>(CmpPredicate::Ge))
          fail_at(&op, "predicate " + std::to_string(op.integer) + " is not a comparison");
        break;
      case OpKind::Alloc:
        expect_arity(op, 1, 1);
        expect_operand(op, 0, Type::I64);
        if (!op.results[0]->type.is_buffer() || op.results[0]->type == Type::buffer(Type::Element::I1) ||
            op.results[0]->type == Type::buffer(Type::Element::F32))
          fail_at(&op, "result is " + type_name(op.results[0]->type) + ", expected buf<f64> or buf<i64>");
        expect_check_id(op, false);
        break;
      case OpKind::Load:
        expect_arity(op, 2, 1);
        expect_buffer(op, 0);
        expect_operand(op, 1, Type::I64);
        expect_result(op, op.operands[0]->type.scalar_type());
        break;
      case OpKind::Store:
        expect_arity(op, 3, 0);
        expect_buffer(op, 0);
        expect_operand(op, 1, Type::I64);
        expect_operand(op, 2, op.operands[0]->type.scalar_type());
        break;
      case OpKind::Copy:
        expect_arity(op, 3, 0);
        expect_buffer(op, 0);
        expect_operand(op, 1, op.operands[0]->type);
        expect_operand(op, 2, Type::I64);
        break;
      case OpKind::TensorSplat:
        expect_arity(op, 2, 1);
        expect_operand(op, 0, Type::I64);
        if (!op.operands[1]->type.is_scalar())
          fail_at(&op,
                  "operand " + name(op.operands[1]) + " is " + type_name(op.operands[1]->type) + ", expected a scalar");
        expect_result(op, tensor_of(op.operands[1]->type));
        expect_check_id(op, true);
        break;
      case OpKind::TensorGenerate:
        expect_arity(op, 1, 1);
        expect_operand(op, 0, Type::I64);
        if (!op.results[0]->type.is_tensor() || op.results[0]->type.rank != 1)
          fail_at(&op, "result is " + type_name(op.results[0]->type) + ", expected a tensor of rank 1");
        expect_check_id(op, true);
        break;
      case OpKind::TensorExtract:
        expect_arity(op, 2, 1);
        expect_tensor(op, 0);
        expect_operand(op, 1, Type::I64);
        expect_result(op, op.operands[0]->type.scalar_type());
        break;
      case OpKind::TensorInsert:
        expect_arity(op, 3, 1);
        expect_tensor(op, 0);
        expect_operand(op, 1, Type::I64);
        expect_operand(op, 2, op.operands[0]->type.scalar_type());
        expect_result(op, op.operands[0]->type);
        break;
      case OpKind::DataInt:
        expect_signature(op, 0, Type::I64, Type::I64);
        break;
      case OpKind::DataReal:
        expect_signature(op, 0, Type::F64, Type::F64);
        break;
      case OpKind::DataBuf:
        expect_arity(op, 0, 1);
        if (!op.results[0]->type.is_buffer())
          fail_at(&op, "result is " + type_name(op.results[0]->type) + ", expected a buffer");
        break;
      case OpKind::For:
        if (op.operands.size() < 2) fail_at(&op, "needs a lower and an upper bound");
        expect_operand(op, 0, Type::I64);
        expect_operand(op, 1, Type::I64);
        if (op.results.size() != op.operands.size() - 2)
          fail_at(&op, "carries " + std::to_string(op.operands.size() - 2) + " values but has " +
                           std::to_string(op.results.size()) + " results");
        for (size_t k = 0; k < op.results.size(); ++k)
          if (op.results[k]->type != op.operands[k + 2]->type)
            fail_at(&op, "result " + name(op.results[k]) + " is " + type_name(op.results[k]->type) +
                             ", but its initial value " + name(op.operands[k + 2]) + " is " +
                             type_name(op.operands[k + 2]->type));
        break;
      case OpKind::While:
        if (op.results.size() != op.operands.size())
          fail_at(&op, "carries " + std::to_string(op.operands.size()) + " values but has " +
                           std::to_string(op.results.size()) + " results");
        for (size_t k = 0; k < op.results.size() && k < op.operands.size(); ++k)
          if (op.results[k]->type != op.operands[k]->type)
            fail_at(&op, "result " + name(op.results[k]) + " is " + type_name(op.results[k]->type) +
                             ", but its initial value " + name(op.operands[k]) + " is " + type_name(op.operands[k]->type));
        break;
      case OpKind::If:
        if (op.operands.size() != 1) fail_at(&op, "takes 1 operand, has " + std::to_string(op.operands.size()));
        expect_operand(op, 0, Type::I1);
        break;
      case OpKind::Yield:
      case OpKind::Return:
        if (!op.results.empty()) fail_at(&op, "has results");
        break;
      case OpKind::Check:
        expect_arity(op, 1, 0);
        expect_operand(op, 0, Type::I1);
        expect_check_id(op, false);
        break;
      case OpKind::Print:
        if (!op.results.empty()) fail_at(&op, "has results");
        if (op.operands.size() > 1) fail_at(&op, "prints one value at a time");
        if (op.operands.size() == 1 && op.operands[0]->type != Type::F64 && op.operands[0]->type != Type::I64)
          fail_at(&op, "prints an f64 or i64, not " + type_name(op.operands[0]->type));
        break;
      case OpKind::RngCall:
        expect_signature(op, op.operands.size(), Type::F64, Type::F64);
        if (op.name.empty()) fail_at(&op, "names no kernel");
        break;
      case OpKind::KernelCall:
      case OpKind::KernelRun: {
        const KernelInfo* kernel = find_kernel(op.name);
        if (!kernel) fail_at(&op, "names no kernel ('" + op.name + "')");
        const bool run = op.kind == OpKind::KernelRun;
        const std::vector<Type> types = kernel_operand_types(*kernel, run);
        expect_arity(op, types.size(), run ? 1 : 2);
        for (size_t k = 0; k < op.operands.size(); ++k) expect_operand(op, k, types[k]);
        if (run) {
          expect_result(op, Type::I64);
        } else if (op.results[0]->type != tensor_of(Type::F64) || op.results[1]->type != Type::I64) {
          fail_at(&op, "results are " + types_text(types_of(op.results)) + ", expected (tensor<f64, 1>, i64)");
        }
        break;
      }
      default:  // a plain signature, checked above
        break;
    }
    if ((op.kind == OpKind::DataInt || op.kind == OpKind::DataReal || op.kind == OpKind::DataBuf) && op.name.empty())
      fail_at(&op, "names no data field");
    bool region_op = op.kind == OpKind::For || op.kind == OpKind::While || op.kind == OpKind::If ||
                     op.kind == OpKind::TensorGenerate;
    if (!region_op && !op.regions.empty()) fail_at(&op, "has regions");
  }

  // The region's argument types and the types its yield must give.
  void verify_regions(const Op& op) {
    auto expect_region = [&](size_t r, const std::vector<Type>& args, const std::vector<Type>& yields) {
      const Block& block = *op.regions[r];
      if (types_of(block.args) != args)
        fail_at(&op, "region " + std::to_string(r) + " has arguments " + types_text(types_of(block.args)) +
                         ", expected " + types_text(args));
      // verify_block has checked that the region ends in yield.
      std::vector<Type> yielded = types_of(block.terminator()->operands);
      if (yielded != yields)
        fail_at(&op,
                "region " + std::to_string(r) + " yields " + types_text(yielded) + ", expected " + types_text(yields));
    };
    auto expect_regions = [&](size_t n) {
      if (op.regions.size() != n)
        fail_at(&op, "has " + std::to_string(op.regions.size()) + " regions, expected " + std::to_string(n));
    };
    switch (op.kind) {
      case OpKind::For: {
        expect_regions(1);
        std::vector<Type> carried = types_of(op.results);
        std::vector<Type> args{Type::I64};
        args.insert(args.end(), carried.begin(), carried.end());
        expect_region(0, args, carried);
        break;
      }
      case OpKind::While: {
        expect_regions(1);
        std::vector<Type> carried = types_of(op.results);
        std::vector<Type> yields{Type::I1};
        yields.insert(yields.end(), carried.begin(), carried.end());
        expect_region(0, carried, yields);
        break;
      }
      case OpKind::If:
        expect_regions(2);
        expect_region(0, {}, types_of(op.results));
        expect_region(1, {}, types_of(op.results));
        break;
      case OpKind::TensorGenerate:
        expect_regions(1);
        expect_region(0, {Type::I64}, {op.results[0]->type.scalar_type()});
        break;
      default:
        break;
    }
  }

  void verify_stage(const Op& op) {
    if (stage_ != IrStage::Buffers) return;
    if (is_tensor_op(op.kind)) fail_at(&op, "a tensor op after bufferize");
    for (const Value* r : op.results)
      if (r->type.is_tensor()) fail_at(&op, "result " + name(r) + " is a tensor after bufferize");
    for (const auto& region : op.regions)
      for (const Value* a : region->args)
        if (a->type.is_tensor()) fail_at(&op, "region argument " + name(a) + " is a tensor after bufferize");
  }

  // The buffers `v` may be: through loops' carried values, ifs and selects
  // back to allocs, data buffers and function arguments.
  std::vector<const Value*> buffer_roots(const Value* v) {
    // The walks are short (a buffer passes through a few loops and ifs), so
    // `seen` is a vector, not a set that would allocate per store.
    std::vector<const Value*> roots, work{v}, seen;
    while (!work.empty()) {
      const Value* x = work.back();
      work.pop_back();
      if (!x || std::find(seen.begin(), seen.end(), x) != seen.end()) continue;
      seen.push_back(x);
      if (const Op* d = x->def) {
        size_t k = 0;
        while (k < d->results.size() && d->results[k] != x) ++k;
        if (d->kind == OpKind::For && k + 2 < d->operands.size()) {
          work.push_back(d->operands[k + 2]);
          if (!d->regions.empty() && d->regions[0]->terminator() && k < d->regions[0]->terminator()->operands.size())
            work.push_back(d->regions[0]->terminator()->operands[k]);
        } else if (d->kind == OpKind::While && k < d->operands.size()) {
          work.push_back(d->operands[k]);
          if (!d->regions.empty() && d->regions[0]->terminator() && k + 1 < d->regions[0]->terminator()->operands.size())
            work.push_back(d->regions[0]->terminator()->operands[k + 1]);
        } else if (d->kind == OpKind::If) {
          for (const auto& r : d->regions)
            if (r->terminator() && k < r->terminator()->operands.size()) work.push_back(r->terminator()->operands[k]);
        } else if (d->kind == OpKind::Select && d->operands.size() == 3) {
          work.push_back(d->operands[1]);
          work.push_back(d->operands[2]);
        } else {
          roots.push_back(x);
        }
        continue;
      }
      const Op* loop = x->owner ? x->owner->parent : nullptr;
      if (loop && loop->kind == OpKind::For) {
        size_t k = 0;
        while (k < x->owner->args.size() && x->owner->args[k] != x) ++k;
        if (k >= 1 && k + 1 < loop->operands.size()) work.push_back(loop->operands[k + 1]);
        // The value the previous iteration yielded.
        const Op* y = x->owner->terminator();
        if (k >= 1 && y && k - 1 < y->operands.size()) work.push_back(y->operands[k - 1]);
        continue;
      }
      if (loop && loop->kind == OpKind::While) {
        size_t k = 0;
        while (k < x->owner->args.size() && x->owner->args[k] != x) ++k;
        if (k < loop->operands.size()) work.push_back(loop->operands[k]);
        const Op* y = x->owner->terminator();
        if (y && k + 1 < y->operands.size()) work.push_back(y->operands[k + 1]);
        continue;
      }
      roots.push_back(x);
    }
    return roots;
  }

  void verify_effects(const Op& op) {
    if (!writes_first_operand(op)) return;
    for (const Value* root : buffer_roots(op.operands[0])) {
      // theta as an input (the first argument); @unconstrain writes its theta.
      if (!root->def && root->owner == &f_.body && root == f_.body.args[0] && root->hint == "theta")
        fail_at(&op, "writes into " + name(op.operands[0]) + ", which is theta");
      if (root->def && root->def->kind == OpKind::DataBuf) {
        const std::string& field = root->def->name;
        bool filler = false;
        for (const ScratchBuffer& s : program_.scratch_buffers) filler |= s.name == field && s.filler == f_.name;
        if (!filler)
          fail_at(&op, "writes into " + name(op.operands[0]) + ", data buffer '" + field + "', outside its filler");
      }
    }
  }

  // tensor_size's walk (ir.h), failing where tensor_size would abort. The
  // tensors met on a successful walk are remembered, so a chain of n inserts
  // costs O(n), not O(n^2).
  void verify_tensor_size(const Op& at, const Value* tensor) {
    const Value* t = tensor;
    auto unresolved = [&](const std::string& why) {
      fail_at(&at, "the size of " + name(tensor) + " cannot be resolved: " + why);
    };
    std::vector<const Value*> walked;
    auto resolved = [&] {
      for (const Value* w : walked)
        if (ValueState* s = state(w)) s->sized = true;
    };
    for (size_t steps = 0;; ++steps) {
      if (ValueState* s = state(t); s && s->sized) return resolved();
      walked.push_back(t);
      if (steps > f_.num_values()) unresolved("its sources form a cycle");
      if (!t->type.is_tensor()) unresolved(name(t) + " is " + type_name(t->type));
      if (const Op* op = t->def) {
        if (std::optional<size_t> k = tensor_size_operand(*op)) {
          if (*k >= op->operands.size() || op->operands[*k]->type != Type::I64)
            unresolved(std::string(op_spelling(op->kind)) + " has no i64 size");
          return resolved();
        }
        switch (op->kind) {
          case OpKind::TensorInsert:
            t = op->operands[0];
            continue;
          case OpKind::For:
          case OpKind::While:
          case OpKind::If: {
            size_t k = 0;
            while (op->results[k] != t) ++k;
            if (op->kind == OpKind::For) {
              t = op->operands[k + 2];
            } else if (op->kind == OpKind::While) {
              t = op->operands[k];
            } else {
              const Op* y = op->regions.empty() ? nullptr : op->region(0).terminator();
              if (!y || k >= y->operands.size()) unresolved("the then region of its if yields no value for it");
              t = y->operands[k];
            }
            continue;
          }
          default:
            unresolved(std::string(op_spelling(op->kind)) + " makes no tensor");
        }
      }
      const Op* loop = t->owner ? t->owner->parent : nullptr;
      if (!loop || (loop->kind != OpKind::For && loop->kind != OpKind::While))
        unresolved(name(t) + " is an argument outside a loop's carried values");
      size_t k = 0;
      while (t->owner->args[k] != t) ++k;
      const size_t init = loop->kind == OpKind::For ? k + 1 : k;  // a for's first argument is its index
      if ((loop->kind == OpKind::For && k == 0) || init >= loop->operands.size())
        unresolved(name(t) + " is not a carried value");
      t = loop->operands[init];
    }
  }

  const Program& program_;
  const Function& f_;
  IrStage stage_;
  std::unique_ptr<ValueNamer> namer_;
  std::vector<ValueState> by_id_;
  std::string error_;
};

}  // namespace

Status verify(const Program& program, IrStage stage) {
  std::unordered_set<std::string> names;
  for (const auto& f : program.functions) {
    if (!names.insert(f->name).second) return Error{"@" + f->name + ": defined twice"};
    std::string error = FunctionVerifier(program, *f, stage).run();
    if (!error.empty()) return Error{error};
  }
  return Status::ok();
}

}  // namespace vic::ir
