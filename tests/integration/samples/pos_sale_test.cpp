// The point-of-sale sample's sale logic (samples/pos/pos_sale.h) on real
// parts: a SQLite store file, the Processor, the Tracker with its SimChain,
// and a ManualClock, so that expiry is reached without waiting. What the
// screen and the receipt say is checked as text; pos_tmux_test drives the
// program itself in a terminal.
#include "pos_sale.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/pipeline.h"
#include "support/sample_config.h"
#include "support/temp_dir.h"
#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/qr.h"
#include "usd1pay/settlement.h"
#include "usd1pay/sim_chain.h"
#include "usd1pay/store.h"
#include "usd1pay/tracker.h"

namespace usd1pay {
namespace {

using namespace std::chrono_literals;
using pos::SaleOutcome;
using pos::SimulatedPayment;
using testing::TempDir;

constexpr std::int64_t kStart = 1767225600;  // 2026-01-01T00:00:00Z

// ------------------------------------------------------------ the amount

struct BadAmount {
  const char* typed;
  ErrorCode code;
  const char* message;
};

TEST(PosAmountTest, AcceptsExactDecimalsOfAtMostTwoPlaces) {
  const std::vector<std::pair<const char*, const char*>> good = {
      {"25", "25.00"},        {"25.5", "25.50"},
      {"25.05", "25.05"},     {"0.01", "0.01"},
      {"007.50", "7.50"},     {"12.34 ", "12.34"},
      {"12.34\t\r", "12.34"}, {"99999999999", "99999999999.00"}};
  for (const auto& [typed, expected] : good) {
    auto a = pos::parse_sale_amount(typed);
    ASSERT_TRUE(a.ok()) << typed << ": " << a.status().message();
    EXPECT_EQ(a->to_string_fixed(2), expected) << typed;
    EXPECT_EQ(a->decimals(), 2U) << typed;
  }
}

TEST(PosAmountTest, RefusesEverythingElseNamingWhatAndWhere) {
  const std::vector<BadAmount> bad = {
      {"", ErrorCode::kInvalidArgument, "amount: empty"},
      {"   ", ErrorCode::kInvalidArgument, "amount: empty"},
      {"0", ErrorCode::kInvalidArgument, "amount: must be greater than zero"},
      {"0.00", ErrorCode::kInvalidArgument, "amount: must be greater than zero"},
      {"12.345", ErrorCode::kOutOfRange,
       "amount: more than 2 decimal places (3): USD amounts are whole cents"},
      {"1.000", ErrorCode::kOutOfRange,
       "amount: more than 2 decimal places (3): USD amounts are whole cents"},
      {"-5", ErrorCode::kInvalidArgument, "amount: negative amounts are not allowed"},
      {"+5", ErrorCode::kInvalidArgument, "amount: sign '+' at position 0 is not allowed"},
      {"1e3", ErrorCode::kInvalidArgument,
       "amount: exponent notation ('e' at position 1) is not allowed; write the digits out"},
      {" 5", ErrorCode::kInvalidArgument, "amount: whitespace at position 0 is not allowed"},
      {".5", ErrorCode::kInvalidArgument, "amount: no digit before '.' at position 0"},
      {"5.", ErrorCode::kInvalidArgument, "amount: no digit after '.' at position 1"},
      {"1.2.3", ErrorCode::kInvalidArgument,
       "amount: second '.' at position 3 (the first is at position 1)"},
      {"999999999999999999999999999999999999999999", ErrorCode::kOutOfRange, "amount: "},
  };
  for (const auto& c : bad) {
    auto a = pos::parse_sale_amount(c.typed);
    ASSERT_FALSE(a.ok()) << "'" << c.typed << "' was accepted as " << a->to_string();
    EXPECT_EQ(a.status().code(), c.code) << c.typed << ": " << a.status().message();
    EXPECT_EQ(a.status().message().rfind(c.message, 0), 0U)
        << "'" << c.typed << "': " << a.status().message();
  }
  // Whatever amount.h says about these, it names the character and where.
  for (const char* typed : {"$5", "5$", "1,000.00", "12,50", "abc", "1 000", "\xef\xbc\x95"}) {
    auto a = pos::parse_sale_amount(typed);
    ASSERT_FALSE(a.ok()) << typed;
    EXPECT_EQ(a.status().code(), ErrorCode::kInvalidArgument) << typed;
    EXPECT_NE(a.status().message().find("position"), std::string::npos)
        << typed << ": " << a.status().message();
  }
}

TEST(PosTextTest, CountdownIsMinutesAndSecondsThenHours) {
  EXPECT_EQ(pos::format_countdown(899), "14:59");
  EXPECT_EQ(pos::format_countdown(60), "1:00");
  EXPECT_EQ(pos::format_countdown(5), "0:05");
  EXPECT_EQ(pos::format_countdown(0), "0:00");
  EXPECT_EQ(pos::format_countdown(-3), "0:00");
  EXPECT_EQ(pos::format_countdown(3723), "1:02:03");
  EXPECT_EQ(pos::format_receipt_time(from_unix_seconds(kStart + 3723)), "2026-01-01 01:02:03 UTC");
}

// ------------------------------------------------------------ a sale

class PosSaleTest : public ::testing::Test {
 protected:
  virtual nlohmann::json config_json() {
    return testing::sim_shop_config_json(dir_.file("pos.db"));
  }

