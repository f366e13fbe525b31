#!/usr/bin/env bash
# Fails, listing the files, when a tracked C++ or CUDA file is not as clang-format (with the
# tree's .clang-format, Chromium's style) writes it. Fix with:
#   git ls-files '*.cpp' '*.h' '*.cu' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check_format: clang-format is not installed (tools/setup.sh)"; exit 77; }
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "check_format: not a git checkout"; exit 77; }
mapfile -t files < <(git ls-files '*.cpp' '*.h' '*.cu')
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "check_format: ${#bad[@]} of ${#files[@]} files differ from clang-format's output:"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "check_format: ${#files[@]} files formatted"
