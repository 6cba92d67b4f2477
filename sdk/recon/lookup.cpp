// lookup(): what support staff see for a tx hash, an address, an order id or
// an intent id (recon.h).
#include <algorithm>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "usd1pay/encoding.h"
#include "usd1pay/recon.h"

namespace usd1pay {
namespace {

bool is_tx_hash(std::string_view q) {
  if (q.size() != 66 || q[0] != '0' || (q[1] != 'x' && q[1] != 'X')) return false;
  return std::all_of(q.begin() + 2, q.end(), [](char c) { return hex_digit_value(c) >= 0; });
}

bool is_evm_address(std::string_view q) {
  if (q.size() != 42 || q[0] != '0' || (q[1] != 'x' && q[1] != 'X')) return false;
  return std::all_of(q.begin() + 2, q.end(), [](char c) { return hex_digit_value(c) >= 0; });
}

/// Base58 of TRON (T..., 34) or Solana (32..44) addresses.
bool is_base58_address(std::string_view q) {
  return q.size() >= 32 && q.size() <= 44 && base58_find_invalid(q) == std::string_view::npos;
}

bool same_address(const std::string& a, std::string_view q, bool fold) {
  if (a.size() != q.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = q[i];
    if (fold) {
      if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
      if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    }
    if (x != y) return false;
  }
  return true;
}

class Lookup {
 public:
  explicit Lookup(Store& store) : store_(store) {}

  Status add_intent(const IntentRow& row) {
    if (!seen_.insert(row.id).second) return Status();
    out_.intents.push_back(row);
    ListPaymentsParams pp;
    pp.intent_id = row.id;
    pp.limit = 100000;
    auto pays = store_.list_payments(pp);
    if (!pays.ok()) return pays.status();
    for (auto& p : *pays) add_payment(p);
    ListEventsParams ep;
    ep.intent_id = row.id;
    ep.limit = 10000;
    for (;;) {
      auto evs = store_.list_events(ep);
      if (!evs.ok()) return evs.status();
      for (auto& e : *evs) out_.events.push_back(e);
      if (evs->size() < ep.limit) break;
      ep.after_seq = evs->back().seq;
    }
    ListWebhookDeliveriesParams dp;
    dp.intent_id = row.id;
    dp.limit = 100000;
    auto ds = store_.list_webhook_deliveries(dp);
    if (!ds.ok()) return ds.status();
    for (auto& d : *ds) out_.deliveries.push_back(d);
    return Status();
  }

  void add_payment(const PaymentRow& p) {
    if (payment_ids_.insert(p.id).second) out_.payments.push_back(p);
  }

  Status add_intent_id(const std::string& id) {
    if (seen_.count(id) != 0) return Status();
    auto row = store_.get_intent({id});
    if (!row.ok()) return row.status();
    return add_intent(*row);
  }

  Status by_address(std::string_view q, bool fold) {
    // The store's address indexes (migration 5) compare without ASCII case;
    // base58 addresses are then compared exactly here.
    ListIntentsParams ip;
    ip.deposit_address = std::string(q);
    ip.limit = 1000;
    for (;;) {
      auto page = store_.list_intents(ip);
      if (!page.ok()) return page.status();
      for (const auto& i : page->intents) {
        if (same_address(i.deposit_address, q, fold)) USD1PAY_RETURN_IF_ERROR(add_intent(i));
      }
      if (page->next_cursor.empty()) break;
      ip.cursor = page->next_cursor;
    }
    ListPaymentsParams pp;
    pp.address = std::string(q);
    pp.limit = 100000;
    auto pays = store_.list_payments(pp);
    if (!pays.ok()) return pays.status();
    if (pays->size() == pp.limit) {
      // Never a silent cut: a merchant's static address can take more.
      return Status(ErrorCode::kOutOfRange,
                    "lookup: " + std::string(q) + " has " + std::to_string(pp.limit) +
                        " or more payments; look one up by tx hash, order id or intent id");
    }
    for (const auto& p : *pays) {
      if (!same_address(p.to_address, q, fold) && !same_address(p.from_address, q, fold)) continue;
      add_payment(p);
      if (!p.intent_id.empty()) USD1PAY_RETURN_IF_ERROR(add_intent_id(p.intent_id));
    }
    return Status();
  }

  LookupResult take() {
    std::sort(out_.events.begin(), out_.events.end(),
              [](const EventRow& a, const EventRow& b) { return a.seq < b.seq; });
    return std::move(out_);
  }

 private:
  Store& store_;
  LookupResult out_;
  std::set<std::string> seen_;
  std::set<std::string> payment_ids_;
};

}  // namespace

Result<LookupResult> lookup(Store& store, std::string_view query) {
  if (query.empty()) return Status(ErrorCode::kInvalidArgument, "lookup: the query is empty");
  Lookup l(store);
  const std::string q(query);
  if (q.rfind("pi_", 0) == 0) {
    auto row = store.get_intent({q});
    if (row.ok()) {
      USD1PAY_RETURN_IF_ERROR(l.add_intent(*row));
      return l.take();
    }
    if (row.status().code() != ErrorCode::kNotFound) return row.status();
    // Not an intent id after all: may still be an order id.
  } else if (is_tx_hash(q)) {
    ListPaymentsParams pp;
    pp.tx_hash = q;
    pp.limit = 100000;
    auto pays = store.list_payments(pp);
    if (!pays.ok()) return pays.status();
    for (const auto& p : *pays) {
      l.add_payment(p);
      if (!p.intent_id.empty()) USD1PAY_RETURN_IF_ERROR(l.add_intent_id(p.intent_id));
    }
    return l.take();
  } else if (is_evm_address(q) || is_base58_address(q)) {
    USD1PAY_RETURN_IF_ERROR(l.by_address(q, is_evm_address(q)));
    return l.take();
  }
  ListIntentsParams ip;
  ip.order_id = q;
  ip.limit = 1000;
  for (;;) {
    auto page = store.list_intents(ip);
    if (!page.ok()) return page.status();
    for (const auto& i : page->intents) USD1PAY_RETURN_IF_ERROR(l.add_intent(i));
    if (page->next_cursor.empty()) break;
    ip.cursor = page->next_cursor;
  }
  return l.take();
}

}  // namespace usd1pay
