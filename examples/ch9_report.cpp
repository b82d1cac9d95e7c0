// The chapter report: every figure of a run with its numbers beside the book's, as one
// self-contained HTML page (images embedded, an interactive latent map, no network needed) and
// as Markdown for terminals and GitHub.
//
//   ch9_report --out out --data data/mnist       (after scripts/run-chapter.sh has filled out/)
//
// It reads what the example programs left in the run folder: their numbers (results/*.txt, see
// results.hpp), their PNG figures, the t-SNE embedding and the k-means labels.
// SPDX-License-Identifier: MIT
#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <autoenc/autoenc.hpp>
#include <autoenc/plot/color.hpp>

#include "results.hpp"

namespace ae = autoenc;

namespace {

using Results = std::map<std::string, std::string>;

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string base64(const std::string& bytes) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    const auto b1 = i + 1 < bytes.size() ? static_cast<unsigned char>(bytes[i + 1]) : 0u;
    const auto b2 = i + 2 < bytes.size() ? static_cast<unsigned char>(bytes[i + 2]) : 0u;
    out += table[b0 >> 2];
    out += table[((b0 & 3) << 4) | (b1 >> 4)];
    out += i + 1 < bytes.size() ? table[((b1 & 15) << 2) | (b2 >> 6)] : '=';
    out += i + 2 < bytes.size() ? table[b2 & 63] : '=';
  }
  return out;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

std::string get(const Results& r, const std::string& key, const std::string& fallback = "-") {
  const auto it = r.find(key);
  return it == r.end() ? fallback : it->second;
}

