// Builder: creates operations at the end of a block, checking operand types.
#pragma once

#include <functional>

#include <initializer_list>

#include "ir/ir.h"

namespace vic::ir {

class Builder {
 public:
  Builder(Function& function, Block& block) : function_(function), block_(&block) {}

  Function& function() const { return function_; }
  Block& block() const { return *block_; }
  void set_block(Block& block) { block_ = &block; }
  // The location attached to the ops created from now on.
  void set_loc(SourceLoc loc) { loc_ = loc; }
  SourceLoc loc() const { return loc_; }

  Value* const_f64(double v);
  Value* const_i64(int64_t v);
  Value* const_bool(bool v);

  // Any pure op of fixed arity whose result type follows from its operands
  // (arithmetic, functions, logic, select, itof).
  Value* op(OpKind kind, std::initializer_list<Value*> operands);
  Value* op(OpKind kind, const std::vector<Value*>& operands);
  Value* cmp(CmpPredicate p, Value* a, Value* b);

  // A zero-filled buffer of `size` elements; when memory runs out the
  // evaluation ends with check `out_of_memory_check`'s message.
  Value* alloc(Type element, Value* size, int64_t out_of_memory_check, std::string hint = {});
  Value* load(Value* buffer, Value* index);
  void store(Value* buffer, Value* index, Value* value);

  // Shaped values: `size` copies of x; element i of t; t with element i = x.
  // `out_of_memory_check` names what bufferization reports if the tensor's
  // buffer cannot be allocated (-1: a generic message at the op's place).
  Value* splat(Value* size, Value* x, int64_t out_of_memory_check = -1);
  Value* extract(Value* tensor, Value* index);
  Value* insert(Value* tensor, Value* index, Value* x);
  // A tensor of `size` elements of type `element` whose region (argument: the
  // index) yields each element. Fill the region, ending with yield().
  Op* create_generate(Value* size, Type element, std::string index_hint = {}, int64_t out_of_memory_check = -1);
  // dst[0..n) = src[0..n).
  void copy(Value* dst, Value* src, Value* n);

  Value* data_int(const std::string& name);
  Value* data_real(const std::string& name);
  Value* data_buf(const std::string& name, Type element);

  // A for loop over [lower, upper) carrying `inits`; its region's arguments
  // (index, carried...) exist on return. Fill the region, ending with yield().
  Op* create_for(Value* lower, Value* upper, const std::vector<Value*>& inits,
                 std::string index_hint = {});
  // A whole for loop over [lower, upper): `body` gets a builder of the region,
  // the index and the carried values and returns their next values; the
  // loop's results are returned.
  using LoopBody = std::function<std::vector<Value*>(Builder&, Value* index, const std::vector<Value*>& carried)>;
  std::vector<Value*> for_loop(Value* lower, Value* upper, const std::vector<Value*>& inits, const LoopBody& body,
                               std::string index_hint = "i");
  // A while loop carrying `inits` (see ir/ops.def); its region's arguments
  // exist on return. Fill the region, ending with yield({go, next...}).
  Op* create_while(const std::vector<Value*>& inits);
  // An if with two empty regions and results of `result_types`.
  Op* create_if(Value* cond, const std::vector<Type>& result_types);

  void yield(const std::vector<Value*>& values);
  void ret(const std::vector<Value*>& values);
  void check(Value* ok, int64_t check_id);
  Value* rng_call(const std::string& kernel, const std::vector<Value*>& args);
  // Writes text, or a value (f64 or i64), to the output or the message of a
  // reject (ir::PrintFlags).
  void print_text(const std::string& text, int64_t flags = 0);
  void print_value(Value* value, int64_t flags = 0);
  // A linear-algebra kernel (ir/kernels.h) on tensors: its results are the
  // tensor and the i64 status. kernel_run is the call on buffers (after
  // bufferization), `out` first; it returns the status.
  Op* kernel_call(const std::string& kernel, const std::vector<Value*>& args);
  Value* kernel_run(const std::string& kernel, const std::vector<Value*>& args);

  // Low level: appends an op with the given fields; used by the rewriter.
  Op* append(OpKind kind, std::vector<Value*> operands, const std::vector<Type>& result_types);

 private:
  Block& add_loop_region(Op* op, const std::vector<Value*>& inits, std::vector<Value*> leading);

  Function& function_;
  Block* block_;
  SourceLoc loc_;
};

// The result type of a pure op with these operand types; aborts if ill-typed.
Type infer_result_type(OpKind kind, const std::vector<Value*>& operands);

}  // namespace vic::ir
