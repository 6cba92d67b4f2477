/* Verify a usd1pay webhook in C with OpenSSL 3 (EVP_MAC HMAC-SHA256 and
 * CRYPTO_memcmp). The usd1pay C ABI will offer a verify function as well.
 * Build: cc verify.c -o verify -lcrypto
 * Usage: ./verify SECRET WEBHOOK_ID WEBHOOK_TIMESTAMP WEBHOOK_SIGNATURE BODY_FILE
 * Exit status: 0 valid, 1 invalid, 2 usage. */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOLERANCE_SECONDS 300

/* HMAC-SHA256(key, id "." timestamp "." body) into mac[32]; 1 on success. */
static int signed_content_mac(const unsigned char* key, size_t key_len, const char* id,
                              const char* timestamp, const unsigned char* body, size_t body_len,
                              unsigned char mac[32]) {
  char digest[] = "SHA256";
  OSSL_PARAM params[2];
  EVP_MAC* hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX* ctx = hmac != NULL ? EVP_MAC_CTX_new(hmac) : NULL;
  size_t mac_len = 0;
  int ok;
  params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
  params[1] = OSSL_PARAM_construct_end();
  ok = ctx != NULL && EVP_MAC_init(ctx, key, key_len, params) == 1 &&
       EVP_MAC_update(ctx, (const unsigned char*)id, strlen(id)) == 1 &&
       EVP_MAC_update(ctx, (const unsigned char*)".", 1) == 1 &&
       EVP_MAC_update(ctx, (const unsigned char*)timestamp, strlen(timestamp)) == 1 &&
       EVP_MAC_update(ctx, (const unsigned char*)".", 1) == 1 &&
       EVP_MAC_update(ctx, body, body_len) == 1 && EVP_MAC_final(ctx, mac, &mac_len, 32) == 1 &&
       mac_len == 32;
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(hmac);
  return ok;
}

/* 1 when a "v1," signature in `signature` matches and the timestamp is within
 * 5 minutes of this machine's clock; 0 otherwise. body: the raw request body,
 * byte for byte as received. */
static int verify_webhook(const char* secret, const char* id, const char* timestamp,
                          const char* signature, const unsigned char* body, size_t body_len) {
  unsigned char key[258];
  unsigned char mac[32];
  char expected[45]; /* base64 of 32 bytes: 44 characters and a NUL */
  size_t secret_len, ts_len, i;
  const char* entry = signature;
  int key_len, matched = 0;
  long long ts;

  /* The key: "whsec_" + base64 (EVP_DecodeBlock counts '=' as zero bytes). */
  if (strncmp(secret, "whsec_", 6) == 0) secret += 6;
  secret_len = strlen(secret);
  if (secret_len == 0 || secret_len % 4 != 0 || secret_len > 344) return 0;
  key_len = EVP_DecodeBlock(key, (const unsigned char*)secret, (int)secret_len);
  if (key_len < 0) return 0;
  if (secret[secret_len - 1] == '=') key_len--;
  if (secret[secret_len - 2] == '=') key_len--;
  if (key_len <= 0) return 0;

  /* The timestamp: decimal digits, within the tolerance of now. */
  ts_len = strlen(timestamp);
  if (ts_len == 0 || ts_len > 18) return 0;
  for (i = 0; i < ts_len; i++) {
    if (timestamp[i] < '0' || timestamp[i] > '9') return 0;
  }
  ts = strtoll(timestamp, NULL, 10);
  if (llabs((long long)time(NULL) - ts) > TOLERANCE_SECONDS) return 0;

  if (!signed_content_mac(key, (size_t)key_len, id, timestamp, body, body_len, mac)) return 0;
  EVP_EncodeBlock((unsigned char*)expected, mac, 32);

  /* Several "v1,<base64>" entries, space-separated, while a secret is rotated;
   * each compared in constant time. */
  while (*entry != '\0') {
    size_t len = strcspn(entry, " ");
    if (len == 3 + 44 && strncmp(entry, "v1,", 3) == 0 &&
        CRYPTO_memcmp(entry + 3, expected, 44) == 0) {
      matched = 1;
    }
    entry += len;
    if (*entry == ' ') entry++;
  }
  return matched;
}

int main(int argc, char** argv) {
  FILE* f;
  unsigned char* body = NULL;
  size_t body_len = 0, cap = 0, n;
  int valid;
  if (argc != 6) {
    fprintf(stderr, "usage: verify SECRET ID TIMESTAMP SIGNATURE BODY_FILE\n");
    return 2;
  }
  f = fopen(argv[5], "rb");
  if (f == NULL) {
    perror(argv[5]);
    return 2;
  }
  do {
    if (body_len == cap) {
      unsigned char* bigger = realloc(body, cap = cap * 2 + 4096);
      if (bigger == NULL) {
        free(body);
        fclose(f);
        return 2;
      }
      body = bigger;
    }
    n = fread(body + body_len, 1, cap - body_len, f);
    body_len += n;
  } while (n > 0);
  fclose(f);
  valid = verify_webhook(argv[1], argv[2], argv[3], argv[4], body, body_len);
  free(body);
  if (!valid) {
    fprintf(stderr, "invalid\n");
    return 1;
  }
  printf("valid\n");
  return 0;
}
