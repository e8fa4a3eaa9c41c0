// Emitting LLVM IR from vic's IR. Structured loops become a header with phis
// for the index and carried values; ifs become a diamond with phis. Small
// buffers of constant size live on the stack; others are calloc'ed and freed
// at the end of the block that allocated them. A failed check, or a calloc
// that returns null, ends the evaluation: it records the error in the context
// and branches to the function's abort block, which frees every heap buffer
// still held and returns (-inf for a log density). With bounds assertions on,
// each buffer value also carries its size (an i64 beside the pointer, through
// loops and branches) and every access is checked against it first.
#include "codegen/emit_llvm.h"

#include <map>
#include <unordered_map>

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include "ir/kernels.h"
#include "stdlib/kernels.h"

namespace vic::codegen {
namespace {

using ir::OpKind;

// Buffers up to this many elements, of constant size, go on the stack.
constexpr int64_t kMaxStackElements = 4096;

void collect_data_names(const ir::Block& block, std::vector<std::string>& names) {
  for (const auto& op : block.ops) {
    if (op->kind == OpKind::DataBuf || op->kind == OpKind::DataReal || op->kind == OpKind::DataInt) {
      if (std::find(names.begin(), names.end(), op->name) == names.end()) names.push_back(op->name);
    }
    for (const auto& r : op->regions) collect_data_names(*r, names);
  }
}

class FunctionEmitter {
 public:
  FunctionEmitter(llvm::Module& module, const ir::Program& program, const ir::Function& function,
                  const std::vector<std::string>& data_names, bool bounds_checks)
      : module_(module), ctx_(module.getContext()), b_(ctx_), program_(program), function_(function),
        data_names_(data_names), bounds_checks_(bounds_checks) {}

  void emit() {
    llvm::Type* f64 = b_.getDoubleTy();
    llvm::Type* ptr = b_.getPtrTy();
    std::vector<llvm::Type*> params(function_.body.args.size(), ptr);
    params.push_back(ptr);  // VicJitContext*
    llvm::Type* result = function_.result_types.empty() ? b_.getVoidTy() : f64;
    auto* type = llvm::FunctionType::get(result, params, false);
    // A function a solver's call has declared already (function_pointer).
    fn_ = module_.getFunction(function_.name);
    if (!fn_) fn_ = llvm::Function::Create(type, llvm::Function::ExternalLinkage, function_.name, module_);
    VIC_CHECK(fn_->getFunctionType() == type && fn_->isDeclaration()) << "codegen: @" << function_.name << " declared twice";
    fn_->addFnAttr(llvm::Attribute::NoUnwind);
    for (size_t i = 0; i < function_.body.args.size(); ++i) {
      fn_->getArg(i)->addAttr(llvm::Attribute::NoAlias);
      fn_->getArg(i)->setName(function_.body.args[i]->hint);
      values_[function_.body.args[i]] = fn_->getArg(i);
    }
    context_arg_ = fn_->getArg(function_.body.args.size());
    context_arg_->setName("ctx");
    entry_ = llvm::BasicBlock::Create(ctx_, "entry", fn_);
    b_.SetInsertPoint(entry_);
    // ctx->data, loaded once.
    data_array_ = b_.CreateLoad(ptr, context_arg_, "data");
    if (bounds_checks_) {
      llvm::Value* arg_sizes = context_field(offsetof(VicJitContext, arg_sizes), "arg_sizes");
      for (size_t i = 0; i < function_.body.args.size(); ++i) {
        llvm::Value* slot = b_.CreateConstInBoundsGEP1_64(b_.getInt64Ty(), arg_sizes, i);
        sizes_[function_.body.args[i]] = b_.CreateLoad(b_.getInt64Ty(), slot, function_.body.args[i]->hint + ".size");
      }
    }
    emit_block(function_.body);
    finish_abort_block();
  }

 private:
  llvm::Value* v(const ir::Value* x) {
    auto it = values_.find(x);
    VIC_CHECK(it != values_.end()) << "codegen: value %" << x->id << " not emitted";
    return it->second;
  }

  llvm::Type* llvm_type(ir::Type t) {
    VIC_CHECK(!t.is_tensor()) << "codegen: tensors are bufferized before code generation";
    if (t.is_buffer()) return b_.getPtrTy();
    switch (t.element) {
      case ir::Type::Element::F64: return b_.getDoubleTy();
      case ir::Type::Element::F32: return b_.getFloatTy();
      case ir::Type::Element::I64: return b_.getInt64Ty();
      case ir::Type::Element::I1: return b_.getInt1Ty();
    }
    return nullptr;
  }

  size_t data_index(const std::string& name) {
    auto it = std::find(data_names_.begin(), data_names_.end(), name);
    VIC_CHECK(it != data_names_.end()) << "codegen: unknown data buffer " << name;
    return it - data_names_.begin();
  }

  llvm::Value* data_pointer(const std::string& name) {
    llvm::Value* slot = b_.CreateConstGEP1_64(b_.getPtrTy(), data_array_, data_index(name));
    return b_.CreateLoad(b_.getPtrTy(), slot, name);
  }

