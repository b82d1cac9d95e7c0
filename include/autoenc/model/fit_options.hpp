/// @file
/// What fit, evaluate and predict take besides the data, as named arguments with Keras's names
/// and defaults,
///
///     model.fit(x, x, ae::epochs = 10, ae::batch_size = 256, ae::verbose = 2);
///     model.fit(x, x, 10, 256);                                    // the short form
///
/// or as a FitOptions struct with the same fields.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <vector>

#include "../core/config.hpp"
#include "../core/common_args.hpp"
#include "../core/communicator.hpp"
#include "../core/named_args.hpp"
#include "../core/tensor.hpp"

namespace autoenc {

struct EpochsTag;
struct BatchSizeTag;
struct ShuffleTag;
struct SeedTag;
struct ValidationDataTag;
struct ValidationSplitTag;
struct CallbacksTag;
struct InitialEpochTag;
struct ShardsTag;

template <class T>
class Callback;
/// The callbacks fit runs, made by ae::callbacks(...) (model/callbacks.hpp).
template <class T>
struct CallbackList {
  std::vector<Callback<T>*> items;  ///< not owned: each outlives the call to fit
};

/// ae::epochs = 10: passes over the training data.
inline constexpr ArgName<EpochsTag, int> epochs{};
/// ae::batch_size = 256: samples per step.
inline constexpr ArgName<BatchSizeTag, Index> batch_size{};
/// ae::shuffle = false: keep the samples' order (Keras shuffles every epoch by default).
inline constexpr ArgName<ShuffleTag, bool> shuffle{};
/// ae::seed = 42: the seed of the initial weights (build) or of the shuffling (fit).
inline constexpr ArgName<SeedTag, std::uint64_t> seed{};
/// ae::validation_split = 0.1: hold out the last 10% of the samples (before shuffling) and
/// report the loss on them after each epoch.
inline constexpr ArgName<ValidationSplitTag, double> validation_split{};

/// ae::initial_epoch = 3: start at epoch 3 (counted from 0), as when resuming from a checkpoint
/// written after 3 epochs; the shuffling then continues as if epochs 0-2 had run.
inline constexpr ArgName<InitialEpochTag, int> initial_epoch{};
/// ae::shards = 12: data-parallel steps (core/communicator.hpp): every batch is cut into 12
/// shards whose gradients are summed in a fixed order, so that training gives the same bits on
/// 1 process or many. 0 (the default) trains on whole batches.
inline constexpr ArgName<ShardsTag, Index> shards{};

/// Data to report a validation loss on after each epoch (not trained on).
template <class T>
struct ValidationData {
  const Tensor<T>* x = nullptr;  ///< the inputs (Keras's x_val); not owned
  const Tensor<T>* y = nullptr;  ///< the targets (y_val); not owned
};
/// ae::validation_data(x_val, y_val): both tensors must outlive the call to fit.
template <class T>
NamedArg<ValidationDataTag, ValidationData<T>> validation_data(const Tensor<T>& x, const Tensor<T>& y) {
  return {{&x, &y}};
}

/// fit's settings, with Keras's defaults.
template <class T>
struct FitOptions {
  int epochs = 1;                               ///< passes over the training data
  Index batch_size = 32;                        ///< samples per step (the last batch may be smaller)
  bool shuffle = true;                          ///< a new order of the samples every epoch
  std::uint64_t seed = 0;                       ///< seed of the shuffling
  Verbosity verbose = Verbosity::progress_bar;  ///< what fit prints
  ValidationData<T> validation_data;            ///< data for val_loss; none by default
  double validation_split = 0;                  ///< fraction of the samples held out for val_loss
  std::vector<Callback<T>*> callbacks;  ///< run after every epoch, in order (not owned)
  int initial_epoch = 0;                ///< the first epoch to run (Keras's initial_epoch)
  Index shards = 0;                     ///< shards per batch for data-parallel steps; 0: whole batches
  Communicator* communicator = nullptr; ///< the processes to train with; none: this process alone

  void set(NamedArg<EpochsTag, int> a) { epochs = a.value; }                                  ///< ae::epochs
  void set(NamedArg<BatchSizeTag, Index> a) { batch_size = a.value; }                         ///< ae::batch_size
  void set(NamedArg<ShuffleTag, bool> a) { shuffle = a.value; }                               ///< ae::shuffle
  void set(NamedArg<SeedTag, std::uint64_t> a) { seed = a.value; }                            ///< ae::seed
  void set(NamedArg<VerboseTag, VerboseSpec> a) { verbose = a.value.verbosity(); }            ///< ae::verbose
  void set(NamedArg<ValidationDataTag, ValidationData<T>> a) { validation_data = a.value; }  ///< ae::validation_data
  void set(NamedArg<ValidationSplitTag, double> a) { validation_split = a.value; }           ///< ae::validation_split
  void set(NamedArg<InitialEpochTag, int> a) { initial_epoch = a.value; }                  ///< ae::initial_epoch
  void set(NamedArg<ShardsTag, Index> a) { shards = a.value; }                              ///< ae::shards
  void set(NamedArg<CommunicatorTag, Communicator*> a) { communicator = a.value; }         ///< ae::communicator
  /// ae::callbacks(...): appended to those already given.
  void set(NamedArg<CallbacksTag, CallbackList<T>> a) {
    callbacks.insert(callbacks.end(), a.value.items.begin(), a.value.items.end());
  }
};

/// evaluate's and predict's settings.
struct EvaluateOptions {
  Index batch_size = 32;                        ///< samples per forward pass
  Verbosity verbose = Verbosity::progress_bar;  ///< what evaluate or predict prints
  Communicator* communicator = nullptr;         ///< processes that share the batches; none: this one

  void set(NamedArg<BatchSizeTag, Index> a) { batch_size = a.value; }               ///< ae::batch_size
  void set(NamedArg<CommunicatorTag, Communicator*> a) { communicator = a.value; }  ///< ae::communicator
  void set(NamedArg<VerboseTag, VerboseSpec> a) { verbose = a.value.verbosity(); }  ///< ae::verbose
};

}  // namespace autoenc
