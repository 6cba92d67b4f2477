<?php

// The PHP binding's tests: php bindings/php/tests/run.php (USD1PAY_LIBRARY
// names the built libusd1pay.so). Every check that fails prints its message
// and line; the script ends with "N passed, M failed" and exits 1 when M > 0.

declare(strict_types=1);

require __DIR__ . '/../autoload.php';

use Usd1pay\Native;
use Usd1pay\Processor;
use Usd1pay\Usd1pay;
use Usd1pay\Usd1payException as E;

// ---- a small harness that fails loudly ----

$GLOBALS['passed'] = 0;
$GLOBALS['failed'] = 0;
$GLOBALS['test'] = '';

function ok(bool $cond, string $message): void
{
    if ($cond) {
        $GLOBALS['passed']++;
        return;
    }
    $GLOBALS['failed']++;
    // The line in the test that called ok(), same() or throws().
    $line = 0;
    foreach (debug_backtrace(DEBUG_BACKTRACE_IGNORE_ARGS) as $frame) {
        if (!in_array($frame['function'], ['ok', 'same', 'throws'], true)) {
            break;
        }
        $line = $frame['line'] ?? 0;
    }
    fwrite(STDERR, "FAIL [{$GLOBALS['test']}] line $line: $message\n");
}

function same(mixed $expected, mixed $actual, string $what): void
{
    ok($expected === $actual, "$what: expected " . var_export($expected, true) . ', got ' . var_export($actual, true));
}

/**
 * $fn must throw: a Usd1payException with code $expect (int), or a Throwable
 * of class $expect (string); its message matching $re when given.
 */
function throws(callable $fn, int|string $expect, ?string $re, string $what): void
{
    try {
        $fn();
    } catch (\Throwable $e) {
        if (is_int($expect)) {
            if (!$e instanceof E) {
                ok(false, "$what: expected a Usd1payException, got " . get_class($e) . ': ' . $e->getMessage());
                return;
            }
            if ($e->getCode() !== $expect) {
                ok(false, "$what: expected " . E::nameOf($expect) . ', got ' . $e->getName() . ': ' . $e->getMessage());
                return;
            }
            ok($e->getName() === E::nameOf($expect), "$what: getName() " . $e->getName());
        } elseif (!$e instanceof $expect) {
            ok(false, "$what: expected $expect, got " . get_class($e) . ': ' . $e->getMessage());
            return;
        }
        ok($re === null || preg_match($re, $e->getMessage()) === 1, "$what: message '" . $e->getMessage() . "' does not match $re");
        return;
    }
    ok(false, "$what: nothing was thrown");
}

function test(string $name, callable $fn): void
{
    $GLOBALS['test'] = $name;
    $before = [$GLOBALS['passed'], $GLOBALS['failed']];
    try {
        $fn();
    } catch (\Throwable $e) {
        $GLOBALS['failed']++;
        fwrite(STDERR, "FAIL [$name] unexpected " . get_class($e) . ' at ' . $e->getFile() . ':' . $e->getLine()
            . ': ' . $e->getMessage() . "\n" . $e->getTraceAsString() . "\n");
    }
    $failed = $GLOBALS['failed'] - $before[1];
    printf("%s %s (%d checks)\n", $failed === 0 ? 'ok  ' : 'FAIL', $name, $GLOBALS['passed'] - $before[0] + $failed);
}

// ---- fixtures ----

$GLOBALS['cleanup'] = [];
register_shutdown_function(static function (): void {
    foreach (array_reverse($GLOBALS['cleanup']) as $fn) {
        $fn();
    }
});

function tempDir(): string
{
    $dir = sys_get_temp_dir() . '/usd1pay-php-' . bin2hex(random_bytes(6));
    mkdir($dir, 0700);
    $GLOBALS['cleanup'][] = static function () use ($dir): void {
        foreach (new RecursiveIteratorIterator(
            new RecursiveDirectoryIterator($dir, FilesystemIterator::SKIP_DOTS),
            RecursiveIteratorIterator::CHILD_FIRST
        ) as $f) {
            $f->isDir() ? rmdir($f->getPathname()) : unlink($f->getPathname());
        }
        rmdir($dir);
    };
    return $dir;
}

const EVM_SIM = 'eip155:1337';

/** A SimChain configuration (3 confirmations) with its store in $dir. */
function simConfig(string $dir, array $extra = []): array
{
    return array_merge([
        'version' => 1,
        'store' => ['path' => "$dir/usd1pay.db", 'synchronous' => 'normal'],
        'chains' => [[
            'id' => EVM_SIM,
            'backend' => 'sim',
            'finality' => ['kind' => 'confirmations', 'confirmations' => 3],
            'tokens' => [['symbol' => 'USD1', 'contract' => '0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA', 'decimals' => 18]],
            'strategy' => 'xpub',
            'xpub' => 'xpub6Ce9NcJvTk36xtLSrJLZqE7wtgA5deCeYs7rSQtreh4cj6ByPtrg9sD7V2FNFLPnf8heNP3FGkeV9qwfzvZNSd54JoNXVsXFYSYwHsnJxqP',
            'derivation_path' => '0',
        ]],
        'actor' => 'api',
    ], $extra);
}

function openSim(array $extra = []): Processor
{
    return Processor::open(simConfig(tempDir(), $extra));
}

