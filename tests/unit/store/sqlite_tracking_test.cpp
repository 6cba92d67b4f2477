// The SQLite Store's confirmation-tracking operations against real database
// files (no mocks): apply_scan (cursor compare-and-set, remembered block
// hashes, payment upserts, intent transitions with version checks, events),
// its atomicity, get_cursor, list_block_hashes, list_payments,
// list_open_intents, and the migration of a version 1 file.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cctype>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "support/raw_sqlite.h"
#include "support/store_fixtures.h"
#include "support/temp_dir.h"
#include "usd1pay/store.h"

namespace usd1pay {
namespace {

using testing::TempDir;

constexpr char kEth[] = "eip155:1";
constexpr char kBase[] = "eip155:8453";

// ---- helpers ----

CreateIntentParams create_params(const std::string& id, std::int64_t created_at_ms = 1700000000000,
                                 const std::string& status = "requires_payment") {
  IntentRow r = testing::sample_intent(id);
  r.status = status;
  r.chain = kEth;
  r.strategy = "static";
  r.created_at_ms = created_at_ms;
  r.updated_at_ms = created_at_ms;
  r.expires_at_ms = created_at_ms + 900000;
  return testing::sample_create(std::move(r));
}

TransitionIntentParams transition(const std::string& id, std::vector<std::string> from,
                                  const std::string& to, const std::string& event_id) {
  TransitionIntentParams p;
  p.id = id;
  p.from_statuses = std::move(from);
  p.to_status = to;
  p.at_ms = 1700000100000;
  p.event.id = event_id;
  p.event.type = "intent." + to;
  p.event.actor = "tracker";
  p.event.created_at_ms = p.at_ms;
  return p;
}

PaymentRow payment(const std::string& id, const std::string& tx_hash, std::uint32_t log_index,
                   std::uint64_t block_number, const std::string& intent_id = "",
                   const std::string& chain = kEth) {
  PaymentRow r;
  r.id = id;
  r.chain = chain;
  r.tx_hash = tx_hash;
  r.log_index = log_index;
  r.block_number = block_number;
  r.block_hash = "0xb" + std::to_string(block_number);
  r.block_time = 1700000000 + static_cast<std::int64_t>(block_number);
  r.token_contract = "0x8d0D000Ee44948FC98c9B98A4FA4921476f08B0d";
  r.from_address = "0x1111111111111111111111111111111111111111";
  r.to_address = "0x000000000000000000000000000000000000dEaD";
  r.amount_base_units = "25000000000000000000";
  r.intent_id = intent_id;
  r.status = "pending";
  r.detected_at_ms = 1700000050000;
  r.updated_at_ms = 1700000050000;
  return r;
}

NewIntentEvent event(const std::string& intent_id, const std::string& id,
                     const std::string& type = "payment.detected") {
  NewIntentEvent e;
  e.intent_id = intent_id;
  e.event.id = id;
  e.event.type = type;
  e.event.actor = "tracker";
  e.event.created_at_ms = 1700000060000;
  e.event.data_json = R"({"n":1})";
  return e;
}

BlockHashRow block(std::uint64_t number, const std::string& hash_prefix = "0xb") {
  return BlockHashRow{kEth, number, hash_prefix + std::to_string(number)};
}

/// A step that moves the cursor of kEth from `from` to `to`, remembering
/// the blocks in between.
ApplyScanParams step(std::optional<std::uint64_t> from, std::uint64_t to) {
  ApplyScanParams p;
  p.chain = kEth;
  p.expected_next_block = from;
  p.new_next_block = to;
  for (std::uint64_t n = from.value_or(to > 0 ? to - 1 : 0); n < to; ++n) {
    p.remember_blocks.push_back(block(n));
  }
  p.at_ms = 1700000070000 + static_cast<std::int64_t>(to);
  return p;
}

std::unique_ptr<Store> open_or_die(const std::string& path) {
  SqliteStoreOptions o;
  o.path = path;
  auto store = open_sqlite_store(o);
  if (!store.ok()) {
    ADD_FAILURE() << to_string(store.status());
    return nullptr;
  }
  return std::move(store).value();
}

using Raw = testing::RawSqlite;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class TrackingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("store.db");
    store_ = open_or_die(path_);
    ASSERT_NE(store_, nullptr);
  }
  void create(const std::string& id, std::int64_t at = 1700000000000,
              const std::string& status = "requires_payment") {
    auto r = store_->create_intent(create_params(id, at, status));
    ASSERT_TRUE(r.ok()) << to_string(r.status());
  }
  std::vector<EventRow> events() {
    ListEventsParams p;
    p.limit = 10000;
    auto r = store_->list_events(p);
    EXPECT_TRUE(r.ok()) << to_string(r.status());
    return r.ok() ? *r : std::vector<EventRow>{};
  }
  std::vector<PaymentRow> payments(ListPaymentsParams p = {}) {
    auto r = store_->list_payments(p);
    EXPECT_TRUE(r.ok()) << to_string(r.status());
    return r.ok() ? *r : std::vector<PaymentRow>{};
  }
  std::vector<BlockHashRow> blocks(const std::string& chain = kEth) {
    auto r = store_->list_block_hashes({chain, 0, 10000});
    EXPECT_TRUE(r.ok()) << to_string(r.status());
    return r.ok() ? *r : std::vector<BlockHashRow>{};
  }
  std::optional<std::uint64_t> cursor(const std::string& chain = kEth) {
    auto r = store_->get_cursor({chain});
    EXPECT_TRUE(r.ok()) << to_string(r.status());
    if (!r.ok() || !r->has_value()) return std::nullopt;
    return (*r)->next_block;
  }
  IntentRow intent(const std::string& id) {
    auto r = store_->get_intent({id});
    EXPECT_TRUE(r.ok()) << to_string(r.status());
    return r.ok() ? *r : IntentRow{};
  }
  /// Everything apply_scan may touch, to compare before and after a failure.
  std::string snapshot() {
    Raw raw(path_);
    std::string out;
    for (const char* sql :
         {"SELECT group_concat(chain || ':' || next_block || ':' || updated_at_ms, ',') FROM "
          "chain_cursors",
          "SELECT group_concat(chain || ':' || number || ':' || hash, ',') FROM block_hashes",
          "SELECT group_concat(id || ':' || status || ':' || block_number || ':' || "
          "updated_at_ms, ',') FROM payments",
          "SELECT group_concat(id || ':' || status || ':' || version, ',') FROM intents",
          "SELECT count(*) || ':' || COALESCE(MAX(seq), 0) FROM events"}) {
      out += raw.one(sql) + "\n";
    }
    return out;
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

// ---- a fresh store ----

TEST_F(TrackingTest, FreshStoreHasNoCursorBlocksOrPayments) {
  auto c = store_->get_cursor({kEth});
  ASSERT_TRUE(c.ok()) << to_string(c.status());
  EXPECT_FALSE(c->has_value());
  EXPECT_TRUE(blocks().empty());
  EXPECT_TRUE(payments().empty());
}

// ---- apply_scan: the happy path ----

TEST_F(TrackingTest, ApplyScanWritesEverythingInOrder) {
  create("pi_a");
  ApplyScanParams p = step(std::nullopt, 101);
  p.remember_blocks = {block(99), block(100)};
  PaymentRow matched = payment("py_1", "0xt1", 3, 100, "pi_a");
  matched.flags_json = R"(["late"])";
  p.upsert_payments = {matched, payment("py_2", "0xt2", 0, 99)};
  p.transitions = {transition("pi_a", {"requires_payment"}, "processing", "evt_t1")};
  p.events = {event("pi_a", "evt_d1"), event("", "evt_u1", "payment.unmatched")};
  p.at_ms = 1700000099000;
  const Status s = store_->apply_scan(p);
  ASSERT_TRUE(s.ok()) << to_string(s);

  auto c = store_->get_cursor({kEth});
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->has_value());
  EXPECT_EQ((*c)->chain, kEth);
  EXPECT_EQ((*c)->next_block, 101U);
  EXPECT_EQ((*c)->updated_at_ms, 1700000099000);

  const auto b = blocks();
  ASSERT_EQ(b.size(), 2U);
  EXPECT_EQ(b[0].number, 99U);
  EXPECT_EQ(b[0].hash, "0xb99");
  EXPECT_EQ(b[0].chain, kEth);
  EXPECT_EQ(b[1].number, 100U);

  const auto pays = payments();
  ASSERT_EQ(pays.size(), 2U);
  EXPECT_EQ(pays[0].id, "py_2");  // block 99 before block 100
  EXPECT_EQ(pays[0].intent_id, "");
  const PaymentRow& got = pays[1];
  EXPECT_EQ(got.id, "py_1");
  EXPECT_EQ(got.chain, kEth);
  EXPECT_EQ(got.tx_hash, "0xt1");
  EXPECT_EQ(got.log_index, 3U);
  EXPECT_EQ(got.block_number, 100U);
  EXPECT_EQ(got.block_hash, "0xb100");
  EXPECT_EQ(got.block_time, 1700000100);
  EXPECT_EQ(got.token_contract, matched.token_contract);
  EXPECT_EQ(got.from_address, matched.from_address);
  EXPECT_EQ(got.to_address, matched.to_address);
  EXPECT_EQ(got.amount_base_units, "25000000000000000000");
  EXPECT_EQ(got.intent_id, "pi_a");
  EXPECT_EQ(got.status, "pending");
  EXPECT_EQ(got.flags_json, R"(["late"])");
  EXPECT_EQ(got.detected_at_ms, 1700000050000);
  EXPECT_EQ(got.final_at_ms, 0);
  EXPECT_EQ(got.updated_at_ms, 1700000050000);

  const IntentRow a = intent("pi_a");
  EXPECT_EQ(a.status, "processing");
  EXPECT_EQ(a.version, 2U);
  EXPECT_EQ(a.updated_at_ms, 1700000100000);

  const auto ev = events();
  ASSERT_EQ(ev.size(), 4U);
  // The step's events first (cause), then the transitions' events (effect).
  EXPECT_EQ(ev[1].id, "evt_d1");
  EXPECT_EQ(ev[1].intent_id, "pi_a");
  EXPECT_EQ(ev[1].intent_seq, 2U);
  EXPECT_EQ(ev[1].data_json, R"({"n":1})");
  EXPECT_EQ(ev[2].id, "evt_u1");
  EXPECT_EQ(ev[2].intent_id, "");
  EXPECT_EQ(ev[2].intent_seq, 0U);
  EXPECT_EQ(ev[2].type, "payment.unmatched");
  EXPECT_EQ(ev[3].id, "evt_t1");
  EXPECT_EQ(ev[3].intent_seq, 3U);

  auto audit = store_->verify_audit_chain({});
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->ok) << audit->problem;
  EXPECT_EQ(audit->events_checked, 4U);
}

