// Forward-mode AD over the structured IR, on value-semantic tensors: each op
// is copied and followed by its tangent (its JVP rule, ir/op_table.cpp), a
// null tangent standing for zero so that nothing is built for values that do
// not vary. Regions carry tangents beside their values: a `for` carries one
// per real carried value, an `if` yields one per real result, and a generate's
// tangent is a second generate whose body recomputes the element and yields
// its tangent.
#include "ir/ad/forward_mode.h"

#include <unordered_map>

#include "ir/builder.h"
#include "ir/op_table.h"
#include "ir/kernels.h"
#include "ir/rewriter.h"

namespace vic::ir {
namespace {

bool is_real(Type t) { return t.element == Type::Element::F64 && !t.is_buffer(); }

class ForwardMode {
 public:
  ForwardMode(Program& program, const Function& source) : program_(program), source_(source) {}

  std::unique_ptr<Function> run(const std::string& name, const std::vector<size_t>& varied,
                                const std::vector<size_t>& outputs) {
    VIC_CHECK(source_.result_types.empty()) << "forward mode takes a function returning nothing";
    std::vector<FunctionArg> args;
    for (Value* a : source_.body.args) args.push_back({a->hint, a->type});
    for (size_t k : varied) args.push_back({source_.arg(k)->hint + ".dot", source_.arg(k)->type});
    for (size_t k : outputs) args.push_back({source_.arg(k)->hint + ".dot", source_.arg(k)->type});
    auto f = std::make_unique<Function>(name, args, std::vector<Type>{});
    target_ = f.get();
    const size_t n = source_.body.args.size();
    for (size_t i = 0; i < n; ++i) primal_[source_.arg(i)] = f->arg(i);
    for (size_t j = 0; j < varied.size(); ++j) tangent_[source_.arg(varied[j])] = f->arg(n + j);
    for (size_t j = 0; j < outputs.size(); ++j) output_tangent_[source_.arg(outputs[j])] = f->arg(n + varied.size() + j);
    Builder b(*f, f->body);
    emit_ops(source_.body, b);
    return f;
  }

 private:
  Value* get(const Value* v) const {
    auto it = primal_.find(v);
    VIC_CHECK(it != primal_.end()) << "forward mode: %" << v->id << " used before it was defined";
    return it->second;
  }
  Value* tangent(const Value* v) const {
    auto it = tangent_.find(v);
    return it == tangent_.end() ? nullptr : it->second;
  }
  // The tangent of v, a zero of v's type when it has none.
  Value* tangent_or_zero(Builder& b, const Value* v) {
    if (Value* t = tangent(v)) return t;
    Value* zero = b.const_f64(0.0);
    return v->type.is_tensor() ? b.splat(tensor_size(get(v)), zero) : zero;
  }

  // The ops of `block` up to its terminator, which the caller handles.
  void emit_ops(const Block& block, Builder& b) {
    for (const auto& op : block.ops) {
      if (op->kind == OpKind::Yield) return;
      b.set_loc(op->loc);
      emit(*op, b);
    }
  }

  Op* copy(const Op& op, Builder& b) {
    std::vector<Value*> operands;
    for (Value* x : op.operands) operands.push_back(get(x));
    std::vector<Type> types;
    for (Value* r : op.results) types.push_back(r->type);
    Op* c = b.append(op.kind, operands, types);
    c->number = op.number;
    c->integer = op.integer;
    c->name = op.name;
    for (size_t i = 0; i < op.results.size(); ++i) {
      c->results[i]->hint = op.results[i]->hint;
      primal_[op.results[i]] = c->results[i];
    }
    return c;
  }

  // A region of `copy` with fresh arguments of `types`.
  Block& add_region(Op* op, const std::vector<Type>& types, const Block& source_region) {
    auto block = std::make_unique<Block>();
    block->parent = op;
    for (size_t i = 0; i < types.size(); ++i) {
      Value* a = target_->new_value(types[i], i < source_region.args.size() ? source_region.args[i]->hint : "");
      a->owner = block.get();
      block->args.push_back(a);
    }
    op->regions.push_back(std::move(block));
    return *op->regions.back();
  }

