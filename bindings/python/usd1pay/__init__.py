"""usd1pay for Python: accept USD1 stablecoin payments (watch-only).

A thin layer over the C library libusd1pay (include/usd1pay/usd1pay.h) using
only ctypes from the standard library. Amounts are exact decimal strings or
:class:`decimal.Decimal`, never ``float`` (refused with TypeError). Structured
replies are plain ``dict`` / ``list`` values decoded from the library's JSON:
new keys may appear in later versions, so read the keys you need.

Every failure raises a subclass of :class:`Usd1payError` carrying the C code,
its name and a message that names what is wrong and where; a wrong Python type
raises TypeError.

Thread safety: as the C library's. Module functions may be called from any
thread; one :class:`Processor` may be shared by threads (ctypes releases the
GIL during each call, so calls really run at the same time). ``close()`` waits
for calls in progress and makes later calls raise :class:`Closed`.
"""

from __future__ import annotations

import ctypes
import json
import os
from ctypes import byref, c_char_p, c_size_t, c_uint64, c_void_p
from decimal import Decimal
from typing import Any, Dict, FrozenSet, Iterator, List, Mapping, Optional, Sequence, Union

from . import _native
from ._native import LibraryNotFound
from .errors import (
    AlreadyExists,
    BufferTooSmall,
    ChecksumMismatch,
    Closed,
    Conflict,
    InternalError,
    InvalidArgument,
    InvalidState,
    IoError,
    NotFound,
    OutOfMemory,
    OutOfRange,
    Unavailable,
    Unsupported,
    Usd1payError,
    local_error,
)

__version__ = "0.1.0"

__all__ = [
    "AlreadyExists",
    "BufferTooSmall",
    "ChecksumMismatch",
    "Closed",
    "Conflict",
    "InternalError",
    "InvalidArgument",
    "InvalidState",
    "IoError",
    "LibraryNotFound",
    "NotFound",
    "OutOfMemory",
    "OutOfRange",
    "Processor",
    "Unavailable",
    "Unsupported",
    "Usd1payError",
    "WEBHOOK_TOLERANCE_DEFAULT",
    "abi_version",
    "features",
    "library_path",
    "qr_png",
    "qr_svg",
    "qr_terminal",
    "validate_address",
    "verify_webhook",
    "version",
]

#: A JSON object as decoded by the json module.
JsonObject = Dict[str, Any]
#: An amount: an exact decimal string ("25.00"), a Decimal or an int.
AmountLike = Union[str, Decimal, int]
PathLike = Union[str, "os.PathLike[str]"]

#: Seconds a webhook timestamp may be off the receiver's clock by default.
WEBHOOK_TOLERANCE_DEFAULT = 300

_C_INT_MIN, _C_INT_MAX = -(2**31), 2**31 - 1
_C_UINT_MAX = 2**32 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_UINT64_MAX = 2**64 - 1

# ---------------------------------------------------------------------------
# Argument conversion: every check happens before the library is called, and
# names the argument, because ctypes would silently truncate a NUL-containing
# string or an integer too large for its C type.


def _text(value: Any, what: str) -> bytes:
    """A str as NUL-free UTF-8 bytes."""
    if not isinstance(value, str):
        raise TypeError(f"{what}: expected str, got {type(value).__name__}")
    nul = value.find("\0")
    if nul >= 0:
        raise local_error(InvalidArgument, f"{what}: NUL character at position {nul}")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise local_error(
            InvalidArgument, f"{what}: not encodable as UTF-8 at position {e.start}") from None


def _str_arg(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what}: expected str, got {type(value).__name__}")
    return value


def _opt_text(value: Any, what: str) -> Optional[bytes]:
    return None if value is None else _text(value, what)


def _integer(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what}: expected int, got {type(value).__name__}")
    if not low <= value <= high:
        raise local_error(OutOfRange, f"{what}: {value} is not between {low} and {high}")
    return value


def _amount(value: Any, what: str = "amount") -> str:
    """An exact decimal string for an amount; float is refused, always."""
    if isinstance(value, float):
        raise TypeError(f"{what}: float is not exact; pass a str such as \"25.00\" or a "
                        "decimal.Decimal")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise local_error(InvalidArgument, f"{what}: {value} is not a finite decimal")
        # 'f' never uses an exponent: Decimal("1E+1") -> "10".
        return format(value, "f")
    if isinstance(value, bool):
        raise TypeError(f"{what}: expected str, Decimal or int, got bool")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"{what}: expected str, Decimal or int, got {type(value).__name__}")


