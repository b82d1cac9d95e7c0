/// @file
/// KMeans with scikit-learn's parameters, results and algorithms (Lloyd and Elkan).
///
/// The algorithm, for X (n samples x d features) and k centres c_j:
///
///     E step   label_i = argmin_j |x_i - c_j|^2      (ties go to the lowest j)
///     M step   c_j = mean of the samples labelled j  (empty clusters: see below)
///
/// repeated until the labels stop changing or the centres move less than tol_eff in total
/// (sum of squared shifts), with tol_eff = tol * mean over features of the population variance
/// of X (numpy's var, ddof = 0). Like scikit-learn, the data are centred first (x - mean) and
/// the mean is added back to the centres at the end. Lloyd and Elkan give the same labels, ties
/// included.
///
/// Matching scikit-learn 1.2 (sklearn/cluster/_kmeans.py, _k_means_common.pyx):
///  - n_init runs share one random generator. The first run is kept, and a later run replaces it
///    only if its inertia (sum of squared distances to the own centre) is strictly lower AND its
///    labels are not the kept run's clustering (_is_same_clustering: each of its labels maps
///    to a single kept label; one-way, so a finer clustering counts as the same).
///  - Empty clusters (_relocate_empty_clusters_dense): after the E step, each empty cluster takes
///    one of the samples farthest from the centre they were just assigned to (the old centre),
///    even when every distance is 0. That sample leaves its cluster's sum (its label does not
///    change); a cluster left with no sample keeps what is left of its sum, zero, as its centre:
///    the data mean (_average_centers skips it).
///  - k-means++ draws candidates with np.searchsorted(cumsum(d^2), r) (the first index whose
///    cumulative sum is >= r) clipped to n - 1, d^2 the squared distance to the nearest centre
///    so far, r = uniform * potential, the potential being the sum of d^2 of the centre chosen.
///    Of 2 + floor(ln k) candidates, the first with the lowest potential is taken.
///
/// Remaining differences from scikit-learn:
///  - Random numbers come from autoenc's generator, not NumPy's: runs with the same random_state
///    start from different centres than scikit-learn's.
///  - Exact ties in an E step after the first: scikit-learn's elkan keeps the current label, its
///    lloyd takes the lowest index; here both take the lowest index.
///  - Several clusters empty at once: they are filled in index order by the farthest samples,
///    farthest first. scikit-learn takes the same samples (up to ties) in the order of numpy's
///    argpartition, which numpy leaves unspecified. Equal distances: the later sample first (what
///    numpy does for one empty cluster and 4 samples or more).
///  - Distances are |x - c|^2 computed directly, not |x|^2 - 2 x.c + |c|^2 (the E step ranks by
///    |c|^2 - 2 x.c as scikit-learn does); the results agree up to rounding.
///
/// Speed and determinism: the E step ranks the centres of each sample by |c|^2 - 2 x.c (|x|^2 is
/// the same for every centre), computing the dot products for blocks of 256 samples at once
/// (a register-blocked kernel for up to 16 centres, GEMM beyond), and adds each sample into its
/// cluster's sum in the same pass. Blocks run in parallel; the sums are kept per fixed group of
/// blocks and added in group order, so the result is bit-identical with 1 thread or many.
/// From the second iteration on, Hamerly's bounds (an upper bound on the distance to the own
/// centre, a lower bound on the distance to every other one, both moved by how far the centres
/// moved) skip the samples whose label cannot change; the bounds carry a margin for rounding,
/// so the labels, centres and inertia are bit for bit those of scoring every sample.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "../core/communicator.hpp"
#include "../core/config.hpp"

#include "../core/common_args.hpp"
#include "../core/error.hpp"
#include "../core/log.hpp"
#include "../core/named_args.hpp"
#include "../core/gemm.hpp"
#include "../core/huge_pages.hpp"
#include "../core/parallel.hpp"
#include "../core/random.hpp"
#include "../core/tensor.hpp"

namespace autoenc {

/// How KMeans picks each run's starting centres (scikit-learn's init).
enum class KMeansInit {
  kmeans_plus_plus,  ///< "k-means++": spread-out samples, each drawn with probability ~ d^2.
  random,            ///< "random": n_clusters distinct samples drawn uniformly.
  given              ///< Centres given by init_centers(C); a single run.
};
/// The iteration KMeans runs (scikit-learn's algorithm); both give the same labels.
enum class KMeansAlgorithm {
  lloyd,  ///< "lloyd": every sample against every centre in each E step.
  elkan   ///< "elkan": the same steps, skipping distances ruled out by the triangle inequality.
};

/// "k-means++" or "random" (scikit-learn's init names).
inline KMeansInit kmeans_init_from_name(const std::string& s) {
  if (s == "k-means++") return KMeansInit::kmeans_plus_plus;
  if (s == "random") return KMeansInit::random;
  throw ConfigError("KMeans: unknown init '" + s + "' (known: k-means++, random; or init_centers(C))");
}

/// "lloyd" or "elkan" (scikit-learn's algorithm names); ConfigError otherwise.
inline KMeansAlgorithm kmeans_algorithm_from_name(const std::string& s) {
  if (s == "lloyd") return KMeansAlgorithm::lloyd;
  if (s == "elkan") return KMeansAlgorithm::elkan;
  throw ConfigError("KMeans: unknown algorithm '" + s + "' (known: lloyd, elkan)");
}

namespace detail {
/// scikit-learn's _is_same_clustering: whether every label of labels1 goes with a single label of
/// labels2 (the same partition up to a renumbering; one-way, so labels1 may be finer).
inline bool is_same_clustering(const std::vector<int>& labels1, const std::vector<int>& labels2, int n_clusters) {
  std::vector<int> mapping(static_cast<std::size_t>(n_clusters), -1);
  for (std::size_t i = 0; i < labels1.size(); ++i) {
    int& m = mapping[std::size_t(labels1[i])];
    if (m == -1)
      m = labels2[i];
    else if (m != labels2[i])
      return false;
  }
  return true;
}
/// The k-means++ candidate for the draw r in [0, potential): np.searchsorted(cumulative, r), the
/// first i with cumulative_i >= r (side='left'), clipped to the last sample because the potential
/// (summed in another order) can exceed cumulative's last value by rounding.
inline Index kmeans_plus_plus_candidate(const std::vector<double>& cumulative, double r) {
  const Index cand = Index(std::lower_bound(cumulative.begin(), cumulative.end(), r) - cumulative.begin());
  return std::min(cand, Index(cumulative.size()) - 1);
}
}  // namespace detail

struct NClustersTag;
struct NInitTag;
struct MaxIterTag;
struct TolTag;
struct AlgorithmTag;
/// ae::n_init = 10: k-means runs from different starts; the best is kept.
inline constexpr ArgName<NInitTag, int> n_init{};
/// ae::max_iter = 300: iterations per run at most.
inline constexpr ArgName<MaxIterTag, int> max_iter{};
/// ae::tol = 1e-4: convergence threshold, relative to the data's mean feature variance.
inline constexpr ArgName<TolTag, double> tol{};
/// An algorithm given by enum or by scikit-learn's name ("lloyd", "elkan").
struct KMeansAlgorithmSpec {
  KMeansAlgorithm value;  ///< The algorithm named.
  /// From the enum.
  KMeansAlgorithmSpec(KMeansAlgorithm a) : value(a) {}                                      // NOLINT
  /// From scikit-learn's name; ConfigError for an unknown one.
  KMeansAlgorithmSpec(const char* name) : value(kmeans_algorithm_from_name(name)) {}         // NOLINT
  /// From scikit-learn's name; ConfigError for an unknown one.
  KMeansAlgorithmSpec(const std::string& name) : value(kmeans_algorithm_from_name(name)) {}  // NOLINT
};
/// ae::algorithm = "lloyd" or "elkan" (or KMeansAlgorithm::elkan).
inline constexpr ArgName<AlgorithmTag, KMeansAlgorithmSpec> algorithm{};

/// An explicit start: the initial centres (n_clusters x n_features), like scikit-learn's
/// init=ndarray; this forces a single run.
template <class T>
struct InitialCenters {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> centers;  ///< One centre per row.
};
struct InitCentersTag;
/// ae::init_centers(C): start from the rows of C.
template <class Derived>
NamedArg<InitCentersTag, InitialCenters<typename Derived::Scalar>> init_centers(const Eigen::MatrixBase<Derived>& C) {
  return {{C}};
}

/// KMeans's hyper-parameters, with scikit-learn's names and defaults.
template <class T>
struct KMeansOptions {
  /// Row-major, one row per sample (or per centre).
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  int n_clusters = 8;                                  ///< k, the number of clusters.
  KMeansInit init = KMeansInit::kmeans_plus_plus;      ///< How each run starts.
  Matrix init_centers;  ///< used when init is KMeansInit::given
  int n_init = 10;                                     ///< Runs from different starts; the best is kept.
  int max_iter = 300;                                  ///< E and M steps per run at most.
  double tol = 1e-4;                                   ///< Convergence threshold on the centres' shift.
  std::uint64_t random_state = 0;                      ///< Seed of the starts.
  KMeansAlgorithm algorithm = KMeansAlgorithm::lloyd;  ///< Lloyd or Elkan: same labels, different speed.
  int verbose = 0;  ///< 1: one line per run on the log stream (core/log.hpp)
  /// Lloyd's E step skips the samples whose label Hamerly's bounds prove unchanged (up to 16
  /// centres). The results are bit for bit the same either way; false scores every sample in
  /// every iteration, as textbook Lloyd (for comparisons and tests).
  bool prune_lloyd = true;
  /// With the processes of an MPI job (ae::communicator(comm)): each process assigns a fixed
  /// share of the rows and the partial sums are added in a fixed order, so labels, centres and
  /// inertia are those of one process. Elkan's algorithm then runs as Lloyd's (same results).
  Communicator* communicator = nullptr;

