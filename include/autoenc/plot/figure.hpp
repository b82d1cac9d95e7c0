/// @file
/// Figure and Axes: a small subset of matplotlib's vocabulary, enough to draw every chart of
/// the chapter as a PNG: line plots, reference lines, scatter plots coloured through a colormap,
/// arrows, images and image thumbnails placed at data coordinates, legends, colorbars, titles,
/// and a grid of panels.
///
///     autoenc::plot::Figure fig(800, 600);
///     auto& ax = fig.axes();
///     ax.plot(x, relu, {Color::named("red"), 2, /*dashed*/ true, "relu"});
///     ax.axvline(0, Color::named("gray")).legend().title("activations");
///     fig.save_png("out/activations.png");
///
/// Points with NaN or infinite coordinates are skipped (and counted in Axes::skipped()), never
/// drawn at arbitrary places.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "canvas.hpp"
#include "color.hpp"

namespace autoenc {
namespace plot {

/// How Axes::plot draws a line (matplotlib's color=, linewidth=, linestyle='--', label=).
struct LineStyle {
  Color color{0.122, 0.467, 0.706};  ///< matplotlib's first colour, 'tab:blue'
  double width = 1.5;  ///< in points (1/72 inch)
  bool dashed = false;  ///< dashes instead of a solid line
  std::string label;    ///< the legend's text; empty: not in the legend
};

/// The shape of a scatter plot's points.
enum class Marker {
  point,    ///< a small disc, half the size (matplotlib's '.')
  circle,   ///< a disc with an optional outline ('o')
  diamond   ///< a diamond, taller than wide ('D')
};

/// How Axes::scatter draws points (matplotlib's marker=, s=, linewidths=, edgecolors=, label=).
struct MarkerStyle {
  Marker marker = Marker::circle;  ///< the shape
  double size = 3;     ///< radius in points
  double edge_width = 0;  ///< outline width in points; 0: no outline
  Color edge{0, 0, 0};    ///< outline colour
  std::string label;      ///< the legend's text; empty: not in the legend
};

/// Data range of one axis.
struct Range {
  /// The smallest value seen (+infinity before any).
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  /// @var hi
  /// The largest value seen (-infinity before any).

