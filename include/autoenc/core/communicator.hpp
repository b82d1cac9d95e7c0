/// @file
/// Data-parallel training without MPI in the core: the Communicator interface that fit talks
/// through, the single-process LocalCommunicator, and the rule that makes a data-parallel step
/// give the same bits on any number of processes.
///
/// **The shard rule.** Every batch of `count` samples is cut into a fixed number S of shards,
/// chosen by the user and independent of the number of processes P:
///
///     shard s holds samples [s * count / S, (s + 1) * count / S)      (integer division)
///     process p computes shards [p * S / P, (p + 1) * S / P)
///
/// Each shard's gradient g_s is the gradient of the shard's mean loss, weighted by its share
/// w_s = n_s / count of the batch; the batch gradient is the left fold in shard order,
///
///     g = (((w_0 g_0 + w_1 g_1) + w_2 g_2) + ... + w_{S-1} g_{S-1}),
///
/// added element by element. A shard's gradient does not depend on who computes it (the layers
/// are bit-identical for any thread count), and the fold's order does not depend on P, so every
/// process, for every P, ends the step with the same bits. MPI_Allreduce promises no summation
/// order, which is why the fold is done by hand (mpi/mpi_communicator.hpp).
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "config.hpp"
#include "error.hpp"
#include "named_args.hpp"
#include "parallel.hpp"

namespace autoenc {

/// Which samples of a batch and which shards belong where (the shard rule above).
struct ShardPlan {
  Index batch = 0;   ///< samples in the batch
  Index shards = 1;  ///< S, fixed by the user
  int processes = 1; ///< P

  /// First sample of shard s (s = shards gives the batch size).
  Index sample_begin(Index s) const { return s * batch / shards; }
  /// Samples in shard s (may be 0 when the batch has fewer samples than shards).
  Index samples(Index s) const { return sample_begin(s + 1) - sample_begin(s); }
  /// First shard of process p (p = processes gives S).
  Index shard_begin(int p) const { return static_cast<Index>(p) * shards / processes; }
};

/// How the processes of a data-parallel run talk to each other. fit, evaluate and predict use
/// only these calls; LocalCommunicator is the one-process case, MpiCommunicator
/// (autoenc/mpi/mpi_communicator.hpp, target autoenc::mpi) the MPI one.
class Communicator {
 public:
  virtual ~Communicator() = default;
  /// This process's number, 0 .. size() - 1; process 0 prints and writes files.
  virtual int rank() const = 0;
  /// The number of processes.
  virtual int size() const = 0;

  /// Copies n values from process `root` to every process.
  virtual void broadcast(float* data, Index n, int root) = 0;
  /// Copies n values from process `root` to every process.
  virtual void broadcast(double* data, Index n, int root) = 0;

  /// The ordered sum of the shard rule. `mine` holds this process's shards
  /// [plan.shard_begin(rank), plan.shard_begin(rank + 1)), n values each, back to back; every
  /// process receives in `sum` (n values) the left fold of all S shards in shard order.
  virtual void sum_in_shard_order(const float* mine, Index n, const ShardPlan& plan, float* sum) = 0;
  /// The same for double.
  virtual void sum_in_shard_order(const double* mine, Index n, const ShardPlan& plan, double* sum) = 0;

  /// Optional overlap: called after this process's k-th shard (counted from 0 among its own)
  /// has been written to mine + k * n, while the next shard is computed; the same `mine`, n and
  /// plan then go to sum_in_shard_order. An MPI communicator starts sending that shard here.
  virtual void shard_ready(const float* /*mine*/, Index /*n*/, const ShardPlan& /*plan*/, Index /*k*/) {}
  /// The same for double.
  virtual void shard_ready(const double* /*mine*/, Index /*n*/, const ShardPlan& /*plan*/, Index /*k*/) {}

  /// Concatenates every process's values in rank order: `mine` has counts[rank()] values, `all`
  /// receives sum(counts) values on every process.
  virtual void all_gather(const double* mine, const Index* counts, double* all) = 0;
  /// The same for float.
  virtual void all_gather(const float* mine, const Index* counts, float* all) = 0;

  /// Blocks until every process has reached the same call.
  virtual void barrier() = 0;
};

/// One process: the shard rule computed locally. Training with a LocalCommunicator and S shards
/// gives the same bits as S shards over any number of MPI processes.
class LocalCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void broadcast(float*, Index, int) override {}
  void broadcast(double*, Index, int) override {}
  void sum_in_shard_order(const float* mine, Index n, const ShardPlan& plan, float* sum) override;
  void sum_in_shard_order(const double* mine, Index n, const ShardPlan& plan, double* sum) override;
  void all_gather(const double* mine, const Index* counts, double* all) override {
    std::copy(mine, mine + counts[0], all);
  }
  void all_gather(const float* mine, const Index* counts, float* all) override {
    std::copy(mine, mine + counts[0], all);
  }
  void barrier() override {}
};

struct CommunicatorTag;
/// ae::communicator(comm): train, evaluate, predict (Sequential) or cluster (KMeans) together
/// with the other processes of `comm` (an MpiCommunicator); comm must outlive the call.
inline NamedArg<CommunicatorTag, Communicator*> communicator(Communicator& comm) { return {&comm}; }

namespace detail {

/// sum = shards[0] + shards[1] + ... + shards[count - 1], left to right, element by element,
/// where shard k is the n values at shards + k * stride. Every process folds the same way, so
/// the bits depend only on the shards' values and their order (the chunks split the elements,
/// never the fold).
template <class T>
void fold_in_order(const T* shards, Index count, Index n, Index stride, T* sum) {
  parallel_for_range(n, 16384, [&](Index i0, Index i1) {
    if (count == 0) {
      std::fill(sum + i0, sum + i1, T(0));
      return;
    }
    std::memcpy(sum + i0, shards + i0, static_cast<std::size_t>(i1 - i0) * sizeof(T));
    for (Index k = 1; k < count; ++k) {
      const T* g = shards + k * stride;
      for (Index i = i0; i < i1; ++i) sum[i] = sum[i] + g[i];
    }
  }, n * count > 65536);
}

}  // namespace detail

inline void LocalCommunicator::sum_in_shard_order(const float* mine, Index n, const ShardPlan& plan, float* sum) {
  detail::fold_in_order(mine, plan.shards, n, n, sum);
}
inline void LocalCommunicator::sum_in_shard_order(const double* mine, Index n, const ShardPlan& plan, double* sum) {
  detail::fold_in_order(mine, plan.shards, n, n, sum);
}

}  // namespace autoenc
