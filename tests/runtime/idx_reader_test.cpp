// read_idx_file: every element type read back exactly from small IDX files the
// test writes itself, plain and gzipped, and every way a file can be wrong
// reported with its exact message.
#include "runtime/idx_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace vic::runtime {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

// The IDX header: magic (0, 0, type, rank) then the big-endian sizes.
Bytes header(uint8_t type, const std::vector<uint32_t>& dims) {
  Bytes bytes = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<uint8_t>(d >> shift));
  }
  return bytes;
}

// `value`'s low `size` bytes, big-endian, appended to `bytes`.
void append_big_endian(Bytes& bytes, uint64_t value, int size) {
  for (int shift = 8 * (size - 1); shift >= 0; shift -= 8) bytes.push_back(static_cast<uint8_t>(value >> shift));
}

// A fresh directory per test, removed afterwards.
class IdxReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vic_idx_reader_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::string write_plain(const std::string& name, const Bytes& bytes) const {
    std::ofstream(path(name), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return path(name);
  }
  std::string write_gzipped(const std::string& name, const Bytes& bytes) const {
    gzFile file = gzopen(path(name).c_str(), "wb");
    EXPECT_NE(file, nullptr);
    EXPECT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
    EXPECT_EQ(gzclose(file), Z_OK);
    return path(name);
  }
  static Bytes read_bytes(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    return Bytes(s.begin(), s.end());
  }

  fs::path dir_;
};

// Reads `bytes` written plain and gzipped; both must give the same array.
#define EXPECT_READS_BOTH_WAYS(bytes, expected_dims, expected_values)                            \
  for (bool gzipped : {false, true}) {                                                           \
    std::string file = gzipped ? write_gzipped("a.idx.gz", bytes) : write_plain("a.idx", bytes); \
    Expected<IdxArray> array = read_idx_file(file);                                              \
    ASSERT_TRUE(array) << array.error();                                                         \
    EXPECT_EQ(array->dims, (expected_dims)) << (gzipped ? "gzipped" : "plain");                  \
    EXPECT_EQ(array->values, (expected_values)) << (gzipped ? "gzipped" : "plain");              \
  }

TEST_F(IdxReaderTest, ReadsUnsignedBytesRowMajor) {
  Bytes bytes = header(0x08, {2, 3});
  for (uint8_t v : {0, 1, 127, 128, 254, 255}) bytes.push_back(v);
  EXPECT_READS_BOTH_WAYS(bytes, (std::vector<int64_t>{2, 3}), (std::vector<double>{0, 1, 127, 128, 254, 255}));
  EXPECT_EQ(read_idx_file(write_plain("b.idx", bytes))->element_type, IdxElementType::kUint8);
}

TEST_F(IdxReaderTest, ReadsSignedBytes) {
  Bytes bytes = header(0x09, {4});
  for (uint8_t v : {0x00, 0x7F, 0x80, 0xFF}) bytes.push_back(v);
  EXPECT_READS_BOTH_WAYS(bytes, (std::vector<int64_t>{4}), (std::vector<double>{0, 127, -128, -1}));
}

TEST_F(IdxReaderTest, ReadsBigEndianInt16) {
  Bytes bytes = header(0x0B, {1, 4});
  for (uint16_t v : {0x0102, 0x7FFF, 0x8000, 0xFFFE}) append_big_endian(bytes, v, 2);
  EXPECT_READS_BOTH_WAYS(bytes, (std::vector<int64_t>{1, 4}), (std::vector<double>{258, 32767, -32768, -2}));
}

TEST_F(IdxReaderTest, ReadsBigEndianInt32) {
  Bytes bytes = header(0x0C, {3});
  for (uint32_t v : {0x01020304u, 0x7FFFFFFFu, 0x80000000u}) append_big_endian(bytes, v, 4);
  EXPECT_READS_BOTH_WAYS(bytes, (std::vector<int64_t>{3}), (std::vector<double>{16909060, 2147483647, -2147483648.0}));
}

