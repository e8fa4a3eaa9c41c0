// Optimisation with LLVM's new pass manager and compilation with ORC LLJIT.
// The run-time kernels are registered as absolute symbols, so the JIT needs no
// symbols from the process.
#include "codegen/jit.h"

#include "codegen/bounds_checks.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>

#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include "codegen/emit_llvm.h"
#include "stdlib/kernels.h"
#include "support/large_stack.h"

namespace vic::codegen {
namespace {

void initialize_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

std::string to_string(llvm::Error error) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << error;
  return s;
}

void optimize(llvm::Module& module, llvm::TargetMachine* machine, int opt_level) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(machine);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = opt_level >= 3 ? llvm::OptimizationLevel::O3
                                  : opt_level == 2 ? llvm::OptimizationLevel::O2
                                  : opt_level == 1 ? llvm::OptimizationLevel::O1
                                                   : llvm::OptimizationLevel::O0;
  llvm::ModulePassManager mpm = level == llvm::OptimizationLevel::O0 ? pb.buildO0DefaultPipeline(level)
                                                                      : pb.buildPerModuleDefaultPipeline(level);
  mpm.run(module, mam);
}

class LlJitModule : public JitModule {
 public:
  LlJitModule(std::unique_ptr<llvm::orc::LLJIT> jit, std::vector<std::string> names)
      : jit_(std::move(jit)), names_(std::move(names)) {}
  void* lookup(const std::string& name) override {
    auto address = jit_->lookup(name);
    if (!address) {
      llvm::consumeError(address.takeError());
      return nullptr;
    }
    return address->toPtr<void*>();
  }
  const std::vector<std::string>& data_names() const override { return names_; }

 private:
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  std::vector<std::string> names_;
};

}  // namespace

namespace {

// Programs with more ops than this (hand-written models have a few thousand)
// are compiled at O0. LLVM's time grows faster than linearly with the length
// of a basic block or a loop body: a 10^5-term expression took over three
// minutes at O1 and O2 (IR passes, then instruction selection and scheduling)
// and under two seconds at O0. vic's own passes have folded, shared and
// pruned the program already.
constexpr size_t kLargeProgramOps = 50000;

size_t count_ops(const ir::Program& program) {
  size_t ops = 0;
  std::vector<const ir::Block*> blocks;
  for (const auto& f : program.functions) blocks.push_back(&f->body);
  while (!blocks.empty()) {
    const ir::Block* block = blocks.back();
    blocks.pop_back();
    ops += block->ops.size();
    for (const auto& op : block->ops)
      for (const auto& region : op->regions) blocks.push_back(region.get());
  }
  return ops;
}

int effective_opt_level(const ir::Program& program, int requested) {
  return count_ops(program) > kLargeProgramOps ? 0 : requested;
}

// The stack LLVM gets for a program: its recursion along chains of values goes
// about as deep as the program has ops; a few hundred bytes a frame.
size_t llvm_stack_bytes(const ir::Program& program) {
  constexpr size_t kMinimum = size_t{64} << 20;
  return std::max(kMinimum, count_ops(program) * 1024);
}

Expected<std::unique_ptr<JitModule>> jit_compile_here(const ir::Program& program, int opt_level,
                                                      CompileTimings* timings) {
  auto start = std::chrono::steady_clock::now();
  auto machine_builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!machine_builder) return Error{"JIT: " + to_string(machine_builder.takeError())};
  const int level = effective_opt_level(program, opt_level);
  machine_builder->setCodeGenOptLevel(level >= 2   ? llvm::CodeGenOptLevel::Default
                                      : level == 1 ? llvm::CodeGenOptLevel::Less
                                                   : llvm::CodeGenOptLevel::None);
  auto machine = machine_builder->createTargetMachine();
  if (!machine) return Error{"JIT: " + to_string(machine.takeError())};

  auto context = std::make_unique<llvm::LLVMContext>();
  std::vector<std::string> names = data_buffer_names(program);
  std::unique_ptr<llvm::Module> module = emit_module(program, *context, names, bounds_checks_by_default());
  module->setDataLayout((*machine)->createDataLayout());
  module->setTargetTriple((*machine)->getTargetTriple().str());
  if (timings) timings->emit_ms = ms_since(start);

  start = std::chrono::steady_clock::now();
  optimize(*module, machine->get(), effective_opt_level(program, opt_level));
  if (timings) timings->optimize_ms = ms_since(start);

  start = std::chrono::steady_clock::now();
  auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(*machine_builder)).create();
  if (!jit) return Error{"JIT: " + to_string(jit.takeError())};
  llvm::orc::SymbolMap symbols;
  for (const stdlib::KernelSymbol& k : stdlib::runtime_kernels()) {
    symbols[(*jit)->mangleAndIntern(k.name)] = {llvm::orc::ExecutorAddr::fromPtr(k.address),
                                                llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable};
  }
  symbols[(*jit)->mangleAndIntern("calloc")] = {llvm::orc::ExecutorAddr::fromPtr(&calloc),
                                               llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable};
  symbols[(*jit)->mangleAndIntern("free")] = {llvm::orc::ExecutorAddr::fromPtr(&free),
                                             llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable};
  symbols[(*jit)->mangleAndIntern("vic_bounds_failure")] = {
      llvm::orc::ExecutorAddr::fromPtr(&vic_bounds_failure), llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable};
  symbols[(*jit)->mangleAndIntern("memset")] = {llvm::orc::ExecutorAddr::fromPtr(&memset),
                                               llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable};
  if (auto err = (*jit)->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(symbols)))) {
    return Error{"JIT: " + to_string(std::move(err))};
  }
  if (auto err = (*jit)->addIRModule(llvm::orc::ThreadSafeModule(std::move(module), std::move(context)))) {
    return Error{"JIT: " + to_string(std::move(err))};
  }
  auto result = std::make_unique<LlJitModule>(std::move(*jit), std::move(names));
  // Materialise every function now, so the JIT's time is counted here.
  for (const auto& f : program.functions) {
    if (!result->lookup(f->name)) return Error{"JIT: could not compile @" + f->name};
  }
  if (timings) timings->jit_ms = ms_since(start);
  return std::unique_ptr<JitModule>(std::move(result));
}

std::string emit_llvm_text_here(const ir::Program& program, int opt_level) {
  auto machine_builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  VIC_CHECK(static_cast<bool>(machine_builder)) << "no host target";
  auto machine = machine_builder->createTargetMachine();
  VIC_CHECK(static_cast<bool>(machine)) << "no host target machine";
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module = emit_module(program, context, data_buffer_names(program), bounds_checks_by_default());
  module->setDataLayout((*machine)->createDataLayout());
  module->setTargetTriple((*machine)->getTargetTriple().str());
  optimize(*module, machine->get(), effective_opt_level(program, opt_level));
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os, nullptr);
  return text;
}

}  // namespace

Expected<std::unique_ptr<JitModule>> jit_compile(const ir::Program& program, int opt_level, CompileTimings* timings) {
  initialize_llvm();
  std::optional<Expected<std::unique_ptr<JitModule>>> result;
  Status started = run_with_stack(llvm_stack_bytes(program),
                                  [&] { result.emplace(jit_compile_here(program, opt_level, timings)); });
  if (!started) return Error{"JIT: " + started.error()};
  return std::move(*result);
}

std::string emit_llvm_text(const ir::Program& program, int opt_level) {
  initialize_llvm();
  std::string text;
  Status started = run_with_stack(llvm_stack_bytes(program), [&] { text = emit_llvm_text_here(program, opt_level); });
  VIC_CHECK(started) << started.error();
  return text;
}

}  // namespace vic::codegen