  void emit(const Op& op, Builder& b) {
    switch (op.kind) {
      case OpKind::Load: {
        Op* c = copy(op, b);
        if (Value* t = tangent(op.operands[0])) tangent_[op.result()] = b.load(t, c->operands[1]);
        return;
      }
      case OpKind::Store: {
        Op* c = copy(op, b);
        if (auto it = output_tangent_.find(op.operands[0]); it != output_tangent_.end())
          b.store(it->second, c->operands[1], tangent_or_zero(b, op.operands[2]));
        return;
      }
      case OpKind::TensorSplat: {
        Op* c = copy(op, b);
        if (Value* t = tangent(op.operands[1])) tangent_[op.result()] = b.splat(c->operands[0], t);
        return;
      }
      case OpKind::TensorExtract: {
        Op* c = copy(op, b);
        if (Value* t = tangent(op.operands[0])) tangent_[op.result()] = b.extract(t, c->operands[1]);
        return;
      }
      case OpKind::TensorInsert: {
        Op* c = copy(op, b);
        if (tangent(op.operands[0]) || tangent(op.operands[2]))
          tangent_[op.result()] = b.insert(tangent_or_zero(b, op.operands[0]), c->operands[1],
                                           tangent_or_zero(b, op.operands[2]));
        return;
      }
      case OpKind::TensorGenerate: emit_generate(op, b); return;
      case OpKind::For:
      case OpKind::While: emit_loop(op, b); return;
      case OpKind::If: emit_if(op, b); return;
      default: break;
    }
    Op* c = copy(op, b);
    if (op.results.empty() || !is_real(op.results[0]->type)) return;
    std::vector<Value*> tangents;
    bool any = false;
    for (Value* x : op.operands) {
      tangents.push_back(tangent(x));
      any = any || tangents.back();
    }
    if (!any) return;
    const OpInfo& info = op_info(op.kind);
    const bool has_rule = op.kind == OpKind::KernelCall ? find_kernel(op.name)->jvp != nullptr : info.jvp != nullptr;
    if (!has_rule) {
      // Reject the evaluation rather than return a wrong derivative.
      std::string what = op.kind == OpKind::KernelCall ? op.name : op_spelling(op.kind);
      program_.checks.push_back({"the derivative of '" + what + "' that this needs is not available", op.loc});
      b.check(b.const_bool(false), static_cast<int64_t>(program_.checks.size() - 1));
      return;
    }
    DerivativeSite site{b, op.kind, c->operands, c->results[0], op.name};
    if (Value* t = info.jvp(site, tangents)) tangent_[op.results[0]] = t;
  }

  void emit_generate(const Op& op, Builder& b) {
    Op* c = copy(op, b);
    const Block& body = op.region(0);
    {
      Block& region = add_region(c, {Type::I64}, body);
      primal_[body.args[0]] = region.args[0];
      Builder in(b.function(), region);
      emit_ops(body, in);
      in.yield({get(body.terminator()->operands[0])});
    }
    if (!is_real(op.result()->type)) return;
    // The tangent: the body again, yielding the element's tangent.
    Op* t = b.create_generate(c->operands[0], Type::F64, body.args[0]->hint, op.integer);
    primal_[body.args[0]] = t->region(0).args[0];
    Builder in(b.function(), t->region(0));
    emit_ops(body, in);
    Value* element = body.terminator()->operands[0];
    const bool varies = tangent(element) != nullptr;
    in.yield({tangent_or_zero(in, element)});
    if (varies) tangent_[op.result()] = t->result();  // else dead-code elimination drops it
  }