TEST_F(TrackingTest, EventsAboutNoIntentAllHaveIntentSeqZeroAndChainLikeOthers) {
  create("pi_a");
  ApplyScanParams p = step(std::nullopt, 1);
  p.events = {event("", "evt_u1"), event("", "evt_u2"), event("pi_a", "evt_d1")};
  ASSERT_TRUE(store_->apply_scan(p).ok());
  ApplyScanParams q = step(1, 2);
  q.events = {event("", "evt_u3")};
  ASSERT_TRUE(store_->apply_scan(q).ok());
  const auto ev = events();
  ASSERT_EQ(ev.size(), 5U);
  for (std::size_t i = 1; i < ev.size(); ++i) EXPECT_EQ(ev[i].prev_hash, ev[i - 1].hash);
  EXPECT_EQ(ev[1].intent_seq, 0U);
  EXPECT_EQ(ev[2].intent_seq, 0U);
  EXPECT_EQ(ev[3].intent_seq, 2U);
  EXPECT_EQ(ev[4].intent_seq, 0U);
  auto audit = store_->verify_audit_chain({});
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->ok) << audit->problem;
  EXPECT_EQ(audit->events_checked, 5U);

  // Tampering with an event about no intent is caught like any other.
  {
    Raw raw(path_);
    raw.exec_or_fail("DROP TRIGGER events_append_only_update");
    raw.exec_or_fail("UPDATE events SET data_json = '{\"n\":2}' WHERE id = 'evt_u2'");
  }
  audit = store_->verify_audit_chain({});
  ASSERT_TRUE(audit.ok());
  EXPECT_FALSE(audit->ok);
  EXPECT_EQ(audit->first_bad_seq, 3U);
  EXPECT_TRUE(contains(audit->problem, "hash mismatch")) << audit->problem;
}

