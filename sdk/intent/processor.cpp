// The Processor facade: creation (validation, idempotency, deposit address
// assignment), reads, cancellation, the expiry sweep and the audit trail.
// Every change goes to the Store as one call, which is one transaction with
// its event (docs/intents.md).
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "intent/intent_internal.h"
#include "usd1pay/address.h"
#include "usd1pay/encoding.h"
#include "usd1pay/hash.h"
#include "usd1pay/hd.h"
#include "usd1pay/id.h"
#include "usd1pay/intent.h"
#include "usd1pay/request.h"

namespace usd1pay {
namespace {

using intent_internal::to_ms;

// Tries per intent when BIP-32 says an index has no valid child (probability
// below 2^-127 each): more than a few in a row means something else is wrong.
constexpr int kMaxDerivationAttempts = 8;
// The first hardened index: public derivation stops below it.
constexpr std::uint32_t kHardenedIndex = 0x80000000U;
// Rows per page of the expiry sweep.
constexpr std::size_t kExpireBatch = 500;

struct ChainRuntime {
  const ChainConfig* config = nullptr;
  /// kXpub: the key at the configured derivation path; index i is its child i.
  std::optional<ExtendedPublicKey> account;
  /// kXpub: names the index sequence in the store (the xpub and the path).
  std::string key_id;
};

std::string configured_chains(const Config& config) {
  std::string out;
  for (const auto& c : config.chains) {
    if (!out.empty()) out += ", ";
    out += c.id.to_string();
  }
  return out.empty() ? "none" : out;
}

std::string configured_tokens(const ChainConfig& chain) {
  std::string out;
  for (const auto& t : chain.tokens) {
    if (!out.empty()) out += ", ";
    out += t.symbol;
  }
  return out.empty() ? "none" : out;
}

// A printable, bounded rendering of caller text for messages.
std::string shown(std::string_view text) {
  constexpr std::size_t kMax = 80;
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
    const char c = text[i];
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (text.size() > kMax) out += "...";
  return out;
}

Result<ChainRuntime> prepare_chain(const ChainConfig& chain) {
  ChainRuntime rt;
  rt.config = &chain;
  const std::string where = "intent: chain " + chain.id.to_string();
  if (chain.tokens.empty()) {
    return Status(ErrorCode::kInvalidArgument, where + ": no tokens configured");
  }
  switch (chain.strategy) {
    case DepositStrategy::kXpub: {
      if (chain.family == ChainFamily::kSolana) {
        return Status(ErrorCode::kUnsupported,
                      where + ": the xpub strategy needs an EVM or TRON chain");
      }
      auto xpub = ExtendedPublicKey::parse(chain.xpub);
      if (!xpub.ok()) return xpub.status().with_context(where + ": xpub");
      auto account = xpub->derive_path(chain.derivation_path);
      if (!account.ok()) return account.status().with_context(where + ": derivation path");
      rt.account = *account;
      // The index sequence belongs to the key and the path: the same xpub
      // with another path (or another xpub) starts its own sequence.
      const std::string digest = hex_encode(sha256(xpub->to_string()));
      rt.key_id = "xpub:" + digest.substr(0, 32) + "/" + chain.derivation_path;
      break;
    }
    case DepositStrategy::kReference:
      if (chain.family != ChainFamily::kSolana) {
        return Status(ErrorCode::kUnsupported,
                      where +
                          ": the reference strategy needs a Solana chain (only Solana Pay "
                          "URIs carry a reference)");
      }
      [[fallthrough]];
    case DepositStrategy::kStatic: {
      if (chain.merchant_address.empty()) {
        return Status(ErrorCode::kInvalidArgument, where + ": no merchant address configured");
      }
      auto valid = validate_address(chain.family, chain.merchant_address);
      if (!valid.ok()) return valid.status().with_context(where + ": merchant address");
      break;
    }
  }
  return rt;
}

NewEvent make_event(std::string type, std::string_view actor, std::int64_t at_ms,
                    std::string data_json) {
  NewEvent e;
  e.id = new_id(kEventIdPrefix);
  e.type = std::move(type);
  e.actor = std::string(actor);
  e.created_at_ms = at_ms;
  e.data_json = std::move(data_json);
  return e;
}

// Every intent.* event carries {"intent": <the intent as of the event>}, the
// shape the tracker's intent events have too (they add "settlement" inside).
std::string intent_event_data(const PaymentIntent& intent) {
  return "{\"intent\":" + intent_to_json(intent) + "}";
}

}  // namespace

struct Processor::Impl {
  Config config;
  std::shared_ptr<Store> store;
  std::shared_ptr<const Clock> clock;
  std::vector<ChainRuntime> chains;  // parallel to config.chains

