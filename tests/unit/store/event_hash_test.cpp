// The audit log's hash format (sdk/store/event_hash.h, docs/store.md). The
// expected digests were computed outside usd1pay, with Python's hashlib over
// the preimage spelled out in docs/store.md, so a change to the format (or a
// bug in it) cannot pass by agreeing with itself.
#include "store/event_hash.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace usd1pay::store_internal {
namespace {

EventRow first_event() {
  EventRow e;
  e.seq = 1;
  e.id = "evt_1";
  e.intent_id = "pi_1";
  e.intent_seq = 1;
  e.type = "intent.created";
  e.actor = "api:shop";
  e.created_at_ms = 1700000000000;
  e.data_json = "{\"a\":\"\xc3\xa9\"}";  // multi-byte UTF-8: lengths count bytes
  return e;
}

TEST(EventHashTest, PreimageIsTheDocumentedBytes) {
  EXPECT_EQ(event_hash_preimage(kGenesisHash, first_event()),
            std::string(kGenesisHash) +
                "\n16:usd1pay.event.v1\n1:1\n5:evt_1\n4:pi_1\n1:1\n14:intent.created\n"
                "8:api:shop\n13:1700000000000\n10:{\"a\":\"\xc3\xa9\"}\n");
}

TEST(EventHashTest, MatchesIndependentlyComputedDigests) {
  const std::string h1 = event_hash(kGenesisHash, first_event());
  EXPECT_EQ(h1, "8d77aba7aec138b0f4a73be809ea4f9bcff1beba1cede94f5559f16e1db8af28");

  // An event about no intent, a negative time and the first hash as its link.
  EventRow e;
  e.seq = 2;
  e.id = "evt_2";
  e.intent_id = "";
  e.intent_seq = 0;
  e.type = "store.note";
  e.actor = "system";
  e.created_at_ms = -5;
  e.data_json = "{}";
  EXPECT_EQ(event_hash(h1, e), "c3be15f5160ed51c070187afcf46d731bd021daebb03580d27438900f3eb66b2");
}

TEST(EventHashTest, IgnoresStoredHashFields) {
  EventRow e = first_event();
  const std::string before = event_hash(kGenesisHash, e);
  e.prev_hash = "ff";
  e.hash = "ee";
  EXPECT_EQ(event_hash(kGenesisHash, e), before);
}

TEST(EventHashTest, EveryFieldAndTheLinkChangeTheHash) {
  const EventRow base = first_event();
  std::set<std::string> seen{event_hash(kGenesisHash, base)};
  auto expect_new = [&](const EventRow& e, const std::string& prev, const char* what) {
    EXPECT_TRUE(seen.insert(event_hash(prev, e)).second) << what;
  };
  EventRow e = base;
  e.seq = 2;
  expect_new(e, std::string(kGenesisHash), "seq");
  e = base;
  e.id = "evt_2";
  expect_new(e, std::string(kGenesisHash), "id");
  e = base;
  e.intent_id = "pi_2";
  expect_new(e, std::string(kGenesisHash), "intent_id");
  e = base;
  e.intent_seq = 2;
  expect_new(e, std::string(kGenesisHash), "intent_seq");
  e = base;
  e.type = "intent.canceled";
  expect_new(e, std::string(kGenesisHash), "type");
  e = base;
  e.actor = "system";
  expect_new(e, std::string(kGenesisHash), "actor");
  e = base;
  e.created_at_ms += 1;
  expect_new(e, std::string(kGenesisHash), "created_at_ms");
  e = base;
  e.data_json = "{}";
  expect_new(e, std::string(kGenesisHash), "data_json");
  expect_new(base, std::string(63, '0') + "1", "prev_hash");
}

TEST(EventHashTest, MovingBytesBetweenFieldsChangesThePreimage) {
  // Without length prefixes "ab"+"c" and "a"+"bc" would read the same.
  EventRow a = first_event();
  EventRow b = first_event();
  a.type = "intent.created\n8:api";
  a.actor = "shop";
  b.type = "intent.created";
  b.actor = "api\n4:shop";
  EXPECT_NE(event_hash_preimage(kGenesisHash, a), event_hash_preimage(kGenesisHash, b));
  EXPECT_NE(event_hash(kGenesisHash, a), event_hash(kGenesisHash, b));
  a = first_event();
  b = first_event();
  a.id = "evt_1";
  a.intent_id = "";
  b.id = "evt_";
  b.intent_id = "1";
  EXPECT_NE(event_hash(kGenesisHash, a), event_hash(kGenesisHash, b));
}

}  // namespace
}  // namespace usd1pay::store_internal
