#!/usr/bin/env bash
# Fails when clang-format would change any C/C++ file the project tracks.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.h' '*.hpp' '*.c' 2>/dev/null)
((${#files[@]})) || exit 0
bad=()
for f in "${files[@]}"; do
  [[ -f $f ]] || continue
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  echo "format-check: clang-format would change: ${bad[*]}" >&2
  echo "format-check: run 'clang-format -i' on them" >&2
  exit 1
fi
