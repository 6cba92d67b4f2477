#include "recon/report_support.h"

#include <utility>

#include "recon/recon_internal.h"
#include "usd1pay/encoding.h"
#include "usd1pay/hash.h"

namespace usd1pay {
namespace report_internal {
namespace {

constexpr std::int64_t kMsPerDay = 86400000;

Status invalid(std::string message) {
  return Status(ErrorCode::kInvalidArgument, std::move(message));
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

void append_2(std::string* out, unsigned v) {
  out->push_back(static_cast<char>('0' + (v / 10) % 10));
  out->push_back(static_cast<char>('0' + v % 10));
}

}  // namespace

// ---- Decimal ----

Result<Decimal> Decimal::parse(std::string_view text, std::string_view what) {
  const std::string name(what);
  if (text.empty()) return invalid(name + ": empty");
  bool neg = false;
  std::string_view digits = text;
  if (digits.front() == '-') {
    neg = true;
    digits.remove_prefix(1);
  }
  const std::size_t dot = digits.find('.');
  const std::size_t frac = dot == std::string_view::npos ? 0 : digits.size() - dot - 1;
  if (frac > Amount::kMaxDecimals) {
    return Status(ErrorCode::kOutOfRange, name + ": more than " +
                                              std::to_string(Amount::kMaxDecimals) +
                                              " fraction digits (" + std::to_string(frac) + ")");
  }
  auto amount = Amount::parse(digits, static_cast<unsigned>(frac));
  if (!amount.ok()) {
    // Amount counts positions after the sign; say so rather than shift them.
    return amount.status().with_context(neg ? name + " (after the '-' sign)" : name);
  }
  return Decimal(neg, amount->base_units(), static_cast<unsigned>(frac));
}

bool Decimal::align(const Decimal& a, const Decimal& b, Uint128* ma, Uint128* mb, unsigned* scale) {
  *scale = a.scale_ > b.scale_ ? a.scale_ : b.scale_;
  Uint128 fa;
  Uint128 fb;
  if (!Uint128::pow10(*scale - a.scale_, &fa) || !Uint128::pow10(*scale - b.scale_, &fb)) {
    return false;
  }
  return Uint128::mul(a.mag_, fa, ma) && Uint128::mul(b.mag_, fb, mb);
}

Result<Decimal> Decimal::add(const Decimal& a, const Decimal& b) {
  Uint128 ma;
  Uint128 mb;
  unsigned scale = 0;
  if (!align(a, b, &ma, &mb, &scale)) {
    return Status(ErrorCode::kOutOfRange, "total: amount too large to sum exactly");
  }
  const bool na = a.is_negative();
  const bool nb = b.is_negative();
  Uint128 r;
  if (na == nb) {
    if (!Uint128::add(ma, mb, &r)) {
      return Status(ErrorCode::kOutOfRange, "total: amount too large to sum exactly");
    }
    return Decimal(na, r, scale);
  }
  // Opposite signs: the larger magnitude keeps its sign.
  if (ma >= mb) {
    Uint128::sub(ma, mb, &r);
    return Decimal(na, r, scale);
  }
  Uint128::sub(mb, ma, &r);
  return Decimal(nb, r, scale);
}

Result<Decimal> Decimal::sub(const Decimal& a, const Decimal& b) {
  Decimal nb = b;
  nb.neg_ = !b.neg_;
  return add(a, nb);
}

int Decimal::compare(const Decimal& a, const Decimal& b) {
  const bool na = a.is_negative();
  const bool nb = b.is_negative();
  if (na != nb) return na ? -1 : 1;
  // Same sign: compare magnitudes at the common scale. A magnitude that does
  // not fit 128 bits there is the larger one (the other one fits).
  const unsigned scale = a.scale_ > b.scale_ ? a.scale_ : b.scale_;
  Uint128 fa;
  Uint128 fb;
  Uint128 ma;
  Uint128 mb;
  const bool fit_a = Uint128::pow10(scale - a.scale_, &fa) && Uint128::mul(a.mag_, fa, &ma);
  const bool fit_b = Uint128::pow10(scale - b.scale_, &fb) && Uint128::mul(b.mag_, fb, &mb);
  int mag = 0;
  if (!fit_a)
    mag = 1;
  else if (!fit_b)
    mag = -1;
  else
    mag = ma < mb ? -1 : (mb < ma ? 1 : 0);
  return na ? -mag : mag;
}

std::string Decimal::to_string() const {
  Uint128 mag = mag_;
  unsigned scale = scale_;
  if (scale < 2) {
    Uint128 f;
    Uint128::pow10(2 - scale, &f);
    if (Uint128::mul(mag, f, &mag))
      scale = 2;
    else
      mag = mag_;  // cannot happen below 10^36; keep the exact digits
  }
  auto amount = Amount::from_base_units(mag, scale);
  std::string s = amount.ok() ? amount->to_string_fixed(2) : mag.to_decimal();
  return is_negative() ? "-" + s : s;
}

std::uint64_t Decimal::scale_to(const Decimal& v, const Decimal& max, std::uint64_t height) {
  Uint128 mv;
  Uint128 mm;
  unsigned s = 0;
  if (!align(v, max, &mv, &mm, &s)) {
    // Align by dropping digits from the finer one instead (a bar height
    // needs no more than a few significant digits).
    mv = v.mag_;
    mm = max.mag_;
    unsigned sv = v.scale_;
    unsigned sm = max.scale_;
    std::uint64_t rem = 0;
    while (sv > sm) mv = Uint128::divmod(mv, 10, &rem), --sv;
    while (sm > sv) mm = Uint128::divmod(mm, 10, &rem), --sm;
  }
  if (mm.is_zero() || v.is_negative()) return 0;
  if (mv > mm) return height;
  std::uint64_t rem = 0;
  const Uint128 limit(0, std::uint64_t{1} << 62);
  while (mm >= limit) {
    mm = Uint128::divmod(mm, 10, &rem);
    mv = Uint128::divmod(mv, 10, &rem);
  }
  if (mm.is_zero()) return 0;
  Uint128 product;
  if (!Uint128::mul(mv, Uint128(height), &product)) return height;
  return Uint128::divmod(product, mm.lo(), &rem).lo();
}

// ---- statuses ----

const std::vector<ReconStatus>& all_statuses() {
  static const std::vector<ReconStatus> kAll = {
      ReconStatus::kMatched,
      ReconStatus::kUnderpaid,
      ReconStatus::kOverpaid,
      ReconStatus::kUnpaid,
      ReconStatus::kExpiredUnpaid,
      ReconStatus::kPaidLate,
      ReconStatus::kDuplicatePayment,
      ReconStatus::kUnmatchedTransfer,
      ReconStatus::kOrphaned,
      ReconStatus::kOrderWithoutIntent,
      ReconStatus::kIntentWithoutOrder,
      ReconStatus::kAmbiguous,
      ReconStatus::kWrongNetwork,
      ReconStatus::kOrderMismatch,
  };
  return kAll;
}

// ---- CSV / HTML ----

std::string csv_row(const std::vector<std::string>& fields) {
  std::string row;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i != 0) row.push_back(',');
    recon_internal::append_csv_field(&row, fields[i]);
  }
  row += "\r\n";
  return row;
}

std::string html_escape(std::string_view text) {
  static const char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      switch (b) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default:
          if ((b < 0x20 && b != '\t' && b != '\n') || b == 0x7F)
            out += kReplacement;
          else
            out.push_back(static_cast<char>(b));
      }
      ++i;
      continue;
    }
    // A well-formed UTF-8 sequence (RFC 3629 table) is copied; anything else
    // costs one U+FFFD per bad byte.
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF)
      len = 2;
    else if (b == 0xE0)
      len = 3, lo = 0xA0;
    else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF)
      len = 3;
    else if (b == 0xED)
      len = 3, hi = 0x9F;
    else if (b == 0xF0)
      len = 4, lo = 0x90;
    else if (b >= 0xF1 && b <= 0xF3)
      len = 4;
    else if (b == 0xF4)
      len = 4, hi = 0x8F;
    bool ok = len != 0 && i + len <= n;
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      const unsigned char klo = k == 1 ? lo : 0x80;
      const unsigned char khi = k == 1 ? hi : 0xBF;
      ok = c >= klo && c <= khi;
    }
    if (ok) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += kReplacement;
      ++i;
    }
  }
  return out;
}

