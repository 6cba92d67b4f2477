#!/usr/bin/env python3
"""bench.abi_overhead: what the C ABI and the Python binding add. Intent
create + get (one pair = create_intent, then get_intent of its id), one
thread, through the Python binding (py_side.py: ctypes -> libusd1pay.so ->
Processor, JSON both ways) against the same through usd1pay::Processor in C++
(bench_abi_overhead), on the same configuration file, in the same run.

Both sides open the same configuration (one SimChain EVM chain, static
strategy, a fresh SQLite store in WAL mode with the same synchronous
setting), so the store does the same work on both. Rounds alternate which
side runs first, each run on a fresh directory, both pinned to one core; the
best of the rounds counts for each side, and the median of the per-round
ratios is printed beside it.

synchronous=FULL (usd1pay's default; every create waits for an fsync) is what
a shop runs, and the goal is judged there. synchronous=NORMAL (no fsync per
commit) shows the binding's cost with the disk out of the way: the stricter
figure, printed for information.

RATIO = binding time / C++ time per pair (1.00: no overhead); goal <= 1.20.
Full mode: 2,000 pairs per run, 5 rounds. --smoke: 200 pairs, 3 rounds, and
the goal is reported but never fails the run; a side that fails or prints no
figure does fail it."""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

GOAL = 1.20
HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = "0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA"
MERCHANT = "0x8ba1f109551bD432803012645Ac136ddd64DBA72"


def config(sync):
    return {
        "version": 1,
        "store": {"path": "usd1pay.db", "synchronous": sync},
        "chains": [{
            "id": "eip155:1337",
            "backend": "sim",
            "tokens": [{"symbol": "USD1", "contract": TOKEN, "decimals": 18}],
            "strategy": "static",
            "merchant_address": MERCHANT,
        }],
    }


def ops(cmd, env=None):
    if os.path.exists("/usr/bin/taskset"):
        cmd = ["taskset", "-c", "0"] + cmd
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"bench.abi_overhead: {' '.join(cmd)} failed ({proc.returncode}): "
                 f"{proc.stderr.strip()}")
    m = re.search(r"^OPS (\d+)$", proc.stdout, re.M)
    if not m or int(m.group(1)) <= 0:
        sys.exit(f"bench.abi_overhead: no figure from {' '.join(cmd)}: {proc.stdout!r}")
    return int(m.group(1))


def one(side, binary, sync, count):
    with tempfile.TemporaryDirectory(dir=os.environ.get("USD1PAY_BENCH_DIR")) as tmp:
        path = os.path.join(tmp, "usd1pay.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(config(sync), f)
        if side == "cpp":
            return ops([binary, path, str(count)])
        return ops([sys.executable, os.path.join(HERE, "py_side.py"), path, str(count)])


def measure(binary, sync, count, rounds):
    cpp, py = [], []
    for r in range(rounds):
        order = ("cpp", "py") if r % 2 == 0 else ("py", "cpp")
        got = {side: one(side, binary, sync, count) for side in order}
        cpp.append(got["cpp"])
        py.append(got["py"])
    ratio_best = max(cpp) / max(py)
    ratio_median = statistics.median(c / p for c, p in zip(cpp, py))
    return max(cpp), max(py), ratio_best, ratio_median


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--bin", required=True, help="the bench_abi_overhead binary")
    ap.add_argument("--count", type=int, help="create+get pairs per run")
    ap.add_argument("--rounds", type=int, help="runs per side and setting")
    args = ap.parse_args()
    if not os.environ.get("USD1PAY_LIBRARY"):
        sys.exit("bench.abi_overhead: set USD1PAY_LIBRARY to the built libusd1pay.so")
    count = args.count or (200 if args.smoke else 2000)
    rounds = args.rounds or (3 if args.smoke else 5)
    tag = " [smoke]" if args.smoke else ""

    results = {sync: measure(args.bin, sync, count, rounds) for sync in ("normal", "full")}
    for sync in ("normal", "full"):
        cpp, py, best, median = results[sync]
        print(f"abi_overhead synchronous={sync.upper()}: C++ {cpp} pairs/s, Python binding "
              f"{py} pairs/s, ratio {best:.2f} (median of rounds {median:.2f}); "
              f"per pair C++ {1e6 / cpp:.0f} us, Python {1e6 / py:.0f} us")
    cpp, py, best, _ = results["full"]
    print(f"RATIO abi_overhead: Python binding {py} pairs/s, C++ {cpp} pairs/s "
          f"(intent create + get, synchronous=FULL), ratio {best:.2f} (goal <= {GOAL:.2f}){tag}")
    if not args.smoke and best > GOAL:
        print(f"bench.abi_overhead: ratio {best:.2f} above the goal {GOAL:.2f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
