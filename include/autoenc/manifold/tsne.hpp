// t-SNE (t-distributed stochastic neighbour embedding) with scikit-learn's parameters, meaning
// and optimiser, exact or Barnes-Hut.
//
//     autoenc::TSNE tsne;
//     tsne.n_components(2).perplexity(15).learning_rate(100).random_state(0);
//     autoenc::EmbeddingMatrix Y = tsne.fit_transform(latent);   // latent: (n, d)
//     tsne.kl_divergence_; tsne.n_iter_;
//
// The steps (van der Maaten and Hinton 2008; van der Maaten 2014 for Barnes-Hut):
//  1. input similarities P from squared Euclidean distances at the requested perplexity
//     (affinities.hpp): over all pairs (exact) or the k = min(n - 1, 3 perplexity + 1) nearest
//     neighbours (Barnes-Hut, nearest_neighbors.hpp);
//  2. an initial embedding: N(0, 1e-4^2) ("random") or the first principal components scaled
//     so that the first has standard deviation 1e-4 ("pca");
//  3. gradient descent on KL(P || Q) (tsne_objective.hpp) with momentum and per-coordinate
//     gains, in scikit-learn's two stages:
//       stage 1, iterations [0, 250): P multiplied by early_exaggeration, momentum 0.5;
//       stage 2, iterations [250, n_iter): true P, momentum 0.8;
//     each iteration (g = gradient, gains start at 1 and the update at 0 in each stage):
//       gain  += 0.2 where update * g < 0 (the direction flipped), else gain *= 0.8;
//       gain   = max(gain, 0.01);
//       update = momentum * update - learning_rate * gain * g;   y += update.
//     Every 50 iterations (and at the last) the KL divergence is evaluated: the stage stops if
//     it has not improved for n_iter_without_progress iterations (stage 2 only), or if the norm
//     of gain * g is at most min_grad_norm.
//
// Where autoenc differs from scikit-learn 1.2.1, and why:
//  - Random numbers come from autoenc's generator, so the same random_state gives a different
//    (equally good) embedding; results are reproducible with any thread count.
//  - The PCA initialisation uses an exact eigen-decomposition instead of randomized SVD (the
//    same components up to rounding; the sign is fixed the same way, see pca_initialisation).
//  - The embedding is kept in double; scikit-learn casts it to float32 (autoenc's tree kernel
//    computes its terms in float for speed and accumulates each point's sums in double, see
//    space_partition_tree.hpp).
//  - The 3-D gradient is the true gradient of KL (see tsne_objective.hpp).
//  - Barnes-Hut evaluates the angle criterion for groups of nearby points at once, which is at
//    least as accurate as scikit-learn's per-point walk (space_partition_tree.hpp).
// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <variant>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include "../core/error.hpp"
#include "../core/parallel.hpp"
#include "../core/random.hpp"
#include "affinities.hpp"
#include "nearest_neighbors.hpp"
#include "tsne_objective.hpp"

