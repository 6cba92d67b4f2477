/* The C side of bench.abi_overhead: intent create + get through the C ABI
 * (libusd1pay.so) from C, with no binding in between, so that run.py can
 * split the Python binding's overhead into what the C ABI costs (JSON in and
 * out) and what ctypes and the Python wrapper add.
 *
 *   bench_abi_overhead_c CONFIG N
 *
 * Prints "OPS <create+get pairs per second>" (timing only the loop) and
 * "P50_NS <the median time of one pair>", after checking that each get returns the created intent
 * and that N intents exist.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usd1pay/usd1pay.h"

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int by_value(const void* a, const void* b) {
  const double x = *(const double*)a;
  const double y = *(const double*)b;
  return (x > y) - (x < y);
}

static int fail(const char* what) {
  fprintf(stderr, "bench_abi_overhead_c: %s: %s\n", what, usd1pay_error_last());
  return 1;
}

/* Copies the value of the first "id" key of an intent's JSON into id. */
static int intent_id(const char* json, char* id, size_t size) {
  const char* start = strstr(json, "\"id\":\"");
  const char* end;
  if (start == NULL) return 0;
  start += 6;
  end = strchr(start, '"');
  if (end == NULL || (size_t)(end - start) >= size) return 0;
  memcpy(id, start, (size_t)(end - start));
  id[end - start] = '\0';
  return 1;
}

int main(int argc, char** argv) {
  usd1pay_processor* p = NULL;
  long n;
  long i;
  double start;
  double secs;
  int rc = 1;
  char* list = NULL;
  double* pair = NULL;
  if (argc != 3 || (n = strtol(argv[2], NULL, 10)) <= 0) {
    fprintf(stderr, "usage: bench_abi_overhead_c CONFIG N\n");
    return 2;
  }
  pair = (double*)malloc((size_t)n * sizeof *pair);
  if (pair == NULL) return 1;
  if (usd1pay_processor_open(&p, argv[1], NULL) != USD1PAY_OK) {
    free(pair);
    return fail("open");
  }
  start = seconds();
  for (i = 0; i < n; ++i) {
    char request[256];
    char order[64];
    char id[64];
    char* created = NULL;
    char* got = NULL;
    const double pair_start = seconds();
    snprintf(order, sizeof order, "\"order_id\":\"order-%ld\"", i);
    snprintf(request, sizeof request,
             "{%s,\"amount\":\"25.00\",\"idempotency_key\":\"key-%ld\","
             "\"metadata\":{\"cart\":\"c-1\",\"terminal\":\"pos-7\"}}",
             order, i);
    if (usd1pay_intent_create(&created, p, request) != USD1PAY_OK) {
      fail("intent_create");
      goto done;
    }
    if (!intent_id(created, id, sizeof id)) {
      fprintf(stderr, "bench_abi_overhead_c: no id in %s\n", created);
      usd1pay_free(created);
      goto done;
    }
    usd1pay_free(created);
    if (usd1pay_intent_get(&got, p, id) != USD1PAY_OK) {
      fail("intent_get");
      goto done;
    }
    if (strstr(got, id) == NULL || strstr(got, order) == NULL ||
        strstr(got, "\"amount\":\"25.00\"") == NULL) {
      fprintf(stderr, "bench_abi_overhead_c: get %s returned %s\n", id, got);
      usd1pay_free(got);
      goto done;
    }
    usd1pay_free(got);
    pair[i] = seconds() - pair_start;
  }
  secs = seconds() - start;
  {
    /* Count the intents: pages of 1000, following the cursor. */
    long count = 0;
    char query[512] = "{\"limit\":1000}";
    for (;;) {
      const char* cursor;
      const char* item = NULL;
      if (usd1pay_intent_list(&list, p, query) != USD1PAY_OK) {
        fail("intent_list");
        goto done;
      }
      for (item = strstr(list, "\"object\":\"payment_intent\""); item != NULL;
           item = strstr(item + 1, "\"object\":\"payment_intent\"")) {
        ++count;
      }
      cursor = strstr(list, "\"next_cursor\":\"");
      if (cursor == NULL || cursor[15] == '"') break;
      {
        const char* end = strchr(cursor + 15, '"');
        snprintf(query, sizeof query, "{\"limit\":1000,\"cursor\":\"%.*s\"}",
                 (int)(end - (cursor + 15)), cursor + 15);
      }
      usd1pay_free(list);
      list = NULL;
    }
    if (count != n) {
      fprintf(stderr, "bench_abi_overhead_c: %ld intents for %ld\n", count, n);
      goto done;
    }
  }
  qsort(pair, (size_t)n, sizeof *pair, by_value);
  printf("OPS %.0f\nP50_NS %.0f\n", (double)n / secs, pair[n / 2] * 1e9);
  rc = 0;
done:
  usd1pay_free(list);
  usd1pay_processor_free(p);
  free(pair);
  return rc;
}
