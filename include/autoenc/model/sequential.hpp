/// @file
/// Sequential: a stack of layers trained end to end, with Keras's vocabulary.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/finite.hpp"
#include "../core/flush_denormals.hpp"
#include "../core/parallel.hpp"
#include "../core/random.hpp"
#include "../core/tensor.hpp"
#include "../layers/layer.hpp"
#include "../losses/loss.hpp"
#include "../optimizers/optimizer.hpp"
#include "../core/log.hpp"
#include "../core/named_args.hpp"
#include "callbacks.hpp"
#include "../core/communicator.hpp"
#include "fit_options.hpp"
#include "model.hpp"
#include "progress.hpp"

namespace autoenc {

/// What fit() returns: the mean training loss of each epoch (Keras's history.history['loss']),
/// the validation loss when fit had validation data (history.history['val_loss']), and how
/// long each epoch took.
struct History {
  std::vector<double> loss;            ///< per epoch: the mean training loss
  std::vector<double> val_loss;        ///< empty without validation data
  std::vector<double> seconds;         ///< per epoch: its wall-clock time
  std::vector<Index> skipped_batches;  ///< per epoch: batches left out for a non-finite loss
};

/// What fit does when a batch's loss or gradient is NaN or infinite. Either way the update of
/// that batch is not applied, so the parameters stay those of the last good step.
enum class NonFinitePolicy {
  stop,        ///< throw a NumericError naming the epoch and batch (the default)
  skip_batch,  ///< leave the batch out, count it in History::skipped_batches, and go on
};

template <class T>
class ModelSlice;

/// A linear stack of layers.
///
///     autoenc::Sequential<float> model({784});               // input: 784 values per sample
///     model.add(autoenc::Dense<float>(64, "relu"));          // output shapes are inferred
///     model.add(autoenc::Dense<float>(784, "sigmoid"));
///     model.compile(autoenc::Adam<float>(), "mse");
///     model.fit(x, x, autoenc::epochs = 10, autoenc::batch_size = 256);
///
/// The model owns the parameters of all layers in one flat buffer (and their gradients in
/// another), and every activation buffer; after the first batch, training allocates nothing.
template <class T = DefaultScalar>
class Sequential : public Model<T> {
 public:
  using Scalar = T;  ///< float or double

  /// A model whose samples have `input_shape` (no batch dimension), e.g. {784} or {28, 28, 1}.
  explicit Sequential(const Shape& input_shape) : input_shape_(input_shape) {
    if (input_shape.rank() == 0 || input_shape.size() == 0)
      throw ShapeError("Sequential: input shape " + input_shape.to_string() + " is empty");
  }

  /// A model built from layers in order: Sequential<float>({784}, Dense<float>(64, "relu"), ...).
  template <class... Layers>
  Sequential(const Shape& input_shape, Layers&&... layers) : Sequential(input_shape) {
    (add(std::forward<Layers>(layers)), ...);
  }

  Sequential(Sequential&&) noexcept = default;             ///< Takes the layers and buffers.
  Sequential& operator=(Sequential&&) noexcept = default;  ///< Takes the layers and buffers.

  /// Appends a layer (moved in) and infers its output shape. A layer that cannot take the
  /// current output shape throws ShapeError naming the layer, its position and both shapes.
  template <class L, class = std::enable_if_t<std::is_base_of<Layer<T>, std::decay_t<L>>::value>>
  std::decay_t<L>& add(L&& layer) {
    auto owned = std::make_unique<std::decay_t<L>>(std::forward<L>(layer));
    auto& ref = *owned;
    add(LayerPtr<T>(std::move(owned)));
    return ref;
  }

  /// Appends a layer already on the heap (a layer type known only at run time), as above.
  Layer<T>& add(LayerPtr<T> layer);

  /// The layers, in order.
  const std::vector<LayerPtr<T>>& layers() const { return layers_; }
  /// Layer i, counted from 0 (std::out_of_range past the end).
  Layer<T>& layer(Index i) { return *layers_.at(static_cast<std::size_t>(i)); }
  /// Number of layers.
  Index size() const { return static_cast<Index>(layers_.size()); }

  /// The shape of one input sample, as given to the constructor.
  const Shape& input_shape() const { return input_shape_; }
  /// Output shape of the last layer (the input shape if there are no layers).
  const Shape& output_shape() const {
    return layers_.empty() ? input_shape_ : layers_.back()->output_shape();
  }

  /// Number of trainable parameters (Keras's "Trainable params").
  Index param_count() const {
    Index n = 0;
    for (const auto& l : layers_) n += l->param_count();
    return n;
  }
  /// Number of non-trainable state values (BatchNormalization's moving statistics), which
  /// Keras's summary counts as "Non-trainable params".
  Index state_count() const {
    Index n = 0;
    for (const auto& l : layers_) n += l->state_count();
    return n;
  }

  /// Allocates the parameter buffers and initialises every layer (glorot-uniform kernels,
  /// zero biases) from `seed`. Called by compile() if not called before.
  void build(std::uint64_t seed = 0);
  bool built() const { return built_; }  ///< Whether build() has run.

  /// All parameters, layer after layer, in one vector (a view of the model's buffer).
  Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>> parameters() {
    require_built("parameters");
    return {params_.data(), params_.size()};
  }
  /// The same, read-only (empty before build).
  Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>> parameters() const {
    return {params_.data(), params_.size()};
  }
  /// Gradients of the last training step, laid out like parameters().
  Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>> gradients() const {
    return {grads_.data(), grads_.size()};
  }
  /// Every layer's non-trainable state, layer after layer, in one vector (a view of the model's
  /// state buffer; see Layer::state_shapes).
  Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>> state() {
    require_built("state");
    return {state_.data(), state_.size()};
  }
  /// The same, read-only (empty before build).
  Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>> state() const { return {state_.data(), state_.size()}; }

  /// Keras's model summary: one row per layer with its output shape and parameter count.
  std::string summary_string(const std::string& model_name = "sequential") const;
  /// Prints summary_string() to the log stream (Keras's model.summary()).
  void summary() const { summary(log_stream()); }
  /// Prints summary_string() to `os`.
  void summary(std::ostream& os) const { os << summary_string() << std::flush; }

  /// Chooses the optimizer and the loss ("mse" or "binary_crossentropy").
  void compile(const Optimizer<T>& optimizer, LossKind loss) {
    optimizer_ = optimizer.clone();
    loss_ = loss;
    if (!built_) build();
    optimizer_->reset(param_count());
    fuse_output_with_loss();
  }
  /// compile(Adam<float>(), "mse"), the loss by Keras's name (loss_from_name). The model keeps
  /// a copy of the optimizer; building it first if build() has not run.
  void compile(const Optimizer<T>& optimizer, const std::string& loss) {
    compile(optimizer, loss_from_name(loss));
  }

