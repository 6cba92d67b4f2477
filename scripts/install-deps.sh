#!/usr/bin/env bash
# Installs what usd1pay needs to build and test on Debian 12, and nothing that
# is already there. Quiet, non-interactive, idempotent: safe to run every time.
#
#   scripts/install-deps.sh          build + test dependencies (Debian packages)
#   scripts/install-deps.sh --npm    also the npm test oracles into tests/peers
set -euo pipefail

want_npm=0
for arg in "$@"; do
  case "$arg" in
    --npm) want_npm=1 ;;
    *) echo "install-deps: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev clang-tidy clang-format
  libssl-dev nlohmann-json3-dev libcli11-dev libcpp-httplib-dev
  libqrencode-dev libpng-dev libsqlite3-dev sqlite3 libsecp256k1-dev
  libgtest-dev libgmock-dev libtrompeloeil-cpp-dev libbenchmark-dev
  zbar-tools librsvg2-bin chromium python3 wrk php-cli tmux doxygen jq valgrind
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
# Node.js may come from Debian or from another packaging that bundles npm; only
# ask Debian for it when the commands are absent.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  # Quiet on success; on failure show apt's own words.
  if ! { $SUDO apt-get update -qq && \
         $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "install-deps: apt-get failed" >&2
    exit 1
  fi
  rm -f "$log"
fi

if ((want_npm)); then
  here=$(cd "$(dirname "$0")/.." && pwd)
  peers="$here/tests/peers"
  # Reinstall only when the lock file changed since the last install.
  stamp="$peers/node_modules/.usd1pay-stamp"
  if [[ ! -f "$stamp" ]] || ! cmp -s "$peers/package-lock.json" "$stamp"; then
    echo "install-deps: installing npm test peers"
    (cd "$peers" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || {
      echo "install-deps: npm ci failed in $peers" >&2
      exit 1
    }
    cp "$peers/package-lock.json" "$stamp"
  fi
fi
