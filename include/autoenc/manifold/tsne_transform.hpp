/// @file
/// Placing new points into a finished t-SNE map (openTSNE's transform; scikit-learn has none):
///
///     autoenc::TSNE tsne;
///     const autoenc::EmbeddingMatrix map = tsne.fit_transform(X);          // the reference
///     autoenc::TsneTransform place;                                         // perplexity 5
///     const autoenc::EmbeddingMatrix& Y_new = place.transform(X_new, X, map);
///
/// The reference map stays fixed. Each new point x_i gets, as in the fit, a Gaussian over its k
/// nearest reference points, p_{j|i} (perplexity 5 by default: a new point should land beside
/// its few nearest, as openTSNE chooses), and the place y_i that minimises its own divergence
///
///     C_i = sum_j p_{j|i} log(p_{j|i} / q_{j|i}),   q_{j|i} = w_ij / Z_i,   Z_i = sum_j w_ij
///
/// over all the reference points j (w_ij the Student-t kernel of the map, u_ij = 1 / (1 + d2 /
/// alpha)). The new points do not see one another: each lands where it would land alone, so a
/// point's place does not depend on what else is placed with it. The gradient is
///
///     dC_i/dy_i = (alpha + 1) / alpha * [ sum_j p_{j|i} u_ij (y_i - y_j)  -  sum_j w_ij u_ij (y_i - y_j) / Z_i ]
///
/// whose second sum and Z_i are the reference map's field at y_i: in 1-D and 2-D with FFTW, read
/// off one interpolation grid over the map (FftRepulsion::prepare_field, made once, 3 boxes per
/// unit); otherwise pair by pair. Each point starts at the median of its neighbours' places (openTSNE's
/// "median") and moves by TSNE's gradient descent (gains, momentum 0.8, each step at most
/// max_step_norm long).
///
/// Deterministic: the neighbours are exact, and every point's arithmetic is its own.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../core/config.hpp"

#include "../core/common_args.hpp"
#include "../core/error.hpp"
#include "../core/log.hpp"
#include "../core/named_args.hpp"
#include "../core/parallel.hpp"
#include "affinities.hpp"
#include "fft_repulsion.hpp"
#include "nearest_neighbors.hpp"
#include "tsne.hpp"
#include "tsne_objective.hpp"

namespace autoenc {

/// TsneTransform's settings.
struct TsneTransformOptions {
  double perplexity = 5;        ///< of each new point's Gaussian over the reference points
  int n_iter = 250;             ///< gradient-descent steps
  double learning_rate = 1;     ///< step size (the per-point gradient is O(1), not O(1/n) as in a fit)
  double momentum = 0.8;        ///< of the descent
  double max_step_norm = 1;     ///< the longest step a point takes in one iteration (map units)
  int verbose = 0;              ///< 1: the steps; 2: also the mean divergence every 50 iterations

  void set(NamedArg<PerplexityTag, double> a) { perplexity = a.value; }        ///< ae::perplexity
  void set(NamedArg<NIterTag, int> a) { n_iter = a.value; }                    ///< ae::n_iter
  void set(NamedArg<LearningRateTag, double> a) { learning_rate = a.value; }   ///< ae::learning_rate
  void set(NamedArg<MaxStepNormTag, double> a) { max_step_norm = a.value; }    ///< ae::max_step_norm
  void set(NamedArg<VerboseTag, VerboseSpec> a) { verbose = a.value.level; }   ///< ae::verbose

