#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include <autoenc/autoenc.hpp>

using namespace autoenc;

namespace {
// Whether std::exp(float) is the glibc expf whose bits exp_float_nonpositive reproduces: glibc
// 2.27 or later on x86-64, in the variant (FMA or not) this file was compiled as.
bool libm_is_glibc_expf_as_compiled() {
#if defined(__GLIBC__) && defined(__x86_64__) && defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 27)
#ifdef __FMA__
  const bool compiled_with_fma = true;
#else
  const bool compiled_with_fma = false;
#endif
  return compiled_with_fma == (__builtin_cpu_supports("fma") && __builtin_cpu_supports("avx2"));
#endif
#endif
  return false;
}
const bool kLibmIsGlibcX86 = libm_is_glibc_expf_as_compiled();
}  // namespace

namespace {
const Activation kAll[] = {Activation::linear, Activation::relu, Activation::sigmoid, Activation::tanh,
                           Activation::elu,    Activation::selu, Activation::softplus};
}

TEST_CASE("Activations compute their textbook formulas", "[activation]") {
  for (double z : {-3.0, -0.5, 0.25, 2.0}) {
    CHECK(activation_value(Activation::relu, z) == Approx(std::max(z, 0.0)));
    CHECK(activation_value(Activation::sigmoid, z) == Approx(1 / (1 + std::exp(-z))));
    CHECK(activation_value(Activation::tanh, z) == Approx(std::tanh(z)));
    CHECK(activation_value(Activation::elu, z) == Approx(z > 0 ? z : std::exp(z) - 1));
    CHECK(activation_value(Activation::selu, z) ==
          Approx(1.0507009873554805 * (z > 0 ? z : 1.6732632423543772 * (std::exp(z) - 1))));
    CHECK(activation_value(Activation::softplus, z) == Approx(std::log1p(std::exp(z))));
    CHECK(activation_value(Activation::linear, z) == z);
  }
  CHECK(activation_value(Activation::elu, -50) == Approx(-1.0));  // ELU tends to -alpha
}

TEST_CASE("Sigmoid and softplus stay finite for huge inputs", "[activation]") {
  float z[4] = {-1000.f, -88.f, 88.f, 1000.f};
  activation_forward(Activation::sigmoid, z, 4);
  for (float v : z) CHECK(std::isfinite(v));
  CHECK(z[0] == 0.0f);
  CHECK(z[3] == 1.0f);
  float s[2] = {-1000.f, 1000.f};
  activation_forward(Activation::softplus, s, 2);
  CHECK(s[0] == Approx(0.0f).margin(1e-30));
  CHECK(s[1] == Approx(1000.f));
}

TEST_CASE("Activation derivatives from the output match finite differences", "[activation][grad]") {
  const double h = 1e-6;
  for (Activation a : kAll) {
    for (double z : {-2.5, -0.7, -0.01, 0.02, 0.6, 3.1}) {
      const double y = activation_value(a, z);
      const double numeric = (activation_value(a, z + h) - activation_value(a, z - h)) / (2 * h);
      double dy = 1.0, dz = std::nan("");
      activation_backward<double>(a, &y, &dy, &dz, 1);
      INFO(activation_name(a) << " at z = " << z);
      CHECK(dz == Approx(numeric).epsilon(1e-6).margin(1e-8));
    }
  }
}

TEST_CASE("Activations are found by their Keras names", "[activation]") {
  for (Activation a : kAll) CHECK(activation_from_name(activation_name(a)) == a);
  CHECK_THROWS_WITH(activation_from_name("rleu"), Catch::Contains("unknown activation 'rleu'"));
}

TEST_CASE("ELU and SELU in double are exact to 1e-15 relative, near 0 included", "[activation]") {
  // The reference is std::expm1 in long double; the float path's Taylor branch (|z| < 1/64)
  // would be off by up to z^4 / 120 = 5e-10 relative here.
  double worst = 0, at = 0;
  for (int i = 0; i <= 200000; ++i) {
    // z from -40 to -1e-12, denser near 0 where e^z - 1 cancels: -40 * 10^(-12 (i / 200000))
    const double z = -40.0 * std::pow(10.0, -13.6 * i / 200000.0);
    const double y = activation_value(Activation::elu, z);
    const double exact = static_cast<double>(std::expm1(static_cast<long double>(z)));
    const double rel = std::abs(y - exact) / std::abs(exact);
    if (rel > worst) worst = rel, at = z;
  }
  INFO("worst relative error " << worst << " at z = " << at);
  CHECK(worst <= 1e-15);
  const double z = -1.0 / 100;
  CHECK(activation_value(Activation::selu, z) ==
        Approx(detail::kSeluScale * detail::kSeluAlpha * double(std::expm1(static_cast<long double>(z)))).epsilon(1e-15));
}

