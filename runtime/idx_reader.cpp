// read_idx_file: IDX through zlib's gz* functions, which read a file that is
// not gzip as it is, so one path serves plain and gzipped files alike. The
// header's element count is checked against vic's limits before anything is
// allocated, and the data is read in chunks, so a header that claims more than
// the file holds costs no more memory than the file; reading one byte past the
// data both finds trailing data and makes zlib check the gzip trailer (CRC and
// length), which it does only once it reaches the end of the stream.
#include "runtime/idx_reader.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include "runtime/format.h"
#include "support/limits.h"

namespace vic::runtime {

namespace {

constexpr size_t kChunkBytes = size_t{1} << 20;

// The size in bytes of an element of the type with this code; nullopt for a
// code IDX does not define.
std::optional<size_t> element_size(uint8_t code) {
  switch (static_cast<IdxElementType>(code)) {
    case IdxElementType::kUint8:
    case IdxElementType::kInt8:
      return 1;
    case IdxElementType::kInt16:
      return 2;
    case IdxElementType::kInt32:
    case IdxElementType::kFloat32:
      return 4;
    case IdxElementType::kFloat64:
      return 8;
  }
  return std::nullopt;
}

// The unsigned big-endian integer in `size` bytes at `bytes`.
uint64_t read_big_endian(const uint8_t* bytes, size_t size) {
  uint64_t value = 0;
  for (size_t i = 0; i < size; ++i) value = (value << 8) | bytes[i];
  return value;
}

// "0x07".
std::string hex_byte(uint8_t byte) {
  const char* digits = "0123456789ABCDEF";
  return std::string("0x") + digits[byte >> 4] + digits[byte & 15];
}

// "the header says 60000 x 28 x 28 = 47040000 elements", or "... says 10
// elements" for one dimension.
std::string describe_header(const std::vector<int64_t>& dims, int64_t count) {
  std::string text = "the header says " + format_sizes(dims);
  if (dims.size() > 1) text += " = " + std::to_string(count);
  return text + (count == 1 ? " element" : " elements");
}

// One IDX file open through zlib; reads bytes and turns zlib's failures into
// Errors naming the file.
class IdxByteReader {
 public:
  static Expected<std::unique_ptr<IdxByteReader>> open(const std::string& path) {
    errno = 0;
    gzFile file = gzopen(path.c_str(), "rb");
    if (file == nullptr) {
      // gzopen leaves errno as open() set it; 0 means zlib could not allocate.
      const char* reason = errno != 0 ? std::strerror(errno) : "out of memory";
      return Error{path + ": cannot read the IDX file: " + reason};
    }
    gzbuffer(file, 1 << 17);
    return std::unique_ptr<IdxByteReader>(new IdxByteReader(path, file));
  }

  ~IdxByteReader() { gzclose_r(file_); }
  IdxByteReader(const IdxByteReader&) = delete;
  IdxByteReader& operator=(const IdxByteReader&) = delete;

  // Reads up to `size` bytes (at most kChunkBytes) into `out`; fewer only at
  // the end of the data. An Error when the file cannot be read or its gzip
  // stream is corrupt or cut short.
  Expected<size_t> read(uint8_t* out, size_t size) {
    int got = gzread(file_, out, static_cast<unsigned>(size));
    if (got == static_cast<int>(size)) return static_cast<size_t>(got);
    int code = Z_OK;
    const char* message = gzerror(file_, &code);
    if (code == Z_OK) return static_cast<size_t>(std::max(got, 0));
    std::string reason = without_path(message);
    if (code == Z_BUF_ERROR) return Error{path_ + ": truncated gzip data (" + reason + ")"};
    if (code == Z_DATA_ERROR) return Error{path_ + ": corrupt gzip data (" + reason + ")"};
    if (code == Z_MEM_ERROR) return Error{path_ + ": not enough memory to decompress the IDX file"};
    return Error{path_ + ": cannot read the IDX file: " + reason};
  }

  // Reads `size` bytes, or all that remain when fewer do, in chunks, so memory
  // grows only with what the file holds.
  Expected<std::vector<uint8_t>> read_up_to(size_t size) {
    std::vector<uint8_t> bytes;
    while (bytes.size() < size) {
      size_t start = bytes.size();
      size_t want = std::min(kChunkBytes, size - start);
      bytes.resize(start + want);
      Expected<size_t> got = read(bytes.data() + start, want);
      if (!got) return Error{got.error()};
      bytes.resize(start + *got);
      if (*got < want) break;
    }
    return bytes;
  }

 private:
  IdxByteReader(std::string path, gzFile file) : path_(std::move(path)), file_(file) {}