  // The address of the program's function `name`, declared here when it is
  // emitted later; null when the program has no such function.
  llvm::Value* function_pointer(const std::string& name) {
    const ir::Function* f = program_.find(name);
    if (!f) return llvm::ConstantPointerNull::get(b_.getPtrTy());
    if (llvm::Function* existing = module_.getFunction(name)) return existing;
    VIC_CHECK(f->result_types.empty()) << "codegen: a solver calls @" << name << ", which returns a value";
    std::vector<llvm::Type*> params(f->body.args.size() + 1, b_.getPtrTy());
    return llvm::Function::Create(llvm::FunctionType::get(b_.getVoidTy(), params, false),
                                  llvm::Function::ExternalLinkage, name, module_);
  }

  // A pointer field of *ctx.
  llvm::Value* context_field(size_t offset, const char* name) {
    return b_.CreateLoad(b_.getPtrTy(), b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), context_arg_, offset), name);
  }

  // The number of elements of data buffer `name`: ctx->data_sizes[k].
  llvm::Value* data_size(const std::string& name) {
    llvm::Value* sizes = context_field(offsetof(VicJitContext, data_sizes), "data_sizes");
    llvm::Value* slot = b_.CreateConstInBoundsGEP1_64(b_.getInt64Ty(), sizes, data_index(name));
    return b_.CreateLoad(b_.getInt64Ty(), slot, name + ".size");
  }

  // The size a buffer value carries (bounds assertions only).
  llvm::Value* size_of(const ir::Value* buffer) {
    auto it = sizes_.find(buffer);
    VIC_CHECK(it != sizes_.end()) << "codegen: no size for buffer %" << buffer->id << " in @" << function_.name;
    return it->second;
  }

  // "@lp_grad: store into 'grad' (model.vmodel:3:29) at index", a constant
  // string; vic_bounds_failure appends the index and the buffer's size.
  llvm::Value* describe_access(const ir::Op& op, const char* what, const ir::Value* buffer) {
    std::string name = buffer->hint.empty() ? "%" + std::to_string(buffer->id) : buffer->hint;
    std::string text = "@" + function_.name + ": " + what + " '" + name + "'";
    if (op.loc.valid()) text += " (" + op.loc.str() + ")";
    text += op.kind == OpKind::Copy ? ", element count" : " at index";
    return b_.CreateGlobalStringPtr(text, "access");
  }

  // Continues when 0 <= index < size, or for a copy 0 <= index <= size;
  // otherwise calls vic_bounds_failure, which aborts.
  void assert_in_bounds(const ir::Op& op, const char* what, const ir::Value* buffer, llvm::Value* index,
                        bool inclusive = false) {
    if (!bounds_checks_) return;
    llvm::Value* size = size_of(buffer);
    // Unsigned, so a negative index is out of bounds too.
    llvm::Value* ok = inclusive ? b_.CreateICmpULE(index, size) : b_.CreateICmpULT(index, size);
    llvm::BasicBlock* fail = llvm::BasicBlock::Create(ctx_, "bounds.fail", fn_);
    llvm::BasicBlock* cont = llvm::BasicBlock::Create(ctx_, "bounds.ok", fn_);
    b_.CreateCondBr(ok, cont, fail, llvm::MDBuilder(ctx_).createLikelyBranchWeights());
    b_.SetInsertPoint(fail);
    auto callee = module_.getOrInsertFunction(
        "vic_bounds_failure",
        llvm::FunctionType::get(b_.getVoidTy(), {b_.getPtrTy(), b_.getInt64Ty(), b_.getInt64Ty()}, false));
    llvm::cast<llvm::Function>(callee.getCallee())->setDoesNotReturn();
    b_.CreateCall(callee, {describe_access(op, what, buffer), index, size});
    b_.CreateUnreachable();
    b_.SetInsertPoint(cont);
  }

  llvm::Function* kernel(const std::string& name, unsigned num_args, bool takes_rng = false) {
    std::vector<llvm::Type*> params;
    if (takes_rng) params.push_back(b_.getPtrTy());
    for (unsigned i = 0; i < num_args; ++i) params.push_back(b_.getDoubleTy());
    auto callee = module_.getOrInsertFunction(name, llvm::FunctionType::get(b_.getDoubleTy(), params, false));
    auto* f = llvm::cast<llvm::Function>(callee.getCallee());
    f->addFnAttr(llvm::Attribute::NoUnwind);
    if (!takes_rng) f->setMemoryEffects(llvm::MemoryEffects::none());
    return f;
  }

  llvm::Value* intrinsic(llvm::Intrinsic::ID id, std::vector<llvm::Value*> args) {
    return b_.CreateIntrinsic(id, {b_.getDoubleTy()}, args);
  }

  // A heap buffer: the calloc'ed pointer and the entry-block slot that holds it
  // while it is live (null otherwise), for the abort block to free.
  struct HeapBuffer {
    llvm::Value* pointer;
    llvm::Value* slot;
  };

