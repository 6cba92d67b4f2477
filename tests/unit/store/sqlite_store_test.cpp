// The SQLite Store against real database files in a temporary directory (no
// mocks): every operation's results and errors, idempotency, concurrency
// within one process, the append-only and hash-chained event log, and the
// files open must refuse. Processes and crashes: tests/integration/store.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/event_hash.h"
#include "support/raw_sqlite.h"
#include "support/store_fixtures.h"
#include "support/temp_dir.h"
#include "usd1pay/store.h"

namespace usd1pay {
namespace {

using testing::read_file;
using testing::TempDir;
using testing::write_file;

// ---- helpers ----

IntentRow sample_intent(const std::string& id, std::optional<std::string> key = std::nullopt,
                        const std::string& request_hash = "rh-1") {
  IntentRow r = testing::sample_intent(id);
  r.deposit_index = 7;
  r.reference = "";
  r.payment_uri = "ethereum:0x8d0D000Ee44948FC98c9B98A4FA4921476f08B0d@1/transfer";
  r.metadata_json = R"({"till":"3"})";
  r.idempotency_key = std::move(key);
  r.request_hash = request_hash;
  r.flags_json = "[]";
  return r;
}

CreateIntentParams create_params(const std::string& id,
                                 std::optional<std::string> key = std::nullopt,
                                 const std::string& request_hash = "rh-1") {
  CreateIntentParams p = testing::sample_create(sample_intent(id, std::move(key), request_hash));
  p.created.data_json = R"({"id":")" + id + "\"}";
  return p;
}

TransitionIntentParams transition_params(const std::string& id, std::vector<std::string> from,
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
  p.event.data_json = "{}";
  return p;
}

std::unique_ptr<Store> open_or_die(const std::string& path, bool create = true) {
  SqliteStoreOptions o;
  o.path = path;
  o.create = create;
  auto store = open_sqlite_store(o);
  if (!store.ok()) {
    ADD_FAILURE() << to_string(store.status());
    return nullptr;
  }
  return std::move(store).value();
}

Status open_status(const std::string& path, bool create = true) {
  SqliteStoreOptions o;
  o.path = path;
  o.create = create;
  return open_sqlite_store(o).status();
}

using Raw = testing::RawSqlite;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("store.db");
    store_ = open_or_die(path_);
    ASSERT_NE(store_, nullptr);
  }
  std::vector<EventRow> all_events(std::optional<std::string> intent_id = std::nullopt) {
    ListEventsParams p;
    p.intent_id = std::move(intent_id);
    p.limit = 10000;
    auto events = store_->list_events(p);
    EXPECT_TRUE(events.ok()) << to_string(events.status());
    return events.ok() ? *events : std::vector<EventRow>{};
  }
  std::size_t intent_count() {
    Raw raw(path_);
    return std::stoul(raw.one("SELECT count(*) FROM intents"));
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

// ---- open ----

TEST_F(SqliteStoreTest, OpenCreatesAWalStoreWithOurApplicationIdAndSchemaVersion) {
  Raw raw(path_);
  EXPECT_EQ(raw.one("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.one("PRAGMA application_id"), std::to_string(0x55534431));
  EXPECT_EQ(raw.one("SELECT MAX(version) FROM schema_version"), "7");
  EXPECT_EQ(raw.one("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"), "2");
}

TEST_F(SqliteStoreTest, ReopenKeepsDataAndDoesNotMigrateAgain) {
  ASSERT_TRUE(store_->create_intent(create_params("pi_a")).ok());
  ASSERT_TRUE(store_->allocate_deposit_index({"eip155:1", "k"}).ok());
  store_.reset();
  store_ = open_or_die(path_, /*create=*/false);
  ASSERT_NE(store_, nullptr);
  auto got = store_->get_intent({"pi_a"});
  ASSERT_TRUE(got.ok()) << to_string(got.status());
  EXPECT_EQ(got->order_id, "order-pi_a");
  auto next = store_->allocate_deposit_index({"eip155:1", "k"});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 1U);
  Raw raw(path_);
  EXPECT_EQ(raw.one("SELECT count(*) FROM schema_version"), "7");
}

TEST(SqliteStoreOpenTest, MissingFileWithoutCreateIsNotFoundNamingThePath) {
  TempDir dir;
  const std::string path = dir.file("absent.db");
  const Status s = open_status(path, /*create=*/false);
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.message(), "store: " + path + " does not exist");
  EXPECT_FALSE(std::ifstream(path).good()) << "open without create must not create the file";
}

TEST(SqliteStoreOpenTest, MissingDirectoryIsAnIoErrorNamingThePath) {
  TempDir dir;
  const std::string path = dir.file("no/such/dir/x.db");
  const Status s = open_status(path);
  EXPECT_EQ(s.code(), ErrorCode::kIo);
  EXPECT_TRUE(contains(s.message(), path)) << s.message();
}

TEST(SqliteStoreOpenTest, RefusesPathsThatAreNotFiles) {
  TempDir dir;
  EXPECT_EQ(open_status("").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(open_status(":memory:").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(open_status("file:x.db?mode=memory").code(), ErrorCode::kInvalidArgument);
  const Status s = open_status(dir.path());
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "store: " + dir.path() + " is not a regular file");
}

TEST(SqliteStoreOpenTest, NegativeBusyTimeoutIsRefused) {
  TempDir dir;
  SqliteStoreOptions o;
  o.path = dir.file("x.db");
  o.busy_timeout_ms = -1;
  EXPECT_EQ(open_sqlite_store(o).status().code(), ErrorCode::kInvalidArgument);
}

TEST(SqliteStoreOpenTest, SynchronousNormalOpensAndWorks) {
  TempDir dir;
  SqliteStoreOptions o;
  o.path = dir.file("x.db");
  o.synchronous = SqliteSynchronous::kNormal;
  auto store = open_sqlite_store(o);
  ASSERT_TRUE(store.ok()) << to_string(store.status());
  EXPECT_TRUE((*store)->create_intent(create_params("pi_n")).ok());
}

TEST(SqliteStoreOpenTest, RandomBytesAreNotASqliteDatabaseAndStayUntouched) {
  TempDir dir;
  const std::string path = dir.file("junk.db");
  std::string junk;
  for (int i = 0; i < 8192; ++i) junk += static_cast<char>((i * 7919 + 13) % 256);
  write_file(path, junk);
  for (bool create : {true, false}) {
    const Status s = open_status(path, create);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.message(), "store: " + path + " is not a SQLite database");
  }
  EXPECT_EQ(read_file(path), junk);
}

TEST(SqliteStoreOpenTest, ShortTextFileIsNotASqliteDatabase) {
  TempDir dir;
  const std::string path = dir.file("notes.txt");
  write_file(path, "hello, this is not a database\n");
  const Status s = open_status(path);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "store: " + path + " is not a SQLite database");
}