  /// ae::init = "k-means++" or "random".
  void set(NamedArg<InitTag, std::string> a) { init = kmeans_init_from_name(a.value); }
  /// ae::init_centers(C): init becomes KMeansInit::given.
  void set(NamedArg<InitCentersTag, InitialCenters<T>> a) {
    init = KMeansInit::given;
    init_centers = std::move(a.value.centers);
  }
  void set(NamedArg<NInitTag, int> a) { n_init = a.value; }                             ///< ae::n_init
  void set(NamedArg<MaxIterTag, int> a) { max_iter = a.value; }                         ///< ae::max_iter
  void set(NamedArg<TolTag, double> a) { tol = a.value; }                               ///< ae::tol
  void set(NamedArg<RandomStateTag, std::uint64_t> a) { random_state = a.value; }       ///< ae::random_state
  void set(NamedArg<AlgorithmTag, KMeansAlgorithmSpec> a) { algorithm = a.value.value; }  ///< ae::algorithm
  void set(NamedArg<VerboseTag, VerboseSpec> a) { verbose = a.value.level; }            ///< ae::verbose
  void set(NamedArg<CommunicatorTag, Communicator*> a) { communicator = a.value; }      ///< ae::communicator

  /// Throws ConfigError for an impossible combination (n_clusters < 1, tol < 0, ...).
  void validate() const {
    if (n_clusters < 1) throw ConfigError("KMeans: n_clusters must be >= 1, got " + std::to_string(n_clusters));
    if (n_init < 1) throw ConfigError("KMeans: n_init must be >= 1, got " + std::to_string(n_init));
    if (max_iter < 1) throw ConfigError("KMeans: max_iter must be >= 1, got " + std::to_string(max_iter));
    if (!(tol >= 0)) throw ConfigError("KMeans: tol must be >= 0");
    if (init == KMeansInit::given && init_centers.rows() != n_clusters)
      throw ConfigError("KMeans: " + std::to_string(init_centers.rows()) + " initial centers for n_clusters = " +
                        std::to_string(n_clusters));
  }
};

/// k-means clustering with scikit-learn's parameters and results.
///
///     autoenc::KMeans<float> km(10, autoenc::n_init = 10, autoenc::random_state = 42);
///     km.fit(latent);                 // a Tensor (n, ...) or an Eigen matrix (n x d), row-major
///     km.labels_; km.cluster_centers_; km.inertia_; km.n_iter_;
template <class T = DefaultScalar>
class KMeans {
 public:
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;  ///< n x d, row-major.
  using ConstMap = Eigen::Map<const Matrix>;  ///< Borrowed n x d data, e.g. a Tensor's matrix().

  /// KMeans(n_clusters, named arguments: init, init_centers(C), n_init, max_iter, tol,
  /// random_state, algorithm, verbose).
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  explicit KMeans(int n_clusters = 8, Args&&... args) {
    options_.n_clusters = n_clusters;
    detail::apply_named_args(options_, std::forward<Args>(args)...);
    options_.validate();
  }
  /// From a filled-in options struct (checked: ConfigError).
  explicit KMeans(const KMeansOptions<T>& options) : options_(options) { options_.validate(); }

  /// The hyper-parameters in use.
  const KMeansOptions<T>& options() const { return options_; }

  /// Called after each of the n_init runs with (run, runs, that run's iterations and inertia),
  /// for progress displays.
  KMeans& on_progress(std::function<void(int run, int runs, int n_iter, double inertia)> f) {
    on_progress_ = std::move(f);
    return *this;
  }

  // Results, named as in scikit-learn.
  std::vector<int> labels_;  ///< The cluster of each sample of the last fit, in [0, n_clusters).
  Matrix cluster_centers_;   ///< The centres, n_clusters x d (empty before fit).
  double inertia_ = 0;       ///< Sum over samples of the squared distance to their centre.
  int n_iter_ = 0;           ///< Iterations of the kept run.

