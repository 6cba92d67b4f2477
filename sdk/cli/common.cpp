// Helpers shared by the usd1pay command's subcommands (commands.h).
#include <iostream>
#include <memory>
#include <string>
#include <utility>

#include "cli/commands.h"

namespace usd1pay::cli {

Result<std::shared_ptr<Store>> open_store(const Config& config) {
  SqliteStoreOptions options;
  options.path = config.store.path;
  options.synchronous = config.store.synchronous == StoreConfig::Synchronous::kNormal
                            ? SqliteSynchronous::kNormal
                            : SqliteSynchronous::kFull;
  options.busy_timeout_ms = config.store.busy_timeout_ms;
  auto store = open_sqlite_store(options);
  if (!store.ok()) return store.status();
  return std::shared_ptr<Store>(std::move(store).value());
}

int fail(const Status& status) {
  std::cerr << "usd1pay: " << status.message() << "\n";
  return kExitInvalid;
}

void add_config_option(CLI::App* cmd, std::string* path) {
  cmd->add_option("--config", *path, "Configuration file (default ./usd1pay.json)");
}

}  // namespace usd1pay::cli