TEST(SqliteStoreOpenTest, SqliteHeaderWithGarbageAfterItIsAClearError) {
  TempDir dir;
  const std::string path = dir.file("damaged.db");
  {
    auto store = open_or_die(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->create_intent(create_params("pi_a")).ok());
  }
  std::string bytes = read_file(path);
  ASSERT_GT(bytes.size(), 4096U);
  // Keep the 16-byte magic, wreck the rest of the header and the first pages.
  for (std::size_t i = 16; i < bytes.size(); ++i) bytes[i] = static_cast<char>(0xA5);
  write_file(path, bytes);
  const Status s = open_status(path);
  EXPECT_NE(s.code(), ErrorCode::kOk);
  EXPECT_TRUE(s.code() == ErrorCode::kInvalidArgument || s.code() == ErrorCode::kIo)
      << to_string(s);
  EXPECT_TRUE(contains(s.message(), path)) << s.message();
}

TEST(SqliteStoreOpenTest, EmptyFileNeedsCreateAndIsInitialisedWithIt) {
  TempDir dir;
  const std::string path = dir.file("empty.db");
  write_file(path, "");
  const Status s = open_status(path, /*create=*/false);
  EXPECT_EQ(s.code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(contains(s.message(), "store: " + path + " is an empty database")) << s.message();
  EXPECT_EQ(read_file(path), "") << "refusing must not write";
  auto store = open_or_die(path, /*create=*/true);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->create_intent(create_params("pi_e")).ok());
}

TEST(SqliteStoreOpenTest, ANewStoreAndItsWalAreReadableByTheOwnerOnly) {
  TempDir dir;
  const std::string path = dir.file("secrets.db");
  const mode_t old_mask = ::umask(022);  // the usual mask would give 0644
  auto store = open_or_die(path, /*create=*/true);
  ::umask(old_mask);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->create_intent(create_params("pi_m")).ok());
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0) << file;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << file;
  }
}

TEST(SqliteStoreOpenTest, AnExistingFileKeepsTheModeItsOwnerGaveIt) {
  TempDir dir;
  const std::string path = dir.file("shared.db");
  write_file(path, "");
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  auto store = open_or_die(path, /*create=*/true);
  ASSERT_NE(store, nullptr);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

// Openers racing on one new file: whichever initialises it, the others must
// see either the empty file or the finished store, never a store in between
// (an application_id read before the other's migration and a table count
// read after it made a racing opener call the file foreign).
TEST(SqliteStoreOpenTest, OpenersRacingOnANewFileAllGetTheStore) {
  TempDir dir;
  constexpr int kRounds = 40;
  constexpr int kOpeners = 6;
  for (int round = 0; round < kRounds; ++round) {
    const std::string path = dir.file("race" + std::to_string(round) + ".db");
    std::atomic<int> waiting{kOpeners};
    std::vector<Status> statuses(kOpeners);
    std::vector<std::thread> threads;
    for (int t = 0; t < kOpeners; ++t) {
      threads.emplace_back([&, t] {
        --waiting;
        while (waiting.load() > 0) std::this_thread::yield();
        // Staggered so that some openers look while the first one migrates.
        std::this_thread::sleep_for(std::chrono::microseconds(((t * 7 + round) % 16) * 1000));
        statuses[static_cast<std::size_t>(t)] = open_status(path);
      });
    }
    for (auto& th : threads) th.join();
    for (const Status& s : statuses)
      ASSERT_TRUE(s.ok()) << "round " << round << ": " << to_string(s);
    Raw raw(path);
    ASSERT_EQ(raw.one("SELECT count(*) FROM schema_version"), "7") << "migrated once";
  }
}

TEST(SqliteStoreOpenTest, ForeignSqliteDatabaseIsRefusedAndLeftAsItWas) {
  TempDir dir;
  const std::string path = dir.file("other.db");
  {
    Raw raw(path);
    ASSERT_EQ(raw.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)"), SQLITE_OK);
  }
  for (bool create : {true, false}) {
    const Status s = open_status(path, create);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.message(), "store: " + path +
                               " is a SQLite database but not a usd1pay store (application_id "
                               "0x00000000, usd1pay's is 0x55534431)");
  }
  Raw raw(path);
  EXPECT_EQ(raw.one("PRAGMA journal_mode"), "delete") << "a foreign file must not be switched";
  EXPECT_EQ(raw.one("SELECT count(*) FROM sqlite_schema"), "1");
}

TEST(SqliteStoreOpenTest, OtherApplicationIdIsRefusedEvenWithoutTables) {
  TempDir dir;
  const std::string path = dir.file("fossil.db");
  {
    Raw raw(path);
    ASSERT_EQ(raw.exec("PRAGMA application_id = 252006673"), SQLITE_OK);  // 0x0f055111
  }
  const Status s = open_status(path);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(s.message(), "(application_id 0x0f055111,")) << s.message();
}

TEST(SqliteStoreOpenTest, NewerSchemaIsFailedPreconditionNamingBothVersions) {
  TempDir dir;
  const std::string path = dir.file("new.db");
  ASSERT_NE(open_or_die(path), nullptr);
  {
    Raw raw(path);
    ASSERT_EQ(raw.exec("INSERT INTO schema_version (version, applied_at_ms) VALUES (8, 0)"),
              SQLITE_OK);
  }
  const Status s = open_status(path);
  EXPECT_EQ(s.code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "store: " + path +
                             " has schema version 8, newer than this build of usd1pay "
                             "understands (7); upgrade usd1pay");
}

