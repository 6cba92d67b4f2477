#!/usr/bin/env bash
# A local Ethereum chain for trying usd1pay end to end (docs/quickstart.md):
# ganache (from the npm test peers, tests/peers) on 127.0.0.1 with chain id
# 1337, a Test USD1 ERC-20 token (18 decimals, compiled by solc from
# tests/peers/contracts/TestToken.sol) and a customer account holding 1000 of
# it. Nothing leaves the machine.
#
#   scripts/devnet.sh start [--port N]   start the chain, deploy the token, fund the
#                                        customer, write DIR/usd1pay.json; prints the
#                                        token address and the config path
#   scripts/devnet.sh pay ADDRESS AMOUNT the customer transfers AMOUNT (exact decimal,
#                                        token units, e.g. 25.00) to ADDRESS; prints
#                                        the transaction hash and block
#   scripts/devnet.sh mine [N]           mine N empty blocks (default 1), e.g. for
#                                        confirmations; prints the new height
#   scripts/devnet.sh config             print the path of DIR/usd1pay.json
#   scripts/devnet.sh status             running or not, port, token, height
#   scripts/devnet.sh stop               stop the chain (its data is removed)
#
# DIR is $USD1PAY_DEVNET_DIR, default build/devnet in the repository. The npm
# peers must be installed: scripts/install-deps.sh --npm (make deps-test).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
peers="$root/tests/peers"
dir=${USD1PAY_DEVNET_DIR:-$root/build/devnet}
ganache_cli="$peers/node_modules/ganache/dist/node/cli.js"
decimals=18
# The account-level xpub of the well-known test mnemonic "test test ... junk"
# (m/44'/60'/0', as in samples/usd1pay.json): deposit addresses only, never
# for real money.
xpub="xpub6Ce9NcJvTk36xtLSrJLZqE7wtgA5deCeYs7rSQtreh4cj6ByPtrg9sD7V2FNFLPnf8heNP3FGkeV9qwfzvZNSd54JoNXVsXFYSYwHsnJxqP"

die() {
  echo "devnet: $*" >&2
  exit 1
}

