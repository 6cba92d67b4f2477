// usd1pay for Node: the C ABI (include/usd1pay/usd1pay.h) through koffi.
//
// Every call is synchronous and runs on the calling (JavaScript) thread, so
// the per-thread last-error message read right after a failing call is that
// call's. The tracker and the webhook dispatcher, once started, run on the
// library's own threads and do not hold the event loop.
//
// Memory: whatever the library returns through a pointer-to-pointer is copied
// into a JavaScript value and freed with usd1pay_free() before the wrapper
// returns, on success and on failure alike (poll-once writes its report even
// when a chain failed). A processor handle is freed when its Processor object
// is garbage-collected; close() closes it at once.
//
// Money is never floating point: amounts are decimal strings ("25.00"); a
// JavaScript number (or a bigint, which would not say whether it counts whole
// tokens or base units) is refused with a TypeError.
'use strict';

const fs = require('fs');
const path = require('path');

function loadKoffi() {
  try {
    return require('koffi');
  } catch (err) {
    // In the usd1pay source tree the pinned npm peers live in tests/peers.
    const inTree = path.join(__dirname, '..', '..', 'tests', 'peers', 'node_modules', 'koffi');
    if (fs.existsSync(inTree)) return require(inTree);
    throw err;
  }
}
const koffi = loadKoffi();

// ---- error codes (the closed set of include/usd1pay/usd1pay.h) ----

const codes = Object.freeze({
  OK: 0,
  EINVALID: -1,
  ECHECKSUM: -2,
  ERANGE: -3,
  EUNSUPPORTED: -4,
  ENOTFOUND: -5,
  EEXISTS: -6,
  ECONFLICT: -7,
  ESTATE: -8,
  EIO: -9,
  EUNAVAILABLE: -10,
  EINTERNAL: -11,
  EBUFS: -12,
  ENOMEM: -13,
  ECLOSED: -14,
});

const codeNames = new Map(Object.entries(codes).map(([k, v]) => [v, 'USD1PAY_' + k]));

/** A usd1pay call failed: `code` is the C return code, `name` its name. */
class Usd1payError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
    this.name = codeNames.get(code) || 'USD1PAY_UNKNOWN';
  }
}

