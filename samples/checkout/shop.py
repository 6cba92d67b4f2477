#!/usr/bin/env python3
"""A small shop backend taking USD1 with usd1pay (the Python binding).

Standard library only: http.server for the web, sqlite3 for the shop's own
orders, the usd1pay package (bindings/python) for payments. It

  - serves a catalogue and a checkout page per order showing the amount, the
    token, the deposit address, the QR code (inline SVG) and a live status
    that the page's script polls from /orders/<id>.json every second;
  - creates one payment intent per order (the order id is the intent's
    order_id and its idempotency key, so a retried POST never makes two);
  - runs usd1pay's tracker (watching the chain) and webhook delivery in the
    background, registered to its own /webhooks endpoint;
  - verifies every webhook (400 for a bad signature or a stale timestamp),
    handles each webhook-id once, and marks the order paid on
    intent.succeeded. The page turns "Paid" from that, nothing else.

Run it (see README.md): python3 shop.py --config usd1pay.json --port 8000
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import os
import re
import secrets
import signal
import sqlite3
import sys
import threading
import time
import urllib.parse
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
# The binding from this source tree, unless an installed one is preferred.
sys.path.insert(0, os.path.join(HERE, "..", "..", "bindings", "python"))

import usd1pay  # noqa: E402

# The catalogue: prices are exact decimal strings, never floats.
PRODUCTS: Dict[str, Tuple[str, str]] = {
    "mug": ("Enamel mug", "12.50"),
    "tee": ("Organic T-shirt", "25.00"),
    "beans": ("Coffee beans, 1 kg", "39.90"),
}

# Order statuses and how the page words them. "paid" is set only by a verified
# intent.succeeded webhook.
STATUS_LABELS = {
    "awaiting_payment": "Awaiting payment",
    "confirming": "Payment seen, confirming\u2026",
    "paid": "Paid",
    "expired": "Expired",
    "canceled": "Canceled",
    "underpaid": "Underpaid: please contact us",
    "paid_late": "Paid after expiry: please contact us",
}
FINAL_STATUSES = {"paid", "expired", "canceled", "underpaid", "paid_late"}
# What the page says under the status, per status (the pay hint by default).
STATUS_HINTS = {
    "confirming": "Your payment is on chain; waiting for it to be final.",
    "paid": "Thank you! Your payment is final and your order is on its way.",
    "expired": "This payment request expired. Please start a new order.",
    "canceled": "This order was canceled.",
}
# People read network names; the CAIP-2 id is shown beside them.
CHAIN_NAMES = {"eip155:1": "Ethereum", "eip155:8453": "Base", "eip155:1337": "Local devnet"}

# Webhook event -> (new order status, statuses it may replace). An event never
# moves an order backwards (a late "processing" after "paid" changes nothing).
TRANSITIONS = {
    "intent.processing": ("confirming", ("awaiting_payment",)),
    "intent.succeeded": ("paid", ("awaiting_payment", "confirming")),
    "intent.expired": ("expired", ("awaiting_payment",)),
    "intent.canceled": ("canceled", ("awaiting_payment",)),
    "intent.underpaid": ("underpaid", ("awaiting_payment", "confirming")),
    "intent.paid_late": ("paid_late", ("expired",)),
}

ORDER_ID = re.compile(r"^ord_[0-9a-f]{16}$")
MAX_WEBHOOK_BYTES = 1 << 20

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
  id TEXT PRIMARY KEY, product TEXT NOT NULL, amount TEXT NOT NULL,
  status TEXT NOT NULL, intent_id TEXT NOT NULL UNIQUE, chain TEXT NOT NULL,
  token TEXT NOT NULL, deposit_address TEXT NOT NULL, payment_uri TEXT NOT NULL,
  expires_at TEXT NOT NULL, created_at TEXT NOT NULL, paid_at TEXT);
CREATE TABLE IF NOT EXISTS processed_webhooks (
  webhook_id TEXT PRIMARY KEY, event_type TEXT NOT NULL, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS webhook_secrets (url TEXT PRIMARY KEY, secret TEXT NOT NULL);
"""


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Shop:
    """The shop's state: its database and the usd1pay processor."""

    def __init__(self, db_path: str, processor: usd1pay.Processor) -> None:
        self.db_path = db_path
        self.processor = processor
        self.secret = ""
        with self.db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextlib.contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        """One connection per use (http.server handles each request on a
        thread of its own), one transaction: committed when the block ends,
        rolled back on an exception."""
        conn = sqlite3.connect(self.db_path, timeout=10)
        conn.row_factory = sqlite3.Row
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    def register_webhook_endpoint(self, url: str) -> None:
        """Makes usd1pay deliver intent events to ``url`` and keeps the
        signing secret (shown once, when the endpoint is added)."""
        try:
            endpoint = self.processor.add_webhook_endpoint(
                url, event_types=["intent.*"], description="checkout sample")
        except usd1pay.AlreadyExists:
            with self.db() as db:
                row = db.execute("SELECT secret FROM webhook_secrets WHERE url = ?",
                                 (url,)).fetchone()
            if row is None:
                raise SystemExit(f"shop: {url} is registered in the usd1pay store but its "
                                 "secret is not in the shop's database; start with a new --data")
            self.secret = row["secret"]
            return
        self.secret = endpoint["secret"]
        with self.db() as db:
            db.execute("INSERT OR REPLACE INTO webhook_secrets (url, secret) VALUES (?, ?)",
                       (url, self.secret))

    def create_order(self, product: str) -> str:
        name, price = PRODUCTS[product]
        order_id = "ord_" + secrets.token_hex(8)
        intent = self.processor.create_intent(order_id, Decimal(price),
                                              idempotency_key=order_id,
                                              metadata={"product": product})
        with self.db() as db:
            db.execute(
                "INSERT INTO orders (id, product, amount, status, intent_id, chain, token, "
                "deposit_address, payment_uri, expires_at, created_at) "
                "VALUES (?, ?, ?, 'awaiting_payment', ?, ?, ?, ?, ?, ?, ?)",
                (order_id, product, intent["amount"], intent["id"], intent["chain"],
                 intent["token"], intent["deposit_address"], intent["payment_uri"],
                 intent["expires_at"], utc_now()))
        return order_id

    def order(self, order_id: str) -> Optional[sqlite3.Row]:
        with self.db() as db:
            return db.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()

    def handle_webhook(self, headers: Any, body: bytes) -> Tuple[int, str]:
        """Verifies and applies one webhook; returns (HTTP status, text)."""
        try:
            usd1pay.verify_webhook(self.secret, headers, body)
        except usd1pay.Usd1payError as e:
            return HTTPStatus.BAD_REQUEST, f"refused: {e.message}\n"
        # Genuine: only now is the body parsed.
        event = json.loads(body)
        webhook_id = headers.get("webhook-id")
        event_type = event.get("type", "")
        intent = event.get("data", {}).get("intent") or {}
        with self.db() as db:
            # The webhook-id is remembered in the same transaction as the
            # change, so a repeat (usd1pay delivers at least once) is a no-op.
            seen = db.execute(
                "INSERT OR IGNORE INTO processed_webhooks (webhook_id, event_type, received_at) "
                "VALUES (?, ?, ?)", (webhook_id, event_type, utc_now())).rowcount == 0
            if seen:
                return HTTPStatus.OK, "duplicate\n"
            transition = TRANSITIONS.get(event_type)
            if transition and intent.get("id"):
                status, previous = transition
                marks = ",".join("?" * len(previous))
                db.execute(
                    f"UPDATE orders SET status = ?, paid_at = CASE WHEN ? = 'paid' THEN ? "
                    f"ELSE paid_at END WHERE intent_id = ? AND status IN ({marks})",
                    (status, status, utc_now(), intent["id"], *previous))
        return HTTPStatus.OK, "ok\n"


