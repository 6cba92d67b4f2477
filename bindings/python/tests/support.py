"""Shared pieces of the binding's tests: a SimChain configuration, a temporary
directory per test, a real HTTP receiver on 127.0.0.1 for webhooks, and an
independent Standard Webhooks signer (the spec's HMAC, written from the spec
with hashlib, not with usd1pay) to produce messages for verify_webhook."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import http.server
import os
import shutil
import sys
import tempfile
import threading
import time
import unittest
from typing import Any, Dict, List, Optional, Tuple

# The package under test: bindings/python, whatever the working directory.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import usd1pay  # noqa: E402

CHAIN = "eip155:1337"
TOKEN = "0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA"
# Account key m/44'/60'/0' of the well-known test mnemonic "test test ... junk":
# intent 0 pays 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 (samples/usd1pay.json).
XPUB = ("xpub6Ce9NcJvTk36xtLSrJLZqE7wtgA5deCeYs7rSQtreh4cj6ByPtrg9sD7V2FNFLPnf8heNP3FGkeV9qwfzvZNS"
        "d54JoNXVsXFYSYwHsnJxqP")
FIRST_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"

_BASE_CONFIG: Dict[str, Any] = {
    "version": 1,
    "store": {"path": "usd1pay.db", "synchronous": "normal"},
    "chains": [{
        "id": CHAIN,
        "backend": "sim",
        "finality": {"kind": "confirmations", "confirmations": 3},
        "tokens": [{"symbol": "USD1", "contract": TOKEN, "decimals": 18}],
        "strategy": "xpub",
        "xpub": XPUB,
        "derivation_path": "0",
    }],
    "webhook_delivery": {
        "retry_schedule": [1],
        "jitter": 0,
        "allow_private_destinations": True,
        "connect_timeout_ms": 1000,
        "request_timeout_ms": 5000,
    },
}


def child_env(**changes: Optional[str]) -> Dict[str, str]:
    """The environment for a child process (zbarimg, another python): this
    one's without LD_PRELOAD, which the sanitizer build sets for the
    instrumented library and which only slows other programs down."""
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def sim_config(store_path: str) -> Dict[str, Any]:
    """A configuration with one SimChain EVM chain, 3 confirmations, xpub
    deposit addresses, its store at ``store_path``."""
    config = copy.deepcopy(_BASE_CONFIG)
    config["store"]["path"] = store_path
    return config


class TempDirTest(unittest.TestCase):
    """A test with its own temporary directory, removed afterwards."""

    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="usd1pay-py-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    def open_processor(self, **kwargs: Any) -> usd1pay.Processor:
        p = usd1pay.Processor(sim_config(self.path("usd1pay.db")), **kwargs)
        self.addCleanup(p.close)
        return p


def sign(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """The Standard Webhooks v1 signature header value, from the spec."""
    key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


class Receiver:
    """A real HTTP server on 127.0.0.1 (a free port) recording every POST:
    (path, headers as a dict with lower-case names, raw body)."""

    def __init__(self, status: int = 200) -> None:
        self.requests: List[Tuple[str, Dict[str, str], bytes]] = []
        self.status = status
        self._cond = threading.Condition()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with outer._cond:
                    outer.requests.append((self.path, headers, body))
                    outer._cond.notify_all()
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, predicate: Any, timeout: float = 20.0) -> bool:
        """Waits (polling the condition, generous timeout) until
        predicate(requests) is true."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self.requests):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.2))
            return True

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def events_of(requests: List[Tuple[str, Dict[str, str], bytes]]) -> List[str]:
    import json
    return [json.loads(body)["type"] for _, _, body in requests]


def assert_error(test: unittest.TestCase, cls: type, fn: Any, *args: Any,
                 contains: Optional[str] = None, **kwargs: Any) -> usd1pay.Usd1payError:
    """Asserts that fn raises exactly ``cls`` with its code and name, and a
    message containing ``contains``."""
    with test.assertRaises(cls) as ctx:
        fn(*args, **kwargs)
    err = ctx.exception
    test.assertIs(type(err), cls)
    test.assertEqual(err.code, cls.CODE)
    test.assertTrue(err.name.startswith("USD1PAY_E"), err.name)
    test.assertTrue(err.message, "an error needs a message")
    if contains is not None:
        test.assertIn(contains, err.message)
    return err
