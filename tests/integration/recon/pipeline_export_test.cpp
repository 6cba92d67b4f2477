// The pipelined export (store pages read ahead on reader threads, the file
// hashed and written on a writing thread) against the single-thread export
// on the same real SQLite store: byte-identical files, results and manifests
// in every format, with the production sizes and with tiny ones (pages of
// one row, channels of one item, one-byte chunks) run many times to shake
// out ordering bugs; a write that fails on the writing thread fails the
// export and leaves nothing behind.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "recon/pipeline.h"
#include "recon/recon_internal.h"
#include "support/store_fixtures.h"
#include "support/temp_dir.h"
#include "usd1pay/recon.h"
#include "usd1pay/store.h"

namespace usd1pay {
namespace {

using recon_internal::export_settlement_with;
using recon_internal::PipelineOptions;
using testing::read_file;
using testing::TempDir;
using testing::write_file;

constexpr char kEth[] = "eip155:1";
constexpr char kBase[] = "eip155:8453";
constexpr char kToken[] = "0x8d0D000Ee44948FC98c9B98A4FA4921476f08B0d";
constexpr char kMerchant[] = "0x000000000000000000000000000000000000dEaD";
constexpr std::int64_t kT0 = 1700000000000;
constexpr int kIntents = 150;

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

std::string num(int k) {
  std::string s = std::to_string(k);
  return std::string(4 - s.size(), '0') + s;
}

class PipelineExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteStoreOptions o;
    o.path = dir_.file("store.db");
    o.synchronous = SqliteSynchronous::kNormal;  // test data: no fsync per intent
    auto s = open_sqlite_store(o);
    ASSERT_TRUE(s.ok()) << to_string(s.status());
    store_ = std::move(s).value();
    // Every kind of record: statuses, several / zero / orphaned / pending /
    // wrong-network payments, static intents, 6 and 18 decimals (amounts
    // beyond 64 bits), hostile order ids, unmatched transfers.
    const char* statuses[] = {"succeeded",  "underpaid", "expired",  "requires_payment",
                              "processing", "paid_late", "canceled", "succeeded"};
    std::vector<PaymentRow> pays;
    std::string orders = "order_id,amount,currency,created_at\r\n";
    for (int k = 0; k < kIntents; ++k) {
      const std::string id = "pi_" + num(k);
      IntentRow r = testing::sample_intent(id);
      r.status = statuses[k % 8];
      r.chain = kEth;
      r.token_contract = kToken;
      r.strategy = k % 11 == 0 ? "static" : (k % 13 == 0 ? "reference" : "xpub");
      r.deposit_address = r.strategy == "static" ? kMerchant : "0xdep_" + id;
      const bool six = k % 3 != 0;
      r.token_decimals = six ? 6 : 18;
      r.amount = k % 4 == 0 ? "25.5" : "25.00";
      r.amount_base_units = six ? (k % 4 == 0 ? "25500000" : "25000000")
                                : (k % 4 == 0 ? "25500000000000000000" : "25000000000000000000");
      r.order_id = k % 17 == 0 ? "A,\"" + num(k) + "\"\r\nline \xc3\xa9" : "order-" + num(k);
      r.created_at_ms = kT0 + k * 1000;
      r.updated_at_ms = r.created_at_ms + 500;
      r.expires_at_ms = r.created_at_ms + 900000;
      CreateIntentParams c = testing::sample_create(r, "test");
      auto made = store_->create_intent(c);
      ASSERT_TRUE(made.ok()) << to_string(made.status());
      // Orders: most intents, in a shuffled order, quoted where needed; a
      // few amounts / currencies that differ.
      if (k % 19 != 5) {
        const std::string oid = r.order_id;
        std::string quoted = "\"";
        for (char ch : oid) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        quoted += "\"";
        const std::string amount = k % 23 == 0 ? "26" : (k % 4 == 0 ? "25.50" : "25");
        const std::string cur = k % 29 == 0 ? "EUR" : (k % 2 == 0 ? "usd" : "USD");
        lines_.push_back(quoted + "," + amount + "," + cur + ",2023-11-14T00:00:00Z\r\n");
      }
      const std::string units = six ? "25000000" : "25000000000000000000";
      const int payments = k % 5;  // 0..4 payments
      for (int j = 0; j < payments; ++j) {
        PaymentRow p;
        p.id = "py_" + num(k) + "_" + std::to_string(j);
        p.chain = j == 3 ? kBase : kEth;
        p.tx_hash = "0x" + num(k) + std::to_string(j);
        p.log_index = static_cast<std::uint32_t>(j);
        p.block_number = static_cast<std::uint64_t>(100 + k);
        p.block_hash = "0xb" + num(k);
        p.block_time = kT0 / 1000 + k + 60;
        p.token_contract = kToken;
        p.from_address = "0xpayer" + std::to_string(j);
        p.to_address = r.deposit_address;
        p.amount_base_units = j == 2 && k % 2 == 0 ? "0" : (j == 1 ? units.substr(1) : units);
        p.intent_id = id;
        // Open intents hold pending payments only (the tracker would have
        // moved them on a final one).
        const bool open = r.status == "requires_payment" || r.status == "processing";
        p.status = j == 1 && k % 3 == 0 ? "orphaned" : (open || k % 7 == 0 ? "pending" : "final");
        if (j == 3) p.flags_json = R"(["wrong_network"])";
        p.detected_at_ms = kT0 + k * 1000 + 10000;
        p.final_at_ms = p.status == "final" ? p.detected_at_ms + 10000 : 0;
        p.updated_at_ms = p.detected_at_ms + 20000;
        pays.push_back(p);
      }
    }
    for (int u = 0; u < 40; ++u) {  // unmatched transfers, some of unknown tokens
      PaymentRow p;
      p.id = "py_u" + num(u);
      p.chain = kEth;
      p.tx_hash = "0xu" + num(u);
      p.log_index = 0;
      p.block_number = static_cast<std::uint64_t>(90 + u % 7);
      p.block_hash = "0xbu";
      p.block_time = kT0 / 1000 + u;
      p.token_contract = u % 4 == 0 ? "0xother" : kToken;
      p.from_address = "0xstranger";
      p.to_address = kMerchant;
      p.amount_base_units = std::to_string(1000000 + u);
      p.status = u % 9 == 0 ? "orphaned" : "final";
      p.detected_at_ms = kT0 + u;
      p.final_at_ms = p.status == "final" ? kT0 + u + 5 : 0;
      p.updated_at_ms = kT0 + u + 9;
      pays.push_back(p);
    }
    for (int x = 0; x < 12; ++x) {  // orders no intent carries
      lines_.push_back("extra-" + num(x) + ",9.99,USD,2023-11-13T10:00:00Z\r\n");
    }
    // Shuffled deterministically: the orders file is not in id order.
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      std::swap(lines_[i], lines_[(i * 7919 + 13) % lines_.size()]);
    }
    for (const std::string& l : lines_) orders += l;
    orders_path_ = dir_.file("orders.csv");
    write_file(orders_path_, orders);
    ApplyScanParams a;
    a.chain = kEth;
    a.new_next_block = 1000;
    a.at_ms = kT0;
    a.upsert_payments = std::move(pays);
    Status st = store_->apply_scan(a);
    ASSERT_TRUE(st.ok()) << to_string(st);
    out_dir_ = dir_.file("out");
    ASSERT_EQ(::mkdir(out_dir_.c_str(), 0700), 0);
  }

  struct Exported {
    ExportResult result;
    std::string bytes;
    nlohmann::json manifest;
  };

  ExportParams params(ExportFormat f, const std::string& name) const {
    ExportParams p;
    p.format = f;
    p.out_path = out_dir_ + "/" + name;
    p.reconcile.orders_file = orders_path_;
    if (f != ExportFormat::kCsv && f != ExportFormat::kJsonl) {
      // The journal, summary and report book every final payment in a named
      // token: the transfers of the token no intent uses are named by the
      // host (the CSV and JSON Lines keep them in base units).
      p.reconcile.token_info = [](const std::string&, const std::string& contract) {
        return contract == "0xother"
                   ? std::optional<ReconTokenInfo>(ReconTokenInfo{6, "OTH", "USD"})
                   : std::nullopt;
      };
    }
    return p;
  }

  Exported run(ExportFormat f, const PipelineOptions& o, const std::string& name) {
    ExportParams p = params(f, name);
    p.manifest = true;
    auto r = export_settlement_with(*store_, p, o);
    Exported e;
    EXPECT_TRUE(r.ok()) << to_string(r.status());
    if (!r.ok()) return e;
    e.result = *r;
    e.bytes = read_file(p.out_path);
    e.manifest = nlohmann::json::parse(read_file(r->manifest_path));
    e.manifest.erase("created_at");  // differs between runs
    e.manifest.erase("file");        // the name given here
    return e;
  }

  static void expect_same(const Exported& a, const Exported& b, const std::string& what) {
    EXPECT_EQ(a.bytes, b.bytes) << what;
    EXPECT_EQ(a.result.records, b.result.records) << what;
    EXPECT_EQ(a.result.rows, b.result.rows) << what;
    EXPECT_EQ(a.result.bytes, b.result.bytes) << what;
    EXPECT_EQ(a.result.sha256_hex, b.result.sha256_hex) << what;
    EXPECT_EQ(a.manifest, b.manifest) << what;
  }

  TempDir dir_;
  std::string out_dir_;
  std::string orders_path_;
  std::vector<std::string> lines_;
  std::unique_ptr<Store> store_;
};

