#!/usr/bin/env bash
# The example given an output path in a missing folder must stop at once (before loading data or
# training) with an error that names the flag and the folder.
#   tests/refuse_unwritable_outputs.sh path/to/ch9_2_cnn_autoencoder
set -uo pipefail
program="$1"
missing="$(mktemp -d)/missing"
status=0
for flag in --save --latent-out --results; do
  output=$("$program" --epochs 1 --train-limit 256 --out "$(dirname "$missing")" "$flag" "$missing/file" 2>&1)
  rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "FAIL $flag: the program succeeded"; status=1
  elif ! grep -q -- "$flag $missing/file: the folder '$missing' does not exist" <<<"$output"; then
    echo "FAIL $flag: unexpected message:"; echo "$output" | tail -n 3; status=1
  elif grep -q "loss:" <<<"$output"; then
    echo "FAIL $flag: it trained before refusing"; status=1
  else
    echo "ok   $flag refused up front"
  fi
done
rm -rf "$(dirname "$missing")"
exit "$status"