# Compact, UTF-8 as is, and allow_nan=False: NaN and Infinity are not JSON.
# Made once: json.dumps with arguments builds an encoder per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
# One str as a JSON string, exactly as _ENCODER writes it (the C function
# where there is one).
_json_str = json.encoder.encode_basestring
# The json module's scanner, which json.loads runs after two whitespace
# checks (the library's replies have no whitespace around them).
_scan_once = json.decoder.JSONDecoder().scan_once


def _json_value(obj: Any) -> str:
    """obj as compact JSON text; ValueError (NaN, a circular reference) is
    InvalidArgument, TypeError (a value JSON has no form for) stays."""
    if type(obj) is dict and len(obj) <= 8:
        # A small dict of str to str (metadata, as a rule), written pair by
        # pair: the same text as the encoder's, without building one.
        parts = []
        for key, value in obj.items():
            if type(key) is not str or type(value) is not str:
                break
            parts.append(_json_str(key) + ":" + _json_str(value))
        else:
            return "{" + ",".join(parts) + "}"
    try:
        return _ENCODER.encode(obj)
    except ValueError as e:
        raise local_error(InvalidArgument, f"json: {e}") from None


def _utf8_json(text: str) -> bytes:
    """JSON text from _json_value / _json_str as UTF-8; it has no NUL (the
    encoder writes \\u0000), but a lone surrogate cannot be encoded."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise local_error(
            InvalidArgument, f"json: not encodable as UTF-8 at position {e.start}") from None


def _json_text(obj: Any) -> bytes:
    return _utf8_json(_json_value(obj))


def _loads(text: str) -> Any:
    try:
        value, end = _scan_once(text, 0)
    except StopIteration:
        return json.loads(text)  # raises the JSONDecodeError naming the position
    if end != len(text):
        return json.loads(text)  # whitespace after the value, or extra data
    return value


# ---------------------------------------------------------------------------
# Library


def version() -> str:
    """The C library's version, "MAJOR.MINOR.PATCH"."""
    raw = _native.lib().version()
    return raw.decode("ascii") if raw else ""


def abi_version() -> int:
    """The C library's ABI generation (1)."""
    return int(_native.lib().abi_version())


def library_path() -> str:
    """The path of the loaded C library."""
    return _native.lib().path


_FEATURE_BITS = {
    0x01: "sqlite",
    0x02: "evm_rpc",
    0x04: "tls",
    0x08: "png",
    0x10: "sim",
    0x20: "threads",
}


def features() -> FrozenSet[str]:
    """The optional features of this build: a subset of "sqlite", "evm_rpc",
    "tls", "png", "sim", "threads" (a bit this binding does not know appears as
    "bit_0x..")."""
    bits = int(_native.lib().features())
    names = set()
    for bit in range(32):
        flag = 1 << bit
        if bits & flag:
            names.add(_FEATURE_BITS.get(flag, f"bit_{flag:#x}"))
    return frozenset(names)


# ---------------------------------------------------------------------------
# Addresses


def validate_address(chain: str, address: str) -> str:
    """Checks an address for a chain (CAIP-2 id or family "evm", "tron",
    "solana") and returns its canonical spelling (EIP-55 on EVM chains).

    Raises InvalidArgument for a malformed address (the message names the
    position) or an unknown chain, ChecksumMismatch for a wrong checksum.
    """
    lib = _native.lib()
    chain_b = _text(chain, "chain")
    address_b = _text(address, "address")
    size = int(lib.address_max())
    buf = ctypes.create_string_buffer(size)
    lib.check(lib.address_validate(buf, size, chain_b, address_b))
    return buf.value.decode("utf-8")


# ---------------------------------------------------------------------------
# QR codes

_EC_LEVELS = {"L": 0, "M": 1, "Q": 2, "H": 3}
_TERMINAL_STYLES = {"dark": 0, "light": 1, "ansi": 2}