// ---- the C declarations, exactly as in usd1pay.h ----
//
// test/header.test.js checks this list against the header, function by
// function. toKoffi() below turns each into koffi's form: a parameter named
// out* is an output (_Out_), and a returned string or byte buffer is taken as
// `void **` so that the pointer is kept for usd1pay_free() instead of being
// converted (and leaked) by koffi.
const PROTOTYPES = [
  'const char* usd1pay_version(void)',
  'int usd1pay_version_number(void)',
  'int usd1pay_abi_version(void)',
  'unsigned int usd1pay_features(void)',
  'const char* usd1pay_error_last(void)',
  'int usd1pay_error_last_code(void)',
  'void usd1pay_error_clear(void)',
  'const char* usd1pay_error_name(int code)',
  'void usd1pay_free(void* ptr)',
  'size_t usd1pay_address_max(void)',
  'int usd1pay_address_validate(char* canonical, size_t canonical_size, const char* chain, const char* address)',
  'int usd1pay_qr_options_init(usd1pay_qr_options* opts, unsigned int version)',
  'int usd1pay_qr_svg(char** out, const char* payload, const usd1pay_qr_options* opts)',
  'int usd1pay_qr_png(unsigned char** out, size_t* out_len, const char* payload, const usd1pay_qr_options* opts)',
  'int usd1pay_qr_terminal(char** out, const char* payload, const usd1pay_qr_options* opts)',
  'int usd1pay_webhook_verify(const char* const* secrets, size_t secret_count, const char* id, const char* timestamp, const char* signature, const unsigned char* body, size_t body_len, int64_t now, int64_t tolerance_seconds)',
  'int usd1pay_open_options_init(usd1pay_open_options* opts, unsigned int version)',
  'int usd1pay_processor_open(usd1pay_processor** out, const char* config_path, const usd1pay_open_options* opts)',
  'int usd1pay_processor_open_json(usd1pay_processor** out, const char* config_json, const usd1pay_open_options* opts)',
  'int usd1pay_processor_close(usd1pay_processor* p)',
  'void usd1pay_processor_free(usd1pay_processor* p)',
  'int usd1pay_intent_create(char** out_intent_json, usd1pay_processor* p, const char* request_json)',
  'int usd1pay_intent_get(char** out_intent_json, usd1pay_processor* p, const char* intent_id)',
  'int usd1pay_intent_list(char** out_list_json, usd1pay_processor* p, const char* query_json)',
  'int usd1pay_intent_cancel(char** out_intent_json, usd1pay_processor* p, const char* intent_id, const char* actor)',
  'int usd1pay_intent_expire_due(size_t* out_count, usd1pay_processor* p)',
  'int usd1pay_events_list(char** out_events_json, usd1pay_processor* p, const char* intent_id, uint64_t after_seq, unsigned int limit)',
  'int usd1pay_lookup(char** out_json, usd1pay_processor* p, const char* query)',
  'int usd1pay_tracker_poll_once(char** out_report_json, usd1pay_processor* p)',
  'int usd1pay_tracker_start(usd1pay_processor* p)',
  'int usd1pay_tracker_stop(usd1pay_processor* p)',
  'int usd1pay_tracker_stats(char** out_stats_json, usd1pay_processor* p)',
  'int usd1pay_sim_pay(char** out_tx_hash, usd1pay_processor* p, const char* intent_id, const char* amount)',
  'int usd1pay_sim_mine(uint64_t* out_head, usd1pay_processor* p, const char* chain, unsigned int blocks)',
  'int usd1pay_webhook_endpoint_add(char** out_endpoint_json, usd1pay_processor* p, const char* endpoint_json)',
  'int usd1pay_webhook_endpoint_list(char** out_json, usd1pay_processor* p)',
  'int usd1pay_webhooks_start(usd1pay_processor* p)',
  'int usd1pay_webhooks_stop(usd1pay_processor* p)',
  'int usd1pay_webhooks_drain(char** out_report_json, usd1pay_processor* p, unsigned int timeout_ms)',
  'int usd1pay_export(char** out_result_json, usd1pay_processor* p, const char* params_json)',
];

function toKoffi(proto) {
  const open = proto.indexOf('(');
  const head = proto.slice(0, open);
  const params = proto.slice(open + 1, -1);
  if (params === 'void') return proto;
  const out = params.split(',').map((param) => {
    // koffi 3.3.4 reads `const char* const*` as a plain string (`char *`),
    // and an array passed there crashes; `const char**` is the same ABI.
    const p = param.trim().replace(/^const char\* const\*/, 'const char**');
    const name = p.slice(p.search(/\w+$/));
    const type = p.slice(0, -name.length).trim();
    if (/^out/.test(name)) {
      const t = /char\*\*$/.test(type) ? 'void**' : type;
      return `_Out_ ${t} ${name}`;
    }
    if (name === 'opts' && !type.startsWith('const')) return `_Out_ ${type} ${name}`;
    return p;
  });
  return `${head}(${out.join(', ')})`;
}

// ---- loading the library ----

/** Where the library is looked for, in order. */
function libraryCandidates() {
  if (process.env.USD1PAY_LIBRARY) return [process.env.USD1PAY_LIBRARY];
  const here = [
    path.join(__dirname, 'libusd1pay.so.1'),
    path.join(__dirname, 'libusd1pay.so'),
  ].filter((f) => fs.existsSync(f));
  return [...here, 'libusd1pay.so.1'];
}

function loadLibrary() {
  const tried = [];
  for (const file of libraryCandidates()) {
    try {
      return { lib: koffi.load(file), file };
    } catch (err) {
      tried.push(`${file}: ${err.message}`);
    }
  }
  throw new Error(
    'usd1pay: cannot load the usd1pay C library (set USD1PAY_LIBRARY to the path of ' +
      'libusd1pay.so); tried ' +
      tried.join('; '),
  );
}

const { lib, file: libraryPath } = loadLibrary();

