/*
 * Shared by the C ABI's processor tests: a shop configuration on a simulated
 * chain, a processor on a real SQLite file in a fresh temporary directory,
 * and small POSIX helpers (files, sleeping). C99 + POSIX.1-2008.
 */
#ifndef USD1PAY_TESTS_C_FIXTURE_H
#define USD1PAY_TESTS_C_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "c_harness.h"
#include "usd1pay/usd1pay.h"

/* One simulated EVM chain, USD1 at 6 decimals, 3 confirmations, xpub
 * deposit addresses. The store path is given by the fixture's options. */
#define SIM_CHAIN_JSON                                                                     \
  "{\"id\": \"eip155:1337\", \"backend\": \"sim\","                                        \
  " \"finality\": {\"kind\": \"confirmations\", \"confirmations\": 3},"                    \
  " \"tokens\": [{\"symbol\": \"USD1\","                                                   \
  "   \"contract\": \"0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA\", \"decimals\": 6}],"    \
  " \"strategy\": \"xpub\","                                                               \
  " \"xpub\": \"xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTs" \
  "fTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw\","                                              \
  " \"derivation_path\": \"0\"}"

static const char* const kShopConfig =
    "{\"version\": 1, \"store\": {\"path\": \"not-used.db\"},"
    " \"chains\": [" SIM_CHAIN_JSON
    "],"
    " \"default_chain\": \"eip155:1337\", \"default_token\": \"USD1\","
    " \"webhook_delivery\": {\"allow_private_destinations\": true,"
    "   \"retry_schedule\": [1, 1], \"jitter\": 0}}";

typedef struct {
  char dir[64];
  char store[128];
  usd1pay_processor* p;
} Fixture;

/* A fresh directory; 0 on failure (reported). */
static inline int fixture_dir(Fixture* f) {
  memset(f, 0, sizeof *f);
  strcpy(f->dir, "/tmp/usd1pay-capi-XXXXXX");
  if (mkdtemp(f->dir) == NULL) {
    harness_fail(__FILE__, __LINE__, "mkdtemp");
    return 0;
  }
  snprintf(f->store, sizeof f->store, "%s/store.db", f->dir);
  return 1;
}

/* Frees the processor and removes the directory with everything in it. */
static inline void fixture_done(Fixture* f) {
  char command[128];
  usd1pay_processor_free(f->p);
  f->p = NULL;
  if (f->dir[0] != '\0') {
    snprintf(command, sizeof command, "rm -rf '%s'", f->dir);
    if (system(command) != 0) fprintf(stderr, "warning: could not remove %s\n", f->dir);
  }
}

/* Opens `config` (JSON) on a store in a fresh directory, polling every
 * `poll_ms` in the background tracker (0: the default). */
static inline int fixture_open_config(Fixture* f, const char* config, unsigned int poll_ms) {
  usd1pay_open_options options = USD1PAY_OPEN_OPTIONS_INIT;
  if (!fixture_dir(f)) return 0;
  options.store_path = f->store;
  options.poll_interval_ms = poll_ms;
  if (CHECK_RC(usd1pay_processor_open_json(&f->p, config, &options), USD1PAY_OK) != USD1PAY_OK) {
    fixture_done(f); /* nothing left behind in /tmp */
    return 0;
  }
  return f->p != NULL;
}

static inline int fixture_open(Fixture* f) {
  return fixture_open_config(f, kShopConfig, 50);
}

/* "<dir>/<name>" into out. */
static inline void fixture_path(const Fixture* f, const char* name, char* out, size_t size) {
  snprintf(out, size, "%s/%s", f->dir, name);
}

static inline void write_text_file(const char* path, const char* text) {
  FILE* file = fopen(path, "wb");
  if (file == NULL) {
    harness_fail(__FILE__, __LINE__, path);
    return;
  }
  fputs(text, file);
  fclose(file);
}

/* The whole file, malloc'ed and NUL-terminated, or NULL. */
static inline char* read_text_file(const char* path) {
  FILE* file = fopen(path, "rb");
  char* text = NULL;
  long size;
  if (file == NULL) return NULL;
  if (fseek(file, 0, SEEK_END) == 0 && (size = ftell(file)) >= 0 && fseek(file, 0, SEEK_SET) == 0) {
    text = (char*)malloc((size_t)size + 1);
    if (text != NULL) {
      text[fread(text, 1, (size_t)size, file)] = '\0';
    }
  }
  fclose(file);
  return text;
}

static inline int file_exists(const char* path) {
  return access(path, F_OK) == 0;
}

static inline void sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

/* Creates an intent for `order` of `amount`; its id into id (64 bytes). */
static inline int create_intent(usd1pay_processor* p, const char* order, const char* amount,
                                char* id) {
  char request[256];
  char* json = NULL;
  int ok;
  snprintf(request, sizeof request, "{\"order_id\": \"%s\", \"amount\": \"%s\"}", order, amount);
  if (CHECK_RC(usd1pay_intent_create(&json, p, request), USD1PAY_OK) != USD1PAY_OK) return 0;
  ok = json_string(json, "id", id, 64);
  usd1pay_free(json);
  return ok;
}

/* The intent's status into status (32 bytes). */
static inline int intent_status(usd1pay_processor* p, const char* id, char* status) {
  char* json = NULL;
  int ok;
  if (CHECK_RC(usd1pay_intent_get(&json, p, id), USD1PAY_OK) != USD1PAY_OK) return 0;
  ok = json_string(json, "status", status, 32);
  usd1pay_free(json);
  return ok;
}

#endif /* USD1PAY_TESTS_C_FIXTURE_H */
