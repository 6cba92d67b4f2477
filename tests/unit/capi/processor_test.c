/*
 * The processor functions of the C ABI tested from C, on real SQLite files:
 * open / close / free, intents, events, look-ups, the tracker on SimChain
 * (a payment through to succeeded, background start / stop), exports, use
 * after close, NULL everywhere, and a concurrency smoke test (threads
 * creating intents while another closes the handle).
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c_fixture.h"
#include "c_harness.h"
#include "usd1pay/usd1pay.h"

#define UNKNOWN_INTENT "pi_000000000000000000000000"

/* ------------------------------------------------------------ open / close */

static void test_open_close_free(void) {
  Fixture f;
  if (!fixture_open(&f)) return;
  CHECK(file_exists(f.store));
  CHECK_RC(usd1pay_processor_close(f.p), USD1PAY_OK);
  CHECK_RC(usd1pay_processor_close(f.p), USD1PAY_OK); /* twice is fine */
  fixture_done(&f);                                   /* frees a closed handle */
}

static void test_open_from_file(void) {
  Fixture f;
  char path[160], store[160];
  usd1pay_processor* p = (usd1pay_processor*)SENTINEL;
  char* json = NULL;
  if (!fixture_dir(&f)) return;
  fixture_path(&f, "usd1pay.json", path, sizeof path);
  /* A relative store path is relative to the configuration file. */
  write_text_file(path,
                  "{\"version\": 1, \"store\": {\"path\": \"shop.db\"},"
                  " \"chains\": [" SIM_CHAIN_JSON "]}");
  CHECK_RC(usd1pay_processor_open(&p, path, NULL), USD1PAY_OK);
  fixture_path(&f, "shop.db", store, sizeof store);
  CHECK(file_exists(store));
  CHECK_RC(usd1pay_intent_list(&json, p, NULL), USD1PAY_OK);
  CHECK_CONTAINS(json, "{\"intents\":[],\"next_cursor\":\"\"}");
  usd1pay_free(json);
  usd1pay_processor_free(p);
  /* Options override the configured store. */
  {
    usd1pay_open_options options = USD1PAY_OPEN_OPTIONS_INIT;
    char other[160];
    fixture_path(&f, "other.db", other, sizeof other);
    options.store_path = other;
    CHECK_RC(usd1pay_processor_open(&p, path, &options), USD1PAY_OK);
    CHECK(file_exists(other));
    usd1pay_processor_free(p);
  }
  p = (usd1pay_processor*)SENTINEL;
  fixture_path(&f, "missing.json", path, sizeof path);
  CHECK_RC(usd1pay_processor_open(&p, path, NULL), USD1PAY_EIO);
  CHECK(p == NULL);
  CHECK_ERROR("missing.json");
  CHECK_RC(usd1pay_processor_open(&p, NULL, NULL), USD1PAY_EINVALID);
  CHECK_ERROR("processor_open: config_path is NULL");
  CHECK_RC(usd1pay_processor_open(NULL, path, NULL), USD1PAY_EINVALID);
  CHECK_ERROR("processor_open: out is NULL");
  fixture_done(&f);
}

static int open_json(Fixture* f, const char* config, usd1pay_open_options* options) {
  usd1pay_processor* p = (usd1pay_processor*)SENTINEL;
  int rc = usd1pay_processor_open_json(&p, config, options);
  CHECK(rc == USD1PAY_OK || p == NULL);
  if (rc == USD1PAY_OK) usd1pay_processor_free(p);
  (void)f;
  return rc;
}

static void test_open_errors(void) {
  Fixture f;
  usd1pay_open_options options = USD1PAY_OPEN_OPTIONS_INIT;
  char path[160];
  if (!fixture_dir(&f)) return;
  options.store_path = f.store;
  CHECK_RC(open_json(&f, "{\"version\": 1,\n \"chains\": [}", &options), USD1PAY_EINVALID);
  CHECK_ERROR("line 2");
  CHECK_RC(open_json(&f, "{\"version\": 1, \"chainz\": []}", &options), USD1PAY_EINVALID);
  CHECK_ERROR("chainz");
  /* The xpub's last character changed: its base58check fails. */
  CHECK_RC(
      open_json(&f,
                "{\"version\": 1, \"store\": {\"path\": \"s.db\"}, \"chains\": [{\"id\": "
                "\"eip155:1337\", \"backend\": \"sim\","
                " \"tokens\": [{\"symbol\": \"USD1\", \"contract\":"
                " \"0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA\", \"decimals\": 6}],"
                " \"strategy\": \"xpub\", \"xpub\": \"xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYu"
                "XoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnx\"}]}",
                &options),
      USD1PAY_ECHECKSUM);
  CHECK_RC(open_json(&f,
                     "{\"version\": 1, \"store\": {\"path\": \"s.db\"}, \"chains\": [{\"id\": "
                     "\"eip155:1337\", \"backend\": \"carrier"
                     "-pigeon\", \"tokens\": [{\"symbol\": \"USD1\", \"contract\":"
                     " \"0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA\", \"decimals\": 6}],"
                     " \"strategy\": \"static\", \"merchant_address\":"
                     " \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"}]}",
                     &options),
           USD1PAY_EUNSUPPORTED);
  CHECK_RC(open_json(&f, NULL, &options), USD1PAY_EINVALID);
  CHECK_ERROR("processor_open_json: config_json is NULL");
  CHECK_RC(usd1pay_processor_open_json(NULL, kShopConfig, &options), USD1PAY_EINVALID);
  /* Options of a version this library does not know, or an empty path. */
  options.version = 0;
  CHECK_RC(open_json(&f, kShopConfig, &options), USD1PAY_EINVALID);
  CHECK_ERROR("unknown version 0");
  options.version = USD1PAY_OPEN_OPTIONS_VERSION + 1;
  CHECK_RC(open_json(&f, kShopConfig, &options), USD1PAY_EINVALID);
  options.version = USD1PAY_OPEN_OPTIONS_VERSION;
  options.store_path = "";
  CHECK_RC(open_json(&f, kShopConfig, &options), USD1PAY_EINVALID);
  CHECK_ERROR("store_path is empty");
  /* A store that cannot be created, and a file that is not a store. */
  options.store_path = "/nonexistent-dir/usd1pay/store.db";
  CHECK_RC(open_json(&f, kShopConfig, &options), USD1PAY_EIO);
  CHECK_ERROR("/nonexistent-dir/usd1pay/store.db");
  fixture_path(&f, "not-a-store.db", path, sizeof path);
  write_text_file(path, "these bytes are not an SQLite database, not even its header\n");
  options.store_path = path;
  CHECK_RC(open_json(&f, kShopConfig, &options), USD1PAY_EINVALID);
  CHECK_ERROR("not-a-store.db");
  fixture_done(&f);
}

/* ------------------------------------------------------------ intents */

