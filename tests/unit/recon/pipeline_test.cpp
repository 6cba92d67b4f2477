// The export pipeline's parts (sdk/recon/pipeline.h) and the per-record
// amount text: the channel's order, end and cancellation; a page stream read
// ahead on its thread against a mocked store (every page in order, a store
// error delivered after the pages before it, a consumer that stops early
// joins the reader); put_token_text against Amount::to_string_fixed.
#include "recon/pipeline.h"

#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <gtest/trompeloeil.hpp>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "recon/recon_internal.h"
#include "support/temp_dir.h"
#include "usd1pay/amount.h"
#include "usd1pay/mocks/store_mock.h"
#include "usd1pay/recon.h"

namespace usd1pay {
namespace {

using recon_internal::Channel;
using recon_internal::PageStream;
using recon_internal::PipelineOptions;
using trompeloeil::_;

TEST(Channel, KeepsOrderAcrossThreadsAndEndsWhenClosed) {
  Channel<int> c(2);
  std::thread producer([&] {
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(c.push(i));
    c.close();
  });
  std::vector<int> got;
  int v = 0;
  while (c.pop(&v)) got.push_back(v);
  producer.join();
  ASSERT_EQ(got.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)], i);
  EXPECT_FALSE(c.pop(&v));  // stays ended
}

TEST(Channel, CancelWakesABlockedProducerAndConsumer) {
  Channel<int> full(1);
  ASSERT_TRUE(full.push(1));
  std::atomic<bool> refused{false};
  std::thread producer([&] { refused = !full.push(2); });  // blocks: full
  full.cancel();
  producer.join();
  EXPECT_TRUE(refused);
  int v = 0;
  EXPECT_FALSE(full.pop(&v));  // cancelled: pending items are dropped

  Channel<int> empty(1);
  std::atomic<bool> ended{false};
  std::thread consumer([&] { ended = !empty.pop(&v); });  // blocks: empty
  empty.cancel();
  consumer.join();
  EXPECT_TRUE(ended);
  EXPECT_FALSE(empty.push(3));
}

/// Pages of n numbered rows, the store failing at `fail_at` (a row index)
/// when set.
struct FakeRows {
  std::size_t n = 0;
  std::size_t fail_at = SIZE_MAX;
  std::mutex mu;
  std::vector<std::thread::id> callers;

  static std::string id(std::size_t k) {
    std::string s = std::to_string(k);
    return "pi_" + std::string(8 - s.size(), '0') + s;
  }

  Result<std::vector<IntentRow>> scan(const ScanIntentsParams& p) {
    {
      std::lock_guard<std::mutex> lock(mu);
      callers.push_back(std::this_thread::get_id());
    }
    std::size_t first = 0;
    if (!p.after_id.empty()) first = std::stoul(p.after_id.substr(3)) + 1;
    if (first <= fail_at && fail_at < first + p.limit) {
      return Status(ErrorCode::kIo, "store: disk on fire at " + id(fail_at));
    }
    std::vector<IntentRow> rows;
    if (p.recycle != nullptr) {
      rows = std::move(*p.recycle);
      p.recycle->clear();
      rows.clear();
    }
    for (std::size_t k = first; k < n && k < first + p.limit; ++k) {
      IntentRow r;
      r.id = id(k);
      r.order_id = "order-" + r.id;
      r.status = "requires_payment";
      r.chain = "eip155:1";
      r.token_symbol = "USD1";
      r.token_decimals = 6;
      r.amount = "1";
      r.amount_base_units = "1000000";
      r.currency = "USD";
      r.strategy = "xpub";
      rows.push_back(std::move(r));
    }
    return rows;
  }
};

/// The pager of scan_intents as the reconciler runs it (reconcile.cpp has
/// the same; this one lets the test count the pages).
struct Pager {
  using Row = IntentRow;
  ScanIntentsParams p;
  bool done_ = false;
  bool done() const { return done_; }
  Result<std::vector<IntentRow>> next(Store& store, std::vector<IntentRow>* recycle) {
    p.recycle = recycle;
    auto page = store.scan_intents(p);
    p.recycle = nullptr;
    if (!page.ok()) return page.status();
    if (page->size() < p.limit) {
      done_ = true;
    } else {
      p.after_id = page->back().id;
    }
    return page;
  }
};

