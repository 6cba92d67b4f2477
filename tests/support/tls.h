// Test support for HTTPS: certificates made at test time (nothing checked in,
// nothing downloaded) and httplib servers run on 127.0.0.1 at a free port.
#ifndef USD1PAY_TESTS_SUPPORT_TLS_H
#define USD1PAY_TESTS_SUPPORT_TLS_H

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace usd1pay::testing {

/// PEM files written by make_test_certificates().
struct TestCertificates {
  std::string ca_cert;      ///< the self-signed CA (what a client trusts: ca_file)
  std::string server_cert;  ///< the server certificate, signed by the CA
  std::string server_key;   ///< its private key (P-256)
};

/// Makes a fresh self-signed CA and a server certificate it signs, valid from
/// an hour ago for 30 days, for the DNS names and IP addresses given (subject
/// alternative names), and writes them as PEM files "<prefix>ca.pem",
/// "<prefix>server.pem" and "<prefix>server.key" into `dir`. Throws
/// std::runtime_error naming the OpenSSL step that failed.
TestCertificates make_test_certificates(
    const std::string& dir, const std::vector<std::string>& dns_names = {"localhost"},
    const std::vector<std::string>& ip_addresses = {"127.0.0.1"}, const std::string& prefix = "");

/// Runs an httplib::Server (plain or httplib::SSLServer, handlers already set)
/// on 127.0.0.1 at a free port, on its own thread, until destroyed.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::unique_ptr<httplib::Server> server);
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  int port() const { return port_; }
  httplib::Server& server() { return *server_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
};

/// An httplib::SSLServer presenting `certs`' server certificate; throws
/// std::runtime_error when it cannot load them.
std::unique_ptr<httplib::Server> make_tls_server(const TestCertificates& certs);

}  // namespace usd1pay::testing

#endif