// The option structs, field by field as in usd1pay.h (checked by the tests).
const STRUCTS = {
  usd1pay_qr_options:
    'unsigned int version; int error_correction; int quiet_zone; int png_module_pixels; ' +
    'int svg_size_px; int terminal_style;',
  usd1pay_open_options: 'unsigned int version; const char* store_path; unsigned int poll_interval_ms;',
};

koffi.opaque('usd1pay_processor');
for (const [name, body] of Object.entries(STRUCTS)) {
  const fields = {};
  for (const decl of body.split(';').map((d) => d.trim()).filter(Boolean)) {
    const field = decl.match(/\w+$/)[0];
    fields[field] = decl.slice(0, -field.length).trim();
  }
  koffi.struct(name, fields);
}
const QR_OPTIONS_VERSION = 1;
const OPEN_OPTIONS_VERSION = 1;
const ABI_VERSION = 1;

const c = {};
for (const proto of PROTOTYPES) {
  const name = proto.match(/(usd1pay_\w+)\(/)[1];
  c[name] = lib.func(toKoffi(proto));
}

if (c.usd1pay_abi_version() !== ABI_VERSION) {
  throw new Error(
    `usd1pay: ${libraryPath} has ABI version ${c.usd1pay_abi_version()}, ` +
      `this binding needs ${ABI_VERSION}`,
  );
}

// ---- helpers ----

/** Throws the error of a failed call; read at once, on this thread. */
function fail(rc) {
  const message = c.usd1pay_error_last();
  throw new Usd1payError(rc, message || codeNames.get(rc) || `usd1pay error ${rc}`);
}

/** The string (or nothing) behind an output pointer, freed. */
function takeString(ptr) {
  if (!ptr) return null;
  try {
    return koffi.decode.string(ptr);
  } finally {
    c.usd1pay_free(ptr);
  }
}

/** Calls fn(out) for an API with one `char **` output and returns the text. */
function callText(fn, ...args) {
  const out = [null];
  const rc = fn(out, ...args);
  if (rc !== 0) {
    const message = c.usd1pay_error_last();
    const text = takeString(out[0]);
    const err = new Usd1payError(rc, message || codeNames.get(rc));
    if (text !== null) err.reply = text;
    throw err;
  }
  const text = takeString(out[0]);
  if (text === null) {
    throw new Usd1payError(codes.EINTERNAL, 'usd1pay: the library returned no reply');
  }
  return text;
}

/** Like callText, the reply parsed from JSON. */
function callJson(fn, ...args) {
  try {
    return JSON.parse(callText(fn, ...args));
  } catch (err) {
    if (err instanceof Usd1payError && err.reply !== undefined) {
      err.reply = JSON.parse(err.reply);
    }
    throw err;
  }
}

function check(rc) {
  if (rc !== 0) fail(rc);
}

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/**
 * A string argument for the C side: a JavaScript string without NUL
 * characters (the C side would stop at the first one and see a shorter text).
 */
function cstring(what, v, { optional = false } = {}) {
  if (optional && (v === undefined || v === null)) return null;
  if (typeof v !== 'string') {
    throw new TypeError(`usd1pay: ${what} must be a string, not ${describe(v)}`);
  }
  const nul = v.indexOf('\0');
  if (nul !== -1) {
    throw new Usd1payError(codes.EINVALID, `${what}: NUL character at position ${nul}`);
  }
  return v;
}

/** An amount: a decimal string only, never a number. */
function amountArg(what, v, { optional = false } = {}) {
  if (optional && (v === undefined || v === null)) return null;
  if (typeof v === 'number' || typeof v === 'bigint') {
    throw new TypeError(
      `usd1pay: ${what} must be a decimal string such as "25.00", not a ${typeof v} ` +
        '(money is never floating point)',
    );
  }
  return cstring(what, v);
}

function uintArg(what, v, max) {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new TypeError(`usd1pay: ${what} must be an integer, not ${describe(v)}`);
  }
  if (v < 0 || v > max) {
    throw new Usd1payError(codes.ERANGE, `${what}: ${v} is outside 0..${max}`);
  }
  return v;
}