// ---- dates (proleptic Gregorian calendar, UTC) ----

std::string date_of_day(std::int64_t day) {
  // Civil date from a day count: shift to an era starting 0000-03-01 so that
  // the leap day ends the year.
  const std::int64_t z = day + 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  std::string out = std::to_string(y);
  while (out.size() < 4) out.insert(out.begin(), '0');
  out.push_back('-');
  append_2(&out, static_cast<unsigned>(m));
  out.push_back('-');
  append_2(&out, static_cast<unsigned>(d));
  return out;
}

std::int64_t day_number(std::string_view date) {
  auto num = [&](std::size_t pos, std::size_t len) {
    std::int64_t v = 0;
    for (std::size_t k = pos; k < pos + len && k < date.size(); ++k) v = v * 10 + (date[k] - '0');
    return v;
  };
  std::int64_t y = num(0, 4);
  const std::int64_t m = num(5, 2);
  const std::int64_t d = num(8, 2);
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::string utc_date(std::int64_t ms) {
  return date_of_day(floor_div(ms, kMsPerDay));
}

std::string utc_time(std::int64_t ms) {
  const std::int64_t day = floor_div(ms, kMsPerDay);
  const std::int64_t sec = (ms - day * kMsPerDay) / 1000;
  std::string out = date_of_day(day);
  out.push_back('T');
  append_2(&out, static_cast<unsigned>(sec / 3600));
  out.push_back(':');
  append_2(&out, static_cast<unsigned>(sec / 60 % 60));
  out.push_back(':');
  append_2(&out, static_cast<unsigned>(sec % 60));
  out.push_back('Z');
  return out;
}

// ---- the journal plan ----

std::string substitute_account(std::string_view pattern, std::string_view chain,
                               std::string_view token) {
  std::string out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    if (pattern.substr(i, 7) == "{chain}") {
      out.append(chain);
      i += 7;
    } else if (pattern.substr(i, 7) == "{token}") {
      out.append(token);
      i += 7;
    } else {
      out.push_back(pattern[i++]);
    }
  }
  return out;
}