/** A Standard Webhooks signature, computed here as the specification says. */
function sign(string $secret, string $id, int $ts, string $body): string
{
    $key = base64_decode(substr($secret, strlen('whsec_')), true);
    return 'v1,' . base64_encode(hash_hmac('sha256', "$id.$ts.$body", $key, true));
}

function newSecret(): string
{
    return 'whsec_' . base64_encode(random_bytes(32));
}

/**
 * Starts `php -S 127.0.0.1:<free port> $args...` in $dir with the environment
 * plus $env, stopped when the script ends; returns the port once it listens.
 */
function startPhpServer(array $args, string $dir, array $env): int
{
    $sock = stream_socket_server('tcp://127.0.0.1:0');
    $port = (int) substr(strrchr(stream_socket_get_name($sock, false), ':'), 1);
    fclose($sock);
    $proc = proc_open(
        array_merge([PHP_BINARY, '-S', "127.0.0.1:$port"], $args),
        [0 => ['file', '/dev/null', 'r'], 1 => ['file', "$dir/server.log", 'w'], 2 => ['file', "$dir/server.log", 'a']],
        $pipes,
        $dir,
        array_merge(getenv(), $env)
    );
    $GLOBALS['cleanup'][] = static function () use ($proc): void {
        proc_terminate($proc);
        proc_close($proc);
    };
    $deadline = microtime(true) + 10;
    while (!($c = @stream_socket_client("tcp://127.0.0.1:$port", $errno, $errstr, 0.2))) {
        if (microtime(true) >= $deadline) {
            throw new RuntimeException("php -S did not listen on port $port within 10 s: "
                . file_get_contents("$dir/server.log"));
        }
        usleep(20000);
    }
    fclose($c);
    return $port;
}

/** An HTTP request to 127.0.0.1: [status, body]. */
function http(string $method, string $url, array $headers = [], string $body = ''): array
{
    $lines = [];
    foreach ($headers as $k => $v) {
        $lines[] = "$k: $v";
    }
    $ctx = stream_context_create(['http' => ['method' => $method, 'header' => implode("\r\n", $lines),
        'content' => $body, 'ignore_errors' => true, 'timeout' => 10]]);
    $reply = file_get_contents($url, false, $ctx);
    preg_match('#^HTTP/\S+ (\d+)#', $http_response_header[0] ?? '', $m);
    return [(int) ($m[1] ?? 0), $reply];
}

// ---- the declarations ----

/** One spelling for a declaration: single spaces, none around * ( ) , { } ;. */
function normalise(string $decl): string
{
    $decl = preg_replace('/\s+/', ' ', $decl);
    return trim(preg_replace('/\s*([*(),{};])\s*/', '$1', $decl));
}

test('the cdef declares every function and struct of usd1pay.h with its signature', function (): void {
    $file = getenv('USD1PAY_HEADER') ?: dirname(__DIR__, 3) . '/include/usd1pay/usd1pay.h';
    $text = file_get_contents($file);
    ok($text !== false, "cannot read $file");
    $text = preg_replace(['#/\*.*?\*/#s', '#//[^\n]*#', '/^\s*#.*$/m'], ' ', $text);

    preg_match_all('/USD1PAY_EXTERN\s+([^;]+);/', $text, $m);
    $header = [];
    foreach ($m[1] as $decl) {
        preg_match('/(usd1pay_\w+)\s*\(/', $decl, $n);
        $header[$n[1]] = normalise($decl);
    }
    ok(count($header) >= 40, 'only ' . count($header) . ' functions found in the header');

    $cdef = preg_replace('/typedef struct\s+\w+\s*\{.*?\}\s*\w+\s*;|typedef struct \w+ \w+;/s', ' ', Native::CDEF);
    $ours = [];
    foreach (explode(';', $cdef) as $decl) {
        if (preg_match('/(usd1pay_\w+)\s*\(/', $decl, $n)) {
            $ours[$n[1]] = normalise($decl);
        }
    }
    foreach ($header as $name => $decl) {
        ok(isset($ours[$name]), "$name is in usd1pay.h but not in the cdef");
        if (isset($ours[$name])) {
            same($decl, $ours[$name], "$name's signature");
        }
    }
    foreach (array_keys($ours) as $name) {
        ok(isset($header[$name]), "$name is in the cdef but not in usd1pay.h");
    }

    preg_match_all('/typedef struct (\w+)\s*\{(.*?)\}\s*(\w+)\s*;/s', $text, $hs, PREG_SET_ORDER);
    preg_match_all('/typedef struct (\w+)\s*\{(.*?)\}\s*(\w+)\s*;/s', Native::CDEF, $cs, PREG_SET_ORDER);
    same(2, count($hs), 'structs in the header');
    $cstructs = [];
    foreach ($cs as $s) {
        $cstructs[$s[1]] = normalise($s[2]);
    }
    foreach ($hs as $s) {
        same(normalise($s[2]), $cstructs[$s[1]] ?? null, "struct {$s[1]}");
    }
    ok(str_contains(Native::CDEF, 'typedef struct usd1pay_processor usd1pay_processor;'), 'opaque usd1pay_processor');
});