  void SetUp() override {
    config_ = testing::parse_config_or_throw(config_json());
    SqliteStoreOptions so;
    so.path = dir_.file("pos.db");
    auto s = open_sqlite_store(so);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
    processor_ = testing::open_processor_or_throw(config_, store_, clock_);
    TrackerOptions to;
    to.config = config_;
    to.store = store_;
    to.clock = clock_;
    tracker_ = testing::open_tracker_or_throw(std::move(to));
    sim_ = tracker_->sim_chain(testing::kChain);
    ASSERT_NE(sim_, nullptr);
    poll();
  }

  pos::SaleDeps deps() {
    pos::SaleDeps d;
    d.processor = processor_.get();
    d.store = store_.get();
    d.tracker = tracker_.get();
    d.clock = clock_;
    return d;
  }

  pos::Sale start(const std::string& amount, const std::string& order = "order-77") {
    pos::NewSale ns;
    ns.amount = amount;
    ns.order = order;
    auto sale = pos::Sale::start(deps(), ns);
    if (!sale.ok()) throw std::runtime_error(sale.status().message());
    return std::move(sale).value();
  }

  void poll() {
    auto r = tracker_->poll_once();
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_TRUE(r->ok()) << r->first_error().message();
  }
  // One block (holding whatever the wallet sent), then the tracker's poll.
  void block() {
    sim_->mine();
    poll();
  }

  pos::SaleView view(pos::Sale& sale) {
    auto v = sale.refresh();
    if (!v.ok()) throw std::runtime_error(v.status().message());
    return std::move(v).value();
  }

  TempDir dir_;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(from_unix_seconds(kStart));
  Config config_;
  std::shared_ptr<Store> store_;
  std::unique_ptr<Processor> processor_;
  std::unique_ptr<Tracker> tracker_;
  std::shared_ptr<SimChain> sim_;
};

TEST_F(PosSaleTest, StartCreatesTheIntentAsTyped) {
  pos::Sale sale = start("12.3");
  const PaymentIntent& in = sale.intent();
  EXPECT_EQ(in.amount.to_string_fixed(2), "12.30");
  EXPECT_EQ(in.amount_due.to_string_fixed(2), "12.30");
  EXPECT_EQ(in.order_id, "order-77");
  EXPECT_EQ(in.chain.to_string(), testing::kChain);
  EXPECT_EQ(in.token_symbol, "USD1");
  EXPECT_EQ(in.metadata_json, R"({"channel":"pos"})");
  auto events = processor_->list_events(in.id);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1U);
  EXPECT_EQ((*events)[0].type, "intent.created");
  EXPECT_EQ((*events)[0].actor, "pos");

