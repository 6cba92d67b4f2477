#!/usr/bin/env bash
# Installs the built tree into a scratch prefix, then builds and runs
# tests/consumer (C++) against it twice: through find_package(usd1pay CONFIG)
# and through pkg-config usd1pay; then the plain C example samples/c/hello.c
# (C99) against the installed C header and shared library, also twice:
# through find_package (usd1pay::usd1pay_c, tests/consumer-c) and through
# pkg-config usd1pay-c; and the Conan test package's program (conan/test_package,
# plain CMake without Conan). Proves the installed package is usable from outside.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
prefix="$scratch/prefix"

cmake --install "$root/$build" --prefix "$prefix" >/dev/null
cmake -S "$root/tests/consumer" -B "$scratch/cmake-consumer" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$scratch/cmake-consumer" >/dev/null
"$scratch/cmake-consumer/consumer" >"$scratch/out1"

pcdir=$(dirname "$(find "$prefix" -name usd1pay.pc | head -n1)")
PKG_CONFIG_PATH="$pcdir" c++ -std=c++17 -Wall -Wextra -Werror \
  "$root/tests/consumer/main.cpp" -o "$scratch/pc-consumer" \
  $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs --static usd1pay)
"$scratch/pc-consumer" >"$scratch/out2"

cmake -S "$root/conan/test_package" -B "$scratch/test-package" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$scratch/test-package" >/dev/null
"$scratch/test-package/test_package" | grep -q '^test_package ok' || {
  echo "install-check: conan/test_package failed against the installed tree" >&2; exit 1; }

cmp -s "$scratch/out1" "$scratch/out2" || { echo "install-check: consumers disagree" >&2; exit 1; }
grep -q '^consumer ok' "$scratch/out1" || { echo "install-check: consumer failed" >&2; cat "$scratch/out1" >&2; exit 1; }
# The C ABI: the shared library with its soname link beside the C++ archive;
# the C example sees only the installed header (-I from the package).
libdir=$(dirname "$pcdir")
for f in libusd1pay.so libusd1pay.so.1 libusd1pay_cxx.a; do
  [[ -e "$libdir/$f" ]] || { echo "install-check: $libdir/$f not installed" >&2; exit 1; }
done
cmake -S "$root/tests/consumer-c" -B "$scratch/cmake-c-consumer" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$scratch/cmake-c-consumer" >/dev/null
"$scratch/cmake-c-consumer/hello" >"$scratch/out3"
PKG_CONFIG_PATH="$pcdir" cc -std=c99 -Wall -Wextra -pedantic -Werror \
  "$root/samples/c/hello.c" -o "$scratch/pc-hello" \
  $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs usd1pay-c) \
  -Wl,-rpath,"$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=libdir usd1pay-c)"
"$scratch/pc-hello" >"$scratch/out4"
for out in out3 out4; do
  grep -q '^RECEIPT order hello-1 .* succeeded$' "$scratch/$out" ||
    { echo "install-check: the C example failed ($out)" >&2; cat "$scratch/$out" >&2; exit 1; }
done
echo "install-check: find_package and pkg-config consumers (C++ and C) and conan/test_package built and ran against the installed tree"
