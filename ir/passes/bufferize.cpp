// bufferize: tensors become buffers, after AD. Each tensor value gets a buffer:
// a splat or a generate allocates one; an insert writes into its operand's
// buffer in place when no value sharing that buffer is read afterwards (in
// execution order: later in the block, after the enclosing branch, and never
// across the iterations of a loop the buffer comes from outside of), and
// otherwise copies it first; a loop's carried tensor lives in one buffer for
// all iterations (its initial value's, when that is dead after the loop), and
// a branch's tensor result in the buffer its `then` side yields when that one
// is free. Every copy this needs is counted in the program's statistics
// ("bufferize.copies"), so a silent fallback to copying shows in the tests.
#include "ir/passes/bufferize.h"

#include <cmath>
#include <functional>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "ir/rewriter.h"

namespace vic::ir {
namespace {

class Bufferize : public Rewriter {
 public:
  Bufferize(int64_t& copies, std::vector<CheckInfo>& checks, bool reorder)
      : copies_(copies), checks_(checks), reorder_(reorder) {}

  std::unique_ptr<Function> run(const Function& f) {
    index(f.body);
    return rewrite(f);
  }

 protected:
  void rewrite_op(const Op& op, Builder& b) override {
    switch (op.kind) {
      case OpKind::TensorSplat: {
        Value* buf = b.alloc(op.operands[1]->type, get(op.operands[0]), out_of_memory_check(op), op.result()->hint);
        const Op* x = op.operands[1]->def;
        const bool zero = x && ((x->kind == OpKind::ConstF64 && x->number == 0.0 && !std::signbit(x->number)) ||
                                (x->kind == OpKind::ConstI64 && x->integer == 0));
        if (!zero) fill(b, buf, get(op.operands[0]), [&](Builder&, Value*) { return get(op.operands[1]); });
        bind(op.result(), buf);
        return;
      }
      case OpKind::TensorGenerate: {
        Value* n = get(op.operands[0]);
        Value* buf = b.alloc(op.result()->type.scalar_type(), n, out_of_memory_check(op), op.result()->hint);
        Op* loop = b.create_for(b.const_i64(0), n, {}, op.region(0).args[0]->hint);
        map(op.region(0).args[0], loop->region(0).args[0]);
        Builder in(*target_, loop->region(0));
        yield_handlers_[&op.region(0)] = [&](const Op& yield, Builder& yb) {
          yb.store(buf, loop->region(0).args[0], get(yield.operands[0]));
          yb.yield({});
        };
        rewrite_block(op.region(0), loop->region(0), in);
        bind(op.result(), buf);
        return;
      }
      case OpKind::TensorExtract:
        map(op.result(), b.load(get(op.operands[0]), get(op.operands[1])));
        return;
      case OpKind::TensorInsert: {
        Value* buf = get(op.operands[0]);
        if (!free_after(buf, &op)) buf = copy_of(b, op.operands[0], op);
        b.store(buf, get(op.operands[1]), get(op.operands[2]));
        bind(op.result(), buf);
        return;
      }
      case OpKind::MatVec:
      case OpKind::MatVecT:
        bind(op.result(), matvec(op, b));
        return;
      case OpKind::MatMul:
      case OpKind::MatMulNT:
      case OpKind::MatMulTN:
        bind(op.result(), matmul(op, b));
        return;
      case OpKind::ReduceAdd:
      case OpKind::ReduceMax:
      case OpKind::ReduceLogSumExp:
        map(op.result(), reduce(op, b));
        return;
      case OpKind::TensorSlice: {
        Value* r = b.alloc(Type::F64, get(op.operands[2]), out_of_memory_check(op), "slice");
        copy_range(b, r, b.const_i64(0), get(op.operands[0]), get(op.operands[1]), get(op.operands[2]));
        bind(op.result(), r);
        return;
      }
      case OpKind::TensorConcat: {
        Value* r = b.alloc(Type::F64, get(op.operands[2]), out_of_memory_check(op), "concat");
        Value* first = get(tensor_size(op.operands[0]));
        copy_range(b, r, b.const_i64(0), get(op.operands[0]), b.const_i64(0), first);
        copy_range(b, r, first, get(op.operands[1]), b.const_i64(0), get(tensor_size(op.operands[1])));
        bind(op.result(), r);
        return;
      }
      case OpKind::KernelCall: {
        // The kernel writes a new buffer; its inputs are only read.
        Value* r = b.alloc(Type::F64, get(op.operands.back()), out_of_memory_check(op), op.name);
        std::vector<Value*> args{r};
        for (Value* x : op.operands) args.push_back(get(x));
        map(op.results[1], b.kernel_run(op.name, args));
        bind(op.results[0], r);
        return;
      }
      case OpKind::For:
      case OpKind::While:
        rewrite_loop(op, b);
        return;
      case OpKind::If:
        rewrite_if(op, b);
        return;
      case OpKind::Yield:
        if (auto handler = yield_handlers_.find(op.parent); handler != yield_handlers_.end()) {
          handler->second(op, b);
          return;
        }
        break;
      default:
        break;
    }
    copy_op(op, b);
  }