  // zlib spells its messages "PATH: reason"; the Error names the path itself.
  std::string without_path(const char* message) const {
    std::string text = message != nullptr ? message : "";
    std::string prefix = path_ + ": ";
    return text.compare(0, prefix.size(), prefix) == 0 ? text.substr(prefix.size()) : text;
  }

  std::string path_;
  gzFile file_;
};

// The elements in `bytes` (big-endian, `type`), as doubles.
std::vector<double> decode_elements(IdxElementType type, const std::vector<uint8_t>& bytes, size_t count) {
  std::vector<double> values(count);
  const uint8_t* at = bytes.data();
  for (size_t i = 0; i < count; ++i) {
    switch (type) {
      case IdxElementType::kUint8:
        values[i] = at[i];
        break;
      case IdxElementType::kInt8:
        values[i] = static_cast<int8_t>(at[i]);
        break;
      case IdxElementType::kInt16:
        values[i] = static_cast<int16_t>(read_big_endian(at + 2 * i, 2));
        break;
      case IdxElementType::kInt32:
        values[i] = static_cast<int32_t>(read_big_endian(at + 4 * i, 4));
        break;
      case IdxElementType::kFloat32:
        values[i] = std::bit_cast<float>(static_cast<uint32_t>(read_big_endian(at + 4 * i, 4)));
        break;
      case IdxElementType::kFloat64:
        values[i] = std::bit_cast<double>(read_big_endian(at + 8 * i, 8));
        break;
    }
  }
  return values;
}

}  // namespace

Expected<IdxArray> read_idx_file(const std::string& path) {
  Expected<std::unique_ptr<IdxByteReader>> opened = IdxByteReader::open(path);
  if (!opened) return Error{opened.error()};
  IdxByteReader& reader = **opened;

  Expected<std::vector<uint8_t>> magic = reader.read_up_to(4);
  if (!magic) return Error{magic.error()};
  if (magic->size() < 4) {
    return Error{path + ": not an IDX file (" + std::to_string(magic->size()) +
                 " bytes, fewer than the 4 of the magic number)"};
  }
  if ((*magic)[0] != 0 || (*magic)[1] != 0) return Error{path + ": not an IDX file (bad magic)"};
  std::optional<size_t> size = element_size((*magic)[2]);
  if (!size) return Error{path + ": not an IDX file (unknown element type " + hex_byte((*magic)[2]) + ")"};
  const size_t rank = (*magic)[3];
  if (rank == 0) return Error{path + ": not an IDX file (0 dimensions)"};

  Expected<std::vector<uint8_t>> sizes = reader.read_up_to(4 * rank);
  if (!sizes) return Error{sizes.error()};
  if (sizes->size() < 4 * rank) {
    return Error{path + ": truncated: the header declares " + std::to_string(rank) +
                 " dimensions, the file ends within their sizes"};
  }
  IdxArray array;
  array.element_type = static_cast<IdxElementType>((*magic)[2]);
  for (size_t i = 0; i < rank; ++i) {
    array.dims.push_back(static_cast<int64_t>(read_big_endian(sizes->data() + 4 * i, 4)));
  }

  // Each size is below 2^32, so the product is checked as it grows.
  int64_t count = 1;
  bool too_many = false;
  for (int64_t d : array.dims) {
    std::optional<int64_t> product = limits::checked_mul(count, d);
    if (!product || *product > limits::kMaxContainerElements) {
      too_many = true;
      break;
    }
    count = *product;
  }
  if (too_many) {
    return Error{path + ": the header says " + format_sizes(array.dims) + " elements, more than the " +
                 std::to_string(limits::kMaxContainerElements) + " an array may hold"};
  }
  const uint64_t double_bytes = static_cast<uint64_t>(count) * sizeof(double);
  if (double_bytes > limits::memory_budget_bytes()) {
    return Error{path + ": " + describe_header(array.dims, count) + ", " + limits::format_bytes(double_bytes) +
                 " as doubles, more than " + limits::describe_memory_budget()};
  }

  const size_t data_bytes = static_cast<size_t>(count) * *size;
  Expected<std::vector<uint8_t>> data = reader.read_up_to(data_bytes);
  if (!data) return Error{data.error()};
  if (data->size() < data_bytes) {
    return Error{path + ": truncated: " + describe_header(array.dims, count) + ", the file has " +
                 std::to_string(data->size() / *size)};
  }
  uint8_t extra = 0;
  Expected<size_t> after = reader.read(&extra, 1);
  if (!after) return Error{after.error()};
  if (*after > 0) {
    return Error{path + ": " + describe_header(array.dims, count) + ", but the file has more data after them"};
  }

  array.values = decode_elements(array.element_type, *data, static_cast<size_t>(count));
  return array;
}

}  // namespace vic::runtime