TEST(SqliteStoreOpenTest, OurApplicationIdWithoutSchemaTableIsFailedPrecondition) {
  TempDir dir;
  const std::string path = dir.file("half.db");
  {
    Raw raw(path);
    ASSERT_EQ(raw.exec("PRAGMA application_id = 1431520305"), SQLITE_OK);
  }
  const Status s = open_status(path);
  EXPECT_EQ(s.code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(contains(s.message(), "has no readable schema_version table")) << s.message();
}

// ---- create_intent ----

TEST_F(SqliteStoreTest, CreateStoresEveryFieldAndTheCreatedEvent) {
  auto p = create_params("pi_a", std::string("key-1"));
  p.intent.version = 42;  // ignored: a new intent starts at 1
  auto created = store_->create_intent(p);
  ASSERT_TRUE(created.ok()) << to_string(created.status());
  EXPECT_TRUE(created->created);
  EXPECT_EQ(created->intent.version, 1U);

  auto got = store_->get_intent({"pi_a"});
  ASSERT_TRUE(got.ok());
  const IntentRow& r = *got;
  const IntentRow& want = p.intent;
  EXPECT_EQ(r.id, want.id);
  EXPECT_EQ(r.order_id, want.order_id);
  EXPECT_EQ(r.status, want.status);
  EXPECT_EQ(r.chain, want.chain);
  EXPECT_EQ(r.token_symbol, want.token_symbol);
  EXPECT_EQ(r.token_contract, want.token_contract);
  EXPECT_EQ(r.token_decimals, want.token_decimals);
  EXPECT_EQ(r.amount, want.amount);
  EXPECT_EQ(r.currency, want.currency);
  EXPECT_EQ(r.amount_base_units, want.amount_base_units);
  EXPECT_EQ(r.strategy, want.strategy);
  EXPECT_EQ(r.deposit_address, want.deposit_address);
  EXPECT_EQ(r.deposit_index, want.deposit_index);
  EXPECT_EQ(r.reference, want.reference);
  EXPECT_EQ(r.payment_uri, want.payment_uri);
  EXPECT_EQ(r.metadata_json, want.metadata_json);
  EXPECT_EQ(r.idempotency_key, want.idempotency_key);
  EXPECT_EQ(r.request_hash, want.request_hash);
  EXPECT_EQ(r.flags_json, want.flags_json);
  EXPECT_EQ(r.created_at_ms, want.created_at_ms);
  EXPECT_EQ(r.updated_at_ms, want.updated_at_ms);
  EXPECT_EQ(r.expires_at_ms, want.expires_at_ms);
  EXPECT_EQ(r.version, 1U);

  const auto events = all_events();
  ASSERT_EQ(events.size(), 1U);
  const EventRow& e = events[0];
  EXPECT_EQ(e.seq, 1U);
  EXPECT_EQ(e.id, "evt_c_pi_a");
  EXPECT_EQ(e.intent_id, "pi_a");
  EXPECT_EQ(e.intent_seq, 1U);
  EXPECT_EQ(e.type, "intent.created");
  EXPECT_EQ(e.actor, "api:shop");
  EXPECT_EQ(e.created_at_ms, 1700000000000);
  EXPECT_EQ(e.data_json, R"({"id":"pi_a"})");
  EXPECT_EQ(e.prev_hash, std::string(64, '0'));
  EXPECT_EQ(e.hash, store_internal::event_hash(e.prev_hash, e));
}

TEST_F(SqliteStoreTest, OptionalFieldsRoundTripAsAbsent) {
  auto p = create_params("pi_b");
  p.intent.deposit_index.reset();
  p.intent.strategy = "reference";
  p.intent.reference = "Fz1...ref";
  p.intent.token_contract = "";
  p.intent.metadata_json = "{}";
  p.intent.flags_json = R"(["overpaid"])";
  ASSERT_TRUE(store_->create_intent(p).ok());
  auto got = store_->get_intent({"pi_b"});
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->deposit_index.has_value());
  EXPECT_FALSE(got->idempotency_key.has_value());
  EXPECT_EQ(got->reference, "Fz1...ref");
  EXPECT_EQ(got->token_contract, "");
  EXPECT_EQ(got->flags_json, R"(["overpaid"])");
}

TEST_F(SqliteStoreTest, DepositIndexExtremesRoundTrip) {
  for (std::uint32_t index : {0U, 2147483647U, 4294967295U}) {
    auto p = create_params("pi_" + std::to_string(index));
    p.intent.deposit_index = index;
    ASSERT_TRUE(store_->create_intent(p).ok());
    auto got = store_->get_intent({p.intent.id});
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->deposit_index, index);
  }
}

TEST_F(SqliteStoreTest, SameKeySameRequestReturnsTheFirstIntentAndWritesNothing) {
  ASSERT_TRUE(store_->create_intent(create_params("pi_first", std::string("k"), "rh")).ok());
  // A retry: the caller generated a fresh id, but the key and parameters match.
  auto again = store_->create_intent(create_params("pi_retry", std::string("k"), "rh"));
  ASSERT_TRUE(again.ok()) << to_string(again.status());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->intent.id, "pi_first");
  EXPECT_EQ(again->intent.version, 1U);
  EXPECT_EQ(store_->get_intent({"pi_retry"}).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(all_events().size(), 1U);
}

TEST_F(SqliteStoreTest, SameKeyOtherRequestIsConflictNamingTheKey) {
  ASSERT_TRUE(store_->create_intent(create_params("pi_first", std::string("k-77"), "rh")).ok());
  auto other = store_->create_intent(create_params("pi_other", std::string("k-77"), "rh-else"));
  EXPECT_EQ(other.status().code(), ErrorCode::kConflict);
  EXPECT_EQ(other.status().message(),
            "store: create_intent: idempotency key 'k-77' was used for intent pi_first with "
            "different parameters");
  EXPECT_EQ(intent_count(), 1U);
  EXPECT_EQ(all_events().size(), 1U);
}

TEST_F(SqliteStoreTest, KeyIsCaseSensitiveAndIntentsWithoutKeyDoNotCollide) {
  ASSERT_TRUE(store_->create_intent(create_params("pi_1", std::string("K"))).ok());
  auto lower = store_->create_intent(create_params("pi_2", std::string("k")));
  ASSERT_TRUE(lower.ok());
  EXPECT_TRUE(lower->created);
  ASSERT_TRUE(store_->create_intent(create_params("pi_3")).ok());
  ASSERT_TRUE(store_->create_intent(create_params("pi_4")).ok());
  EXPECT_EQ(intent_count(), 4U);
}