  const pos::SaleView v = view(sale);
  EXPECT_EQ(pos::sale_outcome(v), SaleOutcome::kOpen);
  EXPECT_EQ(pos::status_line(v), "waiting for payment");
  EXPECT_EQ(v.qr_payload, in.payment_uri);
  EXPECT_EQ(v.seconds_left, 900);
  EXPECT_TRUE(v.simulated);
  EXPECT_EQ(v.backend, "sim");
}

TEST_F(PosSaleTest, AnEmptyOrderReferenceIsMadeFromTheClock) {
  clock_->advance(3723s);
  pos::Sale sale = start("5", "");
  EXPECT_EQ(sale.intent().order_id, "pos-20260101-010203");
}

TEST_F(PosSaleTest, BadInputIsRefusedBeforeAnyIntentExists) {
  const auto refused = [this](const pos::NewSale& ns) {
    auto sale = pos::Sale::start(deps(), ns);
    EXPECT_FALSE(sale.ok());
    return sale.ok() ? Status() : sale.status();
  };
  pos::NewSale ns;
  ns.amount = "12.345";
  EXPECT_EQ(refused(ns).code(), ErrorCode::kOutOfRange);
  ns.amount = "10";
  ns.order = "line\nbreak";
  const Status bad_order = refused(ns);
  EXPECT_EQ(bad_order.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad_order.message().find("order id"), std::string::npos) << bad_order.message();
  ns.order = "ok";
  ns.chain = "eip155:999";
  const Status bad_chain = refused(ns);
  EXPECT_NE(bad_chain.message().find("eip155:999"), std::string::npos) << bad_chain.message();
  ns.chain.reset();
  ns.token = "USDT";
  EXPECT_NE(refused(ns).message().find("USDT"), std::string::npos);
  IntentListRequest all;
  auto list = processor_->list_intents(all);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->intents.empty());
}

TEST_F(PosSaleTest, ExactPaymentConfirmsThenPrintsTheReceipt) {
  pos::Sale sale = start("12.34");
  auto tx = sale.simulate_payment(SimulatedPayment::kOutstanding);
  ASSERT_TRUE(tx.ok()) << tx.status().message();
  EXPECT_EQ(pos::status_line(view(sale)), "waiting for payment");  // not mined yet

  block();
  pos::SaleView v = view(sale);
  EXPECT_EQ(v.intent.status, IntentStatus::kProcessing);
  EXPECT_EQ(pos::status_line(v), "processing: 1 of 3 confirmations");
  EXPECT_TRUE(v.qr_payload.empty()) << "the QR stays up after the full amount was sent";
  EXPECT_TRUE(v.outstanding.is_zero());
  // Paying again is refused: nothing is left.
  auto again = sale.simulate_payment(SimulatedPayment::kOutstanding);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().message(), "sale: nothing is left to pay");

  block();
  EXPECT_EQ(pos::status_line(view(sale)), "processing: 2 of 3 confirmations");
  block();
  v = view(sale);
  ASSERT_EQ(pos::sale_outcome(v), SaleOutcome::kPaid) << pos::status_line(v);
  EXPECT_EQ(pos::status_line(v), "paid");

  ASSERT_EQ(v.payments.size(), 1U);
  const PaymentRow& p = v.payments[0];
  EXPECT_EQ(p.tx_hash, *tx);
  const std::string receipt = pos::format_receipt(v, "Corner Cafe");
  for (const std::string& want :
       {std::string(" Corner Cafe\n"), std::string(" RECEIPT\n"),
        " Date           " + pos::format_receipt_time(v.intent.updated_at) + "\n",
        std::string(" Order          order-77\n"), " Intent         " + v.intent.id + "\n",
        std::string(" Amount         12.34 USD\n"), std::string(" Paid           12.34 USD1\n"),
        std::string(" Chain          eip155:1337 (simulated)\n"),
        std::string(" Token          USD1 ") + testing::kToken + "\n", " Tx hash\n   " + *tx + "\n",
        " Block          " + std::to_string(p.block_number) + "\n",
        std::string(" Confirmations  3 (3 required)\n"), std::string(" Status         PAID\n")}) {
    EXPECT_NE(receipt.find(want), std::string::npos) << "missing '" << want << "' in\n" << receipt;
  }
  EXPECT_EQ(receipt.find("Note"), std::string::npos) << receipt;
  EXPECT_EQ(receipt.find("Payment 1"), std::string::npos) << "one payment needs no numbering";
  for (char c : receipt) EXPECT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7f)) << "non-ASCII receipt";
}