  /// Clusters the rows of X (n x d).
  KMeans& fit(const ConstMap& X);
  /// Clusters n samples of d features stored row-major at `data`.
  KMeans& fit(const T* data, Index n, Index d) { return fit(ConstMap(data, n, d)); }
  /// Clusters the samples of a tensor (n, ...): each sample's elements are its features.
  KMeans& fit(const Tensor<T>& X) { return fit(X.matrix()); }
  /// Clusters the rows of a row-major matrix (n x d).
  KMeans& fit(const Matrix& X) { return fit(ConstMap(X.data(), X.rows(), X.cols())); }

  /// The nearest centre of each row of X.
  std::vector<int> predict(const ConstMap& X) const;
  /// The nearest centre of each row of X.
  std::vector<int> predict(const Matrix& X) const { return predict(ConstMap(X.data(), X.rows(), X.cols())); }
  /// The nearest centre of each sample of a tensor (n, ...).
  std::vector<int> predict(const Tensor<T>& X) const { return predict(X.matrix()); }
  /// fit(X), then its labels_.
  std::vector<int> fit_predict(const ConstMap& X) { return fit(X).labels_; }
  /// fit(X), then its labels_.
  std::vector<int> fit_predict(const Matrix& X) { return fit(X).labels_; }
  /// fit(X), then its labels_.
  std::vector<int> fit_predict(const Tensor<T>& X) { return fit(X).labels_; }

  /// Euclidean distances of each row of X to each centre (n x k).
  Matrix transform(const Matrix& X) const { return transform(ConstMap(X.data(), X.rows(), X.cols())); }
  /// Euclidean distances of each row of X to each centre (n x k).
  Matrix transform(const ConstMap& X) const;

 private:
  static constexpr Index kChunk = 256;        // samples per E-step block (as scikit-learn)
  static constexpr Index kMaxGroups = 64;     // fixed groups for the M-step partial sums
  static constexpr Index kDirectCentres = 32;  // up to this many centres, no GEMM in the E step

  void validate(const ConstMap& X, Index expected_d = -1) const {
    if (X.rows() == 0 || X.cols() == 0) throw ConfigError("KMeans: empty data (" + std::to_string(X.rows()) + " x " + std::to_string(X.cols()) + ")");
    if (expected_d >= 0 && X.cols() != expected_d)
      throw ShapeError("KMeans: data has " + std::to_string(X.cols()) + " features, the centres " + std::to_string(expected_d));
    if (!X.allFinite()) throw NumericError("KMeans: the data contain NaN or infinite values");
  }
  void require_fitted() const {
    if (cluster_centers_.rows() == 0) throw ConfigError("KMeans: call fit() first");
  }

  Matrix initial_centers(const Matrix& Xc, Rng& rng, const Eigen::Matrix<T, 1, Eigen::Dynamic>& mean) const;

  /// Per-group partial sums of the samples by label, and counts: the M step's raw material.
  /// Groups are fixed ranges of blocks, summed in group order later (deterministic).
  struct Sums {
    std::vector<Matrix> sums;
    std::vector<std::vector<double>> counts;
    void reset(Index groups, Index k, Index d) {
      sums.assign(static_cast<std::size_t>(groups), Matrix::Zero(k, d));
      counts.assign(static_cast<std::size_t>(groups), std::vector<double>(static_cast<std::size_t>(k), 0.0));
    }
  };

  static Index groups_for(Index n) { return std::min(kMaxGroups, detail::ceil_div(n, kChunk)); }

  /// With several processes, process p's E steps cover groups [p G / P, (p + 1) G / P):
  /// own_group(G, 0) is this process's first group, own_group(G, 1) one past its last.
  Index own_group(Index groups, int end) const {
    const Communicator* comm = options_.communicator;
    if (!comm || comm->size() == 1) return end ? groups : 0;
    return static_cast<Index>(comm->rank() + end) * groups / comm->size();
  }

  /// After a distributed E step: every process receives all labels and, with `sums`, every
  /// group's partial sums (each group computed by one process, so the M step's sum in group
  /// order is the same as on one process).
  void share_assignment(Index n, std::vector<int>& labels, Sums* sums) const;

  /// What the E step needs of the centres: |c_j|^2, and the centres transposed (d x kp), k
  /// padded with zero columns to kp, a multiple of 8, so that the inner loops vectorise.
  struct CentreTerms {
    Eigen::Matrix<T, 1, Eigen::Dynamic> c_sq;
    Matrix centers_t;
    explicit CentreTerms(const Matrix& centers)
        : c_sq(centers.rowwise().squaredNorm().transpose()),
          centers_t(Matrix::Zero(centers.cols(), (centers.rows() + 7) / 8 * 8)) {
      centers_t.leftCols(centers.rows()) = centers.transpose();
    }
  };

  /// E step over all samples: each sample's nearest centre (ties to the lowest index); with
  /// `sums`, also adds each sample to its cluster's sum in the same pass (the M step's input),
  /// so the data are read once per iteration.
  template <class XType>
  void assign(const XType& X, const Matrix& centers, std::vector<int>& labels,
              Sums* sums = nullptr) const {
    const Index n = X.rows(), k = centers.rows();
    const CentreTerms terms(centers);
    const auto& c_sq = terms.c_sq;
    const Matrix& centers_t = terms.centers_t;
    const Index kp = centers_t.cols();
    const Index groups = groups_for(n), per_group = detail::ceil_div(n, groups);
    const Index first_group = own_group(groups, 0), last_group = own_group(groups, 1);
    parallel_for(last_group - first_group, [&](Index own) {
      const Index g = first_group + own;
      thread_local Matrix D;
      for (Index r0 = g * per_group; r0 < std::min(n, (g + 1) * per_group); r0 += kChunk) {
        const Index rows = std::min({kChunk, n - r0, (g + 1) * per_group - r0});
        // |x - c|^2 = |x|^2 - 2 x.c + |c|^2, and only the last two terms differ between centres.
        if (kp <= 16) {
          // Few centres: a register-blocked kernel scores the first rows / 4 * 4 samples,
          // samples_per_call(kp) at a time (a last, partial call repeats its last sample into
          // rows past the end), and one coefficient-wise product the rest.
          const Index body = rows / 4 * 4, per_call = samples_per_call(kp);
          D.resize(rows + 8, kp);
          std::array<const T*, 8> at;
          for (Index i = 0; i < body; i += per_call) {
            for (Index s = 0; s < per_call; ++s) at[std::size_t(s)] = X.data() + (r0 + std::min(i + s, body - 1)) * X.outerStride();
            cross_terms(at.data(), centers_t, &D(i, 0), kp);
          }
          if (body < rows) D.middleRows(body, rows - body).leftCols(k).noalias() = X.middleRows(r0 + body, rows - body).lazyProduct(centers.transpose());
        } else if (k <= kDirectCentres) {
          // A coefficient-wise product (each x.c a vectorised dot product): no GEMM packing,
          // which with few centres would cost as much as the arithmetic.
          D.resize(rows, kp);
          D.leftCols(k).noalias() = X.middleRows(r0, rows).lazyProduct(centers.transpose());
        } else {
          D.resize(rows, kp);
          D.noalias() = X.middleRows(r0, rows) * centers_t;
        }
        for (Index i = 0; i < rows; ++i) {
          int best = 0;
          T best_d = std::numeric_limits<T>::infinity();
          for (Index j = 0; j < k; ++j) {  // selects, not branches (see assign_pruned)
            const T dj = c_sq(j) - 2 * D(i, j);
            best = dj < best_d ? int(j) : best;
            best_d = std::min(best_d, dj);
          }
          labels[std::size_t(r0 + i)] = best;
          if (sums) {
            sums->sums[std::size_t(g)].row(best) += X.row(r0 + i);
            sums->counts[std::size_t(g)][std::size_t(best)] += 1;
          }
        }
      }
    });
  }

