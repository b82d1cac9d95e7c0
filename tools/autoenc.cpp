// autoenc: the library's fast algorithms on your own arrays, from any language, through .npy
// files.
//
//   autoenc kmeans latent.npy --n-clusters 10 --n-init 10 --random-state 42 --labels-out labels.npy
//   autoenc tsne latent.npy --rows 5000 --perplexity 15 --learning-rate 100 --random-state 0 --out map.npy
//   autoenc tsne new.npy --reference map.npy --reference-data latent.npy --out new_map.npy
//
// Each subcommand prints its timing like Jupyter's %%time and its main result last, on a line
// of its own. Errors are one line on stderr and a non-zero exit.
// SPDX-License-Identifier: MIT
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>

#include <autoenc/cluster/kmeans.hpp>
#ifdef AUTOENC_HAS_MPI
#include <autoenc/mpi/mpi_communicator.hpp>
#endif
#include <autoenc/cluster/metrics.hpp>
#include <autoenc/core/timer.hpp>
#include <autoenc/io/npy.hpp>
#include <autoenc/manifold/trustworthiness.hpp>
#include <autoenc/manifold/tsne.hpp>
#include <autoenc/manifold/tsne_transform.hpp>
#include <autoenc/version.hpp>

namespace ae = autoenc;

namespace {

/// A 2-d array from a .npy file, as a matrix of T; only the first `rows` rows when rows > 0.
template <class T>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> load_matrix(const ae::NpyArray& a, const std::string& path,
                                                                          ae::Index rows = 0) {
  if (a.shape.rank() != 2)
    throw ae::ShapeError("'" + path + "': expected a 2-d array (samples x features), got shape " + a.shape.to_string());
  if (rows > a.shape[0])
    throw ae::ConfigError("--rows " + std::to_string(rows) + ": '" + path + "' has only " + std::to_string(a.shape[0]) +
                          " rows");
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(rows > 0 ? rows : a.shape[0], a.shape[1]);
  for (ae::Index i = 0; i < m.size(); ++i) m.data()[i] = a.at<T>(i);
  return m;
}

/// Integer labels from a 1-d .npy file; its first n when it is longer (to go with --rows).
std::vector<int> load_labels(const std::string& path, ae::Index n, bool allow_longer = false) {
  const ae::NpyArray a = ae::read_npy(path);
  if (a.shape.rank() != 1 || a.shape[0] < n || (!allow_longer && a.shape[0] != n))
    throw ae::ShapeError("'" + path + "': expected " + std::to_string(n) + " labels (a 1-d array), got shape " +
                         a.shape.to_string());
  if (a.dtype == ae::DType::float32 || a.dtype == ae::DType::float64)
    throw ae::IoError("'" + path + "': labels must be integers, got " + ae::dtype_name(a.dtype));
  std::vector<int> labels(static_cast<std::size_t>(n));
  for (ae::Index i = 0; i < n; ++i) labels[std::size_t(i)] = a.at<int>(i);
  return labels;
}

struct KMeansArgs {
  std::string input, labels_out, centers_out, true_labels, algorithm = "lloyd", init = "k-means++";
  int n_clusters = 8, n_init = 10, max_iter = 300, threads = 0;
  double tol = 1e-4;
  std::uint64_t random_state = 0;
};

/// The processes of this run: all of an MPI job when started by mpirun (and built with MPI).
struct Processes {
#ifdef AUTOENC_HAS_MPI
  std::unique_ptr<ae::mpi::Session> session;
#endif
  ae::Communicator* comm = nullptr;
  int rank() const { return comm ? comm->rank() : 0; }
  int size() const { return comm ? comm->size() : 1; }
};

template <class T>
int run_kmeans(const KMeansArgs& args, const ae::NpyArray& array, Processes& processes) {
  const auto X = load_matrix<T>(array, args.input);
  std::vector<int> truth;
  if (!args.true_labels.empty()) truth = load_labels(args.true_labels, X.rows());
  ae::KMeansOptions<T> options;
  ae::detail::apply_named_args(options, ae::init = args.init, ae::n_init = args.n_init, ae::max_iter = args.max_iter,
                               ae::tol = args.tol, ae::random_state = args.random_state,
                               ae::algorithm = args.algorithm);
  options.n_clusters = args.n_clusters;
  options.communicator = processes.comm;  // under mpirun: the rows shared by the processes
  ae::KMeans<T> km(options);
  if (processes.size() > 1) std::printf("%d processes share the rows\n", processes.size());
  std::printf("KMeans(n_clusters=%d, n_init=%d, max_iter=%d, tol=%g, algorithm=%s, random_state=%llu) on %lld x %lld %s\n",
              args.n_clusters, args.n_init, args.max_iter, args.tol, args.algorithm.c_str(),
              static_cast<unsigned long long>(args.random_state), static_cast<long long>(X.rows()),
              static_cast<long long>(X.cols()), ae::dtype_name(array.dtype));
  ae::Timer timer;
  km.fit(X);
  std::fputs(timer.report().c_str(), stdout);
  const bool writes = processes.rank() == 0;  // one process writes the files
  if (writes && !args.labels_out.empty()) ae::save_npy(args.labels_out, km.labels_);
  if (writes && !args.centers_out.empty()) ae::save_npy(args.centers_out, km.cluster_centers_.data(), ae::Shape{km.cluster_centers_.rows(), km.cluster_centers_.cols()});
  std::printf("n_iter: %d\n", km.n_iter_);
  if (!truth.empty()) {
    std::printf("adjusted_rand_index: %.4f\n", ae::adjusted_rand_score(truth, km.labels_));
    std::printf("normalized_mutual_info: %.4f\n", ae::normalized_mutual_info_score(truth, km.labels_));
  }
  std::printf("inertia: %.6g\n", km.inertia_);
  return 0;
}

struct TsneArgs {
  std::string input, out, true_labels, method = "barnes_hut", neighbors = "auto", init = "pca", evaluate, reference,
      reference_data;
  bool perplexity_given = false, n_iter_given = false;
  double perplexity = 30, early_exaggeration = 12, angle = 0.5, min_grad_norm = 1e-7, max_step_norm = 0;
  std::string learning_rate = "auto";
  int n_components = 2, n_iter = 1000, n_iter_without_progress = 300, threads = 0, verbose = 0, trust_k = 5;
  ae::Index rows = 0;
  std::uint64_t random_state = 0;
};

/// KL(P || Q) of a given map: P from the data at the perplexity over the nearest neighbours (as
/// TSNE computes it), Z accurately (a grid 4 times finer than TSNE's in 1-D and 2-D when FFTW is
/// there; otherwise Barnes-Hut with angle 0.2). For comparing maps made by different programs.
int evaluate_map(const TsneArgs& args, const ae::EmbeddingMatrix& X) {
  const ae::EmbeddingMatrix Y = load_matrix<double>(ae::read_npy(args.evaluate), args.evaluate, args.rows);
  const ae::Index n = X.rows(), dim = Y.cols();
  if (Y.rows() != n)
    throw ae::ShapeError("--evaluate: '" + args.evaluate + "' has " + std::to_string(Y.rows()) + " rows, the data " +
                         std::to_string(n));
  if (!(args.perplexity < double(n))) throw ae::ConfigError("--perplexity must be less than the number of rows");
  const ae::Index k = std::min<ae::Index>(n - 1, ae::Index(3 * args.perplexity + 1));
  const ae::SparseAffinities P = ae::sparse_joint_probabilities(
      ae::tsne_nearest_neighbors(X, k, ae::tsne_neighbors_from_name(args.neighbors)), args.perplexity);
  ae::EmbeddingMatrix grad(n, dim);
  std::vector<double> workspace;
  double kl = 0;
#if AUTOENC_HAS_FFTW
  if (dim == 1) {
    ae::FftRepulsion<1> fine(200, 4.0);
    kl = ae::tsne_fft_gradient<1>(P, Y, fine, grad, true, workspace);
  } else if (dim == 2) {
    ae::FftRepulsion<2> fine(200, 4.0);
    kl = ae::tsne_fft_gradient<2>(P, Y, fine, grad, true, workspace);
  } else
#endif
  if (dim == 2) {
    ae::SpacePartitionTree<2> tree;
    kl = ae::tsne_barnes_hut_gradient<2>(P, Y, 0.2, tree, grad, true, workspace);
  } else if (dim == 3) {
    ae::SpacePartitionTree<3> tree;
    kl = ae::tsne_barnes_hut_gradient<3>(P, Y, 0.2, tree, grad, true, workspace);
  } else {
    throw ae::ConfigError("--evaluate: a map of " + std::to_string(dim) + " dimensions (1 needs FFTW; 2 or 3 otherwise)");
  }
  std::printf("kl_divergence: %.6f\n", kl);
  return 0;
}

/// --learning-rate: a number, or empty for 'auto'.
std::optional<double> parse_learning_rate(const std::string& text) {
  if (text == "auto") return std::nullopt;
  std::size_t used = 0;
  double lr = 0;
  try {
    lr = std::stod(text, &used);
  } catch (const std::exception&) {
  }
  if (used == 0 || used != text.size())
    throw ae::ConfigError("--learning-rate: expected a number or 'auto', got '" + text + "'");
  return lr;
}

/// Places the rows of X into the map of --reference (the map of --reference-data's rows).
int place_into_map(const TsneArgs& args, const ae::EmbeddingMatrix& X) {
  const ae::EmbeddingMatrix map = load_matrix<double>(ae::read_npy(args.reference), args.reference);
  const ae::EmbeddingMatrix reference = load_matrix<double>(ae::read_npy(args.reference_data), args.reference_data);
  ae::TsneTransformOptions options;  // openTSNE's transform defaults unless the flags say otherwise
  if (args.perplexity_given) options.perplexity = args.perplexity;
  if (args.n_iter_given) options.n_iter = args.n_iter;
  if (const auto lr = parse_learning_rate(args.learning_rate)) options.learning_rate = *lr;
  if (args.max_step_norm > 0) options.max_step_norm = args.max_step_norm;
  options.verbose = args.verbose;
  ae::TsneTransform place(options);
  std::printf("TsneTransform(perplexity=%g, n_iter=%d, learning_rate=%g, max_step_norm=%g): %lld new points into a "
              "map of %lld\n",
              options.perplexity, options.n_iter, options.learning_rate, options.max_step_norm,
              static_cast<long long>(X.rows()), static_cast<long long>(map.rows()));
  std::fflush(stdout);
  ae::Timer timer;
  const ae::EmbeddingMatrix& Y = place.transform(X, reference, map);
  std::fputs(timer.report().c_str(), stdout);
  if (!args.out.empty()) {
    const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> Yf = Y.cast<float>();
    ae::save_npy(args.out, Yf.data(), ae::Shape{Yf.rows(), Yf.cols()});
  }
  std::printf("kl_divergence: %.6f (mean over the new points)\n", place.kl_divergence_);
  return 0;
}

int run_tsne(const TsneArgs& args, const ae::NpyArray& array) {
  // t-SNE computes in double whatever the input type; the input is not copied twice.
  const auto X = load_matrix<double>(array, args.input, args.rows);
  if (!args.evaluate.empty()) return evaluate_map(args, X);
  if (!args.reference.empty()) return place_into_map(args, X);
  std::vector<int> truth;
  if (!args.true_labels.empty()) truth = load_labels(args.true_labels, X.rows(), args.rows > 0);
  ae::TsneOptions options;  // built step by step from the flags
  options.n_components = args.n_components;
  options.perplexity = args.perplexity;
  options.early_exaggeration = args.early_exaggeration;
  options.learning_rate = parse_learning_rate(args.learning_rate);
  options.n_iter = args.n_iter;
  options.n_iter_without_progress = args.n_iter_without_progress;
  options.min_grad_norm = args.min_grad_norm;
  options.method = ae::tsne_method_from_name(args.method);
  options.neighbors = ae::tsne_neighbors_from_name(args.neighbors);
  options.init = ae::tsne_init_from_name(args.init);
  options.angle = args.angle;
  if (args.max_step_norm > 0) options.max_step_norm = args.max_step_norm;
  options.random_state = args.random_state;
  options.verbose = args.verbose;
  ae::TSNE tsne(options);
  std::printf("TSNE(n_components=%d, perplexity=%g, early_exaggeration=%g, learning_rate=%g, n_iter=%d, init=%s, "
              "method=%s, angle=%g, random_state=%llu) on %lld x %lld %s\n",
              args.n_components, args.perplexity, args.early_exaggeration, tsne.learning_rate_for(X.rows()),
              args.n_iter, args.init.c_str(), args.method.c_str(), args.angle,
              static_cast<unsigned long long>(args.random_state), static_cast<long long>(X.rows()),
              static_cast<long long>(X.cols()), ae::dtype_name(array.dtype));
  std::fflush(stdout);
  ae::Timer timer;
  const ae::EmbeddingMatrix& Y = tsne.fit_transform(X);
  std::fputs(timer.report().c_str(), stdout);
  if (!args.out.empty()) {
    // float32, like scikit-learn's embedding_.
    const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> Yf = Y.cast<float>();
    ae::save_npy(args.out, Yf.data(), ae::Shape{Yf.rows(), Yf.cols()});
  }
  if (args.method == "auto") std::printf("method: %s\n", ae::tsne_method_name(tsne.method_));
  if (args.neighbors == "auto" && tsne.method_ != ae::TsneMethod::exact)
    std::printf("neighbors: %s\n", ae::tsne_neighbors_name(tsne.neighbors_));
  std::printf("n_iter: %d\n", tsne.n_iter_);
  if (!truth.empty()) std::printf("trustworthiness: %.4f (n_neighbors=%d)\n", ae::trustworthiness(X, Y, args.trust_k), args.trust_k);
  std::printf("kl_divergence: %.6f\n", tsne.kl_divergence_);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"autoenc " AUTOENC_VERSION_STRING ": k-means and t-SNE on .npy arrays"};
  app.require_subcommand(1);
  KMeansArgs k;
  auto* kmeans = app.add_subcommand("kmeans", "k-means clustering with scikit-learn's semantics"
#ifdef AUTOENC_HAS_MPI
                                    " (also under 'mpirun -np N autoenc kmeans ...': the processes share the rows"
                                    " and the result is that of one process)"
#endif
  );
  kmeans->add_option("input", k.input, "a 2-d .npy array, one sample per row (float32/64, uint8, int32/64)")
      ->required()->check(CLI::ExistingFile);
  kmeans->add_option("--n-clusters", k.n_clusters, "number of clusters")->capture_default_str()->check(CLI::PositiveNumber);
  kmeans->add_option("--n-init", k.n_init, "restarts; the lowest inertia is kept")->capture_default_str()->check(CLI::PositiveNumber);
  kmeans->add_option("--max-iter", k.max_iter, "iterations per run")->capture_default_str()->check(CLI::PositiveNumber);
  kmeans->add_option("--tol", k.tol, "tolerance, relative to the mean feature variance")->capture_default_str()->check(CLI::NonNegativeNumber);
  kmeans->add_option("--random-state", k.random_state, "seed")->capture_default_str();
  kmeans->add_option("--algorithm", k.algorithm, "lloyd or elkan")->check(CLI::IsMember({"lloyd", "elkan"}))->capture_default_str();
  kmeans->add_option("--init", k.init, "k-means++ or random")->check(CLI::IsMember({"k-means++", "random"}))->capture_default_str();
  kmeans->add_option("--threads", k.threads, "threads (0: all cores)")->capture_default_str()->check(CLI::NonNegativeNumber);
  kmeans->add_option("--labels-out", k.labels_out, "write the labels (int64) to this .npy file");
  kmeans->add_option("--centers-out", k.centers_out, "write the centres to this .npy file");
  kmeans->add_option("--true-labels", k.true_labels, "known classes (.npy of integers): also print ARI and NMI")
      ->check(CLI::ExistingFile);

