// export_settlement() on a real SQLite store file: the CSV read back by
// Python's csv module (a strict RFC 4180 reader nobody here wrote) into
// exactly the expected rows, hostile order ids included; byte-identical
// exports; the manifest (its SHA-256 is the file's); nothing left behind on
// failure; streaming to a callback.
#include <dirent.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/store_fixtures.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "usd1pay/encoding.h"
#include "usd1pay/hash.h"
#include "usd1pay/recon.h"
#include "usd1pay/store.h"

namespace usd1pay {
namespace {

using testing::read_file;
using testing::run_process;
using testing::TempDir;
using testing::write_file;

constexpr char kEth[] = "eip155:1";
constexpr char kToken[] = "0x8d0D000Ee44948FC98c9B98A4FA4921476f08B0d";
constexpr std::int64_t kT0 = 1700000000000;
const std::string kHostile = "A,\"1\"\r\nline \xc3\xa9\xf0\x9f\x98\x80";

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

class ExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteStoreOptions o;
    o.path = dir_.file("store.db");
    auto s = open_sqlite_store(o);
    ASSERT_TRUE(s.ok()) << to_string(s.status());
    store_ = std::move(s).value();
    add("pi_1", kHostile, "succeeded");
    add("pi_2", "plain", "underpaid");
    add("pi_3", "comma,order", "expired");
    ApplyScanParams p;
    p.chain = kEth;
    p.new_next_block = 10;
    p.at_ms = kT0;
    p.upsert_payments = {payment("py_1", "pi_1", "25000000"), payment("py_2", "pi_2", "20500000"),
                         payment("py_3", "", "1000000")};
    Status st = store_->apply_scan(p);
    ASSERT_TRUE(st.ok()) << to_string(st);
    out_dir_ = dir_.file("out");
    ASSERT_EQ(run_process({"mkdir", out_dir_}).exit_code, 0);
  }

  void add(const std::string& id, const std::string& order, const std::string& status) {
    IntentRow r = testing::sample_intent(id);
    r.order_id = order;
    r.status = status;
    r.chain = kEth;
    r.token_contract = kToken;
    r.token_decimals = 6;
    r.amount_base_units = "25000000";
    r.deposit_address = "0xdep_" + id;
    r.created_at_ms = kT0;
    r.updated_at_ms = kT0;
    r.expires_at_ms = kT0 + 900000;
    CreateIntentParams p = testing::sample_create(std::move(r), "test");
    p.created.id = "evt_" + id;
    auto c = store_->create_intent(p);
    ASSERT_TRUE(c.ok()) << to_string(c.status());
  }

  static PaymentRow payment(const std::string& id, const std::string& intent,
                            const std::string& amount) {
    PaymentRow p;
    p.id = id;
    p.chain = kEth;
    p.tx_hash = "0x" + std::string(64, id.back());
    p.log_index = 0;
    p.block_number = 5;
    p.block_hash = "0xbb";
    p.block_time = kT0 / 1000 + 60;
    p.token_contract = kToken;
    p.from_address = "0xpayer";
    p.to_address = intent.empty() ? "0xmerchant" : "0xdep_" + intent;
    p.amount_base_units = amount;
    p.intent_id = intent;
    p.status = "final";
    p.detected_at_ms = kT0 + 60000;
    p.final_at_ms = kT0 + 120000;
    p.updated_at_ms = kT0 + 120000;
    return p;
  }

  Result<ExportResult> export_to(const std::string& name, ExportFormat f = ExportFormat::kCsv,
                                 bool manifest = false, const std::string& orders = "") {
    ExportParams p;
    p.format = f;
    p.out_path = out_dir_ + "/" + name;
    p.manifest = manifest;
    p.reconcile.orders_file = orders;
    return export_settlement(*store_, p);
  }

