// Tests for the Stan JSON loader against hostile files: numbers beyond every
// range, text that would flood or drive a terminal, nesting that would overflow
// a recursive parser, declared sizes that would exhaust memory if trusted. Each
// case is an error with its exact message (or, for what Stan allows, a value).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/data.h"
#include "support/limits.h"

namespace vic::runtime {
namespace {

using namespace std::string_literals;

DataDecl decl(const std::string& name, bool is_int, std::vector<int64_t> dims = {}) {
  DataDecl d;
  d.name = name;
  d.is_int = is_int;
  d.dims = [dims](const DataSet&) -> Expected<std::vector<int64_t>> { return dims; };
  return d;
}

// `vector[N] name`: one dim read from the int N loaded earlier.
DataDecl sized_by(const std::string& name, bool is_int, const std::string& size_name) {
  DataDecl d;
  d.name = name;
  d.is_int = is_int;
  d.dims = [size_name](const DataSet& data) -> Expected<std::vector<int64_t>> {
    return std::vector<int64_t>{data.find(size_name)->ints.at(0)};
  };
  return d;
}

std::string error_of(const std::string& text, const std::vector<DataDecl>& decls) {
  Expected<DataSet> data = read_stan_json(text, "d.json", decls);
  EXPECT_FALSE(data) << "expected an error for " << text.substr(0, 200);
  return data ? "" : data.error();
}

std::string digits(size_t n) { return "1" + std::string(n - 1, '0'); }

// The first 60 characters of a long number, as messages spell it.
std::string spelled_digits(size_t n) {
  return std::string(digits(n)).substr(0, 60) + "... (" + std::to_string(n) + " characters)";
}

// ----- Numbers beyond the range of a double or an int

TEST(DataHostile, NumberBeyondTheRangeOfADoubleInAnIntField) {
  EXPECT_EQ(error_of(R"({"N": 1e400})", {decl("N", true)}),
            "d.json: data field 'N' is 1e400, outside the range of an int");
}

TEST(DataHostile, NumberBeyondTheRangeOfADoubleInARealField) {
  EXPECT_EQ(error_of(R"({"y": [1, -1e400]})", {decl("y", false, {2})}),
            "d.json: data field 'y': element 2 is -1e400, outside the range of a double");
  EXPECT_EQ(error_of(R"({"y": [[1, 2], [3, 1.5e999]]})", {decl("y", false, {2, 2})}),
            "d.json: data field 'y': element 2.2 is 1.5e999, outside the range of a double");
}

TEST(DataHostile, FourHundredDigitIntegerInAnIntField) {
  EXPECT_EQ(error_of("{\"N\": " + digits(400) + "}", {decl("N", true)}),
            "d.json: data field 'N' is " + spelled_digits(400) + ", outside the range of an int");
}

TEST(DataHostile, FourHundredDigitIntegerInARealField) {
  EXPECT_EQ(error_of("{\"y\": [2, " + digits(400) + "]}", {decl("y", false, {2})}),
            "d.json: data field 'y': element 2 is " + spelled_digits(400) + ", outside the range of a double");
}

TEST(DataHostile, IntegerBeyondInt64IsOutsideTheRangeOfAnInt) {
  // 2^63 (unsigned in JSON terms), 10^19 + 1, and 10^300 (beyond uint64, within double).
  EXPECT_EQ(error_of(R"({"N": 9223372036854775808})", {decl("N", true)}),
            "d.json: data field 'N' is 9223372036854775808, outside the range of an int");
  EXPECT_EQ(error_of(R"({"k": [1, 100000000000000000001]})", {decl("k", true, {2})}),
            "d.json: data field 'k': element 2 is 100000000000000000001, outside the range of an int");
  EXPECT_EQ(error_of("{\"N\": -" + digits(301) + "}", {decl("N", true)}),
            "d.json: data field 'N' is -" + std::string(digits(301)).substr(0, 59) +
                "... (302 characters), outside the range of an int");
}

TEST(DataHostile, LongIntegerInARealFieldIsARealNumber) {
  Expected<DataSet> data =
      read_stan_json("{\"y\": [" + digits(301) + ", 18446744073709551616]}", "d.json", {decl("y", false, {2})});
  ASSERT_TRUE(data) << data.error();
  EXPECT_EQ(data->find("y")->reals, (std::vector<double>{1e300, 18446744073709551616.0}));
}

TEST(DataHostile, NumberOverflowInAFieldTheModelDoesNotDeclare) {
  EXPECT_EQ(error_of(R"({"N": 1, "extra": [[0, 1e400]]})", {decl("N", true)}),
            "d.json: data field 'extra': element 1.2 is 1e400, outside the range of a double");
}

TEST(DataHostile, NumberOverflowAtTheTopLevelGivesLineAndColumn) {
  EXPECT_EQ(error_of("\n  1e400", {}), "d.json: line 2, column 3: the number 1e400 is outside the range of a double");
}

TEST(DataHostile, NonFiniteSpellingsStayAccepted) {
  Expected<DataSet> data = read_stan_json(R"({"y": "Inf", "z": ["-Inf", "+Infinity"]})", "d.json",
                                          {decl("y", false), decl("z", false, {2})});
  ASSERT_TRUE(data) << data.error();
  EXPECT_TRUE(std::isinf(data->find("y")->reals[0]));
  EXPECT_EQ(data->find("z")->reals, (std::vector<double>{-INFINITY, INFINITY}));
}

// ----- Text that must not reach the terminal as it is

TEST(DataHostile, MegabyteStringIsCut) {
  std::string huge(1 << 20, 'a');
  EXPECT_EQ(error_of(R"({"y": [1, ")" + huge + R"("]})", {decl("y", false, {2})}),
            "d.json: data field 'y' must be a real, but element 2 is the string \"" + std::string(60, 'a') +
                "\"... (1048576 bytes)");
}

TEST(DataHostile, UnterminatedMegabyteStringIsCutInTheParseError) {
  std::string huge(1 << 20, 'a');
  EXPECT_EQ(error_of(R"({"y": ")" + huge, {decl("y", false)}),
            "d.json: malformed JSON: parse error at line 1, column 1048584: syntax error while parsing value - "
            "invalid string: missing closing quote; last read: '\"" +
                std::string(59, 'a') + "'... (1048577 bytes)");
}

TEST(DataHostile, EscapeSequenceInAStringIsShownEscaped) {
  EXPECT_EQ(error_of(R"({"y": "\u001b[2J\u001b[31mok"})", {decl("y", false)}),
            "d.json: data field 'y' must be a real, but is the string \"\\x1b[2J\\x1b[31mok\"");
}

TEST(DataHostile, RawEscapeCharacterIsAParseErrorShownEscaped) {
  EXPECT_EQ(error_of("{\"y\": \"\x1b[31m\"}", {decl("y", false)}),
            "d.json: malformed JSON: parse error at line 1, column 8: syntax error while parsing value - invalid "
            "string: control character U+001B (ESC) must be escaped to \\u001B; last read: '\"<U+001B>'");
}

TEST(DataHostile, NulInAStringIsShownEscaped) {
  EXPECT_EQ(error_of(R"({"y": "1\u0000"})", {decl("y", false)}),
            "d.json: data field 'y' must be a real, but is the string \"1\\x00\"");
}

TEST(DataHostile, InvalidUtf8InAStringIsShownEscaped) {
  EXPECT_EQ(error_of("{\"y\": \"ab\xff\xfe\"}", {decl("y", false)}),
            "d.json: malformed JSON: parse error at line 1, column 10: syntax error while parsing value - invalid "
            "string: ill-formed UTF-8 byte; last read: '\"ab\\xff'");
}

TEST(DataHostile, InvalidUtf8InAKeyIsShownEscaped) {
  EXPECT_EQ(error_of("{\"y\xc0\": 1}", {decl("y", false)}),
            "d.json: malformed JSON: parse error at line 1, column 4: syntax error while parsing object key - invalid "
            "string: ill-formed UTF-8 byte; last read: '\"y\\xc0'; expected string literal");
}

TEST(DataHostile, HostileKeyIsShownEscaped) {
  // A key is quoted only when a message is about its field; here it appears twice.
  EXPECT_EQ(error_of(R"({"\u001b]0;x\u0007": 1, "\u001b]0;x\u0007": 2})", {}),
            "d.json: data field '\\x1b]0;x\\x07' appears twice");
  std::string long_key(5000, 'k');
  EXPECT_EQ(
      error_of("{\"" + long_key + "\": 1e999}", {}),
      "d.json: data field '" + std::string(60, 'k') + "'... (5000 bytes) is 1e999, outside the range of a double");
}

TEST(DataHostile, RepeatedFieldIsAnError) {
  EXPECT_EQ(error_of(R"({"N": 2, "y": [1, 2], "N": 3})", {decl("N", true)}), "d.json: data field 'N' appears twice");
}

// ----- Nesting and sizes

TEST(DataHostile, HundredThousandDeepNestingIsAnError) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(error_of("{\"y\": " + deep + "}", {decl("y", false, {1})}),
            "d.json: data field 'y' nests arrays and objects more than 256 deep");
  EXPECT_EQ(error_of("{\"unused\": " + deep + "}", {}),
            "d.json: data field 'unused' nests arrays and objects more than 256 deep");
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\": ";
  EXPECT_EQ(error_of(objects, {}), "d.json: data field 'a' nests arrays and objects more than 256 deep");
}

TEST(DataHostile, NestingUpToTheLimitIsRead) {
  // The top-level object and 255 arrays: 256 levels.
  std::string deep = std::string(255, '[') + std::string(255, ']');
  Expected<DataSet> data = read_stan_json("{\"N\": 1, \"unused\": " + deep + "}", "d.json", {decl("N", true)});
  ASSERT_TRUE(data) << data.error();
  EXPECT_EQ(error_of("{\"unused\": [" + deep + "]}", {}),
            "d.json: data field 'unused' nests arrays and objects more than 256 deep");
}

TEST(DataHostile, HugeDeclaredSizeWithASmallArrayIsASizeMismatch) {
  // Nothing is allocated from the declared size: only what the file holds.
  EXPECT_EQ(error_of(R"({"N": 2147483647, "y": [1, 2, 3]})", {decl("N", true), sized_by("y", false, "N")}),
            "d.json: data field 'y' has size 3, but its declaration needs 2147483647");
  EXPECT_EQ(error_of(R"({"N": 2147483647, "k": []})", {decl("N", true), sized_by("k", true, "N")}),
            "d.json: data field 'k' has size 0, but its declaration needs 2147483647");
}

TEST(DataHostile, DeclaredSizesBeyondTheContainerLimitAreAnError) {
  EXPECT_EQ(error_of(R"({"X": [[1]]})", {decl("X", false, {2147483647, 2147483647})}),
            "d.json: data field 'X' is declared with sizes 2147483647 x 2147483647, more than the 2147483647 "
            "elements a container may hold");
  EXPECT_EQ(error_of(R"({"X": []})", {decl("X", false, {65536, 65536})}),
            "d.json: data field 'X' is declared with sizes 65536 x 65536, more than the 2147483647 elements a "
            "container may hold");
}

TEST(DataHostile, ZeroSizeBesideHugeSizesHoldsNothing) {
  Expected<DataSet> data =
      read_stan_json(R"({"X": []})", "d.json", {decl("X", false, {0, 4611686018427387904, 4611686018427387904})});
  ASSERT_TRUE(data) << data.error();
  EXPECT_EQ(data->find("X")->size(), 0u);
}

TEST(DataHostile, FileLargerThanMemoryIsRefusedBeforeReading) {
  // A sparse file: its size without its bytes on disk.
  std::string path = ::testing::TempDir() + "vic_data_hostile_huge.json";
  std::ofstream(path).put('{');
  uint64_t size = limits::memory_budget_bytes() + 1;
  std::error_code error;
  std::filesystem::resize_file(path, size, error);
  if (error) {
    std::remove(path.c_str());
    GTEST_SKIP() << "cannot make a sparse file of " << size << " bytes: " << error.message();
  }
  Expected<DataSet> data = load_stan_json_file(path, {decl("N", true)});
  std::remove(path.c_str());
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error(), path + ": the data file is " + limits::format_bytes(size) + ", more than " +
                              limits::describe_memory_budget());
}

}  // namespace
}  // namespace vic::runtime