 private:
  // Positions and uses in the source function, for the in-place decisions.
  void index(const Block& block) {
    for (size_t i = 0; i < block.ops.size(); ++i) {
      const Op* op = block.ops[i].get();
      position_[op] = i;
      for (const Value* x : op->operands) uses_[x].push_back(op);
      for (const auto& r : op->regions) index(*r);
    }
  }

  static const Block* block_of(const Value* v) { return v->def ? v->def->parent : v->owner; }

  // The op in `block` that is `op` or contains it, or null.
  static const Op* ancestor_in(const Op* op, const Block* block) {
    while (op && op->parent != block) op = op->parent->parent;
    return op;
  }

  static bool encloses(const Block* outer, const Block* inner) {
    for (const Block* b = inner; b; b = b->parent ? b->parent->parent : nullptr)
      if (b == outer) return true;
    return false;
  }

  // Whether `w` is read after `at` runs (at may be the op that consumes w).
  bool read_after(const Value* w, const Op* at) const {
    const Block* home = block_of(w);
    if (!encloses(home, at->parent)) return false;  // out of scope at `at`
    auto uses = uses_.find(w);
    if (uses == uses_.end()) return false;
    const Op* cur = at;
    for (;;) {
      const Block* block = cur->parent;
      for (const Op* use : uses->second) {
        if (use == at) continue;
        const Op* a = ancestor_in(use, block);
        if (!a) continue;
        if (a == cur) {
          if (cur == at) return true;                   // read inside the loop that takes it
          if (cur->kind == OpKind::If) continue;        // the other branch, or before `at`
          if (use == cur) continue;                     // the loop that carries it, in place
          return true;
        }
        if (position_.at(a) > position_.at(cur)) return true;
      }
      if (block == home) return false;
      const Op* owner = block->parent;
      if (!owner) return true;
      // A value from outside a loop that the loop reads (`at` included) is
      // needed again by the next iteration.
      if (owner->kind != OpKind::If) {
        for (const Op* use : uses->second)
          if (use != owner && ancestor_in(use, owner->parent) == owner) return true;
      }
      cur = owner;
    }
  }

  // Whether `at` may overwrite `buf`: no value living in it is read later.
  bool free_after(Value* buf, const Op* at) const {
    auto it = aliases_.find(buf);
    if (it == aliases_.end()) return false;  // not a tensor's buffer
    for (const Value* w : it->second)
      if (read_after(w, at)) return false;
    return true;
  }

  void bind(const Value* tensor, Value* buf) {
    map(tensor, buf);
    aliases_[buf].push_back(tensor);
  }

  // The check an allocation for `op` reports when memory runs out: one per
  // source place.
  int64_t out_of_memory_check(const Op& op) {
    if ((op.kind == OpKind::TensorSplat || op.kind == OpKind::TensorGenerate) && op.integer >= 0) return op.integer;
    auto key = std::make_pair(op.loc.line, op.loc.column);
    auto it = oom_checks_.find(key);
    if (it != oom_checks_.end()) return it->second;
    checks_.push_back({"out of memory: cannot allocate a container", op.loc});
    int64_t id = static_cast<int64_t>(checks_.size() - 1);
    oom_checks_[key] = id;
    return id;
  }

  void fill(Builder& b, Value* buf, Value* n, const std::function<Value*(Builder&, Value*)>& element) {
    Op* loop = b.create_for(b.const_i64(0), n, {}, "i");
    Builder in(*target_, loop->region(0));
    in.store(buf, loop->region(0).args[0], element(in, loop->region(0).args[0]));
    in.yield({});
  }

  // A fresh buffer holding the tensor's current contents.
  Value* copy_of(Builder& b, const Value* tensor, const Op& at) {
    Value* n = get(tensor_size(tensor));
    Value* buf = b.alloc(tensor->type.scalar_type(), n, out_of_memory_check(at), tensor->hint + ".copy");
    b.copy(buf, get(tensor), n);
    ++copies_;
    return buf;
  }