TEST_CASE("Float activations used in training match the double functions over a dense sweep", "[activation][float]") {
  // Every 397th float in [-80, 80] (about 10 million values, each sign), computed in float and
  // compared with the double function. The bounds are what these float kernels achieve (Eigen's
  // vectorised exp, tanh and logistic; ELU's Taylor branch) with a margin; a wrong constant, a
  // branch at the wrong place or a lost sign breaks them by orders of magnitude.
  struct Bound {
    Activation activation;
    double relative;  ///< |y_float - y| <= relative |y| + absolute
    double absolute;
  };
  constexpr double ulp = 5.96e-8;  // 2^-24, half the gap between floats in [1, 2)
  const Bound bounds[] = {
      {Activation::linear, 0, 0},
      {Activation::relu, 0, 0},
      // Eigen's float logistic is a rational approximation accurate in absolute terms (about
      // 1.5e-7); in the far negative tail, where sigmoid < 1.3e-4, it keeps only about 3 digits.
      {Activation::sigmoid, 1.5e-3, 3 * ulp},
      {Activation::tanh, 8 * ulp, 1e-37},
      // e^z - 1 below z = -1/64 loses up to 6 bits relative, never more than 2^-24 absolute.
      {Activation::elu, 64 * ulp, ulp},
      {Activation::selu, 64 * ulp, 2 * ulp},  // the same e^z - 1, times 1.76
      {Activation::softplus, 8 * ulp, 1e-37},
  };
  for (const Bound& b : bounds) {
    std::vector<float> z;
    for (int sign = 0; sign < 2; ++sign)
      for (std::uint32_t bits = 0;; bits += 397) {
        const std::uint32_t pattern = bits | (sign ? 0x80000000u : 0u);
        float v;
        std::memcpy(&v, &pattern, sizeof v);
        if (std::abs(v) > 80) break;
        z.push_back(v);
      }
    std::vector<float> y = z;
    activation_forward<float>(b.activation, y.data(), Index(y.size()));
    double worst = 0;
    float at = 0;
    for (std::size_t i = 0; i < z.size(); ++i) {
      const double exact = activation_value(b.activation, double(z[i]));
      const double excess = std::abs(double(y[i]) - exact) / (b.relative * std::abs(exact) + b.absolute + 1e-300);
      if (excess > worst) worst = excess, at = z[i];
    }
    INFO(activation_name(b.activation) << ": worst error " << worst << " x the bound, at z = " << at);
    CHECK(worst <= 1.0);
  }
}

TEST_CASE("ELU and SELU in float give the bits of their elementwise formula", "[activation][float][determinism]") {
  // The float forward pass skips the exponential where z > -1/64 and vectorises the rest; it must
  // still give, bit for bit, the formula evaluated one element at a time (the training results
  // of earlier versions depend on it). Every 397th float pattern, both signs, NaN and
  // infinities included.
  std::vector<float> z;
  for (std::uint32_t bits = 0; bits < 0xFFFFFFFFu - 397; bits += 397) {
    float v;
    std::memcpy(&v, &bits, sizeof v);
    z.push_back(v);
  }
  for (Activation a : {Activation::elu, Activation::selu}) {
    const float alpha = a == Activation::elu ? float(detail::kEluAlpha) : float(detail::kSeluAlpha);
    const float scale = a == Activation::elu ? 1.0f : float(detail::kSeluScale);
    std::vector<float> y = z;
    activation_forward(a, y.data(), static_cast<Index>(y.size()));
    // The formula as an Eigen expression, which Eigen evaluates one element at a time.
    Eigen::ArrayXf reference = Eigen::Map<const Eigen::ArrayXf>(z.data(), static_cast<Index>(z.size()));
    reference = scale * (reference > 0.0f).select(reference, alpha * detail::expm1_nonpositive(reference.min(0.0f)));
    std::size_t differ = 0;
    for (std::size_t i = 0; i < z.size(); ++i) {
      const float expected = reference(static_cast<Index>(i));
      if (std::isnan(expected) ? !std::isnan(y[i]) : std::memcmp(&expected, &y[i], sizeof(float)) != 0) {
        // The exponential gives glibc's bits (see the next test); another libm may round
        // differently, by one unit in the last place at most.
        // (e^z - 1 cancels near z = -1/64, so the bound is absolute there: an ulp of e^z.)
        if (kLibmIsGlibcX86 || std::abs(y[i] - expected) > std::abs(expected) * 1.2e-7f + std::abs(scale * alpha) * 0x1p-23f)
          ++differ;
      }
    }
    INFO(activation_name(a));
    CHECK(differ == 0);
  }
}

