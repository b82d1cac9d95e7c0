/// @file
/// Text for figures: anti-aliased glyphs from a TrueType font (DejaVu Sans, Debian's
/// fonts-dejavu-core) rasterised by stb_truetype. Without the font file, a built-in stroke font
/// (stb_easy_font) keeps the text legible, if plainer.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <stb_easy_font.h>
#include <stb_truetype.h>

namespace autoenc {
namespace plot {

/// The font figures write with, loaded once: measures and rasterises single-byte text.
class Font {
 public:
  /// The font every figure uses: $AUTOENC_FONT, else DejaVu Sans, else the built-in one.
  static const Font& get() {
    static const Font font;
    return font;
  }

  /// False when no font file was found and the built-in stroke font is used.
  bool is_truetype() const { return !ttf_.empty(); }

  /// Width of `s` drawn `size` pixels high.
  double width(const std::string& s, double size) const {
    if (!is_truetype()) return stb_easy_font_width(const_cast<char*>(s.c_str())) * size / kEasyHeight;
    const double scale = stbtt_ScaleForPixelHeight(&info_, float(size));
    double w = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      int advance, lsb;
      stbtt_GetCodepointHMetrics(&info_, static_cast<unsigned char>(s[i]), &advance, &lsb);
      w += advance * scale;
      if (i + 1 < s.size())
        w += scale * stbtt_GetCodepointKernAdvance(&info_, static_cast<unsigned char>(s[i]), static_cast<unsigned char>(s[i + 1]));
    }
    return w;
  }

  /// Calls put(x, y, coverage) for every pixel of `s` drawn with its box's top-left at (left, top).
  template <class Put>
  void draw(const std::string& s, double left, double top, double size, Put&& put) const {
    if (!is_truetype()) return draw_easy(s, left, top, size, put);
    const float scale = stbtt_ScaleForPixelHeight(&info_, float(size));
    int ascent, descent, gap;
    stbtt_GetFontVMetrics(&info_, &ascent, &descent, &gap);
    const double baseline = top + ascent * scale;
    double x = left;
    std::vector<unsigned char> bitmap;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const int cp = static_cast<unsigned char>(s[i]);
      const float shift_x = float(x - std::floor(x)), shift_y = float(baseline - std::floor(baseline));
      int x0, y0, x1, y1;
      stbtt_GetCodepointBitmapBoxSubpixel(&info_, cp, scale, scale, shift_x, shift_y, &x0, &y0, &x1, &y1);
      const int w = x1 - x0, h = y1 - y0;
      if (w > 0 && h > 0) {
        bitmap.assign(std::size_t(w) * std::size_t(h), 0);
        stbtt_MakeCodepointBitmapSubpixel(&info_, bitmap.data(), w, h, w, scale, scale, shift_x, shift_y, cp);
        for (int by = 0; by < h; ++by)
          for (int bx = 0; bx < w; ++bx)
            if (bitmap[std::size_t(by * w + bx)])
              put(int(std::floor(x)) + x0 + bx, int(std::floor(baseline)) + y0 + by, bitmap[std::size_t(by * w + bx)] / 255.0);
      }
      int advance, lsb;
      stbtt_GetCodepointHMetrics(&info_, cp, &advance, &lsb);
      x += advance * scale;
      if (i + 1 < s.size()) x += scale * stbtt_GetCodepointKernAdvance(&info_, cp, static_cast<unsigned char>(s[i + 1]));
    }
  }

 private:
  static constexpr double kEasyHeight = 12.0;  // stb_easy_font's glyphs are about 12 units tall

  Font() {
    std::vector<std::string> paths;
    if (const char* env = std::getenv("AUTOENC_FONT")) paths.push_back(env);
    paths.push_back("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    for (const auto& p : paths) {
      std::FILE* f = std::fopen(p.c_str(), "rb");
      if (!f) continue;
      std::vector<unsigned char> data;
      unsigned char buf[65536];
      std::size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.insert(data.end(), buf, buf + n);
      std::fclose(f);
      if (!data.empty() && stbtt_InitFont(&info_, data.data(), stbtt_GetFontOffsetForIndex(data.data(), 0))) {
        ttf_ = std::move(data);
        stbtt_InitFont(&info_, ttf_.data(), stbtt_GetFontOffsetForIndex(ttf_.data(), 0));  // point at the kept copy
        return;
      }
    }
  }

  // The built-in font: quads from stb_easy_font, scaled and filled.
  template <class Put>
  void draw_easy(const std::string& s, double left, double top, double size, Put&& put) const {
    std::vector<float> quads(s.size() * 300);
    const int n = stb_easy_font_print(0, 0, const_cast<char*>(s.c_str()), nullptr, quads.data(), int(quads.size() * sizeof(float)));
    const double k = size / kEasyHeight;
    for (int q = 0; q < n; ++q) {
      const float* v = &quads[std::size_t(q) * 16];  // 4 vertices of (x, y, z, colour)
      const double x0 = left + v[0] * k, y0 = top + v[1] * k, x1 = left + v[8] * k, y1 = top + v[9] * k;
      for (int y = int(std::floor(y0)); y < int(std::ceil(y1)); ++y)
        for (int x = int(std::floor(x0)); x < int(std::ceil(x1)); ++x) {
          const double cx = std::min(x + 1.0, x1) - std::max(double(x), x0), cy = std::min(y + 1.0, y1) - std::max(double(y), y0);
          if (cx > 0 && cy > 0) put(x, y, cx * cy);
        }
    }
  }

  std::vector<unsigned char> ttf_;
  stbtt_fontinfo info_{};
};

}  // namespace plot
}  // namespace autoenc
