// The reconciler (recon.h, docs/reconciliation.md): streams intents and their
// payments out of the store (merge-join of two keyset-paged scans, so memory
// does not grow with the store), derives one record per (order, intent,
// payment) relation and one per exception, and hands them to a sink.
//
// Record order (deterministic): intents by id, each intent's records in
// (block_number, log_index, chain, tx_hash) order of its payments, then its
// intent_without_order record; then payments of no intent in block order;
// then orders without intent by order id.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "recon/pipeline.h"
#include "recon/recon_internal.h"
#include "recon/report_support.h"
#include "usd1pay/amount.h"
#include "usd1pay/recon.h"

namespace usd1pay {
namespace {

using recon_internal::Order;

using recon_internal::PageStream;
using recon_internal::PipelineOptions;

/// The IntentRow fields the reconciler reads: the scans leave the others
/// empty (ScanIntentsParams::fields: no decoding of the unused columns). A
/// field read anywhere in this file must be named here.
const std::vector<std::string>& intent_fields() {
  static const std::vector<std::string> kFields = {"id",
                                                   "order_id",
                                                   "status",
                                                   "chain",
                                                   "token_symbol",
                                                   "token_contract",
                                                   "token_decimals",
                                                   "amount",
                                                   "currency",
                                                   "amount_base_units",
                                                   "strategy",
                                                   "deposit_address",
                                                   "created_at_ms",
                                                   "updated_at_ms",
                                                   "expires_at_ms"};
  return kFields;
}

/// The pages of scan_intents, the keyset cursor moved past each.
struct IntentPager {
  using Row = IntentRow;
  ScanIntentsParams p;
  bool done_ = false;
  bool done() const { return done_; }
  Result<std::vector<IntentRow>> next(Store& store, std::vector<IntentRow>* recycle) {
    p.recycle = recycle;
    auto page = store.scan_intents(p);
    p.recycle = nullptr;
    if (!page.ok()) return page.status().with_context("recon: reading intents");
    if (page->size() < p.limit) {
      done_ = true;
    } else {
      p.after_id = page->back().id;
    }
    return page;
  }
};

/// The pages of scan_payments (of intents, or unmatched).
struct PaymentPager {
  using Row = PaymentRow;
  ScanPaymentsParams p;
  bool done_ = false;
  bool done() const { return done_; }
  Result<std::vector<PaymentRow>> next(Store& store, std::vector<PaymentRow>* recycle) {
    p.recycle = recycle;
    auto page = store.scan_payments(p);
    p.recycle = nullptr;
    if (!page.ok()) return page.status().with_context("recon: reading payments");
    if (page->size() < p.limit) {
      done_ = true;
    } else {
      const PaymentRow& last = page->back();
      p.after = PaymentScanKey{p.unmatched ? std::string() : last.intent_id, last.block_number,
                               last.log_index, last.chain, last.tx_hash};
    }
    return page;
  }
};

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

/// a == b, ASCII letters in any case.
bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    char x = a[k];
    char y = b[k];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool has_flag(const std::string& flags_json, const char* flag) {
  if (flags_json == "[]") return false;  // nearly every payment: no parse
  const nlohmann::json j = nlohmann::json::parse(flags_json, nullptr, false);
  if (!j.is_array()) return false;
  for (const auto& f : j) {
    if (f.is_string() && f.get_ref<const std::string&>() == flag) return true;
  }
  return false;
}

Status data_error(const std::string& what) {
  return Status(ErrorCode::kInternal, "recon: " + what);
}

/// `what` and `id` name the row ("intent " + id) in the error only: no
/// string is built per row.
Result<Uint128> units_of(const std::string& digits, const char* what, const std::string& id) {
  auto v = Uint128::parse_decimal(digits);
  if (!v.ok()) {
    return data_error(what + id + ": amount '" + digits + "' is not base-unit digits");
  }
  return *v;
}

/// a - b as a signed exact decimal, into *out.
Status put_signed_difference(Uint128 a, Uint128 b, unsigned decimals, std::string* out) {
  Uint128 d;
  if (a >= b) {
    Uint128::sub(a, b, &d);
    return recon_internal::put_token_text(d, decimals, false, out);
  }
  Uint128::sub(b, a, &d);
  return recon_internal::put_token_text(d, decimals, true, out);
}

/// An intent's payments: the first `count` rows of a reused vector.
struct PaymentsOf {
  const PaymentRow* first = nullptr;
  std::size_t count = 0;
  const PaymentRow* begin() const { return first; }
  const PaymentRow* end() const { return first + count; }
  const PaymentRow& back() const { return first[count - 1]; }
};

struct TokenInfo {
  unsigned decimals = 0;
  std::string symbol;
  std::string currency;
};

/// Static-strategy intents by (chain, token, deposit address, amount): the
/// windows in which each could take a payment.
struct StaticWindow {
  std::int64_t created_ms;
  std::int64_t expires_ms;
};
using StaticKey = std::tuple<std::string, std::string, std::string, std::string>;

class Reconciler {
 public:
  Reconciler(Store& store, const ReconcileParams& p, ReconSink& sink, const PipelineOptions& o)
      : store_(store), p_(p), sink_(sink), o_(o) {}

