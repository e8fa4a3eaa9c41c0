// Tests of the JIT's bounds assertions (codegen/bounds_checks.h): compiled
// from a few lines of IR, an access out of bounds of a function argument, an
// alloc'ed buffer carried through a branch and a loop, a copy, or a data
// buffer aborts with a message naming the function, the buffer and the index;
// accesses in bounds run as before; the assertions are emitted only when on.
#include "codegen/bounds_checks.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "codegen/jit.h"
#include "ir/layout.h"
#include "codegen/jit_model.h"
#include "ir/parse_ir.h"
#include "runtime/data.h"

namespace vic {
namespace {

// Sets VIC_BOUNDS_CHECKS for the JIT compilations in its scope.
class ScopedBoundsChecks {
 public:
  explicit ScopedBoundsChecks(bool on) {
    if (const char* old = std::getenv("VIC_BOUNDS_CHECKS")) old_ = old;
    ::setenv("VIC_BOUNDS_CHECKS", on ? "1" : "0", 1);
  }
  ~ScopedBoundsChecks() {
    if (old_) {
      ::setenv("VIC_BOUNDS_CHECKS", old_->c_str(), 1);
    } else {
      ::unsetenv("VIC_BOUNDS_CHECKS");
    }
  }

 private:
  std::optional<std::string> old_;
};

ir::Program parse(const std::string& text) {
  Expected<ir::Program> p = ir::parse_ir(text, "t.ir");
  VIC_CHECK(p) << p.error();
  return p.take();
}

std::unique_ptr<codegen::JitModule> compile(const std::string& text) {
  ScopedBoundsChecks on(true);
  auto module = codegen::jit_compile(parse(text));
  VIC_CHECK(module) << module.error();
  return module.take();
}

// lp(theta) with theta of `dim` elements.
double call_lp(codegen::JitModule& module, std::vector<double> theta) {
  auto lp = reinterpret_cast<codegen::LogDensityFn>(module.lookup("lp"));
  const int64_t sizes[] = {static_cast<int64_t>(theta.size())};
  codegen::VicJitContext ctx{nullptr, 0, 0, nullptr, nullptr, sizes};
  return lp(theta.data(), &ctx);
}

// lp = theta[k] with k = theta[0] as an integer.
constexpr const char* kLoadAtIndexFromTheta = R"(func @lp(%theta: buf<f64>) -> (f64) {
  %i0 = const.i64 0
  %k.f = load %theta[%i0]
  %k = ftoi %k.f
  %x = load %theta[%k]
  return %x
}
)";

TEST(BoundsChecks, LoadFromAnArgument) {
  auto module = compile(kLoadAtIndexFromTheta);
  EXPECT_EQ(call_lp(*module, {1, 7.5}), 7.5);
  EXPECT_DEATH(call_lp(*module, {2, 7.5}),
               "internal error: out of bounds: @lp: load from 'theta' at index 2, but the buffer has 2 elements");
  EXPECT_DEATH(call_lp(*module, {-1, 7.5}),
               "internal error: out of bounds: @lp: load from 'theta' at index -1, but the buffer has 2 elements");
}

TEST(BoundsChecks, StoreThroughABranchAndALoop) {
  // Stores theta[0] into b[0 .. theta[1]) of a 3-element buffer that reaches
  // the loop through an if; lp = b[2].
  auto module = compile(R"(func @lp(%theta: buf<f64>) -> (f64) {
  %i0 = const.i64 0
  %i1 = const.i64 1
  %i2 = const.i64 2
  %three = const.i64 3
  %b = alloc %three, #0 : buf<f64>
  %c = const.i1 true
  %r = if %c -> (buf<f64>) {
    yield %b
  } else {
    yield %b
  }
  %n.f = load %theta[%i1]
  %n = ftoi %n.f
  %s = for %i = %i0 to %n iter_args(%buf = %r) {
    %x = load %theta[%i0]
    store %x, %buf[%i]
    yield %buf
  }
  %y = load %s[%i2]
  return %y
}
)");
  EXPECT_EQ(call_lp(*module, {4.5, 3}), 4.5);
  EXPECT_DEATH(call_lp(*module, {4.5, 4}),
               "internal error: out of bounds: @lp: store into 'buf' at index 3, but the buffer has 3 elements");
}