  /// ConfigError for a value out of range.
  void validate() const {
    if (!(perplexity > 0)) throw ConfigError("TsneTransform: perplexity must be > 0, got " + std::to_string(perplexity));
    if (n_iter < 0) throw ConfigError("TsneTransform: n_iter must be >= 0, got " + std::to_string(n_iter));
    if (!(learning_rate > 0))
      throw ConfigError("TsneTransform: learning_rate must be > 0, got " + std::to_string(learning_rate));
    if (!(momentum >= 0 && momentum < 1))
      throw ConfigError("TsneTransform: momentum must be in [0, 1), got " + std::to_string(momentum));
    if (!(max_step_norm > 0))
      throw ConfigError("TsneTransform: max_step_norm must be > 0, got " + std::to_string(max_step_norm));
  }
};

namespace detail {
/// The reference map's field at the targets, pair by pair: repulsion_t = sum_j w_tj u_tj (y_t -
/// s_j) and z_t = sum_j w_tj, over all m sources (any dimension, any alpha).
inline void direct_field(const EmbeddingMatrix& sources, const EmbeddingMatrix& targets, double alpha,
                         EmbeddingMatrix& repulsion, std::vector<double>& z) {
  const Index m = sources.rows(), dim = sources.cols();
  parallel_for_range(targets.rows(), 16, [&](Index t0, Index t1) {
    std::vector<double> r(static_cast<std::size_t>(dim));
    for (Index t = t0; t < t1; ++t) {
      std::fill(r.begin(), r.end(), 0.0);
      double zt = 0;
      for (Index j = 0; j < m; ++j) {
        double d2 = 0;
        for (Index d = 0; d < dim; ++d) d2 += (targets(t, d) - sources(j, d)) * (targets(t, d) - sources(j, d));
        double u, w;
        student_t(d2, alpha, u, w);
        zt += w;
        for (Index d = 0; d < dim; ++d) r[std::size_t(d)] += w * u * (targets(t, d) - sources(j, d));
      }
      for (Index d = 0; d < dim; ++d) repulsion(t, d) = r[std::size_t(d)];
      z[std::size_t(t)] = zt;
    }
  });
}
}  // namespace detail

/// Places new points into a fixed t-SNE map (see the file comment).
class TsneTransform {
 public:
  /// TsneTransform(named arguments: perplexity, n_iter, learning_rate, max_step_norm, verbose).
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  explicit TsneTransform(Args&&... args) {
    detail::apply_named_args(options_, std::forward<Args>(args)...);
    options_.validate();
  }
  /// From a filled-in options struct (checked: ConfigError).
  explicit TsneTransform(const TsneTransformOptions& options) : options_(options) { options_.validate(); }

  /// The settings in use.
  const TsneTransformOptions& options() const { return options_; }

  /// Boxes per unit of the grid that holds a reference map spanning `span` units: 3 (the field
  /// within ~2e-3 of the direct sums, against ~5e-2 with the fit's one box per unit: the grid is
  /// made once, so it can be finer), fewer for maps so wide that 400 boxes per side would not
  /// do (the grid's buffers stay under 400 MB).
  static double grid_boxes_per_unit(double span) { return std::clamp(400.0 / std::max(span, 1.0), 1.0, 3.0); }

  // ----- results -----
  EmbeddingMatrix embedding_;  ///< the new points' places, n_new x n_components
  double kl_divergence_ = std::numeric_limits<double>::quiet_NaN();  ///< mean C_i at the end

