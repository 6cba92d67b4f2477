/*
 * Webhooks through the C ABI, tested from C against a real receiver: a
 * Python http.server on 127.0.0.1 (receiver.py) records what arrives; the
 * test checks each delivery's signature with usd1pay_webhook_verify, as a
 * shop's backend does. Endpoint registration and its errors, delivery on the
 * calling thread (drain) and on background threads (start / stop), retries
 * of a failing receiver, endpoints from the configuration.
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "c_fixture.h"
#include "c_harness.h"
#include "usd1pay/usd1pay.h"

/* ------------------------------------------------------------ the receiver */

typedef struct {
  pid_t pid;
  int port;
  char log[200];
} Receiver;

static int receiver_start(Receiver* r, const Fixture* f) {
  int fds[2];
  char line[32];
  FILE* out;
  memset(r, 0, sizeof *r);
  fixture_path(f, "received.log", r->log, sizeof r->log);
  if (pipe(fds) != 0) return 0;
  r->pid = fork();
  if (r->pid < 0) return 0;
  if (r->pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execlp("python3", "python3", USD1PAY_TEST_RECEIVER, r->log, (char*)NULL);
    _exit(127);
  }
  close(fds[1]);
  out = fdopen(fds[0], "r");
  if (out == NULL) return 0;
  if (fgets(line, sizeof line, out) != NULL) r->port = atoi(line);
  fclose(out);
  if (r->port <= 0) harness_fail(__FILE__, __LINE__, "the receiver did not start");
  return r->port > 0;
}

static void receiver_stop(Receiver* r) {
  if (r->pid > 0) {
    kill(r->pid, SIGTERM);
    waitpid(r->pid, NULL, 0);
    r->pid = 0;
  }
}

/* One recorded request. */
typedef struct {
  char path[64];
  char id[128];
  char timestamp[32];
  char signature[512];
  char body[8192];
  size_t body_len;
} Delivery;

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* Reads up to `max` recorded requests; returns how many. */
static int received(const Receiver* r, Delivery* out, int max) {
  char* text = read_text_file(r->log);
  char* line;
  char* save = NULL;
  int n = 0;
  if (text == NULL) return 0;
  for (line = strtok_r(text, "\n", &save); line != NULL && n < max;
       line = strtok_r(NULL, "\n", &save)) {
    Delivery* d = &out[n];
    char* fields[5];
    char* field_save = NULL;
    int k = 0;
    size_t i;
    char* field;
    for (field = strtok_r(line, "\t", &field_save); field != NULL && k < 5;
         field = strtok_r(NULL, "\t", &field_save)) {
      fields[k++] = field;
    }
    if (k != 5) continue;
    snprintf(d->path, sizeof d->path, "%s", fields[0]);
    snprintf(d->id, sizeof d->id, "%s", fields[1]);
    snprintf(d->timestamp, sizeof d->timestamp, "%s", fields[2]);
    snprintf(d->signature, sizeof d->signature, "%s", fields[3]);
    d->body_len = 0;
    for (i = 0;
         fields[4][i] != '\0' && fields[4][i + 1] != '\0' && d->body_len + 1 < sizeof d->body;
         i += 2) {
      d->body[d->body_len++] = (char)(hex_value(fields[4][i]) * 16 + hex_value(fields[4][i + 1]));
    }
    d->body[d->body_len] = '\0';
    ++n;
  }
  free(text);
  return n;
}

/* Waits (polling, at most 20 s) until a delivery whose body contains
 * `part` has arrived; its index, or -1. */
static int wait_for(const Receiver* r, Delivery* all, int max, const char* part) {
  int waited, n, i;
  for (waited = 0; waited < 20000; waited += 20) {
    n = received(r, all, max);
    for (i = 0; i < n; ++i) {
      if (strstr(all[i].body, part) != NULL) return i;
    }
    sleep_ms(20);
  }
  return -1;
}

static int verify(const Delivery* d, const char* secret) {
  const char* secrets[1];
  secrets[0] = secret;
  return usd1pay_webhook_verify(secrets, 1, d->id, d->timestamp, d->signature,
                                (const unsigned char*)d->body, d->body_len, 0, -1);
}

