/// @file
/// A direct convolution for thin stride-1 layers (8, 16 or 32 filters, or one filter over 8, 16
/// or 32 channels): the sums are taken from a zero-padded copy of the images, with no im2col
/// matrix and no GEMM.
///
/// Why: im2col copies every window, kernel_h * kernel_w times the image (9 times for 3 x 3),
/// and a GEMM whose result has 8 to 32 columns spends more time packing that copy than
/// multiplying. For such thin layers it is faster to keep the sums of a block of output pixels
/// in registers and read every input value where it lies.
///
/// The frame: each image is copied into a zero frame of (out_h + kh - 1) x (out_w + kw - 1)
/// pixels, placed pad_top rows down and pad_left columns in, so that the window of output pixel
/// (i, j) starts at frame pixel (i, j) and no sum tests a border. With a tap t = (p, q, c) read at
/// offset(t) = (p frame_w + q) C + c from a window's first value,
///
///     z[k, o]  = sum over taps t of frame[k C + offset(t)] W[t, o]          (forward)
///     dW[t, o] = sum over images and output pixels k of frame[k C + offset(t)] dz[k, o]
///     dx       = the forward sum over dz framed with kh - 1 - pad_top rows and kw - 1 - pad_left
///                columns before it, with the kernel flipped and its channels swapped:
///                W'[(kh-1-p, kw-1-q, o), c] = W[(p, q, c), o]
///
/// k counts frame pixels: output pixel (i, j) is k = i frame_w + j. The forward sums run over
/// consecutive k in blocks, the kw - 1 columns past out_w included (their sums are dropped), so
/// a block of R pixels reads R C consecutive values and a 4 x 4 image costs no tail loop.
///
/// Determinism: an output pixel's sum always runs over the taps in the same order; dW is summed
/// over fixed groups of images, then over the groups in order, whatever the number of threads.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstring>
#include <vector>

#include "../core/parallel.hpp"
#include "conv_geometry.hpp"

// The kernels' loops over a block's registers must be unrolled for the sums to stay in
// registers: compilers do not always do it by themselves.
#if defined(__clang__)
#define AUTOENC_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define AUTOENC_UNROLL _Pragma("GCC unroll 32")
#else
#define AUTOENC_UNROLL
#endif