  // dst[k] = src[k] for each k as one parallel assignment: a source that is
  // also another destination is read before it is overwritten.
  void parallel_copy(Builder& b, const Op& at, const std::vector<Value*>& dst, std::vector<Value*> src,
                     const std::vector<Value*>& sizes) {
    for (size_t k = 0; k < dst.size(); ++k) {
      if (dst[k] == src[k]) continue;
      for (size_t j = 0; j < dst.size(); ++j) {
        if (j == k || dst[j] != src[k] || dst[j] == src[j]) continue;
        Value* tmp = b.alloc(src[k]->type.scalar_type(), sizes[k], out_of_memory_check(at), "swap");
        b.copy(tmp, src[k], sizes[k]);
        ++copies_;
        src[k] = tmp;
        break;
      }
    }
    for (size_t k = 0; k < dst.size(); ++k) {
      if (dst[k] == src[k]) continue;
      b.copy(dst[k], src[k], sizes[k]);
      ++copies_;
    }
  }

  // A x as a loop over rows of dot products; A' y as rows of A scaled by y
  // added into the result (both read A row by row, as it is stored).
  Value* matvec(const Op& op, Builder& b) {
    Value* A = get(op.operands[0]);
    Value* x = get(op.operands[1]);
    Value* m = get(op.operands[2]);
    Value* n = get(op.operands[3]);
    const bool transposed = op.kind == OpKind::MatVecT;
    Value* r = b.alloc(Type::F64, transposed ? n : m, out_of_memory_check(op), "matvec");
    Op* rows = b.create_for(b.const_i64(0), m, {}, "i");
    Builder in(*target_, rows->region(0));
    Value* i = rows->region(0).args[0];
    Value* row = in.op(OpKind::IMul, {i, n});
    if (transposed) {
      Value* yi = in.load(x, i);
      Op* cols = in.create_for(in.const_i64(0), n, {}, "j");
      Builder c(*target_, cols->region(0));
      Value* j = cols->region(0).args[0];
      Value* aij = c.load(A, c.op(OpKind::IAdd, {row, j}));
      c.store(r, j, c.op(OpKind::FAdd, {c.load(r, j), c.op(OpKind::FMul, {aij, yi})}));
      c.yield({});
    } else {
      Op* cols = in.create_for(in.const_i64(0), n, {in.const_f64(0.0)}, "j");
      Builder c(*target_, cols->region(0));
      Value* j = cols->region(0).args[0];
      Value* aij = c.load(A, c.op(OpKind::IAdd, {row, j}));
      c.yield({c.op(OpKind::FAdd, {cols->region(0).args[1], c.op(OpKind::FMul, {aij, c.load(x, j)})})});
      in.store(r, i, cols->result());
    }
    in.yield({});
    return r;
  }

  // dst[dst_at + j] = src[src_at + j] for j < n.
  void copy_range(Builder& b, Value* dst, Value* dst_at, Value* src, Value* src_at, Value* n) {
    Op* loop = b.create_for(b.const_i64(0), n, {}, "j");
    Builder in(*target_, loop->region(0));
    Value* j = loop->region(0).args[0];
    in.store(dst, in.op(OpKind::IAdd, {dst_at, j}), in.load(src, in.op(OpKind::IAdd, {src_at, j})));
    in.yield({});
  }

  // A loop over the buffer; a sum the pipeline may reorder adds with
  // fadd.reassoc, which lets LLVM split it into vector lanes.
  Value* reduce(const Op& op, Builder& b) {
    Value* t = get(op.operands[0]);
    Value* n = get(tensor_size(op.operands[0]));
    auto fold = [&](Builder& at, Value* init, const std::function<Value*(Builder&, Value*, Value*)>& f) {
      Op* loop = at.create_for(at.const_i64(0), n, {init}, "i");
      Builder in(*target_, loop->region(0));
      in.yield({f(in, loop->region(0).args[1], in.load(t, loop->region(0).args[0]))});
      return loop->result();
    };
    const OpKind add = reorder_ ? OpKind::FAddReassoc : OpKind::FAdd;
    auto sum = [&](Builder& at, const std::function<Value*(Builder&, Value*)>& term) {
      return fold(at, at.const_f64(0.0), [&](Builder& in, Value* acc, Value* x) { return in.op(add, {acc, term(in, x)}); });
    };
    if (op.kind == OpKind::ReduceAdd) return sum(b, [](Builder&, Value* x) { return x; });
    Value* m = fold(b, b.const_f64(-HUGE_VAL), [](Builder& in, Value* acc, Value* x) {
      return in.op(OpKind::Select, {in.cmp(CmpPredicate::Gt, x, acc), x, acc});
    });
    if (op.kind == OpKind::ReduceMax) return m;
    // log sum exp(x) = m + log(sum exp(x - m)); -inf when m is.
    Op* branch = b.create_if(b.cmp(CmpPredicate::Eq, m, b.const_f64(-HUGE_VAL)), {Type::F64});
    Builder none(*target_, branch->region(0)), some(*target_, branch->region(1));
    none.yield({m});
    Value* s = sum(some, [m](Builder& in, Value* x) { return in.op(OpKind::Exp, {in.op(OpKind::FSub, {x, m})}); });
    some.yield({some.op(OpKind::FAdd, {m, some.op(OpKind::Log, {s})})});
    return branch->result();
  }

