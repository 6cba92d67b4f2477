#include "pos_sale.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <ctime>
#include <string>
#include <utility>

#include "usd1pay/settlement.h"

namespace usd1pay::pos {
namespace {

bool is_trailing_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

Amount zero_of(unsigned decimals) {
  auto z = Amount::from_base_units(Uint128(0), decimals);
  return z.ok() ? *z : Amount();
}

// "12.34 USD1": token amounts with at least two decimals, exact beyond.
std::string token_text(const Amount& a, const PaymentIntent& intent) {
  return a.to_string_fixed(2) + " " + intent.token_symbol;
}

// Cells a line takes, counting UTF-8 code points (order references may hold
// any text; ANSI codes are only in QR lines, which are never cut).
std::size_t cells(const std::string& s) {
  std::size_t n = 0;
  for (const char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string fit(const std::string& s, int width) {
  const std::size_t w = width > 0 ? static_cast<std::size_t>(width) : 0;
  if (cells(s) <= w) return s;
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == w) return s.substr(0, i);
      ++n;
    }
  }
  return s;
}

std::string field(const std::string& label, const std::string& value) {
  std::string line = " " + label;
  if (line.size() < 16) line.resize(16, ' ');
  return line + value;
}

std::string chain_text(const SaleView& v) {
  return v.intent.chain.to_string() + (v.simulated ? " (simulated)" : " (" + v.backend + ")");
}

std::string amount_text(const SaleView& v) {
  return v.intent.amount.to_string_fixed(2) + " " + v.intent.currency + "  = " +
         token_text(v.intent.amount_due, v.intent);
}

bool is_open(IntentStatus s) {
  return s == IntentStatus::kRequiresPayment || s == IntentStatus::kProcessing;
}

// Whether a payment counts for the sale (settlement.h's "credited"): seen on
// the intent's chain, not flagged wrong_network, not zero, not orphaned.
bool is_credited(const SaleView& v, const PaymentRow& p) {
  return (p.status == "pending" || p.status == "final") && p.amount_base_units != "0" &&
         p.chain == v.intent.chain.to_string() &&
         p.flags_json.find("\"wrong_network\"") == std::string::npos;
}

// The least-confirmed credited pending payment: the one the sale waits for.
const PaymentRow* waiting_payment(const SaleView& v) {
  const PaymentRow* best = nullptr;
  for (const auto& p : v.payments) {
    if (p.status != "pending" || !is_credited(v, p)) continue;
    if (best == nullptr || p.block_number > best->block_number) best = &p;
  }
  return best;
}

std::string confirming_text(const SaleView& v) {
  const PaymentRow* p = waiting_payment(v);
  if (p == nullptr) return "confirming";
  switch (v.finality.kind) {
    case FinalityConfig::Kind::kConfirmations: {
      const std::uint64_t needed = v.finality.confirmations;
      const std::uint64_t have = std::min<std::uint64_t>(confirmations_of(v, *p), needed);
      return std::to_string(have) + " of " + std::to_string(needed) + " confirmations";
    }
    case FinalityConfig::Kind::kFinalized:
      return "waiting for block " + std::to_string(p->block_number) + " to be finalized";
    case FinalityConfig::Kind::kSafe:
      return "waiting for block " + std::to_string(p->block_number) + " to be safe";
  }
  return "confirming";
}

// What one QR line of `code` takes: the symbol plus its quiet zone.
int qr_cells(const QrCode& code) {
  return code.size() + 2 * QrOptions::kDefaultQuietZone;
}

}  // namespace

Result<Amount> parse_sale_amount(std::string_view typed) {
  while (!typed.empty() && is_trailing_space(typed.back())) typed.remove_suffix(1);
  auto parsed = Amount::parse(typed, kFiatDecimals);
  if (!parsed.ok()) {
    const std::size_t dot = typed.find('.');
    const std::size_t fraction = dot == std::string_view::npos ? 0 : typed.size() - dot - 1;
    if (parsed.status().code() == ErrorCode::kOutOfRange && fraction > kFiatDecimals) {
      return Status(ErrorCode::kOutOfRange, "amount: more than 2 decimal places (" +
                                                std::to_string(fraction) +
                                                "): USD amounts are whole cents");
    }
    return parsed.status();
  }
  if (parsed->is_zero()) {
    return Status(ErrorCode::kInvalidArgument, "amount: must be greater than zero");
  }
  return parsed;
}

