#include "support/store_fixtures.h"

#include <utility>

namespace usd1pay::testing {

IntentRow sample_intent(const std::string& id) {
  IntentRow r;
  r.id = id;
  r.order_id = "order-" + id;
  r.status = "requires_payment";
  r.chain = kSampleChain;
  r.token_symbol = "USD1";
  r.token_contract = kSampleToken;
  r.token_decimals = 18;
  r.amount = "25.00";
  r.currency = "USD";
  r.amount_base_units = "25000000000000000000";
  r.strategy = "xpub";
  r.deposit_address = kSampleDeposit;
  r.metadata_json = "{}";
  r.request_hash = "rh";
  r.created_at_ms = kSampleT0;
  r.updated_at_ms = kSampleT0;
  r.expires_at_ms = kSampleT0 + 900000;
  return r;
}

CreateIntentParams sample_create(IntentRow intent, const std::string& actor) {
  CreateIntentParams p;
  p.intent = std::move(intent);
  p.created.id = "evt_c_" + p.intent.id;
  p.created.type = "intent.created";
  p.created.actor = actor;
  p.created.created_at_ms = p.intent.created_at_ms;
  return p;
}

}  // namespace usd1pay::testing