  /// Places the rows of X_new (n x d) into `reference_map` (m x c), the map of X_reference
  /// (m x d). Returns embedding_ (n x c).
  template <class DerivedNew, class DerivedReference>
  const EmbeddingMatrix& transform(const Eigen::MatrixBase<DerivedNew>& X_new,
                                   const Eigen::MatrixBase<DerivedReference>& X_reference,
                                   const EmbeddingMatrix& reference_map) {
    const Index n = X_new.rows(), m = X_reference.rows(), dim = reference_map.cols();
    if (reference_map.rows() != m)
      throw ShapeError("TsneTransform: the reference map has " + std::to_string(reference_map.rows()) +
                       " rows, the reference data " + std::to_string(m));
    if (X_new.cols() != X_reference.cols())
      throw ShapeError("TsneTransform: the new points have " + std::to_string(X_new.cols()) +
                       " features, the reference data " + std::to_string(X_reference.cols()));
    if (dim < 1) throw ShapeError("TsneTransform: the reference map has no columns");
    if (!(options_.perplexity < double(m)))
      throw ConfigError("TsneTransform: perplexity (" + std::to_string(options_.perplexity) +
                        ") must be less than the number of reference points (" + std::to_string(m) + ")");
    if (!reference_map.allFinite()) throw NumericError("TsneTransform: the reference map has a non-finite value");
    if (!X_new.allFinite() || !X_reference.allFinite())
      throw NumericError("TsneTransform: the data have a non-finite value");
    embedding_.resize(n, dim);
    kl_divergence_ = std::numeric_limits<double>::quiet_NaN();
    if (n == 0) return embedding_;

    // 1. Each new point's Gaussian over its nearest reference points.
    const auto start = std::chrono::steady_clock::now();
    const Index k = std::min<Index>(m, Index(3 * options_.perplexity + 1));
    NeighborGraph graph = exact_nearest_neighbors(X_new, X_reference, k);
    double beta_sum = 0;
    probabilities_ = conditional_probabilities(graph, options_.perplexity, beta_sum);
    neighbors_ = std::move(graph.indices);
    if (options_.verbose >= 1)
      log_printf("[t-SNE transform] %lld new points, %lld neighbours each among %lld, in %.3fs\n",
                 static_cast<long long>(n), static_cast<long long>(k), static_cast<long long>(m), seconds_since(start));

    // 2. Each at the median of its neighbours' places.
    parallel_for_range(n, 256, [&](Index i0, Index i1) {
      std::vector<double> values(static_cast<std::size_t>(k));
      for (Index i = i0; i < i1; ++i)
        for (Index d = 0; d < dim; ++d) {
          for (Index a = 0; a < k; ++a) values[std::size_t(a)] = reference_map(neighbors_[std::size_t(i * k + a)], d);
          std::sort(values.begin(), values.end());
          embedding_(i, d) = k % 2 ? values[std::size_t(k / 2)]
                                   : 0.5 * (values[std::size_t(k / 2 - 1)] + values[std::size_t(k / 2)]);
        }
    });

    // 3. Gradient descent, each point on its own divergence.
#if AUTOENC_HAS_FFTW
    fft1_.reset();  // a grid for this reference map
    fft2_.reset();
#endif
    optimize(reference_map, k);
    if (options_.verbose >= 1)
      log_printf("[t-SNE transform] mean KL divergence after %d iterations: %f (%.3fs in all)\n", options_.n_iter,
                 kl_divergence_, seconds_since(start));
    probabilities_ = {};
    neighbors_ = {};
    return embedding_;
  }

 private:
  static constexpr double kMinGain = 0.01;
  static constexpr int kReportEvery = 50;

  static double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }

  /// The reference map's field at the current places into field_ and z_: from the FFT grid when
  /// there is one (prepared again, wider, when a point has left it), pair by pair otherwise.
  void reference_field(const EmbeddingMatrix& reference_map, double alpha) {
    const Index n = embedding_.rows(), m = reference_map.rows(), dim = reference_map.cols();
    field_.resize(n, dim);
    z_.resize(static_cast<std::size_t>(n));
#if AUTOENC_HAS_FFTW
    // The grid pays when there are more pairs than about 16 grid nodes' worth of work.
    const bool use_grid = alpha == 1 && dim <= 2 && double(n) * double(m) > 4e6;
    if (use_grid) {
      if (dim == 1) field_on_grid<1>(fft1_, reference_map);
      else field_on_grid<2>(fft2_, reference_map);
      return;
    }
#endif
    detail::direct_field(reference_map, embedding_, alpha, field_, z_);
  }

#if AUTOENC_HAS_FFTW
  template <int Dim>
  void field_on_grid(std::unique_ptr<FftRepulsion<Dim>>& fft, const EmbeddingMatrix& reference_map) {
    const Index n = embedding_.rows();
    if (!fft) {
      const double span = (reference_map.colwise().maxCoeff() - reference_map.colwise().minCoeff()).maxCoeff();
      fft = std::make_unique<FftRepulsion<Dim>>(50, grid_boxes_per_unit(span));
    }
    if (fft->field_at(embedding_.data(), n, field_.data(), z_.data())) return;
    // The box of the reference map and the new points, with a margin of a tenth of its span
    // (at least one unit) so that the points can move a while before the grid is made again.
    double low[Dim], high[Dim];
    for (int d = 0; d < Dim; ++d) {
      low[d] = std::min(reference_map.col(d).minCoeff(), embedding_.col(d).minCoeff());
      high[d] = std::max(reference_map.col(d).maxCoeff(), embedding_.col(d).maxCoeff());
      if (!std::isfinite(low[d]) || !std::isfinite(high[d]))
        throw NumericError("TsneTransform: a new point's place became non-finite; try a smaller learning_rate");
      const double margin = std::max(1.0, 0.1 * (high[d] - low[d]));
      low[d] -= margin;
      high[d] += margin;
    }
    fft->prepare_field(reference_map.data(), reference_map.rows(), low, high);
    const bool inside = fft->field_at(embedding_.data(), n, field_.data(), z_.data());
    AUTOENC_ASSERT(inside);
    (void)inside;
  }
#endif

