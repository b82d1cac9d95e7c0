/// @file
/// t-SNE's repulsive forces in a 1-D or 2-D map by interpolation on a grid and FFT convolution
/// (Linderman, Rachh, Hoskins, Steinerberger, Kluger 2019, "Fast interpolation-based t-SNE for
/// improved visualization of single-cell RNA-seq data", the method of FIt-SNE and openTSNE).
/// Linear in the number of points, where Barnes-Hut is O(n log n) with a large constant.
///
/// In 1-D and 2-D (alpha = 1) both unknowns of the repulsion are sums of one smooth kernel
/// K(y, z) = 1 / (1 + |y - z|^2)^2 over all pairs:
///
///     repulsion_i = sum_j K(y_i, y_j) (y_i - y_j)           = y_i phi_1(i) - phi_y(i)
///     Z = sum_{i != j} 1 / (1 + |y_i - y_j|^2)
///       = sum_i sum_j K(y_i, y_j) (1 + |y_i - y_j|^2) - n   (the j = i terms are 1 each)
///       = sum_i [(1 + |y_i|^2) phi_1(i) - 2 y_i . phi_y(i) + phi_yy(i)] - n
///
/// with the potentials phi_c(i) = sum_j K(y_i, y_j) c_j of Dim + 2 charges per point:
/// c_j = 1, each coordinate of y_j, and |y_j|^2. (The coordinates are taken relative to the
/// grid's centre: the formulas are translation-invariant, and small numbers cancel less.)
///
/// Each potential costs O(n + G log G) for G grid nodes instead of O(n^2):
///  1. spread: the map's bounding square is cut into B boxes per side, with p = 3 equispaced
///     nodes per box and side (spacing h = box width / p). A point gives its charge to the p^Dim
///     nodes of its own box, weighted by the Lagrange polynomials through those nodes:
///         w_node = sum_{j in the box} L_a(y_j,x) L_b(y_j,y) c_j;
///  2. convolve: potential_l = sum_m K(node_l, node_m) w_m. The nodes are equispaced over the
///     whole square, so the kernel depends only on l - m: a Toeplitz product, computed as a
///     circular convolution of twice the size in every dimension with real FFTs (FFTW);
///  3. gather: phi_c(i) = sum over the nodes of i's box of L_a(y_i,x) L_b(y_i,y) potential_node.
/// B = max(50, span of the map) per side, as FIt-SNE and openTSNE choose it (boxes at most one
/// unit wide, where the kernel's scale is one), rounded up to a product of 2, 3, 5 and 7 so that
/// FFTW's transforms of size 2 p B are fast.
///
/// Same bits with any thread count: points are spread box row by box row, each row's points in
/// index order (one thread owns a row's nodes); the FFTs use plans made with FFTW_ESTIMATE (a
/// measured plan may differ from run to run), one transform per charge; Z is summed in index
/// order. Needs FFTW 3 (AUTOENC_HAS_FFTW, set by the autoenc::manifold target when CMake finds
/// it; otherwise include <fftw3.h>'s library yourself and define it).
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "../core/config.hpp"

#include "../core/error.hpp"
#include "../core/parallel.hpp"

#if AUTOENC_HAS_FFTW
#include <fftw3.h>
#endif

namespace autoenc {

/// Whether this build of autoenc can use TSNE's method "fft" (FFTW 3 was found).
inline constexpr bool has_fft_tsne =
#if AUTOENC_HAS_FFTW
    true;
#else
    false;
#endif

/// The smallest n' >= n whose prime factors are all 2, 3, 5 or 7 (fast sizes for FFTW).
inline Index next_fft_friendly_size(Index n) {
  for (Index m = std::max<Index>(n, 1);; ++m) {
    Index r = m;
    for (Index f : {2, 3, 5, 7})
      while (r % f == 0) r /= f;
    if (r == 1) return m;
  }
}

/// The interpolation grid's boxes per side for a Dim-dimensional map spanning `span` units, as
/// FIt-SNE chooses them: max(min_boxes, span * boxes_per_unit), rounded up to an FFT-friendly
/// size. At most 1,000 per side in 2-D (a grid of 6,000 x 6,000 nodes, 2.3 GB of buffers) and
/// 100,000 in 1-D: a map wider than that has boxes wider than a unit, and is less accurate.
inline Index fft_boxes_per_side(double span, int dim, Index min_boxes = 50, double boxes_per_unit = 1.0) {
  const double wanted = std::ceil(std::max(0.0, span) * boxes_per_unit);
  const double capped = std::min(wanted, dim == 1 ? 1e5 : 1e3);
  return next_fft_friendly_size(std::max<Index>(min_boxes, Index(capped)));
}

#if AUTOENC_HAS_FFTW

/// The repulsion and normaliser of t-SNE's gradient for a Dim-dimensional map (Dim = 1 or 2),
/// by interpolation and FFT. Keep one object per map: its buffers and FFT plans are reused from
/// one iteration to the next and rebuilt only when the grid grows.
template <int Dim>
class FftRepulsion {
  static_assert(Dim == 1 || Dim == 2, "FFT interpolation is implemented for 1-D and 2-D maps");

