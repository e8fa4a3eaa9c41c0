// write_png_grid: the PNG read back through libpng holds exactly the pixels
// grid() in the PyTorch reference VAE draws (clipping, rounding, nearest-
// neighbour scaling, padding, rows of `columns`); bad input and an unwritable
// path are errors with their messages, and an existing file survives them.
#include "runtime/png_grid.h"

#include <gtest/gtest.h>
#include <png.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "tests/runtime/scratch_directory.h"

namespace vic::runtime {
namespace {

// A PNG as read back: IHDR's fields and the 8-bit grey pixels.
struct ReadPng {
  int64_t height = 0;
  int64_t width = 0;
  int bit_depth = 0;
  int color_type = -1;
  std::vector<uint8_t> pixels;
  uint8_t at(int64_t y, int64_t x) const { return pixels[static_cast<size_t>(y * width + x)]; }
};

// Reads `path` with libpng's simplified API (which needs no setjmp), after
// taking the bit depth and colour type from the IHDR chunk, which always
// starts at byte 16 (width, height, depth, colour type).
ReadPng read_png(const std::string& path) {
  ReadPng png;
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> head(26);
  in.read(reinterpret_cast<char*>(head.data()), 26);
  EXPECT_EQ(in.gcount(), 26);
  png.bit_depth = head[24];
  png.color_type = head[25];
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    ADD_FAILURE() << path << ": " << image.message;
    return png;
  }
  image.format = PNG_FORMAT_GRAY;
  png.height = image.height;
  png.width = image.width;
  png.pixels.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, png.pixels.data(), 0, nullptr)) {
    ADD_FAILURE() << path << ": " << image.message;
  }
  return png;
}

using PngGridTest = ScratchDirectoryTest;

TEST_F(PngGridTest, WritesEightBitGreyWithClippingScalingPaddingAndEmptyPlaces) {
  // Two 2x2 images, doubled to 4x4 tiles, in 3 columns (the third place empty),
  // with 1 pixel of padding.
  const std::vector<double> images = {0, 1, 0.5, 0.2, -3, 7, 0.25, 0.998};
  GridLayout layout;
  layout.min_tile_side = 4;
  layout.padding = 1;
  Status status = write_png_grid(path("grid.png"), images, 2, 2, 3, layout);
  ASSERT_TRUE(status) << status.error();
  ReadPng png = read_png(path("grid.png"));
  EXPECT_EQ(png.bit_depth, 8);
  EXPECT_EQ(png.color_type, PNG_COLOR_TYPE_GRAY);
  ASSERT_EQ(png.height, 6);
  ASSERT_EQ(png.width, 16);
  // 0.5 -> 128, 0.2 -> floor(51.5) = 51, 0.25 -> 64, 0.998 -> floor(254.99) = 254;
  // -3 and 7 clip to 0 and 255.
  const uint8_t G = 128;
  const std::vector<uint8_t> expected = {
      G, G,   G,   G,   G,   G, G,  G,  G,   G,   G, G, G, G, G, G,  //
      G, 0,   0,   255, 255, G, 0,  0,  255, 255, G, G, G, G, G, G,  //
      G, 0,   0,   255, 255, G, 0,  0,  255, 255, G, G, G, G, G, G,  //
      G, 128, 128, 51,  51,  G, 64, 64, 254, 254, G, G, G, G, G, G,  //
      G, 128, 128, 51,  51,  G, 64, 64, 254, 254, G, G, G, G, G, G,  //
      G, G,   G,   G,   G,   G, G,  G,  G,   G,   G, G, G, G, G, G,  //
  };
  EXPECT_EQ(png.pixels, expected);
}

TEST_F(PngGridTest, RoundsHalfUpAsGridDoes) {
  // One 1x8 image, no scaling, no padding: the picture is the values.
  const std::vector<double> values = {0.001, 0.2, 0.4, 0.5, 0.6, 0.999, -0.0, 1.0 / 255};
  GridLayout layout;
  layout.min_tile_side = 1;
  layout.padding = 0;
  ASSERT_TRUE(write_png_grid(path("row.png"), values, 1, 8, 1, layout));
  ReadPng png = read_png(path("row.png"));
  ASSERT_EQ(png.height, 1);
  EXPECT_EQ(png.pixels, (std::vector<uint8_t>{0, 51, 102, 128, 153, 255, 0, 1}));
}

