/*
 * The C ABI's functions that need no processor, tested from C: versions,
 * features, error codes and the per-thread last error, usd1pay_free,
 * address validation, QR rendering, option structs and receiver-side
 * webhook verification, each with its error paths.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c_harness.h"
#include "usd1pay/usd1pay.h"

/* A pointer value no call may leave in an output on failure. */

/* The Standard Webhooks specification's example. */
static const char* const kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
static const char* const kId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
static const char* const kTimestamp = "1614265330";
static const int64_t kTime = 1614265330;
static const char* const kSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
static const char* const kBody = "{\"test\": 2432232314}";

static void test_versions(void) {
  char expected[32];
  snprintf(expected, sizeof expected, "%d.%d.%d", USD1PAY_VERSION_MAJOR, USD1PAY_VERSION_MINOR,
           USD1PAY_VERSION_PATCH);
  CHECK(strcmp(usd1pay_version(), USD1PAY_VERSION_STRING) == 0);
  CHECK(strcmp(usd1pay_version(), expected) == 0);
  CHECK(usd1pay_version_number() ==
        USD1PAY_VERSION_MAJOR * 10000 + USD1PAY_VERSION_MINOR * 100 + USD1PAY_VERSION_PATCH);
  CHECK(usd1pay_abi_version() == USD1PAY_ABI_VERSION);
}

static void test_features(void) {
  const unsigned int all = USD1PAY_FEATURE_SQLITE | USD1PAY_FEATURE_EVM_RPC | USD1PAY_FEATURE_TLS |
                           USD1PAY_FEATURE_PNG | USD1PAY_FEATURE_SIM | USD1PAY_FEATURE_THREADS;
  CHECK(usd1pay_features() == all);
}

static void test_error_names(void) {
  static const struct {
    int code;
    const char* name;
  } kNames[] = {{USD1PAY_OK, "USD1PAY_OK"},
                {USD1PAY_EINVALID, "USD1PAY_EINVALID"},
                {USD1PAY_ECHECKSUM, "USD1PAY_ECHECKSUM"},
                {USD1PAY_ERANGE, "USD1PAY_ERANGE"},
                {USD1PAY_EUNSUPPORTED, "USD1PAY_EUNSUPPORTED"},
                {USD1PAY_ENOTFOUND, "USD1PAY_ENOTFOUND"},
                {USD1PAY_EEXISTS, "USD1PAY_EEXISTS"},
                {USD1PAY_ECONFLICT, "USD1PAY_ECONFLICT"},
                {USD1PAY_ESTATE, "USD1PAY_ESTATE"},
                {USD1PAY_EIO, "USD1PAY_EIO"},
                {USD1PAY_EUNAVAILABLE, "USD1PAY_EUNAVAILABLE"},
                {USD1PAY_EINTERNAL, "USD1PAY_EINTERNAL"},
                {USD1PAY_EBUFS, "USD1PAY_EBUFS"},
                {USD1PAY_ENOMEM, "USD1PAY_ENOMEM"},
                {USD1PAY_ECLOSED, "USD1PAY_ECLOSED"}};
  size_t i;
  for (i = 0; i < sizeof kNames / sizeof kNames[0]; ++i) {
    CHECK(strcmp(usd1pay_error_name(kNames[i].code), kNames[i].name) == 0);
  }
  /* The set is closed and dense: 0 .. -14. */
  CHECK(strcmp(usd1pay_error_name(1), "USD1PAY_UNKNOWN") == 0);
  CHECK(strcmp(usd1pay_error_name(-15), "USD1PAY_UNKNOWN") == 0);
  CHECK(strcmp(usd1pay_error_name(-1000), "USD1PAY_UNKNOWN") == 0);
}

static void test_last_error_and_clear(void) {
  char* svg = SENTINEL;
  usd1pay_error_clear();
  CHECK(strcmp(usd1pay_error_last(), "") == 0);
  CHECK(usd1pay_error_last_code() == USD1PAY_OK);
  CHECK_RC(usd1pay_qr_svg(&svg, "", NULL), USD1PAY_EINVALID);
  CHECK(svg == NULL);
  CHECK(usd1pay_error_last_code() == USD1PAY_EINVALID);
  CHECK(strlen(usd1pay_error_last()) > 0);
  /* A success does not erase the last failure. */
  CHECK_RC(usd1pay_qr_svg(&svg, "x", NULL), USD1PAY_OK);
  usd1pay_free(svg);
  CHECK(usd1pay_error_last_code() == USD1PAY_EINVALID);
  usd1pay_error_clear();
  CHECK(strcmp(usd1pay_error_last(), "") == 0);
  CHECK(usd1pay_error_last_code() == USD1PAY_OK);
}