/// Every row id the stream gave, and how it ended.
Status drain(PageStream<Pager>* s, std::vector<std::string>* ids,
             std::size_t stop_after = SIZE_MAX) {
  std::vector<IntentRow> page;
  for (std::size_t pages = 0; pages < stop_after; ++pages) {
    auto more = s->next(&page);
    if (!more.ok()) return more.status();
    if (!*more) return Status();
    for (const IntentRow& r : page) ids->push_back(r.id);
  }
  return Status();
}

class PageStreamTest : public ::testing::Test {
 protected:
  mocks::MockStore store_;
  FakeRows rows_;
};

TEST_F(PageStreamTest, EveryPageInOrderWhateverThePageAndQueueSizes) {
  rows_.n = 103;
  auto allow = NAMED_ALLOW_CALL(store_, scan_intents(_)).RETURN(rows_.scan(_1));
  for (std::size_t page_rows : {1u, 2u, 7u, 103u, 1000u}) {
    for (std::size_t ahead : {1u, 3u}) {
      for (int round = 0; round < 5; ++round) {
        PipelineOptions o;
        o.read_ahead = ahead;
        Pager pager;
        pager.p.limit = page_rows;
        PageStream<Pager> s(store_, pager, o);
        std::vector<std::string> ids;
        ASSERT_TRUE(drain(&s, &ids).ok());
        ASSERT_EQ(ids.size(), 103u) << page_rows;
        for (std::size_t k = 0; k < ids.size(); ++k) EXPECT_EQ(ids[k], FakeRows::id(k));
      }
    }
  }
}

TEST_F(PageStreamTest, OnePageNeverStartsAThreadAndSeveralDo) {
  rows_.n = 5;
  auto allow = NAMED_ALLOW_CALL(store_, scan_intents(_)).RETURN(rows_.scan(_1));
  PipelineOptions o;
  {
    Pager pager;
    pager.p.limit = 10;
    PageStream<Pager> s(store_, pager, o);
    std::vector<std::string> ids;
    ASSERT_TRUE(drain(&s, &ids).ok());
    EXPECT_EQ(ids.size(), 5u);
  }
  ASSERT_EQ(rows_.callers.size(), 1u);
  EXPECT_EQ(rows_.callers[0], std::this_thread::get_id());
  rows_.callers.clear();
  {
    Pager pager;
    pager.p.limit = 2;
    PageStream<Pager> s(store_, pager, o);
    std::vector<std::string> ids;
    ASSERT_TRUE(drain(&s, &ids).ok());
    EXPECT_EQ(ids.size(), 5u);
  }
  ASSERT_EQ(rows_.callers.size(), 3u);  // 2 + 2 + 1
  EXPECT_EQ(rows_.callers[0], std::this_thread::get_id());
  EXPECT_NE(rows_.callers[1], std::this_thread::get_id());  // read ahead
  EXPECT_NE(rows_.callers[2], std::this_thread::get_id());
  // Without threads, every page on the calling thread.
  rows_.callers.clear();
  o.threads = false;
  {
    Pager pager;
    pager.p.limit = 2;
    PageStream<Pager> s(store_, pager, o);
    std::vector<std::string> ids;
    ASSERT_TRUE(drain(&s, &ids).ok());
    EXPECT_EQ(ids.size(), 5u);
  }
  ASSERT_EQ(rows_.callers.size(), 3u);
  for (const auto& t : rows_.callers) EXPECT_EQ(t, std::this_thread::get_id());
}

TEST_F(PageStreamTest, AStoreErrorComesAfterThePagesBeforeItAndEndsTheStream) {
  rows_.n = 50;
  rows_.fail_at = 23;  // in the page of rows 21..23 (pages of 3)
  auto allow = NAMED_ALLOW_CALL(store_, scan_intents(_)).RETURN(rows_.scan(_1));
  for (bool threads : {false, true}) {
    for (int round = 0; round < 20; ++round) {
      PipelineOptions o;
      o.threads = threads;
      o.read_ahead = 1;
      Pager pager;
      pager.p.limit = 3;
      PageStream<Pager> s(store_, pager, o);
      std::vector<std::string> ids;
      Status st = drain(&s, &ids);
      ASSERT_EQ(st.code(), ErrorCode::kIo);
      EXPECT_EQ(st.message(), "store: disk on fire at pi_00000023");
      ASSERT_EQ(ids.size(), 21u);  // every row before the failing page
      EXPECT_EQ(ids.back(), "pi_00000020");
      std::vector<IntentRow> page;
      auto after = s.next(&page);  // ended: no more pages, no second error
      ASSERT_TRUE(after.ok());
      EXPECT_FALSE(*after);
    }
  }
}