  Status run() {
    if (!p_.orders_file.empty()) {
      auto orders = recon_internal::read_orders_file(p_.orders_file, p_.orders_mapping);
      if (!orders.ok()) return orders.status();
      orders_ = std::move(orders).value();
      order_seen_.assign(orders_.size(), false);
    }
    USD1PAY_RETURN_IF_ERROR(intents_pass());
    USD1PAY_RETURN_IF_ERROR(unmatched_pass());
    USD1PAY_RETURN_IF_ERROR(orders_pass());
    if (p_.progress) p_.progress(emitted_, 0);
    return sink_.finish();
  }

 private:
  Status emit(const ReconRecord& r) {
    if (p_.from_ms && r.settlement_time_ms < *p_.from_ms) return Status();
    if (p_.to_ms && r.settlement_time_ms >= *p_.to_ms) return Status();
    USD1PAY_RETURN_IF_ERROR(sink_.on_record(r));
    ++emitted_;
    if (p_.progress && emitted_ % 1000 == 0) p_.progress(emitted_, 0);
    return Status();
  }

  /// The static windows, read when the first static intent's payment needs
  /// them: a store without static intents (or none paid) never reads them
  /// (a scan of every intent: no index serves the strategy).
  Status need_statics() {
    if (statics_read_) return Status();
    statics_read_ = true;
    return collect_statics();
  }

  Status collect_statics() {
    IntentPager pager;
    pager.p.limit = o_.page_rows;
    pager.p.strategy = "static";
    pager.p.fields = intent_fields();
    PageStream<IntentPager> pages(store_, std::move(pager), o_);
    std::vector<IntentRow> page;
    for (;;) {
      auto more = pages.next(&page);
      if (!more.ok()) return more.status();
      if (!*more) return Status();
      for (const IntentRow& i : page) {
        if (i.strategy != "static") continue;
        statics_[{i.chain, lower(i.token_contract), i.deposit_address, i.amount_base_units}]
            .push_back({i.created_at_ms, i.expires_at_ms});
      }
    }
  }

  /// Static intents that could have taken this payment: same chain, token,
  /// address and amount, open at the block's time (created <= t <= expiry).
  std::size_t static_candidates(const IntentRow& i, const PaymentRow& pay) const {
    auto it =
        statics_.find({i.chain, lower(i.token_contract), i.deposit_address, pay.amount_base_units});
    if (it == statics_.end()) return 0;
    const std::int64_t t = pay.block_time * 1000;
    std::size_t n = 0;
    for (const StaticWindow& w : it->second) {
      if (w.created_ms <= t && t <= w.expires_ms) ++n;
    }
    return n;
  }

