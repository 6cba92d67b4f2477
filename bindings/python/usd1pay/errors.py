"""The exceptions of the usd1pay binding: one class per C ABI return code.

Every failing call raises a subclass of :class:`Usd1payError` carrying the
code (``-5``), its name in the C header (``"USD1PAY_ENOTFOUND"``) and the
library's message, which names what is wrong and where ("intent: amount: bad
character 'x' at position 2"). Decide by the class (or ``code``), not by the
message text.
"""

from __future__ import annotations

from typing import Dict, Type


class Usd1payError(Exception):
    """A usd1pay call failed.

    Attributes:
        code: the C ABI return code (negative, from ``usd1pay_error``).
        name: its name in the C header, e.g. ``"USD1PAY_EINVALID"``.
        message: why, for people.
    """

    #: The return code this class stands for (0 only on the base class).
    CODE = 0

    def __init__(self, code: int, name: str, message: str) -> None:
        super().__init__(code, name, message)
        self.code = code
        self.name = name
        self.message = message

    def __str__(self) -> str:
        return f"{self.message} ({self.name})"


class InvalidArgument(Usd1payError):
    """USD1PAY_EINVALID: NULL, malformed JSON, an unknown key, a bad id, amount
    or address, a string with a NUL character."""

    CODE = -1


class ChecksumMismatch(Usd1payError):
    """USD1PAY_ECHECKSUM: an address checksum is wrong, or a webhook signature
    matches no secret (forged, tampered or signed with another secret)."""

    CODE = -2


class OutOfRange(Usd1payError):
    """USD1PAY_ERANGE: too many decimals, an expiry too short or too long, a
    webhook timestamp outside the tolerance, a payload too long for a QR
    code, an integer too large for the C type."""

    CODE = -3


class Unsupported(Usd1payError):
    """USD1PAY_EUNSUPPORTED: valid but not supported here (a SimChain
    operation on a real chain)."""

    CODE = -4


class NotFound(Usd1payError):
    """USD1PAY_ENOTFOUND: no such intent, payment, chain or endpoint."""

    CODE = -5


class AlreadyExists(Usd1payError):
    """USD1PAY_EEXISTS: it exists already (a webhook endpoint with that URL)."""

    CODE = -6


class Conflict(Usd1payError):
    """USD1PAY_ECONFLICT: an idempotency key reused with other parameters, or a
    concurrent change."""

    CODE = -7


class InvalidState(Usd1payError):
    """USD1PAY_ESTATE: not allowed now (canceling an intent that is not awaiting
    payment, starting a tracker that runs)."""

    CODE = -8


class IoError(Usd1payError):
    """USD1PAY_EIO: the store or a file could not be read or written."""

    CODE = -9


class Unavailable(Usd1payError):
    """USD1PAY_EUNAVAILABLE: a chain node or other service did not answer;
    retrying may help."""

    CODE = -10


class InternalError(Usd1payError):
    """USD1PAY_EINTERNAL: a bug in usd1pay; please report the message."""

    CODE = -11


class BufferTooSmall(Usd1payError):
    """USD1PAY_EBUFS: a buffer was too small (the binding sizes its buffers, so
    this means a bug)."""

    CODE = -12


class OutOfMemory(Usd1payError):
    """USD1PAY_ENOMEM: the library could not allocate memory."""

    CODE = -13


class Closed(Usd1payError):
    """USD1PAY_ECLOSED: the processor was closed."""

    CODE = -14


_BY_CODE: Dict[int, Type[Usd1payError]] = {
    cls.CODE: cls
    for cls in (
        InvalidArgument,
        ChecksumMismatch,
        OutOfRange,
        Unsupported,
        NotFound,
        AlreadyExists,
        Conflict,
        InvalidState,
        IoError,
        Unavailable,
        InternalError,
        BufferTooSmall,
        OutOfMemory,
        Closed,
    )
}

#: The C header's name of each code, for errors raised before the library is
#: asked (bad Python types and values, a string with a NUL character).
CODE_NAMES: Dict[int, str] = {
    -1: "USD1PAY_EINVALID",
    -2: "USD1PAY_ECHECKSUM",
    -3: "USD1PAY_ERANGE",
    -4: "USD1PAY_EUNSUPPORTED",
    -5: "USD1PAY_ENOTFOUND",
    -6: "USD1PAY_EEXISTS",
    -7: "USD1PAY_ECONFLICT",
    -8: "USD1PAY_ESTATE",
    -9: "USD1PAY_EIO",
    -10: "USD1PAY_EUNAVAILABLE",
    -11: "USD1PAY_EINTERNAL",
    -12: "USD1PAY_EBUFS",
    -13: "USD1PAY_ENOMEM",
    -14: "USD1PAY_ECLOSED",
}


def error_for(code: int, name: str, message: str) -> Usd1payError:
    """The exception for a return code: its subclass, or the base class for a
    code this binding does not know (a newer library)."""
    cls = _BY_CODE.get(code, Usd1payError)
    return cls(code, name, message)


def local_error(cls: Type[Usd1payError], message: str) -> Usd1payError:
    """An error the binding raises itself, with the code of ``cls``."""
    return cls(cls.CODE, CODE_NAMES[cls.CODE], message)
