/**
 * @file usd1pay.h
 * @brief usd1pay's C ABI: accept USD1 stablecoin payments from C, or from any
 * language with a C foreign-function interface (Python ctypes, Node koffi,
 * PHP FFI).
 *
 * This header is C99 and needs only usd1pay/version.h beside it. The shared
 * library is `libusd1pay.so` (soname `libusd1pay.so.1`; CMake target
 * `usd1pay::usd1pay_c`, pkg-config `usd1pay-c`); it exports only `usd1pay_*`
 * symbols. The C++ API is the static library `usd1pay::usd1pay`.
 *
 * CONVENTIONS (every function keeps them):
 * - A function returns `int`: #USD1PAY_OK (0) on success or one of the
 *   negative codes of ::usd1pay_error, each documented below and at each
 *   function. Decide by the code; usd1pay_error_last() says why, for people.
 * - Output parameters come first, then the handle the function operates on,
 *   then the inputs. On failure every output pointer is set to NULL / 0, and
 *   a buffer the caller passed in is not written.
 * - Whatever reaches the caller through a pointer-to-pointer is the caller's:
 *   strings and byte buffers are freed with usd1pay_free(), a processor with
 *   usd1pay_processor_free(). Both accept NULL. Nothing else is ever freed by
 *   the caller, and nothing the caller owns is freed by the library.
 * - Strings are NUL-terminated UTF-8, in and out. Amounts are exact decimal
 *   strings ("25.00"), never floating point. Times are ISO 8601 UTC with `Z`.
 * - Structured data crosses as JSON text (one object per call): the shapes
 *   are those of the C++ API and of the `usd1pay` command's `--json` output
 *   (docs/c-api.md). Unknown keys in a request are refused, naming the key,
 *   so that a typo never passes silently, and so are duplicate keys and
 *   values of the wrong type; a JSON null for an optional key means the key
 *   is absent. New optional keys may be added to replies, so readers must
 *   ignore keys they do not know.
 * - Option structs begin with `unsigned int version`; new fields are added
 *   only at the end. Initialise with the `*_INIT` macro or the `*_init()`
 *   function. A NULL options pointer means the defaults.
 * - Every size limit is both a macro and a function, for callers that cannot
 *   read macros.
 * - No C++ exception ever leaves the library: an unexpected one becomes
 *   #USD1PAY_EINTERNAL, and an allocation failure #USD1PAY_ENOMEM.
 *
 * THREAD SAFETY: every function may be called from any thread. One
 * ::usd1pay_processor may be shared by several threads: calls on it are safe
 * at the same time (the store serialises writes). From the moment
 * usd1pay_processor_close() is called it refuses new calls on the handle with
 * #USD1PAY_ECLOSED; it returns once the calls in progress have finished.
 * usd1pay_processor_free() must be the last call on a handle: no other thread
 * may use it during or after. The tracker and the webhook dispatcher, once
 * started, run on threads of their own until stopped or closed. The
 * last-error message is per thread.
 */
#ifndef USD1PAY_USD1PAY_H
#define USD1PAY_USD1PAY_H

#include <stddef.h>
#include <stdint.h>

#include "usd1pay/version.h"

/**
 * @def USD1PAY_EXTERN
 * Marks a function the shared library exports (default visibility).
 */