/** A 64-bit integer for the C side, from a safe integer number or a bigint. */
function int64Arg(what, v, min, max) {
  let b;
  if (typeof v === 'bigint') {
    b = v;
  } else if (typeof v === 'number' && Number.isSafeInteger(v)) {
    b = BigInt(v);
  } else {
    throw new TypeError(`usd1pay: ${what} must be an integer or a bigint, not ${describe(v)}`);
  }
  if (b < min || b > max) {
    throw new Usd1payError(codes.ERANGE, `${what}: ${b} is outside ${min}..${max}`);
  }
  return b;
}

const UINT_MAX = 0xffffffff;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function snakeCase(key) {
  return key.replace(/[A-Z]/g, (ch) => '_' + ch.toLowerCase());
}

/**
 * A request object as the C side's JSON: top-level keys in camelCase become
 * snake_case (orderId -> order_id; snake_case passes as is), values are kept.
 * Unknown keys are left for the library, which refuses them naming the key.
 * Amount-like fields are checked here so that a number never becomes money.
 */
function requestJson(what, obj, amountKeys = []) {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new TypeError(`usd1pay: ${what} must be an object, not ${describe(obj)}`);
  }
  const out = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    const key = snakeCase(k);
    if (Object.prototype.hasOwnProperty.call(out, key)) {
      throw new Usd1payError(codes.EINVALID, `${what}: key "${key}" given twice (as "${k}")`);
    }
    out[key] = amountKeys.includes(key) ? amountArg(`${what}: ${key}`, v) : v;
  }
  return JSON.stringify(out);
}

// ---- module functions ----

const EC_LEVELS = { L: 0, M: 1, Q: 2, H: 3 };
const TERMINAL_STYLES = { dark: 0, light: 1, ansi: 2 };

function qrOptions(opts) {
  if (opts === undefined || opts === null) return null;
  if (typeof opts !== 'object' || Array.isArray(opts)) {
    throw new TypeError(`usd1pay: QR options must be an object, not ${describe(opts)}`);
  }
  const o = {};
  check(c.usd1pay_qr_options_init(o, QR_OPTIONS_VERSION));
  for (const [k, v] of Object.entries(opts)) {
    if (v === undefined) continue;
    switch (k) {
      case 'errorCorrection':
        if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(EC_LEVELS, v)) {
          o.error_correction = EC_LEVELS[v];
        } else {
          throw new Usd1payError(
            codes.EINVALID,
            `QR options: errorCorrection must be "L", "M", "Q" or "H", not ${JSON.stringify(v)}`,
          );
        }
        break;
      case 'terminalStyle':
        if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(TERMINAL_STYLES, v)) {
          o.terminal_style = TERMINAL_STYLES[v];
        } else {
          throw new Usd1payError(
            codes.EINVALID,
            `QR options: terminalStyle must be "dark", "light" or "ansi", not ${JSON.stringify(v)}`,
          );
        }
        break;
      case 'quietZone':
      case 'pngModulePixels':
      case 'svgSizePx':
        if (typeof v !== 'number' || !Number.isInteger(v)) {
          throw new TypeError(`usd1pay: QR options: ${k} must be an integer, not ${describe(v)}`);
        }
        if (v < -(2 ** 31) || v >= 2 ** 31) {
          throw new Usd1payError(codes.ERANGE, `QR options: ${k}: ${v} is out of range`);
        }
        o[snakeCase(k)] = v;
        break;
      default:
        throw new Usd1payError(codes.EINVALID, `QR options: unknown key "${k}"`);
    }
  }
  return o;
}

/** The QR code of `payload` (a payment URI) as an SVG document. */
function qrSvg(payload, opts) {
  return callText(c.usd1pay_qr_svg, cstring('QR payload', payload), qrOptions(opts));
}

/** The QR code of `payload` as PNG bytes. */
function qrPng(payload, opts) {
  const p = cstring('QR payload', payload);
  const o = qrOptions(opts);
  const out = [null];
  const len = [0];
  const rc = c.usd1pay_qr_png(out, len, p, o);
  if (rc !== 0) {
    const message = c.usd1pay_error_last();
    c.usd1pay_free(out[0]);
    throw new Usd1payError(rc, message);
  }
  try {
    return Buffer.from(koffi.decode(out[0], koffi.array('uint8_t', len[0], 'Buffer')));
  } finally {
    c.usd1pay_free(out[0]);
  }
}

