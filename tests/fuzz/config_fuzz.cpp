// Fuzzes Config::parse with arbitrary bytes.
//
// Invariants, not just "does not crash":
// - a rejection has a code and a message starting "config: ";
// - an accepted config satisfies everything docs/config.md promises: at least
//   one chain, unique chain ids, default chain and token that resolve, tokens
//   with canonical contracts and unique symbols, strategy fields consistent
//   with the strategy and the chain family, numbers (start_block included)
//   in their ranges, a tolerance that is an exact decimal within its limit,
//   backend settings that are a JSON object;
// - parsing is deterministic (the same text gives the same message or the
//   same values).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "usd1pay/address.h"
#include "usd1pay/amount.h"
#include "usd1pay/config.h"
#include "usd1pay/hd.h"

namespace {

using usd1pay::ChainFamily;
using usd1pay::Config;
using usd1pay::DepositStrategy;

void check(bool condition) {
  if (!condition) std::abort();
}

void check_address(ChainFamily family, const std::string& text) {
  const auto r = usd1pay::validate_address(family, text, usd1pay::AddressOptions{true});
  check(r.ok());
  check(r->canonical == text);
}

void check_invariants(const Config& c) {
  check(c.version == 1);
  check(!c.store.path.empty());
  check(c.store.busy_timeout_ms >= 0 && c.store.busy_timeout_ms <= 600000);
  check(!c.chains.empty() && c.chains.size() <= 64);
  for (std::size_t i = 0; i < c.chains.size(); ++i) {
    const auto& chain = c.chains[i];
    check(c.find_chain(chain.id.to_string()) == &chain);  // ids are unique
    const auto family = chain.id.family();
    check(family.ok() && *family == chain.family);
    check(chain.backend == "sim" ||
          (chain.backend == "evm-rpc" && chain.family == ChainFamily::kEvm));
    const auto settings = nlohmann::json::parse(chain.backend_json, nullptr, false);
    check(settings.is_object());
    if (chain.finality.kind == usd1pay::FinalityConfig::Kind::kConfirmations) {
      check(chain.finality.confirmations >= 1 && chain.finality.confirmations <= 10000);
    }
    if (chain.finality.kind == usd1pay::FinalityConfig::Kind::kSafe) {
      check(chain.family == ChainFamily::kEvm);
    }
    if (chain.start_block) check(*chain.start_block <= usd1pay::kMaxStartBlock);
    check(!chain.tokens.empty() && chain.tokens.size() <= 32);
    for (const auto& token : chain.tokens) {
      check(chain.find_token(token.symbol) == &token);  // symbols are unique
      check(!token.symbol.empty() && token.symbol.size() <= 16);
      check(token.decimals <= usd1pay::Amount::kMaxDecimals);
      check_address(chain.family, token.contract);
      // The tolerance is exact in every token.
      const auto tolerance = usd1pay::Amount::parse(c.underpayment_tolerance, 18);
      check(tolerance.ok());
      check(tolerance->rescale(token.decimals).ok());
    }
    switch (chain.strategy) {
      case DepositStrategy::kXpub: {
        check(chain.family != ChainFamily::kSolana);
        check(chain.merchant_address.empty());
        const auto key = usd1pay::ExtendedPublicKey::parse(chain.xpub);
        check(key.ok());
        check(key->derive_path(chain.derivation_path).ok() ||
              key->derive_path(chain.derivation_path).status().code() ==
                  usd1pay::ErrorCode::kOutOfRange);
        break;
      }
      case DepositStrategy::kReference:
        check(chain.family == ChainFamily::kSolana);
        [[fallthrough]];
      case DepositStrategy::kStatic:
        check(chain.xpub.empty());
        check_address(chain.family, chain.merchant_address);
        break;
    }
  }
  const auto* chain = c.find_chain(c.default_chain);
  check(chain != nullptr);
  check(chain->find_token(c.default_token) != nullptr);
  check(c.default_expiry_seconds >= 60 && c.default_expiry_seconds <= 7 * 24 * 3600);
  const auto tolerance = usd1pay::Amount::parse(c.underpayment_tolerance, 18);
  check(tolerance.ok());
  check(tolerance->to_string_fixed(2) == c.underpayment_tolerance);
  const auto ten = usd1pay::Amount::parse("10", 18);
  check(usd1pay::Amount::sub(*ten, *tolerance).ok());  // at most 10.00
  check(c.metadata_max_bytes <= 65536);
  check(!c.actor.empty() && c.actor.size() <= 64);
  for (const auto& hook : c.webhooks) {
    check(hook.url.rfind("https://", 0) == 0 || hook.url.rfind("http://", 0) == 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = Config::parse(text);
  const auto again = Config::parse(text);
  check(r.ok() == again.ok());
  if (!r.ok()) {
    check(r.status().code() != usd1pay::ErrorCode::kOk);
    check(r.status().message().rfind("config: ", 0) == 0);
    check(r.status() == again.status());
    return 0;
  }
  check_invariants(*r);
  check(again->default_chain == r->default_chain);
  check(again->chains.size() == r->chains.size());
  return 0;
}
