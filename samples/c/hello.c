/*
 * hello.c: one checkout through usd1pay's C ABI, on the simulated chain.
 *
 *   hello [STORE_FILE]
 *
 * Opens a processor from a configuration embedded below (a SimChain EVM
 * chain with USD1), creates a payment intent, prints its payment URI and QR
 * code, lets a simulated customer pay, mines blocks until the payment is
 * final, prints a receipt, and verifies a signed webhook the way a shop's
 * receiver does. The store is STORE_FILE, or a file in a new temporary
 * directory (removed at the end). Exits 0 when the intent succeeded.
 *
 * Build (C99) against an installed usd1pay:
 *   cc -std=c99 hello.c $(pkg-config --cflags --libs usd1pay-c) -o hello
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usd1pay/usd1pay.h"

/* A simulated EVM chain; deposit addresses derived from a watch-only xpub. */
static const char* const kConfig =
    "{\"version\": 1,"
    " \"store\": {\"path\": \"hello.db\"},"
    " \"chains\": [{"
    "   \"id\": \"eip155:1337\", \"backend\": \"sim\","
    "   \"finality\": {\"kind\": \"confirmations\", \"confirmations\": 3},"
    "   \"tokens\": [{\"symbol\": \"USD1\","
    "                 \"contract\": \"0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA\","
    "                 \"decimals\": 18}],"
    "   \"strategy\": \"xpub\","
    "   \"xpub\": \"xpub6Ce9NcJvTk36xtLSrJLZqE7wtgA5deCeYs7rSQtreh4cj6ByPtrg9sD7V2FNFLPnf8heNP3FGk"
    "eV9qwfzvZNSd54JoNXVsXFYSYwHsnJxqP\","
    "   \"derivation_path\": \"0\"}]}";

/* The example of docs/webhook-verification.md: a webhook signed with this
 * secret at this time. */
static const char* const kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
static const char* const kWebhookId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
static const char* const kWebhookTimestamp = "1614265330";
static const char* const kWebhookSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
static const char* const kWebhookBody = "{\"test\": 2432232314}";

/* Prints why the last call failed and exits. */
static void check(int rc, const char* what) {
  if (rc != USD1PAY_OK) {
    fprintf(stderr, "hello: %s: %s (%s)\n", what, usd1pay_error_last(), usd1pay_error_name(rc));
    exit(1);
  }
}

/* The string value of "key" in a flat JSON object this library wrote, copied
 * into out (a real program would use a JSON parser). */
static int json_string(const char* json, const char* key, char* out, size_t size) {
  char needle[64];
  const char* at;
  size_t n = 0;
  snprintf(needle, sizeof needle, "\"%s\":\"", key);
  at = strstr(json, needle);
  if (at == NULL) return 0;
  at += strlen(needle);
  while (at[n] != '\0' && at[n] != '"' && n + 1 < size) {
    out[n] = at[n];
    ++n;
  }
  out[n] = '\0';
  return 1;
}

int main(int argc, char** argv) {
  char dir[] = "/tmp/usd1pay-hello-XXXXXX";
  char store[512];
  int temporary = 0;
  usd1pay_open_options options = USD1PAY_OPEN_OPTIONS_INIT;
  usd1pay_qr_options qr = USD1PAY_QR_OPTIONS_INIT;
  usd1pay_processor* p = NULL;
  char* intent = NULL;
  char* text = NULL;
  char* tx = NULL;
  char id[64], uri[512], amount[64], address[128], status[32];
  const char* secrets[1];
  int i, rc;

  if (argc > 1) {
    snprintf(store, sizeof store, "%s", argv[1]);
  } else {
    if (mkdtemp(dir) == NULL) {
      perror("hello: mkdtemp");
      return 1;
    }
    snprintf(store, sizeof store, "%s/hello.db", dir);
    temporary = 1;
  }
  printf("usd1pay %s (C ABI %d)\n", usd1pay_version(), usd1pay_abi_version());

  options.store_path = store;
  check(usd1pay_processor_open_json(&p, kConfig, &options), "open");

  /* 1. The order: 25.00 USD, paid in USD1 on the default chain. */
  check(usd1pay_intent_create(&intent, p,
                              "{\"order_id\": \"hello-1\", \"amount\": \"25.00\","
                              " \"metadata\": {\"till\": \"3\"}}"),
        "create intent");
  if (!json_string(intent, "id", id, sizeof id) ||
      !json_string(intent, "payment_uri", uri, sizeof uri) ||
      !json_string(intent, "amount_due", amount, sizeof amount) ||
      !json_string(intent, "deposit_address", address, sizeof address)) {
    fprintf(stderr, "hello: unexpected intent JSON: %s\n", intent);
    return 1;
  }
  usd1pay_free(intent);
  printf("intent  %s\npay     %s USD1 to %s\nuri     %s\n", id, amount, address, uri);

  /* 2. The QR code the customer scans. */
  qr.terminal_style = USD1PAY_QR_TERMINAL_ANSI;
  check(usd1pay_qr_terminal(&text, uri, &qr), "QR code");
  fputs(text, stdout);
  usd1pay_free(text);

  /* 3. The customer pays (simulated), blocks arrive, the tracker confirms. */
  check(usd1pay_tracker_poll_once(NULL, p), "first scan"); /* starts at the head */
  check(usd1pay_sim_pay(&tx, p, id, NULL), "pay");
  printf("paid    in tx %s\n", tx);
  usd1pay_free(tx);
  status[0] = '\0';
  for (i = 0; i < 10 && strcmp(status, "succeeded") != 0; ++i) {
    check(usd1pay_sim_mine(NULL, p, NULL, 1), "mine");
    check(usd1pay_tracker_poll_once(NULL, p), "scan");
    check(usd1pay_intent_get(&intent, p, id), "get intent");
    json_string(intent, "status", status, sizeof status);
    usd1pay_free(intent);
    printf("block   +%d  %s\n", i + 1, status);
  }
  if (strcmp(status, "succeeded") != 0) {
    fprintf(stderr, "hello: the intent did not succeed (%s)\n", status);
    return 1;
  }
  printf("RECEIPT order hello-1  25.00 USD  paid %s USD1  intent %s  succeeded\n", amount, id);

  /* 4. A shop's webhook receiver checks a signature (at the example's time). */
  secrets[0] = kSecret;
  rc = usd1pay_webhook_verify(secrets, 1, kWebhookId, kWebhookTimestamp, kWebhookSignature,
                              (const unsigned char*)kWebhookBody, strlen(kWebhookBody), 1614265330,
                              -1);
  check(rc, "verify webhook");
  printf("webhook signature verified\n");

  check(usd1pay_processor_close(p), "close");
  usd1pay_processor_free(p);
  if (temporary) {
    /* SQLite's WAL files go with the store. */
    char path[600];
    snprintf(path, sizeof path, "%s-wal", store);
    unlink(path);
    snprintf(path, sizeof path, "%s-shm", store);
    unlink(path);
    unlink(store);
    rmdir(dir);
  }
  return 0;
}
