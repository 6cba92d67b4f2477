// usd1pay uri build | uri parse
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "usd1pay/amount.h"
#include "usd1pay/chain.h"
#include "usd1pay/request.h"

namespace usd1pay::cli {
namespace {

struct BuildArgs {
  std::string chain;
  std::string token;
  std::string to;
  std::string amount;
  std::optional<unsigned> decimals;
  std::vector<std::string> references;
  std::optional<std::string> label;
  std::optional<std::string> message;
  std::optional<std::string> memo;
};

// Digits after the '.', or 0; used only where the URI itself carries the
// decimal amount (Solana Pay, TRON text), so no base-unit scale is implied.
unsigned fraction_digits(const std::string& amount) {
  const auto dot = amount.find('.');
  return dot == std::string::npos ? 0u : static_cast<unsigned>(amount.size() - dot - 1);
}

int run_build(const BuildArgs& args) {
  const auto chain = ChainSelector::parse(args.chain);
  if (!chain.ok()) throw UsageError("--chain: " + chain.status().message());

  unsigned decimals = 0;
  if (args.decimals) {
    decimals = *args.decimals;
  } else if (chain->family == ChainFamily::kEvm) {
    // An EIP-681 URI carries base units: guessing the scale could ask the
    // customer for 10^12 times the price.
    throw UsageError("--decimals is required for EVM chains: the URI carries base units");
  } else if (chain->family == ChainFamily::kSolana && args.token.empty()) {
    decimals = kSolDecimals;
  } else {
    decimals = std::min(fraction_digits(args.amount), Amount::kMaxDecimals);
  }

  const auto amount = Amount::parse(args.amount, decimals);
  if (!amount.ok()) {
    std::cerr << "usd1pay: --amount: " << amount.status().message() << "\n";
    return kExitInvalid;
  }
  PaymentRequest request;
  request.chain = *chain;
  request.token = args.token;
  request.recipient = args.to;
  request.amount = *amount;
  request.references = args.references;
  request.label = args.label;
  request.message = args.message;
  request.memo = args.memo;
  const auto uri = build_payment_uri(request);
  if (!uri.ok()) {
    return fail(uri.status());
  }
  std::cout << *uri << "\n";
  if (chain->family == ChainFamily::kTron) {
    // No TRON URI standard: the payload is the address; the amount goes beside it.
    std::cerr << "usd1pay: TRON has no payment URI standard; show the amount "
              << amount->to_string_fixed(2) << " beside the address QR\n";
  }
  return kExitOk;
}

nlohmann::json optional_units(const std::optional<Uint128>& v) {
  return v ? nlohmann::json(v->to_decimal()) : nlohmann::json(nullptr);
}

nlohmann::json params_json(const std::vector<UriParam>& params) {
  auto out = nlohmann::json::array();
  for (const auto& [k, v] : params) out.push_back({{"key", k}, {"value", v}});
  return out;
}

template <typename T>
nlohmann::json optional_json(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

int run_parse(const std::string& uri) {
  nlohmann::json j;
  Status status;
  if (uri.rfind("ethereum:", 0) == 0) {
    const auto r = parse_eip681(uri);
    status = r.status();
    if (r.ok()) {
      const std::uint64_t chain_id = r->chain_id.value_or(1);
      j = {{"standard", "eip681"},
           {"pay_prefix", r->pay_prefix},
           {"target", r->target},
           // EIP-681: no "@chain" means Ethereum mainnet; say which it was.
           {"chain", "eip155:" + std::to_string(chain_id)},
           {"chain_id_explicit", r->chain_id.has_value()},
           {"function", r->function},
           {"recipient", optional_json(r->recipient)},
           {"amount_base_units", optional_units(r->amount)},
           {"value", optional_units(r->value)},
           {"gas_limit", optional_units(r->gas_limit)},
           {"gas_price", optional_units(r->gas_price)},
           {"other_params", params_json(r->other_params)}};
    }
  } else if (uri.rfind("solana:", 0) == 0) {
    const auto r = parse_solana_pay(uri);
    status = r.status();
    if (r.ok()) {
      j = {{"standard", "solana-pay"},
           {"recipient", r->recipient},
           {"amount", optional_json(r->amount)},
           {"spl_token", optional_json(r->spl_token)},
           {"references", r->references},
           {"label", optional_json(r->label)},
           {"message", optional_json(r->message)},
           {"memo", optional_json(r->memo)},
           {"other_params", params_json(r->other_params)}};
    }
  } else {
    status =
        Status(ErrorCode::kUnsupported,
               "uri: unknown scheme; expected 'ethereum:' (EIP-681) or 'solana:' (Solana Pay)");
  }
  if (!status.ok()) {
    return fail(status);
  }
  std::cout << j.dump(2) << "\n";
  return kExitOk;
}

}  // namespace

void add_uri_commands(CLI::App& app, int* exit_code) {
  auto* uri = app.add_subcommand("uri", "Build and parse payment request URIs");
  uri->require_subcommand(1);

  auto args = std::make_shared<BuildArgs>();
  auto* build = uri->add_subcommand(
      "build",
      "Print the payment request for a chain: EIP-681 ERC-20 transfer (EVM), Solana Pay\n"
      "transfer request (Solana), or the plain address (TRON, which has no URI standard).");
  build->add_option("--chain", args->chain, "CAIP-2 chain id (eip155:1, ...) or family")
      ->required();
  build->add_option("--token", args->token,
                    "Token contract (EVM, TRON) or SPL mint (Solana); omit for the native coin");
  build->add_option("--to", args->to, "Recipient (merchant) address")->required();
  build->add_option("--amount", args->amount, "Exact decimal amount in token units, e.g. 25.00")
      ->required();
  build
      ->add_option("--decimals", args->decimals,
                   "Token decimals (required on EVM, where the URI carries base units)")
      ->check(CLI::Range(0u, Amount::kMaxDecimals));
  build->add_option("--reference", args->references, "Solana Pay reference key (repeatable)");
  build->add_option("--label", args->label, "Solana Pay label (merchant name)");
  build->add_option("--message", args->message, "Solana Pay message (shown to the payer)");
  build->add_option("--memo", args->memo, "Solana Pay memo (recorded on chain)");
  build->callback([args, exit_code] { *exit_code = run_build(*args); });

  auto text = std::make_shared<std::string>();
  auto* parse = uri->add_subcommand(
      "parse",
      "Print an EIP-681 or Solana Pay URI's fields as JSON (amounts as exact strings).\n"
      "Exit 1 with a message naming the position when the URI is invalid.");
  parse->add_option("uri", *text, "The URI")->required();
  parse->callback([text, exit_code] { *exit_code = run_parse(*text); });
}

}  // namespace usd1pay::cli
