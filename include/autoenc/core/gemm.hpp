/// @file
/// gemm: C = A * B through Eigen's GEMM kernels, split into fixed tiles of C that run in
/// parallel, with packing buffers that are allocated once per thread and then reused.
///
/// Determinism: each tile is one single-threaded product whose shape depends only on the shapes
/// of A, B and C, never on the thread count, and every element of C is written by exactly one
/// tile. The product is therefore bit-identical with 1 thread or many (see parallel.hpp).
///
/// No allocation: Eigen's product expression packs A and B into buffers that it takes from the
/// heap whenever they exceed EIGEN_STACK_ALLOCATION_LIMIT (128 KB), i.e. on every large product.
/// With Eigen 3.4 we call the same GEMM routine directly with a blocking object whose buffers
/// live in a per-thread workspace that only grows. With other Eigen versions, whose internals
/// may differ, gemm falls back to the plain product expression.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <vector>

#include "config.hpp"
#include "parallel.hpp"

/// 1 when gemm calls Eigen 3.4's GEMM routine with its own packing buffers (no allocation),
/// 0 when it falls back to Eigen's product expression (other Eigen versions).
#if EIGEN_VERSION_AT_LEAST(3, 4, 0) && !EIGEN_VERSION_AT_LEAST(3, 4, 90)
#define AUTOENC_GEMM_PREALLOCATED 1
#else
#define AUTOENC_GEMM_PREALLOCATED 0
#endif

