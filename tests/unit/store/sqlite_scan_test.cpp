// The SQLite Store's streaming reads against a real database file (no
// mocks): scan_intents and scan_payments with a column subset
// (ScanIntentsParams::fields, ScanPaymentsParams::fields): a subset gives
// exactly the fields named (plus the scan's key), the others empty even in
// recycled rows that held values, the same pages as a full scan, and clear
// errors for names that are not fields. (Paging and recycling of full rows:
// tests/unit/recon/reconcile_test.cpp.)
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "support/store_fixtures.h"
#include "support/temp_dir.h"
#include "usd1pay/store.h"

namespace usd1pay {
namespace {

using testing::TempDir;
using Names = std::set<std::string>;

const std::vector<std::string> kIntentNames = {"id",
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
                                               "deposit_index",
                                               "reference",
                                               "payment_uri",
                                               "metadata_json",
                                               "idempotency_key",
                                               "request_hash",
                                               "flags_json",
                                               "created_at_ms",
                                               "updated_at_ms",
                                               "expires_at_ms",
                                               "version"};

const std::vector<std::string> kPaymentNames = {"id",
                                                "chain",
                                                "tx_hash",
                                                "log_index",
                                                "block_number",
                                                "block_hash",
                                                "block_time",
                                                "token_contract",
                                                "from_address",
                                                "to_address",
                                                "amount_base_units",
                                                "intent_id",
                                                "status",
                                                "flags_json",
                                                "detected_at_ms",
                                                "final_at_ms",
                                                "updated_at_ms",
                                                "final_head_block"};

/// `full` with every field not in `keep` emptied ("" / 0 / absent): what a
/// scan with that subset must give. Written out field by field, apart from
/// the store's own table.
IntentRow only(IntentRow r, const Names& keep) {
  auto k = [&](const char* name) { return keep.count(name) != 0; };
  if (!k("id")) r.id.clear();
  if (!k("order_id")) r.order_id.clear();
  if (!k("status")) r.status.clear();
  if (!k("chain")) r.chain.clear();
  if (!k("token_symbol")) r.token_symbol.clear();
  if (!k("token_contract")) r.token_contract.clear();
  if (!k("token_decimals")) r.token_decimals = 0;
  if (!k("amount")) r.amount.clear();
  if (!k("currency")) r.currency.clear();
  if (!k("amount_base_units")) r.amount_base_units.clear();
  if (!k("strategy")) r.strategy.clear();
  if (!k("deposit_address")) r.deposit_address.clear();
  if (!k("deposit_index")) r.deposit_index.reset();
  if (!k("reference")) r.reference.clear();
  if (!k("payment_uri")) r.payment_uri.clear();
  if (!k("metadata_json")) r.metadata_json.clear();
  if (!k("idempotency_key")) r.idempotency_key.reset();
  if (!k("request_hash")) r.request_hash.clear();
  if (!k("flags_json")) r.flags_json.clear();
  if (!k("created_at_ms")) r.created_at_ms = 0;
  if (!k("updated_at_ms")) r.updated_at_ms = 0;
  if (!k("expires_at_ms")) r.expires_at_ms = 0;
  if (!k("version")) r.version = 0;
  return r;
}

PaymentRow only(PaymentRow r, const Names& keep) {
  auto k = [&](const char* name) { return keep.count(name) != 0; };
  if (!k("id")) r.id.clear();
  if (!k("chain")) r.chain.clear();
  if (!k("tx_hash")) r.tx_hash.clear();
  if (!k("log_index")) r.log_index = 0;
  if (!k("block_number")) r.block_number = 0;
  if (!k("block_hash")) r.block_hash.clear();
  if (!k("block_time")) r.block_time = 0;
  if (!k("token_contract")) r.token_contract.clear();
  if (!k("from_address")) r.from_address.clear();
  if (!k("to_address")) r.to_address.clear();
  if (!k("amount_base_units")) r.amount_base_units.clear();
  if (!k("intent_id")) r.intent_id.clear();
  if (!k("status")) r.status.clear();
  if (!k("flags_json")) r.flags_json.clear();
  if (!k("detected_at_ms")) r.detected_at_ms = 0;
  if (!k("final_at_ms")) r.final_at_ms = 0;
  if (!k("updated_at_ms")) r.updated_at_ms = 0;
  if (!k("final_head_block")) r.final_head_block.reset();
  return r;
}

std::string dump(const IntentRow& r) {
  std::string s;
  for (const std::string* f :
       {&r.id, &r.order_id, &r.status, &r.chain, &r.token_symbol, &r.token_contract, &r.amount,
        &r.currency, &r.amount_base_units, &r.strategy, &r.deposit_address, &r.reference,
        &r.payment_uri, &r.metadata_json, &r.request_hash, &r.flags_json}) {
    s += *f + "|";
  }
  return s + std::to_string(r.token_decimals) + "|" +
         (r.deposit_index ? std::to_string(*r.deposit_index) : "<null>") + "|" +
         r.idempotency_key.value_or("<null>") + "|" + std::to_string(r.created_at_ms) + "|" +
         std::to_string(r.updated_at_ms) + "|" + std::to_string(r.expires_at_ms) + "|" +
         std::to_string(r.version);
}

std::string dump(const PaymentRow& r) {
  std::string s;
  for (const std::string* f :
       {&r.id, &r.chain, &r.tx_hash, &r.block_hash, &r.token_contract, &r.from_address,
        &r.to_address, &r.amount_base_units, &r.intent_id, &r.status, &r.flags_json}) {
    s += *f + "|";
  }
  return s + std::to_string(r.log_index) + "|" + std::to_string(r.block_number) + "|" +
         std::to_string(r.block_time) + "|" + std::to_string(r.detected_at_ms) + "|" +
         std::to_string(r.final_at_ms) + "|" + std::to_string(r.updated_at_ms) + "|" +
         (r.final_head_block ? std::to_string(*r.final_head_block) : "<null>");
}

class ScanFieldsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteStoreOptions o;
    o.path = dir_.file("store.db");
    auto store = open_sqlite_store(o);
    ASSERT_TRUE(store.ok()) << to_string(store.status());
    store_ = std::move(store).value();
    // Five intents with every field set to a value that is not the empty
    // one, and one (pi_5) with the optional fields absent.
    ApplyScanParams scan;
    scan.chain = testing::kSampleChain;
    scan.new_next_block = 200;
    scan.at_ms = testing::kSampleT0 + 9000;
    for (int k = 0; k < 6; ++k) {
      const std::string id = "pi_" + std::to_string(k);
      IntentRow r = testing::sample_intent(id);
      r.token_decimals = 6;
      r.strategy = k % 2 == 0 ? "static" : "xpub";
      r.reference = "ref-" + std::to_string(k);
      r.payment_uri = "ethereum:pay-" + std::to_string(k);
      r.metadata_json = R"({"k":)" + std::to_string(k) + "}";
      r.request_hash = "rh-" + std::to_string(k);
      r.flags_json = R"(["late"])";
      if (k != 5) {
        r.deposit_index = 40 + static_cast<std::uint32_t>(k);
        r.idempotency_key = "key-" + std::to_string(k);
      }
      r.created_at_ms = testing::kSampleT0 + k;
      r.updated_at_ms = testing::kSampleT0 + 100 + k;
      r.expires_at_ms = testing::kSampleT0 + 900000 + k;
      auto created = store_->create_intent(testing::sample_create(r));
      ASSERT_TRUE(created.ok()) << to_string(created.status());
      // Two payments of each intent but pi_5, and an unmatched one each.
      for (int j = 0; j < (k == 5 ? 0 : 2); ++j) {
        scan.upsert_payments.push_back(payment(k * 10 + j, id));
      }
      scan.upsert_payments.push_back(payment(100 + k, ""));
    }
    ASSERT_TRUE(store_->apply_scan(scan).ok());
  }