TEST_CASE("exp_float_nonpositive gives the bits of glibc's expf", "[activation][float][determinism]") {
  // Every 61st float pattern at or below zero (the negative half, -0, -infinity and negative
  // NaNs), and the edges: the underflow threshold, the smallest normal and subnormal results.
  std::vector<float> x;
  for (std::uint64_t bits = 0x80000000u; bits <= 0xFFFFFFFFu; bits += 61) {
    float v;
    const auto b = static_cast<std::uint32_t>(bits);
    std::memcpy(&v, &b, sizeof v);
    x.push_back(v);
  }
  for (float v : {0.0f, -0.0f, -0x1.9fe368p6f, std::nextafter(-0x1.9fe368p6f, 0.0f), std::nextafter(-0x1.9fe368p6f, -1.0f),
                  -87.33654f, -103.2789f, -1e-30f, -1.0f / 64, -std::numeric_limits<float>::infinity(),
                  std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::denorm_min()})
    x.push_back(v);
  std::vector<float> e(x.size());
  detail::exp_float_nonpositive(x.data(), e.data(), static_cast<Index>(x.size()));
  std::size_t differ = 0, worse_than_one_ulp = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const float libm = std::exp(x[i]);
    if (std::isnan(libm)) {
      differ += !std::isnan(e[i]);
      continue;
    }
    if (std::memcmp(&libm, &e[i], sizeof(float)) != 0) ++differ;
    const double exact = std::exp(double(x[i]));
    const double ulp = std::max(double(std::nextafter(float(exact), INFINITY)) - double(float(exact)), 0x1p-149);
    if (std::abs(double(e[i]) - exact) > ulp) ++worse_than_one_ulp;
  }
  CHECK(worse_than_one_ulp == 0);
  if (kLibmIsGlibcX86) CHECK(differ == 0);
}

TEMPLATE_TEST_CASE("Bias gradients are each channel's sum over the rows in order, on any thread count",
                   "[activation][determinism]", float, double) {
  using T = TestType;
  const int threads_before = num_threads();
  // Channel counts around the register blocks (a cache line is 16 floats or 8 doubles, a
  // thread's block four lines) and rows from one to enough for the threads to share the work.
  for (Index channels : {1, 3, 8, 16, 17, 40, 64, 65, 100, 784}) {
    for (Index rows : {1, 7, 300, 2000}) {
      std::vector<T> m(static_cast<std::size_t>(rows * channels));
      Rng rng(std::uint64_t(rows * 1000 + channels));
      for (T& v : m) v = T(rng.normal() * 100);  // magnitudes that make the order visible
      std::vector<T> expected(static_cast<std::size_t>(channels), T(0));
      for (Index r = 0; r < rows; ++r)
        for (Index c = 0; c < channels; ++c) expected[std::size_t(c)] += m[std::size_t(r * channels + c)];
      for (int threads : {1, 2}) {
        set_num_threads(threads);
        std::vector<T> sums(static_cast<std::size_t>(channels), T(-1));
        detail::sum_rows_in_order(m.data(), rows, channels, sums.data());
        INFO("channels " << channels << ", rows " << rows << ", threads " << threads);
        CHECK(std::memcmp(sums.data(), expected.data(), sizeof(T) * sums.size()) == 0);
      }
    }
  }
  set_num_threads(threads_before);
}
