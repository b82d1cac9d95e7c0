/// @file
/// Named arguments shared by several parts of the library (see named_args.hpp): the verbosity,
/// the random state, the learning rate, the momentum and epsilon, spelt as Keras and
/// scikit-learn spell them.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

#include "named_args.hpp"

namespace autoenc {

/// How much fit/evaluate/predict print: nothing, a live progress bar, or one line per epoch
/// (Keras's verbose = 0, 1, 2).
enum class Verbosity {
  silent = 0,        ///< Print nothing.
  progress_bar = 1,  ///< A bar redrawn as batches finish (on a terminal), then the finished line.
  one_line = 2       ///< Only the finished line of each epoch, never redrawn.
};

/// A verbosity given as a number (Keras's 0, 1, 2; scikit-learn's levels) or as a Verbosity.
struct VerboseSpec {
  int level;  ///< The number given: 0 is silent; KMeans and TSNE print more the higher it is.
  /// `ae::verbose = 2`.
  VerboseSpec(int v) : level(v) {}                          // NOLINT: implicit on purpose
  /// `ae::verbose = ae::Verbosity::one_line`.
  VerboseSpec(Verbosity v) : level(static_cast<int>(v)) {}  // NOLINT
  /// The level as fit/evaluate/predict use it: negative counts as silent, above 2 as one_line.
  Verbosity verbosity() const {
    return level <= 0 ? Verbosity::silent : level == 1 ? Verbosity::progress_bar : Verbosity::one_line;
  }
};

struct VerboseTag;
struct RandomStateTag;
struct LearningRateTag;
struct InitTag;
struct MomentumTag;
struct EpsilonTag;

/// ae::verbose = 0, 1 or 2 (Keras's fit), or the level of KMeans's and TSNE's messages.
inline constexpr ArgName<VerboseTag, VerboseSpec> verbose{};
/// ae::random_state = 42: the seed of scikit-learn-style estimators (KMeans, TSNE).
inline constexpr ArgName<RandomStateTag, std::uint64_t> random_state{};
/// ae::learning_rate = 100.0: an optimizer's or TSNE's step size.
inline constexpr ArgName<LearningRateTag, double> learning_rate{};
/// ae::init = "k-means++" / "random" (KMeans), "pca" / "random" (TSNE), by name.
inline constexpr ArgName<InitTag, std::string> init{};
/// ae::momentum = 0.9: SGD's momentum; BatchNormalization's weight of the old moving statistics.
inline constexpr ArgName<MomentumTag, double> momentum{};
/// ae::epsilon = 1e-7: Adam's guard in m / (sqrt(v) + epsilon); BatchNormalization's guard in
/// 1 / sqrt(variance + epsilon).
inline constexpr ArgName<EpsilonTag, double> epsilon{};

}  // namespace autoenc