  /// How many samples cross_terms() scores per call: 8 when the kp lanes of a sample fit one
  /// vector register (eight independent chains of fused multiply-adds hide their latency),
  /// else 4 (eight would not fit in the registers).
  static Index samples_per_call(Index kp) { return Eigen::internal::packet_traits<T>::size >= kp ? 8 : 4; }

  /// out(s, j) = x_s . c_j for the samples_per_call(kp) samples x_s at rows[s] and every centre
  /// j < kp (8 or 16): the E step's cross terms, kept in one vector of kp lanes per sample while
  /// the features stream past (the centres, transposed and padded to kp columns, stay in L1).
  /// Each dot product is the same sequence of operations whichever samples share the call and
  /// however many do, so a sample's scores do not depend on its neighbours (the pruned E step
  /// below relies on it).
  static void cross_terms(const T* const* rows, const Matrix& centers_t, T* out, Index ld) {
    const bool eight = samples_per_call(centers_t.cols()) == 8;
    if (centers_t.cols() == 8)
      eight ? cross_terms_blocked<8, 8>(rows, centers_t, out, ld) : cross_terms_blocked<4, 8>(rows, centers_t, out, ld);
    else
      eight ? cross_terms_blocked<8, 16>(rows, centers_t, out, ld) : cross_terms_blocked<4, 16>(rows, centers_t, out, ld);
  }
  template <int S, int KP>
  static void cross_terms_blocked(const T* const* rows, const Matrix& centers_t, T* out, Index ld) {
    using V = Eigen::Array<T, KP, 1>;  // one lane per centre: lane j sums x_f c_jf over f in order
    V acc[S];
    for (auto& a : acc) a.setZero();
    const Index d = centers_t.rows();
    for (Index f = 0; f < d; ++f) {
      const V c = Eigen::Map<const V>(centers_t.data() + f * KP);
      for (int s = 0; s < S; ++s) acc[s] += rows[s][f] * c;
    }
    for (int s = 0; s < S; ++s) Eigen::Map<V>(out + s * ld) = acc[s];
  }

  /// Hamerly's bounds, which let Lloyd's E step skip the samples whose label cannot change:
  ///   upper_i >= d(x_i, c_label(i)),   lower_i <= min over j != label(i) of d(x_i, c_j).
  /// When the centres move by delta_j, the triangle inequality keeps them bounds after
  ///   upper_i += delta_label(i),   lower_i -= max over j != label(i) of delta_j.
  /// A sample is skipped only if its bounds prove that Lloyd's own ranking, computed in T,
  /// would pick the same centre: the scores |c_j|^2 - 2 x.c_j are each within
  ///   err_i = gamma (|x_i|^2 + max_j |c_j|^2),  gamma = 4 (d + 2) eps_T (+ 1e-10 for the
  /// bounds' own rounding), of d(x_i, c_j)^2 - |x_i|^2, so lower_i^2 - upper_i^2 > 2 err_i
  /// leaves no room for another winner, ties included. The labels, and hence the sums and
  /// centres, are bit for bit those of the unpruned E step.
  struct Bounds {
    std::vector<double> upper, lower, x_sq;
    std::vector<double> drift_own, drift_other;  // per centre: delta_j, and max over j' != j of delta_j'
    bool valid = false;                           // false: the next E step scores every sample
  };

  /// The bounds' test for samples first .. first + count - 1: moves their bounds by the
  /// centres' drift, then stands[i] = 1 if the label of sample first + i stands
  /// (lower^2 - upper^2 > 2 err). No branch, so that it vectorises.
  static void test_bounds(Bounds& bounds, const int* labels, Index first, Index count, double gamma, double c_sq_max,
                          unsigned char* stands) {
    test_bounds(bounds.upper.data() + first, bounds.lower.data() + first, bounds.x_sq.data() + first, labels + first,
                bounds.drift_own.data(), bounds.drift_other.data(), count, gamma, c_sq_max, stands);
  }
  static void test_bounds(double* __restrict upper, double* __restrict lower, const double* __restrict x_sq,
                          const int* __restrict labels, const double* __restrict drift_own,
                          const double* __restrict drift_other, Index count, double gamma, double c_sq_max,
                          unsigned char* __restrict stands) {
    for (Index i = 0; i < count; ++i) {
      const double u = upper[i] + drift_own[labels[i]], l = lower[i] - drift_other[labels[i]];
      upper[i] = u;
      lower[i] = l;
      const double err = gamma * (x_sq[i] + c_sq_max);
      stands[i] = (l > u) & ((l - u) * (l + u) > 2 * err);
    }
  }

  /// Whether Lloyd's E step skips samples through Bounds: up to 16 centres (the register-blocked
  /// kernel, whose scores do not depend on which samples share a call).
  bool prunes(Index k) const { return options_.prune_lloyd && k <= 16; }

  /// Lloyd's E step with Hamerly's bounds: the same labels and sums as assign() (see Bounds),
  /// with the cross terms computed only for the samples the bounds cannot settle.
  void assign_pruned(const Matrix& X, const Matrix& centers, std::vector<int>& labels, Sums& sums,
                     Bounds& bounds) const;

  /// Sums by label without an E step (Elkan assigns labels its own way).
  void sum_by_label(const Matrix& Xc, const std::vector<int>& labels, Sums& sums) const;

  /// M step: new centres from the summed samples, adding the groups in order; empty clusters
  /// are relocated. Returns the sum of squared centre shifts.
  double update_centers(const Matrix& Xc, const std::vector<int>& labels, const Sums& s, Matrix& centers) const;

  double inertia(const Matrix& Xc, const Matrix& centers, const std::vector<int>& labels) const;

  double run_lloyd(const Matrix& Xc, Matrix& centers, std::vector<int>& labels, double tol_eff, int& iterations) const;

