// gemm: C = A * B through Eigen's GEMM, split into fixed tiles of C that run in parallel.
//
// Each tile is one single-threaded Eigen product whose shape depends only on the shapes of
// A, B and C, never on the thread count; every element of C is written by exactly one tile.
// The product is therefore bit-identical with 1 thread or many (see parallel.hpp).
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>

#include "config.hpp"
#include "parallel.hpp"

namespace autoenc {
namespace detail {

/// Width of a tile of C, in rows or columns. 128 keeps each tile's product large enough for
/// Eigen's kernels to run near their peak while leaving several tiles for the threads.
constexpr Index kGemmTile = 128;

/// C = A * B, or C += A * B when `accumulate`. A, B and C are Eigen matrix expressions
/// (maps, blocks, transposes) whose sizes agree; C is cut along its longer side.
template <class CType, class AType, class BType>
void gemm(CType&& C, const AType& A, const BType& B, bool accumulate = false) {
  AUTOENC_ASSERT(A.rows() == C.rows() && B.cols() == C.cols() && A.cols() == B.rows());
  const Index m = C.rows(), n = C.cols();
  if (m == 0 || n == 0) return;
  if (A.cols() == 0) {
    if (!accumulate) C.setZero();
    return;
  }
  if (m >= n) {
    parallel_for_range(m, kGemmTile, [&](Index r0, Index r1) {
      auto c = C.middleRows(r0, r1 - r0);
      if (accumulate)
        c.noalias() += A.middleRows(r0, r1 - r0) * B;
      else
        c.noalias() = A.middleRows(r0, r1 - r0) * B;
    });
  } else {
    parallel_for_range(n, kGemmTile, [&](Index c0, Index c1) {
      auto c = C.middleCols(c0, c1 - c0);
      if (accumulate)
        c.noalias() += A * B.middleCols(c0, c1 - c0);
      else
        c.noalias() = A * B.middleCols(c0, c1 - c0);
    });
  }
}

}  // namespace detail
}  // namespace autoenc
