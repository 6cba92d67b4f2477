<?php
// Verify a usd1pay webhook with PHP's hash extension (hash_hmac, hash_equals).
// Usage: php verify.php SECRET WEBHOOK_ID WEBHOOK_TIMESTAMP WEBHOOK_SIGNATURE BODY_FILE
// Exit status: 0 valid, 1 invalid, 2 usage.
// In a web request: the headers are $_SERVER['HTTP_WEBHOOK_ID'],
// $_SERVER['HTTP_WEBHOOK_TIMESTAMP'], $_SERVER['HTTP_WEBHOOK_SIGNATURE'], and
// the raw body is file_get_contents('php://input').

const WEBHOOK_TOLERANCE_SECONDS = 300;

function verify_webhook(string $secret, string $id, string $timestamp, string $signature,
                        string $body): bool
{
    if (strncmp($secret, 'whsec_', 6) === 0) {
        $secret = substr($secret, 6);
    }
    $key = base64_decode($secret, true);
    if ($key === false || $key === '') {
        return false;
    }
    if (preg_match('/^[0-9]{1,19}$/D', $timestamp) !== 1) {
        return false;
    }
    if (abs(time() - (int) $timestamp) > WEBHOOK_TOLERANCE_SECONDS) {
        return false;
    }
    $expected = base64_encode(hash_hmac('sha256', $id . '.' . $timestamp . '.' . $body, $key, true));
    // Several "v1,<base64>" entries, space-separated, while a secret is rotated.
    foreach (explode(' ', $signature) as $entry) {
        $parts = explode(',', $entry, 2);
        if (count($parts) === 2 && $parts[0] === 'v1' && hash_equals($expected, $parts[1])) {
            return true;
        }
    }
    return false;
}

if ($argc !== 6) {
    fwrite(STDERR, "usage: php verify.php SECRET ID TIMESTAMP SIGNATURE BODY_FILE\n");
    exit(2);
}
$body = file_get_contents($argv[5]);
if ($body === false || !verify_webhook($argv[1], $argv[2], $argv[3], $argv[4], $body)) {
    fwrite(STDERR, "invalid\n");
    exit(1);
}
echo "valid\n";
