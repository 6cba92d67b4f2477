<?php

declare(strict_types=1);

namespace Usd1pay;

use FFI;
use FFI\CData;

/**
 * @internal The C library through PHP's FFI: loading, the declarations, and
 * the helpers every call uses. Not part of the binding's public API.
 *
 * FFI::cdef() cannot read include/usd1pay/usd1pay.h itself (its macros), so
 * CDEF repeats its types and functions; tests/run.php checks them against the
 * header, declaration by declaration.
 *
 * Memory: a string or byte buffer the library returns through a `char **`
 * output is copied with FFI::string() and freed with usd1pay_free() before a
 * wrapper returns, on success and on failure alike. Strings passed in are
 * PHP strings (FFI hands the C side a pointer to their bytes for the call);
 * strings that must sit in a struct or an array are copied to C memory that
 * lives as long as the PHP value holding it.
 */
final class Native
{
    public const ABI_VERSION = 1;
    public const QR_OPTIONS_VERSION = 1;
    public const OPEN_OPTIONS_VERSION = 1;

    public const CDEF = <<<'C'
        typedef struct usd1pay_processor usd1pay_processor;
        typedef struct usd1pay_qr_options {
          unsigned int version;
          int error_correction;
          int quiet_zone;
          int png_module_pixels;
          int svg_size_px;
          int terminal_style;
        } usd1pay_qr_options;
        typedef struct usd1pay_open_options {
          unsigned int version;
          const char* store_path;
          unsigned int poll_interval_ms;
        } usd1pay_open_options;

        const char* usd1pay_version(void);
        int usd1pay_version_number(void);
        int usd1pay_abi_version(void);
        unsigned int usd1pay_features(void);
        const char* usd1pay_error_last(void);
        int usd1pay_error_last_code(void);
        void usd1pay_error_clear(void);
        const char* usd1pay_error_name(int code);
        void usd1pay_free(void* ptr);
        size_t usd1pay_address_max(void);
        int usd1pay_address_validate(char* canonical, size_t canonical_size, const char* chain,
                                     const char* address);
        int usd1pay_qr_options_init(usd1pay_qr_options* opts, unsigned int version);
        int usd1pay_qr_svg(char** out, const char* payload, const usd1pay_qr_options* opts);
        int usd1pay_qr_png(unsigned char** out, size_t* out_len, const char* payload,
                           const usd1pay_qr_options* opts);
        int usd1pay_qr_terminal(char** out, const char* payload, const usd1pay_qr_options* opts);
        int usd1pay_webhook_verify(const char* const* secrets, size_t secret_count, const char* id,
                                   const char* timestamp, const char* signature,
                                   const unsigned char* body, size_t body_len, int64_t now,
                                   int64_t tolerance_seconds);
        int usd1pay_open_options_init(usd1pay_open_options* opts, unsigned int version);
        int usd1pay_processor_open(usd1pay_processor** out, const char* config_path,
                                   const usd1pay_open_options* opts);
        int usd1pay_processor_open_json(usd1pay_processor** out, const char* config_json,
                                        const usd1pay_open_options* opts);
        int usd1pay_processor_close(usd1pay_processor* p);
        void usd1pay_processor_free(usd1pay_processor* p);
        int usd1pay_intent_create(char** out_intent_json, usd1pay_processor* p,
                                  const char* request_json);
        int usd1pay_intent_get(char** out_intent_json, usd1pay_processor* p, const char* intent_id);
        int usd1pay_intent_list(char** out_list_json, usd1pay_processor* p, const char* query_json);
        int usd1pay_intent_cancel(char** out_intent_json, usd1pay_processor* p,
                                  const char* intent_id, const char* actor);
        int usd1pay_intent_expire_due(size_t* out_count, usd1pay_processor* p);
        int usd1pay_events_list(char** out_events_json, usd1pay_processor* p, const char* intent_id,
                                uint64_t after_seq, unsigned int limit);
        int usd1pay_lookup(char** out_json, usd1pay_processor* p, const char* query);
        int usd1pay_tracker_poll_once(char** out_report_json, usd1pay_processor* p);
        int usd1pay_tracker_start(usd1pay_processor* p);
        int usd1pay_tracker_stop(usd1pay_processor* p);
        int usd1pay_tracker_stats(char** out_stats_json, usd1pay_processor* p);
        int usd1pay_sim_pay(char** out_tx_hash, usd1pay_processor* p, const char* intent_id,
                            const char* amount);
        int usd1pay_sim_mine(uint64_t* out_head, usd1pay_processor* p, const char* chain,
                             unsigned int blocks);
        int usd1pay_webhook_endpoint_add(char** out_endpoint_json, usd1pay_processor* p,
                                         const char* endpoint_json);
        int usd1pay_webhook_endpoint_list(char** out_json, usd1pay_processor* p);
        int usd1pay_webhooks_start(usd1pay_processor* p);
        int usd1pay_webhooks_stop(usd1pay_processor* p);
        int usd1pay_webhooks_drain(char** out_report_json, usd1pay_processor* p,
                                   unsigned int timeout_ms);
        int usd1pay_export(char** out_result_json, usd1pay_processor* p, const char* params_json);
        C;

