#!/usr/bin/env python3
"""bench.webhook_delivery: signed webhook deliveries per second from the
usd1pay dispatcher (real SQLite store, real HTTP transport, N events
pre-created, W workers) to a loopback receiver, against wrk POSTing a body of
the same shape and size, with the same headers, to the SAME receiver process
in the same run (W connections). Prints the RATIO line.

Full mode (the goal): 20,000 events, wrk for 10 s. --smoke: 500 events, wrk
for 2 s; the goal is reported but never fails the run (machines are noisy); a
side that fails or prints no figure does fail it. Both sides share the
machine's cores with the receiver; neither is pinned."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

GOAL = 0.3
HERE = os.path.dirname(os.path.abspath(__file__))


def fail(msg):
    sys.exit(f"bench.webhook_delivery: {msg}")


def wrk_rate(port, seconds, connections, body_file):
    wrk = shutil.which("wrk") or "/usr/bin/wrk"
    if not os.path.exists(wrk):
        fail("wrk is missing (scripts/install-deps.sh installs the Debian package)")
    threads = max(1, min(connections, os.cpu_count() or 1))
    cmd = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
           "-s", os.path.join(HERE, "post.lua"), f"http://127.0.0.1:{port}/hook"]
    env = dict(os.environ, WEBHOOK_BODY_FILE=body_file)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        fail(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()}")
    if re.search(r"Non-2xx or 3xx responses", proc.stdout):
        fail(f"wrk got error answers: {proc.stdout}")
    m = re.search(r"^Requests/sec:\s+([\d.]+)", proc.stdout, re.M)
    if not m or float(m.group(1)) <= 0:
        fail(f"no figure from wrk: {proc.stdout!r} {proc.stderr!r}")
    total = re.search(r"(\d+) requests in", proc.stdout)
    return float(m.group(1)), int(total.group(1)) if total else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--bin", required=True, help="the bench_webhook_delivery binary")
    ap.add_argument("--events", type=int, help="events to deliver")
    ap.add_argument("--workers", type=int, default=8, help="dispatcher workers = wrk connections")
    ap.add_argument("--seconds", type=int, help="wrk duration")
    ap.add_argument("--synchronous", choices=["full", "normal"], default="full",
                    help="the store's synchronous pragma (default full, the product default)")
    ap.add_argument("--prefetch", type=int, default=16,
                    help="the dispatcher's prefetch (default 16; the product default is 4)")
    args = ap.parse_args()
    events = args.events or (500 if args.smoke else 20000)
    seconds = args.seconds or (2 if args.smoke else 10)

    server = subprocess.Popen([args.bin, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        m = re.match(r"PORT (\d+)", server.stdout.readline())
        if not m:
            fail("the receiver printed no port")
        port = int(m.group(1))
        with tempfile.TemporaryDirectory() as tmp:
            body_file = os.path.join(tmp, "body.json")
            with open(body_file, "w") as f:
                subprocess.run([args.bin, "body"], stdout=f, check=True)
            theirs, wrk_requests = wrk_rate(port, seconds, args.workers, body_file)
            proc = subprocess.run([args.bin, "deliver", str(port), tmp, str(events),
                                   str(args.workers), args.synchronous, str(args.prefetch)],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                fail(f"deliver failed ({proc.returncode}): {proc.stderr.strip()}")
            m = re.search(r"^OPS (\d+)$", proc.stdout, re.M)
            if not m or int(m.group(1)) <= 0:
                fail(f"no figure from deliver: {proc.stdout!r} {proc.stderr!r}")
            mine = int(m.group(1))
        out, _ = server.communicate("quit\n", timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    m = re.search(r"REQUESTS (\d+)", out)
    seen = int(m.group(1)) if m else -1
    # The receiver counted wrk's requests and every delivery: nothing was
    # counted that did not arrive.
    if seen < events + wrk_requests:
        fail(f"the receiver saw {seen} requests, fewer than wrk's {wrk_requests} + {events}")
    ratio = mine / theirs
    print(f"RATIO webhook_delivery usd1pay/wrk = {ratio:.2f} (goal >= {GOAL:g}): usd1pay "
          f"{mine} deliveries/s ({events} events, {args.workers} workers, prefetch "
          f"{args.prefetch}, synchronous {args.synchronous}), wrk {theirs:.0f} requests/s ({args.workers} connections, "
          f"{seconds} s){' [smoke]' if args.smoke else ''}")
    if not args.smoke and ratio < GOAL:
        print(f"bench.webhook_delivery: ratio {ratio:.2f} below the goal {GOAL:g}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