TEST_F(SqliteStoreTest, DuplicateIdIsAlreadyExistsAndWritesNothing) {
  ASSERT_TRUE(store_->create_intent(create_params("pi_a")).ok());
  auto p = create_params("pi_a");
  p.created.id = "evt_other";
  auto dup = store_->create_intent(p);
  EXPECT_EQ(dup.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(dup.status().message(), "store: create_intent: intent pi_a exists already");
  EXPECT_EQ(all_events().size(), 1U);
}

TEST_F(SqliteStoreTest, DuplicateEventIdRollsTheIntentBack) {
  ASSERT_TRUE(store_->create_intent(create_params("pi_a")).ok());
  auto p = create_params("pi_b");
  p.created.id = "evt_c_pi_a";
  auto dup = store_->create_intent(p);
  EXPECT_EQ(dup.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(dup.status().message(), "store: create_intent: event evt_c_pi_a exists already");
  EXPECT_EQ(store_->get_intent({"pi_b"}).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(intent_count(), 1U);
}

struct BadCreate {
  const char* name;
  void (*edit)(CreateIntentParams&);
  const char* message;  // after "store: create_intent: "
};

TEST_F(SqliteStoreTest, BadCreateParamsAreInvalidArgumentNamingTheFieldAndWriteNothing) {
  const BadCreate cases[] = {
      {"empty id", [](CreateIntentParams& p) { p.intent.id = ""; }, "intent.id is empty"},
      {"NUL in id", [](CreateIntentParams& p) { p.intent.id = std::string("pi_\0x", 5); },
       "intent.id contains a NUL byte"},
      {"empty order", [](CreateIntentParams& p) { p.intent.order_id = ""; },
       "intent.order_id is empty"},
      {"long order", [](CreateIntentParams& p) { p.intent.order_id = std::string(201, 'o'); },
       "intent.order_id is 201 bytes, more than 200"},
      {"empty status", [](CreateIntentParams& p) { p.intent.status = ""; },
       "intent.status is empty"},
      {"empty chain", [](CreateIntentParams& p) { p.intent.chain = ""; }, "intent.chain is empty"},
      {"empty amount", [](CreateIntentParams& p) { p.intent.amount = ""; },
       "intent.amount is empty"},
      {"empty currency", [](CreateIntentParams& p) { p.intent.currency = ""; },
       "intent.currency is empty"},
      {"base units not digits", [](CreateIntentParams& p) { p.intent.amount_base_units = "1e18"; },
       "intent.amount_base_units '1e18' is not decimal digits"},
      {"negative base units", [](CreateIntentParams& p) { p.intent.amount_base_units = "-1"; },
       "intent.amount_base_units '-1' is not decimal digits"},
      {"empty strategy", [](CreateIntentParams& p) { p.intent.strategy = ""; },
       "intent.strategy is empty"},
      {"empty request hash", [](CreateIntentParams& p) { p.intent.request_hash = ""; },
       "intent.request_hash is empty"},
      {"decimals", [](CreateIntentParams& p) { p.intent.token_decimals = 256; },
       "intent.token_decimals 256 is more than 255"},
      {"empty key", [](CreateIntentParams& p) { p.intent.idempotency_key = ""; },
       "intent.idempotency_key is empty"},
      {"metadata array", [](CreateIntentParams& p) { p.intent.metadata_json = "[]"; },
       "intent.metadata_json is not a JSON object"},
      {"metadata broken", [](CreateIntentParams& p) { p.intent.metadata_json = "{\"a\":"; },
       "intent.metadata_json is not valid JSON"},
      {"metadata empty", [](CreateIntentParams& p) { p.intent.metadata_json = ""; },
       "intent.metadata_json is not valid JSON"},
      {"flags object", [](CreateIntentParams& p) { p.intent.flags_json = "{}"; },
       "intent.flags_json is not a JSON array"},
      {"flags number", [](CreateIntentParams& p) { p.intent.flags_json = "[1]"; },
       "intent.flags_json holds a non-string"},
      {"event id", [](CreateIntentParams& p) { p.created.id = ""; }, "created.id is empty"},
      {"event type", [](CreateIntentParams& p) { p.created.type = ""; }, "created.type is empty"},
      {"event actor", [](CreateIntentParams& p) { p.created.actor = ""; },
       "created.actor is empty"},
      {"event data", [](CreateIntentParams& p) { p.created.data_json = "null"; },
       "created.data_json is not a JSON object"},
  };
  for (const auto& c : cases) {
    auto p = create_params("pi_bad", std::string("key-bad"));
    c.edit(p);
    auto r = store_->create_intent(p);
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << c.name;
    EXPECT_EQ(r.status().message(), std::string("store: create_intent: ") + c.message) << c.name;
  }
  EXPECT_EQ(intent_count(), 0U);
  EXPECT_TRUE(all_events().empty());
  // The boundary: exactly 200 bytes of order id is fine.
  auto p = create_params("pi_ok");
  p.intent.order_id = std::string(200, 'o');
  EXPECT_TRUE(store_->create_intent(p).ok());
}

TEST_F(SqliteStoreTest, SixteenThreadsWithOneKeyCreateOneIntentAndOneEvent) {
  constexpr int kThreads = 16;
  std::vector<std::string> ids(kThreads);
  std::atomic<int> created{0};
  std::atomic<int> failures{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      auto r = store_->create_intent(
          create_params("pi_t" + std::to_string(i), std::string("same-key"), "same-hash"));
      if (!r.ok()) {
        ++failures;
        return;
      }
      if (r->created) ++created;
      ids[static_cast<std::size_t>(i)] = r->intent.id;
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 1U);
  EXPECT_EQ(intent_count(), 1U);
  const auto events = all_events();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].type, "intent.created");
  EXPECT_EQ(events[0].intent_id, ids[0]);
}

TEST_F(SqliteStoreTest, ConcurrentCreatesGiveAGapFreeVerifiedChain) {
  constexpr int kThreads = 8;
  constexpr int kEach = 10;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string id = "pi_" + std::to_string(t) + "_" + std::to_string(i);
        if (!store_->create_intent(create_params(id)).ok()) ++failures;
        // Readers run beside the writers.
        if (!store_->get_intent({id}).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  const auto events = all_events();
  ASSERT_EQ(events.size(), static_cast<std::size_t>(kThreads * kEach));
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].seq, i + 1);
  auto report = store_->verify_audit_chain({});
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->events_checked, static_cast<std::uint64_t>(kThreads * kEach));
}

