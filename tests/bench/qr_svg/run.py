#!/usr/bin/env python3
"""bench.qr_svg driver: QR -> SVG of a 150-character EIP-681 URI.

Runs the usd1pay program (encode_qr + render_svg) and the npm `qrcode` peer
(QRCode.toString, type svg, level M) one after the other, never at once (the
machine is shared), each timing its own loop after a warm-up in operations per
second of its own process CPU time (wall time on a shared machine measures the
neighbours' load too; it is printed as well), and prints

  RATIO qr_svg: usd1pay X ops/s, qrcode Y ops/s, ratio Z (goal >= 10)

Full mode alternates the two sides for several rounds and compares medians;
it exits 3 when the goal is missed. --smoke is one short round: it fails when
either side fails or prints no figure, never on the goal.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

GOAL = 10.0
# ERC-20 transfer of 250 tokens (18 decimals) on Sepolia: exactly 150 bytes.
PAYLOAD = ("ethereum:0x8d0E7F18Bc4c4a2d1E0B5dD77d6A52F7c3A9e2C1@11155111/transfer"
           "?address=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed&uint256=250000000000000000000")
assert len(PAYLOAD) == 150

FIGURE = re.compile(
    r"ops_per_sec=([0-9.]+) wall_ops_per_sec=([0-9.]+) version=(\d+) svg_bytes=(\d+)")


def measure(name, argv, env, timeout):
    try:
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        sys.exit(f"bench qr_svg: {name}: {e}")
    match = FIGURE.search(proc.stdout)
    if proc.returncode != 0 or not match:
        sys.exit(f"bench qr_svg: {name} exited {proc.returncode} without a figure\n"
                 f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
    ops, wall_ops = float(match.group(1)), float(match.group(2))
    version, svg_bytes = int(match.group(3)), int(match.group(4))
    if ops <= 0 or wall_ops <= 0 or svg_bytes < 100:
        sys.exit(f"bench qr_svg: {name} figure makes no sense: {proc.stdout.strip()}")
    return ops, version, svg_bytes, wall_ops


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--bin", required=True, help="the bench_qr_svg program")
    parser.add_argument("--peers", required=True, help="tests/peers (with node_modules)")
    parser.add_argument("--seconds", type=float, help="measured CPU time per side per round")
    parser.add_argument("--rounds", type=int)
    args = parser.parse_args()

    seconds = args.seconds or (0.5 if args.smoke else 5.0)
    warmup = 0.2 if args.smoke else 1.0
    rounds = args.rounds or (1 if args.smoke else 3)
    timing = ["--payload", PAYLOAD, "--seconds", str(seconds), "--warmup", str(warmup)]
    timeout = 20 + 3 * (seconds + warmup)

    env = dict(os.environ)
    env["NODE_PATH"] = os.path.join(args.peers, "node_modules")
    peer_js = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer.js")

    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(measure("usd1pay", [args.bin] + timing, env, timeout))
        theirs.append(measure("qrcode", ["node", peer_js] + timing, env, timeout))

    ours_ops = statistics.median(o[0] for o in ours)
    theirs_ops = statistics.median(t[0] for t in theirs)
    ratio = ours_ops / theirs_ops
    ours_wall = statistics.median(o[3] for o in ours)
    theirs_wall = statistics.median(t[3] for t in theirs)
    print(f"# payload {len(PAYLOAD)} bytes; usd1pay version {ours[0][1]}, {ours[0][2]} SVG bytes; "
          f"qrcode version {theirs[0][1]}, {theirs[0][2]} SVG bytes; "
          f"{rounds} round(s) of {seconds} CPU s, median per CPU second")
    print(f"# wall clock: usd1pay {ours_wall:.0f} ops/s, qrcode {theirs_wall:.0f} ops/s, "
          f"ratio {ours_wall / theirs_wall:.1f}")
    print(f"RATIO qr_svg: usd1pay {ours_ops:.0f} ops/s, qrcode {theirs_ops:.0f} ops/s, "
          f"ratio {ratio:.1f} (goal >= {GOAL:g})")
    if not args.smoke and ratio < GOAL:
        print(f"bench qr_svg: goal missed: ratio {ratio:.1f} < {GOAL:g}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
