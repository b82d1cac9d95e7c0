/// @file
/// Data-parallel training over MPI: MpiCommunicator implements Communicator
/// (core/communicator.hpp) on an MPI communicator, and mpi::run wraps a program's main so
/// that an error on any process ends the whole job instead of leaving the others waiting.
///
/// Not part of autoenc.hpp: include it and link the CMake target autoenc::mpi (MPI::MPI_CXX).
///
///     int main(int argc, char** argv) {
///       return autoenc::mpi::run(argc, argv, [&](autoenc::MpiCommunicator& comm) {
///         ... model.fit(x, x, ae::shards = 12, ae::communicator(comm)); ...
///         return 0;
///       });
///     }
///
/// The ordered sum (the shard rule) is a reduce-scatter done by hand: process q owns the slice
/// [q * n / P, (q + 1) * n / P) of the gradient; every process sends slice q of each of its shard
/// gradients to q (MPI_Isend, as soon as the shard is computed, while the next one is: see
/// Communicator::shard_ready); q then holds all S shards of its slice, folds them left to right in
/// shard order, and an MPI_Allgatherv gives every process the whole sum. Each process sends
/// (its shards) x n (P - 1) / P values and then (P - 1) / P n, the volume of a ring allreduce
/// when S = P.
// SPDX-License-Identifier: MIT
#pragma once

#include <mpi.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <ostream>
#include <streambuf>
#include <string>
#include <type_traits>
#include <vector>

#include "../core/error.hpp"
#include "../core/log.hpp"
#include "../core/communicator.hpp"

namespace autoenc {

/// Communicator over an MPI communicator (MPI_COMM_WORLD by default). It counts the bytes it
/// sends and the time it spends in MPI, for measuring a step's communication.
class MpiCommunicator final : public Communicator {
 public:
  /// Uses `comm`, which must stay valid (MPI initialised) as long as this object is used.
  explicit MpiCommunicator(MPI_Comm comm = MPI_COMM_WORLD) : comm_(comm) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  /// The MPI communicator.
  MPI_Comm handle() const { return comm_; }

  void broadcast(float* data, Index n, int root) override { broadcast_impl(data, n, root); }
  void broadcast(double* data, Index n, int root) override { broadcast_impl(data, n, root); }
  void sum_in_shard_order(const float* mine, Index n, const ShardPlan& plan, float* sum) override {
    sum_impl(mine, n, plan, sum);
  }
  void sum_in_shard_order(const double* mine, Index n, const ShardPlan& plan, double* sum) override {
    sum_impl(mine, n, plan, sum);
  }
  void shard_ready(const float* mine, Index n, const ShardPlan& plan, Index k) override { ready_impl(mine, n, plan, k); }
  void shard_ready(const double* mine, Index n, const ShardPlan& plan, Index k) override { ready_impl(mine, n, plan, k); }
  void all_gather(const double* mine, const Index* counts, double* all) override { gather_impl(mine, counts, all); }
  void all_gather(const float* mine, const Index* counts, float* all) override { gather_impl(mine, counts, all); }
  void barrier() override { MPI_Barrier(comm_); }

  /// Bytes this process has handed to MPI so far.
  double bytes_sent() const { return bytes_sent_; }
  /// Seconds this process has spent inside MPI calls so far (waiting for others included).
  double seconds_communicating() const { return seconds_; }
  /// Forgets the counts above.
  void reset_counters() { bytes_sent_ = seconds_ = 0; }

 private:
  template <class T>
  static MPI_Datatype type() {
    return std::is_same<T, float>::value ? MPI_FLOAT : MPI_DOUBLE;
  }
  static int to_int(Index n, const char* what) {
    if (n < 0 || n > INT_MAX)
      throw ConfigError(std::string("MpiCommunicator: ") + what + " of " + std::to_string(n) +
                        " values is more than one MPI call can carry");
    return static_cast<int>(n);
  }
  struct Timed {  // adds the time of one MPI call to the total
    double& total;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    ~Timed() { total += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); }
  };

  template <class T>
  void broadcast_impl(T* data, Index n, int root) {
    Timed timer{seconds_};
    if (rank_ == root) bytes_sent_ += static_cast<double>(n) * sizeof(T) * (size_ - 1);
    MPI_Bcast(data, to_int(n, "a broadcast"), type<T>(), root, comm_);
  }

