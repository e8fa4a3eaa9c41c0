// Rewriter: op-by-op reconstruction of a function with value remapping.
#include "ir/rewriter.h"

namespace vic::ir {

std::unique_ptr<Function> Rewriter::rewrite(const Function& source) {
  std::vector<FunctionArg> args;
  for (Value* a : source.body.args) args.push_back({a->hint, a->type});
  auto f = std::make_unique<Function>(source.name, args, source.result_types);
  target_ = f.get();
  map_.reserve(source.num_values());
  for (size_t i = 0; i < args.size(); ++i) map(source.body.args[i], f->body.args[i]);
  Builder b(*f, f->body);
  rewrite_block(source.body, f->body, b);
  return f;
}

Value* Rewriter::get(const Value* old) const {
  auto it = map_.find(old);
  VIC_CHECK(it != map_.end()) << "rewriter: value used before it was mapped";
  return it->second;
}

std::vector<Value*> Rewriter::get_all(const std::vector<Value*>& olds) const {
  std::vector<Value*> out;
  out.reserve(olds.size());
  for (Value* v : olds) out.push_back(get(v));
  return out;
}

void Rewriter::rewrite_block(const Block& src, Block& dst, Builder& b) {
  Block& saved = b.block();
  b.set_block(dst);
  for (const auto& op : src.ops) {
    b.set_loc(op->loc);
    rewrite_op(*op, b);
  }
  b.set_block(saved);
}

Op* Rewriter::copy_op(const Op& op, Builder& b) {
  std::vector<Type> types;
  for (Value* r : op.results) types.push_back(r->type);
  Op* copy = b.append(op.kind, get_all(op.operands), types);
  copy->number = op.number;
  copy->integer = op.integer;
  copy->name = op.name;
  copy->loc = op.loc;
  for (size_t i = 0; i < op.results.size(); ++i) {
    copy->results[i]->hint = op.results[i]->hint;
    map(op.results[i], copy->results[i]);
  }
  for (const auto& region : op.regions) {
    auto block = std::make_unique<Block>();
    block->parent = copy;
    for (Value* a : region->args) {
      Value* na = target_->new_value(a->type, a->hint);
      na->owner = block.get();
      block->args.push_back(na);
      map(a, na);
    }
    Block& dst = *block;
    copy->regions.push_back(std::move(block));
    rewrite_block(*region, dst, b);
  }
  return copy;
}

Program clone_program(const Program& program) {
  return rewrite_program(program, [] { return Rewriter(); });
}

std::unique_ptr<Function> clone_program_function(const Function& function) { return Rewriter().rewrite(function); }

}  // namespace vic::ir