TEST_F(TrackingTest, CursorMovesStepByStepAndMayRewind) {
  ASSERT_TRUE(store_->apply_scan(step(std::nullopt, 10)).ok());
  ASSERT_TRUE(store_->apply_scan(step(10, 20)).ok());
  EXPECT_EQ(cursor(), 20U);
  ApplyScanParams rewind = step(20, 15);
  rewind.forget_blocks_from = 15;
  ASSERT_TRUE(store_->apply_scan(rewind).ok());
  EXPECT_EQ(cursor(), 15U);
  const auto b = blocks();
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(b.back().number, 14U);
  EXPECT_FALSE(cursor(kBase).has_value()) << "each chain has its own cursor";
}

TEST_F(TrackingTest, ForgetThenRememberThenPrune) {
  ApplyScanParams first = step(std::nullopt, 11);
  first.remember_blocks.clear();
  for (std::uint64_t n = 1; n <= 10; ++n) first.remember_blocks.push_back(block(n));
  ASSERT_TRUE(store_->apply_scan(first).ok());
  ASSERT_EQ(blocks().size(), 10U);

  ApplyScanParams p = step(11, 10);
  p.forget_blocks_from = 8;                                // forgets 8, 9, 10
  p.remember_blocks = {block(8, "0xc"), block(9, "0xc")};  // then remembers 8, 9 anew
  p.prune_blocks_below = 3;                                // then forgets 1, 2
  ASSERT_TRUE(store_->apply_scan(p).ok());
  const auto b = blocks();
  ASSERT_EQ(b.size(), 7U);
  EXPECT_EQ(b.front().number, 3U);
  EXPECT_EQ(b.front().hash, "0xb3");
  EXPECT_EQ(b[5].number, 8U);
  EXPECT_EQ(b[5].hash, "0xc8");
  EXPECT_EQ(b.back().number, 9U);
  EXPECT_EQ(b.back().hash, "0xc9");

  // A remembered number seen again replaces its hash (upsert), no forget needed.
  ApplyScanParams again = step(10, 10);
  again.remember_blocks = {block(9, "0xd")};
  ASSERT_TRUE(store_->apply_scan(again).ok());
  EXPECT_EQ(blocks().back().hash, "0xd9");
  EXPECT_EQ(blocks().size(), 7U);

  // The block chain of a remembered block may be left empty: it is the scan's.
  ApplyScanParams empty_chain = step(10, 11);
  empty_chain.remember_blocks = {BlockHashRow{"", 10, "0xe10"}};
  ASSERT_TRUE(store_->apply_scan(empty_chain).ok());
  EXPECT_EQ(blocks().back().chain, kEth);
  EXPECT_EQ(blocks().back().hash, "0xe10");
}

