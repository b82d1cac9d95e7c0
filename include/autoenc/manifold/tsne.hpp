/// @file
/// t-SNE (t-distributed stochastic neighbour embedding) with scikit-learn's parameters, meaning
/// and optimiser: exact, Barnes-Hut, or FFT interpolation (FIt-SNE's method) for large data.
///
///     autoenc::TSNE tsne(autoenc::perplexity = 15, autoenc::learning_rate = 100, autoenc::random_state = 0);
///     autoenc::EmbeddingMatrix Y = tsne.fit_transform(latent);   // latent: (n, d)
///     tsne.kl_divergence_; tsne.n_iter_;
///
/// The steps (van der Maaten and Hinton 2008; van der Maaten 2014 for Barnes-Hut):
///  1. input similarities P from squared Euclidean distances at the requested perplexity
///     (affinities.hpp): over all pairs (exact) or the k = min(n - 1, 3 perplexity + 1) nearest
///     neighbours (Barnes-Hut and FFT, nearest_neighbors.hpp);
///  2. an initial embedding: N(0, 1e-4^2) ("random") or the first principal components scaled
///     so that the first has standard deviation 1e-4 ("pca");
///  3. gradient descent on KL(P || Q) (tsne_objective.hpp) with momentum and per-coordinate
///     gains, in scikit-learn's two stages:
///
///         stage 1, iterations [0, 250): P multiplied by early_exaggeration, momentum 0.5;
///         stage 2, iterations [250, n_iter): true P, momentum 0.8;
///
///     each iteration (g = gradient, gains start at 1 and the update at 0 in each stage):
///
///         gain  += 0.2 where update * g < 0 (the direction flipped), else gain *= 0.8;
///         gain   = max(gain, 0.01);
///         update = momentum * update - learning_rate * gain * g;   y += update.
///
///     Every 50 iterations (and at the last) the KL divergence is evaluated: the stage stops if
///     it has not improved for n_iter_without_progress iterations (stage 2 only), or if the norm
///     of gain * g is at most min_grad_norm.
///
/// Where autoenc differs from scikit-learn 1.2.1, and why:
///  - Random numbers come from autoenc's generator, so the same random_state gives a different
///    (equally good) embedding; results are reproducible with any thread count.
///  - The PCA initialisation uses an exact eigen-decomposition instead of randomized SVD (the
///    same components up to rounding; the sign is fixed the same way, see tsne_pca_initialization).
///  - The embedding is kept in double; scikit-learn casts it to float32 (autoenc's tree kernel
///    computes its terms in float for speed and accumulates each point's sums in double, see
///    space_partition_tree.hpp).
///  - The 3-D gradient is the true gradient of KL (see tsne_objective.hpp).
///  - Barnes-Hut evaluates the angle criterion for groups of nearby points at once, which is at
///    least as accurate as scikit-learn's per-point walk (space_partition_tree.hpp).
///  - Methods "fft" and "auto" are not scikit-learn's: "fft" computes the repulsion by
///    interpolation on a grid and FFT convolution (fft_repulsion.hpp, as FIt-SNE and openTSNE),
///    linear in n, for 1-D and 2-D maps; "auto" uses it from 10,000 points on, as openTSNE does.
// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "../core/config.hpp"

#include "../core/common_args.hpp"
#include "../core/error.hpp"
#include "../core/huge_pages.hpp"
#include "../core/log.hpp"
#include "../core/named_args.hpp"
#include "../core/parallel.hpp"
#include "../core/random.hpp"
#include "affinities.hpp"
#include "approximate_neighbors.hpp"
#include "nearest_neighbors.hpp"
#include "tsne_objective.hpp"

