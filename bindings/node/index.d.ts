// TypeScript declarations of the usd1pay Node binding (index.js).
//
// Replies are the library's JSON objects as documented in docs/c-api.md:
// snake_case keys, amounts as exact decimal strings. Readers must ignore keys
// they do not know (new optional keys may be added). Requests take camelCase
// (or snake_case) keys; unknown keys are refused by the library.

/** A decimal amount, exact: "25.00". Never a number. */
export type Amount = string;

/** The return codes of the C ABI. */
export declare const codes: Readonly<{
  OK: 0;
  EINVALID: -1;
  ECHECKSUM: -2;
  ERANGE: -3;
  EUNSUPPORTED: -4;
  ENOTFOUND: -5;
  EEXISTS: -6;
  ECONFLICT: -7;
  ESTATE: -8;
  EIO: -9;
  EUNAVAILABLE: -10;
  EINTERNAL: -11;
  EBUFS: -12;
  ENOMEM: -13;
  ECLOSED: -14;
}>;

/** A usd1pay call failed. */
export declare class Usd1payError extends Error {
  /** The C return code (negative), one of `codes`. */
  readonly code: number;
  /** The code's name: "USD1PAY_ENOTFOUND". */
  readonly name: string;
  /** A reply the library wrote although the call failed (pollOnce's report on EUNAVAILABLE). */
  reply?: unknown;
}

export type IntentStatus =
  | 'requires_payment'
  | 'processing'
  | 'succeeded'
  | 'expired'
  | 'canceled'
  | 'underpaid'
  | 'paid_late'
  | (string & {});

export interface PaymentIntent {
  id: string;
  object: 'payment_intent';
  status: IntentStatus;
  order_id: string;
  amount: Amount;
  currency: string;
  amount_base_units: string;
  amount_due: Amount;
  chain: string;
  token: string;
  token_contract: string;
  decimals: number;
  strategy: string;
  deposit_address: string;
  deposit_index: number | null;
  reference: string | null;
  payment_uri: string;
  created_at: string;
  updated_at: string;
  expires_at: string;
  metadata: Record<string, unknown>;
  idempotency_key: string | null;
  flags: string[];
  version: number;
  [key: string]: unknown;
}

export interface CreateIntentRequest {
  orderId: string;
  amount: Amount;
  /** CAIP-2 id; default the configuration's default chain. */
  chain?: string;
  /** Token symbol; default the configuration's default token. */
  token?: string;
  idempotencyKey?: string;
  expiresInSeconds?: number;
  metadata?: Record<string, unknown>;
  actor?: string;
}

export interface ListIntentsQuery {
  status?: IntentStatus;
  orderId?: string;
  /** ISO 8601. */
  createdFrom?: string;
  /** ISO 8601. */
  createdTo?: string;
  /** 1..1000. */
  limit?: number;
  cursor?: string;
}

export interface IntentList {
  intents: PaymentIntent[];
  /** "" on the last page. */
  next_cursor: string;
}

export interface ExportParams {
  format: 'csv' | 'jsonl' | 'journal' | 'summary' | 'html';
  /** A file, written atomically; without it the export is in `content`. */
  out?: string;
  /** ISO 8601 date or time, UTC. */
  from?: string;
  /** ISO 8601 date or time, UTC; exclusive. */
  to?: string;
  /** The shop's orders CSV. */
  orders?: string;
  /** Needs `out`. */
  manifest?: boolean;
}

export interface ExportResult {
  format: string;
  records: number;
  rows: number;
  bytes: number;
  sha256: string;
  /** The file written, or null when the export is in `content`. */
  file: string | null;
  /** The manifest file written, or null. */
  manifest: string | null;
  /** The export itself, when no `out` file was given. */
  content?: string;
  [key: string]: unknown;
}

export interface WebhookEndpointRequest {
  url: string;
  eventTypes?: string[];
  description?: string;
  /** A "whsec_..." to use instead of a new one. */
  secret?: string;
}

