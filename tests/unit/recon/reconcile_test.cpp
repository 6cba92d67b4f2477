// reconcile() against a real SQLite store file with hand-made intents and
// payments covering every record status (no mocks): the records row by row,
// their order, the date filter, determinism, the orders file (and its
// errors), the store's keyset scans that feed it.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "recon/recon_internal.h"
#include "support/store_fixtures.h"
#include "support/temp_dir.h"
#include "usd1pay/recon.h"
#include "usd1pay/store.h"

namespace usd1pay {
namespace {

using testing::TempDir;
using testing::write_file;

constexpr char kEth[] = "eip155:1";
constexpr char kBase[] = "eip155:8453";
constexpr char kToken[] = "0x8d0D000Ee44948FC98c9B98A4FA4921476f08B0d";
constexpr char kMerchant[] = "0x000000000000000000000000000000000000dEaD";
constexpr std::int64_t kT0 = 1700000000000;  // 2023-11-14T22:13:20Z
constexpr std::int64_t kExpiry = kT0 + 900000;
const char kHostileOrder[] = "A,\"1\"\r\nline \xc3\xa9\xf0\x9f\x98\x80";

IntentRow intent(const std::string& id, const std::string& status,
                 const std::string& strategy = "xpub") {
  IntentRow r = testing::sample_intent(id);
  r.status = status;
  r.chain = kEth;
  r.token_contract = kToken;
  r.strategy = strategy;
  r.deposit_address = strategy == "static" ? kMerchant : "0xdep_" + id;
  r.created_at_ms = kT0;
  r.updated_at_ms = kT0 + 1000;
  r.expires_at_ms = kExpiry;
  return r;
}

PaymentRow payment(const std::string& id, const std::string& intent_id, std::uint64_t block,
                   const std::string& amount, const std::string& status = "final",
                   const std::string& chain = kEth) {
  PaymentRow p;
  p.id = id;
  p.chain = chain;
  p.tx_hash = "0xtx_" + id;
  p.log_index = 1;
  p.block_number = block;
  p.block_hash = "0xb" + std::to_string(block);
  p.block_time = kT0 / 1000 + static_cast<std::int64_t>(block);
  p.token_contract = kToken;
  p.from_address = "0xpayer";
  p.to_address = "0xdep_" + intent_id;
  p.amount_base_units = amount;
  p.intent_id = intent_id;
  p.status = status;
  p.detected_at_ms = kT0 + 10000 + static_cast<std::int64_t>(block);
  p.final_at_ms = status == "final" ? kT0 + 20000 + static_cast<std::int64_t>(block) : 0;
  p.updated_at_ms = kT0 + 30000 + static_cast<std::int64_t>(block);
  return p;
}

struct Collect : ReconSink {
  std::vector<ReconRecord> records;
  bool finished = false;
  Status on_record(const ReconRecord& r) override {
    records.push_back(r);
    return Status();
  }
  Status finish() override {
    finished = true;
    return Status();
  }
};

class ReconcileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteStoreOptions o;
    o.path = dir_.file("store.db");
    auto s = open_sqlite_store(o);
    ASSERT_TRUE(s.ok()) << to_string(s.status());
    store_ = std::move(s).value();
  }

  void add(const IntentRow& r) {
    auto c = store_->create_intent(testing::sample_create(r, "test"));
    ASSERT_TRUE(c.ok()) << to_string(c.status());
  }

  void pay(std::vector<PaymentRow> rows) {
    ApplyScanParams p;
    p.chain = kEth;
    p.expected_next_block = cursor_;
    p.new_next_block = ++next_;
    cursor_ = next_;
    p.upsert_payments = std::move(rows);
    p.at_ms = kT0;
    Status s = store_->apply_scan(p);
    ASSERT_TRUE(s.ok()) << to_string(s);
  }

