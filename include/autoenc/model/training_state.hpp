/// @file
/// Training checkpoints: everything needed to resume fit with the same bits as a run that was
/// never interrupted - the weights, the optimizer's state and the number of epochs done.
///
///     ae::save_training_state(model, "run.ckpt", epochs_done);      // atomic
///     ...
///     const int done = ae::load_training_state(model, "run.ckpt");  // model compiled as before
///     model.fit(x, x, ae::epochs = 10, ae::initial_epoch = done, ...);
///
/// The file is a model file (docs/format.md) whose architecture text ends with one more line,
/// `training epoch=E optimizer=Adam steps=T values=K`, and whose parameter array holds the
/// model's parameters followed by the optimizer's K state values (Adam: m, then v). load_weights
/// refuses it (the architecture differs); load_training_state reads it.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../io/atomic_file.hpp"
#include "sequential.hpp"
#include "serialize.hpp"

namespace autoenc {

/// Writes `model`'s weights, state and optimizer state, and `epochs_done`, to `path` atomically.
/// The model must be compiled.
template <class T>
void save_training_state(const Sequential<T>& model, const std::string& path, int epochs_done) {
  if (!model.optimizer()) throw ConfigError("save_training_state: the model is not compiled");
  if (epochs_done < 0) throw ConfigError("save_training_state: epochs_done must be >= 0");
  const Optimizer<T>& opt = *model.optimizer();
  const std::vector<T> values = opt.state_values();
  const std::string arch = model_architecture(model) + "training epoch=" + std::to_string(epochs_done) +
                           " optimizer=" + opt.name() + " steps=" + std::to_string(opt.steps_taken()) +
                           " values=" + std::to_string(values.size()) + "\n";
  const auto params = model.parameters();
  std::vector<T> arrays(params.data(), params.data() + params.size());
  arrays.insert(arrays.end(), values.begin(), values.end());
  const auto state = model.state();
  write_file_atomically(path, detail::model_file_bytes<T>(arch, arrays.data(), static_cast<Index>(arrays.size()),
                                                          state.data(), state.size()));
}

/// Reads a file written by save_training_state into `model` (compiled with the same optimizer)
/// and returns the number of epochs done, to pass to fit as initial_epoch. A missing, damaged or
/// mismatched file throws IoError and leaves the model and its optimizer as they were.
template <class T>
int load_training_state(Sequential<T>& model, const std::string& path) {
  if (!model.optimizer()) throw ConfigError("load_training_state: compile the model first (with its optimizer)");
  const detail::ModelFileContents file = detail::parse_model_file(path);
  const std::string what = "'" + path + "': ";
  const std::string arch = model_architecture(model);
  const std::string& stored = file.architecture;
  if (stored.compare(0, arch.size(), arch) != 0 || stored.compare(arch.size(), 9, "training ") != 0)
    throw IoError(what + (stored.find("\ntraining ") == std::string::npos
                              ? std::string("is not a training checkpoint (a model file? read it with load_weights)")
                              : "is a checkpoint of a different architecture.\nIn the file:\n" + stored +
                                    "This model:\n" + arch));
  int epoch = -1;
  long long steps = -1;
  unsigned long long n_values = 0;
  char name[64] = {0};
  if (std::sscanf(stored.c_str() + arch.size(), "training epoch=%d optimizer=%63s steps=%lld values=%llu", &epoch,
                  name, &steps, &n_values) != 4 ||
      epoch < 0 || steps < 0)
    throw IoError(what + "corrupted: cannot read its training line");
  const Optimizer<T>& opt = *model.optimizer();
  if (opt.name() != name)
    throw IoError(what + "holds the state of " + name + "; the model is compiled with " + opt.name());
  if (file.scalar_bytes != sizeof(T))
    throw IoError(what + "holds " + (file.scalar_bytes == 4 ? "float" : "double") + " values; this model uses " +
                  (sizeof(T) == 4 ? "float" : "double"));
  const auto n = static_cast<std::uint64_t>(model.param_count());
  if (file.count != n + n_values || file.state_count != static_cast<std::uint64_t>(model.state_count()))
    throw IoError(what + "holds " + std::to_string(file.count) + " values and " + std::to_string(file.state_count) +
                  " state values; this model needs " + std::to_string(n) + " + " + std::to_string(n_values) + " and " +
                  std::to_string(model.state_count()));
  // memcpy, not a cast: the arrays need not be aligned in the file (and memcpy of an empty
  // vector's null data() is undefined, hence the helper).
  std::vector<T> params(static_cast<std::size_t>(n)), optimizer_values(static_cast<std::size_t>(n_values)),
      state(static_cast<std::size_t>(file.state_count));
  const auto read_into = [](std::vector<T>& v, const char* from) {
    if (!v.empty()) std::memcpy(v.data(), from, v.size() * sizeof(T));
  };
  const char* at = file.bytes.data() + file.params_offset;
  read_into(params, at);
  read_into(optimizer_values, at + params.size() * sizeof(T));
  read_into(state, file.bytes.data() + file.state_offset);
  // Check the optimizer's part on a copy first: a bad file changes nothing.
  auto check = opt.clone();
  check->set_state(steps, optimizer_values, model.param_count());
  if (!model.built()) model.build();
  std::copy(params.begin(), params.end(), model.parameters().data());
  std::copy(state.begin(), state.end(), model.state().data());
  model.set_optimizer_state(steps, optimizer_values);
  return epoch;
}

}  // namespace autoenc