namespace autoenc {

/// How TSNE sums over pairs (scikit-learn's method).
enum class TsneMethod {
  barnes_hut,  ///< "barnes_hut": P over the nearest neighbours, repulsion through a quadtree / octree.
  exact,       ///< "exact": every pair, O(n^2) time and memory.
  fft,         ///< "fft": P over the nearest neighbours, repulsion by FFT interpolation (1-D, 2-D; needs FFTW).
  automatic    ///< "auto": fft from 10,000 points on (and for 1-D maps) when available, else barnes_hut.
};
/// How TSNE finds each point's nearest neighbours (the methods with a sparse P).
enum class TsneNeighbors {
  exact,        ///< "exact": brute force through GEMM, O(n^2 d); bit-identical with any thread count.
  approximate,  ///< "approximate": random-projection trees and neighbour-of-neighbour rounds
                ///< (approximate_neighbors.hpp), about O(n log n d); recall ~0.99.
  automatic     ///< "auto": approximate from 50,000 points on, exact below.
};
/// How TSNE starts (scikit-learn's init).
enum class TsneInit {
  pca,     ///< "pca": the first principal components, scaled to standard deviation 1e-4.
  random,  ///< "random": N(0, 1e-4^2) coordinates.
  given    ///< The map given by init_embedding(Y0).
};

/// "barnes_hut", "exact", "fft" or "auto"; ConfigError otherwise.
inline TsneMethod tsne_method_from_name(const std::string& s) {
  if (s == "barnes_hut") return TsneMethod::barnes_hut;
  if (s == "exact") return TsneMethod::exact;
  if (s == "fft") return TsneMethod::fft;
  if (s == "auto") return TsneMethod::automatic;
  throw ConfigError("TSNE: unknown method '" + s + "' (known: barnes_hut, exact, fft, auto)");
}
/// The method's name, as tsne_method_from_name reads it.
inline const char* tsne_method_name(TsneMethod m) {
  switch (m) {
    case TsneMethod::barnes_hut: return "barnes_hut";
    case TsneMethod::exact: return "exact";
    case TsneMethod::fft: return "fft";
    case TsneMethod::automatic: return "auto";
  }
  return "?";
}
/// What method "auto" runs for n points in an n_components-dimensional map: FFT interpolation
/// from 10,000 points on and for 1-D maps (openTSNE's rule), when this build has FFTW and the map
/// is 1-D or 2-D; Barnes-Hut otherwise.
inline TsneMethod tsne_resolve_method(TsneMethod m, Index n_samples, int n_components) {
  if (m != TsneMethod::automatic) return m;
  if (has_fft_tsne && n_components <= 2 && (n_samples >= 10000 || n_components == 1)) return TsneMethod::fft;
  return TsneMethod::barnes_hut;
}
/// "exact", "approximate" or "auto"; ConfigError otherwise.
inline TsneNeighbors tsne_neighbors_from_name(const std::string& s) {
  if (s == "exact") return TsneNeighbors::exact;
  if (s == "approximate") return TsneNeighbors::approximate;
  if (s == "auto") return TsneNeighbors::automatic;
  throw ConfigError("TSNE: unknown neighbors '" + s + "' (known: exact, approximate, auto)");
}
/// The neighbour search's name, as tsne_neighbors_from_name reads it.
inline const char* tsne_neighbors_name(TsneNeighbors m) {
  switch (m) {
    case TsneNeighbors::exact: return "exact";
    case TsneNeighbors::approximate: return "approximate";
    case TsneNeighbors::automatic: return "auto";
  }
  return "?";
}
/// Points from which "auto" searches neighbours approximately: below, the exact search takes a
/// few seconds (5.9 s for 60,000 x 64 on 2 cores, against 5.0 s approximately); above, its n^2
/// grows out of reach (a million points: half an hour).
inline constexpr Index kApproximateNeighborsFrom = 50000;
/// The search "auto" runs for n points.
inline TsneNeighbors tsne_resolve_neighbors(TsneNeighbors m, Index n_samples) {
  if (m != TsneNeighbors::automatic) return m;
  return n_samples >= kApproximateNeighborsFrom ? TsneNeighbors::approximate : TsneNeighbors::exact;
}
/// The k nearest neighbours of every row of X by the search named (automatic resolved first).
/// The approximate search also gives a locality order when asked (see approximate_neighbors.hpp);
/// the exact one leaves it empty.
template <class Derived>
NeighborGraph tsne_nearest_neighbors(const Eigen::MatrixBase<Derived>& X, Index k, TsneNeighbors search,
                                     std::uint64_t seed = 0, std::vector<std::int32_t>* locality_order = nullptr) {
  if (locality_order) locality_order->clear();
  if (tsne_resolve_neighbors(search, X.rows()) == TsneNeighbors::approximate) {
    ApproximateNeighborsOptions options;
    options.random_state = seed;
    return approximate_nearest_neighbors(X, k, options, locality_order);
  }
  return exact_nearest_neighbors(X, k);
}

/// "pca" or "random"; ConfigError otherwise.
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
  double gradient_norm;    ///< norm of gain * gradient, the value min_grad_norm is compared with
  double seconds;          ///< since the start of the optimisation
  bool exaggerated;        ///< whether this is the first stage (P times early_exaggeration)
};