  /// Every status at least once (docs/reconciliation.md's worked example).
  void scenario() {
    IntentRow a = intent("pi_a", "succeeded");
    a.order_id = kHostileOrder;
    add(a);
    add(intent("pi_b", "succeeded"));
    add(intent("pi_c", "underpaid"));
    add(intent("pi_d", "requires_payment"));
    add(intent("pi_e", "expired"));
    add(intent("pi_f", "paid_late"));
    add(intent("pi_g", "succeeded"));
    add(intent("pi_h", "requires_payment"));
    add(intent("pi_i", "requires_payment"));  // its order is not in the orders file
    add(intent("pi_j", "succeeded", "static"));
    IntentRow k = intent("pi_k", "requires_payment", "static");  // same amount, same window
    add(k);
    add(intent("pi_l", "requires_payment"));
    IntentRow m = intent("pi_m", "succeeded", "static");
    m.amount_base_units = "7000000000000000000";  // alone with its amount: not ambiguous
    m.amount = "7.00";
    add(m);
    PaymentRow late = payment("py_f", "pi_f", 1000, "25000000000000000000");
    PaymentRow wrong = payment("py_l", "pi_l", 6, "25000000000000000000", "final", kBase);
    wrong.flags_json = R"(["wrong_network"])";
    PaymentRow unmatched = payment("py_u", "", 9, "3500000000000000000");
    unmatched.to_address = kMerchant;
    PaymentRow spam = payment("py_z", "pi_a", 8, "0");
    PaymentRow jpay = payment("py_j", "pi_j", 7, "25000000000000000000");
    jpay.to_address = kMerchant;
    PaymentRow mpay = payment("py_m", "pi_m", 7, "7000000000000000000");
    mpay.to_address = kMerchant;
    pay({payment("py_a", "pi_a", 5, "25000000000000000000"),
         payment("py_b", "pi_b", 5, "26500000000000000000"),
         payment("py_c", "pi_c", 5, "20000000000000000000"), late,
         payment("py_g1", "pi_g", 5, "25000000000000000000"),
         payment("py_g2", "pi_g", 6, "25000000000000000000"),
         payment("py_h", "pi_h", 5, "25000000000000000000", "orphaned"), wrong, unmatched, spam,
         jpay, mpay});
    std::string orders = "order_id,amount,currency,created_at\r\n";
    orders += "\"A,\"\"1\"\"\r\nline \xc3\xa9\xf0\x9f\x98\x80\",25.00,USD,2023-11-14T22:00:00Z\r\n";
    // b: the shop's order says 24.00, the intent asked 25.00 (order_mismatch);
    // c: "25" is 25.00 and d: "usd" is USD (no mismatch); e: EUR, not USD.
    orders += "order-pi_b,24.00,USD,2023-11-14T22:00:00Z\r\n";
    orders += "order-pi_c,25,USD,2023-11-14T22:00:00Z\r\n";
    orders += "order-pi_d,25.00,usd,2023-11-14T22:00:00Z\r\n";
    orders += "order-pi_e,25.00,EUR,2023-11-14T22:00:00Z\r\n";
    for (const char* id : {"f", "g", "h", "j", "k", "l"}) {
      orders += std::string("order-pi_") + id + ",25.00,USD,2023-11-14T22:00:00Z\r\n";
    }
    orders += "order-pi_m,7.000,USD,2023-11-14T22:00:00Z\r\n";
    orders += "ORD-X,9.99,USD,2023-11-14T21:00:00Z\r\n";
    write_file(dir_.file("orders.csv"), orders);
  }