TEST_F(TrackingTest, ListBlockHashesFromNumberAndLimit) {
  ApplyScanParams p = step(std::nullopt, 20);
  ASSERT_TRUE(store_->apply_scan(p).ok());  // remembers 19 only
  ApplyScanParams q = step(20, 30);         // remembers 20..29
  ASSERT_TRUE(store_->apply_scan(q).ok());
  auto r = store_->list_block_hashes({kEth, 25, 3});
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  ASSERT_EQ(r->size(), 3U);
  EXPECT_EQ((*r)[0].number, 25U);
  EXPECT_EQ((*r)[2].number, 27U);
  r = store_->list_block_hashes({kBase, 0, 10});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

// ---- apply_scan: payments ----

TEST_F(TrackingTest, PaymentUpsertIsIdempotentAndKeepsIdAndDetectedAt) {
  create("pi_a");
  ApplyScanParams p = step(std::nullopt, 101);
  p.upsert_payments = {payment("py_1", "0xt1", 3, 100, "pi_a")};
  ASSERT_TRUE(store_->apply_scan(p).ok());
  // The same step applied again (same cursor CAS) fails as a whole...
  EXPECT_EQ(store_->apply_scan(p).code(), ErrorCode::kFailedPrecondition);
  // ...and the next step may carry the same transfer again: one row.
  ApplyScanParams q = step(101, 102);
  q.upsert_payments = {payment("py_1", "0xt1", 3, 100, "pi_a")};
  ASSERT_TRUE(store_->apply_scan(q).ok());
  ASSERT_EQ(payments().size(), 1U);

  // A later sighting under another id, now final: fields updated, id and
  // detected_at_ms kept.
  PaymentRow later = payment("py_other", "0xt1", 3, 100, "pi_a");
  later.status = "final";
  later.detected_at_ms = 1800000000000;
  later.final_at_ms = 1700000200000;
  later.updated_at_ms = 1700000200000;
  later.flags_json = R"(["duplicate"])";
  later.block_hash = "0xnew";
  ApplyScanParams r = step(102, 103);
  r.upsert_payments = {later};
  ASSERT_TRUE(store_->apply_scan(r).ok());
  const auto pays = payments();
  ASSERT_EQ(pays.size(), 1U);
  EXPECT_EQ(pays[0].id, "py_1");
  EXPECT_EQ(pays[0].detected_at_ms, 1700000050000);
  EXPECT_EQ(pays[0].status, "final");
  EXPECT_EQ(pays[0].final_at_ms, 1700000200000);
  EXPECT_EQ(pays[0].updated_at_ms, 1700000200000);
  EXPECT_EQ(pays[0].flags_json, R"(["duplicate"])");
  EXPECT_EQ(pays[0].block_hash, "0xnew");

  // Same tx_hash, another log index or another chain: other payments.
  ApplyScanParams s = step(103, 104);
  s.upsert_payments = {payment("py_2", "0xt1", 4, 100), payment("py_3", "0xt1", 3, 100, "", kBase)};
  ASSERT_TRUE(store_->apply_scan(s).ok());
  EXPECT_EQ(payments().size(), 3U);

  // An unmatched payment may be matched later, and a matched one orphaned.
  PaymentRow rematch = payment("py_2", "0xt1", 4, 100, "pi_a");
  rematch.status = "orphaned";
  ApplyScanParams t = step(104, 105);
  t.upsert_payments = {rematch};
  ASSERT_TRUE(store_->apply_scan(t).ok());
  ListPaymentsParams by_id;
  by_id.tx_hash = "0xt1";
  by_id.chain = kEth;
  by_id.status = "orphaned";
  const auto orphaned = payments(by_id);
  ASSERT_EQ(orphaned.size(), 1U);
  EXPECT_EQ(orphaned[0].id, "py_2");
  EXPECT_EQ(orphaned[0].intent_id, "pi_a");
}

TEST_F(TrackingTest, PaymentIdTakenByAnotherTransferIsAlreadyExists) {
  ApplyScanParams p = step(std::nullopt, 1);
  p.upsert_payments = {payment("py_1", "0xt1", 0, 0)};
  ASSERT_TRUE(store_->apply_scan(p).ok());
  const std::string before = snapshot();
  ApplyScanParams q = step(1, 2);
  q.upsert_payments = {payment("py_1", "0xt2", 0, 1)};
  const Status s = store_->apply_scan(q);
  EXPECT_EQ(s.code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(s.message(),
            "store: apply_scan: upsert_payments[0] (py_1): payment id py_1 is taken by another "
            "transfer");
  EXPECT_EQ(snapshot(), before);
}

TEST_F(TrackingTest, PaymentOfAnUnknownIntentIsNotFoundAndNothingIsWritten) {
  const std::string before = snapshot();
  ApplyScanParams p = step(std::nullopt, 1);
  p.upsert_payments = {payment("py_1", "0xt1", 0, 0), payment("py_2", "0xt2", 0, 0, "pi_nope")};
  const Status s = store_->apply_scan(p);
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.message(), "store: apply_scan: upsert_payments[1] (py_2): no intent pi_nope");
  EXPECT_EQ(snapshot(), before);
  EXPECT_FALSE(cursor().has_value());
}

TEST_F(TrackingTest, BadPaymentFieldsAreInvalidArgumentNamingTheField) {
  struct Case {
    void (*edit)(PaymentRow&);
    std::string fragment;
  };
  const std::vector<Case> cases = {
      {[](PaymentRow& r) { r.id.clear(); }, "upsert_payments[0].id is empty"},
      {[](PaymentRow& r) { r.chain.clear(); }, "upsert_payments[0].chain is empty"},
      {[](PaymentRow& r) { r.tx_hash.clear(); }, "upsert_payments[0].tx_hash is empty"},
      {[](PaymentRow& r) { r.amount_base_units.clear(); },
       "upsert_payments[0].amount_base_units is empty"},
      {[](PaymentRow& r) { r.amount_base_units = "1.5"; },
       "upsert_payments[0].amount_base_units '1.5' is not decimal digits"},
      {[](PaymentRow& r) { r.amount_base_units = "-1"; },
       "upsert_payments[0].amount_base_units '-1' is not decimal digits"},
      {[](PaymentRow& r) { r.status = "confirmed"; },
       "upsert_payments[0].status 'confirmed' is not one of 'pending', 'final', 'orphaned'"},
      {[](PaymentRow& r) { r.status.clear(); }, "upsert_payments[0].status '' is not one of"},
      {[](PaymentRow& r) { r.flags_json = "{}"; },
       "upsert_payments[0].flags_json is not a JSON array"},
      {[](PaymentRow& r) { r.flags_json = "[1]"; },
       "upsert_payments[0].flags_json holds a non-string"},
      {[](PaymentRow& r) { r.flags_json = "[\"late\""; },
       "upsert_payments[0].flags_json is not valid JSON"},
      {[](PaymentRow& r) { r.block_number = std::numeric_limits<std::uint64_t>::max(); },
       "upsert_payments[0].block_number 18446744073709551615 is more than "
       "9223372036854775807"},
      {[](PaymentRow& r) { r.to_address = std::string("0x\0", 3); },
       "upsert_payments[0] (py_1) has a field with a NUL byte"},
      {[](PaymentRow& r) { r.final_head_block = 5; },
       "upsert_payments[0].final_head_block is set on a payment in status 'pending' (only a "
       "final payment has one)"},
      {[](PaymentRow& r) {
         r.status = "final";
         r.block_number = 10;
         r.final_head_block = 9;
       },
       "upsert_payments[0].final_head_block 9 is not between block_number 10 and 2^63-1"},
      {[](PaymentRow& r) {
         r.status = "final";
         r.final_head_block = std::numeric_limits<std::uint64_t>::max();
       },
       "upsert_payments[0].final_head_block 18446744073709551615 is not between block_number 0 "
       "and 2^63-1"},
  };
  const std::string before = snapshot();
  for (const Case& c : cases) {
    ApplyScanParams p = step(std::nullopt, 1);
    PaymentRow r = payment("py_1", "0xt1", 0, 0);
    c.edit(r);
    p.upsert_payments = {r};
    const Status s = store_->apply_scan(p);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << c.fragment;
    EXPECT_EQ(s.message().rfind("store: apply_scan: " + c.fragment, 0), 0U) << s.message();
    EXPECT_TRUE(contains(s.message(), c.fragment)) << s.message();
  }
  EXPECT_EQ(snapshot(), before);
}

// ---- apply_scan: the cursor compare-and-set ----

TEST_F(TrackingTest, CursorCasFailuresNameTheChainAndBothValues) {
  ApplyScanParams first = step(5, 6);
  Status s = store_->apply_scan(first);
  EXPECT_EQ(s.code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "store: apply_scan: chain eip155:1: cursor is at no cursor, expected next_block 5 "
            "(another scan moved it)");
  ASSERT_TRUE(store_->apply_scan(step(std::nullopt, 101)).ok());
  s = store_->apply_scan(step(std::nullopt, 102));
  EXPECT_EQ(s.code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "store: apply_scan: chain eip155:1: cursor is at next_block 101, expected no cursor "
            "(another scan moved it)");
  s = store_->apply_scan(step(100, 102));
  EXPECT_EQ(s.code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "store: apply_scan: chain eip155:1: cursor is at next_block 101, expected next_block "
            "100 (another scan moved it)");
  EXPECT_EQ(cursor(), 101U);
}

TEST_F(TrackingTest, CursorCasRaceFromTwoThreadsHasOneWinner) {
  // Two stores on one file: two writer connections, as two processes would have.
  std::unique_ptr<Store> other = open_or_die(path_);
  ASSERT_NE(other, nullptr);
  for (int round = 0; round < 20; ++round) {
    const std::optional<std::uint64_t> from =
        round == 0 ? std::nullopt : std::optional<std::uint64_t>(round * 10);
    std::atomic<int> ready{0};
    Status results[2];
    std::thread threads[2];
    for (int t = 0; t < 2; ++t) {
      threads[t] = std::thread([&, t] {
        ApplyScanParams p = step(from, static_cast<std::uint64_t>(round * 10 + 10));
        p.events = {event("", "evt_r" + std::to_string(round) + "_" + std::to_string(t))};
        p.upsert_payments = {payment("py_r" + std::to_string(round) + "_" + std::to_string(t),
                                     "0xr" + std::to_string(round), 0,
                                     static_cast<std::uint64_t>(round * 10))};
        Store& s = t == 0 ? *store_ : *other;
        ready.fetch_add(1);
        while (ready.load() < 2) std::this_thread::yield();
        results[t] = s.apply_scan(p);
      });
    }
    for (auto& th : threads) th.join();
    const int wins = (results[0].ok() ? 1 : 0) + (results[1].ok() ? 1 : 0);
    ASSERT_EQ(wins, 1) << to_string(results[0]) << " / " << to_string(results[1]);
    const Status& loser = results[0].ok() ? results[1] : results[0];
    EXPECT_EQ(loser.code(), ErrorCode::kFailedPrecondition) << to_string(loser);
    EXPECT_TRUE(
        contains(loser.message(), "cursor is at next_block " + std::to_string(round * 10 + 10)))
        << loser.message();
  }
  EXPECT_EQ(cursor(), 200U);
  EXPECT_EQ(events().size(), 20U) << "only the winners' events";
  EXPECT_EQ(payments().size(), 20U) << "only the winners' payments";
  auto audit = store_->verify_audit_chain({});
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->ok) << audit->problem;
}

