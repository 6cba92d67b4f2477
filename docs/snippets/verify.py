"""Verify a usd1pay webhook with the Python standard library only.

(The `standardwebhooks` package on PyPI does the same: Webhook(secret).verify(body, headers).)
Usage: python3 verify.py SECRET WEBHOOK_ID WEBHOOK_TIMESTAMP WEBHOOK_SIGNATURE BODY_FILE
Exit status: 0 valid, 1 invalid, 2 usage.
"""
import base64
import binascii
import hashlib
import hmac
import sys
import time

TOLERANCE_SECONDS = 5 * 60


def verify_webhook(secret: str, msg_id: str, timestamp: str, signature: str, body: bytes) -> bool:
    """True when one v1 signature matches and the timestamp is within 5 minutes.

    body: the request body exactly as received (bytes), not re-serialised JSON.
    """
    if secret.startswith("whsec_"):
        secret = secret[len("whsec_"):]
    try:
        key = base64.b64decode(secret, validate=True)
    except binascii.Error:
        return False
    if not key:
        return False
    # Decimal digits only ("1.5", "-1", " 1" and non-ASCII digits are refused).
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 19:
        return False
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    # Several "v1,<base64>" entries, space-separated, while a secret is rotated.
    for entry in signature.split(" "):
        version, _, value = entry.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            return True
    return False


if __name__ == "__main__":
    if len(sys.argv) != 6:
        print("usage: python3 verify.py SECRET ID TIMESTAMP SIGNATURE BODY_FILE", file=sys.stderr)
        sys.exit(2)
    secret, msg_id, timestamp, signature, body_file = sys.argv[1:]
    with open(body_file, "rb") as f:
        body = f.read()
    if not verify_webhook(secret, msg_id, timestamp, signature, body):
        print("invalid", file=sys.stderr)
        sys.exit(1)
    print("valid")
