// A user's program: a tiny autoencoder trained through the installed or embedded library, its
// codes clustered and mapped, the model saved and read back. It reaches every part a program
// links against in the precompiled mode (the model, KMeans, t-SNE, the scores, the files).
#include <autoenc/autoenc.hpp>

#include <cstdio>

int main() {
  namespace ae = autoenc;
  ae::Sequential<float> model({16}, ae::Dense<float>(4, "elu"), ae::Dense<float>(16, "sigmoid"));
  model.compile(ae::Adam<float>(1e-2), "mse");
  ae::Tensor<float> x({64, 16});
  for (ae::Index i = 0; i < x.size(); ++i) x[i] = float((i * 7) % 16) / 16.0f;
  const auto history = model.fit(x, x, 30, 16, ae::shuffle = true, ae::seed = 1, ae::verbose = ae::Verbosity::silent);
  std::printf("autoenc %s: loss %.4f -> %.4f\n", AUTOENC_VERSION_STRING, history.loss.front(), history.loss.back());

  const ae::Tensor<float> codes = model.up_to("dense").predict(x);
  ae::KMeans<float> kmeans(3, ae::n_init = 2, ae::random_state = 0);
  const std::vector<int> labels = kmeans.fit(codes).labels_;
  ae::TSNE tsne(ae::perplexity = 5.0, ae::n_iter = 250, ae::random_state = 0);
  const auto& map = tsne.fit_transform(codes.matrix());
  std::printf("kmeans inertia %.4f, ARI with itself %.1f, t-SNE map %lld x %lld\n", kmeans.inertia_,
              ae::adjusted_rand_score(labels, labels), static_cast<long long>(map.rows()),
              static_cast<long long>(map.cols()));

  ae::save_model(model, "consumer.model");
  ae::Sequential<float> again({16}, ae::Dense<float>(4, "elu"), ae::Dense<float>(16, "sigmoid"));
  ae::load_weights(again, "consumer.model");
  ae::save_npy("consumer_codes.npy", codes);
  const bool same = again.get_weights()[0][0] == model.get_weights()[0][0] &&
                    ae::load_npy<float>("consumer_codes.npy")[3] == codes[3];
  std::remove("consumer.model");
  std::remove("consumer_codes.npy");
  return history.loss.back() < history.loss.front() && same && map.rows() == 64 ? 0 : 1;
}