// ---- apply_scan: transitions and atomicity ----

TEST_F(TrackingTest, FailingTransitionInTheMiddleLeavesEverythingUnchanged) {
  create("pi_a", 1700000000000);
  create("pi_b", 1700000000001, "succeeded");
  create("pi_c", 1700000000002);
  ASSERT_TRUE(store_->apply_scan(step(std::nullopt, 50)).ok());
  const std::string before = snapshot();
  const std::size_t events_before = events().size();

  ApplyScanParams p = step(50, 60);
  p.forget_blocks_from = 0;
  p.prune_blocks_below = 55;
  p.upsert_payments = {payment("py_1", "0xt1", 0, 55, "pi_a")};
  p.transitions = {transition("pi_a", {"requires_payment"}, "processing", "evt_t1"),
                   transition("pi_b", {"processing"}, "succeeded", "evt_t2"),
                   transition("pi_c", {"requires_payment"}, "processing", "evt_t3")};
  p.events = {event("pi_a", "evt_d1"), event("", "evt_u1")};
  const Status s = store_->apply_scan(p);
  EXPECT_EQ(s.code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "store: apply_scan: transitions[1]: intent pi_b is 'succeeded', not one of "
            "'processing' (to 'succeeded')");
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(events().size(), events_before);
  EXPECT_EQ(cursor(), 50U);
  EXPECT_EQ(intent("pi_a").status, "requires_payment");
  EXPECT_EQ(intent("pi_a").version, 1U);
  EXPECT_TRUE(payments().empty());

  // The same step without the bad transition applies whole.
  p.transitions.erase(p.transitions.begin() + 1);
  ASSERT_TRUE(store_->apply_scan(p).ok());
  EXPECT_EQ(cursor(), 60U);
  EXPECT_EQ(intent("pi_a").status, "processing");
  EXPECT_EQ(intent("pi_c").status, "processing");
  EXPECT_EQ(events().size(), events_before + 4);
  EXPECT_EQ(blocks().size(), 5U);  // 55..59
}