  const Order* find_order(const std::string& id) {
    // Intents come in id order; when the shop's order ids grow with them,
    // the order after the last one found is the one: checked before a
    // binary search (the same answer, order ids are unique).
    std::size_t k = next_order_;
    if (k >= orders_.size() || orders_[k].order_id != id) {
      const std::string_view wanted = id;
      auto it =
          std::lower_bound(orders_.begin(), orders_.end(), wanted,
                           [](const Order& o, std::string_view key) { return o.order_id < key; });
      if (it == orders_.end() || it->order_id != id) return nullptr;
      k = static_cast<std::size_t>(it - orders_.begin());
    }
    order_seen_[k] = true;
    next_order_ = k + 1;
    return &orders_[k];
  }

  static std::string reason_of(const IntentRow& i) {
    if (i.strategy == "xpub") return "deposit_address";
    if (i.strategy == "reference") return "reference";
    if (i.strategy == "static") return "static_amount_time";
    return i.strategy;
  }

  void fill_payment(const PaymentRow& pay, ReconRecord* r) {
    r->payer_address = pay.from_address;
    r->tx_hash = pay.tx_hash;
    r->log_index = pay.log_index;
    r->block_number = pay.block_number;
    r->block_hash = pay.block_hash;
    r->block_time = pay.block_time;
    r->final = pay.status == "final";
    if (r->final && pay.final_head_block && *pay.final_head_block >= pay.block_number) {
      r->confirmations_at_settlement = *pay.final_head_block - pay.block_number + 1;
    }
    r->payment_id = pay.id;
    r->chain = pay.chain;
    r->token_contract = pay.token_contract;
    r->deposit_address = pay.to_address;
    // When it settled: final time; pending: detection; orphaned: the orphaning.
    r->settlement_time_ms = pay.status == "final"     ? pay.final_at_ms
                            : pay.status == "pending" ? pay.detected_at_ms
                                                      : pay.updated_at_ms;
  }

  Status intents_pass() {
    // Pages of rows are handed back to be overwritten (their strings keep
    // their buffers): no allocation per row once warm.
    IntentPager ipager;
    ipager.p.limit = o_.page_rows;
    ipager.p.fields = intent_fields();
    PaymentPager ppager;
    ppager.p.limit = o_.page_rows;
    PageStream<IntentPager> intents(store_, std::move(ipager), o_);
    PageStream<PaymentPager> payments(store_, std::move(ppager), o_);
    std::vector<PaymentRow> pays;
    std::size_t pay_pos = 0;
    bool pays_done = false;
    auto next_payments = [&]() -> Status {
      auto more = payments.next(&pays);
      if (!more.ok()) return more.status();
      if (!*more) {
        pays.clear();
        pays_done = true;
      }
      pay_pos = 0;
      return Status();
    };
    USD1PAY_RETURN_IF_ERROR(next_payments());
    std::vector<PaymentRow> mine;  // the intent's payments: its first mine_n rows
    std::vector<IntentRow> page;
    for (;;) {
      auto more = intents.next(&page);
      if (!more.ok()) return more.status();
      if (!*more) return Status();
      for (const IntentRow& intent : page) {
        std::size_t mine_n = 0;
        for (;;) {
          if (pay_pos == pays.size()) {
            if (pays_done) break;
            USD1PAY_RETURN_IF_ERROR(next_payments());
            continue;
          }
          PaymentRow& p = pays[pay_pos];
          if (p.intent_id < intent.id) {
            // A payment of an intent the intent scan did not see (created
            // between pages): reported with its own intent on the next run.
            ++pay_pos;
            continue;
          }
          if (p.intent_id != intent.id) break;
          // The page's key was taken when it was read: the row can move
          // (swapped, so that both vectors keep their buffers).
          if (mine_n < mine.size()) {
            std::swap(mine[mine_n], p);
          } else {
            mine.push_back(std::move(p));
          }
          ++mine_n;
          ++pay_pos;
        }
        USD1PAY_RETURN_IF_ERROR(intent_records(intent, PaymentsOf{mine.data(), mine_n}));
      }
    }
  }

