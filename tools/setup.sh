#!/usr/bin/env bash
# Installs everything gearbox needs to build and test on Debian 12, with apt-get, then the
# player page's and the browser tests' npm packages from their lock files.
# Idempotent and non-interactive: packages already present are not touched, apt-get runs only
# when something is missing, and npm ci runs only when a lock file changed since the last run.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config git
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libavdevice-dev libswresample-dev
  libcpp-httplib-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libxml2-dev
  ffmpeg x264 time curl
  # the DASH-IF conformance check of the MPDs (tests/conformance): XSD with xmllint, the
  # Schematron rules with Saxon-HE on a Java runtime
  libxml2-utils libsaxonhe-java default-jre-headless
  # the fuzzers (tools/fuzz.sh): clang's libFuzzer and sanitizer runtimes
  clang libclang-rt-14-dev
  # the style check (tools/check_format.sh, ctest style.clang_format)
  clang-format
  # the installed library and the .deb (tools/package_test.sh): CPack's DEB generator runs
  # dpkg-shlibdeps (dpkg-dev) and file; python3 and ffprobe check the example's output
  dpkg-dev file python3
  # the Python module (python/) and its tests (ctest python.pytest): headers, pybind11, numpy,
  # OpenCV's bindings (the StreamGear examples read a generated file with cv2), pytest
  python3-dev python3-pybind11 python3-numpy python3-opencv python3-pytest
  # the browser tests: Debian's Chromium, driven by playwright-core (which never downloads one)
  chromium fonts-liberation
)
# Each backend's own packages: backends/<name>/debian-packages, one per line (# comments).
for list in backends/*/debian-packages; do
  while read -r line; do
    line="${line%%#*}"
    for p in $line; do packages+=("$p"); done
  done <"$list"
done
# Node.js and npm: Debian's, unless a node / npm is already on PATH (NodeSource's nodejs, for
# one, bundles npm and conflicts with Debian's npm package).
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
else
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: run as root or install sudo (missing: ${missing[*]})" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages, exactly as locked. --ignore-scripts: no install script runs, so nothing (a
# browser build above all) is downloaded beside the locked packages. A stamp holding the lock
# file's hash makes a second run a no-op.
for dir in tools/player tests/browser; do
  stamp="$dir/node_modules/.gearbox-lock-sha256"
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "setup: $dir/node_modules up to date"
    continue
  fi
  echo "setup: npm ci in $dir"
  (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
done
