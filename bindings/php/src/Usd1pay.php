<?php

declare(strict_types=1);

namespace Usd1pay;

use FFI;

/**
 * What needs no processor: QR codes, address validation, webhook
 * verification, versions. Every method throws Usd1payException on failure.
 */
final class Usd1pay
{
    public const FEATURE_SQLITE = 0x01;
    public const FEATURE_EVM_RPC = 0x02;
    public const FEATURE_TLS = 0x04;
    public const FEATURE_PNG = 0x08;
    public const FEATURE_SIM = 0x10;
    public const FEATURE_THREADS = 0x20;

    /** The default tolerance of webhook timestamps, in seconds. */
    public const WEBHOOK_TOLERANCE_DEFAULT = 300;

    private const EC_LEVELS = ['L' => 0, 'M' => 1, 'Q' => 2, 'H' => 3];
    private const TERMINAL_STYLES = ['dark' => 0, 'light' => 1, 'ansi' => 2];

    private function __construct()
    {
    }

    /** The library's version, "MAJOR.MINOR.PATCH". */
    public static function version(): string
    {
        return Native::ffi()->usd1pay_version();
    }

    /**
     * The library's optional features.
     *
     * @return array{bits: int, sqlite: bool, evm_rpc: bool, tls: bool, png: bool, sim: bool, threads: bool}
     */
    public static function features(): array
    {
        $bits = Native::ffi()->usd1pay_features();
        return [
            'bits' => $bits,
            'sqlite' => ($bits & self::FEATURE_SQLITE) !== 0,
            'evm_rpc' => ($bits & self::FEATURE_EVM_RPC) !== 0,
            'tls' => ($bits & self::FEATURE_TLS) !== 0,
            'png' => ($bits & self::FEATURE_PNG) !== 0,
            'sim' => ($bits & self::FEATURE_SIM) !== 0,
            'threads' => ($bits & self::FEATURE_THREADS) !== 0,
        ];
    }

    /** The name of a return code as the library says it ("USD1PAY_ENOTFOUND"). */
    public static function errorName(int $code): string
    {
        if ($code < -2147483648 || $code > 2147483647) {
            return 'USD1PAY_UNKNOWN';
        }
        return Native::ffi()->usd1pay_error_name($code);
    }

    /** The library file that was loaded. */
    public static function libraryPath(): string
    {
        return Native::libraryPath();
    }

    /**
     * The QR code of $payload (a payment URI) as an SVG document. Options:
     * error_correction ("L", "M", "Q", "H"), quiet_zone, svg_size_px.
     */
    public static function qrSvg(string $payload, array $options = []): string
    {
        $o = self::qrOptions($options);
        $p = Native::cstring('QR payload', $payload);
        return Native::callText('usd1pay_qr_svg', $p, $o === null ? null : FFI::addr($o));
    }

    /** The QR code of $payload as PNG bytes. Options as qrSvg(), and png_module_pixels. */
    public static function qrPng(string $payload, array $options = []): string
    {
        $p = Native::cstring('QR payload', $payload);
        $o = self::qrOptions($options);
        $ffi = Native::ffi();
        $out = $ffi->new('unsigned char*');
        $len = $ffi->new('size_t');
        $rc = $ffi->usd1pay_qr_png(FFI::addr($out), FFI::addr($len), $p, $o === null ? null : FFI::addr($o));
        if ($rc !== 0) {
            $e = Native::error($rc);
            Native::take($out);
            throw $e;
        }
        return Native::take($out, $len->cdata) ?? '';
    }

    /**
     * The QR code of $payload as text for a terminal (Unicode half blocks).
     * Options as qrSvg(), and terminal_style ("dark", "light", "ansi").
     */
    public static function qrTerminal(string $payload, array $options = []): string
    {
        $o = self::qrOptions($options);
        $p = Native::cstring('QR payload', $payload);
        return Native::callText('usd1pay_qr_terminal', $p, $o === null ? null : FFI::addr($o));
    }