test('version, features and error names come from the library', function (): void {
    $env = getenv('USD1PAY_LIBRARY');
    if ($env) {
        same($env, Usd1pay::libraryPath(), 'the library loaded');
    }
    ok(preg_match('/^\d+\.\d+\.\d+$/', Usd1pay::version()) === 1, 'version ' . Usd1pay::version());
    $f = Usd1pay::features();
    same(true, $f['sim'], 'feature sim');
    same(true, $f['sqlite'], 'feature sqlite');
    same(true, $f['png'], 'feature png');
    foreach ((new ReflectionClass(E::class))->getConstants() as $name => $code) {
        if (is_int($code)) {
            same("USD1PAY_$name", Usd1pay::errorName($code), "errorName($code)");
            same("USD1PAY_$name", E::nameOf($code), "nameOf($code)");
        }
    }
    same('USD1PAY_UNKNOWN', Usd1pay::errorName(-999), 'errorName(-999)');
});

// ---- intents ----

test('an intent is created, read back and listed', function (): void {
    $p = openSim();
    $i = $p->createIntent(['order_id' => 'order-1', 'amount' => '25.00', 'metadata' => ['sku' => 'A1']]);
    ok(str_starts_with($i['id'], 'pi_'), "id {$i['id']}");
    same('order-1', $i['order_id'], 'order_id');
    same('requires_payment', $i['status'], 'status');
    same('25.00', $i['amount_due'], 'amount_due');
    same(EVM_SIM, $i['chain'], 'chain');
    same(['sku' => 'A1'], $i['metadata'], 'metadata');
    ok(preg_match('/^0x[0-9a-fA-F]{40}$/', $i['deposit_address']) === 1, 'deposit address ' . $i['deposit_address']);
    ok(str_starts_with($i['payment_uri'], 'ethereum:'), 'payment uri ' . $i['payment_uri']);
    same($i, $p->getIntent($i['id']), 'getIntent');

    $second = $p->createIntent(['orderId' => 'order-2', 'amount' => '1.5', 'metadata' => []]);
    same('1.50', $second['amount'], 'amount in normal form');
    $list = $p->listIntents();
    // Newest first, by creation time in milliseconds (two intents of the same
    // millisecond may come in either order).
    $ids = array_column($list['intents'], 'id');
    sort($ids);
    $want = [$second['id'], $i['id']];
    sort($want);
    same($want, $ids, 'list');
    ok($list['intents'][0]['created_at'] >= $list['intents'][1]['created_at'], 'newest first');
    same('', $list['next_cursor'], 'last page');
    same([$i['id']], array_column($p->listIntents(['orderId' => 'order-1'])['intents'], 'id'), 'by order');
    $page = $p->listIntents(['limit' => 1]);
    same(1, count($page['intents']), 'page size');
    ok($page['next_cursor'] !== '', 'a next cursor');
    $p->close();
});

test('idempotency: the same key gives the same intent; other parameters conflict', function (): void {
    $p = openSim();
    $a = $p->createIntent(['order_id' => 'o', 'amount' => '3.00', 'idempotency_key' => 'k1']);
    $b = $p->createIntent(['order_id' => 'o', 'amount' => '3.00', 'idempotency_key' => 'k1']);
    same($a['id'], $b['id'], 'same intent');
    throws(fn () => $p->createIntent(['order_id' => 'o', 'amount' => '4.00', 'idempotency_key' => 'k1']), E::ECONFLICT, null, 'reused key');
});

test('a SimChain payment takes the intent to succeeded; lookup, events and the CSV export show it', function (): void {
    $p = openSim();
    $p->pollOnce(); // sets the chain's cursor before the payment (docs/tracking.md)
    $i = $p->createIntent(['order_id' => 'order-77', 'amount' => '25.00']);
    $tx = $p->simPay($i['id']);
    ok(preg_match('/^0x[0-9a-f]{64}$/', $tx) === 1, "tx hash $tx");
    $head = $p->simMine(1);
    $report = $p->pollOnce();
    same(EVM_SIM, $report['chains'][0]['chain'], 'report chain');
    same(true, $report['chains'][0]['ok'], 'report ok');
    same(1, $report['chains'][0]['payments_detected'], 'payments detected');
    same('processing', $p->getIntent($i['id'])['status'], 'after 1 confirmation');
    same($head + 5, $p->simMine(5), 'head after 5 more');
    $p->pollOnce();
    same('succeeded', $p->getIntent($i['id'])['status'], 'after 6 confirmations');

    $found = $p->lookup($tx);
    same([$i['id']], array_column($found['intents'], 'id'), 'lookup by tx: intent');
    same(1, count($found['payments']), 'lookup by tx: payment');
    $types = array_column($p->listEvents($i['id'])['events'], 'type');
    same('intent.created', $types[0], 'first event');
    ok(in_array('intent.succeeded', $types, true), 'events: ' . implode(',', $types));
    $all = $p->listEvents();
    $firstTwo = $p->listEvents(null, 0, 2);
    same(array_slice($all['events'], 0, 2), $firstTwo['events'], 'events: the first page');
    same(array_slice($all['events'], 2), $p->listEvents(null, $firstTwo['next_after_seq'])['events'], 'events: the rest');
    same([], $p->listEvents(null, $all['next_after_seq'])['events'], 'events: none after the last');
    throws(fn () => $p->listEvents(null, 0, 0), E::ERANGE, '/limit/', 'events: limit 0');
    throws(fn () => $p->listEvents('pi_x'), E::EINVALID, null, 'events: malformed intent id');
    throws(fn () => $p->listEvents(null, -1), E::ERANGE, null, 'events: negative after_seq');

    $csv = $p->export(['format' => 'csv']);
    same(1, $csv['records'], 'records');
    same(null, $csv['file'], 'no file');
    same(hash('sha256', $csv['content']), $csv['sha256'], 'sha256 of the content');
    $lines = explode("\r\n", $csv['content']);
    ok(str_starts_with($lines[0], 'schema_version,settlement_time,order_id,intent_id,status,'), 'header ' . $lines[0]);
    $row = str_getcsv($lines[1]);
    same('order-77', $row[2], 'csv order_id');
    same($i['id'], $row[3], 'csv intent_id');
    same('matched', $row[4], 'csv status');
    same($tx, $row[11], 'csv tx_hash');
    same('25.00', $row[19], 'csv amount_received');
    same(['', ], array_slice($lines, 2), 'one row and the final CRLF');
});

