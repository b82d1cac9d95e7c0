// A small data-parallel training run for the MPI tests (run_mpi_tests.sh, run_mpi_faults.sh):
// trains a small CNN or Dense autoencoder on seeded synthetic images, with or without mpirun,
// and writes what the tests compare byte for byte - the model file, and the evaluate loss and a
// digest of predict's output - or clusters with KMeans. It can also make one process fail.
//
//   mpi_train --out model.bin --report report.txt [--model cnn|dense] [--shards 12] [--epochs 3]
//             [--threads N] [--checkpoint FILE] [--resume FILE]
//             [--fail bad-file|nan|kill --fail-rank R --fail-epoch E]
//   mpi_train --kmeans labels.npy --report report.txt
// SPDX-License-Identifier: MIT
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>

#include <CLI/CLI.hpp>

#include <autoenc/autoenc.hpp>
#include <autoenc/mpi/mpi_communicator.hpp>

namespace ae = autoenc;

namespace {

// 581 images of 8 x 8: with batches of 64 the last batch has 5 samples, fewer than the shards.
constexpr ae::Index kSamples = 581;

ae::Tensor<float> synthetic_images(std::uint64_t seed) {
  ae::Tensor<float> x({kSamples, 8, 8, 1});
  ae::Rng rng(seed);
  for (ae::Index i = 0; i < kSamples; ++i) {
    // A bright bar at a random row and column over faint noise: something to learn.
    const int r = static_cast<int>(rng.uniform() * 8), c = static_cast<int>(rng.uniform() * 8);
    for (int y = 0; y < 8; ++y)
      for (int z = 0; z < 8; ++z)
        x.data()[i * 64 + y * 8 + z] = (y == r || z == c) ? 0.9f : static_cast<float>(0.1 * rng.uniform());
  }
  return x;
}

ae::Sequential<float> make_model(const std::string& kind) {
  using ae::Padding;
  if (kind == "dense")
    return ae::Sequential<float>({8, 8, 1}, ae::Flatten<float>(), ae::Dense<float>(32, "relu"),
                                 ae::Dense<float>(8, "elu"), ae::Dense<float>(64, "sigmoid"),
                                 ae::Reshape<float>({8, 8, 1}));
  return ae::Sequential<float>(
      {8, 8, 1}, ae::Conv2D<float>(4, 3, ae::padding = Padding::same, ae::activation = "relu"),
      ae::Conv2D<float>(8, 2, ae::strides = 2, ae::activation = "elu"), ae::Flatten<float>(),
      ae::Dense<float>(6, "relu"), ae::Dense<float>(128, "relu"), ae::Reshape<float>({4, 4, 8}),
      ae::Conv2DTranspose<float>(1, 2, ae::strides = 2, ae::padding = Padding::same, ae::activation = "sigmoid"));
}

/// FNV-1a over the bytes of a tensor: one number that changes with any bit of predict's output.
std::uint64_t digest(const ae::Tensor<float>& t) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  const auto* p = reinterpret_cast<const unsigned char*>(t.data());
  for (std::size_t i = 0; i < static_cast<std::size_t>(t.size()) * sizeof(float); ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...) {
  char line[256];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(line, sizeof line, fmt, args);
  va_end(args);
  return line;
}

struct Failure : ae::Callback<float> {
  int epoch = -1;
  void on_epoch_end(ae::Model<float>&, const ae::EpochLogs& logs) override {
    if (logs.epoch + 1 == epoch) {
      std::fprintf(stderr, "mpi_train: killing this process (SIGKILL) after epoch %d\n", epoch);
      std::fflush(stderr);
      std::raise(SIGKILL);
    }
  }
};

struct Checkpoint : ae::Callback<float> {
  ae::Sequential<float>* model = nullptr;
  std::string path;
  void on_epoch_end(ae::Model<float>&, const ae::EpochLogs& logs) override {
    if (logs.rank == 0) ae::save_training_state(*model, path, logs.epoch + 1);
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"data-parallel training for the MPI tests"};
  std::string model_kind = "cnn", out, report, checkpoint, resume, fail, kmeans_out;
  int epochs = 3, threads = 1, fail_rank = 1, fail_epoch = 2;
  ae::Index shards = 12;
  app.add_option("--model", model_kind)->check(CLI::IsMember({"cnn", "dense"}));
  app.add_option("--out", out, "the trained model file (rank 0)");
  app.add_option("--report", report, "evaluate's loss and predict's digest (rank 0)");
  app.add_option("--epochs", epochs);
  app.add_option("--shards", shards);
  app.add_option("--threads", threads);
  app.add_option("--checkpoint", checkpoint);
  app.add_option("--resume", resume);
  app.add_option("--fail", fail)->check(CLI::IsMember({"bad-file", "nan", "kill"}));
  app.add_option("--fail-rank", fail_rank);
  app.add_option("--fail-epoch", fail_epoch);
  app.add_option("--kmeans", kmeans_out, "cluster instead of training; the labels (rank 0)");
  CLI11_PARSE(app, argc, argv);

