"""Finding and loading libusd1pay, and the ctypes prototype of every function
of include/usd1pay/usd1pay.h that the binding calls.

Private: the public API is in ``usd1pay/__init__.py``.

Where the library is looked for, first match wins:
  1. the file named by the ``USD1PAY_LIBRARY`` environment variable (when it
     is set, nothing else is tried, so a wrong path is an error, not a
     fallback to another copy);
  2. beside this package (``libusd1pay.so.1``, ``libusd1pay.so``,
     ``libusd1pay.dylib``, ``usd1pay.dll``), for a package bundling its copy;
  3. ``ctypes.util.find_library("usd1pay")``: the system's library path.

Every string and buffer the library returns through a ``char **`` output is
copied, then freed with ``usd1pay_free``. A NUL-terminated text output is
declared ``POINTER(c_char_p)``: the ``c_char_p`` the call fills keeps the
pointer (passed to ``usd1pay_free``) and its ``.value`` copies the bytes in one
step. A byte buffer with a length (``usd1pay_qr_png``) and the processor handle
are ``POINTER(c_void_p)``. No function's *return* type is ``c_char_p`` where the
caller must free the result: ctypes would copy the bytes and lose the pointer.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from ctypes import POINTER, Structure, c_char_p, c_int, c_int64, c_size_t, c_uint, c_uint64
from ctypes import c_void_p
from typing import Any, Dict, List, Optional, Tuple

from .errors import Usd1payError, error_for

#: The ABI generation this binding is written for (USD1PAY_ABI_VERSION).
ABI_VERSION = 1
QR_OPTIONS_VERSION = 1
OPEN_OPTIONS_VERSION = 1


class LibraryNotFound(OSError):
    """libusd1pay could not be found or loaded, or is of another ABI."""


class QrOptions(Structure):
    """struct usd1pay_qr_options, version 1."""

    _fields_ = [
        ("version", c_uint),
        ("error_correction", c_int),
        ("quiet_zone", c_int),
        ("png_module_pixels", c_int),
        ("svg_size_px", c_int),
        ("terminal_style", c_int),
    ]


class OpenOptions(Structure):
    """struct usd1pay_open_options, version 1."""

    _fields_ = [
        ("version", c_uint),
        ("store_path", c_char_p),
        ("poll_interval_ms", c_uint),
    ]


_out_ptr = POINTER(c_void_p)  # unsigned char ** / usd1pay_processor **
_out_text = POINTER(c_char_p)  # char ** of NUL-terminated text the caller frees
_handle = c_void_p  # usd1pay_processor *

# name -> (restype, argtypes), in the header's order.
_PROTOTYPES: Dict[str, Tuple[Any, List[Any]]] = {
    "usd1pay_version": (c_char_p, []),
    "usd1pay_version_number": (c_int, []),
    "usd1pay_abi_version": (c_int, []),
    "usd1pay_features": (c_uint, []),
    "usd1pay_error_last": (c_char_p, []),
    "usd1pay_error_last_code": (c_int, []),
    "usd1pay_error_clear": (None, []),
    "usd1pay_error_name": (c_char_p, [c_int]),
    "usd1pay_free": (None, [c_void_p]),
    "usd1pay_address_max": (c_size_t, []),
    "usd1pay_address_validate": (c_int, [c_char_p, c_size_t, c_char_p, c_char_p]),
    "usd1pay_qr_options_init": (c_int, [POINTER(QrOptions), c_uint]),
    "usd1pay_qr_svg": (c_int, [_out_text, c_char_p, POINTER(QrOptions)]),
    "usd1pay_qr_png": (c_int, [_out_ptr, POINTER(c_size_t), c_char_p, POINTER(QrOptions)]),
    "usd1pay_qr_terminal": (c_int, [_out_text, c_char_p, POINTER(QrOptions)]),
    "usd1pay_webhook_verify": (
        c_int,
        [POINTER(c_char_p), c_size_t, c_char_p, c_char_p, c_char_p, c_char_p, c_size_t, c_int64,
         c_int64],
    ),
    "usd1pay_open_options_init": (c_int, [POINTER(OpenOptions), c_uint]),
    "usd1pay_processor_open": (c_int, [_out_ptr, c_char_p, POINTER(OpenOptions)]),
    "usd1pay_processor_open_json": (c_int, [_out_ptr, c_char_p, POINTER(OpenOptions)]),
    "usd1pay_processor_close": (c_int, [_handle]),
    "usd1pay_processor_free": (None, [_handle]),
    "usd1pay_intent_create": (c_int, [_out_text, _handle, c_char_p]),
    "usd1pay_intent_get": (c_int, [_out_text, _handle, c_char_p]),
    "usd1pay_intent_list": (c_int, [_out_text, _handle, c_char_p]),
    "usd1pay_intent_cancel": (c_int, [_out_text, _handle, c_char_p, c_char_p]),
    "usd1pay_intent_expire_due": (c_int, [POINTER(c_size_t), _handle]),
    "usd1pay_events_list": (c_int, [_out_text, _handle, c_char_p, c_uint64, c_uint]),
    "usd1pay_lookup": (c_int, [_out_text, _handle, c_char_p]),
    "usd1pay_tracker_poll_once": (c_int, [_out_text, _handle]),
    "usd1pay_tracker_start": (c_int, [_handle]),
    "usd1pay_tracker_stop": (c_int, [_handle]),
    "usd1pay_tracker_stats": (c_int, [_out_text, _handle]),
    "usd1pay_sim_pay": (c_int, [_out_text, _handle, c_char_p, c_char_p]),
    "usd1pay_sim_mine": (c_int, [POINTER(c_uint64), _handle, c_char_p, c_uint]),
    "usd1pay_webhook_endpoint_add": (c_int, [_out_text, _handle, c_char_p]),
    "usd1pay_webhook_endpoint_list": (c_int, [_out_text, _handle]),
    "usd1pay_webhooks_start": (c_int, [_handle]),
    "usd1pay_webhooks_stop": (c_int, [_handle]),
    "usd1pay_webhooks_drain": (c_int, [_out_text, _handle, c_uint]),
    "usd1pay_export": (c_int, [_out_text, _handle, c_char_p]),
}

# Functions called on the binding's hot paths (an intent created or read, a
# reply freed) with arguments the binding itself made: bytes for char *, the
# handle's c_void_p, byref(c_char_p()) for char **, a c_char_p for
# usd1pay_free. Each is bound a second time, as ``unchecked_<name>``, without
# argtypes: ctypes runs every argument through its argtype's from_param
# first, about a third of the cost of a call. Without argtypes a wrong Python
# value (a str for char *, say) would be passed wrongly rather than refused,
# so nothing outside this package calls these.
_UNCHECKED = ("usd1pay_free", "usd1pay_intent_create", "usd1pay_intent_get")

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_BESIDE_PACKAGE = ("libusd1pay.so.1", "libusd1pay.so", "libusd1pay.dylib", "usd1pay.dll")


class Library:
    """The loaded library with its prototypes set.

    A function the library lacks (an older library) raises LibraryNotFound
    naming it when called, not when the library is loaded, so that the rest
    stays usable.
    """

    def __init__(self, path: str) -> None:
        try:
            self.cdll = ctypes.CDLL(path)
        except OSError as e:
            raise LibraryNotFound(f"usd1pay: cannot load the C library {path!r}: {e}") from e
        self.path = path
        self.missing: List[str] = []
        for name, (restype, argtypes) in _PROTOTYPES.items():
            try:
                fn = getattr(self.cdll, name)
            except AttributeError:
                self.missing.append(name)
                continue
            fn.restype = restype
            fn.argtypes = argtypes
            setattr(self, name[len("usd1pay_"):], fn)
        for name in _UNCHECKED:
            if name not in self.missing:
                unchecked = self.cdll[name]  # a new function object, argtypes unset
                unchecked.restype = _PROTOTYPES[name][0]
                setattr(self, "unchecked_" + name[len("usd1pay_"):], unchecked)
        if "usd1pay_abi_version" in self.missing:
            raise LibraryNotFound(f"usd1pay: {path!r} is not libusd1pay (no usd1pay_abi_version)")
        abi = self.abi_version()
        if abi != ABI_VERSION:
            raise LibraryNotFound(
                f"usd1pay: {path!r} has ABI version {abi}; this binding needs {ABI_VERSION}")

    def __getattr__(self, attr: str) -> Any:
        # Reached only for a function the library does not export.
        if attr.startswith("unchecked_"):
            attr = attr[len("unchecked_"):]
        raise LibraryNotFound(f"usd1pay: the C library {self.path!r} has no usd1pay_{attr} "
                              "(an older library?)")

    def check(self, rc: int) -> None:
        """Raises the exception for a non-zero return code, with this thread's
        last-error message (ctypes calls run on the calling thread, and the
        message is per thread, so it is the one of this call)."""
        if rc != 0:
            raise self.error(rc)

    def error(self, rc: int) -> Usd1payError:
        message = _decode(self.error_last())
        name = _decode(self.error_name(rc))
        return error_for(rc, name, message or name)

    def take_string(self, out: c_char_p) -> str:
        """Copies the text a ``char **`` output (declared ``_out_text``) was
        given and frees it."""
        try:
            raw = out.value
        finally:
            self.unchecked_free(out)
        return raw.decode("utf-8") if raw else ""

    def take_bytes(self, ptr: c_void_p, size: int) -> bytes:
        """Copies a returned byte buffer of ``size`` bytes and frees it."""
        if not ptr.value:
            return b""
        try:
            return ctypes.string_at(ptr.value, size)
        finally:
            self.free(ptr)
            ptr.value = None


def _decode(raw: Optional[bytes]) -> str:
    return raw.decode("utf-8", "replace") if raw else ""


def _candidates() -> List[str]:
    env = os.environ.get("USD1PAY_LIBRARY")
    if env:
        return [env]
    found = [os.path.join(_PACKAGE_DIR, n) for n in _BESIDE_PACKAGE]
    found = [p for p in found if os.path.exists(p)]
    system = ctypes.util.find_library("usd1pay")
    if system:
        found.append(system)
    return found


_lock = threading.Lock()
_lib: Optional[Library] = None


def lib() -> Library:
    """The library, loaded on first use (importing the package needs none)."""
    global _lib
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            paths = _candidates()
            if not paths:
                raise LibraryNotFound(
                    "usd1pay: the C library libusd1pay was not found: set USD1PAY_LIBRARY to "
                    "its path (e.g. build/sdk/capi/libusd1pay.so), put it beside the usd1pay "
                    "package, or install it where the system's loader finds it")
            _lib = Library(paths[0])
    return _lib
