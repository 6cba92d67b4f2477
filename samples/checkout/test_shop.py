"""The checkout sample's webhook receiver and pages, on SimChain: the shop's
real HTTP server on 127.0.0.1, usd1pay delivering its real signed webhooks to
it (drain_webhooks, so that each step is deterministic), and hand-signed
webhooks (Standard Webhooks HMAC from the spec, with the shop's secret or
another) for the cases usd1pay never sends: replays, reordering, forgeries.
The browser test (tests/integration/samples/checkout_e2e.mjs) covers the same
shop on a real chain.

Run: USD1PAY_LIBRARY=build/sdk/capi/libusd1pay.so python3 -m unittest \
       discover -s samples/checkout -p 'test_*.py'
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import http.client
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import unittest
from typing import Any, Dict, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import shop  # noqa: E402
from shop import usd1pay  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def sim_config(store_dir: str) -> Dict[str, Any]:
    """The sample's own configuration with the chain on SimChain."""
    with open(os.path.join(HERE, "usd1pay.json"), encoding="utf-8") as f:
        config = json.load(f)
    config = copy.deepcopy(config)
    config["chains"][0]["backend"] = "sim"
    config["chains"][0]["backend_settings"] = {}
    config["store"]["path"] = os.path.join(store_dir, "unused.db")
    return config


def sign(secret: str, msg_id: str, ts: str, body: bytes) -> str:
    key = base64.b64decode(secret[len("whsec_"):])
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


class ShopTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="usd1pay-shop-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.server, self.shop = shop.open_shop(sim_config(self.dir), "127.0.0.1", 0,
                                                os.path.join(self.dir, "data"), 1000)
        self.p = self.shop.processor
        self.addCleanup(self.p.close)
        thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                  daemon=True)
        thread.start()

        def stop() -> None:
            self.server.shutdown()
            self.server.server_close()
            thread.join()

        self.addCleanup(stop)
        self.port = self.server.server_address[1]

    def request(self, method: str, path: str, body: Optional[bytes] = None,
                headers: Optional[Dict[str, str]] = None) -> Tuple[int, Dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            conn.close()

    def new_order(self, product: str = "tee") -> str:
        status, headers, _ = self.request("POST", "/orders", f"product={product}".encode(),
                                          {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 303)
        return headers["Location"].rsplit("/", 1)[1]

    def order(self, order_id: str) -> Dict[str, Any]:
        status, _, body = self.request("GET", f"/orders/{order_id}.json")
        self.assertEqual(status, 200)
        return json.loads(body)

    def post_webhook(self, event: Dict[str, Any], msg_id: str, secret: Optional[str] = None,
                     ts: Optional[int] = None) -> Tuple[int, bytes]:
        body = json.dumps(event, separators=(",", ":")).encode()
        stamp = str(int(time.time()) if ts is None else ts)
        headers = {"Content-Type": "application/json", "webhook-id": msg_id,
                   "webhook-timestamp": stamp,
                   "webhook-signature": sign(secret or self.shop.secret, msg_id, stamp, body)}
        status, _, text = self.request("POST", "/webhooks", body, headers)
        return status, text

    def pay(self, order_id: str) -> None:
        """The customer pays on SimChain; the chain reaches 2 confirmations;
        usd1pay's tracker sees it and its webhooks reach the shop."""
        intent_id = self.order(order_id)["intent_id"]
        self.p.sim_pay(intent_id)
        self.p.sim_mine(1)
        self.p.poll_once()
        self.p.drain_webhooks(5000)
        self.assertEqual(self.order(order_id)["status"], "confirming")
        self.p.sim_mine(1)
        self.p.poll_once()
        report = self.p.drain_webhooks(5000)
        self.assertEqual(report["dead_lettered"], 0)

    def test_the_page_shows_what_to_pay(self) -> None:
        order_id = self.new_order("mug")
        o = self.order(order_id)
        intent = self.p.get_intent(o["intent_id"])
        self.assertEqual(intent["order_id"], order_id)
        self.assertEqual(intent["amount"], "12.50")
        status, headers, body = self.request("GET", f"/orders/{order_id}")
        self.assertEqual(status, 200)
        html = body.decode()
        self.assertIn(f'<span id="amount">12.50</span>', html)
        self.assertIn(f'<code id="address">{intent["deposit_address"]}</code>', html)
        self.assertIn(f'href="{intent["payment_uri"].replace("&", "&amp;")}"', html)
        self.assertIn("<svg", html)
        self.assertNotIn("<?xml", html)
        # No external assets: nothing loaded from elsewhere.
        self.assertNotRegex(html, r"""(src|href)=["']?(https?:)?//|@import|url\(""")
        self.assertNotIn("<script src", html)
        self.assertEqual(o["status"], "awaiting_payment")

    def test_paid_by_usd1pays_own_webhooks(self) -> None:
        order_id = self.new_order()
        self.pay(order_id)
        o = self.order(order_id)
        self.assertEqual(o["status"], "paid")
        self.assertEqual(o["status_label"], "Paid")
        self.assertTrue(o["paid_at"])

    def test_a_replayed_webhook_is_handled_once(self) -> None:
        order_id = self.new_order()
        intent_id = self.order(order_id)["intent_id"]
        event = {"type": "intent.succeeded", "data": {"intent": {"id": intent_id}}}
        self.assertEqual(self.post_webhook(event, "msg_a"), (200, b"ok\n"))
        self.assertEqual(self.post_webhook(event, "msg_a"), (200, b"duplicate\n"))
        self.assertEqual(self.order(order_id)["status"], "paid")

    def test_an_order_never_goes_backwards(self) -> None:
        order_id = self.new_order()
        intent_id = self.order(order_id)["intent_id"]
        paid = {"type": "intent.succeeded", "data": {"intent": {"id": intent_id}}}
        late = {"type": "intent.processing", "data": {"intent": {"id": intent_id}}}
        self.post_webhook(paid, "msg_1")
        self.assertEqual(self.post_webhook(late, "msg_2")[0], 200)
        self.assertEqual(self.order(order_id)["status"], "paid")

    def test_forged_stale_and_unsigned_webhooks_are_refused(self) -> None:
        order_id = self.new_order()
        intent_id = self.order(order_id)["intent_id"]
        event = {"type": "intent.succeeded", "data": {"intent": {"id": intent_id}}}
        other = "whsec_" + base64.b64encode(os.urandom(32)).decode()
        status, text = self.post_webhook(event, "msg_f", secret=other)
        self.assertEqual(status, 400)
        self.assertIn(b"no v1 signature", text)
        status, text = self.post_webhook(event, "msg_s", ts=int(time.time()) - 3600)
        self.assertEqual(status, 400)
        status, _, text = self.request("POST", "/webhooks", json.dumps(event).encode(),
                                       {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        self.assertIn(b"webhook-id header is missing", text)
        self.assertEqual(self.order(order_id)["status"], "awaiting_payment")
        # A refused webhook is not remembered: the genuine one with that id
        # still counts.
        self.assertEqual(self.post_webhook(event, "msg_f"), (200, b"ok\n"))
        self.assertEqual(self.order(order_id)["status"], "paid")

    def test_bad_requests(self) -> None:
        self.assertEqual(self.request("GET", "/orders/ord_0000000000000000")[0], 404)
        self.assertEqual(self.request("GET", "/orders/../../etc/passwd")[0], 404)
        self.assertEqual(self.request("POST", "/orders", b"product=yacht")[0], 400)
        self.assertEqual(self.request("POST", "/orders", b"", {"Content-Length": "x"})[0], 411)
        self.assertEqual(self.request("POST", "/webhooks", b"{}",
                                      {"Content-Length": str(2 << 20)})[0], 413)
        self.assertEqual(self.p.list_intents()["intents"], [], "no intent for a bad order")

    def test_a_restart_keeps_the_endpoint_and_its_secret(self) -> None:
        secret = self.shop.secret
        endpoints = self.p.list_webhook_endpoints()
        self.assertEqual(len(endpoints), 1)
        # The same URL again (a restart on the same port): AlreadyExists is
        # answered from the shop's database.
        self.shop.register_webhook_endpoint(endpoints[0]["url"])
        self.assertEqual(self.shop.secret, secret)
        self.assertEqual(len(self.p.list_webhook_endpoints()), 1)


if __name__ == "__main__":
    unittest.main()