// ---- allocate_deposit_index ----

TEST_F(SqliteStoreTest, DepositIndexesCountFromZeroPerChainAndKey) {
  for (std::uint32_t want = 0; want < 5; ++want) {
    auto got = store_->allocate_deposit_index({"eip155:1", "xpub-a/0"});
    ASSERT_TRUE(got.ok()) << to_string(got.status());
    EXPECT_EQ(*got, want);
  }
  auto other_key = store_->allocate_deposit_index({"eip155:1", "xpub-b/0"});
  ASSERT_TRUE(other_key.ok());
  EXPECT_EQ(*other_key, 0U);
  auto other_chain = store_->allocate_deposit_index({"eip155:8453", "xpub-a/0"});
  ASSERT_TRUE(other_chain.ok());
  EXPECT_EQ(*other_chain, 0U);
  auto again = store_->allocate_deposit_index({"eip155:1", "xpub-a/0"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 5U);
}

TEST_F(SqliteStoreTest, DepositIndexNeedsChainAndKey) {
  auto no_chain = store_->allocate_deposit_index({"", "k"});
  EXPECT_EQ(no_chain.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(no_chain.status().message(), "store: allocate_deposit_index: chain is empty");
  auto no_key = store_->allocate_deposit_index({"eip155:1", ""});
  EXPECT_EQ(no_key.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(no_key.status().message(), "store: allocate_deposit_index: key_id is empty");
}

TEST_F(SqliteStoreTest, DepositIndexesStopAtTheLastNonHardenedIndex) {
  ASSERT_TRUE(store_->allocate_deposit_index({"eip155:1", "k"}).ok());
  {
    Raw raw(path_);
    ASSERT_EQ(raw.exec("UPDATE deposit_indexes SET next_index = 2147483647"), SQLITE_OK);
  }
  auto last = store_->allocate_deposit_index({"eip155:1", "k"});
  ASSERT_TRUE(last.ok()) << to_string(last.status());
  EXPECT_EQ(*last, 2147483647U);
  auto over = store_->allocate_deposit_index({"eip155:1", "k"});
  EXPECT_EQ(over.status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(over.status().message(),
            "store: allocate_deposit_index: every non-hardened index of key k on eip155:1 has "
            "been handed out");
}

TEST_F(SqliteStoreTest, ConcurrentAllocationsAreDistinctAndContiguous) {
  constexpr int kThreads = 8;
  constexpr int kEach = 40;
  std::vector<std::vector<std::uint32_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = store_->allocate_deposit_index({"eip155:1", "k"});
        if (r.ok()) got[static_cast<std::size_t>(t)].push_back(*r);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<std::uint32_t> all;
  for (const auto& v : got) all.insert(all.end(), v.begin(), v.end());
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
  std::sort(all.begin(), all.end());
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], i);
}

// ---- get_intent ----

TEST_F(SqliteStoreTest, GetUnknownIsNotFoundNamingTheId) {
  auto r = store_->get_intent({"pi_nope"});
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(r.status().message(), "store: get_intent: no intent pi_nope");
  EXPECT_EQ(store_->get_intent({""}).status().code(), ErrorCode::kInvalidArgument);
}

// ---- transition_intent ----

TEST_F(SqliteStoreTest, TransitionChangesStatusBumpsVersionAndAppendsALinkedEvent) {
  ASSERT_TRUE(store_->create_intent(create_params("pi_a")).ok());
  auto p = transition_params("pi_a", {"requires_payment"}, "processing", "evt_t1");
  auto r = store_->transition_intent(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(r->status, "processing");
  EXPECT_EQ(r->version, 2U);
  EXPECT_EQ(r->updated_at_ms, 1700000100000);
  EXPECT_EQ(r->flags_json, "[]");
  EXPECT_EQ(r->created_at_ms, 1700000000000);

  auto got = store_->get_intent({"pi_a"});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, "processing");
  EXPECT_EQ(got->version, 2U);

  auto p2 = transition_params("pi_a", {"requires_payment", "processing"}, "succeeded", "evt_t2");
  p2.flags_json = R"(["overpaid"])";
  auto r2 = store_->transition_intent(p2);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->flags_json, R"(["overpaid"])");
  EXPECT_EQ(r2->version, 3U);

  const auto events = all_events("pi_a");
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events[1].id, "evt_t1");
  EXPECT_EQ(events[1].type, "intent.processing");
  EXPECT_EQ(events[1].actor, "tracker");
  EXPECT_EQ(events[1].intent_seq, 2U);
  EXPECT_EQ(events[1].seq, 2U);
  EXPECT_EQ(events[1].prev_hash, events[0].hash);
  EXPECT_EQ(events[2].intent_seq, 3U);
  EXPECT_EQ(events[2].prev_hash, events[1].hash);
}

TEST_F(SqliteStoreTest, IntentSeqCountsPerIntentWhileSeqIsGlobal) {
  ASSERT_TRUE(store_->create_intent(create_params("pi_a")).ok());
  ASSERT_TRUE(store_->create_intent(create_params("pi_b")).ok());
  ASSERT_TRUE(
      store_->transition_intent(transition_params("pi_b", {"requires_payment"}, "canceled", "e1"))
          .ok());
  ASSERT_TRUE(
      store_->transition_intent(transition_params("pi_a", {"requires_payment"}, "expired", "e2"))
          .ok());
  const auto b = all_events("pi_b");
  ASSERT_EQ(b.size(), 2U);
  EXPECT_EQ(b[1].seq, 3U);
  EXPECT_EQ(b[1].intent_seq, 2U);
  const auto a = all_events("pi_a");
  ASSERT_EQ(a.size(), 2U);
  EXPECT_EQ(a[1].seq, 4U);
  EXPECT_EQ(a[1].intent_seq, 2U);
}