namespace autoenc {
namespace detail {

/// Whether the direct kernels handle a convolution with this many output channels.
inline bool direct_conv_width(Index channels) { return channels == 8 || channels == 16 || channels == 32; }

/// Whether Conv2D may use the direct kernels (on by default). Tests and benchmarks turn it off
/// to compare with the im2col path.
inline bool& direct_conv_enabled() {
  static bool enabled = true;
  return enabled;
}

/// Accumulator registers a kernel may hold: three quarters of the vector registers, the rest
/// for the kernel's row and the broadcast input value.
constexpr int kDirectConvAccumulators = EIGEN_ARCH_DEFAULT_NUMBER_OF_REGISTERS >= 32 ? 24 : 12;
/// Frame pixels past the end of each framed image, zero: the last block of pixels may read that
/// far (a block has at most kDirectConvAccumulators pixels, plus the kernel's width).
constexpr Index kDirectConvSlack = kDirectConvAccumulators;

/// Where each image's frame sits: the images of a batch are framed one after the other,
/// `stride` values apart.
struct ConvFrame {
  Index out_h = 0, out_w = 0;    ///< the output the frame is read for
  Index kernel_h = 1, kernel_w = 1;
  Index height = 0, width = 0;   ///< the frame: out + kernel - 1
  Index pad_top = 0, pad_left = 0;  ///< where the image sits in it
  Index channels = 0;
  /// Values per framed image: the frame's pixels and the slack, times the channels.
  Index stride() const { return (height * width + kernel_w + kDirectConvSlack) * channels; }
};

/// The frame a stride-1 convolution reads x through.
inline ConvFrame forward_frame(const ConvGeometry& g, Index channels) {
  ConvFrame f;
  f.out_h = g.out_h, f.out_w = g.out_w, f.kernel_h = g.kernel_h, f.kernel_w = g.kernel_w;
  f.height = g.out_h + g.kernel_h - 1, f.width = g.out_w + g.kernel_w - 1;
  f.pad_top = g.pad_top, f.pad_left = g.pad_left, f.channels = channels;
  return f;
}

/// The frame the input gradient reads dz through: dx has the input's size, and dz sits
/// kernel - 1 - pad rows and columns in.
inline ConvFrame input_grad_frame(const ConvGeometry& g, Index filters) {
  ConvFrame f;
  f.out_h = g.in_h, f.out_w = g.in_w, f.kernel_h = g.kernel_h, f.kernel_w = g.kernel_w;
  f.height = g.in_h + g.kernel_h - 1, f.width = g.in_w + g.kernel_w - 1;
  f.pad_top = g.kernel_h - 1 - g.pad_top, f.pad_left = g.kernel_w - 1 - g.pad_left, f.channels = filters;
  return f;
}

/// frame = an image (h, w, f.channels) placed in its zero frame. Rows and columns of the image
/// that fall outside the frame (a 'valid' convolution's unused border) are left out.
template <class T>
void frame_image(const T* image, Index h, Index w, const ConvFrame& f, T* frame) {
  const Index c = f.channels;
  const Index row0 = std::max<Index>(0, -f.pad_top), row1 = std::min(h, f.height - f.pad_top);
  const Index col0 = std::max<Index>(0, -f.pad_left), col1 = std::min(w, f.width - f.pad_left);
  if (row1 <= row0 || col1 <= col0) {
    std::fill(frame, frame + f.stride(), T(0));
    return;
  }
  // Zero above the image, image rows with zeros left and right of them, zero below (and the
  // slack): every value written once.
  T* at = frame;
  for (Index r = row0; r < row1; ++r) {
    T* dst = frame + ((r + f.pad_top) * f.width + col0 + f.pad_left) * c;
    std::fill(at, dst, T(0));
    std::memcpy(dst, image + (r * w + col0) * c, sizeof(T) * std::size_t((col1 - col0) * c));
    at = dst + (col1 - col0) * c;
  }
  std::fill(at, frame + f.stride(), T(0));
}

/// frame_image for each image of the batch (batch, h, w, f.channels), one after the other in
/// `frames`.
template <class T>
void frame_images(const T* images, Index batch, Index h, Index w, const ConvFrame& f, T* frames) {
  parallel_for(batch, [&](Index n) { frame_image(images + n * h * w * f.channels, h, w, f, frames + n * f.stride()); });
}

/// offset(t) = (p frame_w + q) C + c of tap t = (p, q, c), numbered in the kernel's row order.
inline Index tap_offset(const ConvFrame& f, Index t) {
  const Index c = t % f.channels, pq = t / f.channels;
  return (pq / f.kernel_w * f.width + pq % f.kernel_w) * f.channels + c;
}

/// The vector type the kernels use for a row of kFilters values, and the block sizes that fill
/// the accumulator registers with it.
template <class T, int kFilters>
struct DirectConvTile {
  using Packet = typename Eigen::internal::find_best_packet<T, kFilters>::type;
  static constexpr int kPackets = kFilters / Eigen::internal::unpacket_traits<Packet>::size;
  static constexpr int kBlock = std::max(1, kDirectConvAccumulators / kPackets);
};

/// Does nothing to a finished image: what the input gradient does after the forward sum.
struct LeaveImage {
  template <class T>
  void operator()(T*) const {}
};

/// z (batch, out_h, out_w, kFilters) = the convolution of the framed images with `kernel`
/// (taps, kFilters); then finish(image's z) on each image while it is in cache (the bias and the
/// activation, for a layer's forward pass).
template <class T, int kFilters, class Finish = LeaveImage>
void direct_conv_forward(const T* frames, Index batch, const ConvFrame& f, const T* kernel, T* z,
                         Finish&& finish = Finish()) {
  namespace ei = Eigen::internal;
  using Tile = DirectConvTile<T, kFilters>;
  using Packet = typename Tile::Packet;
  constexpr int kPackets = Tile::kPackets, kBlock = Tile::kBlock;
  constexpr Index kLanes = kFilters / kPackets;
  const Index c = f.channels, grid = f.out_h * f.width;
  parallel_for(batch, [&](Index n) {
    const T* frame = frames + n * f.stride();
    T* out = z + n * f.out_h * f.out_w * kFilters;
    for (Index k0 = 0; k0 < grid; k0 += kBlock) {
      // acc[r] = z of frame pixel k0 + r, as kPackets vectors.
      Packet acc[kBlock][kPackets];
      AUTOENC_UNROLL
      for (int r = 0; r < kBlock; ++r)
        AUTOENC_UNROLL
        for (int v = 0; v < kPackets; ++v) acc[r][v] = ei::pset1<Packet>(T(0));
      const T* window = frame + k0 * c;
      const T* w_row = kernel;
      for (Index p = 0; p < f.kernel_h; ++p)
        for (Index q = 0; q < f.kernel_w; ++q) {
          const T* x = window + (p * f.width + q) * c;  // tap (p, q, 0) of pixel k0
          for (Index ci = 0; ci < c; ++ci, ++x, w_row += kFilters) {
            Packet w[kPackets];
            AUTOENC_UNROLL
            for (int v = 0; v < kPackets; ++v) w[v] = ei::ploadu<Packet>(w_row + v * kLanes);
            AUTOENC_UNROLL
            for (int r = 0; r < kBlock; ++r) {
              const Packet xv = ei::pset1<Packet>(x[r * c]);
              AUTOENC_UNROLL
              for (int v = 0; v < kPackets; ++v) acc[r][v] = ei::pmadd(xv, w[v], acc[r][v]);
            }
          }
        }
      AUTOENC_UNROLL
      for (int r = 0; r < kBlock; ++r) {
        const Index k = k0 + r, i = k / f.width, j = k % f.width;
        if (i >= f.out_h) break;
        if (j >= f.out_w) continue;  // a column past the output: the frame's right border
        T* dst = out + (i * f.out_w + j) * kFilters;
        AUTOENC_UNROLL
        for (int v = 0; v < kPackets; ++v) ei::pstoreu(dst + v * kLanes, acc[r][v]);
      }
    }
    finish(out);
  });
}

/// Images per group of the weight gradient: each group's dW is summed by one thread, then the
/// groups' sums are added in order.
constexpr Index kDirectConvImagesPerGroup = 4;

/// out = the groups' sums (each `size` values, one after the other in `partial`), added in
/// group order: the same result for any number of threads.
template <class T>
void add_groups_in_order(const std::vector<T>& partial, Index groups, Index size, T* out) {
  std::copy(partial.begin(), partial.begin() + size, out);
  for (Index g = 1; g < groups; ++g) {
    const T* s = partial.data() + g * size;
    for (Index i = 0; i < size; ++i) out[i] += s[i];
  }
}

/// db += the sum of `rows` rows of dz (each `filters` values): the bias's share of a group.
template <class T>
void add_rows(const T* dz, Index rows, Index filters, T* db) {
  for (Index r = 0; r < rows; ++r, dz += filters)
    for (Index o = 0; o < filters; ++o) db[o] += dz[o];
}

/// One group's dW, kBlock taps at a time: sum[t, :] = sum over the group's output pixels of
/// the window's tap t times dz of the pixel.
template <class T, int kFilters, int kBlock>
void direct_conv_weight_grad_group(const T* frames, const T* dz, Index first, Index last, const ConvFrame& f, T* sum) {
  namespace ei = Eigen::internal;
  using Packet = typename DirectConvTile<T, kFilters>::Packet;
  constexpr int kPackets = DirectConvTile<T, kFilters>::kPackets;
  constexpr Index kLanes = kFilters / kPackets;
  const Index taps = f.kernel_h * f.kernel_w * f.channels, c = f.channels;
  for (Index t0 = 0; t0 < taps; t0 += kBlock) {
    // acc[b] = dW of tap t0 + b, summed over the group's pixels.
    Packet acc[kBlock][kPackets];
    AUTOENC_UNROLL
    for (int b = 0; b < kBlock; ++b)
      AUTOENC_UNROLL
      for (int v = 0; v < kPackets; ++v) acc[b][v] = ei::pset1<Packet>(T(0));
    Index off[kBlock];  // the block's taps; past the last tap, offset 0 (read, then dropped)
    AUTOENC_UNROLL
    for (int b = 0; b < kBlock; ++b) off[b] = t0 + b < taps ? tap_offset(f, t0 + b) : 0;
    for (Index n = first; n < last; ++n) {
      const T* frame = frames + n * f.stride();
      const T* d = dz + n * f.out_h * f.out_w * kFilters;
      for (Index i = 0; i < f.out_h; ++i)
        for (Index j = 0; j < f.out_w; ++j, d += kFilters) {
          const T* window = frame + (i * f.width + j) * c;
          Packet dv[kPackets];
          AUTOENC_UNROLL
          for (int v = 0; v < kPackets; ++v) dv[v] = ei::ploadu<Packet>(d + v * kLanes);
          AUTOENC_UNROLL
          for (int b = 0; b < kBlock; ++b) {
            const Packet xv = ei::pset1<Packet>(window[off[b]]);
            AUTOENC_UNROLL
            for (int v = 0; v < kPackets; ++v) acc[b][v] = ei::pmadd(xv, dv[v], acc[b][v]);
          }
        }
    }
    AUTOENC_UNROLL
    for (int b = 0; b < kBlock; ++b)
      if (t0 + b < taps)
        AUTOENC_UNROLL
        for (int v = 0; v < kPackets; ++v) ei::pstoreu(sum + (t0 + b) * kFilters + v * kLanes, acc[b][v]);
  }
}

/// Does nothing before a group's sums.
struct NothingToPrepare {
  void operator()(Index, Index) const {}
};

/// dW (taps, kFilters) = sum over images n and output pixels (i, j) of the framed input's window
/// times dz[n, i, j, :], and db (kFilters, right after dW, as a layer's gradients are laid out)
/// = sum of dz over the pixels. `partial` is scratch space that keeps its capacity.
/// prepare(first, last) runs before the sums of images [first, last), on the thread that takes
/// them: a layer computes those images' dz there, so that the sums read it from cache.
template <class T, int kFilters, class Prepare = NothingToPrepare>
void direct_conv_weight_grad(const T* frames, const T* dz, Index batch, const ConvFrame& f, std::vector<T>& partial,
                             T* dw_db, Prepare&& prepare = Prepare()) {
  const Index taps = f.kernel_h * f.kernel_w * f.channels, size = (taps + 1) * kFilters;
  const Index groups = ceil_div(batch, kDirectConvImagesPerGroup), pixels = f.out_h * f.out_w;
  // A block of taps fills the registers; with few taps (9 for one input channel), a half block
  // may leave fewer of them unused.
  constexpr int kBlock = DirectConvTile<T, kFilters>::kBlock, kHalf = std::max(1, kBlock / 2);
  const bool half = ceil_div(taps, kHalf) * kHalf < ceil_div(taps, kBlock) * kBlock;
  partial.resize(std::size_t(groups * size));
  parallel_for(groups, [&](Index g) {
    T* sum = partial.data() + g * size;
    const Index first = g * kDirectConvImagesPerGroup, last = std::min(batch, first + kDirectConvImagesPerGroup);
    prepare(first, last);
    if (half)
      direct_conv_weight_grad_group<T, kFilters, kHalf>(frames, dz, first, last, f, sum);
    else
      direct_conv_weight_grad_group<T, kFilters, kBlock>(frames, dz, first, last, f, sum);
    T* db = sum + taps * kFilters;
    std::fill(db, db + kFilters, T(0));
    add_rows(dz + first * pixels * kFilters, (last - first) * pixels, kFilters, db);
  });
  add_groups_in_order(partial, groups, size, dw_db);
}

/// The kernel of the input gradient: W'[(kh-1-p, kw-1-q, o), c] = W[(p, q, c), o], so that
/// dx is the forward sum over the framed dz (file description).
template <class T>
void flip_kernel(const T* kernel, Index kh, Index kw, Index channels, Index filters, std::vector<T>& flipped) {
  flipped.resize(std::size_t(kh * kw * channels * filters));
  for (Index p = 0; p < kh; ++p)
    for (Index q = 0; q < kw; ++q)
      for (Index c = 0; c < channels; ++c)
        for (Index o = 0; o < filters; ++o)
          flipped[std::size_t((((kh - 1 - p) * kw + (kw - 1 - q)) * filters + o) * channels + c)] =
              kernel[((p * kw + q) * channels + c) * filters + o];
}

/// One filter with kChannels input channels: z[k] = sum over (p, q) of the window's kChannels
/// values at (p, q) times W[p, q, :], a dot product taken kChannels values at a time (the filter
/// dimension, one value, leaves nothing to vectorise over); then finish(image's z) on each image.
template <class T, int kChannels, class Finish>
void direct_single_filter_forward(const T* frames, Index batch, const ConvFrame& f, const T* kernel, T* z,
                                  Finish&& finish) {
  namespace ei = Eigen::internal;
  using Tile = DirectConvTile<T, kChannels>;
  using Packet = typename Tile::Packet;
  constexpr int kPackets = Tile::kPackets, kBlock = Tile::kBlock;
  constexpr Index kLanes = kChannels / kPackets;
  const Index grid = f.out_h * f.width;
  parallel_for(batch, [&](Index n) {
    const T* frame = frames + n * f.stride();
    T* out = z + n * f.out_h * f.out_w;
    for (Index k0 = 0; k0 < grid; k0 += kBlock) {
      Packet acc[kBlock][kPackets];
      AUTOENC_UNROLL
      for (int r = 0; r < kBlock; ++r)
        AUTOENC_UNROLL
        for (int v = 0; v < kPackets; ++v) acc[r][v] = ei::pset1<Packet>(T(0));
      const T* window = frame + k0 * kChannels;
      for (Index p = 0; p < f.kernel_h; ++p)
        for (Index q = 0; q < f.kernel_w; ++q) {
          const T* x = window + (p * f.width + q) * kChannels;
          const T* w_row = kernel + (p * f.kernel_w + q) * kChannels;
          Packet w[kPackets];
          AUTOENC_UNROLL
          for (int v = 0; v < kPackets; ++v) w[v] = ei::ploadu<Packet>(w_row + v * kLanes);
          AUTOENC_UNROLL
          for (int r = 0; r < kBlock; ++r)
            AUTOENC_UNROLL
            for (int v = 0; v < kPackets; ++v)
              acc[r][v] = ei::pmadd(ei::ploadu<Packet>(x + r * kChannels + v * kLanes), w[v], acc[r][v]);
        }
      AUTOENC_UNROLL
      for (int r = 0; r < kBlock; ++r) {
        const Index k = k0 + r, i = k / f.width, j = k % f.width;
        if (i >= f.out_h) break;
        if (j >= f.out_w) continue;
        Packet sum = acc[r][0];
        AUTOENC_UNROLL
        for (int v = 1; v < kPackets; ++v) sum = ei::padd(sum, acc[r][v]);
        out[i * f.out_w + j] = ei::predux(sum);
      }
    }
    finish(out);
  });
}

/// One filter: dW[p, q, :] = sum over images and output pixels k of dz[k] times the window's
/// kChannels values at (p, q). One (p, q) at a time, over four pixels at once (four partial sums,
/// added in order at the end, so that the multiply-adds do not wait on each other); and db, right
/// after dW, the sum of dz. prepare(first, last) as for direct_conv_weight_grad.
template <class T, int kChannels, class Prepare = NothingToPrepare>
void direct_single_filter_weight_grad(const T* frames, const T* dz, Index batch, const ConvFrame& f,
                                      std::vector<T>& partial, T* dw_db, Prepare&& prepare = Prepare()) {
  namespace ei = Eigen::internal;
  using Tile = DirectConvTile<T, kChannels>;
  using Packet = typename Tile::Packet;
  constexpr int kPackets = Tile::kPackets, kUnroll = 4;
  constexpr Index kLanes = kChannels / kPackets;
  const Index taps = f.kernel_h * f.kernel_w * kChannels, size = taps + 1;
  const Index groups = ceil_div(batch, kDirectConvImagesPerGroup), pixels = f.out_h * f.out_w;
  partial.resize(std::size_t(groups * size));
  parallel_for(groups, [&](Index g) {
    T* sum = partial.data() + g * size;
    const Index first = g * kDirectConvImagesPerGroup, last = std::min(batch, first + kDirectConvImagesPerGroup);
    prepare(first, last);
    for (Index p = 0; p < f.kernel_h; ++p)
      for (Index q = 0; q < f.kernel_w; ++q) {
        Packet acc[kUnroll][kPackets];
        AUTOENC_UNROLL
        for (int u = 0; u < kUnroll; ++u)
          AUTOENC_UNROLL
          for (int v = 0; v < kPackets; ++v) acc[u][v] = ei::pset1<Packet>(T(0));
        for (Index n = first; n < last; ++n) {
          const T* tap = frames + n * f.stride() + (p * f.width + q) * kChannels;  // window (0, 0)'s tap (p, q)
          const T* d = dz + n * f.out_h * f.out_w;
          for (Index i = 0; i < f.out_h; ++i, d += f.out_w) {
            const T* x = tap + i * f.width * kChannels;
            Index j = 0;
            for (; j + kUnroll <= f.out_w; j += kUnroll)
              AUTOENC_UNROLL
              for (int u = 0; u < kUnroll; ++u) {
                const Packet dv = ei::pset1<Packet>(d[j + u]);
                AUTOENC_UNROLL
                for (int v = 0; v < kPackets; ++v)
                  acc[u][v] = ei::pmadd(dv, ei::ploadu<Packet>(x + (j + u) * kChannels + v * kLanes), acc[u][v]);
              }
            for (; j < f.out_w; ++j) {
              const Packet dv = ei::pset1<Packet>(d[j]);
              AUTOENC_UNROLL
              for (int v = 0; v < kPackets; ++v)
                acc[0][v] = ei::pmadd(dv, ei::ploadu<Packet>(x + j * kChannels + v * kLanes), acc[0][v]);
            }
          }
        }
        AUTOENC_UNROLL
        for (int v = 0; v < kPackets; ++v) {
          Packet total = acc[0][v];
          AUTOENC_UNROLL
          for (int u = 1; u < kUnroll; ++u) total = ei::padd(total, acc[u][v]);
          ei::pstoreu(sum + (p * f.kernel_w + q) * kChannels + v * kLanes, total);
        }
      }
    sum[taps] = T(0);
    add_rows(dz + first * pixels, (last - first) * pixels, Index(1), sum + taps);
  });
  add_groups_in_order(partial, groups, size, dw_db);
}

/// Calls f(std::integral_constant<int, width>) for a width the direct kernels handle
/// (direct_conv_width).
template <class F>
void with_direct_conv_width(Index width, F&& f) {
  switch (width) {
    case 8: f(std::integral_constant<int, 8>()); break;
    case 16: f(std::integral_constant<int, 16>()); break;
    case 32: f(std::integral_constant<int, 32>()); break;
    default: break;
  }
}

}  // namespace detail
}  // namespace autoenc