test('an export to a file writes the file; a bad format is EINVALID', function (): void {
    $dir = tempDir();
    $p = Processor::open(simConfig($dir));
    $p->createIntent(['order_id' => 'x', 'amount' => '2.00']);
    $r = $p->export(['format' => 'jsonl', 'out' => "$dir/export.jsonl"]);
    ok(!isset($r['content']), 'no content when written to a file');
    same("$dir/export.jsonl", $r['file'], 'file');
    same(filesize("$dir/export.jsonl"), $r['bytes'], 'bytes');
    $lines = file("$dir/export.jsonl", FILE_IGNORE_NEW_LINES);
    same(1, count($lines), 'jsonl lines');
    same('x', json_decode($lines[0], true)['order_id'], 'jsonl order_id');
    same('unpaid', json_decode($lines[0], true)['status'], 'jsonl status');
    throws(fn () => $p->export(['format' => 'xml']), E::EINVALID, '/format/', 'format xml');
});

test('bad amounts: EINVALID, ERANGE; a float or an int is a TypeError', function (): void {
    $p = openSim();
    throws(fn () => $p->createIntent(['order_id' => 'a', 'amount' => '25.0x']), E::EINVALID, '/amount/', 'letters');
    throws(fn () => $p->createIntent(['order_id' => 'a', 'amount' => '']), E::EINVALID, '/amount/', 'empty');
    throws(fn () => $p->createIntent(['order_id' => 'a', 'amount' => '-1.00']), E::EINVALID, '/amount/', 'negative');
    throws(fn () => $p->createIntent(['order_id' => 'a', 'amount' => '25.001']), E::ERANGE, '/amount/', 'three decimals');
    throws(fn () => $p->createIntent(['order_id' => 'a', 'amount' => 25.5]), TypeError::class, '/decimal string.*never floating point/', 'float');
    throws(fn () => $p->createIntent(['order_id' => 'a', 'amount' => 25]), TypeError::class, '/decimal string/', 'int');
    throws(fn () => $p->createIntent(['order_id' => 'a', 'amount' => null]), TypeError::class, null, 'null');
    throws(fn () => $p->simPay('pi_000000000000000000000000', 1.5), TypeError::class, null, 'simPay float');
    same([], $p->listIntents()['intents'], 'nothing was created');
});

test('bad requests are refused naming the field', function (): void {
    $p = openSim();
    throws(fn () => $p->createIntent(['amount' => '1.00']), E::EINVALID, '/order_id/', 'no order_id');
    throws(fn () => $p->createIntent(['order_id' => 'a', 'amount' => '1.00', 'colour' => 'red']), E::EINVALID, '/colour/', 'unknown key');
    throws(fn () => $p->createIntent(['order_id' => 'a', 'amount' => '1.00', 'chain' => 'eip155:9']), E::EINVALID, "/chain 'eip155:9' is not configured/", 'unknown chain');
    throws(fn () => $p->createIntent(['orderId' => 'a', 'order_id' => 'b', 'amount' => '1.00']), E::EINVALID, '/twice/', 'key twice');
    throws(fn () => $p->createIntent(['a', 'b']), E::EINVALID, '/not a name/', 'a list');
    throws(fn () => $p->listIntents(['limit' => 0]), E::ERANGE, '/limit/', 'limit 0');
    throws(fn () => $p->listIntents(['status' => 'paid-ish']), E::EINVALID, '/status/', 'bad status');
});

test('unknown ids are ENOTFOUND, malformed ones EINVALID', function (): void {
    $p = openSim();
    $unknown = 'pi_000000000000000000000000';
    throws(fn () => $p->getIntent($unknown), E::ENOTFOUND, '/pi_0+/', 'get');
    throws(fn () => $p->cancelIntent($unknown), E::ENOTFOUND, null, 'cancel');
    throws(fn () => $p->simPay($unknown), E::ENOTFOUND, null, 'simPay');
    throws(fn () => $p->getIntent('pi_123'), E::EINVALID, '/id/', 'short id');
    throws(fn () => $p->getIntent(''), E::EINVALID, null, 'empty id');
    throws(fn () => $p->getIntent("pi_a\0b"), E::EINVALID, '/NUL byte at position 4/', 'NUL in id');
    throws(fn () => $p->lookup(''), E::EINVALID, null, 'empty lookup');
    same([], $p->lookup('nothing-like-this')['intents'], 'lookup without match');
});