static void* fail_on_another_thread(void* arg) {
  int* code = (int*)arg;
  *code = usd1pay_address_validate(NULL, 0, "evm", "0xnothex");
  return NULL;
}

static void test_last_error_is_per_thread(void) {
  pthread_t thread;
  int other = 0;
  usd1pay_error_clear();
  CHECK_RC(usd1pay_address_validate(NULL, 0, "tron", "T"), USD1PAY_EINVALID);
  CHECK(pthread_create(&thread, NULL, fail_on_another_thread, &other) == 0);
  CHECK(pthread_join(thread, NULL) == 0);
  CHECK(other == USD1PAY_EINVALID);
  /* This thread still sees its own failure, not the other thread's. */
  CHECK(usd1pay_error_last_code() == USD1PAY_EINVALID);
  CHECK(strstr(usd1pay_error_last(), "0xnothex") == NULL);
}

static void test_free_null(void) {
  usd1pay_free(NULL);
  usd1pay_processor_free(NULL);
  CHECK(1);
}

static void test_address_canonical_forms(void) {
  char out[USD1PAY_ADDRESS_MAX];
  CHECK(usd1pay_address_max() == USD1PAY_ADDRESS_MAX);
  CHECK_RC(usd1pay_address_validate(out, sizeof out, "evm",
                                    "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
           USD1PAY_OK);
  CHECK(strcmp(out, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed") == 0);
  CHECK_RC(usd1pay_address_validate(out, sizeof out, "eip155:1",
                                    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
           USD1PAY_OK);
  CHECK(strcmp(out, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed") == 0);
  CHECK_RC(usd1pay_address_validate(out, sizeof out, "tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
           USD1PAY_OK);
  CHECK(strcmp(out, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t") == 0);
  CHECK_RC(usd1pay_address_validate(out, sizeof out, "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
                                    "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"),
           USD1PAY_OK);
  CHECK(strcmp(out, "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v") == 0);
  /* Only checking: no buffer. */
  CHECK_RC(usd1pay_address_validate(NULL, 0, "evm", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
           USD1PAY_OK);
}

static void test_address_errors(void) {
  char out[USD1PAY_ADDRESS_MAX];
  CHECK_RC(usd1pay_address_validate(out, sizeof out, "evm",
                                    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"),
           USD1PAY_ECHECKSUM);
  CHECK_RC(usd1pay_address_validate(out, sizeof out, "evm",
                                    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeZ"),
           USD1PAY_EINVALID);
  CHECK_ERROR("'Z'");
  CHECK_ERROR("position 41");
  CHECK_RC(usd1pay_address_validate(out, sizeof out, "evm", "0x1234"), USD1PAY_EINVALID);
  CHECK_ERROR("length");
  CHECK_RC(usd1pay_address_validate(out, sizeof out, "tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u"),
           USD1PAY_ECHECKSUM);
  CHECK_RC(
      usd1pay_address_validate(out, sizeof out, "bitcoin", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"),
      USD1PAY_EINVALID);
  CHECK_ERROR("bitcoin");
  CHECK_RC(usd1pay_address_validate(out, sizeof out, "eip155:", "0x00"), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_address_validate(out, sizeof out, "", "0x00"), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_address_validate(out, sizeof out, NULL, "0x00"), USD1PAY_EINVALID);
  CHECK_ERROR("address_validate: chain is NULL");
  CHECK_RC(usd1pay_address_validate(out, sizeof out, "evm", NULL), USD1PAY_EINVALID);
  CHECK_ERROR("address_validate: address is NULL");
}

static void test_address_buffer_too_small(void) {
  const char* address = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"; /* 42 bytes */
  char out[64];
  memset(out, 'Z', sizeof out);
  CHECK_RC(usd1pay_address_validate(out, 42, "evm", address), USD1PAY_EBUFS);
  CHECK_ERROR("43 bytes needed");
  CHECK(out[0] == 'Z' && out[41] == 'Z' && out[42] == 'Z'); /* nothing written */
  CHECK_RC(usd1pay_address_validate(out, 0, "evm", address), USD1PAY_EBUFS);
  CHECK(out[0] == 'Z');
  CHECK_RC(usd1pay_address_validate(out, 43, "evm", address), USD1PAY_OK);
  CHECK(strcmp(out, address) == 0);
  /* A failure of another kind leaves the buffer as it was too. */
  memset(out, 'Z', sizeof out);
  CHECK_RC(usd1pay_address_validate(out, sizeof out, "evm", "0x12"), USD1PAY_EINVALID);
  CHECK(out[0] == 'Z');
}

static void test_qr_options_init(void) {
  usd1pay_qr_options opts;
  const usd1pay_qr_options defaults = USD1PAY_QR_OPTIONS_INIT;
  memset(&opts, 0x7f, sizeof opts);
  CHECK_RC(usd1pay_qr_options_init(&opts, USD1PAY_QR_OPTIONS_VERSION), USD1PAY_OK);
  CHECK(memcmp(&opts, &defaults, sizeof opts) == 0);
  CHECK(opts.version == 1 && opts.error_correction == USD1PAY_QR_EC_MEDIUM &&
        opts.quiet_zone == 4 && opts.png_module_pixels == 8 && opts.svg_size_px == 0 &&
        opts.terminal_style == USD1PAY_QR_TERMINAL_DARK_BACKGROUND);
  CHECK_RC(usd1pay_qr_options_init(NULL, 1), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_qr_options_init(&opts, 0), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_qr_options_init(&opts, 2), USD1PAY_EINVALID);
  CHECK_ERROR("unknown version 2");
}

static void test_open_options_init(void) {
  usd1pay_open_options opts;
  const usd1pay_open_options defaults = USD1PAY_OPEN_OPTIONS_INIT;
  memset(&opts, 0x7f, sizeof opts);
  CHECK_RC(usd1pay_open_options_init(&opts, USD1PAY_OPEN_OPTIONS_VERSION), USD1PAY_OK);
  CHECK(opts.version == defaults.version && opts.store_path == NULL &&
        opts.poll_interval_ms == defaults.poll_interval_ms);
  CHECK_RC(usd1pay_open_options_init(NULL, 1), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_open_options_init(&opts, 0), USD1PAY_EINVALID);
  CHECK_RC(usd1pay_open_options_init(&opts, 99), USD1PAY_EINVALID);
  CHECK_ERROR("unknown version 99");
}

/* The opening <svg ...> tag of a document, copied into out. */
static void svg_tag(const char* svg, char* out, size_t size) {
  size_t n = 0;
  out[0] = '\0';
  if (svg == NULL) return;
  while (svg[n] != '\0' && svg[n] != '>' && n + 1 < size) {
    out[n] = svg[n];
    ++n;
  }
  out[n] = '\0';
}

static void test_qr_svg(void) {
  usd1pay_qr_options opts = USD1PAY_QR_OPTIONS_INIT;
  char* svg = NULL;
  char tag[256];
  CHECK_RC(usd1pay_qr_svg(&svg, "hello", NULL), USD1PAY_OK);
  CHECK_CONTAINS(svg, "</svg>");
  svg_tag(svg, tag, sizeof tag);
  /* "hello" at M is version 1: 21 modules + 2 x 4 quiet zone. */
  CHECK_CONTAINS(tag, "<svg ");
  CHECK_CONTAINS(tag, "viewBox=\"0 0 29 29\"");
  CHECK(strstr(tag, "width=") == NULL); /* fills its container by default */
  usd1pay_free(svg);
  opts.svg_size_px = 200;
  opts.quiet_zone = 1;
  CHECK_RC(usd1pay_qr_svg(&svg, "hello", &opts), USD1PAY_OK);
  svg_tag(svg, tag, sizeof tag);
  CHECK_CONTAINS(tag, "width=\"200\"");
  CHECK_CONTAINS(tag, "viewBox=\"0 0 23 23\"");
  usd1pay_free(svg);
}

static void test_qr_png(void) {
  usd1pay_qr_options opts = USD1PAY_QR_OPTIONS_INIT;
  unsigned char* png = NULL;
  size_t len = 0;
  unsigned long width;
  static const unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  /* "hello" at level M is version 1: 21 modules, + 2 x 4 quiet = 29. */
  CHECK_RC(usd1pay_qr_png(&png, &len, "hello", NULL), USD1PAY_OK);
  CHECK(png != NULL && len > 33);
  if (png != NULL && len > 33) {
    CHECK(memcmp(png, kSignature, 8) == 0);
    CHECK(memcmp(png + 12, "IHDR", 4) == 0);
    width = ((unsigned long)png[16] << 24) | ((unsigned long)png[17] << 16) |
            ((unsigned long)png[18] << 8) | png[19];
    CHECK(width == 29 * 8);
  }
  usd1pay_free(png);
  opts.png_module_pixels = 3;
  opts.quiet_zone = 0;
  CHECK_RC(usd1pay_qr_png(&png, &len, "hello", &opts), USD1PAY_OK);
  if (png != NULL && len > 33) {
    width = ((unsigned long)png[16] << 24) | ((unsigned long)png[17] << 16) |
            ((unsigned long)png[18] << 8) | png[19];
    CHECK(width == 21 * 3);
  }
  usd1pay_free(png);
  png = (unsigned char*)SENTINEL;
  len = 99;
  CHECK_RC(usd1pay_qr_png(&png, NULL, "hello", NULL), USD1PAY_EINVALID);
  CHECK(png == NULL);
  CHECK_ERROR("out_len is NULL");
  CHECK_RC(usd1pay_qr_png(NULL, &len, "hello", NULL), USD1PAY_EINVALID);
  CHECK(len == 0);
}

static void test_qr_terminal(void) {
  usd1pay_qr_options opts = USD1PAY_QR_OPTIONS_INIT;
  char* dark = NULL;
  char* light = NULL;
  char* ansi = NULL;
  CHECK_RC(usd1pay_qr_terminal(&dark, "hello", NULL), USD1PAY_OK);
  /* 29 module rows, two per line: 15 lines. */
  CHECK(count_occurrences(dark, "\n") == 15);
  CHECK_CONTAINS(dark, "\xe2\x96\x88"); /* U+2588 full block */
  opts.terminal_style = USD1PAY_QR_TERMINAL_LIGHT_BACKGROUND;
  CHECK_RC(usd1pay_qr_terminal(&light, "hello", &opts), USD1PAY_OK);
  CHECK(dark != NULL && light != NULL && strcmp(dark, light) != 0);
  opts.terminal_style = USD1PAY_QR_TERMINAL_ANSI;
  CHECK_RC(usd1pay_qr_terminal(&ansi, "hello", &opts), USD1PAY_OK);
  CHECK_CONTAINS(ansi, "\x1b[30;107m");
  CHECK(count_occurrences(ansi, "\x1b[0m") == 15);
  usd1pay_free(dark);
  usd1pay_free(light);
  usd1pay_free(ansi);
}

static void test_qr_errors(void) {
  usd1pay_qr_options opts = USD1PAY_QR_OPTIONS_INIT;
  char* out = SENTINEL;
  char* big = (char*)malloc(3001);
  CHECK_RC(usd1pay_qr_svg(NULL, "x", NULL), USD1PAY_EINVALID);
  CHECK_ERROR("qr_svg: out is NULL");
  CHECK_FAILS(out, usd1pay_qr_svg(&out, NULL, NULL), USD1PAY_EINVALID, "qr_svg: payload is NULL");
  out = SENTINEL;
  CHECK_RC(usd1pay_qr_terminal(&out, "", NULL), USD1PAY_EINVALID);
  CHECK(out == NULL);
  /* Too long for a QR code at M (2331 bytes), fits at L (2953). */
  if (big != NULL) {
    memset(big, 'a', 3000);
    big[2400] = '\0';
    CHECK_RC(usd1pay_qr_svg(&out, big, NULL), USD1PAY_ERANGE);
    CHECK_ERROR("2331");
    opts.error_correction = USD1PAY_QR_EC_LOW;
    CHECK_RC(usd1pay_qr_svg(&out, big, &opts), USD1PAY_OK);
    usd1pay_free(out);
    big[2400] = 'a';
    big[3000] = '\0';
    CHECK_RC(usd1pay_qr_svg(&out, big, &opts), USD1PAY_ERANGE);
    free(big);
  }
  /* Every option out of its range, one at a time. */
  opts = (usd1pay_qr_options)USD1PAY_QR_OPTIONS_INIT;
  opts.error_correction = 4;
  CHECK_RC(usd1pay_qr_svg(&out, "x", &opts), USD1PAY_EINVALID);
  CHECK_ERROR("error_correction 4");
  opts = (usd1pay_qr_options)USD1PAY_QR_OPTIONS_INIT;
  opts.quiet_zone = -1;
  CHECK_RC(usd1pay_qr_svg(&out, "x", &opts), USD1PAY_EINVALID);
  CHECK_ERROR("quiet_zone -1");
  opts.quiet_zone = 65;
  CHECK_RC(usd1pay_qr_png((unsigned char**)&out, &(size_t){0}, "x", &opts), USD1PAY_EINVALID);
  CHECK_ERROR("quiet_zone 65 is outside 0..64");
  opts = (usd1pay_qr_options)USD1PAY_QR_OPTIONS_INIT;
  opts.png_module_pixels = 0;
  CHECK_RC(usd1pay_qr_svg(&out, "x", &opts), USD1PAY_EINVALID);
  CHECK_ERROR("png_module_pixels 0");
  opts.png_module_pixels = 257;
  CHECK_RC(usd1pay_qr_svg(&out, "x", &opts), USD1PAY_EINVALID);
  opts = (usd1pay_qr_options)USD1PAY_QR_OPTIONS_INIT;
  opts.svg_size_px = -5;
  CHECK_RC(usd1pay_qr_svg(&out, "x", &opts), USD1PAY_EINVALID);
  CHECK_ERROR("svg_size_px -5");
  opts = (usd1pay_qr_options)USD1PAY_QR_OPTIONS_INIT;
  opts.terminal_style = 3;
  CHECK_RC(usd1pay_qr_terminal(&out, "x", &opts), USD1PAY_EINVALID);
  CHECK_ERROR("terminal_style 3");
  opts = (usd1pay_qr_options)USD1PAY_QR_OPTIONS_INIT;
  opts.version = 0;
  CHECK_RC(usd1pay_qr_svg(&out, "x", &opts), USD1PAY_EINVALID);
  CHECK_ERROR("unknown version 0");
  opts.version = USD1PAY_QR_OPTIONS_VERSION + 1;
  CHECK_RC(usd1pay_qr_svg(&out, "x", &opts), USD1PAY_EINVALID);
  CHECK(out == NULL);
}

static int verify(const char* const* secrets, size_t count, const char* body, int64_t now,
                  int64_t tolerance) {
  return usd1pay_webhook_verify(secrets, count, kId, kTimestamp, kSignature,
                                (const unsigned char*)body, strlen(body), now, tolerance);
}

static void test_webhook_verify(void) {
  const char* one[1];
  const char* rotation[2];
  one[0] = kSecret;
  CHECK_RC(verify(one, 1, kBody, kTime, 300), USD1PAY_OK);
  /* One byte more or less in the body: no match. */
  CHECK_RC(verify(one, 1, "{\"test\": 2432232315}", kTime, 300), USD1PAY_ECHECKSUM);
  CHECK_RC(verify(one, 1, "{\"test\":2432232314}", kTime, 300), USD1PAY_ECHECKSUM);
  /* During a rotation either secret may have signed. */
  rotation[0] = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  rotation[1] = kSecret;
  CHECK_RC(verify(rotation, 2, kBody, kTime, 300), USD1PAY_OK);
  CHECK_RC(verify(rotation, 1, kBody, kTime, 300), USD1PAY_ECHECKSUM);
}

static void test_webhook_verify_time(void) {
  const char* one[1];
  one[0] = kSecret;
  CHECK_RC(verify(one, 1, kBody, kTime + 300, 300), USD1PAY_OK); /* exactly at the edge */
  CHECK_RC(verify(one, 1, kBody, kTime + 301, 300), USD1PAY_ERANGE);
  CHECK_ERROR("301 seconds in the past");
  CHECK_RC(verify(one, 1, kBody, kTime - 301, 300), USD1PAY_ERANGE);
  CHECK_ERROR("in the future");
  CHECK_RC(verify(one, 1, kBody, kTime + 1000, 1000), USD1PAY_OK);
  /* A negative tolerance means the default, 300 s. */
  CHECK_RC(verify(one, 1, kBody, kTime + 299, -1), USD1PAY_OK);
  CHECK_RC(verify(one, 1, kBody, kTime + 301, -1), USD1PAY_ERANGE);
  /* now = 0 reads the clock: the 2021 example is far too old today. */
  CHECK_RC(verify(one, 1, kBody, 0, 300), USD1PAY_ERANGE);
}

static void test_webhook_verify_errors(void) {
  const char* one[1];
  const char* with_null[2];
  const unsigned char* body = (const unsigned char*)kBody;
  const size_t len = strlen(kBody);
  one[0] = kSecret;
  with_null[0] = kSecret;
  with_null[1] = NULL;
  CHECK_RC(usd1pay_webhook_verify(NULL, 1, kId, kTimestamp, kSignature, body, len, kTime, 300),
           USD1PAY_EINVALID);
  CHECK_ERROR("secrets is NULL");
  CHECK_RC(usd1pay_webhook_verify(one, 0, kId, kTimestamp, kSignature, body, len, kTime, 300),
           USD1PAY_EINVALID);
  CHECK_ERROR("secret_count is 0");
  CHECK_RC(usd1pay_webhook_verify(with_null, 2, kId, kTimestamp, kSignature, body, len, kTime, 300),
           USD1PAY_EINVALID);
  CHECK_ERROR("secrets[1] is NULL");
  one[0] = "whsec_not*base64";
  CHECK_RC(usd1pay_webhook_verify(one, 1, kId, kTimestamp, kSignature, body, len, kTime, 300),
           USD1PAY_EINVALID);
  CHECK_ERROR("secrets[0]");
  CHECK(strstr(usd1pay_error_last(), "not*base64") == NULL); /* never echoes a secret */
  one[0] = kSecret;
  CHECK_RC(usd1pay_webhook_verify(one, 1, NULL, kTimestamp, kSignature, body, len, kTime, 300),
           USD1PAY_EINVALID);
  CHECK_ERROR("id is NULL");
  CHECK_RC(usd1pay_webhook_verify(one, 1, kId, NULL, kSignature, body, len, kTime, 300),
           USD1PAY_EINVALID);
  CHECK_ERROR("timestamp is NULL");
  CHECK_RC(usd1pay_webhook_verify(one, 1, kId, kTimestamp, NULL, body, len, kTime, 300),
           USD1PAY_EINVALID);
  CHECK_ERROR("signature is NULL");
  CHECK_RC(usd1pay_webhook_verify(one, 1, kId, kTimestamp, kSignature, NULL, len, kTime, 300),
           USD1PAY_EINVALID);
  CHECK_ERROR("body is NULL");
  /* An empty body may be NULL: it verifies as empty (no match here). */
  CHECK_RC(usd1pay_webhook_verify(one, 1, kId, kTimestamp, kSignature, NULL, 0, kTime, 300),
           USD1PAY_ECHECKSUM);
  CHECK_RC(usd1pay_webhook_verify(one, 1, kId, "16142653x0", kSignature, body, len, kTime, 300),
           USD1PAY_EINVALID);
  CHECK_ERROR("webhook-timestamp");
  CHECK_RC(usd1pay_webhook_verify(one, 1, "msg.1", kTimestamp, kSignature, body, len, kTime, 300),
           USD1PAY_EINVALID);
  CHECK_ERROR("webhook-id");
  CHECK_RC(usd1pay_webhook_verify(one, 1, kId, kTimestamp, "v1", body, len, kTime, 300),
           USD1PAY_EINVALID);
  CHECK_ERROR("webhook-signature");
}

int main(void) {
  RUN(test_versions);
  RUN(test_features);
  RUN(test_error_names);
  RUN(test_last_error_and_clear);
  RUN(test_last_error_is_per_thread);
  RUN(test_free_null);
  RUN(test_address_canonical_forms);
  RUN(test_address_errors);
  RUN(test_address_buffer_too_small);
  RUN(test_qr_options_init);
  RUN(test_open_options_init);
  RUN(test_qr_svg);
  RUN(test_qr_png);
  RUN(test_qr_terminal);
  RUN(test_qr_errors);
  RUN(test_webhook_verify);
  RUN(test_webhook_verify_time);
  RUN(test_webhook_verify_errors);
  return harness_finish();
}