  /// Trains on (x, y) with named arguments (Keras's names and defaults: epochs 1, batch_size 32,
  /// shuffle true, verbose 1; plus seed, validation_data, validation_split), e.g.
  ///     model.fit(x, x, ae::epochs = 10, ae::batch_size = 256, ae::validation_split = 0.1);
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  History fit(const Tensor<T>& x, const Tensor<T>& y, Args&&... args) {
    FitOptions<T> options;
    detail::apply_named_args(options, std::forward<Args>(args)...);
    return fit(x, y, options);
  }
  /// The short form: fit(x, y, epochs, batch_size, named arguments...).
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  History fit(const Tensor<T>& x, const Tensor<T>& y, int epochs_, Index batch_size_, Args&&... args) {
    FitOptions<T> options;
    options.epochs = epochs_;
    options.batch_size = batch_size_;
    detail::apply_named_args(options, std::forward<Args>(args)...);
    return fit(x, y, options);
  }

  /// Trains for options.epochs passes over (x, y) in batches of options.batch_size, shuffling
  /// the samples each epoch (unless options.shuffle is false) with a generator seeded by
  /// options.seed. Prints one Keras progress line per epoch unless options.verbose is silent.
  /// With validation data (or validation_split, the last fraction of the samples before any
  /// shuffling, as Keras), the loss on it is reported after each epoch as val_loss.
  ///
  /// A NaN or infinite loss (or gradient) stops training with a NumericError naming the epoch
  /// and batch; the parameters are left as they were after the last good step. With
  /// on_non_finite(NonFinitePolicy::skip_batch) such batches are left out and counted instead
  /// (an epoch in which every batch fails still stops training).
  History fit(const Tensor<T>& x, const Tensor<T>& y, const FitOptions<T>& options);

  /// What fit does with a batch whose loss or gradient is not finite (see NonFinitePolicy).
  Sequential& on_non_finite(NonFinitePolicy policy) {
    non_finite_ = policy;
    return *this;
  }

  /// One optimisation step on a batch: forward, loss, backward, update. Returns the batch's
  /// loss (computed before the update). If the loss or any gradient is not finite the update is
  /// skipped (last_step_applied() is then false), so NaN never reaches the parameters.
  double train_step(TensorView<const T> xb, TensorView<const T> yb);
  /// Whether the last train_step updated the parameters.
  bool last_step_applied() const { return last_step_applied_; }

  /// Mean loss over (x, y), computed in batches: evaluate(x, y), evaluate(x, y, batch_size), and
  /// named ae::batch_size, ae::verbose (Keras's defaults: 32, 1).
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  double evaluate(const Tensor<T>& x, const Tensor<T>& y, Args&&... args) {
    EvaluateOptions options;
    detail::apply_named_args(options, std::forward<Args>(args)...);
    return evaluate(x, y, options);
  }
  /// evaluate(x, y, batch_size, named arguments...).
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  double evaluate(const Tensor<T>& x, const Tensor<T>& y, Index batch_size_, Args&&... args) {
    EvaluateOptions options;
    options.batch_size = batch_size_;
    detail::apply_named_args(options, std::forward<Args>(args)...);
    return evaluate(x, y, options);
  }
  /// evaluate with a filled-in options struct.
  double evaluate(const Tensor<T>& x, const Tensor<T>& y, const EvaluateOptions& options);

  /// The model's outputs for x, computed in batches: shape (N, output_shape...). Named
  /// ae::batch_size (default 32) and ae::verbose (default 0 here: predict prints nothing).
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  Tensor<T> predict(const Tensor<T>& x, Args&&... args) {
    return slice(0, size()).predict(x, std::forward<Args>(args)...);
  }
  /// predict(x, batch_size, named arguments...).
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  Tensor<T> predict(const Tensor<T>& x, Index batch_size_, Args&&... args) {
    return slice(0, size()).predict(x, batch_size_, std::forward<Args>(args)...);
  }
  /// predict with a filled-in options struct (its verbose is used as given).
  Tensor<T> predict(const Tensor<T>& x, const EvaluateOptions& options) { return slice(0, size()).predict(x, options); }

  /// Layers [first, last) as a model of their own that shares this model's weights, like Keras's
  /// Model(model.input, model.layers[last - 1].output) for first = 0: model.slice(0, 4) is the
  /// chapter CNN's encoder. See ModelSlice (predict, input and output shapes).
  ModelSlice<T> slice(Index first, Index last) & {
    if (first < 0 || last > size() || first >= last)
      throw ConfigError("Sequential::slice: [" + std::to_string(first) + ", " + std::to_string(last) +
                        ") is not a non-empty range of the model's " + std::to_string(size()) + " layers");
    if (first != 0)
      throw ConfigError("Sequential::slice: a slice must start at layer 0 for now (the encoder part of a model)");
    return ModelSlice<T>(*this, first, last);
  }
  /// The layers up to and including the one called `name`: model.up_to("dense") is the chapter
  /// CNN's encoder.
  ModelSlice<T> up_to(const std::string& name) & { return slice(0, index_of(name) + 1); }
  /// A slice of a temporary model would dangle: keep the model in a variable.
  ModelSlice<T> slice(Index, Index) && = delete;
  ModelSlice<T> up_to(const std::string&) && = delete;

  /// The layer called `name` ("dense_1"), as Keras's model.get_layer(name).
  Layer<T>& get_layer(const std::string& name) { return *layers_[static_cast<std::size_t>(index_of(name))]; }

  /// Every layer's weights in Keras's order and layouts (model.get_weights()): for each layer,
  /// its kernel then its bias, and non-trainable state such as BatchNormalization's moving
  /// statistics after them (see Layer::get_weights).
  std::vector<Tensor<T>> get_weights() const override;
  /// Sets every weight from a list laid out as get_weights() returns it; checks every shape
  /// before changing anything.
  void set_weights(const std::vector<Tensor<T>>& weights) override;

  /// Runs the first `n_layers` layers on one batch (all layers by default) and returns a view
  /// of the result, valid until the next call. x must have the model's input shape.
  TensorView<const T> forward_batch(TensorView<const T> x, Index n_layers = -1);

  /// Writes the model to `path` (save_model in serialize.hpp: architecture, weights and state,
  /// written atomically).
  void save(const std::string& path) const override;

