// Small IDX files written by the tests themselves, plain or gzipped: the
// header and big-endian elements spelled out byte by byte, so a test states
// exactly what the file holds.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "tests/runtime/scratch_directory.h"

namespace vic::runtime {

using Bytes = std::vector<uint8_t>;

// The IDX header: magic (0, 0, type, rank) then the big-endian sizes.
inline Bytes idx_header(uint8_t type, const std::vector<uint32_t>& dims) {
  Bytes bytes = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<uint8_t>(d >> shift));
  }
  return bytes;
}

// `value`'s low `size` bytes, big-endian, appended to `bytes`.
inline void append_big_endian(Bytes& bytes, uint64_t value, int size) {
  for (int shift = 8 * (size - 1); shift >= 0; shift -= 8) bytes.push_back(static_cast<uint8_t>(value >> shift));
}

// A scratch directory to write IDX files into.
class IdxFileTest : public ScratchDirectoryTest {
 protected:
  // Writes `bytes` as the file `name` in the directory; returns its path.
  std::string write_plain(const std::string& name, const Bytes& bytes) const {
    std::ofstream(path(name), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return path(name);
  }
  // The same, gzipped.
  std::string write_gzipped(const std::string& name, const Bytes& bytes) const {
    gzFile file = gzopen(path(name).c_str(), "wb");
    EXPECT_NE(file, nullptr);
    EXPECT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
    EXPECT_EQ(gzclose(file), Z_OK);
    return path(name);
  }
};

}  // namespace vic::runtime