  /// A payment with every field set; `n` tells them apart.
  static PaymentRow payment(int n, const std::string& intent_id) {
    PaymentRow p;
    p.id = "py_" + std::to_string(n);
    p.chain = testing::kSampleChain;
    p.tx_hash = "0xt" + std::to_string(n);
    p.log_index = static_cast<std::uint32_t>(n % 3 + 1);
    p.block_number = 150 - static_cast<std::uint64_t>(n % 7);
    p.block_hash = "0xb" + std::to_string(p.block_number);
    p.block_time = 1700000000 + n;
    p.token_contract = testing::kSampleToken;
    p.from_address = "0xfrom" + std::to_string(n);
    p.to_address = testing::kSampleDeposit;
    p.amount_base_units = std::to_string(1000 + n);
    p.intent_id = intent_id;
    p.status = "final";
    p.flags_json = R"(["after_success"])";
    p.detected_at_ms = testing::kSampleT0 + 1000 + n;
    p.final_at_ms = testing::kSampleT0 + 5000 + n;
    p.updated_at_ms = p.final_at_ms;
    p.final_head_block = p.block_number + 12;
    return p;
  }

  /// Every page of a scan with `base`'s parameters, pages of `limit`,
  /// read into recycled rows that hold other values (when dirty).
  std::vector<IntentRow> intents(ScanIntentsParams base, std::size_t limit, bool dirty) {
    std::vector<IntentRow> all;
    base.limit = limit;
    IntentRow junk = testing::sample_intent("pi_junk_with_a_long_id_on_the_heap");
    junk.deposit_index = 9;
    junk.idempotency_key = "junk-key";
    junk.reference = "junk reference, long enough for the heap";
    std::vector<IntentRow> spare;
    for (;;) {
      if (dirty) spare.assign(limit + 1, junk);
      base.recycle = &spare;
      auto page = store_->scan_intents(base);
      EXPECT_TRUE(page.ok()) << to_string(page.status());
      if (!page.ok()) return all;
      all.insert(all.end(), page->begin(), page->end());
      if (page->size() < limit) return all;
      base.after_id = page->back().id;
    }
  }

