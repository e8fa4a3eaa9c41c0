// Tests for the Stan JSON loader: values read in declaration order with sizes from
// earlier fields, and one test per error with its exact message.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include "runtime/data.h"

namespace vic::runtime {
namespace {

// A declaration with fixed dims.
DataDecl decl(const std::string& name, bool is_int, std::vector<int64_t> dims = {},
              std::optional<double> lower = std::nullopt,
              std::optional<double> upper = std::nullopt) {
  DataDecl d;
  d.name = name;
  d.is_int = is_int;
  d.dims = [dims](const DataSet&) -> Expected<std::vector<int64_t>> { return dims; };
  if (lower) d.lower = [lower](const DataSet&) -> Expected<double> { return *lower; };
  if (upper) d.upper = [upper](const DataSet&) -> Expected<double> { return *upper; };
  return d;
}

// The value of the scalar int field `size_name`, as declared sizes read it.
int64_t scalar_int(const DataSet& data, const std::string& size_name) {
  return data.find(size_name)->ints.at(0);
}

// `vector[N] name` style: one dim read from the int N loaded earlier.
DataDecl sized_by(const std::string& name, bool is_int, const std::string& size_name) {
  DataDecl d;
  d.name = name;
  d.is_int = is_int;
  d.dims = [size_name](const DataSet& data) -> Expected<std::vector<int64_t>> {
    return std::vector<int64_t>{scalar_int(data, size_name)};
  };
  return d;
}

std::string error_of(const std::string& text, const std::vector<DataDecl>& decls) {
  Expected<DataSet> data = read_stan_json(text, "d.json", decls);
  EXPECT_FALSE(data) << "expected an error for " << text;
  return data ? "" : data.error();
}

TEST(DataJson, ReadsScalarsVectorsMatricesAndInts) {
  std::vector<DataDecl> decls = {
      decl("N", true),
      sized_by("y", false, "N"),
      decl("X", false, {2, 3}),
      decl("k", true, {3}),
      decl("s", false),
  };
  Expected<DataSet> data = read_stan_json(
      R"({"N": 3, "y": [1, 2.5, -3e2], "X": [[1, 2, 3], [4, 5, 6]], "k": [0, -1, 7],
          "s": 0.25, "unused": "ignored"})",
      "d.json", decls);
  ASSERT_TRUE(data) << data.error();
  const DataValue* n = data->find("N");
  ASSERT_NE(n, nullptr);
  EXPECT_TRUE(n->is_int);
  EXPECT_TRUE(n->dims.empty());
  EXPECT_EQ(n->ints, std::vector<int64_t>{3});
  const DataValue* y = data->find("y");
  EXPECT_FALSE(y->is_int);
  EXPECT_EQ(y->dims, std::vector<int64_t>{3});
  EXPECT_EQ(y->reals, (std::vector<double>{1, 2.5, -300}));
  const DataValue* x = data->find("X");
  EXPECT_EQ(x->dims, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(x->reals, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(data->find("k")->ints, (std::vector<int64_t>{0, -1, 7}));
  EXPECT_EQ(data->find("s")->reals, std::vector<double>{0.25});
  EXPECT_EQ(data->find("unused"), nullptr);
}

TEST(DataJson, ReadsStanSpellingsOfInfinity) {
  Expected<DataSet> data =
      read_stan_json(R"({"y": ["Inf", "-Inf", "+Inf", "Infinity", "-Infinity", 1]})", "d.json",
                     {decl("y", false, {6})});
  ASSERT_TRUE(data) << data.error();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(data->find("y")->reals, (std::vector<double>{inf, -inf, inf, inf, -inf, 1}));
}

TEST(DataJson, ReadsEmptyArraysForSizeZero) {
  std::vector<DataDecl> decls = {decl("N", true), sized_by("y", false, "N"),
                                 decl("X", false, {0, 4}), decl("Z", true, {2, 0})};
  Expected<DataSet> data =
      read_stan_json(R"({"N": 0, "y": [], "X": [], "Z": [[], []]})", "d.json", decls);
  ASSERT_TRUE(data) << data.error();
  EXPECT_EQ(data->find("y")->size(), 0u);
  EXPECT_EQ(data->find("X")->dims, (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(data->find("X")->size(), 0u);
  EXPECT_EQ(data->find("Z")->size(), 0u);
}

TEST(DataJson, MissingField) {
  EXPECT_EQ(error_of(R"({"N": 3})", {decl("N", true), decl("y", false, {3})}),
            "d.json: missing data field 'y'");
}

TEST(DataJson, WrongSize) {
  EXPECT_EQ(error_of(R"({"N": 8, "y": [1, 2, 3, 4, 5, 6, 7]})",
                     {decl("N", true), sized_by("y", false, "N")}),
            "d.json: data field 'y' has size 7, but its declaration needs 8");
}

TEST(DataJson, NestedWrongSize) {
  EXPECT_EQ(error_of(R"({"X": [[1, 2, 3, 4], [1, 2, 3]]})", {decl("X", false, {2, 4})}),
            "d.json: dimension 2 of data field 'X' has size 3, but its declaration needs 4");
}

TEST(DataJson, ScalarWhereArrayDeclared) {
  EXPECT_EQ(error_of(R"({"y": 3})", {decl("y", false, {2})}),
            "d.json: data field 'y' must be an array of size 2, but is 3");
  EXPECT_EQ(error_of(R"({"X": [[1, 2], 5]})", {decl("X", false, {2, 2})}),
            "d.json: data field 'X': element 2 must be an array of size 2, but is 5");
}

TEST(DataJson, RealWhereIntDeclared) {
  EXPECT_EQ(error_of(R"({"N": 2.5})", {decl("N", true)}),
            "d.json: data field 'N' must be an int, but is 2.5");
  EXPECT_EQ(error_of(R"({"N": 3.0})", {decl("N", true)}),
            "d.json: data field 'N' must be an int, but is 3.0");
  EXPECT_EQ(error_of(R"({"k": [[1, 2], [3, 4.5]]})", {decl("k", true, {2, 2})}),
            "d.json: data field 'k' must be an int, but element 2.2 is 4.5");
  EXPECT_EQ(error_of(R"({"k": [1, "Inf"]})", {decl("k", true, {2})}),
            "d.json: data field 'k' must be an int, but element 2 is the string \"Inf\"");
}

TEST(DataJson, NonNumberWhereRealDeclared) {
  EXPECT_EQ(error_of(R"({"y": [1, "abc"]})", {decl("y", false, {2})}),
            "d.json: data field 'y' must be a real, but element 2 is the string \"abc\"");
  EXPECT_EQ(error_of(R"({"y": null})", {decl("y", false)}),
            "d.json: data field 'y' must be a real, but is null");
}

TEST(DataJson, IntOutOfRange) {
  EXPECT_EQ(error_of(R"({"N": 3000000000})", {decl("N", true)}),
            "d.json: data field 'N' is 3000000000, outside the range of an int");
}

TEST(DataJson, BelowLowerBound) {
  EXPECT_EQ(error_of(R"({"sigma": [1, 2, -1]})", {decl("sigma", false, {3}, 0.0)}),
            "d.json: data field 'sigma': element 3 is -1, below its lower bound 0");
  EXPECT_EQ(error_of(R"({"N": -2})", {decl("N", true, {}, 0.0)}),
            "d.json: data field 'N' is -2, below its lower bound 0");
}

TEST(DataJson, AboveUpperBound) {
  EXPECT_EQ(error_of(R"({"p": [[0.5, 0.25], [1.5, 0]]})",
                     {decl("p", false, {2, 2}, 0.0, 1.0)}),
            "d.json: data field 'p': element 2.1 is 1.5, above its upper bound 1");
}

TEST(DataJson, BoundsFromEarlierData) {
  DataDecl k = decl("k", true, {2});
  k.upper = [](const DataSet& data) -> Expected<double> {
    return static_cast<double>(data.find("N")->ints.at(0));
  };
  EXPECT_EQ(error_of(R"({"N": 4, "k": [4, 5]})", {decl("N", true), k}),
            "d.json: data field 'k': element 2 is 5, above its upper bound 4");
}

TEST(DataJson, NaN) {
  EXPECT_EQ(error_of(R"({"y": [1, 2, "NaN"]})", {decl("y", false, {3})}),
            "d.json: data field 'y': element 3 is NaN");
  EXPECT_EQ(error_of(R"({"s": "NaN"})", {decl("s", false)}), "d.json: data field 's' is NaN");
}

TEST(DataJson, MalformedJson) {
  EXPECT_EQ(error_of("{\"N\": 3,\n \"y\": [1, 2,]}", {decl("N", true)}),
            "d.json: malformed JSON: parse error at line 2, column 13: syntax error while "
            "parsing value - unexpected ']'; expected '[', '{', or a literal");
}

TEST(DataJson, TopLevelNotAnObject) {
  EXPECT_EQ(error_of("[1, 2]", {}),
            "d.json: the top level of a Stan JSON file must be an object, but is an array");
}

TEST(DataJson, SizeExpressionError) {
  DataDecl y;
  y.name = "y";
  y.dims = [](const DataSet&) -> Expected<std::vector<int64_t>> {
    return Error{"size N is -1, but must be non-negative"};
  };
  EXPECT_EQ(error_of(R"({"y": []})", {y}),
            "d.json: data field 'y': size N is -1, but must be non-negative");
}

TEST(DataJson, FileThatCannotBeRead) {
  Expected<DataSet> data = load_stan_json_file("/nonexistent/d.json", {});
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error(),
            "/nonexistent/d.json: cannot read the data file: No such file or directory");
}

TEST(DataJson, LoadsFile) {
  std::string path = ::testing::TempDir() + "vic_data_json_test.json";
  {
    std::ofstream out(path);
    out << R"({"N": 2, "y": [0.5, 1.5]})";
  }
  Expected<DataSet> data = load_stan_json_file(path, {decl("N", true), sized_by("y", false, "N")});
  std::remove(path.c_str());
  ASSERT_TRUE(data) << data.error();
  EXPECT_EQ(data->find("y")->reals, (std::vector<double>{0.5, 1.5}));
}

}  // namespace
}  // namespace vic::runtime