static void test_intent_create_and_get(void) {
  Fixture f;
  char* created = NULL;
  char* got = (char*)SENTINEL;
  char id[64], again[64], address[128];
  if (!fixture_open(&f)) return;
  CHECK_RC(usd1pay_intent_create(&created, f.p,
                                 "{\"order_id\": \"order-1\", \"amount\": \"25.00\","
                                 " \"metadata\": {\"till\": 3, \"note\": \"caf\xc3\xa9\"},"
                                 " \"expires_in_seconds\": 600, \"actor\": \"till-3\","
                                 " \"chain\": null}"),
           USD1PAY_OK);
  CHECK(json_string(created, "id", id, sizeof id));
  CHECK(strncmp(id, "pi_", 3) == 0);
  CHECK_CONTAINS(created, "\"status\":\"requires_payment\"");
  CHECK_CONTAINS(created, "\"order_id\":\"order-1\"");
  CHECK_CONTAINS(created, "\"amount\":\"25.00\"");
  CHECK_CONTAINS(created, "\"currency\":\"USD\"");
  CHECK_CONTAINS(created, "\"amount_base_units\":\"25000000\"");
  CHECK_CONTAINS(created, "\"chain\":\"eip155:1337\"");
  CHECK_CONTAINS(created, "\"token\":\"USD1\"");
  CHECK_CONTAINS(created, "\"metadata\":{\"note\":\"caf\xc3\xa9\",\"till\":3}");
  CHECK_CONTAINS(created,
                 "\"payment_uri\":\"ethereum:0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA"
                 "@1337/transfer?address=");
  CHECK(json_string(created, "deposit_address", address, sizeof address));
  CHECK_RC(usd1pay_address_validate(NULL, 0, "eip155:1337", address), USD1PAY_OK);
  CHECK_RC(usd1pay_intent_get(&got, f.p, id), USD1PAY_OK);
  CHECK(got != NULL && created != NULL && strcmp(got, created) == 0);
  CHECK(json_string(got, "id", again, sizeof again) && strcmp(again, id) == 0);
  usd1pay_free(got);
  usd1pay_free(created);
  /* The actor of the request is the event's actor. */
  CHECK_RC(usd1pay_events_list(&got, f.p, id, 0, 10), USD1PAY_OK);
  CHECK_CONTAINS(got, "\"type\":\"intent.created\"");
  CHECK_CONTAINS(got, "\"actor\":\"till-3\"");
  usd1pay_free(got);
  fixture_done(&f);
}

static void test_intent_get_errors(void) {
  Fixture f;
  char* out = SENTINEL;
  if (!fixture_open(&f)) return;
  CHECK_FAILS(out, usd1pay_intent_get(&out, f.p, UNKNOWN_INTENT), USD1PAY_ENOTFOUND,
              UNKNOWN_INTENT);
  out = SENTINEL;
  CHECK_RC(usd1pay_intent_get(&out, f.p, "order-1"), USD1PAY_EINVALID);
  CHECK(out == NULL);
  CHECK_RC(usd1pay_intent_get(&out, f.p, ""), USD1PAY_EINVALID);
  CHECK_ERROR("intent_get: intent_id is empty");
  CHECK_RC(usd1pay_intent_get(&out, f.p, NULL), USD1PAY_EINVALID);
  CHECK_ERROR("intent_get: intent_id is NULL");
  CHECK_RC(usd1pay_intent_get(NULL, f.p, UNKNOWN_INTENT), USD1PAY_EINVALID);
  CHECK_ERROR("intent_get: out_intent_json is NULL");
  fixture_done(&f);
}

/* intent_create with `request` must fail with `code`, naming `part`. */
static void create_fails(usd1pay_processor* p, const char* request, int code, const char* part) {
  char* out;
  if (CHECK_FAILS(out, usd1pay_intent_create(&out, p, request), code, part) != code) {
    fprintf(stderr, "  request: %s\n", request);
  }
}

static void test_intent_create_request_errors(void) {
  Fixture f;
  char deep[400];
  int i;
  if (!fixture_open(&f)) return;
  create_fails(f.p, NULL, USD1PAY_EINVALID, "intent_create: request_json is NULL");
  create_fails(f.p, "order-1 25.00", USD1PAY_EINVALID,
               "intent_create: request_json: malformed JSON at byte 1");
  create_fails(f.p, "{\"order_id\": \"o\", \"amount\": \"1\"", USD1PAY_EINVALID, "malformed JSON");
  create_fails(f.p, "[]", USD1PAY_EINVALID, "intent_create: expected a JSON object, not an array");
  create_fails(f.p, "{\"order_id\": \"o\", \"amout\": \"25.00\"}", USD1PAY_EINVALID,
               "intent_create: unknown key 'amout' (did you mean 'amount'?)");
  create_fails(f.p, "{\"order_id\": \"o\", \"amount\": \"1\", \"amount\": \"2\"}", USD1PAY_EINVALID,
               "duplicate key 'amount'");
  create_fails(f.p, "{\"order_id\": \"o\", \"amount\": \"1\", \"metadata\": {\"a\": 1, \"a\": 2}}",
               USD1PAY_EINVALID, "duplicate key 'metadata.a'");
  create_fails(f.p, "{\"order_id\": \"o\", \"amount\": 25}", USD1PAY_EINVALID,
               "'amount' must be a string, not an integer (write an exact decimal such as "
               "\"25.00\")");
  create_fails(f.p, "{\"order_id\": \"o\", \"amount\": 25.5}", USD1PAY_EINVALID,
               "'amount' must be a string, not a number with a fraction");
  create_fails(f.p, "{\"amount\": \"25.00\"}", USD1PAY_EINVALID, "missing required key 'order_id'");
  create_fails(f.p, "{\"order_id\": null, \"amount\": \"25.00\"}", USD1PAY_EINVALID,
               "missing required key 'order_id'");
  create_fails(f.p, "{\"order_id\": \"o\", \"amount\": \"1\", \"expires_in_seconds\": \"600\"}",
               USD1PAY_EINVALID, "'expires_in_seconds' must be an integer, not a string");
  create_fails(f.p, "{\"order_id\": \"o\", \"amount\": \"1\", \"expires_in_seconds\": 600.5}",
               USD1PAY_EINVALID, "'expires_in_seconds' must be an integer");
  create_fails(f.p, "{\"order_id\": \"o\", \"amount\": \"1\", \"expires_in_seconds\": 10}",
               USD1PAY_ERANGE, "expir");
  create_fails(f.p, "{\"order_id\": \"o\", \"amount\": \"1\", \"metadata\": \"{}\"}",
               USD1PAY_EINVALID, "'metadata' must be an object, not a string");
  create_fails(f.p, "{\"order_id\": \"o\", \"amount\": \"1.234\"}", USD1PAY_ERANGE, "amount");
  create_fails(f.p, "{\"order_id\": \"o\", \"amount\": \"2x.00\"}", USD1PAY_EINVALID,
               "intent: amount: bad character 'x' at position 1");
  create_fails(f.p, "{\"order_id\": \"o\", \"amount\": \"0\"}", USD1PAY_EINVALID,
               "greater than zero");
  create_fails(f.p, "{\"order_id\": \"\", \"amount\": \"1\"}", USD1PAY_EINVALID,
               "order id is empty");
  create_fails(f.p, "{\"order_id\": \"o\", \"amount\": \"1\", \"chain\": \"eip155:5\"}",
               USD1PAY_EINVALID, "eip155:5");
  create_fails(f.p, "{\"order_id\": \"o\", \"amount\": \"1\", \"token\": \"USDT\"}",
               USD1PAY_EINVALID, "USDT");
  create_fails(f.p, "{\"order_id\": \"o\", \"amount\": \"1\", \"actor\": \"a b\"}",
               USD1PAY_EINVALID, "actor");
  /* Invalid UTF-8 inside a string is malformed JSON. */
  create_fails(f.p, "{\"order_id\": \"\xff\", \"amount\": \"1\"}", USD1PAY_EINVALID,
               "malformed JSON");
  /* Nesting deeper than 64 levels. */
  strcpy(deep, "{\"order_id\": \"o\", \"amount\": \"1\", \"metadata\": ");
  for (i = 0; i < 70; ++i) strcat(deep, "[");
  for (i = 0; i < 70; ++i) strcat(deep, "]");
  strcat(deep, "}");
  create_fails(f.p, deep, USD1PAY_EINVALID, "nested more than 64 levels deep");
  /* Nothing was created by any of them. */
  {
    char* list = NULL;
    CHECK_RC(usd1pay_intent_list(&list, f.p, NULL), USD1PAY_OK);
    CHECK_CONTAINS(list, "\"intents\":[]");
    usd1pay_free(list);
  }
  fixture_done(&f);
}

