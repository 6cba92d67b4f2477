/*
 * A tiny test harness for the C ABI's tests, in C99 (the tests must be C,
 * compiled as a C caller compiles them).
 *
 *   static void test_something(void) {
 *     CHECK(1 + 1 == 2);
 *     CHECK_RC(usd1pay_qr_svg(&svg, "x", NULL), USD1PAY_OK);
 *     CHECK_CONTAINS(svg, "<svg");
 *   }
 *   int main(void) {
 *     RUN(test_something);
 *     return harness_finish();
 *   }
 *
 * A test passes when none of its checks failed; a failed check prints the
 * file, line, what was expected and, for return codes, usd1pay_error_last(),
 * then the test goes on (later checks may say more). harness_finish() prints
 * "N passed, N failed" and returns the exit status (non-zero on failure).
 * Header-only: every definition is static (the functions inline, so that a
 * test that does not use one gets no warning).
 */
#ifndef USD1PAY_TESTS_C_HARNESS_H
#define USD1PAY_TESTS_C_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usd1pay/usd1pay.h"

static int harness_passed = 0;
static int harness_failed = 0;
static int harness_current_failures = 0;

static inline void harness_fail(const char* file, int line, const char* what) {
  fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what);
  ++harness_current_failures;
}

#define CHECK(cond)                                       \
  do {                                                    \
    if (!(cond)) harness_fail(__FILE__, __LINE__, #cond); \
  } while (0)

/* Evaluates `expr` once; fails unless it returned `want`. */
#define CHECK_RC(expr, want) harness_check_rc(__FILE__, __LINE__, #expr, (expr), (want))

static inline int harness_check_rc(const char* file, int line, const char* expr, int got,
                                   int want) {
  if (got != want) {
    fprintf(stderr, "%s:%d: FAILED: %s\n  returned %s (%d), expected %s (%d)\n  last error: %s\n",
            file, line, expr, usd1pay_error_name(got), got, usd1pay_error_name(want), want,
            usd1pay_error_last());
    ++harness_current_failures;
  }
  return got;
}

/* Fails unless `text` (may be NULL) contains `part`. */
#define CHECK_CONTAINS(text, part) harness_check_contains(__FILE__, __LINE__, #text, (text), (part))

static inline void harness_check_contains(const char* file, int line, const char* expr,
                                          const char* text, const char* part) {
  if (text == NULL || strstr(text, part) == NULL) {
    fprintf(stderr, "%s:%d: FAILED: %s contains \"%s\"\n  it is: %s\n", file, line, expr, part,
            text == NULL ? "NULL" : text);
    ++harness_current_failures;
  }
}

/* Fails unless this thread's last error names `part`. */
#define CHECK_ERROR(part) \
  harness_check_contains(__FILE__, __LINE__, "usd1pay_error_last()", usd1pay_error_last(), (part))

/* A pointer no call hands back: an out-parameter set to it before a call
 * shows whether the call cleared it. */
#define SENTINEL ((char*)0x1)

/* A call that must fail: sets the char* `out` to SENTINEL, evaluates `expr`
 * (which writes `out`) once, and fails unless it returned `want`, left `out`
 * NULL and recorded an error naming `part`. Returns what `expr` returned. */
#define CHECK_FAILS(out, expr, want, part) \
  ((out) = SENTINEL, harness_check_fails(__FILE__, __LINE__, #expr, (expr), (want), &(out), (part)))

static inline int harness_check_fails(const char* file, int line, const char* expr, int got,
                                      int want, char* const* out, const char* part) {
  harness_check_rc(file, line, expr, got, want);
  if (*out != NULL) {
    fprintf(stderr, "%s:%d: FAILED: %s left its result set\n", file, line, expr);
    ++harness_current_failures;
  }
  harness_check_contains(file, line, "usd1pay_error_last()", usd1pay_error_last(), part);
  return got;
}

#define RUN(test) harness_run(#test, test)

static inline void harness_run(const char* name, void (*test)(void)) {
  harness_current_failures = 0;
  usd1pay_error_clear();
  test();
  if (harness_current_failures == 0) {
    ++harness_passed;
    printf("[ OK ] %s\n", name);
  } else {
    ++harness_failed;
    printf("[FAIL] %s (%d failed checks)\n", name, harness_current_failures);
  }
  fflush(stdout);
}

static inline int harness_finish(void) {
  printf("%d passed, %d failed\n", harness_passed, harness_failed);
  return harness_failed == 0 && harness_passed > 0 ? 0 : 1;
}

/* The string value of "key" in JSON this library wrote (compact, the first
 * occurrence), copied into out; 0 when absent or too long. Enough for
 * ids, statuses and addresses; not a JSON parser. */
static inline int json_string(const char* json, const char* key, char* out, size_t size) {
  char needle[128];
  const char* at;
  size_t n = 0;
  if (json == NULL) return 0;
  snprintf(needle, sizeof needle, "\"%s\":\"", key);
  at = strstr(json, needle);
  if (at == NULL) return 0;
  at += strlen(needle);
  while (at[n] != '\0' && at[n] != '"') {
    if (n + 1 >= size) return 0;
    out[n] = at[n];
    ++n;
  }
  out[n] = '\0';
  return 1;
}

/* The unsigned integer value of "key" (first occurrence), or -1. */
static inline long long json_uint(const char* json, const char* key) {
  char needle[128];
  const char* at;
  long long v = 0;
  if (json == NULL) return -1;
  snprintf(needle, sizeof needle, "\"%s\":", key);
  at = strstr(json, needle);
  if (at == NULL) return -1;
  at += strlen(needle);
  if (*at < '0' || *at > '9') return -1;
  while (*at >= '0' && *at <= '9') v = v * 10 + (*at++ - '0');
  return v;
}

/* How many times `part` occurs in `text`. */
static inline int count_occurrences(const char* text, const char* part) {
  int n = 0;
  const char* at = text;
  if (text == NULL) return 0;
  while ((at = strstr(at, part)) != NULL) {
    ++n;
    at += strlen(part);
  }
  return n;
}

/* How many times `part` occurs in `text` between the first `from` and the
 * first `to` after it (the whole rest when `to` is absent). */
static inline int count_between(const char* text, const char* part, const char* from,
                                const char* to) {
  const char* start;
  const char* end;
  int n = 0;
  if (text == NULL || (start = strstr(text, from)) == NULL) return 0;
  start += strlen(from);
  end = strstr(start, to);
  while ((start = strstr(start, part)) != NULL && (end == NULL || start < end)) {
    ++n;
    start += strlen(part);
  }
  return n;
}

#endif /* USD1PAY_TESTS_C_HARNESS_H */