namespace detail {
/// The PCA projection of centred data Xc on its first n_components principal axes. (A template,
/// instantiated for EmbeddingMatrix only, so that a file that never runs t-SNE compiles no
/// eigen-solver.)
template <class Matrix>
Matrix tsne_pca_projection(const Matrix& Xc, Index n_components);
}  // namespace detail

/// TSNE's "pca" start for the rows of X (n x d): their projections on the first n_components
/// principal components, scaled so that the first has standard deviation 1e-4. Each
/// component's sign makes its largest-magnitude projection positive (scikit-learn's svd_flip),
/// so the result does not depend on the eigen-solver's signs.
template <class Derived>
EmbeddingMatrix tsne_pca_initialization(const Eigen::MatrixBase<Derived>& X, Index n_components) {
  const EmbeddingMatrix Xc = X.template cast<double>().rowwise() - X.template cast<double>().colwise().mean();
  return detail::tsne_pca_projection(Xc, n_components);
}

#if AUTOENC_HEADER_DEFINITIONS
}  // namespace autoenc
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push  // see core/config.hpp
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <Eigen/Eigenvalues>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
namespace autoenc {
template <class Matrix>
Matrix detail::tsne_pca_projection(const Matrix& Xc, Index n_components) {
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
#endif  // AUTOENC_HEADER_DEFINITIONS

struct NComponentsTag;
struct PerplexityTag;
struct EarlyExaggerationTag;
struct NIterTag;
struct NIterWithoutProgressTag;
struct MinGradNormTag;
struct MethodTag;
struct AngleTag;
struct MaxStepNormTag;
struct NeighborsTag;
struct InitEmbeddingTag;
/// ae::n_components = 2: the dimension of the map.
inline constexpr ArgName<NComponentsTag, int> n_components{};
/// ae::perplexity = 30: the effective number of neighbours each point's Gaussian covers.
inline constexpr ArgName<PerplexityTag, double> perplexity{};
/// ae::early_exaggeration = 12: P's factor during the first 250 iterations.
inline constexpr ArgName<EarlyExaggerationTag, double> early_exaggeration{};
/// ae::n_iter = 1000: iterations at most (scikit-learn 1.2's name).
inline constexpr ArgName<NIterTag, int> n_iter{};
/// ae::n_iter_without_progress = 300: stop when the error has not improved for this long.
inline constexpr ArgName<NIterWithoutProgressTag, int> n_iter_without_progress{};
/// ae::min_grad_norm = 1e-7: stop when the gradient is smaller.
inline constexpr ArgName<MinGradNormTag, double> min_grad_norm{};
/// ae::angle = 0.5: Barnes-Hut's accuracy (0: exact sums).
inline constexpr ArgName<AngleTag, double> angle{};
/// ae::max_step_norm = 5: no point moves farther than this in one iteration (FIt-SNE's and
/// openTSNE's default; scikit-learn has no limit, nor has TSNE unless it is given).
inline constexpr ArgName<MaxStepNormTag, double> max_step_norm{};

/// A method given by enum or by name ("barnes_hut", "exact", "fft", "auto").
struct TsneMethodSpec {
  TsneMethod value;  ///< The method named.
  /// From the enum.
  TsneMethodSpec(TsneMethod m) : value(m) {}                                    // NOLINT: implicit on purpose
  /// From scikit-learn's name; ConfigError for an unknown one.
  TsneMethodSpec(const char* name) : value(tsne_method_from_name(name)) {}         // NOLINT
  /// From scikit-learn's name; ConfigError for an unknown one.
  TsneMethodSpec(const std::string& name) : value(tsne_method_from_name(name)) {}  // NOLINT
};
/// ae::method = "barnes_hut", "exact", "fft" or "auto".
inline constexpr ArgName<MethodTag, TsneMethodSpec> method{};

/// A neighbour search given by enum or by name ("exact", "approximate", "auto").
struct TsneNeighborsSpec {
  TsneNeighbors value;  ///< The search named.
  /// From the enum.
  TsneNeighborsSpec(TsneNeighbors m) : value(m) {}                                    // NOLINT: implicit on purpose
  /// From its name; ConfigError for an unknown one.
  TsneNeighborsSpec(const char* name) : value(tsne_neighbors_from_name(name)) {}         // NOLINT
  /// From its name; ConfigError for an unknown one.
  TsneNeighborsSpec(const std::string& name) : value(tsne_neighbors_from_name(name)) {}  // NOLINT
};
/// ae::neighbors = "exact", "approximate" or "auto" (the default: approximate from 50,000 points).
inline constexpr ArgName<NeighborsTag, TsneNeighborsSpec> neighbors{};

/// ae::init_embedding(Y0): start from this map (n_samples x n_components), like scikit-learn's
/// init=ndarray.
inline NamedArg<InitEmbeddingTag, EmbeddingMatrix> init_embedding(EmbeddingMatrix initial) {
  return {std::move(initial)};
}

/// TSNE's hyper-parameters, with scikit-learn 1.2's names and defaults.
struct TsneOptions {
  int n_components = 2;                 ///< dimension of the map (Barnes-Hut: 2 or 3)
  double perplexity = 30;               ///< effective number of neighbours per point
  double early_exaggeration = 12;       ///< P's factor in the first stage, >= 1
  std::optional<double> learning_rate;  ///< empty: scikit-learn's "auto", max(n / early_exaggeration / 4, 50)
  int n_iter = 1000;                    ///< iterations at most, >= 250
  int n_iter_without_progress = 300;    ///< stop the second stage after this many without a better KL
  double min_grad_norm = 1e-7;          ///< stop a stage when the norm of gain * gradient is at most this
  TsneInit init = TsneInit::pca;        ///< how the map starts
  EmbeddingMatrix init_embedding;  ///< used when init is TsneInit::given
  TsneMethod method = TsneMethod::barnes_hut;  ///< Barnes-Hut, exact sums, FFT interpolation or auto
  TsneNeighbors neighbors = TsneNeighbors::automatic;  ///< the kNN search of barnes_hut and fft
  double angle = 0.5;                   ///< Barnes-Hut's accuracy in [0, 1]; 0 sums exactly
  std::optional<double> max_step_norm;  ///< empty: no limit (scikit-learn); else the longest step of a point
  std::uint64_t random_state = 0;       ///< seed of the "random" start
  int verbose = 0;  ///< 1: the steps, as scikit-learn prints them; 2: also every 50 iterations

  void set(NamedArg<NComponentsTag, int> a) { n_components = a.value; }                 ///< ae::n_components
  void set(NamedArg<PerplexityTag, double> a) { perplexity = a.value; }                 ///< ae::perplexity
  void set(NamedArg<EarlyExaggerationTag, double> a) { early_exaggeration = a.value; }  ///< ae::early_exaggeration
  void set(NamedArg<LearningRateTag, double> a) { learning_rate = a.value; }            ///< ae::learning_rate
  void set(NamedArg<NIterTag, int> a) { n_iter = a.value; }                             ///< ae::n_iter
  /// ae::n_iter_without_progress
  void set(NamedArg<NIterWithoutProgressTag, int> a) { n_iter_without_progress = a.value; }
  void set(NamedArg<MinGradNormTag, double> a) { min_grad_norm = a.value; }             ///< ae::min_grad_norm
  void set(NamedArg<InitTag, std::string> a) { init = tsne_init_from_name(a.value); }   ///< ae::init
  /// ae::init_embedding(Y0): init becomes TsneInit::given.
  void set(NamedArg<InitEmbeddingTag, EmbeddingMatrix> a) {
    init = TsneInit::given;
    init_embedding = std::move(a.value);
  }
  void set(NamedArg<MethodTag, TsneMethodSpec> a) { method = a.value.value; }           ///< ae::method
  void set(NamedArg<NeighborsTag, TsneNeighborsSpec> a) { neighbors = a.value.value; }  ///< ae::neighbors
  void set(NamedArg<AngleTag, double> a) { angle = a.value; }                           ///< ae::angle
  void set(NamedArg<MaxStepNormTag, double> a) { max_step_norm = a.value; }             ///< ae::max_step_norm
  void set(NamedArg<RandomStateTag, std::uint64_t> a) { random_state = a.value; }       ///< ae::random_state
  void set(NamedArg<VerboseTag, VerboseSpec> a) { verbose = a.value.level; }            ///< ae::verbose

  /// Length of the first stage (early exaggeration, momentum 0.5), as in scikit-learn.
  static constexpr int kExplorationIterations = 250;

  /// Throws ConfigError for a value out of range (perplexity <= 0, n_iter < 250, ...).
  void validate() const {
    if (n_components < 1) throw ConfigError("TSNE: n_components must be >= 1, got " + std::to_string(n_components));
    if (!(perplexity > 0)) throw ConfigError("TSNE: perplexity must be > 0, got " + std::to_string(perplexity));
    if (!(early_exaggeration >= 1))
      throw ConfigError("TSNE: early_exaggeration must be >= 1, got " + std::to_string(early_exaggeration));
    if (learning_rate && !(*learning_rate > 0))
      throw ConfigError("TSNE: learning_rate must be > 0, got " + std::to_string(*learning_rate));
    if (n_iter < kExplorationIterations)
      throw ConfigError("TSNE: n_iter must be at least " + std::to_string(kExplorationIterations) + ", got " +
                        std::to_string(n_iter));
    if (!(angle >= 0 && angle <= 1)) throw ConfigError("TSNE: angle must be in [0, 1], got " + std::to_string(angle));
    if (max_step_norm && !(*max_step_norm > 0))
      throw ConfigError("TSNE: max_step_norm must be > 0, got " + std::to_string(*max_step_norm));
  }
};

/// t-SNE with scikit-learn's parameters and results:
///
///     autoenc::TSNE tsne(autoenc::perplexity = 15, autoenc::learning_rate = 100, autoenc::random_state = 0);
///     const autoenc::EmbeddingMatrix& Y = tsne.fit_transform(latent);
class TSNE {
 public:
  /// TSNE(named arguments: n_components, perplexity, early_exaggeration, learning_rate, n_iter,
  /// n_iter_without_progress, min_grad_norm, init ("pca", "random") or init_embedding(Y0),
  /// method, neighbors, angle, max_step_norm, random_state, verbose).
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  explicit TSNE(Args&&... args) {
    detail::apply_named_args(options_, std::forward<Args>(args)...);
    options_.validate();
  }
  /// From a filled-in options struct (checked: ConfigError).
  explicit TSNE(const TsneOptions& options) : options_(options) { options_.validate(); }

  /// The hyper-parameters in use.
  const TsneOptions& options() const { return options_; }

  /// Called every 50 iterations with the optimizer's state (for progress bars).
  TSNE& on_progress(std::function<void(const TsneProgress&)> f) {
    on_progress_ = std::move(f);
    return *this;
  }

  // ----- results (scikit-learn's names) -----
  EmbeddingMatrix embedding_;    ///< the map, n x n_components (what fit_transform returns)
  double kl_divergence_ = std::numeric_limits<double>::quiet_NaN();  ///< KL(P || Q) at the end
  int n_iter_ = 0;               ///< index of the last iteration run (n_iter - 1 normally)
  double learning_rate_ = 0;     ///< the learning rate used ('auto' resolved)
  double mean_sigma_ = 0;        ///< mean Gaussian width of P, sqrt(n / sum beta_i) ("Mean sigma")
  TsneMethod method_ = TsneMethod::barnes_hut;  ///< the method run ("auto" resolved)
  TsneNeighbors neighbors_ = TsneNeighbors::exact;  ///< the neighbour search run ("auto" resolved)

  /// Embeds the rows of X (n x d, any real scalar). Returns embedding_ (n x n_components).
  template <class Derived>
  const EmbeddingMatrix& fit_transform(const Eigen::MatrixBase<Derived>& X) {
    const Index n = X.rows();
    validate(X);
    const auto start = std::chrono::steady_clock::now();
    learning_rate_ = learning_rate_for(n);
    method_ = tsne_resolve_method(options_.method, n, options_.n_components);

    // 1. input similarities.
    order_.clear();
    if (method_ == TsneMethod::exact) {
      neighbors_ = TsneNeighbors::exact;
      if (options_.verbose >= 1) log_printf("[t-SNE] Computing pairwise distances...\n");
      dense_ = dense_joint_probabilities(X, options_.perplexity);
      mean_sigma_ = dense_.mean_sigma;
    } else {
      const Index k = std::min<Index>(n - 1, Index(3 * options_.perplexity + 1));
      neighbors_ = tsne_resolve_neighbors(options_.neighbors, n);
      const bool approximate = neighbors_ == TsneNeighbors::approximate;
      if (options_.verbose >= 1)
        log_printf("[t-SNE] Computing %lld nearest neighbors%s...\n", static_cast<long long>(k),
                   approximate ? " (approximate)" : "");
      const auto t0 = std::chrono::steady_clock::now();
      NeighborGraph graph = tsne_nearest_neighbors(X, k, neighbors_, options_.random_state, &order_);
      // With the approximate search (large data), the optimisation runs on the points renumbered
      // in the trees' order: a point's neighbours in P then sit near it in memory, and the
      // attraction, which reads the map at every neighbour of every point, stays in cache
      // (in the original order, a million points' attraction waits on memory for 70% of the
      // time). The map is put back in the original order at the end.
      if (!order_.empty()) graph = relabel(graph, order_);
      if (options_.verbose >= 1)
        log_printf("[t-SNE] Computed %sneighbors for %lld samples in %.3fs...\n", approximate ? "approximate " : "",
                   static_cast<long long>(n), seconds_since(t0));
      const auto t1 = std::chrono::steady_clock::now();
      sparse_ = sparse_joint_probabilities(std::move(graph), options_.perplexity);
      mean_sigma_ = sparse_.mean_sigma;
      if (options_.verbose >= 1)
        log_printf("[t-SNE] Computed the joint probabilities (%lld stored) in %.3fs...\n",
                   static_cast<long long>(sparse_.nonzeros()), seconds_since(t1));
    }
    if (options_.verbose >= 1) {
      log_printf("[t-SNE] Computed conditional probabilities for sample %lld / %lld\n", static_cast<long long>(n),
                  static_cast<long long>(n));
      log_printf("[t-SNE] Mean sigma: %f\n", mean_sigma_);
    }

    // 2. initial embedding.
    Rng rng(options_.random_state);
    if (options_.init == TsneInit::pca) embedding_ = tsne_pca_initialization(X, options_.n_components);
    else if (options_.init == TsneInit::random) embedding_ = random_initialization(n, rng);
    else embedding_ = options_.init_embedding;
    if (!order_.empty()) embedding_ = permuted_rows(embedding_, order_, false);

    // 3. the two stages of gradient descent.
    const auto t_optimise = std::chrono::steady_clock::now();
    scale_p(options_.early_exaggeration);
    const Stage s1 = optimize(0, kExplorationIterations, 0.5, kExplorationIterations, true, start);
    if (options_.verbose >= 1)
      log_printf("[t-SNE] KL divergence after %d iterations with early exaggeration: %f\n", s1.last_iteration + 1,
                  s1.error);
    scale_p(1 / options_.early_exaggeration);
    // scikit-learn always runs the second stage (its condition `it < 250` holds after a full
    // first stage); with n_iter = 250 it runs no iteration, and kl_divergence_ is then the
    // largest double, n_iter_ 250, as there.
    const Stage s2 = optimize(s1.last_iteration + 1, options_.n_iter, 0.8, options_.n_iter_without_progress, false, start);
    kl_divergence_ = s2.error;
    n_iter_ = s2.last_iteration;
    if (options_.verbose >= 1) {
      log_printf("[t-SNE] KL divergence after %d iterations: %f\n", n_iter_ + 1, kl_divergence_);
      log_printf("[t-SNE] Optimisation (%s) took %.3fs\n", tsne_method_name(method_), seconds_since(t_optimise));
    }
    if (!order_.empty()) embedding_ = permuted_rows(embedding_, order_, true);
    dense_ = {};
    sparse_ = {};
    order_ = {};
    return embedding_;
  }

  /// The learning rate fit_transform will use for n samples.
  double learning_rate_for(Index n) const {
    return options_.learning_rate ? *options_.learning_rate : std::max(double(n) / options_.early_exaggeration / 4, 50.0);
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
    if (!(options_.perplexity < double(n)))
      throw ConfigError("TSNE: perplexity (" + format_number(options_.perplexity) + ") must be less than n_samples (" +
                        std::to_string(n) + "); each point's neighbourhood cannot be wider than the data");
    const TsneMethod m = tsne_resolve_method(options_.method, n, options_.n_components);
    if (m == TsneMethod::barnes_hut && options_.n_components != 2 && options_.n_components != 3)
      throw ConfigError("TSNE: method barnes_hut needs n_components 2 or 3 (a quadtree or octree), got " +
                        std::to_string(options_.n_components) +
                        (has_fft_tsne && options_.n_components == 1 ? "; use method fft or exact" : "; use method exact"));
    if (m == TsneMethod::fft && !has_fft_tsne)
      throw ConfigError("TSNE: method fft needs FFTW 3, and this program was compiled without it (Debian: apt-get "
                        "install libfftw3-dev, then rebuild: autoenc's CMake target adds it when found)");
    if (m == TsneMethod::fft && options_.n_components > 2)
      throw ConfigError("TSNE: method fft needs n_components 1 or 2, got " + std::to_string(options_.n_components) +
                        "; use method barnes_hut");
    if (options_.init == TsneInit::given && (options_.init_embedding.rows() != n || options_.init_embedding.cols() != options_.n_components))
      throw ShapeError("TSNE: the initial embedding is " + std::to_string(options_.init_embedding.rows()) + " x " +
                       std::to_string(options_.init_embedding.cols()) + ", expected n_samples x n_components = " + std::to_string(n) +
                       " x " + std::to_string(options_.n_components));
    if (options_.init == TsneInit::pca && options_.n_components > X.cols())
      throw ConfigError("TSNE: init pca needs n_components (" + std::to_string(options_.n_components) +
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

  EmbeddingMatrix random_initialization(Index n, Rng& rng) const;

  /// Row r of the result is row order[r] of Y; with `back`, row order[r] is row r of Y.
  static EmbeddingMatrix permuted_rows(const EmbeddingMatrix& Y, const std::vector<std::int32_t>& order, bool back) {
    EmbeddingMatrix out(Y.rows(), Y.cols());
    detail::advise_huge_pages(out.data(), sizeof(double) * std::size_t(out.size()));  // read in scattered order
    for (Index r = 0; r < Y.rows(); ++r) {
      if (back) out.row(order[std::size_t(r)]) = Y.row(r);
      else out.row(r) = Y.row(order[std::size_t(r)]);
    }
    return out;
  }

  void scale_p(double factor);

  /// dKL/dy at embedding_ into grad; KL when compute_error (else NaN for Barnes-Hut).
  double gradient(EmbeddingMatrix& grad, bool compute_error);

  /// scikit-learn's _gradient_descent for iterations [first, last).
  Stage optimize(int first, int last, double momentum, int n_iter_without_progress, bool exaggerated,
                 std::chrono::steady_clock::time_point start);

  TsneOptions options_;
  std::function<void(const TsneProgress&)> on_progress_;

  DenseAffinities dense_;
  SparseAffinities sparse_;
  std::vector<std::int32_t> order_;  // the points' order during the optimisation (empty: their own)
  SpacePartitionTree<2> tree2_;
  SpacePartitionTree<3> tree3_;
#if AUTOENC_HAS_FFTW
  std::unique_ptr<FftRepulsion<1>> fft1_;  // grids and FFT plans, made on first use
  std::unique_ptr<FftRepulsion<2>> fft2_;
#endif
  std::vector<double> workspace_;
};

// ---- TSNE's functions that are not templates: inline in header-only use, compiled once into
// libautoenc_compiled in the precompiled mode (see core/config.hpp).
#if AUTOENC_HEADER_DEFINITIONS
AUTOENC_FUNC EmbeddingMatrix TSNE::random_initialization(Index n, Rng& rng) const {
  EmbeddingMatrix Y(n, options_.n_components);
  for (Index i = 0; i < Y.size(); ++i) Y.data()[i] = 1e-4 * rng.normal();
  return Y;
}

AUTOENC_FUNC void TSNE::scale_p(double factor) {
  if (method_ == TsneMethod::exact) dense_.P *= factor;
  else
    for (double& v : sparse_.values) v *= factor;
}

AUTOENC_FUNC double TSNE::gradient(EmbeddingMatrix& grad, bool compute_error) {
  if (method_ == TsneMethod::exact)
    return tsne_exact_gradient(dense_.P, embedding_, tsne_degrees_of_freedom(options_.n_components), grad);
#if AUTOENC_HAS_FFTW
  if (method_ == TsneMethod::fft) {
    if (options_.n_components == 1) {
      if (!fft1_) fft1_ = std::make_unique<FftRepulsion<1>>();
      return tsne_fft_gradient<1>(sparse_, embedding_, *fft1_, grad, compute_error, workspace_);
    }
    if (!fft2_) fft2_ = std::make_unique<FftRepulsion<2>>();
    return tsne_fft_gradient<2>(sparse_, embedding_, *fft2_, grad, compute_error, workspace_);
  }
#endif
  if (options_.n_components == 2)
    return tsne_barnes_hut_gradient<2>(sparse_, embedding_, options_.angle, tree2_, grad, compute_error, workspace_);
  return tsne_barnes_hut_gradient<3>(sparse_, embedding_, options_.angle, tree3_, grad, compute_error, workspace_);
}

AUTOENC_FUNC TSNE::Stage TSNE::optimize(int first, int last, double momentum, int n_iter_without_progress,
                                     bool exaggerated, std::chrono::steady_clock::time_point start) {
  const Index n = embedding_.rows(), dim = embedding_.cols();
  EmbeddingMatrix grad(n, dim), update(n, dim), gains(n, dim);
  for (EmbeddingMatrix* m : {&grad, &update, &gains}) detail::advise_huge_pages(m->data(), sizeof(double) * std::size_t(m->size()));
  update.setZero();
  gains.setOnes();
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
                         "; try a smaller learning_rate (now " + format_number(learning_rate_) + ")");
    for (Index k = 0; k < grad.size(); ++k) {
      double& gain = gains.data()[k];
      double& g = grad.data()[k];
      double& u = update.data()[k];
      gain = u * g < 0 ? gain + 0.2 : gain * 0.8;
      gain = std::max(gain, kMinGain);
      g *= gain;
      u = momentum * u - learning_rate_ * g;
      if (!options_.max_step_norm) embedding_.data()[k] += u;
    }
    if (options_.max_step_norm) {  // shorten each point's step to at most max_step_norm, as FIt-SNE
      const double longest = *options_.max_step_norm;
      for (Index p = 0; p < n; ++p) {
        const double step = update.row(p).norm();
        if (step > longest) update.row(p) *= longest / step;
        embedding_.row(p) += update.row(p);
      }
    }
    if (check) {
      const double grad_norm = grad.norm();
      const double elapsed = seconds_since(tic);
      tic = std::chrono::steady_clock::now();
      if (options_.verbose >= 2)
        log_printf("[t-SNE] Iteration %d: error = %.7f, gradient norm = %.7f (%d iterations in %.3fs)\n", i + 1,
                    error, grad_norm, kCheckEvery, elapsed);
      if (on_progress_) on_progress_({i + 1, options_.n_iter, error, grad_norm, seconds_since(start), exaggerated});
      if (error < best_error) {
        best_error = error;
        best_iteration = i;
      } else if (i - best_iteration > n_iter_without_progress) {
        if (options_.verbose >= 2)
          log_printf("[t-SNE] Iteration %d: did not make any progress during the last %d episodes. Finished.\n",
                      i + 1, n_iter_without_progress);
        stopped = true;
        break;
      }
      if (grad_norm <= options_.min_grad_norm) {
        if (options_.verbose >= 2) log_printf("[t-SNE] Iteration %d: gradient norm %f. Finished.\n", i + 1, grad_norm);
        stopped = true;
        break;
      }
    }
  }
  // The index of the last iteration run, as Python's loop variable leaves it.
  return {error, stopped ? i : (first < last ? last - 1 : first)};
}
#endif  // AUTOENC_HEADER_DEFINITIONS

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template const EmbeddingMatrix& TSNE::fit_transform(const Eigen::MatrixBase<EmbeddingMatrix>&);
extern template EmbeddingMatrix detail::tsne_pca_projection(const EmbeddingMatrix&, Index);
extern template const EmbeddingMatrix& TSNE::fit_transform(
    const Eigen::MatrixBase<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>&);
#endif

}  // namespace autoenc