  /// @name Building blocks for models made of several Sequentials
  /// A model that is not a plain stack (VariationalAutoencoder) trains its parts with these:
  /// forward_train on a batch, its own loss, backward_train with dL/d(output), then
  /// apply_gradients. fit and train_step do the same for a Sequential alone.
  /// @{

  /// Runs every layer on one batch in training mode and returns the last layer's raw output
  /// (the logits z when a sigmoid output is fused with binary cross-entropy, see
  /// outputs_logits()); valid until the next forward pass.
  TensorView<const T> forward_train(TensorView<const T> x);
  /// The same in inference mode (as evaluate runs the layers): the last layer's raw output.
  TensorView<const T> forward_raw(TensorView<const T> x);
  /// Back-propagates dy = dL/d(forward_train's output) through every layer: each layer's
  /// parameter gradients land in gradients() (overwritten, not added), and dL/dx in dx when
  /// dx.data is set. x must be the batch of the last forward_train.
  void backward_train(TensorView<const T> x, TensorView<const T> dy, TensorView<T> dx = {});
  /// One optimizer step with the gradients of the last backward_train; false (and no step)
  /// when a gradient is not finite.
  bool apply_gradients();
  /// Whether the last layer emits logits that the loss turns into probabilities (a sigmoid
  /// output compiled with binary cross-entropy).
  bool outputs_logits() const { return !layers_.empty() && layers_.back()->emits_logits(); }
  /// The activity penalties of the last forward pass, added to the loss as Keras adds them.
  double regularization_loss() const {
    double penalty = 0;
    for (const auto& l : layers_) penalty += l->regularization_loss();
    return penalty;
  }
  /// @}

  /// Restores the optimizer's state (Optimizer::set_state), as load_training_state does.
  void set_optimizer_state(long long steps, const std::vector<T>& values) {
    require_compiled("set_optimizer_state");
    optimizer_->set_state(steps, values, param_count());
  }
  /// The model's copy of the optimizer; null before compile.
  const Optimizer<T>* optimizer() const { return optimizer_.get(); }
  /// The loss given to compile.
  LossKind loss() const { return loss_; }

 private:
  friend class ModelSlice<T>;

  /// Mean loss over (x, y) in batches, with a progress bar at `verbose`. With a communicator of
  /// several processes each computes a contiguous run of batches and the batch losses are added
  /// in batch order, which gives the same bits as one process.
  double evaluate_batches(TensorView<const T> x, TensorView<const T> y, Index batch_size, Verbosity verbose,
                          Communicator* comm = nullptr);

  /// train_step on samples order[first, first + count) of (x, y) (rows first.. when order is null).
  double batch_step(const Tensor<T>& x, const Tensor<T>& y, const std::vector<Index>* order, Index first, Index count);

  /// One data-parallel step on samples order[first, first + count) of (x, y) (rows first.. when
  /// order is null): this process computes its shards (communicator.hpp), the shard gradients
  /// are summed in shard order across the processes, and every process applies the same update.
  /// Returns the batch's loss; last_step_applied_ says whether the update was applied.
  double sharded_step(const Tensor<T>& x, const Tensor<T>& y, const std::vector<Index>* order, Index first,
                      Index count, Communicator& comm, Index shards);

  /// Why this model cannot be trained in shards ("" when it can).
  std::string shard_obstacle() const {
    for (const auto& l : layers_) {
      if (l->state_count() > 0)
        return "layer '" + l->name() + "' (" + l->kind() +
               ") keeps batch statistics, which shards would compute on part of each batch";
      if (l->draws_training_noise())
        return "layer '" + l->name() + "' (" + l->kind() + ") draws noise numbered by its own training passes";
    }
    return "";
  }

  void set_training(bool on) {
    for (auto& l : layers_) l->set_training(on);
  }

  Index index_of(const std::string& name) const {
    std::string names;
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      if (layers_[i]->name() == name) return static_cast<Index>(i);
      names += (i ? ", " : "") + layers_[i]->name();
    }
    throw ConfigError("Sequential: no layer named '" + name + "' (the layers: " + names + ")");
  }

  /// The first `n_layers` layers on one batch; the last layer's raw output (logits when fused).
  TensorView<const T> run_layers(TensorView<const T> x, Index n_layers);

  /// Back-propagates dy = dL/d(last layer's output, the logits when fused) through every layer
  /// after run_layers(x), leaving each layer's parameter gradients in gradients(). The first
  /// layer's dL/dx is not computed.
  void backward_batch(TensorView<const T> x, TensorView<const T> dy, TensorView<T> input_grad = {});

  /// Binary cross-entropy after a sigmoid output layer is computed from the logits, as Keras
  /// does (losses/loss.hpp): the last layer then emits z and the model applies the sigmoid
  /// where a prediction is asked for. Any other pairing keeps the layer's own activation.
  void fuse_output_with_loss() {
    for (auto& l : layers_) l->emit_logits(false);
    if (!layers_.empty() && optimizer_ && loss_ == LossKind::binary_crossentropy &&
        layers_.back()->activation() == Activation::sigmoid && !layers_.back()->activity_regularizer().active())
      layers_.back()->emit_logits(true);
  }

  static std::string with_commas(Index n) {
    std::string s = std::to_string(n);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
    return s;
  }

  std::string unique_name(const std::string& prefix) {
    const int k = name_counts_[prefix]++;
    return k == 0 ? prefix : prefix + "_" + std::to_string(k);
  }

  void require_built(const char* what) const {
    if (!built_)
      throw ConfigError(std::string(what) + ": the model is not built; call build() or compile() first");
  }
  void require_compiled(const char* what) const {
    if (!optimizer_)
      throw ConfigError(std::string(what) + ": the model is not compiled; call compile(optimizer, loss) first");
    require_built(what);
  }

  void check_data(const char* what, const Tensor<T>& x, const Tensor<T>* y, Index batch_size) const;

  /// Sizes every buffer for batches of up to `batch` samples (they only ever grow).
  void reserve(Index batch);

  /// One of the two ping-pong buffers for dL/d(output of `layer`), shaped for `count` samples.
  TensorView<T> grad_buffer(int which, std::size_t layer, Index count) {
    return {grad_buffers_[which].data(), layers_[layer]->output_shape().with_batch(count)};
  }

