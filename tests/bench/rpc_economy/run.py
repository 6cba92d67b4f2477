#!/usr/bin/env python3
"""bench.rpc_economy: JSON-RPC calls per scanned block of the Tracker on a
real ganache node with many open intents (calls: every call of a batch
counted; requests: HTTP round trips), following one poll per new block, one
poll per two new blocks, and catching up, beside per-address polling (one
balanceOf call per open address per block, computed; its time measured on a
sample and extrapolated). Prints the program's figures and the RATIO line.

Full mode (the issue's figure): 10,000 open intents over 200 new blocks.
--smoke: 500 intents over 20 blocks; the goal is reported but never fails
the run; a side that fails or prints no figure does fail it."""
import argparse
import re
import subprocess
import sys

GOAL = 1.5


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--bin", required=True, help="the bench_rpc_economy binary")
    ap.add_argument("--intents", type=int)
    ap.add_argument("--blocks", type=int)
    ap.add_argument("--every", type=int, default=4, help="a transfer every K blocks")
    args = ap.parse_args()
    intents = args.intents or (500 if args.smoke else 10000)
    blocks = args.blocks or (20 if args.smoke else 200)
    cmd = [args.bin, "--intents", str(intents), "--blocks", str(blocks),
           "--every", str(args.every)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    sys.stdout.write(proc.stdout)
    if proc.returncode != 0:
        sys.exit(f"bench.rpc_economy: {' '.join(cmd)} failed ({proc.returncode}): "
                 f"{proc.stderr.strip()}")
    figures = {}
    for name in ("FOLLOW", "FOLLOW2", "CATCHUP", "NAIVE"):
        m = re.search(rf"^{name} (.*)$", proc.stdout, re.M)
        if not m:
            sys.exit(f"bench.rpc_economy: no {name} figure: {proc.stdout!r} {proc.stderr!r}")
        figures[name] = dict(kv.split("=", 1) for kv in m.group(1).split() if "=" in kv)
    follow = figures["FOLLOW"]
    if any(int(figures[n]["blocks"]) != blocks for n in ("FOLLOW", "FOLLOW2", "CATCHUP")):
        sys.exit(f"bench.rpc_economy: expected {blocks} blocks scanned per cadence: {figures}")
    transfers = (blocks + args.every - 1) // args.every
    for name in ("FOLLOW", "FOLLOW2", "CATCHUP"):
        if int(figures[name]["detected"]) != transfers:
            sys.exit(f"bench.rpc_economy: {name} detected {figures[name]['detected']} payments, "
                     f"expected {transfers}")
    ours = float(follow["calls_per_block"])
    if not re.search(r"^RATIO rpc_economy: ", proc.stdout, re.M):
        sys.exit("bench.rpc_economy: no RATIO line")
    if not args.smoke and ours > GOAL:
        print(f"bench.rpc_economy: {ours:.2f} calls/block (one poll per block) above the goal "
              f"{GOAL:g}; catch-up {figures['CATCHUP']['calls_per_block']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
