// Tests of ir::verify: every golden IR stage verifies; a program broken in one
// way per rule (parsed from text, then edited, or built with ir::Builder
// where the parser would refuse it) gives the exact message; and the pipeline
// aborts naming the pass when its input or a pass's output is invalid.
#include "ir/verify.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ir/builder.h"
#include "ir/parse_ir.h"
#include "ir/passes/pipeline.h"
#include "ir/printer.h"

namespace vic::ir {
namespace {

namespace fs = std::filesystem;

Program parse(const std::string& text) {
  Expected<Program> p = parse_ir(text, "t.ir");
  VIC_CHECK(p) << p.error();
  return p.take();
}

std::string verify_error(const Program& p, IrStage stage = IrStage::Tensors) {
  Status s = verify(p, stage);
  return s ? "(valid)" : s.error();
}

// The op at `index` of `f`'s body.
Op& body_op(Program& p, size_t index, size_t function = 0) { return *p.functions[function]->body.ops.at(index); }

constexpr const char* kLoopSum = R"(func @lp(%theta: buf<f64>) -> (f64) {
  %i0 = const.i64 0
  %n = const.i64 3
  %zero = const.f64 0
  %s = for %i = %i0 to %n iter_args(%acc = %zero) {
    %x = load %theta[%i]
    %acc2 = fadd %acc, %x
    yield %acc2
  }
  return %s
}
)";

// The text holds no scratch-buffer table: rebuild it from hoist-data-only's
// names (@bind.<f> fills data buffers __hoisted.<f>[.k]).
void restore_scratch_buffers(Program& p, const Block& block, const std::string& filler) {
  for (const auto& op : block.ops) {
    if (op->kind == OpKind::DataBuf && op->name.rfind("__hoisted." + filler.substr(5), 0) == 0)
      p.scratch_buffers.push_back({op->name, 0, filler});
    for (const auto& r : op->regions) restore_scratch_buffers(p, *r, filler);
  }
}

TEST(Verify, EveryGoldenStageVerifies) {
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(VIC_GOLDEN_DIR)) {
    if (entry.path().extension() != ".ir") continue;
    std::ifstream in(entry.path());
    std::ostringstream text;
    text << in.rdbuf();
    Expected<Program> p = parse_ir(text.str(), entry.path().string());
    ASSERT_TRUE(p) << p.error();
    for (const auto& f : p->functions)
      if (f->name.rfind("bind.", 0) == 0) restore_scratch_buffers(*p, f->body, f->name);
    // Stages are numbered in pipeline order; bufferize is stage 11.
    bool bufferized = std::stoi(entry.path().stem().string()) >= 11;
    EXPECT_EQ(verify_error(*p, bufferized ? IrStage::Buffers : IrStage::Tensors), "(valid)") << entry.path();
    ++files;
  }
  EXPECT_GE(files, 40);
}

TEST(Verify, AValidLoopVerifies) { EXPECT_EQ(verify_error(parse(kLoopSum)), "(valid)"); }

TEST(Verify, OperandTypes) {
  Program p = parse(kLoopSum);
  // fadd %acc, %i: an i64 where an f64 belongs.
  Op& loop = body_op(p, 3);
  Op& add = *loop.region(0).ops[1];
  add.operands[1] = loop.region(0).args[0];
  EXPECT_EQ(verify_error(p), "@lp: fadd %acc2.8: operand %i.5 is i64, expected f64");
  // The names are the printer's.
  EXPECT_NE(print_function(*p.functions[0]).find("%acc2.8 = fadd %acc.6, %i.5"), std::string::npos);
}

TEST(Verify, ResultTypes) {
  Program p = parse(kLoopSum);
  body_op(p, 2).results[0]->type = Type::I64;
  EXPECT_EQ(verify_error(p), "@lp: const.f64 %zero.3: result is i64, expected f64");
}

TEST(Verify, ChecksTakeI1) {
  Program p = parse(R"(func @lp(%theta: buf<f64>) -> (f64) {
  %i0 = const.i64 0
  %x = load %theta[%i0]
  %zero = const.f64 0
  %ok = fcmp gt %x, %zero
  check %ok, #0
  return %x
}
)");
  EXPECT_EQ(verify_error(p), "(valid)");
  body_op(p, 4).operands[0] = body_op(p, 1).results[0];
  EXPECT_EQ(verify_error(p), "@lp: check: operand %x.2 is f64, expected i1");
}

TEST(Verify, CheckIdsNameAProgramCheck) {
  Program p = parse(R"(func @lp(%theta: buf<f64>) -> (f64) {
  %ok = const.i1 true
  check %ok, #0
  %zero = const.f64 0
  return %zero
}
)");
  body_op(p, 1).integer = 1;
  EXPECT_EQ(verify_error(p), "@lp: check: check #1 is not in the program's 1 checks");
}