export interface OpenOptions {
  /** The SQLite store file; default the configuration's `store.path`. */
  storePath?: string;
  /** The background tracker's poll interval; default 2000. */
  pollIntervalMs?: number;
}

export interface QrOptions {
  errorCorrection?: 'L' | 'M' | 'Q' | 'H';
  /** Light modules on each side, 0..64; default 4. */
  quietZone?: number;
  /** PNG only: pixels per module, 1..256; default 8. */
  pngModulePixels?: number;
  /** SVG only: width and height in CSS pixels; 0 fills the container. */
  svgSizePx?: number;
  /** Terminal only: default "dark" (light-on-dark terminal). */
  terminalStyle?: 'dark' | 'light' | 'ansi';
}

export type JsonObject = Record<string, any>;

/** usd1pay for one configuration: its store, intents, tracker and webhooks. */
export declare class Processor {
  /** `config`: a configuration file's path, or the configuration as an object. */
  static open(config: string | JsonObject, options?: OpenOptions): Processor;
  private constructor();

  createIntent(request: CreateIntentRequest): PaymentIntent;
  getIntent(intentId: string): PaymentIntent;
  listIntents(query?: ListIntentsQuery): IntentList;
  cancelIntent(intentId: string, actor?: string | null): PaymentIntent;
  /** Runs the expiry sweep; returns how many intents expired. */
  expireDue(): number;
  listEvents(options?: {
    intentId?: string | null;
    afterSeq?: number | bigint;
    limit?: number;
  }): { events: JsonObject[]; next_after_seq: number };
  lookup(query: string): {
    intents: PaymentIntent[];
    payments: JsonObject[];
    events: JsonObject[];
    deliveries: JsonObject[];
  };

  /** Polls every chain once; throws EUNAVAILABLE (report in `err.reply`) when a node failed. */
  pollOnce(): { chains: JsonObject[]; expired: number; [key: string]: unknown };
  startTracker(): void;
  stopTracker(): void;
  trackerStats(): JsonObject & { running: boolean };

  /** SimChain only: pays an intent (default the amount due); returns the tx hash. */
  simPay(intentId: string, amount?: Amount | null): string;
  /** SimChain only: mines blocks; returns the new head's number. */
  simMine(blocks?: number, chain?: string | null): number;

  /** Returns the endpoint with its id and secret (shown this once). */
  addWebhookEndpoint(endpoint: WebhookEndpointRequest): JsonObject & { id: string; secret: string };
  listWebhookEndpoints(): { endpoints: JsonObject[] };
  startWebhooks(): void;
  stopWebhooks(): void;
  /** Delivers what is due on this thread (blocks the event loop). */
  drainWebhooks(timeoutMs?: number): {
    enqueued: number;
    attempted: number;
    succeeded: number;
    retried: number;
    dead_lettered: number;
  };

  export(params: ExportParams): ExportResult;

  /** Later calls throw ECLOSED; closing again is fine. */
  close(): void;
}

export declare function qrSvg(payload: string, options?: QrOptions): string;
export declare function qrPng(payload: string, options?: QrOptions): Buffer;
export declare function qrTerminal(payload: string, options?: QrOptions): string;

/** Returns the canonical spelling; throws EINVALID / ECHECKSUM. */
export declare function validateAddress(chain: string, address: string): string;

export type WebhookHeaders =
  | Record<string, string | string[] | undefined>
  | { get(name: string): string | null };

/**
 * Verifies a received webhook; returns when genuine, throws Usd1payError
 * otherwise (ECHECKSUM, ERANGE, EINVALID).
 */
export declare function verifyWebhook(
  secrets: string | string[],
  headers: WebhookHeaders,
  body: Uint8Array | string,
  options?: { now?: number | bigint | Date; toleranceSeconds?: number | bigint },
): void;

export declare function version(): string;
export declare function features(): {
  bits: number;
  sqlite: boolean;
  evmRpc: boolean;
  tls: boolean;
  png: boolean;
  sim: boolean;
  threads: boolean;
};
export declare function errorName(code: number): string;

/** The library file this binding loaded. */
export declare const libraryPath: string;
