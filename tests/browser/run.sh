#!/usr/bin/env bash
# The chapter's quick run, then its report opened in headless Chromium (report_test.js):
# every figure loaded, the latent map toggled and hovered, a screenshot saved.
# Installs Chromium (Debian's package) and playwright-core (from the npm registry) when missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$root/build/browser-test"
mkdir -p "$work"

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "browser test: installing ${need[*]}"
  [ "$(id -u)" -eq 0 ] || { echo "browser test: run as root (or: sudo apt-get install ${need[*]})" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ! -d "$work/node_modules/playwright-core" ]; then
  cp "$root/tests/browser/package.json" "$work/"
  (cd "$work" && npm install --no-audit --no-fund --loglevel=error)
fi

"$root/scripts/run-chapter.sh" --quick --no-setup --retrain --out "$work/quick"
NODE_PATH="$work/node_modules" node "$root/tests/browser/report_test.js" "$work/quick/report.html" \
  "$work/report-screenshot.png"