TEST(Verify, UseBeforeDefinition) {
  Program p = parse(kLoopSum);
  // return %s before the loop defines it: move the return up front.
  Block& body = p.functions[0]->body;
  std::rotate(body.ops.begin(), body.ops.end() - 1, body.ops.end());
  EXPECT_EQ(verify_error(p), "@lp: return: ends its block but is followed by const.i64");
  // An operand defined later in the block.
  Program q = parse(kLoopSum);
  Op& zero = body_op(q, 2);
  body_op(q, 0).kind = OpKind::FNeg;
  body_op(q, 0).results[0]->type = Type::F64;
  body_op(q, 0).operands = {zero.results[0]};
  EXPECT_EQ(verify_error(q), "@lp: fneg %i0.1: operand %zero.2 is not defined before this use");
}

TEST(Verify, ValuesStayInTheirFunction) {
  Program p = parse(std::string(kLoopSum) + R"(
func @other(%theta: buf<f64>) -> (f64) {
  %i0 = const.i64 0
  %x = load %theta[%i0]
  return %x
}
)");
  // @other returns @lp's %zero.
  body_op(p, 2, 1).operands[0] = body_op(p, 2, 0).results[0];
  EXPECT_EQ(verify_error(p), "@other: return: operand %zero.3 is a value of another function");
}

TEST(Verify, RegionArgumentsStayInTheirRegion) {
  Program p = parse(kLoopSum);
  Op& loop = body_op(p, 3);
  // return %acc: the loop's carried argument, outside the loop.
  body_op(p, 4).operands[0] = loop.region(0).args[1];
  EXPECT_EQ(verify_error(p), "@lp: return: operand %acc.6 is a region argument used outside its region");
}

TEST(Verify, ValuesAreDefinedOnce) {
  Program p = parse(kLoopSum);
  // Two ops claiming the same result value.
  Value* n = body_op(p, 1).results[0];
  body_op(p, 0).results[0] = n;
  n->def = &body_op(p, 0);
  EXPECT_EQ(verify_error(p), "@lp: const.i64 %n.1: result %n.1 does not name this op as its definition");
}

TEST(Verify, LoopYieldsItsCarriedTypes) {
  Program p = parse(kLoopSum);
  Op& loop = body_op(p, 3);
  // yield %i instead of the f64 sum.
  loop.region(0).terminator()->operands[0] = loop.region(0).args[0];
  EXPECT_EQ(verify_error(p), "@lp: for %s.4: region 0 yields (i64), expected (f64)");
}

TEST(Verify, RegionsEndInYield) {
  Program p = parse(kLoopSum);
  body_op(p, 3).region(0).ops.pop_back();
  EXPECT_EQ(verify_error(p), "@lp: for %s.4: a region does not end in yield");
}

TEST(Verify, IfHasTwoRegions) {
  Program p = parse(R"(func @lp(%theta: buf<f64>) -> (f64) {
  %c = const.i1 true
  %r = if %c -> (f64) {
    %a = const.f64 1
    yield %a
  } else {
    %b = const.f64 2
    yield %b
  }
  return %r
}
)");
  EXPECT_EQ(verify_error(p), "(valid)");
  body_op(p, 1).regions.pop_back();
  EXPECT_EQ(verify_error(p), "@lp: if %r.2: has 1 regions, expected 2");
}

TEST(Verify, GenerateYieldsItsElementType) {
  Program p = parse(R"(func @lp(%theta: buf<f64>) -> (f64) {
  %n = const.i64 2
  %t = tensor.generate %i < %n, #-1 : tensor<f64, 1> {
    %x = load %theta[%i]
    yield %x
  }
  %i0 = const.i64 0
  %y = tensor.extract %t[%i0]
  return %y
}
)");
  EXPECT_EQ(verify_error(p), "(valid)");
  Block& region = body_op(p, 1).region(0);
  region.terminator()->operands[0] = region.args[0];
  EXPECT_EQ(verify_error(p), "@lp: tensor.generate %t.2: region 0 yields (i64), expected (f64)");
}

TEST(Verify, TheBodyReturnsTheDeclaredTypes) {
  Program p = parse(kLoopSum);
  body_op(p, 4).operands[0] = body_op(p, 1).results[0];
  EXPECT_EQ(verify_error(p), "@lp: return: returns (i64), but the function declares (f64)");
  Program q = parse(kLoopSum);
  q.functions[0]->body.ops.pop_back();
  EXPECT_EQ(verify_error(q), "@lp: the body does not end in return");
}

TEST(Verify, YieldOnlyInRegionsAndReturnOnlyInBodies) {
  Program p = parse(kLoopSum);
  body_op(p, 3).region(0).terminator()->kind = OpKind::Return;
  EXPECT_EQ(verify_error(p), "@lp: return: return inside the region of for");
}

constexpr const char* kTensorProgram = R"(func @lp(%theta: buf<f64>) -> (f64) {
  %i0 = const.i64 0
  %n = const.i64 2
  %x = load %theta[%i0]
  %t = tensor.splat %n, %x, #-1 : tensor<f64, 1>
  %u = tensor.insert %x, %t[%i0]
  %y = tensor.extract %u[%i0]
  return %y
}
)";

TEST(Verify, NoTensorAfterBufferize) {
  Program p = parse(kTensorProgram);
  EXPECT_EQ(verify_error(p, IrStage::Tensors), "(valid)");
  EXPECT_EQ(verify_error(p, IrStage::Buffers), "@lp: tensor.splat %t.4: a tensor op after bufferize");
}

