#!/usr/bin/env python3
"""bench.abi_overhead: what the C ABI and the Python binding add. Intent
create + get (one pair = create_intent, then get_intent of its id), one
thread, through the Python binding (py_side.py: ctypes -> libusd1pay.so ->
Processor, JSON both ways) against the same through usd1pay::Processor in C++
(bench_abi_overhead), on the same configuration file, in the same run. A
third side, the C ABI called from C (bench_abi_overhead_c), splits the
overhead into the ABI's part (JSON in and out) and the binding's (ctypes,
the Python wrapper, json.dumps / json.loads).

Both sides open the same configuration (one SimChain EVM chain, static
strategy, a fresh SQLite store in WAL mode with the same synchronous
setting), so the store does the same work on each. Each run times every
pair and reports the median pair, which a burst of load from other processes
barely moves; rounds rotate which side runs first, each run on a fresh
directory, all pinned to one core, and the lowest median of the rounds counts
for each side (interference only ever adds time). Throughput (pairs per
second over the whole run) is printed beside it.

The goal is judged at synchronous=NORMAL (no fsync per commit): the binding
adds CPU time only, the same number of microseconds at either setting, and
NORMAL is where those microseconds show and where the figure is stable.
synchronous=FULL (usd1pay's default; every create waits for an fsync) is
printed too, but there the pair time is the disk's: on a machine shared with
other processes an fsync takes anywhere from 0.1 to several milliseconds from
one run to the next, so its ratio moves between about 0.7 and 1.5 from noise
alone, and on any disk it hides the binding's cost behind the fsync.

RATIO = binding's median pair time / C++'s at synchronous=NORMAL (1.00: no
overhead); goal <= 1.20.
Full mode: 1,000 pairs per run, 5 rounds. --smoke: 200 pairs, 3 rounds, and
the goal is reported but never fails the run; a side that fails or prints no
figure does fail it."""
import argparse
import json
import os
import re
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


def run_side(cmd):
    """(pairs per second, median nanoseconds per pair) of one run."""
    if os.path.exists("/usr/bin/taskset"):
        cmd = ["taskset", "-c", "0"] + cmd
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"bench.abi_overhead: {' '.join(cmd)} failed ({proc.returncode}): "
                 f"{proc.stderr.strip()}")
    ops = re.search(r"^OPS (\d+)$", proc.stdout, re.M)
    p50 = re.search(r"^P50_NS (\d+)$", proc.stdout, re.M)
    if not ops or not p50 or int(ops.group(1)) <= 0 or int(p50.group(1)) <= 0:
        sys.exit(f"bench.abi_overhead: no figure from {' '.join(cmd)}: {proc.stdout!r}")
    return int(ops.group(1)), int(p50.group(1))


SIDES = ("cpp", "c", "py")


def one(side, args, sync, count):
    with tempfile.TemporaryDirectory(dir=os.environ.get("USD1PAY_BENCH_DIR")) as tmp:
        path = os.path.join(tmp, "usd1pay.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(config(sync), f)
        if side == "cpp":
            return run_side([args.bin, path, str(count)])
        if side == "c":
            return run_side([args.cbin, path, str(count)])
        return run_side([sys.executable, os.path.join(HERE, "py_side.py"), path, str(count)])


def measure(args, sync, count, rounds):
    """Per side: (best pairs per second, lowest median microseconds per pair)
    over the rounds, the sides rotating which runs first."""
    figures = {side: [] for side in SIDES}
    for r in range(rounds):
        order = SIDES[r % 3:] + SIDES[:r % 3]
        for side in order:
            figures[side].append(one(side, args, sync, count))
    return {side: (max(f[0] for f in v), min(f[1] for f in v) / 1000.0)
            for side, v in figures.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--bin", required=True, help="the bench_abi_overhead binary (C++)")
    ap.add_argument("--cbin", required=True, help="the bench_abi_overhead_c binary (C ABI)")
    ap.add_argument("--count", type=int, help="create+get pairs per run")
    ap.add_argument("--rounds", type=int, help="runs per side and setting")
    args = ap.parse_args()
    if not os.environ.get("USD1PAY_LIBRARY"):
        sys.exit("bench.abi_overhead: set USD1PAY_LIBRARY to the built libusd1pay.so")
    count = args.count or (200 if args.smoke else 1000)
    rounds = args.rounds or (3 if args.smoke else 5)
    tag = " [smoke]" if args.smoke else ""

    results = {sync: measure(args, sync, count, rounds) for sync in ("normal", "full")}
    for sync in ("normal", "full"):
        r = results[sync]
        us = {side: r[side][1] for side in SIDES}
        print(f"abi_overhead synchronous={sync.upper()}: median create+get pair: C++ "
              f"{us['cpp']:.0f} us, C ABI from C {us['c']:.0f} us (+{us['c'] - us['cpp']:.0f}), "
              f"Python binding {us['py']:.0f} us (+{us['py'] - us['c']:.0f} over the C ABI); "
              f"ratio Python / C++ {us['py'] / us['cpp']:.2f}, C ABI / C++ "
              f"{us['c'] / us['cpp']:.2f}; throughput C++ {r['cpp'][0]}, C {r['c'][0]}, "
              f"Python {r['py'][0]} pairs/s")
    r = results["normal"]
    ratio = r["py"][1] / r["cpp"][1]
    full = results["full"]
    print(f"RATIO abi_overhead: Python binding {r['py'][1]:.0f} us, C++ {r['cpp'][1]:.0f} us "
          f"per intent create + get (median, synchronous=NORMAL, best of {rounds} runs of "
          f"{count}), ratio {ratio:.2f} (goal <= {GOAL:.2f}); at synchronous=FULL "
          f"{full['py'][1] / full['cpp'][1]:.2f} (fsync-bound){tag}")
    if not args.smoke and ratio > GOAL:
        print(f"bench.abi_overhead: ratio {ratio:.2f} above the goal {GOAL:.2f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
