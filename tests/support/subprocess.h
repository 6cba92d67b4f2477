// Test support: run a program with input on stdin and capture what it prints.
#ifndef USD1PAY_TESTS_SUPPORT_SUBPROCESS_H
#define USD1PAY_TESTS_SUPPORT_SUBPROCESS_H

#include <string>
#include <vector>

namespace usd1pay::testing {

struct ProcessResult {
  int exit_code = -1;  ///< exit status; 128+N when killed by signal N
  std::string out;     ///< everything written to stdout
  std::string err;     ///< everything written to stderr
};

/// Runs argv[0] (looked up on PATH) with the arguments, feeding `input` to
/// its stdin, and waits for it. Extra environment entries ("K=V") are added to
/// the current environment.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = {},
                          const std::vector<std::string>& extra_env = {});

/// A setting of the test harness: USD1PAY_PEERS_DIR, USD1PAY_CLI or
/// USD1PAY_SOURCE_DIR. The environment variable of that name wins; otherwise
/// the value CMake compiled in. Throws (failing the calling test with the
/// message) when neither has a value.
std::string required_env(const char* name);

/// Runs `node <script>` from the peers folder with NODE_PATH set to its
/// node_modules. `script` is relative to tests/peers.
ProcessResult run_node_peer(const std::string& script, const std::vector<std::string>& args,
                            const std::string& input);

}  // namespace usd1pay::testing

#endif
