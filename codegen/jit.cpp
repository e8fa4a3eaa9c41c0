// Optimisation with LLVM's new pass manager and compilation with ORC LLJIT.
// The run-time kernels are registered as absolute symbols, so the JIT needs no
// symbols from the process.
#include "codegen/jit.h"

#include <chrono>
#include <mutex>

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

Expected<std::unique_ptr<JitModule>> jit_compile(const ir::Program& program, int opt_level, CompileTimings* timings) {
  initialize_llvm();
  auto start = std::chrono::steady_clock::now();
  auto machine_builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!machine_builder) return Error{"JIT: " + to_string(machine_builder.takeError())};
  machine_builder->setCodeGenOptLevel(opt_level >= 2 ? llvm::CodeGenOptLevel::Default : llvm::CodeGenOptLevel::Less);
  auto machine = machine_builder->createTargetMachine();
  if (!machine) return Error{"JIT: " + to_string(machine.takeError())};

  auto context = std::make_unique<llvm::LLVMContext>();
  std::vector<std::string> names = data_buffer_names(program);
  std::unique_ptr<llvm::Module> module = emit_module(program, *context, names);
  module->setDataLayout((*machine)->createDataLayout());
  module->setTargetTriple((*machine)->getTargetTriple().str());
  if (timings) timings->emit_ms = ms_since(start);

  start = std::chrono::steady_clock::now();
  optimize(*module, machine->get(), opt_level);
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

std::string emit_llvm_text(const ir::Program& program, int opt_level) {
  initialize_llvm();
  auto machine_builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  VIC_CHECK(static_cast<bool>(machine_builder)) << "no host target";
  auto machine = machine_builder->createTargetMachine();
  VIC_CHECK(static_cast<bool>(machine)) << "no host target machine";
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module = emit_module(program, context, data_buffer_names(program));
  module->setDataLayout((*machine)->createDataLayout());
  module->setTargetTriple((*machine)->getTargetTriple().str());
  optimize(*module, machine->get(), opt_level);
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os, nullptr);
  return text;
}

}  // namespace vic::codegen
