#!/usr/bin/env bash
# The shared library exports exactly the functions usd1pay.h declares (every
# usd1pay_* and nothing else: no C++, no dependency leaks through), under
# the soname libusd1pay.so.<USD1PAY_ABI_VERSION>.
#   symbols_test.sh LIBRARY HEADER
set -euo pipefail
lib=$1
header=$2
exported=$(nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' | sort -u)
declared=$(tr '\n' ' ' <"$header" | grep -oE 'USD1PAY_EXTERN [^;(]*[ *]usd1pay_[a-z0-9_]+\(' |
  grep -oE 'usd1pay_[a-z0-9_]+\($' | tr -d '(' | sort -u)
bad=0
stray=$(grep -vE '^usd1pay_' <<<"$exported" || true)
if [[ -n $stray ]]; then
  echo "symbols_test: exported symbols outside usd1pay_*:" >&2
  echo "$stray" | head -20 >&2
  bad=1
fi
missing=$(comm -13 <(echo "$exported") <(echo "$declared"))
extra=$(comm -23 <(echo "$exported") <(echo "$declared"))
if [[ -n $missing ]]; then
  echo "symbols_test: declared in usd1pay.h but not exported: $missing" >&2
  bad=1
fi
if [[ -n $extra ]]; then
  echo "symbols_test: exported but not declared in usd1pay.h: $extra" >&2
  bad=1
fi
abi=$(grep -oE '^#define USD1PAY_ABI_VERSION [0-9]+' "$header" | awk '{print $3}')
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
if [[ $soname != "libusd1pay.so.$abi" ]]; then
  echo "symbols_test: soname is '$soname', expected libusd1pay.so.$abi" >&2
  bad=1
fi
((bad == 0)) || exit 1
echo "symbols_test: $(wc -l <<<"$exported") symbols, all usd1pay_*, all declared; soname $soname"
