"""Processor: opening, intents, tracking on SimChain, webhooks to a real HTTP
receiver, exports, and use after close."""

from __future__ import annotations

import collections
import datetime
import enum
import json
import os
import sqlite3
import threading
import types
import unittest
from decimal import Decimal
from typing import Any, Dict, List

from support import (CHAIN, FIRST_ADDRESS, TOKEN, Receiver, TempDirTest, assert_error, events_of,
                     new_secret, sim_config, usd1pay)


def newest_first(intents: list) -> list:
    """The listing order: newest first, ties (the same millisecond) by id."""
    return sorted(intents, key=lambda i: (i["created_at"], i["id"]), reverse=True)


class OpenTest(TempDirTest):
    def test_from_a_dict_a_file_and_json_text(self) -> None:
        config = sim_config(self.path("a.db"))
        with usd1pay.Processor(config) as p:
            self.assertEqual(p.create_intent("o-1", "1.00")["deposit_address"], FIRST_ADDRESS)
        path = self.path("usd1pay.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(config, f)
        # The same store, opened from the file: the next index.
        with usd1pay.Processor.open(path) as p:
            self.assertEqual(len(p.list_intents()["intents"]), 1)
        # store_path overrides the configuration's store.
        with usd1pay.Processor(config_json=json.dumps(config), store_path=self.path("b.db")) as p:
            self.assertEqual(p.list_intents()["intents"], [])
        self.assertTrue(os.path.exists(self.path("b.db")))

    def test_a_relative_store_is_beside_the_config_file(self) -> None:
        config = sim_config("rel.db")
        path = self.path("c.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(config, f)
        with usd1pay.Processor(path) as p:
            p.create_intent("o-1", "2.00")
        self.assertTrue(os.path.exists(self.path("rel.db")))

    def test_bad_configuration_names_the_key(self) -> None:
        config = sim_config(self.path("x.db"))
        config["store"]["paht"] = "typo"
        assert_error(self, usd1pay.InvalidArgument, usd1pay.Processor, config, contains="paht")
        config = sim_config(self.path("x.db"))
        config["chains"][0]["tokens"][0]["contract"] = TOKEN.lower().replace("0x46", "0x47")
        with self.assertRaises(usd1pay.Usd1payError) as ctx:
            usd1pay.Processor(config)
        self.assertIn("chains[0].tokens[0].contract", ctx.exception.message)
        assert_error(self, usd1pay.InvalidArgument, usd1pay.Processor, config_json="{not json")

    def test_missing_file_and_unwritable_store(self) -> None:
        err = assert_error(self, usd1pay.IoError, usd1pay.Processor, self.path("absent.json"))
        self.assertIn("absent.json", err.message)
        config = sim_config(self.path("no-such-dir/sub/x.db"))
        assert_error(self, usd1pay.IoError, usd1pay.Processor, config)

    def test_wrong_arguments(self) -> None:
        with self.assertRaises(TypeError):
            usd1pay.Processor()
        with self.assertRaises(TypeError):
            usd1pay.Processor(sim_config(self.path("x.db")), config_json="{}")
        with self.assertRaises(TypeError):
            usd1pay.Processor(42)  # type: ignore[arg-type]
        assert_error(self, usd1pay.OutOfRange, usd1pay.Processor, sim_config(self.path("x.db")),
                     poll_interval_ms=2**32)
        # NaN is not JSON: refused here, naming it, rather than sent as "NaN".
        config = sim_config(self.path("x.db"))
        config["webhook_delivery"]["jitter"] = float("nan")
        assert_error(self, usd1pay.InvalidArgument, usd1pay.Processor, config, contains="json")


class IntentTest(TempDirTest):
    def setUp(self) -> None:
        super().setUp()
        self.p = self.open_processor()

    def test_create_get_list(self) -> None:
        intent = self.p.create_intent("order-1", "25.00", metadata={"cart": "c-7"})
        self.assertTrue(intent["id"].startswith("pi_"))
        self.assertEqual(intent["status"], "requires_payment")
        self.assertEqual(intent["order_id"], "order-1")
        self.assertEqual(intent["amount"], "25.00")
        self.assertEqual(intent["amount_due"], "25.00")
        self.assertEqual(intent["amount_base_units"], "25000000000000000000")
        self.assertEqual(intent["chain"], CHAIN)
        self.assertEqual(intent["token"], "USD1")
        self.assertEqual(intent["deposit_address"], FIRST_ADDRESS)
        self.assertEqual(intent["metadata"], {"cart": "c-7"})
        self.assertEqual(
            intent["payment_uri"],
            f"ethereum:{TOKEN}@1337/transfer?address={FIRST_ADDRESS}&uint256=25000000000000000000")
        got = self.p.get_intent(intent["id"])
        self.assertEqual(got, intent)
        second = self.p.create_intent("order-2", Decimal("9.5"))
        self.assertEqual(second["amount"], "9.50")
        self.assertNotEqual(second["deposit_address"], FIRST_ADDRESS)
        listed = self.p.list_intents()["intents"]
        self.assertEqual({i["id"] for i in listed}, {second["id"], intent["id"]})
        self.assertEqual(listed, newest_first(listed))
        only = self.p.list_intents(order_id="order-1")["intents"]
        self.assertEqual([i["id"] for i in only], [intent["id"]])

    def test_amount_forms(self) -> None:
        self.assertEqual(self.p.create_intent("a", 3)["amount"], "3.00")
        # An exponent form Decimal is written out in full.
        self.assertEqual(self.p.create_intent("b", Decimal("1E+1"))["amount"], "10.00")
        self.assertEqual(self.p.create_intent("c", Decimal("0.10"))["amount"], "0.10")

    def test_float_is_refused(self) -> None:
        with self.assertRaises(TypeError) as ctx:
            self.p.create_intent("order-f", 25.0)  # type: ignore[arg-type]
        self.assertIn("float", str(ctx.exception))
        with self.assertRaises(TypeError):
            self.p.create_intent("order-f", True)  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            self.p.sim_pay("pi_x", 1.5)  # type: ignore[arg-type]
        self.assertEqual(self.p.list_intents()["intents"], [], "nothing was created")

    def test_bad_amounts(self) -> None:
        err = assert_error(self, usd1pay.InvalidArgument, self.p.create_intent, "o", "25.x")
        self.assertIn("amount", err.message)
        assert_error(self, usd1pay.OutOfRange, self.p.create_intent, "o", "25.001")
        assert_error(self, usd1pay.InvalidArgument, self.p.create_intent, "o", "0")
        assert_error(self, usd1pay.InvalidArgument, self.p.create_intent, "o", "-5")
        assert_error(self, usd1pay.InvalidArgument, self.p.create_intent, "o", "")
        assert_error(self, usd1pay.InvalidArgument, self.p.create_intent, "o", Decimal("NaN"))
        assert_error(self, usd1pay.InvalidArgument, self.p.create_intent, "o", Decimal("Infinity"))

    def test_bad_fields_name_the_field(self) -> None:
        assert_error(self, usd1pay.InvalidArgument, self.p.create_intent, "", "1.00",
                     contains="order id")
        assert_error(self, usd1pay.InvalidArgument, self.p.create_intent, "o", "1.00",
                     chain="eip155:1", contains="eip155:1")
        assert_error(self, usd1pay.InvalidArgument, self.p.create_intent, "o", "1.00",
                     token="USDT", contains="USDT")
        assert_error(self, usd1pay.OutOfRange, self.p.create_intent, "o", "1.00",
                     expires_in_seconds=5)
        with self.assertRaises(TypeError):
            self.p.create_intent(7, "1.00")  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            self.p.create_intent("o", "1.00", metadata=["x"])  # type: ignore[arg-type]
        # A NUL travels escaped in the JSON request and is refused by the library.
        assert_error(self, usd1pay.InvalidArgument, self.p.create_intent, "o\0x", "1.00",
                     contains="order id")

    def test_idempotency(self) -> None:
        a = self.p.create_intent("o-1", "5.00", idempotency_key="k-1")
        b = self.p.create_intent("o-1", "5.00", idempotency_key="k-1")
        self.assertEqual(a["id"], b["id"])
        assert_error(self, usd1pay.Conflict, self.p.create_intent, "o-1", "6.00",
                     idempotency_key="k-1")

    def test_get_unknown_and_malformed(self) -> None:
        assert_error(self, usd1pay.NotFound, self.p.get_intent, "pi_000000000000000000000000")
        assert_error(self, usd1pay.InvalidArgument, self.p.get_intent, "nope")
        assert_error(self, usd1pay.InvalidArgument, self.p.get_intent, "")
        # Checked in Python before the call: a NUL (ctypes would cut the id
        # there), a lone surrogate; not str at all.
        assert_error(self, usd1pay.InvalidArgument, self.p.get_intent, "pi_\0x",
                     contains="intent_id: NUL character at position 3")
        assert_error(self, usd1pay.InvalidArgument, self.p.get_intent, "pi_\ud800",
                     contains="intent_id: not encodable as UTF-8 at position 3")
        assert_error(self, usd1pay.InvalidArgument, self.p.get_intent, "pi_caf\u00e9")
        with self.assertRaises(TypeError):
            self.p.get_intent(None)  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            self.p.get_intent(b"pi_000000000000000000000000")  # type: ignore[arg-type]

    def test_cancel(self) -> None:
        intent = self.p.create_intent("o-c", "1.00")
        canceled = self.p.cancel_intent(intent["id"], actor="support")
        self.assertEqual(canceled["status"], "canceled")
        err = assert_error(self, usd1pay.InvalidState, self.p.cancel_intent, intent["id"])
        self.assertIn("canceled", err.message)
        assert_error(self, usd1pay.NotFound, self.p.cancel_intent, "pi_000000000000000000000000")
        types = [e["type"] for e in self.p.events(intent_id=intent["id"])["events"]]
        self.assertEqual(types, ["intent.created", "intent.canceled"])

    def test_paging(self) -> None:
        made = [self.p.create_intent(f"o-{i}", "1.00")["id"] for i in range(5)]
        page = self.p.list_intents(limit=2)
        self.assertEqual(len(page["intents"]), 2)
        self.assertTrue(page["next_cursor"])
        every = list(self.p.iter_intents(limit=2))
        self.assertEqual(sorted(i["id"] for i in every), sorted(made))
        self.assertEqual(every, newest_first(every))
        assert_error(self, usd1pay.OutOfRange, self.p.list_intents, limit=0)
        assert_error(self, usd1pay.OutOfRange, self.p.list_intents, limit=1001)
        assert_error(self, usd1pay.InvalidArgument, self.p.list_intents, status="paid-ish")
        with self.assertRaises(TypeError):
            list(self.p.iter_intents(cursor="x"))

    def test_events_and_lookup(self) -> None:
        intent = self.p.create_intent("o-e", "1.00")
        ev = self.p.events()
        self.assertEqual([e["type"] for e in ev["events"]], ["intent.created"])
        self.assertEqual(ev["events"][0]["intent_id"], intent["id"])
        after = self.p.events(after_seq=ev["next_after_seq"])
        self.assertEqual(after["events"], [])
        found = self.p.lookup("o-e")
        self.assertEqual([i["id"] for i in found["intents"]], [intent["id"]])
        self.assertEqual(self.p.lookup("nothing-like-this")["intents"], [])
        assert_error(self, usd1pay.InvalidArgument, self.p.lookup, "")
        assert_error(self, usd1pay.OutOfRange, self.p.events, limit=0)
        assert_error(self, usd1pay.InvalidArgument, self.p.events, intent_id="nope")
        assert_error(self, usd1pay.OutOfRange, self.p.events, after_seq=-1)

    def test_concurrent_creates_from_threads(self) -> None:
        errors = []

        def work(t: int) -> None:
            try:
                for i in range(10):
                    self.p.create_intent(f"t{t}-{i}", "1.00")
            except Exception as e:  # noqa: BLE001 (reported below)
                errors.append(e)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        intents = list(self.p.iter_intents())
        self.assertEqual(len(intents), 40)
        self.assertEqual(len({i["deposit_address"] for i in intents}), 40, "unique addresses")


class RequestTextTest(TempDirTest):
    """create_intent writes its request JSON key by key (bench.abi_overhead):
    the bytes must be what the json module makes of the request dict, and
    each wrong argument must fail as before, first one first."""

    def setUp(self) -> None:
        super().setUp()
        self.p = self.open_processor()
        self.sent: List[bytes] = []
        real = self.p._call_json

        def capture(fn: Any, *args: Any) -> Any:
            if fn == self.p._lib.unchecked_intent_create:
                self.sent.append(args[0])
                return {}
            return real(fn, *args)

        self.p._call_json = capture  # type: ignore[method-assign]

    def expect_text(self, request: Dict[str, Any], *args: Any, **kwargs: Any) -> None:
        self.sent.clear()
        self.p.create_intent(*args, **kwargs)
        self.assertEqual(self.sent, [usd1pay._json_text(request)], (args, kwargs))
        json.loads(self.sent[0])  # well-formed

    def test_same_bytes_as_the_json_module(self) -> None:
        class Text(str):
            pass

        class Seconds(enum.IntEnum):
            HOUR = 3600

        odd = "q\"uote b\\ack sl/ash \x00 \x1f \x7f caf\u00e9 \u20ac \U0001f600 \u2028"
        self.expect_text({"order_id": "o-1", "amount": "25.00"}, "o-1", "25.00")
        self.expect_text({"order_id": odd, "amount": "10"}, odd, 10)
        self.expect_text({"order_id": "o", "amount": "10"}, "o", Decimal("1E+1"))
        self.expect_text(
            {"order_id": "o", "amount": "0.10", "chain": CHAIN, "token": "USD1",
             "idempotency_key": odd, "actor": "clerk \u00e9", "expires_in_seconds": 3600,
             "metadata": {"cart": "c-1", "n": [1, 2.5, None, True], "deep": {"k": odd}}},
            "o", Decimal("0.10"), chain=CHAIN, token="USD1", idempotency_key=odd,
            actor="clerk \u00e9", expires_in_seconds=3600,
            metadata={"cart": "c-1", "n": [1, 2.5, None, True], "deep": {"k": odd}})
        # str and int subclasses, any Mapping, an empty dict.
        self.expect_text({"order_id": "sub", "amount": "2.00", "token": "USD1",
                          "expires_in_seconds": 3600, "metadata": {"a": "b"}},
                         Text("sub"), Text("2.00"), token=Text("USD1"),
                         expires_in_seconds=Seconds.HOUR,
                         metadata=types.MappingProxyType({"a": "b"}))
        self.expect_text({"order_id": "o", "amount": "1", "metadata": {"z": 1, "a": 2}}, "o",
                         "1", metadata=collections.OrderedDict([("z", 1), ("a", 2)]))
        self.expect_text({"order_id": "o", "amount": "1", "metadata": {}}, "o", "1",
                         metadata={})
        # Small dicts of str to str are written pair by pair; others by the encoder.
        self.expect_text({"order_id": "o", "amount": "1", "metadata": {"k": odd, odd: "v"}},
                         "o", "1", metadata={"k": odd, odd: "v"})
        self.expect_text({"order_id": "o", "amount": "1", "metadata": {"k": "v", "t": "w"}},
                         "o", "1", metadata={"k": "v", Text("t"): Text("w")})
        many = {f"k{i}": f"v{i}" for i in range(12)}
        self.expect_text({"order_id": "o", "amount": "1", "metadata": many}, "o", "1",
                         metadata=many)
        self.expect_text({"order_id": "o", "amount": "1", "expires_in_seconds": -(2**63)},
                         "o", "1", expires_in_seconds=-(2**63))

    def test_wrong_arguments_fail_as_before(self) -> None:
        circular: Dict[str, Any] = {}
        circular["self"] = circular
        cases = [
            (TypeError, "order_id: expected str", (None, "1"), {}),
            (TypeError, "amount: float", ("o", 1.5), {"chain": 5}),
            (TypeError, "chain: expected str, got int", ("o", "1"), {"chain": 5, "token": 5}),
            (TypeError, "token: expected str, got bytes", ("o", "1"), {"token": b"USD1"}),
            (TypeError, "idempotency_key: expected str", ("o", "1"),
             {"idempotency_key": 1, "actor": 1}),
            (TypeError, "actor: expected str", ("o", "1"), {"actor": 1, "expires_in_seconds": "x"}),
            (TypeError, "expires_in_seconds: expected int, got bool", ("o", "1"),
             {"expires_in_seconds": True, "metadata": 5}),
            (TypeError, "metadata: expected a dict, got list", ("o", "1"), {"metadata": ["x"]}),
            (TypeError, "is not JSON serializable", ("o", "1"), {"metadata": {"a": object()}}),
            (usd1pay.OutOfRange, "expires_in_seconds: 9223372036854775808 is not between",
             ("o", "1"), {"expires_in_seconds": 2**63}),
            (usd1pay.InvalidArgument, "json: Out of range float values are not JSON compliant",
             ("o", "1"), {"metadata": {"a": float("nan")}}),
            (usd1pay.InvalidArgument, "json: Circular reference detected", ("o", "1"),
             {"metadata": circular}),
            # The position in the request text: '{"order_id":"o' is 14 characters.
            (usd1pay.InvalidArgument, "json: not encodable as UTF-8 at position 14",
             ("o\ud800", "1"), {}),
            (usd1pay.InvalidArgument, "json: not encodable as UTF-8 at position", ("o", "1"),
             {"metadata": {"k": "\udfff"}}),
        ]
        for error, text, args, kwargs in cases:
            self.sent.clear()
            with self.assertRaises(error, msg=(args, kwargs)) as ctx:
                self.p.create_intent(*args, **kwargs)
            self.assertIn(text, str(ctx.exception), (args, kwargs))
            self.assertEqual(self.sent, [], "nothing reaches the library")

    def test_the_library_reads_every_key(self) -> None:
        del self.p._call_json  # the real one again
        odd = "caf\u00e9 \"q\" \\ \u20ac"
        key = 'k-"1"\\/'  # printable ASCII only, escaped in JSON
        intent = self.p.create_intent(odd, Decimal("3.10"), chain=CHAIN, token="USD1",
                                      idempotency_key=key, actor="clerk-1",
                                      expires_in_seconds=120,
                                      metadata={"note": odd, "n": [1, 2]})
        self.assertEqual(intent["order_id"], odd)
        self.assertEqual(intent["amount"], "3.10")
        self.assertEqual(intent["idempotency_key"], key)
        self.assertEqual(intent["metadata"], {"n": [1, 2], "note": odd})
        created = datetime.datetime.fromisoformat(intent["created_at"].replace("Z", "+00:00"))
        expires = datetime.datetime.fromisoformat(intent["expires_at"].replace("Z", "+00:00"))
        self.assertEqual((expires - created).total_seconds(), 120)
        events = self.p.events(intent_id=intent["id"])["events"]
        self.assertEqual(events[0]["actor"], "clerk-1")
        self.assertEqual(self.p.get_intent(intent["id"]), intent)


class ReplyTextTest(unittest.TestCase):
    """_loads, the reader of the library's replies: json.loads's result and
    its errors."""

    def test_same_values_and_errors_as_json_loads(self) -> None:
        for text in ['{"a":1,"b":[true,null,"x"],"c":{"d":"\\u00e9"}}', "[]", '"s"', "0",
                     '{"a":1} ', ' {"a":1}', '{"a":1}\n']:
            self.assertEqual(usd1pay._loads(text), json.loads(text), text)
        for text in ["", "{", '{"a":1}x', '{"a":1} {}', "\ufeff{}", "nul"]:
            with self.assertRaises(json.JSONDecodeError) as ours:
                usd1pay._loads(text)
            with self.assertRaises(json.JSONDecodeError) as theirs:
                json.loads(text)
            self.assertEqual(str(ours.exception), str(theirs.exception), text)


class TrackingTest(TempDirTest):
    def test_sim_payment_succeeds_after_confirmations(self) -> None:
        p = self.open_processor()
        intent = p.create_intent("o-pay", "25.00")
        tx = p.sim_pay(intent["id"])
        self.assertRegex(tx, r"^0x[0-9a-f]{64}$")
        head = p.sim_mine(1)
        self.assertGreaterEqual(head, 1)
        report = p.poll_once()
        self.assertEqual(report["chains"][0]["chain"], CHAIN)
        self.assertTrue(report["chains"][0]["ok"])
        self.assertEqual(p.get_intent(intent["id"])["status"], "processing")
        self.assertEqual(p.sim_mine(2), head + 2)
        p.poll_once()
        done = p.get_intent(intent["id"])
        self.assertEqual(done["status"], "succeeded")
        found = p.lookup(tx)
        self.assertEqual([i["id"] for i in found["intents"]], [intent["id"]])
        self.assertEqual(len(found["payments"]), 1)
        types = [e["type"] for e in p.events(intent_id=intent["id"])["events"]]
        self.assertIn("intent.succeeded", types)

    def test_sim_pay_bad_input(self) -> None:
        p = self.open_processor()
        intent = p.create_intent("o-1", "1.00")
        assert_error(self, usd1pay.NotFound, p.sim_pay, "pi_000000000000000000000000")
        assert_error(self, usd1pay.OutOfRange, p.sim_pay, intent["id"], "1." + "0" * 19)
        assert_error(self, usd1pay.OutOfRange, p.sim_mine, 0)
        assert_error(self, usd1pay.OutOfRange, p.sim_mine, 10001)
        assert_error(self, usd1pay.NotFound, p.sim_mine, 1, chain="eip155:5")
        assert_error(self, usd1pay.OutOfRange, p.sim_mine, 2**32)

    def test_background_tracker(self) -> None:
        p = self.open_processor(poll_interval_ms=50)
        intent = p.create_intent("o-bg", "3.00")
        p.start_tracker()
        assert_error(self, usd1pay.InvalidState, p.start_tracker)
        assert_error(self, usd1pay.InvalidState, p.poll_once)
        p.sim_pay(intent["id"])
        p.sim_mine(3)
        import time
        deadline = time.monotonic() + 20
        while p.get_intent(intent["id"])["status"] != "succeeded":
            self.assertLess(time.monotonic(), deadline, "the tracker did not settle the intent")
            time.sleep(0.05)
        stats = p.tracker_stats()
        self.assertTrue(stats["running"])
        self.assertGreaterEqual(stats["polls"], 1)
        p.stop_tracker()
        p.stop_tracker()  # stopping a stopped tracker is fine
        self.assertFalse(p.tracker_stats()["running"])
        p.poll_once()  # allowed again


class WebhookTest(TempDirTest):
    def setUp(self) -> None:
        super().setUp()
        self.receiver = Receiver()
        self.addCleanup(self.receiver.close)
        self.p = self.open_processor()

    def test_drain_delivers_signed_events_that_verify(self) -> None:
        ep = self.p.add_webhook_endpoint(self.receiver.url, event_types=["intent.*"],
                                         description="test")
        self.assertTrue(ep["id"].startswith("we_"))
        secret = ep["secret"]
        self.assertTrue(secret.startswith("whsec_"))
        listed = self.p.list_webhook_endpoints()
        self.assertEqual([e["id"] for e in listed], [ep["id"]])
        self.assertNotIn(secret, json.dumps(listed), "the list never shows secrets")
        intent = self.p.create_intent("o-w", "4.00")
        report = self.p.drain_webhooks(5000)
        self.assertEqual(report["succeeded"], 1)
        self.assertEqual(events_of(self.receiver.requests), ["intent.created"])
        _, headers, body = self.receiver.requests[0]
        usd1pay.verify_webhook(secret, headers, body)
        self.assertEqual(json.loads(body)["data"]["intent"]["id"], intent["id"])
        assert_error(self, usd1pay.ChecksumMismatch, usd1pay.verify_webhook, secret, headers,
                     body.replace(b"4.00", b"0.04"))

    def test_background_delivery(self) -> None:
        secret = self.p.add_webhook_endpoint(self.receiver.url)["secret"]
        self.p.start_webhooks()
        assert_error(self, usd1pay.InvalidState, self.p.start_webhooks)
        assert_error(self, usd1pay.InvalidState, self.p.drain_webhooks, 10)
        intent = self.p.create_intent("o-bg", "2.00")
        self.p.cancel_intent(intent["id"])
        self.assertTrue(self.receiver.wait_for(lambda r: len(r) >= 2),
                        f"got {events_of(self.receiver.requests)}")
        self.assertEqual(events_of(self.receiver.requests), ["intent.created", "intent.canceled"])
        for _, headers, body in self.receiver.requests:
            usd1pay.verify_webhook(secret, headers, body)
        self.p.stop_webhooks()
        self.p.stop_webhooks()

    def test_endpoint_errors(self) -> None:
        self.p.add_webhook_endpoint(self.receiver.url)
        assert_error(self, usd1pay.AlreadyExists, self.p.add_webhook_endpoint, self.receiver.url)
        assert_error(self, usd1pay.InvalidArgument, self.p.add_webhook_endpoint, "ftp://x/y")
        assert_error(self, usd1pay.InvalidArgument, self.p.add_webhook_endpoint,
                     self.receiver.url + "/2", event_types=["no such type"])
        assert_error(self, usd1pay.InvalidArgument, self.p.add_webhook_endpoint,
                     self.receiver.url + "/3", secret="not-a-secret")
        with self.assertRaises(TypeError):
            self.p.add_webhook_endpoint(self.receiver.url + "/4", event_types="intent.*")
        self.assertEqual(len(self.p.list_webhook_endpoints()), 1, "nothing refused was added")

    def test_endpoint_with_its_own_secret(self) -> None:
        secret = new_secret()
        ep = self.p.add_webhook_endpoint(self.receiver.url, secret=secret)
        self.assertEqual(ep["secret"], secret)
        self.p.create_intent("o-s", "1.00")
        self.assertEqual(self.p.drain_webhooks(5000)["succeeded"], 1)
        _, headers, body = self.receiver.requests[0]
        usd1pay.verify_webhook(secret, headers, body)

    def test_private_destinations_are_refused_by_default(self) -> None:
        config = sim_config(self.path("guarded.db"))
        del config["webhook_delivery"]["allow_private_destinations"]
        with usd1pay.Processor(config) as guarded:
            assert_error(self, usd1pay.InvalidArgument, guarded.add_webhook_endpoint,
                         self.receiver.url)


class ExportTest(TempDirTest):
    def test_csv_content_and_file(self) -> None:
        p = self.open_processor()
        intent = p.create_intent("o-x", "7.00")
        p.sim_pay(intent["id"])
        p.sim_mine(3)
        p.poll_once()
        result = p.export("csv")
        self.assertIn("o-x", result["content"])
        self.assertIn(intent["id"], result["content"])
        self.assertGreaterEqual(result["records"], 1)
        out = self.path("export.csv")
        written = p.export("csv", out=out, manifest=True)
        self.assertNotIn("content", written)
        with open(out, encoding="utf-8", newline="") as f:  # RFC 4180: CRLF
            self.assertEqual(f.read(), result["content"])
        assert_error(self, usd1pay.InvalidArgument, p.export, "xlsx")
        assert_error(self, usd1pay.InvalidArgument, p.export, "csv", from_="yesterday")


class ClosedTest(TempDirTest):
    def test_every_call_after_close_raises_closed(self) -> None:
        p = usd1pay.Processor(sim_config(self.path("c.db")))
        intent = p.create_intent("o-1", "1.00")
        p.close()
        self.assertTrue(p.closed)
        p.close()  # twice is fine
        calls = [
            lambda: p.create_intent("o-2", "1.00"),
            lambda: p.get_intent(intent["id"]),
            lambda: p.list_intents(),
            lambda: p.cancel_intent(intent["id"]),
            lambda: p.expire_due(),
            lambda: p.events(),
            lambda: p.lookup("o-1"),
            lambda: p.poll_once(),
            lambda: p.start_tracker(),
            lambda: p.stop_tracker(),
            lambda: p.tracker_stats(),
            lambda: p.sim_pay(intent["id"]),
            lambda: p.sim_mine(1),
            lambda: p.add_webhook_endpoint("https://shop.example/h"),
            lambda: p.list_webhook_endpoints(),
            lambda: p.start_webhooks(),
            lambda: p.stop_webhooks(),
            lambda: p.drain_webhooks(10),
            lambda: p.export("csv"),
        ]
        for i, call in enumerate(calls):
            with self.subTest(call=i):
                assert_error(self, usd1pay.Closed, call)

    def test_context_manager_closes_and_data_stays(self) -> None:
        config = sim_config(self.path("d.db"))
        with usd1pay.Processor(config) as p:
            intent = p.create_intent("o-1", "1.00")
        self.assertTrue(p.closed)
        assert_error(self, usd1pay.Closed, p.get_intent, intent["id"])
        with usd1pay.Processor(config) as again:
            self.assertEqual(again.get_intent(intent["id"])["order_id"], "o-1")
        with sqlite3.connect(self.path("d.db")) as db:
            self.assertEqual(db.execute("SELECT count(*) FROM intents").fetchone()[0], 1)

    def test_close_while_the_tracker_and_delivery_run(self) -> None:
        p = usd1pay.Processor(sim_config(self.path("e.db")), poll_interval_ms=20)
        p.start_tracker()
        p.start_webhooks()
        p.close()
        assert_error(self, usd1pay.Closed, p.tracker_stats)


if __name__ == "__main__":
    unittest.main()
