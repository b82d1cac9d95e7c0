/// @file
/// Canvas: an RGB image with anti-aliased drawing primitives (lines, dashes, discs, polygons,
/// images, text). Coverage-based anti-aliasing: each pixel is blended with the shape's colour in
/// proportion to how much of the pixel the shape covers.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../io/png.hpp"
#include "color.hpp"
#include "font.hpp"

namespace autoenc {
namespace plot {

/// A position in pixels: x to the right, y down from the top-left corner.
struct Point {
  /// Pixels from the left edge.
  double x, y;  ///< Pixels from the top edge.
};

/// An RGB picture in floating point (components in [0, 1]) to draw on, then save as PNG.
class Canvas {
 public:
  /// A `width` x `height` canvas filled with `background` (white by default).
  Canvas(int width, int height, Color background = {1, 1, 1}) : width_(width), height_(height) {
    if (width <= 0 || height <= 0 || double(width) * height > 1e8)
      throw ConfigError("plot: canvas size " + std::to_string(width) + "x" + std::to_string(height) +
                        " is empty or too large");
    rgb_.assign(std::size_t(width) * std::size_t(height) * 3, 0.0f);
    for (std::size_t i = 0; i < rgb_.size(); i += 3) {
      rgb_[i] = float(background.r);
      rgb_[i + 1] = float(background.g);
      rgb_[i + 2] = float(background.b);
    }
  }

  int width() const { return width_; }    ///< In pixels.
  int height() const { return height_; }  ///< In pixels.

  /// Clip drawing to a rectangle (x0, y0) - (x1, y1); reset with unclip().
  void clip(double x0, double y0, double x1, double y1) { clip_ = {x0, y0, x1, y1}; }
  /// Drawing reaches the whole canvas again.
  void unclip() { clip_ = {0, 0, double(width_), double(height_)}; }

  /// Mixes `c` into pixel (x, y) with weight alpha in [0, 1].
  void blend(int x, int y, Color c, double alpha) {
    if (x < 0 || y < 0 || x >= width_ || y >= height_ || !(alpha > 0)) return;
    if (x < clip_[0] || x >= clip_[2] || y < clip_[1] || y >= clip_[3]) return;
    alpha = std::min(alpha, 1.0);
    float* p = &rgb_[(std::size_t(y) * std::size_t(width_) + std::size_t(x)) * 3];
    p[0] = float(p[0] + (c.r - p[0]) * alpha);
    p[1] = float(p[1] + (c.g - p[1]) * alpha);
    p[2] = float(p[2] + (c.b - p[2]) * alpha);
  }

  /// The colour of pixel (x, y) (not checked).
  Color pixel(int x, int y) const {
    const float* p = &rgb_[(std::size_t(y) * std::size_t(width_) + std::size_t(x)) * 3];
    return {p[0], p[1], p[2]};
  }

  /// Fills the rectangle (x0, y0) - (x1, y1); edge pixels get the part they cover.
  void fill_rect(double x0, double y0, double x1, double y1, Color c) {
    // Partial coverage at the edges keeps sub-pixel rectangles honest.
    for (int y = int(std::floor(y0)); y < int(std::ceil(y1)); ++y)
      for (int x = int(std::floor(x0)); x < int(std::ceil(x1)); ++x) {
        const double cx = std::min(x + 1.0, x1) - std::max(double(x), x0);
        const double cy = std::min(y + 1.0, y1) - std::max(double(y), y0);
        if (cx > 0 && cy > 0) blend(x, y, c, cx * cy);
      }
  }

  /// A straight line of `width` pixels with round caps; coverage from the distance of each
  /// pixel centre to the segment.
  void line(Point a, Point b, Color c, double width = 1.0) {
    if (!finite(a) || !finite(b)) return;
    const double r = width / 2;
    const int x0 = int(std::floor(std::min(a.x, b.x) - r - 1)), x1 = int(std::ceil(std::max(a.x, b.x) + r + 1));
    const int y0 = int(std::floor(std::min(a.y, b.y) - r - 1)), y1 = int(std::ceil(std::max(a.y, b.y) + r + 1));
    const double dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy;
    for (int y = std::max(y0, 0); y <= std::min(y1, height_ - 1); ++y)
      for (int x = std::max(x0, 0); x <= std::min(x1, width_ - 1); ++x) {
        const double px = x + 0.5 - a.x, py = y + 0.5 - a.y;
        const double t = len2 > 0 ? std::clamp((px * dx + py * dy) / len2, 0.0, 1.0) : 0.0;
        const double ex = px - t * dx, ey = py - t * dy;
        const double d = std::sqrt(ex * ex + ey * ey);
        // Thin lines keep their full darkness spread over the pixels they cross.
        blend(x, y, c, std::clamp(std::max(r, 0.5) + 0.5 - d, 0.0, 1.0) * std::min(1.0, width));
      }
  }

  /// A polyline, solid or dashed: `dash` = {on, off} lengths in pixels ({} for solid).
  void polyline(const std::vector<Point>& pts, Color c, double width, std::vector<double> dash = {}) {
    double phase = 0;  // distance travelled along the dash pattern
    for (std::size_t i = 1; i < pts.size(); ++i) {
      const Point a = pts[i - 1], b = pts[i];
      if (!finite(a) || !finite(b)) continue;
      if (dash.size() != 2) {
        line(a, b, c, width);
        continue;
      }
      const double len = std::hypot(b.x - a.x, b.y - a.y), period = dash[0] + dash[1];
      double s = 0;
      while (s < len) {
        const double in_period = std::fmod(phase + s, period);
        const bool on = in_period < dash[0];
        // At least a thousandth of a pixel, so rounding can never stall the walk.
        const double step = std::max(std::min(len - s, on ? dash[0] - in_period : period - in_period), 1e-3);
        if (on && len > 0)
          line({a.x + (b.x - a.x) * s / len, a.y + (b.y - a.y) * s / len},
               {a.x + (b.x - a.x) * (s + step) / len, a.y + (b.y - a.y) * (s + step) / len}, c, width);
        s += step;
      }
      phase += len;
    }
  }

