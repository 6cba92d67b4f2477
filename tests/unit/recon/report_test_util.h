// Test helpers for the journal / summary / HTML writers: hand-made records,
// a writer driver and a strict RFC 4180 reader written for these tests (the
// integration test checks the same files with Python's csv module).
#ifndef USD1PAY_TESTS_UNIT_RECON_REPORT_TEST_UTIL_H
#define USD1PAY_TESTS_UNIT_RECON_REPORT_TEST_UTIL_H

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "usd1pay/recon.h"

namespace usd1pay {
namespace testing_recon {

// 2026-03-01T10:00:00Z
constexpr std::int64_t kDay1 = 1772359200000;
constexpr std::int64_t kDayMs = 86400000;

// A final ERC-20 payment record with the given status and amounts.
inline ReconRecord payment(ReconStatus status, const std::string& expected,
                           const std::string& received, const std::string& tx = "0xaa01",
                           std::int64_t when = kDay1) {
  ReconRecord r;
  r.settlement_time_ms = when;
  r.order_id = "ord-1";
  r.intent_id = "pi_1";
  r.status = status;
  r.match_reason = "deposit_address";
  r.chain = "eip155:1";
  r.token_symbol = "USD1";
  r.token_contract = "0x8d0e7f18bc4c4a2d1e0b5dd77d6a52f7c3a9e2c1";
  r.deposit_address = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
  r.payer_address = "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359";
  r.tx_hash = tx;
  r.log_index = 0;
  r.block_number = 100;
  r.block_hash = "0xbb";
  r.block_time = when / 1000;
  r.confirmations_at_settlement = 12;
  r.final = true;
  r.amount_expected = expected;
  r.amount_received = received;
  r.currency = "USD";
  r.fiat_amount_at_par = received;
  r.payment_id = "py_" + tx;
  return r;
}

// A record with no payment (unpaid, expired, order without intent ...).
inline ReconRecord no_payment(ReconStatus status, const std::string& expected,
                              std::int64_t when = kDay1) {
  ReconRecord r;
  r.settlement_time_ms = when;
  r.order_id = "ord-2";
  r.intent_id = status == ReconStatus::kOrderWithoutIntent ? "" : "pi_2";
  r.status = status;
  r.match_reason = "none";
  r.chain = "eip155:1";
  r.token_symbol = "USD1";
  r.amount_expected = expected;
  r.currency = "USD";
  r.fiat_amount_at_par = expected;
  return r;
}

struct Output {
  std::string text;
  Status status;
};

// Feeds `records` into the writer made by `make` and finishes it.
inline Output run_writer(const std::function<std::unique_ptr<ReconSink>(ByteOut)>& make,
                         const std::vector<ReconRecord>& records) {
  Output o;
  auto sink = make([&o](std::string_view bytes) {
    o.text.append(bytes);
    return Status();
  });
  for (const auto& r : records) {
    o.status = sink->on_record(r);
    if (!o.status.ok()) return o;
  }
  o.status = sink->finish();
  return o;
}

// Strict RFC 4180: CRLF record ends, quoted fields with doubled quotes, no
// stray quote in an unquoted field, every row the header's width.
inline std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  std::size_t i = 0;
  bool at_field_start = true;
  while (i < text.size()) {
    if (at_field_start && text[i] == '"') {
      ++i;
      while (true) {
        if (i >= text.size()) {
          ADD_FAILURE() << "unterminated quoted field";
          return rows;
        }
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field.push_back(text[i++]);
      }
      at_field_start = false;
      if (i < text.size() && text[i] != ',' && text[i] != '\r') {
        ADD_FAILURE() << "garbage after a quoted field at byte " << i;
        return rows;
      }
      continue;
    }
    const char c = text[i];
    if (c == ',') {
      row.push_back(field);
      field.clear();
      at_field_start = true;
      ++i;
    } else if (c == '\r') {
      if (i + 1 >= text.size() || text[i + 1] != '\n') {
        ADD_FAILURE() << "bare CR at byte " << i;
        return rows;
      }
      row.push_back(field);
      field.clear();
      rows.push_back(row);
      row.clear();
      at_field_start = true;
      i += 2;
    } else if (c == '\n' || c == '"') {
      ADD_FAILURE() << "bare LF or quote in an unquoted field at byte " << i;
      return rows;
    } else {
      field.push_back(c);
      at_field_start = false;
      ++i;
    }
  }
  if (!row.empty() || !field.empty()) ADD_FAILURE() << "last row not ended by CRLF";
  for (std::size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].size() != rows[0].size()) ADD_FAILURE() << "row " << r << " has a bad width";
  }
  return rows;
}

// Rows as maps keyed by the header's column names.
inline std::vector<std::map<std::string, std::string>> csv_maps(const std::string& text) {
  auto rows = parse_csv(text);
  std::vector<std::map<std::string, std::string>> out;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    std::map<std::string, std::string> m;
    for (std::size_t c = 0; c < rows[r].size() && c < rows[0].size(); ++c)
      m[rows[0][c]] = rows[r][c];
    out.push_back(m);
  }
  return out;
}

inline std::unique_ptr<ReconSink> journal(ByteOut out) {
  return make_journal_writer(std::move(out), JournalAccounts{});
}

}  // namespace testing_recon
}  // namespace usd1pay

#endif  // USD1PAY_TESTS_UNIT_RECON_REPORT_TEST_UTIL_H
