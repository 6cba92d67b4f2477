#!/usr/bin/env python3
"""bench.recon_export: the settlement CSV export of N intents + N payments
matched against N orders (an orders CSV), usd1pay export_settlement against
the sqlite3 command-line tool doing the same matching and CSV export with an
indexed join, on the same store file and orders file, in the same run. Both
sides are child processes: wall time and peak memory (ru_maxrss from wait4)
each, best of the rounds.

The sqlite3 side imports the orders CSV into a temporary table, indexes it,
and writes the same four parts usd1pay writes, each with an indexed join: the
intents with their payments and the status derived from intent status and
amounts (primary key + payments_intent_order), the intents without order,
the unmatched payments (block order), the orders without intent
(intents_order_id). Its difference column is per payment (the data has one
payment per intent, where that equals usd1pay's cumulative one); its
intent_without_order rows come as a block rather than after each intent.
Both must write the same number of rows, or the run fails.

Neither side is pinned to a core: usd1pay's export is pipelined (store pages
read ahead on reader threads, the file hashed and written on a writing
thread) and may use a second core, as a mature tool does; the sqlite3 CLI is
single-threaded by itself (`PRAGMA threads` is 0, checked here and printed).
The goal figure is the wall-time ratio; CPU seconds of both sides (and their
ratio) are printed too, the steadier figure on a shared machine.

Full mode (the goal): N = 1,000,000. --smoke: N = 20,000, one round, and the
goal is reported but never fails the run; a side that fails does."""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

GOAL_RATIO = 3.0     # usd1pay at least 3x faster than sqlite3
GOAL_RSS_MB = 256.0  # usd1pay's peak memory below 256 MB