  TempDir dir_;
  std::string out_dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(ExportTest, CsvParsedByPythonIntoExactlyTheExpectedRows) {
  auto r = export_to("s.csv");
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(r->records, 4u);
  EXPECT_EQ(r->rows, 4u);
  const char* script =
      "import csv, json, sys\n"
      "with open(sys.argv[1], newline='', encoding='utf-8', errors='strict') as f:\n"
      "    rows = list(csv.reader(f, strict=True))\n"
      "print(json.dumps(rows))\n";
  const auto py = run_process({"python3", "-c", script, out_dir_ + "/s.csv"});
  ASSERT_EQ(py.exit_code, 0) << py.err;
  const auto rows = nlohmann::json::parse(py.out);
  ASSERT_EQ(rows.size(), 5u);
  const std::vector<std::string> header = rows[0];
  ASSERT_EQ(header.size(), 24u);
  EXPECT_EQ(header[0], "schema_version");
  EXPECT_EQ(header[2], "order_id");
  auto col = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const std::vector<std::vector<std::string>> want = {
      // order_id, intent_id, status, amount_expected, amount_received, difference, final
      {kHostile, "pi_1", "matched", "25.00", "25.00", "0.00", "true"},
      {"plain", "pi_2", "underpaid", "25.00", "20.50", "-4.50", "true"},
      {"comma,order", "pi_3", "expired_unpaid", "25.00", "", "-25.00", "false"},
      {"", "", "unmatched_transfer", "", "1.00", "", "true"},
  };
  for (std::size_t i = 0; i < want.size(); ++i) {
    const std::vector<std::string> row = rows[i + 1];
    ASSERT_EQ(row.size(), 24u);
    EXPECT_EQ(row[0], "1");
    EXPECT_EQ(row[col("order_id")], want[i][0]) << i;
    EXPECT_EQ(row[col("intent_id")], want[i][1]) << i;
    EXPECT_EQ(row[col("status")], want[i][2]) << i;
    EXPECT_EQ(row[col("amount_expected")], want[i][3]) << i;
    EXPECT_EQ(row[col("amount_received")], want[i][4]) << i;
    EXPECT_EQ(row[col("difference")], want[i][5]) << i;
    EXPECT_EQ(row[col("final")], want[i][6]) << i;
  }
  const std::vector<std::string> first = rows[1];
  EXPECT_EQ(first[col("settlement_time")], "2023-11-14T22:15:20Z");
  EXPECT_EQ(first[col("block_time")], "2023-11-14T22:14:20Z");
  EXPECT_EQ(first[col("tx_hash")], "0x" + std::string(64, '1'));
  EXPECT_EQ(first[col("log_index")], "0");
}

TEST_F(ExportTest, TwoExportsAreByteIdenticalInEveryStreamedFormat) {
  for (ExportFormat f : {ExportFormat::kCsv, ExportFormat::kJsonl}) {
    const std::string ext(export_format_name(f));
    ASSERT_TRUE(export_to("a." + ext, f).ok());
    ASSERT_TRUE(export_to("b." + ext, f).ok());
    const std::string a = read_file(out_dir_ + "/a." + ext);
    EXPECT_FALSE(a.empty());
    EXPECT_EQ(a, read_file(out_dir_ + "/b." + ext)) << ext;
  }
}

TEST_F(ExportTest, ManifestProvesTheFile) {
  auto r = export_to("m.csv", ExportFormat::kCsv, true);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(r->manifest_path, out_dir_ + "/m.csv.manifest.json");
  const std::string data = read_file(out_dir_ + "/m.csv");
  const std::string sha = hex_encode(sha256(std::string_view(data)));
  EXPECT_EQ(r->sha256_hex, sha);
  EXPECT_EQ(r->bytes, data.size());
  const auto m = nlohmann::json::parse(read_file(r->manifest_path));
  EXPECT_EQ(m["manifest_version"], 1);
  EXPECT_EQ(m["schema_version"], 1);
  EXPECT_EQ(m["file"], "m.csv");
  EXPECT_EQ(m["format"], "csv");
  EXPECT_EQ(m["sha256"], sha);
  EXPECT_EQ(m["bytes"], data.size());
  EXPECT_EQ(m["records"], 4);
  EXPECT_EQ(m["rows"], 4);
  EXPECT_TRUE(m["filters"]["from"].is_null());
  EXPECT_TRUE(m["filters"]["orders_file"].is_null());
  // The unmatched transfer's token is learnt from the intents: USD too.
  ASSERT_EQ(m["totals"].size(), 1u);
  EXPECT_EQ(m["totals"][0]["currency"], "USD");
  EXPECT_EQ(m["totals"][0]["records"], 4);
  EXPECT_EQ(m["totals"][0]["received_final"], "46.50");  // 25 + 20.5 + 1
  EXPECT_EQ(m["records_by_status"]["matched"], 1);
  EXPECT_EQ(m["records_by_status"]["expired_unpaid"], 1);
  EXPECT_TRUE(m["created_at"].is_string());
}

TEST_F(ExportTest, FailureLeavesNothingBehind) {
  write_file(dir_.file("orders.csv"), "order_id,amount\nx,1\n");
  auto bad = export_to("f.csv", ExportFormat::kCsv, true, dir_.file("orders.csv"));
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(list_dir(out_dir_), std::vector<std::string>{});
  // An existing file is not replaced by a failed export.
  write_file(out_dir_ + "/keep.csv", "old");
  bad = export_to("keep.csv", ExportFormat::kCsv, true, dir_.file("orders.csv"));
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(read_file(out_dir_ + "/keep.csv"), "old");
  EXPECT_EQ(list_dir(out_dir_), std::vector<std::string>{"keep.csv"});
  // A writer that fails mid-way (here the record is not UTF-8).
  CreateIntentParams p;
  p.intent.id = "pi_9";
  p.intent.order_id = std::string("bad\xff", 4);
  p.intent.status = "requires_payment";
  p.intent.chain = kEth;
  p.intent.token_symbol = "USD1";
  p.intent.token_contract = kToken;
  p.intent.token_decimals = 6;
  p.intent.amount = "1";
  p.intent.currency = "USD";
  p.intent.amount_base_units = "1000000";
  p.intent.strategy = "xpub";
  p.intent.deposit_address = "0xdep9";
  p.intent.metadata_json = "{}";
  p.intent.request_hash = "rh";
  p.intent.expires_at_ms = kT0;
  p.created.id = "evt_9";
  p.created.type = "intent.created";
  p.created.actor = "t";
  ASSERT_TRUE(store_->create_intent(p).ok());
  bad = export_to("g.csv", ExportFormat::kCsv, true);
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("order_id is not valid UTF-8 at byte 3"),
            std::string::npos);
  EXPECT_EQ(list_dir(out_dir_), std::vector<std::string>{"keep.csv"});
  // A directory that does not exist.
  ExportParams q;
  q.out_path = dir_.file("nowhere/x.csv");
  EXPECT_EQ(export_settlement(*store_, q).status().code(), ErrorCode::kIo);
}

TEST_F(ExportTest, StreamsToACallbackAndRefusesAManifestWithoutAFile) {
  std::string got;
  ExportParams p;
  p.format = ExportFormat::kJsonl;
  p.out = [&](std::string_view b) {
    got.append(b);
    return Status();
  };
  auto r = export_settlement(*store_, p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(std::count(got.begin(), got.end(), '\n'), 4);
  EXPECT_EQ(r->bytes, got.size());
  EXPECT_EQ(r->sha256_hex, hex_encode(sha256(std::string_view(got))));
  p.manifest = true;
  EXPECT_EQ(export_settlement(*store_, p).status().code(), ErrorCode::kInvalidArgument);
  ExportParams none;
  EXPECT_EQ(export_settlement(*store_, none).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace usd1pay