static void test_idempotency(void) {
  Fixture f;
  char* first = NULL;
  char* second = NULL;
  char* out = SENTINEL;
  char a[64], b[64];
  const char* request =
      "{\"order_id\": \"o-7\", \"amount\": \"9.99\", \"idempotency_key\": \"key-7\"}";
  if (!fixture_open(&f)) return;
  CHECK_RC(usd1pay_intent_create(&first, f.p, request), USD1PAY_OK);
  CHECK_RC(usd1pay_intent_create(&second, f.p, request), USD1PAY_OK);
  CHECK(json_string(first, "id", a, sizeof a) && json_string(second, "id", b, sizeof b) &&
        strcmp(a, b) == 0);
  CHECK_RC(usd1pay_intent_create(&out, f.p,
                                 "{\"order_id\": \"o-7\", \"amount\": \"10.00\","
                                 " \"idempotency_key\": \"key-7\"}"),
           USD1PAY_ECONFLICT);
  CHECK(out == NULL);
  usd1pay_free(first);
  usd1pay_free(second);
  fixture_done(&f);
}

static void test_intent_list(void) {
  Fixture f;
  char ids[3][64];
  char* page = NULL;
  char* out = SENTINEL;
  char cursor[256], query[400], first[64];
  if (!fixture_open(&f)) return;
  /* Creation times are in milliseconds: keep them apart, so that "newest
   * first" has one answer. */
  CHECK(create_intent(f.p, "a", "1.00", ids[0]));
  sleep_ms(3);
  CHECK(create_intent(f.p, "b", "2.00", ids[1]));
  sleep_ms(3);
  CHECK(create_intent(f.p, "c", "3.00", ids[2]));
  CHECK_RC(usd1pay_intent_list(&page, f.p, NULL), USD1PAY_OK);
  CHECK(count_occurrences(page, "\"object\":\"payment_intent\"") == 3);
  CHECK_CONTAINS(page, "\"next_cursor\":\"\"");
  CHECK(json_string(page, "id", first, sizeof first) && strcmp(first, ids[2]) == 0); /* newest */
  usd1pay_free(page);
  /* Pages of two. */
  CHECK_RC(usd1pay_intent_list(&page, f.p, "{\"limit\": 2}"), USD1PAY_OK);
  CHECK(count_occurrences(page, "\"object\":\"payment_intent\"") == 2);
  CHECK(json_string(page, "next_cursor", cursor, sizeof cursor) && cursor[0] != '\0');
  usd1pay_free(page);
  snprintf(query, sizeof query, "{\"limit\": 2, \"cursor\": \"%s\"}", cursor);
  CHECK_RC(usd1pay_intent_list(&page, f.p, query), USD1PAY_OK);
  CHECK(count_occurrences(page, "\"object\":\"payment_intent\"") == 1);
  CHECK_CONTAINS(page, ids[0]);
  CHECK_CONTAINS(page, "\"next_cursor\":\"\"");
  usd1pay_free(page);
  /* Filters. */
  CHECK_RC(usd1pay_intent_list(&page, f.p, "{\"order_id\": \"b\"}"), USD1PAY_OK);
  CHECK(count_occurrences(page, "\"object\":\"payment_intent\"") == 1);
  CHECK_CONTAINS(page, ids[1]);
  usd1pay_free(page);
  CHECK_RC(usd1pay_intent_cancel(&out, f.p, ids[1], NULL), USD1PAY_OK);
  usd1pay_free(out);
  CHECK_RC(usd1pay_intent_list(&page, f.p, "{\"status\": \"canceled\", \"cursor\": null}"),
           USD1PAY_OK);
  CHECK(count_occurrences(page, "\"object\":\"payment_intent\"") == 1);
  CHECK_CONTAINS(page, ids[1]);
  usd1pay_free(page);
  CHECK_RC(usd1pay_intent_list(&page, f.p,
                               "{\"created_from\": \"2000-01-01T00:00:00Z\","
                               " \"created_to\": \"2000-01-02T00:00:00Z\"}"),
           USD1PAY_OK);
  CHECK_CONTAINS(page, "{\"intents\":[],\"next_cursor\":\"\"}");
  usd1pay_free(page);
  /* Bad queries. */
  CHECK_FAILS(out, usd1pay_intent_list(&out, f.p, "{\"status\": \"paid\"}"), USD1PAY_EINVALID,
              "intent_list: status: ");
  CHECK_ERROR("'paid'");
  CHECK_RC(usd1pay_intent_list(&out, f.p, "{\"limit\": 0}"), USD1PAY_ERANGE);
  CHECK_ERROR("intent_list: 'limit' 0 is outside 1..1000");
  CHECK_RC(usd1pay_intent_list(&out, f.p, "{\"limit\": 1001}"), USD1PAY_ERANGE);
  CHECK_RC(usd1pay_intent_list(&out, f.p, "{\"limit\": \"2\"}"), USD1PAY_EINVALID);
  CHECK_ERROR("'limit' must be an integer, not a string");
  CHECK_RC(usd1pay_intent_list(&out, f.p, "{\"state\": \"canceled\"}"), USD1PAY_EINVALID);
  CHECK_ERROR("unknown key 'state'");
  CHECK_RC(usd1pay_intent_list(&out, f.p, "{\"created_from\": \"yesterday\"}"), USD1PAY_EINVALID);
  CHECK_ERROR("intent_list: created_from: ");
  CHECK_RC(usd1pay_intent_list(&out, f.p, "{\"cursor\": \"not-a-cursor\"}"), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_intent_list(&out, f.p, "nope"), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_intent_list(NULL, f.p, NULL), USD1PAY_EINVALID);
  CHECK(out == NULL);
  fixture_done(&f);
}

static void test_intent_cancel(void) {
  Fixture f;
  char id[64], other[64];
  char* out = NULL;
  if (!fixture_open(&f)) return;
  CHECK(create_intent(f.p, "to-cancel", "5.00", id));
  CHECK(create_intent(f.p, "to-cancel-2", "5.00", other));
  CHECK_RC(usd1pay_intent_cancel(&out, f.p, id, "till-7"), USD1PAY_OK);
  CHECK_CONTAINS(out, "\"status\":\"canceled\"");
  usd1pay_free(out);
  CHECK_RC(usd1pay_events_list(&out, f.p, id, 0, 100), USD1PAY_OK);
  CHECK_CONTAINS(out, "\"type\":\"intent.canceled\",\"actor\":\"till-7\"");
  usd1pay_free(out);
  /* NULL actor: the configuration's ("api"). */
  CHECK_RC(usd1pay_intent_cancel(&out, f.p, other, NULL), USD1PAY_OK);
  usd1pay_free(out);
  CHECK_RC(usd1pay_events_list(&out, f.p, other, 0, 100), USD1PAY_OK);
  CHECK_CONTAINS(out, "\"type\":\"intent.canceled\",\"actor\":\"api\"");
  usd1pay_free(out);
  CHECK_FAILS(out, usd1pay_intent_cancel(&out, f.p, id, NULL), USD1PAY_ESTATE, "canceled");
  CHECK_RC(usd1pay_intent_cancel(&out, f.p, UNKNOWN_INTENT, NULL), USD1PAY_ENOTFOUND);
  CHECK_RC(usd1pay_intent_cancel(&out, f.p, "bad id", NULL), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_intent_cancel(&out, f.p, NULL, NULL), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_intent_cancel(&out, f.p, id, "no spaces allowed"), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_intent_cancel(NULL, f.p, id, NULL), USD1PAY_EINVALID);
  CHECK(out == NULL);
  fixture_done(&f);
}