  // Elkan's exact acceleration: the triangle inequality lets most distances go uncomputed.
  //   u_i >= d(x_i, c_label)          upper bound to the own centre
  //   l_ij <= d(x_i, c_j)             lower bound to every centre
  //   s_j = min over j' != j of d(c_j, c_j') / 2
  // If u_i <= l_ij, or u_i <= d(c_label, c_j) / 2 (triangle inequality), then
  // d(x_i, c_j) >= u_i >= d(x_i, c_label): centre j is not nearer. Ties go to the lowest index,
  // as in Lloyd's E step (scikit-learn's elkan keeps the current label instead), so that rules
  // out j > label, while j < label needs the strict inequalities (d(x_i, c_j) > u_i):
  //   j > label is skipped when u_i <= max(l_ij, d(c_label, c_j) / 2),
  //   j < label only when u_i < max(l_ij, d(c_label, c_j) / 2),
  // and a sample with u_i < s_label keeps its label without a look at any centre.
  // After the M step, u_i += shift(label), l_ij -= shift(j).
  double run_elkan(const Matrix& Xc, Matrix& centers, std::vector<int>& labels, double tol_eff, int& iterations) const;

  KMeansOptions<T> options_;
  std::function<void(int, int, int, double)> on_progress_;
};

// ---- KMeans's longer members, defined outside the class so that the precompiled mode's
// `extern template` keeps them out of users' translation units.

template <class T>
KMeans<T>& KMeans<T>::fit(const ConstMap& X) {
  const Index n = X.rows(), d = X.cols();
  validate(X);
  if (n < options_.n_clusters)
    throw ConfigError("KMeans: n_samples = " + std::to_string(n) + " should be >= n_clusters = " + std::to_string(options_.n_clusters));
  if (options_.init == KMeansInit::given && options_.init_centers.cols() != d)
    throw ConfigError("KMeans: the initial centres have " + std::to_string(options_.init_centers.cols()) + " features, the data " +
                      std::to_string(d));
  // Centre the data (scikit-learn does, for precision of |x|^2 - 2 x.c + |c|^2).
  const Eigen::Matrix<T, 1, Eigen::Dynamic> mean = X.colwise().mean();
  // The E steps read rows of Xc in scattered order (the samples the bounds leave, the sums
  // of changed clusters): with huge pages the whole array stays within the TLB's reach, and it
  // takes a few hundred times fewer page faults to fill.
  Matrix Xc(n, d);
  detail::advise_huge_pages(Xc.data(), sizeof(T) * std::size_t(Xc.size()));
  Xc = X.rowwise() - mean;
  // tol_eff = tol * mean over features of the population variance.
  const double tol_eff = options_.tol * static_cast<double>(Xc.array().square().colwise().mean().mean());

  Rng rng(options_.random_state);
  const int runs = options_.init == KMeansInit::given ? 1 : options_.n_init;
  double best = 0;
  for (int run = 0; run < runs; ++run) {
    Matrix centers = initial_centers(Xc, rng, mean);
    std::vector<int> labels;
    int iterations = 0;
    const bool distributed = options_.communicator && options_.communicator->size() > 1;
    const double inertia = options_.algorithm == KMeansAlgorithm::elkan && options_.n_clusters > 1 && !distributed
                               ? run_elkan(Xc, centers, labels, tol_eff, iterations)
                               : run_lloyd(Xc, centers, labels, tol_eff, iterations);
    if (on_progress_) on_progress_(run + 1, runs, iterations, inertia);
    if (options_.verbose > 0)
      log_stream() << "KMeans run " << run + 1 << "/" << runs << ": " << iterations << " iterations, inertia "
                   << inertia << "\n";
    // As scikit-learn: a lower inertia with the same clustering (rounding, or centres that
    // max_iter left off their clusters' means) does not replace the kept run.
    if (run == 0 || (inertia < best && !detail::is_same_clustering(labels, labels_, options_.n_clusters))) {
      best = inertia;
      labels_ = std::move(labels);
      cluster_centers_ = centers.rowwise() + mean;
      inertia_ = inertia;
      n_iter_ = iterations;
    }
  }
  return *this;
}

template <class T>
std::vector<int> KMeans<T>::predict(const ConstMap& X) const {
  require_fitted();
  validate(X, cluster_centers_.cols());
  std::vector<int> labels(static_cast<std::size_t>(X.rows()));
  assign(X, cluster_centers_, labels);
  return labels;
}

template <class T>
typename KMeans<T>::Matrix KMeans<T>::transform(const ConstMap& X) const {
  require_fitted();
  validate(X, cluster_centers_.cols());
  Matrix D(X.rows(), options_.n_clusters);
  for (Index i = 0; i < X.rows(); ++i)
    for (Index j = 0; j < options_.n_clusters; ++j) D(i, j) = (X.row(i) - cluster_centers_.row(j)).norm();
  return D;
}

template <class T>
typename KMeans<T>::Matrix KMeans<T>::initial_centers(const Matrix& Xc, Rng& rng, const Eigen::Matrix<T, 1, Eigen::Dynamic>& mean) const {
  const Index n = Xc.rows(), k = options_.n_clusters;
  Matrix centers(k, Xc.cols());
  if (options_.init == KMeansInit::given) return options_.init_centers.rowwise() - mean;
  if (options_.init == KMeansInit::random) {  // the first k of a random permutation
    std::vector<Index> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), Index(0));
    rng.shuffle(order.begin(), order.end());
    for (Index j = 0; j < k; ++j) centers.row(j) = Xc.row(order[std::size_t(j)]);
    return centers;
  }
  // Greedy k-means++ (scikit-learn's _kmeans_plusplus): each new centre is the best of
  // 2 + floor(ln k) candidates drawn with probability proportional to d_i^2, the squared
  // distance of sample i to the nearest centre so far:
  //   r = uniform * potential,  candidate = first i with d_1^2 + ... + d_i^2 >= r,
  //   potential(candidate) = sum_i min(d_i^2, |x_i - x_candidate|^2),
  // and the candidate with the lowest potential (the first of equals) becomes the centre; its
  // potential and distances are the next round's.
  const int trials = 2 + static_cast<int>(std::log(double(k)));
  centers.row(0) = Xc.row(static_cast<Index>(rng.below(std::uint64_t(n))));
  std::vector<double> closest(static_cast<std::size_t>(n));
  std::vector<double> cumulative(closest.size()), candidate_dist(closest.size()), best_dist, partial;
  // sum_i value(i), over parallel blocks whose partial sums are added in block order
  // (deterministic).
  const Index blocks = detail::ceil_div(n, kChunk * 4);
  auto ordered_sum = [&](const auto& value) {
    partial.assign(static_cast<std::size_t>(blocks), 0.0);
    parallel_for(blocks, [&](Index b) {
      double sum = 0;
      for (Index i = b * kChunk * 4; i < std::min(n, (b + 1) * kChunk * 4); ++i) sum += value(i);
      partial[std::size_t(b)] = sum;
    });
    double total = 0;
    for (double v : partial) total += v;
    return total;
  };
  double potential = ordered_sum([&](Index i) {
    return closest[std::size_t(i)] = double((Xc.row(i) - centers.row(0)).squaredNorm());
  });
  for (Index c = 1; c < k; ++c) {
    std::partial_sum(closest.begin(), closest.end(), cumulative.begin());
    double best_potential = std::numeric_limits<double>::infinity();
    Index best_candidate = 0;
    for (int t = 0; t < trials; ++t) {
      const double r = rng.uniform() * potential;
      const Index cand = detail::kmeans_plus_plus_candidate(cumulative, r);
      const double pot = ordered_sum([&](Index i) {
        return candidate_dist[std::size_t(i)] =
                   std::min(closest[std::size_t(i)], double((Xc.row(i) - Xc.row(cand)).squaredNorm()));
      });
      if (pot < best_potential) {
        best_potential = pot;
        best_candidate = cand;
        best_dist.swap(candidate_dist);
        candidate_dist.resize(closest.size());
      }
    }
    centers.row(c) = Xc.row(best_candidate);
    closest.swap(best_dist);
    potential = best_potential;
  }
  return centers;
}