/** The QR code of `payload` as text for a terminal (Unicode half blocks). */
function qrTerminal(payload, opts) {
  return callText(c.usd1pay_qr_terminal, cstring('QR payload', payload), qrOptions(opts));
}

/**
 * Checks an address for a chain (CAIP-2 id or "evm" / "tron" / "solana") and
 * returns its canonical spelling; throws Usd1payError (EINVALID, ECHECKSUM).
 */
function validateAddress(chain, address) {
  const ch = cstring('chain', chain);
  const a = cstring('address', address);
  const size = c.usd1pay_address_max();
  const buf = Buffer.alloc(size);
  check(c.usd1pay_address_validate(buf, size, ch, a));
  return buf.toString('utf8', 0, buf.indexOf(0));
}

function header(headers, name) {
  if (headers === null || typeof headers !== 'object') {
    throw new TypeError(`usd1pay: webhook headers must be an object, not ${describe(headers)}`);
  }
  let v;
  if (typeof headers.get === 'function') {
    v = headers.get(name); // a fetch Headers object
  } else {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    v = key === undefined ? undefined : headers[key];
  }
  if (Array.isArray(v)) v = v.join(' ');
  if (v === undefined || v === null) {
    throw new Usd1payError(codes.EINVALID, `webhook: header ${name} is missing`);
  }
  return cstring(`webhook: header ${name}`, v);
}

/**
 * Verifies a signed webhook (Standard Webhooks) as received: `secrets` one
 * "whsec_..." or an array of them (during a rotation), `headers` the request
 * headers (a plain object, as Node's req.headers, or a fetch Headers), `body`
 * the raw body as a Buffer / Uint8Array (or a string, taken as UTF-8).
 * Returns nothing when genuine; throws Usd1payError: ECHECKSUM (no signature
 * matches), ERANGE (timestamp outside the tolerance), EINVALID (malformed).
 * Options: now (Unix seconds, number or bigint, or a Date; default the clock),
 * toleranceSeconds (default 300).
 */
function verifyWebhook(secrets, headers, body, options = {}) {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError('usd1pay: webhook secrets must be a string or a non-empty array of strings');
  }
  list.forEach((s, i) => cstring(`webhook: secret ${i}`, s));
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signature = header(headers, 'webhook-signature');
  let bytes;
  if (typeof body === 'string') {
    bytes = Buffer.from(body, 'utf8');
  } else if (body instanceof Uint8Array) {
    bytes = body;
  } else {
    throw new TypeError(`usd1pay: webhook body must be a Buffer or a string, not ${describe(body)}`);
  }
  const { now, toleranceSeconds, ...rest } = options || {};
  const unknown = Object.keys(rest);
  if (unknown.length) {
    throw new Usd1payError(codes.EINVALID, `webhook: unknown option "${unknown[0]}"`);
  }
  let nowArg = 0n;
  if (now instanceof Date) {
    nowArg = BigInt(Math.floor(now.getTime() / 1000));
  } else if (now !== undefined && now !== null) {
    nowArg = int64Arg('webhook: now', now, 1n, INT64_MAX);
  }
  const tol =
    toleranceSeconds === undefined || toleranceSeconds === null
      ? -1n
      : int64Arg('webhook: toleranceSeconds', toleranceSeconds, 0n, INT64_MAX);
  // An empty body still needs a valid pointer.
  const data = bytes.length ? bytes : Buffer.alloc(1);
  check(
    c.usd1pay_webhook_verify(list, list.length, id, timestamp, signature, data, bytes.length, nowArg, tol),
  );
}

/** The library's version, "MAJOR.MINOR.PATCH". */
function version() {
  return c.usd1pay_version();
}

const FEATURES = { sqlite: 0x01, evmRpc: 0x02, tls: 0x04, png: 0x08, sim: 0x10, threads: 0x20 };

/** The library's optional features: { bits, sqlite, evmRpc, tls, png, sim, threads }. */
function features() {
  const bits = c.usd1pay_features();
  const out = { bits };
  for (const [k, bit] of Object.entries(FEATURES)) out[k] = (bits & bit) !== 0;
  return out;
}