  void emit_block(const ir::Block& block) {
    std::vector<HeapBuffer> heap_buffers;
    for (const auto& op : block.ops) {
      if (op->kind == OpKind::Yield || op->kind == OpKind::Return) {
        free_all(heap_buffers);
      }
      emit_op(*op, heap_buffers);
    }
  }

  llvm::FunctionCallee free_function() {
    return module_.getOrInsertFunction("free", llvm::FunctionType::get(b_.getVoidTy(), {b_.getPtrTy()}, false));
  }

  void free_all(const std::vector<HeapBuffer>& buffers) {
    for (const HeapBuffer& buffer : buffers) {
      b_.CreateCall(free_function(), {buffer.pointer});
      b_.CreateStore(llvm::ConstantPointerNull::get(b_.getPtrTy()), buffer.slot);
    }
  }

  // The block a failed check or allocation branches to; filled by finish_abort_block.
  llvm::BasicBlock* abort_block() {
    if (!abort_) abort_ = llvm::BasicBlock::Create(ctx_, "abort", fn_);
    return abort_;
  }

  // Frees every heap buffer still held (free(null) is a no-op) and returns.
  void finish_abort_block() {
    if (!abort_) return;
    b_.SetInsertPoint(abort_);
    for (llvm::Value* slot : heap_slots_) b_.CreateCall(free_function(), {b_.CreateLoad(b_.getPtrTy(), slot)});
    if (fn_->getReturnType()->isVoidTy()) {
      b_.CreateRetVoid();
    } else {
      b_.CreateRet(llvm::ConstantFP::getInfinity(b_.getDoubleTy(), /*Negative=*/true));
    }
  }

