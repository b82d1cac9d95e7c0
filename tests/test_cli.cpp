// The `autoenc` command-line tool, run as a user would.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <autoenc/autoenc.hpp>

using namespace autoenc;
using MatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace {

struct Run {
  int status;
  std::string output;  // stdout and stderr
};

Run run(const std::string& args) {
  const std::string cmd = std::string(AUTOENC_CLI_PATH) + " " + args + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buf;
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe.get())) out.append(buf.data(), n);
  const int status = pclose(pipe.release());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string last_line(const std::string& s) {
  auto end = s.find_last_not_of('\n');
  auto start = s.rfind('\n', end);
  return s.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

const std::string dir = "/tmp/autoenc-cli-test";

/// A bad invocation and a piece of the one-line error it must print.
struct BadCase {
  std::string args, message;
};

/// Each case fails with a non-zero exit and its message, never with an uncaught exception; and
/// `subcommand --help` lists every flag.
void expect_clear_errors(const std::vector<BadCase>& cases, const std::string& subcommand,
                         const std::vector<std::string>& flags) {
  for (const auto& c : cases) {
    const Run r = run(c.args);
    INFO(c.args << "\n" << r.output);
    CHECK(r.status != 0);
    CHECK_THAT(r.output, Catch::Contains(c.message));
    CHECK(r.output.find("terminate") == std::string::npos);
  }
  const Run help = run(subcommand + " --help");
  CHECK(help.status == 0);
  for (const auto& flag : flags) CHECK_THAT(help.output, Catch::Contains(flag));
}

}  // namespace

TEST_CASE("autoenc kmeans clusters a .npy file and writes its results", "[cli]") {
  std::system(("mkdir -p " + dir).c_str());
  const auto blobs = make_blobs(300, 3, 4, 0.5, {-10, 10}, 4);
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> X = blobs.X.cast<float>();
  save_npy(dir + "/x.npy", X.data(), Shape{300, 4});
  save_npy(dir + "/truth.npy", blobs.labels);
  const Run r = run("kmeans " + dir + "/x.npy --n-clusters 3 --n-init 4 --random-state 1 --labels-out " + dir +
                    "/labels.npy --centers-out " + dir + "/centers.npy --true-labels " + dir + "/truth.npy --threads 2");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("CPU times: user") && Catch::Contains("Wall time:") && Catch::Contains("n_iter: "));
  CHECK_THAT(r.output, Catch::Contains("adjusted_rand_index: 1.0000"));
  CHECK(last_line(r.output).rfind("inertia: ", 0) == 0);

  KMeans<float> km(3, n_init = 4, random_state = 1);
  km.fit(X);
  const auto labels = read_npy(dir + "/labels.npy");
  REQUIRE(labels.size() == 300);
  for (Index i = 0; i < 300; ++i) REQUIRE(labels.at<int>(i) == km.labels_[std::size_t(i)]);
  CHECK(load_npy<float>(dir + "/centers.npy").shape() == Shape{3, 4});
  CHECK(std::stod(last_line(r.output).substr(9)) == Approx(km.inertia_).epsilon(1e-5));
}

TEST_CASE("autoenc kmeans rejects bad input with one clear line and a non-zero exit", "[cli]") {
  std::system(("mkdir -p " + dir).c_str());
  Tensor<float> cube({2, 3, 4}, 1.0f);
  save_npy(dir + "/cube.npy", cube);
  Tensor<float> small({5, 2}, 1.0f);
  save_npy(dir + "/small.npy", small);
  Tensor<double> nan({4, 2}, 1.0);
  nan[3] = std::nan("");
  save_npy(dir + "/nan.npy", nan);
  std::ofstream(dir + "/garbage.npy") << "this is not an array";
  save_npy(dir + "/float_labels.npy", small);

  expect_clear_errors(
      {
      {"kmeans " + dir + "/missing.npy", "does not exist"},
      {"kmeans " + dir + "/garbage.npy", "not a .npy file"},
      {"kmeans " + dir + "/cube.npy", "expected a 2-d array"},
      {"kmeans " + dir + "/small.npy --n-clusters 6", "n_samples = 5 should be >= n_clusters = 6"},
      {"kmeans " + dir + "/nan.npy --n-clusters 2", "NaN"},
      {"kmeans " + dir + "/small.npy --n-clusters 2 --true-labels " + dir + "/float_labels.npy", "expected 5 labels"},
      {"kmeans " + dir + "/small.npy --algorithm full", "algorithm"},
      {"kmeans " + dir + "/small.npy --n-clusters 0", "n-clusters"},
      },
      "kmeans",
      {"--n-clusters", "--n-init", "--random-state", "--max-iter", "--tol", "--algorithm", "--threads", "--labels-out",
       "--centers-out", "--true-labels"});
}