namespace autoenc {

enum class TsneMethod { barnes_hut, exact };
enum class TsneInit { pca, random, given };

inline TsneMethod tsne_method_from_name(const std::string& s) {
  if (s == "barnes_hut") return TsneMethod::barnes_hut;
  if (s == "exact") return TsneMethod::exact;
  throw ConfigError("TSNE: unknown method '" + s + "' (known: barnes_hut, exact)");
}
inline TsneInit tsne_init_from_name(const std::string& s) {
  if (s == "pca") return TsneInit::pca;
  if (s == "random") return TsneInit::random;
  throw ConfigError("TSNE: unknown init '" + s + "' (known: pca, random)");
}

/// What the optimiser reports every 50 iterations (see TSNE::on_progress).
struct TsneProgress {
  int iteration;           ///< 1-based, like scikit-learn's messages
  int n_iter;              ///< the planned total
  double kl_divergence;    ///< with the exaggerated P during the first stage
  double gradient_norm;
  double seconds;          ///< since the start of the optimisation
  bool exaggerated;
};

/// Projections on the first principal components, scaled so that the first has standard
/// deviation 1e-4. Each component's sign makes its largest-magnitude projection positive
/// (scikit-learn's svd_flip), so the result does not depend on the eigen-solver's signs.
template <class Derived>
EmbeddingMatrix tsne_pca_initialisation(const Eigen::MatrixBase<Derived>& X, Index n_components) {
  const EmbeddingMatrix Xc = X.template cast<double>().rowwise() - X.template cast<double>().colwise().mean();
  const Eigen::MatrixXd covariance = Xc.transpose() * Xc;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(covariance);  // ascending eigenvalues
  EmbeddingMatrix Y = Xc * eig.eigenvectors().rightCols(n_components).rowwise().reverse();
  for (Index c = 0; c < Y.cols(); ++c) {
    Index arg = 0;
    Y.col(c).cwiseAbs().maxCoeff(&arg);
    if (Y(arg, c) < 0) Y.col(c) *= -1;
  }
  const double mean0 = Y.col(0).mean();
  const double std0 = std::sqrt((Y.col(0).array() - mean0).square().mean());
  if (std0 > 0) Y *= 1e-4 / std0;
  return Y;
}

class TSNE {
 public:
  // ----- parameters (scikit-learn's names and defaults) -----
  TSNE& n_components(int n) {
    if (n < 1) throw ConfigError("TSNE: n_components must be >= 1, got " + std::to_string(n));
    n_components_ = n;
    return *this;
  }
  TSNE& perplexity(double p) {
    if (!(p > 0)) throw ConfigError("TSNE: perplexity must be > 0, got " + std::to_string(p));
    perplexity_ = p;
    return *this;
  }
  TSNE& early_exaggeration(double e) {
    if (!(e >= 1)) throw ConfigError("TSNE: early_exaggeration must be >= 1, got " + std::to_string(e));
    early_exaggeration_ = e;
    return *this;
  }
  /// A fixed learning rate...
  TSNE& learning_rate(double lr) {
    if (!(lr > 0)) throw ConfigError("TSNE: learning_rate must be > 0, got " + std::to_string(lr));
    learning_rate_ = lr;
    return *this;
  }
  /// ... or scikit-learn's "auto": max(n_samples / early_exaggeration / 4, 50).
  TSNE& learning_rate_auto() {
    learning_rate_.reset();
    return *this;
  }
  TSNE& n_iter(int n) {
    if (n < kExplorationIterations)
      throw ConfigError("TSNE: n_iter must be at least " + std::to_string(kExplorationIterations) + ", got " +
                        std::to_string(n));
    n_iter_max_ = n;
    return *this;
  }
  TSNE& n_iter_without_progress(int n) {
    n_iter_without_progress_ = n;
    return *this;
  }
  TSNE& min_grad_norm(double g) {
    min_grad_norm_ = g;
    return *this;
  }
  TSNE& init(TsneInit i) {
    if (i == TsneInit::given) throw ConfigError("TSNE: pass the initial embedding itself to init()");
    init_ = i;
    return *this;
  }
  /// Starts from this embedding (n_samples x n_components), like scikit-learn's init=ndarray.
  TSNE& init(const EmbeddingMatrix& initial) {
    init_ = TsneInit::given;
    given_ = initial;
    return *this;
  }
  TSNE& method(TsneMethod m) {
    method_ = m;
    return *this;
  }
  TSNE& angle(double a) {
    if (!(a >= 0 && a <= 1)) throw ConfigError("TSNE: angle must be in [0, 1], got " + std::to_string(a));
    angle_ = a;
    return *this;
  }
  TSNE& random_state(std::uint64_t seed) {
    seed_ = seed;
    return *this;
  }
  /// 0: silent; 1: the steps, as scikit-learn prints them; 2: also every 50 iterations.
  TSNE& verbose(int v) {
    verbose_ = v;
    return *this;
  }
  /// Called every 50 iterations with the optimiser's state (for progress bars).
  TSNE& on_progress(std::function<void(const TsneProgress&)> f) {
    on_progress_ = std::move(f);
    return *this;
  }

  // ----- results (scikit-learn's names) -----
  EmbeddingMatrix embedding_;
  double kl_divergence_ = std::numeric_limits<double>::quiet_NaN();
  int n_iter_ = 0;               ///< index of the last iteration run (n_iter - 1 normally)
  double learning_rate_used_ = 0; ///< scikit-learn's learning_rate_
  double mean_sigma_ = 0;