/// "716640" -> "716,640"
std::string with_commas(const std::string& digits) {
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return digits;
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

/// One row of a numbers table: what, ours, the book's, a note.
struct Row {
  std::string what, ours, book, note;
};

/// A section of the report: a chapter step's title, its text, its numbers and its figures.
struct Section {
  std::string id, title, text;
  std::vector<Row> rows;
  std::vector<std::pair<std::string, std::string>> figures;  // file name in the run folder, caption
  bool latent_map = false;
};

std::string seconds_text(const std::string& s) {
  if (s == "-") return s;
  return ae::Timer::format(std::stod(s));
}

std::vector<Section> sections(const std::map<std::string, Results>& results, bool quick) {
  const Results& dense = results.at("dense");
  const Results& relu = results.at("cnn_relu");
  const Results& elu = results.at("cnn_elu");
  const Results& elu20 = results.at("cnn_elu_20");
  const Results& kmeans = results.at("kmeans");
  const Results& tsne = results.at("tsne");
  const std::string images = get(dense, "train_images");
  const std::string scale = quick ? " (quick run: " + with_commas(images) + " training images, fewer epochs)" : "";
  auto epochs = [](const Results& r) {
    std::string s = r.count("epochs") ? get(r, "epochs") + " epochs, " + seconds_text(get(r, "train_seconds")) : "";
    if (r.count("loaded")) s += std::string(s.empty() ? "" : " ") + "(saved model reused)";
    return s;
  };
  std::vector<Section> out;
  out.push_back({"data", "9.1 The data: MNIST",
                 "60,000 training and 10,000 test images of handwritten digits, 28 x 28 gray pixels scaled to [0, 1]. "
                 "The first training image, a 5, with its colorbar.",
                 {{"training images used", with_commas(images), "60,000", scale.empty() ? "" : "quick run"}},
                 {{get(dense, "figure_image"), "train_X[0] (plt.imshow with a colorbar)"}}});
  out.push_back({"dense", "9.2 A Dense autoencoder",
                 "Dense(784, relu) - Dense(64, relu) - Dense(784, sigmoid), Adam, mean squared error, batches of 256. "
                 "Left: four test images; right: their reconstructions.",
                 {{"Total params", with_commas(get(dense, "params")), "716,640", ""},
                  {"training", epochs(dense), "10 epochs", ""},
                  {"loss, last epoch", get(dense, "final_train_loss"), "0.0066", "training loss"},
                  {"test loss", get(dense, "test_loss"), "-", "model.evaluate on the 10,000 test images"}},
                 {{get(dense, "figure_reconstructions"), "test images and their reconstructions"}}});
  out.push_back({"cnn_relu", "9.3 A convolutional autoencoder (relu)",
                 "Two stride-2 convolutions down to 7 x 7 x 64, Dense(64) as the latent vector, Dense(3136), and two "
                 "transposed convolutions back to 28 x 28. Figure 9.7 compares the two activations the chapter tries.",
                 {{"Total params", with_commas(get(relu, "params")), "421,377", ""},
                  {"training", epochs(relu), "10 epochs", ""},
                  {"loss, last epoch", get(relu, "final_train_loss"), "0.0172", ""},
                  {"test loss", get(relu, "test_loss"), "0.0188", ""}},
                 {{"fig9_7_relu_elu.png", "Figure 9.7: relu and elu"},
                  {get(relu, "figure_reconstructions"), "reconstructions, relu"}}});
  out.push_back({"cnn_elu", "9.4 The same network with elu",
                 "elu keeps a gradient for negative inputs, and the loss falls much lower.",
                 {{"training", epochs(elu), "10 epochs", ""}, {"test loss", get(elu, "test_loss"), "0.0052", ""}},
                 {{get(elu, "figure_reconstructions"), "reconstructions, elu"}}});
  out.push_back({"latent", "9.6 The encoder: 64-dimensional latent vectors",
                 "The elu model trained longer; its first four layers are the encoder, which maps every training image "
                 "to a vector of 64 numbers (saved as latent.npy).",
                 {{"training", epochs(elu20), "20 epochs", ""},
                  {"test loss", get(elu20, "test_loss"), "-", ""},
                  {"latent vectors", with_commas(get(kmeans, "samples")) + " x " + get(kmeans, "features"), "60,000 x 64", ""}},
                 {}});
  out.push_back({"kmeans", "9.5 and 9.7 k-means",
                 "Figure 9.8: k-means by hand on three blobs (centres as diamonds, arrows to their new places). Then "
                 "KMeans(n_clusters=10, n_init=10, random_state=42) on the latent vectors; figure 9.14 shows ten training "
                 "images of each cluster, one row per cluster.",
                 {{"KMeans wall time", seconds_text(get(kmeans, "wall_seconds")), "13.4 s", "the book: Colab, 2020"},
                  {"iterations of the best run", get(kmeans, "n_iter"), "-", ""},
                  {"inertia", get(kmeans, "inertia"), "-", ""},
                  {"adjusted Rand index", get(kmeans, "adjusted_rand_index"), "-", "clusters vs digits"},
                  {"normalized mutual information", get(kmeans, "normalized_mutual_info"), "-", ""},
                  {"purity", get(kmeans, "purity"), "-", ""}},
                 {{get(kmeans, "figure_by_hand"), "Figure 9.8: k-means by hand"},
                  {get(kmeans, "figure_clusters"), "Figure 9.14: one row per cluster"}}});
  Section t{"tsne", "9.8 t-SNE",
            "Figure 9.9: the Student t distribution's heavy tails (red) against the normal (blue). "
            "TSNE(n_components=2, learning_rate=100, perplexity=15, random_state=0) of the first " +
                with_commas(get(tsne, "rows")) +
                " latent vectors, coloured by digit (figure 9.15); the perplexity sweep (figure 9.16); the map with "
                "the first 200 training images (figure 9.17).",
            {{"t-SNE wall time (" + with_commas(get(tsne, "rows")) + " points)", seconds_text(get(tsne, "wall_seconds")),
              "32.9 s", "the book: 5,000 points on Colab"},
             {"KL divergence", get(tsne, "kl_divergence"), "-", ""},
             {"trustworthiness (k = 5)", get(tsne, "trustworthiness"), "-", "1 = every embedded neighbour is a true one"},
             {"perplexity sweep, 6 maps of " + with_commas(get(tsne, "sweep_rows")) + " points",
              seconds_text(get(tsne, "sweep_wall_seconds")), "3 min 52 s", "the book: 5,000 points each"}},
            {{get(tsne, "figure_t_distribution"), "Figure 9.9: t (2.74 degrees of freedom) and normal"},
             {get(tsne, "figure_map"), "Figure 9.15: t-SNE of the latent vectors"},
             {get(tsne, "figure_sweep"), "Figure 9.16: perplexity 5, 10, 15, 25, 50, 100"},
             {get(tsne, "figure_thumbnails"), "Figure 9.17: the map with training images"}},
            true};
  out.push_back(t);
  return out;
}

/// The interactive map's data as JavaScript: coordinates, digits, clusters, and a sprite sheet
/// of the points' 28 x 28 images (100 per row) as an embedded PNG.
std::string latent_map_data(const std::string& run, const Results& tsne, const ae::ImageDataset<float>& mnist,
                            const std::vector<int>& clusters) {
  const std::string npy = run + "/" + get(tsne, "embedding");
  if (!exists(npy)) return "";
  const ae::Tensor<float> Y = ae::load_npy<float>(npy);
  const ae::Index n = std::min<ae::Index>(Y.dim(0), 5000);
  std::ostringstream js;
  js.precision(5);
  js << "const MAP = {n: " << n << ", x: [";
  for (ae::Index i = 0; i < n; ++i) js << (i ? "," : "") << Y[i * 2];
  js << "], y: [";
  for (ae::Index i = 0; i < n; ++i) js << (i ? "," : "") << Y[i * 2 + 1];
  js << "], digit: [";
  for (ae::Index i = 0; i < n; ++i) js << (i ? "," : "") << mnist.train_labels[std::size_t(i)];
  js << "], cluster: [";
  for (ae::Index i = 0; i < n; ++i) js << (i ? "," : "") << (std::size_t(i) < clusters.size() ? clusters[std::size_t(i)] : -1);
  // Sprite sheet: image i at column i % 100, row i / 100; dark strokes on white.
  const int per_row = 100, side = 28;
  const int rows = int((n + per_row - 1) / per_row);
  std::vector<std::uint8_t> sheet(std::size_t(per_row * side) * std::size_t(rows * side), 255);
  for (ae::Index i = 0; i < n; ++i)
    for (int r = 0; r < side; ++r)
      for (int c = 0; c < side; ++c) {
        const float v = mnist.train_images.data()[(i * side + r) * side + c];
        sheet[std::size_t((int(i / per_row) * side + r) * per_row * side + int(i % per_row) * side + c)] =
            std::uint8_t(255.0f * (1.0f - v) + 0.5f);
      }
  // The figures' discrete 10-colour rainbow (value k at the centre of band k of [-0.5, 9.5]).
  js << "], colors: [";
  const auto rainbow = ae::plot::Colormap::named("rainbow", 10);
  for (int k = 0; k < 10; ++k) {
    const auto c = rainbow((k + 0.5) / 10.0);
    char hex[16];
    std::snprintf(hex, sizeof hex, "'#%02x%02x%02x'", int(c.r * 255 + 0.5), int(c.g * 255 + 0.5), int(c.b * 255 + 0.5));
    js << (k ? "," : "") << hex;
  }
  js << "], sprite: 'data:image/png;base64," << base64(ae::encode_png(per_row * side, rows * side, 1, sheet.data()))
     << "'};\n";
  return js.str();
}

const char* kStyle = R"(
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; } .meta { color: #555; }
section { border-top: 1px solid #ddd; margin-top: 2em; padding-top: 1em; }
table { border-collapse: collapse; margin: 1em 0; } td, th { border: 1px solid #ccc; padding: 4px 10px; text-align: left; }
th { background: #f4f4f4; } td.num { font-variant-numeric: tabular-nums; }
figure { display: inline-block; margin: 0.5em 1em 0.5em 0; vertical-align: top; }
figure img { max-width: 100%; max-height: 600px; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
#map-box { position: relative; border: 1px solid #ccc; width: 800px; height: 640px; }
#map { width: 800px; height: 640px; cursor: crosshair; }
#tip { position: absolute; display: none; background: #fff; border: 1px solid #888; padding: 4px; font-size: 0.9em;
       pointer-events: none; box-shadow: 2px 2px 6px rgba(0,0,0,0.2); }
#tip canvas { display: block; image-rendering: pixelated; }
.controls button { margin-right: 0.5em; }
#legend span { margin-right: 0.6em; } #legend i { display: inline-block; width: 10px; height: 10px; margin-right: 3px; } .controls button.active { font-weight: bold; background: #dde; }
)";

// The map: drag to pan, wheel to zoom, hover for the nearest point's image, digit and cluster.
const char* kScript = R"(
(function () {
  const canvas = document.getElementById('map'), tip = document.getElementById('tip');
  const ctx = canvas.getContext('2d');
  const sprite = new Image();
  sprite.src = MAP.sprite;
  const colors = MAP.colors;
  const legend = document.getElementById('legend');
  colors.forEach((c, k) => {
    const item = document.createElement('span');
    item.innerHTML = '<i style="background:' + c + '"></i>' + k;
    legend.appendChild(item);
  });
  let colorBy = 'digit', scale = 1, ox = 0, oy = 0, dragging = null;
  const xs = MAP.x, ys = MAP.y;
  const minX = Math.min(...xs), maxX = Math.max(...xs), minY = Math.min(...ys), maxY = Math.max(...ys);
  const base = Math.min((canvas.width - 40) / (maxX - minX), (canvas.height - 40) / (maxY - minY));
  function toScreen(i) {
    return [20 + ((xs[i] - minX) * base) * scale + ox, canvas.height - 20 - ((ys[i] - minY) * base) * scale + oy];
  }
  function draw() {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    for (let i = 0; i < MAP.n; i++) {
      const [sx, sy] = toScreen(i);
      const k = colorBy === 'digit' ? MAP.digit[i] : MAP.cluster[i];
      ctx.fillStyle = colors[((k % 10) + 10) % 10];
      ctx.fillRect(sx - 1.5, sy - 1.5, 3, 3);
    }
    canvas.dataset.colorBy = colorBy;
  }
  function nearest(mx, my) {
    let best = -1, bestD = 100;  // within 10 pixels
    for (let i = 0; i < MAP.n; i++) {
      const [sx, sy] = toScreen(i);
      const d = (sx - mx) * (sx - mx) + (sy - my) * (sy - my);
      if (d < bestD) { bestD = d; best = i; }
    }
    return best;
  }
  function showTip(i, mx, my) {
    if (i < 0) { tip.style.display = 'none'; return; }
    const c = tip.querySelector('canvas'), g = c.getContext('2d');
    g.imageSmoothingEnabled = false;
    g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height);
    g.drawImage(sprite, (i % 100) * 28, Math.floor(i / 100) * 28, 28, 28, 0, 0, c.width, c.height);
    tip.querySelector('.label').textContent = 'digit ' + MAP.digit[i] + ', cluster ' + MAP.cluster[i] + ' (image ' + i + ')';
    tip.style.left = (mx + 12) + 'px'; tip.style.top = (my + 12) + 'px'; tip.style.display = 'block';
    tip.dataset.index = i;
  }
  canvas.addEventListener('mousemove', e => {
    const r = canvas.getBoundingClientRect(), mx = e.clientX - r.left, my = e.clientY - r.top;
    if (dragging) { ox += mx - dragging[0]; oy += my - dragging[1]; dragging = [mx, my]; draw(); return; }
    showTip(nearest(mx, my), mx, my);
  });
  canvas.addEventListener('mouseleave', () => { tip.style.display = 'none'; dragging = null; });
  canvas.addEventListener('mousedown', e => { const r = canvas.getBoundingClientRect(); dragging = [e.clientX - r.left, e.clientY - r.top]; });
  window.addEventListener('mouseup', () => { dragging = null; });
  canvas.addEventListener('wheel', e => {
    e.preventDefault();
    const r = canvas.getBoundingClientRect(), mx = e.clientX - r.left, my = e.clientY - r.top;
    const f = e.deltaY < 0 ? 1.25 : 0.8;
    ox = mx - (mx - ox - 20) * f - 20; oy = my - (my - oy - (canvas.height - 20)) * f - (canvas.height - 20);
    scale *= f; draw();
  }, {passive: false});
  document.querySelectorAll('.controls button').forEach(b => b.addEventListener('click', () => {
    colorBy = b.dataset.colorBy;
    document.querySelectorAll('.controls button').forEach(x => x.classList.toggle('active', x === b));
    draw();
  }));
  document.getElementById('reset').addEventListener('click', () => { scale = 1; ox = 0; oy = 0; draw(); });
  window.latentMap = {screenPosition: toScreen, colorBy: () => colorBy};
  draw();
})();
)";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The chapter report: out/report.html and out/report.md from a run's results and figures"};
  std::string run = "out", data_dir = AUTOENC_DEFAULT_DATA_DIR, mode = "full";
  double total_seconds = 0;
  app.add_option("--out", run, "the run folder (figures, results/, embeddings); the report goes there")->capture_default_str();
  app.add_option("--data", data_dir, "MNIST folder (images and labels for the latent map)")->capture_default_str();
  app.add_option("--mode", mode, "full or quick (shown in the report)")->capture_default_str();
  app.add_option("--total-seconds", total_seconds, "the whole run's wall time, for the header");
  CLI11_PARSE(app, argc, argv);
  try {
    std::map<std::string, Results> results;
    for (const char* step : {"dense", "cnn_relu", "cnn_elu", "cnn_elu_20", "kmeans", "tsne"})
      results[step] = chapter::read_results(run + "/results/" + step + ".txt");
    const bool quick = mode == "quick";
    const auto mnist = ae::load_mnist<float>(data_dir);
    std::vector<int> clusters;
    if (exists(run + "/kmeans_labels.npy")) {
      const ae::NpyArray a = ae::read_npy(run + "/kmeans_labels.npy");
      for (ae::Index i = 0; i < a.size(); ++i) clusters.push_back(a.at<int>(i));
    }
    const auto secs = sections(results, quick);
    std::time_t now = std::time(nullptr);
    char date[64];
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
    const std::string machine = cpu_model() + ", " + std::to_string(ae::num_threads()) + " threads";
    const std::string header = std::string("autoenc ") + AUTOENC_VERSION_STRING + " · " + (quick ? "quick run" : "full run") +
                               " · " + date + " · " + machine +
                               (total_seconds > 0 ? " · total wall time " + ae::Timer::format(total_seconds) : "");

    // ----- Markdown -----
    std::string md = "# Chapter 9, reproduced with autoenc\n\n" + header + "\n";
    for (const auto& s : secs) {
      md += "\n## " + s.title + "\n\n" + s.text + "\n\n| | autoenc | the book |\n|---|---|---|\n";
      for (const auto& r : s.rows) md += "| " + r.what + " | " + r.ours + " | " + r.book + (r.note.empty() ? "" : " (" + r.note + ")") + " |\n";
      md += "\n";
      for (const auto& [file, caption] : s.figures)
        if (file != "-" && exists(run + "/" + file)) md += "![" + caption + "](" + file + ")\n";
    }
    ae::write_file_atomically(run + "/report.md", md);

    // ----- HTML -----
    std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Chapter 9 with autoenc</title><style>";
    html += kStyle;
    html += "</style></head><body>\n<h1>Chapter 9, reproduced with autoenc</h1>\n<p class=\"meta\" id=\"meta\">" + html_escape(header) + "</p>\n";
    std::string map_js;
    for (const auto& s : secs) {
      html += "<section id=\"" + s.id + "\"><h2>" + html_escape(s.title) + "</h2>\n<p>" + html_escape(s.text) + "</p>\n";
      html += "<table><tr><th></th><th>autoenc</th><th>the book</th><th></th></tr>\n";
      for (const auto& r : s.rows)
        html += "<tr><td>" + html_escape(r.what) + "</td><td class=\"num\">" + html_escape(r.ours) + "</td><td class=\"num\">" +
                html_escape(r.book) + "</td><td>" + html_escape(r.note) + "</td></tr>\n";
      html += "</table>\n";
      for (const auto& [file, caption] : s.figures) {
        if (file == "-" || !exists(run + "/" + file)) {
          html += "<p class=\"missing\">(" + html_escape(caption) + ": not produced in this run)</p>\n";
          continue;
        }
        html += "<figure><img class=\"figure\" alt=\"" + html_escape(caption) + "\" src=\"data:image/png;base64," +
                base64(read_bytes(run + "/" + file)) + "\"><figcaption>" + html_escape(caption) + "</figcaption></figure>\n";
      }
      if (s.latent_map) {
        map_js = latent_map_data(run, results.at("tsne"), mnist, clusters);
        if (!map_js.empty())
          html += "<h3>The latent map, interactive</h3><p>The perplexity-15 map above: drag to move, scroll to zoom, hover a "
                  "point to see its image, its digit and its k-means cluster.</p>\n"
                  "<p class=\"controls\"><button data-color-by=\"digit\" class=\"active\" id=\"by-digit\">colour by digit</button>"
                  "<button data-color-by=\"cluster\" id=\"by-cluster\">colour by k-means cluster</button>"
                  "<button id=\"reset\">reset view</button> <span id=\"legend\"></span></p>\n"
                  "<div id=\"map-box\"><canvas id=\"map\" width=\"800\" height=\"640\"></canvas>"
                  "<div id=\"tip\"><canvas width=\"84\" height=\"84\"></canvas><div class=\"label\"></div></div></div>\n";
      }
      html += "</section>\n";
    }
    if (!map_js.empty()) html += "<script>\n" + map_js + kScript + "</script>\n";
    html += "</body></html>\n";
    ae::write_file_atomically(run + "/report.html", html);
    std::cout << "wrote " << run << "/report.html (" << html.size() / 1024 << " KiB) and " << run << "/report.md\n";
  } catch (const ae::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