TEST_F(PosSaleTest, UnderpaymentAsksForTheRestThenTwoPaymentsOnTheReceipt) {
  pos::Sale sale = start("12.35");
  ASSERT_TRUE(sale.simulate_payment(SimulatedPayment::kHalf).ok());
  block();
  pos::SaleView v = view(sale);
  // Half of 12.35 at 6 decimals is exact: 6.175.
  EXPECT_EQ(v.pending_received.to_string_fixed(2), "6.175");
  EXPECT_EQ(v.outstanding.to_string_fixed(2), "6.175");
  EXPECT_EQ(pos::status_line(v),
            "partly paid: 6.175 of 12.35 USD1 received, 6.175 to pay (1 of 3 confirmations)");
  auto rest_uri = remaining_payment_uri(v.intent, v.outstanding);
  ASSERT_TRUE(rest_uri.ok());
  EXPECT_EQ(v.qr_payload, *rest_uri);
  EXPECT_NE(v.qr_payload, v.intent.payment_uri);
  block();
  block();
  v = view(sale);
  EXPECT_EQ(v.intent.status, IntentStatus::kProcessing);
  EXPECT_EQ(pos::status_line(v), "partly paid: 6.175 of 12.35 USD1 received, 6.175 to pay");

  // A cashier cannot cancel once money arrived.
  auto cancel = sale.cancel();
  ASSERT_FALSE(cancel.ok());
  EXPECT_EQ(cancel.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(cancel.status().message(),
            "sale: cannot cancel, a payment of 6.175 USD1 has been seen (status processing)");

  auto tx2 = sale.simulate_payment(SimulatedPayment::kOutstanding);
  ASSERT_TRUE(tx2.ok());
  for (int i = 0; i < 3; ++i) block();
  v = view(sale);
  ASSERT_EQ(pos::sale_outcome(v), SaleOutcome::kPaid) << pos::status_line(v);
  const std::string receipt = pos::format_receipt(v, "");
  EXPECT_NE(receipt.find(" usd1pay POS\n"), std::string::npos) << receipt;
  EXPECT_NE(receipt.find(" Paid           12.35 USD1\n"), std::string::npos) << receipt;
  EXPECT_NE(receipt.find(" Payment 1      6.175 USD1\n"), std::string::npos) << receipt;
  EXPECT_NE(receipt.find(" Payment 2      6.175 USD1\n"), std::string::npos) << receipt;
  EXPECT_NE(receipt.find("   " + *tx2 + "\n"), std::string::npos) << receipt;
  EXPECT_NE(receipt.find(" Confirmations  6 (3 required)\n"), std::string::npos) << receipt;
}

TEST_F(PosSaleTest, OverpaymentIsNotedOnTheReceipt) {
  pos::Sale sale = start("10");
  SimTransfer t;
  t.token = sale.intent().token_contract;
  t.from = testing::kCustomer;
  t.to = sale.intent().deposit_address;
  t.amount = Uint128(10500000);  // 10.50 at 6 decimals
  sim_->submit_transfer(t);
  for (int i = 0; i < 3; ++i) block();
  const pos::SaleView v = view(sale);
  ASSERT_EQ(pos::sale_outcome(v), SaleOutcome::kPaid);
  const std::string receipt = pos::format_receipt(v, "Shop");
  EXPECT_NE(receipt.find(" Paid           10.50 USD1\n"), std::string::npos) << receipt;
  EXPECT_NE(receipt.find(" Note           overpaid by 0.50 USD1: refund the customer\n"),
            std::string::npos)
      << receipt;
}

TEST_F(PosSaleTest, ExpiryEndsTheSale) {
  pos::Sale sale = start("3");
  clock_->advance(899s);
  pos::SaleView v = view(sale);
  EXPECT_EQ(v.seconds_left, 1);
  EXPECT_EQ(pos::sale_outcome(v), SaleOutcome::kOpen);
  clock_->advance(1s);
  v = view(sale);  // refresh runs the expiry sweep itself
  EXPECT_EQ(v.intent.status, IntentStatus::kExpired);
  EXPECT_EQ(pos::sale_outcome(v), SaleOutcome::kExpired);
  EXPECT_EQ(pos::status_line(v), "expired: nothing was paid");
  EXPECT_TRUE(v.qr_payload.empty());
  EXPECT_EQ(v.seconds_left, 0);

  auto pay = sale.simulate_payment(SimulatedPayment::kOutstanding);
  ASSERT_FALSE(pay.ok());
  EXPECT_EQ(pay.status().message(), "sale: the sale is already expired");
  auto cancel = sale.cancel();
  ASSERT_FALSE(cancel.ok());
  EXPECT_EQ(cancel.status().message(), "sale: cannot cancel, the sale is already expired");

  pos::ScreenOptions o;
  o.width = 100;
  o.height = 50;
  bool said = false;
  for (const auto& line : pos::sale_screen(v, o)) {
    said = said || line.find("expired: nothing was paid") != std::string::npos;
  }
  EXPECT_TRUE(said);
}

TEST_F(PosSaleTest, PartPaidAtExpiryIsUnderpaid) {
  pos::Sale sale = start("8");
  ASSERT_TRUE(sale.simulate_payment(SimulatedPayment::kHalf).ok());
  for (int i = 0; i < 3; ++i) block();
  clock_->advance(901s);
  poll();  // a processing intent's expiry is the tracker's
  const pos::SaleView v = view(sale);
  EXPECT_EQ(pos::sale_outcome(v), SaleOutcome::kUnderpaid);
  EXPECT_EQ(pos::status_line(v),
            "underpaid: 4.00 of 8.00 USD1 received before the sale expired; settle the "
            "difference with the customer");
}

TEST_F(PosSaleTest, CancelBeforeAnyPayment) {
  pos::Sale sale = start("4.20");
  auto canceled = sale.cancel();
  ASSERT_TRUE(canceled.ok()) << canceled.status().message();
  EXPECT_EQ(canceled->status, IntentStatus::kCanceled);
  const pos::SaleView v = view(sale);
  EXPECT_EQ(pos::sale_outcome(v), SaleOutcome::kCanceled);
  EXPECT_EQ(pos::status_line(v), "canceled");
  auto events = processor_->list_events(v.intent.id);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2U);
  EXPECT_EQ((*events)[1].type, "intent.canceled");
  EXPECT_EQ((*events)[1].actor, "pos");
}