  /// Embeds the rows of X (n x d, any real scalar). Returns embedding_ (n x n_components).
  template <class Derived>
  const EmbeddingMatrix& fit_transform(const Eigen::MatrixBase<Derived>& X) {
    const Index n = X.rows();
    validate(X);
    const auto start = std::chrono::steady_clock::now();
    learning_rate_used_ = learning_rate_for(n);

    // 1. input similarities.
    if (method_ == TsneMethod::exact) {
      if (verbose_ >= 1) std::printf("[t-SNE] Computing pairwise distances...\n");
      dense_ = dense_joint_probabilities(X, perplexity_);
      mean_sigma_ = dense_.mean_sigma;
    } else {
      const Index k = std::min<Index>(n - 1, Index(3 * perplexity_ + 1));
      if (verbose_ >= 1) std::printf("[t-SNE] Computing %lld nearest neighbors...\n", static_cast<long long>(k));
      const auto t0 = std::chrono::steady_clock::now();
      const NeighborGraph graph = exact_nearest_neighbors(X, k);
      if (verbose_ >= 1)
        std::printf("[t-SNE] Computed neighbors for %lld samples in %.3fs...\n", static_cast<long long>(n),
                    seconds_since(t0));
      sparse_ = sparse_joint_probabilities(graph, perplexity_);
      mean_sigma_ = sparse_.mean_sigma;
    }
    if (verbose_ >= 1) {
      std::printf("[t-SNE] Computed conditional probabilities for sample %lld / %lld\n", static_cast<long long>(n),
                  static_cast<long long>(n));
      std::printf("[t-SNE] Mean sigma: %f\n", mean_sigma_);
    }

    // 2. initial embedding.
    Rng rng(seed_);
    if (init_ == TsneInit::pca) embedding_ = tsne_pca_initialisation(X, n_components_);
    else if (init_ == TsneInit::random) embedding_ = random_initialisation(n, rng);
    else embedding_ = given_;

    // 3. the two stages of gradient descent.
    scale_p(early_exaggeration_);
    const Stage s1 = optimise(0, kExplorationIterations, 0.5, kExplorationIterations, true, start);
    if (verbose_ >= 1)
      std::printf("[t-SNE] KL divergence after %d iterations with early exaggeration: %f\n", s1.last_iteration + 1,
                  s1.error);
    scale_p(1 / early_exaggeration_);
    // scikit-learn always runs the second stage (its condition `it < 250` holds after a full
    // first stage); with n_iter = 250 it runs no iteration, and kl_divergence_ is then the
    // largest double, n_iter_ 250, as there.
    const Stage s2 = optimise(s1.last_iteration + 1, n_iter_max_, 0.8, n_iter_without_progress_, false, start);
    kl_divergence_ = s2.error;
    n_iter_ = s2.last_iteration;
    if (verbose_ >= 1) std::printf("[t-SNE] KL divergence after %d iterations: %f\n", n_iter_ + 1, kl_divergence_);
    dense_ = {};
    sparse_ = {};
    return embedding_;
  }

  /// The learning rate fit_transform will use for n samples.
  double learning_rate_for(Index n) const {
    return learning_rate_ ? *learning_rate_ : std::max(double(n) / early_exaggeration_ / 4, 50.0);
  }

 private:
  static constexpr int kExplorationIterations = 250;
  static constexpr int kCheckEvery = 50;
  static constexpr double kMinGain = 0.01;

  struct Stage {
    double error;
    int last_iteration;
  };

  template <class Derived>
  void validate(const Eigen::MatrixBase<Derived>& X) const {
    const Index n = X.rows();
    if (n < 2) throw ConfigError("TSNE: need at least 2 samples, got " + std::to_string(n));
    if (X.cols() < 1) throw ConfigError("TSNE: the data have no features");
    if (!X.allFinite()) {
      for (Index i = 0; i < n; ++i)
        for (Index j = 0; j < X.cols(); ++j)
          if (!std::isfinite(double(X(i, j))))
            throw NumericError("TSNE: the input has a non-finite value (" + std::to_string(double(X(i, j))) +
                               ") at row " + std::to_string(i) + ", column " + std::to_string(j));
    }
    if (!(perplexity_ < double(n)))
      throw ConfigError("TSNE: perplexity (" + format_number(perplexity_) + ") must be less than n_samples (" +
                        std::to_string(n) + "); each point's neighbourhood cannot be wider than the data");
    if (method_ == TsneMethod::barnes_hut && n_components_ != 2 && n_components_ != 3)
      throw ConfigError("TSNE: method barnes_hut needs n_components 2 or 3 (a quadtree or octree), got " +
                        std::to_string(n_components_) + "; use method exact");
    if (init_ == TsneInit::given && (given_.rows() != n || given_.cols() != n_components_))
      throw ShapeError("TSNE: the initial embedding is " + std::to_string(given_.rows()) + " x " +
                       std::to_string(given_.cols()) + ", expected n_samples x n_components = " + std::to_string(n) +
                       " x " + std::to_string(n_components_));
    if (init_ == TsneInit::pca && n_components_ > X.cols())
      throw ConfigError("TSNE: init pca needs n_components (" + std::to_string(n_components_) +
                        ") <= n_features (" + std::to_string(X.cols()) + ")");
  }