  Status intent_records(const IntentRow& i, const PaymentsOf& pays) {
    // The first intent of a token names it (emplace keeps the first); the
    // next intents nearly always have the same one: no map look-up.
    if (i.chain != last_token_chain_ || i.token_contract != last_token_contract_) {
      tokens_.emplace(std::make_pair(i.chain, lower(i.token_contract)),
                      TokenInfo{i.token_decimals, i.token_symbol, i.currency});
      last_token_chain_ = i.chain;
      last_token_contract_ = i.token_contract;
    }
    const Order* order = orders_.empty() ? nullptr : find_order(i.order_id);
    auto due = units_of(i.amount_base_units, "intent ", i.id);
    if (!due.ok()) return due.status();

    // base_ and rec_ live across intents: assigning into them reuses their
    // strings' buffers instead of allocating new ones for every record. Only
    // the fields below are ever set in base_; the others keep their defaults.
    ReconRecord& base = base_;
    base.order_id = i.order_id;
    base.intent_id = i.id;
    base.match_reason = reason_of(i);
    base.chain = i.chain;
    base.token_symbol = i.token_symbol;
    base.token_contract = i.token_contract;
    base.deposit_address = i.deposit_address;
    Status expected =
        recon_internal::put_token_text(*due, i.token_decimals, false, &base.amount_expected);
    if (!expected.ok()) return expected.with_context("recon: intent " + i.id);
    base.currency = i.currency;

    const bool open = i.status == "requires_payment" || i.status == "processing";
    const bool closed_unpaid = i.status == "expired" || i.status == "canceled";
    Uint128 running;       // final credited received so far
    bool settled = false;  // the intent's due was covered by earlier rows
    std::size_t credited_rows = 0;
    for (const PaymentRow& pay : pays) {
      auto amount = units_of(pay.amount_base_units, "payment ", pay.id);
      if (!amount.ok()) return amount.status();
      if (amount->is_zero()) continue;  // address-poisoning spam: never credited, not listed
      ReconRecord& r = rec_;
      r = base;
      fill_payment(pay, &r);
      Status received =
          recon_internal::put_token_text(*amount, i.token_decimals, false, &r.amount_received);
      if (!received.ok()) return received.with_context("recon: payment " + pay.id);
      r.fiat_amount_at_par = r.amount_received;
      const bool wrong = pay.chain != i.chain || has_flag(pay.flags_json, "wrong_network");
      if (pay.status == "orphaned") {
        r.status = ReconStatus::kOrphaned;
        r.difference.clear();
        USD1PAY_RETURN_IF_ERROR(emit(r));
        continue;
      }
      if (wrong) {
        r.status = ReconStatus::kWrongNetwork;
        USD1PAY_RETURN_IF_ERROR(emit(r));
        continue;
      }
      ++credited_rows;
      const bool final = pay.status == "final";
      if (final) Uint128::add(running, *amount, &running);
      if (final) {
        USD1PAY_RETURN_IF_ERROR(
            put_signed_difference(running, *due, i.token_decimals, &r.difference));
      }
      if (settled) {
        r.status = ReconStatus::kDuplicatePayment;
      } else if (i.status == "succeeded") {
        if (final && running >= *due) {
          settled = true;
          r.status = running > *due ? ReconStatus::kOverpaid : ReconStatus::kMatched;
        } else if (final) {
          // Part of the settlement (several payments, or within tolerance).
          r.status = ReconStatus::kMatched;
          if (&pay == &pays.back() || !more_final_credited(pays, &pay, i)) settled = true;
        } else {
          r.status = ReconStatus::kDuplicatePayment;  // pending beside a settled intent
        }
      } else if (i.status == "paid_late" || closed_unpaid) {
        r.status = final ? ReconStatus::kPaidLate : ReconStatus::kExpiredUnpaid;
      } else if (i.status == "underpaid") {
        r.status = ReconStatus::kUnderpaid;
      } else if (open) {
        r.status = ReconStatus::kUnpaid;
      } else {
        return data_error("intent " + i.id + ": unknown status '" + i.status + "'");
      }
      if (i.strategy == "static" && r.status != ReconStatus::kDuplicatePayment) {
        USD1PAY_RETURN_IF_ERROR(need_statics());
        if (static_candidates(i, pay) != 1) r.status = ReconStatus::kAmbiguous;
      }
      USD1PAY_RETURN_IF_ERROR(emit(r));
    }
    if (credited_rows == 0) {
      // The intent itself: nothing credited arrived.
      ReconRecord& r = rec_;
      r = base;
      r.fiat_amount_at_par = base.amount_expected;
      USD1PAY_RETURN_IF_ERROR(
          put_signed_difference(Uint128(), *due, i.token_decimals, &r.difference));
      if (closed_unpaid || i.status == "paid_late") {
        r.status = ReconStatus::kExpiredUnpaid;
        r.settlement_time_ms = i.status == "expired" ? i.expires_at_ms : i.updated_at_ms;
      } else {
        r.status = i.status == "underpaid" ? ReconStatus::kUnderpaid : ReconStatus::kUnpaid;
        r.settlement_time_ms = open ? i.expires_at_ms : i.updated_at_ms;
      }
      USD1PAY_RETURN_IF_ERROR(emit(r));
    }
    if (order != nullptr) USD1PAY_RETURN_IF_ERROR(order_mismatch(i, *order, base));
    if (!orders_.empty() && order == nullptr) {
      ReconRecord& r = rec_;
      r = base;
      r.status = ReconStatus::kIntentWithoutOrder;
      r.match_reason = "order_id";
      r.fiat_amount_at_par = base.amount_expected;
      r.settlement_time_ms = i.created_at_ms;
      USD1PAY_RETURN_IF_ERROR(emit(r));
    }
    return Status();
  }

