/// @file
/// PNG output: single images and grids of gray images (the chapter's reconstruction figures),
/// written atomically. The encoder is the PNG format itself (a few chunks around a zlib stream of
/// filtered rows), so writing PNGs needs zlib and nothing else.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <vector>

#include <zlib.h>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "atomic_file.hpp"

namespace autoenc {

namespace detail {
inline void put_be32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}
/// A chunk: length, type, data, and the CRC-32 of type and data.
inline void put_png_chunk(std::string& out, const char* type, const std::string& data) {
  put_be32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.append(type, 4);
  out += data;
  const auto crc = ::crc32(0L, reinterpret_cast<const Bytef*>(out.data() + start), static_cast<uInt>(out.size() - start));
  put_be32(out, static_cast<std::uint32_t>(crc));
}
/// Paeth's predictor: whichever of left, up and upper-left is closest to left + up - upper-left.
inline int paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
}  // namespace detail

/// The PNG file's bytes for 8-bit pixels (row-major, `channels` = 1 gray, 2 gray + alpha,
/// 3 RGB or 4 RGBA). Each row gets the PNG filter (none, sub, up, average or Paeth) whose output
/// has the smallest sum of absolute values, the usual heuristic for small files.
inline std::string encode_png(int width, int height, int channels, const std::uint8_t* pixels) {
  if (width <= 0 || height <= 0 || channels < 1 || channels > 4)
    throw ConfigError("PNG: bad image size " + std::to_string(width) + "x" + std::to_string(height) + "x" +
                      std::to_string(channels));
  const std::size_t stride = std::size_t(width) * std::size_t(channels);
  std::string filtered;
  filtered.reserve((stride + 1) * std::size_t(height));
  std::vector<std::uint8_t> candidate(stride), best(stride);
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* row = pixels + std::size_t(y) * stride;
    const std::uint8_t* up = y > 0 ? row - stride : nullptr;
    long best_cost = -1;
    int best_filter = 0;
    for (int filter = 0; filter < 5; ++filter) {
      long cost = 0;
      for (std::size_t i = 0; i < stride; ++i) {
        const int a = i >= std::size_t(channels) ? row[i - channels] : 0;  // left
        const int b = up ? up[i] : 0;                                       // above
        const int c = up && i >= std::size_t(channels) ? up[i - channels] : 0;
        const int predicted = filter == 0 ? 0 : filter == 1 ? a : filter == 2 ? b : filter == 3 ? (a + b) / 2
                                                                                                 : detail::paeth(a, b, c);
        candidate[i] = static_cast<std::uint8_t>(row[i] - predicted);
        cost += std::abs(static_cast<int>(static_cast<std::int8_t>(candidate[i])));
      }
      if (best_cost < 0 || cost < best_cost) best_cost = cost, best_filter = filter, best.swap(candidate);
    }
    filtered += static_cast<char>(best_filter);
    filtered.append(reinterpret_cast<const char*>(best.data()), stride);
  }
  uLongf packed_size = compressBound(static_cast<uLong>(filtered.size()));
  std::string packed(packed_size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(&packed[0]), &packed_size, reinterpret_cast<const Bytef*>(filtered.data()),
                static_cast<uLong>(filtered.size()), Z_BEST_COMPRESSION) != Z_OK)
    throw IoError("PNG encoding failed (zlib)");
  packed.resize(packed_size);

  static const char color_type[] = {0, 0, 4, 2, 6};  // by channels: gray, gray + alpha, RGB, RGBA
  std::string header;
  detail::put_be32(header, static_cast<std::uint32_t>(width));
  detail::put_be32(header, static_cast<std::uint32_t>(height));
  header += '\x08';                    // bits per channel
  header += color_type[channels];
  header += std::string(3, '\0');      // deflate, adaptive filtering, no interlace
  std::string out("\x89PNG\r\n\x1a\n", 8);
  detail::put_png_chunk(out, "IHDR", header);
  detail::put_png_chunk(out, "IDAT", packed);
  detail::put_png_chunk(out, "IEND", "");
  return out;
}

/// Writes 8-bit pixels (row-major, `channels` = 1 gray, 3 RGB or 4 RGBA) as a PNG file.
inline void save_png(const std::string& path, int width, int height, int channels,
                     const std::uint8_t* pixels) {
  write_file_atomically(path, encode_png(width, height, channels, pixels));
}

/// Layout of an image grid.
struct GridOptions {
  int spacing = 2;               ///< background pixels between images and around the grid
  int scale = 1;                 ///< each pixel drawn as scale x scale pixels
  std::uint8_t background = 255;  ///< gray level between images (white)
};

