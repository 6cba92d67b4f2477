// The CSV and JSON Lines writers of settlement exports, the status and format
// names, and the field helpers they share (recon.h, docs/reconciliation.md).
//
// CSV: RFC 4180 with CRLF line ends (the RFC's, and what spreadsheet
// importers expect), UTF-8 without a byte-order mark, one header row, the
// columns in ReconRecord's order after a first `schema_version` column.
// JSON Lines: one object per line (LF), the same keys in the same order.
#include <array>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "recon/recon_internal.h"
#include "usd1pay/amount.h"
#include "usd1pay/clock.h"
#include "usd1pay/encoding.h"
#include "usd1pay/recon.h"

namespace usd1pay {
namespace recon_internal {

const std::string_view kColumnNames[kColumnCount] = {
    "schema_version",
    "settlement_time",
    "order_id",
    "intent_id",
    "status",
    "match_reason",
    "chain",
    "token_symbol",
    "token_contract",
    "deposit_address",
    "payer_address",
    "tx_hash",
    "log_index",
    "block_number",
    "block_hash",
    "block_time",
    "confirmations_at_settlement",
    "final",
    "amount_expected",
    "amount_received",
    "difference",
    "currency",
    "fiat_amount_at_par",
    "payment_id",
};

std::string iso_from_ms(std::int64_t ms) {
  // Truncated towards the past, also before 1970.
  std::int64_t s = ms / 1000;
  if (ms % 1000 < 0) --s;
  return iso_from_seconds(s);
}

std::string iso_from_seconds(std::int64_t s) {
  return format_iso8601(from_unix_seconds(s));
}

namespace {

std::optional<std::string> text_or_null(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

template <typename T>
std::optional<std::string> number_or_null(const std::optional<T>& v) {
  if (!v) return std::nullopt;
  return std::to_string(*v);
}

}  // namespace

Status record_fields(const ReconRecord& r, FieldValue (&out)[kColumnCount]) {
  using K = FieldKind;
  std::size_t i = 0;
  auto put = [&](K kind, std::optional<std::string> text) {
    out[i] = FieldValue{kColumnNames[i], kind, std::move(text)};
    ++i;
  };
  put(K::kInteger, std::to_string(kSchemaVersion));
  put(K::kString, iso_from_ms(r.settlement_time_ms));
  put(K::kString, text_or_null(r.order_id));
  put(K::kString, text_or_null(r.intent_id));
  put(K::kString, std::string(recon_status_name(r.status)));
  put(K::kString, text_or_null(r.match_reason));
  put(K::kString, text_or_null(r.chain));
  put(K::kString, text_or_null(r.token_symbol));
  put(K::kString, text_or_null(r.token_contract));
  put(K::kString, text_or_null(r.deposit_address));
  put(K::kString, text_or_null(r.payer_address));
  put(K::kString, text_or_null(r.tx_hash));
  put(K::kInteger, number_or_null(r.log_index));
  put(K::kInteger, number_or_null(r.block_number));
  put(K::kString, text_or_null(r.block_hash));
  put(K::kString,
      r.block_time ? std::optional<std::string>(iso_from_seconds(*r.block_time)) : std::nullopt);
  put(K::kInteger, number_or_null(r.confirmations_at_settlement));
  put(K::kBool, std::string(r.final ? "true" : "false"));
  put(K::kString, text_or_null(r.amount_expected));
  put(K::kString, text_or_null(r.amount_received));
  put(K::kString, text_or_null(r.difference));
  put(K::kString, text_or_null(r.currency));
  put(K::kString, text_or_null(r.fiat_amount_at_par));
  put(K::kString, text_or_null(r.payment_id));
  for (const FieldValue& f : out) {
    if (!f.text) continue;
    const std::size_t bad = find_invalid_utf8(*f.text);
    if (bad != std::string_view::npos) {
      return Status(ErrorCode::kInvalidArgument,
                    "recon: record " + (r.payment_id.empty() ? r.intent_id : r.payment_id) + ": " +
                        std::string(f.name) + " is not valid UTF-8 at byte " + std::to_string(bad));
    }
  }
  return Status();
}

namespace {

/// The bytes that make a CSV field need quotes anywhere in it.
constexpr std::array<bool, 256> kCsvSpecial = [] {
  std::array<bool, 256> t{};
  t[static_cast<unsigned char>(',')] = true;
  t[static_cast<unsigned char>('"')] = true;
  t[static_cast<unsigned char>('\r')] = true;
  t[static_cast<unsigned char>('\n')] = true;
  return t;
}();

}  // namespace

// Eight bytes at a time: nearly every field of an export (ids, hashes,
// addresses, amounts) is plain.
bool plain_csv_ascii(std::string_view f) {
  if (f.empty() || f.front() == ' ' || f.back() == ' ') return f.empty();
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  // Non-zero when a byte of w equals c (exact for "any": a borrow can only
  // follow a byte that matched).
  auto has = [](std::uint64_t w, unsigned char c) {
    const std::uint64_t x = w ^ (kOnes * c);
    return (x - kOnes) & ~x & kHigh;
  };
  std::size_t i = 0;
  for (; i + 8 <= f.size(); i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, f.data() + i, sizeof w);
    if (((w & kHigh) | has(w, ',') | has(w, '"') | has(w, '\r') | has(w, '\n')) != 0) {
      return false;
    }
  }
  for (; i < f.size(); ++i) {
    const auto b = static_cast<unsigned char>(f[i]);
    if (b >= 0x80 || kCsvSpecial[b]) return false;
  }
  return true;
}

void append_csv_field(std::string* out, std::string_view field) {
  bool quote = !field.empty() && (field.front() == ' ' || field.back() == ' ');
  // One pass over the field (the export's hot loop), one table look-up per
  // byte.
  for (std::size_t i = 0; i < field.size() && !quote; ++i) {
    quote = kCsvSpecial[static_cast<unsigned char>(field[i])];
  }
  if (!quote) {
    out->append(field);
    return;
  }
  out->push_back('"');
  for (const char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

Status put_token_text(Uint128 units, unsigned decimals, bool negative, std::string* out) {
  if (decimals > Amount::kMaxDecimals || units.hi() != 0) {
    // Beyond 64 bits (or no such token): through Amount, the reference.
    auto a = Amount::from_base_units(units, decimals);
    if (!a.ok()) return a.status();
    out->assign(negative ? "-" : "");
    out->append(a->to_string_fixed(2));
    return Status();
  }
  // The digits right-aligned, left-padded with zeros to at least
  // decimals + 1 (an integer digit always): 20 digits of 2^64-1 or 38
  // decimals + 1 fit in 40.
  char buf[40];
  char digits[20];
  const auto res = std::to_chars(digits, digits + sizeof digits, units.lo());
  const auto ndigits = static_cast<std::size_t>(res.ptr - digits);
  const std::size_t len = ndigits > decimals ? ndigits : std::size_t{decimals} + 1;
  const std::size_t start = sizeof buf - len;
  std::memset(buf + start, '0', len - ndigits);
  std::memcpy(buf + sizeof buf - ndigits, digits, ndigits);
  const std::size_t keep_min = decimals < 2 ? decimals : 2;
  std::size_t frac = decimals;
  std::size_t end = sizeof buf;
  while (frac > keep_min && buf[end - 1] == '0') {
    --end;
    --frac;
  }
  const std::size_t int_len = end - start - frac;
  out->clear();
  if (negative) out->push_back('-');
  out->append(buf + start, int_len);
  if (frac > 0) {
    out->push_back('.');
    out->append(buf + start + int_len, frac);
  }
  return Status();
}

void append_json_string(std::string* out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out->append("\\u00");
          out->push_back(kHex[u >> 4]);
          out->push_back(kHex[u & 0xf]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

}  // namespace recon_internal

namespace {

using recon_internal::FieldKind;
using recon_internal::FieldValue;
using recon_internal::kColumnCount;

constexpr std::size_t kFlushBytes = std::size_t{64} * 1024;

constexpr std::array<std::pair<ReconStatus, std::string_view>, 14> kStatusNames = {{
    {ReconStatus::kMatched, "matched"},
    {ReconStatus::kUnderpaid, "underpaid"},
    {ReconStatus::kOverpaid, "overpaid"},
    {ReconStatus::kUnpaid, "unpaid"},
    {ReconStatus::kExpiredUnpaid, "expired_unpaid"},
    {ReconStatus::kPaidLate, "paid_late"},
    {ReconStatus::kDuplicatePayment, "duplicate_payment"},
    {ReconStatus::kUnmatchedTransfer, "unmatched_transfer"},
    {ReconStatus::kOrphaned, "orphaned"},
    {ReconStatus::kOrderWithoutIntent, "order_without_intent"},
    {ReconStatus::kIntentWithoutOrder, "intent_without_order"},
    {ReconStatus::kAmbiguous, "ambiguous"},
    {ReconStatus::kWrongNetwork, "wrong_network"},
    {ReconStatus::kOrderMismatch, "order_mismatch"},
}};

constexpr std::array<std::pair<ExportFormat, std::string_view>, 5> kFormatNames = {{
    {ExportFormat::kCsv, "csv"},
    {ExportFormat::kJsonl, "jsonl"},
    {ExportFormat::kJournal, "journal"},
    {ExportFormat::kSummary, "summary"},
    {ExportFormat::kHtml, "html"},
}};

std::string printable(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::string out = "'";
  for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
    const char c = s[i];
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (s.size() > kMax) out += "...";
  return out + "'";
}

/// Buffers output and hands it on in chunks; counts the data rows.
class BufferedSink : public ReconSink {
 public:
  explicit BufferedSink(ByteOut out) : out_(std::move(out)) {}

  std::uint64_t rows() const override { return rows_; }

 protected:
  Status maybe_flush() {
    if (buf_.size() < kFlushBytes) return Status();
    return flush();
  }
  Status flush() {
    if (buf_.empty()) return Status();
    if (!out_) return Status(ErrorCode::kInvalidArgument, "recon: writer has no output");
    Status s = out_(buf_);
    buf_.clear();
    return s;
  }
  std::string buf_;
  std::uint64_t rows_ = 0;
  bool finished_ = false;

 private:
  ByteOut out_;
};

/// iso_from_seconds() without a new string per call: the date part
/// ("YYYY-MM-DDT") comes from iso_from_seconds() once per day, the time of
/// day is written here. The text stays valid until the next call.
class IsoTimes {
 public:
  std::string_view of_ms(std::int64_t ms) {
    std::int64_t s = ms / 1000;
    if (ms % 1000 < 0) --s;  // truncated towards the past, as iso_from_ms()
    return of_seconds(s);
  }

  std::string_view of_seconds(std::int64_t s) {
    constexpr std::int64_t kDay = 86400;
    std::int64_t day = s / kDay;
    if (s % kDay < 0) --day;
    const std::int64_t sod = s - day * kDay;
    if (!have_day_ || day != day_) {
      const std::string midnight = recon_internal::iso_from_seconds(day * kDay);
      if (midnight.size() != kLength) {  // not the usual form: no shortcut
        other_ = recon_internal::iso_from_seconds(s);
        have_day_ = false;
        return other_;
      }
      midnight.copy(text_, kLength);
      day_ = day;
      have_day_ = true;
    }
    put2(11, sod / 3600);
    put2(14, sod / 60 % 60);
    put2(17, sod % 60);
    return std::string_view(text_, kLength);
  }

 private:
  static constexpr std::size_t kLength = 20;  // "YYYY-MM-DDTHH:MM:SSZ"
  void put2(std::size_t at, std::int64_t v) {
    text_[at] = static_cast<char>('0' + v / 10);
    text_[at + 1] = static_cast<char>('0' + v % 10);
  }
  char text_[kLength] = {};
  std::int64_t day_ = 0;
  bool have_day_ = false;
  std::string other_;
};

class CsvWriter final : public BufferedSink {
 public:
  using BufferedSink::BufferedSink;

  // The export's hot loop: the row is written straight from the record (the
  // same columns, text and checks as record_fields(), without building them
  // as strings first); a record that fails leaves nothing behind.
  Status on_record(const ReconRecord& r) override {
    if (finished_) return Status(ErrorCode::kFailedPrecondition, "recon: csv: record after finish");
    const bool had_header = header_written_;
    header();
    const std::size_t start = buf_.size();
    std::size_t column = 0;
    Status bad;
    auto next = [&] {
      if (column++ != 0) buf_.push_back(',');
    };
    auto text = [&](const std::string& v) {
      next();
      if (v.empty() || !bad.ok()) return;
      if (recon_internal::plain_csv_ascii(v)) {  // one pass: no UTF-8 check, no quotes
        buf_.append(v);
        return;
      }
      const std::size_t at = find_invalid_utf8(v);
      if (at != std::string_view::npos) {
        bad = Status(ErrorCode::kInvalidArgument,
                     "recon: record " + (r.payment_id.empty() ? r.intent_id : r.payment_id) + ": " +
                         std::string(recon_internal::kColumnNames[column - 1]) +
                         " is not valid UTF-8 at byte " + std::to_string(at));
        return;
      }
      recon_internal::append_csv_field(&buf_, v);
    };
    auto number = [&](auto v) {
      next();
      if (!v) return;
      char digits[24];
      auto res = std::to_chars(digits, digits + sizeof digits, *v);
      buf_.append(digits, res.ptr);
    };
    auto ascii = [&](std::string_view v) {  // ISO times, names: never quoted
      next();
      buf_.append(v);
    };
    ascii("1");  // schema_version
    static_assert(recon_internal::kSchemaVersion == 1, "the CSV fast path writes version 1");
    ascii(times_.of_ms(r.settlement_time_ms));
    text(r.order_id);
    text(r.intent_id);
    ascii(recon_status_name(r.status));
    text(r.match_reason);
    text(r.chain);
    text(r.token_symbol);
    text(r.token_contract);
    text(r.deposit_address);
    text(r.payer_address);
    text(r.tx_hash);
    number(r.log_index);
    number(r.block_number);
    text(r.block_hash);
    if (r.block_time) {
      ascii(times_.of_seconds(*r.block_time));
    } else {
      next();
    }
    number(r.confirmations_at_settlement);
    ascii(r.final ? "true" : "false");
    text(r.amount_expected);
    text(r.amount_received);
    text(r.difference);
    text(r.currency);
    text(r.fiat_amount_at_par);
    text(r.payment_id);
    if (!bad.ok()) {
      buf_.resize(start);
      if (!had_header) {
        buf_.clear();
        header_written_ = false;
      }
      return bad;
    }
    buf_.append("\r\n");
    ++rows_;
    return maybe_flush();
  }

  Status finish() override {
    if (finished_) return Status();
    header();  // an export with no record still has its header row
    finished_ = true;
    return flush();
  }

 private:
  void header() {
    if (header_written_) return;
    header_written_ = true;
    for (std::size_t i = 0; i < kColumnCount; ++i) {
      if (i != 0) buf_.push_back(',');
      buf_.append(recon_internal::kColumnNames[i]);
    }
    buf_.append("\r\n");
  }
  bool header_written_ = false;
  IsoTimes times_;
};

class JsonlWriter final : public BufferedSink {
 public:
  using BufferedSink::BufferedSink;

  Status on_record(const ReconRecord& r) override {
    if (finished_) {
      return Status(ErrorCode::kFailedPrecondition, "recon: jsonl: record after finish");
    }
    FieldValue fields[kColumnCount];
    USD1PAY_RETURN_IF_ERROR(recon_internal::record_fields(r, fields));
    buf_.push_back('{');
    for (std::size_t i = 0; i < kColumnCount; ++i) {
      if (i != 0) buf_.push_back(',');
      recon_internal::append_json_string(&buf_, fields[i].name);
      buf_.push_back(':');
      if (!fields[i].text) {
        buf_.append("null");
      } else if (fields[i].kind == FieldKind::kString) {
        recon_internal::append_json_string(&buf_, *fields[i].text);
      } else {
        buf_.append(*fields[i].text);
      }
    }
    buf_.append("}\n");
    ++rows_;
    return maybe_flush();
  }

  Status finish() override {
    finished_ = true;
    return flush();
  }
};

}  // namespace

std::string_view recon_status_name(ReconStatus s) noexcept {
  for (const auto& [v, name] : kStatusNames) {
    if (v == s) return name;
  }
  return "unknown";
}

Result<ReconStatus> parse_recon_status(std::string_view name) {
  for (const auto& [v, n] : kStatusNames) {
    if (n == name) return v;
  }
  return Status(ErrorCode::kInvalidArgument,
                "recon: unknown status " + printable(name) +
                    " (expected matched, underpaid, overpaid, unpaid, expired_unpaid, paid_late, "
                    "duplicate_payment, unmatched_transfer, orphaned, order_without_intent, "
                    "intent_without_order, ambiguous, wrong_network or order_mismatch)");
}

std::string_view export_format_name(ExportFormat f) noexcept {
  for (const auto& [v, name] : kFormatNames) {
    if (v == f) return name;
  }
  return "unknown";
}

Result<ExportFormat> parse_export_format(std::string_view name) {
  for (const auto& [v, n] : kFormatNames) {
    if (n == name) return v;
  }
  return Status(ErrorCode::kInvalidArgument,
                "recon: unknown export format " + printable(name) +
                    " (expected csv, jsonl, journal, summary or html)");
}

std::unique_ptr<ReconSink> make_csv_writer(ByteOut out) {
  return std::make_unique<CsvWriter>(std::move(out));
}

std::unique_ptr<ReconSink> make_jsonl_writer(ByteOut out) {
  return std::make_unique<JsonlWriter>(std::move(out));
}

}  // namespace usd1pay