TEST_F(SqliteStoreTest, TransitionFromAnotherStatusIsFailedPreconditionAndWritesNothing) {
  ASSERT_TRUE(store_->create_intent(create_params("pi_a")).ok());
  ASSERT_TRUE(
      store_->transition_intent(transition_params("pi_a", {"requires_payment"}, "canceled", "e1"))
          .ok());
  auto r = store_->transition_intent(
      transition_params("pi_a", {"requires_payment", "processing"}, "succeeded", "e2"));
  EXPECT_EQ(r.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(),
            "store: transition_intent: intent pi_a is 'canceled', not one of 'requires_payment', "
            "'processing' (to 'succeeded')");
  auto got = store_->get_intent({"pi_a"});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, "canceled");
  EXPECT_EQ(got->version, 2U);
  EXPECT_EQ(all_events().size(), 2U);
}

TEST_F(SqliteStoreTest, TransitionOfUnknownIntentIsNotFound) {
  auto r = store_->transition_intent(
      transition_params("pi_none", {"requires_payment"}, "canceled", "e1"));
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(r.status().message(), "store: transition_intent: no intent pi_none");
  EXPECT_TRUE(all_events().empty());
}

TEST_F(SqliteStoreTest, TransitionWithADuplicateEventIdRollsTheStatusBack) {
  ASSERT_TRUE(store_->create_intent(create_params("pi_a")).ok());
  auto r = store_->transition_intent(
      transition_params("pi_a", {"requires_payment"}, "canceled", "evt_c_pi_a"));
  EXPECT_EQ(r.status().code(), ErrorCode::kAlreadyExists);
  auto got = store_->get_intent({"pi_a"});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, "requires_payment");
  EXPECT_EQ(got->version, 1U);
}

TEST_F(SqliteStoreTest, BadTransitionParamsAreInvalidArgument) {
  ASSERT_TRUE(store_->create_intent(create_params("pi_a")).ok());
  struct Case {
    void (*edit)(TransitionIntentParams&);
    const char* message;
  };
  const Case cases[] = {
      {[](TransitionIntentParams& p) { p.id = ""; }, "id is empty"},
      {[](TransitionIntentParams& p) { p.from_statuses.clear(); }, "from_statuses is empty"},
      {[](TransitionIntentParams& p) { p.from_statuses = {""}; }, "from_statuses[] is empty"},
      {[](TransitionIntentParams& p) { p.to_status = ""; }, "to_status is empty"},
      {[](TransitionIntentParams& p) { p.flags_json = "overpaid"; },
       "flags_json is not valid JSON"},
      {[](TransitionIntentParams& p) { p.flags_json = "[true]"; }, "flags_json holds a non-string"},
      {[](TransitionIntentParams& p) { p.event.id = ""; }, "event.id is empty"},
      {[](TransitionIntentParams& p) { p.event.actor = ""; }, "event.actor is empty"},
      {[](TransitionIntentParams& p) { p.event.data_json = "[]"; },
       "event.data_json is not a JSON object"},
  };
  for (const auto& c : cases) {
    auto p = transition_params("pi_a", {"requires_payment"}, "canceled", "e1");
    c.edit(p);
    auto r = store_->transition_intent(p);
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << c.message;
    EXPECT_EQ(r.status().message(), std::string("store: transition_intent: ") + c.message);
  }
  EXPECT_EQ(store_->get_intent({"pi_a"})->version, 1U);
}

TEST_F(SqliteStoreTest, ConcurrentCompareAndSetLetsExactlyOneWin) {
  ASSERT_TRUE(store_->create_intent(create_params("pi_a")).ok());
  constexpr int kThreads = 8;
  std::atomic<int> won{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto r = store_->transition_intent(transition_params(
          "pi_a", {"requires_payment"}, "processing", "evt_cas_" + std::to_string(i)));
      if (r.ok()) ++won;
      if (r.status().code() == ErrorCode::kFailedPrecondition) ++refused;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(refused.load(), kThreads - 1);
  EXPECT_EQ(all_events("pi_a").size(), 2U);
}

// ---- list_intents ----

class ListIntentsTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    // 25 intents over 10 distinct times, so that pages split ties.
    for (int i = 0; i < 25; ++i) {
      auto p = create_params("pi_" + std::string(1, static_cast<char>('a' + i)));
      p.intent.created_at_ms = 1000 + (i % 10);
      p.intent.order_id = i % 2 == 0 ? "even" : "odd";
      ASSERT_TRUE(store_->create_intent(p).ok());
      if (i % 5 == 0) {
        ASSERT_TRUE(store_
                        ->transition_intent(transition_params(p.intent.id, {"requires_payment"},
                                                              "canceled", "x" + p.intent.id))
                        .ok());
      }
    }
  }
  std::vector<IntentRow> collect(ListIntentsParams p, std::size_t* pages) {
    std::vector<IntentRow> out;
    *pages = 0;
    for (;;) {
      auto page = store_->list_intents(p);
      EXPECT_TRUE(page.ok()) << to_string(page.status());
      if (!page.ok() || ++*pages > 100) break;
      out.insert(out.end(), page->intents.begin(), page->intents.end());
      if (page->next_cursor.empty()) break;
      p.cursor = page->next_cursor;
    }
    return out;
  }
};

TEST_F(ListIntentsTest, PagesCoverEverythingOnceNewestFirst) {
  ListIntentsParams p;
  p.limit = 10;
  std::size_t pages = 0;
  const auto all = collect(p, &pages);
  EXPECT_EQ(pages, 3U);
  ASSERT_EQ(all.size(), 25U);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < all.size(); ++i) {
    ids.insert(all[i].id);
    if (i > 0) {
      const bool ordered =
          all[i - 1].created_at_ms > all[i].created_at_ms ||
          (all[i - 1].created_at_ms == all[i].created_at_ms && all[i - 1].id > all[i].id);
      EXPECT_TRUE(ordered) << all[i - 1].id << " before " << all[i].id;
    }
  }
  EXPECT_EQ(ids.size(), 25U);
}

TEST_F(ListIntentsTest, AFullLastPageHasNoCursor) {
  ListIntentsParams p;
  p.limit = 25;
  auto page = store_->list_intents(p);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->intents.size(), 25U);
  EXPECT_TRUE(page->next_cursor.empty());
  p.limit = 24;
  page = store_->list_intents(p);
  ASSERT_TRUE(page.ok());
  EXPECT_FALSE(page->next_cursor.empty());
}