SaleOutcome sale_outcome(const SaleView& view) noexcept {
  switch (view.intent.status) {
    case IntentStatus::kRequiresPayment:
    case IntentStatus::kProcessing: return SaleOutcome::kOpen;
    case IntentStatus::kSucceeded: return SaleOutcome::kPaid;
    case IntentStatus::kExpired: return SaleOutcome::kExpired;
    case IntentStatus::kCanceled: return SaleOutcome::kCanceled;
    case IntentStatus::kUnderpaid: return SaleOutcome::kUnderpaid;
    case IntentStatus::kPaidLate: return SaleOutcome::kPaidLate;
  }
  return SaleOutcome::kOpen;
}

std::uint64_t confirmations_of(const SaleView& view, const PaymentRow& payment) noexcept {
  if (!view.latest_block || *view.latest_block < payment.block_number) return 0;
  return *view.latest_block - payment.block_number + 1;
}

// ------------------------------------------------------------------ Sale

Result<Sale> Sale::start(const SaleDeps& deps, const NewSale& sale) {
  if (deps.processor == nullptr || deps.store == nullptr || deps.tracker == nullptr) {
    return Status(ErrorCode::kInvalidArgument, "sale: processor, store and tracker are required");
  }
  SaleDeps d = deps;
  if (!d.clock) d.clock = std::make_shared<SystemClock>();
  auto amount = parse_sale_amount(sale.amount);
  if (!amount.ok()) return amount.status();

  CreateIntentRequest request;
  request.amount = amount->to_string_fixed(kFiatDecimals);
  request.order_id = sale.order;
  if (request.order_id.empty()) {
    const std::time_t t = static_cast<std::time_t>(to_unix_seconds(d.clock->now()));
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "pos-%Y%m%d-%H%M%S", &tm);
    request.order_id = buf;
  }
  request.chain = sale.chain;
  request.token = sale.token;
  request.metadata_json = R"({"channel":"pos"})";
  request.actor = "pos";
  auto intent = d.processor->create_intent(request);
  if (!intent.ok()) return intent.status();
  return Sale(std::move(d), std::move(intent).value());
}

Result<SaleView> Sale::refresh() {
  SaleView v;
  v.now = deps_.clock->now();
  if (v.now >= intent_.expires_at && is_open(intent_.status)) {
    auto swept = deps_.processor->expire_due();
    if (!swept.ok()) return swept.status();
  }
  auto intent = deps_.processor->get_intent(intent_.id);
  if (!intent.ok()) return intent.status();
  intent_ = *intent;
  v.intent = std::move(intent).value();

  ListPaymentsParams lp;
  lp.intent_id = v.intent.id;
  auto payments = deps_.store->list_payments(lp);
  if (!payments.ok()) return payments.status();
  v.payments = std::move(payments).value();

  SettlementInput in;
  in.intent = v.intent;
  in.payments = v.payments;
  in.now = v.now;
  auto decided = settle(in);
  if (!decided.ok()) return decided.status();
  v.final_received = decided->final_received;
  v.pending_received = decided->pending_received;
  v.excess = decided->excess;
  const unsigned decimals = v.intent.amount_due.decimals();
  auto credited = Amount::add(v.final_received, v.pending_received);
  if (!credited.ok()) return credited.status();
  v.outstanding = zero_of(decimals);
  if (v.intent.amount_due.base_units() > credited->base_units()) {
    auto rest = Amount::sub(v.intent.amount_due, *credited);
    if (!rest.ok()) return rest.status();
    v.outstanding = *rest;
  }
  if (is_open(v.intent.status) && !v.outstanding.is_zero()) {
    if (credited->is_zero()) {
      v.qr_payload = v.intent.payment_uri;
    } else {
      auto uri = remaining_payment_uri(v.intent, v.outstanding);
      if (!uri.ok()) return uri.status();
      v.qr_payload = std::move(uri).value();
    }
  }

  const std::string chain = v.intent.chain.to_string();
  if (const ChainConfig* c = deps_.tracker->config().find_chain(chain)) {
    v.finality = c->finality;
    v.backend = c->backend;
  }
  v.simulated = deps_.tracker->sim_chain(chain) != nullptr;
  for (const auto& c : deps_.tracker->last_report().chains) {
    if (c.chain != chain) continue;
    if (c.error.ok()) {
      latest_block_ = c.latest;
    } else {
      v.chain_error = c.error;
    }
  }
  v.latest_block = latest_block_;
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(v.intent.expires_at - v.now);
  v.seconds_left = std::max<std::int64_t>(0, left.count());
  return v;
}