namespace {

enum class Credit {
  kNone,            // never books (orphaned: the money is not there)
  kNoneIfNotFinal,  // books nothing; a final payment here is a contradiction
  kOrder,           // receivable up to the amount due, any excess customer credit
  kCustomerCredit,  // owed to a known customer
  kUnapplied,       // received, no order to apply it to
};

Credit credit_of(ReconStatus s) {
  switch (s) {
    case ReconStatus::kMatched:
    case ReconStatus::kOverpaid:
    case ReconStatus::kUnderpaid: return Credit::kOrder;
    case ReconStatus::kPaidLate:
    case ReconStatus::kDuplicatePayment:
    case ReconStatus::kWrongNetwork: return Credit::kCustomerCredit;
    case ReconStatus::kUnmatchedTransfer:
    case ReconStatus::kAmbiguous:
    case ReconStatus::kIntentWithoutOrder: return Credit::kUnapplied;
    case ReconStatus::kOrphaned: return Credit::kNone;
    case ReconStatus::kUnpaid:
    case ReconStatus::kExpiredUnpaid:
    case ReconStatus::kOrderWithoutIntent:
    case ReconStatus::kOrderMismatch: return Credit::kNoneIfNotFinal;
  }
  return Credit::kNone;
}

}  // namespace

Result<JournalPlan> plan_journal(const ReconRecord& r, std::uint64_t index,
                                 const JournalAccounts& accounts,
                                 std::string_view prev_payment_key) {
  JournalPlan plan;
  const std::string status(recon_status_name(r.status));
  const std::string where = "record " + std::to_string(index) + " (" + status + ")";
  const Credit credit = credit_of(r.status);
  if (!r.final || credit == Credit::kNone) return plan;

  Decimal received;
  if (!r.amount_received.empty()) {
    auto parsed = Decimal::parse(r.amount_received, "amount_received");
    if (!parsed.ok()) return parsed.status().with_context(where);
    received = *parsed;
  }
  if (credit == Credit::kNoneIfNotFinal) {
    if (received.is_zero()) return plan;
    return invalid(where + ": carries a final payment of " + received.to_string() +
                   ", which this status cannot hold");
  }
  if (r.amount_received.empty()) return invalid(where + ": final payment without amount_received");
  if (received.is_negative()) return invalid(where + ": amount_received is negative");
  if (received.is_zero()) return plan;
  if (r.tx_hash.empty()) return invalid(where + ": final payment without tx_hash");
  if (r.chain.empty()) return invalid(where + ": final payment without chain");
  if (r.token_symbol.empty()) return invalid(where + ": final payment without token_symbol");
  if (!r.fiat_amount_at_par.empty()) {
    auto fiat = Decimal::parse(r.fiat_amount_at_par, "fiat_amount_at_par");
    if (!fiat.ok()) return fiat.status().with_context(where);
    if (Decimal::compare(*fiat, received) != 0) {
      return invalid(where + ": fiat_amount_at_par " + fiat->to_string() +
                     " differs from amount_received " + received.to_string() +
                     " (the journal books stablecoins at par, 1:1)");
    }
  }

  std::string key = r.chain + "\n" + r.tx_hash + "\n";
  if (r.log_index) key += std::to_string(*r.log_index);
  if (key == prev_payment_key) return plan;  // the same payment, already booked
  plan.payment_key = key;
  plan.journal_id = "jnl_" + hex_encode(sha256(key)).substr(0, 24);
  plan.wallet_debit = received;

  const std::string wallet = substitute_account(accounts.wallet, r.chain, r.token_symbol);
  auto account = [&](const std::string& pattern) {
    return substitute_account(pattern, r.chain, r.token_symbol);
  };
  plan.lines.push_back({wallet, true, received, status + ": stablecoin received"});
  switch (credit) {
    case Credit::kOrder: {
      if (r.amount_expected.empty()) return invalid(where + ": amount_expected is empty");
      auto expected = Decimal::parse(r.amount_expected, "amount_expected");
      if (!expected.ok()) return expected.status().with_context(where);
      if (expected->is_negative()) return invalid(where + ": amount_expected is negative");
      // The reconciler's difference is cumulative: what the intent received
      // so far, this payment included, minus what was due. Receivable takes
      // what this payment adds below the amount due, the rest is customer
      // credit, so that an intent's payments together credit receivable at
      // most the amount due, however they are split and whichever period is
      // exported. Without a difference the record stands alone.
      Decimal total = received;
      if (!r.difference.empty()) {
        auto difference = Decimal::parse(r.difference, "difference");
        if (!difference.ok()) return difference.status().with_context(where);
        auto t = Decimal::add(*expected, *difference);
        if (!t.ok()) return t.status().with_context(where);
        if (Decimal::compare(*t, received) < 0) {
          return invalid(where + ": difference " + difference->to_string() +
                         " puts the intent's received total at " + t->to_string() +
                         ", below this payment's " + received.to_string());
        }
        total = *t;
      }
      auto before = Decimal::sub(total, received);
      if (!before.ok()) return before.status().with_context(where);
      auto capped = [&](const Decimal& v) {
        return Decimal::compare(v, *expected) > 0 ? *expected : v;
      };
      auto applied = Decimal::sub(capped(total), capped(*before));
      if (!applied.ok()) return applied.status().with_context(where);
      auto excess = Decimal::sub(received, *applied);
      if (!excess.ok()) return excess.status().with_context(where);
      if (!applied->is_zero()) {
        std::string memo = status + ": applied to the order's receivable";
        if (Decimal::compare(total, *expected) < 0) {
          auto shortfall = Decimal::sub(*expected, total);
          if (!shortfall.ok()) return shortfall.status().with_context(where);
          memo += "; " + shortfall->to_string() + " still due";
        }
        plan.lines.push_back({account(accounts.receivable), false, *applied, memo});
      }
      if (!excess->is_zero()) {
        plan.lines.push_back({account(accounts.customer_credit), false, *excess,
                              status + ": excess over the amount due, owed to the customer"});
      }
      break;
    }
    case Credit::kCustomerCredit:
      plan.lines.push_back({account(accounts.customer_credit), false, received,
                            status + ": owed to the customer (refund or apply)"});
      break;
    case Credit::kUnapplied:
      plan.lines.push_back({account(accounts.unapplied), false, received,
                            status + ": received, no order to apply it to"});
      break;
    case Credit::kNone:
    case Credit::kNoneIfNotFinal: break;
  }
  return plan;
}