    private static ?FFI $ffi = null;
    private static string $path = '';

    /** The library, loaded on first use. */
    public static function ffi(): FFI
    {
        if (self::$ffi === null) {
            self::load();
        }
        return self::$ffi;
    }

    /** The library file that was loaded. */
    public static function libraryPath(): string
    {
        self::ffi();
        return self::$path;
    }

    /** Where the library is looked for: USD1PAY_LIBRARY, beside the package, the system's. */
    private static function candidates(): array
    {
        $env = getenv('USD1PAY_LIBRARY');
        if (is_string($env) && $env !== '') {
            return [$env];
        }
        $out = [];
        foreach (['libusd1pay.so.1', 'libusd1pay.so'] as $name) {
            $here = dirname(__DIR__) . '/' . $name;
            if (is_file($here)) {
                $out[] = $here;
            }
        }
        $out[] = 'libusd1pay.so.1';
        return $out;
    }

    private static function load(): void
    {
        if (!extension_loaded('ffi')) {
            throw new \RuntimeException('usd1pay: the PHP FFI extension is not loaded');
        }
        $tried = [];
        foreach (self::candidates() as $file) {
            try {
                $ffi = FFI::cdef(self::CDEF, $file);
            } catch (FFI\Exception $e) {
                $tried[] = $file . ': ' . $e->getMessage();
                continue;
            }
            $abi = $ffi->usd1pay_abi_version();
            if ($abi !== self::ABI_VERSION) {
                throw new \RuntimeException(
                    "usd1pay: $file has ABI version $abi, this binding needs " . self::ABI_VERSION
                );
            }
            self::$ffi = $ffi;
            self::$path = $file;
            return;
        }
        throw new \RuntimeException(
            'usd1pay: cannot load the usd1pay C library (set USD1PAY_LIBRARY to the path of '
            . 'libusd1pay.so); tried ' . implode('; ', $tried)
        );
    }

    /** The exception for a failed call: read at once, before any other call. */
    public static function error(int $rc): Usd1payException
    {
        $message = self::ffi()->usd1pay_error_last();
        if ($message === '') {
            $message = Usd1payException::nameOf($rc);
        }
        return new Usd1payException($message, $rc);
    }

    public static function check(int $rc): void
    {
        if ($rc !== 0) {
            throw self::error($rc);
        }
    }

    /** A `char *` output's text, freed; null for NULL. */
    public static function take(CData $out, ?int $len = null): ?string
    {
        if (FFI::isNull($out)) {
            return null;
        }
        try {
            return $len === null ? FFI::string($out) : FFI::string($out, $len);
        } finally {
            self::ffi()->usd1pay_free($out);
        }
    }

