#!/usr/bin/env python3
"""bench.intent_create: durable intent creation, one thread, intents per
second through usd1pay's Processor::create_intent (static strategy: one store
transaction per intent) against a raw sqlite3 program inserting an equivalent
intent row plus event row in one BEGIN IMMEDIATE transaction, same pragmas, in
the same run. synchronous=FULL is usd1pay's default and the measured goal;
NORMAL and the xpub strategy (one more transaction per intent, for the
persisted deposit index) are printed for information.

Each side runs on a fresh file in a temporary directory, alternating, best of
three rounds. Full mode: 2,000 intents per run. --smoke: 300, and the goal is
reported but never fails the run; a side that fails or prints no figure does
fail it."""
import argparse
import os
import re
import subprocess
import sys
import tempfile

GOAL = 1.5  # usd1pay may take at most 1.5x the raw insert's time per intent


def ops(cmd):
    if os.path.exists("/usr/bin/taskset"):
        cmd = ["taskset", "-c", "0"] + cmd
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"bench.intent_create: {' '.join(cmd)} failed ({proc.returncode}): "
                 f"{proc.stderr.strip()}")
    m = re.search(r"^OPS (\d+)$", proc.stdout, re.M)
    if not m or int(m.group(1)) <= 0:
        sys.exit(f"bench.intent_create: no figure from {' '.join(cmd)}: {proc.stdout!r}")
    return int(m.group(1))


def best(binary, kind, count, sync, rounds, extra=()):
    figures = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(dir=os.environ.get("USD1PAY_BENCH_DIR")) as tmp:
            figures.append(ops([binary, kind, tmp, str(count), sync, *extra]))
    return max(figures)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--bin", required=True, help="the bench_intent_create binary")
    ap.add_argument("--count", type=int, help="intents per run")
    args = ap.parse_args()
    count = args.count or (300 if args.smoke else 2000)
    rounds = 3
    tag = " [smoke]" if args.smoke else ""

    results = {}
    for sync in ("full", "normal"):
        raw = best(args.bin, "raw", count, sync, rounds)
        mine = best(args.bin, "usd1pay", count, sync, rounds)
        results[sync] = (mine, raw)
    xpub = best(args.bin, "usd1pay", count, "full", rounds, ("xpub",))

    for sync in ("normal", "full"):
        mine, raw = results[sync]
        print(f"intent_create synchronous={sync.upper()}: usd1pay {mine} intents/s, "
              f"raw sqlite3 {raw} intents/s, overhead {raw / mine:.2f}")
    print(f"intent_create synchronous=FULL xpub strategy: usd1pay {xpub} intents/s "
          f"(index allocation is its own durable transaction)")
    mine, raw = results["full"]
    overhead = raw / mine
    print(f"RATIO intent_create: usd1pay {mine} intents/s, raw sqlite3 {raw} intents/s "
          f"(synchronous=FULL), ratio {mine / raw:.2f}, overhead {overhead:.2f} "
          f"(goal <= {GOAL:g}){tag}")
    if not args.smoke and overhead > GOAL:
        print(f"bench.intent_create: overhead {overhead:.2f} above the goal {GOAL:g}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