 public:
  static constexpr int kNodesPerBox = 3;   ///< p: interpolation nodes per box and side
  static constexpr int kCharges = Dim + 2;  ///< 1, the coordinates, |y|^2

  /// min_boxes and boxes_per_unit set the grid (FIt-SNE's min_num_intervals, intervals_per_integer).
  explicit FftRepulsion(Index min_boxes = 50, double boxes_per_unit = 1.0)
      : min_boxes_(min_boxes), boxes_per_unit_(boxes_per_unit) {}
  ~FftRepulsion() { destroy_plans(); }
  FftRepulsion(const FftRepulsion&) = delete;
  FftRepulsion& operator=(const FftRepulsion&) = delete;

  /// For the n points of Y (row-major n x Dim): repulsion_i = sum_j (y_i - y_j) / (1 + |y_i -
  /// y_j|^2)^2 into repulsion (n x Dim), and returns Z = sum_{i != j} 1 / (1 + |y_i - y_j|^2).
  double compute(const double* Y, Index n, double* repulsion) {
    if (n == 0) return 0;
    field_ready_ = false;  // the grid is the map's own now
    place_grid(Y, n);
    interpolation_weights(Y, n);
    spread_charges(Y, n);
    convolve();
    return gather(Y, n, repulsion);
  }

  /// The field of fixed sources, for placing new points into a finished map (TsneTransform).
  /// Spreads the n sources' charges (row-major n x Dim) on a grid over the box [low, high] (which
  /// must hold them) and convolves, once; field_at then reads the field anywhere in the box.
  void prepare_field(const double* sources, Index n, const double* low, const double* high) {
    double source_low[Dim], source_high[Dim];
    if (!bounds(sources, n, source_low, source_high))
      throw NumericError("t-SNE (fft): the reference map has a non-finite coordinate");
    for (int d = 0; d < Dim; ++d)
      if (!(low[d] <= source_low[d] && source_high[d] <= high[d]))
        throw std::invalid_argument("FftRepulsion::prepare_field: the box does not hold the sources");
    place_grid_over(low, high);
    interpolation_weights(sources, n);
    spread_charges(sources, n);
    convolve();
    field_ready_ = true;
    for (int d = 0; d < Dim; ++d) field_low_[d] = low[d], field_high_[d] = high[d];
  }

  /// The prepared field at n targets (row-major n x Dim): for each target t
  ///     repulsion_t = sum_j (y_t - s_j) / (1 + |y_t - s_j|^2)^2,   z_t = sum_j 1 / (1 + |y_t - s_j|^2)
  /// over the sources s_j. Returns false, and writes nothing, when a target lies outside the
  /// prepared box (prepare a wider one) or no field is prepared.
  bool field_at(const double* targets, Index n, double* repulsion, double* z) {
    if (!field_ready_) return false;
    for (Index i = 0; i < n; ++i)
      for (int d = 0; d < Dim; ++d) {
        const double v = targets[i * Dim + d];
        if (!(v >= field_low_[d] && v <= field_high_[d])) return false;  // NaN too
      }
    interpolation_weights(targets, n);
    gather_potentials(targets, n, repulsion, z);
    return true;
  }

  /// Boxes per side of the last grid (its nodes: kNodesPerBox times as many).
  Index boxes_per_side() const { return boxes_; }