  // C[i, j] = sum_l op(A)[i, l] op(B)[l, j]: BLAS's dgemm when the sums may
  // be reordered, else one dot product per element, in order.
  Value* matmul(const Op& op, Builder& b) {
    Value* A = get(op.operands[0]);
    Value* B = get(op.operands[1]);
    Value* m = get(op.operands[2]);
    Value* k = get(op.operands[3]);
    Value* n = get(op.operands[4]);
    Value* c = b.alloc(Type::F64, get(op.operands[5]), out_of_memory_check(op), "matmul");
    if (reorder_) {
      const char* kernel = op.kind == OpKind::MatMul ? "gemm" : op.kind == OpKind::MatMulNT ? "gemm.nt" : "gemm.tn";
      b.kernel_run(kernel, {c, A, B, m, k, n, get(op.operands[5])});
      return c;
    }
    Op* rows = b.create_for(b.const_i64(0), m, {}, "i");
    Builder r(*target_, rows->region(0));
    Value* i = rows->region(0).args[0];
    Op* cols = r.create_for(r.const_i64(0), n, {}, "j");
    Builder c_b(*target_, cols->region(0));
    Value* j = cols->region(0).args[0];
    Op* dot = c_b.create_for(c_b.const_i64(0), k, {c_b.const_f64(0.0)}, "l");
    Builder d(*target_, dot->region(0));
    Value* l = dot->region(0).args[0];
    auto at = [&](Value* row, Value* col, Value* width) { return d.op(OpKind::IAdd, {d.op(OpKind::IMul, {row, width}), col}); };
    // A is m x k (or k x m for .tn), B is k x n (or n x k for .nt), row-major.
    Value* a = op.kind == OpKind::MatMulTN ? d.load(A, at(l, i, m)) : d.load(A, at(i, l, k));
    Value* bb = op.kind == OpKind::MatMulNT ? d.load(B, at(j, l, k)) : d.load(B, at(l, j, n));
    d.yield({d.op(OpKind::FAdd, {dot->region(0).args[1], d.op(OpKind::FMul, {a, bb})})});
    c_b.store(c, c_b.op(OpKind::IAdd, {c_b.op(OpKind::IMul, {i, n}), j}), dot->result());
    c_b.yield({});
    r.yield({});
    return c;
  }

  // A for or a while: each carried tensor lives in one buffer across the
  // iterations, each yield copying into it what is not there already.
  void rewrite_loop(const Op& op, Builder& b) {
    const bool is_for = op.kind == OpKind::For;
    const size_t first_init = is_for ? 2 : 0;  // operands before the initial values
    const size_t first_arg = is_for ? 1 : 0;   // region arguments before the carried ones
    const size_t first_next = is_for ? 0 : 1;  // yielded values before the next ones (a while's go)
    const Block& body = op.region(0);
    std::vector<Value*> inits;
    std::vector<int> scalar_slot(op.results.size(), -1);
    std::vector<Value*> slot_buffer(op.results.size(), nullptr);
    std::vector<Value*> slot_size(op.results.size(), nullptr);
    std::unordered_set<Value*> taken;
    for (size_t k = 0; k < op.results.size(); ++k) {
      const Value* init = op.operands[first_init + k];
      if (!init->type.is_tensor()) {
        scalar_slot[k] = static_cast<int>(inits.size());
        inits.push_back(get(init));
        continue;
      }
      Value* buf = get(init);
      if (taken.count(buf) || !free_after(buf, &op)) buf = copy_of(b, init, op);
      taken.insert(buf);
      slot_buffer[k] = buf;
      slot_size[k] = get(tensor_size(init));
    }
    Op* loop = is_for ? b.create_for(get(op.operands[0]), get(op.operands[1]), inits, body.args[0]->hint)
                      : b.create_while(inits);
    Block& new_body = loop->region(0);
    if (is_for) map(body.args[0], new_body.args[0]);
    for (size_t k = 0; k < op.results.size(); ++k) {
      if (scalar_slot[k] >= 0) {
        map(body.args[first_arg + k], new_body.args[first_arg + scalar_slot[k]]);
        map(op.results[k], loop->results[scalar_slot[k]]);
      } else {
        bind(body.args[first_arg + k], slot_buffer[k]);
      }
    }
    Builder in(*target_, new_body);
    yield_handlers_[&body] = [&](const Op& yield, Builder& yb) {
      std::vector<Value*> scalars, dst, src, sizes;
      for (size_t k = 0; k < first_next; ++k) scalars.push_back(get(yield.operands[k]));
      for (size_t k = 0; k < op.results.size(); ++k) {
        Value* next = get(yield.operands[first_next + k]);
        if (scalar_slot[k] >= 0) {
          scalars.push_back(next);
        } else {
          dst.push_back(slot_buffer[k]);
          src.push_back(next);
          sizes.push_back(slot_size[k]);
        }
      }
      parallel_copy(yb, op, dst, src, sizes);
      yb.yield(scalars);
    };
    rewrite_block(body, new_body, in);
    for (size_t k = 0; k < op.results.size(); ++k)
      if (scalar_slot[k] < 0) bind(op.results[k], slot_buffer[k]);
  }

