// bind_data_sizes: after the data is read, every `data.int` becomes a constant,
// so loop trip counts and buffer sizes are known to LLVM.
#include "ir/passes/bind_data_sizes.h"
#include "ir/rewriter.h"

namespace vic::ir {
namespace {

class BindDataSizes : public Rewriter {
 public:
  explicit BindDataSizes(const std::function<std::optional<int64_t>(const std::string&)>& lookup) : lookup_(lookup) {}

 protected:
  void rewrite_op(const Op& op, Builder& b) override {
    if (op.kind == OpKind::DataInt) {
      if (std::optional<int64_t> v = lookup_(op.name)) {
        map(op.result(), b.const_i64(*v));
        return;
      }
    }
    copy_op(op, b);
  }

 private:
  const std::function<std::optional<int64_t>(const std::string&)>& lookup_;
};

}  // namespace

Program bind_data_sizes(const Program& program,
                        const std::function<std::optional<int64_t>(const std::string&)>& lookup) {
  return rewrite_program(program, [&] { return BindDataSizes(lookup); });
}

}  // namespace vic::ir