PAGE_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f4f5f7;
color:#1d2330}
main{max-width:720px;margin:40px auto;background:#fff;border-radius:12px;padding:32px;
box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{margin:0 0 4px;font-size:24px} .muted{color:#667085;font-size:14px}
.products{display:grid;grid-template-columns:repeat(3,1fr);gap:16px;margin-top:24px}
.product{border:1px solid #e4e7ec;border-radius:10px;padding:16px}
.price{font-size:20px;font-weight:600;margin:8px 0 12px}
button{background:#1849a9;color:#fff;border:0;border-radius:8px;padding:10px 14px;
font-size:15px;cursor:pointer}
.pay{display:flex;gap:28px;margin-top:24px;align-items:flex-start}
.qr{width:240px;height:240px;flex:none;border:1px solid #e4e7ec;border-radius:8px}
.qr svg{display:block;width:100%;height:100%}
dl{margin:0;display:grid;grid-template-columns:max-content 1fr;gap:10px 16px}
dt{color:#667085} dd{margin:0;word-break:break-all}
code{font-size:13px;background:#f2f4f7;padding:2px 4px;border-radius:4px}
.amount{font-size:22px;font-weight:600}
#status{margin-top:24px;padding:14px 16px;border-radius:8px;font-size:18px;font-weight:600;
background:#fff6e5;color:#8a5300}
#status.confirming{background:#e8f1ff;color:#1849a9}
#status.paid{background:#e7f7ee;color:#067647}
#status.expired,#status.canceled,#status.underpaid,#status.paid_late{background:#fdecec;
color:#b42318}
.done .qr{opacity:.3}
"""

STATUS_SCRIPT = """
(function () {
  var box = document.getElementById('status');
  var url = box.getAttribute('data-poll');
  var finals = JSON.parse(box.getAttribute('data-final'));
  function tick() {
    fetch(url, {cache: 'no-store'}).then(function (r) { return r.json(); }).then(function (o) {
      box.textContent = o.status_label;
      box.className = o.status;
      box.setAttribute('data-status', o.status);
      document.getElementById('hint').textContent = o.hint;
      if (finals.indexOf(o.status) >= 0) document.body.classList.add('done');
      if (finals.indexOf(o.status) < 0) setTimeout(tick, 1000);
    }).catch(function () { setTimeout(tick, 2000); });
  }
  setTimeout(tick, 1000);
})();
"""


def page(title: str, body: str, done: bool = False) -> bytes:
    body_class = ' class="done"' if done else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            # No favicon request: the page loads nothing but itself.
            f'<link rel="icon" href="data:,">'
            f"<title>{html.escape(title)}</title><style>{PAGE_STYLE}</style></head>"
            f"<body{body_class}><main>{body}</main></body></html>").encode("utf-8")


def catalogue_page() -> bytes:
    items = "".join(
        f'<form class="product" method="post" action="/orders">'
        f"<div>{html.escape(name)}</div><div class=\"price\">{html.escape(price)} USD</div>"
        f'<input type="hidden" name="product" value="{html.escape(pid)}">'
        f'<button type="submit" aria-label="Pay with USD1 for {html.escape(name)}">'
        f"Pay with USD1</button></form>"
        for pid, (name, price) in PRODUCTS.items())
    return page("usd1pay sample shop",
                "<h1>usd1pay sample shop</h1><div class=\"muted\">Pay with USD1 on the local "
                f"chain. Test network only.</div><div class=\"products\">{items}</div>")


def svg_inline(svg: str) -> str:
    # The document form may start with an XML declaration, which is not HTML.
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def order_page(order: sqlite3.Row) -> bytes:
    name, _ = PRODUCTS[order["product"]]
    status = order["status"]
    chain = order["chain"]
    qr = svg_inline(usd1pay.qr_svg(order["payment_uri"]))
    e = html.escape
    body = (
        f"<h1>Order {e(order['id'])}</h1><div class=\"muted\">{e(name)}</div>"
        f'<div class="pay"><div class="qr" id="qr" role="img" aria-label="Payment QR code">'
        f"{qr}</div><dl>"
        f'<dt>Amount</dt><dd class="amount"><span id="amount">{e(order["amount"])}</span> '
        f'<span id="token">{e(order["token"])}</span></dd>'
        f'<dt>Network</dt><dd>{e(CHAIN_NAMES.get(chain, chain))} '
        f'<span class="muted" id="chain">{e(chain)}</span></dd>'
        f'<dt>Pay to</dt><dd><code id="address">{e(order["deposit_address"])}</code></dd>'
        f'<dt>Expires</dt><dd id="expires">{e(order["expires_at"])}</dd>'
        f'<dt>Wallet</dt><dd><a id="wallet-link" href="{e(order["payment_uri"])}">'
        f"Open in wallet</a></dd></dl></div>"
        f'<div id="status" class="{e(status)}" data-status="{e(status)}" '
        f'data-poll="/orders/{e(order["id"])}.json" '
        f"data-final='{e(json.dumps(sorted(FINAL_STATUSES)))}'>{e(STATUS_LABELS[status])}</div>"
        f'<p class="muted" id="hint">{e(hint(order))}</p><script>{STATUS_SCRIPT}</script>')
    return page(f"Order {order['id']}", body, done=status in FINAL_STATUSES)


def hint(order: sqlite3.Row) -> str:
    default = (f"Send exactly {order['amount']} {order['token']} to the address above; "
               "this page updates by itself.")
    return STATUS_HINTS.get(order["status"], default)


def order_json(order: sqlite3.Row) -> bytes:
    return json.dumps({
        "id": order["id"],
        "intent_id": order["intent_id"],
        "status": order["status"],
        "status_label": STATUS_LABELS[order["status"]],
        "hint": hint(order),
        "amount": order["amount"],
        "token": order["token"],
        "deposit_address": order["deposit_address"],
        "paid_at": order["paid_at"],
    }).encode("utf-8")


def make_handler(shop: Shop) -> type:
    class Handler(BaseHTTPRequestHandler):
        server_version = "usd1pay-checkout-sample"

        def send(self, status: int, body: bytes, ctype: str = "text/plain; charset=utf-8",
                 extra: Optional[Dict[str, str]] = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = self.path.split("?", 1)[0]
            if path == "/":
                return self.send(200, catalogue_page(), "text/html; charset=utf-8")
            m = re.fullmatch(r"/orders/([^/]+?)(\.json)?", path)
            if m and ORDER_ID.match(m.group(1)):
                order = shop.order(m.group(1))
                if order is not None:
                    if m.group(2):
                        return self.send(200, order_json(order), "application/json")
                    return self.send(200, order_page(order), "text/html; charset=utf-8")
            self.send(404, b"not found\n")

        def do_POST(self) -> None:  # noqa: N802
            length = self.headers.get("Content-Length")
            if length is None or not length.isdigit() or int(length) > MAX_WEBHOOK_BYTES:
                return self.send(413 if length and length.isdigit() else 411, b"bad length\n")
            body = self.rfile.read(int(length))
            if self.path == "/webhooks":
                status, text = shop.handle_webhook(self.headers, body)
                return self.send(status, text.encode("utf-8"))
            if self.path == "/orders":
                form = urllib.parse.parse_qs(body.decode("ascii", "replace"))
                product = form.get("product", [""])[0]
                if product not in PRODUCTS:
                    return self.send(400, b"unknown product\n")
                try:
                    order_id = shop.create_order(product)
                except usd1pay.Usd1payError as e:
                    return self.send(503, f"could not create the payment: {e}\n".encode())
                return self.send(303, b"", extra={"Location": f"/orders/{order_id}"})
            self.send(404, b"not found\n")

        def log_message(self, fmt: str, *args: Any) -> None:
            if os.environ.get("SHOP_LOG_REQUESTS"):
                sys.stderr.write("shop: " + (fmt % args) + "\n")

    return Handler


def open_shop(config: Any, host: str, port: int, data: str,
              poll_ms: int) -> Tuple[ThreadingHTTPServer, Shop]:
    """Opens usd1pay on ``config`` (a file or a dict) with its store in
    ``data``, the shop's database, and the HTTP server (bound, not yet
    serving), and registers the shop's webhook endpoint. The caller starts
    the tracker and delivery (main) or drives them itself (the tests)."""
    os.makedirs(data, exist_ok=True)
    processor = usd1pay.Processor(config, store_path=os.path.join(data, "usd1pay.db"),
                                  poll_interval_ms=poll_ms)
    try:
        shop = Shop(os.path.join(data, "shop.db"), processor)
        server = ThreadingHTTPServer((host, port), make_handler(shop))
    except BaseException:
        processor.close()
        raise
    server.daemon_threads = True
    # usd1pay delivers to this process: local testing only (README.md).
    shop.register_webhook_endpoint(f"http://{host}:{server.server_address[1]}/webhooks")
    return server, shop


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default=os.path.join(HERE, "usd1pay.json"),
                    help="the usd1pay configuration (default: usd1pay.json beside shop.py)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    ap.add_argument("--data", default=os.path.join(HERE, "data"),
                    help="directory for shop.db and the usd1pay store")
    ap.add_argument("--poll-ms", type=int, default=1000, help="the tracker's poll interval")
    args = ap.parse_args()

    server, shop = open_shop(args.config, args.host, args.port, args.data, args.poll_ms)
    shop.processor.start_tracker()
    shop.processor.start_webhooks()

    def stop(signum: int, _frame: Any) -> None:
        # shutdown() waits for serve_forever(), which runs on this thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"shop: listening on http://{args.host}:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        shop.processor.close()
    print("shop: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