TEST_F(IdxReaderTest, ReadsBigEndianFloat32) {
  const std::vector<float> floats = {0.5f, -1.25f, 3.1415927f, 1e-40f /* subnormal */};
  Bytes bytes = header(0x0D, {2, 2});
  for (float v : floats) append_big_endian(bytes, std::bit_cast<uint32_t>(v), 4);
  std::vector<double> expected(floats.begin(), floats.end());
  EXPECT_READS_BOTH_WAYS(bytes, (std::vector<int64_t>{2, 2}), expected);
}

TEST_F(IdxReaderTest, ReadsBigEndianFloat64) {
  const std::vector<double> doubles = {0.1, -2.5e300, std::numeric_limits<double>::infinity()};
  Bytes bytes = header(0x0E, {3, 1, 1});
  for (double v : doubles) append_big_endian(bytes, std::bit_cast<uint64_t>(v), 8);
  EXPECT_READS_BOTH_WAYS(bytes, (std::vector<int64_t>{3, 1, 1}), doubles);
  EXPECT_EQ(read_idx_file(write_plain("b.idx", bytes))->element_type, IdxElementType::kFloat64);
}

TEST_F(IdxReaderTest, ReadsAnArrayWithAZeroSize) {
  EXPECT_READS_BOTH_WAYS(header(0x08, {0, 28, 28}), (std::vector<int64_t>{0, 28, 28}), std::vector<double>{});
}

TEST_F(IdxReaderTest, ReadsDataLongerThanOneChunk) {
  // 3 MiB of bytes: the reader's 1 MiB chunks join up in order.
  const uint32_t n = 3 << 20;
  Bytes bytes = header(0x08, {n});
  for (uint32_t i = 0; i < n; ++i) bytes.push_back(static_cast<uint8_t>(i * 7 + i / 256));
  Expected<IdxArray> array = read_idx_file(write_gzipped("big.idx.gz", bytes));
  ASSERT_TRUE(array) << array.error();
  ASSERT_EQ(array->values.size(), n);
  for (uint32_t i : {0u, 1u, (1u << 20) - 1, 1u << 20, n - 1}) {
    EXPECT_EQ(array->values[i], static_cast<uint8_t>(i * 7 + i / 256)) << i;
  }
}

TEST_F(IdxReaderTest, AMissingFileIsAnError) {
  std::string file = path("absent.idx");
  Expected<IdxArray> array = read_idx_file(file);
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error(), file + ": cannot read the IDX file: No such file or directory");
}

TEST_F(IdxReaderTest, ADirectoryIsAnError) {
  Expected<IdxArray> array = read_idx_file(dir_.string());
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error(), dir_.string() + ": cannot read the IDX file: Is a directory");
}

TEST_F(IdxReaderTest, BadMagicIsAnError) {
  // A PNG signature, and an IDX header whose first two bytes are not zero.
  for (const Bytes& bytes : {Bytes{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}, Bytes{0, 1, 0x08, 1, 0, 0, 0, 0}}) {
    std::string file = write_plain("bad.idx", bytes);
    Expected<IdxArray> array = read_idx_file(file);
    ASSERT_FALSE(array);
    EXPECT_EQ(array.error(), file + ": not an IDX file (bad magic)");
  }
}

TEST_F(IdxReaderTest, AFileShorterThanTheMagicIsAnError) {
  std::string file = write_plain("short.idx", Bytes{0, 0});
  Expected<IdxArray> array = read_idx_file(file);
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error(), file + ": not an IDX file (2 bytes, fewer than the 4 of the magic number)");
}

TEST_F(IdxReaderTest, AnUnknownElementTypeIsAnError) {
  std::string file = write_plain("type.idx", header(0x0A, {1}));
  Expected<IdxArray> array = read_idx_file(file);
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error(), file + ": not an IDX file (unknown element type 0x0A)");
}

TEST_F(IdxReaderTest, ZeroDimensionsIsAnError) {
  std::string file = write_plain("rank.idx", Bytes{0, 0, 0x08, 0, 42});
  Expected<IdxArray> array = read_idx_file(file);
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error(), file + ": not an IDX file (0 dimensions)");
}