def _qr_options(error_correction: str, quiet_zone: int, png_module_pixels: int = 8,
                svg_size_px: int = 0, terminal_style: str = "dark") -> _native.QrOptions:
    lib = _native.lib()
    opts = _native.QrOptions()
    lib.check(lib.qr_options_init(byref(opts), _native.QR_OPTIONS_VERSION))
    if not isinstance(error_correction, str):
        raise TypeError(f"qr: error_correction: expected str, got "
                        f"{type(error_correction).__name__}")
    if error_correction not in _EC_LEVELS:
        raise local_error(InvalidArgument, f"qr: error_correction: {error_correction!r} is not "
                          "one of 'L', 'M', 'Q', 'H'")
    if not isinstance(terminal_style, str):
        raise TypeError(f"qr: style: expected str, got {type(terminal_style).__name__}")
    if terminal_style not in _TERMINAL_STYLES:
        raise local_error(InvalidArgument, f"qr: style: {terminal_style!r} is not one of "
                          "'dark', 'light', 'ansi'")
    opts.error_correction = _EC_LEVELS[error_correction]
    opts.quiet_zone = _integer(quiet_zone, "qr: quiet_zone", _C_INT_MIN, _C_INT_MAX)
    opts.png_module_pixels = _integer(png_module_pixels, "qr: module_pixels", _C_INT_MIN,
                                      _C_INT_MAX)
    opts.svg_size_px = _integer(svg_size_px, "qr: size_px", _C_INT_MIN, _C_INT_MAX)
    opts.terminal_style = _TERMINAL_STYLES[terminal_style]
    return opts


def qr_svg(payload: str, *, error_correction: str = "M", quiet_zone: int = 4,
           size_px: int = 0) -> str:
    """The QR code of ``payload`` (a payment URI) as a standalone SVG document.

    error_correction: "L", "M", "Q" or "H"; quiet_zone: light modules on each
    side (0..64); size_px: width and height in CSS pixels, 0 to fill the
    container. Raises OutOfRange for a payload too long for a QR code.
    """
    opts = _qr_options(error_correction, quiet_zone, svg_size_px=size_px)
    payload_b = _text(payload, "payload")
    lib = _native.lib()
    out = c_char_p()
    lib.check(lib.qr_svg(byref(out), payload_b, byref(opts)))
    return lib.take_string(out)


def qr_png(payload: str, *, error_correction: str = "M", quiet_zone: int = 4,
           module_pixels: int = 8) -> bytes:
    """The QR code of ``payload`` as a 1-bit grayscale PNG image (bytes).

    module_pixels: pixels per module, 1..256.
    """
    opts = _qr_options(error_correction, quiet_zone, png_module_pixels=module_pixels)
    payload_b = _text(payload, "payload")
    lib = _native.lib()
    out = c_void_p()
    size = c_size_t()
    lib.check(lib.qr_png(byref(out), byref(size), payload_b, byref(opts)))
    return lib.take_bytes(out, size.value)


def qr_terminal(payload: str, *, error_correction: str = "M", quiet_zone: int = 4,
                style: str = "dark") -> str:
    """The QR code of ``payload`` as text for a terminal (Unicode half blocks,
    two module rows per line).

    style: "dark" for a light-on-dark terminal, "light" for dark-on-light or
    paper, "ansi" for black on white with colour codes on any theme.
    """
    opts = _qr_options(error_correction, quiet_zone, terminal_style=style)
    payload_b = _text(payload, "payload")
    lib = _native.lib()
    out = c_char_p()
    lib.check(lib.qr_terminal(byref(out), payload_b, byref(opts)))
    return lib.take_string(out)


# ---------------------------------------------------------------------------
# Webhook verification (receiver side)


def _header(headers: Any, name: str) -> str:
    """A header by case-insensitive name from a dict, http.client.HTTPMessage
    (email.message.Message) or any mapping."""
    value = None
    getter = getattr(headers, "get", None)
    if getter is not None:
        value = getter(name)
    if value is None:
        for key in headers.keys():
            if isinstance(key, str) and key.lower() == name:
                value = headers[key]
                break
    if value is None:
        raise local_error(InvalidArgument, f"webhook: the {name} header is missing")
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        raise TypeError(f"webhook: {name}: expected str, got {type(value).__name__}")
    return value


