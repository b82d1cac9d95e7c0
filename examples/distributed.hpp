// How the training examples run data-parallel under mpirun (when built with autoenc::mpi):
//
//   mpirun -np 2 build/examples/ch9_2_cnn_autoencoder --epochs 2 --save model.bin
//
// Every process loads the data and holds the model; each batch is cut into --shards shards
// (12 by default under mpirun) that the processes share, and the shard gradients are added in a
// fixed order, so the saved model has the same bytes for any number of processes, and the same
// as one process run with the same --shards. Without mpirun and without --shards, training uses
// whole batches, as the chapter's numbers were made. Only rank 0 prints and writes files.
//
//   --checkpoint FILE   after every epoch, save weights + optimizer state (atomic, rank 0)
//   --resume FILE       continue from such a file (same result as a run never interrupted)
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include <autoenc/autoenc.hpp>

#ifdef AUTOENC_HAS_MPI
#include <autoenc/mpi/mpi_communicator.hpp>
#endif

namespace chapter {

/// Shards used under mpirun when --shards is not given: 12 splits evenly over 1, 2, 3 or 4
/// processes.
constexpr autoenc::Index kDefaultShardsUnderMpi = 12;

struct DistributedFlags {
  autoenc::Index shards = 0;
  std::string checkpoint_path, resume_path;

  void add_to(CLI::App& app) {
    app.add_option("--shards", shards,
                   "cut every batch into N shards whose gradients are added in a fixed order, so the result does "
                   "not depend on the number of processes (default: whole batches; 12 under mpirun, e.g. "
                   "'mpirun -np 2 <program> ...', which this program supports when built with MPI)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--checkpoint", checkpoint_path,
                   "after every epoch, save the weights and the optimizer's state to this file (atomically)");
    app.add_option("--resume", resume_path, "continue training from a --checkpoint file");
  }
};

/// The processes of this run: one, or all of an MPI job when the program was started by mpirun.
class Processes {
 public:
  Processes(int& argc, char**& argv) {
#ifdef AUTOENC_HAS_MPI
    if (autoenc::mpi::launched_by_mpi()) session_ = std::make_unique<autoenc::mpi::Session>(argc, argv);
    // Rank 0 prints; the others' standard output goes nowhere (errors still reach stderr).
    if (rank() != 0 && !std::freopen("/dev/null", "w", stdout)) std::fprintf(stderr, "cannot silence rank %d\n", rank());
#else
    (void)argc;
    (void)argv;
#endif
  }

  /// The communicator to train with, or null for one process started without mpirun.
  autoenc::Communicator* communicator() {
#ifdef AUTOENC_HAS_MPI
    if (session_) return &session_->world();
#endif
    return nullptr;
  }
  int rank() { return communicator() ? communicator()->rank() : 0; }
  int size() { return communicator() ? communicator()->size() : 1; }
  /// Rank 0 prints results and writes files.
  bool is_root() { return rank() == 0; }

  /// evaluate's and predict's options: batches of batch_size shared by the processes.
  autoenc::EvaluateOptions batches(autoenc::Index batch_size, autoenc::Verbosity verbose) {
    autoenc::EvaluateOptions options;
    options.batch_size = batch_size;
    options.verbose = verbose;
    options.communicator = communicator();
    return options;
  }

  /// Starts counting what this process sends (MpiCommunicator's counters).
  void start_counting() {
#ifdef AUTOENC_HAS_MPI
    if (session_) session_->world().reset_counters();
#endif
  }
  /// "communication per step: ..." for `steps` training steps that took `seconds`, or "" alone.
  std::string communication_report(autoenc::Index steps, double seconds) {
#ifdef AUTOENC_HAS_MPI
    if (session_ && steps > 0) {
      const auto& w = session_->world();
      char line[200];
      std::snprintf(line, sizeof line,
                    "communication per step (rank 0): %.2f MB sent, %.2f ms in MPI (%.1f%% of the step's %.1f ms)\n",
                    w.bytes_sent() / steps / 1e6, 1e3 * w.seconds_communicating() / steps,
                    100 * w.seconds_communicating() / seconds, 1e3 * seconds / steps);
      return line;
    }
#endif
    (void)steps;
    (void)seconds;
    return "";
  }

  /// The shards to train with: --shards, else 12 under mpirun, else 0 (whole batches).
  autoenc::Index shards(const DistributedFlags& flags) {
    if (flags.shards > 0) return flags.shards;
    return communicator() ? kDefaultShardsUnderMpi : 0;
  }

  /// Reports an error and returns the exit code. With several processes the whole job ends here
  /// (MPI_Abort): the others would otherwise wait forever for this one.
  int fail(const std::string& message) {
    if (size() > 1) {
      std::fprintf(stderr, "error (rank %d of %d): %s\n", rank(), size(), message.c_str());
      std::fflush(stderr);
#ifdef AUTOENC_HAS_MPI
      MPI_Abort(MPI_COMM_WORLD, 1);
#endif
    }
    std::fprintf(stderr, "error: %s\n", message.c_str());
    return 1;
  }

 private:
#ifdef AUTOENC_HAS_MPI
  std::unique_ptr<autoenc::mpi::Session> session_;
#endif
};

/// After every epoch, the weights and the optimizer's state (save_training_state), on rank 0.
class CheckpointEveryEpoch : public autoenc::Callback<float> {
 public:
  CheckpointEveryEpoch(autoenc::Sequential<float>& model, std::string path) : model_(model), path_(std::move(path)) {}
  void on_epoch_end(autoenc::Model<float>&, const autoenc::EpochLogs& logs) override {
    if (logs.rank == 0) autoenc::save_training_state(model_, path_, logs.epoch + 1);
  }

 private:
  autoenc::Sequential<float>& model_;
  std::string path_;
};

}  // namespace chapter