test('cancel: once is fine, twice is ESTATE naming the status', function (): void {
    $p = openSim();
    $i = $p->createIntent(['order_id' => 'c', 'amount' => '5.00']);
    same('canceled', $p->cancelIntent($i['id'], 'support')['status'], 'canceled');
    same('canceled', $p->getIntent($i['id'])['status'], 'read back');
    throws(fn () => $p->cancelIntent($i['id']), E::ESTATE, '/canceled/', 'twice');
});

test('SimChain and tracker refusals', function (): void {
    $p = openSim();
    $i = $p->createIntent(['order_id' => 'm', 'amount' => '5.00']);
    throws(fn () => $p->simPay($i['id'], '5.0000000000000000001'), E::ERANGE, null, 'too many decimals');
    throws(fn () => $p->simPay($i['id'], 'five'), E::EINVALID, null, 'letters');
    throws(fn () => $p->simMine(0), E::ERANGE, null, 'mine 0');
    throws(fn () => $p->simMine(-1), E::ERANGE, null, 'mine -1');
    throws(fn () => $p->simMine(1, 'eip155:424242'), E::ENOTFOUND, null, 'unknown chain');
    $p->startTracker();
    throws(fn () => $p->startTracker(), E::ESTATE, null, 'start twice');
    throws(fn () => $p->pollOnce(), E::ESTATE, null, 'poll while running');
    same(true, $p->trackerStats()['running'], 'running');
    $p->stopTracker();
    $p->stopTracker();
    same(false, $p->trackerStats()['running'], 'stopped');
    same(0, $p->expireDue(), 'nothing to expire');
});

test('use after close is ECLOSED; closing twice is fine; the store keeps the intent', function (): void {
    $dir = tempDir();
    $p = Processor::open(simConfig($dir));
    $i = $p->createIntent(['order_id' => 'z', 'amount' => '1.00']);
    $p->close();
    $p->close();
    throws(fn () => $p->getIntent($i['id']), E::ECLOSED, '/closed/', 'get after close');
    throws(fn () => $p->createIntent(['order_id' => 'z2', 'amount' => '1.00']), E::ECLOSED, null, 'create after close');
    throws(fn () => $p->pollOnce(), E::ECLOSED, null, 'poll after close');
    throws(fn () => $p->startWebhooks(), E::ECLOSED, null, 'webhooks after close');
    $again = Processor::open(simConfig($dir));
    same('z', $again->getIntent($i['id'])['order_id'], 'reopened');
    throws(fn () => clone $again, Error::class, '/private .*Processor::__clone/', 'clone');
});

test('open: from a file with a store path; bad configurations name the key', function (): void {
    $dir = tempDir();
    file_put_contents("$dir/usd1pay.json", json_encode(simConfig($dir)));
    $p = Processor::open("$dir/usd1pay.json", "$dir/other.db", 100);
    $p->createIntent(['order_id' => 'f', 'amount' => '1.00']);
    $p->close();
    ok(is_file("$dir/other.db"), 'the store is where asked');
    ok(!is_file("$dir/usd1pay.db"), 'not where the configuration says');
    $json = Processor::openJson(json_encode(simConfig($dir)));
    same([], $json->listIntents()['intents'], 'openJson');

    throws(fn () => Processor::open("$dir/missing.json"), E::EIO, '/missing\.json/', 'missing file');
    $bad = simConfig($dir);
    $bad['store']['paht'] = 'x';
    throws(fn () => Processor::open($bad), E::EINVALID, '/paht/', 'misspelt key');
    $emptyArray = simConfig($dir);
    $emptyArray['chains'][0]['backend_settings'] = [];
    throws(fn () => Processor::open($emptyArray), E::EINVALID, '/backend_settings/', 'an empty array is a JSON list');
    $emptyObject = simConfig($dir);
    $emptyObject['chains'][0]['backend_settings'] = new stdClass();
    Processor::open($emptyObject)->close();
    throws(fn () => Processor::openJson('{"version": 1,'), E::EINVALID, '/JSON/', 'bad JSON');
    throws(fn () => Processor::open(simConfig($dir), null, -1), E::ERANGE, '/poll interval/', 'negative interval');
});

// ---- QR codes and addresses ----

test('the PNG of an intent decodes (zbarimg) to its payment URI', function (): void {
    $dir = tempDir();
    $p = Processor::open(simConfig($dir));
    $i = $p->createIntent(['order_id' => 'qr-1', 'amount' => '25.00']);
    $png = Usd1pay::qrPng($i['payment_uri']);
    same("\x89PNG\r\n\x1a\n", substr($png, 0, 8), 'PNG signature');
    file_put_contents("$dir/qr.png", $png);
    $decoded = shell_exec('zbarimg --quiet --raw ' . escapeshellarg("$dir/qr.png") . ' 2>/dev/null');
    same($i['payment_uri'] . "\n", $decoded, 'zbarimg');
    $big = Usd1pay::qrPng($i['payment_uri'], ['png_module_pixels' => 16, 'error_correction' => 'H']);
    ok(strlen($big) > strlen($png), 'bigger modules, bigger PNG');
    file_put_contents("$dir/big.png", $big);
    same($i['payment_uri'] . "\n", shell_exec('zbarimg --quiet --raw ' . escapeshellarg("$dir/big.png") . ' 2>/dev/null'), 'zbarimg, level H');
});

