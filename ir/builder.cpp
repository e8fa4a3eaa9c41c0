// Builder: typed construction of IR operations.
#include "ir/builder.h"

#include "ir/kernels.h"
#include "ir/op_table.h"

namespace vic::ir {
namespace {

bool all_of_type(const std::vector<Value*>& vs, Type t) {
  for (Value* v : vs)
    if (v->type != t) return false;
  return true;
}

}  // namespace

Type infer_result_type(OpKind kind, const std::vector<Value*>& ops) {
  std::vector<Type> types;
  for (const Value* v : ops) types.push_back(v->type);
  std::string expected;
  std::optional<Type> result = signature_result(kind, types, &expected);
  VIC_CHECK(result) << op_spelling(kind) << " takes " << expected;
  return *result;
}

Op* Builder::append(OpKind kind, std::vector<Value*> operands, const std::vector<Type>& result_types) {
  auto op = std::make_unique<Op>();
  op->kind = kind;
  op->operands = std::move(operands);
  op->loc = loc_;
  op->parent = block_;
  for (Type t : result_types) {
    Value* v = function_.new_value(t);
    v->def = op.get();
    op->results.push_back(v);
  }
  block_->ops.push_back(std::move(op));
  return block_->ops.back().get();
}

Value* Builder::const_f64(double v) {
  Op* op = append(OpKind::ConstF64, {}, {Type::F64});
  op->number = v;
  return op->result();
}

Value* Builder::const_i64(int64_t v) {
  Op* op = append(OpKind::ConstI64, {}, {Type::I64});
  op->integer = v;
  return op->result();
}

Value* Builder::const_bool(bool v) {
  Op* op = append(OpKind::ConstBool, {}, {Type::I1});
  op->integer = v ? 1 : 0;
  return op->result();
}

Value* Builder::op(OpKind kind, std::initializer_list<Value*> operands) {
  return op(kind, std::vector<Value*>(operands));
}

Value* Builder::op(OpKind kind, const std::vector<Value*>& operands) {
  Type t = infer_result_type(kind, operands);
  return append(kind, operands, {t})->result();
}

Value* Builder::cmp(CmpPredicate p, Value* a, Value* b) {
  VIC_CHECK(a->type == b->type && (a->type == Type::F64 || a->type == Type::I64))
      << "cmp of " << type_name(a->type) << " and " << type_name(b->type);
  Op* op = append(a->type == Type::F64 ? OpKind::FCmp : OpKind::ICmp, {a, b}, {Type::I1});
  op->integer = static_cast<int64_t>(p);
  return op->result();
}

Value* Builder::alloc(Type element, Value* size, int64_t out_of_memory_check, std::string hint) {
  VIC_CHECK(size->type == Type::I64) << "alloc size must be i64";
  Op* op = append(OpKind::Alloc, {size}, {buffer_of(element)});
  op->integer = out_of_memory_check;
  op->result()->hint = std::move(hint);
  return op->result();
}

Value* Builder::load(Value* buffer, Value* index) {
  VIC_CHECK(is_buffer(buffer->type) && index->type == Type::I64) << "load takes (buf, i64)";
  return append(OpKind::Load, {buffer, index}, {element_type(buffer->type)})->result();
}

void Builder::store(Value* buffer, Value* index, Value* value) {
  VIC_CHECK(is_buffer(buffer->type) && index->type == Type::I64 &&
            value->type == element_type(buffer->type))
      << "store takes (buf<T>, i64, T)";
  append(OpKind::Store, {buffer, index, value}, {});
}

Value* Builder::splat(Value* size, Value* x, int64_t out_of_memory_check) {
  VIC_CHECK(size->type == Type::I64 && x->type.is_scalar()) << "splat takes (i64, scalar)";
  Op* op = append(OpKind::TensorSplat, {size, x}, {tensor_of(x->type)});
  op->integer = out_of_memory_check;
  return op->result();
}

Value* Builder::extract(Value* tensor, Value* index) {
  VIC_CHECK(tensor->type.is_tensor() && index->type == Type::I64) << "extract takes (tensor, i64)";
  return append(OpKind::TensorExtract, {tensor, index}, {tensor->type.scalar_type()})->result();
}

Value* Builder::insert(Value* tensor, Value* index, Value* x) {
  VIC_CHECK(tensor->type.is_tensor() && index->type == Type::I64 && x->type == tensor->type.scalar_type())
      << "insert takes (tensor<T>, i64, T)";
  Value* r = append(OpKind::TensorInsert, {tensor, index, x}, {tensor->type})->result();
  r->hint = tensor->hint;
  return r;
}

Op* Builder::create_generate(Value* size, Type element, std::string index_hint, int64_t out_of_memory_check) {
  VIC_CHECK(size->type == Type::I64) << "generate size must be i64";
  Op* op = append(OpKind::TensorGenerate, {size}, {tensor_of(element)});
  op->integer = out_of_memory_check;
  auto body = std::make_unique<Block>();
  body->parent = op;
  Value* index = function_.new_value(Type::I64, std::move(index_hint));
  index->owner = body.get();
  body->args.push_back(index);
  op->regions.push_back(std::move(body));
  return op;
}

void Builder::copy(Value* dst, Value* src, Value* n) {
  VIC_CHECK(dst->type.is_buffer() && dst->type == src->type && n->type == Type::I64) << "copy takes (buf, buf, i64)";
  append(OpKind::Copy, {dst, src, n}, {});
}

Value* Builder::data_int(const std::string& name) {
  Op* op = append(OpKind::DataInt, {}, {Type::I64});
  op->name = name;
  op->result()->hint = name;
  return op->result();
}

Value* Builder::data_real(const std::string& name) {
  Op* op = append(OpKind::DataReal, {}, {Type::F64});
  op->name = name;
  op->result()->hint = name;
  return op->result();
}

Value* Builder::data_buf(const std::string& name, Type element) {
  Op* op = append(OpKind::DataBuf, {}, {buffer_of(element)});
  op->name = name;
  op->result()->hint = name;
  return op->result();
}

std::vector<Value*> Builder::for_loop(Value* lower, Value* upper, const std::vector<Value*>& inits,
                                     const LoopBody& body, std::string index_hint) {
  Op* op = create_for(lower, upper, inits, std::move(index_hint));
  Block& region = op->region(0);
  Builder in(function_, region);
  in.set_loc(loc());
  std::vector<Value*> carried(region.args.begin() + 1, region.args.end());
  in.yield(body(in, region.args[0], carried));
  return op->results;
}

// A loop op's region: `leading` arguments (a for's index), then one carried
// argument per initial value, named as it is, as are the loop's results.
Block& Builder::add_loop_region(Op* op, const std::vector<Value*>& inits, std::vector<Value*> leading) {
  auto body = std::make_unique<Block>();
  body->parent = op;
  for (Value* arg : leading) {
    arg->owner = body.get();
    body->args.push_back(arg);
  }
  for (size_t i = 0; i < inits.size(); ++i) {
    Value* carried = function_.new_value(inits[i]->type, inits[i]->hint);
    carried->owner = body.get();
    body->args.push_back(carried);
    op->results[i]->hint = inits[i]->hint;
  }
  op->regions.push_back(std::move(body));
  return *op->regions.back();
}

Op* Builder::create_for(Value* lower, Value* upper, const std::vector<Value*>& inits,
                        std::string index_hint) {
  VIC_CHECK(lower->type == Type::I64 && upper->type == Type::I64) << "for bounds must be i64";
  std::vector<Value*> operands{lower, upper};
  std::vector<Type> types;
  for (Value* v : inits) {
    operands.push_back(v);
    types.push_back(v->type);
  }
  Op* op = append(OpKind::For, operands, types);
  add_loop_region(op, inits, {function_.new_value(Type::I64, std::move(index_hint))});
  return op;
}

Op* Builder::create_while(const std::vector<Value*>& inits) {
  std::vector<Type> types;
  for (Value* v : inits) types.push_back(v->type);
  Op* op = append(OpKind::While, inits, types);
  add_loop_region(op, inits, {});
  return op;
}

Op* Builder::create_if(Value* cond, const std::vector<Type>& result_types) {
  VIC_CHECK(cond->type == Type::I1) << "if condition must be i1";
  Op* op = append(OpKind::If, {cond}, result_types);
  for (int i = 0; i < 2; ++i) {
    auto region = std::make_unique<Block>();
    region->parent = op;
    op->regions.push_back(std::move(region));
  }
  return op;
}

void Builder::yield(const std::vector<Value*>& values) { append(OpKind::Yield, values, {}); }
void Builder::ret(const std::vector<Value*>& values) { append(OpKind::Return, values, {}); }

void Builder::check(Value* ok, int64_t check_id) {
  VIC_CHECK(ok->type == Type::I1) << "check takes an i1";
  append(OpKind::Check, {ok}, {})->integer = check_id;
}

Value* Builder::rng_call(const std::string& kernel, const std::vector<Value*>& args) {
  VIC_CHECK(all_of_type(args, Type::F64)) << "rng kernels take f64 arguments";
  Op* op = append(OpKind::RngCall, args, {Type::F64});
  op->name = kernel;
  return op->result();
}

void Builder::print_text(const std::string& text, int64_t flags) {
  Op* op = append(OpKind::Print, {}, {});
  op->name = text;
  op->integer = flags;
}

void Builder::print_value(Value* value, int64_t flags) {
  VIC_CHECK(value->type == Type::F64 || value->type == Type::I64) << "print takes an f64 or i64";
  append(OpKind::Print, {value}, {})->integer = flags;
}

Op* Builder::kernel_call(const std::string& kernel, const std::vector<Value*>& args) {
  const KernelInfo* info = find_kernel(kernel);
  VIC_CHECK(info) << "no kernel '" << kernel << "'";
  const std::vector<Type> types = kernel_operand_types(*info, /*run=*/false);
  VIC_CHECK(args.size() == types.size()) << kernel << ": wrong operand count";
  for (size_t k = 0; k < args.size(); ++k) VIC_CHECK(args[k]->type == types[k]) << kernel << ": operand " << k;
  Op* op = append(OpKind::KernelCall, args, {tensor_of(Type::F64), Type::I64});
  op->name = kernel;
  return op;
}

Value* Builder::kernel_run(const std::string& kernel, const std::vector<Value*>& args) {
  const KernelInfo* info = find_kernel(kernel);
  VIC_CHECK(info) << "no kernel '" << kernel << "'";
  const std::vector<Type> types = kernel_operand_types(*info, /*run=*/true);
  VIC_CHECK(args.size() == types.size()) << kernel << ": wrong operand count";
  for (size_t k = 0; k < args.size(); ++k) VIC_CHECK(args[k]->type == types[k]) << kernel << ": operand " << k;
  Op* op = append(OpKind::KernelRun, args, {Type::I64});
  op->name = kernel;
  return op->result();
}

}  // namespace vic::ir
