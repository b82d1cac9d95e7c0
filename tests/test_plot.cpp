#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>

#include <stb_image.h>

#include <autoenc/plot/plot.hpp>

using namespace autoenc;
using namespace autoenc::plot;

namespace {
bool near(Color a, Color b, double tol = 0.02) {
  return std::abs(a.r - b.r) < tol && std::abs(a.g - b.g) < tol && std::abs(a.b - b.b) < tol;
}
bool is_white(Color c) { return near(c, {1, 1, 1}, 1e-6); }
}  // namespace

TEST_CASE("A point lands at the pixel the transform says", "[plot]") {
  Axes ax;
  ax.set_xlim(0, 10).set_ylim(0, 100);
  const Transform t = ax.transform(50, 20, 200, 100);
  const Point p = t(5, 50);
  CHECK(p.x == Approx(150));
  CHECK(p.y == Approx(70));  // y grows upwards in data, downwards in pixels
  CHECK(t(0, 0).y == Approx(120));
  CHECK(t(10, 100).x == Approx(250));

  // Drawn through a figure, each marker's centre pixel takes that marker's colour, and the
  // pixel under a place where nothing was drawn stays white.
  Figure fig(300, 200);
  auto& a = fig.axes();
  a.set_xlim(0, 10).set_ylim(0, 10);
  a.scatter({2.0}, {7.0}, std::vector<Color>{{1, 0, 0}}, {Marker::circle, 4, 0, {}, ""});
  a.scatter({8.0}, {3.0}, std::vector<Color>{{0, 0, 1}}, {Marker::circle, 4, 0, {}, ""});
  const Canvas c = fig.render();
  const Transform panel = fig.panel_transform();
  // The panel sits inside the figure, with the margins for tick labels on the left and below.
  CHECK(panel.left > 0.1 * 300);
  CHECK(panel.left + panel.width < 300);
  CHECK(panel.top + panel.height < 200 - 20);
  const auto pixel_at = [&](double x, double y) {
    const Point p = panel(x, y);
    return c.pixel(int(std::floor(p.x)), int(std::floor(p.y)));
  };
  CHECK(near(pixel_at(2, 7), {1, 0, 0}));
  CHECK(near(pixel_at(8, 3), {0, 0, 1}));
  CHECK(is_white(pixel_at(8, 7)));
  CHECK(is_white(pixel_at(2, 3)));
}

TEST_CASE("Colormaps hit their end points and middle", "[plot]") {
  const auto gray = Colormap::named("gray");
  CHECK(near(gray(0), {0, 0, 0}, 1e-12));
  CHECK(near(gray(1), {1, 1, 1}, 1e-12));
  CHECK(near(gray(0.5), {0.5, 0.5, 0.5}, 1e-12));
  const auto rainbow = Colormap::named("rainbow");
  CHECK(near(rainbow(0), {0.5, 0, 1}));  // matplotlib: purple
  CHECK(near(rainbow(1), {1, 0, 0}));    // red
  CHECK(near(rainbow(0.5), {0.5, 1, 0.7071}));
  const auto viridis = Colormap::named("viridis");
  CHECK(near(viridis(0), {0.267, 0.005, 0.329}));  // matplotlib's first and last entries
  CHECK(near(viridis(1), {0.993, 0.906, 0.144}));
  CHECK(near(viridis(0.5), {0.128, 0.567, 0.551}));
  // Discrete: 10 bands, each the colour at its centre.
  const auto bands = Colormap::named("rainbow", 10);
  CHECK(near(bands(0.0), rainbow(0.05), 1e-12));
  CHECK(near(bands(0.09), rainbow(0.05), 1e-12));
  CHECK(near(bands(0.95), rainbow(0.95), 1e-12));
  CHECK_THROWS_AS(Colormap::named("jet"), ConfigError);
}

TEST_CASE("A line colours its end points and its middle", "[plot]") {
  Canvas c(40, 40);
  c.line({5, 5}, {35, 30}, {0, 0, 1}, 2);
  CHECK(near(c.pixel(5, 5), {0, 0, 1}, 0.3));
  CHECK(near(c.pixel(34, 29), {0, 0, 1}, 0.3));
  CHECK(near(c.pixel(20, 17), {0, 0, 1}, 0.3));
  CHECK(is_white(c.pixel(35, 5)));
  // Non-finite end points draw nothing.
  Canvas d(10, 10);
  d.line({1, 1}, {std::nan(""), 5}, {0, 0, 0}, 2);
  for (int y = 0; y < 10; ++y)
    for (int x = 0; x < 10; ++x) REQUIRE(is_white(d.pixel(x, y)));
}

