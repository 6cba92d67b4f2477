// Test support: asking a node oracle script (tests/peers/*_oracle.js) a batch
// of questions, one JSON line each, in one node process.
// Header-only: it records failures with GoogleTest assertions.
#ifndef USD1PAY_TESTS_SUPPORT_NODE_ORACLE_H
#define USD1PAY_TESTS_SUPPORT_NODE_ORACLE_H

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/subprocess.h"

namespace usd1pay::testing {

/// Runs `node <script>` (relative to tests/peers) with every request as one
/// JSON line on its stdin and returns its answers, one JSON line each, in
/// order. Fails the calling test (non-fatally, with node's stderr) when the
/// script exits non-zero or answers a different number of lines; a line that
/// is not JSON throws.
inline std::vector<nlohmann::json> ask_node_oracle(const std::string& script,
                                                   const std::vector<nlohmann::json>& requests) {
  std::string input;
  for (const auto& r : requests) input += r.dump() + "\n";
  const auto result = run_node_peer(script, {}, input);
  EXPECT_EQ(result.exit_code, 0) << script << ": " << result.err;
  std::vector<nlohmann::json> answers;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    answers.push_back(nlohmann::json::parse(line));
  }
  EXPECT_EQ(answers.size(), requests.size()) << script << ": " << result.err;
  return answers;
}

}  // namespace usd1pay::testing

#endif
