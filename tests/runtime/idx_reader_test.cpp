// read_idx_file: every element type read back exactly from small IDX files the
// test writes itself, plain and gzipped, and every way a file can be wrong
// reported with its exact message.
#include "runtime/idx_reader.h"

#include <gtest/gtest.h>

#include <bit>
#include <fstream>
#include <functional>
#include <limits>

#include "tests/runtime/idx_test_files.h"

namespace vic::runtime {
namespace {

// Reads back what it wrote: gzipped and then damaged, or both plain and gzipped.
class IdxReaderTest : public IdxFileTest {
 protected:
  // The message read_idx_file gives for `bytes` gzipped and then changed by `damage`.
  std::string error_of_damaged_gzip(const Bytes& bytes, const std::function<void(Bytes&)>& damage) const {
    std::string file = write_gzipped("damaged.idx.gz", bytes);
    std::string text = read(file);
    Bytes gz(text.begin(), text.end());
    damage(gz);
    write_plain("damaged.idx.gz", gz);
    Expected<IdxArray> array = read_idx_file(file);
    EXPECT_FALSE(array);
    return array ? "" : array.error();
  }
  // Reads `bytes` written plain and gzipped; both must give these dims and values.
  void expect_reads_both_ways(const Bytes& bytes, const std::vector<int64_t>& dims,
                              const std::vector<double>& values) const {
    for (bool gzipped : {false, true}) {
      SCOPED_TRACE(gzipped ? "gzipped" : "plain");
      Expected<IdxArray> array =
          read_idx_file(gzipped ? write_gzipped("a.idx.gz", bytes) : write_plain("a.idx", bytes));
      ASSERT_TRUE(array) << array.error();
      EXPECT_EQ(array->dims, dims);
      EXPECT_EQ(array->values, values);
    }
  }
};

TEST_F(IdxReaderTest, ReadsUnsignedBytesRowMajor) {
  Bytes bytes = idx_header(0x08, {2, 3});
  for (uint8_t v : {0, 1, 127, 128, 254, 255}) bytes.push_back(v);
  expect_reads_both_ways(bytes, {2, 3}, {0, 1, 127, 128, 254, 255});
  EXPECT_EQ(read_idx_file(write_plain("b.idx", bytes))->element_type, IdxElementType::kUint8);
}

TEST_F(IdxReaderTest, ReadsSignedBytes) {
  Bytes bytes = idx_header(0x09, {4});
  for (uint8_t v : {0x00, 0x7F, 0x80, 0xFF}) bytes.push_back(v);
  expect_reads_both_ways(bytes, {4}, {0, 127, -128, -1});
}

TEST_F(IdxReaderTest, ReadsBigEndianInt16) {
  Bytes bytes = idx_header(0x0B, {1, 4});
  for (uint16_t v : {0x0102, 0x7FFF, 0x8000, 0xFFFE}) append_big_endian(bytes, v, 2);
  expect_reads_both_ways(bytes, {1, 4}, {258, 32767, -32768, -2});
}

TEST_F(IdxReaderTest, ReadsBigEndianInt32) {
  Bytes bytes = idx_header(0x0C, {3});
  for (uint32_t v : {0x01020304u, 0x7FFFFFFFu, 0x80000000u}) append_big_endian(bytes, v, 4);
  expect_reads_both_ways(bytes, {3}, {16909060, 2147483647, -2147483648.0});
}

TEST_F(IdxReaderTest, ReadsBigEndianFloat32) {
  const std::vector<float> floats = {0.5f, -1.25f, 3.1415927f, 1e-40f /* subnormal */};
  Bytes bytes = idx_header(0x0D, {2, 2});
  for (float v : floats) append_big_endian(bytes, std::bit_cast<uint32_t>(v), 4);
  std::vector<double> expected(floats.begin(), floats.end());
  expect_reads_both_ways(bytes, {2, 2}, expected);
}

TEST_F(IdxReaderTest, ReadsBigEndianFloat64) {
  const std::vector<double> doubles = {0.1, -2.5e300, std::numeric_limits<double>::infinity()};
  Bytes bytes = idx_header(0x0E, {3, 1, 1});
  for (double v : doubles) append_big_endian(bytes, std::bit_cast<uint64_t>(v), 8);
  expect_reads_both_ways(bytes, {3, 1, 1}, doubles);
  EXPECT_EQ(read_idx_file(write_plain("b.idx", bytes))->element_type, IdxElementType::kFloat64);
}

TEST_F(IdxReaderTest, ReadsAnArrayWithAZeroSize) {
  expect_reads_both_ways(idx_header(0x08, {0, 28, 28}), {0, 28, 28}, std::vector<double>{});
}

TEST_F(IdxReaderTest, ReadsDataLongerThanOneChunk) {
  // 3 MiB of bytes: the reader's 1 MiB chunks join up in order.
  const uint32_t n = 3 << 20;
  Bytes bytes = idx_header(0x08, {n});
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
  std::string file = write_plain("type.idx", idx_header(0x0A, {1}));
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
  Bytes bytes = idx_header(0x08, {60000, 28, 28});
  bytes.resize(4 + 4 + 2);
  std::string file = write_plain("sizes.idx", bytes);
  Expected<IdxArray> array = read_idx_file(file);
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error(), file + ": truncated: the header declares 3 dimensions, the file ends within their sizes");
}

TEST_F(IdxReaderTest, TooFewElementsIsAnErrorCountingWholeElements) {
  Bytes bytes = idx_header(0x08, {60000, 28, 28});
  bytes.resize(bytes.size() + 1234, 7);
  for (bool gzipped : {false, true}) {
    std::string file = gzipped ? write_gzipped("images.gz", bytes) : write_plain("images", bytes);
    Expected<IdxArray> array = read_idx_file(file);
    ASSERT_FALSE(array);
    EXPECT_EQ(array.error(),
              file + ": truncated: the header says 60000 x 28 x 28 = 47040000 elements, the file has 1234");
  }
  // 9 bytes of int32 data hold 2 whole elements.
  Bytes ints = idx_header(0x0C, {5});
  ints.resize(ints.size() + 9, 0);
  std::string file = write_plain("ints.idx", ints);
  Expected<IdxArray> array = read_idx_file(file);
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error(), file + ": truncated: the header says 5 elements, the file has 2");
}