  /// Whether summing over all pairs directly costs less than the grid for these n points: n^2
  /// pairs against (2 p B)^Dim padded nodes, each transformed Dim + 2 times and back. True for a
  /// few hundred points, and for a small map that has spread very wide.
  bool direct_sum_is_cheaper(const double* Y, Index n) const {
    if (n < 2) return true;
    double low[Dim], high[Dim];
    if (!bounds(Y, n, low, high)) return true;  // the direct sums propagate the NaN, which TSNE reports
    double span = 0;
    for (int d = 0; d < Dim; ++d) span = std::max(span, high[d] - low[d]);
    const double padded = double(2 * p * fft_boxes_per_side(span, Dim, min_boxes_, boxes_per_unit_));
    return double(n) * double(n) < std::pow(padded, Dim);
  }

 private:
  static constexpr int p = kNodesPerBox;

  // ---- the grid ----
  Index min_boxes_;
  double boxes_per_unit_;
  Index boxes_ = 0;            // B
  Index nodes_ = 0;            // M = p B nodes per side
  Index padded_ = 0;           // 2 M: the circular convolution's length per side
  double low_[Dim] = {};       // the grid's lower corner
  double centre_[Dim] = {};    // charges use coordinates relative to this point
  double spacing_ = 1;         // h, between neighbouring nodes
  bool field_ready_ = false;   // prepare_field's potentials are on the grid
  double field_low_[Dim] = {}, field_high_[Dim] = {};

  // ---- per point: its box and its p Lagrange weights per dimension ----
  std::vector<std::int32_t> box_;   // n x Dim
  std::vector<double> weight_;      // n x Dim x p
  std::vector<Index> row_start_;    // points ordered by their box along the last dimension
  std::vector<Index> by_row_;

  // ---- FFT buffers (fftw_malloc: aligned as the plans expect) ----
  // Each charge's grid: grid_rows() rows of padded_ values, the nodes in the first nodes_ of
  // each row and zeros after them (the rows beyond nodes_ of the padded square are all zero and
  // not stored). Its spectrum: spectrum_rows() rows of padded_ / 2 + 1 complex values.
  struct FftwFree {
    void operator()(void* ptr) const { fftw_free(ptr); }
  };
  using RealBuffer = std::unique_ptr<double, FftwFree>;
  using ComplexBuffer = std::unique_ptr<fftw_complex, FftwFree>;
  std::array<RealBuffer, kCharges> grid_;
  std::array<ComplexBuffer, kCharges> spectrum_;
  RealBuffer kernel_;  // (nodes_ + 1)^Dim samples of the kernel, then (in place) its spectrum
  fftw_plan rows_forward_ = nullptr, rows_backward_ = nullptr;        // real rows <-> their half spectra
  fftw_plan columns_forward_ = nullptr, columns_backward_ = nullptr;  // 2-D: complex columns, in place
  fftw_plan kernel_plan_ = nullptr;
  std::vector<double> phi_;  // each point's term of Z

  static std::mutex& planner_mutex() {  // FFTW's planner is not thread-safe; execution is
    static std::mutex m;
    return m;
  }
  Index grid_rows() const { return Dim == 1 ? 1 : nodes_; }
  Index spectrum_rows() const { return Dim == 1 ? 1 : padded_; }
  Index spectrum_row_length() const { return padded_ / 2 + 1; }
  Index grid_size() const { return grid_rows() * padded_; }
  Index spectrum_size() const { return spectrum_rows() * spectrum_row_length(); }
  Index kernel_size() const { return Dim == 1 ? nodes_ + 1 : (nodes_ + 1) * (nodes_ + 1); }

  void destroy_plans() {
    std::lock_guard<std::mutex> lock(planner_mutex());
    for (fftw_plan* plan : {&rows_forward_, &rows_backward_, &columns_forward_, &columns_backward_, &kernel_plan_}) {
      if (*plan) fftw_destroy_plan(*plan);
      *plan = nullptr;
    }
  }

  /// The map's bounding box; false if a coordinate is not finite.
  static bool bounds(const double* Y, Index n, double* low, double* high) {
    bool finite = true;
    for (int d = 0; d < Dim; ++d) low[d] = high[d] = Y[d];
    for (Index i = 0; i < n; ++i)
      for (int d = 0; d < Dim; ++d) {
        const double v = Y[i * Dim + d];
        finite = finite && std::isfinite(v);
        low[d] = std::min(low[d], v);
        high[d] = std::max(high[d], v);
      }
    return finite;
  }