  /// An order_mismatch record when the orders file's amount (compared as
  /// exact decimals: "25" = "25.00") or currency (ASCII case ignored)
  /// differs from the intent's: the shop's books expect another figure than
  /// the customer was asked to pay.
  Status order_mismatch(const IntentRow& i, const Order& o, const ReconRecord& base) {
    const bool same_currency = ascii_iequal(i.currency, o.currency);
    // Nearly always the same text: the same amount without parsing either
    // (the orders reader checked the order's; it parses as a Decimal).
    if (same_currency && i.amount == o.amount) return Status();
    auto intent_amount = report_internal::Decimal::parse(i.amount, "amount");
    if (!intent_amount.ok()) {
      return data_error("intent " + i.id + ": " + intent_amount.status().message());
    }
    auto order_amount = report_internal::Decimal::parse(o.amount, "amount");
    if (!order_amount.ok()) return data_error("order " + std::string(o.order_id) + ": bad amount");
    const bool same_amount = report_internal::Decimal::compare(*intent_amount, *order_amount) == 0;
    if (same_amount && same_currency) return Status();
    ReconRecord r = base;
    r.status = ReconStatus::kOrderMismatch;
    r.match_reason = "order_id";
    r.amount_expected = order_amount->to_string();
    r.currency = o.currency;
    r.fiat_amount_at_par = r.amount_expected;
    r.settlement_time_ms = i.created_at_ms;
    return emit(r);
  }

  /// Whether a final credited payment follows `at` in `pays`.
  static bool more_final_credited(const PaymentsOf& pays, const PaymentRow* at,
                                  const IntentRow& i) {
    bool after = false;
    for (const PaymentRow& p : pays) {
      if (&p == at) {
        after = true;
        continue;
      }
      if (!after || p.status != "final" || p.chain != i.chain) continue;
      if (p.amount_base_units == "0" || has_flag(p.flags_json, "wrong_network")) continue;
      return true;
    }
    return false;
  }

