/// @file
/// Callbacks: code that fit runs at the end of every epoch, as Keras's callbacks=[...].
///
///     ae::EarlyStopping early(ae::monitor = "val_loss", ae::patience = 3, ae::restore_best_weights = true);
///     ae::ModelCheckpoint best("best.model", ae::save_best_only = true);
///     model.fit(x, x, ae::epochs = 50, ae::validation_split = 0.1, ae::callbacks(early, best));
///
/// A callback of your own derives from `Callback<T>` (or wraps a lambda in LambdaCallback) and can
/// stop training with model.stop_training().
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/common_args.hpp"
#include "../core/config.hpp"
#include "../core/error.hpp"
#include "../core/log.hpp"
#include "../core/named_args.hpp"
#include "fit_options.hpp"
#include "model.hpp"

namespace autoenc {

/// What fit tells the callbacks after each epoch (Keras's `epoch` and `logs`).
struct EpochLogs {
  int epoch = 0;  ///< 0 for the first epoch, as Keras counts
  double loss = 0;  ///< the epoch's mean training loss
  double val_loss = std::numeric_limits<double>::quiet_NaN();  ///< NaN without validation data
  double seconds = 0;  ///< how long the epoch took
  int rank = 0;        ///< this process's rank in a data-parallel fit: only rank 0 writes files

  /// The value called `name`: "loss" or "val_loss". Throws ConfigError for any other name, and
  /// for "val_loss" when fit has no validation data.
  double get(const std::string& name, const std::string& who) const {
    if (name == "loss") return loss;
    if (name == "val_loss") {
      if (std::isnan(val_loss))
        throw ConfigError(who + ": monitor 'val_loss' needs validation data; give fit validation_data or "
                                "validation_split, or monitor 'loss'");
      return val_loss;
    }
    throw ConfigError(who + ": unknown monitor '" + name + "' (use 'loss' or 'val_loss')");
  }
};

/// The base of every callback: each hook does nothing unless overridden.
template <class T = DefaultScalar>
class Callback {
 public:
  using Scalar = T;  ///< the scalar type of the models it watches
  virtual ~Callback() = default;
  /// Before the first epoch.
  virtual void on_train_begin(Model<T>& /*model*/) {}
  /// After each epoch, with its losses; call model.stop_training() to end training here.
  virtual void on_epoch_end(Model<T>& /*model*/, const EpochLogs& /*logs*/) {}
  /// After the last epoch (also after a stop).
  virtual void on_train_end(Model<T>& /*model*/) {}
};

struct MonitorTag;
struct MinDeltaTag;
struct PatienceTag;
struct RestoreBestWeightsTag;
struct SaveBestOnlyTag;
/// ae::monitor = "loss": the quantity a callback watches ("val_loss" by default, as Keras).
inline constexpr ArgName<MonitorTag, std::string> monitor{};
/// ae::min_delta = 1e-4: a smaller decrease of the monitored loss is no improvement.
inline constexpr ArgName<MinDeltaTag, double> min_delta{};
/// ae::patience = 3: epochs without improvement before EarlyStopping stops training.
inline constexpr ArgName<PatienceTag, int> patience{};
/// ae::restore_best_weights = true: EarlyStopping leaves the model with its best epoch's weights.
inline constexpr ArgName<RestoreBestWeightsTag, bool> restore_best_weights{};
/// ae::save_best_only = true: ModelCheckpoint saves only when the monitored loss improves.
inline constexpr ArgName<SaveBestOnlyTag, bool> save_best_only{};

/// Keras's EarlyStopping: stops fit when the monitored loss has not improved (decreased by more
/// than min_delta) for `patience` epochs. With restore_best_weights the model ends with the
/// weights of its best epoch (Keras 3's behaviour: whether training stopped early or ran all its
/// epochs). Its settings are public fields and named arguments.
template <class T = DefaultScalar>
class EarlyStopping : public Callback<T> {
 public:
  std::string monitor = "val_loss";   ///< "loss" or "val_loss"
  double min_delta = 0;               ///< smallest decrease that counts as an improvement
  int patience = 0;                   ///< epochs without improvement before stopping
  bool restore_best_weights = false;  ///< end with the best epoch's weights
  Verbosity verbose = Verbosity::silent;  ///< say when and why training stopped