/** The name of a return code ("USD1PAY_ENOTFOUND"), as the library says it. */
function errorName(code) {
  if (typeof code !== 'number' || !Number.isInteger(code)) {
    throw new TypeError(`usd1pay: code must be an integer, not ${describe(code)}`);
  }
  if (code < -(2 ** 31) || code >= 2 ** 31) return 'USD1PAY_UNKNOWN';
  return c.usd1pay_error_name(code);
}

// ---- the processor ----

// Frees a processor's handle once its JavaScript object is gone.
const finalizer = new FinalizationRegistry((handle) => c.usd1pay_processor_free(handle));

function openOptions(opts) {
  if (opts === undefined || opts === null) return null;
  if (typeof opts !== 'object' || Array.isArray(opts)) {
    throw new TypeError(`usd1pay: open options must be an object, not ${describe(opts)}`);
  }
  const o = {};
  check(c.usd1pay_open_options_init(o, OPEN_OPTIONS_VERSION));
  for (const [k, v] of Object.entries(opts)) {
    if (v === undefined) continue;
    if (k === 'storePath') {
      o.store_path = cstring('open options: storePath', v);
    } else if (k === 'pollIntervalMs') {
      o.poll_interval_ms = uintArg('open options: pollIntervalMs', v, UINT_MAX);
    } else {
      throw new Usd1payError(codes.EINVALID, `open options: unknown key "${k}"`);
    }
  }
  return o;
}

/** usd1pay for one configuration: its store, intents, tracker and webhooks. */
class Processor {
  /**
   * Opens a processor: `config` is the path of a configuration file, or the
   * configuration itself as an object. Options: storePath (overrides the
   * configuration's store.path), pollIntervalMs (the background tracker's).
   */
  static open(config, options) {
    const o = openOptions(options);
    const out = [null];
    let rc;
    if (typeof config === 'string') {
      rc = c.usd1pay_processor_open(out, cstring('config path', config), o);
    } else if (config !== null && typeof config === 'object' && !Array.isArray(config)) {
      rc = c.usd1pay_processor_open_json(out, JSON.stringify(config), o);
    } else {
      throw new TypeError(
        `usd1pay: config must be a file path or an object, not ${describe(config)}`,
      );
    }
    if (rc !== 0) fail(rc);
    return new Processor(out[0]);
  }

  constructor(handle) {
    if (typeof handle !== 'bigint' || handle === 0n) {
      throw new TypeError('usd1pay: use Processor.open() to make a Processor');
    }
    this._h = handle;
    finalizer.register(this, handle, this);
  }

  /**
   * Creates a payment intent: { orderId, amount: "25.00" } and optionally
   * chain, token, idempotencyKey, expiresInSeconds, metadata, actor.
   * Returns the intent (id, status, amount_due, deposit_address, payment_uri,
   * expires_at, ...).
   */
  createIntent(request) {
    const json = requestJson('intent request', request, ['amount']);
    return callJson(c.usd1pay_intent_create, this._h, json);
  }

  /** One intent by id ("pi_..."). */
  getIntent(intentId) {
    return callJson(c.usd1pay_intent_get, this._h, cstring('intent id', intentId));
  }

  /**
   * A page of intents, newest first: { intents, next_cursor }. Query: status,
   * orderId, createdFrom, createdTo, limit, cursor.
   */
  listIntents(query) {
    const q = query === undefined || query === null ? null : requestJson('intent query', query);
    return callJson(c.usd1pay_intent_list, this._h, q);
  }

  /** Cancels an intent awaiting payment; returns it. */
  cancelIntent(intentId, actor) {
    return callJson(
      c.usd1pay_intent_cancel,
      this._h,
      cstring('intent id', intentId),
      cstring('actor', actor, { optional: true }),
    );
  }

  /** Runs the expiry sweep; returns how many intents expired. */
  expireDue() {
    const out = [0];
    check(c.usd1pay_intent_expire_due(out, this._h));
    return Number(out[0]);
  }

