"""verify_webhook on messages signed by an independent signer (the Standard
Webhooks HMAC written from the spec in support.sign)."""

from __future__ import annotations

import email.message
import time
import unittest

from support import assert_error, new_secret, sign, usd1pay

BODY = b'{"id":"evt_1","type":"intent.succeeded","data":{"intent":{"amount":"25.00"}}}'
MSG_ID = "msg_2b8kQ0v3mH7xJ1c9PqR4sT6u"


def signed(secret: str, body: bytes = BODY, ts: int = 1767225660, msg_id: str = MSG_ID) -> dict:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(secret, msg_id, str(ts), body),
    }


class VerifyWebhookTest(unittest.TestCase):
    def setUp(self) -> None:
        self.secret = new_secret()
        self.now = 1767225660

    def verify(self, headers: dict, body: bytes = BODY, **kw: object) -> None:
        kw.setdefault("now", self.now)
        usd1pay.verify_webhook(self.secret, headers, body, **kw)  # type: ignore[arg-type]

    def test_genuine(self) -> None:
        self.assertIsNone(self.verify(signed(self.secret)))
        # bytearray and memoryview are bytes too.
        self.verify(signed(self.secret), bytearray(BODY))
        self.verify(signed(self.secret), memoryview(BODY))

    def test_genuine_with_the_system_clock(self) -> None:
        now = int(time.time())
        usd1pay.verify_webhook(self.secret, signed(self.secret, ts=now), BODY)

    def test_tampered_body(self) -> None:
        tampered = BODY.replace(b"25.00", b"95.00")
        assert_error(self, usd1pay.ChecksumMismatch, self.verify, signed(self.secret), tampered)
        # One byte appended, one byte dropped.
        assert_error(self, usd1pay.ChecksumMismatch, self.verify, signed(self.secret), BODY + b" ")
        assert_error(self, usd1pay.ChecksumMismatch, self.verify, signed(self.secret), BODY[:-1])

    def test_tampered_id_and_timestamp(self) -> None:
        h = signed(self.secret)
        h["webhook-id"] = MSG_ID[:-1] + "v"
        assert_error(self, usd1pay.ChecksumMismatch, self.verify, h)
        h = signed(self.secret)
        h["webhook-timestamp"] = str(self.now + 1)
        assert_error(self, usd1pay.ChecksumMismatch, self.verify, h)

    def test_wrong_secret_and_rotation(self) -> None:
        other = new_secret()
        h = signed(other)
        assert_error(self, usd1pay.ChecksumMismatch, self.verify, h)
        # During a rotation the receiver holds both: either may have signed.
        usd1pay.verify_webhook([self.secret, other], h, BODY, now=self.now)
        usd1pay.verify_webhook((other, self.secret), signed(self.secret), BODY, now=self.now)

    def test_body_with_every_byte_value(self) -> None:
        body = bytes(range(256))
        self.verify(signed(self.secret, body), body)

    def test_timestamp_tolerance(self) -> None:
        h = signed(self.secret)
        # Exactly the default 300 s passes, 301 fails, both directions.
        self.verify(h, now=self.now + 300)
        self.verify(h, now=self.now - 300)
        assert_error(self, usd1pay.OutOfRange, self.verify, h, now=self.now + 301)
        assert_error(self, usd1pay.OutOfRange, self.verify, h, now=self.now - 301)
        self.verify(h, now=self.now + 3600, tolerance=3600)
        assert_error(self, usd1pay.OutOfRange, self.verify, h, now=self.now + 11, tolerance=10)

    def test_headers_are_case_insensitive(self) -> None:
        h = {k.upper(): v for k, v in signed(self.secret).items()}
        self.verify(h)
        # http.server's self.headers is an email.message.Message.
        msg = email.message.Message()
        for k, v in signed(self.secret).items():
            msg[k.title()] = v
        self.verify(msg)  # type: ignore[arg-type]

    def test_missing_header(self) -> None:
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            h = signed(self.secret)
            del h[name]
            assert_error(self, usd1pay.InvalidArgument, self.verify, h,
                         contains=f"the {name} header is missing")

    def test_malformed_headers_and_secrets(self) -> None:
        h = signed(self.secret)
        h["webhook-timestamp"] = "-1767225660"
        assert_error(self, usd1pay.InvalidArgument, self.verify, h)
        h = signed(self.secret)
        h["webhook-signature"] = "v1,not base64!"
        assert_error(self, usd1pay.InvalidArgument, self.verify, h)
        with self.assertRaises(usd1pay.InvalidArgument):
            usd1pay.verify_webhook("whsec_%%%", signed(self.secret), BODY, now=self.now)
        assert_error(self, usd1pay.InvalidArgument, usd1pay.verify_webhook, [], signed(self.secret),
                     BODY, contains="secrets")
        h = signed(self.secret)
        h["webhook-id"] = "msg_a\0b"
        assert_error(self, usd1pay.InvalidArgument, self.verify, h,
                     contains="webhook-id: NUL character at position 5")

    def test_wrong_types(self) -> None:
        with self.assertRaises(TypeError):
            self.verify(signed(self.secret), BODY.decode())  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            usd1pay.verify_webhook(self.secret.encode(), signed(self.secret),  # type: ignore
                                   BODY, now=self.now)
        with self.assertRaises(TypeError):
            self.verify(signed(self.secret), now=float(self.now))
        assert_error(self, usd1pay.OutOfRange, self.verify, signed(self.secret), tolerance=-1)
        assert_error(self, usd1pay.OutOfRange, self.verify, signed(self.secret), now=2**63)


if __name__ == "__main__":
    unittest.main()