    /**
     * Calls a function with one leading `char **` output and returns the
     * text it wrote; throws on failure (the reply written anyway, as
     * poll-once's report when a chain failed, is in getReply()).
     */
    public static function callText(string $fn, ...$args): string
    {
        $ffi = self::ffi();
        $out = $ffi->new('char*');
        $rc = $ffi->$fn(FFI::addr($out), ...$args);
        if ($rc !== 0) {
            $e = self::error($rc);
            $text = self::take($out);
            if ($text !== null) {
                $e->setReply(self::decode($text));
            }
            throw $e;
        }
        $text = self::take($out);
        if ($text === null) {
            throw new Usd1payException("$fn: the library returned no reply", Usd1payException::EINTERNAL);
        }
        return $text;
    }

    /** callText(), the reply decoded from JSON to arrays. */
    public static function callJson(string $fn, ...$args): array
    {
        return self::decode(self::callText($fn, ...$args));
    }

    private static function decode(string $json): array
    {
        return json_decode($json, true, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
    }

    /** A string for the C side: no NUL bytes (C would stop at the first). */
    public static function cstring(string $what, string $v): string
    {
        $nul = strpos($v, "\0");
        if ($nul !== false) {
            throw new Usd1payException("$what: NUL byte at position $nul", Usd1payException::EINVALID);
        }
        return $v;
    }

    /** An amount: a decimal string only; a float or an int is a TypeError. */
    public static function amount(string $what, mixed $v): string
    {
        if (!is_string($v)) {
            throw new \TypeError(
                "usd1pay: $what must be a decimal string such as \"25.00\", not "
                . get_debug_type($v) . ' (money is never floating point)'
            );
        }
        return self::cstring($what, $v);
    }

    /**
     * C memory holding a copy of $s and its NUL, as `const char *`; the
     * returned pair's first element keeps the memory alive.
     *
     * @return array{0: CData, 1: CData}
     */
    public static function cCopy(string $s): array
    {
        $ffi = self::ffi();
        $buf = $ffi->new('char[' . (strlen($s) + 1) . ']');
        if ($s !== '') {
            FFI::memcpy($buf, $s, strlen($s));
        }
        return [$buf, $ffi->cast('const char*', FFI::addr($buf[0]))];
    }

    /** A byte buffer with a copy of $bytes (at least one byte, for a valid pointer). */
    public static function bytes(string $bytes): CData
    {
        $buf = self::ffi()->new('unsigned char[' . max(1, strlen($bytes)) . ']');
        if ($bytes !== '') {
            FFI::memcpy($buf, $bytes, strlen($bytes));
        }
        return $buf;
    }

    /**
     * A request array as the C side's JSON object: top-level keys in
     * camelCase become snake_case (orderId => order_id; snake_case passes as
     * is). Unknown keys are left for the library, which refuses them naming
     * the key. The keys in $amountKeys must hold decimal strings.
     */
    public static function requestJson(string $what, array $request, array $amountKeys = []): string
    {
        $out = [];
        foreach ($request as $k => $v) {
            if (!is_string($k)) {
                throw new Usd1payException("$what: key $k is not a name", Usd1payException::EINVALID);
            }
            $key = strtolower(preg_replace('/[A-Z]/', '_$0', $k));
            if (array_key_exists($key, $out)) {
                throw new Usd1payException(
                    "$what: key \"$key\" given twice (as \"$k\")",
                    Usd1payException::EINVALID
                );
            }
            if (in_array($key, $amountKeys, true)) {
                $v = self::amount("$what: $key", $v);
            }
            if ($key === 'metadata' && $v === []) {
                $v = new \stdClass(); // an empty PHP array would be a JSON list
            }
            $out[$key] = $v;
        }
        return json_encode(
            (object) $out,
            JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE
        );
    }
}
