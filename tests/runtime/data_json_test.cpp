// Tests for the Stan JSON loader: values read in declaration order with sizes from
// earlier fields, fields given as IDX files, and one test per error with its
// exact message.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>

#include "runtime/data.h"
#include "tests/runtime/idx_test_files.h"

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

// ----- Fields given as IDX files: {"idx": PATH, "scale": S}

// `array[N] vector[D] name`, sized by the ints N and D loaded earlier.
DataDecl images(const std::string& name, std::optional<double> lower = std::nullopt,
                std::optional<double> upper = std::nullopt) {
  DataDecl d = decl(name, false, {}, lower, upper);
  d.dims = [](const DataSet& data) -> Expected<std::vector<int64_t>> {
    return std::vector<int64_t>{scalar_int(data, "N"), scalar_int(data, "D")};
  };
  return d;
}

class DataJsonIdx : public IdxFileTest {
 protected:
  // A u8 file of 3 x 2 x 2 pixels holding 0 ... 11 row-major, gzipped as
  // image sets are distributed.
  std::string write_pixels(const std::string& name) const {
    Bytes bytes = idx_header(0x08, {3, 2, 2});
    for (uint8_t v = 0; v < 12; ++v) bytes.push_back(v);
    return write_gzipped(name, bytes);
  }
  // Reads `text` as "d.json" with relative IDX paths in the scratch directory.
  Expected<DataSet> read_json(const std::string& text, const std::vector<DataDecl>& decls) const {
    return read_stan_json(text, "d.json", decls, dir_.string());
  }
  std::string error_of(const std::string& text, const std::vector<DataDecl>& decls) const {
    Expected<DataSet> data = read_json(text, decls);
    EXPECT_FALSE(data) << "expected an error for " << text;
    return data ? "" : data.error();
  }
  // The error for the field x given as `object`, declared array[3] vector[4].
  std::string error_of_x(const std::string& object) const {
    return error_of(R"({"N": 3, "D": 4, "x": )" + object + "}", {decl("N", true), decl("D", true), images("x")});
  }
};