// ---- totals ----

namespace {

Status add_field(Decimal* sum, const std::string& text, const char* what) {
  if (text.empty()) return Status();
  auto v = Decimal::parse(text, what);
  if (!v.ok()) return v.status();
  auto s = Decimal::add(*sum, *v);
  if (!s.ok()) return s.status();
  *sum = *s;
  return Status();
}

Status add_to(Decimal* sum, const Decimal& v) {
  auto s = Decimal::add(*sum, v);
  if (!s.ok()) return s.status();
  *sum = *s;
  return Status();
}

}  // namespace

Status Totals::add(const ReconRecord& r, std::uint64_t index, const Decimal& booked_amount) {
  const std::string where =
      "record " + std::to_string(index) + " (" + std::string(recon_status_name(r.status)) + ")";
  ++count;
  USD1PAY_RETURN_IF_ERROR(
      add_field(&expected, r.amount_expected, "amount_expected").with_context(where));
  USD1PAY_RETURN_IF_ERROR(
      add_field(&received, r.amount_received, "amount_received").with_context(where));
  USD1PAY_RETURN_IF_ERROR(add_field(&difference, r.difference, "difference").with_context(where));
  return add_to(&booked, booked_amount).with_context(where);
}

Status Totals::merge(const Totals& other) {
  count += other.count;
  USD1PAY_RETURN_IF_ERROR(add_to(&expected, other.expected));
  USD1PAY_RETURN_IF_ERROR(add_to(&received, other.received));
  USD1PAY_RETURN_IF_ERROR(add_to(&difference, other.difference));
  return add_to(&booked, other.booked);
}