  const ChainRuntime* find_chain(std::string_view caip2) const {
    for (const auto& c : chains) {
      if (c.config->id.to_string() == caip2) return &c;
    }
    return nullptr;
  }

  Result<std::string> resolve_actor(std::string_view actor) const {
    const std::string a = actor.empty() ? config.actor : std::string(actor);
    USD1PAY_RETURN_IF_ERROR(intent_internal::validate_actor(a));
    return a;
  }

  // Fills deposit_address / deposit_index / reference for a new intent.
  Status assign_deposit(const ChainRuntime& chain, PaymentIntent* intent) const {
    const ChainConfig& cfg = *chain.config;
    intent->strategy = cfg.strategy;
    switch (cfg.strategy) {
      case DepositStrategy::kXpub: {
        // An index, once allocated, is never handed out again, even when this
        // creation fails or turns out to be an idempotent retry: gaps are
        // harmless, reuse would not be.
        for (int attempt = 0; attempt < kMaxDerivationAttempts; ++attempt) {
          auto index = store->allocate_deposit_index({cfg.id.to_string(), chain.key_id});
          if (!index.ok()) return index.status();
          if (*index >= kHardenedIndex) {
            return Status(ErrorCode::kOutOfRange, "intent: chain " + cfg.id.to_string() +
                                                      ": the xpub's 2^31 deposit indexes are "
                                                      "used up; configure another derivation path");
          }
          auto child = chain.account->derive_child(*index);
          if (!child.ok() && child.status().code() == ErrorCode::kOutOfRange) continue;
          if (!child.ok()) return child.status().with_context("intent: deposit address");
          intent->deposit_index = *index;
          intent->deposit_address =
              cfg.family == ChainFamily::kTron ? child->tron_address() : child->evm_address();
          return Status();
        }
        return Status(ErrorCode::kInternal, "intent: no derivable deposit address in " +
                                                std::to_string(kMaxDerivationAttempts) +
                                                " consecutive indexes");
      }
      case DepositStrategy::kReference: {
        std::array<std::uint8_t, 32> key{};
        USD1PAY_RETURN_IF_ERROR(random_bytes(key.data(), key.size()));
        intent->reference = base58_encode(key);
        intent->deposit_address = cfg.merchant_address;
        return Status();
      }
      case DepositStrategy::kStatic:
        intent->deposit_address = cfg.merchant_address;
        return Status();
    }
    return Status(ErrorCode::kInternal, "intent: unknown deposit strategy");
  }