/* Registers http://127.0.0.1:<port><path>; its id and secret. */
static int add_endpoint(usd1pay_processor* p, const Receiver* r, const char* path, char* id,
                        char* secret) {
  char request[256];
  char* out = NULL;
  int ok;
  snprintf(request, sizeof request,
           "{\"url\": \"http://127.0.0.1:%d%s\", \"description\": \"the shop\"}", r->port, path);
  if (CHECK_RC(usd1pay_webhook_endpoint_add(&out, p, request), USD1PAY_OK) != USD1PAY_OK) return 0;
  ok = json_string(out, "id", id, 64) && json_string(out, "secret", secret, 128);
  CHECK_CONTAINS(out, "\"source\":\"api\"");
  CHECK_CONTAINS(out, "\"enabled\":true");
  usd1pay_free(out);
  return ok;
}

/* ------------------------------------------------------------ tests */

static Delivery deliveries[64];

static void test_drain_delivers_signed_webhooks(void) {
  Fixture f;
  Receiver r;
  char endpoint[64], secret[128], intent[64];
  char* report = NULL;
  int i;
  if (!fixture_open(&f)) return;
  if (!receiver_start(&r, &f)) {
    fixture_done(&f);
    return;
  }
  CHECK(add_endpoint(f.p, &r, "/hooks", endpoint, secret));
  CHECK(strncmp(endpoint, "we_", 3) == 0 && strncmp(secret, "whsec_", 6) == 0);
  CHECK(create_intent(f.p, "hooked-order", "25.00", intent));
  CHECK_RC(usd1pay_webhooks_drain(&report, f.p, 10000), USD1PAY_OK);
  CHECK_CONTAINS(report, "\"enqueued\":1");
  CHECK_CONTAINS(report, "\"succeeded\":1");
  CHECK_CONTAINS(report, "\"dead_lettered\":0");
  usd1pay_free(report);
  i = wait_for(&r, deliveries, 64, intent);
  CHECK(i >= 0);
  if (i >= 0) {
    const Delivery* d = &deliveries[i];
    CHECK(strcmp(d->path, "/hooks") == 0);
    CHECK(strncmp(d->id, "msg_", 4) == 0);
    CHECK_CONTAINS(d->body, "\"type\":\"intent.created\"");
    /* Genuine, and only with the right secret and the exact bytes. */
    CHECK_RC(verify(d, secret), USD1PAY_OK);
    CHECK_RC(verify(d, "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), USD1PAY_ECHECKSUM);
    {
      Delivery tampered = *d;
      tampered.body[tampered.body_len - 2] ^= 1;
      CHECK_RC(verify(&tampered, secret), USD1PAY_ECHECKSUM);
    }
  }
  /* Nothing more is due: a second drain does nothing. */
  CHECK_RC(usd1pay_webhooks_drain(&report, f.p, 1000), USD1PAY_OK);
  CHECK_CONTAINS(report, "\"attempted\":0");
  usd1pay_free(report);
  CHECK_RC(usd1pay_webhooks_drain(NULL, f.p, 1000), USD1PAY_OK);
  /* The delivery log, through lookup. */
  CHECK_RC(usd1pay_lookup(&report, f.p, intent), USD1PAY_OK);
  CHECK_CONTAINS(report, "\"status\":\"succeeded\"");
  CHECK_CONTAINS(report, "\"last_http_status\":204");
  usd1pay_free(report);
  receiver_stop(&r);
  fixture_done(&f);
}

static void test_background_delivery(void) {
  Fixture f;
  Receiver r;
  char endpoint[64], secret[128], intent[64], status[32] = "";
  char* out = SENTINEL;
  int i, waited;
  if (!fixture_open(&f)) return;
  if (!receiver_start(&r, &f)) {
    fixture_done(&f);
    return;
  }
  CHECK(add_endpoint(f.p, &r, "/bg", endpoint, secret));
  CHECK(create_intent(f.p, "bg-order", "7.50", intent));
  CHECK_RC(usd1pay_webhooks_start(f.p), USD1PAY_OK);
  CHECK_RC(usd1pay_webhooks_start(f.p), USD1PAY_ESTATE);
  CHECK_ERROR("runs already");
  CHECK_RC(usd1pay_webhooks_drain(&out, f.p, 100), USD1PAY_ESTATE);
  CHECK(out == NULL);
  /* The tracker runs too: pay, mine; the receiver hears intent.succeeded. */
  CHECK_RC(usd1pay_tracker_poll_once(NULL, f.p), USD1PAY_OK);
  CHECK_RC(usd1pay_tracker_start(f.p), USD1PAY_OK);
  CHECK_RC(usd1pay_sim_pay(NULL, f.p, intent, NULL), USD1PAY_OK);
  CHECK_RC(usd1pay_sim_mine(NULL, f.p, NULL, 4), USD1PAY_OK);
  for (waited = 0; waited < 20000; waited += 20) {
    if (intent_status(f.p, intent, status) && strcmp(status, "succeeded") == 0) break;
    sleep_ms(20);
  }
  CHECK(strcmp(status, "succeeded") == 0);
  i = wait_for(&r, deliveries, 64, "\"type\":\"intent.succeeded\"");
  CHECK(i >= 0);
  if (i >= 0) CHECK_RC(verify(&deliveries[i], secret), USD1PAY_OK);
  CHECK(wait_for(&r, deliveries, 64, "\"type\":\"payment.detected\"") >= 0);
  CHECK_RC(usd1pay_webhooks_stop(f.p), USD1PAY_OK);
  CHECK_RC(usd1pay_webhooks_stop(f.p), USD1PAY_OK); /* stopping stopped delivery */
  CHECK_RC(usd1pay_webhooks_drain(NULL, f.p, 1000), USD1PAY_OK);
  /* Restartable; close stops it (and the tracker) cleanly. */
  CHECK_RC(usd1pay_webhooks_start(f.p), USD1PAY_OK);
  CHECK_RC(usd1pay_processor_close(f.p), USD1PAY_OK);
  receiver_stop(&r);
  fixture_done(&f);
}

static void test_failing_receiver_is_retried(void) {
  Fixture f;
  Receiver r;
  char endpoint[64], secret[128], intent[64];
  char* report = NULL;
  if (!fixture_open(&f)) return;
  if (!receiver_start(&r, &f)) {
    fixture_done(&f);
    return;
  }
  CHECK(add_endpoint(f.p, &r, "/fail", endpoint, secret));
  CHECK(create_intent(f.p, "failing", "1.00", intent));
  CHECK_RC(usd1pay_webhooks_drain(&report, f.p, 5000), USD1PAY_OK);
  CHECK_CONTAINS(report, "\"attempted\":1");
  CHECK_CONTAINS(report, "\"succeeded\":0");
  CHECK_CONTAINS(report, "\"retried\":1");
  usd1pay_free(report);
  CHECK(received(&r, deliveries, 64) == 1);
  CHECK_RC(usd1pay_lookup(&report, f.p, intent), USD1PAY_OK);
  CHECK_CONTAINS(report, "\"status\":\"pending\"");
  CHECK_CONTAINS(report, "\"last_http_status\":500");
  usd1pay_free(report);
  receiver_stop(&r);
  fixture_done(&f);
}

static void endpoint_add_fails(usd1pay_processor* p, const char* request, int code,
                               const char* part) {
  char* out;
  CHECK_FAILS(out, usd1pay_webhook_endpoint_add(&out, p, request), code, part);
}

static void test_endpoint_add_errors(void) {
  Fixture f;
  char* out = NULL;
  if (!fixture_open(&f)) return;
  CHECK_RC(usd1pay_webhook_endpoint_add(&out, f.p,
                                        "{\"url\": \"http://127.0.0.1:9/x\","
                                        " \"event_types\": [\"intent.*\"], \"secret\":"
                                        " \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}"),
           USD1PAY_OK);
  CHECK_CONTAINS(out, "\"events\":[\"intent.*\"]");
  CHECK_CONTAINS(out, "\"secret\":\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"");
  usd1pay_free(out);
  endpoint_add_fails(f.p, "{\"url\": \"http://127.0.0.1:9/x\"}", USD1PAY_EEXISTS,
                     "an endpoint with url http://127.0.0.1:9/x exists already (we_");
  endpoint_add_fails(f.p, NULL, USD1PAY_EINVALID, "webhook_endpoint_add: endpoint_json is NULL");
  endpoint_add_fails(f.p, "{}", USD1PAY_EINVALID, "missing required key 'url'");
  endpoint_add_fails(f.p, "{\"url\": \"http://127.0.0.1:9/y\", \"events\": []}", USD1PAY_EINVALID,
                     "unknown key 'events'");
  endpoint_add_fails(f.p, "{\"url\": \"http://127.0.0.1:9/y\", \"event_types\": \"intent.*\"}",
                     USD1PAY_EINVALID, "'event_types' must be an array of strings, not a string");
  endpoint_add_fails(f.p, "{\"url\": \"http://127.0.0.1:9/y\", \"event_types\": [1]}",
                     USD1PAY_EINVALID, "'event_types[0]' must be a string");
  endpoint_add_fails(f.p, "{\"url\": \"http://127.0.0.1:9/y\", \"event_types\": [\"nope\"]}",
                     USD1PAY_EINVALID, "nope");
  endpoint_add_fails(f.p, "{\"url\": \"ftp://127.0.0.1/y\"}", USD1PAY_EINVALID, "webhook url");
  endpoint_add_fails(f.p, "{\"url\": \"http://127.0.0.1:9/y\", \"secret\": \"short\"}",
                     USD1PAY_EINVALID, "secret");
  CHECK_RC(usd1pay_webhook_endpoint_add(NULL, f.p, "{\"url\": \"http://127.0.0.1:9/z\"}"),
           USD1PAY_EINVALID);
  /* The list never shows a secret. */
  CHECK_RC(usd1pay_webhook_endpoint_list(&out, f.p), USD1PAY_OK);
  CHECK(count_occurrences(out, "\"id\":\"we_") == 1);
  CHECK_CONTAINS(out, "\"url\":\"http://127.0.0.1:9/x\"");
  CHECK(out != NULL && strstr(out, "whsec_") == NULL);
  usd1pay_free(out);
  CHECK_RC(usd1pay_webhook_endpoint_list(NULL, f.p), USD1PAY_EINVALID);
  fixture_done(&f);
}

static void test_private_destinations_refused_by_default(void) {
  Fixture f;
  char* out = SENTINEL;
  if (!fixture_open_config(&f,
                           "{\"version\": 1, \"store\": {\"path\": \"s.db\"},"
                           " \"chains\": [" SIM_CHAIN_JSON "]}",
                           0)) {
    return;
  }
  CHECK_RC(usd1pay_webhook_endpoint_add(&out, f.p, "{\"url\": \"http://127.0.0.1:9/x\"}"),
           USD1PAY_EINVALID);
  CHECK(out == NULL);
  CHECK_ERROR("loopback");
  CHECK_ERROR("allow_private_destinations");
  CHECK_RC(usd1pay_webhook_endpoint_add(&out, f.p, "{\"url\": \"http://169.254.169.254/x\"}"),
           USD1PAY_EINVALID);
  CHECK_ERROR("metadata");
  fixture_done(&f);
}

static void test_config_endpoints_are_synced(void) {
  Fixture f;
  char* out = NULL;
  if (!fixture_open_config(&f,
                           "{\"version\": 1, \"store\": {\"path\": \"s.db\"},"
                           " \"chains\": [" SIM_CHAIN_JSON "],"
                           " \"webhooks\": [{\"url\": \"http://127.0.0.1:9/from-config\","
                           "   \"events\": [\"intent.succeeded\"]}],"
                           " \"webhook_delivery\": {\"allow_private_destinations\": true}}",
                           0)) {
    return;
  }
  CHECK_RC(usd1pay_webhook_endpoint_list(&out, f.p), USD1PAY_OK);
  CHECK_CONTAINS(out, "\"url\":\"http://127.0.0.1:9/from-config\"");
  CHECK_CONTAINS(out, "\"events\":[\"intent.succeeded\"]");
  CHECK_CONTAINS(out, "\"source\":\"config\"");
  usd1pay_free(out);
  CHECK_RC(usd1pay_webhook_endpoint_add(&out, f.p, "{\"url\": \"http://127.0.0.1:9/from-config\"}"),
           USD1PAY_EEXISTS);
  fixture_done(&f);
}

int main(void) {
  RUN(test_drain_delivers_signed_webhooks);
  RUN(test_background_delivery);
  RUN(test_failing_receiver_is_retried);
  RUN(test_endpoint_add_errors);
  RUN(test_private_destinations_refused_by_default);
  RUN(test_config_endpoints_are_synced);
  return harness_finish();
}