TEST_F(PngGridTest, DefaultLayoutMatchesTheReferenceForEightByEightDigits) {
  // Three 8x8 images in 2 columns: each scaled by 7 to 56 px, 2 px of padding.
  std::vector<double> images;
  for (int n = 0; n < 3; ++n) {
    for (int p = 0; p < 64; ++p) images.push_back(n == 1 ? 1.0 - p / 63.0 : p / 63.0);
  }
  ASSERT_TRUE(write_png_grid(path("digits.png"), images, 8, 8, 2));
  ReadPng png = read_png(path("digits.png"));
  ASSERT_EQ(png.height, 2 * (56 + 2) + 2);
  ASSERT_EQ(png.width, 2 * (56 + 2) + 2);
  auto grey = [](double v) { return static_cast<uint8_t>(std::floor(v * 255 + 0.5)); };
  // Image 1 from (2, 2): source pixel (r, c) covers rows 2 + 7r .. 2 + 7r + 6.
  EXPECT_EQ(png.at(0, 0), 128);
  EXPECT_EQ(png.at(1, 1), 128);
  EXPECT_EQ(png.at(2, 2), 0);
  EXPECT_EQ(png.at(8, 8), 0);
  EXPECT_EQ(png.at(9, 2), grey(8 / 63.0));
  EXPECT_EQ(png.at(2, 9), grey(1 / 63.0));
  EXPECT_EQ(png.at(57, 57), 255);
  EXPECT_EQ(png.at(2 + 7 * 3 + 6, 2 + 7 * 5), grey(29 / 63.0));
  // Padding between the tiles, then image 2 (inverted) from (2, 60).
  EXPECT_EQ(png.at(2, 58), 128);
  EXPECT_EQ(png.at(2, 59), 128);
  EXPECT_EQ(png.at(2, 60), 255);
  EXPECT_EQ(png.at(57, 115), 0);
  EXPECT_EQ(png.at(2, 116), 128);
  // Image 3 starts the second row; its right-hand place stays grey.
  EXPECT_EQ(png.at(58, 2), 128);
  EXPECT_EQ(png.at(60, 2), 0);
  EXPECT_EQ(png.at(115, 57), 255);
  for (int64_t y = 58; y < 118; ++y) {
    for (int64_t x = 58; x < 118; ++x) ASSERT_EQ(png.at(y, x), 128) << y << "," << x;
  }
}

TEST_F(PngGridTest, ScalesByTheShorterSide) {
  // A 2x3 image needs a factor of 3 for its 2 rows to reach 5 pixels.
  GridLayout layout;
  layout.min_tile_side = 5;
  layout.padding = 0;
  Expected<GreyImage> picture = tile_images(std::vector<double>{0, 0, 1, 1, 0, 0}, 2, 3, 1, layout);
  ASSERT_TRUE(picture) << picture.error();
  EXPECT_EQ(picture->height, 6);
  EXPECT_EQ(picture->width, 9);
  std::vector<uint8_t> top(9, 0), bottom(9, 0);
  std::fill(top.begin() + 6, top.end(), 255);
  std::fill(bottom.begin(), bottom.begin() + 3, 255);
  for (int64_t y = 0; y < 6; ++y) {
    std::vector<uint8_t> row(picture->pixels.begin() + y * 9, picture->pixels.begin() + y * 9 + 9);
    EXPECT_EQ(row, y < 3 ? top : bottom) << y;
  }
}

TEST_F(PngGridTest, ReplacesAnExistingFileAndLeavesNoTemporaryFile) {
  std::ofstream(path("grid.png")) << "old";
  ASSERT_TRUE(write_png_grid(path("grid.png"), std::vector<double>{1}, 1, 1, 1));
  EXPECT_EQ(entries(), std::vector<std::string>{"grid.png"});
  ReadPng png = read_png(path("grid.png"));
  EXPECT_EQ(png.height, 56 + 4);
  EXPECT_EQ(png.at(30, 30), 255);
}

TEST_F(PngGridTest, AnUnwritableDirectoryIsAnError) {
  std::string missing = path("missing/grid.png");
  Status status = write_png_grid(missing, std::vector<double>{0.5}, 1, 1, 1);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error(), "cannot write '" + missing + "': No such file or directory");

  std::ofstream(path("file")) << "x";
  std::string under_file = path("file/grid.png");
  status = write_png_grid(under_file, std::vector<double>{0.5}, 1, 1, 1);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error(), "cannot write '" + under_file + "': Not a directory");
  EXPECT_EQ(entries(), std::vector<std::string>{"file"});
}

TEST_F(PngGridTest, BadImagesAreErrorsAndLeaveAnExistingFileAsItWas) {
  std::string file = path("grid.png");
  std::ofstream(file) << "old";
  auto error = [&](std::vector<double> images, int64_t h, int64_t w, int64_t columns) {
    Status status = write_png_grid(file, images, h, w, columns);
    EXPECT_FALSE(status);
    return status.error();
  };
  const std::string prefix = "cannot write '" + file + "': ";
  EXPECT_EQ(error({0, 0, 0, 0}, 2, 2, 0), prefix + "a grid needs at least 1 column, not 0");
  EXPECT_EQ(error({0, 0, 0, 0}, 0, 2, 1), prefix + "images must be at least 1 x 1 pixels, not 0 x 2");
  EXPECT_EQ(error({0, 0, 0, 0, 0}, 2, 2, 1), prefix + "5 values are not a whole number of 2 x 2 images");
  EXPECT_EQ(error({}, 2, 2, 1), prefix + "there are no images to tile");
  EXPECT_EQ(error({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, std::numeric_limits<double>::quiet_NaN()}, 2, 3, 1),
            prefix + "image 2 is NaN at row 2, column 3");
  EXPECT_EQ(error({0, 0}, 1, 1, 1000000),
            prefix +
                "the picture of 2 images in 1000000 columns would be 60 x 58000002 pixels, more than the "
                "1000000 pixels a side a PNG writer takes");
  EXPECT_EQ(read(file), "old");
  EXPECT_EQ(entries(), std::vector<std::string>{"grid.png"});
}

TEST_F(PngGridTest, ABadLayoutIsAnError) {
  GridLayout layout;
  layout.padding_grey = std::numeric_limits<double>::quiet_NaN();
  Expected<GreyImage> picture = tile_images(std::vector<double>{0}, 1, 1, 1, layout);
  ASSERT_FALSE(picture);
  EXPECT_EQ(picture.error(),
            "the grid layout needs a tile side of at least 1, padding of at least 0 and a grey in [0, 1]");
}

}  // namespace
}  // namespace vic::runtime