Result<PaymentIntent> Sale::cancel() {
  auto view = refresh();
  if (!view.ok()) return view.status();
  const bool seen = !view->final_received.is_zero() || !view->pending_received.is_zero();
  if (seen && is_open(view->intent.status)) {
    auto credited = Amount::add(view->final_received, view->pending_received);
    const std::string amount = credited.ok() ? token_text(*credited, view->intent) : "money";
    return Status(ErrorCode::kFailedPrecondition,
                  "sale: cannot cancel, a payment of " + amount + " has been seen (status " +
                      intent_status_name(view->intent.status) + ")");
  }
  if (view->intent.status != IntentStatus::kRequiresPayment) {
    return Status(ErrorCode::kFailedPrecondition,
                  std::string("sale: cannot cancel, the sale is already ") +
                      intent_status_name(view->intent.status));
  }
  auto canceled = deps_.processor->cancel_intent(intent_.id, "pos");
  if (canceled.ok()) intent_ = *canceled;
  return canceled;
}

Result<std::string> Sale::simulate_payment(SimulatedPayment kind) {
  const std::string chain = intent_.chain.to_string();
  const std::shared_ptr<SimChain> sim = deps_.tracker->sim_chain(chain);
  if (!sim) {
    const ChainConfig* c = deps_.tracker->config().find_chain(chain);
    return Status(ErrorCode::kFailedPrecondition,
                  "sale: chain " + chain + " is not simulated (backend " +
                      (c != nullptr ? c->backend : std::string("?")) + "): pay with a real wallet");
  }
  auto view = refresh();
  if (!view.ok()) return view.status();
  if (!is_open(view->intent.status)) {
    return Status(ErrorCode::kFailedPrecondition, std::string("sale: the sale is already ") +
                                                      intent_status_name(view->intent.status));
  }
  if (view->outstanding.is_zero()) {
    return Status(ErrorCode::kFailedPrecondition, "sale: nothing is left to pay");
  }
  Uint128 units = view->outstanding.base_units();
  if (kind == SimulatedPayment::kHalf) {
    std::uint64_t remainder = 0;
    units = Uint128::divmod(units, 2, &remainder);
    if (units.is_zero()) {
      return Status(ErrorCode::kFailedPrecondition, "sale: 1 base unit cannot be halved");
    }
  }
  SimTransfer transfer;
  transfer.token = view->intent.token_contract;
  transfer.from = kSimulatedCustomer;
  transfer.to = view->intent.deposit_address;
  transfer.amount = units;
  if (!view->intent.reference.empty()) transfer.references.push_back(view->intent.reference);
  return sim->submit_transfer(transfer);
}

// ------------------------------------------------------------------ texts

std::string status_line(const SaleView& v) {
  const PaymentIntent& in = v.intent;
  const bool credited = !v.final_received.is_zero() || !v.pending_received.is_zero();
  switch (in.status) {
    case IntentStatus::kRequiresPayment:
    case IntentStatus::kProcessing: {
      if (!credited) return "waiting for payment";
      if (!v.outstanding.is_zero()) {
        auto got = Amount::add(v.final_received, v.pending_received);
        std::string line = "partly paid: " + (got.ok() ? got->to_string_fixed(2) : "?") + " of " +
                           token_text(in.amount_due, in) + " received, " +
                           v.outstanding.to_string_fixed(2) + " to pay";
        if (!v.pending_received.is_zero()) line += " (" + confirming_text(v) + ")";
        return line;
      }
      return "processing: " + confirming_text(v);
    }
    case IntentStatus::kSucceeded: return "paid";
    case IntentStatus::kExpired: return "expired: nothing was paid";
    case IntentStatus::kCanceled: return "canceled";
    case IntentStatus::kUnderpaid:
      return "underpaid: " + v.final_received.to_string_fixed(2) + " of " +
             token_text(in.amount_due, in) +
             " received before the sale expired; settle the difference with the customer";
    case IntentStatus::kPaidLate:
      return "paid late: " + token_text(v.final_received, in) +
             " arrived after the sale had closed; refund or re-ring it";
  }
  return intent_status_name(in.status);
}