  std::vector<ReconRecord> run(ReconcileParams p = {}) {
    Collect c;
    Status s = reconcile(*store_, p, c);
    EXPECT_TRUE(s.ok()) << to_string(s);
    EXPECT_TRUE(c.finished);
    return c.records;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::optional<std::uint64_t> cursor_;
  std::uint64_t next_ = 0;
};

std::string row(const ReconRecord& r) {
  return r.intent_id + "|" + std::string(recon_status_name(r.status)) + "|" + r.payment_id + "|" +
         r.amount_expected + "|" + r.amount_received + "|" + r.difference + "|" +
         (r.final ? "F" : "-");
}

TEST_F(ReconcileTest, EveryStatusRowByRow) {
  scenario();
  ReconcileParams p;
  p.orders_file = dir_.file("orders.csv");
  const auto records = run(p);
  std::vector<std::string> got;
  for (const auto& r : records) got.push_back(row(r));
  const std::vector<std::string> want = {
      "pi_a|matched|py_a|25.00|25.00|0.00|F",   "pi_b|overpaid|py_b|25.00|26.50|1.50|F",
      "pi_b|order_mismatch||24.00|||-",         "pi_c|underpaid|py_c|25.00|20.00|-5.00|F",
      "pi_d|unpaid||25.00||-25.00|-",           "pi_e|expired_unpaid||25.00||-25.00|-",
      "pi_e|order_mismatch||25.00|||-",         "pi_f|paid_late|py_f|25.00|25.00|0.00|F",
      "pi_g|matched|py_g1|25.00|25.00|0.00|F",  "pi_g|duplicate_payment|py_g2|25.00|25.00|25.00|F",
      "pi_h|orphaned|py_h|25.00|25.00||-",      "pi_h|unpaid||25.00||-25.00|-",
      "pi_i|unpaid||25.00||-25.00|-",           "pi_i|intent_without_order||25.00|||-",
      "pi_j|ambiguous|py_j|25.00|25.00|0.00|F", "pi_k|unpaid||25.00||-25.00|-",
      "pi_l|wrong_network|py_l|25.00|25.00||F", "pi_l|unpaid||25.00||-25.00|-",
      "pi_m|matched|py_m|7.00|7.00|0.00|F",     "|unmatched_transfer|py_u||3.50||F",
      "|order_without_intent||9.99|||-",
  };
  EXPECT_EQ(got, want);
  ASSERT_EQ(records.size(), want.size());
  // Field details of a few rows.
  const ReconRecord& a = records[0];
  EXPECT_EQ(a.order_id, kHostileOrder);
  EXPECT_EQ(a.match_reason, "deposit_address");
  EXPECT_EQ(a.chain, kEth);
  EXPECT_EQ(a.token_symbol, "USD1");
  EXPECT_EQ(a.tx_hash, "0xtx_py_a");
  EXPECT_EQ(a.block_number, 5u);
  EXPECT_EQ(a.log_index, 1u);
  EXPECT_EQ(a.block_time, kT0 / 1000 + 5);
  EXPECT_EQ(a.settlement_time_ms, kT0 + 20005);  // final time
  EXPECT_EQ(a.currency, "USD");
  EXPECT_EQ(a.fiat_amount_at_par, "25.00");
  EXPECT_EQ(records[4].settlement_time_ms, kExpiry);       // open intent: its expiry
  EXPECT_EQ(records[10].settlement_time_ms, kT0 + 30005);  // orphaned: when it was orphaned
  EXPECT_EQ(records[14].match_reason, "static_amount_time");
  EXPECT_EQ(records[18].match_reason, "static_amount_time");
  EXPECT_EQ(records[16].chain, kBase);
  EXPECT_EQ(records[19].match_reason, "none");
  EXPECT_EQ(records[19].token_symbol, "USD1");  // learnt from the intents of the token
  EXPECT_EQ(records[19].deposit_address, kMerchant);
  EXPECT_EQ(records[20].order_id, "ORD-X");
  EXPECT_EQ(records[20].currency, "USD");
  EXPECT_EQ(records[20].settlement_time_ms, kT0 - 4400000);  // 21:00:00Z, the order's time
  // order_mismatch: the order's figures, matched by order id, placed at the
  // intent's creation; the intent's own figures are on its rows above.
  const ReconRecord& mb = records[2];
  EXPECT_EQ(mb.order_id, "order-pi_b");
  EXPECT_EQ(mb.match_reason, "order_id");
  EXPECT_EQ(mb.currency, "USD");
  EXPECT_EQ(mb.fiat_amount_at_par, "24.00");
  EXPECT_EQ(mb.settlement_time_ms, kT0);
  EXPECT_EQ(mb.tx_hash, "");
  EXPECT_EQ(records[6].currency, "EUR");
  EXPECT_EQ(records[6].amount_expected, "25.00");
}

TEST_F(ReconcileTest, WithoutOrdersFileNoOrderRecords) {
  scenario();
  const auto records = run();
  for (const auto& r : records) {
    EXPECT_NE(r.status, ReconStatus::kOrderWithoutIntent);
    EXPECT_NE(r.status, ReconStatus::kIntentWithoutOrder);
  }
  EXPECT_EQ(records.size(), 17u);
}

TEST_F(ReconcileTest, DeterministicAcrossRuns) {
  scenario();
  ReconcileParams p;
  p.orders_file = dir_.file("orders.csv");
  std::vector<std::string> a;
  std::vector<std::string> b;
  for (const auto& r : run(p)) a.push_back(row(r) + r.order_id);
  for (const auto& r : run(p)) b.push_back(row(r) + r.order_id);
  EXPECT_EQ(a, b);
}

TEST_F(ReconcileTest, DateFilterIsHalfOpenOnSettlementTime) {
  scenario();
  ReconcileParams p;
  p.from_ms = kT0 + 20005;  // py_a's final time, included
  p.to_ms = kT0 + 20006;    // excluded
  const auto records = run(p);
  std::vector<std::string> got;
  for (const auto& r : records) got.push_back(r.payment_id);
  EXPECT_EQ(got, (std::vector<std::string>{"py_a", "py_b", "py_c", "py_g1"}));
  ReconcileParams bad;
  bad.from_ms = 2;
  bad.to_ms = 1;
  Collect c;
  EXPECT_EQ(reconcile(*store_, bad, c).code(), ErrorCode::kInvalidArgument);
}

TEST_F(ReconcileTest, ManyIntentsAcrossPagesMergeJoin) {
  // 2500 intents (3 pages) with 1 or 2 payments each: every payment lands on
  // its own intent, in id order.
  std::vector<PaymentRow> pays;
  for (int n = 0; n < 2500; ++n) {
    char id[16];
    std::snprintf(id, sizeof id, "pi_%05d", n);
    add(intent(id, "succeeded"));
    pays.push_back(payment(std::string("py_") + id, id, 5, "25000000000000000000"));
    if (n % 3 == 0) {
      pays.push_back(payment(std::string("py2_") + id, id, 6, "1000000000000000000"));
    }
  }
  pay(std::move(pays));
  const auto records = run();
  ASSERT_EQ(records.size(), 2500u + 834u);
  std::size_t k = 0;
  for (int n = 0; n < 2500; ++n) {
    char id[16];
    std::snprintf(id, sizeof id, "pi_%05d", n);
    ASSERT_EQ(records[k].intent_id, id);
    EXPECT_EQ(records[k].payment_id, std::string("py_") + id);
    EXPECT_EQ(records[k].status, ReconStatus::kMatched);
    ++k;
    if (n % 3 == 0) {
      EXPECT_EQ(records[k].payment_id, std::string("py2_") + id);
      EXPECT_EQ(records[k].status, ReconStatus::kDuplicatePayment);
      ++k;
    }
  }
}

// Each intent finds its own order whether the order ids grow with the intent
// ids (the next order is checked first), run against them, or skip some:
// intents 0..59, orders in a different sequence, every 7th intent without
// order, and three orders of no intent between the others.
TEST_F(ReconcileTest, OrdersFoundInAnySequenceOfOrderIds) {
  std::string orders = "order_id,amount,currency,created_at\r\n";
  for (int n = 0; n < 60; ++n) {
    char id[16];
    std::snprintf(id, sizeof id, "pi_%02d", n);
    IntentRow r = intent(id, "requires_payment");
    // Ascending for 0..29, descending for 30..59.
    char order[16];
    std::snprintf(order, sizeof order, "o-%02d", n < 30 ? n : 89 - n);
    r.order_id = order;
    add(r);
    if (n % 7 != 3) orders += std::string(order) + "," + r.amount + ",USD,2023-11-14T22:00:00Z\r\n";
  }
  orders += "o-29x,1.00,USD,2023-11-14T22:00:00Z\r\n";
  orders += "o-00x,1.00,USD,2023-11-14T22:00:00Z\r\n";
  orders += "o-75x,1.00,USD,2023-11-14T22:00:00Z\r\n";
  write_file(dir_.file("seq.csv"), orders);
  ReconcileParams p;
  p.orders_file = dir_.file("seq.csv");
  const auto records = run(p);
  std::vector<std::string> without_order;
  std::vector<std::string> without_intent;
  std::size_t unpaid = 0;
  for (const ReconRecord& r : records) {
    if (r.status == ReconStatus::kIntentWithoutOrder) without_order.push_back(r.intent_id);
    if (r.status == ReconStatus::kOrderWithoutIntent) without_intent.push_back(r.order_id);
    if (r.status == ReconStatus::kUnpaid) ++unpaid;
    EXPECT_NE(r.status, ReconStatus::kOrderMismatch) << r.intent_id;
  }
  EXPECT_EQ(unpaid, 60u);
  EXPECT_EQ(without_order, (std::vector<std::string>{"pi_03", "pi_10", "pi_17", "pi_24", "pi_31",
                                                     "pi_38", "pi_45", "pi_52", "pi_59"}));
  EXPECT_EQ(without_intent, (std::vector<std::string>{"o-00x", "o-29x", "o-75x"}));
}

// Issue 6 item: an overpayment spread over two payments. Reconcile's
// cumulative difference and the journal agree: receivable takes the 10 due,
// the 2 over it is customer credit.
TEST_F(ReconcileTest, OverpaymentSplitAcrossPaymentsJournalAgreesWithTheRecords) {
  IntentRow i = intent("pi_s", "succeeded");
  i.amount = "10.00";
  i.amount_base_units = "10000000000000000000";
  add(i);
  pay({payment("py_s1", "pi_s", 5, "6000000000000000000"),
       payment("py_s2", "pi_s", 6, "6000000000000000000")});
  const auto records = run();
  std::vector<std::string> got;
  for (const auto& r : records) got.push_back(row(r));
  EXPECT_EQ(got, (std::vector<std::string>{"pi_s|matched|py_s1|10.00|6.00|-4.00|F",
                                           "pi_s|overpaid|py_s2|10.00|6.00|2.00|F"}));
  ExportParams ep;
  ep.format = ExportFormat::kJournal;
  std::string text;
  ep.out = [&](std::string_view b) {
    text.append(b);
    return Status();
  };
  auto res = export_settlement(*store_, ep);
  ASSERT_TRUE(res.ok()) << to_string(res.status());
  // account,debit,credit of each line (columns 4..6 of the journal).
  std::vector<std::string> lines;
  std::size_t pos = text.find("\r\n") + 2;
  while (pos < text.size()) {
    const std::size_t end = text.find("\r\n", pos);
    std::vector<std::string> f;
    std::size_t a = pos;
    for (int k = 0; k < 6; ++k) {
      const std::size_t c = text.find(',', a);
      f.push_back(text.substr(a, c - a));
      a = c + 1;
    }
    lines.push_back(f[3] + "|" + f[4] + "|" + f[5]);
    pos = end + 2;
  }
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "Assets:Stablecoin:eip155:1:USD1|6.00|",
                       "Assets:Accounts Receivable||6.00",
                       "Assets:Stablecoin:eip155:1:USD1|6.00|",
                       "Assets:Accounts Receivable||4.00",
                       "Liabilities:Customer Credits||2.00",
                   }));
}