TEST_F(PosSaleTest, HalfOfOneBaseUnitIsRefused) {
  pos::Sale sale = start("1");
  SimTransfer t;
  t.token = sale.intent().token_contract;
  t.from = testing::kCustomer;
  t.to = sale.intent().deposit_address;
  t.amount = Uint128(999999);  // one base unit short
  sim_->submit_transfer(t);
  block();
  auto half = sale.simulate_payment(SimulatedPayment::kHalf);
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.status().message(), "sale: 1 base unit cannot be halved");
  EXPECT_TRUE(sale.simulate_payment(SimulatedPayment::kOutstanding).ok());
}

// A second simulated EVM chain with the same xpub: a customer who pays on the
// wrong network reaches the same address there.
class PosSaleTwoChainsTest : public PosSaleTest {
 protected:
  static constexpr const char* kBase = "eip155:8453";
  static constexpr const char* kBaseToken = "0x8d12A197cB00D4747a1fe03395095ce2A5CC6819";
  nlohmann::json config_json() override {
    nlohmann::json c = PosSaleTest::config_json();
    c["chains"].push_back(testing::sim_evm_chain_json(kBase, kBaseToken));
    return c;
  }
};

TEST_F(PosSaleTwoChainsTest, APaymentOnTheWrongNetworkIsNeitherCountedNorOnTheReceipt) {
  pos::Sale sale = start("5");
  const std::shared_ptr<SimChain> base = tracker_->sim_chain(kBase);
  ASSERT_NE(base, nullptr);
  SimTransfer wrong;
  wrong.token = kBaseToken;
  wrong.from = testing::kCustomer;
  wrong.to = sale.intent().deposit_address;
  wrong.amount = Uint128(5000000);
  const std::string wrong_tx = base->submit_transfer(wrong);
  for (int i = 0; i < 3; ++i) {
    base->mine();
    block();
  }
  pos::SaleView v = view(sale);
  ASSERT_EQ(v.payments.size(), 1U) << "the tracker records it for the intent";
  EXPECT_EQ(v.payments[0].chain, kBase);
  EXPECT_EQ(v.payments[0].tx_hash, wrong_tx);
  EXPECT_EQ(pos::status_line(v), "waiting for payment");
  EXPECT_EQ(v.qr_payload, v.intent.payment_uri);

  auto tx = sale.simulate_payment(SimulatedPayment::kOutstanding);
  ASSERT_TRUE(tx.ok());
  for (int i = 0; i < 3; ++i) block();
  v = view(sale);
  ASSERT_EQ(pos::sale_outcome(v), SaleOutcome::kPaid) << pos::status_line(v);
  const std::string receipt = pos::format_receipt(v, "Shop");
  EXPECT_NE(receipt.find("   " + *tx + "\n"), std::string::npos) << receipt;
  EXPECT_EQ(receipt.find(wrong_tx), std::string::npos) << receipt;
  EXPECT_EQ(receipt.find("Payment 1"), std::string::npos) << receipt;
  EXPECT_NE(receipt.find(" Paid           5.00 USD1\n"), std::string::npos) << receipt;
}