std::string format_countdown(std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  const std::int64_t h = seconds / 3600;
  const std::int64_t m = (seconds / 60) % 60;
  const std::int64_t s = seconds % 60;
  char buf[48];
  if (h > 0) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(h),
                  static_cast<long long>(m), static_cast<long long>(s));
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(m),
                  static_cast<long long>(s));
  }
  return buf;
}

std::string format_receipt_time(TimePoint t) {
  // format_iso8601: "YYYY-MM-DDTHH:MM:SSZ".
  std::string iso = format_iso8601(t);
  if (iso.size() == 20) iso = iso.substr(0, 10) + " " + iso.substr(11, 8) + " UTC";
  return iso;
}

std::string format_receipt(const SaleView& v, const std::string& shop) {
  const PaymentIntent& in = v.intent;
  const std::string rule(48, '=');
  std::string r;
  r += rule + "\n";
  r += " " + (shop.empty() ? std::string("usd1pay POS") : shop) + "\n";
  r += " RECEIPT\n";
  r += rule + "\n";
  r += field("Date", format_receipt_time(in.updated_at)) + "\n";
  r += field("Order", in.order_id) + "\n";
  r += field("Intent", in.id) + "\n";
  r += field("Amount", in.amount.to_string_fixed(2) + " " + in.currency) + "\n";
  r += field("Paid", token_text(v.final_received, in)) + "\n";
  r += field("Chain", chain_text(v)) + "\n";
  r += field("Token", in.token_symbol + " " + in.token_contract) + "\n";
  std::size_t n = 0;
  std::size_t paid = 0;
  for (const auto& p : v.payments) {
    if (p.status == "final" && is_credited(v, p)) ++paid;
  }
  for (const auto& p : v.payments) {
    if (p.status != "final" || !is_credited(v, p)) continue;
    ++n;
    if (paid > 1) {
      auto units = Uint128::parse_decimal(p.amount_base_units);
      auto amount = units.ok() ? Amount::from_base_units(*units, in.token_decimals)
                               : Result<Amount>(units.status());
      r += field("Payment " + std::to_string(n),
                 amount.ok() ? token_text(*amount, in) : p.amount_base_units + " base units") +
           "\n";
    }
    r += " Tx hash\n   " + p.tx_hash + "\n";
    r += field("Block", std::to_string(p.block_number)) + "\n";
    std::string conf = std::to_string(confirmations_of(v, p));
    if (v.finality.kind == FinalityConfig::Kind::kConfirmations) {
      conf += " (" + std::to_string(v.finality.confirmations) + " required)";
    } else {
      conf += std::string(" (block ") + finality_kind_name(v.finality.kind) + ")";
    }
    r += field("Confirmations", conf) + "\n";
  }
  if (!v.excess.is_zero()) {
    r += field("Note", "overpaid by " + token_text(v.excess, in) + ": refund the customer") + "\n";
  } else if (v.final_received.base_units() < in.amount_due.base_units()) {
    auto short_by = Amount::sub(in.amount_due, v.final_received);
    if (short_by.ok()) {
      r +=
          field("Note", "short by " + token_text(*short_by, in) + " (within the tolerance)") + "\n";
    }
  }
  r += field("Status", "PAID") + "\n";
  r += rule + "\n";
  return r;
}