  template <class T>
  void gather_impl(const T* mine, const Index* counts, T* all) {
    Timed timer{seconds_};
    std::vector<int>&c = gather_counts_, &displ = gather_displ_;
    c.resize(static_cast<std::size_t>(size_));
    displ.resize(static_cast<std::size_t>(size_));
    Index offset = 0;
    for (int p = 0; p < size_; ++p) {
      c[p] = to_int(counts[p], "an all-gather");
      displ[p] = to_int(offset, "an all-gather");
      offset += counts[p];
    }
    bytes_sent_ += static_cast<double>(counts[rank_]) * sizeof(T) * (size_ - 1);
    MPI_Allgatherv(mine, c[rank_], type<T>(), all, c.data(), displ.data(), type<T>(), comm_);
  }

  // The ordered sum in two halves. As soon as one of my shards is ready (ready_impl), its slice q
  // leaves for process q without waiting for the other shards; the receives for my own slice of
  // all S shards were posted with the first. sum_impl sends whatever was not sent yet, waits,
  // folds my slice in shard order and gathers the slices. The fold reads the shards in the
  // order s = 0..S-1 whenever they arrived, so the overlap does not change a bit.
  template <class T>
  void ready_impl(const T* mine, Index n, const ShardPlan& plan, Index k) {
    Timed timer{seconds_};
    if (!exchange_open_) open_exchange<T>(n, plan);
    send_shard(mine, n, k);
    // Open MPI moves large messages only inside MPI calls: give it one while the next shard computes.
    int done = 0;
    MPI_Testall(static_cast<int>(requests_.size()), requests_.data(), &done, MPI_STATUSES_IGNORE);
  }

  template <class T>
  void sum_impl(const T* mine, Index n, const ShardPlan& plan, T* sum) {
    Timed timer{seconds_};
    if (!exchange_open_) open_exchange<T>(n, plan);
    if (n != exchange_n_ || plan.shards != exchange_shards_)
      throw ConfigError("MpiCommunicator: the shards summed are not the shards announced");
    while (shards_sent_ < my_shards_) send_shard(mine, n, shards_sent_);
    MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE);
    exchange_open_ = false;
    // My slice of the sum: the S shards folded in shard order, as every process count folds them.
    const Index my_slice = slice_begin(rank_ + 1, n) - slice_begin(rank_, n);
    T* my_sum = sum + slice_begin(rank_, n);
    detail::fold_in_order(recv_buffer<T>().data(), plan.shards, my_slice, my_slice, my_sum);
    std::vector<int>&counts = send_counts_, &displ = send_displ_;
    counts.resize(static_cast<std::size_t>(size_));
    displ.resize(static_cast<std::size_t>(size_));
    for (int q = 0; q < size_; ++q) {
      counts[q] = to_int(slice_begin(q + 1, n) - slice_begin(q, n), "an all-gather");
      displ[q] = to_int(slice_begin(q, n), "an all-gather");
    }
    bytes_sent_ += static_cast<double>(my_slice) * sizeof(T) * (size_ - 1);
    MPI_Allgatherv(MPI_IN_PLACE, 0, type<T>(), sum, counts.data(), displ.data(), type<T>(), comm_);
  }

  // Process q owns the slice [q n / P, (q + 1) n / P) of the gradient.
  Index slice_begin(int q, Index n) const { return static_cast<Index>(q) * n / size_; }

  // Posts the receives of my slice of every shard computed elsewhere, into recv[s * my_slice, ...).
  template <class T>
  void open_exchange(Index n, const ShardPlan& plan) {
    if (plan.processes != size_)
      throw ConfigError("MpiCommunicator: a shard plan for " + std::to_string(plan.processes) + " processes, the job has " +
                        std::to_string(size_));
    if (plan.shards > INT_MAX / 2) throw ConfigError("MpiCommunicator: too many shards for MPI's message tags");
    exchange_open_ = true;
    exchange_n_ = n;
    exchange_shards_ = plan.shards;
    shards_sent_ = 0;
    my_first_shard_ = plan.shard_begin(rank_);
    my_shards_ = plan.shard_begin(rank_ + 1) - my_first_shard_;
    const Index my_slice = slice_begin(rank_ + 1, n) - slice_begin(rank_, n);
    std::vector<T>& recv = recv_buffer<T>();
    recv.resize(static_cast<std::size_t>(std::max<Index>(plan.shards * my_slice, 1)));  // keeps its capacity
    requests_.clear();  // keeps its capacity too
    int owner = 0;
    for (Index s = 0; s < plan.shards; ++s) {
      while (plan.shard_begin(owner + 1) <= s) ++owner;
      if (owner == rank_) continue;  // my own shards are copied by send_shard
      requests_.emplace_back();
      MPI_Irecv(recv.data() + s * my_slice, to_int(my_slice, "a shard slice"), type<T>(), owner, static_cast<int>(s),
                comm_, &requests_.back());
    }
  }

  // Hands slice q of my k-th shard (at mine + k n) to every process q; my own slice is copied.
  template <class T>
  void send_shard(const T* mine, Index n, Index k) {
    if (k != shards_sent_ || k >= my_shards_)
      throw ConfigError("MpiCommunicator: shard " + std::to_string(k) + " announced out of order");
    const Index s = my_first_shard_ + k;
    const T* shard = mine + k * n;
    for (int q = 0; q < size_; ++q) {
      const Index begin = slice_begin(q, n), len = slice_begin(q + 1, n) - begin;
      if (q == rank_) {
        std::copy(shard + begin, shard + begin + len, recv_buffer<T>().data() + s * len);
        continue;
      }
      requests_.emplace_back();
      MPI_Isend(shard + begin, to_int(len, "a shard slice"), type<T>(), q, static_cast<int>(s), comm_, &requests_.back());
      bytes_sent_ += static_cast<double>(len) * sizeof(T);
    }
    ++shards_sent_;
  }

  // Reused between steps: after the first step the exchange allocates nothing.
  template <class T>
  std::vector<T>& recv_buffer() {
    if constexpr (std::is_same<T, float>::value) return recv_float_; else return recv_double_;
  }

  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
  double bytes_sent_ = 0, seconds_ = 0;
  std::vector<float> recv_float_;
  std::vector<double> recv_double_;
  std::vector<int> send_counts_, send_displ_, gather_counts_, gather_displ_;
  // The exchange of one step's shards, open between the first shard and the sum.
  std::vector<MPI_Request> requests_;
  bool exchange_open_ = false;
  Index exchange_n_ = 0, exchange_shards_ = 0, shards_sent_ = 0, my_first_shard_ = 0, my_shards_ = 0;
};