usage() {
  sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

need_peers() {
  [[ -f "$ganache_cli" ]] || die "ganache is not installed under tests/peers/node_modules (run: scripts/install-deps.sh --npm)"
  command -v node >/dev/null || die "node is not installed (run: scripts/install-deps.sh)"
}

running() {
  [[ -f "$dir/ganache.pid" ]] && kill -0 "$(cat "$dir/ganache.pid")" 2>/dev/null
}

url() {
  echo "http://127.0.0.1:$(cat "$dir/port")"
}

# One JSON-RPC call with node (no curl needed); prints the result as JSON.
rpc() {
  node -e '
    const [url, method, params] = process.argv.slice(1);
    fetch(url, {method: "POST", headers: {"content-type": "application/json"},
                body: JSON.stringify({jsonrpc: "2.0", id: 1, method, params: JSON.parse(params)})})
      .then((r) => r.json())
      .then((j) => { if (j.error) throw new Error(j.error.message); console.log(JSON.stringify(j.result)); })
      .catch((e) => { console.error(String(e.message || e)); process.exit(1); });
  ' "$(url)" "$1" "${2:-[]}"
}

# Sends the JSON commands given as arguments to tests/peers/erc20.js (one per
# line) and prints its answers, one JSON object per line.
erc20() {
  printf '%s\n' "$@" | node "$peers/erc20.js" "$(url)"
}

# The value of a string or number field of a one-line JSON object.
field() {
  node -e 'const o = JSON.parse(process.argv[1]); if (o.error) { console.error(o.error); process.exit(1); }
           const v = o[process.argv[2]]; console.log(Array.isArray(v) ? v.join(" ") : String(v));' "$1" "$2"
}

free_port() {
  node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

cmd_start() {
  local port=""
  while (($#)); do
    case "$1" in
      --port) port=${2:?--port needs a number}; shift 2 ;;
      *) die "start: unknown option '$1'" ;;
    esac
  done
  need_peers
  if running; then
    echo "devnet: already running on $(url) (scripts/devnet.sh stop first)" >&2
    cmd_status
    return 0
  fi
  mkdir -p "$dir"
  rm -rf "$dir/chain" "$dir/usd1pay.db" "$dir/usd1pay.db-wal" "$dir/usd1pay.db-shm"
  [[ -n "$port" ]] || port=$(free_port)
  [[ "$port" =~ ^[0-9]+$ ]] || die "start: --port '$port' is not a number"
  echo "$port" >"$dir/port"
  nohup node "$ganache_cli" --server.host 127.0.0.1 --server.port "$port" \
    --chain.chainId 1337 --wallet.deterministic --logging.quiet \
    --miner.instamine eager --database.dbPath "$dir/chain" >"$dir/ganache.log" 2>&1 &
  echo $! >"$dir/ganache.pid"
  local tries=0
  until rpc eth_blockNumber >/dev/null 2>&1; do
    running || die "ganache exited during start-up (see $dir/ganache.log)"
    ((++tries > 600)) && die "ganache did not answer on $(url) within 60 s (see $dir/ganache.log)"
    sleep 0.1
  done

  local answers token customer
  answers=$(erc20 '{"op":"deploy","decimals":18,"name":"Test USD1","symbol":"USD1"}' '{"op":"accounts"}')
  token=$(field "$(sed -n 1p <<<"$answers")" address)
  customer=$(field "$(sed -n 2p <<<"$answers")" accounts | cut -d' ' -f2)
  field "$(erc20 "{\"op\":\"mint\",\"token\":\"$token\",\"to\":\"$customer\",\"amount\":\"1000000000000000000000\"}")" tx_hash >/dev/null
  echo "$token" >"$dir/token"
  echo "$customer" >"$dir/customer"

  cat >"$dir/usd1pay.json" <<EOF
{
  "version": 1,
  "store": { "path": "usd1pay.db" },
  "chains": [
    {
      "id": "eip155:1337",
      "backend": "evm-rpc",
      "backend_settings": { "url": "$(url)" },
      "finality": { "kind": "confirmations", "confirmations": 3 },
      "tokens": [ { "symbol": "USD1", "contract": "$token", "decimals": $decimals } ],
      "strategy": "xpub",
      "xpub": "$xpub",
      "derivation_path": "0"
    }
  ],
  "default_expiry_seconds": 900
}
EOF
  echo "devnet: ganache on $(url), chain eip155:1337"
  echo "devnet: token    $token (Test USD1, $decimals decimals)"
  echo "devnet: customer $customer (holds 1000.00 USD1)"
  echo "devnet: config   $dir/usd1pay.json"
}

cmd_pay() {
  (($# == 2)) || die "usage: scripts/devnet.sh pay ADDRESS AMOUNT (e.g. 25.00)"
  running || die "not running (scripts/devnet.sh start)"
  local to=$1 amount=$2 units answer
  [[ "$amount" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "pay: amount '$amount' is not an exact decimal such as 25.00"
  # Exact: ethers.parseUnits works on the decimal string, never a float.
  units=$(NODE_PATH="$peers/node_modules" node -e \
    'console.log(require("ethers").parseUnits(process.argv[1], Number(process.argv[2])).toString())' \
    "$amount" "$decimals") || die "pay: amount '$amount' has more than $decimals decimals"
  answer=$(erc20 "{\"op\":\"transfer\",\"token\":\"$(cat "$dir/token")\",\"from_index\":1,\"to\":\"$to\",\"amount\":\"$units\"}")
  echo "devnet: paid $amount USD1 ($units base units) to $to"
  echo "devnet: tx $(field "$answer" tx_hash) in block $(field "$answer" block_number)"
}

cmd_mine() {
  local n=${1:-1}
  [[ "$n" =~ ^[0-9]+$ && "$n" -ge 1 ]] || die "mine: '$n' is not a positive number"
  running || die "not running (scripts/devnet.sh start)"
  echo "devnet: height $(field "$(erc20 "{\"op\":\"mine\",\"n\":$n}")" block_number)"
}

cmd_status() {
  if running; then
    echo "devnet: running on $(url) (pid $(cat "$dir/ganache.pid")), height $(($(rpc eth_blockNumber | tr -d '"')))"
    echo "devnet: token    $(cat "$dir/token" 2>/dev/null)"
    echo "devnet: config   $dir/usd1pay.json"
  else
    echo "devnet: not running"
    return 1
  fi
}

cmd_stop() {
  if running; then
    local pid
    pid=$(cat "$dir/ganache.pid")
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    echo "devnet: stopped"
  else
    echo "devnet: not running"
  fi
  rm -rf "$dir/chain" "$dir/ganache.pid"
}

(($#)) || usage
command=$1
shift
case "$command" in
  start) cmd_start "$@" ;;
  pay) cmd_pay "$@" ;;
  mine) cmd_mine "$@" ;;
  config) [[ -f "$dir/usd1pay.json" ]] || die "no $dir/usd1pay.json (scripts/devnet.sh start)"
    echo "$dir/usd1pay.json" ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
  -h | --help | help) usage ;;
  *) echo "devnet: unknown command '$command'" >&2; usage ;;
esac