template <class T>
void KMeans<T>::sum_by_label(const Matrix& Xc, const std::vector<int>& labels, Sums& sums) const {
  const Index n = Xc.rows(), groups = groups_for(n), per_group = detail::ceil_div(n, groups);
  parallel_for(groups, [&](Index g) {
    for (Index i = g * per_group; i < std::min(n, (g + 1) * per_group); ++i) {
      sums.sums[std::size_t(g)].row(labels[std::size_t(i)]) += Xc.row(i);
      sums.counts[std::size_t(g)][std::size_t(labels[std::size_t(i)])] += 1;
    }
  });
}

template <class T>
double KMeans<T>::update_centers(const Matrix& Xc, const std::vector<int>& labels, const Sums& s, Matrix& centers) const {
  const Index n = Xc.rows(), d = Xc.cols(), k = centers.rows(), groups = Index(s.sums.size());
  const auto& sums = s.sums;
  const auto& counts = s.counts;
  Matrix total = Matrix::Zero(k, d);
  std::vector<double> count(std::size_t(k), 0.0);
  for (Index g = 0; g < groups; ++g) {  // in group order: deterministic
    total += sums[std::size_t(g)];
    for (Index j = 0; j < k; ++j) count[std::size_t(j)] += counts[std::size_t(g)][std::size_t(j)];
  }
  // Empty clusters (scikit-learn's _relocate_empty_clusters_dense): the m empty clusters, in
  // index order, take the m samples farthest from the centre of their label in this E step
  // (the old centres), farthest first and of equal distances the later sample first. Each
  // moves even at distance 0 and leaves its cluster's sum: total_from -= x, n_from -= 1,
  // total_empty = x, n_empty = 1. Its label stays.
  std::vector<Index> empty;
  for (Index j = 0; j < k; ++j)
    if (count[std::size_t(j)] == 0) empty.push_back(j);
  if (!empty.empty()) {
    std::vector<T> dist(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i) dist[std::size_t(i)] = (Xc.row(i) - centers.row(labels[std::size_t(i)])).squaredNorm();
    std::vector<Index> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), Index(0));
    const auto m = static_cast<std::ptrdiff_t>(empty.size());  // <= k <= n
    std::partial_sort(order.begin(), order.begin() + m, order.end(), [&](Index a, Index b) {
      const T da = dist[std::size_t(a)], db = dist[std::size_t(b)];
      return da > db || (da == db && a > b);
    });
    for (std::size_t e = 0; e < empty.size(); ++e) {
      const Index i = order[e], from = labels[std::size_t(i)];
      total.row(from) -= Xc.row(i);
      count[std::size_t(from)] -= 1;
      total.row(empty[e]) = Xc.row(i);
      count[std::size_t(empty[e])] = 1;
    }
  }
  // c_j = total_j / n_j. A cluster whose samples all moved away keeps what is left of its sum,
  // zero up to rounding (the data mean), as scikit-learn's _average_centers leaves it; its
  // shift counts like any other.
  double shift = 0;
  for (Index j = 0; j < k; ++j) {
    const double nj = count[std::size_t(j)];
    const Eigen::Matrix<T, 1, Eigen::Dynamic> c = nj > 0 ? Eigen::Matrix<T, 1, Eigen::Dynamic>(total.row(j) / T(nj))
                                                         : Eigen::Matrix<T, 1, Eigen::Dynamic>(total.row(j));
    shift += double((c - centers.row(j)).squaredNorm());
    centers.row(j) = c;
  }
  return shift;
}

template <class T>
double KMeans<T>::inertia(const Matrix& Xc, const Matrix& centers, const std::vector<int>& labels) const {
  double s = 0;
  for (Index i = 0; i < Xc.rows(); ++i) s += double((Xc.row(i) - centers.row(labels[std::size_t(i)])).squaredNorm());
  return s;
}

template <class T>
void KMeans<T>::share_assignment(Index n, std::vector<int>& labels, Sums* sums) const {
  Communicator* comm = options_.communicator;
  if (!comm || comm->size() == 1) return;
  const int P = comm->size();
  const Index groups = groups_for(n), per_group = detail::ceil_div(n, groups);
  const auto first_row = [&](int p) { return std::min(n, static_cast<Index>(p) * groups / P * per_group); };
  // Labels travel as doubles (exact for any int).
  std::vector<Index> counts(static_cast<std::size_t>(P));
  for (int p = 0; p < P; ++p) counts[std::size_t(p)] = first_row(p + 1) - first_row(p);
  const int me = comm->rank();
  const std::vector<double> mine(labels.begin() + first_row(me), labels.begin() + first_row(me + 1));
  std::vector<double> all(static_cast<std::size_t>(n));
  comm->all_gather(mine.data(), counts.data(), all.data());
  for (Index i = 0; i < n; ++i) labels[std::size_t(i)] = static_cast<int>(all[std::size_t(i)]);
  if (!sums) return;
  // Each group's sums (k x d) and counts (k), group after group, as doubles (exact for T).
  const Index k = sums->sums.empty() ? 0 : sums->sums[0].rows(), d = sums->sums.empty() ? 0 : sums->sums[0].cols();
  const Index per = k * d + k;
  std::vector<double> own;
  for (Index g = own_group(groups, 0); g < own_group(groups, 1); ++g) {
    const Matrix& m = sums->sums[std::size_t(g)];
    own.insert(own.end(), m.data(), m.data() + k * d);
    own.insert(own.end(), sums->counts[std::size_t(g)].begin(), sums->counts[std::size_t(g)].end());
  }
  for (int p = 0; p < P; ++p)
    counts[std::size_t(p)] = (static_cast<Index>(p + 1) * groups / P - static_cast<Index>(p) * groups / P) * per;
  std::vector<double> every(static_cast<std::size_t>(groups * per));
  comm->all_gather(own.data(), counts.data(), every.data());
  for (Index g = 0; g < groups; ++g) {
    const double* at = every.data() + g * per;
    Matrix& m = sums->sums[std::size_t(g)];
    for (Index i = 0; i < k * d; ++i) m.data()[i] = static_cast<T>(at[i]);
    std::copy(at + k * d, at + per, sums->counts[std::size_t(g)].begin());
  }
}