// ------------------------------------------------------------ the screen

bool has_qr_glyph(const std::string& line) {
  return line.find("\xe2\x96\x80") != std::string::npos ||
         line.find("\xe2\x96\x84") != std::string::npos ||
         line.find("\xe2\x96\x88") != std::string::npos;
}

std::size_t cells(const std::string& s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\x1b') {  // an SGR sequence takes no cell
      while (i < s.size() && s[i] != 'm') ++i;
      continue;
    }
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++n;
  }
  return n;
}

TEST_F(PosSaleTest, ScreenShowsTheQrUnderOrBesideTheDetailsOrSaysWhatItNeeds) {
  pos::Sale sale = start("12.34");
  const pos::SaleView v = view(sale);
  auto code = encode_qr(v.intent.payment_uri, pos::kScreenQrLevel);
  ASSERT_TRUE(code.ok());
  const int qr_lines = (code->size() + 8 + 1) / 2;
  struct Size {
    int w, h;
    bool qr;
    bool beside;
  };
  for (const Size s :
       {Size{100, 50, true, false}, Size{80, 50, true, false}, Size{140, 32, true, true},
        Size{80, 24, false, false}, Size{40, 12, false, false}}) {
    pos::ScreenOptions o;
    o.width = s.w;
    o.height = s.h;
    o.shop = "Corner Cafe";
    const auto lines = pos::sale_screen(v, o);
    const std::string where = std::to_string(s.w) + "x" + std::to_string(s.h);
    EXPECT_LE(lines.size(), static_cast<std::size_t>(s.h)) << where;
    int glyph_lines = 0;
    bool address = false;
    bool needs = false;
    bool beside = false;
    for (const auto& line : lines) {
      EXPECT_LE(cells(line), static_cast<std::size_t>(s.w)) << where << ": " << line;
      if (has_qr_glyph(line)) ++glyph_lines;
      const bool has_address =
          line.find("Pay to         " + v.intent.deposit_address) != std::string::npos;
      address = address || has_address;
      beside = beside || (has_address && has_qr_glyph(line));
      needs = needs || line.find("The QR code needs a ") != std::string::npos;
    }
    if (s.w >= 60) {
      EXPECT_TRUE(address) << where;
    }
    // The quiet zone's light rows carry no glyph in the ANSI style: at most
    // the symbol's own rows, one of them shared with the quiet zone.
    EXPECT_EQ(glyph_lines > 0, s.qr) << where;
    if (s.qr) {
      EXPECT_GE(glyph_lines, qr_lines - 4) << where;
    }
    EXPECT_EQ(needs, !s.qr) << where;
    EXPECT_EQ(beside, s.beside) << where;
  }
}

