// The CSV and JSON Lines writers of settlement exports: exact bytes for known
// records, RFC 4180 quoting of hostile fields (commas, quotes, CR, LF, UTF-8),
// nulls for absent fields, invalid UTF-8 refused naming the column, the status
// and format names both ways.
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "recon/recon_internal.h"
#include "usd1pay/recon.h"

namespace usd1pay {
namespace {

const char kHeader[] =
    "schema_version,settlement_time,order_id,intent_id,status,match_reason,chain,token_symbol,"
    "token_contract,deposit_address,payer_address,tx_hash,log_index,block_number,block_hash,"
    "block_time,confirmations_at_settlement,final,amount_expected,amount_received,difference,"
    "currency,fiat_amount_at_par,payment_id\r\n";

ReconRecord full_record() {
  ReconRecord r;
  r.settlement_time_ms = 1700000123456;  // 2023-11-14T22:15:23.456Z
  r.order_id = "A-1";
  r.intent_id = "pi_1";
  r.status = ReconStatus::kOverpaid;
  r.match_reason = "deposit_address";
  r.chain = "eip155:1";
  r.token_symbol = "USD1";
  r.token_contract = "0x8d0D000Ee44948FC98c9B98A4FA4921476f08B0d";
  r.deposit_address = "0x000000000000000000000000000000000000dEaD";
  r.payer_address = "0x1111111111111111111111111111111111111111";
  r.tx_hash = "0xab";
  r.log_index = 3;
  r.block_number = 19000000;
  r.block_hash = "0xcd";
  r.block_time = 1700000100;
  r.confirmations_at_settlement = 12;
  r.final = true;
  r.amount_expected = "25.00";
  r.amount_received = "26.5";
  r.difference = "1.5";
  r.currency = "USD";
  r.fiat_amount_at_par = "26.50";
  r.payment_id = "py_1";
  return r;
}

std::string write_csv(const std::vector<ReconRecord>& records, Status* status = nullptr) {
  std::string out;
  auto w = make_csv_writer([&](std::string_view b) {
    out.append(b);
    return Status();
  });
  Status s;
  for (const auto& r : records) {
    s = w->on_record(r);
    if (!s.ok()) break;
  }
  if (s.ok()) s = w->finish();
  if (status != nullptr) *status = s;
  return out;
}

std::string write_jsonl(const std::vector<ReconRecord>& records, Status* status = nullptr) {
  std::string out;
  auto w = make_jsonl_writer([&](std::string_view b) {
    out.append(b);
    return Status();
  });
  Status s;
  for (const auto& r : records) {
    s = w->on_record(r);
    if (!s.ok()) break;
  }
  if (s.ok()) s = w->finish();
  if (status != nullptr) *status = s;
  return out;
}

TEST(CsvWriter, EmptyExportIsTheHeaderOnly) {
  Status s;
  EXPECT_EQ(write_csv({}, &s), kHeader);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(CsvWriter, FullRecordExactBytes) {
  std::string out = write_csv({full_record()});
  EXPECT_EQ(out, std::string(kHeader) +
                     "1,2023-11-14T22:15:23Z,A-1,pi_1,overpaid,deposit_address,eip155:1,USD1,"
                     "0x8d0D000Ee44948FC98c9B98A4FA4921476f08B0d,"
                     "0x000000000000000000000000000000000000dEaD,"
                     "0x1111111111111111111111111111111111111111,0xab,3,19000000,0xcd,"
                     "2023-11-14T22:15:00Z,12,true,25.00,26.5,1.5,USD,26.50,py_1\r\n");
}

TEST(CsvWriter, AbsentFieldsAreEmpty) {
  ReconRecord r;
  r.settlement_time_ms = 0;
  r.order_id = "o";
  r.status = ReconStatus::kOrderWithoutIntent;
  std::string out = write_csv({r});
  EXPECT_EQ(out, std::string(kHeader) +
                     "1,1970-01-01T00:00:00Z,o,,order_without_intent,,,,,,,,,,,,,false,,,,,,\r\n");
}

TEST(CsvWriter, HostileFieldsAreQuoted) {
  ReconRecord r = full_record();
  r.order_id = "a,b";
  r.match_reason = "say \"hi\"";
  r.deposit_address = "line1\nline2";
  r.payer_address = "cr\rhere";
  r.token_symbol = "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";  // été € 😀: no quoting
  r.block_hash = " spaced ";
  std::string out = write_csv({r});
  const std::string row = out.substr(std::string(kHeader).size());
  EXPECT_NE(row.find(",\"a,b\","), std::string::npos) << row;
  EXPECT_NE(row.find(",\"say \"\"hi\"\"\","), std::string::npos) << row;
  EXPECT_NE(row.find(",\"line1\nline2\","), std::string::npos) << row;
  EXPECT_NE(row.find(",\"cr\rhere\","), std::string::npos) << row;
  EXPECT_NE(row.find(",\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80,"), std::string::npos);
  // Edge spaces are quoted, so importers that trim fields keep them.
  EXPECT_NE(row.find(",\" spaced \","), std::string::npos) << row;
}

TEST(CsvWriter, InvalidUtf8IsRefusedNamingTheColumn) {
  ReconRecord r = full_record();
  r.order_id = std::string("ok\xff", 3);
  Status s;
  write_csv({r}, &s);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "recon: record py_1: order_id is not valid UTF-8 at byte 2");
}

TEST(CsvWriter, ManyRecordsFlushInChunksAndKeepOrder) {
  std::vector<ReconRecord> rs;
  for (int i = 0; i < 2000; ++i) {
    ReconRecord r = full_record();
    r.order_id = "order-" + std::to_string(i);
    rs.push_back(r);
  }
  int chunks = 0;
  std::string out;
  auto w = make_csv_writer([&](std::string_view b) {
    ++chunks;
    out.append(b);
    return Status();
  });
  for (const auto& r : rs) ASSERT_TRUE(w->on_record(r).ok());
  ASSERT_TRUE(w->finish().ok());
  EXPECT_GT(chunks, 1);
  EXPECT_EQ(w->rows(), 2000u);
  EXPECT_EQ(out.compare(std::string(kHeader).size(), 31, "1,2023-11-14T22:15:23Z,order-0,"), 0);
  EXPECT_LT(out.find(",order-1999,"), out.size());
  EXPECT_LT(out.find(",order-1998,"), out.find(",order-1999,"));
}

// The writer formats times from a per-day cache: a sequence that stays in a
// day, moves on, goes back, crosses 1970 and midnight must give the same text
// as iso_from_ms / iso_from_seconds for every record.
TEST(CsvWriter, TimesMatchTheIsoFormatAcrossDaysAndBefore1970) {
  const std::int64_t times_ms[] = {1700000123456,
                                   1700000124999,
                                   1700003723000,  // same day
                                   1700092800000,
                                   1700092799999,  // next midnight, the ms before it
                                   1600000000000,
                                   1700000123456,  // years back, then again
                                   0,
                                   -1,
                                   -1000,
                                   -1001,
                                   -86400000,
                                   -86400001,
                                   999,
                                   86399999,
                                   86400000,
                                   4102444799000};  // 2099-12-31T23:59:59Z
  std::vector<ReconRecord> rs;
  std::string expected = kHeader;
  for (const std::int64_t ms : times_ms) {
    ReconRecord r;
    r.settlement_time_ms = ms;
    r.block_time = ms / 1000 - 7;
    rs.push_back(r);
    expected += "1," + recon_internal::iso_from_ms(ms) + ",,,matched" + std::string(11, ',') +
                recon_internal::iso_from_seconds(ms / 1000 - 7) + ",,false,,,,,,\r\n";
  }
  Status s;
  EXPECT_EQ(write_csv(rs, &s), expected);
  EXPECT_TRUE(s.ok()) << s.message();
  // Spot checks of the reference itself.
  EXPECT_EQ(recon_internal::iso_from_ms(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(recon_internal::iso_from_ms(1700092799999), "2023-11-15T23:59:59Z");
}

TEST(CsvWriter, OutputErrorIsReturned) {
  auto w = make_csv_writer([](std::string_view) { return Status(ErrorCode::kIo, "disk full"); });
  ASSERT_TRUE(w->on_record(full_record()).ok());  // buffered
  const Status s = w->finish();
  EXPECT_EQ(s.code(), ErrorCode::kIo);
  EXPECT_EQ(s.message(), "disk full");
}

TEST(JsonlWriter, FullRecordSameFieldsInOrder) {
  std::string out = write_jsonl({full_record()});
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1);
  const auto j = nlohmann::ordered_json::parse(out);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  ASSERT_EQ(keys.size(), recon_internal::kColumnCount);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(keys[i], recon_internal::kColumnNames[i]);
  }
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["settlement_time"], "2023-11-14T22:15:23Z");
  EXPECT_EQ(j["amount_expected"], "25.00");  // exact strings, never numbers
  EXPECT_EQ(j["amount_received"], "26.5");
  EXPECT_EQ(j["log_index"], 3);
  EXPECT_EQ(j["block_number"], 19000000);
  EXPECT_EQ(j["final"], true);
  EXPECT_EQ(j["status"], "overpaid");
}

TEST(JsonlWriter, AbsentFieldsAreNull) {
  ReconRecord r;
  r.order_id = "o";
  r.status = ReconStatus::kOrderWithoutIntent;
  const auto j = nlohmann::json::parse(write_jsonl({r}));
  EXPECT_TRUE(j["intent_id"].is_null());
  EXPECT_TRUE(j["log_index"].is_null());
  EXPECT_TRUE(j["block_time"].is_null());
  EXPECT_TRUE(j["confirmations_at_settlement"].is_null());
  EXPECT_TRUE(j["amount_received"].is_null());
  EXPECT_EQ(j["final"], false);
}

TEST(JsonlWriter, HostileStringsRoundTrip) {
  ReconRecord r = full_record();
  r.order_id = "a,\"b\"\r\n\t\\ \x01 \x7f \xc3\xa9\xf0\x9f\x98\x80";
  std::string out = write_jsonl({r});
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);  // one line per record
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["order_id"], r.order_id);
}