static void test_expire_due(void) {
  Fixture f;
  size_t count = 99;
  char id[64];
  if (!fixture_open(&f)) return;
  CHECK(create_intent(f.p, "fresh", "1.00", id));
  /* Nothing is due yet (the shortest expiry is a minute). */
  CHECK_RC(usd1pay_intent_expire_due(&count, f.p), USD1PAY_OK);
  CHECK(count == 0);
  CHECK_RC(usd1pay_intent_expire_due(NULL, f.p), USD1PAY_OK);
  count = 99;
  CHECK_RC(usd1pay_intent_expire_due(&count, NULL), USD1PAY_EINVALID);
  CHECK(count == 0);
  fixture_done(&f);
}

static void test_events_list(void) {
  Fixture f;
  char id[64], other[64];
  char* out = NULL;
  long long next;
  if (!fixture_open(&f)) return;
  CHECK(create_intent(f.p, "e1", "1.00", id));
  CHECK(create_intent(f.p, "e2", "2.00", other));
  CHECK_RC(usd1pay_events_list(&out, f.p, NULL, 0, 100), USD1PAY_OK);
  CHECK(count_occurrences(out, "\"type\":\"intent.created\"") == 2);
  CHECK_CONTAINS(out, "\"next_after_seq\":2");
  CHECK_CONTAINS(
      out, "\"prev_hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"");
  usd1pay_free(out);
  CHECK_RC(usd1pay_events_list(&out, f.p, NULL, 0, 1), USD1PAY_OK);
  CHECK(count_occurrences(out, "\"type\"") == 1);
  next = json_uint(out, "next_after_seq");
  CHECK(next == 1);
  usd1pay_free(out);
  CHECK_RC(usd1pay_events_list(&out, f.p, NULL, 2, 100), USD1PAY_OK);
  CHECK_CONTAINS(out, "{\"events\":[],\"next_after_seq\":2}");
  usd1pay_free(out);
  CHECK_RC(usd1pay_events_list(&out, f.p, other, 0, 100), USD1PAY_OK);
  CHECK(count_occurrences(out, "\"type\"") == 1);
  CHECK_CONTAINS(out, other);
  usd1pay_free(out);
  out = SENTINEL;
  CHECK_RC(usd1pay_events_list(&out, f.p, NULL, 0, 0), USD1PAY_ERANGE);
  CHECK(out == NULL);
  CHECK_RC(usd1pay_events_list(&out, f.p, NULL, 0, 10001), USD1PAY_ERANGE);
  CHECK_RC(usd1pay_events_list(&out, f.p, "", 0, 10), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_events_list(&out, f.p, "evt_x", 0, 10), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_events_list(NULL, f.p, NULL, 0, 10), USD1PAY_EINVALID);
  fixture_done(&f);
}

static void test_lookup(void) {
  Fixture f;
  char id[64];
  char* out = NULL;
  if (!fixture_open(&f)) return;
  CHECK(create_intent(f.p, "lookup-order", "4.00", id));
  CHECK_RC(usd1pay_lookup(&out, f.p, id), USD1PAY_OK);
  CHECK(count_between(out, "\"object\":\"payment_intent\"", "\"intents\":[", "\"payments\":[") ==
        1);
  CHECK_CONTAINS(out, "\"payments\":[]");
  CHECK_CONTAINS(out, "\"type\":\"intent.created\"");
  usd1pay_free(out);
  CHECK_RC(usd1pay_lookup(&out, f.p, "lookup-order"), USD1PAY_OK);
  CHECK_CONTAINS(out, id);
  usd1pay_free(out);
  CHECK_RC(usd1pay_lookup(&out, f.p, "no-such-order"), USD1PAY_OK);
  CHECK_CONTAINS(out, "{\"intents\":[],\"payments\":[],\"events\":[],\"deliveries\":[]}");
  usd1pay_free(out);
  out = SENTINEL;
  CHECK_RC(usd1pay_lookup(&out, f.p, ""), USD1PAY_EINVALID);
  CHECK(out == NULL);
  CHECK_RC(usd1pay_lookup(&out, f.p, NULL), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_lookup(NULL, f.p, id), USD1PAY_EINVALID);
  fixture_done(&f);
}

/* ------------------------------------------------------------ tracking */

/* Mines and polls until the intent reaches `want` (at most `blocks`). */
static int mine_until(usd1pay_processor* p, const char* id, const char* want, int blocks) {
  char status[32] = "";
  int i;
  for (i = 0; i < blocks; ++i) {
    CHECK_RC(usd1pay_sim_mine(NULL, p, NULL, 1), USD1PAY_OK);
    CHECK_RC(usd1pay_tracker_poll_once(NULL, p), USD1PAY_OK);
    if (intent_status(p, id, status) && strcmp(status, want) == 0) return 1;
  }
  fprintf(stderr, "  intent %s is %s, not %s\n", id, status, want);
  return 0;
}

static void test_payment_on_simchain(void) {
  Fixture f;
  char id[64], status[32], tx[80];
  char* report = NULL;
  char* hash = NULL;
  char* out = NULL;
  uint64_t head = 0, head2 = 0;
  if (!fixture_open(&f)) return;
  CHECK(create_intent(f.p, "paid-order", "25.00", id));
  CHECK_RC(usd1pay_tracker_poll_once(&report, f.p), USD1PAY_OK);
  CHECK_CONTAINS(report, "\"chains\":[{\"chain\":\"eip155:1337\",\"ok\":true");
  CHECK_CONTAINS(report, "\"expired\":0");
  usd1pay_free(report);
  CHECK_RC(usd1pay_sim_pay(&hash, f.p, id, NULL), USD1PAY_OK);
  CHECK(hash != NULL && strlen(hash) == 66 && strncmp(hash, "0x", 2) == 0);
  if (hash != NULL) snprintf(tx, sizeof tx, "%s", hash);
  usd1pay_free(hash);
  CHECK_RC(usd1pay_sim_mine(&head, f.p, NULL, 1), USD1PAY_OK);
  CHECK(head >= 1);
  CHECK_RC(usd1pay_tracker_poll_once(&report, f.p), USD1PAY_OK);
  CHECK_CONTAINS(report, "\"payments_detected\":1");
  usd1pay_free(report);
  CHECK(intent_status(f.p, id, status) && strcmp(status, "processing") == 0);
  /* Pending: no head at finality yet. */
  CHECK_RC(usd1pay_lookup(&out, f.p, tx), USD1PAY_OK);
  CHECK_CONTAINS(out, "\"status\":\"pending\"");
  CHECK_CONTAINS(out, "\"final_at\":null,\"final_head_block\":null}");
  usd1pay_free(out);
  /* Final after 3 confirmations: two more blocks. */
  CHECK(mine_until(f.p, id, "succeeded", 5));
  CHECK_RC(usd1pay_sim_mine(&head2, f.p, "eip155:1337", 10), USD1PAY_OK);
  CHECK(head2 >= head + 12);
  /* The payment, its events and the counters. */
  CHECK_RC(usd1pay_lookup(&out, f.p, tx), USD1PAY_OK);
  CHECK(count_between(out, "\"tx_hash\":\"", "\"payments\":[", "\"events\":[") == 1);
  CHECK_CONTAINS(out, "\"status\":\"final\"");
  CHECK_CONTAINS(out, "\"from\":\"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359\"");
  /* One block mined per poll: final at the poll that saw 3 confirmations,
   * the payment's block and two more (the later 10 blocks change nothing). */
  CHECK(json_uint(out, "block_number") == (long long)head);
  CHECK(json_uint(out, "final_head_block") == (long long)head + 2);
  usd1pay_free(out);
  CHECK_RC(usd1pay_events_list(&out, f.p, id, 0, 100), USD1PAY_OK);
  CHECK_CONTAINS(out, "\"type\":\"intent.processing\"");
  CHECK_CONTAINS(out, "\"type\":\"intent.succeeded\"");
  usd1pay_free(out);
  CHECK_RC(usd1pay_tracker_stats(&out, f.p), USD1PAY_OK);
  CHECK_CONTAINS(out, "\"running\":false");
  CHECK_CONTAINS(out, "\"payments_detected\":1");
  CHECK_CONTAINS(out, "\"last_error\":\"\"");
  CHECK(json_uint(out, "polls") >= 4);
  usd1pay_free(out);
  fixture_done(&f);
}

static void test_sim_partial_payment(void) {
  Fixture f;
  char id[64], status[32];
  char* out = NULL;
  if (!fixture_open(&f)) return;
  CHECK(create_intent(f.p, "partly", "10.00", id));
  CHECK_RC(usd1pay_tracker_poll_once(NULL, f.p), USD1PAY_OK);
  CHECK_RC(usd1pay_sim_pay(NULL, f.p, id, "4.000001"), USD1PAY_OK);
  CHECK_RC(usd1pay_sim_mine(NULL, f.p, NULL, 4), USD1PAY_OK);
  CHECK_RC(usd1pay_tracker_poll_once(NULL, f.p), USD1PAY_OK);
  CHECK(intent_status(f.p, id, status) && strcmp(status, "succeeded") != 0);
  CHECK_RC(usd1pay_lookup(&out, f.p, id), USD1PAY_OK);
  CHECK_CONTAINS(out, "\"amount_base_units\":\"4000001\"");
  usd1pay_free(out);
  CHECK_RC(usd1pay_sim_pay(NULL, f.p, id, "5.999999"), USD1PAY_OK);
  CHECK(mine_until(f.p, id, "succeeded", 5));
  fixture_done(&f);
}

static void test_sim_errors(void) {
  Fixture f;
  char id[64];
  char* hash = SENTINEL;
  uint64_t head = 77;
  if (!fixture_open(&f)) return;
  CHECK(create_intent(f.p, "sim-errors", "1.00", id));
  CHECK_RC(usd1pay_sim_pay(&hash, f.p, UNKNOWN_INTENT, NULL), USD1PAY_ENOTFOUND);
  CHECK(hash == NULL);
  CHECK_RC(usd1pay_sim_pay(&hash, f.p, id, "1.0000001"), USD1PAY_ERANGE);
  CHECK_ERROR("sim_pay: amount: ");
  CHECK_RC(usd1pay_sim_pay(&hash, f.p, id, "one"), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_sim_pay(&hash, f.p, id, "0"), USD1PAY_EINVALID);
  CHECK_ERROR("sim_pay: amount is zero");
  CHECK_RC(usd1pay_sim_pay(&hash, f.p, NULL, NULL), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_sim_pay(&hash, f.p, "", NULL), USD1PAY_EINVALID);
  CHECK(hash == NULL);
  CHECK_RC(usd1pay_sim_mine(&head, f.p, NULL, 0), USD1PAY_ERANGE);
  CHECK(head == 0);
  CHECK_ERROR("sim_mine: blocks 0 is outside 1..10000");
  CHECK_RC(usd1pay_sim_mine(&head, f.p, NULL, 10001), USD1PAY_ERANGE);
  CHECK_RC(usd1pay_sim_mine(&head, f.p, "eip155:5", 1), USD1PAY_ENOTFOUND);
  CHECK_ERROR("chain eip155:5 is not configured (configured: eip155:1337)");
  CHECK_RC(usd1pay_sim_mine(&head, f.p, "", 1), USD1PAY_ENOTFOUND);
  /* Mining nothing is not an error for out_head NULL. */
  CHECK_RC(usd1pay_sim_mine(NULL, f.p, NULL, 1), USD1PAY_OK);
  fixture_done(&f);
}

/* kShopConfig with `chain_extra` (e.g. "\"start_block\": 0, ") at the start
 * of its chain object, into out. */
static void shop_config_with(char* out, size_t size, const char* chain_extra) {
  snprintf(out, size,
           "{\"version\": 1, \"store\": {\"path\": \"not-used.db\"}, \"chains\": [{%s%s]}",
           chain_extra, SIM_CHAIN_JSON + 1);
}

/* Pays an intent, then mines 20 blocks before the tracker's first poll: the
 * payment is in block 1, far below where a chain never scanned starts. */
static int pay_before_first_poll(usd1pay_processor* p, char* id, char* tx) {
  char* hash = NULL;
  uint64_t head = 0;
  if (!create_intent(p, "paid-before-the-tracker-ran", "7.00", id)) return 0;
  if (CHECK_RC(usd1pay_sim_pay(&hash, p, id, NULL), USD1PAY_OK) != USD1PAY_OK) return 0;
  snprintf(tx, 80, "%s", hash);
  usd1pay_free(hash);
  CHECK_RC(usd1pay_sim_mine(&head, p, NULL, 20), USD1PAY_OK);
  return head == 20;
}

/* The configuration's per-chain start_block reaches the tracker the C ABI
 * opens: with it the first poll scans from block 0 and finds a payment mined
 * before it; without it the first poll starts near the head and does not. */
static void test_start_block_from_config(void) {
  Fixture f;
  char config[1536], id[64], tx[80], status[32];
  char* report = NULL;
  char* out = NULL;

  shop_config_with(config, sizeof config, "\"start_block\": 0, ");
  if (!fixture_open_config(&f, config, 0)) return;
  CHECK(pay_before_first_poll(f.p, id, tx));
  CHECK_RC(usd1pay_tracker_poll_once(&report, f.p), USD1PAY_OK);
  CHECK_CONTAINS(report, "\"latest\":20,\"next_block\":21,\"blocks_scanned\":21,");
  CHECK_CONTAINS(report, "\"payments_detected\":1,\"payments_confirmed\":1,");
  usd1pay_free(report);
  CHECK(intent_status(f.p, id, status) && strcmp(status, "succeeded") == 0);
  /* Found at head 20: final with 20 confirmations (20 - 1 + 1). */
  CHECK_RC(usd1pay_lookup(&out, f.p, tx), USD1PAY_OK);
  CHECK(count_between(out, "\"tx_hash\":\"", "\"payments\":[", "\"events\":[") == 1);
  CHECK_CONTAINS(out, "\"block_number\":1,");
  CHECK_CONTAINS(out, "\"final_head_block\":20}");
  usd1pay_free(out);
  fixture_done(&f);

  /* The same without start_block: 3 confirmations, so the first scan is
   * blocks 18..20 and the payment in block 1 is never looked for. */
  if (!fixture_open_config(&f, kShopConfig, 0)) return;
  CHECK(pay_before_first_poll(f.p, id, tx));
  CHECK_RC(usd1pay_tracker_poll_once(&report, f.p), USD1PAY_OK);
  CHECK_CONTAINS(report, "\"latest\":20,\"next_block\":21,\"blocks_scanned\":3,");
  CHECK_CONTAINS(report, "\"payments_detected\":0,");
  usd1pay_free(report);
  CHECK(intent_status(f.p, id, status) && strcmp(status, "requires_payment") == 0);
  CHECK_RC(usd1pay_lookup(&out, f.p, tx), USD1PAY_OK);
  CHECK_CONTAINS(out, "\"payments\":[]");
  usd1pay_free(out);
  fixture_done(&f);

  /* A bad start_block is refused at open, naming the chain and the key. */
  if (!fixture_dir(&f)) return;
  {
    usd1pay_open_options options = USD1PAY_OPEN_OPTIONS_INIT;
    options.store_path = f.store;
    shop_config_with(config, sizeof config, "\"start_block\": -1, ");
    CHECK_RC(open_json(&f, config, &options), USD1PAY_ERANGE);
    CHECK_ERROR(
        "config: <config_json>: chains[0].start_block: -1 is not a block number of eip155:1337");
    shop_config_with(config, sizeof config, "\"start_block\": 9007199254740992, ");
    CHECK_RC(open_json(&f, config, &options), USD1PAY_ERANGE);
    CHECK_ERROR("chains[0].start_block: 9007199254740992 is not a block number");
    shop_config_with(config, sizeof config, "\"start_block\": \"0\", ");
    CHECK_RC(open_json(&f, config, &options), USD1PAY_EINVALID);
    CHECK_ERROR(
        "chains[0].start_block: expected an integer (a block number of eip155:1337), "
        "found a string");
    shop_config_with(config, sizeof config, "\"start_block\": 1.5, ");
    CHECK_RC(open_json(&f, config, &options), USD1PAY_EINVALID);
    CHECK_ERROR("found a number with a fraction or exponent");
  }
  fixture_done(&f);
}

/* A real (JSON-RPC) chain whose node does not answer, as the default chain,
 * beside the SimChain. */
static const char* const kTwoChainConfig =
    "{\"version\": 1, \"store\": {\"path\": \"s.db\"}, \"chains\": ["
    "  {\"id\": \"eip155:31337\", \"backend\": \"evm-rpc\","
    "   \"backend_settings\": {\"url\": \"http://127.0.0.1:9/\", \"max_retries\": 0,"
    "                          \"connect_timeout_ms\": 1000, \"read_timeout_ms\": 1000},"
    "   \"tokens\": [{\"symbol\": \"USD1\","
    "     \"contract\": \"0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA\", \"decimals\": 6}],"
    "   \"strategy\": \"static\","
    "   \"merchant_address\": \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"}, " SIM_CHAIN_JSON
    "]}";