  /// dst = src rows order[first .. first + count), one sample per row.
  static void gather_rows(const Tensor<T>& src, const std::vector<Index>& order, Index first,
                          Index count, Tensor<T>& dst) {
    const Index row = src.size() / src.dim(0);
    dst.resize(src.shape().without_batch().with_batch(count));
    parallel_for_range(count, 64, [&](Index r0, Index r1) {
      for (Index r = r0; r < r1; ++r)
        std::memcpy(dst.data() + r * row, src.data() + order[static_cast<std::size_t>(first + r)] * row,
                    static_cast<std::size_t>(row) * sizeof(T));
    });
  }

  Shape input_shape_;
  std::vector<LayerPtr<T>> layers_;
  std::map<std::string, int> name_counts_;
  bool built_ = false;

  Tensor<T> params_, grads_;  // every layer's parameters and gradients, back to back
  Tensor<T> state_;           // every layer's non-trainable state, back to back
  NonFinitePolicy non_finite_ = NonFinitePolicy::stop;
  bool last_step_applied_ = false;
  std::unique_ptr<Optimizer<T>> optimizer_;
  LossKind loss_ = LossKind::mse;

  // Buffers for one batch, sized by reserve() and reused.
  Index reserved_batch_ = 0;
  std::vector<Tensor<T>> activations_;  // output of each layer (empty for reshapes)
  std::vector<TensorView<const T>> outputs_;  // what each layer produced in the last forward pass
  Tensor<T> grad_buffers_[2];           // dL/d(activation), alternating between layers
  Tensor<T> x_batch_, y_batch_;         // the shuffled batch, gathered
  Tensor<T> probabilities_;             // sigmoid(z) of a fused output, for predictions
  std::vector<double> loss_partials_;
  Tensor<T> shard_grads_;                // this process's weighted shard gradients, back to back
  std::vector<double> shard_losses_, all_shard_losses_;
  std::vector<Index> shard_counts_;  // shards per process
  std::string shard_problem_;  // which shard's loss was not finite in the last sharded step
};

// ---- Sequential's longer members, defined outside the class so that the precompiled mode's
// `extern template` keeps them out of users' translation units.