  // A for or a while, carrying a tangent beside each real carried value.
  void emit_loop(const Op& op, Builder& b) {
    const bool is_for = op.kind == OpKind::For;
    const size_t first_init = is_for ? 2 : 0;  // operands before the initial values
    const size_t first_arg = is_for ? 1 : 0;   // region arguments before the carried ones
    const size_t first_next = is_for ? 0 : 1;  // yielded values before the next ones (a while's go)
    const Block& body = op.region(0);
    std::vector<size_t> real_carried;
    for (size_t k = 0; k < op.results.size(); ++k)
      if (is_real(op.results[k]->type)) real_carried.push_back(k);
    std::vector<Value*> operands;
    for (Value* x : op.operands) operands.push_back(get(x));
    std::vector<Type> types;
    for (Value* r : op.results) types.push_back(r->type);
    for (size_t k : real_carried) {
      operands.push_back(tangent_or_zero(b, op.operands[first_init + k]));
      types.push_back(op.results[k]->type);
    }
    Op* c = b.append(op.kind, operands, types);
    std::vector<Type> arg_types;
    if (is_for) arg_types.push_back(Type::I64);
    arg_types.insert(arg_types.end(), types.begin(), types.end());
    Block& region = add_region(c, arg_types, body);
    const size_t carried = op.results.size();
    for (size_t i = 0; i < body.args.size(); ++i) primal_[body.args[i]] = region.args[i];
    for (size_t j = 0; j < real_carried.size(); ++j)
      tangent_[body.args[first_arg + real_carried[j]]] = region.args[first_arg + carried + j];
    Builder in(b.function(), region);
    emit_ops(body, in);
    const Op* yield = body.terminator();
    std::vector<Value*> yielded;
    for (Value* x : yield->operands) yielded.push_back(get(x));
    for (size_t k : real_carried) yielded.push_back(tangent_or_zero(in, yield->operands[first_next + k]));
    in.yield(yielded);
    for (size_t i = 0; i < carried; ++i) {
      c->results[i]->hint = op.results[i]->hint;
      primal_[op.results[i]] = c->results[i];
    }
    for (size_t j = 0; j < real_carried.size(); ++j) tangent_[op.results[real_carried[j]]] = c->results[carried + j];
  }

  void emit_if(const Op& op, Builder& b) {
    std::vector<size_t> real_results;
    std::vector<Type> types;
    for (size_t k = 0; k < op.results.size(); ++k) {
      types.push_back(op.results[k]->type);
      if (is_real(op.results[k]->type)) real_results.push_back(k);
    }
    for (size_t k : real_results) types.push_back(op.results[k]->type);
    Op* c = b.create_if(get(op.operands[0]), types);
    for (size_t r = 0; r < 2; ++r) {
      const Block& src = op.region(r);
      Builder in(b.function(), c->region(r));
      emit_ops(src, in);
      std::vector<Value*> yielded;
      for (Value* x : src.terminator()->operands) yielded.push_back(get(x));
      for (size_t k : real_results) yielded.push_back(tangent_or_zero(in, src.terminator()->operands[k]));
      in.yield(yielded);
    }
    for (size_t k = 0; k < op.results.size(); ++k) primal_[op.results[k]] = c->results[k];
    for (size_t j = 0; j < real_results.size(); ++j)
      tangent_[op.results[real_results[j]]] = c->results[op.results.size() + j];
  }

  Program& program_;
  const Function& source_;
  Function* target_ = nullptr;
  std::unordered_map<const Value*, Value*> primal_;
  std::unordered_map<const Value*, Value*> tangent_;
  std::unordered_map<const Value*, Value*> output_tangent_;
};

}  // namespace

void add_jvp_function(Program& program, const std::string& name, const std::vector<size_t>& varied_args,
                      const std::vector<size_t>& output_args) {
  const Function* source = program.find(name);
  VIC_CHECK(source) << "forward mode: no function @" << name;
  program.add(ForwardMode(program, *source).run(name + ".jvp", varied_args, output_args));
}

Program add_requested_jvps(const Program& program) {
  Program out = clone_program(program);
  for (const JvpRequest& request : program.jvp_requests) {
    add_jvp_function(out, request.function, request.varied_args, request.output_args);
    if (request.order < 2) continue;
    // The JVP of the JVP: its tangent arguments vary too, its tangent outputs are outputs too.
    const size_t n = out.find(request.function)->body.args.size();
    const size_t nv = request.varied_args.size(), no = request.output_args.size();
    std::vector<size_t> varied = request.varied_args, outputs = request.output_args;
    for (size_t i = 0; i < nv; ++i) varied.push_back(n + i);
    for (size_t i = 0; i < no; ++i) outputs.push_back(n + nv + i);
    add_jvp_function(out, request.function + ".jvp", varied, outputs);
  }
  return out;
}

}  // namespace vic::ir
