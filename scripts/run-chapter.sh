#!/usr/bin/env bash
# The main job: the whole of chapter 9 on the real MNIST, in the chapter's order, ending with a
# report (report.html, report.md) of every figure and number beside the book's.
#
#   scripts/run-chapter.sh [--quick] [--retrain] [--out DIR] [--no-setup]
#
#   --quick     a first look in under a minute: 10,000 training images, 2-3 epochs, t-SNE of 2,000
#               points (results go to out/quick unless --out is given)
#   --retrain   train every model again instead of loading the ones a previous run saved
#   --out DIR   the run folder (default out/): figures, models/, latent.npy, results/, the report
#   --no-setup  skip installing packages, fetching MNIST and building (already done)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
quick=0 retrain=0 setup=1 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --retrain) retrain=1; shift ;;
    --no-setup) setup=0; shift ;;
    --out) out="$2"; shift 2 ;;
    *) echo "run-chapter.sh: unknown argument '$1' (see the top of this script)" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || { [ "$quick" = 1 ] && out="$root/out/quick" || out="$root/out"; }
mkdir -p "$out/models" "$out/results"
out="$(cd "$out" && pwd)"

if [ "$setup" = 1 ]; then
  "$root/scripts/install-deps.sh"
  "$root/scripts/fetch-data.sh"
  # Only the programs this run uses (the tests and benchmarks build with scripts/build.sh).
  cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$root/build" --parallel "$(nproc)" --target ch9_1_dense_autoencoder ch9_2_cnn_autoencoder \
        figures_gallery ch9_3_kmeans ch9_4_tsne ch9_report
fi
bin="$root/build/examples"
data="$root/data/mnist"
run_start=$(date +%s.%N)
since() { awk -v now="$(date +%s.%N)" -v then="$1" 'BEGIN { print now - then }'; }

# Each step prints its own progress (Keras epoch lines, k-means runs, t-SNE iterations) and
# ends with a one-line summary of its wall time.
step() {
  local title="$1"; shift
  echo; echo "== $title =="
  local start; start=$(date +%s.%N)
  "$@"
  printf -- '-- %s: done in %.1f s\n' "$title" "$(since "$start")"
}

# A model saved by an earlier run is loaded instead of trained (unless --retrain).
model_flags() {
  local file="$out/models/$1.bin"
  if [ "$retrain" = 0 ] && [ -f "$file" ]; then echo "--load $file"; else echo "--save $file"; fi
}

if [ "$quick" = 1 ]; then
  limit=(--train-limit 10000); dense_epochs=3; cnn_epochs=2; long_epochs=3
  tsne_flags=(--rows 2000 --sweep-rows 1000)
else
  limit=(); dense_epochs=10; cnn_epochs=10; long_epochs=20
  tsne_flags=()
fi

# shellcheck disable=SC2046  # model_flags is two words on purpose
step "9.2 Dense autoencoder" "$bin/ch9_1_dense_autoencoder" --data "$data" --out "$out" "${limit[@]}" \
  --epochs "$dense_epochs" $(model_flags dense) --results "$out/results/dense.txt"
# shellcheck disable=SC2046
step "9.3 CNN autoencoder, relu" "$bin/ch9_2_cnn_autoencoder" --data "$data" --out "$out" "${limit[@]}" \
  --activation relu --epochs "$cnn_epochs" $(model_flags cnn_relu) --results "$out/results/cnn_relu.txt"
# shellcheck disable=SC2046
step "9.4 CNN autoencoder, elu" "$bin/ch9_2_cnn_autoencoder" --data "$data" --out "$out" "${limit[@]}" \
  --activation elu --epochs "$cnn_epochs" $(model_flags cnn_elu) --results "$out/results/cnn_elu.txt"
# shellcheck disable=SC2046
step "9.6 CNN autoencoder, elu, longer, and its latent vectors" "$bin/ch9_2_cnn_autoencoder" --data "$data" \
  --out "$out" "${limit[@]}" --activation elu --epochs "$long_epochs" $(model_flags cnn_elu_20) \
  --latent-out "$out/latent.npy" --results "$out/results/cnn_elu_20.txt"
step "Figures 9.7 and 9.9, and the chapter's other kinds of chart" "$bin/figures_gallery" --out "$out"
step "9.5 and 9.7 k-means by hand, and on the latent vectors" "$bin/ch9_3_kmeans" --latent "$out/latent.npy" \
  --data "$data" --out "$out" --labels-out "$out/kmeans_labels.npy" --results "$out/results/kmeans.txt"
step "9.8 t-SNE of the latent vectors: figures 9.9, 9.15, 9.16 and 9.17" "$bin/ch9_4_tsne" \
  --latent "$out/latent.npy" --data "$data" --out "$out" "${tsne_flags[@]}" --results "$out/results/tsne.txt"

total=$(since "$run_start")
mode=full; [ "$quick" = 1 ] && mode=quick
step "The report" "$bin/ch9_report" --out "$out" --data "$data" --mode "$mode" --total-seconds "$total"
printf '\nThe whole chapter took %.0f s. Open %s/report.html\n' "$total" "$out"