  /// The grid over the map's bounding square.
  void place_grid(const double* Y, Index n) {
    double low[Dim], high[Dim];
    if (!bounds(Y, n, low, high))
      throw NumericError("t-SNE (fft): the map has a non-finite coordinate; try a smaller learning_rate");
    place_grid_over(low, high);
  }

  /// The grid over the box [low, high]: its corner, B, h, and (when B changed) new buffers and plans.
  void place_grid_over(const double* low, const double* high) {
    double span = 0;
    for (int d = 0; d < Dim; ++d) {
      low_[d] = low[d];
      span = std::max(span, high[d] - low[d]);
    }
    const Index boxes = fft_boxes_per_side(span, Dim, min_boxes_, boxes_per_unit_);
    // A map of one point (or of identical points) still needs a grid of positive width.
    span = std::max(span, 1e-9);
    // Widen by a relative 1e-9 so that the largest coordinate falls inside the last box.
    span *= 1 + 1e-9;
    spacing_ = span / double(boxes * p);
    for (int d = 0; d < Dim; ++d) centre_[d] = low_[d] + span / 2;
    if (boxes != boxes_) resize_grid(boxes);
  }

  template <class T>
  static std::unique_ptr<T, FftwFree> allocate(Index count) {
    std::unique_ptr<T, FftwFree> buffer(static_cast<T*>(fftw_malloc(sizeof(T) * std::size_t(count))));
    if (!buffer) throw std::bad_alloc();
    return buffer;
  }

  /// Buffers and plans for B boxes per side. FFTW_ESTIMATE: the plans depend only on the sizes
  /// (a measured plan may change between runs, and with it the rounding). Every plan is executed
  /// on every charge's buffers (same sizes, same alignment).
  void resize_grid(Index boxes) {
    destroy_plans();
    boxes_ = boxes;
    nodes_ = boxes * p;
    padded_ = 2 * nodes_;
    for (int c = 0; c < kCharges; ++c) {
      grid_[std::size_t(c)] = allocate<double>(grid_size());
      spectrum_[std::size_t(c)] = allocate<fftw_complex>(spectrum_size());
    }
    kernel_ = allocate<double>(kernel_size());
    const int length = int(padded_), half = int(spectrum_row_length()), rows = int(grid_rows());
    double* grid = grid_[0].get();
    fftw_complex* spectrum = spectrum_[0].get();
    std::lock_guard<std::mutex> lock(planner_mutex());
    // The padded transform is separable: rows first (only the grid's rows: the others are zero),
    // then the columns of the half spectra; back in the reverse order, keeping only the rows
    // that hold nodes.
    rows_forward_ = fftw_plan_many_dft_r2c(1, &length, rows, grid, nullptr, 1, length, spectrum, nullptr, 1, half,
                                          FFTW_ESTIMATE);
    rows_backward_ = fftw_plan_many_dft_c2r(1, &length, rows, spectrum, nullptr, 1, half, grid, nullptr, 1, length,
                                           FFTW_ESTIMATE);
    bool ok = rows_forward_ && rows_backward_;
    if (Dim == 2) {
      columns_forward_ = fftw_plan_many_dft(1, &length, half, spectrum, nullptr, half, 1, spectrum, nullptr, half, 1,
                                            FFTW_FORWARD, FFTW_ESTIMATE);
      columns_backward_ = fftw_plan_many_dft(1, &length, half, spectrum, nullptr, half, 1, spectrum, nullptr, half, 1,
                                             FFTW_BACKWARD, FFTW_ESTIMATE);
      ok = ok && columns_forward_ && columns_backward_;
    }
    // The circular kernel is even (k[m] = k[P - m]), so its spectrum is real and is the type-I
    // discrete cosine transform of its first M + 1 samples: a quarter of the work in 2-D.
    const int kernel_length = int(nodes_ + 1);
    kernel_plan_ = Dim == 1 ? fftw_plan_r2r_1d(kernel_length, kernel_.get(), kernel_.get(), FFTW_REDFT00, FFTW_ESTIMATE)
                            : fftw_plan_r2r_2d(kernel_length, kernel_length, kernel_.get(), kernel_.get(), FFTW_REDFT00,
                                               FFTW_REDFT00, FFTW_ESTIMATE);
    ok = ok && kernel_plan_;
    if (!ok) throw std::runtime_error("FftRepulsion: FFTW could not plan its transforms");
  }