  /// A filled polygon with an optional outline; 4x4 supersampling for the coverage.
  void polygon(const std::vector<Point>& pts, Color fill, double edge_width = 0, Color edge = {0, 0, 0}) {
    if (pts.size() < 3) return;
    for (const auto& p : pts)
      if (!finite(p)) return;
    double minx = pts[0].x, maxx = minx, miny = pts[0].y, maxy = miny;
    for (const auto& p : pts) {
      minx = std::min(minx, p.x), maxx = std::max(maxx, p.x);
      miny = std::min(miny, p.y), maxy = std::max(maxy, p.y);
    }
    for (int y = std::max(0, int(std::floor(miny))); y <= std::min(height_ - 1, int(std::ceil(maxy))); ++y)
      for (int x = std::max(0, int(std::floor(minx))); x <= std::min(width_ - 1, int(std::ceil(maxx))); ++x) {
        int inside = 0;
        for (int sy = 0; sy < 4; ++sy)
          for (int sx = 0; sx < 4; ++sx) inside += contains(pts, x + (sx + 0.5) / 4, y + (sy + 0.5) / 4);
        blend(x, y, fill, inside / 16.0);
      }
    if (edge_width > 0) {
      std::vector<Point> closed = pts;
      closed.push_back(pts[0]);
      polyline(closed, edge, edge_width);
    }
  }

  /// A disc of radius r (pixels), with an optional outline.
  void disc(Point c, double r, Color fill, double edge_width = 0, Color edge = {0, 0, 0}) {
    if (!finite(c)) return;
    const double outer = r + edge_width / 2;
    for (int y = int(std::floor(c.y - outer - 1)); y <= int(std::ceil(c.y + outer + 1)); ++y)
      for (int x = int(std::floor(c.x - outer - 1)); x <= int(std::ceil(c.x + outer + 1)); ++x) {
        const double d = std::hypot(x + 0.5 - c.x, y + 0.5 - c.y);
        blend(x, y, fill, std::clamp(r + 0.5 - d, 0.0, 1.0));
        if (edge_width > 0) blend(x, y, edge, std::clamp(edge_width / 2 + 0.5 - std::abs(d - r), 0.0, 1.0));
      }
  }

  /// Draws a gray image (row-major, values mapped through `cmap` from [vmin, vmax]) into the
  /// rectangle (x0, y0) - (x1, y1), nearest-neighbour, as matplotlib's imshow does by default.
  void image(const float* values, int rows, int cols, double x0, double y0, double x1, double y1, const Colormap& cmap,
             double vmin = 0, double vmax = 1) {
    if (rows <= 0 || cols <= 0 || !(x1 > x0) || !(y1 > y0)) return;
    for (int y = std::max(0, int(std::floor(y0))); y < std::min(height_, int(std::ceil(y1))); ++y)
      for (int x = std::max(0, int(std::floor(x0))); x < std::min(width_, int(std::ceil(x1))); ++x) {
        const int r = std::clamp(int((y + 0.5 - y0) / (y1 - y0) * rows), 0, rows - 1);
        const int c = std::clamp(int((x + 0.5 - x0) / (x1 - x0) * cols), 0, cols - 1);
        const double v = values[r * cols + c];
        if (!std::isfinite(v)) continue;
        blend(x, y, cmap((v - vmin) / (vmax - vmin == 0 ? 1 : vmax - vmin)), 1.0);
      }
  }

  /// Text of `size` pixels; (x, y) is the anchor: halign -1/0/1 = left/centre/right of it,
  /// valign -1/0/1 = top/middle/bottom (the text's box) at it.
  void text(const std::string& s, double x, double y, double size, Color c, int halign = -1, int valign = -1) {
    const Font& f = Font::get();
    const double w = f.width(s, size);
    const double left = x - (halign + 1) * w / 2;
    const double top = y - (valign + 1) * size / 2;
    f.draw(s, left, top, size, [&](int px, int py, double a) { blend(px, py, c, a); });
  }
  /// Width in pixels of `s` drawn `size` pixels high.
  double text_width(const std::string& s, double size) const { return Font::get().width(s, size); }

  /// The picture as 8-bit RGB.
  std::vector<std::uint8_t> to_rgb8() const {
    std::vector<std::uint8_t> out(rgb_.size());
    for (std::size_t i = 0; i < rgb_.size(); ++i)
      out[i] = std::uint8_t(std::lround(std::clamp(double(rgb_[i]), 0.0, 1.0) * 255));
    return out;
  }

  /// Writes the picture as an RGB PNG file (atomically).
  void save_png(const std::string& path) const { autoenc::save_png(path, width_, height_, 3, to_rgb8().data()); }

 private:
  static bool finite(Point p) { return std::isfinite(p.x) && std::isfinite(p.y); }
  static bool contains(const std::vector<Point>& pts, double x, double y) {  // even-odd rule
    bool in = false;
    for (std::size_t i = 0, j = pts.size() - 1; i < pts.size(); j = i++)
      if ((pts[i].y > y) != (pts[j].y > y) &&
          x < (pts[j].x - pts[i].x) * (y - pts[i].y) / (pts[j].y - pts[i].y) + pts[i].x)
        in = !in;
    return in;
  }

  int width_, height_;
  std::vector<float> rgb_;
  std::array<double, 4> clip_{0, 0, 1e9, 1e9};
};

}  // namespace plot
}  // namespace autoenc