TEST_F(TrackingTest, FailuresAfterTheCursorMoveRollItBack) {
  create("pi_a");
  ASSERT_TRUE(store_->apply_scan(step(std::nullopt, 10)).ok());
  const std::string before = snapshot();

  ApplyScanParams unknown = step(10, 20);
  unknown.transitions = {transition("pi_nope", {"requires_payment"}, "processing", "evt_x")};
  Status s = store_->apply_scan(unknown);
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.message(), "store: apply_scan: transitions[0]: no intent pi_nope");
  EXPECT_EQ(snapshot(), before);

  ApplyScanParams reused = step(10, 20);
  reused.events = {event("pi_a", "evt_c_pi_a")};  // the created event's id
  s = store_->apply_scan(reused);
  EXPECT_EQ(s.code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(s.message(), "store: apply_scan: event evt_c_pi_a exists already");
  EXPECT_EQ(snapshot(), before);

  ApplyScanParams twice = step(10, 20);
  twice.events = {event("", "evt_same"), event("", "evt_same")};
  s = store_->apply_scan(twice);
  EXPECT_EQ(s.code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(snapshot(), before);

  ApplyScanParams no_intent = step(10, 20);
  no_intent.events = {event("pi_zz", "evt_z")};
  s = store_->apply_scan(no_intent);
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.message(), "store: apply_scan: events[0] (evt_z): no intent pi_zz");
  EXPECT_EQ(snapshot(), before);

  // A transition's event id colliding with a later free event.
  ApplyScanParams clash = step(10, 20);
  clash.transitions = {transition("pi_a", {"requires_payment"}, "processing", "evt_k")};
  clash.events = {event("pi_a", "evt_k")};
  s = store_->apply_scan(clash);
  EXPECT_EQ(s.code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(intent("pi_a").status, "requires_payment");
}

TEST_F(TrackingTest, TransitionsInOneStepSeeEachOther) {
  create("pi_a");
  ApplyScanParams p = step(std::nullopt, 1);
  TransitionIntentParams t1 = transition("pi_a", {"requires_payment"}, "processing", "evt_1");
  t1.expected_version = 1;
  TransitionIntentParams t2 = transition("pi_a", {"processing"}, "succeeded", "evt_2");
  t2.expected_version = 2;
  t2.flags_json = R"(["overpaid"])";
  p.transitions = {t1, t2};
  ASSERT_TRUE(store_->apply_scan(p).ok());
  const IntentRow a = intent("pi_a");
  EXPECT_EQ(a.status, "succeeded");
  EXPECT_EQ(a.version, 3U);
  EXPECT_EQ(a.flags_json, R"(["overpaid"])");
  const auto ev = events();
  ASSERT_EQ(ev.size(), 3U);
  EXPECT_EQ(ev[2].intent_seq, 3U);
}

TEST_F(TrackingTest, ExpectedVersionGuardsApplyScanTransitions) {
  create("pi_a");
  ApplyScanParams p = step(std::nullopt, 1);
  TransitionIntentParams t = transition("pi_a", {"requires_payment"}, "processing", "evt_1");
  t.expected_version = 4;
  p.transitions = {t};
  const Status s = store_->apply_scan(p);
  EXPECT_EQ(s.code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "store: apply_scan: transitions[0]: intent pi_a is at version 1, expected version 4 "
            "(changed meanwhile)");
  EXPECT_FALSE(cursor().has_value());
  EXPECT_EQ(intent("pi_a").version, 1U);
}

TEST_F(TrackingTest, ExpectedVersionGuardsTransitionIntent) {
  create("pi_a");
  TransitionIntentParams t = transition("pi_a", {"requires_payment"}, "processing", "evt_1");
  t.expected_version = 2;
  auto r = store_->transition_intent(t);
  EXPECT_EQ(r.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(),
            "store: transition_intent: intent pi_a is at version 1, expected version 2 (changed "
            "meanwhile)");
  EXPECT_EQ(intent("pi_a").status, "requires_payment");
  t.expected_version = 1;
  r = store_->transition_intent(t);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(r->version, 2U);
  // A stale writer holding version 1 loses now.
  TransitionIntentParams stale = transition("pi_a", {"processing"}, "canceled", "evt_2");
  stale.expected_version = 1;
  r = store_->transition_intent(stale);
  EXPECT_EQ(r.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(contains(r.status().message(), "pi_a is at version 2, expected version 1"))
      << r.status().message();
  EXPECT_EQ(events().size(), 2U);
}

TEST_F(TrackingTest, BadApplyScanParamsAreInvalidArgumentAndWriteNothing) {
  create("pi_a");
  const std::string before = snapshot();
  struct Case {
    void (*edit)(ApplyScanParams&);
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](ApplyScanParams& p) { p.chain.clear(); }, "store: apply_scan: chain is empty"},
      {[](ApplyScanParams& p) { p.new_next_block = std::uint64_t{1} << 63; },
       "store: apply_scan: new_next_block 9223372036854775808 is more than "
       "9223372036854775807"},
      {[](ApplyScanParams& p) { p.expected_next_block = std::uint64_t{1} << 63; },
       "store: apply_scan: expected_next_block 9223372036854775808 is more than "
       "9223372036854775807"},
      {[](ApplyScanParams& p) { p.forget_blocks_from = std::uint64_t{1} << 63; },
       "store: apply_scan: forget_blocks_from 9223372036854775808 is more than "
       "9223372036854775807"},
      {[](ApplyScanParams& p) { p.prune_blocks_below = std::uint64_t{1} << 63; },
       "store: apply_scan: prune_blocks_below 9223372036854775808 is more than "
       "9223372036854775807"},
      {[](ApplyScanParams& p) {
         p.remember_blocks = {BlockHashRow{kBase, 1, "0x1"}};
       },
       "store: apply_scan: remember_blocks[0].chain 'eip155:8453' is not the scan's chain "
       "'eip155:1'"},
      {[](ApplyScanParams& p) {
         p.remember_blocks = {block(1), BlockHashRow{kEth, 2, ""}};
       },
       "store: apply_scan: remember_blocks[1].hash is empty"},
      {[](ApplyScanParams& p) { p.transitions = {transition("pi_a", {}, "processing", "evt_1")}; },
       "store: apply_scan: transitions[0].from_statuses is empty"},
      {[](ApplyScanParams& p) {
         p.transitions = {transition("pi_a", {"requires_payment"}, "", "evt_1")};
       },
       "store: apply_scan: transitions[0].to_status is empty"},
      {[](ApplyScanParams& p) {
         p.transitions = {transition("pi_a", {"requires_payment"}, "processing", "")};
       },
       "store: apply_scan: transitions[0].event.id is empty"},
      {[](ApplyScanParams& p) {
         p.transitions = {transition("pi_a", {"requires_payment"}, "processing", "e")};
         p.transitions[0].flags_json = "{}";
       },
       "store: apply_scan: transitions[0].flags_json is not a JSON array"},
      {[](ApplyScanParams& p) {
         p.events = {event("", "evt_1")};
         p.events[0].event.data_json = "[]";
       },
       "store: apply_scan: events[0].event.data_json is not a JSON object"},
      {[](ApplyScanParams& p) {
         p.events = {event("", "evt_1"), event("", "")};
       },
       "store: apply_scan: events[1].event.id is empty"},
      {[](ApplyScanParams& p) {
         p.events = {event("", "evt_1")};
         p.events[0].event.actor.clear();
       },
       "store: apply_scan: events[0].event.actor is empty"},
  };
  for (const Case& c : cases) {
    ApplyScanParams p = step(std::nullopt, 1);
    c.edit(p);
    const Status s = store_->apply_scan(p);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << c.message;
    EXPECT_EQ(s.message(), c.message);
  }
  EXPECT_EQ(snapshot(), before);
}

// ---- reads ----

