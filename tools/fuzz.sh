#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz/ and runs every target in
# tests/fuzz for SECONDS each (default 30), each from a scratch copy of its committed seed
# corpus (tests/fuzz/corpus/NAME), so new inputs never dirty the tree. Exits non-zero if any
# fuzzer crashes, leaks, times out on an input or runs out of memory; the input that did it is
# kept as build-fuzz/findings/NAME/crash-* (or leak-, timeout-, oom-) to become a regression test.
#
#   tools/fuzz.sh [SECONDS]
set -euo pipefail
seconds="${1:-30}"
case "$seconds" in ''|*[!0-9]*) echo "usage: tools/fuzz.sh [SECONDS]" >&2; exit 2 ;; esac
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DGEARBOX_BUILD_FUZZERS=ON \
  -DGEARBOX_SANITIZE=address,undefined -DGEARBOX_BUILD_TESTS=OFF -DGEARBOX_BUILD_BENCH=OFF -DGEARBOX_WERROR=ON \
  ${CMAKE_CXX_COMPILER_LAUNCHER:+-DCMAKE_CXX_COMPILER_LAUNCHER=$CMAKE_CXX_COMPILER_LAUNCHER} \
  ${CMAKE_C_COMPILER_LAUNCHER:+-DCMAKE_C_COMPILER_LAUNCHER=$CMAKE_C_COMPILER_LAUNCHER}

# Every target registered in tests/fuzz/CMakeLists.txt (one gearbox_fuzzer(NAME ...) line each).
mapfile -t targets < <(sed -n 's/^[[:space:]]*gearbox_fuzzer(\([A-Za-z0-9_]*\).*/\1/p' "$root/tests/fuzz/CMakeLists.txt")
if [ "${#targets[@]}" -eq 0 ]; then
  echo "fuzz.sh: no gearbox_fuzzer(...) target in tests/fuzz/CMakeLists.txt" >&2
  exit 1
fi
cmake --build "$build" --target "${targets[@]}"

failed=()
for name in "${targets[@]}"; do
  corpus="$build/corpus/$name"
  findings="$build/findings/$name"
  rm -rf "$corpus"
  mkdir -p "$corpus" "$findings"
  if [ -d "$root/tests/fuzz/corpus/$name" ]; then cp -R "$root/tests/fuzz/corpus/$name/." "$corpus/"; fi
  echo "== $name: $seconds s"
  # halt_on_error: the first sanitizer report ends the run as a crash, with its input saved.
  if ! ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}" \
    "$build/tests/fuzz/$name" "$corpus" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=25 \
      -artifact_prefix="$findings/" -print_final_stats=1 >"$build/$name.log" 2>&1; then
    failed+=("$name")
    echo "fuzz.sh: $name FAILED; the end of $build/$name.log:" >&2
    tail -n 40 "$build/$name.log" >&2
    ls "$findings" >&2 || true
  else
    grep -E "^stat::number_of_executed_units|^stat::new_units_added" "$build/$name.log" | sed 's/^/  /' || true
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz.sh: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: ${#targets[@]} fuzzer(s), $seconds s each, nothing found"