  /// EarlyStopping(ae::monitor = "loss", ae::patience = 5, ...).
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  explicit EarlyStopping(Args&&... args) {
    (set(std::forward<Args>(args)), ...);
    if (patience < 0) throw ConfigError("EarlyStopping: patience must be >= 0, got " + std::to_string(patience));
    if (!(min_delta >= 0)) throw ConfigError("EarlyStopping: min_delta must be >= 0");
  }

  /// The epoch (0-based) after which training was stopped; -1 if it was not.
  int stopped_epoch() const { return stopped_epoch_; }
  /// The epoch (0-based) with the lowest monitored value so far.
  int best_epoch() const { return best_epoch_; }
  /// That lowest value.
  double best() const { return best_; }

  /// Forgets the previous fit: no best value, no stop, no kept weights.
  void on_train_begin(Model<T>& /*model*/) override {
    wait_ = 0;
    stopped_epoch_ = -1;
    best_epoch_ = 0;
    best_ = std::numeric_limits<double>::infinity();
    best_weights_.clear();
  }

  /// Keeps the epoch if it improved on the best (and its weights, with restore_best_weights);
  /// otherwise stops training once `patience` epochs have passed without an improvement.
  void on_epoch_end(Model<T>& model, const EpochLogs& logs) override {
    const double current = logs.get(monitor, "EarlyStopping");
    ++wait_;
    if (current + min_delta < best_) {  // Keras: monitor_op(current - min_delta, best), mode min
      best_ = current;
      best_epoch_ = logs.epoch;
      wait_ = 0;
      if (restore_best_weights) best_weights_ = model.get_weights();
      return;
    }
    if (wait_ >= patience && logs.epoch > 0) {
      stopped_epoch_ = logs.epoch;
      model.stop_training();
      if (verbose != Verbosity::silent)
        log_printf("Epoch %d: early stopping\n", stopped_epoch_ + 1);
    }
  }

  /// With restore_best_weights, puts the best epoch's weights back into the model.
  void on_train_end(Model<T>& model) override {
    if (!restore_best_weights || best_weights_.empty()) return;
    if (verbose != Verbosity::silent)
      log_printf("Restoring model weights from the end of the best epoch: %d.\n", best_epoch_ + 1);
    model.set_weights(best_weights_);
  }

 private:
  void set(NamedArg<MonitorTag, std::string> a) { monitor = a.value; }
  void set(NamedArg<MinDeltaTag, double> a) { min_delta = std::abs(a.value); }
  void set(NamedArg<PatienceTag, int> a) { patience = a.value; }
  void set(NamedArg<RestoreBestWeightsTag, bool> a) { restore_best_weights = a.value; }
  void set(NamedArg<VerboseTag, VerboseSpec> a) { verbose = a.value.verbosity(); }

  int wait_ = 0, stopped_epoch_ = -1, best_epoch_ = 0;
  double best_ = std::numeric_limits<double>::infinity();
  std::vector<Tensor<T>> best_weights_;
};

/// Keras's ModelCheckpoint: saves the model (model.save, atomic) at the end of every epoch, or,
/// with save_best_only, only when the monitored loss is the lowest so far. In the path,
/// "{epoch}" (or "{epoch:02d}") becomes the epoch's number, counted from 1 as Keras prints it.
template <class T = DefaultScalar>
class ModelCheckpoint : public Callback<T> {
 public:
  std::string path;                   ///< where to save, with an optional {epoch} field
  std::string monitor = "val_loss";   ///< "loss" or "val_loss"
  bool save_best_only = false;        ///< save only on improvement
  Verbosity verbose = Verbosity::silent;  ///< say what was saved

  /// ModelCheckpoint("best.model", ae::save_best_only = true, ae::monitor = "loss").
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  explicit ModelCheckpoint(std::string file_path, Args&&... args) : path(std::move(file_path)) {
    if (path.empty()) throw ConfigError("ModelCheckpoint: the path is empty");
    (set(std::forward<Args>(args)), ...);
  }

  /// The path of the last file written, empty if none was.
  const std::string& last_saved() const { return last_saved_; }
  /// The lowest monitored value seen (save_best_only).
  double best() const { return best_; }

  /// Forgets the best value of a previous fit.
  void on_train_begin(Model<T>& /*model*/) override { best_ = std::numeric_limits<double>::infinity(); }