TEST_F(TrackingTest, ReadsRefuseBadParams) {
  auto c = store_->get_cursor({""});
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(), "store: get_cursor: chain is empty");
  auto b = store_->list_block_hashes({"", 0, 10});
  EXPECT_EQ(b.status().message(), "store: list_block_hashes: chain is empty");
  b = store_->list_block_hashes({kEth, std::uint64_t{1} << 63, 10});
  EXPECT_EQ(b.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(b.status().message(),
            "store: list_block_hashes: from_number 9223372036854775808 is more than "
            "9223372036854775807");
  b = store_->list_block_hashes({kEth, 0, 0});
  EXPECT_EQ(b.status().message(), "store: list_block_hashes: limit 0 is outside 1..1000000");
  ListPaymentsParams lp;
  lp.limit = 0;
  auto pays = store_->list_payments(lp);
  EXPECT_EQ(pays.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(pays.status().message(), "store: list_payments: limit 0 is outside 1..100000");
  lp.limit = 100001;
  EXPECT_EQ(store_->list_payments(lp).status().code(), ErrorCode::kInvalidArgument);
  ListOpenIntentsParams lo;
  lo.statuses = {"requires_payment"};
  lo.limit = 0;
  auto open = store_->list_open_intents(lo);
  EXPECT_EQ(open.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(open.status().message(), "store: list_open_intents: limit 0 is outside 1..1000000");
  lo.limit = 10;
  lo.statuses.assign(65, "s");
  open = store_->list_open_intents(lo);
  EXPECT_EQ(open.status().message(), "store: list_open_intents: 65 statuses, more than 64");
}

TEST_F(TrackingTest, ListPaymentsFiltersCombineWithAndInBlockOrder) {
  create("pi_a");
  create("pi_b", 1700000000001);
  ApplyScanParams p = step(std::nullopt, 1);
  PaymentRow final_a = payment("py_4", "0xt4", 1, 7, "pi_a");
  final_a.status = "final";
  p.upsert_payments = {
      payment("py_1", "0xt1", 5, 9, "pi_a"),
      payment("py_2", "0xt2", 2, 7, "pi_b"),
      payment("py_3", "0xt3", 0, 7),
      final_a,
      payment("py_5", "0xt5", 0, 3, "", kBase),
      payment("py_6", "0xt1", 5, 9, "pi_a", kBase),  // same (block, log) as py_1, other chain
  };
  ASSERT_TRUE(store_->apply_scan(p).ok());
  auto ids = [&](ListPaymentsParams q) {
    std::vector<std::string> out;
    for (const auto& r : payments(q)) out.push_back(r.id);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids({}), (V{"py_5", "py_3", "py_4", "py_2", "py_1", "py_6"}));
  ListPaymentsParams q;
  q.intent_id = "pi_a";
  EXPECT_EQ(ids(q), (V{"py_4", "py_1", "py_6"}));
  q.chain = kEth;
  EXPECT_EQ(ids(q), (V{"py_4", "py_1"}));
  q.status = "pending";
  EXPECT_EQ(ids(q), (V{"py_1"}));
  q.tx_hash = "0xt4";
  EXPECT_TRUE(ids(q).empty());
  ListPaymentsParams unmatched;
  unmatched.intent_id = "";
  EXPECT_EQ(ids(unmatched), (V{"py_5", "py_3"}));
  ListPaymentsParams by_tx;
  by_tx.tx_hash = "0xt1";
  EXPECT_EQ(ids(by_tx), (V{"py_1", "py_6"}));
  ListPaymentsParams limited;
  limited.limit = 2;
  EXPECT_EQ(ids(limited), (V{"py_5", "py_3"}));
  ListPaymentsParams none;
  none.intent_id = "pi_zz";
  EXPECT_TRUE(ids(none).empty());
}

TEST_F(TrackingTest, FinalHeadBlockIsKeptWhileFinalAndClearedAfter) {
  create("pi_a");
  ApplyScanParams p = step(std::nullopt, 101);
  p.upsert_payments = {payment("py_1", "0xt1", 0, 100, "pi_a")};
  ASSERT_TRUE(store_->apply_scan(p).ok());
  EXPECT_FALSE(payments().at(0).final_head_block.has_value());
  PaymentRow final_row = payment("py_1", "0xt1", 0, 100, "pi_a");
  final_row.status = "final";
  final_row.final_at_ms = 1700000200000;
  final_row.final_head_block = 111;
  ApplyScanParams q = step(101, 112);
  q.upsert_payments = {final_row};
  ASSERT_TRUE(store_->apply_scan(q).ok());
  EXPECT_EQ(payments().at(0).final_head_block, std::optional<std::uint64_t>(111));
  {
    Raw raw(path_);
    EXPECT_EQ(raw.one("SELECT final_head_block FROM payments WHERE id = 'py_1'"), "111");
  }
  // Orphaned again: the tracker clears it, and the store keeps NULL.
  PaymentRow orphaned = final_row;
  orphaned.status = "orphaned";
  orphaned.final_at_ms = 0;
  orphaned.final_head_block.reset();
  ApplyScanParams r = step(112, 113);
  r.upsert_payments = {orphaned};
  ASSERT_TRUE(store_->apply_scan(r).ok());
  EXPECT_FALSE(payments().at(0).final_head_block.has_value());
  Raw raw(path_);
  EXPECT_EQ(raw.one("SELECT final_head_block IS NULL FROM payments WHERE id = 'py_1'"), "1");
  // The table refuses a head at finality on a payment that is not final
  // even when written behind the store's back.
  EXPECT_NE(raw.exec("UPDATE payments SET final_head_block = 200 WHERE id = 'py_1'"), SQLITE_OK);
}

TEST_F(TrackingTest, ListByAddressUsesTheIndexesAndIgnoresAsciiCase) {
  create("pi_a");
  ApplyScanParams p = step(std::nullopt, 1);
  PaymentRow from_x = payment("py_1", "0xt1", 0, 5);
  from_x.from_address = "0xAbC0000000000000000000000000000000000001";
  PaymentRow to_x = payment("py_2", "0xt2", 0, 4, "pi_a");
  to_x.to_address = "0xabc0000000000000000000000000000000000001";
  PaymentRow other = payment("py_3", "0xt3", 0, 3);
  p.upsert_payments = {from_x, to_x, other};
  ASSERT_TRUE(store_->apply_scan(p).ok());
  ListPaymentsParams q;
  q.address = "0xABC0000000000000000000000000000000000001";
  std::vector<std::string> ids;
  for (const auto& r : payments(q)) ids.push_back(r.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"py_2", "py_1"}));  // block order
  q.intent_id = "";
  ids.clear();
  for (const auto& r : payments(q)) ids.push_back(r.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"py_1"}));  // filters combine

  ListIntentsParams ip;
  ip.deposit_address = intent("pi_a").deposit_address;
  for (char& c : *ip.deposit_address) c = static_cast<char>(std::toupper(c));
  auto page = store_->list_intents(ip);
  ASSERT_TRUE(page.ok()) << to_string(page.status());
  ASSERT_EQ(page->intents.size(), 1U);
  EXPECT_EQ(page->intents[0].id, "pi_a");
  ip.deposit_address = "0x2222222222222222222222222222222222222222";
  page = store_->list_intents(ip);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->intents.empty());

  // The query plans use the address indexes, not a table scan.
  auto plan_of = [&](const std::string& sql) {
    sqlite3* db = nullptr;
    std::string out;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &st, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
      out += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
      out += " | ";
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  };
  const std::string plan = plan_of(
      "SELECT id FROM payments WHERE to_address = 'x' COLLATE NOCASE OR from_address = 'x' "
      "COLLATE NOCASE");
  EXPECT_TRUE(contains(plan, "payments_to_address")) << plan;
  EXPECT_TRUE(contains(plan, "payments_from_address")) << plan;
  const std::string iplan =
      plan_of("SELECT id FROM intents WHERE deposit_address = 'x' COLLATE NOCASE");
  EXPECT_TRUE(contains(iplan, "intents_deposit_address")) << iplan;
}