namespace mpi {

/// True when this process was started by an MPI launcher (mpirun, mpiexec, srun), which sets
/// one of these variables even for a single process.
inline bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}

/// MPI_Init on construction (unless MPI is already initialised), MPI_Finalize on destruction.
/// Processes other than rank 0 send autoenc's log (progress bars, verbose messages) nowhere.
class Session {
 public:
  /// Initialises MPI with main()'s arguments (MPI may remove its own from them).
  Session(int& argc, char**& argv) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      int provided = 0;
      // Only the main thread calls MPI; OpenMP threads compute between the calls.
      MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
      owner_ = true;
    }
    comm_ = std::make_unique<MpiCommunicator>(MPI_COMM_WORLD);
    if (comm_->rank() != 0) quiet_.emplace(null_stream_);
  }
  ~Session() {
    quiet_.reset();
    comm_.reset();
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (owner_ && !finalized) MPI_Finalize();
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// The communicator of every process of the job (MPI_COMM_WORLD).
  MpiCommunicator& world() { return *comm_; }

 private:
  struct NullBuffer : std::streambuf {
    int overflow(int c) override { return c; }
  };
  NullBuffer null_buffer_;
  std::ostream null_stream_{&null_buffer_};
  std::optional<ScopedLogStream> quiet_;
  std::unique_ptr<MpiCommunicator> comm_;
  bool owner_ = false;
};

/// Runs body(world) inside an MPI session and returns its exit code. An exception on any process
/// prints "error (rank r of P): what" to stderr and ends every process of the job with
/// MPI_Abort, so that no process waits forever for one that has failed.
template <class Body>
int run(int& argc, char**& argv, Body&& body) {
  Session session(argc, argv);
  MpiCommunicator& world = session.world();
  try {
    return body(world);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error (rank %d of %d): %s\n", world.rank(), world.size(), e.what());
    std::fflush(stderr);
    if (world.size() > 1) MPI_Abort(MPI_COMM_WORLD, 1);
    return 1;
  }
}

}  // namespace mpi
}  // namespace autoenc
