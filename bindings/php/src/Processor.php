<?php

declare(strict_types=1);

namespace Usd1pay;

use FFI;
use FFI\CData;

/**
 * usd1pay for one configuration: its store, intents, chain tracker and
 * webhook dispatcher. Every method throws Usd1payException on failure; replies
 * are the library's JSON objects as PHP arrays (snake_case keys, amounts as
 * decimal strings). Request arrays take snake_case or camelCase keys.
 *
 * close() closes the processor at once (later calls throw ECLOSED); the
 * handle itself is freed when the object is destroyed.
 */
final class Processor
{
    private CData $h;

    private function __construct(CData $handle)
    {
        $this->h = $handle;
    }

    public function __destruct()
    {
        Native::ffi()->usd1pay_processor_free($this->h);
    }

    /** One handle, one owner: a copy would free it twice. */
    private function __clone()
    {
    }

    /**
     * Opens a processor: $config is a configuration file's path, or the
     * configuration itself as an array or object, passed through
     * json_encode() (mind that an empty PHP array is a JSON list: write an
     * empty JSON object as `new \stdClass()`, or decode a configuration with
     * json_decode($text) rather than json_decode($text, true)). $storePath
     * overrides the configuration's store.path; $pollIntervalMs is the
     * background tracker's (0: 2000).
     */
    public static function open(string|array|object $config, ?string $storePath = null, int $pollIntervalMs = 0): self
    {
        if (!is_string($config)) {
            $json = json_encode($config, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
            return self::openWith('usd1pay_processor_open_json', $json, $storePath, $pollIntervalMs);
        }
        return self::openWith(
            'usd1pay_processor_open',
            Native::cstring('config path', $config),
            $storePath,
            $pollIntervalMs
        );
    }

    /** Opens a processor from the configuration as JSON text. */
    public static function openJson(string $configJson, ?string $storePath = null, int $pollIntervalMs = 0): self
    {
        return self::openWith(
            'usd1pay_processor_open_json',
            Native::cstring('config', $configJson),
            $storePath,
            $pollIntervalMs
        );
    }

    private static function openWith(string $fn, string $arg, ?string $storePath, int $pollIntervalMs): self
    {
        $ffi = Native::ffi();
        $opts = null;
        $keep = null;
        if ($storePath !== null || $pollIntervalMs !== 0) {
            if ($pollIntervalMs < 0 || $pollIntervalMs > 0xFFFFFFFF) {
                throw new Usd1payException(
                    "open options: poll interval $pollIntervalMs ms is outside 0..4294967295",
                    Usd1payException::ERANGE
                );
            }
            $opts = $ffi->new('usd1pay_open_options');
            Native::check($ffi->usd1pay_open_options_init(FFI::addr($opts), Native::OPEN_OPTIONS_VERSION));
            if ($storePath !== null) {
                [$keep, $opts->store_path] = Native::cCopy(Native::cstring('store path', $storePath));
            }
            $opts->poll_interval_ms = $pollIntervalMs;
        }
        $out = $ffi->new('usd1pay_processor*');
        $rc = $ffi->$fn(FFI::addr($out), $arg, $opts === null ? null : FFI::addr($opts));
        if ($rc !== 0) {
            throw Native::error($rc);
        }
        return new self($out);
    }

    /**
     * Creates a payment intent: ['order_id' => ..., 'amount' => '25.00'] and
     * optionally chain, token, idempotency_key, expires_in_seconds, metadata,
     * actor. Returns the intent (id, status, amount_due, deposit_address,
     * payment_uri, expires_at, ...).
     */
    public function createIntent(array $request): array
    {
        $json = Native::requestJson('intent request', $request, ['amount']);
        return Native::callJson('usd1pay_intent_create', $this->h, $json);
    }

    /** One intent by id ("pi_..."). */
    public function getIntent(string $intentId): array
    {
        return Native::callJson('usd1pay_intent_get', $this->h, Native::cstring('intent id', $intentId));
    }

    /**
     * A page of intents, newest first: ['intents' => [...], 'next_cursor' =>
     * '' on the last page]. Query: status, order_id, created_from, created_to,
     * limit, cursor.
     */
    public function listIntents(array $query = []): array
    {
        $q = $query === [] ? null : Native::requestJson('intent query', $query);
        return Native::callJson('usd1pay_intent_list', $this->h, $q);
    }

    /** Cancels an intent awaiting payment; returns it. */
    public function cancelIntent(string $intentId, ?string $actor = null): array
    {
        return Native::callJson(
            'usd1pay_intent_cancel',
            $this->h,
            Native::cstring('intent id', $intentId),
            $actor === null ? null : Native::cstring('actor', $actor)
        );
    }

    /** Runs the expiry sweep; returns how many intents expired. */
    public function expireDue(): int
    {
        $ffi = Native::ffi();
        $n = $ffi->new('size_t');
        Native::check($ffi->usd1pay_intent_expire_due(FFI::addr($n), $this->h));
        return $n->cdata;
    }

    /** Events in their global order: ['events' => [...], 'next_after_seq' => N]. */
    public function listEvents(?string $intentId = null, int $afterSeq = 0, int $limit = 100): array
    {
        if ($afterSeq < 0) {
            throw new Usd1payException("events: after_seq $afterSeq is negative", Usd1payException::ERANGE);
        }
        if ($limit < 0 || $limit > 0xFFFFFFFF) {
            throw new Usd1payException("events: limit $limit is out of range", Usd1payException::ERANGE);
        }
        return Native::callJson(
            'usd1pay_events_list',
            $this->h,
            $intentId === null ? null : Native::cstring('intent id', $intentId),
            $afterSeq,
            $limit
        );
    }

    /** What support staff ask about: a transaction hash, an address, an order or intent id. */
    public function lookup(string $query): array
    {
        return Native::callJson('usd1pay_lookup', $this->h, Native::cstring('lookup query', $query));
    }

    /**
     * Polls every chain once, then runs the expiry sweep; returns the report.
     * When a chain's node failed: EUNAVAILABLE, the report in getReply().
     */
    public function pollOnce(): array
    {
        return Native::callJson('usd1pay_tracker_poll_once', $this->h);
    }

    /** Starts the background tracker (the library's threads). */
    public function startTracker(): void
    {
        Native::check(Native::ffi()->usd1pay_tracker_start($this->h));
    }

    /** Stops the background tracker after its current poll. */
    public function stopTracker(): void
    {
        Native::check(Native::ffi()->usd1pay_tracker_stop($this->h));
    }

    /** The tracker's counters. */
    public function trackerStats(): array
    {
        return Native::callJson('usd1pay_tracker_stats', $this->h);
    }

    /**
     * SimChain only: a simulated customer pays an intent ($amount a decimal
     * string, null for the amount due); returns the transaction hash.
     */
    public function simPay(string $intentId, mixed $amount = null): string
    {
        return Native::callText(
            'usd1pay_sim_pay',
            $this->h,
            Native::cstring('intent id', $intentId),
            $amount === null ? null : Native::amount('amount', $amount)
        );
    }

    /** SimChain only: mines $blocks blocks; returns the new head's number. */
    public function simMine(int $blocks = 1, ?string $chain = null): int
    {
        if ($blocks < 0 || $blocks > 0xFFFFFFFF) {
            throw new Usd1payException("sim: blocks $blocks is out of range", Usd1payException::ERANGE);
        }
        $ffi = Native::ffi();
        $head = $ffi->new('uint64_t');
        Native::check($ffi->usd1pay_sim_mine(
            FFI::addr($head),
            $this->h,
            $chain === null ? null : Native::cstring('chain', $chain),
            $blocks
        ));
        return $head->cdata;
    }

    /**
     * Registers a webhook endpoint: ['url' => ..., 'event_types' => [...],
     * 'description' => ...]. Returns it with its id and secret (shown once).
     */
    public function addWebhookEndpoint(array $endpoint): array
    {
        $json = Native::requestJson('webhook endpoint', $endpoint);
        return Native::callJson('usd1pay_webhook_endpoint_add', $this->h, $json);
    }

    /** The webhook endpoints, without secrets: ['endpoints' => [...]]. */
    public function listWebhookEndpoints(): array
    {
        return Native::callJson('usd1pay_webhook_endpoint_list', $this->h);
    }

    /** Starts delivering webhooks on background threads. */
    public function startWebhooks(): void
    {
        Native::check(Native::ffi()->usd1pay_webhooks_start($this->h));
    }

    /** Stops delivering; nothing is lost. */
    public function stopWebhooks(): void
    {
        Native::check(Native::ffi()->usd1pay_webhooks_stop($this->h));
    }

    /** Delivers what is due now, for at most $timeoutMs; returns the counts. */
    public function drainWebhooks(int $timeoutMs = 10000): array
    {
        if ($timeoutMs < 0 || $timeoutMs > 0xFFFFFFFF) {
            throw new Usd1payException("webhooks: timeout $timeoutMs ms is out of range", Usd1payException::ERANGE);
        }
        return Native::callJson('usd1pay_webhooks_drain', $this->h, $timeoutMs);
    }

    /**
     * Writes a reconciliation export: ['format' => 'csv' | 'jsonl' |
     * 'journal' | 'summary' | 'html', 'out' => file, 'from', 'to', 'orders',
     * 'manifest']. Without 'out' the export is in the reply's 'content'.
     */
    public function export(array $params): array
    {
        return Native::callJson('usd1pay_export', $this->h, Native::requestJson('export parameters', $params));
    }

    /**
     * Closes the processor: stops its tracker and webhook delivery, waits for
     * calls in progress, closes the store. Later calls throw ECLOSED; closing
     * again is fine.
     */
    public function close(): void
    {
        Native::check(Native::ffi()->usd1pay_processor_close($this->h));
    }
}
