#!/usr/bin/env python3
"""The Python side of bench.abi_overhead: intent create + get through the
usd1pay Python binding (ctypes -> the C ABI -> the same Processor), the
counterpart of abi_overhead_bench.cpp, on the same configuration file.

Usage: py_side.py CONFIG N   (USD1PAY_LIBRARY: the built libusd1pay.so)
Prints "OPS <create+get pairs per second>" (timing only the loop) and
"P50_NS <the median time of one pair>", after the same checks as the C++
side."""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bindings", "python"))

import usd1pay  # noqa: E402


def main() -> int:
    if len(sys.argv) != 3 or not sys.argv[2].isdigit() or int(sys.argv[2]) <= 0:
        print("usage: py_side.py CONFIG N", file=sys.stderr)
        return 2
    config, n = sys.argv[1], int(sys.argv[2])
    metadata = {"cart": "c-1", "terminal": "pos-7"}
    with usd1pay.Processor(config) as p:
        pair_ns = []
        start = time.perf_counter()
        for i in range(n):
            pair_start = time.perf_counter_ns()
            order = f"order-{i}"
            created = p.create_intent(order, "25.00", idempotency_key=f"key-{i}",
                                      metadata=metadata)
            got = p.get_intent(created["id"])
            if got["id"] != created["id"] or got["order_id"] != order or got["amount"] != "25.00":
                print(f"py_side: get_intent returned another intent for {created['id']}",
                      file=sys.stderr)
                return 1
            pair_ns.append(time.perf_counter_ns() - pair_start)
        secs = time.perf_counter() - start
        count = sum(1 for _ in p.iter_intents(limit=1000))
    if count != n:
        print(f"py_side: {count} intents for {n}", file=sys.stderr)
        return 1
    pair_ns.sort()
    print(f"OPS {n / secs:.0f}\nP50_NS {pair_ns[n // 2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