template <class T>
double KMeans<T>::run_lloyd(const Matrix& Xc, Matrix& centers, std::vector<int>& labels, double tol_eff, int& iterations) const {
  const Index n = Xc.rows(), k = centers.rows();
  labels.assign(std::size_t(n), -1);
  std::vector<int> previous(std::size_t(n), -1);
  Sums sums;
  Bounds bounds;
  const bool pruned = prunes(k);
  if (pruned) {
    bounds.upper.resize(std::size_t(n));
    bounds.lower.resize(std::size_t(n));
    bounds.x_sq.resize(std::size_t(n));
    for (Index i = 0; i < n; ++i) bounds.x_sq[std::size_t(i)] = Xc.row(i).template cast<double>().squaredNorm();
  }
  Matrix old_centers;
  bool strict = false;
  int i = 0;
  for (; i < options_.max_iter; ++i) {
    // The pruned E step keeps the sums of the previous iteration and updates what changed.
    if (!pruned || i == 0) sums.reset(groups_for(n), k, Xc.cols());
    if (pruned)
      assign_pruned(Xc, centers, labels, sums, bounds);
    else
      assign(Xc, centers, labels, &sums);
    share_assignment(n, labels, &sums);
    if (pruned) old_centers = centers;
    const double shift = update_centers(Xc, labels, sums, centers);
    if (labels == previous) {
      strict = true;
      break;
    }
    if (shift <= tol_eff) break;
    previous = labels;
    if (pruned) {
      // How far each centre moved (in double: the difference of two T is exact there), and for
      // each centre the largest move among the others, for the bounds of the next E step.
      std::vector<double>& own = bounds.drift_own;
      own.resize(std::size_t(k));
      for (Index j = 0; j < k; ++j)
        own[std::size_t(j)] = (centers.row(j).template cast<double>() - old_centers.row(j).template cast<double>()).norm();
      const auto first = std::max_element(own.begin(), own.end());
      double second = 0;
      for (auto it = own.begin(); it != own.end(); ++it)
        if (it != first) second = std::max(second, *it);
      bounds.drift_other.assign(std::size_t(k), *first);
      bounds.drift_other[std::size_t(first - own.begin())] = second;
    }
  }
  iterations = std::min(i + 1, options_.max_iter);
  if (!strict) {  // labels that match the final centres
    assign(Xc, centers, labels);
    share_assignment(n, labels, nullptr);
  }
  return inertia(Xc, centers, labels);
}

template <class T>
void KMeans<T>::assign_pruned(const Matrix& X, const Matrix& centers, std::vector<int>& labels, Sums& sums,
                              Bounds& bounds) const {
  const Index n = X.rows(), d = X.cols(), k = centers.rows();
  const CentreTerms terms(centers);  // the same as assign()'s
  const auto& c_sq = terms.c_sq;
  const Matrix& centers_t = terms.centers_t;
  const Index kp = centers_t.cols();
  // err_i = gamma (|x_i|^2 + max_j |c_j|^2) bounds each score's rounding (see Bounds).
  const double gamma = 4.0 * double(d + 2) * double(std::numeric_limits<T>::epsilon()) + 1e-10;
  const double c_sq_max = 1.01 * double(c_sq.maxCoeff());
  const bool use_bounds = bounds.valid;
  const Index groups = groups_for(n), per_group = detail::ceil_div(n, groups);
  const Index first_group = own_group(groups, 0), last_group = own_group(groups, 1);
  parallel_for(last_group - first_group, [&](Index own) {
    const Index g = first_group + own;
    thread_local Matrix D, tail_scores;
    thread_local std::vector<Index> pending;
    thread_local std::vector<unsigned char> stands;
    const Index per_call = samples_per_call(kp);
    D.resize(8, kp);
    std::uint32_t changed = 0;  // bit j: cluster j gained or lost a sample of this group
    // Lloyd's choice from a sample's scores (the lowest |c_j|^2 - 2 x.c_j, ties to the lowest j),
    // and the sample's new bounds from the best and second-best scores.
    auto settle = [&](Index sample, const T* dot) {
      int best = 0;
      T best_d = std::numeric_limits<T>::infinity(), second_d = std::numeric_limits<T>::infinity();
      for (Index j = 0; j < k; ++j) {
        // Selects rather than branches: which centre wins is a coin toss for the samples that
        // reach here, and a mispredicted branch per centre costs more than the selects. With
        // best_d <= second_d, min(second_d, max(best_d, dj)) is the new second-best score
        // whether or not dj beats best_d, so only `best` needs the comparison.
        const T dj = c_sq(j) - 2 * dot[j];
        best = dj < best_d ? int(j) : best;
        second_d = std::min(second_d, std::max(best_d, dj));
        best_d = std::min(best_d, dj);
      }
      const std::size_t at = std::size_t(sample);
      if (labels[at] != best && use_bounds) changed |= (1u << labels[at]) | (1u << best);
      labels[at] = best;
      const double err = gamma * (bounds.x_sq[at] + c_sq_max);
      bounds.upper[at] = std::sqrt(std::max(0.0, bounds.x_sq[at] + double(best_d) + err));
      bounds.lower[at] = k > 1 ? std::sqrt(std::max(0.0, bounds.x_sq[at] + double(second_d) - err))
                               : std::numeric_limits<double>::infinity();
    };
    for (Index r0 = g * per_group; r0 < std::min(n, (g + 1) * per_group); r0 += kChunk) {
      const Index rows = std::min({kChunk, n - r0, (g + 1) * per_group - r0});
      // assign() scores the chunk's first rows / 4 * 4 samples with cross_terms() and the rest
      // with one coefficient-wise product: score each sample the way assign() scores it.
      const Index body = rows / 4 * 4;
      Index m = 0;  // pending[0, m): the samples of the body to score
      bool tail_pending = false;
      pending.resize(std::size_t(kChunk));
      if (use_bounds) {
        stands.resize(std::size_t(kChunk));
        test_bounds(bounds, labels.data(), r0, rows, gamma, c_sq_max, stands.data());
        for (Index i = 0; i < body; ++i) {
          pending[std::size_t(m)] = r0 + i;
          m += !stands[std::size_t(i)];
        }
        for (Index i = body; i < rows; ++i) tail_pending |= !stands[std::size_t(i)];
      } else {
        for (; m < body; ++m) pending[std::size_t(m)] = r0 + m;
        tail_pending = body < rows;
      }
      // The unsettled samples, per_call at a time (the last call repeats its last sample).
      for (Index p = 0; p < m; p += per_call) {
        std::array<const T*, 8> at;
        for (Index s = 0; s < per_call; ++s) at[std::size_t(s)] = X.data() + pending[std::size_t(std::min(p + s, m - 1))] * d;
        // The pending rows are scattered, so the hardware cannot guess them: ask for the next
        // ones while these are scored.
        for (Index s = p + per_call; s < std::min(p + 2 * per_call, m); ++s)
          for (Index f = 0; f < d; f += 64 / Index(sizeof(T))) __builtin_prefetch(X.data() + pending[std::size_t(s)] * d + f);
        cross_terms(at.data(), centers_t, &D(0, 0), kp);
        for (Index s = 0; s < std::min(per_call, m - p); ++s) settle(pending[std::size_t(p + s)], &D(s, 0));
      }
      if (tail_pending) {
        // The same expression into the same row layout (kp columns) as assign() uses, so that
        // Eigen picks the same vectorisation and rounds each score the same way.
        tail_scores.resize(rows - body, kp);
        tail_scores.leftCols(k).noalias() = X.middleRows(r0 + body, rows - body).lazyProduct(centers.transpose());
        for (Index i = body; i < rows; ++i) settle(r0 + i, &tail_scores(i - body, 0));
      }
    }
    // The M step's sums, sample after sample as assign() adds them. Each cluster's row of the
    // group's sum depends only on which of the group's samples carry its label, so only the
    // rows of clusters that gained or lost a sample are summed again (from zero, in sample
    // order: the same bits as summing every row anew).
    const std::uint32_t redo = use_bounds ? changed : (1u << k) - 1;
    if (redo == 0) return;
    // The samples of those clusters, in sample order (collected without a branch: every index
    // is written, and the count moves on only for the clusters to redo), each added to its
    // cluster's row: the row sums in the same order as before.
    thread_local std::vector<Index> members;
    const Index begin = g * per_group, end = std::min(n, (g + 1) * per_group);
    members.resize(std::size_t(end - begin + 1));
    Index m = 0;
    for (Index i = begin; i < end; ++i) {
      members[std::size_t(m)] = i;
      m += redo >> labels[std::size_t(i)] & 1u;
    }
    Matrix& sum = sums.sums[std::size_t(g)];
    std::vector<double>& count = sums.counts[std::size_t(g)];
    for (Index j = 0; j < k; ++j)
      if (redo >> j & 1u) sum.row(j).setZero(), count[std::size_t(j)] = 0;
    constexpr Index kAhead = 8;  // the rows are scattered: ask for them a few samples ahead
    for (Index p = 0; p < m; ++p) {
      if (p + kAhead < m)
        for (Index f = 0; f < d; f += 64 / Index(sizeof(T))) __builtin_prefetch(X.data() + members[std::size_t(p + kAhead)] * d + f);
      const Index i = members[std::size_t(p)];
      const int label = labels[std::size_t(i)];
      sum.row(label) += X.row(i);
      count[std::size_t(label)] += 1;
    }
  });
  bounds.valid = true;
}

