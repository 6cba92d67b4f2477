#!/usr/bin/env python3
"""bench.webhook_verify: usd1pay verify_webhook vs the npm standardwebhooks
package's Webhook.verify on the same signed messages, one core each, in the
same run; prints the RATIO line.

The messages: one endpoint secret, ~500-byte JSON event bodies, signed just
before the run (both sides check the timestamp against the real clock with
the 5-minute tolerance). Full mode (the goal): 10,000 messages verified 10
times by each side. --smoke: 2,000 messages 5 times; the goal is reported but
never fails the run (machines are noisy); a side that fails or prints no
figure does fail it."""
import argparse
import os
import re
import subprocess
import sys
import tempfile

GOAL = 10.0


def ops(cmd, env=None):
    # taskset pins each side to one core when available.
    if os.path.exists("/usr/bin/taskset"):
        cmd = ["taskset", "-c", "0"] + cmd
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"bench.webhook_verify: {' '.join(cmd)} failed ({proc.returncode}): "
                 f"{proc.stderr.strip()}")
    m = re.search(r"^OPS (\d+)$", proc.stdout, re.M)
    if not m or int(m.group(1)) <= 0:
        sys.exit(f"bench.webhook_verify: no figure from {' '.join(cmd)}: "
                 f"{proc.stdout!r} {proc.stderr!r}")
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--bin", required=True, help="the bench_webhook_verify binary")
    ap.add_argument("--peers", required=True, help="tests/peers (node_modules)")
    ap.add_argument("--count", type=int, help="number of messages")
    ap.add_argument("--rounds", type=int, help="times each side verifies the set")
    args = ap.parse_args()
    count = args.count or (2000 if args.smoke else 10000)
    rounds = args.rounds or (5 if args.smoke else 10)

    env = dict(os.environ)
    env["NODE_PATH"] = os.path.join(args.peers, "node_modules")
    peer = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer.js")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "messages.jsonl")
        subprocess.run([args.bin, "generate", str(count), path], check=True)
        mine = ops([args.bin, "run", path, str(rounds)])
        theirs = ops(["node", peer, path, str(rounds)], env)
    ratio = mine / theirs
    print(f"usd1pay verify_webhook: {mine} verifications/s")
    print(f"standardwebhooks Webhook.verify (node): {theirs} verifications/s")
    print(f"RATIO webhook_verify usd1pay/standardwebhooks = {ratio:.2f} (goal >= {GOAL:g})"
          f"{' [smoke]' if args.smoke else ''}")
    if not args.smoke and ratio < GOAL:
        print(f"bench.webhook_verify: ratio {ratio:.2f} below the goal {GOAL:g}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