TEST_CASE("autoenc tsne embeds a .npy file, writes the map and reports KL and trustworthiness", "[cli][tsne]") {
  std::system(("mkdir -p " + dir).c_str());
  const auto blobs = make_blobs(250, 3, 6, 1.0, {-10, 10}, 5);
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> X = blobs.X.cast<float>();
  save_npy(dir + "/blobs.npy", X.data(), Shape{250, 6});
  save_npy(dir + "/blob_labels.npy", blobs.labels);
  const Run r = run("tsne " + dir + "/blobs.npy --rows 200 --perplexity 15 --learning-rate 100 --random-state 0 --n-iter 400 "
                    "--init random --threads 2 --out " + dir + "/map.npy --true-labels " + dir + "/blob_labels.npy");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("on 200 x 6 float32") && Catch::Contains("Wall time:") &&
                           Catch::Contains("n_iter: 399") && Catch::Contains("trustworthiness: 0.9"));
  REQUIRE(last_line(r.output).rfind("kl_divergence: ", 0) == 0);

  // The same run through the library gives the same KL and the same map (stored as float32).
  TSNE tsne(perplexity = 15, learning_rate = 100, random_state = 0, n_iter = 400, init = "random");
  const EmbeddingMatrix Y = tsne.fit_transform(Eigen::MatrixXd(X.topRows(200).cast<double>()));
  CHECK(std::stod(last_line(r.output).substr(15)) == Approx(tsne.kl_divergence_).epsilon(1e-5));
  const Tensor<float> map = load_npy<float>(dir + "/map.npy");
  REQUIRE(map.shape() == Shape{200, 2});
  for (Index i = 0; i < 200; ++i)
    for (Index c = 0; c < 2; ++c) REQUIRE(map[i * 2 + c] == float(Y(i, c)));

  // --evaluate: the KL of a given map under the data's P, with an accurate Z: the fitted map's
  // own KL (Z from the tree) to within a percent; a map that mixes the blobs scores far worse.
  const Run evaluated = run("tsne " + dir + "/blobs.npy --rows 200 --perplexity 15 --evaluate " + dir + "/map.npy");
  INFO(evaluated.output);
  REQUIRE(evaluated.status == 0);
  const double kl_evaluated = std::stod(last_line(evaluated.output).substr(15));
  CHECK(kl_evaluated == Approx(tsne.kl_divergence_).epsilon(0.01));
  const MatF shuffled_map = [&] {
    MatF m(200, 2);
    for (Index i = 0; i < 200; ++i) m.row(i) = Y.row((i * 7) % 200).cast<float>();
    return m;
  }();
  save_npy(dir + "/shuffled_map.npy", shuffled_map.data(), Shape{200, 2});
  const Run worse = run("tsne " + dir + "/blobs.npy --rows 200 --perplexity 15 --evaluate " + dir + "/shuffled_map.npy");
  REQUIRE(worse.status == 0);
  CHECK(std::stod(last_line(worse.output).substr(15)) > kl_evaluated + 1);

  const Run exact = run("tsne " + dir + "/blobs.npy --rows 100 --perplexity 10 --method exact --n-iter 300");
  INFO(exact.output);
  CHECK(exact.status == 0);
  CHECK(last_line(exact.output).rfind("kl_divergence: ", 0) == 0);

  // "auto" runs FFT interpolation for a 1-D map (when this build has FFTW) and says so.
  if (has_fft_tsne) {
    const Run line = run("tsne " + dir + "/blobs.npy --rows 200 --perplexity 15 --method auto --n-components 1 "
                         "--n-iter 300 --true-labels " + dir + "/blob_labels.npy");
    INFO(line.output);
    CHECK(line.status == 0);
    CHECK_THAT(line.output, Catch::Contains("method: fft") && Catch::Contains("trustworthiness: 0."));
  }
}