static void test_real_chain(void) {
  Fixture f;
  char id[64];
  char* report = NULL;
  if (!fixture_open_config(&f, kTwoChainConfig, 0)) return;
  CHECK(create_intent(f.p, "on-a-real-chain", "1.00", id));
  CHECK_RC(usd1pay_sim_pay(NULL, f.p, id, NULL), USD1PAY_EUNSUPPORTED);
  CHECK_ERROR("chain eip155:31337 is not a SimChain (its backend is evm-rpc)");
  CHECK_RC(usd1pay_sim_mine(NULL, f.p, NULL, 1), USD1PAY_EUNSUPPORTED);
  CHECK_RC(usd1pay_sim_mine(NULL, f.p, "eip155:1337", 1), USD1PAY_OK);
  /* The node does not answer: the report is still written and names it. */
  CHECK_RC(usd1pay_tracker_poll_once(&report, f.p), USD1PAY_EUNAVAILABLE);
  CHECK_CONTAINS(report, "{\"chain\":\"eip155:31337\",\"ok\":false");
  CHECK_CONTAINS(report, "{\"chain\":\"eip155:1337\",\"ok\":true");
  CHECK_CONTAINS(report, "\"error\":");
  CHECK_ERROR("tracker_poll_once: tracker: chain eip155:31337: ");
  CHECK_ERROR("127.0.0.1");
  usd1pay_free(report);
  CHECK_RC(usd1pay_tracker_stats(&report, f.p), USD1PAY_OK);
  CHECK_CONTAINS(report, "\"failed_polls\":1");
  usd1pay_free(report);
  fixture_done(&f);
}