TEST_F(PageStreamTest, AConsumerThatStopsEarlyJoinsTheReader) {
  rows_.n = 10000;
  auto allow = NAMED_ALLOW_CALL(store_, scan_intents(_)).RETURN(rows_.scan(_1));
  for (int round = 0; round < 20; ++round) {
    PipelineOptions o;
    o.read_ahead = 1;
    Pager pager;
    pager.p.limit = 1;
    auto s = std::make_unique<PageStream<Pager>>(store_, pager, o);
    std::vector<std::string> ids;
    ASSERT_TRUE(drain(s.get(), &ids, 3).ok());
    EXPECT_EQ(ids.size(), 3u);
    s.reset();  // the reader is blocked on a full channel: cancelled, joined
  }
  // Far fewer than 10000 pages were read: the reader stopped with the stream.
  EXPECT_LT(rows_.callers.size(), 200u);
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  return names;
}

TEST_F(PageStreamTest, AStoreErrorOnAReaderThreadFailsTheExportAndLeavesNothing) {
  rows_.n = 400;
  rows_.fail_at = 333;
  auto intents = NAMED_ALLOW_CALL(store_, scan_intents(_))
                     .WITH(!_1.strategy.has_value())
                     .RETURN(rows_.scan(_1));
  auto statics = NAMED_ALLOW_CALL(store_, scan_intents(_))
                     .WITH(_1.strategy.has_value())
                     .RETURN(Result<std::vector<IntentRow>>(std::vector<IntentRow>()));
  auto payments = NAMED_ALLOW_CALL(store_, scan_payments(_))
                      .RETURN(Result<std::vector<PaymentRow>>(std::vector<PaymentRow>()));
  testing::TempDir dir;
  for (std::size_t page : {1u, 4u, 1000u}) {
    PipelineOptions o;
    o.page_rows = page;
    o.read_ahead = 1;
    o.write_queue = 1;
    o.chunk_bytes = 512;  // the writing thread runs before the error
    ExportParams p;
    p.out_path = dir.file("x.csv");
    p.manifest = true;
    auto r = recon_internal::export_settlement_with(store_, p, o);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kIo);
    EXPECT_NE(r.status().message().find("recon: reading intents"), std::string::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find("disk on fire at pi_00000333"), std::string::npos);
    EXPECT_EQ(list_dir(dir.path()), std::vector<std::string>{});
  }
  // Without the failure the same export goes through: 400 records.
  rows_.fail_at = SIZE_MAX;
  PipelineOptions o;
  o.page_rows = 3;
  ExportParams p;
  p.out_path = dir.file("x.csv");
  auto r = recon_internal::export_settlement_with(store_, p, o);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(r->records, 400u);
}

// ---- the per-record amount text ----

std::string reference(Uint128 units, unsigned decimals, bool negative) {
  auto a = Amount::from_base_units(units, decimals);
  if (!a.ok()) return "error: " + a.status().message();
  return (negative ? "-" : "") + a->to_string_fixed(2);
}

std::string fast(Uint128 units, unsigned decimals, bool negative) {
  std::string out = "left over from an earlier record";
  Status s = recon_internal::put_token_text(units, decimals, negative, &out);
  if (!s.ok()) return "error: " + s.message();
  return out;
}

TEST(TokenText, SameTextAsAmountToStringFixed) {
  EXPECT_EQ(fast(25000000, 6, false), "25.00");
  EXPECT_EQ(fast(24989999, 6, false), "24.989999");
  EXPECT_EQ(fast(1, 6, true), "-0.000001");
  EXPECT_EQ(fast(0, 6, false), "0.00");
  EXPECT_EQ(fast(25, 0, false), "25");
  EXPECT_EQ(fast(25, 1, false), "2.5");
  EXPECT_EQ(fast(0, 0, true), "-0");
  std::mt19937_64 rng(42);
  const std::uint64_t specials[] = {0,
                                    1,
                                    9,
                                    10,
                                    99,
                                    100,
                                    12345,
                                    1000000,
                                    999999999999,
                                    UINT64_MAX,
                                    UINT64_MAX - 1,
                                    10000000000000000000ULL};
  for (unsigned d = 0; d <= Amount::kMaxDecimals + 2; ++d) {
    for (bool neg : {false, true}) {
      for (std::uint64_t v : specials) {
        EXPECT_EQ(fast(v, d, neg), reference(v, d, neg)) << v << " " << d;
      }
      for (int k = 0; k < 200; ++k) {
        const std::uint64_t v = rng() >> (rng() % 64);
        EXPECT_EQ(fast(v, d, neg), reference(v, d, neg)) << v << " " << d;
        const Uint128 big(rng() >> (rng() % 64), rng());  // beyond 64 bits
        EXPECT_EQ(fast(big, d, neg), reference(big, d, neg)) << d;
      }
    }
  }
  EXPECT_EQ(fast(1, 39, false).rfind("error: ", 0), 0u);
}