  /// No finite value seen yet.
  bool empty() const { return !(hi >= lo); }
  /// Widens the range to `v`; NaN and infinities are ignored.
  void add(double v) {
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
};

/// "Nice" tick positions covering [lo, hi]: steps of 1, 2 or 5 times a power of ten.
inline std::vector<double> nice_ticks(double lo, double hi, int target = 6) {
  std::vector<double> ticks;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return ticks;
  const double raw = (hi - lo) / target, mag = std::pow(10.0, std::floor(std::log10(raw))), norm = raw / mag;
  const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return ticks;
}

/// A tick label with as many decimals as the spacing of the ticks needs.
inline std::string tick_label(double v, double step) {
  const int decimals = std::max(0, int(std::ceil(-std::log10(step) - 1e-9)));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

/// The Student t probability density with nu degrees of freedom (figure 9.9):
///
///     Gamma((nu + 1) / 2) / (sqrt(nu pi) Gamma(nu / 2)) (1 + x^2 / nu)^(-(nu + 1) / 2)
inline double student_t_pdf(double x, double nu) {
  const double pi = 3.14159265358979323846;
  return std::exp(std::lgamma((nu + 1) / 2) - std::lgamma(nu / 2)) / std::sqrt(nu * pi) *
         std::pow(1 + x * x / nu, -(nu + 1) / 2);
}

/// The standard normal density exp(-x^2 / 2) / sqrt(2 pi) (figure 9.9's comparison).
inline double normal_pdf(double x) { return std::exp(-x * x / 2) / std::sqrt(2 * 3.14159265358979323846); }

/// The pixel rectangle an Axes draws into, and the data-to-pixel transform (the one place
/// where data coordinates become pixels; y grows upwards in data, downwards in pixels).
struct Transform {
  double left, top, width, height;  // pixels
  double x0, x1, y0, y1;            // data limits
  /// @var left
  /// Left edge of the plotting area, in pixels.
  /// @var top
  /// Top edge of the plotting area, in pixels.
  /// @var width
  /// Width of the plotting area, in pixels.
  /// @var height
  /// Height of the plotting area, in pixels.
  /// @var x0
  /// The data x at the left edge.
  /// @var x1
  /// The data x at the right edge.
  /// @var y0
  /// The data y at the bottom edge.
  /// @var y1
  /// The data y at the top edge.

  /// The pixel position of data point (x, y).
  Point operator()(double x, double y) const {
    return {left + (x - x0) / (x1 - x0) * width, top + height - (y - y0) / (y1 - y0) * height};
  }
};

/// One panel of a Figure (matplotlib's Axes): what to draw, collected by calls that return the
/// Axes for chaining, and drawn when the figure renders.
class Axes {
 public:
  /// A line through (x[i], y[i]).
  Axes& plot(const std::vector<double>& x, const std::vector<double>& y, LineStyle style = {}) {
    check_sizes(x.size(), y.size(), "plot");
    std::vector<std::pair<double, double>> pts;
    for (std::size_t i = 0; i < x.size(); ++i) pts.push_back({x[i], y[i]});
    for (const auto& p : pts) note(p.first, p.second);
    artists_.push_back([pts, style](Canvas& c, const Transform& t, double scale) {
      std::vector<Point> px;
      for (const auto& p : pts)
        if (std::isfinite(p.first) && std::isfinite(p.second)) px.push_back(t(p.first, p.second));
        else px.push_back({std::nan(""), std::nan("")});  // a gap in the line
      c.polyline(px, style.color, style.width * scale,
                 style.dashed ? std::vector<double>{3.7 * style.width * scale, 1.6 * style.width * scale}
                              : std::vector<double>{});
    });
    if (!style.label.empty()) legend_.push_back({style.label, style, nullptr});
    return *this;
  }

  /// A vertical (axvline) or horizontal (axhline) line across the whole panel.
  Axes& axvline(double x, Color color = {0, 0, 0}, double width = 1.0) {
    ref_lines_.push_back({true, x, color, width});
    return *this;
  }
  /// A horizontal line across the whole panel at data y (matplotlib's axhline).
  Axes& axhline(double y, Color color = {0, 0, 0}, double width = 1.0) {
    ref_lines_.push_back({false, y, color, width});
    return *this;
  }

  /// Points coloured one by one.
  Axes& scatter(const std::vector<double>& x, const std::vector<double>& y, const std::vector<Color>& colors,
                MarkerStyle style = {}) {
    check_sizes(x.size(), y.size(), "scatter");
    if (colors.size() != x.size() && colors.size() != 1)
      throw ConfigError("scatter: " + std::to_string(colors.size()) + " colours for " + std::to_string(x.size()) + " points");
    std::vector<std::pair<double, double>> pts;
    for (std::size_t i = 0; i < x.size(); ++i) {
      pts.push_back({x[i], y[i]});
      note(x[i], y[i]);
    }
    artists_.push_back([pts, colors, style](Canvas& c, const Transform& t, double scale) {
      for (std::size_t i = 0; i < pts.size(); ++i)
        if (std::isfinite(pts[i].first) && std::isfinite(pts[i].second))
          draw_marker(c, t(pts[i].first, pts[i].second), style, colors[colors.size() == 1 ? 0 : i], scale);
    });
    if (!style.label.empty()) {
      LineStyle swatch;
      swatch.color = colors[0];
      legend_.push_back({style.label, swatch, std::make_shared<MarkerStyle>(style)});
    }
    return *this;
  }

  /// Points coloured by value through a colormap over [vmin, vmax] (matplotlib's c=, cmap=).
  Axes& scatter(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& values,
                const Colormap& cmap, double vmin, double vmax, MarkerStyle style = {}) {
    if (values.size() != x.size())
      throw ConfigError("scatter: " + std::to_string(values.size()) + " values for " + std::to_string(x.size()) + " points");
    std::vector<Color> colors;
    for (double v : values) colors.push_back(cmap((v - vmin) / (vmax - vmin)));
    return scatter(x, y, colors, style);
  }

  /// An arrow from (x0, y0) to (x1, y1): a shaft and a triangular head.
  Axes& arrow(double x0, double y0, double x1, double y1, Color color = {0, 0, 0}, double width = 1.5) {
    note(x0, y0);
    note(x1, y1);
    artists_.push_back([=](Canvas& c, const Transform& t, double scale) {
      const Point a = t(x0, y0), b = t(x1, y1);
      const double len = std::hypot(b.x - a.x, b.y - a.y);
      if (!(len > 0)) return;
      const double ux = (b.x - a.x) / len, uy = (b.y - a.y) / len, head = std::min(10.0 * scale, len * 0.6);
      const Point base{b.x - ux * head, b.y - uy * head};
      c.line(a, base, color, width * scale);
      c.polygon({b, {base.x - uy * head * 0.4, base.y + ux * head * 0.4}, {base.x + uy * head * 0.4, base.y - ux * head * 0.4}},
                color);
    });
    return *this;
  }

  /// An image filling the panel, row 0 at the top (imshow); the limits become the image's.
  Axes& imshow(const std::vector<float>& values, int rows, int cols, Colormap cmap = Colormap::named("gray"),
               double vmin = 0, double vmax = 1) {
    if (int(values.size()) != rows * cols) throw ConfigError("imshow: image size does not match rows x cols");
    equal_aspect_ = true;
    set_xlim(-0.5, cols - 0.5);
    set_ylim(rows - 0.5, -0.5);
    artists_.push_back([=](Canvas& c, const Transform& t, double) {
      const Point a = t(-0.5, -0.5), b = t(cols - 0.5, rows - 0.5);
      c.image(values.data(), rows, cols, std::min(a.x, b.x), std::min(a.y, b.y), std::max(a.x, b.x), std::max(a.y, b.y),
              cmap, vmin, vmax);
    });
    return *this;
  }

  /// A small image centred at data point (x, y), `zoom` screen pixels per image pixel
  /// (matplotlib's OffsetImage in an AnnotationBbox).
  Axes& thumbnail(double x, double y, const std::vector<float>& values, int rows, int cols, double zoom = 1.0,
                  Colormap cmap = Colormap::named("gray")) {
    if (int(values.size()) != rows * cols) throw ConfigError("thumbnail: image size does not match rows x cols");
    note(x, y);
    artists_.push_back([=](Canvas& c, const Transform& t, double scale) {
      if (!std::isfinite(x) || !std::isfinite(y)) return;
      const Point p = t(x, y);
      const double w = cols * zoom * scale, h = rows * zoom * scale;
      c.image(values.data(), rows, cols, p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2, cmap, 0, 1);
      c.polyline({{p.x - w / 2, p.y - h / 2}, {p.x + w / 2, p.y - h / 2}, {p.x + w / 2, p.y + h / 2},
                  {p.x - w / 2, p.y + h / 2}, {p.x - w / 2, p.y - h / 2}},
                 {0, 0, 0}, 0.8 * scale);
    });
    return *this;
  }

  /// A colorbar to the right of the panel for `cmap` over [vmin, vmax], with ticks at `ticks`
  /// (automatic when empty). With a discrete colormap of N bands over [-0.5, N - 0.5] and
  /// ticks 0..N-1, each tick sits at the centre of its band.
  Axes& colorbar(Colormap cmap, double vmin, double vmax, std::vector<double> ticks = {}) {
    colorbar_ = true;
    cbar_ = {cmap, vmin, vmax, ticks.empty() ? nice_ticks(vmin, vmax) : ticks};
    return *this;
  }

  /// The panel's title, above it.
  Axes& title(const std::string& t) {
    title_ = t;
    return *this;
  }
  /// Shows a legend of the labelled lines and points, in the emptier upper corner.
  Axes& legend() {
    show_legend_ = true;
    return *this;
  }
  /// No frame, ticks or tick labels (matplotlib's axis('off') / empty xticks and yticks).
  Axes& axis_off() {
    axes_visible_ = false;
    return *this;
  }
  /// Frame without ticks (plt.xticks([]); plt.yticks([])).
  Axes& no_ticks() {
    ticks_visible_ = false;
    return *this;
  }
  /// Fixes the x range instead of fitting it to the data.
  Axes& set_xlim(double lo, double hi) {
    xlim_ = {lo, hi};
    fixed_x_ = true;
    return *this;
  }
  /// Fixes the y range instead of fitting it to the data.
  Axes& set_ylim(double lo, double hi) {
    ylim_ = {lo, hi};
    fixed_y_ = true;
    return *this;
  }

  /// Points given with a NaN or infinite coordinate (skipped, not drawn).
  std::size_t skipped() const { return skipped_; }

  /// The transform for a panel whose drawing area is the given pixel rectangle.
  Transform transform(double left, double top, double width, double height) const {
    Transform t{left, top, width, height, 0, 1, 0, 1};
    auto limits = [](const Range& data, bool fixed, std::pair<double, double> lim, double& lo, double& hi) {
      if (fixed) {
        lo = lim.first, hi = lim.second;
      } else if (data.empty()) {
        lo = 0, hi = 1;
      } else {
        const double span = data.hi - data.lo, pad = span > 0 ? 0.05 * span : 0.5;  // matplotlib's 5% margins
        lo = data.lo - pad, hi = data.hi + pad;
      }
    };
    limits(x_, fixed_x_, xlim_, t.x0, t.x1);
    limits(y_, fixed_y_, ylim_, t.y0, t.y1);
    return t;
  }

  /// Where the panel draws in the cell (x, y, w, h) of a canvas (`scale` = pixels per point):
  /// the plotting area left after room for ticks, labels, title and colorbar, and its
  /// data-to-pixel transform.
  Transform layout(double x, double y, double w, double h, double scale) const {
    const double font = 10 * scale, title_font = 12 * scale;
    const bool labels = axes_visible_ && ticks_visible_;
    double left = x + (labels ? std::max(0.1 * w, 4.2 * font) : 0.04 * w);
    double right = x + w - (colorbar_ ? std::max(0.16 * w, 6 * font) : 0.04 * w);
    double top = y + (title_.empty() ? 0.05 * h : std::max(0.09 * h, 2.2 * title_font));
    double bottom = y + h - (labels ? std::max(0.09 * h, 2.6 * font) : 0.04 * h);
    if (equal_aspect_ && right - left >= 4 && bottom - top >= 4) {
      // Square pixels for images: shrink the box to the data's aspect, centred.
      const Transform full = transform(left, top, right - left, bottom - top);
      const double data_aspect = std::abs(full.x1 - full.x0) / std::abs(full.y1 - full.y0);
      const double box_w = right - left, box_h = bottom - top;
      if (box_w / box_h > data_aspect) {
        const double shrink = (box_w - box_h * data_aspect) / 2;
        left += shrink, right -= shrink;
      } else {
        const double shrink = (box_h - box_w / data_aspect) / 2;
        top += shrink, bottom -= shrink;
      }
    }
    return transform(left, top, right - left, bottom - top);
  }

  /// Draws the panel into the cell (x, y, w, h) of the canvas; `scale` = pixels per point.
  void render(Canvas& c, double x, double y, double w, double h, double scale) const {
    const double font = 10 * scale, title_font = 12 * scale;
    const Transform t = layout(x, y, w, h, scale);
    const double left = t.left, top = t.top, right = t.left + t.width, bottom = t.top + t.height;
    if (t.width < 4 || t.height < 4) return;  // too small to draw anything

    c.clip(left, top, right, bottom);
    for (const auto& r : ref_lines_) {
      if (r.vertical) c.line(t(r.at, t.y0), t(r.at, t.y1), r.color, r.width * scale);
      else c.line(t(t.x0, r.at), t(t.x1, r.at), r.color, r.width * scale);
    }
    for (const auto& a : artists_) a(c, t, scale);
    c.unclip();

    if (axes_visible_) {
      const Color black{0, 0, 0};
      const double lw = 0.8 * scale;
      c.polyline({{left, top}, {right, top}, {right, bottom}, {left, bottom}, {left, top}}, black, lw);
      if (ticks_visible_) {
        draw_ticks(c, t, true, font, scale);
        draw_ticks(c, t, false, font, scale);
      }
    }
    if (!title_.empty()) c.text(title_, (left + right) / 2, top - 0.6 * title_font, title_font, {0, 0, 0}, 0, 1);
    if (show_legend_ && !legend_.empty()) draw_legend(c, t, font, scale);
    if (colorbar_) draw_colorbar(c, right, top, bottom, font, scale);
  }

 private:
  struct RefLine {
    bool vertical;
    double at;
    Color color;
    double width;
  };
  struct LegendEntry {
    std::string label;
    LineStyle line;
    std::shared_ptr<MarkerStyle> marker;  // null: a line entry
  };
  struct ColorbarSpec {
    Colormap cmap;
    double vmin = 0, vmax = 1;
    std::vector<double> ticks;
  };

  void check_sizes(std::size_t nx, std::size_t ny, const char* what) const {
    if (nx != ny)
      throw ConfigError(std::string(what) + ": " + std::to_string(nx) + " x values but " + std::to_string(ny) + " y values");
  }
  void note(double x, double y) {
    if (!std::isfinite(x) || !std::isfinite(y)) {
      ++skipped_;
      return;
    }
    x_.add(x);
    y_.add(y);
    if (sample_points_.size() < kMaxSamplePoints) sample_points_.push_back({x, y});
  }
  static constexpr std::size_t kMaxSamplePoints = 20000;  // for placing the legend

  static void draw_marker(Canvas& c, Point p, const MarkerStyle& m, Color fill, double scale) {
    const double r = m.size * scale;
    switch (m.marker) {
      case Marker::point: c.disc(p, std::max(0.5, r * 0.5), fill); break;
      case Marker::circle: c.disc(p, r, fill, m.edge_width * scale, m.edge); break;
      case Marker::diamond:
        c.polygon({{p.x, p.y - r * 1.3}, {p.x + r, p.y}, {p.x, p.y + r * 1.3}, {p.x - r, p.y}}, fill, m.edge_width * scale,
                  m.edge);
        break;
    }
  }

  void draw_ticks(Canvas& c, const Transform& t, bool x_axis, double font, double scale) const {
    const double lo = x_axis ? std::min(t.x0, t.x1) : std::min(t.y0, t.y1);
    const double hi = x_axis ? std::max(t.x0, t.x1) : std::max(t.y0, t.y1);
    const auto ticks = nice_ticks(lo, hi, x_axis ? 6 : 5);
    const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1;
    const Color black{0, 0, 0};
    for (double v : ticks) {
      if (x_axis) {
        const Point p = t(v, t.y0);
        const double base = t.top + t.height;
        c.line({p.x, base}, {p.x, base + 3.5 * scale}, black, 0.8 * scale);
        c.text(tick_label(v, step), p.x, base + 5 * scale, font, black, 0, -1);
      } else {
        const Point p = t(t.x0, v);
        c.line({t.left, p.y}, {t.left - 3.5 * scale, p.y}, black, 0.8 * scale);
        c.text(tick_label(v, step), t.left - 5 * scale, p.y, font, black, 1, 0);
      }
    }
  }

  void draw_legend(Canvas& c, const Transform& t, double font, double scale) const {
    double text_w = 0;
    for (const auto& e : legend_) text_w = std::max(text_w, c.text_width(e.label, font));
    const double row = font * 1.5, sample = 2.2 * font, pad = 0.5 * font;
    const double box_w = pad * 3 + sample + text_w, box_h = pad * 2 + row * double(legend_.size());
    // Upper right unless the data crowd it more than the upper left (matplotlib's 'best', simplified).
    const double right_x = t.left + t.width - box_w - pad, left_x = t.left + pad, y0 = t.top + pad;
    const double bx = crowding(t, right_x, y0, box_w, box_h) <= crowding(t, left_x, y0, box_w, box_h) ? right_x : left_x;
    c.fill_rect(bx, y0, bx + box_w, y0 + box_h, {1, 1, 1});
    c.polyline({{bx, y0}, {bx + box_w, y0}, {bx + box_w, y0 + box_h}, {bx, y0 + box_h}, {bx, y0}}, {0.8, 0.8, 0.8},
               0.8 * scale);
    for (std::size_t i = 0; i < legend_.size(); ++i) {
      const auto& e = legend_[i];
      const double cy = y0 + pad + row * (double(i) + 0.5);
      if (e.marker) {
        draw_marker(c, {bx + pad + sample / 2, cy}, *e.marker, e.line.color, scale);
      } else {
        c.polyline({{bx + pad, cy}, {bx + pad + sample, cy}}, e.line.color, e.line.width * scale,
                   e.line.dashed ? std::vector<double>{3.7 * e.line.width * scale, 1.6 * e.line.width * scale}
                                 : std::vector<double>{});
      }
      c.text(e.label, bx + 2 * pad + sample, cy, font, {0, 0, 0}, -1, 0);
    }
  }

  // How many line and scatter points fall inside a candidate legend box (a proxy for overlap).
  double crowding(const Transform& t, double bx, double by, double bw, double bh) const {
    double n = 0;
    for (const auto& p : sample_points_) {
      const Point q = t(p.first, p.second);
      n += q.x >= bx && q.x <= bx + bw && q.y >= by && q.y <= by + bh;
    }
    return n;
  }

  void draw_colorbar(Canvas& c, double axes_right, double top, double bottom, double font, double scale) const {
    const double x0 = axes_right + 0.8 * font, width = 1.2 * font;
    const double lo = cbar_.vmin, hi = cbar_.vmax;
    for (int y = int(top); y < int(bottom); ++y) {
      const double v = hi - (y + 0.5 - top) / (bottom - top) * (hi - lo);
      c.fill_rect(x0, y, x0 + width, y + 1, cbar_.cmap((v - lo) / (hi - lo)));
    }
    c.polyline({{x0, top}, {x0 + width, top}, {x0 + width, bottom}, {x0, bottom}, {x0, top}}, {0, 0, 0}, 0.8 * scale);
    const double step = cbar_.ticks.size() > 1 ? std::abs(cbar_.ticks[1] - cbar_.ticks[0]) : 1;
    for (double v : cbar_.ticks) {
      if (v < std::min(lo, hi) || v > std::max(lo, hi)) continue;
      const double y = top + (hi - v) / (hi - lo) * (bottom - top);
      c.line({x0 + width, y}, {x0 + width + 3.5 * scale, y}, {0, 0, 0}, 0.8 * scale);
      c.text(tick_label(v, step), x0 + width + 5 * scale, y, font, {0, 0, 0}, -1, 0);
    }
  }

  std::vector<std::function<void(Canvas&, const Transform&, double)>> artists_;
  std::vector<RefLine> ref_lines_;
  std::vector<LegendEntry> legend_;
  std::vector<std::pair<double, double>> sample_points_;
  Range x_, y_;
  std::pair<double, double> xlim_{0, 1}, ylim_{0, 1};
  bool fixed_x_ = false, fixed_y_ = false, equal_aspect_ = false;
  bool axes_visible_ = true, ticks_visible_ = true, show_legend_ = false, colorbar_ = false;
  ColorbarSpec cbar_;
  std::string title_;
  std::size_t skipped_ = 0;

  friend class Figure;
};

/// A figure of rows x cols panels.
class Figure {
 public:
  /// A figure of width x height pixels at `dpi` (text and line widths are in points, 1/72 inch).
  Figure(int width, int height, int rows = 1, int cols = 1, double dpi = 100)
      : width_(width), height_(height), rows_(rows), cols_(cols), dpi_(dpi), axes_(std::size_t(std::max(rows * cols, 0))) {
    if (width <= 0 || height <= 0) throw ConfigError("Figure: size must be positive, got " + std::to_string(width) + "x" + std::to_string(height));
    if (rows <= 0 || cols <= 0) throw ConfigError("Figure: rows and cols must be positive");
  }
  /// matplotlib's figsize in inches.
  static Figure inches(double w, double h, int rows = 1, int cols = 1, double dpi = 100) {
    return Figure(int(std::lround(w * dpi)), int(std::lround(h * dpi)), rows, cols, dpi);
  }

  /// The panel at (row, col), counted from the top left (ConfigError outside the grid).
  Axes& axes(int row = 0, int col = 0) { return axes_[panel_index(row, col)]; }
  /// The panel at (row, col), read-only.
  const Axes& axes(int row = 0, int col = 0) const { return axes_[panel_index(row, col)]; }

  /// Draws every panel onto a new canvas of the figure's size.
  Canvas render() const {
    Canvas c(width_, height_);
    const double cw = double(width_) / cols_, ch = double(height_) / rows_;
    for (int r = 0; r < rows_; ++r)
      for (int k = 0; k < cols_; ++k) axes_[std::size_t(r * cols_ + k)].render(c, k * cw, r * ch, cw, ch, dpi_ / 72.0);
    return c;
  }

  /// Renders and writes the figure as a PNG file (matplotlib's savefig).
  void save_png(const std::string& path) const { render().save_png(path); }

  /// The data-to-pixel transform of panel (row, col) as render() draws it.
  Transform panel_transform(int row = 0, int col = 0) const {
    const double cw = double(width_) / cols_, ch = double(height_) / rows_;
    return axes(row, col).layout(col * cw, row * ch, cw, ch, dpi_ / 72.0);
  }

 private:
  std::size_t panel_index(int row, int col) const {
    if (row < 0 || row >= rows_ || col < 0 || col >= cols_)
      throw ConfigError("Figure::axes: panel (" + std::to_string(row) + ", " + std::to_string(col) + ") outside a " +
                        std::to_string(rows_) + "x" + std::to_string(cols_) + " grid");
    return std::size_t(row * cols_ + col);
  }

  int width_, height_, rows_, cols_;
  double dpi_;
  std::vector<Axes> axes_;
};

}  // namespace plot
}  // namespace autoenc
