"""Version, features, library loading, and the exception classes."""

from __future__ import annotations

import ctypes
import os
import re
import subprocess
import sys
import unittest

from support import child_env, usd1pay

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(usd1pay.__file__)))


def run_python(code: str, env_changes: dict) -> subprocess.CompletedProcess:
    # None of these children loads the real library: no sanitizer preload.
    env = child_env(**env_changes, PYTHONPATH=PACKAGE_PARENT)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60)


class LibraryTest(unittest.TestCase):
    def test_version_matches_the_number(self) -> None:
        v = usd1pay.version()
        self.assertRegex(v, r"^\d+\.\d+\.\d+$")
        major, minor, patch = (int(x) for x in v.split("."))
        lib = usd1pay._native.lib()
        self.assertEqual(lib.version_number(), major * 10000 + minor * 100 + patch)

    def test_abi_version_is_one(self) -> None:
        self.assertEqual(usd1pay.abi_version(), 1)

    def test_features_name_the_build(self) -> None:
        f = usd1pay.features()
        self.assertIsInstance(f, frozenset)
        # This project always builds these in.
        for name in ("sqlite", "sim", "png", "evm_rpc", "threads"):
            self.assertIn(name, f)
        self.assertTrue(all(not n.startswith("bit_") for n in f), f)

    def test_library_path_is_the_env_one(self) -> None:
        env = os.environ.get("USD1PAY_LIBRARY")
        if env:
            self.assertEqual(usd1pay.library_path(), env)

    def test_a_wrong_library_path_is_a_clear_error(self) -> None:
        r = run_python("import usd1pay; usd1pay.version()",
                       {"USD1PAY_LIBRARY": "/nonexistent/libusd1pay.so"})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("LibraryNotFound", r.stderr)
        self.assertIn("/nonexistent/libusd1pay.so", r.stderr)

    def test_a_library_that_is_not_usd1pay_is_refused(self) -> None:
        import ctypes.util
        other = ctypes.util.find_library("z") or ctypes.util.find_library("m")
        if not other:
            self.skipTest("no libz or libm to load")
        r = run_python("import usd1pay; usd1pay.version()", {"USD1PAY_LIBRARY": other})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("is not libusd1pay", r.stderr)

    def test_importing_needs_no_library(self) -> None:
        r = run_python("import usd1pay; print(usd1pay.__version__)",
                       {"USD1PAY_LIBRARY": "/nonexistent/libusd1pay.so"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), usd1pay.__version__)

    def test_every_c_function_is_exported_and_declared(self) -> None:
        lib = usd1pay._native.lib()
        self.assertEqual(lib.missing, [], "functions the binding declares but the library lacks")
        header = os.environ.get("USD1PAY_HEADER")
        if header:
            with open(header, encoding="utf-8") as f:
                declared = set(re.findall(r"USD1PAY_EXTERN [^;]*?\b(usd1pay_\w+)\(", f.read()))
            self.assertEqual(declared - set(usd1pay._native._PROTOTYPES), set(),
                             "header functions without a ctypes prototype")


    def test_unchecked_functions_are_second_bindings_without_argtypes(self) -> None:
        # The hot paths call these (no from_param per argument); the checked
        # ones keep their prototypes and still refuse a wrong argument.
        lib = usd1pay._native.lib()
        for name in usd1pay._native._UNCHECKED:
            short = name[len("usd1pay_"):]
            checked, unchecked = getattr(lib, short), getattr(lib, "unchecked_" + short)
            self.assertIsNot(checked, unchecked, name)
            self.assertIsNone(unchecked.argtypes, name)
            self.assertEqual(unchecked.restype, usd1pay._native._PROTOTYPES[name][0], name)
            self.assertEqual(checked.argtypes, usd1pay._native._PROTOTYPES[name][1], name)
        with self.assertRaises(ctypes.ArgumentError):
            lib.intent_get(None, None, "a str, not bytes")

class ErrorClassTest(unittest.TestCase):
    def test_each_code_maps_to_its_class_and_the_header_name(self) -> None:
        lib = usd1pay._native.lib()
        expected = {
            -1: usd1pay.InvalidArgument, -2: usd1pay.ChecksumMismatch, -3: usd1pay.OutOfRange,
            -4: usd1pay.Unsupported, -5: usd1pay.NotFound, -6: usd1pay.AlreadyExists,
            -7: usd1pay.Conflict, -8: usd1pay.InvalidState, -9: usd1pay.IoError,
            -10: usd1pay.Unavailable, -11: usd1pay.InternalError, -12: usd1pay.BufferTooSmall,
            -13: usd1pay.OutOfMemory, -14: usd1pay.Closed,
        }
        for code, cls in expected.items():
            err = lib.error(code)
            self.assertIs(type(err), cls, code)
            self.assertEqual(err.code, code)
            self.assertEqual(cls.CODE, code)
            self.assertIsInstance(err, usd1pay.Usd1payError)
            # The name comes from the library and agrees with the binding's table.
            self.assertEqual(err.name, usd1pay.errors.CODE_NAMES[code])

    def test_an_unknown_code_is_the_base_class(self) -> None:
        err = usd1pay._native.lib().error(-99)
        self.assertIs(type(err), usd1pay.Usd1payError)
        self.assertEqual(err.code, -99)
        self.assertEqual(err.name, "USD1PAY_UNKNOWN")

    def test_str_has_message_and_name(self) -> None:
        err = usd1pay.NotFound(-5, "USD1PAY_ENOTFOUND", "intent: pi_x not found")
        self.assertEqual(str(err), "intent: pi_x not found (USD1PAY_ENOTFOUND)")
        self.assertEqual(err.args, (-5, "USD1PAY_ENOTFOUND", "intent: pi_x not found"))


if __name__ == "__main__":
    unittest.main()