  /// Each point's box and the Lagrange weights of the p nodes of its box, per dimension. With
  /// the nodes at t = 0.5, 1.5, 2.5 (in units of h from the box's edge):
  ///     L_0(t) = (t - 1.5)(t - 2.5) / 2,  L_1(t) = -(t - 0.5)(t - 2.5),  L_2(t) = (t - 0.5)(t - 1.5) / 2.
  void interpolation_weights(const double* Y, Index n) {
    box_.resize(std::size_t(n * Dim));
    weight_.resize(std::size_t(n * Dim * p));
    const double inv_h = 1 / spacing_;
    parallel_for_range(n, 4096, [&](Index i0, Index i1) {
      for (Index i = i0; i < i1; ++i)
        for (int d = 0; d < Dim; ++d) {
          const double u = (Y[i * Dim + d] - low_[d]) * inv_h;  // in node spacings from the corner
          const Index b = std::min<Index>(Index(u / p), boxes_ - 1);
          const double t = u - double(b * p);
          double* L = weight_.data() + (i * Dim + d) * p;
          L[0] = 0.5 * (t - 1.5) * (t - 2.5);
          L[1] = -(t - 0.5) * (t - 2.5);
          L[2] = 0.5 * (t - 0.5) * (t - 1.5);
          box_[std::size_t(i * Dim + d)] = std::int32_t(b);
        }
    });
    // Counting sort by the box along the last dimension: its rows of nodes belong to it alone.
    row_start_.assign(std::size_t(boxes_ + 1), 0);
    for (Index i = 0; i < n; ++i) ++row_start_[std::size_t(box_[std::size_t(i * Dim + Dim - 1)] + 1)];
    for (Index b = 0; b < boxes_; ++b) row_start_[std::size_t(b + 1)] += row_start_[std::size_t(b)];
    by_row_.resize(std::size_t(n));
    std::vector<Index> fill(row_start_.begin(), row_start_.end() - 1);
    for (Index i = 0; i < n; ++i) by_row_[std::size_t(fill[std::size_t(box_[std::size_t(i * Dim + Dim - 1)])]++)] = i;
  }

  /// The charges of point i, relative to the grid's centre: 1, y, |y|^2.
  void charges(const double* Y, Index i, double* q) const {
    double r2 = 0;
    q[0] = 1;
    for (int d = 0; d < Dim; ++d) {
      const double y = Y[i * Dim + d] - centre_[d];
      q[1 + d] = y;
      r2 += y * y;
    }
    q[Dim + 1] = r2;
  }

  /// Step 1: every point's charges onto the nodes of its box (grid index: last dimension
  /// slowest, stride padded_ per row).
  void spread_charges(const double* Y, Index n) {
    (void)n;
    for (int c = 0; c < kCharges; ++c) std::memset(grid_[std::size_t(c)].get(), 0, sizeof(double) * std::size_t(grid_size()));
    parallel_for(boxes_, [&](Index row) {
      for (Index k = row_start_[std::size_t(row)]; k < row_start_[std::size_t(row + 1)]; ++k) {
        const Index i = by_row_[std::size_t(k)];
        double q[kCharges];
        charges(Y, i, q);
        const double* L = weight_.data() + i * Dim * p;
        if constexpr (Dim == 1) {
          const Index node0 = Index(box_[std::size_t(i)]) * p;
          for (int a = 0; a < p; ++a)
            for (int c = 0; c < kCharges; ++c) grid_[std::size_t(c)].get()[node0 + a] += L[a] * q[c];
        } else {
          const Index x0 = Index(box_[std::size_t(i * 2)]) * p, y0 = Index(box_[std::size_t(i * 2 + 1)]) * p;
          const double* Lx = L;
          const double* Ly = L + p;
          for (int b = 0; b < p; ++b)
            for (int a = 0; a < p; ++a) {
              const double w = Ly[b] * Lx[a];
              const Index node = (y0 + b) * padded_ + x0 + a;
              for (int c = 0; c < kCharges; ++c) grid_[std::size_t(c)].get()[node] += w * q[c];
            }
        }
      }
    });
  }