#if defined(_WIN32) && defined(USD1PAY_C_BUILDING)
#define USD1PAY_EXTERN __declspec(dllexport)
#elif defined(_WIN32)
#define USD1PAY_EXTERN __declspec(dllimport)
#elif defined(__GNUC__)
#define USD1PAY_EXTERN __attribute__((visibility("default")))
#else
#define USD1PAY_EXTERN
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** @name Versions
 * usd1pay/version.h defines USD1PAY_VERSION_MAJOR, _MINOR, _PATCH and
 * _STRING for this header; usd1pay_version() and usd1pay_version_number()
 * give the library's, which may be newer.
 * @{ */
/** The ABI generation: the soname's number. Changes only on a break. */
#define USD1PAY_ABI_VERSION 1
/** @} */

/**
 * The return codes: a closed set. Functions return 0 or one of these.
 */
typedef enum usd1pay_error {
  /** Success. */
  USD1PAY_OK = 0,
  /** An argument is wrong: NULL where a value is needed, malformed JSON, an
   * unknown key, an empty or malformed id, a bad amount or address. */
  USD1PAY_EINVALID = -1,
  /** A checksum does not match: an address whose EIP-55 / base58check
   * checksum is wrong, or a webhook whose signature matches no secret. */
  USD1PAY_ECHECKSUM = -2,
  /** A value is outside its range: an amount with too many decimals, an
   * expiry too short or too long, a webhook timestamp outside the
   * tolerance, a payload too large for a QR code. */
  USD1PAY_ERANGE = -3,
  /** The request is valid but not supported here (a chain family without
   * that feature, a SimChain operation on a real chain). */
  USD1PAY_EUNSUPPORTED = -4,
  /** No such intent, payment, chain or endpoint. */
  USD1PAY_ENOTFOUND = -5,
  /** It already exists (a webhook endpoint with that URL). */
  USD1PAY_EEXISTS = -6,
  /** A conflicting change: an idempotency key reused with other parameters,
   * or an object changed concurrently. */
  USD1PAY_ECONFLICT = -7,
  /** Not allowed in the current state: canceling an intent that is not
   * awaiting payment, starting a tracker that is running. */
  USD1PAY_ESTATE = -8,
  /** The store or a file could not be read or written. */
  USD1PAY_EIO = -9,
  /** A chain node or other service did not answer; retrying may help. */
  USD1PAY_EUNAVAILABLE = -10,
  /** A bug in usd1pay; the message says where. Please report it. */
  USD1PAY_EINTERNAL = -11,
  /** The caller's buffer is too small; nothing was written to it. */
  USD1PAY_EBUFS = -12,
  /** Memory could not be allocated. */
  USD1PAY_ENOMEM = -13,
  /** The processor was closed with usd1pay_processor_close(). */
  USD1PAY_ECLOSED = -14
} usd1pay_error;

/** @name Library
 * @{ */

/**
 * The library's version, "MAJOR.MINOR.PATCH".
 * @return a static string; never NULL; do not free.
 */
USD1PAY_EXTERN const char* usd1pay_version(void);

/**
 * The library's version as one number, MAJOR * 10000 + MINOR * 100 + PATCH.
 * @return the version number.
 */
USD1PAY_EXTERN int usd1pay_version_number(void);

/**
 * The ABI generation of the library (#USD1PAY_ABI_VERSION when it matches
 * this header).
 * @return the ABI version.
 */
USD1PAY_EXTERN int usd1pay_abi_version(void);

/** Feature bit: the embedded SQLite store. */
#define USD1PAY_FEATURE_SQLITE 0x01u
/** Feature bit: EVM chains through a JSON-RPC node. */
#define USD1PAY_FEATURE_EVM_RPC 0x02u
/** Feature bit: HTTPS for nodes and webhooks. */
#define USD1PAY_FEATURE_TLS 0x04u
/** Feature bit: PNG rendering of QR codes. */
#define USD1PAY_FEATURE_PNG 0x08u
/** Feature bit: the in-memory SimChain backend. */
#define USD1PAY_FEATURE_SIM 0x10u
/** Feature bit: background threads (tracker, webhook dispatcher). */
#define USD1PAY_FEATURE_THREADS 0x20u

/**
 * Which optional features this build has.
 * @return a bitwise OR of the `USD1PAY_FEATURE_*` bits.
 */
USD1PAY_EXTERN unsigned int usd1pay_features(void);

/**
 * Why the last failing call on this thread failed, naming what and where
 * ("intent: amount: bad character 'x' at position 2").
 * @return the message of the last failure on this thread, or "" when no call
 * on this thread has failed yet. Never NULL. Valid until the next usd1pay
 * call on this thread; do not free.
 */
USD1PAY_EXTERN const char* usd1pay_error_last(void);

/**
 * The code of the last failing call on this thread.
 * @return one of ::usd1pay_error, #USD1PAY_OK when none failed yet.
 */
USD1PAY_EXTERN int usd1pay_error_last_code(void);

/**
 * Forgets this thread's last error: usd1pay_error_last() returns "" and
 * usd1pay_error_last_code() #USD1PAY_OK until the next failure.
 */
USD1PAY_EXTERN void usd1pay_error_clear(void);

/**
 * The name of a return code, as in this header ("USD1PAY_ENOTFOUND").
 * @param code a return code.
 * @return a static string; "USD1PAY_UNKNOWN" for a value not in the set.
 */
USD1PAY_EXTERN const char* usd1pay_error_name(int code);

/**
 * Frees a string or byte buffer returned by this library. NULL is ignored.
 * @param ptr what a usd1pay function returned through a `char **` or
 * `unsigned char **` output.
 */
USD1PAY_EXTERN void usd1pay_free(void* ptr);

/** @} */

/** @name Addresses
 * @{ */

/** Bytes needed for any canonical address this library writes, NUL included. */
#define USD1PAY_ADDRESS_MAX 128

/**
 * #USD1PAY_ADDRESS_MAX as a function.
 * @return the buffer size that always suffices for usd1pay_address_validate().
 */
USD1PAY_EXTERN size_t usd1pay_address_max(void);

/**
 * Checks an address for a chain and writes its canonical spelling (EIP-55
 * mixed case for EVM chains; base58check for TRON; base58 for Solana).
 * @param canonical where to write the canonical spelling and a NUL; may be
 * NULL to only check.
 * @param canonical_size the size of `canonical` in bytes (ignored when it is
 * NULL).
 * @param chain a CAIP-2 chain id ("eip155:1", "tron:0x2b6653dc",
 * "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp") or a family ("evm", "tron",
 * "solana").
 * @param address the address as given by a person or a wallet.
 * @return #USD1PAY_OK when valid; #USD1PAY_EINVALID for a malformed address
 * (the message names the position) or an unknown chain; #USD1PAY_ECHECKSUM
 * when its checksum is wrong; #USD1PAY_EBUFS when `canonical_size` is too
 * small.
 */
USD1PAY_EXTERN int usd1pay_address_validate(char* canonical, size_t canonical_size,
                                            const char* chain, const char* address);

/** @} */

/** @name QR codes
 * @{ */

/** QR error correction level L (7%). */
#define USD1PAY_QR_EC_LOW 0
/** QR error correction level M (15%), the default. */
#define USD1PAY_QR_EC_MEDIUM 1
/** QR error correction level Q (25%). */
#define USD1PAY_QR_EC_QUARTILE 2
/** QR error correction level H (30%). */
#define USD1PAY_QR_EC_HIGH 3

/** Terminal QR for a light-on-dark terminal (the usual one). */
#define USD1PAY_QR_TERMINAL_DARK_BACKGROUND 0
/** Terminal QR for a dark-on-light terminal, or paper. */
#define USD1PAY_QR_TERMINAL_LIGHT_BACKGROUND 1
/** Terminal QR drawn black on white with ANSI colour codes, on any theme. */
#define USD1PAY_QR_TERMINAL_ANSI 2

/** The current version of ::usd1pay_qr_options. */
#define USD1PAY_QR_OPTIONS_VERSION 1

/** How a QR code is rendered. */
typedef struct usd1pay_qr_options {
  /** #USD1PAY_QR_OPTIONS_VERSION. */
  unsigned int version;
  /** One of the `USD1PAY_QR_EC_*` levels. */
  int error_correction;
  /** Light modules on each side, 0..64; the default is 4. */
  int quiet_zone;
  /** PNG only: pixels per module, 1..256; the default is 8. */
  int png_module_pixels;
  /** SVG only: width and height in CSS pixels; 0 (default) fills the
   * container. */
  int svg_size_px;
  /** Terminal only: one of the `USD1PAY_QR_TERMINAL_*` styles. */
  int terminal_style;
} usd1pay_qr_options;

/** The defaults of ::usd1pay_qr_options. */
#define USD1PAY_QR_OPTIONS_INIT \
  { USD1PAY_QR_OPTIONS_VERSION, USD1PAY_QR_EC_MEDIUM, 4, 8, 0, USD1PAY_QR_TERMINAL_DARK_BACKGROUND }

/**
 * Fills `opts` with the defaults, as #USD1PAY_QR_OPTIONS_INIT does.
 * @param opts the struct to fill.
 * @param version #USD1PAY_QR_OPTIONS_VERSION, the version the caller knows.
 * @return #USD1PAY_OK; #USD1PAY_EINVALID for NULL or an unknown version.
 */
USD1PAY_EXTERN int usd1pay_qr_options_init(usd1pay_qr_options* opts, unsigned int version);

/**
 * Renders `payload` (a payment URI) as a standalone SVG document.
 * @param out receives the SVG text; free with usd1pay_free().
 * @param payload the text to encode, 1..2331 bytes at level M.
 * @param opts rendering options, or NULL for the defaults.
 * @return #USD1PAY_OK; #USD1PAY_EINVALID for NULL, an empty payload or bad
 * options; #USD1PAY_ERANGE for a payload too long for a QR code.
 */
USD1PAY_EXTERN int usd1pay_qr_svg(char** out, const char* payload, const usd1pay_qr_options* opts);

/**
 * Renders `payload` as a 1-bit grayscale PNG image.
 * @param out receives the PNG bytes; free with usd1pay_free().
 * @param out_len receives the number of bytes.
 * @param payload the text to encode.
 * @param opts rendering options, or NULL for the defaults.
 * @return as usd1pay_qr_svg().
 */
USD1PAY_EXTERN int usd1pay_qr_png(unsigned char** out, size_t* out_len, const char* payload,
                                  const usd1pay_qr_options* opts);

/**
 * Renders `payload` as text for a terminal: two module rows per line in
 * Unicode half blocks, each line ending in a newline.
 * @param out receives the text; free with usd1pay_free().
 * @param payload the text to encode.
 * @param opts rendering options, or NULL for the defaults.
 * @return as usd1pay_qr_svg().
 */
USD1PAY_EXTERN int usd1pay_qr_terminal(char** out, const char* payload,
                                       const usd1pay_qr_options* opts);

/** @} */

/** @name Webhook verification (receiver side)
 * For a shop backend receiving usd1pay's webhooks; needs no processor.
 * @{ */

/** The default tolerance of webhook timestamps, in seconds. */
#define USD1PAY_WEBHOOK_TOLERANCE_DEFAULT 300

/**
 * Verifies a signed webhook (Standard Webhooks, v1 HMAC-SHA256).
 * @param secrets the endpoint's secrets ("whsec_..."); any one may have
 * signed (during a rotation there are two).
 * @param secret_count how many `secrets`, at least 1.
 * @param id the `webhook-id` header value.
 * @param timestamp the `webhook-timestamp` header value.
 * @param signature the `webhook-signature` header value.
 * @param body the raw request body, byte for byte as received.
 * @param body_len the body's length in bytes.
 * @param now the receiver's clock in Unix seconds; 0 reads the system clock.
 * @param tolerance_seconds how far the timestamp may be from `now`; a
 * negative value means #USD1PAY_WEBHOOK_TOLERANCE_DEFAULT.
 * @return #USD1PAY_OK when genuine; #USD1PAY_ECHECKSUM when no signature
 * matches; #USD1PAY_ERANGE when the timestamp is too old or too new;
 * #USD1PAY_EINVALID for NULL, a malformed header or a bad secret (naming
 * which).
 */
USD1PAY_EXTERN int usd1pay_webhook_verify(const char* const* secrets, size_t secret_count,
                                          const char* id, const char* timestamp,
                                          const char* signature, const unsigned char* body,
                                          size_t body_len, int64_t now, int64_t tolerance_seconds);

/** @} */

/** @name Processor
 * A processor is usd1pay for one configuration: its store, intents, chain
 * tracker and webhook dispatcher.
 * @{ */

/** An open configuration and store. Opaque. */
typedef struct usd1pay_processor usd1pay_processor;

/** The current version of ::usd1pay_open_options. */
#define USD1PAY_OPEN_OPTIONS_VERSION 1

/** How a processor is opened. */
typedef struct usd1pay_open_options {
  /** #USD1PAY_OPEN_OPTIONS_VERSION. */
  unsigned int version;
  /** The SQLite store file; NULL: the configuration's `store.path`. */
  const char* store_path;
  /** The background tracker's poll interval in milliseconds; 0: 2000. */
  unsigned int poll_interval_ms;
} usd1pay_open_options;

/** The defaults of ::usd1pay_open_options. */
#define USD1PAY_OPEN_OPTIONS_INIT \
  { USD1PAY_OPEN_OPTIONS_VERSION, NULL, 0 }

/**
 * Fills `opts` with the defaults, as #USD1PAY_OPEN_OPTIONS_INIT does.
 * @param opts the struct to fill.
 * @param version #USD1PAY_OPEN_OPTIONS_VERSION, the version the caller knows.
 * @return #USD1PAY_OK; #USD1PAY_EINVALID for NULL or an unknown version.
 */
USD1PAY_EXTERN int usd1pay_open_options_init(usd1pay_open_options* opts, unsigned int version);

/**
 * Opens a processor from a configuration file (docs/config.md): checks the
 * configuration, opens (or creates) the store, syncs the configured webhook
 * endpoints into it. The tracker's first scan of a chain the store has no
 * cursor for starts at the chain's configured "start_block", or a few
 * blocks below the head without one; a chain with a cursor goes on from it.
 * @param out receives the processor; free with usd1pay_processor_free().
 * @param config_path the configuration file.
 * @param opts options, or NULL for the defaults.
 * @return #USD1PAY_OK; #USD1PAY_EINVALID for a bad configuration (the message
 * names the file, line and key), bad options, or a store file that is not
 * usd1pay's; #USD1PAY_ERANGE, #USD1PAY_EUNSUPPORTED or #USD1PAY_ECHECKSUM for
 * a configuration value out of range, not supported here (an unknown
 * backend), or with a bad checksum (an address, an xpub); #USD1PAY_ESTATE for
 * a store written by a newer usd1pay; #USD1PAY_EIO when the file or the store
 * cannot be read.
 */
USD1PAY_EXTERN int usd1pay_processor_open(usd1pay_processor** out, const char* config_path,
                                          const usd1pay_open_options* opts);

/**
 * Opens a processor from configuration JSON text, as usd1pay_processor_open().
 * @param out receives the processor; free with usd1pay_processor_free().
 * @param config_json the configuration as JSON text.
 * @param opts options, or NULL for the defaults.
 * @return as usd1pay_processor_open().
 */
USD1PAY_EXTERN int usd1pay_processor_open_json(usd1pay_processor** out, const char* config_json,
                                               const usd1pay_open_options* opts);

/**
 * Closes a processor: stops its tracker and webhook dispatcher (attempts in
 * flight finish and are recorded), waits for calls in progress, closes the
 * store. Every later call on it returns #USD1PAY_ECLOSED, except
 * usd1pay_processor_close() (again #USD1PAY_OK) and usd1pay_processor_free().
 * @param p the processor.
 * @return #USD1PAY_OK; #USD1PAY_EINVALID for NULL.
 */
USD1PAY_EXTERN int usd1pay_processor_close(usd1pay_processor* p);

/**
 * Closes the processor if it is open and frees it. NULL is ignored.
 * @param p the processor, or NULL.
 */
USD1PAY_EXTERN void usd1pay_processor_free(usd1pay_processor* p);

/** @} */

/** @name Intents
 * A payment intent is one expected payment for one order.
 * @{ */

/**
 * Creates a payment intent: the exact token amount at par, a deposit address
 * (or Solana Pay reference), the payment URI; writes it with its
 * `intent.created` event.
 * @param out_intent_json receives the intent as JSON (id, order_id, status,
 * chain, token, amount, amount_due, deposit_address, payment_uri,
 * expires_at, ...); free with usd1pay_free().
 * @param p the processor.
 * @param request_json the request: {"order_id": "...", "amount": "25.00"},
 * optionally "chain" (CAIP-2), "token" (symbol), "idempotency_key",
 * "expires_in_seconds" (integer), "metadata" (an object), "actor".
 * @return #USD1PAY_OK; #USD1PAY_EINVALID for a bad request (the message names
 * the field); #USD1PAY_ERANGE for an amount or expiry out of range;
 * #USD1PAY_ECONFLICT for an idempotency key used with other parameters;
 * #USD1PAY_EIO for a store failure; #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_intent_create(char** out_intent_json, usd1pay_processor* p,
                                         const char* request_json);

/**
 * Reads one intent.
 * @param out_intent_json receives the intent as JSON; free with usd1pay_free().
 * @param p the processor.
 * @param intent_id the intent's id ("pi_...").
 * @return #USD1PAY_OK; #USD1PAY_EINVALID for a malformed id; #USD1PAY_ENOTFOUND
 * for an unknown one; #USD1PAY_EIO; #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_intent_get(char** out_intent_json, usd1pay_processor* p,
                                      const char* intent_id);

/**
 * Lists intents, newest first, a page at a time.
 * @param out_list_json receives {"intents": [...], "next_cursor": "..."}
 * (next_cursor is "" on the last page); free with usd1pay_free().
 * @param p the processor.
 * @param query_json NULL for the first 100, or an object with any of
 * "status", "order_id", "created_from", "created_to" (ISO 8601), "limit"
 * (1..1000), "cursor".
 * @return #USD1PAY_OK; #USD1PAY_EINVALID for a bad query; #USD1PAY_ERANGE for
 * a limit outside 1..1000; #USD1PAY_EIO; #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_intent_list(char** out_list_json, usd1pay_processor* p,
                                       const char* query_json);

/**
 * Cancels an intent that is awaiting payment (status requires_payment).
 * @param out_intent_json receives the canceled intent as JSON; free with
 * usd1pay_free().
 * @param p the processor.
 * @param intent_id the intent's id.
 * @param actor who cancels (an API key name), or NULL for the configuration's
 * actor.
 * @return #USD1PAY_OK; #USD1PAY_ESTATE when the intent is in another status
 * (the message names it); #USD1PAY_EINVALID; #USD1PAY_ENOTFOUND;
 * #USD1PAY_EIO; #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_intent_cancel(char** out_intent_json, usd1pay_processor* p,
                                         const char* intent_id, const char* actor);

/**
 * Runs the expiry sweep: intents awaiting payment past their expiry become
 * expired. The background tracker runs it after every poll.
 * @param out_count receives how many intents expired; may be NULL.
 * @param p the processor.
 * @return #USD1PAY_OK; #USD1PAY_EIO; #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_intent_expire_due(size_t* out_count, usd1pay_processor* p);

/**
 * Lists events in their global order (the audit log).
 * @param out_events_json receives {"events": [...], "next_after_seq": N};
 * free with usd1pay_free().
 * @param p the processor.
 * @param intent_id only this intent's events, or NULL for all.
 * @param after_seq only events after this sequence number (0: from the
 * start).
 * @param limit at most this many, 1..10000.
 * @return #USD1PAY_OK; #USD1PAY_EINVALID for NULL or an empty or malformed
 * intent id; #USD1PAY_ERANGE for a limit outside 1..10000; #USD1PAY_EIO;
 * #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_events_list(char** out_events_json, usd1pay_processor* p,
                                       const char* intent_id, uint64_t after_seq,
                                       unsigned int limit);

/**
 * Looks up what support staff ask about: a transaction hash, an address, an
 * order id or an intent id.
 * @param out_json receives {"intents": [...], "payments": [...], "events":
 * [...], "deliveries": [...]}; free with usd1pay_free(). Each payment is
 * {"id", "chain", "tx_hash", "log_index", "block_number", "block_hash",
 * "block_time", "token", "from", "to", "amount_base_units" (a decimal
 * string), "intent_id" (null when unmatched), "status" ("pending", "final"
 * or "orphaned"), "flags", "detected_at", "final_at" (null until final),
 * "final_head_block"}: final_head_block is the chain's latest block number
 * when the payment became final, so that its confirmations then were
 * final_head_block - block_number + 1; null until final, and for payments
 * finalised before store schema 5 (unknown, never guessed).
 * @param p the processor.
 * @param query the hash, address or id.
 * @return #USD1PAY_OK (also when nothing matched: the lists are empty);
 * #USD1PAY_EINVALID for an empty query; #USD1PAY_EIO; #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_lookup(char** out_json, usd1pay_processor* p, const char* query);

/** @} */

/** @name Tracking
 * The tracker watches every configured chain and turns transfers into
 * payments and intent status changes (a payment is final only when the
 * chain's finality policy says so).
 * @{ */

/**
 * Polls every chain once, from the cursor towards the head, then runs the
 * expiry sweep.
 * @param out_report_json receives {"chains": [{"chain", "ok", "latest",
 * "next_block", "caught_up", "payments_detected", ...}], "expired": N};
 * free with usd1pay_free(); may be NULL.
 * @param p the processor.
 * @return #USD1PAY_OK when every chain was polled; #USD1PAY_EUNAVAILABLE when
 * a chain's node failed (the report, when asked for, is still written and
 * names the chain); #USD1PAY_EIO; #USD1PAY_ESTATE while the background
 * tracker runs; #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_tracker_poll_once(char** out_report_json, usd1pay_processor* p);

/**
 * Starts polling on a background thread every `poll_interval_ms`, with the
 * expiry sweep after each poll; failures back off and are retried.
 * @param p the processor.
 * @return #USD1PAY_OK; #USD1PAY_ESTATE when it already runs; #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_tracker_start(usd1pay_processor* p);

/**
 * Stops the background tracker after its current poll. Stopping a tracker
 * that does not run is #USD1PAY_OK.
 * @param p the processor.
 * @return #USD1PAY_OK; #USD1PAY_EINVALID; #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_tracker_stop(usd1pay_processor* p);

/**
 * The tracker's counters.
 * @param out_stats_json receives {"running": bool, "polls", "failed_polls",
 * "blocks_scanned", "payments_detected", "reorgs", "last_error"}; free with
 * usd1pay_free().
 * @param p the processor.
 * @return #USD1PAY_OK; #USD1PAY_EINVALID; #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_tracker_stats(char** out_stats_json, usd1pay_processor* p);

/**
 * SimChain only (backend "sim", for tests, demos and the quickstart): a
 * simulated customer pays an intent, and the transfer waits in the mempool
 * until usd1pay_sim_mine().
 * @param out_tx_hash receives the transaction hash; free with usd1pay_free();
 * may be NULL.
 * @param p the processor.
 * @param intent_id the intent to pay.
 * @param amount the token amount as a decimal ("25.00"), or NULL for the
 * amount due.
 * @return #USD1PAY_OK; #USD1PAY_EUNSUPPORTED when the intent's chain is not a
 * SimChain; #USD1PAY_ENOTFOUND; #USD1PAY_EINVALID; #USD1PAY_ERANGE for an
 * amount with more decimals than the token; #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_sim_pay(char** out_tx_hash, usd1pay_processor* p, const char* intent_id,
                                   const char* amount);

/**
 * SimChain only: mines blocks (the first takes every waiting transfer).
 * @param out_head receives the new head's block number; may be NULL.
 * @param p the processor.
 * @param chain the CAIP-2 id of a SimChain chain, or NULL for the default
 * chain.
 * @param blocks how many blocks, 1..10000.
 * @return #USD1PAY_OK; #USD1PAY_EUNSUPPORTED when the chain is not a
 * SimChain; #USD1PAY_ENOTFOUND for an unknown chain; #USD1PAY_ERANGE;
 * #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_sim_mine(uint64_t* out_head, usd1pay_processor* p, const char* chain,
                                    unsigned int blocks);

/** @} */

/** @name Webhooks (sender side)
 * usd1pay delivers every event to the registered endpoints, signed, at
 * least once, in order per intent, with retries (docs/webhooks.md).
 * @{ */

/**
 * Registers a webhook endpoint.
 * @param out_endpoint_json receives the endpoint with its id ("we_...") and
 * its secret ("whsec_...", shown this once); free with usd1pay_free().
 * @param p the processor.
 * @param endpoint_json {"url": "https://..."}, optionally "event_types"
 * (array), "description", "secret" (a "whsec_..." to use instead of a new
 * one).
 * @return #USD1PAY_OK; #USD1PAY_EINVALID for a bad or refused URL (private
 * addresses need `allow_private_destinations`); #USD1PAY_EEXISTS for a URL
 * already registered; #USD1PAY_EIO; #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_webhook_endpoint_add(char** out_endpoint_json, usd1pay_processor* p,
                                                const char* endpoint_json);

/**
 * Lists the webhook endpoints (without their secrets).
 * @param out_json receives {"endpoints": [...]}; free with usd1pay_free().
 * @param p the processor.
 * @return #USD1PAY_OK; #USD1PAY_EIO; #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_webhook_endpoint_list(char** out_json, usd1pay_processor* p);

/**
 * Starts delivering webhooks on background threads.
 * @param p the processor.
 * @return #USD1PAY_OK; #USD1PAY_ESTATE when delivery already runs;
 * #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_webhooks_start(usd1pay_processor* p);

/**
 * Stops delivering: attempts in flight finish and are recorded; nothing is
 * lost (undelivered events wait in the store). Stopping delivery that does
 * not run is #USD1PAY_OK.
 * @param p the processor.
 * @return #USD1PAY_OK; #USD1PAY_EINVALID; #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_webhooks_stop(usd1pay_processor* p);

/**
 * Delivers what is due now on the calling thread, until nothing is due or
 * `timeout_ms` passed.
 * @param out_report_json receives {"enqueued", "attempted", "succeeded",
 * "retried", "dead_lettered"}; free with usd1pay_free(); may be NULL.
 * @param p the processor.
 * @param timeout_ms how long at most, in milliseconds.
 * @return #USD1PAY_OK; #USD1PAY_ESTATE while background delivery runs;
 * #USD1PAY_EIO; #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_webhooks_drain(char** out_report_json, usd1pay_processor* p,
                                          unsigned int timeout_ms);

/** @} */

/** @name Exports
 * @{ */

/**
 * Writes a reconciliation export (docs/reconciliation.md).
 * @param out_result_json receives {"format", "records", "rows", "bytes",
 * "sha256", "file", "manifest"} ("file" and "manifest" are paths, or null
 * when not written) and, when no "out" file was given, "content" (the export
 * itself as a string); free with usd1pay_free().
 * @param p the processor.
 * @param params_json {"format": "csv" | "jsonl" | "journal" | "summary" |
 * "html"}, optionally "out" (a file, written atomically), "from" and "to"
 * (ISO 8601 dates or times, UTC; "to" is exclusive), "orders" (the shop's
 * orders CSV), "manifest" (bool, needs "out").
 * @return #USD1PAY_OK; #USD1PAY_EINVALID for bad parameters or a malformed
 * orders file (the message names line and column); #USD1PAY_EIO;
 * #USD1PAY_ECLOSED.
 */
USD1PAY_EXTERN int usd1pay_export(char** out_result_json, usd1pay_processor* p,
                                  const char* params_json);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* USD1PAY_USD1PAY_H */