SQL = r"""
.bail on
CREATE TEMP TABLE orders(order_id TEXT, amount TEXT, currency TEXT, created_at TEXT);
.import --csv --skip 1 --schema temp {orders} orders
CREATE INDEX temp.orders_order_id ON orders(order_id);
.headers on
.mode csv
.output {out}
SELECT 1 AS schema_version,
  strftime('%Y-%m-%dT%H:%M:%SZ',
           CASE WHEN p.id IS NULL THEN i.expires_at_ms ELSE p.final_at_ms END / 1000,
           'unixepoch') AS settlement_time,
  i.order_id, i.id AS intent_id,
  CASE WHEN p.id IS NULL THEN
         CASE i.status WHEN 'expired' THEN 'expired_unpaid' WHEN 'canceled' THEN 'expired_unpaid'
                       WHEN 'underpaid' THEN 'underpaid' ELSE 'unpaid' END
       WHEN p.status = 'orphaned' THEN 'orphaned'
       WHEN i.status = 'succeeded' THEN
         CASE WHEN CAST(p.amount_base_units AS INTEGER) > CAST(i.amount_base_units AS INTEGER)
              THEN 'overpaid' ELSE 'matched' END
       WHEN i.status = 'underpaid' THEN 'underpaid'
       WHEN i.status IN ('paid_late', 'expired', 'canceled') THEN 'paid_late'
       ELSE 'unpaid' END AS status,
  'deposit_address' AS match_reason, i.chain, i.token_symbol, i.token_contract,
  i.deposit_address, p.from_address AS payer_address, p.tx_hash, p.log_index, p.block_number,
  p.block_hash, strftime('%Y-%m-%dT%H:%M:%SZ', p.block_time, 'unixepoch') AS block_time,
  p.final_head_block - p.block_number + 1 AS confirmations_at_settlement,
  CASE WHEN p.status = 'final' THEN 'true' ELSE 'false' END AS final,
  printf('%d.%02d', CAST(i.amount_base_units AS INTEGER) / 1000000,
         CAST(i.amount_base_units AS INTEGER) / 10000 % 100) AS amount_expected,
  CASE WHEN p.id IS NULL THEN NULL ELSE
    printf('%d.%02d', CAST(p.amount_base_units AS INTEGER) / 1000000,
           CAST(p.amount_base_units AS INTEGER) / 10000 % 100) END AS amount_received,
  (WITH d(v) AS (SELECT coalesce(CAST(p.amount_base_units AS INTEGER), 0)
                        - CAST(i.amount_base_units AS INTEGER))
   SELECT CASE WHEN v < 0 THEN '-' ELSE '' END
          || printf('%d.%02d', abs(v) / 1000000, abs(v) / 10000 % 100) FROM d) AS difference,
  i.currency,
  printf('%d.%02d', coalesce(CAST(p.amount_base_units AS INTEGER),
                             CAST(i.amount_base_units AS INTEGER)) / 1000000,
         coalesce(CAST(p.amount_base_units AS INTEGER),
                  CAST(i.amount_base_units AS INTEGER)) / 10000 % 100) AS fiat_amount_at_par,
  p.id AS payment_id
FROM intents i LEFT JOIN payments p ON p.intent_id = i.id
ORDER BY i.id, p.block_number, p.log_index;
.headers off
SELECT 1, strftime('%Y-%m-%dT%H:%M:%SZ', i.created_at_ms / 1000, 'unixepoch'), i.order_id, i.id,
  'intent_without_order', 'order_id', i.chain, i.token_symbol, i.token_contract,
  i.deposit_address, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'false',
  printf('%d.%02d', CAST(i.amount_base_units AS INTEGER) / 1000000,
         CAST(i.amount_base_units AS INTEGER) / 10000 % 100), NULL, NULL, i.currency,
  printf('%d.%02d', CAST(i.amount_base_units AS INTEGER) / 1000000,
         CAST(i.amount_base_units AS INTEGER) / 10000 % 100), NULL
FROM intents i WHERE NOT EXISTS (SELECT 1 FROM temp.orders o WHERE o.order_id = i.order_id)
ORDER BY i.id;
SELECT 1, strftime('%Y-%m-%dT%H:%M:%SZ', p.final_at_ms / 1000, 'unixepoch'), NULL, NULL,
  CASE WHEN p.status = 'orphaned' THEN 'orphaned' ELSE 'unmatched_transfer' END, 'none',
  p.chain, 'USD1', p.token_contract, p.to_address, p.from_address, p.tx_hash, p.log_index,
  p.block_number, p.block_hash, strftime('%Y-%m-%dT%H:%M:%SZ', p.block_time, 'unixepoch'),
  p.final_head_block - p.block_number + 1,
  CASE WHEN p.status = 'final' THEN 'true' ELSE 'false' END, NULL,
  printf('%d.%02d', CAST(p.amount_base_units AS INTEGER) / 1000000,
         CAST(p.amount_base_units AS INTEGER) / 10000 % 100), NULL, 'USD',
  printf('%d.%02d', CAST(p.amount_base_units AS INTEGER) / 1000000,
         CAST(p.amount_base_units AS INTEGER) / 10000 % 100), p.id
FROM payments p WHERE p.intent_id IS NULL
ORDER BY p.block_number, p.log_index, p.chain, p.tx_hash;
SELECT 1, o.created_at, o.order_id, NULL, 'order_without_intent', 'none', NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'false', o.amount, NULL, NULL, o.currency,
  o.amount, NULL
FROM temp.orders o WHERE NOT EXISTS (SELECT 1 FROM intents i WHERE i.order_id = o.order_id)
ORDER BY o.order_id;
"""