TEST_F(ListIntentsTest, FiltersCombine) {
  std::size_t pages = 0;
  ListIntentsParams p;
  p.limit = 3;
  p.status = "canceled";
  auto canceled = collect(p, &pages);
  EXPECT_EQ(canceled.size(), 5U);  // i = 0, 5, 10, 15, 20
  for (const auto& r : canceled) EXPECT_EQ(r.status, "canceled");

  p = ListIntentsParams{};
  p.order_id = "odd";
  auto odd = collect(p, &pages);
  EXPECT_EQ(odd.size(), 12U);
  for (const auto& r : odd) EXPECT_EQ(r.order_id, "odd");

  p = ListIntentsParams{};
  p.created_from_ms = 1003;  // inclusive
  p.created_to_ms = 1005;    // exclusive
  p.limit = 1;
  auto range = collect(p, &pages);
  EXPECT_EQ(range.size(), 6U);  // i % 10 in {3, 4}: 3 + 3
  for (const auto& r : range) {
    EXPECT_GE(r.created_at_ms, 1003);
    EXPECT_LT(r.created_at_ms, 1005);
  }

  p.status = "canceled";
  p.order_id = "odd";
  p.created_from_ms = 1005;
  p.created_to_ms = 1006;
  auto one = collect(p, &pages);
  ASSERT_EQ(one.size(), 2U);  // i = 5, 15

  p = ListIntentsParams{};
  p.order_id = "nobody";
  auto none = store_->list_intents(p);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->intents.empty());
  EXPECT_TRUE(none->next_cursor.empty());

  p = ListIntentsParams{};
  p.created_from_ms = 1004;
  p.created_to_ms = 1004;
  auto empty_range = store_->list_intents(p);
  ASSERT_TRUE(empty_range.ok());
  EXPECT_TRUE(empty_range->intents.empty());
}

TEST_F(ListIntentsTest, LimitMustBeOneToAThousand) {
  for (std::size_t limit : {std::size_t{0}, std::size_t{1001}, std::size_t{1} << 40}) {
    ListIntentsParams p;
    p.limit = limit;
    auto r = store_->list_intents(p);
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << limit;
    EXPECT_EQ(r.status().message(),
              "store: list_intents: limit " + std::to_string(limit) + " is outside 1..1000");
  }
  for (std::size_t limit : {std::size_t{1}, std::size_t{1000}}) {
    ListIntentsParams p;
    p.limit = limit;
    EXPECT_TRUE(store_->list_intents(p).ok()) << limit;
  }
}

TEST_F(ListIntentsTest, ForeignCursorsAreInvalidArgument) {
  const char* bad[] = {
      "!!!!",          // not base64
      "YWJj",          // "abc": no colon
      "OnBpX2E=",      // ":pi_a": no time
      "MTIzOg==",      // "123:": no id
      "MXg6cGlfYQ==",  // "1x:pi_a": not a number
      "MDE6cGlfYQ==",  // "01:pi_a": leading zero
      "LTpwaV9h",      // "-:pi_a"
  };
  for (const char* cursor : bad) {
    ListIntentsParams p;
    p.cursor = cursor;
    auto r = store_->list_intents(p);
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << cursor;
    EXPECT_EQ(r.status().message(), std::string("store: list_intents: cursor '") + cursor +
                                        "' is not one this store gave");
  }
  ListIntentsParams p;
  p.created_from_ms = 5;
  p.created_to_ms = 4;
  EXPECT_EQ(store_->list_intents(p).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, NegativeCreationTimesPageCorrectly) {
  for (int i = 0; i < 4; ++i) {
    auto p = create_params("pi_" + std::to_string(i));
    p.intent.created_at_ms = -1000 + i;
    ASSERT_TRUE(store_->create_intent(p).ok());
  }
  ListIntentsParams p;
  p.limit = 3;
  auto first = store_->list_intents(p);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->intents.size(), 3U);
  p.cursor = first->next_cursor;
  auto second = store_->list_intents(p);
  ASSERT_TRUE(second.ok()) << to_string(second.status());
  ASSERT_EQ(second->intents.size(), 1U);
  EXPECT_EQ(second->intents[0].id, "pi_0");
}

// ---- list_expirable ----

TEST_F(SqliteStoreTest, ExpirableIncludesTheExactBoundaryAndOnlyTheGivenStatuses) {
  const std::int64_t expiries[] = {500, 100, 300, 299, 301};
  for (int i = 0; i < 5; ++i) {
    auto p = create_params("pi_" + std::to_string(i));
    p.intent.expires_at_ms = expiries[i];
    ASSERT_TRUE(store_->create_intent(p).ok());
  }
  ASSERT_TRUE(
      store_->transition_intent(transition_params("pi_1", {"requires_payment"}, "canceled", "e"))
          .ok());
  ListExpirableParams p;
  p.now_ms = 300;
  p.statuses = {"requires_payment", "processing"};
  auto r = store_->list_expirable(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  ASSERT_EQ(r->size(), 2U);
  EXPECT_EQ((*r)[0].id, "pi_3");  // 299, earliest first
  EXPECT_EQ((*r)[1].id, "pi_2");  // 300: expires_at <= now is expirable

  p.statuses = {"canceled"};
  r = store_->list_expirable(p);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1U);
  EXPECT_EQ((*r)[0].id, "pi_1");

  p.statuses = {};
  r = store_->list_expirable(p);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());

  p.statuses = {"requires_payment"};
  p.now_ms = 10000;
  p.limit = 2;
  r = store_->list_expirable(p);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2U);
  EXPECT_EQ((*r)[0].id, "pi_3");

  p.limit = 0;
  EXPECT_EQ(store_->list_expirable(p).status().code(), ErrorCode::kInvalidArgument);
  p.limit = 10001;
  EXPECT_EQ(store_->list_expirable(p).status().code(), ErrorCode::kInvalidArgument);
  p.limit = 10;
  p.statuses.assign(65, "requires_payment");
  EXPECT_EQ(store_->list_expirable(p).status().code(), ErrorCode::kInvalidArgument);
}

// ---- list_events ----