PipelineOptions single_thread() {
  PipelineOptions o;
  o.threads = false;
  return o;
}

TEST_F(PipelineExportTest, PipelinedExportIsByteIdenticalToTheSingleThreadOne) {
  for (ExportFormat f : {ExportFormat::kCsv, ExportFormat::kJsonl, ExportFormat::kJournal,
                         ExportFormat::kSummary, ExportFormat::kHtml}) {
    const std::string ext(export_format_name(f));
    const Exported ref = run(f, single_thread(), "ref." + ext);
    ASSERT_FALSE(ref.bytes.empty());
    // The public entry point is the pipelined one with the defaults.
    const ExportParams p = params(f, "public." + ext);
    auto pub = export_settlement(*store_, p);
    ASSERT_TRUE(pub.ok()) << to_string(pub.status());
    EXPECT_EQ(read_file(p.out_path), ref.bytes) << ext;
    EXPECT_EQ(pub->sha256_hex, ref.result.sha256_hex) << ext;
    // Every size on the CSV; the other formats (the same reader and writing
    // threads) with the extremes.
    const std::vector<std::size_t> pages = f == ExportFormat::kCsv
                                               ? std::vector<std::size_t>{1, 2, 7, 1000}
                                               : std::vector<std::size_t>{1, 1000};
    for (std::size_t page : pages) {
      PipelineOptions o;
      o.page_rows = page;
      o.read_ahead = 1;
      o.write_queue = 1;
      o.chunk_bytes = page == 1000 ? 4096 : page;  // down to 1-byte chunks
      expect_same(ref, run(f, o, "pipe." + ext), ext + " page " + std::to_string(page));
    }
  }
  // The CSV is what the data says: every intent, exception and order.
  const Exported csv = run(ExportFormat::kCsv, single_thread(), "check.csv");
  EXPECT_GT(csv.result.records, static_cast<std::uint64_t>(kIntents));
  EXPECT_EQ(csv.manifest["records_by_status"]["order_without_intent"], 12);
  EXPECT_GT(csv.manifest["records_by_status"]["order_mismatch"].get<int>(), 0);
  EXPECT_GT(csv.manifest["records_by_status"]["ambiguous"].get<int>() +
                csv.manifest["records_by_status"]["matched"].get<int>(),
            0);
}

