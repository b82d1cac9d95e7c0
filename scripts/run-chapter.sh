#!/usr/bin/env bash
# The main job: installs what is missing, fetches MNIST, builds, and runs the chapter's steps on
# the real data. Figures, models and latent vectors go to out/ (or the folder given with --out).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/out"
[ "${1:-}" = "--out" ] && out="$2"

"$root/scripts/install-deps.sh"
"$root/scripts/fetch-data.sh"
"$root/scripts/build.sh"
mkdir -p "$out"
bin="$root/build/examples"
data="$root/data/mnist"

step() { echo; echo "== $* =="; }

step "9.2 Dense autoencoder"
"$bin/ch9_1_dense_autoencoder" --data "$data" --out "$out"

step "9.3 CNN autoencoder, relu"
"$bin/ch9_2_cnn_autoencoder" --data "$data" --out "$out" --activation relu --save "$out/cnn_relu.bin"

step "9.4 CNN autoencoder, elu"
"$bin/ch9_2_cnn_autoencoder" --data "$data" --out "$out" --activation elu --save "$out/cnn_elu.bin"

step "9.6 CNN autoencoder, elu, 20 epochs, and its latent vectors"
"$bin/ch9_2_cnn_autoencoder" --data "$data" --out "$out" --activation elu --epochs 20 \
  --save "$out/cnn_elu_20.bin" --latent-out "$out/latent.npy"

step "Figures 9.7 and 9.9, and the chapter's other kinds of chart"
"$bin/figures_gallery" --out "$out"

step "9.5 and 9.7 k-means by hand, and on the latent vectors"
"$bin/ch9_3_kmeans" --latent "$out/latent.npy" --data "$data" --out "$out"

step "9.8 t-SNE of the latent vectors: figures 9.9, 9.15, 9.16 and 9.17"
"$bin/ch9_4_tsne" --latent "$out/latent.npy" --data "$data" --out "$out"