TEST_F(IdxReaderTest, SizesCutShortAreAnError) {
  Bytes bytes = header(0x08, {60000, 28, 28});
  bytes.resize(4 + 4 + 2);
  std::string file = write_plain("sizes.idx", bytes);
  Expected<IdxArray> array = read_idx_file(file);
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error(), file + ": truncated: the header declares 3 dimensions, the file ends within their sizes");
}

TEST_F(IdxReaderTest, TooFewElementsIsAnErrorCountingWholeElements) {
  Bytes bytes = header(0x08, {60000, 28, 28});
  bytes.resize(bytes.size() + 1234, 7);
  for (bool gzipped : {false, true}) {
    std::string file = gzipped ? write_gzipped("images.gz", bytes) : write_plain("images", bytes);
    Expected<IdxArray> array = read_idx_file(file);
    ASSERT_FALSE(array);
    EXPECT_EQ(array.error(),
              file + ": truncated: the header says 60000 x 28 x 28 = 47040000 elements, the file has 1234");
  }
  // 9 bytes of int32 data hold 2 whole elements.
  Bytes ints = header(0x0C, {5});
  ints.resize(ints.size() + 9, 0);
  std::string file = write_plain("ints.idx", ints);
  Expected<IdxArray> array = read_idx_file(file);
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error(), file + ": truncated: the header says 5 elements, the file has 2");
}

TEST_F(IdxReaderTest, DataAfterTheElementsIsAnError) {
  Bytes bytes = header(0x08, {2, 3});
  bytes.resize(bytes.size() + 7, 1);
  for (bool gzipped : {false, true}) {
    std::string file = gzipped ? write_gzipped("long.gz", bytes) : write_plain("long", bytes);
    Expected<IdxArray> array = read_idx_file(file);
    ASSERT_FALSE(array);
    EXPECT_EQ(array.error(), file + ": the header says 2 x 3 = 6 elements, but the file has more data after them");
  }
}

TEST_F(IdxReaderTest, MoreElementsThanAContainerMayHoldIsAnErrorBeforeReading) {
  std::string file = write_plain("huge.idx", header(0x08, {4294967295u, 4294967295u, 2}));
  Expected<IdxArray> array = read_idx_file(file);
  ASSERT_FALSE(array);
  EXPECT_EQ(
      array.error(),
      file + ": the header says 4294967295 x 4294967295 x 2 elements, more than the 2147483647 an array may hold");
}

TEST_F(IdxReaderTest, ABadGzipChecksumIsAnError) {
  Bytes bytes = header(0x08, {4});
  for (uint8_t v : {1, 2, 3, 4}) bytes.push_back(v);
  std::string file = write_gzipped("crc.idx.gz", bytes);
  Bytes gz = read_bytes(file);
  // The gzip trailer is the CRC-32 of the data, then its length, 4 bytes each.
  gz[gz.size() - 8] ^= 0xFF;
  write_plain("crc.idx.gz", gz);
  Expected<IdxArray> array = read_idx_file(file);
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error(), file + ": corrupt gzip data (incorrect data check)");
}

TEST_F(IdxReaderTest, CorruptDeflateDataIsAnError) {
  Bytes bytes = header(0x08, {64});
  bytes.resize(bytes.size() + 64, 9);
  std::string file = write_gzipped("bad.idx.gz", bytes);
  Bytes gz = read_bytes(file);
  // The first deflate block header follows the 10-byte gzip header; block
  // type 3 (bits 1-2 set) is reserved.
  gz[10] |= 0x06;
  write_plain("bad.idx.gz", gz);
  Expected<IdxArray> array = read_idx_file(file);
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error(), file + ": corrupt gzip data (invalid block type)");
}

TEST_F(IdxReaderTest, ACutShortGzipStreamIsAnError) {
  Bytes bytes = header(0x08, {100});
  for (int i = 0; i < 100; ++i) bytes.push_back(static_cast<uint8_t>(i * 37));
  std::string file = write_gzipped("cut.idx.gz", bytes);
  Bytes gz = read_bytes(file);
  gz.resize(gz.size() - 12);
  write_plain("cut.idx.gz", gz);
  Expected<IdxArray> array = read_idx_file(file);
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error(), file + ": truncated gzip data (unexpected end of file)");
}

}  // namespace
}  // namespace vic::runtime