template <class T>
Layer<T>& Sequential<T>::add(LayerPtr<T> layer) {
  if (!layer) throw ConfigError("Sequential::add: null layer");
  const std::size_t index = layers_.size();
  layer->set_name(unique_name(layer->name_prefix()));
  const Shape in = output_shape();
  try {
    layer->setup(in);
  } catch (const ShapeError& e) {
    std::string where = "Sequential: layer " + std::to_string(index) + " '" + layer->name() +
                        "' (" + layer->kind() + ") cannot take input " + in.to_string() + " from ";
    where += index == 0 ? std::string("the model input")
                        : "layer " + std::to_string(index - 1) + " '" + layers_.back()->name() +
                              "' (" + layers_.back()->kind() + ")";
    throw ShapeError(where + ": " + e.what());
  }
  layers_.push_back(std::move(layer));
  built_ = false;
  fuse_output_with_loss();
  return *layers_.back();
}
template <class T>
void Sequential<T>::build(std::uint64_t seed) {
  const Index n = param_count();
  params_.resize(Shape{n});
  grads_.resize(Shape{n});
  state_.resize(Shape{state_count()});
  Index offset = 0, state_offset = 0;
  Rng rng(seed);
  for (auto& l : layers_) {
    l->bind(params_.data() + offset, grads_.data() + offset);
    l->bind_state(l->state_count() > 0 ? state_.data() + state_offset : nullptr);
    l->init(rng);
    offset += l->param_count();
    state_offset += l->state_count();
  }
  grads_.fill(T(0));
  built_ = true;
  if (optimizer_) optimizer_->reset(n);
}
template <class T>
std::string Sequential<T>::summary_string(const std::string& model_name) const {
  constexpr int kNameEnd = 29, kShapeEnd = 55, kLineLength = 65;
  auto row = [&](const std::string& a, const std::string& b, const std::string& c) {
    std::string s = a;
    s.resize(std::max<std::size_t>(s.size() + 1, kNameEnd), ' ');
    s += b;
    s.resize(std::max<std::size_t>(s.size() + 1, kShapeEnd), ' ');
    s += c;
    return s + "\n";
  };
  const std::string rule(kLineLength, '_'), double_rule(kLineLength, '=');
  std::string s = "Model: \"" + model_name + "\"\n" + rule + "\n";
  s += row("Layer (type)", "Output Shape", "Param #") + double_rule + "\n";
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const auto& l = *layers_[i];
    s += row(l.name() + " (" + l.kind() + ")", l.output_shape().to_batch_string(),
             with_commas(l.param_count() + l.state_count()));  // Keras counts both
    s += (i + 1 < layers_.size() ? rule : double_rule) + "\n";
  }
  if (layers_.empty()) s += double_rule + "\n";
  s += "Total params: " + with_commas(param_count() + state_count()) + "\n";
  s += "Trainable params: " + with_commas(param_count()) + "\n";
  s += "Non-trainable params: " + with_commas(state_count()) + "\n" + rule + "\n";
  return s;
}
template <class T>
History Sequential<T>::fit(const Tensor<T>& x, const Tensor<T>& y, const FitOptions<T>& options) {
  require_compiled("fit");
  const FlushDenormalsGuard flush_denormals_guard;  // as TensorFlow: see core/flush_denormals.hpp
  const int epochs = options.epochs;
  const Index batch_size = options.batch_size;
  const bool shuffle = options.shuffle;
  check_data("fit", x, &y, batch_size);
  if (epochs < 0) throw ConfigError("fit: epochs must be >= 0, got " + std::to_string(epochs));
  if (!(options.validation_split >= 0 && options.validation_split < 1))
    throw ConfigError("fit: validation_split must be in [0, 1), got " + std::to_string(options.validation_split));
  if (options.validation_split > 0 && options.validation_data.x)
    throw ConfigError("fit: give validation_data or validation_split, not both");
  // Keras's split: the last fraction of the samples, before shuffling.
  const Index n = options.validation_split > 0
                      ? static_cast<Index>(static_cast<double>(x.dim(0)) * (1.0 - options.validation_split))
                      : x.dim(0);
  if (n == 0) throw ConfigError("fit: validation_split leaves no training samples");
  TensorView<const T> val_x, val_y;
  if (options.validation_data.x || options.validation_data.y) {
    if (!options.validation_data.x || !options.validation_data.y)
      throw ConfigError("fit: validation_data needs both x and y");
    check_data("fit (validation_data)", *options.validation_data.x, options.validation_data.y, batch_size);
    val_x = options.validation_data.x->view();
    val_y = options.validation_data.y->view();
  } else if (n < x.dim(0)) {
    val_x = x.view().rows(n, x.dim(0) - n);
    val_y = y.view().rows(n, x.dim(0) - n);
  }
  if (options.initial_epoch < 0)
    throw ConfigError("fit: initial_epoch must be >= 0, got " + std::to_string(options.initial_epoch));
  // Data-parallel steps: shards of every batch, summed in shard order (communicator.hpp).
  const bool sharded = options.shards > 0 || options.communicator;
  LocalCommunicator this_process_only;
  Communicator& comm = options.communicator ? *options.communicator : this_process_only;
  if (options.shards < 0) throw ConfigError("fit: shards must be >= 0, got " + std::to_string(options.shards));
  if (options.communicator && options.shards == 0)
    throw ConfigError("fit: training with a communicator needs ae::shards = S (the same S on every process, "
                      "at least the number of processes; the result then does not depend on it)");
  if (sharded) {
    const std::string obstacle = shard_obstacle();
    if (!obstacle.empty()) throw ConfigError("fit: cannot train in shards: " + obstacle);
    // Every process starts from process 0's weights.
    comm.broadcast(params_.data(), params_.size(), 0);
  }
  const Verbosity verbose = comm.rank() == 0 ? options.verbose : Verbosity::silent;
  const Index steps = detail::ceil_div(n, batch_size);
  reserve(sharded ? detail::ceil_div(batch_size, options.shards) : batch_size);
  std::ostream& out = log_stream();

  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index(0));
  Rng rng(options.seed);
  // Resuming at initial_epoch: replay the shuffles of the epochs before it.
  if (shuffle)
    for (int epoch = 0; epoch < options.initial_epoch; ++epoch) rng.shuffle(order.begin(), order.end());
  History history;
  this->clear_stop_request();
  for (Callback<T>* c : options.callbacks) c->on_train_begin(*this);
  for (int epoch = options.initial_epoch; epoch < epochs && !this->stop_training_requested(); ++epoch) {
    if (shuffle) rng.shuffle(order.begin(), order.end());
    if (verbose != Verbosity::silent) out << "Epoch " << epoch + 1 << "/" << epochs << "\n";
    ProgressBar bar(steps, verbose, out);
    double loss_sum = 0.0;  // sum of batch loss * batch size: the epoch mean weights samples equally
    Index skipped = 0, skipped_samples = 0;
    for (Index step = 0; step < steps; ++step) {
      const Index first = step * batch_size, count = std::min(batch_size, n - first);
      const std::vector<Index>* shuffled = shuffle ? &order : nullptr;
      const double loss = sharded ? sharded_step(x, y, shuffled, first, count, comm, options.shards)
                                  : batch_step(x, y, shuffled, first, count);
      if (!std::isfinite(loss) || !last_step_applied_) {
        const std::string where =
            "at epoch " + std::to_string(epoch + 1) + ", batch " + std::to_string(step + 1) + "/" + std::to_string(steps);
        const std::string what = !std::isfinite(loss) ? std::string("the loss became ") +
                                                             (std::isnan(loss) ? "NaN" : "infinite") +
                                                             (sharded ? shard_problem_ : std::string())
                                                       : std::string("the gradient became NaN or infinite");
        if (non_finite_ == NonFinitePolicy::stop)
          throw NumericError("fit: " + what + " " + where +
                             "; training stopped and the parameters of the last good step were kept "
                             "(try a smaller learning rate, or check the data for NaN)");
        ++skipped;
        skipped_samples += count;
        if (skipped == steps)
          throw NumericError("fit: every batch of epoch " + std::to_string(epoch + 1) +
                             " had a non-finite loss or gradient; training stopped with the parameters of the "
                             "last good step");
        continue;
      }
      loss_sum += loss * static_cast<double>(count);
      bar.update(step + 1, loss_sum / static_cast<double>(first + count - skipped_samples));
    }
    const double epoch_loss = loss_sum / static_cast<double>(n - skipped_samples);
    history.skipped_batches.push_back(skipped);
    double val_loss = std::numeric_limits<double>::quiet_NaN();
    if (val_x) {
      val_loss = evaluate_batches(val_x, val_y, batch_size, Verbosity::silent, sharded ? &comm : nullptr);
      history.val_loss.push_back(val_loss);
    }
    bar.finish(epoch_loss, val_loss);
    history.loss.push_back(epoch_loss);
    history.seconds.push_back(bar.seconds_since_start());
    EpochLogs logs;
    logs.epoch = epoch;
    logs.loss = epoch_loss;
    logs.val_loss = val_loss;
    logs.seconds = history.seconds.back();
    logs.rank = comm.rank();
    for (Callback<T>* c : options.callbacks) c->on_epoch_end(*this, logs);
  }
  for (Callback<T>* c : options.callbacks) c->on_train_end(*this);
  return history;
}
template <class T>
double Sequential<T>::batch_step(const Tensor<T>& x, const Tensor<T>& y, const std::vector<Index>* order, Index first,
                                 Index count) {
  if (!order) return train_step(x.view().rows(first, count), y.view().rows(first, count));
  gather_rows(x, *order, first, count, x_batch_);
  if (&y == &x) return train_step(x_batch_.view(), x_batch_.view());  // an autoencoder's target is its input
  gather_rows(y, *order, first, count, y_batch_);
  return train_step(x_batch_.view(), y_batch_.view());
}
template <class T>
double Sequential<T>::sharded_step(const Tensor<T>& x, const Tensor<T>& y, const std::vector<Index>* order,
                                   Index first, Index count, Communicator& comm, Index shards) {
  last_step_applied_ = false;
  const ShardPlan plan{count, shards, comm.size()};
  const Index my_first = plan.shard_begin(comm.rank()), my_shards = plan.shard_begin(comm.rank() + 1) - my_first;
  // This process needs only the samples of its own shards.
  const Index row_begin = plan.sample_begin(my_first), rows = plan.sample_begin(my_first + my_shards) - row_begin;
  TensorView<const T> xs = x.view().rows(first + row_begin, rows), ys = y.view().rows(first + row_begin, rows);
  if (order && rows > 0) {
    gather_rows(x, *order, first + row_begin, rows, x_batch_);
    xs = x_batch_.view();
    if (&y == &x) {
      ys = xs;
    } else {
      gather_rows(y, *order, first + row_begin, rows, y_batch_);
      ys = y_batch_.view();
    }
  }
  const Index n = params_.size();
  shard_grads_.resize(Shape{std::max<Index>(my_shards, 1) * n});
  shard_losses_.assign(static_cast<std::size_t>(my_shards), 0.0);  // keeps its capacity
  set_training(true);
  struct InferenceAfter {  // back to inference mode, even if a layer throws
    Sequential& model;
    ~InferenceAfter() { model.set_training(false); }
  } restore{*this};
  for (Index k = 0; k < my_shards; ++k) {
    const Index s = my_first + k, samples = plan.samples(s), offset = plan.sample_begin(s) - row_begin;
    T* slot = shard_grads_.data() + k * n;
    if (samples == 0) {  // a last batch smaller than the number of shards
      std::fill(slot, slot + n, T(0));
      comm.shard_ready(shard_grads_.data(), n, plan, k);
      continue;
    }
    const TensorView<const T> xb = xs.rows(offset, samples), yb = ys.rows(offset, samples);
    const TensorView<const T> output = run_layers(xb, size());
    TensorView<T> dy = grad_buffer(0, layers_.size() - 1, samples);
    const double shard_loss =
        compute_loss<T>(loss_, output, yb, dy, loss_partials_, outputs_logits()) + regularization_loss();
    backward_batch(xb, dy);
    // The shard's share of the batch mean: w_s = n_s / count.
    const double weight = static_cast<double>(samples) / static_cast<double>(count);
    shard_losses_[static_cast<std::size_t>(k)] = shard_loss * weight;
    const T w = static_cast<T>(weight);
    const T* g = grads_.data();
    parallel_for_range(n, detail::kOptimizerChunk, [&](Index i0, Index i1) {
      for (Index i = i0; i < i1; ++i) slot[i] = w * g[i];
    });
    comm.shard_ready(shard_grads_.data(), n, plan, k);  // its exchange overlaps the next shard
  }
  // The batch loss: every shard's share, added in shard order on every process.
  shard_counts_.resize(static_cast<std::size_t>(comm.size()));
  for (int p = 0; p < comm.size(); ++p)
    shard_counts_[static_cast<std::size_t>(p)] = plan.shard_begin(p + 1) - plan.shard_begin(p);
  all_shard_losses_.resize(static_cast<std::size_t>(shards));
  comm.all_gather(shard_losses_.data(), shard_counts_.data(), all_shard_losses_.data());
  double loss = 0;
  for (double l : all_shard_losses_) loss += l;
  shard_problem_.clear();
  for (Index s = 0; s < shards && shard_problem_.empty(); ++s)
    if (!std::isfinite(all_shard_losses_[static_cast<std::size_t>(s)])) {
      int owner = 0;
      while (plan.shard_begin(owner + 1) <= s) ++owner;
      shard_problem_ = " (first in shard " + std::to_string(s) + " of " + std::to_string(shards) + ", computed by process " +
                       std::to_string(owner) + " of " + std::to_string(comm.size()) + ")";
    }
  // The batch gradient: the shard gradients folded in shard order (communicator.hpp).
  comm.sum_in_shard_order(shard_grads_.data(), n, plan, grads_.data());
  if (!std::isfinite(loss)) return loss;
  if (!apply_gradients()) return loss;
  last_step_applied_ = true;
  return loss;
}
template <class T>
double Sequential<T>::train_step(TensorView<const T> xb, TensorView<const T> yb) {
  require_compiled("train_step");
  const FlushDenormalsGuard flush_denormals_guard;
  last_step_applied_ = false;
  const Index count = xb.batch();
  reserve(count);
  // Training mode for this step's forward and backward passes (Dropout, BatchNormalization).
  struct TrainingMode {
    Sequential& model;
    explicit TrainingMode(Sequential& m) : model(m) { model.set_training(true); }
    ~TrainingMode() { model.set_training(false); }
  } training_mode(*this);
  const TensorView<const T> output = run_layers(xb, size());  // the logits, when fused
  TensorView<T> dy = grad_buffer(0, layers_.size() - 1, count);
  const double loss =
      compute_loss<T>(loss_, output, yb, dy, loss_partials_, outputs_logits()) + regularization_loss();
  if (!std::isfinite(loss)) return loss;
  backward_batch(xb, dy);
  if (!detail::all_finite_parallel(grads_.data(), grads_.size())) return loss;
  last_step_applied_ = true;
  // Finite gradients give finite updates (Adam refuses epsilon = 0), so this only fires when a
  // parameter overflows: the step is applied and cannot be taken back, and the error says so.
  if (!optimizer_->step(params_.data(), grads_.data(), params_.size()))
    throw NumericError("train_step: the " + optimizer_->name() +
                       " update made a parameter NaN or infinite (an overflow) although the loss and the "
                       "gradients were finite; the parameters are those of that update, not of the step before");
  return loss;
}
template <class T>
double Sequential<T>::evaluate(const Tensor<T>& x, const Tensor<T>& y, const EvaluateOptions& options) {
  require_compiled("evaluate");
  check_data("evaluate", x, &y, options.batch_size);
  return evaluate_batches(x.view(), y.view(), options.batch_size, options.verbose, options.communicator);
}
template <class T>
std::vector<Tensor<T>> Sequential<T>::get_weights() const {
  require_built("get_weights");
  std::vector<Tensor<T>> all;
  for (const auto& l : layers_)
    for (auto& w : l->get_weights()) all.push_back(std::move(w));
  return all;
}
template <class T>
void Sequential<T>::set_weights(const std::vector<Tensor<T>>& weights) {
  require_built("set_weights");
  std::size_t expected = 0;
  for (const auto& l : layers_) expected += l->all_weight_shapes().size();
  if (weights.size() != expected)
    throw ShapeError("Sequential::set_weights: " + std::to_string(weights.size()) + " arrays given, the model has " +
                     std::to_string(expected));
  std::size_t k = 0;
  for (const auto& l : layers_)
    for (const Shape& s : l->all_weight_shapes()) {
      if (weights[k].shape() != s)
        throw ShapeError("Sequential::set_weights: array " + std::to_string(k) + " (layer '" + l->name() + "') has shape " +
                         weights[k].shape().to_string() + ", expected " + s.to_string());
      ++k;
    }
  k = 0;
  for (const auto& l : layers_) {
    const std::size_t count = l->all_weight_shapes().size();
    l->set_weights(std::vector<Tensor<T>>(weights.begin() + long(k), weights.begin() + long(k + count)));
    k += count;
  }
}
template <class T>
TensorView<const T> Sequential<T>::forward_batch(TensorView<const T> x, Index n_layers) {
  require_built("forward");
  const FlushDenormalsGuard flush_denormals_guard;
  if (n_layers < 0) n_layers = size();
  const TensorView<const T> out = run_layers(x, n_layers);
  if (n_layers < size() || !outputs_logits()) return out;
  // A sigmoid output fused with its loss holds z: the prediction is sigmoid(z).
  probabilities_.resize(out.shape);
  Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>(probabilities_.data(), out.size()) =
      Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>(out.data, out.size()).logistic();
  return probabilities_.view();
}
template <class T>
double Sequential<T>::evaluate_batches(TensorView<const T> x, TensorView<const T> y, Index batch_size, Verbosity verbose,
                                       Communicator* comm) {
  const FlushDenormalsGuard flush_denormals_guard;
  const Index n = x.batch(), steps = detail::ceil_div(n, batch_size);
  reserve(std::min(batch_size, n));
  // With several processes, process p computes batches [p * steps / P, (p + 1) * steps / P).
  const int processes = comm ? comm->size() : 1, rank = comm ? comm->rank() : 0;
  const auto first_batch = [&](int p) { return static_cast<Index>(p) * steps / processes; };
  if (rank != 0) verbose = Verbosity::silent;
  ProgressBar bar(first_batch(rank + 1) - first_batch(rank), verbose, log_stream());
  std::vector<double> weighted(static_cast<std::size_t>(first_batch(rank + 1) - first_batch(rank)));
  double loss_sum = 0.0;
  for (Index step = first_batch(rank); step < first_batch(rank + 1); ++step) {
    const Index first = step * batch_size, count = std::min(batch_size, n - first);
    const auto output = run_layers(x.rows(first, count), size());
    const double batch_loss =
        (compute_loss<T>(loss_, output, y.rows(first, count), TensorView<T>(), loss_partials_, outputs_logits()) +
         regularization_loss()) *
        static_cast<double>(count);
    weighted[static_cast<std::size_t>(step - first_batch(rank))] = batch_loss;
    loss_sum += batch_loss;
    bar.update(step - first_batch(rank) + 1, loss_sum / static_cast<double>(first + count - first_batch(rank) * batch_size));
  }
  if (processes > 1) {  // every batch's loss everywhere, added in batch order as one process adds them
    std::vector<Index> counts(static_cast<std::size_t>(processes));
    for (int p = 0; p < processes; ++p) counts[static_cast<std::size_t>(p)] = first_batch(p + 1) - first_batch(p);
    std::vector<double> all(static_cast<std::size_t>(steps));
    comm->all_gather(weighted.data(), counts.data(), all.data());
    loss_sum = 0.0;
    for (double l : all) loss_sum += l;
  }
  const double loss = loss_sum / static_cast<double>(n);
  bar.finish(loss);
  return loss;
}
template <class T>
TensorView<const T> Sequential<T>::run_layers(TensorView<const T> x, Index n_layers) {
  const Index count = x.batch();
  reserve(count);
  TensorView<const T> in = x;
  for (std::size_t i = 0; i < static_cast<std::size_t>(n_layers); ++i) {
    Layer<T>& layer = *layers_[i];
    const Shape shape = layer.output_shape().with_batch(count);
    if (layer.reshapes_only()) {
      outputs_[i] = {in.data, shape};  // Flatten, Reshape: the same memory, a new shape
    } else {
      activations_[i].resize(shape);
      layer.forward(in, activations_[i].view());
      outputs_[i] = activations_[i].view();
    }
    in = outputs_[i];
  }
  return in;
}
template <class T>
void Sequential<T>::backward_batch(TensorView<const T> x, TensorView<const T> dy, TensorView<T> input_grad) {
  const Index count = x.batch();
  for (std::size_t i = layers_.size(); i-- > 0;) {
    Layer<T>& layer = *layers_[i];
    if (layer.reshapes_only()) {
      dy = {dy.data, layer.input_shape().with_batch(count)};
      continue;
    }
    const TensorView<const T> in = i == 0 ? x : outputs_[i - 1];
    TensorView<T> dx = input_grad;  // written into whichever ping-pong buffer does not hold dy
    if (i > 0) dx = grad_buffer(dy.data == grad_buffers_[0].data() ? 1 : 0, i - 1, count);
    layer.backward(in, outputs_[i], dy, dx);
    dy = dx;
    if (i == 0) return;
  }
  // Only reshapes before this point (or no layer at all): dL/dx is dy in the input's shape.
  if (input_grad && dy.data != input_grad.data) std::copy(dy.data, dy.data + dy.size(), input_grad.data);
}