  // ctx->error = id + 1 (the first failure is the one reported), then abort.
  void fail_to_abort(int64_t id) {
    llvm::Value* slot = b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), context_arg_, offsetof(VicJitContext, error));
    llvm::Value* current = b_.CreateLoad(b_.getInt32Ty(), slot);
    llvm::Value* first = b_.CreateICmpEQ(current, b_.getInt32(0));
    b_.CreateStore(b_.CreateSelect(first, b_.getInt32(static_cast<int32_t>(id + 1)), current), slot);
    b_.CreateBr(abort_block());
  }

  // Continues when `ok` holds; otherwise records check `id` and aborts.
  void branch_unless_ok(llvm::Value* ok, int64_t id, const char* name) {
    llvm::BasicBlock* fail = llvm::BasicBlock::Create(ctx_, std::string(name) + ".fail", fn_);
    llvm::BasicBlock* cont = llvm::BasicBlock::Create(ctx_, std::string(name) + ".ok", fn_);
    b_.CreateCondBr(ok, cont, fail, llvm::MDBuilder(ctx_).createLikelyBranchWeights());
    b_.SetInsertPoint(fail);
    fail_to_abort(id);
    b_.SetInsertPoint(cont);
  }

  llvm::Value* emit_alloc(const ir::Op& op, std::vector<HeapBuffer>& heap_buffers) {
    llvm::Value* count = v(op.operands[0]);
    llvm::Value* bytes = b_.CreateMul(count, b_.getInt64(8));
    if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(count); c && c->getSExtValue() <= kMaxStackElements) {
      int64_t n = std::max<int64_t>(c->getSExtValue(), 1);
      llvm::IRBuilder<> entry(entry_, entry_->begin());
      llvm::Value* slot = entry.CreateAlloca(llvm::ArrayType::get(b_.getInt64Ty(), n), nullptr, op.result()->hint);
      b_.CreateMemSet(slot, b_.getInt8(0), bytes, llvm::MaybeAlign(8));
      return slot;
    }
    auto calloc_fn = module_.getOrInsertFunction(
        "calloc", llvm::FunctionType::get(b_.getPtrTy(), {b_.getInt64Ty(), b_.getInt64Ty()}, false));
    llvm::Value* n = b_.CreateSelect(b_.CreateICmpSLT(count, b_.getInt64(1)), b_.getInt64(1), count);
    llvm::Value* p = b_.CreateCall(calloc_fn, {n, b_.getInt64(8)}, op.result()->hint);
    // Out of memory ends the evaluation with the alloc's own message.
    branch_unless_ok(b_.CreateIsNotNull(p), op.integer, "alloc");
    llvm::IRBuilder<> entry(entry_, entry_->begin());
    llvm::Value* slot = entry.CreateAlloca(b_.getPtrTy(), nullptr, op.result()->hint + ".slot");
    entry.CreateStore(llvm::ConstantPointerNull::get(b_.getPtrTy()), slot);
    b_.CreateStore(p, slot);
    heap_slots_.push_back(slot);
    heap_buffers.push_back({p, slot});
    return p;
  }

  static llvm::CmpInst::Predicate float_predicate(ir::CmpPredicate p) {
    switch (p) {
      case ir::CmpPredicate::Eq: return llvm::CmpInst::FCMP_OEQ;
      case ir::CmpPredicate::Ne: return llvm::CmpInst::FCMP_UNE;
      case ir::CmpPredicate::Lt: return llvm::CmpInst::FCMP_OLT;
      case ir::CmpPredicate::Le: return llvm::CmpInst::FCMP_OLE;
      case ir::CmpPredicate::Gt: return llvm::CmpInst::FCMP_OGT;
      case ir::CmpPredicate::Ge: return llvm::CmpInst::FCMP_OGE;
    }
    return llvm::CmpInst::FCMP_FALSE;
  }
  static llvm::CmpInst::Predicate int_predicate(ir::CmpPredicate p) {
    switch (p) {
      case ir::CmpPredicate::Eq: return llvm::CmpInst::ICMP_EQ;
      case ir::CmpPredicate::Ne: return llvm::CmpInst::ICMP_NE;
      case ir::CmpPredicate::Lt: return llvm::CmpInst::ICMP_SLT;
      case ir::CmpPredicate::Le: return llvm::CmpInst::ICMP_SLE;
      case ir::CmpPredicate::Gt: return llvm::CmpInst::ICMP_SGT;
      case ir::CmpPredicate::Ge: return llvm::CmpInst::ICMP_SGE;
    }
    return llvm::CmpInst::ICMP_EQ;
  }

  // An integer divisor of zero would trap: divide by one instead (the model's
  // result is then wrong but the process survives; Stan rejects such models at
  // the same place with a domain error).
  llvm::Value* safe_divisor(llvm::Value* d) {
    return b_.CreateSelect(b_.CreateICmpEQ(d, b_.getInt64(0)), b_.getInt64(1), d);
  }

  // The overflow bit of llvm.s{add,sub,mul}.with.overflow.i64.
  llvm::Value* overflows(llvm::Intrinsic::ID id, llvm::Value* a, llvm::Value* c) {
    return b_.CreateExtractValue(b_.CreateIntrinsic(id, {b_.getInt64Ty()}, {a, c}), 1);
  }

  void emit_op(const ir::Op& op, std::vector<HeapBuffer>& heap_buffers) {
    auto x = [&](size_t i) { return v(op.operands[i]); };
    auto set = [&](llvm::Value* value) { values_[op.result()] = value; };
    switch (op.kind) {
      case OpKind::ConstF64: set(llvm::ConstantFP::get(b_.getDoubleTy(), op.number)); break;
      case OpKind::ConstI64: set(b_.getInt64(op.integer)); break;
      case OpKind::ConstBool: set(b_.getInt1(op.integer != 0)); break;
      case OpKind::FAdd: set(b_.CreateFAdd(x(0), x(1))); break;
      case OpKind::FAddReassoc: {
        // A reduction the pipeline was told it may reorder: LLVM may vectorise it.
        llvm::Value* sum = b_.CreateFAdd(x(0), x(1));
        if (auto* inst = llvm::dyn_cast<llvm::Instruction>(sum)) inst->setHasAllowReassoc(true);
        set(sum);
        break;
      }
      case OpKind::FSub: set(b_.CreateFSub(x(0), x(1))); break;
      case OpKind::FMul: set(b_.CreateFMul(x(0), x(1))); break;
      case OpKind::FDiv: set(b_.CreateFDiv(x(0), x(1))); break;
      case OpKind::FPow: set(intrinsic(llvm::Intrinsic::pow, {x(0), x(1)})); break;
      case OpKind::FNeg: set(b_.CreateFNeg(x(0))); break;
      case OpKind::Exp: set(intrinsic(llvm::Intrinsic::exp, {x(0)})); break;
      case OpKind::Log: set(intrinsic(llvm::Intrinsic::log, {x(0)})); break;
      case OpKind::Sqrt: set(intrinsic(llvm::Intrinsic::sqrt, {x(0)})); break;
      case OpKind::Fabs: set(intrinsic(llvm::Intrinsic::fabs, {x(0)})); break;
      case OpKind::Log1p: set(b_.CreateCall(kernel("vic_log1p", 1), {x(0)})); break;
      case OpKind::Expm1: set(b_.CreateCall(kernel("vic_expm1", 1), {x(0)})); break;
      case OpKind::Lgamma: set(b_.CreateCall(kernel("vic_lgamma", 1), {x(0)})); break;
      case OpKind::Digamma: set(b_.CreateCall(kernel("vic_digamma", 1), {x(0)})); break;
      case OpKind::Trigamma: set(b_.CreateCall(kernel("vic_trigamma", 1), {x(0)})); break;
      case OpKind::Tgamma: set(b_.CreateCall(kernel("vic_tgamma", 1), {x(0)})); break;
      case OpKind::Erf: set(b_.CreateCall(kernel("vic_erf", 1), {x(0)})); break;
      case OpKind::Erfc: set(b_.CreateCall(kernel("vic_erfc", 1), {x(0)})); break;
      case OpKind::Tanh: set(b_.CreateCall(kernel("vic_tanh", 1), {x(0)})); break;
      case OpKind::Sin: set(intrinsic(llvm::Intrinsic::sin, {x(0)})); break;
      case OpKind::Cos: set(intrinsic(llvm::Intrinsic::cos, {x(0)})); break;
      case OpKind::Atan: set(b_.CreateCall(kernel("vic_atan", 1), {x(0)})); break;
      case OpKind::Floor: set(intrinsic(llvm::Intrinsic::floor, {x(0)})); break;
      case OpKind::Ceil: set(intrinsic(llvm::Intrinsic::ceil, {x(0)})); break;
      case OpKind::Round: set(intrinsic(llvm::Intrinsic::round, {x(0)})); break;
      case OpKind::Trunc: set(intrinsic(llvm::Intrinsic::trunc, {x(0)})); break;
      case OpKind::LogBesselI0: set(b_.CreateCall(kernel("vic_log_bessel_i0", 1), {x(0)})); break;
      case OpKind::BesselI1OverI0: set(b_.CreateCall(kernel("vic_bessel_i1_over_i0", 1), {x(0)})); break;
      case OpKind::StudentTCdf: set(b_.CreateCall(kernel("vic_student_t_cdf", 2), {x(0), x(1)})); break;
      case OpKind::GammaP: set(b_.CreateCall(kernel("vic_gamma_p", 2), {x(0), x(1)})); break;
      case OpKind::GammaQ: set(b_.CreateCall(kernel("vic_gamma_q", 2), {x(0), x(1)})); break;
      case OpKind::GammaPDx: set(b_.CreateCall(kernel("vic_gamma_p_dx", 2), {x(0), x(1)})); break;
      case OpKind::GammaPDa: set(b_.CreateCall(kernel("vic_gamma_p_da", 2), {x(0), x(1)})); break;
      case OpKind::IBeta: set(b_.CreateCall(kernel("vic_ibeta", 3), {x(0), x(1), x(2)})); break;
      case OpKind::IBetaC: set(b_.CreateCall(kernel("vic_ibetac", 3), {x(0), x(1), x(2)})); break;
      case OpKind::IBetaDx: set(b_.CreateCall(kernel("vic_ibeta_dx", 3), {x(0), x(1), x(2)})); break;
      case OpKind::IBetaDa: set(b_.CreateCall(kernel("vic_ibeta_da", 3), {x(0), x(1), x(2)})); break;
      case OpKind::IBetaDb: set(b_.CreateCall(kernel("vic_ibeta_db", 3), {x(0), x(1), x(2)})); break;
      case OpKind::Erfcx: set(b_.CreateCall(kernel("vic_erfcx", 1), {x(0)})); break;
      case OpKind::SkewNormalLcdf: set(b_.CreateCall(kernel("vic_skew_normal_lcdf", 2), {x(0), x(1)})); break;
      case OpKind::SkewNormalLcdfDz:
        set(b_.CreateCall(kernel("vic_skew_normal_lcdf_dz", 3), {x(0), x(1), x(2)}));
        break;
      case OpKind::SkewNormalLcdfDalpha:
        set(b_.CreateCall(kernel("vic_skew_normal_lcdf_dalpha", 3), {x(0), x(1), x(2)}));
        break;
      case OpKind::VonMisesLogMass: set(b_.CreateCall(kernel("vic_von_mises_log_mass", 3), {x(0), x(1), x(2)})); break;
      case OpKind::VonMisesLogMassDkappa:
        set(b_.CreateCall(kernel("vic_von_mises_log_mass_dkappa", 3), {x(0), x(1), x(2)}));
        break;
      case OpKind::Log1pExp: set(b_.CreateCall(kernel("vic_log1p_exp", 1), {x(0)})); break;
      case OpKind::InvLogit: {
        // 1 / (1 + exp(-x))
        llvm::Value* e = intrinsic(llvm::Intrinsic::exp, {b_.CreateFNeg(x(0))});
        set(b_.CreateFDiv(llvm::ConstantFP::get(b_.getDoubleTy(), 1.0),
                          b_.CreateFAdd(llvm::ConstantFP::get(b_.getDoubleTy(), 1.0), e)));
        break;
      }
      case OpKind::IAdd: set(b_.CreateAdd(x(0), x(1))); break;
      case OpKind::ISub: set(b_.CreateSub(x(0), x(1))); break;
      case OpKind::IMul: set(b_.CreateMul(x(0), x(1))); break;
      case OpKind::IDiv: set(b_.CreateSDiv(x(0), safe_divisor(x(1)))); break;
      case OpKind::IMod: set(b_.CreateSRem(x(0), safe_divisor(x(1)))); break;
      case OpKind::IAddOverflows: set(overflows(llvm::Intrinsic::sadd_with_overflow, x(0), x(1))); break;
      case OpKind::ISubOverflows: set(overflows(llvm::Intrinsic::ssub_with_overflow, x(0), x(1))); break;
      case OpKind::IMulOverflows: set(overflows(llvm::Intrinsic::smul_with_overflow, x(0), x(1))); break;
      case OpKind::IToF: set(b_.CreateSIToFP(x(0), b_.getDoubleTy())); break;
      case OpKind::FToI: set(b_.CreateFPToSI(x(0), b_.getInt64Ty())); break;
      case OpKind::FCmp:
        set(b_.CreateFCmp(float_predicate(static_cast<ir::CmpPredicate>(op.integer)), x(0), x(1)));
        break;
      case OpKind::ICmp:
        set(b_.CreateICmp(int_predicate(static_cast<ir::CmpPredicate>(op.integer)), x(0), x(1)));
        break;
      case OpKind::And: set(b_.CreateAnd(x(0), x(1))); break;
      case OpKind::Or: set(b_.CreateOr(x(0), x(1))); break;
      case OpKind::Not: set(b_.CreateNot(x(0))); break;
      case OpKind::Select:
        set(b_.CreateSelect(x(0), x(1), x(2)));
        if (bounds_checks_ && op.result()->type.is_buffer())
          sizes_[op.result()] = b_.CreateSelect(x(0), size_of(op.operands[1]), size_of(op.operands[2]));
        break;
      case OpKind::Alloc:
        set(emit_alloc(op, heap_buffers));
        // A negative count allocates nothing usable.
        if (bounds_checks_)
          sizes_[op.result()] = b_.CreateSelect(b_.CreateICmpSLT(x(0), b_.getInt64(0)), b_.getInt64(0), x(0));
        break;
      case OpKind::Load: {
        assert_in_bounds(op, "load from", op.operands[0], x(1));
        llvm::Type* t = llvm_type(op.result()->type);
        set(b_.CreateLoad(t, b_.CreateInBoundsGEP(t, x(0), {x(1)})));
        break;
      }
      case OpKind::Store: {
        assert_in_bounds(op, "store into", op.operands[0], x(1));
        llvm::Type* t = llvm_type(op.operands[2]->type);
        b_.CreateStore(x(2), b_.CreateInBoundsGEP(t, x(0), {x(1)}));
        break;
      }
      case OpKind::Copy: {
        assert_in_bounds(op, "copy into", op.operands[0], x(2), /*inclusive=*/true);
        assert_in_bounds(op, "copy from", op.operands[1], x(2), /*inclusive=*/true);
        // Buffers hold 8-byte elements (f64, i64).
        llvm::Value* bytes = b_.CreateMul(x(2), b_.getInt64(8));
        b_.CreateMemCpy(x(0), llvm::MaybeAlign(8), x(1), llvm::MaybeAlign(8), bytes);
        break;
      }
      case OpKind::KernelRun: {
        // int64_t symbol(double* out, const double* inputs..., int64_t sizes...)
        const ir::KernelInfo* info = ir::find_kernel(op.name);
        VIC_CHECK(info) << "codegen: no kernel '" << op.name << "'";
        const size_t last = op.operands.size() - 1;
        assert_in_bounds(op, "kernel output", op.operands[0], x(last), /*inclusive=*/true);
        std::vector<llvm::Type*> params;
        std::vector<llvm::Value*> args;
        for (size_t k = 0; k < op.operands.size(); ++k) {
          params.push_back(op.operands[k]->type.is_buffer() ? static_cast<llvm::Type*>(b_.getPtrTy()) : b_.getInt64Ty());
          args.push_back(x(k));
        }
        if (info->calls_function) {
          // The right-hand side, its JVP and the JVP of that (null when the
          // program has none), then the context the solver calls them with.
          const std::string f(ir::called_function(op.name));
          for (const std::string& name : {f, f + ".jvp", f + ".jvp.jvp"}) {
            params.push_back(b_.getPtrTy());
            args.push_back(function_pointer(name));
          }
          params.push_back(b_.getPtrTy());
          args.push_back(context_arg_);
        }
        auto callee = module_.getOrInsertFunction(info->symbol, llvm::FunctionType::get(b_.getInt64Ty(), params, false));
        llvm::cast<llvm::Function>(callee.getCallee())->addFnAttr(llvm::Attribute::NoUnwind);
        set(b_.CreateCall(callee, args));
        break;
      }
      case OpKind::DataBuf:
        set(data_pointer(op.name));
        if (bounds_checks_) sizes_[op.result()] = data_size(op.name);
        break;
      case OpKind::DataReal: set(b_.CreateLoad(b_.getDoubleTy(), data_pointer(op.name), op.name)); break;
      case OpKind::DataInt: set(b_.CreateLoad(b_.getInt64Ty(), data_pointer(op.name), op.name)); break;
      case OpKind::Check: emit_check(x(0), op.integer); break;
      case OpKind::RngCall: {
        std::vector<llvm::Value*> args{b_.CreateLoad(b_.getPtrTy(), b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), context_arg_, offsetof(VicJitContext, rng)))};
        for (size_t i = 0; i < op.operands.size(); ++i) args.push_back(x(i));
        set(b_.CreateCall(kernel(stdlib::rng_kernel_symbol(op.name), op.operands.size(), true), args));
        break;
      }
      case OpKind::Print: {
        // vic_print(text, what (0 text, 1 real, 2 int), real, int, ir::PrintFlags)
        llvm::Type* i64 = b_.getInt64Ty();
        auto callee = module_.getOrInsertFunction(
            "vic_print", llvm::FunctionType::get(b_.getVoidTy(), {b_.getPtrTy(), i64, b_.getDoubleTy(), i64, i64}, false));
        const bool real = !op.operands.empty() && op.operands[0]->type == ir::Type::F64;
        const bool integer = !op.operands.empty() && op.operands[0]->type == ir::Type::I64;
        b_.CreateCall(callee, {b_.CreateGlobalStringPtr(op.name, "text"), b_.getInt64(real ? 1 : integer ? 2 : 0),
                               real ? x(0) : llvm::ConstantFP::get(b_.getDoubleTy(), 0.0),
                               integer ? x(0) : b_.getInt64(0), b_.getInt64(op.integer)});
        break;
      }
      case OpKind::For: emit_for(op); break;
      case OpKind::If: emit_if(op); break;
      case OpKind::While: emit_while(op); break;
      case OpKind::Yield:
        yielded_.clear();
        yielded_sizes_.clear();
        for (size_t i = 0; i < op.operands.size(); ++i) {
          yielded_.push_back(x(i));
          bool sized = bounds_checks_ && op.operands[i]->type.is_buffer();
          yielded_sizes_.push_back(sized ? size_of(op.operands[i]) : nullptr);
        }
        break;
      case OpKind::Return:
        if (op.operands.empty()) {
          b_.CreateRetVoid();
        } else {
          b_.CreateRet(x(0));
        }
        break;
      case OpKind::TensorSplat:
      case OpKind::TensorGenerate:
      case OpKind::TensorExtract:
      case OpKind::TensorInsert:
      case OpKind::MatVec:
      case OpKind::MatVecT:
      case OpKind::MatMul:
      case OpKind::MatMulNT:
      case OpKind::MatMulTN:
      case OpKind::ReduceAdd:
      case OpKind::ReduceMax:
      case OpKind::ReduceLogSumExp:
      case OpKind::TensorSlice:
      case OpKind::TensorConcat:
      case OpKind::KernelCall:
        VIC_UNREACHABLE() << "codegen: " << ir::op_spelling(op.kind) << " is bufferized before code generation";
    }
  }

  // A failed check ends the evaluation before the access it guards.
  void emit_check(llvm::Value* ok, int64_t id) { branch_unless_ok(ok, id, "check"); }

  void emit_for(const ir::Op& op) {
    const ir::Block& body = op.region(0);
    llvm::BasicBlock* pre = b_.GetInsertBlock();
    llvm::BasicBlock* header = llvm::BasicBlock::Create(ctx_, "for.header", fn_);
    llvm::BasicBlock* body_bb = llvm::BasicBlock::Create(ctx_, "for.body", fn_);
    llvm::BasicBlock* exit = llvm::BasicBlock::Create(ctx_, "for.exit", fn_);
    llvm::Value* lo = v(op.operands[0]);
    llvm::Value* hi = v(op.operands[1]);
    b_.CreateBr(header);
    b_.SetInsertPoint(header);
    llvm::PHINode* index = b_.CreatePHI(b_.getInt64Ty(), 2, body.args[0]->hint);
    index->addIncoming(lo, pre);
    std::vector<llvm::PHINode*> carried;
    // A carried buffer's size, beside it (bounds assertions only).
    std::vector<llvm::PHINode*> carried_sizes;
    for (size_t k = 0; k < op.results.size(); ++k) {
      llvm::PHINode* phi = b_.CreatePHI(llvm_type(op.results[k]->type), 2, op.results[k]->hint);
      phi->addIncoming(v(op.operands[k + 2]), pre);
      carried.push_back(phi);
      values_[body.args[k + 1]] = phi;
      values_[op.results[k]] = phi;
      llvm::PHINode* size = nullptr;
      if (bounds_checks_ && op.results[k]->type.is_buffer()) {
        size = b_.CreatePHI(b_.getInt64Ty(), 2, op.results[k]->hint + ".size");
        size->addIncoming(size_of(op.operands[k + 2]), pre);
        sizes_[body.args[k + 1]] = size;
        sizes_[op.results[k]] = size;
      }
      carried_sizes.push_back(size);
    }
    values_[body.args[0]] = index;
    b_.CreateCondBr(b_.CreateICmpSLT(index, hi), body_bb, exit);
    b_.SetInsertPoint(body_bb);
    emit_block(body);
    llvm::BasicBlock* latch = b_.GetInsertBlock();
    index->addIncoming(b_.CreateAdd(index, b_.getInt64(1), "", /*HasNUW=*/false, /*HasNSW=*/true), latch);
    for (size_t k = 0; k < carried.size(); ++k) {
      carried[k]->addIncoming(yielded_[k], latch);
      if (carried_sizes[k]) carried_sizes[k]->addIncoming(yielded_sizes_[k], latch);
    }
    b_.CreateBr(header);
    b_.SetInsertPoint(exit);
  }

  // A do-while: the region runs, then goes round again while its first yield holds.
  void emit_while(const ir::Op& op) {
    const ir::Block& body = op.region(0);
    llvm::BasicBlock* pre = b_.GetInsertBlock();
    llvm::BasicBlock* body_bb = llvm::BasicBlock::Create(ctx_, "while.body", fn_);
    llvm::BasicBlock* exit = llvm::BasicBlock::Create(ctx_, "while.exit", fn_);
    b_.CreateBr(body_bb);
    b_.SetInsertPoint(body_bb);
    std::vector<llvm::PHINode*> carried, carried_sizes;
    for (size_t k = 0; k < op.results.size(); ++k) {
      llvm::PHINode* phi = b_.CreatePHI(llvm_type(op.results[k]->type), 2, op.results[k]->hint);
      phi->addIncoming(v(op.operands[k]), pre);
      carried.push_back(phi);
      values_[body.args[k]] = phi;
      llvm::PHINode* size = nullptr;
      if (bounds_checks_ && op.results[k]->type.is_buffer()) {
        size = b_.CreatePHI(b_.getInt64Ty(), 2, op.results[k]->hint + ".size");
        size->addIncoming(size_of(op.operands[k]), pre);
        sizes_[body.args[k]] = size;
      }
      carried_sizes.push_back(size);
    }
    emit_block(body);
    llvm::BasicBlock* latch = b_.GetInsertBlock();
    for (size_t k = 0; k < carried.size(); ++k) {
      carried[k]->addIncoming(yielded_[k + 1], latch);
      if (carried_sizes[k]) carried_sizes[k]->addIncoming(yielded_sizes_[k + 1], latch);
      // The results are the last iteration's yields, which the exit follows.
      values_[op.results[k]] = yielded_[k + 1];
      if (carried_sizes[k]) sizes_[op.results[k]] = yielded_sizes_[k + 1];
    }
    b_.CreateCondBr(yielded_[0], body_bb, exit);
    b_.SetInsertPoint(exit);
  }

  void emit_if(const ir::Op& op) {
    llvm::BasicBlock* then_bb = llvm::BasicBlock::Create(ctx_, "if.then", fn_);
    llvm::BasicBlock* else_bb = llvm::BasicBlock::Create(ctx_, "if.else", fn_);
    llvm::BasicBlock* merge = llvm::BasicBlock::Create(ctx_, "if.end", fn_);
    b_.CreateCondBr(v(op.operands[0]), then_bb, else_bb);
    std::vector<std::vector<llvm::Value*>> results(2), result_sizes(2);
    std::vector<llvm::BasicBlock*> ends(2);
    for (int r = 0; r < 2; ++r) {
      b_.SetInsertPoint(r == 0 ? then_bb : else_bb);
      emit_block(op.region(r));
      results[r] = yielded_;
      result_sizes[r] = yielded_sizes_;
      ends[r] = b_.GetInsertBlock();
      b_.CreateBr(merge);
    }
    b_.SetInsertPoint(merge);
    for (size_t k = 0; k < op.results.size(); ++k) {
      llvm::PHINode* phi = b_.CreatePHI(llvm_type(op.results[k]->type), 2);
      phi->addIncoming(results[0][k], ends[0]);
      phi->addIncoming(results[1][k], ends[1]);
      values_[op.results[k]] = phi;
      if (bounds_checks_ && op.results[k]->type.is_buffer()) {
        llvm::PHINode* size = b_.CreatePHI(b_.getInt64Ty(), 2);
        size->addIncoming(result_sizes[0][k], ends[0]);
        size->addIncoming(result_sizes[1][k], ends[1]);
        sizes_[op.results[k]] = size;
      }
    }
  }

  llvm::Module& module_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  const ir::Program& program_;
  const ir::Function& function_;
  const std::vector<std::string>& data_names_;
  const bool bounds_checks_;
  llvm::Function* fn_ = nullptr;
  llvm::BasicBlock* entry_ = nullptr;
  llvm::Value* context_arg_ = nullptr;
  llvm::Value* data_array_ = nullptr;
  llvm::BasicBlock* abort_ = nullptr;
  std::vector<llvm::Value*> heap_slots_;
  std::unordered_map<const ir::Value*, llvm::Value*> values_;
  std::vector<llvm::Value*> yielded_;
  // Per yielded value: its size when it is a buffer and bounds are checked.
  std::vector<llvm::Value*> yielded_sizes_;
  std::unordered_map<const ir::Value*, llvm::Value*> sizes_;
};

}  // namespace

std::vector<std::string> data_buffer_names(const ir::Program& program) {
  std::vector<std::string> names;
  for (const auto& f : program.functions) collect_data_names(f->body, names);
  return names;
}

std::unique_ptr<llvm::Module> emit_module(const ir::Program& program, llvm::LLVMContext& context,
                                          const std::vector<std::string>& data_names, bool bounds_checks) {
  auto module = std::make_unique<llvm::Module>("vic_model", context);
  for (const auto& f : program.functions) FunctionEmitter(*module, program, *f, data_names, bounds_checks).emit();
  std::string errors;
  llvm::raw_string_ostream os(errors);
  VIC_CHECK(!llvm::verifyModule(*module, &os)) << "codegen produced invalid LLVM IR: " << os.str();
  return module;
}

}  // namespace vic::codegen