  /// Saves the model to path_for_epoch(epoch + 1), or, with save_best_only, only when the
  /// monitored loss is lower than every one before.
  /// In a data-parallel fit every process keeps the same record, and only rank 0 writes and speaks.
  void on_epoch_end(Model<T>& model, const EpochLogs& logs) override {
    const std::string file = path_for_epoch(logs.epoch + 1);
    const bool speaks = verbose != Verbosity::silent && logs.rank == 0;
    if (save_best_only) {
      const double current = logs.get(monitor, "ModelCheckpoint");
      if (!(current < best_)) {
        if (speaks)
          log_printf("Epoch %d: %s did not improve from %.5f\n", logs.epoch + 1, monitor.c_str(), best_);
        return;
      }
      if (speaks)
        log_printf("Epoch %d: %s improved from %.5f to %.5f, saving model to %s\n", logs.epoch + 1, monitor.c_str(),
                   best_, current, file.c_str());
      best_ = current;
    } else if (speaks) {
      log_printf("Epoch %d: saving model to %s\n", logs.epoch + 1, file.c_str());
    }
    if (logs.rank == 0) model.save(file);
    last_saved_ = file;
  }

  /// The path with "{epoch}" / "{epoch:0Nd}" replaced by `epoch`.
  std::string path_for_epoch(int epoch) const {
    std::string out;
    for (std::size_t i = 0; i < path.size();) {
      if (path.compare(i, 6, "{epoch") == 0) {
        const std::size_t close = path.find('}', i);
        if (close == std::string::npos) throw ConfigError("ModelCheckpoint: unclosed '{epoch' in " + path);
        const std::string spec = path.substr(i + 6, close - i - 6);  // "" or ":02d"
        int width = 0;
        if (!spec.empty() && std::sscanf(spec.c_str(), ":0%dd", &width) != 1)
          throw ConfigError("ModelCheckpoint: unsupported field '{epoch" + spec + "}' (use {epoch} or {epoch:02d})");
        char digits[32];
        std::snprintf(digits, sizeof digits, "%0*d", width, epoch);
        out += digits;
        i = close + 1;
      } else {
        out += path[i++];
      }
    }
    return out;
  }

 private:
  void set(NamedArg<MonitorTag, std::string> a) { monitor = a.value; }
  void set(NamedArg<SaveBestOnlyTag, bool> a) { save_best_only = a.value; }
  void set(NamedArg<VerboseTag, VerboseSpec> a) { verbose = a.value.verbosity(); }

  double best_ = std::numeric_limits<double>::infinity();
  std::string last_saved_;
};

/// A callback from a function called at each epoch's end (Keras's LambdaCallback):
///
///     ae::LambdaCallback<float> stop_at([](ae::Model<float>& m, const ae::EpochLogs& logs) {
///       if (logs.loss < 0.01) m.stop_training();
///     });
template <class T = DefaultScalar>
class LambdaCallback : public Callback<T> {
 public:
  /// The function fit calls after every epoch.
  using EpochEnd = std::function<void(Model<T>&, const EpochLogs&)>;
  /// Wraps `on_epoch_end` (ConfigError if it is empty).
  explicit LambdaCallback(EpochEnd on_epoch_end) : on_epoch_end_(std::move(on_epoch_end)) {
    if (!on_epoch_end_) throw ConfigError("LambdaCallback: the function is empty");
  }
  /// Calls the function with the model and the epoch's logs.
  void on_epoch_end(Model<T>& model, const EpochLogs& logs) override { on_epoch_end_(model, logs); }

 private:
  EpochEnd on_epoch_end_;
};

/// ae::callbacks(early, checkpoint, ...): the callbacks fit runs, in order. They are held by
/// reference: each must outlive the call to fit (a temporary written inside the fit call does).
template <class First, class... Rest>
NamedArg<CallbacksTag, CallbackList<typename std::decay_t<First>::Scalar>> callbacks(First&& first, Rest&&... rest) {
  using T = typename std::decay_t<First>::Scalar;
  static_assert(std::is_base_of<Callback<T>, std::decay_t<First>>::value &&
                    (std::is_base_of<Callback<T>, std::decay_t<Rest>>::value && ...),
                "ae::callbacks takes callbacks of one scalar type (Callback<float> or Callback<double>)");
  CallbackList<T> list;
  list.items = {static_cast<Callback<T>*>(&first), static_cast<Callback<T>*>(&rest)...};  // not const: they update
  return {std::move(list)};
}

}  // namespace autoenc