def child(cmd, what):
    """Runs cmd (on any core); returns (seconds, peak RSS in MB, stdout, CPU
    seconds)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # wait4 gives this child's own rusage (ru_maxrss in KiB on Linux).
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"bench.recon_export: {what} failed ({proc.returncode}): {err.decode().strip()}")
    return seconds, usage.ru_maxrss / 1024.0, out.decode(), usage.ru_utime + usage.ru_stime


def data_rows(path):
    with open(path, "rb") as f:
        return sum(1 for _ in f) - 1  # no field of this data holds a line break


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--bin", required=True, help="the bench_recon_export binary")
    ap.add_argument("--sqlite3", default="sqlite3", help="the sqlite3 command-line tool")
    ap.add_argument("--count", type=int, help="intents, payments and orders")
    ap.add_argument("--rounds", type=int, help="rounds per side (best is kept)")
    args = ap.parse_args()
    n = args.count or (20000 if args.smoke else 1000000)
    rounds = args.rounds or (1 if args.smoke else 3)
    tag = " [smoke]" if args.smoke else ""

    with tempfile.TemporaryDirectory(dir=os.environ.get("USD1PAY_BENCH_DIR")) as tmp:
        gen = subprocess.run([args.bin, "generate", tmp, str(n)], capture_output=True, text=True)
        if gen.returncode != 0:
            sys.exit(f"bench.recon_export: generate failed: {gen.stderr.strip()}")
        sql_path = os.path.join(tmp, "match.sql")
        mine_out = os.path.join(tmp, "usd1pay.csv")
        theirs_out = os.path.join(tmp, "sqlite3.csv")
        with open(sql_path, "w") as f:
            f.write(SQL.format(orders=os.path.join(tmp, "orders.csv"), out=theirs_out))
        store = os.path.join(tmp, "store.db")
        # The CLI's sorter could use worker threads only if PRAGMA threads
        # were above 0: it is not (the default), so sqlite3 runs on one core.
        threads = subprocess.run([args.sqlite3, "-readonly", store, "PRAGMA threads;"],
                                 capture_output=True, text=True)
        if threads.returncode != 0 or threads.stdout.strip() != "0":
            sys.exit(f"bench.recon_export: sqlite3 PRAGMA threads is {threads.stdout.strip()!r}"
                     f" {threads.stderr.strip()}, expected 0 (single-threaded)")
        mine = []
        theirs = []
        for _ in range(rounds):
            mine.append(child([args.bin, "export", tmp, mine_out], "usd1pay export"))
            theirs.append(child([args.sqlite3, "-readonly", store, ".read " + sql_path],
                                "sqlite3"))
        mine_rows = data_rows(mine_out)
        theirs_rows = data_rows(theirs_out)
        m = re.search(r"^RECORDS (\d+)$", mine[0][2], re.M)
        if not m or int(m.group(1)) != mine_rows:
            sys.exit(f"bench.recon_export: usd1pay reported {mine[0][2]!r}, wrote {mine_rows}")
        if mine_rows != theirs_rows:
            sys.exit(f"bench.recon_export: usd1pay wrote {mine_rows} rows, sqlite3 {theirs_rows}")

    mine_s = min(r[0] for r in mine)
    theirs_s = min(r[0] for r in theirs)
    mine_mb = max(r[1] for r in mine)
    theirs_mb = max(r[1] for r in theirs)
    ratio = theirs_s / mine_s
    mine_cpu = min(r[3] for r in mine)
    theirs_cpu = min(r[3] for r in theirs)
    print(f"recon_export: {n} intents, {n} payments, {n} orders -> {mine_rows} rows; "
          f"no core pinning, sqlite3 PRAGMA threads = 0")
    print(f"recon_export: usd1pay {mine_s:.2f} s, peak {mine_mb:.0f} MB; "
          f"sqlite3 {theirs_s:.2f} s, peak {theirs_mb:.0f} MB")
    # CPU time is steadier than wall time on a shared machine: printed too.
    print(f"recon_export: CPU usd1pay {mine_cpu:.2f} s, sqlite3 {theirs_cpu:.2f} s, "
          f"ratio {theirs_cpu / mine_cpu:.2f}")
    print(f"RATIO recon_export: usd1pay {mine_s:.2f} s, sqlite3 {theirs_s:.2f} s, "
          f"ratio {ratio:.2f} (goal >= {GOAL_RATIO:g}), usd1pay peak {mine_mb:.0f} MB "
          f"(goal < {GOAL_RSS_MB:g}){tag}")
    if not args.smoke and (ratio < GOAL_RATIO or mine_mb >= GOAL_RSS_MB):
        print("bench.recon_export: below the goal", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