std::vector<std::string> sale_screen(const SaleView& v, const ScreenOptions& o) {
  const PaymentIntent& in = v.intent;
  std::vector<std::string> top;
  top.push_back(" " + o.shop);
  top.push_back(" " + std::string(static_cast<std::size_t>(std::clamp(o.width - 2, 0, 60)), '-'));
  top.push_back(field("Amount", amount_text(v)));
  top.push_back(field("Order", in.order_id));
  top.push_back(field("Chain", chain_text(v)));
  top.push_back(field("Token", in.token_symbol + " " + in.token_contract));
  top.push_back(field("Pay to", in.deposit_address));
  top.push_back(field("Intent", in.id));
  const bool partial = !v.qr_payload.empty() && v.qr_payload != in.payment_uri;
  if (partial) top.push_back(field("Still to pay", token_text(v.outstanding, in)));

  std::vector<std::string> bottom;
  bottom.push_back(field("Status", status_line(v)));
  if (is_open(in.status)) {
    bottom.push_back(field("Expires", "in " + format_countdown(v.seconds_left) + " (at " +
                                          format_receipt_time(in.expires_at) + ")"));
  }
  if (!v.chain_error.ok()) bottom.push_back(field("Chain error", v.chain_error.message()));
  bottom.emplace_back();
  bottom.push_back(field("Keys", v.simulated
                                     ? "p pay  u underpay (simulated wallet)  c cancel  q quit"
                                     : "c cancel  q quit"));
  if (o.quit_armed) {
    bottom.push_back(" The sale is still open: press q again to quit and leave it open");
  } else if (!o.notice.empty()) {
    bottom.push_back(" " + o.notice);
  }

  // The middle: the QR, or what stands in for it.
  std::vector<std::string> qr_lines;
  std::string stand_in;
  int qr_width = 0;
  if (!v.qr_payload.empty()) {
    auto code = encode_qr(v.qr_payload, kScreenQrLevel);
    if (code.ok()) {
      QrOptions qo;
      qo.terminal_style = o.qr_style;
      const std::string text = render_terminal(*code, qo);
      std::size_t from = 0;
      while (from < text.size()) {
        const std::size_t nl = text.find('\n', from);
        qr_lines.push_back(text.substr(from, nl - from));
        from = nl == std::string::npos ? text.size() : nl + 1;
      }
      qr_width = qr_cells(*code);
    } else {
      stand_in = " QR code: " + code.status().message();
    }
  } else if (is_open(in.status)) {
    stand_in = " Payment received: confirming on chain";
  }

  std::vector<std::string> lines;
  const auto out = [&lines, &o](const std::string& s) { lines.push_back(fit(s, o.width)); };
  const int qr_height = static_cast<int>(qr_lines.size());
  const int stacked_height =
      static_cast<int>(top.size()) + 1 + qr_height + 1 + static_cast<int>(bottom.size());
  std::size_t text_width = 0;
  for (const auto& s : top) text_width = std::max(text_width, cells(s));
  for (const auto& s : bottom) text_width = std::max(text_width, cells(s));
  const int side_width = 1 + qr_width + 2 + static_cast<int>(text_width);
  const int side_height = std::max(qr_height, static_cast<int>(top.size() + 1 + bottom.size()));

  if (qr_lines.empty()) {
    for (const auto& s : top) out(s);
    out("");
    if (!stand_in.empty()) {
      out(stand_in);
      out("");
    }
    for (const auto& s : bottom) out(s);
  } else if (o.height >= stacked_height && o.width > qr_width) {
    for (const auto& s : top) out(s);
    out("");
    for (const auto& q : qr_lines) lines.push_back(" " + q);
    out("");
    for (const auto& s : bottom) out(s);
  } else if (o.height >= side_height && o.width >= side_width) {
    std::vector<std::string> text = top;
    text.emplace_back();
    text.insert(text.end(), bottom.begin(), bottom.end());
    const std::string blank(static_cast<std::size_t>(qr_width), ' ');
    for (int i = 0; i < side_height; ++i) {
      const auto k = static_cast<std::size_t>(i);
      std::string line = " " + (k < qr_lines.size() ? qr_lines[k] : blank);
      if (k < text.size()) line += "  " + text[k];
      lines.push_back(line);
    }
  } else {
    for (const auto& s : top) out(s);
    out("");
    out(" The QR code needs a " + std::to_string(qr_width + 1) + "x" +
        std::to_string(stacked_height) + " terminal (" + std::to_string(side_width) + "x" +
        std::to_string(side_height) + " side by side); this one is " + std::to_string(o.width) +
        "x" + std::to_string(o.height) + ".");
    out(" Enlarge the window to show it, or pay to the address above.");
    out("");
    for (const auto& s : bottom) out(s);
  }
  if (o.height > 0 && lines.size() > static_cast<std::size_t>(o.height)) {
    lines.resize(static_cast<std::size_t>(o.height));
  }
  return lines;
}

}  // namespace usd1pay::pos