  Status unmatched_pass() {
    PaymentPager pager;
    pager.p.unmatched = true;
    pager.p.limit = o_.page_rows;
    PageStream<PaymentPager> pages(store_, std::move(pager), o_);
    std::vector<PaymentRow> page;
    for (;;) {
      auto more = pages.next(&page);
      if (!more.ok()) return more.status();
      if (!*more) return Status();
      for (const PaymentRow& pay : page) {
        auto amount = units_of(pay.amount_base_units, "payment ", pay.id);
        if (!amount.ok()) return amount.status();
        if (amount->is_zero()) continue;
        ReconRecord r;
        fill_payment(pay, &r);
        r.match_reason = "none";
        auto tok = tokens_.find({pay.chain, lower(pay.token_contract)});
        std::optional<TokenInfo> info;
        if (tok != tokens_.end()) {
          info = tok->second;
        } else if (p_.token_info) {
          auto d = p_.token_info(pay.chain, pay.token_contract);
          if (d) info = TokenInfo{d->decimals, d->symbol, d->currency};
        }
        if (info) {
          USD1PAY_RETURN_IF_ERROR(
              recon_internal::put_token_text(*amount, info->decimals, false, &r.amount_received));
          r.fiat_amount_at_par = r.amount_received;
          r.token_symbol = info->symbol;
          r.currency = info->currency;
        } else {
          r.amount_received = pay.amount_base_units;
          r.match_reason = "none; amount in base units (token decimals unknown)";
        }
        r.status = pay.status == "orphaned"                    ? ReconStatus::kOrphaned
                   : has_flag(pay.flags_json, "wrong_network") ? ReconStatus::kWrongNetwork
                                                               : ReconStatus::kUnmatchedTransfer;
        USD1PAY_RETURN_IF_ERROR(emit(r));
      }
    }
  }

  Status orders_pass() {
    for (std::size_t k = 0; k < orders_.size(); ++k) {
      if (order_seen_[k]) continue;
      const Order& o = orders_[k];
      ReconRecord r;
      r.settlement_time_ms = o.created_at_ms;
      r.order_id = o.order_id;
      r.status = ReconStatus::kOrderWithoutIntent;
      r.match_reason = "none";
      r.amount_expected = o.amount;
      r.currency = o.currency;
      r.fiat_amount_at_par = o.amount;
      USD1PAY_RETURN_IF_ERROR(emit(r));
    }
    return Status();
  }

  Store& store_;
  const ReconcileParams& p_;
  ReconSink& sink_;
  const PipelineOptions o_;
  recon_internal::OrdersIndex orders_;
  std::vector<bool> order_seen_;
  std::size_t next_order_ = 0;  ///< after the order last found
  std::map<StaticKey, std::vector<StaticWindow>> statics_;
  bool statics_read_ = false;  ///< statics_ holds every static intent's window
  std::map<std::pair<std::string, std::string>, TokenInfo> tokens_;
  std::string last_token_chain_;     ///< the (chain, contract) last put in tokens_
  std::string last_token_contract_;  ///< as the intent wrote it
  ReconRecord base_;                 ///< an intent's fields, shared by its records (reused)
  ReconRecord rec_;                  ///< the record being emitted (reused)
  std::uint64_t emitted_ = 0;
};

}  // namespace

namespace recon_internal {

Status reconcile_with(Store& store, const ReconcileParams& p, ReconSink& sink,
                      const PipelineOptions& o) {
  if (p.from_ms && p.to_ms && *p.from_ms > *p.to_ms) {
    return Status(ErrorCode::kInvalidArgument,
                  "recon: from " + recon_internal::iso_from_ms(*p.from_ms) + " is after to " +
                      recon_internal::iso_from_ms(*p.to_ms));
  }
  Reconciler r(store, p, sink, o);
  return r.run();
}

}  // namespace recon_internal

Status reconcile(Store& store, const ReconcileParams& p, ReconSink& sink) {
  return recon_internal::reconcile_with(store, p, sink, recon_internal::PipelineOptions());
}

}  // namespace usd1pay