def verify_webhook(secrets: Union[str, Sequence[str]], headers: Mapping[str, Any], body: bytes,
                   *, now: Optional[int] = None, tolerance: Optional[int] = None) -> None:
    """Checks a received usd1pay webhook (Standard Webhooks v1, HMAC-SHA256).

    secrets: the endpoint's secret "whsec_...", or several (during a rotation
    any one may have signed). headers: the request headers (case-insensitive
    lookup of webhook-id, webhook-timestamp, webhook-signature; a dict or the
    ``self.headers`` of http.server). body: the raw body exactly as received,
    as bytes (re-serialised JSON does not verify). now: the receiver's clock in
    Unix seconds (default: the system clock). tolerance: seconds the timestamp
    may be off (default 300).

    Returns None when the webhook is genuine and fresh. Raises
    ChecksumMismatch when no signature matches (forged, tampered, wrong
    secret), OutOfRange when the timestamp is too old or too new,
    InvalidArgument for a missing or malformed header or a bad secret.
    Remember the webhook-id and ignore a repeat: delivery is at least once.
    """
    if isinstance(secrets, str):
        secret_list: List[str] = [secrets]
    elif isinstance(secrets, (bytes, bytearray)):
        raise TypeError("secrets: expected str or a sequence of str, got bytes")
    else:
        secret_list = list(secrets)
    if not secret_list:
        raise local_error(InvalidArgument, "secrets: at least one secret is needed")
    encoded = [_text(s, f"secrets[{i}]") for i, s in enumerate(secret_list)]
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise TypeError(f"body: expected the raw bytes as received, got {type(body).__name__}")
    raw = bytes(body)
    msg_id = _text(_header(headers, "webhook-id"), "webhook-id")
    timestamp = _text(_header(headers, "webhook-timestamp"), "webhook-timestamp")
    signature = _text(_header(headers, "webhook-signature"), "webhook-signature")
    now_v = 0 if now is None else _integer(now, "now", 1, _INT64_MAX)
    tol_v = -1 if tolerance is None else _integer(tolerance, "tolerance", 0, _INT64_MAX)
    arr = (c_char_p * len(encoded))(*encoded)
    lib = _native.lib()
    lib.check(
        lib.webhook_verify(arr, len(encoded), msg_id, timestamp, signature, raw, len(raw), now_v,
                           tol_v))


# ---------------------------------------------------------------------------
# Processor


