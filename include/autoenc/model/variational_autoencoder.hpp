/// @file
/// VariationalAutoencoder: an encoder Sequential, two heads for the mean and the log-variance of
/// the code, the reparameterization trick, and a decoder Sequential; the loss is reconstruction
/// plus KL divergence (Kingma and Welling, "Auto-Encoding Variational Bayes"; the Keras blog's
/// "Building Autoencoders in Keras", variational section).
///
///     x -> encoder -> h -> mean head    -> mu       }
///                       -> log-var head -> log_var  } -> z = mu + exp(log_var / 2) * eps -> decoder -> x'
///                                                        eps ~ N(0, 1), drawn per sample and unit
///
///     loss per sample = reconstruction(x, x') summed over the features
///                     + KL(N(mu, exp(log_var)) || N(0, 1)) = -1/2 sum_j (1 + log_var_j - mu_j^2 - exp(log_var_j))
///
/// and the training loss is its mean over the batch, as the blog's vae_loss. The gradients flow
/// through z to both heads: dz/dmu = 1, dz/dlog_var = eps exp(log_var / 2) / 2.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/finite.hpp"
#include "../core/log.hpp"
#include "../core/named_args.hpp"
#include "../core/random.hpp"
#include "../core/tensor.hpp"
#include "../layers/dense.hpp"
#include "../losses/loss.hpp"
#include "../optimizers/optimizer.hpp"
#include "callbacks.hpp"
#include "fit_options.hpp"
#include "model.hpp"
#include "progress.hpp"
#include "sequential.hpp"
#include "serialize.hpp"

namespace autoenc {

/// evaluate's settings for a VAE: the batch, the progress bar, and the seed of the eps draws
/// (the loss samples z, as the Keras model does at evaluation too).
struct VaeEvaluateOptions : EvaluateOptions {
  std::uint64_t seed = 0;  ///< seed of the eps draws: the same seed gives the same loss
  using EvaluateOptions::set;
  void set(NamedArg<SeedTag, std::uint64_t> a) { seed = a.value; }  ///< ae::seed = N
};

/// A variational autoencoder built from two Sequential models:
///
///     ae::VariationalAutoencoder<float> vae(
///         ae::Sequential<float>({784}, ae::Dense<float>(64, "relu")),          // encoder: x -> h
///         2,                                                                    // latent dimension
///         ae::Sequential<float>({2}, ae::Dense<float>(64, "relu"), ae::Dense<float>(784, "sigmoid")));
///     vae.compile(ae::Adam<float>());                     // reconstruction: binary cross-entropy
///     vae.fit(x, ae::epochs = 50, ae::batch_size = 32);
///     ae::Tensor<float> means = vae.encode(x_test);       // (N, 2)
///     ae::Tensor<float> digits = vae.decode(z);           // (M, 784)
///
/// The encoder maps a sample to a vector h; the VAE adds the two heads, Dense(latent_dim) each
/// (linear, Keras's default initialisation), named "z_mean" and "z_log_var". The decoder takes
/// (latent_dim) and must output the encoder's input shape.
template <class T = DefaultScalar>
class VariationalAutoencoder : public Model<T> {
 public:
  using Scalar = T;  ///< float or double

  /// Takes the encoder and the decoder (moved in) and adds the two heads. Throws ShapeError
  /// when the parts do not fit together, naming the shapes.
  VariationalAutoencoder(Sequential<T> encoder, Index latent_dim, Sequential<T> decoder)
      : encoder_(std::move(encoder)),
        decoder_(std::move(decoder)),
        mean_head_(head_input(encoder_, latent_dim)),
        log_var_head_(head_input(encoder_, latent_dim)),
        latent_dim_(latent_dim) {
    if (decoder_.input_shape() != Shape{latent_dim})
      throw ShapeError("VariationalAutoencoder: the decoder takes " + decoder_.input_shape().to_string() +
                       ", but the code has shape " + Shape{latent_dim}.to_string());
    if (decoder_.output_shape() != encoder_.input_shape())
      throw ShapeError("VariationalAutoencoder: the decoder outputs " + decoder_.output_shape().to_string() +
                       ", but the encoder takes " + encoder_.input_shape().to_string() +
                       " (a VAE reconstructs its input)");
    mean_head_.add(Dense<T>(latent_dim)).set_name("z_mean");
    log_var_head_.add(Dense<T>(latent_dim)).set_name("z_log_var");
  }