TEST(BoundsChecks, CopyCountsAgainstBothBuffers) {
  // copy theta[1] elements from a 2-element buffer into a 3-element one.
  auto module = compile(R"(func @lp(%theta: buf<f64>) -> (f64) {
  %i0 = const.i64 0
  %i1 = const.i64 1
  %two = const.i64 2
  %three = const.i64 3
  %small = alloc %two, #0 : buf<f64>
  %large = alloc %three, #0 : buf<f64>
  %x = load %theta[%i0]
  store %x, %small[%i0]
  %n.f = load %theta[%i1]
  %n = ftoi %n.f
  copy %large, %small, %n
  %y = load %large[%i0]
  return %y
}
)");
  EXPECT_EQ(call_lp(*module, {4.5, 2}), 4.5);
  EXPECT_DEATH(call_lp(*module, {4.5, 3}),
               "internal error: out of bounds: @lp: copy from 'small', element count 3, but the buffer has 2 elements");
  EXPECT_DEATH(call_lp(*module, {4.5, 4}),
               "internal error: out of bounds: @lp: copy into 'large', element count 4, but the buffer has 3 elements");
}

// A model reading data.buf "y" at index k = theta[0], through make_jit_model
// (which passes the data's sizes).
constexpr const char* kDataModel = R"(func @lp(%theta: buf<f64>) -> (f64) {
  %i0 = const.i64 0
  %k.f = load %theta[%i0]
  %k = ftoi %k.f
  %y = data.buf "y" : buf<f64>
  %x = load %y[%k]
  return %x
}

func @lp_grad(%theta: buf<f64>, %grad: buf<f64>) -> (f64) {
  %i0 = const.i64 0
  %k.f = load %theta[%i0]
  %k = ftoi %k.f
  %y = data.buf "y" : buf<f64>
  %x = load %y[%k]
  %zero = const.f64 0
  store %zero, %grad[%i0]
  return %x
}

func @constrain(%theta: buf<f64>, %out: buf<f64>) -> () {
  %i0 = const.i64 0
  %x = load %theta[%i0]
  store %x, %out[%i0]
  return
}

func @unconstrain(%values: buf<f64>, %theta: buf<f64>) -> () {
  %i0 = const.i64 0
  %x = load %values[%i0]
  store %x, %theta[%i0]
  return
}
)";

Expected<std::unique_ptr<runtime::Model>> data_model() {
  ir::Program program = parse(kDataModel);
  ScopedBoundsChecks on(true);
  auto module = codegen::jit_compile(program);
  VIC_CHECK(module) << module.error();
  runtime::DataSet data;
  runtime::DataValue y;
  y.dims = {2};
  y.reals = {0.25, 0.75};
  data.set("y", y);
  // One real parameter `k`, unconstrained.
  ir::ResolvedLayout layout;
  ir::ResolvedVariable k;
  k.name = "k";
  k.unconstrained_size = 1;
  layout.variables.push_back(k);
  layout.unconstrained_size = 1;
  layout.num_outputs = 1;
  layout.num_parameter_outputs = 1;
  return codegen::make_jit_model(module.take(), program, layout, data);
}

TEST(BoundsChecks, DataBuffersKnowTheirSize) {
  Expected<std::unique_ptr<runtime::Model>> model = data_model();
  ASSERT_TRUE(model) << model.error();
  std::vector<double> theta{1}, grad{9};
  runtime::EvalError error = 0;
  EXPECT_EQ((*model)->lp(theta.data(), &error), 0.75);
  EXPECT_EQ((*model)->lp_grad(theta.data(), grad.data(), &error), 0.75);
  EXPECT_EQ(grad[0], 0.0);
  EXPECT_EQ(error, 0);
  theta[0] = 2;
  EXPECT_DEATH((*model)->lp_grad(theta.data(), grad.data(), &error),
               "internal error: out of bounds: @lp_grad: load from 'y' at index 2, but the buffer has 2 elements");
}

TEST(BoundsChecks, EmittedOnlyWhenOn) {
  ir::Program program = parse(kLoadAtIndexFromTheta);
  std::string off, on;
  {
    ScopedBoundsChecks scope(false);
    off = codegen::emit_llvm_text(program);
  }
  {
    ScopedBoundsChecks scope(true);
    on = codegen::emit_llvm_text(program);
  }
  EXPECT_EQ(off.find("vic_bounds_failure"), std::string::npos) << off;
  EXPECT_NE(on.find("vic_bounds_failure"), std::string::npos) << on;
}

TEST(BoundsChecks, TestsRunWithTheAssertionsOn) {
  // ctest sets VIC_BOUNDS_CHECKS (tests/CMakeLists.txt) so every model the
  // tests compile asserts its accesses.
  EXPECT_TRUE(codegen::bounds_checks_by_default()) << "run the tests through ctest, or set VIC_BOUNDS_CHECKS=1";
}

}  // namespace
}  // namespace vic
