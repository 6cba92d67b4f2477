#!/usr/bin/env python3
"""bench.eip55: usd1pay validate_address vs ethers getAddress on the same
addresses, one core each, in the same run; prints the RATIO line.

Full mode (the goal): 1,000,000 addresses. --smoke: 20,000, and the goal is
reported but never fails the run (machines are noisy); a side that fails or
prints no figure does fail it."""
import argparse
import os
import re
import subprocess
import sys
import tempfile

GOAL = 20.0


def ops(cmd, env=None):
    # taskset pins each side to one core when available.
    if os.path.exists("/usr/bin/taskset"):
        cmd = ["taskset", "-c", "0"] + cmd
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"bench.eip55: {' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()}")
    m = re.search(r"^OPS (\d+)$", proc.stdout, re.M)
    if not m or int(m.group(1)) <= 0:
        sys.exit(f"bench.eip55: no figure from {' '.join(cmd)}: {proc.stdout!r} {proc.stderr!r}")
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--bin", required=True, help="the bench_eip55 binary")
    ap.add_argument("--peers", required=True, help="tests/peers (node_modules)")
    ap.add_argument("--count", type=int, help="number of addresses")
    args = ap.parse_args()
    count = args.count or (20000 if args.smoke else 1000000)

    env = dict(os.environ)
    env["NODE_PATH"] = os.path.join(args.peers, "node_modules")
    peer = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer.js")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "addresses.txt")
        subprocess.run([args.bin, "generate", str(count), path], check=True)
        mine = ops([args.bin, "run", path])
        theirs = ops(["node", peer, path], env)
    ratio = mine / theirs
    print(f"RATIO eip55: usd1pay {mine} ops/s, ethers {theirs} ops/s, "
          f"ratio {ratio:.1f} (goal >= {GOAL:g}){' [smoke]' if args.smoke else ''}")
    if not args.smoke and ratio < GOAL:
        print(f"bench.eip55: ratio {ratio:.1f} below the goal {GOAL:g}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