template <class T>
TensorView<const T> Sequential<T>::forward_train(TensorView<const T> x) {
  require_built("forward_train");
  const FlushDenormalsGuard flush_denormals_guard;
  if (x.shape.rank() == 0 || x.shape.without_batch() != input_shape_)
    throw ShapeError("forward_train: x has shape " + x.shape.to_string() + ", the model takes " +
                     input_shape_.to_batch_string());
  reserve(x.batch());
  set_training(true);
  struct InferenceAfter {  // back to inference mode, even if a layer throws
    Sequential& model;
    ~InferenceAfter() { model.set_training(false); }
  } restore{*this};
  return run_layers(x, size());
}

template <class T>
TensorView<const T> Sequential<T>::forward_raw(TensorView<const T> x) {
  require_built("forward_raw");
  const FlushDenormalsGuard flush_denormals_guard;
  if (x.shape.rank() == 0 || x.shape.without_batch() != input_shape_)
    throw ShapeError("forward_raw: x has shape " + x.shape.to_string() + ", the model takes " +
                     input_shape_.to_batch_string());
  return run_layers(x, size());
}

template <class T>
void Sequential<T>::backward_train(TensorView<const T> x, TensorView<const T> dy, TensorView<T> dx) {
  require_built("backward_train");
  const FlushDenormalsGuard flush_denormals_guard;
  if (dy.shape != output_shape().with_batch(x.batch()))
    throw ShapeError("backward_train: dy has shape " + dy.shape.to_string() + ", expected " +
                     output_shape().with_batch(x.batch()).to_string());
  if (dx && dx.shape != x.shape)
    throw ShapeError("backward_train: dx has shape " + dx.shape.to_string() + ", expected " + x.shape.to_string());
  backward_batch(x, dy, dx);
}

