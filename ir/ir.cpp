// IR data structures: names of kinds and types, functions, programs.
#include "ir/ir.h"

#include "ir/op_table.h"

namespace vic::ir {

const char* op_spelling(OpKind kind) { return op_info(kind).spelling; }

std::string type_name(Type type) {
  const char* element = "?";
  switch (type.element) {
    case Type::Element::F64: element = "f64"; break;
    case Type::Element::F32: element = "f32"; break;
    case Type::Element::I64: element = "i64"; break;
    case Type::Element::I1: element = "i1"; break;
  }
  switch (type.kind) {
    case Type::Kind::Scalar: return element;
    case Type::Kind::Tensor: return std::string("tensor<") + element + ", " + std::to_string(type.rank) + ">";
    case Type::Kind::Buffer: return std::string("buf<") + element + ">";
  }
  return "?";
}

Type element_type(Type buffer) {
  VIC_CHECK(buffer.is_buffer() || buffer.is_tensor()) << "no elements in " << type_name(buffer);
  return buffer.scalar_type();
}

Type buffer_of(Type element) {
  VIC_CHECK(element == Type::F64 || element == Type::I64) << "no buffer of " << type_name(element);
  return Type::buffer(element.element);
}

Type tensor_of(Type element) {
  VIC_CHECK(element.is_scalar()) << "no tensor of " << type_name(element);
  return Type::tensor(element.element, 1);
}

std::optional<size_t> tensor_size_operand(const Op& op) {
  switch (op.kind) {
    case OpKind::TensorSplat:
    case OpKind::TensorGenerate: return 0;
    case OpKind::MatVec: return 2;
    case OpKind::MatVecT: return 3;
    case OpKind::MatMul:
    case OpKind::MatMulNT:
    case OpKind::MatMulTN: return 5;
    case OpKind::TensorSlice:
    case OpKind::TensorConcat: return 2;
    case OpKind::KernelCall:
      if (op.operands.empty()) return std::nullopt;
      return op.operands.size() - 1;
    default: return std::nullopt;
  }
}

Value* tensor_size(const Value* t) {
  for (;;) {
    VIC_CHECK(t->type.is_tensor()) << "tensor_size of a " << type_name(t->type);
    if (t->def) {
      const Op* op = t->def;
      if (std::optional<size_t> k = tensor_size_operand(*op)) return op->operands[*k];
      switch (op->kind) {
        case OpKind::TensorInsert: t = op->operands[0]; continue;
        case OpKind::For:
        case OpKind::While:
        case OpKind::If: {
          size_t k = 0;
          while (op->results[k] != t) ++k;
          t = op->kind == OpKind::For     ? op->operands[k + 2]
              : op->kind == OpKind::While ? op->operands[k]
                                          : op->region(0).terminator()->operands[k];
          continue;
        }
        default: VIC_UNREACHABLE() << "tensor_size: " << op_spelling(op->kind) << " makes no tensor";
      }
    }
    // A loop's carried argument: the size of its initial value.
    const Op* loop = t->owner->parent;
    VIC_CHECK(loop && (loop->kind == OpKind::For || loop->kind == OpKind::While))
        << "tensor_size: a tensor argument outside a loop";
    size_t k = 0;
    while (t->owner->args[k] != t) ++k;
    t = loop->operands[loop->kind == OpKind::For ? k + 1 : k];
  }
}

const char* predicate_name(CmpPredicate p) {
  switch (p) {
    case CmpPredicate::Eq: return "eq";
    case CmpPredicate::Ne: return "ne";
    case CmpPredicate::Lt: return "lt";
    case CmpPredicate::Le: return "le";
    case CmpPredicate::Gt: return "gt";
    case CmpPredicate::Ge: return "ge";
  }
  return "?";
}

bool Op::is_pure() const {
  const Effect e = op_info(kind).effect;
  return e == Effect::Pure || e == Effect::Input;
}

Op* Block::terminator() const {
  if (ops.empty()) return nullptr;
  Op* last = ops.back().get();
  return (last->kind == OpKind::Yield || last->kind == OpKind::Return) ? last : nullptr;
}

Function::Function(std::string name, const std::vector<FunctionArg>& args, std::vector<Type> results)
    : name(std::move(name)), result_types(std::move(results)) {
  for (const FunctionArg& a : args) {
    Value* v = new_value(a.type, a.name);
    v->owner = &body;
    body.args.push_back(v);
  }
}

Value* Function::new_value(Type type, std::string hint) {
  values_.push_back(Value{static_cast<uint32_t>(values_.size()), type, std::move(hint)});
  return &values_.back();
}

Function* Program::find(const std::string& name) const {
  for (const auto& f : functions)
    if (f->name == name) return f.get();
  return nullptr;
}

Function& Program::add(std::unique_ptr<Function> f) {
  VIC_CHECK(!find(f->name)) << "function @" << f->name << " defined twice";
  functions.push_back(std::move(f));
  return *functions.back();
}

}  // namespace vic::ir