  /** Events in their global order: { events, next_after_seq }. */
  listEvents({ intentId = null, afterSeq = 0, limit = 100 } = {}) {
    return callJson(
      c.usd1pay_events_list,
      this._h,
      cstring('intent id', intentId, { optional: true }),
      int64Arg('afterSeq', afterSeq, 0n, UINT64_MAX),
      uintArg('limit', limit, UINT_MAX),
    );
  }

  /** What support staff ask about: a tx hash, an address, an order or intent id. */
  lookup(query) {
    return callJson(c.usd1pay_lookup, this._h, cstring('lookup query', query));
  }

  /**
   * Polls every chain once, then runs the expiry sweep; returns the report.
   * When a chain's node failed, throws EUNAVAILABLE with the report as
   * `err.reply`.
   */
  pollOnce() {
    return callJson(c.usd1pay_tracker_poll_once, this._h);
  }

  /** Starts the background tracker (library threads). */
  startTracker() {
    check(c.usd1pay_tracker_start(this._h));
  }

  /** Stops the background tracker after its current poll. */
  stopTracker() {
    check(c.usd1pay_tracker_stop(this._h));
  }

  /** The tracker's counters. */
  trackerStats() {
    return callJson(c.usd1pay_tracker_stats, this._h);
  }

  /**
   * SimChain only: a simulated customer pays an intent (amount: a decimal
   * string, default the amount due); returns the transaction hash.
   */
  simPay(intentId, amount) {
    return callText(
      c.usd1pay_sim_pay,
      this._h,
      cstring('intent id', intentId),
      amountArg('amount', amount, { optional: true }),
    );
  }

  /** SimChain only: mines `blocks` blocks; returns the new head's number. */
  simMine(blocks = 1, chain = null) {
    const out = [0];
    check(
      c.usd1pay_sim_mine(
        out,
        this._h,
        cstring('chain', chain, { optional: true }),
        uintArg('blocks', blocks, UINT_MAX),
      ),
    );
    return Number(out[0]);
  }

  /**
   * Registers a webhook endpoint: { url, eventTypes, description }. Returns it
   * with its id and secret (shown this once).
   */
  addWebhookEndpoint(endpoint) {
    const json = requestJson('webhook endpoint', endpoint);
    return callJson(c.usd1pay_webhook_endpoint_add, this._h, json);
  }

  /** The webhook endpoints, without secrets: { endpoints }. */
  listWebhookEndpoints() {
    return callJson(c.usd1pay_webhook_endpoint_list, this._h);
  }

  /** Starts delivering webhooks on background threads. */
  startWebhooks() {
    check(c.usd1pay_webhooks_start(this._h));
  }

  /** Stops delivering; nothing is lost. */
  stopWebhooks() {
    check(c.usd1pay_webhooks_stop(this._h));
  }

  /**
   * Delivers what is due now on this thread, for at most `timeoutMs`. It
   * blocks the event loop: a receiver in this same process cannot answer, so
   * use startWebhooks() there.
   */
  drainWebhooks(timeoutMs = 10000) {
    return callJson(c.usd1pay_webhooks_drain, this._h, uintArg('timeoutMs', timeoutMs, UINT_MAX));
  }

  /**
   * Writes a reconciliation export: { format: "csv" | "jsonl" | "journal" |
   * "summary" | "html", out, from, to, orders, manifest }. Without `out` the
   * export is in the reply's `content`.
   */
  export(params) {
    return callJson(c.usd1pay_export, this._h, requestJson('export parameters', params));
  }

  /**
   * Closes the processor: stops its tracker and webhook delivery, waits for
   * calls in progress, closes the store. Later calls throw ECLOSED; closing
   * again is fine.
   */
  close() {
    check(c.usd1pay_processor_close(this._h));
  }
}

if (typeof Symbol.dispose === 'symbol') {
  Processor.prototype[Symbol.dispose] = Processor.prototype.close;
}

module.exports = {
  Processor,
  Usd1payError,
  codes,
  qrSvg,
  qrPng,
  qrTerminal,
  validateAddress,
  verifyWebhook,
  version,
  features,
  errorName,
  libraryPath,
  // For the binding's own tests: the declarations as in the header.
  _prototypes: PROTOTYPES,
  _structs: STRUCTS,
};