template <class T>
bool Sequential<T>::apply_gradients() {
  require_compiled("apply_gradients");
  const FlushDenormalsGuard flush_denormals_guard;
  if (!detail::all_finite_parallel(grads_.data(), grads_.size())) return false;
  if (!optimizer_->step(params_.data(), grads_.data(), params_.size()))
    throw NumericError("apply_gradients: the " + optimizer_->name() +
                       " update made a parameter NaN or infinite (an overflow) although the gradients were finite");
  return true;
}
template <class T>
void Sequential<T>::check_data(const char* what, const Tensor<T>& x, const Tensor<T>* y, Index batch_size) const {
  if (batch_size <= 0)
    throw ConfigError(std::string(what) + ": batch_size must be > 0, got " + std::to_string(batch_size));
  if (x.rank() == 0 || x.shape().without_batch() != input_shape_)
    throw ShapeError(std::string(what) + ": x has shape " + x.shape().to_string() +
                     " but the model takes samples of shape " + input_shape_.to_string() +
                     " (expected " + input_shape_.to_batch_string() + ")");
  if (x.dim(0) == 0) throw ShapeError(std::string(what) + ": x has no samples");
  if (y && (y->rank() == 0 || y->shape().without_batch() != output_shape()))
    throw ShapeError(std::string(what) + ": y has shape " + y->shape().to_string() +
                     " but the model outputs " + output_shape().to_batch_string());
  if (y && y->dim(0) != x.dim(0))
    throw ShapeError(std::string(what) + ": x has " + std::to_string(x.dim(0)) + " samples but y has " +
                     std::to_string(y->dim(0)));
}
template <class T>
void Sequential<T>::reserve(Index batch) {
  if (batch <= reserved_batch_ && activations_.size() == layers_.size()) return;
  batch = std::max(batch, reserved_batch_);
  activations_.resize(layers_.size());
  outputs_.resize(layers_.size());
  Index largest = 0;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (!layers_[i]->reshapes_only()) activations_[i].resize(layers_[i]->output_shape().with_batch(batch));
    largest = std::max(largest, layers_[i]->output_shape().size());
  }
  for (auto& g : grad_buffers_) g.resize(Shape{batch * largest});
  x_batch_.resize(input_shape_.with_batch(batch));
  y_batch_.resize(output_shape().with_batch(batch));
  reserved_batch_ = batch;
}

}  // namespace autoenc

