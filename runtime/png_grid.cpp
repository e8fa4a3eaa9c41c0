// tile_images lays the tiles out with every size computed through checked
// arithmetic; write_grey_png encodes through libpng into an OutputFile's
// stream. libpng reports errors by longjmp, so the function that calls setjmp
// holds no object with a destructor from the setjmp on, and the error callback
// records the message and jumps without printing (libpng's default handler
// would write to stderr).
#include "runtime/png_grid.h"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <memory>
#include <optional>
#include <ostream>

#include "support/limits.h"
#include "support/output_file.h"

namespace vic::runtime {

namespace {

// libpng's default limit on a picture's width and height when writing
// (PNG_USER_WIDTH_MAX, PNG_USER_HEIGHT_MAX); PNG itself allows 2^31 - 1.
constexpr int64_t kMaxPngSide = 1000000;

// A value in [0, 1] (clipped) as a byte, rounded half up as grid()'s
// (v * 255 + 0.5).astype(uint8) does.
uint8_t to_grey_byte(double value) {
  double clipped = std::clamp(value, 0.0, 1.0);
  return static_cast<uint8_t>(clipped * 255 + 0.5);
}

// a * b + c, nullopt on overflow.
std::optional<int64_t> checked_mul_add(int64_t a, int64_t b, int64_t c) {
  std::optional<int64_t> product = limits::checked_mul(a, b);
  return product ? limits::checked_add(*product, c) : std::nullopt;
}

// What the libpng callbacks share with encode_png: where the bytes go and the
// message of the error that ended the encoding. Plain data, so a longjmp past
// it is harmless.
struct PngWriteState {
  std::ostream* out;
  char error[256];
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* state = static_cast<PngWriteState*>(png_get_error_ptr(png));
  std::snprintf(state->error, sizeof state->error, "%s", message != nullptr ? message : "unknown error");
  png_longjmp(png, 1);
}

// libpng's warnings concern what it is given to write (none of which vic
// writes), so they are not shown.
void on_png_warning(png_structp, png_const_charp) {}

// Write failures are found when the OutputFile commits (it keeps errno's
// text), so the callback only hands the bytes on.
void on_png_write(png_structp png, png_bytep data, size_t size) {
  auto* state = static_cast<PngWriteState*>(png_get_io_ptr(png));
  state->out->write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

void on_png_flush(png_structp) {}

// Encodes `image` into `out`; false with `state.error` set when libpng fails.
bool encode_png(const GreyImage& image, PngWriteState& state) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, on_png_error, on_png_warning);
  if (png == nullptr) {
    std::snprintf(state.error, sizeof state.error, "libpng could not start (out of memory)");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    std::snprintf(state.error, sizeof state.error, "libpng could not start (out of memory)");
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, &state, on_png_write, on_png_flush);
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.width), static_cast<png_uint_32>(image.height), 8,
               PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int64_t y = 0; y < image.height; ++y) {
    png_write_row(png, image.pixels.data() + y * image.width);
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

Expected<GreyImage> tile_images(std::span<const double> images, int64_t image_height, int64_t image_width,
                                int64_t columns, const GridLayout& layout) {
  if (image_height < 1 || image_width < 1) {
    return Error{"images must be at least 1 x 1 pixels, not " + std::to_string(image_height) + " x " +
                 std::to_string(image_width)};
  }
  if (columns < 1) return Error{"a grid needs at least 1 column, not " + std::to_string(columns)};
  if (layout.min_tile_side < 1 || layout.padding < 0 || !(layout.padding_grey >= 0 && layout.padding_grey <= 1)) {
    return Error{"the grid layout needs a tile side of at least 1, padding of at least 0 and a grey in [0, 1]"};
  }
  std::optional<int64_t> image_size = limits::checked_mul(image_height, image_width);
  if (!image_size || images.size() % static_cast<size_t>(*image_size) != 0) {
    return Error{std::to_string(images.size()) + " values are not a whole number of " + std::to_string(image_height) +
                 " x " + std::to_string(image_width) + " images"};
  }
  const int64_t count = static_cast<int64_t>(images.size()) / *image_size;
  if (count == 0) return Error{"there are no images to tile"};
  for (size_t i = 0; i < images.size(); ++i) {
    if (std::isnan(images[i])) {
      int64_t within = static_cast<int64_t>(i) % *image_size;
      return Error{"image " + std::to_string(static_cast<int64_t>(i) / *image_size + 1) + " is NaN at row " +
                   std::to_string(within / image_width + 1) + ", column " + std::to_string(within % image_width + 1)};
    }
  }

  // The smallest whole factor that makes the shorter side at least min_tile_side.
  const int64_t shorter = std::min(image_height, image_width);
  const int64_t scale = std::max<int64_t>(1, (layout.min_tile_side + shorter - 1) / shorter);
  const int64_t rows = (count + columns - 1) / columns;
  std::optional<int64_t> tile_height = limits::checked_mul(image_height, scale);
  std::optional<int64_t> tile_width = limits::checked_mul(image_width, scale);
  std::optional<int64_t> height, width;
  if (tile_height && tile_width) {
    height = checked_mul_add(rows, *tile_height + layout.padding, layout.padding);
    width = checked_mul_add(columns, *tile_width + layout.padding, layout.padding);
  }
  if (!height || !width || *height > kMaxPngSide || *width > kMaxPngSide) {
    std::string size = height && width ? std::to_string(*height) + " x " + std::to_string(*width) + " pixels" : "";
    return Error{"the picture of " + std::to_string(count) + " images in " + std::to_string(columns) +
                 " columns would be " + (size.empty() ? "too large" : size) + ", more than the " +
                 std::to_string(kMaxPngSide) + " pixels a side a PNG writer takes"};
  }
  const uint64_t bytes = static_cast<uint64_t>(*height) * static_cast<uint64_t>(*width);
  if (bytes > limits::memory_budget_bytes()) {
    return Error{"the picture would be " + std::to_string(*height) + " x " + std::to_string(*width) + " pixels (" +
                 limits::format_bytes(bytes) + "), more than " + limits::describe_memory_budget()};
  }

  GreyImage picture;
  picture.height = *height;
  picture.width = *width;
  picture.pixels.assign(static_cast<size_t>(bytes), to_grey_byte(layout.padding_grey));
  std::vector<uint8_t> tile_row(static_cast<size_t>(*tile_width));
  for (int64_t n = 0; n < count; ++n) {
    const int64_t top = layout.padding + (n / columns) * (*tile_height + layout.padding);
    const int64_t left = layout.padding + (n % columns) * (*tile_width + layout.padding);
    const double* image = images.data() + n * *image_size;
    for (int64_t source_row = 0; source_row < image_height; ++source_row) {
      for (int64_t x = 0; x < *tile_width; ++x) tile_row[x] = to_grey_byte(image[source_row * image_width + x / scale]);
      // Nearest neighbour: each source row becomes `scale` identical rows.
      for (int64_t repeat = 0; repeat < scale; ++repeat) {
        const int64_t y = top + source_row * scale + repeat;
        std::copy(tile_row.begin(), tile_row.end(), picture.pixels.begin() + y * picture.width + left);
      }
    }
  }
  return picture;
}

Status write_grey_png(const std::string& path, const GreyImage& image) {
  if (image.height < 1 || image.width < 1 || image.height > kMaxPngSide || image.width > kMaxPngSide ||
      image.pixels.size() != static_cast<size_t>(image.height * image.width)) {
    return Error{"cannot write '" + path + "': a " + std::to_string(image.height) + " x " +
                 std::to_string(image.width) + " picture with " + std::to_string(image.pixels.size()) +
                 " pixels is not one a PNG can hold"};
  }
  Expected<std::unique_ptr<OutputFile>> file = OutputFile::open(path);
  if (!file) return Error{file.error()};
  PngWriteState state{&(*file)->stream(), {}};
  // On failure the OutputFile's destructor removes its temporary file.
  if (!encode_png(image, state)) return Error{"cannot write '" + path + "': libpng: " + state.error};
  return (*file)->commit();
}

Status write_png_grid(const std::string& path, std::span<const double> images, int64_t image_height,
                      int64_t image_width, int64_t columns, const GridLayout& layout) {
  Expected<GreyImage> picture = tile_images(images, image_height, image_width, columns, layout);
  if (!picture) return Error{"cannot write '" + path + "': " + picture.error()};
  return write_grey_png(path, *picture);
}

}  // namespace vic::runtime