TEST_F(TrackingTest, ListOpenIntentsByStatusOldestFirst) {
  create("pi_c", 1700000000300);
  create("pi_a", 1700000000100);
  create("pi_b", 1700000000200, "succeeded");
  create("pi_d", 1700000000100, "expired");  // same time as pi_a: then by id
  ListOpenIntentsParams p;
  p.statuses = {"requires_payment", "expired"};
  auto r = store_->list_open_intents(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  std::vector<std::string> ids;
  for (const auto& row : *r) ids.push_back(row.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"pi_a", "pi_d", "pi_c"}));
  EXPECT_EQ((*r)[0].order_id, "order-pi_a");
  p.limit = 1;
  r = store_->list_open_intents(p);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1U);
  EXPECT_EQ((*r)[0].id, "pi_a");
  p.statuses.clear();
  r = store_->list_open_intents(p);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

// ---- migration ----

TEST(TrackingMigrationTest, VersionOneFileIsMigratedAndKeepsItsData) {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  {
    std::unique_ptr<Store> store = open_or_die(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->create_intent(create_params("pi_old")).ok());
    ASSERT_TRUE(store->allocate_deposit_index({kEth, "k"}).ok());
  }
  {
    // Turn the file back into what the version 1 code left: the tables of
    // migrations 2 and 3 (and with them their indexes), migration 5's
    // intents index and their schema_version rows gone.
    Raw raw(path);
    raw.exec_or_fail(
        "BEGIN; DROP TABLE webhook_attempts; DROP TABLE webhook_deliveries; "
        "DROP TABLE webhook_endpoints; DROP TABLE payments; DROP TABLE chain_cursors; "
        "DROP TABLE block_hashes; DROP INDEX intents_deposit_address; "
        "DELETE FROM schema_version WHERE version >= 2; COMMIT");
    ASSERT_EQ(raw.one("SELECT MAX(version) FROM schema_version"), "1");
    ASSERT_EQ(raw.one("SELECT count(*) FROM sqlite_schema WHERE name IN ('payments', "
                      "'chain_cursors', 'block_hashes')"),
              "0");
  }
  std::unique_ptr<Store> store = open_or_die(path);
  ASSERT_NE(store, nullptr);
  {
    Raw raw(path);
    EXPECT_EQ(raw.one("SELECT group_concat(version, ',') FROM schema_version"), "1,2,3,4,5,6,7");
    EXPECT_EQ(raw.one("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN "
                      "('payments_intent', 'payments_chain_status', 'payments_tx_hash')"),
              "3");
  }
  auto old = store->get_intent({"pi_old"});
  ASSERT_TRUE(old.ok()) << to_string(old.status());
  EXPECT_EQ(old->order_id, "order-pi_old");
  auto next = store->allocate_deposit_index({kEth, "k"});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 1U);
  ApplyScanParams p = step(std::nullopt, 5);
  p.upsert_payments = {payment("py_1", "0xt1", 0, 4, "pi_old")};
  p.transitions = {transition("pi_old", {"requires_payment"}, "processing", "evt_t")};
  const Status s = store->apply_scan(p);
  ASSERT_TRUE(s.ok()) << to_string(s);
  auto audit = store->verify_audit_chain({});
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->ok) << audit->problem;
  EXPECT_EQ(audit->events_checked, 2U);
}

TEST(TrackingMigrationTest, VersionFourFileGainsTheHeadAtFinalityAndAddressIndexes) {
  TempDir dir;
  const std::string path = dir.file("v4.db");
  {
    std::unique_ptr<Store> store = open_or_die(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->create_intent(create_params("pi_old")).ok());
  }
  {
    // What the version 4 code left: a final payment, no migration 5 (nor
    // 6: the webhook indexes as migration 3 made them).
    Raw raw(path);
    raw.exec_or_fail(
        "BEGIN; DROP INDEX webhook_deliveries_pending; CREATE INDEX webhook_deliveries_heads ON "
        "webhook_deliveries (endpoint_id, intent_id) WHERE is_head = 1; CREATE INDEX "
        "webhook_deliveries_order ON webhook_deliveries (endpoint_id, intent_id, event_seq) WHERE "
        "status = 'pending'; CREATE INDEX webhook_attempts_event ON webhook_attempts (event_id, "
        "started_at_ms); "
        "DROP INDEX payments_to_address; DROP INDEX payments_from_address; "
        "DROP INDEX intents_deposit_address; ALTER TABLE payments DROP COLUMN final_head_block; "
        "INSERT INTO payments (id, chain, tx_hash, log_index, block_number, block_hash, "
        "block_time, token_contract, from_address, to_address, amount_base_units, intent_id, "
        "status, flags_json, detected_at_ms, final_at_ms, updated_at_ms) VALUES ('py_old', "
        "'eip155:1', '0xt', 0, 7, '0xb7', 1700000007, '0xtok', '0xfrom', '0xto', '5', 'pi_old', "
        "'final', '[]', 1, 2, 2); DELETE FROM schema_version WHERE version >= 5; COMMIT");
    ASSERT_EQ(raw.one("SELECT MAX(version) FROM schema_version"), "4");
  }
  std::unique_ptr<Store> store = open_or_die(path);
  ASSERT_NE(store, nullptr);
  Raw raw(path);
  EXPECT_EQ(raw.one("SELECT group_concat(version, ',') FROM schema_version"), "1,2,3,4,5,6,7");
  EXPECT_EQ(raw.one("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN "
                    "('payments_to_address', 'payments_from_address', 'intents_deposit_address')"),
            "3");
  ListPaymentsParams q;
  auto pays = store->list_payments(q);
  ASSERT_TRUE(pays.ok()) << to_string(pays.status());
  ASSERT_EQ(pays->size(), 1U);
  EXPECT_EQ((*pays)[0].status, "final");
  EXPECT_FALSE((*pays)[0].final_head_block.has_value());  // unknown for older payments
}

}  // namespace
}  // namespace usd1pay
