#!/usr/bin/env bash
# The public C header compiles alone, as C99 and C11 with gcc and clang and
# as C++17 with g++ and clang++, with every warning an error (after libgit2's
# tests/headertest). Including it twice is harmless, and it declares no
# function without a prototype.
#   header_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/alone.c" <<'C'
#include "usd1pay/usd1pay.h"
#include "usd1pay/usd1pay.h"

int main(void) {
  usd1pay_qr_options qr = USD1PAY_QR_OPTIONS_INIT;
  usd1pay_open_options open = USD1PAY_OPEN_OPTIONS_INIT;
  usd1pay_error code = USD1PAY_ECLOSED;
  (void)qr;
  (void)open;
  return code == USD1PAY_ECLOSED && USD1PAY_ABI_VERSION >= 1 ? 0 : 1;
}
C
cp "$tmp/alone.c" "$tmp/alone.cpp"
flags=(-Wall -Wextra -pedantic -Werror -fsyntax-only -I"$src/include" -I"$build/include")
n=0
for cc in gcc clang; do
  for std in c99 c11; do
    "$cc" -std=$std "${flags[@]}" -Wstrict-prototypes -Wmissing-prototypes "$tmp/alone.c"
    n=$((n + 1))
  done
done
for cxx in g++ clang++; do
  "$cxx" -std=c++17 "${flags[@]}" -Wold-style-cast "$tmp/alone.cpp"
  n=$((n + 1))
done
# The header needs only version.h beside it: nothing else of usd1pay.
others=$(grep -E '^#include "' "$src/include/usd1pay/usd1pay.h" | grep -v 'usd1pay/version.h' || true)
if [[ -n $others ]]; then
  echo "header_test: usd1pay.h includes more than version.h: $others" >&2
  exit 1
fi
echo "header_test: usd1pay.h compiles alone in $n configurations"