static void test_tracker_background(void) {
  Fixture f;
  char id[64], status[32] = "";
  char* out = NULL;
  int waited;
  if (!fixture_open(&f)) return; /* polls every 50 ms */
  CHECK(create_intent(f.p, "background", "3.00", id));
  CHECK_RC(usd1pay_tracker_poll_once(NULL, f.p), USD1PAY_OK);
  CHECK_RC(usd1pay_tracker_start(f.p), USD1PAY_OK);
  CHECK_RC(usd1pay_tracker_start(f.p), USD1PAY_ESTATE);
  CHECK_FAILS(out, usd1pay_tracker_poll_once(&out, f.p), USD1PAY_ESTATE, "usd1pay_tracker_stop");
  CHECK_RC(usd1pay_tracker_stats(&out, f.p), USD1PAY_OK);
  CHECK_CONTAINS(out, "\"running\":true");
  usd1pay_free(out);
  CHECK_RC(usd1pay_sim_pay(NULL, f.p, id, NULL), USD1PAY_OK);
  CHECK_RC(usd1pay_sim_mine(NULL, f.p, NULL, 5), USD1PAY_OK);
  /* The background thread finds it: poll the intent, generously. */
  for (waited = 0; waited < 20000; waited += 20) {
    if (intent_status(f.p, id, status) && strcmp(status, "succeeded") == 0) break;
    sleep_ms(20);
  }
  CHECK(strcmp(status, "succeeded") == 0);
  CHECK_RC(usd1pay_tracker_stop(f.p), USD1PAY_OK);
  CHECK_RC(usd1pay_tracker_stop(f.p), USD1PAY_OK); /* stopping a stopped tracker */
  CHECK_RC(usd1pay_tracker_stats(&out, f.p), USD1PAY_OK);
  CHECK_CONTAINS(out, "\"running\":false");
  CHECK(json_uint(out, "polls") >= 2);
  usd1pay_free(out);
  CHECK_RC(usd1pay_tracker_poll_once(NULL, f.p), USD1PAY_OK);
  /* Restartable, and close stops a running tracker. */
  CHECK_RC(usd1pay_tracker_start(f.p), USD1PAY_OK);
  CHECK_RC(usd1pay_processor_close(f.p), USD1PAY_OK);
  fixture_done(&f);
}

/* ------------------------------------------------------------ exports */

