/// @file
/// autoenc: autoencoders and latent-space analysis in C++17, on Eigen.
/// The umbrella header: includes every part of the library but the plotting module
/// (plot/plot.hpp, which needs stb) and the opt-in Eigen Tensor views (core/tensor_map.hpp),
/// and defines nothing itself.
// SPDX-License-Identifier: MIT
#pragma once

#include "version.hpp"

#include "core/common_args.hpp"
#include "core/communicator.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "core/exp_float.hpp"
#include "core/finite.hpp"
#include "core/flush_denormals.hpp"
#include "core/gemm.hpp"
#include "core/log.hpp"
#include "core/named_args.hpp"
#include "core/parallel.hpp"
#include "core/random.hpp"
#include "core/shape.hpp"
#include "core/tensor.hpp"
#include "core/timer.hpp"

#include "layers/activation.hpp"
#include "layers/batch_normalization.hpp"
#include "layers/conv2d.hpp"
#include "layers/conv2d_transpose.hpp"
#include "layers/conv_geometry.hpp"
#include "layers/conv_options.hpp"
#include "layers/dense.hpp"
#include "layers/dropout.hpp"
#include "layers/gaussian_noise.hpp"
#include "layers/layer.hpp"
#include "layers/max_pooling2d.hpp"
#include "layers/regularizers.hpp"
#include "layers/reshape.hpp"
#include "layers/up_sampling2d.hpp"

#include "losses/loss.hpp"

#include "optimizers/adam.hpp"
#include "optimizers/optimizer.hpp"
#include "optimizers/sgd.hpp"

#include "model/callbacks.hpp"

#include "model/fit_options.hpp"
#include "model/model.hpp"
#include "model/progress.hpp"
#include "model/sequential.hpp"
#include "model/serialize.hpp"
#include "model/training_state.hpp"
#include "model/variational_autoencoder.hpp"

#include "io/atomic_file.hpp"
#include "io/file_limits.hpp"
#include "io/idx.hpp"
#include "io/mnist.hpp"
#include "io/npy.hpp"
#include "io/png.hpp"

#include "cluster/kmeans.hpp"
#include "cluster/make_blobs.hpp"
#include "cluster/metrics.hpp"

#include "manifold/trustworthiness.hpp"
#include "manifold/tsne.hpp"
#include "manifold/tsne_transform.hpp"
