// usd1pay: the configuration file (one JSON document), parsed and validated.
//
// The file names the store, the chains (CAIP-2 id, backend and its settings,
// finality policy, tokens, deposit strategy), the defaults for new payment
// intents and the webhook endpoints. docs/config.md documents every key with
// its type, default and meaning; samples/usd1pay.json is a complete example.
//
// Validation is strict and complete before anything uses the result: unknown
// keys (with a "did you mean" hint for near misses), duplicate keys, wrong
// types, missing required keys, values out of range, bad addresses and
// extended keys are all errors. Every message starts with "config: " and names
// the key path in dotted form, e.g.
//   "config: chains[0].tokens[1].contract: address: EIP-55 checksum does not match"
// JSON syntax errors name the line and column. Money values are strings
// (exact decimals); a JSON number where money is expected is refused.
//
// OWNERSHIP: Config and its parts are plain values (copyable, movable).
// THREAD SAFETY: values and pure functions; a const Config may be read from
// any number of threads at once. Config::load reads the file once.
#ifndef USD1PAY_CONFIG_H
#define USD1PAY_CONFIG_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "usd1pay/chain.h"
#include "usd1pay/status.h"

namespace usd1pay {

/// How intents on a chain get somewhere to be paid (docs/config.md compares
/// them).
enum class DepositStrategy {
  /// A fresh address per intent, derived from an account-level extended
  /// public key (BIP-32, non-hardened). EVM and TRON chains.
  kXpub,
  /// One merchant address and a fresh 32-byte reference key per intent
  /// (Solana Pay). Solana chains only.
  kReference,
  /// One merchant address for every intent, matched by amount and time
  /// window. The weakest: ambiguity shows up in reconciliation.
  kStatic,
};

/// "xpub", "reference", "static".
const char* deposit_strategy_name(DepositStrategy strategy) noexcept;

struct TokenConfig {
  /// As shown to people ("USD1"): 1..16 of [A-Za-z0-9._-]. Looked up
  /// case-sensitively; two symbols of one chain may not differ only by case.
  std::string symbol;
  /// The token contract (EVM: EIP-55 spelling, TRON: base58check "T...") or
  /// the SPL mint (Solana), always in canonical spelling. Never empty: usd1pay
  /// accepts tokens, not a chain's native coin.
  std::string contract;
  /// The token's decimals, 0..38.
  unsigned decimals = 0;
};

struct FinalityConfig {
  enum class Kind {
    /// Final after `confirmations` blocks (the block holding the transfer
    /// counts as the first).
    kConfirmations,
    /// Final once the chain says so: EVM "finalized" block tag, Solana
    /// "finalized" commitment.
    kFinalized,
    /// EVM "safe" block tag.
    kSafe,
  };
  Kind kind = Kind::kConfirmations;
  /// Used when kind == kConfirmations: 1..10000.
  std::uint32_t confirmations = 12;

  friend bool operator==(const FinalityConfig& a, const FinalityConfig& b) {
    return a.kind == b.kind && a.confirmations == b.confirmations;
  }
  friend bool operator!=(const FinalityConfig& a, const FinalityConfig& b) { return !(a == b); }
};

/// "confirmations", "finalized", "safe".
const char* finality_kind_name(FinalityConfig::Kind kind) noexcept;

/// The finality policy of a chain whose config has no `finality` key: the
/// default docs/chains.md recommends (with its reasoning) for the well-known
/// chains, and 12 confirmations for every other chain. The one table of
/// these defaults:
///   eip155:1 (Ethereum), eip155:10 (OP Mainnet), eip155:56 (BNB Smart
///   Chain), eip155:137 (Polygon PoS), eip155:8453 (Base), eip155:42161
///   (Arbitrum One), eip155:11155111 (Sepolia), every solana:*  -> finalized;
///   every tron:* -> 19 confirmations (the solidified block);
///   eip155:1337, eip155:31337 (local devnets) -> 3 confirmations;
///   anything else -> 12 confirmations.
/// A `finality` key that is present is used as written (its own defaults:
/// kind "confirmations", 12 confirmations).
FinalityConfig default_finality_for(const ChainId& chain);

/// The largest `start_block`: 2^53-1, the largest integer every JSON reader
/// (JavaScript's included) holds exactly; far above any chain's height.
constexpr std::uint64_t kMaxStartBlock = (std::uint64_t{1} << 53) - 1;

struct ChainConfig {
  ChainId id;
  ChainFamily family = ChainFamily::kEvm;
  /// "sim" (in-process simulated chain) or "evm-rpc" (EVM JSON-RPC node).
  std::string backend;
  /// The backend's own settings object ("backend_settings") as compact JSON
  /// text; "{}" when absent. Its keys are checked by the chain module.
  std::string backend_json = "{}";
  FinalityConfig finality;
  /// At least one.
  std::vector<TokenConfig> tokens;
  DepositStrategy strategy = DepositStrategy::kXpub;
  /// kXpub: the account-level extended public key (xpub / tpub), as given
  /// (verified with ExtendedPublicKey::parse). Empty for other strategies.
  std::string xpub;
  /// kXpub: the relative non-hardened path below the xpub; intent index i
  /// uses "<derivation_path>/<i>" ("<i>" when the path is empty).
  std::string derivation_path = "0";
  /// kReference / kStatic: the merchant's receiving address in canonical
  /// spelling for the chain's family. Empty for kXpub.
  std::string merchant_address;
  /// Where the tracker starts on this chain when the store has no cursor for
  /// it yet (its very first scan), so that payments mined before the first
  /// run are found: 0..2^53-1 (kMaxStartBlock). Absent: the tracker's own
  /// default (TrackerOptions::start_block, else a few blocks below the head).
  /// An existing cursor always wins: changing it later moves nothing.
  std::optional<std::uint64_t> start_block;