class Processor:
    """usd1pay for one configuration: its store, intents, chain tracker and
    webhook dispatcher.

    ``Processor("usd1pay.json")`` opens a configuration file (docs/config.md);
    ``Processor({...})`` a configuration given as a dict;
    ``Processor(config_json='{...}')`` one given as JSON text. ``store_path``
    overrides the configuration's store file; ``poll_interval_ms`` sets the
    background tracker's interval (default 2000).

    Use it as a context manager, or call close(): it stops the tracker and
    webhook delivery (attempts in flight finish), waits for calls in progress
    and closes the store. Any call after close() raises Closed.
    """

    def __init__(self, config: Union[PathLike, Mapping[str, Any], None] = None, *,
                 config_json: Optional[str] = None, store_path: Optional[PathLike] = None,
                 poll_interval_ms: Optional[int] = None) -> None:
        self._handle = c_void_p()
        self._closed = False
        lib = _native.lib()
        self._lib = lib
        opts = _native.OpenOptions()
        lib.check(lib.open_options_init(byref(opts), _native.OPEN_OPTIONS_VERSION))
        # Keep the encoded store path alive until the call returns.
        store_b = None
        if store_path is not None:
            store_b = _text(os.fspath(store_path), "store_path")
            opts.store_path = store_b
        if poll_interval_ms is not None:
            opts.poll_interval_ms = _integer(poll_interval_ms, "poll_interval_ms", 1, _C_UINT_MAX)
        if (config is None) == (config_json is None):
            raise TypeError("Processor: give either config (a file path or a dict) or "
                            "config_json (JSON text)")
        if config_json is not None:
            rc = lib.processor_open_json(byref(self._handle), _text(config_json, "config_json"),
                                         byref(opts))
        elif isinstance(config, Mapping):
            rc = lib.processor_open_json(byref(self._handle), _json_text(dict(config)),
                                         byref(opts))
        elif isinstance(config, (str, os.PathLike)):
            path = os.fspath(config)
            if not isinstance(path, str):
                raise TypeError("config: expected a str path, got bytes")
            rc = lib.processor_open(byref(self._handle), _text(path, "config"), byref(opts))
        else:
            raise TypeError(f"config: expected a path or a dict, got {type(config).__name__}")
        lib.check(rc)

    @classmethod
    def open(cls, config: Union[PathLike, Mapping[str, Any], None] = None, *,
             config_json: Optional[str] = None, store_path: Optional[PathLike] = None,
             poll_interval_ms: Optional[int] = None) -> "Processor":
        """The same as ``Processor(...)``."""
        return cls(config, config_json=config_json, store_path=store_path,
                   poll_interval_ms=poll_interval_ms)

    # -- lifetime --

    def close(self) -> None:
        """Stops the tracker and webhook delivery, waits for calls in
        progress, closes the store. Closing twice is harmless."""
        if self._handle.value:
            self._lib.check(self._lib.processor_close(self._handle))
        self._closed = True

    @property
    def closed(self) -> bool:
        """True after close()."""
        return self._closed

    def __enter__(self) -> "Processor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        # The last reference is gone, so no other thread can be using the
        # handle: freeing is safe (the header requires it to be the last call).
        handle = getattr(self, "_handle", None)
        if handle is not None and handle.value:
            self._lib.processor_free(handle)
            handle.value = None

    def __repr__(self) -> str:
        return f"<usd1pay.Processor {'closed' if self._closed else 'open'}>"

    def _call_json(self, fn: Any, *args: Any) -> Any:
        out = c_char_p()
        rc = fn(byref(out), self._handle, *args)
        if rc:
            raise self._lib.error(rc)
        try:
            raw = out.value
        finally:
            self._lib.unchecked_free(out)
        return _loads(raw.decode("utf-8") if raw else "")

    # -- intents --

    def create_intent(self, order_id: str, amount: AmountLike, *, chain: Optional[str] = None,
                      token: Optional[str] = None, idempotency_key: Optional[str] = None,
                      expires_in_seconds: Optional[int] = None,
                      metadata: Optional[Mapping[str, Any]] = None,
                      actor: Optional[str] = None) -> JsonObject:
        """Creates a payment intent for an order and returns it: id, status,
        chain, token, amount, amount_due, deposit_address, payment_uri,
        expires_at, ...

        amount: an exact decimal in USD ("25.00", Decimal("25.00"), or an
        int); a float raises TypeError. chain / token: a configured CAIP-2 id /
        symbol (default: the configuration's). idempotency_key: the same key
        with the same parameters returns the first intent (Conflict with other
        parameters). metadata: a JSON-serialisable dict kept with the intent.

        Raises InvalidArgument naming the field, OutOfRange (too many
        decimals, expiry out of range), Conflict, IoError, Closed.
        """
        if not isinstance(order_id, str):
            raise TypeError(f"order_id: expected str, got {type(order_id).__name__}")
        # The request object written key by key: the same text _json_text of
        # the dict {order_id, amount, chain, token, idempotency_key, actor,
        # expires_in_seconds, metadata} (absent keys left out) gives, at a
        # third of its cost.
        text = ('{"order_id":' + _json_str(order_id) + ',"amount":' +
                _json_str(amount if type(amount) is str else _amount(amount)))
        if chain is not None:
            text += ',"chain":' + _json_str(_str_arg(chain, "chain"))
        if token is not None:
            text += ',"token":' + _json_str(_str_arg(token, "token"))
        if idempotency_key is not None:
            text += ',"idempotency_key":' + _json_str(_str_arg(idempotency_key, "idempotency_key"))
        if actor is not None:
            text += ',"actor":' + _json_str(_str_arg(actor, "actor"))
        if expires_in_seconds is not None:
            text += ',"expires_in_seconds":' + int.__repr__(
                _integer(expires_in_seconds, "expires_in_seconds", _INT64_MIN, _INT64_MAX))
        if metadata is not None:
            if type(metadata) is not dict:
                if not isinstance(metadata, Mapping):
                    raise TypeError(f"metadata: expected a dict, got {type(metadata).__name__}")
                metadata = dict(metadata)
            text += ',"metadata":' + _json_value(metadata)
        return self._call_json(self._lib.unchecked_intent_create, _utf8_json(text + "}"))

    def get_intent(self, intent_id: str) -> JsonObject:
        """One intent by id ("pi_..."). Raises NotFound for an unknown id,
        InvalidArgument for a malformed one."""
        if type(intent_id) is str and intent_id.isascii() and "\0" not in intent_id:
            return self._call_json(self._lib.unchecked_intent_get, intent_id.encode("ascii"))
        return self._call_json(self._lib.unchecked_intent_get, _text(intent_id, "intent_id"))

    def list_intents(self, *, status: Optional[str] = None, order_id: Optional[str] = None,
                     created_from: Optional[str] = None, created_to: Optional[str] = None,
                     limit: Optional[int] = None, cursor: Optional[str] = None) -> JsonObject:
        """One page of intents, newest first: {"intents": [...],
        "next_cursor": "..."} ("" on the last page). Times are ISO 8601;
        limit 1..1000 (default 100)."""
        query: Dict[str, Any] = {}
        for key, value in (("status", status), ("order_id", order_id),
                           ("created_from", created_from), ("created_to", created_to),
                           ("cursor", cursor)):
            if value is not None:
                if not isinstance(value, str):
                    raise TypeError(f"{key}: expected str, got {type(value).__name__}")
                query[key] = value
        if limit is not None:
            query["limit"] = _integer(limit, "limit", _INT64_MIN, _INT64_MAX)
        return self._call_json(self._lib.intent_list, _json_text(query) if query else None)

    def iter_intents(self, **query: Any) -> Iterator[JsonObject]:
        """Every intent matching the query (the keywords of list_intents but
        cursor), following the pages."""
        if "cursor" in query:
            raise TypeError("iter_intents: cursor is managed by the iterator")
        cursor: Optional[str] = None
        while True:
            page = self.list_intents(cursor=cursor, **query)
            yield from page.get("intents", [])
            cursor = page.get("next_cursor") or None
            if cursor is None:
                return

    def cancel_intent(self, intent_id: str, *, actor: Optional[str] = None) -> JsonObject:
        """Cancels an intent awaiting payment and returns it. Raises
        InvalidState when it is in another status (the message names it)."""
        return self._call_json(self._lib.intent_cancel, _text(intent_id, "intent_id"),
                               _opt_text(actor, "actor"))

    def expire_due(self) -> int:
        """Runs the expiry sweep; returns how many intents expired."""
        count = c_size_t()
        self._lib.check(self._lib.intent_expire_due(byref(count), self._handle))
        return int(count.value)

    def events(self, *, intent_id: Optional[str] = None, after_seq: int = 0,
               limit: int = 100) -> JsonObject:
        """The audit log in order: {"events": [...], "next_after_seq": N}.
        limit 1..10000."""
        return self._call_json(self._lib.events_list, _opt_text(intent_id, "intent_id"),
                               _integer(after_seq, "after_seq", 0, _UINT64_MAX),
                               _integer(limit, "limit", 0, _C_UINT_MAX))

    def lookup(self, query: str) -> JsonObject:
        """What support staff ask about (a transaction hash, an address, an
        order id or an intent id): {"intents", "payments", "events",
        "deliveries"}, empty lists when nothing matched."""
        return self._call_json(self._lib.lookup, _text(query, "query"))

    # -- tracking --

    def poll_once(self) -> JsonObject:
        """Polls every chain once, then runs the expiry sweep; returns the
        report {"chains": [...], "expired": N}. Raises Unavailable when a
        chain's node failed (the exception's message names it), InvalidState
        while the background tracker runs."""
        return self._call_json(self._lib.tracker_poll_once)

    def start_tracker(self) -> None:
        """Polls on a background thread every poll_interval_ms. Raises
        InvalidState when it already runs."""
        self._lib.check(self._lib.tracker_start(self._handle))

    def stop_tracker(self) -> None:
        """Stops the background tracker after its current poll (harmless when
        it does not run)."""
        self._lib.check(self._lib.tracker_stop(self._handle))

    def tracker_stats(self) -> JsonObject:
        """{"running", "polls", "failed_polls", "blocks_scanned",
        "payments_detected", "reorgs", "last_error"}."""
        return self._call_json(self._lib.tracker_stats)

    def sim_pay(self, intent_id: str, amount: Optional[AmountLike] = None) -> str:
        """SimChain only: a simulated customer pays the intent (the amount
        due, or ``amount`` in tokens); returns the transaction hash. The
        transfer waits until sim_mine(). Raises Unsupported on a real chain."""
        amount_b = None if amount is None else _text(_amount(amount), "amount")
        out = c_char_p()
        self._lib.check(
            self._lib.sim_pay(byref(out), self._handle, _text(intent_id, "intent_id"), amount_b))
        return self._lib.take_string(out)

    def sim_mine(self, blocks: int = 1, *, chain: Optional[str] = None) -> int:
        """SimChain only: mines ``blocks`` blocks (1..10000) on ``chain``
        (default: the default chain); returns the new head's number."""
        head = c_uint64()
        self._lib.check(
            self._lib.sim_mine(byref(head), self._handle, _opt_text(chain, "chain"),
                               _integer(blocks, "blocks", 0, _C_UINT_MAX)))
        return int(head.value)

    # -- webhooks (sender side) --

    def add_webhook_endpoint(self, url: str, *, event_types: Optional[Sequence[str]] = None,
                             description: Optional[str] = None,
                             secret: Optional[str] = None) -> JsonObject:
        """Registers an endpoint; returns it with its id ("we_...") and its
        secret ("whsec_..."), shown this once: keep it to verify deliveries.
        event_types: types or patterns ("intent.succeeded", "intent.*");
        default all. secret: a "whsec_..." to sign with instead of a new one.
        Raises InvalidArgument for a refused URL (private addresses need the
        configuration's allow_private_destinations), AlreadyExists for a URL
        already registered, Unavailable when its host does not resolve."""
        body: Dict[str, Any] = {"url": url}
        if not isinstance(url, str):
            raise TypeError(f"url: expected str, got {type(url).__name__}")
        if event_types is not None:
            if isinstance(event_types, str):
                raise TypeError("event_types: expected a sequence of str, got one str")
            body["event_types"] = list(event_types)
        if description is not None:
            body["description"] = description
        if secret is not None:
            body["secret"] = secret
        return self._call_json(self._lib.webhook_endpoint_add, _json_text(body))

    def list_webhook_endpoints(self) -> List[JsonObject]:
        """The endpoints, without their secrets."""
        reply = self._call_json(self._lib.webhook_endpoint_list)
        return list(reply.get("endpoints", []))

    def start_webhooks(self) -> None:
        """Delivers webhooks on background threads. Raises InvalidState when
        delivery already runs."""
        self._lib.check(self._lib.webhooks_start(self._handle))

    def stop_webhooks(self) -> None:
        """Stops delivery; attempts in flight finish and are recorded."""
        self._lib.check(self._lib.webhooks_stop(self._handle))

    def drain_webhooks(self, timeout_ms: int = 1000) -> JsonObject:
        """Delivers what is due now on this thread, until nothing is due or
        timeout_ms passed: {"enqueued", "attempted", "succeeded", "retried",
        "dead_lettered"}."""
        return self._call_json(self._lib.webhooks_drain,
                               _integer(timeout_ms, "timeout_ms", 0, _C_UINT_MAX))

    # -- exports --

    def export(self, format: str, *, out: Optional[PathLike] = None,
               from_: Optional[str] = None, to: Optional[str] = None,
               orders: Optional[PathLike] = None, manifest: bool = False) -> JsonObject:
        """A reconciliation export ("csv", "jsonl", "journal", "summary",
        "html"): {"records", "rows", "bytes", "sha256", "manifest"}, plus
        "content" (the export as a str) when no ``out`` file is given. from_ /
        to: ISO 8601 dates or times (UTC); orders: the shop's orders CSV;
        manifest: write a manifest beside ``out``."""
        if not isinstance(format, str):
            raise TypeError(f"format: expected str, got {type(format).__name__}")
        params: Dict[str, Any] = {"format": format}
        if out is not None:
            params["out"] = os.fspath(out)
        if from_ is not None:
            params["from"] = from_
        if to is not None:
            params["to"] = to
        if orders is not None:
            params["orders"] = os.fspath(orders)
        if manifest:
            params["manifest"] = True
        return self._call_json(self._lib.export, _json_text(params))