TEST_F(PipelineExportTest, ManyRunsWithTinyQueuesStayIdentical) {
  const Exported ref = run(ExportFormat::kCsv, single_thread(), "ref.csv");
  for (int round = 0; round < 40; ++round) {
    PipelineOptions o;
    o.page_rows = 1 + static_cast<std::size_t>(round % 5);
    o.read_ahead = 1 + static_cast<std::size_t>(round % 2);
    o.write_queue = 1 + static_cast<std::size_t>(round % 3);
    o.chunk_bytes = 1 + static_cast<std::size_t>(round * 37 % 700);
    expect_same(ref, run(ExportFormat::kCsv, o, "r.csv"), "round " + std::to_string(round));
    if (::testing::Test::HasFailure()) break;
  }
}

TEST_F(PipelineExportTest, AWriteThatFailsOnTheWritingThreadFailsTheExportAndLeavesNothing) {
  // The file may not grow beyond 4 KB: write() fails with EFBIG (SIGXFSZ
  // ignored) on the writing thread, after the first chunks went through.
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto previous = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::vector<Result<ExportResult>> results;
  for (int round = 0; round < 10; ++round) {
    PipelineOptions o;
    o.page_rows = 1 + static_cast<std::size_t>(round % 3);
    o.write_queue = 1;
    o.chunk_bytes = 1000;
    ExportParams p;
    p.out_path = out_dir_ + "/big.csv";
    p.manifest = true;
    p.reconcile.orders_file = orders_path_;
    results.push_back(export_settlement_with(*store_, p, o));
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, previous);
  for (const auto& r : results) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kIo);
    EXPECT_NE(r.status().message().find("recon: writing "), std::string::npos)
        << r.status().message();
  }
  EXPECT_EQ(list_dir(out_dir_), std::vector<std::string>{});
  // And with the limit gone, the same export succeeds.
  EXPECT_FALSE(run(ExportFormat::kCsv, PipelineOptions(), "big.csv").bytes.empty());
}

}  // namespace
}  // namespace usd1pay
