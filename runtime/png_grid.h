// Pictures of images: N greyscale images tiled into one 8-bit greyscale PNG,
// as grid() and write_png() in the PyTorch reference VAE
// (../shared/anchors/vae/vae.py) draw them, so the two runs' pictures can be
// set side by side: values clipped to [0, 1], each image scaled up by
// nearest neighbour to at least 56 pixels a side, rows of `columns` tiles
// separated and framed by 2 pixels of grey 0.5, every value v written as
// floor(v * 255 + 0.5).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "support/expected.h"

namespace vic::runtime {

// An 8-bit greyscale picture, row-major, 0 black and 255 white.
struct GreyImage {
  int64_t height = 0;
  int64_t width = 0;
  std::vector<uint8_t> pixels;
};

// How tiles are laid out; the defaults are grid()'s.
struct GridLayout {
  // Each image is scaled up by the smallest whole factor that makes both its
  // sides at least this many pixels (8x8 digits by 7, 28x28 images by 2).
  int64_t min_tile_side = 56;
  // Pixels between tiles and around the picture.
  int64_t padding = 2;
  // The padding's value, in [0, 1].
  double padding_grey = 0.5;
};

// Tiles `images`, image after image, each `image_height` x `image_width`
// values row-major, into rows of `columns` tiles (the last row's remaining
// places stay padding grey). Values outside [0, 1] are clipped. An Error when
// a size is not positive, there are no images, the values are not a whole
// number of images, a value is NaN, or the picture would be larger than a PNG
// writer takes (1000000 pixels a side, libpng's limit) or than memory allows.
Expected<GreyImage> tile_images(std::span<const double> images, int64_t image_height, int64_t image_width,
                                int64_t columns, const GridLayout& layout = {});

// Writes `image` as an 8-bit greyscale PNG at `path`, atomically
// (support/output_file.h): the file is replaced only once it is complete, so
// a failure leaves an existing file as it was. An Error ("cannot write 'PATH':
// No such file or directory") otherwise.
Status write_grey_png(const std::string& path, const GreyImage& image);

// tile_images then write_grey_png.
Status write_png_grid(const std::string& path, std::span<const double> images, int64_t image_height,
                      int64_t image_width, int64_t columns, const GridLayout& layout = {});

}  // namespace vic::runtime