  Result<std::string> payment_uri(const ChainRuntime& chain, const PaymentIntent& intent) const {
    PaymentRequest req{ChainSelector{chain.config->family, chain.config->id},
                       intent.token_contract,
                       intent.deposit_address,
                       intent.amount_due,
                       {},
                       std::nullopt,
                       std::nullopt,
                       std::nullopt};
    if (!intent.reference.empty()) req.references.push_back(intent.reference);
    auto uri = build_payment_uri(req);
    if (!uri.ok()) return uri.status().with_context("intent: payment uri");
    return uri;
  }
};

Processor::Processor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Processor::~Processor() = default;

const Config& Processor::config() const noexcept {
  return impl_->config;
}

Result<std::unique_ptr<Processor>> Processor::open(ProcessorOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(options.config);
  const Config& config = impl->config;
  if (config.chains.empty()) {
    return Status(ErrorCode::kInvalidArgument, "intent: the config has no chains");
  }
  if (config.default_expiry_seconds < kMinExpirySeconds ||
      config.default_expiry_seconds > kMaxExpirySeconds) {
    return Status(ErrorCode::kOutOfRange,
                  "intent: default expiry of " + std::to_string(config.default_expiry_seconds) +
                      " seconds is outside " + std::to_string(kMinExpirySeconds) + ".." +
                      std::to_string(kMaxExpirySeconds));
  }
  USD1PAY_RETURN_IF_ERROR(intent_internal::validate_actor(config.actor).with_context("config"));
  impl->chains.reserve(config.chains.size());
  for (const auto& chain : config.chains) {
    auto rt = prepare_chain(chain);
    if (!rt.ok()) return rt.status();
    impl->chains.push_back(std::move(*rt));
  }
  impl->store = std::move(options.store);
  if (!impl->store) {
    if (config.store.path.empty()) {
      return Status(ErrorCode::kInvalidArgument, "intent: the config names no store path");
    }
    auto store = open_sqlite_store_for(config);
    if (!store.ok()) return store.status();
    impl->store = std::move(store).value();
  }
  impl->clock = std::move(options.clock);
  if (!impl->clock) impl->clock = std::make_shared<SystemClock>();
  return std::unique_ptr<Processor>(new Processor(std::move(impl)));
}

Result<PaymentIntent> Processor::create_intent(const CreateIntentRequest& request) {
  const Impl& im = *impl_;
  auto actor = im.resolve_actor(request.actor);
  if (!actor.ok()) return actor.status();
  USD1PAY_RETURN_IF_ERROR(intent_internal::validate_order_id(request.order_id));
  auto usd = intent_internal::parse_fiat_amount(request.amount);
  if (!usd.ok()) return usd.status();

  const std::string chain_name = request.chain.value_or(im.config.default_chain);
  const ChainRuntime* chain = im.find_chain(chain_name);
  if (chain == nullptr) {
    return Status(ErrorCode::kInvalidArgument,
                  "intent: chain '" + shown(chain_name) +
                      "' is not configured (configured: " + configured_chains(im.config) + ")");
  }
  const ChainConfig& ccfg = *chain->config;
  // Without a token: the default token where the chain has it, else the
  // chain's first token.
  std::string token_name;
  if (request.token) {
    token_name = *request.token;
  } else if (ccfg.find_token(im.config.default_token) != nullptr) {
    token_name = im.config.default_token;
  } else {
    token_name = ccfg.tokens.front().symbol;
  }
  const TokenConfig* token = ccfg.find_token(token_name);
  if (token == nullptr) {
    return Status(ErrorCode::kInvalidArgument,
                  "intent: token '" + shown(token_name) + "' is not configured on chain " +
                      ccfg.id.to_string() + " (configured: " + configured_tokens(ccfg) + ")");
  }
  auto due = intent_internal::amount_at_par(*usd, token->decimals, token->symbol);
  if (!due.ok()) return due.status();

  const std::int64_t expires_in =
      request.expires_in_seconds.value_or(im.config.default_expiry_seconds);
  if (expires_in < kMinExpirySeconds || expires_in > kMaxExpirySeconds) {
    return Status(ErrorCode::kOutOfRange,
                  "intent: expiry of " + std::to_string(expires_in) + " seconds is outside " +
                      std::to_string(kMinExpirySeconds) + ".." + std::to_string(kMaxExpirySeconds));
  }
  std::string metadata = "{}";
  if (request.metadata_json) {
    auto canonical =
        intent_internal::canonical_metadata(*request.metadata_json, im.config.metadata_max_bytes);
    if (!canonical.ok()) return canonical.status();
    metadata = std::move(*canonical);
  }
  if (request.idempotency_key) {
    USD1PAY_RETURN_IF_ERROR(intent_internal::validate_idempotency_key(*request.idempotency_key));
  }

  PaymentIntent intent;
  intent.order_id = request.order_id;
  intent.status = IntentStatus::kRequiresPayment;
  intent.chain = ccfg.id;
  intent.token_symbol = token->symbol;
  intent.token_contract = token->contract;
  intent.token_decimals = token->decimals;
  intent.amount = *usd;
  intent.currency = std::string(kIntentCurrency);
  intent.amount_due = *due;
  intent.metadata_json = metadata;
  intent.idempotency_key = request.idempotency_key;
  intent.request_hash =
      intent_internal::request_hash({intent.order_id, intent.amount.to_string_fixed(kFiatDecimals),
                                     ccfg.id.to_string(), token->symbol, expires_in, metadata});

  auto id = try_new_id(kIntentIdPrefix);
  if (!id.ok()) return id.status();
  intent.id = std::move(*id);
  USD1PAY_RETURN_IF_ERROR(im.assign_deposit(*chain, &intent));
  auto uri = im.payment_uri(*chain, intent);
  if (!uri.ok()) return uri.status();
  intent.payment_uri = std::move(*uri);

  const TimePoint now = im.clock->now();
  const std::int64_t now_ms = to_ms(now);
  intent.created_at = intent_internal::from_ms(now_ms);
  intent.updated_at = intent.created_at;
  intent.expires_at = intent_internal::from_ms(now_ms + expires_in * 1000);
  intent.version = 1;

  CreateIntentParams params;
  params.intent = intent_to_row(intent);
  params.created = make_event("intent.created", *actor, now_ms, intent_event_data(intent));
  auto created = im.store->create_intent(params);
  if (!created.ok()) return created.status();
  // created == false: a retry with the same key and parameters; the first
  // intent is the answer, exactly as stored.
  return intent_from_row(created->intent);
}

Result<PaymentIntent> Processor::get_intent(std::string_view id) {
  USD1PAY_RETURN_IF_ERROR(validate_id(id, kIntentIdPrefix).with_context("intent"));
  auto row = impl_->store->get_intent({std::string(id)});
  if (!row.ok()) return row.status();
  return intent_from_row(*row);
}

Result<IntentList> Processor::list_intents(const IntentListRequest& request) {
  if (request.limit < 1 || request.limit > 1000) {
    return Status(ErrorCode::kOutOfRange,
                  "intent: list limit " + std::to_string(request.limit) + " is outside 1..1000");
  }
  ListIntentsParams p;
  if (request.status) p.status = intent_status_name(*request.status);
  p.order_id = request.order_id;
  if (request.created_from) p.created_from_ms = to_ms(*request.created_from);
  if (request.created_to) p.created_to_ms = to_ms(*request.created_to);
  p.limit = request.limit;
  p.cursor = request.cursor;
  auto page = impl_->store->list_intents(p);
  if (!page.ok()) return page.status();
  IntentList out;
  out.intents.reserve(page->intents.size());
  for (const auto& row : page->intents) {
    auto intent = intent_from_row(row);
    if (!intent.ok()) return intent.status();
    out.intents.push_back(std::move(*intent));
  }
  out.next_cursor = std::move(page->next_cursor);
  return out;
}

Result<PaymentIntent> Processor::cancel_intent(std::string_view id, std::string_view actor) {
  const Impl& im = *impl_;
  auto who = im.resolve_actor(actor);
  if (!who.ok()) return who.status();
  auto current = get_intent(id);
  if (!current.ok()) return current.status();
  if (!intent_transition_allowed(current->status, IntentStatus::kCanceled)) {
    return Status(ErrorCode::kFailedPrecondition, "intent: cannot cancel " + current->id +
                                                      ": it is " +
                                                      intent_status_name(current->status) +
                                                      " (only requires_payment can be canceled)");
  }
  const std::int64_t now_ms = to_ms(im.clock->now());
  // The event carries the intent as it is after the change.
  PaymentIntent after = *current;
  after.status = IntentStatus::kCanceled;
  after.updated_at = intent_internal::from_ms(now_ms);
  after.version = current->version + 1;
  TransitionIntentParams p;
  p.id = current->id;
  p.from_statuses = {intent_status_name(current->status)};
  p.to_status = intent_status_name(IntentStatus::kCanceled);
  p.at_ms = now_ms;
  p.event = make_event("intent.canceled", *who, now_ms, intent_event_data(after));
  auto row = im.store->transition_intent(p);
  if (!row.ok()) return row.status();
  return intent_from_row(*row);
}

Result<std::size_t> Processor::expire_due() {
  const Impl& im = *impl_;
  const std::int64_t now_ms = to_ms(im.clock->now());
  const std::string from = intent_status_name(IntentStatus::kRequiresPayment);
  const std::string to = intent_status_name(IntentStatus::kExpired);
  std::size_t expired = 0;
  for (;;) {
    ListExpirableParams lp;
    lp.now_ms = now_ms;
    lp.statuses = {from};
    lp.limit = kExpireBatch;
    auto rows = im.store->list_expirable(lp);
    if (!rows.ok()) return rows.status();
    std::size_t progressed = 0;
    for (const IntentRow& row : *rows) {
      if (row.status != from || row.expires_at_ms > now_ms) continue;  // not due after all
      auto current = intent_from_row(row);
      if (!current.ok()) return current.status();
      PaymentIntent after = *current;
      after.status = IntentStatus::kExpired;
      after.updated_at = intent_internal::from_ms(now_ms);
      after.version = current->version + 1;
      TransitionIntentParams p;
      p.id = row.id;
      p.from_statuses = {from};
      p.to_status = to;
      p.at_ms = now_ms;
      p.event = make_event("intent.expired", kSystemActor, now_ms, intent_event_data(after));
      auto done = im.store->transition_intent(p);
      if (done.ok()) {
        ++expired;
        ++progressed;
        continue;
      }
      // Paid, canceled or expired by someone else meanwhile: not ours to change.
      const ErrorCode code = done.status().code();
      if (code == ErrorCode::kFailedPrecondition || code == ErrorCode::kNotFound) {
        ++progressed;
        continue;
      }
      return done.status();
    }
    // A short page is the last one; a page where nothing moved would come
    // back the same, so stop rather than spin.
    if (rows->size() < kExpireBatch || progressed == 0) break;
  }
  return expired;
}

Result<std::vector<EventRow>> Processor::list_events(std::optional<std::string> intent_id,
                                                     std::uint64_t after_seq, std::size_t limit) {
  if (limit < 1 || limit > 10000) {
    return Status(ErrorCode::kOutOfRange,
                  "intent: event limit " + std::to_string(limit) + " is outside 1..10000");
  }
  if (intent_id) {
    USD1PAY_RETURN_IF_ERROR(validate_id(*intent_id, kIntentIdPrefix).with_context("intent"));
  }
  ListEventsParams p;
  p.intent_id = std::move(intent_id);
  p.after_seq = after_seq;
  p.limit = limit;
  return impl_->store->list_events(p);
}

Result<AuditReport> Processor::verify_audit() {
  return impl_->store->verify_audit_chain({});
}

}  // namespace usd1pay