test('SVG and terminal renderings; bad QR input', function (): void {
    $svg = Usd1pay::qrSvg('ethereum:0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA@1337');
    ok(preg_match('/<svg[^>]*>/', $svg) === 1 && str_ends_with(rtrim($svg), '</svg>'), 'an SVG document');
    ok(str_contains(Usd1pay::qrSvg('hello', ['svgSizePx' => 300]), 'width="300"'), 'svg size');
    $text = Usd1pay::qrTerminal('hello');
    ok(str_ends_with($text, "\n") && substr_count($text, "\n") > 5, 'terminal lines');
    ok(preg_match('/[\x{2580}\x{2584}\x{2588}]/u', $text) === 1, 'half blocks');
    ok(Usd1pay::qrTerminal('hello', ['terminal_style' => 'light']) !== $text, 'light style differs');
    ok(str_contains(Usd1pay::qrTerminal('hello', ['terminal_style' => 'ansi']), "\x1b["), 'ansi style');

    throws(fn () => Usd1pay::qrSvg(''), E::EINVALID, null, 'empty payload');
    throws(fn () => Usd1pay::qrPng(str_repeat('x', 5000)), E::ERANGE, null, 'too long for PNG');
    throws(fn () => Usd1pay::qrTerminal(str_repeat('x', 5000)), E::ERANGE, null, 'too long for terminal');
    throws(fn () => Usd1pay::qrPng('x', ['quiet_zone' => 65]), E::EINVALID, null, 'quiet zone 65');
    throws(fn () => Usd1pay::qrPng('x', ['png_module_pixels' => 0]), E::EINVALID, null, 'module pixels 0');
    throws(fn () => Usd1pay::qrPng('x', ['error_correction' => 'Z']), E::EINVALID, '/error_correction/', 'level Z');
    throws(fn () => Usd1pay::qrPng('x', ['colour' => 'red']), E::EINVALID, '/colour/', 'unknown option');
    throws(fn () => Usd1pay::qrPng('x', ['quiet_zone' => 1.5]), TypeError::class, null, 'float option');
    throws(fn () => Usd1pay::qrPng("a\0b"), E::EINVALID, '/NUL/', 'NUL in payload');
});