  std::vector<PaymentRow> payments(ScanPaymentsParams base, std::size_t limit, bool dirty) {
    std::vector<PaymentRow> all;
    base.limit = limit;
    PaymentRow junk = payment(999, "pi_junk_with_a_long_id_on_the_heap");
    junk.block_hash = "junk block hash, long enough for the heap";
    std::vector<PaymentRow> spare;
    for (;;) {
      if (dirty) spare.assign(limit + 1, junk);
      base.recycle = &spare;
      auto page = store_->scan_payments(base);
      EXPECT_TRUE(page.ok()) << to_string(page.status());
      if (!page.ok()) return all;
      all.insert(all.end(), page->begin(), page->end());
      if (page->size() < limit) return all;
      const PaymentRow& l = page->back();
      base.after = PaymentScanKey{l.intent_id, l.block_number, l.log_index, l.chain, l.tx_hash};
    }
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(ScanFieldsTest, EachIntentFieldAloneGivesThatFieldAndTheIdOnly) {
  const std::vector<IntentRow> full = intents({}, 100, false);
  ASSERT_EQ(full.size(), 6u);
  EXPECT_FALSE(full[5].idempotency_key.has_value());  // the absent case is there
  EXPECT_EQ(full[1].idempotency_key, std::optional<std::string>("key-1"));
  for (const std::string& name : kIntentNames) {
    ScanIntentsParams p;
    p.fields = {name};
    for (const bool dirty : {false, true}) {
      for (const std::size_t limit : {1u, 4u, 100u}) {
        const std::vector<IntentRow> got = intents(p, limit, dirty);
        ASSERT_EQ(got.size(), full.size()) << name;
        for (std::size_t k = 0; k < full.size(); ++k) {
          EXPECT_EQ(dump(got[k]), dump(only(full[k], {"id", name})))
              << name << " limit " << limit << (dirty ? " recycled" : "");
        }
      }
    }
  }
}

TEST_F(ScanFieldsTest, EachPaymentFieldAloneGivesThatFieldAndTheScanKeyOnly) {
  const Names key = {"intent_id", "block_number", "log_index", "chain", "tx_hash"};
  for (const bool unmatched : {false, true}) {
    ScanPaymentsParams base;
    base.unmatched = unmatched;
    const std::vector<PaymentRow> full = payments(base, 100, false);
    ASSERT_EQ(full.size(), unmatched ? 6u : 10u);
    for (const std::string& name : kPaymentNames) {
      ScanPaymentsParams p = base;
      p.fields = {name};
      Names keep = key;
      keep.insert(name);
      for (const bool dirty : {false, true}) {
        for (const std::size_t limit : {1u, 3u, 100u}) {
          const std::vector<PaymentRow> got = payments(p, limit, dirty);
          ASSERT_EQ(got.size(), full.size()) << name;
          for (std::size_t k = 0; k < full.size(); ++k) {
            EXPECT_EQ(dump(got[k]), dump(only(full[k], keep)))
                << name << " limit " << limit << (dirty ? " recycled" : "")
                << (unmatched ? " unmatched" : "");
          }
        }
      }
    }
  }
}

TEST_F(ScanFieldsTest, TheReconcilersSubsetAndEveryFieldNamedMatchAFullScan) {
  const std::vector<IntentRow> full = intents({}, 100, false);
  // The fields sdk/recon/reconcile.cpp reads, in another order than the table's.
  const std::vector<std::string> recon = {
      "expires_at_ms",     "updated_at_ms", "created_at_ms", "deposit_address", "strategy",
      "amount_base_units", "currency",      "amount",        "token_decimals",  "token_contract",
      "token_symbol",      "chain",         "status",        "order_id",        "id"};
  ScanIntentsParams p;
  p.fields = recon;
  const std::vector<IntentRow> got = intents(p, 2, true);
  ASSERT_EQ(got.size(), full.size());
  for (std::size_t k = 0; k < full.size(); ++k) {
    EXPECT_EQ(dump(got[k]), dump(only(full[k], Names(recon.begin(), recon.end()))));
    EXPECT_TRUE(got[k].flags_json.empty());  // not "[]": a field not read is empty
    EXPECT_FALSE(got[k].deposit_index.has_value());
  }
  // Every field named: the same as none named.
  p.fields = kIntentNames;
  const std::vector<IntentRow> named = intents(p, 4, true);
  ASSERT_EQ(named.size(), full.size());
  for (std::size_t k = 0; k < full.size(); ++k) EXPECT_EQ(dump(named[k]), dump(full[k]));
  ScanPaymentsParams pp;
  pp.fields = kPaymentNames;
  const std::vector<PaymentRow> full_pays = payments({}, 100, false);
  const std::vector<PaymentRow> named_pays = payments(pp, 3, true);
  ASSERT_EQ(named_pays.size(), full_pays.size());
  for (std::size_t k = 0; k < full_pays.size(); ++k) {
    EXPECT_EQ(dump(named_pays[k]), dump(full_pays[k]));
  }
}

TEST_F(ScanFieldsTest, ASubsetCombinesWithTheStrategyFilter) {
  ScanIntentsParams p;
  p.strategy = "static";
  p.fields = {"strategy", "amount"};
  const std::vector<IntentRow> got = intents(p, 2, true);
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t k = 0; k < got.size(); ++k) {
    IntentRow want = testing::sample_intent("pi_" + std::to_string(2 * k));
    want.strategy = "static";
    EXPECT_EQ(dump(got[k]), dump(only(want, {"id", "strategy", "amount"})));
  }
}

TEST_F(ScanFieldsTest, NamesThatAreNotFieldsAreInvalidArgumentNamingThem) {
  auto intent_error = [&](std::vector<std::string> fields) {
    ScanIntentsParams p;
    p.fields = std::move(fields);
    auto r = store_->scan_intents(p);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    return r.status().message();
  };
  auto payment_error = [&](std::vector<std::string> fields) {
    ScanPaymentsParams p;
    p.fields = std::move(fields);
    auto r = store_->scan_payments(p);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    return r.status().message();
  };
  EXPECT_EQ(intent_error({"id", "colour"}),
            "store: scan_intents: fields[1] 'colour' is not a field of IntentRow");
  EXPECT_EQ(intent_error({"amount", "status", "amount"}),
            "store: scan_intents: fields[2] 'amount' is named twice");
  EXPECT_EQ(intent_error({"status", ""}), "store: scan_intents: fields[1] is empty");
  // Column names only: no SQL gets through, and case counts.
  EXPECT_EQ(intent_error({"Status"}),
            "store: scan_intents: fields[0] is not a field of IntentRow ('S' at position 0)");
  EXPECT_EQ(intent_error({"id, version"}),
            "store: scan_intents: fields[0] is not a field of IntentRow (',' at position 2)");
  EXPECT_EQ(intent_error({std::string("id\0x", 4)}),
            "store: scan_intents: fields[0] is not a field of IntentRow (byte 0x00 at position 2)");
  EXPECT_EQ(intent_error({"tx_hash"}),
            "store: scan_intents: fields[0] 'tx_hash' is not a field of IntentRow");
  EXPECT_EQ(payment_error({"order_id"}),
            "store: scan_payments: fields[0] 'order_id' is not a field of PaymentRow");
  EXPECT_EQ(payment_error({"status", "status"}),
            "store: scan_payments: fields[1] 'status' is named twice");
  // The key is read anyway, but naming it is allowed (once).
  ScanPaymentsParams p;
  p.fields = {"intent_id", "tx_hash"};
  EXPECT_TRUE(store_->scan_payments(p).ok());
  // A refused call leaves the rows handed back where they were.
  ScanIntentsParams bad;
  bad.fields = {"nope"};
  std::vector<IntentRow> spare(2);
  bad.recycle = &spare;
  EXPECT_FALSE(store_->scan_intents(bad).ok());
  EXPECT_EQ(spare.size(), 2u);
}

}  // namespace
}  // namespace usd1pay