  /// TSNE's gradient descent (gains, momentum, steps no longer than max_step_norm) on every
  /// new point's own divergence C_i; kl_divergence_ is their mean at the end.
  void optimize(const EmbeddingMatrix& reference_map, Index k) {
    const Index n = embedding_.rows(), dim = embedding_.cols();
    const double alpha = tsne_degrees_of_freedom(dim), c = (alpha + 1) / alpha;
    EmbeddingMatrix grad(n, dim), update = EmbeddingMatrix::Zero(n, dim), gains = EmbeddingMatrix::Ones(n, dim);
    std::vector<double> kl_point(static_cast<std::size_t>(n));
    const auto tic = std::chrono::steady_clock::now();
    for (int it = 0; it <= options_.n_iter; ++it) {
      reference_field(reference_map, alpha);
      // The gradient, and each point's divergence C_i = sum_j p log(p / (w / Z_i)).
      parallel_for_range(n, 256, [&](Index i0, Index i1) {
        std::vector<double> attraction(static_cast<std::size_t>(dim));
        for (Index i = i0; i < i1; ++i) {
          std::fill(attraction.begin(), attraction.end(), 0.0);
          const double Z = std::max(z_[std::size_t(i)], std::numeric_limits<double>::min());
          double kl = 0;
          for (Index a = 0; a < k; ++a) {
            const Index j = neighbors_[std::size_t(i * k + a)];
            const double p = probabilities_[std::size_t(i * k + a)];
            double d2 = 0;
            for (Index d = 0; d < dim; ++d) d2 += (embedding_(i, d) - reference_map(j, d)) * (embedding_(i, d) - reference_map(j, d));
            double u, w;
            detail::student_t(d2, alpha, u, w);
            for (Index d = 0; d < dim; ++d) attraction[std::size_t(d)] += p * u * (embedding_(i, d) - reference_map(j, d));
            constexpr double tiny = std::numeric_limits<float>::min();
            if (p > 0) kl += p * std::log(p / std::max(w / Z, tiny));
          }
          for (Index d = 0; d < dim; ++d) grad(i, d) = c * (attraction[std::size_t(d)] - field_(i, d) / Z);
          kl_point[std::size_t(i)] = kl;
        }
      });
      if (!grad.allFinite())
        throw NumericError("TsneTransform: the gradient became non-finite at iteration " + std::to_string(it) +
                           "; try a smaller learning_rate (now " + std::to_string(options_.learning_rate) + ")");
      double kl_sum = 0;
      for (double v : kl_point) kl_sum += v;  // index order: the same with any thread count
      kl_divergence_ = kl_sum / double(n);
      if (options_.verbose >= 2 && it % kReportEvery == 0)
        log_printf("[t-SNE transform] Iteration %d: mean KL divergence %.7f (%.3fs)\n", it, kl_divergence_,
                   seconds_since(tic));
      if (it == options_.n_iter) break;  // the last pass only measured the divergence
      parallel_for_range(n, 256, [&](Index i0, Index i1) {
        for (Index i = i0; i < i1; ++i) {
          double step2 = 0;
          for (Index d = 0; d < dim; ++d) {
            double& gain = gains(i, d);
            double& u = update(i, d);
            const double g = grad(i, d);
            gain = std::max(u * g < 0 ? gain + 0.2 : gain * 0.8, kMinGain);
            u = options_.momentum * u - options_.learning_rate * gain * g;
            step2 += u * u;
          }
          const double step = std::sqrt(step2);
          if (step > options_.max_step_norm) update.row(i) *= options_.max_step_norm / step;
          embedding_.row(i) += update.row(i);
        }
      });
    }
  }

  TsneTransformOptions options_;
  std::vector<double> probabilities_;      // p_{j|i}, n x k
  std::vector<std::int32_t> neighbors_;    // j, n x k (rows of the reference)
  EmbeddingMatrix field_;                  // sum_j w u (y_i - y_j) over the reference
  std::vector<double> z_;                  // Z_i
#if AUTOENC_HAS_FFTW
  std::unique_ptr<FftRepulsion<1>> fft1_;
  std::unique_ptr<FftRepulsion<2>> fft2_;
#endif
};

}  // namespace autoenc
