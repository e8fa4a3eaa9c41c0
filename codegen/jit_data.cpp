// Binding the data to a compiled module (codegen/jit_data.h).
#include "codegen/jit_data.h"

#include <algorithm>

#include "stdlib/kernels.h"

namespace vic::codegen {

Status JitData::bind(const JitModule& module, const runtime::DataSet& data,
                     const std::vector<ir::ScratchBuffer>& scratch) {
  for (const std::string& name : module.data_names()) {
    const runtime::DataValue* value = data.find(name);
    storage_.push_back(std::make_unique<std::vector<double>>());
    int_storage_.push_back(std::make_unique<std::vector<int64_t>>());
    auto s = std::find_if(scratch.begin(), scratch.end(), [&](const ir::ScratchBuffer& b) { return b.name == name; });
    if (s != scratch.end()) {
      storage_.back()->assign(std::max<int64_t>(s->size, 1), 0.0);
      pointers_.push_back(storage_.back()->data());
      data_sizes_.push_back(s->size);
      continue;
    }
    if (!value) return Error{"data field '" + name + "' is needed by the compiled model but was not read"};
    // The bounds assertions' sizes: the data's own, before the padding below.
    data_sizes_.push_back(static_cast<int64_t>(value->is_int ? value->ints.size() : value->reals.size()));
    if (value->is_int) {
      *int_storage_.back() = value->ints;
      if (int_storage_.back()->empty()) int_storage_.back()->push_back(0);
      pointers_.push_back(int_storage_.back()->data());
    } else {
      *storage_.back() = value->reals;
      if (storage_.back()->empty()) storage_.back()->push_back(0);
      pointers_.push_back(storage_.back()->data());
    }
  }
  return Status::ok();
}

Status JitData::fill_scratch(JitModule& module, const std::vector<ir::ScratchBuffer>& scratch,
                             const std::function<std::string(int32_t)>& describe) const {
  std::vector<std::string> fillers;
  for (const ir::ScratchBuffer& b : scratch)
    if (std::find(fillers.begin(), fillers.end(), b.filler) == fillers.end()) fillers.push_back(b.filler);
  for (const std::string& name : fillers) {
    auto fill = reinterpret_cast<void (*)(VicJitContext*)>(module.lookup(name));
    if (!fill) return Error{"compiled model lacks @" + name};
    VicJitContext ctx = context(nullptr, nullptr);  // bind functions take no buffers
    fill(&ctx);
    if (ctx.error) return Error{describe(ctx.error)};
  }
  return Status::ok();
}

std::string describe_check(const std::vector<ir::CheckInfo>& checks, int32_t error) {
  if (error <= 0 || static_cast<size_t>(error) > checks.size()) return "unknown error";
  const ir::CheckInfo& c = checks[static_cast<size_t>(error) - 1];
  if (c.message_at_run_time) {
    // Written by the evaluation that failed, on this thread.
    std::string message = stdlib::last_reject_message();
    if (!message.empty()) return c.loc.str() + ": " + message;
  }
  return c.loc.str() + ": " + c.message;
}

}  // namespace vic::codegen