namespace detail {
// Height and width of one image of `t`: (N, H, W), (N, H, W, 1), or (N, H*W) with a square H*W.
template <class T>
std::pair<Index, Index> image_size(const Tensor<T>& t) {
  if (t.rank() == 4 && t.dim(3) == 1) return {t.dim(1), t.dim(2)};
  if (t.rank() == 3) return {t.dim(1), t.dim(2)};
  if (t.rank() == 2) {
    const auto side = static_cast<Index>(std::lround(std::sqrt(static_cast<double>(t.dim(1)))));
    if (side * side == t.dim(1)) return {side, side};
  }
  throw ShapeError("image grid: expected gray images (N, H, W), (N, H, W, 1) or (N, H*W) with a square "
                   "H*W; got " + t.shape().to_string());
}
}  // namespace detail

/// Draws images[0 .. rows*cols) row by row into a rows x cols grid and writes it as a PNG.
/// Pixel values are gray levels in [0, 1] (0 black, 1 white; values outside are clipped).
template <class T>
void save_image_grid(const std::string& path, const Tensor<T>& images, int rows, int cols,
                     const GridOptions& opt = {}) {
  if (rows <= 0 || cols <= 0) throw ConfigError("save_image_grid: rows and cols must be > 0");
  if (opt.scale < 1 || opt.spacing < 0) throw ConfigError("save_image_grid: scale must be >= 1 and spacing >= 0");
  const auto [h, w] = detail::image_size(images);
  const Index count = std::min<Index>(images.dim(0), Index(rows) * cols);
  const int s = opt.scale, gap = opt.spacing;
  const int width = cols * (static_cast<int>(w) * s + gap) + gap;
  const int height = rows * (static_cast<int>(h) * s + gap) + gap;
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(width) * static_cast<std::size_t>(height), opt.background);
  for (Index k = 0; k < count; ++k) {
    const int top = static_cast<int>(k / cols) * (static_cast<int>(h) * s + gap) + gap;
    const int left = static_cast<int>(k % cols) * (static_cast<int>(w) * s + gap) + gap;
    const T* img = images.data() + k * h * w;
    for (int y = 0; y < h * s; ++y)
      for (int x = 0; x < w * s; ++x) {
        const double v = std::clamp(static_cast<double>(img[(y / s) * w + x / s]), 0.0, 1.0);
        pixels[static_cast<std::size_t>(top + y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(left + x)] =
            static_cast<std::uint8_t>(std::lround(v * 255.0));
      }
  }
  save_png(path, width, height, 1, pixels.data());
}

/// Several batches of images as the rows of one grid, row r showing the first `n` images of
/// rows[r] (a batch with fewer leaves the rest of its row empty). Puts a model's inputs and
/// outputs one above the other, image for image:
///
///     save_image_rows("denoising.png", {&noisy, &denoised, &clean}, 8);
///
/// The batches may have different layouts ((N, H, W), (N, H, W, 1), (N, H*W)) but must hold
/// images of one size. Pixel values and layout as save_image_grid.
template <class T>
void save_image_rows(const std::string& path, const std::vector<const Tensor<T>*>& rows, int n,
                     const GridOptions& opt = {}) {
  if (rows.empty()) throw ConfigError("save_image_rows: no rows given");
  if (n <= 0) throw ConfigError("save_image_rows: n must be > 0, got " + std::to_string(n));
  for (std::size_t r = 0; r < rows.size(); ++r)
    if (!rows[r]) throw ConfigError("save_image_rows: row " + std::to_string(r) + " is a null pointer");
  const auto [h, w] = detail::image_size(*rows[0]);
  // One batch for save_image_grid; the cells of missing images get the background's gray.
  Tensor<T> cells(Shape{static_cast<Index>(rows.size()) * n, h, w}, static_cast<T>(opt.background / 255.0));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto [rh, rw] = detail::image_size(*rows[r]);
    if (rh != h || rw != w)
      throw ShapeError("save_image_rows: row " + std::to_string(r) + " holds " + std::to_string(rh) + "x" +
                       std::to_string(rw) + " images but row 0 holds " + std::to_string(h) + "x" + std::to_string(w));
    const Index count = std::min<Index>(rows[r]->dim(0), n);
    std::copy(rows[r]->data(), rows[r]->data() + count * h * w, cells.data() + static_cast<Index>(r) * n * h * w);
  }
  save_image_grid(path, cells, static_cast<int>(rows.size()), n, opt);
}
/// The same with the batches listed in braces: save_image_rows(path, {&x, &y}, n).
template <class T>
void save_image_rows(const std::string& path, std::initializer_list<const Tensor<T>*> rows, int n,
                     const GridOptions& opt = {}) {
  save_image_rows(path, std::vector<const Tensor<T>*>(rows), n, opt);
}

/// One gray image (H, W), (H, W, 1) or the first of a batch, upscaled by `scale`.
template <class T>
void save_image(const std::string& path, const Tensor<T>& image, int scale = 1) {
  Tensor<T> batch = image;
  if (image.rank() == 2) batch.reshape(Shape{1, image.dim(0), image.dim(1)});
  if (image.rank() == 3 && image.dim(2) == 1) batch.reshape(Shape{1, image.dim(0), image.dim(1), 1});
  GridOptions opt;
  opt.scale = scale;
  opt.spacing = 0;
  save_image_grid(path, batch, 1, 1, opt);
}

}  // namespace autoenc