TEST(Verify, TensorSizesResolve) {
  // select of two tensors: well typed, but tensor_size cannot follow it.
  Program p = parse(kTensorProgram);
  Function& f = *p.functions[0];
  Builder b(f, f.body);
  Value* c = b.const_bool(true);
  Value* t = body_op(p, 3).results[0];
  Value* u = body_op(p, 4).results[0];
  Value* s = b.append(OpKind::Select, {c, t, u}, {t->type})->result();
  // Keep the return last: extract from the select, then return.
  Value* y = b.extract(s, body_op(p, 0).results[0]);
  f.body.ops.erase(f.body.ops.begin() + 6);
  b.ret({y});
  EXPECT_EQ(verify_error(p), "@lp: select %8: the size of %8 cannot be resolved: select makes no tensor");
}

TEST(Verify, NoStoreIntoTheta) {
  Program p = parse(R"(func @lp_grad(%theta: buf<f64>, %grad: buf<f64>) -> (f64) {
  %i0 = const.i64 0
  %x = load %theta[%i0]
  store %x, %grad[%i0]
  return %x
}
)");
  EXPECT_EQ(verify_error(p), "(valid)");
  body_op(p, 2).operands[0] = p.functions[0]->arg(0);
  EXPECT_EQ(verify_error(p), "@lp_grad: store: writes into %theta.0, which is theta");
}

TEST(Verify, ThetaThroughALoopIsStillTheta) {
  Program p = parse(R"(func @lp(%theta: buf<f64>) -> (f64) {
  %i0 = const.i64 0
  %n = const.i64 2
  %one = const.i64 1
  %b = alloc %one, #0 : buf<f64>
  %r = for %i = %i0 to %n iter_args(%buf = %b) {
    %x = const.f64 1
    store %x, %buf[%i0]
    yield %buf
  }
  %y = load %r[%i0]
  return %y
}
)");
  EXPECT_EQ(verify_error(p), "(valid)");
  body_op(p, 4).operands[2] = p.functions[0]->arg(0);
  EXPECT_EQ(verify_error(p), "@lp: store: writes into %buf.7, which is theta");
}

TEST(Verify, DataBuffersAreWrittenOnlyByTheirFiller) {
  Program p = parse(R"(func @fill() -> () {
  %i0 = const.i64 0
  %x = const.f64 1
  %d = data.buf "scratch0" : buf<f64>
  store %x, %d[%i0]
  return
}

func @lp(%theta: buf<f64>) -> (f64) {
  %i0 = const.i64 0
  %x = const.f64 1
  %d = data.buf "y" : buf<f64>
  store %x, %d[%i0]
  return %x
}
)");
  p.scratch_buffers.push_back({"scratch0", 1, "fill"});
  EXPECT_EQ(verify_error(p), "@lp: store: writes into %d.3, data buffer 'y', outside its filler");
}

TEST(Verify, StoresGoIntoBuffers) {
  Program p = parse(kTensorProgram);
  // store %x, %t[%i0]: a tensor is not memory.
  Function& f = *p.functions[0];
  Builder b(f, f.body);
  b.append(OpKind::Store, {body_op(p, 3).results[0], body_op(p, 0).results[0], body_op(p, 2).results[0]}, {});
  std::rotate(f.body.ops.end() - 2, f.body.ops.end() - 1, f.body.ops.end());
  EXPECT_EQ(verify_error(p), "@lp: store: operand %t.4 is tensor<f64, 1>, expected a buffer");
}

TEST(Verify, MessagesNameValuesAsThePrinterDoes) {
  // A builder-made program with a hint-less value: names are numbers.
  Program p;
  auto f =
      std::make_unique<Function>("lp", std::vector<FunctionArg>{{"theta", Type::BufF64}}, std::vector<Type>{Type::F64});
  Builder b(*f, f->body);
  Value* i = b.const_i64(0);
  Value* x = b.load(f->arg(0), i);
  b.append(OpKind::Exp, {i}, {Type::F64});
  b.ret({x});
  p.add(std::move(f));
  EXPECT_EQ(verify_error(p), "@lp: exp %3: operand %1 is i64, expected f64");
}

using VerifyDeathTest = ::testing::Test;

TEST(VerifyDeathTest, ThePipelineStopsOnInvalidInput) {
  Program p = parse(kLoopSum);
  body_op(p, 3).region(0).terminator()->operands[0] = body_op(p, 3).region(0).args[0];
  PipelineSettings settings;
  settings.verify = true;
  EXPECT_DEATH(run_pipeline(p, settings, nullptr),
               "invalid IR given to the pipeline: @lp: for %s.4: region 0 yields \\(i64\\), expected \\(f64\\)");
}

TEST(Verify, TestsRunWithTheVerifierOn) {
  // ctest sets VIC_VERIFY_IR (tests/CMakeLists.txt) so every pipeline the
  // tests run is verified after each pass.
  EXPECT_TRUE(PipelineSettings{}.verify) << "run the tests through ctest, or set VIC_VERIFY_IR=1";
}

}  // namespace
}  // namespace vic::ir