static void test_exports(void) {
  Fixture f;
  char id[64], path[160], manifest[200], params[400];
  char* out = NULL;
  char* file = NULL;
  if (!fixture_open(&f)) return;
  CHECK(create_intent(f.p, "export-order", "12.50", id));
  CHECK_RC(usd1pay_tracker_poll_once(NULL, f.p), USD1PAY_OK);
  CHECK_RC(usd1pay_sim_pay(NULL, f.p, id, NULL), USD1PAY_OK);
  CHECK(mine_until(f.p, id, "succeeded", 6));

  /* CSV in the reply. */
  CHECK_RC(usd1pay_export(&out, f.p, "{\"format\": \"csv\"}"), USD1PAY_OK);
  CHECK_CONTAINS(out, "\"format\":\"csv\",\"records\":1,\"rows\":1");
  CHECK_CONTAINS(out, "\"file\":null,\"manifest\":null,\"content\":\"");
  CHECK_CONTAINS(out, "order_id");
  CHECK_CONTAINS(out, "export-order");
  CHECK_CONTAINS(out, id);
  CHECK_CONTAINS(out, "matched");
  usd1pay_free(out);
  CHECK_RC(usd1pay_export(&out, f.p, "{\"format\": \"jsonl\", \"from\": \"2000-01-01\"}"),
           USD1PAY_OK);
  CHECK_CONTAINS(out, "\"records\":1");
  CHECK_CONTAINS(out, "\\\"status\\\":\\\"matched\\\"");
  usd1pay_free(out);
  /* An empty period. */
  CHECK_RC(usd1pay_export(&out, f.p,
                          "{\"format\": \"csv\", \"from\": \"2000-01-01\", \"to\": "
                          "\"2000-01-02T00:00:00Z\"}"),
           USD1PAY_OK);
  CHECK_CONTAINS(out, "\"records\":0");
  usd1pay_free(out);
  CHECK_RC(usd1pay_export(&out, f.p, "{\"format\": \"summary\"}"), USD1PAY_OK);
  usd1pay_free(out);
  CHECK_RC(usd1pay_export(&out, f.p, "{\"format\": \"journal\"}"), USD1PAY_OK);
  usd1pay_free(out);
  CHECK_RC(usd1pay_export(&out, f.p, "{\"format\": \"html\"}"), USD1PAY_OK);
  CHECK_CONTAINS(out, "<html");
  usd1pay_free(out);

  /* To a file, with its manifest. */
  fixture_path(&f, "settlement.csv", path, sizeof path);
  snprintf(params, sizeof params, "{\"format\": \"csv\", \"out\": \"%s\", \"manifest\": true}",
           path);
  CHECK_RC(usd1pay_export(&out, f.p, params), USD1PAY_OK);
  snprintf(manifest, sizeof manifest, "\"manifest\":\"%s.manifest.json\"", path);
  CHECK_CONTAINS(out, manifest);
  CHECK(out != NULL && strstr(out, "\"content\"") == NULL);
  file = read_text_file(path);
  CHECK_CONTAINS(file, "export-order");
  CHECK(file != NULL && (long long)strlen(file) == json_uint(out, "bytes"));
  free(file);
  usd1pay_free(out);
  snprintf(manifest, sizeof manifest, "%s.manifest.json", path);
  file = read_text_file(manifest);
  CHECK_CONTAINS(file, "sha256");
  free(file);
  fixture_done(&f);
}

static void export_fails(usd1pay_processor* p, const char* params, int code, const char* part) {
  char* out;
  CHECK_FAILS(out, usd1pay_export(&out, p, params), code, part);
}

static void test_export_errors(void) {
  Fixture f;
  if (!fixture_open(&f)) return;
  export_fails(f.p, NULL, USD1PAY_EINVALID, "export: params_json is NULL");
  export_fails(f.p, "{}", USD1PAY_EINVALID, "missing required key 'format'");
  export_fails(f.p, "{\"format\": \"xlsx\"}", USD1PAY_EINVALID, "xlsx");
  export_fails(f.p, "{\"format\": \"csv\", \"manifest\": true}", USD1PAY_EINVALID,
               "'manifest' needs 'out'");
  export_fails(f.p, "{\"format\": \"csv\", \"manifest\": \"yes\"}", USD1PAY_EINVALID,
               "'manifest' must be true or false");
  export_fails(f.p, "{\"format\": \"csv\", \"from\": \"2026-13-01\"}", USD1PAY_EINVALID,
               "'from': expected YYYY-MM-DD");
  export_fails(f.p, "{\"format\": \"csv\", \"fromm\": \"2026-01-01\"}", USD1PAY_EINVALID,
               "unknown key 'fromm' (did you mean 'from'?)");
  export_fails(f.p, "{\"format\": \"csv\", \"out\": \"\"}", USD1PAY_EINVALID, "'out' is empty");
  export_fails(f.p, "{\"format\": \"csv\", \"orders\": \"/nonexistent/orders.csv\"}", USD1PAY_EIO,
               "/nonexistent/orders.csv");
  export_fails(f.p, "{\"format\": \"csv\", \"out\": \"/nonexistent/dir/x.csv\"}", USD1PAY_EIO,
               "/nonexistent/dir");
  CHECK_RC(usd1pay_export(NULL, f.p, "{\"format\": \"csv\"}"), USD1PAY_EINVALID);
  fixture_done(&f);
}

/* ------------------------------------------------------------ closed / NULL */

static void test_use_after_close(void) {
  Fixture f;
  char id[64];
  char* out = SENTINEL;
  unsigned char* bytes = NULL;
  size_t count = 5;
  uint64_t head = 5;
  if (!fixture_open(&f)) return;
  CHECK(create_intent(f.p, "before-close", "1.00", id));
  CHECK_RC(usd1pay_processor_close(f.p), USD1PAY_OK);
  CHECK_RC(usd1pay_intent_create(&out, f.p, "{\"order_id\": \"x\", \"amount\": \"1\"}"),
           USD1PAY_ECLOSED);
  CHECK(out == NULL);
  CHECK_ERROR("intent_create: the processor is closed");
  out = SENTINEL;
  CHECK_RC(usd1pay_intent_get(&out, f.p, id), USD1PAY_ECLOSED);
  CHECK(out == NULL);
  CHECK_RC(usd1pay_intent_list(&out, f.p, NULL), USD1PAY_ECLOSED);
  CHECK_RC(usd1pay_intent_cancel(&out, f.p, id, NULL), USD1PAY_ECLOSED);
  CHECK_RC(usd1pay_intent_expire_due(&count, f.p), USD1PAY_ECLOSED);
  CHECK(count == 0);
  CHECK_RC(usd1pay_events_list(&out, f.p, NULL, 0, 10), USD1PAY_ECLOSED);
  CHECK_RC(usd1pay_lookup(&out, f.p, id), USD1PAY_ECLOSED);
  CHECK_RC(usd1pay_tracker_poll_once(&out, f.p), USD1PAY_ECLOSED);
  CHECK_RC(usd1pay_tracker_start(f.p), USD1PAY_ECLOSED);
  CHECK_RC(usd1pay_tracker_stop(f.p), USD1PAY_ECLOSED);
  CHECK_RC(usd1pay_tracker_stats(&out, f.p), USD1PAY_ECLOSED);
  CHECK_RC(usd1pay_sim_pay(&out, f.p, id, NULL), USD1PAY_ECLOSED);
  CHECK_RC(usd1pay_sim_mine(&head, f.p, NULL, 1), USD1PAY_ECLOSED);
  CHECK(head == 0);
  CHECK_RC(usd1pay_webhook_endpoint_add(&out, f.p, "{\"url\": \"http://127.0.0.1:1/\"}"),
           USD1PAY_ECLOSED);
  CHECK_RC(usd1pay_webhook_endpoint_list(&out, f.p), USD1PAY_ECLOSED);
  CHECK_RC(usd1pay_webhooks_start(f.p), USD1PAY_ECLOSED);
  CHECK_RC(usd1pay_webhooks_stop(f.p), USD1PAY_ECLOSED);
  CHECK_RC(usd1pay_webhooks_drain(&out, f.p, 10), USD1PAY_ECLOSED);
  CHECK_RC(usd1pay_export(&out, f.p, "{\"format\": \"csv\"}"), USD1PAY_ECLOSED);
  CHECK(out == NULL);
  CHECK(usd1pay_error_last_code() == USD1PAY_ECLOSED);
  /* Functions without a processor still work. */
  CHECK_RC(usd1pay_qr_png(&bytes, &count, "still fine", NULL), USD1PAY_OK);
  usd1pay_free(bytes);
  CHECK_RC(usd1pay_processor_close(f.p), USD1PAY_OK);
  fixture_done(&f);
}

