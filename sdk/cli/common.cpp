// Helpers shared by the usd1pay command's subcommands (commands.h).
#include <iostream>
#include <string>

#include "cli/commands.h"

namespace usd1pay::cli {

int fail(const Status& status) {
  std::cerr << "usd1pay: " << status.message() << "\n";
  return kExitInvalid;
}

void add_config_option(CLI::App* cmd, std::string* path) {
  cmd->add_option("--config", *path, "Configuration file (default ./usd1pay.json)");
}

}  // namespace usd1pay::cli