TEST(JsonlWriter, InvalidUtf8IsRefused) {
  ReconRecord r = full_record();
  r.tx_hash = std::string("\xc0\xaf", 2);  // overlong '/'
  Status s;
  write_jsonl({r}, &s);
  EXPECT_EQ(s.message(), "recon: record py_1: tx_hash is not valid UTF-8 at byte 0");
}

TEST(Names, StatusRoundTripsAndUnknownIsRefused) {
  const std::vector<std::string> names = {"matched",
                                          "underpaid",
                                          "overpaid",
                                          "unpaid",
                                          "expired_unpaid",
                                          "paid_late",
                                          "duplicate_payment",
                                          "unmatched_transfer",
                                          "orphaned",
                                          "order_without_intent",
                                          "intent_without_order",
                                          "ambiguous",
                                          "wrong_network",
                                          "order_mismatch"};
  for (const auto& n : names) {
    auto s = parse_recon_status(n);
    ASSERT_TRUE(s.ok()) << n;
    EXPECT_EQ(recon_status_name(*s), n);
  }
  auto bad = parse_recon_status("Matched");
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("unknown status 'Matched'"), std::string::npos);
}

TEST(Names, FormatRoundTripsAndUnknownIsRefused) {
  for (const char* n : {"csv", "jsonl", "journal", "summary", "html"}) {
    auto f = parse_export_format(n);
    ASSERT_TRUE(f.ok()) << n;
    EXPECT_EQ(export_format_name(*f), n);
  }
  auto bad = parse_export_format("xlsx");
  EXPECT_EQ(bad.status().message(),
            "recon: unknown export format 'xlsx' (expected csv, jsonl, journal, summary or html)");
}

}  // namespace
}  // namespace usd1pay
