#!/usr/bin/env bash
# What the browser and Node tests need, installed here and never by the tests themselves: Debian's
# chromium (when missing, as root with apt-get) and tests/node's npm packages (msw, typescript) from
# their lock file. A step that cannot run says why; the tests that need it then skip with a reason.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then
  echo "frontend-deps: chromium is installed"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
  echo "frontend-deps: installed chromium"
else
  echo "frontend-deps: SKIP chromium (needs root and apt-get); the browser tests will skip"
fi

if command -v npm >/dev/null; then
  # --ignore-scripts: msw's postinstall only copies its service worker into a browser project.
  npm ci --prefix tests/node --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "frontend-deps: installed tests/node's packages"
else
  echo "frontend-deps: SKIP tests/node's packages (no npm); the Node tests will skip"
fi
