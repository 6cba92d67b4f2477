// Test certificates with the OpenSSL 3 API, and loopback httplib servers.
#include "support/tls.h"

#include <httplib.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace usd1pay::testing {
namespace {

[[noreturn]] void fail(const std::string& step) {
  throw std::runtime_error("test certificates: " + step + " failed");
}

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

Key make_key() {
  Key key(EVP_EC_gen("P-256"));
  if (!key) fail("EVP_EC_gen");
  return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) fail("extension " + value);
  if (X509_add_ext(cert, ext, -1) != 1) fail("X509_add_ext " + value);
  X509_EXTENSION_free(ext);
}

// A certificate for `subject_cn` with `key`, issued by (issuer, issuer_key),
// or self-signed when issuer is null.
Cert make_cert(const std::string& subject_cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
               bool ca, const std::string& san) {
  Cert cert(X509_new());
  if (!cert) fail("X509_new");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) fail("RAND_bytes");
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  if (bn == nullptr || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) == nullptr) {
    fail("serial number");
  }
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600);
  if (X509_set_pubkey(cert.get(), key) != 1) fail("X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("usd1pay tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(subject_cn.c_str()), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1) fail("issuer name");
  add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (ca) {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
    add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    if (!san.empty()) add_ext(cert.get(), signer, NID_subject_alt_name, san);
  }
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) {
    fail("X509_sign");
  }
  return cert;
}

void write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) fail("opening " + path);
  const bool ok = cert != nullptr
                      ? PEM_write_X509(f, cert) == 1
                      : PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(f);
  if (!ok) fail("writing " + path);
}

}  // namespace

TestCertificates make_test_certificates(const std::string& dir,
                                        const std::vector<std::string>& dns_names,
                                        const std::vector<std::string>& ip_addresses,
                                        const std::string& prefix) {
  std::string san;
  for (const auto& n : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + n;
  for (const auto& ip : ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
  Key ca_key = make_key();
  Cert ca = make_cert("usd1pay test CA " + prefix, ca_key.get(), nullptr, nullptr, true, "");
  Key server_key = make_key();
  const std::string cn = dns_names.empty() ? "server" : dns_names.front();
  Cert server = make_cert(cn, server_key.get(), ca.get(), ca_key.get(), false, san);
  TestCertificates out;
  out.ca_cert = dir + "/" + prefix + "ca.pem";
  out.server_cert = dir + "/" + prefix + "server.pem";
  out.server_key = dir + "/" + prefix + "server.key";
  write_pem(out.ca_cert, ca.get(), nullptr);
  write_pem(out.server_cert, server.get(), nullptr);
  write_pem(out.server_key, nullptr, server_key.get());
  return out;
}

std::unique_ptr<httplib::Server> make_tls_server(const TestCertificates& certs) {
  auto server =
      std::make_unique<httplib::SSLServer>(certs.server_cert.c_str(), certs.server_key.c_str());
  if (!server->is_valid()) {
    throw std::runtime_error("test certificates: SSLServer cannot load " + certs.server_cert);
  }
  return server;
}

LoopbackServer::LoopbackServer(std::unique_ptr<httplib::Server> server)
    : server_(std::move(server)) {
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("loopback server: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!server_->is_running()) {
    if (std::chrono::steady_clock::now() > give_up) {
      server_->stop();
      thread_.join();
      throw std::runtime_error("loopback server: not running after 30 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

LoopbackServer::~LoopbackServer() {
  server_->stop();
  thread_.join();
}

}  // namespace usd1pay::testing