TEST_F(PosSaleTest, ScreenSaysWhenTheChainCannotBeReached) {
  pos::Sale sale = start("2");
  block();
  const std::uint64_t head = sim_->head().number;
  EXPECT_EQ(view(sale).latest_block, head);
  sim_->fail_next_calls(1, Status(ErrorCode::kUnavailable, "simchain: node is down"));
  auto r = tracker_->poll_once();
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->ok());
  const pos::SaleView v = view(sale);
  EXPECT_EQ(v.chain_error.message(), "tracker: chain eip155:1337: heads: simchain: node is down");
  EXPECT_EQ(v.latest_block, head) << "the last head seen is kept";
  pos::ScreenOptions o;
  o.width = 100;
  o.height = 50;
  bool said = false;
  for (const auto& line : pos::sale_screen(v, o)) {
    said =
        said || line == " Chain error    tracker: chain eip155:1337: heads: simchain: node is down";
  }
  EXPECT_TRUE(said);
}

TEST(PosSaleRealChainTest, SimulatedKeysAreRefusedOnARealChain) {
  TempDir dir;
  nlohmann::json c = testing::sim_shop_config_json(dir.file("pos.db"));
  c["chains"][0]["backend"] = "evm-rpc";
  // Port 9 (discard) on loopback: nothing answers; this test never polls.
  c["chains"][0]["backend_settings"] = {{"url", "http://127.0.0.1:9"}};
  const Config config = testing::parse_config_or_throw(c);
  SqliteStoreOptions so;
  so.path = dir.file("pos.db");
  auto store = open_sqlite_store(so);
  ASSERT_TRUE(store.ok());
  std::shared_ptr<Store> shared = std::move(*store);
  ProcessorOptions po;
  po.config = config;
  po.store = shared;
  auto processor = Processor::open(po);
  ASSERT_TRUE(processor.ok()) << processor.status().message();
  TrackerOptions to;
  to.config = config;
  to.store = shared;
  auto tracker = Tracker::open(to);
  ASSERT_TRUE(tracker.ok()) << tracker.status().message();
  pos::SaleDeps d;
  d.processor = processor->get();
  d.store = shared.get();
  d.tracker = tracker->get();
  pos::NewSale ns;
  ns.amount = "1";
  auto sale = pos::Sale::start(d, ns);
  ASSERT_TRUE(sale.ok()) << sale.status().message();
  auto pay = sale->simulate_payment(SimulatedPayment::kOutstanding);
  ASSERT_FALSE(pay.ok());
  EXPECT_EQ(pay.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(pay.status().message(),
            "sale: chain eip155:1337 is not simulated (backend evm-rpc): pay with a real wallet");
  auto v = sale->refresh();
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->simulated);
  bool keys = false;
  pos::ScreenOptions o;
  for (const auto& line : pos::sale_screen(*v, o)) {
    keys = keys || line == " Keys           c cancel  q quit";
  }
  EXPECT_TRUE(keys) << "no simulated-wallet keys on a real chain";
}

}  // namespace
}  // namespace usd1pay