TEST_CASE("autoenc tsne --reference places new rows into a map", "[cli][tsne][transform]") {
  std::system(("mkdir -p " + dir).c_str());
  const auto blobs = make_blobs(400, 4, 6, 1.0, {-10, 10}, 9);
  const MatF X = blobs.X.cast<float>();
  save_npy(dir + "/ref.npy", X.data(), Shape{300, 6});
  save_npy(dir + "/new.npy", X.data() + 300 * 6, Shape{100, 6});
  const Run fit = run("tsne " + dir + "/ref.npy --perplexity 20 --random-state 1 --neighbors approximate --out " + dir +
                      "/ref_map.npy");
  INFO(fit.output);
  REQUIRE(fit.status == 0);
  const Run placed = run("tsne " + dir + "/new.npy --reference " + dir + "/ref_map.npy --reference-data " + dir +
                         "/ref.npy --out " + dir + "/new_map.npy");
  INFO(placed.output);
  REQUIRE(placed.status == 0);
  CHECK_THAT(placed.output, Catch::Contains("100 new points into a map of 300") && Catch::Contains("perplexity=5"));
  REQUIRE(last_line(placed.output).rfind("kl_divergence: ", 0) == 0);
  // The same placement through the library, from the map as the file stores it.
  const Tensor<float> ref_map = load_npy<float>(dir + "/ref_map.npy");
  EmbeddingMatrix map(300, 2);
  for (Index i = 0; i < 600; ++i) map.data()[i] = ref_map[i];
  TsneTransform place;
  const EmbeddingMatrix Y = place.transform(Eigen::MatrixXd(X.bottomRows(100).cast<double>()),
                                            Eigen::MatrixXd(X.topRows(300).cast<double>()), map);
  const Tensor<float> new_map = load_npy<float>(dir + "/new_map.npy");
  REQUIRE(new_map.shape() == Shape{100, 2});
  for (Index i = 0; i < 100; ++i)
    for (Index c = 0; c < 2; ++c) REQUIRE(new_map[i * 2 + c] == float(Y(i, c)));
  // Each placed row sits by reference rows of its own blob.
  const NeighborGraph nearest = exact_nearest_neighbors(Y, map, 1);
  int right = 0;
  for (Index i = 0; i < 100; ++i)
    right += blobs.labels[std::size_t(300 + i)] == blobs.labels[std::size_t(nearest.neighbors_of(i)[0])];
  CHECK(right >= 98);

  expect_clear_errors(
      {
      {"tsne " + dir + "/new.npy --reference " + dir + "/ref_map.npy", "--reference-data"},
      {"tsne " + dir + "/new.npy --reference " + dir + "/ref_map.npy --reference-data " + dir + "/new.npy",
       "reference map has 300 rows, the reference data 100"},
      {"tsne " + dir + "/new.npy --neighbors annoy", "--neighbors"},
      },
      "tsne", {"--reference", "--reference-data", "--neighbors"});
}

TEST_CASE("autoenc tsne rejects bad input with one clear line and a non-zero exit", "[cli][tsne]") {
  std::system(("mkdir -p " + dir).c_str());
  Tensor<float> small({5, 2}, 1.0f);
  for (Index i = 0; i < 10; ++i) small[i] = float(i * i);
  save_npy(dir + "/small5.npy", small);
  Tensor<double> nan({4, 2}, 1.0);
  nan[3] = std::nan("");
  save_npy(dir + "/nan4.npy", nan);
  expect_clear_errors(
      {
      {"tsne " + dir + "/small5.npy", "perplexity (30) must be less than n_samples (5)"},
      {"tsne " + dir + "/nan4.npy --perplexity 2", "non-finite"},
      {"tsne " + dir + "/small5.npy --perplexity 2 --n-components 4 --init random", "n_components 2 or 3"},
      {"tsne " + dir + "/small5.npy --perplexity 2 --learning-rate fast", "--learning-rate"},
      {"tsne " + dir + "/small5.npy --perplexity 2 --rows 9", "has only 5 rows"},
      {"tsne " + dir + "/small5.npy --perplexity 2 --n-iter 100", "at least 250"},
      {"tsne " + dir + "/small5.npy --perplexity 2 --method fast", "method"},
      {"tsne " + dir + "/small5.npy --perplexity 2 --angle 2", "angle"},
      },
      "tsne",
      {"--perplexity", "--learning-rate", "--random-state", "--method", "--n-iter", "--early-exaggeration", "--angle",
       "--init", "--rows", "--threads", "--out", "--true-labels"});
}
