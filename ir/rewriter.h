// Rewriter: the base of every pass. It rebuilds a function op by op into a new
// Function, mapping old values to new ones; a pass overrides rewrite_op for the
// ops it cares about and lets the rest be copied.
#pragma once

#include <memory>
#include <unordered_map>

#include "ir/builder.h"

namespace vic::ir {

class Rewriter {
 public:
  virtual ~Rewriter() = default;

  // Rewrites `source` into a new function of the same name and signature.
  std::unique_ptr<Function> rewrite(const Function& source);

 protected:
  // Called once per op, in order, with the builder at the insertion point.
  // The default copies the op (rewriting its regions).
  virtual void rewrite_op(const Op& op, Builder& b) { copy_op(op, b); }

  // The new value standing for an old one.
  Value* get(const Value* old) const;
  bool has(const Value* old) const { return map_.count(old) != 0; }
  void map(const Value* old, Value* now) { map_[old] = now; }
  std::vector<Value*> get_all(const std::vector<Value*>& olds) const;

  // Copies `op` with mapped operands, rewriting its regions; maps its results.
  Op* copy_op(const Op& op, Builder& b);
  // Rewrites the ops of `src` into `dst` (whose args the caller has mapped).
  // A pass that keeps per-region state overrides it and calls the base.
  virtual void rewrite_block(const Block& src, Block& dst, Builder& b);

  Function* target_ = nullptr;

 private:
  std::unordered_map<const Value*, Value*> map_;
};

// A program whose functions are `rewrite_function(f)` of this one's, with its
// checks, scratch buffers, statistics, layout and entry points carried over.
template <typename RewriteFunction>
Program map_functions(const Program& program, RewriteFunction rewrite_function) {
  Program out = program.without_functions();
  for (const auto& f : program.functions) out.functions.push_back(rewrite_function(*f));
  return out;
}

// Rewrites every function of a program with a fresh rewriter from `make`.
template <typename MakeRewriter>
Program rewrite_program(const Program& program, MakeRewriter make) {
  return map_functions(program, [&](const Function& f) { return make().rewrite(f); });
}

// A copy of a program, or of one function.
Program clone_program(const Program& program);
std::unique_ptr<Function> clone_program_function(const Function& function);

}  // namespace vic::ir
