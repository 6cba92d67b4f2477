#!/usr/bin/env python3
"""bench.xpub: deposit addresses per second from one account-level xpub (path
suffix 0: derive "0" once, then child i and its EIP-55 address), usd1pay
against ethers' HDNodeWallet, one core each, in the same run; prints the RATIO
line. Both sides must end on the same address.

Full mode (the goal): 200,000 addresses for usd1pay, 20,000 for ethers (it is
much slower; both rates are per second). --smoke: 20,000 and 2,000, and the
goal is reported but never fails the run (machines are noisy); a side that
fails, prints no figure or derives a different address does fail it."""
import argparse
import os
import re
import subprocess
import sys

GOAL = 20.0


def run(cmd, env=None):
    # taskset pins each side to one core when available.
    if os.path.exists("/usr/bin/taskset"):
        cmd = ["taskset", "-c", "0"] + cmd
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"bench.xpub: {' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def figures(cmd, env=None):
    out = run(cmd, env)
    ops = re.search(r"^OPS (\d+)$", out, re.M)
    check = re.search(r"^CHECK (0x[0-9a-fA-F]{40})$", out, re.M)
    if not ops or int(ops.group(1)) <= 0 or not check:
        sys.exit(f"bench.xpub: no figure from {' '.join(cmd)}: {out!r}")
    return int(ops.group(1)), check.group(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--bin", required=True, help="the bench_xpub binary")
    ap.add_argument("--peers", required=True, help="tests/peers (node_modules)")
    ap.add_argument("--count", type=int, help="addresses derived by usd1pay")
    args = ap.parse_args()
    mine_n = args.count or (20000 if args.smoke else 200000)
    theirs_n = max(mine_n // 10, 1)

    env = dict(os.environ)
    env["NODE_PATH"] = os.path.join(args.peers, "node_modules")
    peer = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer.js")
    m = re.search(r"^XPUB (\S+)$", run(["node", peer, "account"], env), re.M)
    if not m:
        sys.exit("bench.xpub: the peer printed no account key")
    xpub = m.group(1)
    mine, _ = figures([args.bin, "run", xpub, str(mine_n)])
    theirs, theirs_last = figures(["node", peer, "run", xpub, str(theirs_n)], env)
    # Both sides' last address, re-derived at the same index for comparison.
    _, mine_check = figures([args.bin, "run", xpub, str(theirs_n)])
    if mine_check != theirs_last:
        sys.exit(f"bench.xpub: address {theirs_n - 1} differs: usd1pay {mine_check}, "
                 f"ethers {theirs_last}")
    ratio = mine / theirs
    print(f"RATIO xpub: usd1pay {mine} ops/s, ethers {theirs} ops/s, "
          f"ratio {ratio:.1f} (goal >= {GOAL:g}){' [smoke]' if args.smoke else ''}")
    if not args.smoke and ratio < GOAL:
        print(f"bench.xpub: ratio {ratio:.1f} below the goal {GOAL:g}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
