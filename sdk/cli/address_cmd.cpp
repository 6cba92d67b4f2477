// usd1pay address validate
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "usd1pay/address.h"
#include "usd1pay/chain.h"

namespace usd1pay::cli {
namespace {

struct ValidateArgs {
  std::string chain;
  bool strict = false;
  bool json = false;
  std::vector<std::string> inputs;
};

// Reads one address per line; a trailing '\r' (files from Windows) is
// dropped, and empty lines are skipped so that a final newline is harmless.
std::vector<std::string> read_lines(std::istream& in) {
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

int run_validate(const ValidateArgs& args) {
  const auto selector = ChainSelector::parse(args.chain);
  if (!selector.ok()) throw UsageError("--chain: " + selector.status().message());

  std::vector<std::string> inputs;
  for (const auto& in : args.inputs) {
    if (in == "-") {
      const auto lines = read_lines(std::cin);
      inputs.insert(inputs.end(), lines.begin(), lines.end());
    } else {
      inputs.push_back(in);
    }
  }

  AddressOptions options;
  options.strict = args.strict;
  bool all_valid = true;
  for (const auto& input : inputs) {
    const auto info = validate_address(selector->family, input, options);
    all_valid = all_valid && info.ok();
    if (args.json) {
      nlohmann::json j;
      j["input"] = input;
      j["chain"] = selector->id ? selector->id->to_string() : chain_family_name(selector->family);
      j["valid"] = info.ok();
      if (info.ok()) {
        j["canonical"] = info->canonical;
        j["checksummed"] = info->checksummed;
      } else {
        j["error"] = info.status().message();
        j["error_code"] = error_code_name(info.status().code());
      }
      // Inputs may hold any bytes; never let a bad one abort the whole run.
      std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else if (info.ok()) {
      std::cout << "valid   " << info->canonical
                << (info->checksummed ? "" : "  (no checksum in input)") << '\n';
    } else {
      std::cout << "invalid " << input << "  " << info.status().message() << '\n';
    }
  }
  return all_valid ? kExitOk : kExitInvalid;
}

}  // namespace

void add_address_commands(CLI::App& app, int* exit_code) {
  auto* address = app.add_subcommand("address", "Validate and canonicalise addresses");
  address->require_subcommand(1);

  auto args = std::make_shared<ValidateArgs>();
  auto* validate = address->add_subcommand(
      "validate",
      "Check addresses and print their canonical form.\n"
      "EVM: EIP-55 checksum (all-lowercase / all-uppercase are valid without one);\n"
      "TRON: base58check with version 0x41 (or the 41... hex form);\n"
      "Solana: base58 of 32 bytes.\n"
      "Exit 0 when all are valid, 1 when any is invalid, 2 on a usage error.");
  validate
      ->add_option("--chain", args->chain,
                   "CAIP-2 chain id (eip155:1, tron:0x2b6653dc, solana:...) or family "
                   "(evm, tron, solana)")
      ->required();
  validate->add_flag("--strict", args->strict,
                     "EVM: refuse addresses without an EIP-55 checksum (for POS screens)");
  validate->add_flag("--json", args->json,
                     "One JSON object per input: input, chain, valid, canonical, checksummed, "
                     "error, error_code");
  validate->add_option("addresses", args->inputs, "Addresses, or - to read one per line from stdin")
      ->required();
  validate->callback([args, exit_code] { *exit_code = run_validate(*args); });
}

}  // namespace usd1pay::cli