template <class T>
double KMeans<T>::run_elkan(const Matrix& Xc, Matrix& centers, std::vector<int>& labels, double tol_eff, int& iterations) const {
  const Index n = Xc.rows(), k = centers.rows();
  std::vector<T> upper(static_cast<std::size_t>(n));
  Matrix lower = Matrix::Zero(n, k);
  labels.assign(std::size_t(n), 0);
  auto d = [&](Index i, Index j) { return T((Xc.row(i) - centers.row(j)).norm()); };
  Matrix half(k, k);
  std::vector<T> s(static_cast<std::size_t>(k));
  auto center_distances = [&] {
    for (Index a = 0; a < k; ++a) {
      s[std::size_t(a)] = std::numeric_limits<T>::infinity();
      for (Index b = 0; b < k; ++b) {
        half(a, b) = T((centers.row(a) - centers.row(b)).norm() / 2);
        if (a != b) s[std::size_t(a)] = std::min(s[std::size_t(a)], half(a, b));
      }
    }
  };
  center_distances();
  // Initial assignment: j ascends and only a strictly nearer centre takes over, so ties go to
  // the lowest index; a centre with d(x, c_best) <= d(c_best, c_j) / 2 cannot be nearer.
  parallel_for(detail::ceil_div(n, kChunk), [&](Index chunk) {
    for (Index i = chunk * kChunk; i < std::min(n, (chunk + 1) * kChunk); ++i) {
      int best = 0;
      T best_d = d(i, 0);
      lower(i, 0) = best_d;
      for (Index j = 1; j < k; ++j) {
        if (best_d <= half(best, j)) continue;
        const T dj = d(i, j);
        lower(i, j) = dj;
        if (dj < best_d) best_d = dj, best = int(j);
      }
      labels[std::size_t(i)] = best;
      upper[std::size_t(i)] = best_d;
    }
  });
  std::vector<int> previous(std::size_t(n), -1);
  bool strict = false;
  int it = 0;
  Matrix old_centers;
  Sums sums;
  for (; it < options_.max_iter; ++it) {
    if (it > 0) {  // E step with the bounds
      center_distances();
      parallel_for(detail::ceil_div(n, kChunk), [&](Index chunk) {
        for (Index i = chunk * kChunk; i < std::min(n, (chunk + 1) * kChunk); ++i) {
          int best = labels[std::size_t(i)];
          T u = upper[std::size_t(i)];
          if (u < s[std::size_t(best)]) continue;
          // Whether the bounds rule out centre j: d(x, c_j) > u, or >= u with j after best.
          auto ruled_out = [&](Index j) {
            const T bound = std::max(lower(i, j), half(best, j));
            return j < best ? u < bound : u <= bound;
          };
          bool tight = false;
          for (Index j = 0; j < k; ++j) {
            if (j == best || ruled_out(j)) continue;
            if (!tight) {
              u = d(i, best);
              lower(i, best) = u;
              tight = true;
              if (ruled_out(j)) continue;
            }
            const T dj = d(i, j);
            lower(i, j) = dj;
            if (dj < u || (dj == u && j < best)) u = dj, best = int(j);
          }
          labels[std::size_t(i)] = best;
          upper[std::size_t(i)] = u;
        }
      });
    }
    old_centers = centers;
    sums.reset(groups_for(n), k, Xc.cols());
    sum_by_label(Xc, labels, sums);
    const double shift = update_centers(Xc, labels, sums, centers);
    // Move the bounds by how far each centre moved.
    std::vector<T> moved(static_cast<std::size_t>(k));
    for (Index j = 0; j < k; ++j) moved[std::size_t(j)] = T((centers.row(j) - old_centers.row(j)).norm());
    for (Index i = 0; i < n; ++i) {
      upper[std::size_t(i)] += moved[std::size_t(labels[std::size_t(i)])];
      for (Index j = 0; j < k; ++j) lower(i, j) = std::max(T(0), lower(i, j) - moved[std::size_t(j)]);
    }
    if (labels == previous) {
      strict = true;
      break;
    }
    if (shift <= tol_eff) break;
    previous = labels;
  }
  iterations = std::min(it + 1, options_.max_iter);
  if (!strict) assign(Xc, centers, labels);  // labels matching the final centres
  return inertia(Xc, centers, labels);
}

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template class KMeans<float>;
extern template class KMeans<double>;
#endif

}  // namespace autoenc