TEST_F(DataJsonIdx, ReadsAScaledFileIntoArraysOfVectors) {
  std::string pixels = write_pixels("pixels.idx.gz");
  Expected<DataSet> data = read_json(R"({"N": 3, "D": 4, "x": {"idx": ")" + pixels + R"(", "scale": 0.25}})",
                                     {decl("N", true), decl("D", true), images("x")});
  ASSERT_TRUE(data) << data.error();
  const DataValue* x = data->find("x");
  EXPECT_FALSE(x->is_int);
  EXPECT_EQ(x->dims, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(x->reals, (std::vector<double>{0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75}));
}

TEST_F(DataJsonIdx, WithoutAScaleTheValuesAreTheFilesAndTheShapeMayBeTheSame) {
  write_pixels("pixels.idx.gz");
  Expected<DataSet> data = read_json(R"({"x": {"idx": "pixels.idx.gz"}})", {decl("x", false, {3, 2, 2})});
  ASSERT_TRUE(data) << data.error();
  EXPECT_EQ(data->find("x")->dims, (std::vector<int64_t>{3, 2, 2}));
  EXPECT_EQ(data->find("x")->reals, (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
}

TEST_F(DataJsonIdx, ARelativePathIsRelativeToTheJsonFilesDirectory) {
  std::filesystem::create_directories(dir_ / "data" / "images");
  write_pixels("data/images/pixels.idx.gz");
  std::string json = path("data/train.json");
  std::ofstream(json) << R"({"N": 3, "D": 4, "x": {"idx": "images/pixels.idx.gz", "scale": 0.25}})";
  Expected<DataSet> data = load_stan_json_file(json, {decl("N", true), decl("D", true), images("x")});
  ASSERT_TRUE(data) << data.error();
  EXPECT_EQ(data->find("x")->reals.back(), 2.75);

  // Not the working directory's: the same text read as text with no directory.
  Expected<DataSet> from_text = read_stan_json(R"({"N": 3, "D": 4, "x": {"idx": "images/pixels.idx.gz"}})", "d.json",
                                               {decl("N", true), decl("D", true), images("x")});
  ASSERT_FALSE(from_text);
  EXPECT_EQ(from_text.error(),
            "d.json: data field 'x': images/pixels.idx.gz: cannot read the IDX file: No such file or directory");
}

TEST_F(DataJsonIdx, AnIntFieldReadsAnInt32File) {
  Bytes bytes = idx_header(0x0C, {4});
  for (uint32_t v : {7u, 0u, 0xFFFFFFFEu, 0x7FFFFFFFu}) append_big_endian(bytes, v, 4);
  write_plain("labels.idx", bytes);
  Expected<DataSet> data =
      read_json(R"({"N": 4, "k": {"idx": "labels.idx"}})", {decl("N", true), sized_by("k", true, "N")});
  ASSERT_TRUE(data) << data.error();
  const DataValue* k = data->find("k");
  EXPECT_TRUE(k->is_int);
  EXPECT_EQ(k->dims, std::vector<int64_t>{4});
  EXPECT_EQ(k->ints, (std::vector<int64_t>{7, 0, -2, 2147483647}));
}

TEST_F(DataJsonIdx, AnIntFieldRefusesAFloatFileAndAScale) {
  Bytes bytes = idx_header(0x0D, {2});
  for (float v : {1.0f, 2.0f}) append_big_endian(bytes, std::bit_cast<uint32_t>(v), 4);
  std::string floats = write_plain("floats.idx", bytes);
  EXPECT_EQ(error_of(R"({"k": {"idx": "floats.idx"}})", {decl("k", true, {2})}),
            "d.json: data field 'k' is an int, but the IDX file " + floats + " holds 32-bit floating-point values");
  EXPECT_EQ(error_of(R"({"k": {"idx": "floats.idx", "scale": 2}})", {decl("k", true, {2})}),
            "d.json: data field 'k' is an int, so it takes no \"scale\"");
}

TEST_F(DataJsonIdx, AShapeThatDoesNotFitTheDeclarationIsAnError) {
  std::string pixels = write_pixels("pixels.idx.gz");
  // The first size differs; then the items hold 4 values, not 3.
  EXPECT_EQ(
      error_of(R"({"N": 100, "D": 4, "x": {"idx": "pixels.idx.gz"}})", {decl("N", true), decl("D", true), images("x")}),
      "d.json: data field 'x': the IDX file " + pixels + " holds 3 x 2 x 2 values; the declaration needs 100 x 4");
  EXPECT_EQ(
      error_of(R"({"N": 4, "D": 3, "x": {"idx": "pixels.idx.gz"}})", {decl("N", true), decl("D", true), images("x")}),
      "d.json: data field 'x': the IDX file " + pixels + " holds 3 x 2 x 2 values; the declaration needs 4 x 3");
  EXPECT_EQ(error_of(R"({"s": {"idx": "pixels.idx.gz"}})", {decl("s", false)}),
            "d.json: data field 's': the IDX file " + pixels +
                " holds 3 x 2 x 2 values; the declaration needs a single value");
}

TEST_F(DataJsonIdx, TheIdxReadersErrorsNameTheField) {
  std::string bad = write_plain("bad.idx", Bytes{0x89, 'P', 'N', 'G'});
  EXPECT_EQ(error_of_x(R"({"idx": "bad.idx"})"), "d.json: data field 'x': " + bad + ": not an IDX file (bad magic)");
  Bytes short_of_data = idx_header(0x08, {3, 2, 2});
  short_of_data.resize(short_of_data.size() + 5, 1);
  std::string truncated = write_gzipped("short.idx.gz", short_of_data);
  EXPECT_EQ(
      error_of_x(R"({"idx": "short.idx.gz"})"),
      "d.json: data field 'x': " + truncated + ": truncated: the header says 3 x 2 x 2 = 12 elements, the file has 5");
}

TEST_F(DataJsonIdx, ScaledValuesAreCheckedAgainstTheBoundsAsInlineValuesAre) {
  write_pixels("pixels.idx.gz");
  std::vector<DataDecl> decls = {decl("N", true), decl("D", true), images("x", 0.0, 1.0)};
  // 5 * 0.25 is the first value above 1: element 2.2.
  std::string inline_values = R"({"N": 3, "D": 4, "x": [[0, 0.25, 0.5, 0.75], [1, 1.25, 1.5, 1.75],
                                                        [2, 2.25, 2.5, 2.75]]})";
  std::string expected = "d.json: data field 'x': element 2.2 is 1.25, above its upper bound 1";
  EXPECT_EQ(error_of(inline_values, decls), expected);
  EXPECT_EQ(error_of(R"({"N": 3, "D": 4, "x": {"idx": "pixels.idx.gz", "scale": 0.25}})", decls), expected);
  EXPECT_EQ(error_of(R"({"N": 3, "D": 4, "x": {"idx": "pixels.idx.gz"}})",
                     {decl("N", true), decl("D", true), images("x", 2.0)}),
            "d.json: data field 'x': element 1.1 is 0, below its lower bound 2");
}

