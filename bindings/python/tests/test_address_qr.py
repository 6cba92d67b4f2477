"""validate_address and the QR renderers; PNGs are decoded by zbarimg, a reader
nobody here wrote."""

from __future__ import annotations

import shutil
import subprocess
import unittest

from support import CHAIN, FIRST_ADDRESS, TOKEN, TempDirTest, assert_error, child_env, usd1pay

URI = (f"ethereum:{TOKEN}@1337/transfer?address={FIRST_ADDRESS}"
       "&uint256=25000000000000000000")


class AddressTest(unittest.TestCase):
    def test_lower_case_becomes_eip55(self) -> None:
        self.assertEqual(usd1pay.validate_address("evm", FIRST_ADDRESS.lower()), FIRST_ADDRESS)
        self.assertEqual(usd1pay.validate_address(CHAIN, FIRST_ADDRESS), FIRST_ADDRESS)

    def test_tron_and_solana(self) -> None:
        tron = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
        self.assertEqual(usd1pay.validate_address("tron", tron), tron)
        sol = "3Koo8UGnRrxpiK1hMaXeqmw7L9DxWmcexfuVrW28hML7"
        self.assertEqual(usd1pay.validate_address("solana", sol), sol)

    def test_wrong_checksum(self) -> None:
        # The first letter's case flipped.
        i = next(i for i, c in enumerate(FIRST_ADDRESS) if i > 1 and c.isalpha())
        bad = FIRST_ADDRESS[:i] + FIRST_ADDRESS[i].swapcase() + FIRST_ADDRESS[i + 1:]
        self.assertNotEqual(bad, FIRST_ADDRESS)
        assert_error(self, usd1pay.ChecksumMismatch, usd1pay.validate_address, "evm", bad)
        tron_bad = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u"
        assert_error(self, usd1pay.ChecksumMismatch, usd1pay.validate_address, "tron", tron_bad)

    def test_bad_character_names_the_position(self) -> None:
        bad = FIRST_ADDRESS[:10] + "g" + FIRST_ADDRESS[11:]
        err = assert_error(self, usd1pay.InvalidArgument, usd1pay.validate_address, "evm", bad)
        self.assertIn("10", err.message)
        self.assertIn("'g'", err.message)

    def test_unknown_chain_and_empty(self) -> None:
        assert_error(self, usd1pay.InvalidArgument, usd1pay.validate_address, "bitcoin",
                     FIRST_ADDRESS)
        assert_error(self, usd1pay.InvalidArgument, usd1pay.validate_address, "evm", "")

    def test_nul_is_refused_before_the_library_truncates_it(self) -> None:
        # ctypes would pass only the part before the NUL, which is valid.
        assert_error(self, usd1pay.InvalidArgument, usd1pay.validate_address, "evm",
                     FIRST_ADDRESS + "\0junk", contains="address: NUL character at position 42")

    def test_wrong_types(self) -> None:
        with self.assertRaises(TypeError):
            usd1pay.validate_address("evm", FIRST_ADDRESS.encode())  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            usd1pay.validate_address(None, FIRST_ADDRESS)  # type: ignore[arg-type]


def zbar(path: str) -> str:
    r = subprocess.run(["zbarimg", "--raw", "-q", "-Sbinary", "--nodbus", path],
                       capture_output=True, timeout=60, env=child_env())
    if r.returncode != 0:
        raise AssertionError(f"zbarimg {path}: {r.returncode} {r.stderr!r}")
    out = r.stdout.decode("utf-8")
    return out[:-1] if out.endswith("\n") else out


class QrTest(TempDirTest):
    def test_png_has_the_signature_and_decodes_to_the_uri(self) -> None:
        png = usd1pay.qr_png(URI)
        self.assertIsInstance(png, bytes)
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        if shutil.which("zbarimg") is None:
            self.fail("zbarimg is needed (Debian zbar-tools; scripts/install-deps.sh)")
        path = self.path("qr.png")
        with open(path, "wb") as f:
            f.write(png)
        self.assertEqual(zbar(path), URI)

    def test_png_options_change_the_image(self) -> None:
        small = usd1pay.qr_png(URI, module_pixels=2, quiet_zone=0)
        big = usd1pay.qr_png(URI, module_pixels=10, error_correction="H")
        self.assertLess(len(small), len(big))
        path = self.path("h.png")
        with open(path, "wb") as f:
            f.write(big)
        self.assertEqual(zbar(path), URI)

    def test_svg(self) -> None:
        svg = usd1pay.qr_svg(URI, size_px=240)
        self.assertIsInstance(svg, str)
        self.assertIn("<svg", svg)
        self.assertIn('width="240"', svg)
        self.assertTrue(svg.rstrip().endswith("</svg>"))

    def test_terminal(self) -> None:
        text = usd1pay.qr_terminal(URI)
        lines = text.split("\n")
        self.assertEqual(lines[-1], "", "each line ends in a newline")
        self.assertTrue(any(ch in text for ch in "\u2580\u2584\u2588"), "half blocks")
        ansi = usd1pay.qr_terminal(URI, style="ansi")
        self.assertIn("\x1b[", ansi)
        self.assertNotEqual(usd1pay.qr_terminal(URI, style="light"), text)

    def test_unicode_payload(self) -> None:
        payload = "solana:3Koo8UGnRrxpiK1hMaXeqmw7L9DxWmcexfuVrW28hML7?label=Caf%C3%A9&memo=café"
        path = self.path("u.png")
        with open(path, "wb") as f:
            f.write(usd1pay.qr_png(payload))
        self.assertEqual(zbar(path), payload)

    def test_bad_input(self) -> None:
        assert_error(self, usd1pay.InvalidArgument, usd1pay.qr_svg, "")
        assert_error(self, usd1pay.OutOfRange, usd1pay.qr_png, "x" * 5000)
        assert_error(self, usd1pay.InvalidArgument, usd1pay.qr_svg, URI, error_correction="X",
                     contains="error_correction")
        assert_error(self, usd1pay.InvalidArgument, usd1pay.qr_terminal, URI, style="neon",
                     contains="style")
        # Refused by the library's own range check (0..64).
        assert_error(self, usd1pay.InvalidArgument, usd1pay.qr_svg, URI, quiet_zone=65)
        assert_error(self, usd1pay.InvalidArgument, usd1pay.qr_png, URI, module_pixels=0)
        # Too large for a C int: refused here rather than truncated to 4 by ctypes.
        assert_error(self, usd1pay.OutOfRange, usd1pay.qr_svg, URI, quiet_zone=2**32 + 4,
                     contains="qr: quiet_zone")
        assert_error(self, usd1pay.InvalidArgument, usd1pay.qr_svg, "a\0b",
                     contains="payload: NUL character at position 1")
        with self.assertRaises(TypeError):
            usd1pay.qr_svg(URI, quiet_zone=4.0)  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            usd1pay.qr_png(URI.encode())  # type: ignore[arg-type]


if __name__ == "__main__":
    unittest.main()