test('addresses: canonical spellings and each way to be wrong', function (): void {
    $eip55 = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
    same($eip55, Usd1pay::validateAddress('eip155:1', strtolower($eip55)), 'EIP-55 case');
    same($eip55, Usd1pay::validateAddress('evm', $eip55), 'already canonical');
    same('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', Usd1pay::validateAddress('tron', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t'), 'tron');
    throws(fn () => Usd1pay::validateAddress('evm', str_replace('aA', 'Aa', $eip55)), E::ECHECKSUM, null, 'wrong case');
    throws(fn () => Usd1pay::validateAddress('evm', substr($eip55, 0, -1) . 'Z'), E::EINVALID, '/position/', 'bad character');
    throws(fn () => Usd1pay::validateAddress('tron', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u'), E::ECHECKSUM, null, 'tron checksum');
    throws(fn () => Usd1pay::validateAddress('bitcoin', $eip55), E::EINVALID, null, 'unknown chain');
    throws(fn () => Usd1pay::validateAddress('evm', ''), E::EINVALID, null, 'empty');
});

// ---- webhooks ----

test('webhook verification: a payload signed here verifies; tampered, stale, forged ones are refused', function (): void {
    $secret = newSecret();
    $other = newSecret();
    $body = '{"type":"intent.succeeded","data":{"intent":{"id":"pi_1","amount":"25.00"}}}';
    $ts = time();
    $h = ['webhook-id' => 'msg_2QxnPs8Tq0dJ5lJ3Ayj1C0nh', 'webhook-timestamp' => (string) $ts,
        'webhook-signature' => sign($secret, 'msg_2QxnPs8Tq0dJ5lJ3Ayj1C0nh', $ts, $body)];
    Usd1pay::verifyWebhook($secret, $h, $body);
    Usd1pay::verifyWebhook([$other, $secret], $h, $body);
    $server = ['HTTP_WEBHOOK_ID' => $h['webhook-id'], 'HTTP_WEBHOOK_TIMESTAMP' => $h['webhook-timestamp'],
        'HTTP_WEBHOOK_SIGNATURE' => $h['webhook-signature'], 'REQUEST_METHOD' => 'POST'];
    Usd1pay::verifyWebhook($secret, $server, $body);
    Usd1pay::verifyWebhook($secret, ['Webhook-Id' => [$h['webhook-id']]] + $h, $body);
    $rotated = $h;
    $rotated['webhook-signature'] = sign($other, $h['webhook-id'], $ts, $body) . ' ' . $h['webhook-signature'];
    Usd1pay::verifyWebhook($secret, $rotated, $body);
    ok(true, 'genuine messages verify');

    throws(fn () => Usd1pay::verifyWebhook($secret, $h, str_replace('25.00', '2500', $body)), E::ECHECKSUM, '/no v1 signature/', 'tampered body');
    throws(fn () => Usd1pay::verifyWebhook($secret, $h, $body . ' '), E::ECHECKSUM, null, 'one byte more');
    throws(fn () => Usd1pay::verifyWebhook($other, $h, $body), E::ECHECKSUM, null, 'wrong secret');
    throws(fn () => Usd1pay::verifyWebhook($secret, ['webhook-id' => 'msg_other'] + $h, $body), E::ECHECKSUM, null, 'other id');

    $old = 1735787045;
    $oh = ['webhook-id' => 'msg_1', 'webhook-timestamp' => (string) $old, 'webhook-signature' => sign($secret, 'msg_1', $old, $body)];
    Usd1pay::verifyWebhook($secret, $oh, $body, $old + 300);
    Usd1pay::verifyWebhook($secret, $oh, $body, $old - 300);
    Usd1pay::verifyWebhook($secret, $oh, $body, $old + 1000, 1000);
    throws(fn () => Usd1pay::verifyWebhook($secret, $oh, $body, $old + 301), E::ERANGE, null, '301 s late');
    throws(fn () => Usd1pay::verifyWebhook($secret, $oh, $body, $old - 301), E::ERANGE, null, '301 s early');
    throws(fn () => Usd1pay::verifyWebhook($secret, $oh, $body), E::ERANGE, null, 'stale against the clock');

    $noSig = $h;
    unset($noSig['webhook-signature']);
    throws(fn () => Usd1pay::verifyWebhook($secret, $noSig, $body), E::EINVALID, '/webhook-signature is missing/', 'no signature header');
    throws(fn () => Usd1pay::verifyWebhook($secret, ['webhook-timestamp' => '12x'] + $h, $body), E::EINVALID, '/timestamp/', 'bad timestamp');
    throws(fn () => Usd1pay::verifyWebhook('whsec_!!!', $h, $body), E::EINVALID, '/secret/', 'bad secret');
    throws(fn () => Usd1pay::verifyWebhook([], $h, $body), TypeError::class, null, 'no secret');
    throws(fn () => Usd1pay::verifyWebhook([$secret, 7], $h, $body), TypeError::class, null, 'a secret not a string');
    throws(fn () => Usd1pay::verifyWebhook($secret, $h, $body, -5), E::ERANGE, null, 'negative now');
});

test('usd1pay delivers webhooks to a receiver (php -S) that verifies them with the binding', function (): void {
    $dir = tempDir();
    $log = "$dir/received.jsonl";
    file_put_contents("$dir/receiver.php", <<<'PHP'
        <?php
        $headers = [];
        foreach ($_SERVER as $k => $v) {
            if (str_starts_with($k, 'HTTP_WEBHOOK_')) {
                $headers[strtolower(str_replace('_', '-', substr($k, 5)))] = $v;
            }
        }
        file_put_contents(getenv('RECEIVED_LOG'), json_encode(['headers' => $headers,
            'body' => base64_encode(file_get_contents('php://input'))]) . "\n", FILE_APPEND | LOCK_EX);
        echo 'ok';
        PHP);
    $port = startPhpServer(["$dir/receiver.php"], $dir, ['RECEIVED_LOG' => $log]);

    $p = Processor::open(simConfig($dir, ['webhook_delivery' => ['allow_private_destinations' => true, 'jitter' => 0]]));
    $url = "http://127.0.0.1:$port/hooks";
    $ep = $p->addWebhookEndpoint(['url' => $url, 'event_types' => ['intent.*'], 'description' => 'php test']);
    ok(str_starts_with($ep['id'], 'we_') && str_starts_with($ep['secret'], 'whsec_'), 'endpoint id and secret');
    same([$ep['id']], array_column($p->listWebhookEndpoints()['endpoints'], 'id'), 'endpoint listed');
    ok(!isset($p->listWebhookEndpoints()['endpoints'][0]['secret']), 'listed without its secret');
    throws(fn () => $p->addWebhookEndpoint(['url' => $url]), E::EEXISTS, null, 'same URL again');
    throws(fn () => $p->addWebhookEndpoint(['url' => 'ftp://x']), E::EINVALID, null, 'ftp URL');

    $p->pollOnce();
    $i = $p->createIntent(['order_id' => 'hook-1', 'amount' => '7.00']);
    $p->simPay($i['id']);
    $p->simMine(10);
    $p->pollOnce();
    same('succeeded', $p->getIntent($i['id'])['status'], 'paid');
    $report = $p->drainWebhooks(10000);
    ok($report['succeeded'] >= 2, 'drain delivered: ' . json_encode($report));
    $received = array_map(fn ($l) => json_decode($l, true), file($log, FILE_IGNORE_NEW_LINES));
    $types = [];
    foreach ($received as $r) {
        $body = base64_decode($r['body']);
        Usd1pay::verifyWebhook($ep['secret'], $r['headers'], $body);
        throws(fn () => Usd1pay::verifyWebhook($ep['secret'], $r['headers'], strtoupper($body)), E::ECHECKSUM, null, 'altered delivery');
        $types[] = json_decode($body, true)['type'];
        if (end($types) === 'intent.succeeded') {
            same($i['id'], json_decode($body, true)['data']['intent']['id'], 'the intent in intent.succeeded');
        }
    }
    ok(in_array('intent.created', $types, true) && in_array('intent.succeeded', $types, true), 'received: ' . implode(',', $types));
    $p->startWebhooks();
    throws(fn () => $p->startWebhooks(), E::ESTATE, null, 'start twice');
    throws(fn () => $p->drainWebhooks(100), E::ESTATE, null, 'drain while running');
    $p->stopWebhooks();
    $p->close();
});

// ---- the README ----

test('the README example runs under php -S: the checkout page, then the webhook endpoint', function (): void {
    $readme = file_get_contents(dirname(__DIR__) . '/README.md');
    preg_match_all('/```php\n(.*?)```/s', $readme, $m);
    same(1, count($m[1]), 'one php block in the README');
    $example = $m[1][0];
    $lines = explode("\n", rtrim($example));
    ok(count($lines) < 20, count($lines) . ' lines');

    // The block is two files: checkout.php, then webhook.php from its comment on.
    $split = strpos($example, '// webhook.php');
    ok($split !== false, 'the webhook.php part');
    preg_match('/^use .*;$/m', $example, $use);
    $dir = tempDir();
    file_put_contents("$dir/usd1pay.json", json_encode(simConfig($dir)));
    file_put_contents("$dir/checkout.php", "<?php\n"
        . str_replace('/etc/shop/usd1pay.json', "$dir/usd1pay.json", substr($example, 0, $split)));
    file_put_contents("$dir/webhook.php", "<?php\n{$use[0]}\n" . substr($example, $split));
    // What the shop provides around the example: the classes and mark_paid().
    file_put_contents("$dir/prepend.php", '<?php require ' . var_export(dirname(__DIR__) . '/autoload.php', true)
        . ";\nfunction mark_paid(string \$order): void { file_put_contents(getenv('PAID_LOG'), \"\$order\\n\", FILE_APPEND); }\n");
    $secret = newSecret();
    $port = startPhpServer(['-d', 'ffi.enable=1', '-d', "auto_prepend_file=$dir/prepend.php", '-t', $dir], $dir,
        ['USD1PAY_WEBHOOK_SECRET' => $secret, 'PAID_LOG' => "$dir/paid.log"]);

    [$status, $page] = http('GET', "http://127.0.0.1:$port/checkout.php");
    same(200, $status, 'checkout.php status');
    ok(preg_match('/^Pay 25\.00 USD1 to 0x[0-9a-fA-F]{40}<svg /', $page) === 1, 'checkout page: ' . substr($page, 0, 120));
    ok(str_ends_with(rtrim($page), '</svg>'), 'the QR code as inline SVG');

    $body = '{"type":"intent.succeeded","data":{"intent":{"order_id":"order-1001","amount":"25.00"}}}';
    $ts = time();
    $headers = ['webhook-id' => 'msg_1', 'webhook-timestamp' => (string) $ts,
        'webhook-signature' => sign($secret, 'msg_1', $ts, $body), 'Content-Type' => 'application/json'];
    [$status, $reply] = http('POST', "http://127.0.0.1:$port/webhook.php", $headers, str_replace('25.00', '0.01', $body));
    same(400, $status, 'forged webhook status');
    same('USD1PAY_ECHECKSUM', $reply, 'forged webhook reply');
    ok(!is_file("$dir/paid.log"), 'a forged webhook marks nothing paid');
    [$status] = http('POST', "http://127.0.0.1:$port/webhook.php", $headers, $body);
    same(200, $status, 'genuine webhook status');
    same("order-1001\n", @file_get_contents("$dir/paid.log"), 'the order marked paid');
});

// ---- memory ----

/** Bytes glibc's malloc has handed out and not taken back (the library allocates with malloc). */
function heapInUse(): int
{
    static $libc = null;
    $libc ??= FFI::cdef('struct mallinfo2 { size_t arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks,
        uordblks, fordblks, keepcost; }; struct mallinfo2 mallinfo2(void);', 'libc.so.6');
    $m = $libc->mallinfo2();
    return $m->uordblks + $m->hblkhd;
}

/** Heap growth over $rounds calls of $fn, after a warm-up. */
function growth(int $rounds, callable $fn): int
{
    for ($i = 0; $i < 20; $i++) {
        $fn();
    }
    $before = heapInUse();
    for ($i = 0; $i < $rounds; $i++) {
        $fn();
    }
    return heapInUse() - $before;
}

test('nothing the library returns is leaked: replies, QR bytes and error paths are freed', function (): void {
    $mb = 1024 * 1024;
    $payload = str_repeat('x', 1000);
    $reply = strlen(Usd1pay::qrSvg($payload)) + strlen(Usd1pay::qrTerminal($payload)) + strlen(Usd1pay::qrPng($payload));
    ok(150 * $reply > 8 * $mb, 'the leak this test would see must be large');
    $grew = growth(150, function () use ($payload): void {
        Usd1pay::qrSvg($payload);
        Usd1pay::qrTerminal($payload);
        Usd1pay::qrPng($payload);
    });
    ok($grew < 2 * $mb, "QR: the heap grew by $grew bytes over 150 rounds");

    $p = openSim();
    for ($i = 0; $i < 50; $i++) {
        $p->createIntent(['order_id' => "m-$i", 'amount' => '1.00', 'metadata' => ['note' => str_repeat('n', 3000)]]);
    }
    ok(200 * strlen(json_encode($p->listIntents(['limit' => 50]))) > 20 * $mb, 'the leak this test would see must be large');
    $grew = growth(200, function () use ($p): void {
        $p->listIntents(['limit' => 50]);
        try {
            $p->getIntent('pi_000000000000000000000000');
        } catch (E $e) {
        }
        try {
            $p->createIntent(['order_id' => 'x', 'amount' => 'bad']);
        } catch (E $e) {
        }
    });
    ok($grew < 2 * $mb, "JSON replies: the heap grew by $grew bytes over 200 rounds");
    $p->close();
});

$passed = $GLOBALS['passed'];
$failed = $GLOBALS['failed'];
echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