TEST_F(DataJsonIdx, NaNInAFloatFileIsAnError) {
  Bytes bytes = idx_header(0x0E, {2, 2});
  for (double v : {0.5, std::numeric_limits<double>::infinity(), std::nan(""), 1.0}) {
    append_big_endian(bytes, std::bit_cast<uint64_t>(v), 8);
  }
  write_plain("reals.idx", bytes);
  EXPECT_EQ(error_of(R"({"X": {"idx": "reals.idx", "scale": 2}})", {decl("X", false, {2, 2})}),
            "d.json: data field 'X': element 2.1 is NaN");
}

TEST_F(DataJsonIdx, AnObjectOfAnyOtherFormIsAnError) {
  write_pixels("pixels.idx.gz");
  const std::string form = R"(an object value must be {"idx": PATH} or {"idx": PATH, "scale": S})";
  EXPECT_EQ(error_of_x(R"({"idx": "pixels.idx.gz", "scale": 0.25, "offset": 1})"),
            "d.json: data field 'x' has the key \"offset\"; " + form);
  EXPECT_EQ(error_of_x(R"({})"), "d.json: data field 'x' has no key \"idx\"; " + form);
  EXPECT_EQ(error_of_x(R"({"scale": 0.25})"), "d.json: data field 'x' has no key \"idx\"; " + form);
  EXPECT_EQ(error_of_x(R"({"idx": "pixels.idx.gz", "idx": "other.idx"})"),
            "d.json: data field 'x' has the key \"idx\" twice");
  EXPECT_EQ(error_of_x(R"({"idx": 3})"),
            "d.json: data field 'x': \"idx\" must be a string, the IDX file's path, but is 3");
  EXPECT_EQ(error_of_x(R"({"idx": ["pixels.idx.gz"]})"),
            "d.json: data field 'x': \"idx\" must be a string, the IDX file's path, but is an array");
  EXPECT_EQ(error_of_x(R"({"idx": ""})"), "d.json: data field 'x': \"idx\" is empty; it must be the IDX file's path");
  EXPECT_EQ(error_of_x(R"({"idx": "pix\u001b[2Jels"})"),
            "d.json: data field 'x': \"idx\" must be a path of printable characters without quotes or backslashes, "
            "but is \"pix\\x1b[2Jels\"");
  EXPECT_EQ(error_of_x(R"({"idx": ")" + std::string(5000, 'a') + R"("})"),
            "d.json: data field 'x': \"idx\" is 5000 bytes long, longer than a path may be (4096)");
  for (auto [scale, spelled] :
       {std::pair{"0", "0"}, std::pair{"-0.5", "-0.5"}, std::pair{"\"Inf\"", "the string \"Inf\""},
        std::pair{"null", "null"}, std::pair{"[1]", "an array"}}) {
    EXPECT_EQ(error_of_x(R"({"idx": "pixels.idx.gz", "scale": )" + std::string(scale) + "}"),
              "d.json: data field 'x': \"scale\" must be a finite positive number, but is " + std::string(spelled));
  }
  // An object anywhere but as a field's whole value is not data.
  EXPECT_EQ(error_of(R"({"y": [1, {"idx": "pixels.idx.gz"}]})", {decl("y", false, {2})}),
            "d.json: data field 'y' must be a real, but element 2 is an object");
}

}  // namespace
}  // namespace vic::runtime