    private static function qrOptions(array $options): ?FFI\CData
    {
        if ($options === []) {
            return null;
        }
        $ffi = Native::ffi();
        $o = $ffi->new('usd1pay_qr_options');
        Native::check($ffi->usd1pay_qr_options_init(FFI::addr($o), Native::QR_OPTIONS_VERSION));
        foreach ($options as $k => $v) {
            $key = is_string($k) ? strtolower(preg_replace('/[A-Z]/', '_$0', $k)) : (string) $k;
            switch ($key) {
                case 'error_correction':
                    if (!is_string($v) || !isset(self::EC_LEVELS[$v])) {
                        throw new Usd1payException(
                            'QR options: error_correction must be "L", "M", "Q" or "H", not ' . var_export($v, true),
                            Usd1payException::EINVALID
                        );
                    }
                    $o->error_correction = self::EC_LEVELS[$v];
                    break;
                case 'terminal_style':
                    if (!is_string($v) || !isset(self::TERMINAL_STYLES[$v])) {
                        throw new Usd1payException(
                            'QR options: terminal_style must be "dark", "light" or "ansi", not ' . var_export($v, true),
                            Usd1payException::EINVALID
                        );
                    }
                    $o->terminal_style = self::TERMINAL_STYLES[$v];
                    break;
                case 'quiet_zone':
                case 'png_module_pixels':
                case 'svg_size_px':
                    if (!is_int($v)) {
                        throw new \TypeError("usd1pay: QR options: $key must be an int, not " . get_debug_type($v));
                    }
                    if ($v < -2147483648 || $v > 2147483647) {
                        throw new Usd1payException("QR options: $key: $v is out of range", Usd1payException::ERANGE);
                    }
                    $o->$key = $v;
                    break;
                default:
                    throw new Usd1payException("QR options: unknown key \"$k\"", Usd1payException::EINVALID);
            }
        }
        return $o;
    }

    /**
     * Checks an address for a chain (a CAIP-2 id or "evm", "tron", "solana")
     * and returns its canonical spelling; throws EINVALID or ECHECKSUM.
     */
    public static function validateAddress(string $chain, string $address): string
    {
        $ffi = Native::ffi();
        $ch = Native::cstring('chain', $chain);
        $a = Native::cstring('address', $address);
        $size = $ffi->usd1pay_address_max();
        $buf = $ffi->new("char[$size]");
        Native::check($ffi->usd1pay_address_validate($buf, $size, $ch, $a));
        return FFI::string($buf);
    }

    /**
     * Verifies a received webhook (Standard Webhooks) before trusting it.
     *
     * @param string|string[] $secrets the endpoint's secret "whsec_...", or
     *   several during a rotation
     * @param array<string, string|string[]> $headers the request headers (any
     *   case): getallheaders(), PSR-7 getHeaders() or $_SERVER all fit
     * @param string $body the raw body exactly as received
     *   (file_get_contents('php://input'))
     * @param int|null $now Unix seconds; null reads the clock
     * @param int|null $toleranceSeconds null: 300
     *
     * Returns when genuine; throws Usd1payException otherwise: ECHECKSUM (no
     * signature matches), ERANGE (timestamp outside the tolerance), EINVALID
     * (a missing or malformed header or secret).
     */
    public static function verifyWebhook(
        string|array $secrets,
        array $headers,
        string $body,
        ?int $now = null,
        ?int $toleranceSeconds = null
    ): void {
        $list = is_string($secrets) ? [$secrets] : array_values($secrets);
        if ($list === []) {
            throw new \TypeError('usd1pay: webhook secrets must be a string or a non-empty array of strings');
        }
        $ffi = Native::ffi();
        $keep = [];
        $arr = $ffi->new('const char*[' . count($list) . ']');
        foreach ($list as $i => $s) {
            if (!is_string($s)) {
                throw new \TypeError("usd1pay: webhook secret $i must be a string, not " . get_debug_type($s));
            }
            [$keep[], $arr[$i]] = Native::cCopy(Native::cstring("webhook: secret $i", $s));
        }
        $id = self::header($headers, 'webhook-id');
        $timestamp = self::header($headers, 'webhook-timestamp');
        $signature = self::header($headers, 'webhook-signature');
        if ($now !== null && $now <= 0) {
            throw new Usd1payException("webhook: now: $now is not a positive Unix time", Usd1payException::ERANGE);
        }
        if ($toleranceSeconds !== null && $toleranceSeconds < 0) {
            throw new Usd1payException("webhook: tolerance: $toleranceSeconds is negative", Usd1payException::ERANGE);
        }
        Native::check($ffi->usd1pay_webhook_verify(
            $arr,
            count($list),
            $id,
            $timestamp,
            $signature,
            Native::bytes($body),
            strlen($body),
            $now ?? 0,
            $toleranceSeconds ?? -1
        ));
    }

    private static function header(array $headers, string $name): string
    {
        foreach ($headers as $k => $v) {
            if (!is_string($k)) {
                continue;
            }
            // "Webhook-Id", "webhook-id", and $_SERVER's "HTTP_WEBHOOK_ID".
            $key = strtolower(str_replace('_', '-', $k));
            if (str_starts_with($key, 'http-')) {
                $key = substr($key, 5);
            }
            if ($key === $name) {
                if (is_array($v)) {
                    $v = implode(' ', $v);
                }
                if (!is_string($v)) {
                    throw new \TypeError("usd1pay: webhook: header $name must be a string, not " . get_debug_type($v));
                }
                return Native::cstring("webhook: header $name", $v);
            }
        }
        throw new Usd1payException("webhook: header $name is missing", Usd1payException::EINVALID);
    }
}