  return ae::mpi::run(argc, argv, [&](ae::MpiCommunicator& comm) {
    ae::set_num_threads(threads);
    const bool failing = !fail.empty() && comm.rank() == fail_rank;
    ae::Tensor<float> x = synthetic_images(7);
    if (failing && fail == "bad-file") x = ae::load_npy<float>("/nonexistent/mpi_train_input.npy");
    if (failing && fail == "nan") std::fill(x.data(), x.data() + x.size(), std::nanf(""));

    if (!kmeans_out.empty()) {
      ae::KMeansOptions<float> options;
      options.n_clusters = 9;
      options.n_init = 3;
      options.random_state = 5;
      options.communicator = &comm;
      ae::KMeans<float> km(options);
      km.fit(Eigen::Map<const ae::KMeans<float>::Matrix>(x.data(), kSamples, 64));
      if (comm.rank() == 0) {
        ae::save_npy(kmeans_out, km.labels_);
        ae::write_file_atomically(report, format("inertia %.17g n_iter %d centre0 %.9g\n", km.inertia_, km.n_iter_,
                                                     double(km.cluster_centers_(0, 0))));
      }
      return 0;
    }

    auto model = make_model(model_kind);
    model.build(3);
    model.compile(ae::Adam<float>(), "binary_crossentropy");
    ae::FitOptions<float> options;
    options.epochs = epochs;
    options.batch_size = 64;
    options.seed = 11;
    options.verbose = ae::Verbosity::silent;
    options.validation_split = 0.1;  // val_loss: a distributed evaluate after every epoch
    options.shards = shards;
    options.communicator = &comm;
    if (!resume.empty()) options.initial_epoch = ae::load_training_state(model, resume);
    Checkpoint keep;
    keep.model = &model;
    keep.path = checkpoint;
    if (!checkpoint.empty()) options.callbacks.push_back(&keep);
    Failure kill;
    if (failing && fail == "kill") {
      kill.epoch = fail_epoch;
      options.callbacks.push_back(&kill);
    }
    const ae::History history = model.fit(x, x, options);

    ae::EvaluateOptions batches;
    batches.batch_size = 50;
    batches.verbose = ae::Verbosity::silent;
    batches.communicator = &comm;
    const double loss = model.evaluate(x, x, batches);
    const ae::Tensor<float> y = model.predict(x, batches);
    if (comm.rank() == 0) {
      if (!out.empty()) model.save(out);
      std::string text = format("evaluate %.17g predict %016llx\n", loss, static_cast<unsigned long long>(digest(y)));
      for (std::size_t e = 0; e < history.loss.size(); ++e)
        text += format("loss %.17g val_loss %.17g\n", history.loss[e], history.val_loss[e]);
      if (!report.empty()) ae::write_file_atomically(report, text);
      std::printf("%s", text.c_str());
    }
    return 0;
  });
}