  /// The token with exactly this symbol, or nullptr.
  const TokenConfig* find_token(std::string_view symbol) const noexcept;
};

struct WebhookEndpointConfig {
  /// http:// or https:// URL with a host.
  std::string url;
  /// Event types to deliver ("intent.succeeded", "intent.*", "*"); empty means
  /// all events.
  std::vector<std::string> events;
  /// The signing secret (Standard Webhooks "whsec_..."); may be empty here
  /// and checked by the webhook module.
  std::string secret;
  std::string description;
  bool enabled = true;
};

/// How the webhook dispatcher delivers (the "webhook_delivery" object).
/// Plain values: the CLI and hosts turn them into WebhookDispatcherOptions /
/// HttpTransportOptions with include/usd1pay/webhook_config.h.
struct WebhookDeliveryConfig {
  /// Seconds to wait before attempt k+1 after attempt k failed (the first
  /// attempt is immediate); after the last, the delivery is dead-lettered.
  /// 1..50 entries, each 1..604800 (7 days). Default: Standard Webhooks'
  /// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
  std::vector<std::int64_t> retry_schedule_seconds = {5,     300,   1800,  7200, 18000,
                                                      36000, 50400, 72000, 86400};
  /// Each delay is multiplied by a random factor in [1 - jitter, 1 + jitter]:
  /// 0..0.5. A ratio of delays, never money, so a JSON number is fine here.
  double jitter = 0.1;
  /// Concurrent HTTP attempts: 1..256.
  std::size_t workers = 4;
  /// Attempts to one endpoint at once: 1..workers.
  std::size_t max_in_flight_per_endpoint = 2;
  /// 100..60000.
  std::int64_t connect_timeout_ms = 5000;
  /// The whole exchange after connecting: 1000..60000 (15..30 s recommended).
  std::int64_t request_timeout_ms = 20000;
  /// How long a claimed delivery stays with its sender: 1000..3600000, and
  /// more than connect_timeout_ms + request_timeout_ms.
  std::int64_t lease_ms = 60000;
  /// Allow loopback / private / link-local / metadata destinations (tests,
  /// private deployments). Off by default: the SSRF guard.
  bool allow_private_destinations = false;
  /// Verify HTTPS certificates. Turning it off is for tests only.
  bool verify_tls = true;
  /// A PEM bundle to trust instead of the system's ("" = system default);
  /// resolved like store.path. Only with verify_tls.
  std::string ca_file;
};

struct StoreConfig {
  /// SQLite's `synchronous` pragma (docs/config.md explains the choice).
  enum class Synchronous {
    /// Commits survive a crash of the process; the last ones may be lost on
    /// power failure (in WAL mode).
    kNormal,
    /// Commits survive power failure too. The default.
    kFull,
  };
  /// The database file, resolved relative to the config file's directory
  /// (absolute paths stay as they are).
  std::string path;
  Synchronous synchronous = Synchronous::kFull;
  /// How long a writer waits for another one's lock: 0..600000.
  int busy_timeout_ms = 5000;
};

struct Config {
  /// Where the config was read from: the path given to load(), or the
  /// source_name given to parse().
  std::string source;
  /// The file format version; only 1 exists.
  int version = 1;
  StoreConfig store;
  /// At least one; CAIP-2 ids are unique.
  std::vector<ChainConfig> chains;
  /// CAIP-2 id of a configured chain; defaults to the first chain.
  std::string default_chain;
  /// A token symbol of the default chain; defaults to its first token.
  std::string default_token;
  /// Lifetime of an intent without an explicit expiry: 60 .. 604800 (7 days).
  std::int64_t default_expiry_seconds = 900;
  /// How much less than the amount due still counts as paid, an exact USD
  /// decimal in normal form with at least two fractional digits ("0.00",
  /// "0.05"); 0 .. 10.00 and exactly representable in every configured token.
  std::string underpayment_tolerance = "0.00";
  /// Largest accepted intent metadata (compact JSON bytes): 0 .. 65536.
  std::size_t metadata_max_bytes = 4096;
  /// The actor written in events for API calls: 1..64 of [A-Za-z0-9._:@-].
  std::string actor = "api";
  /// Endpoints the dispatcher keeps in the store (synced at `watch` start);
  /// their shape is checked here, URLs and secrets again by the webhook
  /// module.
  std::vector<WebhookEndpointConfig> webhooks;
  /// How webhooks are delivered.
  WebhookDeliveryConfig webhook_delivery;

  /// The chain with this CAIP-2 id (exact spelling), or nullptr.
  const ChainConfig* find_chain(std::string_view caip2) const noexcept;

  /// Parses and validates a JSON document. Relative store paths stay
  /// relative (there is no file to be relative to). Errors: see the top of
  /// this header; kInvalidArgument for syntax, types, unknown / missing /
  /// duplicate keys; kOutOfRange for numbers out of their range;
  /// kUnsupported for a valid thing usd1pay does not do (an unknown backend,
  /// an xpub strategy on Solana); kChecksumMismatch for an address or xpub
  /// whose checksum fails.
  static Result<Config> parse(std::string_view json_text,
                              std::string_view source_name = "<string>");

  /// Reads and parses the file at `path` (at most 1 MiB); a relative store
  /// path (and webhook_delivery.ca_file) is resolved against the file's
  /// directory. kIo naming the path when
  /// the file cannot be read or is too large.
  static Result<Config> load(const std::string& path);
};

}  // namespace usd1pay

#endif  // USD1PAY_CONFIG_H
