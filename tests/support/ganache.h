// Test support: a real local Ethereum node (ganache 7 from the npm registry,
// tests/peers/node_modules/ganache) started on 127.0.0.1 at a free port, for
// integration tests and benchmarks.
//
// The node runs `node <ganache>/dist/node/cli.js --server.host 127.0.0.1
// --server.port <port> --chain.chainId 1337 --wallet.deterministic
// --logging.quiet --miner.instamine eager --database.dbPath <temp dir>`, so
// that stop() / restart() (a node outage) keeps the chain. Ganache facts that
// tests must respect (../shared/PEERS.md): hardfork shanghai at most;
// "safe" / "finalized" answer the latest block; evm_revert sends no removed
// logs (compare block hashes per height); snapshot ids are single use.
//
// THREAD SAFETY: one thread drives a GanacheNode.
#ifndef USD1PAY_TESTS_SUPPORT_GANACHE_H
#define USD1PAY_TESTS_SUPPORT_GANACHE_H

#include <sys/types.h>

#include <memory>
#include <string>

#include "support/temp_dir.h"

namespace usd1pay::testing {

class GanacheNode {
 public:
  static constexpr unsigned kChainId = 1337;

  /// Path of ganache's cli.js under tests/peers/node_modules, or "" when the
  /// npm peers are not installed (tests then fail: make test installs them).
  static std::string cli_path();

  GanacheNode();
  /// Kills the node (SIGTERM, then SIGKILL) and removes its database.
  ~GanacheNode();
  GanacheNode(const GanacheNode&) = delete;
  GanacheNode& operator=(const GanacheNode&) = delete;

  /// Starts the node on a free port and waits (up to 60 s) until it answers
  /// eth_blockNumber. Returns "" on success, otherwise what went wrong.
  std::string start();
  /// Stops the node (the port is kept for restart()).
  void stop();
  /// Starts it again on the same port with the same database.
  std::string restart();

  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  /// "http://127.0.0.1:<port>"
  std::string url() const;
  /// "eip155:1337"
  static std::string chain_id() { return "eip155:1337"; }

  /// One JSON-RPC call (params as a JSON array text); the raw response body,
  /// or "" when the node did not answer.
  std::string rpc(const std::string& method, const std::string& params_json = "[]") const;

 private:
  std::string launch();

  std::unique_ptr<TempDir> db_;
  int port_ = 0;
  pid_t pid_ = -1;
};

/// A free TCP port on 127.0.0.1 (bound, then released).
int free_local_port();

}  // namespace usd1pay::testing

#endif