// ---- the orders index ----

TEST(OrdersIndex, SortsByTheIdsBytesAndFindsRepeats) {
  std::mt19937 rng(11);
  const std::string prefixes[] = {"", "ord-", "ord-0000", "ORD-2024-000000"};
  for (int round = 0; round < 200; ++round) {
    const std::string& prefix = prefixes[round % 4];
    std::vector<std::string> ids;
    std::string text = "order_id,amount,currency,created_at\n";
    const int n = 1 + static_cast<int>(rng() % 300);
    for (int k = 0; k < n; ++k) {
      std::string id = prefix;
      const std::size_t len = rng() % 12;
      // Few distinct bytes (long shared runs, ids that are prefixes of
      // others), high bytes as UTF-8, a NUL now and then.
      for (std::size_t j = 0; j < len; ++j) {
        const auto r = rng() % 10;
        id += r < 4 ? 'a' : r < 7 ? 'b' : r < 8 ? std::string("\xc3\xa9")[0] : r < 9 ? '0' : '\0';
        if (r == 7) id += '\xa9';
      }
      if (id.empty()) id = "z";
      if (std::find(ids.begin(), ids.end(), id) != ids.end()) continue;
      ids.push_back(id);
      std::string quoted = "\"";
      for (char c : id) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      text += quoted + "\",1.00,USD,2024-01-01T00:00:00Z\n";
    }
    auto r = recon_internal::parse_orders_csv(text, "o.csv", OrdersCsvMapping());
    ASSERT_TRUE(r.ok()) << to_string(r.status());
    std::vector<std::string> want = ids;
    std::sort(want.begin(), want.end());
    ASSERT_EQ(r->size(), want.size());
    for (std::size_t k = 0; k < want.size(); ++k) ASSERT_EQ((*r)[k].order_id, want[k]) << round;
    // The same file with its first id repeated at the end: an error naming
    // both lines.
    const std::string again = text + "\"" + ids[0] + "\",2,USD,2024-01-01T00:00:00Z\n";
    auto dup = recon_internal::parse_orders_csv(again, "o.csv", OrdersCsvMapping());
    if (ids[0].find('"') == std::string::npos) {
      ASSERT_FALSE(dup.ok());
      EXPECT_NE(dup.status().message().find("repeats the order of line 2"), std::string::npos)
          << dup.status().message();
    }
  }
}

// ---- the CSV writer's one-pass check ----

TEST(PlainCsvAscii, TrueExactlyForAsciiFieldsWrittenAsIs) {
  const char alphabet[] = {'a',  '0',  ' ',    ',',    '"',    '\r',
                           '\n', '\t', '\x7f', '\x80', '\xc3', '\xff'};
  std::mt19937 rng(7);
  int plain = 0;
  for (int k = 0; k < 200000; ++k) {
    std::string v(rng() % 40, 'x');
    // Mostly one letter, a few others at random places (also past byte 8).
    const std::size_t odd = v.empty() ? 0 : rng() % 3;
    for (std::size_t j = 0; j < odd; ++j) v[rng() % v.size()] = alphabet[rng() % sizeof alphabet];
    bool ascii = true;
    for (char c : v) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    std::string written;
    recon_internal::append_csv_field(&written, v);
    const bool want = ascii && written == v;
    ASSERT_EQ(recon_internal::plain_csv_ascii(v), want) << ::testing::PrintToString(v);
    plain += want ? 1 : 0;
  }
  EXPECT_GT(plain, 1000);  // both answers were checked often
  EXPECT_LT(plain, 190000);
}

}  // namespace
}  // namespace usd1pay