Status GroupedTotals::add(const ReconRecord& r) {
  ++records_;
  auto plan = plan_journal(r, records_, accounts_, prev_payment_key_);
  if (!plan.ok()) return plan.status();
  if (!plan->journal_id.empty()) prev_payment_key_ = plan->payment_key;
  GroupKey key{utc_date(r.settlement_time_ms), r.chain, r.token_symbol, static_cast<int>(r.status)};
  return groups_[key].add(r, records_, plan->wallet_debit);
}

Result<std::map<int, Totals>> GroupedTotals::per_status() const {
  std::map<int, Totals> out;
  for (ReconStatus s : all_statuses()) out[static_cast<int>(s)];
  for (const auto& [key, totals] : groups_) {
    USD1PAY_RETURN_IF_ERROR(out[key.status].merge(totals));
  }
  return out;
}

Result<Totals> GroupedTotals::grand_total() const {
  Totals out;
  for (const auto& [key, totals] : groups_) USD1PAY_RETURN_IF_ERROR(out.merge(totals));
  return out;
}

Result<std::map<std::string, Totals>> GroupedTotals::per_day() const {
  std::map<std::string, Totals> out;
  for (const auto& [key, totals] : groups_) USD1PAY_RETURN_IF_ERROR(out[key.day].merge(totals));
  return out;
}

}  // namespace report_internal
}  // namespace usd1pay