namespace autoenc {

/// Layers [0, last) of a Sequential model, sharing its weights: Keras's
/// Model(inputs=model.input, outputs=model.layers[last - 1].output). Made by model.slice(0, last)
/// or model.up_to(name); it refers to the model, so it is valid as long as the model lives where
/// it is (moving the model invalidates its slices).
///
///     auto encoder = model.up_to("dense");        // the chapter CNN's layers 0-3
///     Tensor<float> latent = encoder.predict(x);  // (60000, 64)
template <class T>
class ModelSlice {
 public:
  /// Number of layers.
  Index size() const { return last_ - first_; }
  /// The model's input shape.
  const Shape& input_shape() const { return model_->input_shape(); }
  /// The last layer's output shape: the shape of one sample of predict's result.
  const Shape& output_shape() const { return model_->layer(last_ - 1).output_shape(); }
  /// Layer i of the slice.
  Layer<T>& layer(Index i) { return model_->layer(first_ + i); }

  /// The slice's outputs for x in batches (named ae::batch_size, default 32; ae::verbose,
  /// default 0). The result has shape (N, output_shape...).
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  Tensor<T> predict(const Tensor<T>& x, Args&&... args) {
    EvaluateOptions options;
    options.verbose = Verbosity::silent;
    detail::apply_named_args(options, std::forward<Args>(args)...);
    return predict(x, options);
  }
  /// predict(x, batch_size, named arguments...).
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  Tensor<T> predict(const Tensor<T>& x, Index batch_size, Args&&... args) {
    EvaluateOptions options;
    options.batch_size = batch_size;
    options.verbose = Verbosity::silent;
    detail::apply_named_args(options, std::forward<Args>(args)...);
    return predict(x, options);
  }
  /// predict with a filled-in options struct (its verbose is used as given).
  Tensor<T> predict(const Tensor<T>& x, const EvaluateOptions& options);

 private:
  friend class Sequential<T>;
  ModelSlice(Sequential<T>& model, Index first, Index last) : model_(&model), first_(first), last_(last) {}

  Sequential<T>* model_;
  Index first_, last_;
};

template <class T>
Tensor<T> ModelSlice<T>::predict(const Tensor<T>& x, const EvaluateOptions& options) {
  Sequential<T>& m = *model_;
  m.require_built("predict");
  const FlushDenormalsGuard flush_denormals_guard;
  m.check_data("predict", x, nullptr, options.batch_size);
  const Shape out_shape = output_shape();
  const Index n = x.dim(0), steps = detail::ceil_div(n, options.batch_size), row = out_shape.size();
  Tensor<T> out(out_shape.with_batch(n));
  // With several processes, process p predicts batches [p * steps / P, (p + 1) * steps / P) and
  // every process receives all rows.
  Communicator* comm = options.communicator;
  const int processes = comm ? comm->size() : 1, rank = comm ? comm->rank() : 0;
  const auto first_row = [&](int p) { return std::min(n, static_cast<Index>(p) * steps / processes * options.batch_size); };
  ProgressBar bar(steps, rank == 0 ? options.verbose : Verbosity::silent, log_stream());
  std::vector<T> mine;
  if (processes > 1) mine.resize(static_cast<std::size_t>((first_row(rank + 1) - first_row(rank)) * row));
  for (Index first = first_row(rank); first < first_row(rank + 1); first += options.batch_size) {
    const Index count = std::min(options.batch_size, n - first);
    const auto y = m.forward_batch(x.view().rows(first, count), last_);
    T* dst = processes > 1 ? mine.data() + (first - first_row(rank)) * row : out.data() + first * row;
    std::copy(y.data, y.data + y.size(), dst);
    bar.update(first / options.batch_size + 1, std::numeric_limits<double>::quiet_NaN());
  }
  if (processes > 1) {
    std::vector<Index> counts(static_cast<std::size_t>(processes));
    for (int p = 0; p < processes; ++p) counts[static_cast<std::size_t>(p)] = (first_row(p + 1) - first_row(p)) * row;
    comm->all_gather(mine.data(), counts.data(), out.data());
  }
  bar.finish();
  return out;
}

template <class T>
void Sequential<T>::save(const std::string& path) const {
  save_model(*this, path);  // found at instantiation, in serialize.hpp (included below)
}

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template class Sequential<float>;
extern template class Sequential<double>;
extern template class ModelSlice<float>;
extern template class ModelSlice<double>;
#endif

}  // namespace autoenc

// save() writes through save_model; serialize.hpp includes this header first.
#include "serialize.hpp"