TEST_F(IdxReaderTest, DataAfterTheElementsIsAnError) {
  Bytes bytes = idx_header(0x08, {2, 3});
  bytes.resize(bytes.size() + 7, 1);
  for (bool gzipped : {false, true}) {
    std::string file = gzipped ? write_gzipped("long.gz", bytes) : write_plain("long", bytes);
    Expected<IdxArray> array = read_idx_file(file);
    ASSERT_FALSE(array);
    EXPECT_EQ(array.error(), file + ": the header says 2 x 3 = 6 elements, but the file has more data after them");
  }
}

TEST_F(IdxReaderTest, MoreElementsThanAContainerMayHoldIsAnErrorBeforeReading) {
  std::string file = write_plain("huge.idx", idx_header(0x08, {4294967295u, 4294967295u, 2}));
  Expected<IdxArray> array = read_idx_file(file);
  ASSERT_FALSE(array);
  EXPECT_EQ(
      array.error(),
      file + ": the header says 4294967295 x 4294967295 x 2 elements, more than the 2147483647 an array may hold");
}

TEST_F(IdxReaderTest, ABadGzipChecksumIsAnError) {
  Bytes bytes = idx_header(0x08, {4});
  for (uint8_t v : {1, 2, 3, 4}) bytes.push_back(v);
  // The gzip trailer is the CRC-32 of the data, then its length, 4 bytes each.
  EXPECT_EQ(error_of_damaged_gzip(bytes, [](Bytes& gz) { gz[gz.size() - 8] ^= 0xFF; }),
            path("damaged.idx.gz") + ": corrupt gzip data (incorrect data check)");
}

TEST_F(IdxReaderTest, CorruptDeflateDataIsAnError) {
  Bytes bytes = idx_header(0x08, {64});
  bytes.resize(bytes.size() + 64, 9);
  // The first deflate block header follows the 10-byte gzip header; block
  // type 3 (bits 1-2 set) is reserved.
  EXPECT_EQ(error_of_damaged_gzip(bytes, [](Bytes& gz) { gz[10] |= 0x06; }),
            path("damaged.idx.gz") + ": corrupt gzip data (invalid block type)");
}

TEST_F(IdxReaderTest, ACutShortGzipStreamIsAnError) {
  Bytes bytes = idx_header(0x08, {100});
  for (int i = 0; i < 100; ++i) bytes.push_back(static_cast<uint8_t>(i * 37));
  EXPECT_EQ(error_of_damaged_gzip(bytes, [](Bytes& gz) { gz.resize(gz.size() - 12); }),
            path("damaged.idx.gz") + ": truncated gzip data (unexpected end of file)");
}

}  // namespace
}  // namespace vic::runtime
