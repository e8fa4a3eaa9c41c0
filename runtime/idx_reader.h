// IDX files, the format of MNIST and Fashion-MNIST (LeCun's "THE IDX FILE
// FORMAT"): a 4-byte magic number (two zero bytes, an element-type code, the
// number of dimensions), each dimension's size as a big-endian 32-bit integer,
// then the elements, big-endian, row-major. Files may be gzipped (as they are
// distributed) or not; which is told from the content, not the name. Every
// problem with the file is an Error naming it, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/expected.h"

namespace vic::runtime {

// The element types IDX defines, by their codes in the magic number.
enum class IdxElementType : uint8_t {
  kUint8 = 0x08,
  kInt8 = 0x09,
  kInt16 = 0x0B,
  kInt32 = 0x0C,
  kFloat32 = 0x0D,
  kFloat64 = 0x0E,
};

// An IDX file's contents.
struct IdxArray {
  // The type the file stores its elements as.
  IdxElementType element_type = IdxElementType::kUint8;
  // The sizes, outermost first: {60000, 28, 28} for MNIST's training images.
  std::vector<int64_t> dims;
  // Every element converted to double (exactly: each IDX type fits), row-major.
  std::vector<double> values;
};

// Reads the IDX file at `path`, gzipped or not. An Error, starting with the
// path, when the file cannot be read ("PATH: cannot read the IDX file: No such
// file or directory"), is not IDX ("PATH: not an IDX file (bad magic)"), is
// corrupt or cut-short gzip, holds fewer or more elements than its header
// declares ("PATH: truncated: the header says 60000 x 28 x 28 = 47040000
// elements, the file has 1234"), or declares more than a container may hold.
// Memory grows with the data actually read, not with the header's claim.
Expected<IdxArray> read_idx_file(const std::string& path);

}  // namespace vic::runtime