namespace autoenc {
namespace detail {

/// Width of a tile of C, in rows or columns. 128 keeps each tile's product large enough for
/// Eigen's kernels to run near their peak while leaving several tiles for the threads.
constexpr Index kGemmTile = 128;

/// Products below this many multiply-adds run on the calling thread (same tiles, same bits).
constexpr double kGemmParallelWork = 1 << 18;

/// A matrix operand as GEMM sees it: first element, storage order, distance between rows
/// (row-major) or columns (column-major).
template <class T>
struct GemmOperand {
  const T* data;
  bool row_major;
  Index stride;
  /// The operand restricted to rows [r, ...) and columns [c, ...).
  GemmOperand offset(Index r, Index c) const {
    return {data + (row_major ? r * stride + c : c * stride + r), row_major, stride};
  }
};

template <class Expr>
GemmOperand<typename Expr::Scalar> gemm_operand(const Expr& e) {
  return {e.data(), bool(Expr::IsRowMajor), e.outerStride()};
}

#if AUTOENC_GEMM_PREALLOCATED
/// Eigen's cache blocking for one product, with its packing buffers supplied by the caller.
/// Mirrors Eigen 3.4's gemm_blocking_space for a row-major result (which Eigen computes as the
/// transposed, column-major product, hence mc over C's columns and nc over its rows).
template <class T>
class WorkspaceBlocking : public Eigen::internal::level3_blocking<T, T> {
 public:
  using Buffer = std::vector<T, Eigen::aligned_allocator<T>>;
  WorkspaceBlocking(Index rows, Index cols, Index depth, Buffer& a, Buffer& b) {
    this->m_mc = cols;
    this->m_nc = rows;
    this->m_kc = depth;
    Eigen::internal::computeProductBlockingSizes<T, T, 1>(this->m_kc, this->m_mc, this->m_nc, Index(1));
    const auto size_a = static_cast<std::size_t>(this->m_mc * this->m_kc);
    const auto size_b = static_cast<std::size_t>(this->m_kc * this->m_nc);
    if (a.size() < size_a) a.resize(size_a);  // grows on the first products, then stays
    if (b.size() < size_b) b.resize(size_b);
    this->m_blockA = a.data();
    this->m_blockB = b.data();
  }
};

template <class T, int AOrder, int BOrder>
void gemm_tile_kernel(Index m, Index n, Index k, GemmOperand<T> a, GemmOperand<T> b, T* c, Index ldc) {
  thread_local typename WorkspaceBlocking<T>::Buffer pack_a, pack_b;
  WorkspaceBlocking<T> blocking(m, n, k, pack_a, pack_b);
  Eigen::internal::general_matrix_matrix_product<Index, T, AOrder, false, T, BOrder, false, Eigen::RowMajor,
                                                 1>::run(m, n, k, a.data, a.stride, b.data, b.stride, c, 1, ldc,
                                                         T(1), blocking, nullptr);
}
#endif

/// One tile: C(m x n, row-major, leading dimension ldc) (+)= A(m x k) B(k x n).
template <class T>
void gemm_tile(Index m, Index n, Index k, GemmOperand<T> a, GemmOperand<T> b, T* c, Index ldc, bool accumulate) {
  if (!accumulate)
    for (Index i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, T(0));
#if AUTOENC_GEMM_PREALLOCATED
  constexpr int R = Eigen::RowMajor, C = Eigen::ColMajor;
  if (a.row_major && b.row_major) gemm_tile_kernel<T, R, R>(m, n, k, a, b, c, ldc);
  else if (a.row_major) gemm_tile_kernel<T, R, C>(m, n, k, a, b, c, ldc);
  else if (b.row_major) gemm_tile_kernel<T, C, R>(m, n, k, a, b, c, ldc);
  else gemm_tile_kernel<T, C, C>(m, n, k, a, b, c, ldc);
#else
  using Dyn = Eigen::Dynamic;
  using RowMat = Eigen::Matrix<T, Dyn, Dyn, Eigen::RowMajor>;
  using ColMat = Eigen::Matrix<T, Dyn, Dyn, Eigen::ColMajor>;
  using Stride = Eigen::OuterStride<>;
  Eigen::Map<RowMat, 0, Stride> cm(c, m, n, Stride(ldc));
  auto product = [&](const auto& am) {
    if (b.row_major)
      cm.noalias() += am * Eigen::Map<const RowMat, 0, Stride>(b.data, k, n, Stride(b.stride));
    else
      cm.noalias() += am * Eigen::Map<const ColMat, 0, Stride>(b.data, k, n, Stride(b.stride));
  };
  if (a.row_major)
    product(Eigen::Map<const RowMat, 0, Stride>(a.data, m, k, Stride(a.stride)));
  else
    product(Eigen::Map<const ColMat, 0, Stride>(a.data, m, k, Stride(a.stride)));
#endif
}

/// Inner-dimension chunk of a split-k product (see gemm).
constexpr Index kSplitKChunk = 2048;

/// C = sum over chunks of k of A(:, chunk) B(chunk, :): for a small C and a long k, like a
/// convolution's weight gradient summed over every pixel of a batch, where tiles of C alone
/// would leave the threads idle. Each chunk's product goes to its own slice of a workspace
/// and the slices are added in chunk order, so the sum does not depend on the thread count.
template <class T>
void gemm_split_k(Index m, Index n, Index k, GemmOperand<T> a, GemmOperand<T> b, T* c, Index ldc, bool accumulate) {
  thread_local std::vector<T, Eigen::aligned_allocator<T>> partials;  // the caller's; grows only
  const Index chunks = ceil_div(k, kSplitKChunk), slice = m * n;
  if (static_cast<Index>(partials.size()) < chunks * slice) partials.resize(static_cast<std::size_t>(chunks * slice));
  T* part = partials.data();
  parallel_for(chunks, [&](Index ch) {
    const Index k0 = ch * kSplitKChunk, k1 = std::min(k, k0 + kSplitKChunk);
    gemm_tile(m, n, k1 - k0, a.offset(0, k0), b.offset(k0, 0), part + ch * slice, n, false);
  });
  parallel_for_range(m, std::max<Index>(1, 4096 / std::max<Index>(n, 1)), [&](Index r0, Index r1) {
    for (Index i = r0; i < r1; ++i) {
      T* out = c + i * ldc;
      if (!accumulate) std::fill(out, out + n, T(0));
      for (Index ch = 0; ch < chunks; ++ch) {
        const T* p = part + ch * slice + i * n;
        for (Index j = 0; j < n; ++j) out[j] += p[j];
      }
    }
  });
}

/// True when gemm computes C (m x n, inner dimension k) in tiles of kGemmTile whole rows.
inline bool gemm_takes_row_tiles(Index m, Index n, Index k) {
  const bool split_k = k >= 2 * kSplitKChunk && k >= 8 * std::max(m, n);
  return !split_k && m >= n;
}

/// C = A * B without a C: each tile of kGemmTile rows is computed into a scratch tile of the
/// thread (row-major, n columns) and handed to consume(r0, r1, tile) while it is in cache, to be
/// put where it belongs (a transposed convolution's col2im) and finished there. When
/// gemm_takes_row_tiles(m, n, k), these are gemm's own tiles, so the values are gemm's bits.
template <class AType, class BType, class Consume>
void gemm_row_tiles(const AType& A, const BType& B, Consume&& consume) {
  using T = typename AType::Scalar;
  AUTOENC_ASSERT(A.cols() == B.rows());
  const Index m = A.rows(), n = B.cols(), k = A.cols();
  if (m == 0 || n == 0) return;
  const GemmOperand<T> a = gemm_operand(A), b = gemm_operand(B);
  const bool worth_threads = double(m) * double(n) * double(k) >= kGemmParallelWork;
  parallel_for_range(
      m, kGemmTile,
      [&](Index r0, Index r1) {
        thread_local std::vector<T, Eigen::aligned_allocator<T>> tile;  // grows only
        if (static_cast<Index>(tile.size()) < kGemmTile * n) tile.resize(static_cast<std::size_t>(kGemmTile * n));
        gemm_tile(r1 - r0, n, k, a.offset(r0, 0), b, tile.data(), n, false);
        consume(r0, r1, static_cast<const T*>(tile.data()));
      },
      worth_threads);
}

/// C = A * B, or C += A * B when `accumulate`. A and B are Eigen matrices or maps, possibly
/// transposed or blocks (anything with direct access); C is a row-major matrix or map.
/// C is cut along its longer side into tiles of kGemmTile rows or columns; when C is small and
/// the inner dimension long, the inner dimension is cut instead (gemm_split_k).
template <class CType, class AType, class BType>
void gemm(CType&& C, const AType& A, const BType& B, bool accumulate = false) {
  using T = typename std::decay_t<CType>::Scalar;
  static_assert(std::decay_t<CType>::IsRowMajor, "gemm: the result must be row-major");
  AUTOENC_ASSERT(A.rows() == C.rows() && B.cols() == C.cols() && A.cols() == B.rows());
  const Index m = C.rows(), n = C.cols(), k = A.cols();
  if (m == 0 || n == 0) return;
  const GemmOperand<T> a = gemm_operand(A), b = gemm_operand(B);
  T* c = C.data();
  const Index ldc = C.outerStride();
  const bool worth_threads = double(m) * double(n) * double(k) >= kGemmParallelWork;
  if (k >= 2 * kSplitKChunk && k >= 8 * std::max(m, n)) {
    gemm_split_k(m, n, k, a, b, c, ldc, accumulate);
  } else if (m >= n) {
    parallel_for_range(
        m, kGemmTile,
        [&](Index r0, Index r1) { gemm_tile(r1 - r0, n, k, a.offset(r0, 0), b, c + r0 * ldc, ldc, accumulate); },
        worth_threads);
  } else {
    parallel_for_range(
        n, kGemmTile,
        [&](Index c0, Index c1) { gemm_tile(m, c1 - c0, k, a, b.offset(0, c0), c + c0, ldc, accumulate); },
        worth_threads);
  }
}

}  // namespace detail
}  // namespace autoenc