  static std::string format_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
  }
  static double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }

  EmbeddingMatrix random_initialisation(Index n, Rng& rng) const {
    EmbeddingMatrix Y(n, n_components_);
    for (Index i = 0; i < Y.size(); ++i) Y.data()[i] = 1e-4 * rng.normal();
    return Y;
  }

  void scale_p(double factor) {
    if (method_ == TsneMethod::exact) dense_.P *= factor;
    else
      for (double& v : sparse_.values) v *= factor;
  }

  /// dKL/dy at embedding_ into grad; KL when compute_error (else NaN for Barnes-Hut).
  double gradient(EmbeddingMatrix& grad, bool compute_error) {
    if (method_ == TsneMethod::exact)
      return tsne_exact_gradient(dense_.P, embedding_, tsne_degrees_of_freedom(n_components_), grad);
    if (n_components_ == 2)
      return tsne_barnes_hut_gradient<2>(sparse_, embedding_, angle_, tree2_, grad, compute_error, workspace_);
    return tsne_barnes_hut_gradient<3>(sparse_, embedding_, angle_, tree3_, grad, compute_error, workspace_);
  }

  /// scikit-learn's _gradient_descent for iterations [first, last).
  Stage optimise(int first, int last, double momentum, int n_iter_without_progress, bool exaggerated,
                 std::chrono::steady_clock::time_point start) {
    const Index n = embedding_.rows(), dim = embedding_.cols();
    EmbeddingMatrix grad(n, dim), update = EmbeddingMatrix::Zero(n, dim), gains = EmbeddingMatrix::Ones(n, dim);
    double error = std::numeric_limits<double>::max(), best_error = error;
    int best_iteration = first, i = first;
    bool stopped = false;
    auto tic = std::chrono::steady_clock::now();
    for (i = first; i < last; ++i) {
      const bool check = (i + 1) % kCheckEvery == 0;
      const bool compute_error = check || i == last - 1;
      const double e = gradient(grad, compute_error);
      if (compute_error) error = e;
      if (!grad.allFinite() || (compute_error && !std::isfinite(error)))
        throw NumericError("TSNE: the gradient became non-finite at iteration " + std::to_string(i + 1) +
                           "; try a smaller learning_rate (now " + format_number(learning_rate_used_) + ")");
      for (Index k = 0; k < grad.size(); ++k) {
        double& gain = gains.data()[k];
        double& g = grad.data()[k];
        double& u = update.data()[k];
        gain = u * g < 0 ? gain + 0.2 : gain * 0.8;
        gain = std::max(gain, kMinGain);
        g *= gain;
        u = momentum * u - learning_rate_used_ * g;
        embedding_.data()[k] += u;
      }
      if (check) {
        const double grad_norm = grad.norm();
        const double elapsed = seconds_since(tic);
        tic = std::chrono::steady_clock::now();
        if (verbose_ >= 2)
          std::printf("[t-SNE] Iteration %d: error = %.7f, gradient norm = %.7f (%d iterations in %.3fs)\n", i + 1,
                      error, grad_norm, kCheckEvery, elapsed);
        if (on_progress_) on_progress_({i + 1, n_iter_max_, error, grad_norm, seconds_since(start), exaggerated});
        if (error < best_error) {
          best_error = error;
          best_iteration = i;
        } else if (i - best_iteration > n_iter_without_progress) {
          if (verbose_ >= 2)
            std::printf("[t-SNE] Iteration %d: did not make any progress during the last %d episodes. Finished.\n",
                        i + 1, n_iter_without_progress);
          stopped = true;
          break;
        }
        if (grad_norm <= min_grad_norm_) {
          if (verbose_ >= 2) std::printf("[t-SNE] Iteration %d: gradient norm %f. Finished.\n", i + 1, grad_norm);
          stopped = true;
          break;
        }
      }
    }
    // The index of the last iteration run, as Python's loop variable leaves it.
    return {error, stopped ? i : (first < last ? last - 1 : first)};
  }

  int n_components_ = 2;
  double perplexity_ = 30;
  double early_exaggeration_ = 12;
  std::optional<double> learning_rate_;  // empty: "auto"
  int n_iter_max_ = 1000;
  int n_iter_without_progress_ = 300;
  double min_grad_norm_ = 1e-7;
  TsneInit init_ = TsneInit::pca;
  EmbeddingMatrix given_;
  TsneMethod method_ = TsneMethod::barnes_hut;
  double angle_ = 0.5;
  std::uint64_t seed_ = 0;
  int verbose_ = 0;
  std::function<void(const TsneProgress&)> on_progress_;

  DenseAffinities dense_;
  SparseAffinities sparse_;
  SpacePartitionTree<2> tree2_;
  SpacePartitionTree<3> tree3_;
  std::vector<double> workspace_;
};

}  // namespace autoenc