  /// Initialises every part from `seed` (each part its own stream of it).
  void build(std::uint64_t seed = 0) {
    Sequential<T>* parts[] = {&encoder_, &mean_head_, &log_var_head_, &decoder_};
    for (std::uint64_t k = 0; k < 4; ++k) parts[k]->build(seed + k);
  }

  /// Chooses the optimizer (each part gets its own copy; Adam's update is elementwise, so this
  /// is the same as one Adam over all weights) and the reconstruction loss,
  /// "binary_crossentropy" (inputs in [0, 1]) or "mse", summed over the features.
  void compile(const Optimizer<T>& optimizer, const std::string& reconstruction = "binary_crossentropy") {
    reconstruction_ = loss_from_name(reconstruction);
    for (Sequential<T>* p : parts()) {
      if (!p->built()) p->build(seed_for(p));
      p->compile(optimizer, p == &decoder_ ? reconstruction_ : LossKind::mse);
    }
    compiled_ = true;
  }

  /// Trains on x (the targets are x itself) with fit's named arguments: epochs, batch_size,
  /// shuffle, seed (of the shuffling and of eps), verbose, validation_data, validation_split,
  /// callbacks.
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  History fit(const Tensor<T>& x, Args&&... args) {
    FitOptions<T> options;
    detail::apply_named_args(options, std::forward<Args>(args)...);
    return fit(x, options);
  }