  TsneArgs t;
  auto* tsne = app.add_subcommand("tsne", "t-SNE embedding with scikit-learn's semantics (exact, Barnes-Hut or FFT interpolation)");
  tsne->add_option("input", t.input, "a 2-d .npy array, one sample per row")->required()->check(CLI::ExistingFile);
  tsne->add_option("--n-components", t.n_components, "embedding dimension (2 or 3 for barnes_hut, 1 or 2 for fft)")->capture_default_str()->check(CLI::PositiveNumber);
  auto* perplexity_flag = tsne->add_option("--perplexity", t.perplexity, "effective number of neighbours (placing points: 5 unless given)")->capture_default_str()->check(CLI::PositiveNumber);
  tsne->add_option("--early-exaggeration", t.early_exaggeration, "P multiplier for the first 250 iterations")->capture_default_str();
  tsne->add_option("--learning-rate", t.learning_rate, "a number, or auto = max(n / early_exaggeration / 4, 50)")->capture_default_str();
  auto* n_iter_flag = tsne->add_option("--n-iter", t.n_iter, "iterations in total (at least 250; placing points: 250 unless given)")->capture_default_str();
  tsne->add_option("--n-iter-without-progress", t.n_iter_without_progress, "stop after this many iterations without progress")->capture_default_str();
  tsne->add_option("--min-grad-norm", t.min_grad_norm, "stop when the gradient norm falls below this")->capture_default_str();
  tsne->add_option("--method", t.method, "barnes_hut, exact, fft (FFT interpolation, 1-D and 2-D maps) or auto (fft from 10,000 points)")->check(CLI::IsMember({"barnes_hut", "exact", "fft", "auto"}))->capture_default_str();
  tsne->add_option("--neighbors", t.neighbors, "nearest-neighbour search: exact, approximate (random-projection trees, recall ~0.99) or auto (approximate from 50,000 rows)")->check(CLI::IsMember({"exact", "approximate", "auto"}))->capture_default_str();
  tsne->add_option("--angle", t.angle, "Barnes-Hut accuracy: 0 exact, larger faster")->capture_default_str();
  tsne->add_option("--max-step-norm", t.max_step_norm, "longest step of a point per iteration (0: no limit, as scikit-learn; FIt-SNE uses 5)")->capture_default_str()->check(CLI::NonNegativeNumber);
  tsne->add_option("--init", t.init, "pca or random")->check(CLI::IsMember({"pca", "random"}))->capture_default_str();
  tsne->add_option("--random-state", t.random_state, "seed")->capture_default_str();
  tsne->add_option("--rows", t.rows, "use only the first N rows (0: all)")->capture_default_str()->check(CLI::NonNegativeNumber);
  tsne->add_option("--threads", t.threads, "threads (0: all cores)")->capture_default_str()->check(CLI::NonNegativeNumber);
  tsne->add_option("--verbose", t.verbose, "0 silent, 1 steps, 2 every 50 iterations")->capture_default_str();
  tsne->add_option("--out", t.out, "write the embedding (float32) to this .npy file");
  tsne->add_option("--evaluate", t.evaluate, "instead of fitting: print the KL divergence of this map (.npy, one row per sample) under the data's P at --perplexity")->check(CLI::ExistingFile);
  auto* reference_flag = tsne->add_option("--reference", t.reference, "instead of fitting: place the input's rows into this map (.npy, one row per reference point; needs --reference-data)")->check(CLI::ExistingFile);
  tsne->add_option("--reference-data", t.reference_data, "the data the --reference map was made from (.npy, same rows)")->check(CLI::ExistingFile)->needs(reference_flag);
  reference_flag->needs("--reference-data");
  tsne->add_option("--true-labels", t.true_labels, "a .npy of class labels: also print trustworthiness")->check(CLI::ExistingFile);
  tsne->add_option("--trustworthiness-k", t.trust_k, "neighbours for trustworthiness")->capture_default_str()->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  t.perplexity_given = perplexity_flag->count() > 0;
  t.n_iter_given = n_iter_flag->count() > 0;