TEST_F(ReconcileTest, ConfirmationsAtSettlementComeFromTheHeadAtFinality) {
  add(intent("pi_c1", "succeeded"));
  add(intent("pi_c2", "requires_payment"));
  PaymentRow counted = payment("py_c1", "pi_c1", 5, "25000000000000000000");
  counted.final_head_block = 16;  // final when the head was 16: 12 confirmations
  PaymentRow old = payment("py_c0", "pi_c1", 7, "1000000000000000000");  // before schema 5
  PaymentRow pending = payment("py_c2", "pi_c2", 9, "25000000000000000000", "pending");
  pay({counted, old, pending});
  const auto records = run();
  ASSERT_EQ(records.size(), 3U);
  EXPECT_EQ(records[0].payment_id, "py_c1");
  EXPECT_EQ(records[0].confirmations_at_settlement, std::optional<std::uint64_t>(12));
  EXPECT_EQ(records[1].payment_id, "py_c0");
  EXPECT_FALSE(records[1].confirmations_at_settlement.has_value());  // unknown: empty
  EXPECT_EQ(records[2].payment_id, "py_c2");
  EXPECT_FALSE(records[2].confirmations_at_settlement.has_value());  // not settled
}

TEST_F(ReconcileTest, LookupByAddressFindsDepositPayerAndRecipientInAnyLetterCase) {
  IntentRow i = intent("pi_x", "succeeded");
  i.deposit_address = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
  add(i);
  IntentRow sol = intent("pi_sol", "requires_payment");
  sol.deposit_address = "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV";
  add(sol);
  add(intent("pi_other", "requires_payment"));
  PaymentRow in = payment("py_x", "pi_x", 5, "25000000000000000000");
  in.to_address = i.deposit_address;
  in.from_address = "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359";
  PaymentRow stray = payment("py_y", "", 6, "1000000000000000000");
  stray.from_address = "0xFB6916095CA1DF60BB79CE92CE3EA74C37C5D359";
  stray.to_address = kMerchant;
  pay({in, stray});
  auto ids = [](const LookupResult& r) {
    std::vector<std::string> out;
    for (const auto& x : r.intents) out.push_back(x.id);
    for (const auto& x : r.payments) out.push_back(x.id);
    return out;
  };
  using V = std::vector<std::string>;
  // The deposit address, lower case: the intent and its payment.
  auto r = lookup(*store_, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(ids(*r), (V{"pi_x", "py_x"}));
  // The payer, checksummed: both of its payments, and the intent of one.
  r = lookup(*store_, "0xFb6916095ca1df60bB79Ce92cE3Ea74c37c5d359");
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(ids(*r), (V{"pi_x", "py_x", "py_y"}));
  // Base58 is case-sensitive: exact finds it, another case does not.
  r = lookup(*store_, "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ids(*r), (V{"pi_sol"}));
  r = lookup(*store_, "7ecdhsygxxyscszyep35khn8vvw3svaulktzxwcfltv");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(ids(*r).empty());
  r = lookup(*store_, "0x1111111111111111111111111111111111111111");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(ids(*r).empty());
}

TEST_F(ReconcileTest, MalformedOrdersFileFailsBeforeAnyRecord) {
  scenario();
  write_file(dir_.file("bad.csv"), "order_id,amount,currency,created_at\nX,1.0,USD,yesterday\n");
  ReconcileParams p;
  p.orders_file = dir_.file("bad.csv");
  Collect c;
  const Status s = reconcile(*store_, p, c);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message().rfind(dir_.file("bad.csv") + ":2:11: created time 'yesterday'", 0), 0u)
      << s.message();
  EXPECT_TRUE(c.records.empty());
  EXPECT_FALSE(c.finished);
  p.orders_file = dir_.file("missing.csv");
  EXPECT_EQ(reconcile(*store_, p, c).code(), ErrorCode::kIo);
}

TEST_F(ReconcileTest, StoreScansPageByKey) {
  scenario();
  ScanIntentsParams ip;
  ip.limit = 5;
  std::vector<std::string> ids;
  for (;;) {
    auto page = store_->scan_intents(ip);
    ASSERT_TRUE(page.ok());
    for (const auto& r : *page) ids.push_back(r.id);
    if (page->size() < ip.limit) break;
    ip.after_id = page->back().id;
  }
  EXPECT_EQ(ids.size(), 13u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  ScanPaymentsParams pp;
  pp.limit = 2;
  std::vector<std::string> pays;
  for (;;) {
    auto page = store_->scan_payments(pp);
    ASSERT_TRUE(page.ok());
    for (const auto& r : *page) pays.push_back(r.id);
    if (page->size() < pp.limit) break;
    const auto& l = page->back();
    pp.after = PaymentScanKey{l.intent_id, l.block_number, l.log_index, l.chain, l.tx_hash};
  }
  EXPECT_EQ(pays, (std::vector<std::string>{"py_a", "py_z", "py_b", "py_c", "py_f", "py_g1",
                                            "py_g2", "py_h", "py_j", "py_l", "py_m"}));
  ScanPaymentsParams up;
  up.unmatched = true;
  auto u = store_->scan_payments(up);
  ASSERT_TRUE(u.ok());
  ASSERT_EQ(u->size(), 1u);
  EXPECT_EQ((*u)[0].id, "py_u");
  up.limit = 0;
  EXPECT_EQ(store_->scan_payments(up).status().code(), ErrorCode::kInvalidArgument);
  ip.limit = 100001;
  EXPECT_EQ(store_->scan_intents(ip).status().code(), ErrorCode::kInvalidArgument);
}

std::string dump(const IntentRow& r) {
  std::string s;
  for (const std::string* f :
       {&r.id, &r.order_id, &r.status, &r.chain, &r.token_symbol, &r.token_contract, &r.amount,
        &r.currency, &r.amount_base_units, &r.strategy, &r.deposit_address, &r.reference,
        &r.payment_uri, &r.metadata_json, &r.request_hash, &r.flags_json}) {
    s += *f + "|";
  }
  s += std::to_string(r.token_decimals) + "|" +
       (r.deposit_index ? std::to_string(*r.deposit_index) : "<null>") + "|" +
       r.idempotency_key.value_or("<null>") + "|" + std::to_string(r.created_at_ms) + "|" +
       std::to_string(r.updated_at_ms) + "|" + std::to_string(r.expires_at_ms) + "|" +
       std::to_string(r.version);
  return s;
}

std::string dump(const PaymentRow& r) {
  std::string s;
  for (const std::string* f :
       {&r.id, &r.chain, &r.tx_hash, &r.block_hash, &r.token_contract, &r.from_address,
        &r.to_address, &r.amount_base_units, &r.intent_id, &r.status, &r.flags_json}) {
    s += *f + "|";
  }
  s += std::to_string(r.log_index) + "|" + std::to_string(r.block_number) + "|" +
       std::to_string(r.block_time) + "|" + std::to_string(r.detected_at_ms) + "|" +
       std::to_string(r.final_at_ms) + "|" + std::to_string(r.updated_at_ms) + "|" +
       (r.final_head_block ? std::to_string(*r.final_head_block) : "<null>");
  return s;
}

// Pages read into recycled rows (ScanIntentsParams::recycle) are the same as
// fresh ones: every field overwritten, absent values reset, rows beyond the
// page dropped, whatever the recycled rows held.
TEST_F(ReconcileTest, ScansIntoRecycledRowsEqualFreshScans) {
  scenario();
  IntentRow dirty_intent = intent("pi_dirty_with_a_long_id_beyond_sso", "succeeded");
  dirty_intent.deposit_index = 77;
  dirty_intent.idempotency_key = "an-idempotency-key-that-is-long";
  dirty_intent.reference = "a long reference that needs the heap";
  PaymentRow dirty_pay = payment("py_dirty_with_a_long_id", "pi_dirty_with_a_long_id", 99, "1");
  dirty_pay.final_head_block = 12345;
  dirty_pay.flags_json = R"(["wrong_network","late"])";
  for (const std::size_t limit : {1u, 2u, 5u, 100u}) {
    ScanIntentsParams fresh;
    ScanIntentsParams reused;
    fresh.limit = reused.limit = limit;
    std::vector<IntentRow> spare(7, dirty_intent);
    bool saw_null_key = false;
    for (;;) {
      auto a = store_->scan_intents(fresh);
      reused.recycle = &spare;
      auto b = store_->scan_intents(reused);
      ASSERT_TRUE(a.ok() && b.ok());
      EXPECT_TRUE(spare.empty());
      ASSERT_EQ(a->size(), b->size()) << limit;
      for (std::size_t k = 0; k < a->size(); ++k) {
        EXPECT_EQ(dump((*a)[k]), dump((*b)[k])) << limit;
        saw_null_key = saw_null_key || !(*a)[k].idempotency_key;
      }
      if (a->size() < limit) break;
      fresh.after_id = reused.after_id = a->back().id;
      spare = std::move(b).value();
      spare.push_back(dirty_intent);  // more rows than a page: the tail goes
    }
    EXPECT_TRUE(saw_null_key);  // the reset of an absent value was exercised
    for (const bool unmatched : {false, true}) {
      ScanPaymentsParams pf;
      ScanPaymentsParams pr;
      pf.limit = pr.limit = limit;
      pf.unmatched = pr.unmatched = unmatched;
      std::vector<PaymentRow> spare_pays(3, dirty_pay);
      bool saw_null_head = false;
      for (;;) {
        auto a = store_->scan_payments(pf);
        pr.recycle = &spare_pays;
        auto b = store_->scan_payments(pr);
        ASSERT_TRUE(a.ok() && b.ok());
        ASSERT_EQ(a->size(), b->size()) << limit;
        for (std::size_t k = 0; k < a->size(); ++k) {
          EXPECT_EQ(dump((*a)[k]), dump((*b)[k])) << limit;
          saw_null_head = saw_null_head || !(*a)[k].final_head_block;
        }
        if (a->size() < limit) break;
        const auto& l = a->back();
        pf.after = pr.after =
            PaymentScanKey{l.intent_id, l.block_number, l.log_index, l.chain, l.tx_hash};
        spare_pays = std::move(b).value();
        spare_pays.insert(spare_pays.end(), 2, dirty_pay);
      }
      EXPECT_TRUE(saw_null_head);
    }
  }
}

// ---- the orders file ----

std::string parse_error(const std::string& text, OrdersCsvMapping m = {}) {
  auto r = recon_internal::parse_orders_csv(text, "orders.csv", m);
  if (r.ok()) return "ok";
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  return r.status().message();
}

constexpr char kHead[] = "order_id,amount,currency,created_at\r\n";

TEST(OrdersCsv, ReadsQuotedFieldsMappingAndSortsById) {
  OrdersCsvMapping m;
  m.order_id = "Order #";
  m.amount = "Total";
  m.currency = "Cur";
  m.created_at = "Date";
  const std::string text =
      "\xEF\xBB\xBFNote,Order #,Total,Cur,Date\n"
      "\"x, y\",B-2,10.50,USD,2024-01-02T00:00:00Z\n"
      "\"multi\nline\",\"A,\"\"1\"\"\",0.01,USD,2024-01-01T00:00:00.5Z\n";
  auto r = recon_internal::parse_orders_csv(text, "o.csv", m);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].order_id, "A,\"1\"");
  EXPECT_EQ((*r)[0].amount, "0.01");
  EXPECT_EQ((*r)[0].line, 3u);
  EXPECT_EQ((*r)[0].created_at_ms, 1704067200500);
  EXPECT_EQ((*r)[1].order_id, "B-2");
  EXPECT_EQ((*r)[1].line, 2u);
}

