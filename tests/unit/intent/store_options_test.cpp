// The SQLite store a configuration names: every setting of the "store"
// section carried over, and a real file opened (or the failure naming it).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/temp_dir.h"
#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/store.h"

namespace usd1pay {
namespace {

TEST(StoreOptions, CarriesTheStoreSection) {
  Config c;
  c.store.path = "/var/lib/shop/usd1pay.db";
  c.store.synchronous = StoreConfig::Synchronous::kNormal;
  c.store.busy_timeout_ms = 1234;
  SqliteStoreOptions o = sqlite_store_options(c);
  EXPECT_EQ(o.path, "/var/lib/shop/usd1pay.db");
  EXPECT_EQ(o.synchronous, SqliteSynchronous::kNormal);
  EXPECT_EQ(o.busy_timeout_ms, 1234);
  EXPECT_TRUE(o.create);

  c.store.synchronous = StoreConfig::Synchronous::kFull;
  c.store.busy_timeout_ms = 0;
  o = sqlite_store_options(c);
  EXPECT_EQ(o.synchronous, SqliteSynchronous::kFull);
  EXPECT_EQ(o.busy_timeout_ms, 0);
}

TEST(StoreOptions, OpensTheNamedFile) {
  testing::TempDir dir;
  Config c;
  c.store.path = dir.file("shop.db");
  auto store = open_sqlite_store_for(c);
  ASSERT_TRUE(store.ok()) << store.status().message();
  ASSERT_NE(*store, nullptr);
  EXPECT_TRUE(std::filesystem::exists(c.store.path));
  ListIntentsParams all;
  auto page = (*store)->list_intents(all);
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_TRUE(page->intents.empty());
}

TEST(StoreOptions, AFailureToOpenNamesTheFile) {
  testing::TempDir dir;
  Config c;
  c.store.path = dir.file("missing-dir/shop.db");
  auto store = open_sqlite_store_for(c);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find(c.store.path), std::string::npos)
      << store.status().message();
}

}  // namespace
}  // namespace usd1pay