  /// Trains with a FitOptions (validation_data's y is ignored: a VAE reconstructs x).
  History fit(const Tensor<T>& x, const FitOptions<T>& options) {
    require_compiled("fit");
    const FlushDenormalsGuard flush_denormals_guard;  // as TensorFlow: see core/flush_denormals.hpp
    check_input("fit", x);
    if (options.epochs < 0) throw ConfigError("fit: epochs must be >= 0, got " + std::to_string(options.epochs));
    if (options.batch_size <= 0) throw ConfigError("fit: batch_size must be > 0");
    if (!(options.validation_split >= 0 && options.validation_split < 1))
      throw ConfigError("fit: validation_split must be in [0, 1)");
    const Index n = options.validation_split > 0
                        ? static_cast<Index>(static_cast<double>(x.dim(0)) * (1.0 - options.validation_split))
                        : x.dim(0);
    if (n == 0) throw ConfigError("fit: validation_split leaves no training samples");
    const Tensor<T>* val_data = options.validation_data.x;
    if (val_data) check_input("fit (validation_data)", *val_data);
    Tensor<T> held_out;
    if (!val_data && n < x.dim(0)) {
      held_out = x.slice_rows(n, x.dim(0) - n);
      val_data = &held_out;
    }
    const Index steps = detail::ceil_div(n, options.batch_size);
    std::ostream& out = log_stream();
    std::vector<Index> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), Index(0));
    Rng rng(options.seed);  // the shuffling and eps, one stream
    History history;
    this->clear_stop_request();
    for (Callback<T>* c : options.callbacks) c->on_train_begin(*this);
    for (int epoch = 0; epoch < options.epochs && !this->stop_training_requested(); ++epoch) {
      if (options.shuffle) rng.shuffle(order.begin(), order.end());
      if (options.verbose != Verbosity::silent) out << "Epoch " << epoch + 1 << "/" << options.epochs << "\n";
      ProgressBar bar(steps, options.verbose, out);
      double loss_sum = 0;
      for (Index step = 0; step < steps; ++step) {
        const Index first = step * options.batch_size, count = std::min(options.batch_size, n - first);
        batch_.resize(x.shape().without_batch().with_batch(count));
        const Index row = x.size() / x.dim(0);
        for (Index r = 0; r < count; ++r) {
          const Index src = options.shuffle ? order[static_cast<std::size_t>(first + r)] : first + r;
          std::copy(x.data() + src * row, x.data() + (src + 1) * row, batch_.data() + r * row);
        }
        const double loss = train_step(batch_.view(), rng);
        loss_sum += loss * static_cast<double>(count);
        bar.update(step + 1, loss_sum / static_cast<double>(first + count));
      }
      const double epoch_loss = loss_sum / static_cast<double>(n);
      double val_loss = std::numeric_limits<double>::quiet_NaN();
      if (val_data) {
        VaeEvaluateOptions eval;
        eval.batch_size = options.batch_size;
        eval.verbose = Verbosity::silent;
        val_loss = evaluate(*val_data, eval);
        history.val_loss.push_back(val_loss);
      }
      bar.finish(epoch_loss, val_loss);
      history.loss.push_back(epoch_loss);
      history.seconds.push_back(bar.seconds_since_start());
      history.skipped_batches.push_back(0);
      EpochLogs logs;
      logs.epoch = epoch;
      logs.loss = epoch_loss;
      logs.val_loss = val_loss;
      logs.seconds = history.seconds.back();
      for (Callback<T>* c : options.callbacks) c->on_epoch_end(*this, logs);
    }
    for (Callback<T>* c : options.callbacks) c->on_train_end(*this);
    return history;
  }

  /// One step on a batch: draws eps from `rng`, computes the loss and every gradient, and
  /// updates all parts. Returns the batch's mean loss (before the update). A non-finite loss or
  /// gradient throws NumericError and leaves the weights as they were.
  double train_step(TensorView<const T> xb, Rng& rng) {
    const FlushDenormalsGuard flush_denormals_guard;
    draw_eps(xb.batch(), rng);
    const double loss = compute_gradients(xb, static_cast<const Tensor<T>&>(eps_).view());
    if (!std::isfinite(loss))
      throw NumericError("VariationalAutoencoder: the loss became " + std::string(std::isnan(loss) ? "NaN" : "infinite") +
                         "; training stopped with the weights of the last good step (try a smaller learning rate)");
    for (Sequential<T>* p : parts())
      if (!gradients_finite(*p))
        throw NumericError("VariationalAutoencoder: a gradient became NaN or infinite; training stopped with the "
                           "weights of the last good step");
    for (Sequential<T>* p : parts()) p->apply_gradients();
    return loss;
  }

  /// The batch's mean loss with the given eps (batch x latent_dim), and every part's gradients
  /// of it (in each part's gradients()); no update. With eps fixed the loss is a deterministic
  /// function of the weights: the finite-difference tests check these gradients.
  double compute_gradients(TensorView<const T> xb, TensorView<const T> eps) {
    const FlushDenormalsGuard flush_denormals_guard;
    require_compiled("compute_gradients");
    const Index batch = xb.batch();
    check_eps(eps, batch);
    // Forward: h, (mu, log_var), z, x'.
    const TensorView<const T> h = encoder_.forward_train(xb);
    const TensorView<const T> mu = mean_head_.forward_train(h);
    const TensorView<const T> log_var = log_var_head_.forward_train(h);
    sample_z(mu, log_var, eps);
    const TensorView<const T> out = decoder_.forward_train(static_cast<const Tensor<T>&>(z_).view());
    // Loss and dL/d(decoder output). compute_loss gives the mean over batch * features and its
    // gradient; the VAE's reconstruction is the sum over the features: features times both.
    const Index features = encoder_.input_shape().size();
    d_out_.resize(out.shape);
    const double reconstruction =
        static_cast<double>(features) *
        compute_loss<T>(reconstruction_, out, xb, d_out_.view(), loss_partials_, decoder_.outputs_logits());
    scale(d_out_, static_cast<T>(features));
    const double kl = kl_divergence(mu, log_var);
    // Backward: decoder to dz, then through the sampling to the heads, then the encoder.
    dz_.resize(Shape{batch, latent_dim_});
    decoder_.backward_train(static_cast<const Tensor<T>&>(z_).view(), static_cast<const Tensor<T>&>(d_out_).view(),
                            dz_.view());
    d_mu_.resize(Shape{batch, latent_dim_});
    d_log_var_.resize(Shape{batch, latent_dim_});
    const T inv_batch = T(1) / static_cast<T>(batch);
    for (Index i = 0; i < batch * latent_dim_; ++i) {
      const T sigma = std::exp(log_var.data[i] / T(2));
      // dL/dmu = dL/dz + (1/B) mu;  dL/dlog_var = dL/dz eps sigma / 2 + (1/B)(exp(log_var) - 1) / 2
      d_mu_[i] = dz_[i] + inv_batch * mu.data[i];
      d_log_var_[i] = dz_[i] * eps.data[i] * sigma / T(2) + inv_batch * (sigma * sigma - T(1)) / T(2);
    }
    dh_.resize(h.shape);
    dh_from_log_var_.resize(h.shape);
    mean_head_.backward_train(h, static_cast<const Tensor<T>&>(d_mu_).view(), dh_.view());
    log_var_head_.backward_train(h, static_cast<const Tensor<T>&>(d_log_var_).view(), dh_from_log_var_.view());
    for (Index i = 0; i < dh_.size(); ++i) dh_[i] += dh_from_log_var_[i];
    encoder_.backward_train(xb, static_cast<const Tensor<T>&>(dh_).view());
    return reconstruction + kl + encoder_.regularization_loss() + decoder_.regularization_loss();
  }

  /// The batch's mean loss with the given eps, in inference mode, without gradients.
  double loss(TensorView<const T> xb, TensorView<const T> eps) {
    const FlushDenormalsGuard flush_denormals_guard;
    require_compiled("loss");
    check_eps(eps, xb.batch());
    const TensorView<const T> h = encoder_.forward_raw(xb);
    const TensorView<const T> mu = mean_head_.forward_raw(h);
    const TensorView<const T> log_var = log_var_head_.forward_raw(h);
    sample_z(mu, log_var, eps);
    const TensorView<const T> out = decoder_.forward_raw(static_cast<const Tensor<T>&>(z_).view());
    const double reconstruction =
        static_cast<double>(encoder_.input_shape().size()) *
        compute_loss<T>(reconstruction_, out, xb, TensorView<T>(), loss_partials_, decoder_.outputs_logits());
    return reconstruction + kl_divergence(mu, log_var) + encoder_.regularization_loss() +
           decoder_.regularization_loss();
  }

  /// The mean per-sample loss (reconstruction + KL) over x, with eps drawn from ae::seed
  /// (default 0); named ae::batch_size (32), ae::verbose, ae::seed.
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  double evaluate(const Tensor<T>& x, Args&&... args) {
    VaeEvaluateOptions options;
    detail::apply_named_args(options, std::forward<Args>(args)...);
    return evaluate(x, options);
  }
  /// evaluate with a VaeEvaluateOptions.
  double evaluate(const Tensor<T>& x, const VaeEvaluateOptions& options) {
    require_compiled("evaluate");
    const FlushDenormalsGuard flush_denormals_guard;
    check_input("evaluate", x);
    if (options.batch_size <= 0) throw ConfigError("evaluate: batch_size must be > 0");
    Rng rng(options.seed);
    const Index n = x.dim(0), steps = detail::ceil_div(n, options.batch_size);
    ProgressBar bar(steps, options.verbose, log_stream());
    double sum = 0;
    for (Index step = 0; step < steps; ++step) {
      const Index first = step * options.batch_size, count = std::min(options.batch_size, n - first);
      draw_eps(count, rng);
      sum += loss(x.view().rows(first, count), static_cast<const Tensor<T>&>(eps_).view()) * static_cast<double>(count);
      bar.update(step + 1, sum / static_cast<double>(first + count));
    }
    const double mean = sum / static_cast<double>(n);
    bar.finish(mean);
    return mean;
  }

  /// The code's means for x: (N, latent_dim), the 2-d map the blog plots.
  Tensor<T> encode(const Tensor<T>& x, Index batch_size = 32) {
    check_input("encode", x);
    return mean_head_.predict(encoder_.predict(x, batch_size, verbose = 0), batch_size, verbose = 0);
  }
  /// The code's log-variances for x: (N, latent_dim).
  Tensor<T> encode_log_var(const Tensor<T>& x, Index batch_size = 32) {
    check_input("encode_log_var", x);
    return log_var_head_.predict(encoder_.predict(x, batch_size, verbose = 0), batch_size, verbose = 0);
  }
  /// The decoder's outputs for codes z (N, latent_dim): (N, input shape...), e.g. digits.
  Tensor<T> decode(const Tensor<T>& z, Index batch_size = 32) { return decoder_.predict(z, batch_size, verbose = 0); }
  /// Reconstructions of x through the means (no sampling): decode(encode(x)).
  Tensor<T> predict(const Tensor<T>& x, Index batch_size = 32) { return decode(encode(x, batch_size), batch_size); }

  /// The parts: the encoder (x -> h), the heads (h -> mean, h -> log-variance), the decoder.
  Sequential<T>& encoder() { return encoder_; }
  Sequential<T>& mean_head() { return mean_head_; }          ///< h -> z_mean
  Sequential<T>& log_var_head() { return log_var_head_; }    ///< h -> z_log_var
  Sequential<T>& decoder() { return decoder_; }              ///< z -> x'
  Index latent_dim() const { return latent_dim_; }           ///< the code's dimension
  /// Trainable parameters of all parts.
  Index param_count() const {
    return encoder_.param_count() + mean_head_.param_count() + log_var_head_.param_count() + decoder_.param_count();
  }

  /// Every part's summary, in order.
  void summary() const {
    encoder_.summary();
    log_stream() << mean_head_.summary_string("z_mean") << log_var_head_.summary_string("z_log_var")
                 << decoder_.summary_string("decoder") << "VAE total params: " << param_count() << "\n"
                 << std::flush;
  }

  /// The parts' weights one after the other: encoder, mean head, log-variance head, decoder.
  std::vector<Tensor<T>> get_weights() const override {
    std::vector<Tensor<T>> all;
    for (const Sequential<T>* p : parts())
      for (auto& w : p->get_weights()) all.push_back(std::move(w));
    return all;
  }
  /// Sets every part's weights from get_weights()'s layout; checks the count first.
  void set_weights(const std::vector<Tensor<T>>& weights) override {
    std::size_t expected = 0;
    for (const Sequential<T>* p : parts()) expected += weight_array_count(*p);
    if (weights.size() != expected)
      throw ShapeError("VariationalAutoencoder::set_weights: " + std::to_string(weights.size()) +
                       " arrays given, the model has " + std::to_string(expected));
    std::size_t k = 0;
    for (Sequential<T>* p : parts()) {
      const std::size_t count = weight_array_count(*p);
      p->set_weights(std::vector<Tensor<T>>(weights.begin() + long(k), weights.begin() + long(k + count)));
      k += count;
    }
  }

  /// Writes all four parts to one model file (atomically); load_weights reads it back.
  void save(const std::string& path) const override {
    std::vector<T> params, state;
    collect(params, state);
    write_file_atomically(path, detail::model_file_bytes<T>(architecture(), params.data(), Index(params.size()),
                                                            state.data(), Index(state.size())));
  }
  /// Reads a file written by save() into this VAE, which must have the same architecture.
  void load_weights(const std::string& path) {
    std::vector<T> params, state;
    collect(params, state);  // sizes them
    detail::read_model_file<T>(path, architecture(), params.data(), Index(params.size()), state.data(),
                               Index(state.size()));
    std::size_t p_at = 0, s_at = 0;
    for (Sequential<T>* p : parts()) {
      if (!p->built()) p->build(seed_for(p));
      auto pp = p->parameters();
      std::copy(params.begin() + long(p_at), params.begin() + long(p_at) + pp.size(), pp.data());
      p_at += static_cast<std::size_t>(pp.size());
      auto ss = p->state();
      std::copy(state.begin() + long(s_at), state.begin() + long(s_at) + ss.size(), ss.data());
      s_at += static_cast<std::size_t>(ss.size());
    }
  }

 private:
  static Sequential<T> head_input(const Sequential<T>& encoder, Index latent_dim) {
    if (latent_dim <= 0) throw ConfigError("VariationalAutoencoder: latent_dim must be > 0, got " + std::to_string(latent_dim));
    if (encoder.output_shape().rank() != 1)
      throw ShapeError("VariationalAutoencoder: the encoder must output a vector per sample, got " +
                       encoder.output_shape().to_string() + "; hint: end it with Flatten() or Dense()");
    return Sequential<T>(encoder.output_shape());
  }

  /// How many arrays a part's get_weights() returns, without copying them.
  static std::size_t weight_array_count(const Sequential<T>& part) {
    std::size_t count = 0;
    for (const auto& l : part.layers()) count += l->all_weight_shapes().size();
    return count;
  }

  std::vector<Sequential<T>*> parts() { return {&encoder_, &mean_head_, &log_var_head_, &decoder_}; }
  std::vector<const Sequential<T>*> parts() const { return {&encoder_, &mean_head_, &log_var_head_, &decoder_}; }
  std::uint64_t seed_for(const Sequential<T>* p) const {
    return p == &encoder_ ? 0 : p == &mean_head_ ? 1 : p == &log_var_head_ ? 2 : 3;
  }

  std::string architecture() const {
    return "VariationalAutoencoder latent_dim=" + std::to_string(latent_dim_) + " reconstruction=" +
           loss_name(reconstruction_) + "\n[encoder]\n" + model_architecture(encoder_) + "[z_mean]\n" +
           model_architecture(mean_head_) + "[z_log_var]\n" + model_architecture(log_var_head_) + "[decoder]\n" +
           model_architecture(decoder_);
  }
  void collect(std::vector<T>& params, std::vector<T>& state) const {
    for (const Sequential<T>* p : parts()) {
      if (!p->built()) throw ConfigError("VariationalAutoencoder: build() or compile() first");
      const auto pp = p->parameters();
      params.insert(params.end(), pp.data(), pp.data() + pp.size());
      const auto ss = p->state();
      state.insert(state.end(), ss.data(), ss.data() + ss.size());
    }
  }

  void require_compiled(const char* what) const {
    if (!compiled_) throw ConfigError(std::string(what) + ": the VAE is not compiled; call compile(optimizer) first");
  }
  void check_input(const char* what, const Tensor<T>& x) const {
    if (x.rank() == 0 || x.shape().without_batch() != encoder_.input_shape())
      throw ShapeError(std::string(what) + ": x has shape " + x.shape().to_string() + ", the VAE takes " +
                       encoder_.input_shape().to_batch_string());
    if (x.dim(0) == 0) throw ShapeError(std::string(what) + ": x has no samples");
  }
  void check_eps(TensorView<const T> eps, Index batch) const {
    if (eps.shape != Shape{batch, latent_dim_})
      throw ShapeError("VariationalAutoencoder: eps has shape " + eps.shape.to_string() + ", expected " +
                       Shape{batch, latent_dim_}.to_string());
  }

  /// eps ~ N(0, 1), batch x latent_dim, drawn in order (the same with any thread count).
  void draw_eps(Index batch, Rng& rng) {
    eps_.resize(Shape{batch, latent_dim_});
    for (Index i = 0; i < eps_.size(); ++i) eps_[i] = static_cast<T>(rng.normal());
  }
  /// z = mu + exp(log_var / 2) * eps
  void sample_z(TensorView<const T> mu, TensorView<const T> log_var, TensorView<const T> eps) {
    z_.resize(mu.shape);
    for (Index i = 0; i < mu.size(); ++i) z_[i] = mu.data[i] + std::exp(log_var.data[i] / T(2)) * eps.data[i];
  }
  /// mean over the batch of -1/2 sum_j (1 + log_var_j - mu_j^2 - exp(log_var_j)), in double
  static double kl_divergence(TensorView<const T> mu, TensorView<const T> log_var) {
    double sum = 0;
    for (Index i = 0; i < mu.size(); ++i) {
      const double m = static_cast<double>(mu.data[i]), lv = static_cast<double>(log_var.data[i]);
      sum += -0.5 * (1 + lv - m * m - std::exp(lv));
    }
    return sum / static_cast<double>(mu.batch());
  }
  static void scale(Tensor<T>& t, T factor) {
    for (Index i = 0; i < t.size(); ++i) t[i] *= factor;
  }
  static bool gradients_finite(const Sequential<T>& p) {
    const auto g = p.gradients();
    return detail::all_finite_parallel(g.data(), g.size());
  }

  Sequential<T> encoder_, decoder_, mean_head_, log_var_head_;
  Index latent_dim_;
  LossKind reconstruction_ = LossKind::binary_crossentropy;
  bool compiled_ = false;
  // Buffers for one batch, reused.
  Tensor<T> batch_, eps_, z_, d_out_, dz_, d_mu_, d_log_var_, dh_, dh_from_log_var_;
  std::vector<double> loss_partials_;
};

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template class VariationalAutoencoder<float>;
extern template class VariationalAutoencoder<double>;
#endif

}  // namespace autoenc