TEST_CASE("Text renders glyphs inside its box", "[plot]") {
  Canvas c(200, 60);
  const double w = c.text_width("Epoch 10", 20);
  CHECK(w > 40);
  CHECK(w < 150);
  c.text("Epoch 10", 10, 10, 20, {0, 0, 0});
  int dark = 0, outside = 0;
  for (int y = 0; y < 60; ++y)
    for (int x = 0; x < 200; ++x) {
      const bool ink = c.pixel(x, y).r < 0.5;
      const bool in_box = x >= 9 && x <= 10 + w + 1 && y >= 9 && y <= 10 + 20 * 1.3;
      dark += ink && in_box;
      outside += ink && !in_box;
    }
  CHECK(dark > 50);
  CHECK(outside == 0);
}

TEST_CASE("A written figure reads back with the same size and pixels", "[plot]") {
  Canvas c(37, 23, {0.2, 0.4, 0.6});
  c.fill_rect(3, 4, 10, 12, {1, 0, 0});
  const std::string path = "/tmp/autoenc-plot-test.png";
  c.save_png(path);
  int w = 0, h = 0, n = 0;
  unsigned char* px = stbi_load(path.c_str(), &w, &h, &n, 3);
  REQUIRE(px != nullptr);
  CHECK(w == 37);
  CHECK(h == 23);
  const auto rgb = c.to_rgb8();
  CHECK(std::equal(rgb.begin(), rgb.end(), px));
  CHECK(int(px[(5 * 37 + 5) * 3]) == 255);
  CHECK(int(px[0 * 3 + 2]) == 153);
  stbi_image_free(px);
  std::remove(path.c_str());
}

TEST_CASE("Student t and normal densities match known values", "[plot]") {
  // scipy.stats.t.pdf(0, 2.74) = Gamma(1.87) / (sqrt(2.74 pi) Gamma(1.37)) = 0.36480344404681475
  CHECK(student_t_pdf(0, 2.74) == Approx(0.36480344404681475).margin(1e-6));
  CHECK(student_t_pdf(0, 1) == Approx(1 / 3.14159265358979323846).epsilon(1e-12));  // Cauchy
  CHECK(student_t_pdf(1, 1) == Approx(0.5 / 3.14159265358979323846).epsilon(1e-12));
  CHECK(student_t_pdf(2, 2.74) == Approx(student_t_pdf(-2, 2.74)).epsilon(1e-15));
  CHECK(normal_pdf(0) == Approx(0.3989422804014327).epsilon(1e-12));
  // The t density has heavier tails than the normal: the chapter's point.
  CHECK(student_t_pdf(4, 2.74) > 10 * normal_pdf(4));
}

TEST_CASE("Bad plot input is skipped or refused, never drawn at random", "[plot]") {
  Axes ax;
  ax.scatter({1, std::nan(""), 3, INFINITY}, {1, 2, std::nan(""), 4}, std::vector<Color>{{0, 0, 0}});
  CHECK(ax.skipped() == 3);
  CHECK_THROWS_AS(ax.plot({1, 2}, {1}), ConfigError);
  CHECK_THROWS_AS(Figure(0, 100), ConfigError);
  CHECK_THROWS_AS(Canvas(-1, 5), ConfigError);
  Figure empty(100, 80);
  empty.axes().plot({}, {});  // an empty series draws an empty panel: a frame, white inside
  const Canvas blank = empty.render();
  const Transform t = empty.panel_transform();
  int inked = 0;
  for (int y = int(t.top) + 2; y < int(t.top + t.height) - 2; ++y)
    for (int x = int(t.left) + 2; x < int(t.left + t.width) - 2; ++x) inked += !is_white(blank.pixel(x, y));
  CHECK(inked == 0);
  CHECK(blank.pixel(int(t.left + t.width / 2), int(std::lround(t.top))).r < 0.5);  // the top of the frame
  CHECK_THROWS_AS(empty.save_png("/nonexistent-dir/x.png"), IoError);
  CHECK(nice_ticks(0, 1).size() >= 5);
  CHECK(nice_ticks(1, 1).empty());
}