TEST_F(SqliteStoreTest, ListEventsFiltersByIntentAndSeqAndChecksLimit) {
  ASSERT_TRUE(store_->create_intent(create_params("pi_a")).ok());
  ASSERT_TRUE(store_->create_intent(create_params("pi_b")).ok());
  ASSERT_TRUE(
      store_->transition_intent(transition_params("pi_a", {"requires_payment"}, "canceled", "e"))
          .ok());
  ListEventsParams p;
  p.after_seq = 1;
  auto r = store_->list_events(p);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2U);
  EXPECT_EQ((*r)[0].seq, 2U);
  EXPECT_EQ((*r)[1].seq, 3U);

  p.after_seq = 0;
  p.intent_id = "pi_a";
  p.limit = 1;
  r = store_->list_events(p);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1U);
  EXPECT_EQ((*r)[0].id, "evt_c_pi_a");

  p.intent_id = "pi_zzz";
  r = store_->list_events(p);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());

  p.intent_id.reset();
  p.after_seq = 3;
  r = store_->list_events(p);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());

  for (std::size_t limit : {std::size_t{0}, std::size_t{10001}}) {
    p.limit = limit;
    auto bad = store_->list_events(p);
    EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(bad.status().message(),
              "store: list_events: limit " + std::to_string(limit) + " is outside 1..10000");
  }
  p.limit = 10;
  p.after_seq = std::uint64_t{1} << 63;
  EXPECT_EQ(store_->list_events(p).status().code(), ErrorCode::kInvalidArgument);
}

// ---- the audit log ----

class AuditTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    for (const char* id : {"pi_a", "pi_b", "pi_c"}) {
      ASSERT_TRUE(store_->create_intent(create_params(id)).ok());
    }
    ASSERT_TRUE(
        store_->transition_intent(transition_params("pi_b", {"requires_payment"}, "canceled", "e4"))
            .ok());
    ASSERT_TRUE(
        store_->transition_intent(transition_params("pi_a", {"requires_payment"}, "expired", "e5"))
            .ok());
  }
  AuditReport verify() {
    auto r = store_->verify_audit_chain({});
    EXPECT_TRUE(r.ok()) << to_string(r.status());
    return r.ok() ? *r : AuditReport{};
  }
  // Edits the file behind the store's back, as someone with sqlite3 could.
  void tamper(const std::string& sql) {
    Raw raw(path_);
    std::string error;
    ASSERT_EQ(raw.exec("DROP TRIGGER events_append_only_update; "
                       "DROP TRIGGER events_append_only_delete; " +
                           sql,
                       &error),
              SQLITE_OK)
        << error;
  }
};

TEST_F(SqliteStoreTest, EmptyLogVerifies) {
  auto r = store_->verify_audit_chain({});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->events_checked, 0U);
}

TEST_F(AuditTest, UntouchedLogVerifies) {
  const AuditReport r = verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.events_checked, 5U);
  EXPECT_EQ(r.first_bad_seq, 0U);
  EXPECT_EQ(r.problem, "");
}

TEST_F(AuditTest, TriggersRefuseUpdateAndDeleteOfEvents) {
  Raw raw(path_);
  std::string error;
  EXPECT_NE(raw.exec("UPDATE events SET data_json = '{\"x\":1}' WHERE seq = 2", &error), SQLITE_OK);
  EXPECT_EQ(error, "usd1pay: events are append-only (update refused)");
  EXPECT_NE(raw.exec("DELETE FROM events WHERE seq = 5", &error), SQLITE_OK);
  EXPECT_EQ(error, "usd1pay: events are append-only (delete refused)");
  EXPECT_EQ(raw.one("SELECT count(*) FROM events"), "5");
  EXPECT_EQ(raw.one("SELECT data_json FROM events WHERE seq = 2"), R"({"id":"pi_b"})");
  EXPECT_TRUE(verify().ok);
}

TEST_F(AuditTest, EditedDataIsAHashMismatchAtThatSeq) {
  tamper("UPDATE events SET data_json = '{\"id\":\"pi_evil\"}' WHERE seq = 3");
  const AuditReport r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 3U);
  EXPECT_EQ(r.events_checked, 2U);
  EXPECT_TRUE(contains(r.problem, "hash mismatch: event 3 (evt_c_pi_c)")) << r.problem;
}

TEST_F(AuditTest, EditedActorOrTimeIsAHashMismatch) {
  tamper("UPDATE events SET actor = 'system' WHERE seq = 4");
  AuditReport r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 4U);
}

TEST_F(AuditTest, RehashedEditBreaksTheNextLink) {
  // A careful forger recomputes the edited event's hash; the next event still
  // points at the old one.
  auto events = all_events();
  ASSERT_EQ(events.size(), 5U);
  EventRow forged = events[1];
  forged.data_json = R"({"id":"pi_evil"})";
  const std::string new_hash = store_internal::event_hash(forged.prev_hash, forged);
  tamper("UPDATE events SET data_json = '" + forged.data_json + "', hash = '" + new_hash +
         "' WHERE seq = 2");
  const AuditReport r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 3U);
  EXPECT_TRUE(contains(r.problem, "broken link: event 3 has prev_hash " + events[1].hash))
      << r.problem;
}

TEST_F(AuditTest, DeletedEventIsAGap) {
  tamper("DELETE FROM events WHERE seq = 2");
  const AuditReport r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 2U);
  EXPECT_EQ(r.problem, "gap in seq: event 2 is missing (the next one is 3)");
}

TEST_F(AuditTest, DeletedFirstEventIsAGapAtOne) {
  tamper("DELETE FROM events WHERE seq = 1");
  const AuditReport r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 1U);
}

TEST_F(AuditTest, ForgedGenesisLinkIsBroken) {
  tamper("UPDATE events SET prev_hash = '" + std::string(63, '0') + "1' WHERE seq = 1");
  const AuditReport r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 1U);
  EXPECT_TRUE(contains(r.problem, "broken link: event 1")) << r.problem;
}

TEST_F(AuditTest, EditedStoredHashIsReportedAtThatSeq) {
  tamper("UPDATE events SET hash = '" + std::string(64, 'f') + "' WHERE seq = 5");
  const AuditReport r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 5U);
  EXPECT_TRUE(contains(r.problem, "hash mismatch")) << r.problem;
}

TEST_F(AuditTest, AppendingAfterVerificationKeepsTheChain) {
  ASSERT_TRUE(store_->create_intent(create_params("pi_d")).ok());
  const AuditReport r = verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.events_checked, 6U);
}

}  // namespace
}  // namespace usd1pay