static void test_null_processor(void) {
  char* out = SENTINEL;
  size_t count = 3;
  uint64_t head = 3;
  CHECK_RC(usd1pay_processor_close(NULL), USD1PAY_EINVALID);
  CHECK_ERROR("processor_close: processor is NULL");
  CHECK_RC(usd1pay_intent_create(&out, NULL, "{}"), USD1PAY_EINVALID);
  CHECK_ERROR("intent_create: processor is NULL");
  CHECK(out == NULL);
  out = SENTINEL;
  CHECK_RC(usd1pay_intent_get(&out, NULL, UNKNOWN_INTENT), USD1PAY_EINVALID);
  CHECK(out == NULL);
  CHECK_RC(usd1pay_intent_list(&out, NULL, NULL), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_intent_cancel(&out, NULL, UNKNOWN_INTENT, NULL), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_intent_expire_due(&count, NULL), USD1PAY_EINVALID);
  CHECK(count == 0);
  CHECK_RC(usd1pay_events_list(&out, NULL, NULL, 0, 1), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_lookup(&out, NULL, "x"), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_tracker_poll_once(&out, NULL), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_tracker_start(NULL), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_tracker_stop(NULL), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_tracker_stats(&out, NULL), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_sim_pay(&out, NULL, UNKNOWN_INTENT, NULL), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_sim_mine(&head, NULL, NULL, 1), USD1PAY_EINVALID);
  CHECK(head == 0);
  CHECK_RC(usd1pay_webhook_endpoint_add(&out, NULL, "{}"), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_webhook_endpoint_list(&out, NULL), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_webhooks_start(NULL), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_webhooks_stop(NULL), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_webhooks_drain(&out, NULL, 1), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_export(&out, NULL, "{\"format\": \"csv\"}"), USD1PAY_EINVALID);
  CHECK(out == NULL);
}

/* ------------------------------------------------------------ concurrency */

enum { kWorkers = 4, kMaxPerWorker = 400 };

typedef struct {
  usd1pay_processor* p;
  int index;
  int max;
  int ok;
  int closed;
  int other; /* any other return code: a failure */
} Worker;

static void* create_until_closed(void* arg) {
  Worker* w = (Worker*)arg;
  char request[128];
  int i, rc;
  for (i = 0; i < w->max; ++i) {
    char* out = NULL;
    snprintf(request, sizeof request, "{\"order_id\": \"w%d-%d\", \"amount\": \"1.00\"}", w->index,
             i);
    rc = usd1pay_intent_create(&out, w->p, request);
    if (rc == USD1PAY_OK) {
      ++w->ok;
      if (out == NULL) ++w->other;
      usd1pay_free(out);
    } else if (rc == USD1PAY_ECLOSED) {
      ++w->closed;
      if (out != NULL) ++w->other;
      if (w->closed > 3) break; /* it stays closed */
    } else {
      ++w->other;
      fprintf(stderr, "  worker %d: %s: %s\n", w->index, usd1pay_error_name(rc),
              usd1pay_error_last());
    }
  }
  return NULL;
}

static void test_concurrent_calls_and_close(void) {
  Fixture f;
  pthread_t threads[kWorkers];
  Worker workers[kWorkers];
  int i, ok = 0, closed = 0, other = 0;
  char* list = NULL;
  if (!fixture_open(&f)) return;
  CHECK_RC(usd1pay_tracker_start(f.p), USD1PAY_OK); /* a background thread too */
  for (i = 0; i < kWorkers; ++i) {
    memset(&workers[i], 0, sizeof workers[i]);
    workers[i].p = f.p;
    workers[i].index = i;
    workers[i].max = kMaxPerWorker;
    CHECK(pthread_create(&threads[i], NULL, create_until_closed, &workers[i]) == 0);
  }
  /* Close once the workers are under way. */
  for (i = 0; i < 500; ++i) {
    int started = 0, k;
    for (k = 0; k < kWorkers; ++k) started += workers[k].ok > 0;
    if (started == kWorkers) break;
    sleep_ms(10);
  }
  CHECK_RC(usd1pay_processor_close(f.p), USD1PAY_OK);
  for (i = 0; i < kWorkers; ++i) {
    CHECK(pthread_join(threads[i], NULL) == 0);
    ok += workers[i].ok;
    closed += workers[i].closed;
    other += workers[i].other;
  }
  printf("  concurrency: %d created, %d refused as closed, %d other\n", ok, closed, other);
  CHECK(other == 0);
  CHECK(ok > 0);
  CHECK(closed > 0);
  CHECK_RC(usd1pay_intent_list(&list, f.p, NULL), USD1PAY_ECLOSED);
  fixture_done(&f);
}

static void test_concurrent_reads(void) {
  /* Several threads on one open handle, none closing: every call succeeds. */
  Fixture f;
  pthread_t threads[kWorkers];
  Worker workers[kWorkers];
  int i, ok = 0, other = 0;
  char* list = NULL;
  if (!fixture_open(&f)) return;
  for (i = 0; i < kWorkers; ++i) {
    memset(&workers[i], 0, sizeof workers[i]);
    workers[i].p = f.p;
    workers[i].index = i;
    workers[i].max = 50;
  }
  for (i = 0; i < kWorkers; ++i) {
    CHECK(pthread_create(&threads[i], NULL, create_until_closed, &workers[i]) == 0);
  }
  for (i = 0; i < kWorkers; ++i) {
    CHECK(pthread_join(threads[i], NULL) == 0);
    ok += workers[i].ok;
    other += workers[i].other + workers[i].closed;
  }
  CHECK(ok == kWorkers * 50);
  CHECK(other == 0);
  CHECK_RC(usd1pay_intent_list(&list, f.p, "{\"limit\": 1000}"), USD1PAY_OK);
  CHECK(count_occurrences(list, "\"object\":\"payment_intent\"") == kWorkers * 50);
  usd1pay_free(list);
  fixture_done(&f);
}

int main(int argc, char** argv) {
  /* "quick": the subset run under valgrind (no threads, no store-heavy loops). */
  const int quick = argc > 1 && strcmp(argv[1], "quick") == 0;
  RUN(test_open_close_free);
  RUN(test_open_from_file);
  RUN(test_open_errors);
  RUN(test_intent_create_and_get);
  RUN(test_intent_get_errors);
  RUN(test_intent_create_request_errors);
  RUN(test_idempotency);
  RUN(test_intent_list);
  RUN(test_intent_cancel);
  RUN(test_expire_due);
  RUN(test_events_list);
  RUN(test_lookup);
  RUN(test_payment_on_simchain);
  RUN(test_sim_partial_payment);
  RUN(test_sim_errors);
  RUN(test_start_block_from_config);
  RUN(test_exports);
  RUN(test_export_errors);
  RUN(test_use_after_close);
  RUN(test_null_processor);
  if (!quick) {
    RUN(test_real_chain);
    RUN(test_tracker_background);
    RUN(test_concurrent_calls_and_close);
    RUN(test_concurrent_reads);
  }
  return harness_finish();
}
