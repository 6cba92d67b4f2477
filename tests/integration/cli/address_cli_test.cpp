// The `usd1pay address validate` command, run as a real process.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/subprocess.h"

namespace usd1pay {
namespace {

using testing::ProcessResult;
using testing::required_env;
using testing::run_process;

ProcessResult cli(std::vector<std::string> args, const std::string& input = {}) {
  args.insert(args.begin(), required_env("USD1PAY_CLI"));
  return run_process(args, input);
}

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> rows;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

// From EIP-55's examples.
constexpr const char* kChecksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
constexpr const char* kLower = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";

TEST(AddressCliTest, VersionPrintsTheVersion) {
  const auto r = cli({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("usd1pay 0.", 0), 0u) << r.out;
}

TEST(AddressCliTest, ValidChecksummedAddressExitsZero) {
  const auto r = cli({"address", "validate", "--chain", "eip155:1", kChecksummed});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(kChecksummed), std::string::npos) << r.out;
}

TEST(AddressCliTest, JsonReportsCanonicalAndChecksumState) {
  const auto r = cli({"address", "validate", "--chain", "evm", "--json", kChecksummed, kLower});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["input"], kChecksummed);
  EXPECT_EQ(rows[0]["valid"], true);
  EXPECT_EQ(rows[0]["canonical"], kChecksummed);
  EXPECT_EQ(rows[0]["checksummed"], true);
  EXPECT_EQ(rows[1]["input"], kLower);
  EXPECT_EQ(rows[1]["valid"], true);
  EXPECT_EQ(rows[1]["canonical"], kChecksummed);
  EXPECT_EQ(rows[1]["checksummed"], false);
  EXPECT_FALSE(rows[1].contains("error"));
}

TEST(AddressCliTest, StrictRefusesAddressWithoutChecksum) {
  const auto r = cli({"address", "validate", "--chain", "eip155:1", "--strict", "--json", kLower});
  EXPECT_EQ(r.exit_code, 1);
  const auto rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["valid"], false);
  EXPECT_FALSE(rows[0].contains("canonical"));
  EXPECT_NE(rows[0]["error"].get<std::string>().find("checksum"), std::string::npos);
}

TEST(AddressCliTest, BadChecksumIsReportedNotCorrected) {
  std::string flipped = kChecksummed;
  flipped[3] = 'A';  // 'a' -> 'A' breaks the EIP-55 checksum
  const auto r = cli({"address", "validate", "--chain", "eip155:1", "--json", flipped});
  EXPECT_EQ(r.exit_code, 1);
  const auto rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["valid"], false);
  EXPECT_EQ(rows[0]["error_code"], "checksum_mismatch");
  EXPECT_FALSE(rows[0].contains("canonical"));
}

TEST(AddressCliTest, ReadsStdinAndReportsEveryLine) {
  const std::string input =
      std::string(kChecksummed) + "\r\n" + "0xZZ\n\n" + "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8\n";
  const auto r = cli({"address", "validate", "--chain", "tron", "--json", "-"}, input);
  EXPECT_EQ(r.exit_code, 1);
  const auto rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;        // the empty line is skipped
  EXPECT_EQ(rows[0]["input"], kChecksummed);  // '\r' stripped
  EXPECT_EQ(rows[0]["valid"], false);         // an EVM address is no TRON address
  EXPECT_EQ(rows[1]["valid"], false);
  EXPECT_EQ(rows[2]["valid"], true);
  EXPECT_EQ(rows[2]["canonical"], "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8");
}

TEST(AddressCliTest, SolanaAddress) {
  const auto r = cli({"address", "validate", "--chain", "solana", "--json",
                      "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
                      "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5D0"});
  EXPECT_EQ(r.exit_code, 1);
  const auto rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["valid"], true);
  EXPECT_EQ(rows[1]["valid"], false);
  // '0' is not in the base58 alphabet; the message says where.
  EXPECT_NE(rows[1]["error"].get<std::string>().find("position 42"), std::string::npos)
      << rows[1]["error"];
}

TEST(AddressCliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(cli({"address", "validate", kChecksummed}).exit_code, 2);  // no --chain
  const auto unknown = cli({"address", "validate", "--chain", "bitcoin", kChecksummed});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("--chain"), std::string::npos) << unknown.err;
  EXPECT_EQ(cli({"address", "validate", "--chain", "evm"}).exit_code, 2);  // no address
  EXPECT_EQ(cli({"address", "validate", "--chain", "evm", "--bogus", kLower}).exit_code, 2);
  EXPECT_EQ(cli({"nonsense"}).exit_code, 2);
}

TEST(AddressCliTest, HelpExitsZeroAndDescribesOptions) {
  const auto r = cli({"address", "validate", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--strict"), std::string::npos);
  EXPECT_NE(r.out.find("--json"), std::string::npos);
}

}  // namespace
}  // namespace usd1pay