  Processes processes;
#ifdef AUTOENC_HAS_MPI
  if (ae::mpi::launched_by_mpi()) {
    processes.session = std::make_unique<ae::mpi::Session>(argc, argv);
    processes.comm = &processes.session->world();
    // Rank 0 prints; the others' standard output goes nowhere (errors still reach stderr).
    if (processes.rank() != 0 && !std::freopen("/dev/null", "w", stdout)) return 1;
  }
#endif
  try {
    if (k.threads > 0) ae::set_num_threads(k.threads);
    if (t.threads > 0) ae::set_num_threads(t.threads);
    if (*tsne) return run_tsne(t, ae::read_npy(t.input));
    if (*kmeans) {
      const ae::NpyArray array = ae::read_npy(k.input);
      return array.dtype == ae::DType::float64 ? run_kmeans<double>(k, array, processes)
                                               : run_kmeans<float>(k, array, processes);
    }
  } catch (const std::exception& e) {
    if (processes.size() > 1) {
      // The other processes would wait for this one forever: end the whole job.
      std::fprintf(stderr, "autoenc: error (rank %d of %d): %s\n", processes.rank(), processes.size(), e.what());
      std::fflush(stderr);
#ifdef AUTOENC_HAS_MPI
      MPI_Abort(MPI_COMM_WORLD, 1);
#endif
    }
    std::fprintf(stderr, "autoenc: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