  void rewrite_if(const Op& op, Builder& b) {
    std::vector<Type> types;
    std::vector<int> scalar_slot(op.results.size(), -1);
    std::vector<Value*> fresh(op.results.size(), nullptr), sizes(op.results.size(), nullptr);
    for (size_t k = 0; k < op.results.size(); ++k) {
      if (!op.results[k]->type.is_tensor()) {
        scalar_slot[k] = static_cast<int>(types.size());
        types.push_back(op.results[k]->type);
        continue;
      }
      // Used only if the `then` side's buffer cannot be the result (dead otherwise).
      sizes[k] = get(tensor_size(op.results[k]));
      fresh[k] = b.alloc(op.results[k]->type.scalar_type(), sizes[k], out_of_memory_check(op), op.results[k]->hint);
    }
    Op* copy = b.create_if(get(op.operands[0]), types);
    std::vector<Value*> result(op.results.size(), nullptr);
    for (int r = 0; r < 2; ++r) {
      Builder in(*target_, copy->region(r));
      yield_handlers_[&op.region(r)] = [&, r](const Op& yield, Builder& yb) {
        std::vector<Value*> scalars, dst, src, dst_sizes;
        for (size_t k = 0; k < yield.operands.size(); ++k) {
          if (scalar_slot[k] >= 0) {
            scalars.push_back(get(yield.operands[k]));
            continue;
          }
          Value* from = get(yield.operands[k]);
          if (r == 0) {
            // The `then` side's buffer, when it comes from outside and nothing
            // living in it is read after the branch, is the result's.
            const bool outside = from->def && !encloses(&copy->region(0), from->def->parent);
            result[k] = outside && free_after(from, &op) ? from : fresh[k];
          }
          dst.push_back(result[k]);
          src.push_back(from);
          dst_sizes.push_back(sizes[k]);
        }
        parallel_copy(yb, op, dst, src, dst_sizes);
        yb.yield(scalars);
      };
      rewrite_block(op.region(r), copy->region(r), in);
    }
    for (size_t k = 0; k < op.results.size(); ++k) {
      if (scalar_slot[k] >= 0) {
        map(op.results[k], copy->results[scalar_slot[k]]);
      } else {
        bind(op.results[k], result[k]);
      }
    }
  }

  int64_t& copies_;
  std::vector<CheckInfo>& checks_;
  const bool reorder_;  // reductions may be reassociated
  std::map<std::pair<int, int>, int64_t> oom_checks_;
  std::unordered_map<const Op*, size_t> position_;
  std::unordered_map<const Value*, std::vector<const Op*>> uses_;
  std::unordered_map<Value*, std::vector<const Value*>> aliases_;
  // What a yield of each source region becomes.
  std::unordered_map<const Block*, std::function<void(const Op&, Builder&)>> yield_handlers_;
};

}  // namespace

Program bufferize(const Program& program, bool reorder_reductions) {
  Program out = program.without_functions();
  int64_t copies = 0;
  for (const auto& f : program.functions) out.functions.push_back(Bufferize(copies, out.checks, reorder_reductions).run(*f));
  out.statistics["bufferize.copies"] += copies;
  return out;
}

}  // namespace vic::ir