  /// Step 2: the potentials on the nodes, potential_l = sum_m K((l - m) h) w_m, as a circular
  /// convolution over padded_ = 2 M nodes per side: the kernel wraps around at offsets
  /// -(M - 1) .. M - 1, and offset M, never reached, is zero.
  void convolve() {
    const Index M = nodes_, P = padded_, half = spectrum_row_length();
    const double h2 = spacing_ * spacing_;
    double* kernel = kernel_.get();
    for (Index r = 0; r <= (Dim == 1 ? 0 : M); ++r)
      for (Index a = 0; a <= M; ++a) {
        const double dy = double(r), dx = double(a);
        const double k = 1 / (1 + h2 * (dx * dx + dy * dy));
        kernel[r * (M + 1) + a] = (a == M || (Dim == 2 && r == M)) ? 0.0 : k * k;
      }
    fftw_execute_r2r(kernel_plan_, kernel, kernel);  // now the spectrum, rows 0..M (row j > M: row P - j)
    const double scale = 1 / std::pow(double(P), Dim);  // FFTW's inverse is unnormalised
    parallel_for(kCharges, [&](Index c) {
      double* grid = grid_[std::size_t(c)].get();
      fftw_complex* s = spectrum_[std::size_t(c)].get();
      if (Dim == 2)  // the rows of the padded square beyond the nodes: zero, never transformed
        std::memset(s + M * half, 0, sizeof(fftw_complex) * std::size_t((P - M) * half));
      fftw_execute_dft_r2c(rows_forward_, grid, s);
      if (Dim == 2) fftw_execute_dft(columns_forward_, s, s);
      for (Index j = 0; j < spectrum_rows(); ++j) {
        const double* k = kernel + (j <= M ? j : P - j) * (M + 1);
        fftw_complex* row = s + j * half;
        for (Index m = 0; m < half; ++m) {
          const double f = k[m] * scale;
          row[m][0] *= f;
          row[m][1] *= f;
        }
      }
      if (Dim == 2) fftw_execute_dft(columns_backward_, s, s);
      fftw_execute_dft_c2r(rows_backward_, s, grid);
    });
  }

  /// Step 3: the potentials at the points, then the repulsion and Z.
  double gather(const double* Y, Index n, double* repulsion) {
    phi_.resize(std::size_t(n));  // each point's term of Z
    gather_potentials(Y, n, repulsion, phi_.data());
    double Z = 0;
    for (Index i = 0; i < n; ++i) Z += phi_[std::size_t(i)];  // index order: thread-count independent
    return Z - double(n);  // less the n terms j = i
  }

  /// The potentials at the n points of Y (whose weights interpolation_weights computed): each
  /// point's repulsion sum_j K_ij (y_i - s_j) and its sum_j 1 / (1 + |y_i - s_j|^2) into z.
  void gather_potentials(const double* Y, Index n, double* repulsion, double* z) {
    parallel_for_range(n, 4096, [&](Index i0, Index i1) {
      for (Index i = i0; i < i1; ++i) {
        double phi[kCharges] = {};
        const double* L = weight_.data() + i * Dim * p;
        if constexpr (Dim == 1) {
          const Index node0 = Index(box_[std::size_t(i)]) * p;
          for (int a = 0; a < p; ++a)
            for (int c = 0; c < kCharges; ++c) phi[c] += L[a] * grid_[std::size_t(c)].get()[node0 + a];
        } else {
          const Index x0 = Index(box_[std::size_t(i * 2)]) * p, y0 = Index(box_[std::size_t(i * 2 + 1)]) * p;
          for (int b = 0; b < p; ++b)
            for (int a = 0; a < p; ++a) {
              const double w = L[p + b] * L[a];
              const Index node = (y0 + b) * padded_ + x0 + a;
              for (int c = 0; c < kCharges; ++c) phi[c] += w * grid_[std::size_t(c)].get()[node];
            }
        }
        double q[kCharges];
        charges(Y, i, q);  // q[1..Dim] = y_i, q[Dim + 1] = |y_i|^2 (relative to the centre)
        double y_dot_phi = 0;
        for (int d = 0; d < Dim; ++d) {
          repulsion[i * Dim + d] = q[1 + d] * phi[0] - phi[1 + d];
          y_dot_phi += q[1 + d] * phi[1 + d];
        }
        z[i] = (1 + q[Dim + 1]) * phi[0] - 2 * y_dot_phi + phi[Dim + 1];
      }
    });
  }
};

#endif  // AUTOENC_HAS_FFTW

}  // namespace autoenc
