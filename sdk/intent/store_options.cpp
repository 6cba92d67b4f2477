// The SQLite store a configuration names (intent.h).
#include <memory>
#include <utility>

#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/store.h"

namespace usd1pay {

SqliteStoreOptions sqlite_store_options(const Config& config) {
  SqliteStoreOptions options;
  options.path = config.store.path;
  options.synchronous = config.store.synchronous == StoreConfig::Synchronous::kNormal
                            ? SqliteSynchronous::kNormal
                            : SqliteSynchronous::kFull;
  options.busy_timeout_ms = config.store.busy_timeout_ms;
  return options;
}

Result<std::shared_ptr<Store>> open_sqlite_store_for(const Config& config) {
  auto store = open_sqlite_store(sqlite_store_options(config));
  if (!store.ok()) return store.status();
  return std::shared_ptr<Store>(std::move(store).value());
}

}  // namespace usd1pay