TEST(OrdersCsv, EveryErrorNamesLineAndColumn) {
  EXPECT_EQ(parse_error(""), "orders.csv:1:1: the file is empty (expected a header row)");
  EXPECT_EQ(parse_error("order_id,amount,currency\r\n"),
            "orders.csv:1:1: the header has no column 'created_at' (the created time column)");
  EXPECT_EQ(parse_error("order_id,amount,currency,created_at,amount\r\n"),
            "orders.csv:1:37: column 'amount' appears twice in the header");
  EXPECT_EQ(parse_error(std::string(kHead) + "A,1.0,USD\r\n"),
            "orders.csv:2:7: row has 3 fields, the header has 4");
  EXPECT_EQ(parse_error(std::string(kHead) + "A,1.0,USD,2024-01-01T00:00:00Z,extra\r\n"),
            "orders.csv:2:32: row has 5 fields, the header has 4");
  EXPECT_EQ(parse_error(std::string(kHead) + "A\"B,1.0,USD,2024-01-01T00:00:00Z\r\n"),
            "orders.csv:2:2: a quote inside an unquoted field (quote the whole field and double "
            "the quote)");
  EXPECT_EQ(parse_error(std::string(kHead) + "\"AB\"x,1.0,USD,2024-01-01T00:00:00Z\r\n"),
            "orders.csv:2:5: unexpected 'x' after a closing quote (expected ',' or the end of "
            "the line)");
  EXPECT_EQ(parse_error(std::string(kHead) + "A,1.0,USD,2024-01-01T00:00:00Z\r\n\"open,1\n"),
            "orders.csv:3:1: quoted field is not closed before the end of the file");
  EXPECT_EQ(parse_error(std::string(kHead) + "A,1.0,USD,2024\r-01-01T00:00:00Z\r\n"),
            "orders.csv:2:15: a CR not followed by LF outside quotes");
  EXPECT_EQ(parse_error(std::string(kHead) + ",1.0,USD,2024-01-01T00:00:00Z\r\n"),
            "orders.csv:2:1: order id is empty");
  EXPECT_EQ(
      parse_error(std::string(kHead) + std::string(201, 'x') + ",1.0,USD,2024-01-01T00:00:00Z\r\n"),
      "orders.csv:2:1: order id is 201 bytes, more than 200");
  EXPECT_EQ(parse_error(std::string(kHead) + "A,USD,1.0,2024-01-01T00:00:00Z\r\n")
                .rfind("orders.csv:2:3: amount 'USD' is not an exact decimal: ", 0),
            0u);
  EXPECT_EQ(parse_error(std::string(kHead) + "A,\"1,000.00\",USD,2024-01-01T00:00:00Z\r\n")
                .rfind("orders.csv:2:3: amount '1,000.00' is not an exact decimal", 0),
            0u);
  EXPECT_EQ(parse_error(std::string(kHead) + "A,-1,USD,2024-01-01T00:00:00Z\r\n")
                .rfind("orders.csv:2:3: amount '-1'", 0),
            0u);
  EXPECT_EQ(parse_error(std::string(kHead) + "A,1.0,,2024-01-01T00:00:00Z\r\n"),
            "orders.csv:2:7: currency is empty");
  EXPECT_EQ(
      parse_error(std::string(kHead) + "A,1.0,USD,2024-13-01T00:00:00Z\r\n")
          .rfind("orders.csv:2:11: created time '2024-13-01T00:00:00Z' is not ISO 8601 UTC", 0),
      0u);
  EXPECT_EQ(parse_error(std::string(kHead) + "A,1.0,USD,2024-01-01T00:00:00Z\r\n\r\n"
                                             "B,1.0,USD,2024-01-01T00:00:00Z\r\n"),
            "orders.csv:3:1: blank line (every row needs 4 fields)");
  EXPECT_EQ(parse_error(std::string(kHead) + "A,1.0,USD,2024-01-01T00:00:00Z\r\n"
                                             "B,2,USD,2024-01-01T00:00:00Z\r\n"
                                             "A,3,USD,2024-01-01T00:00:00Z\r\n"),
            "orders.csv:4:1: order id 'A' repeats the order of line 2");
  EXPECT_EQ(parse_error(std::string(kHead) + "ok,1,USD,2024-01-01T00:00:00Z\r\n\"x\xff\",1,USD,"
                                             "2024-01-01T00:00:00Z\r\n"),
            "orders.csv:3:1: field is not valid UTF-8 at byte 1");
  // A trailing newline, LF line ends, no final newline: all fine.
  EXPECT_EQ(parse_error(std::string(kHead) + "A,1.0,USD,2024-01-01T00:00:00Z\r\n"), "ok");
  EXPECT_EQ(parse_error("order_id,amount,currency,created_at\nA,1.0,USD,2024-01-01T00:00:00Z"),
            "ok");
}

}  // namespace
}  // namespace usd1pay
