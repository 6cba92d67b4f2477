// The usd1pay command.
#include <CLI/CLI.hpp>
#include <iostream>

#include "usd1pay/version.h"

int main(int argc, char** argv) {
  CLI::App app{"usd1pay: accept USD1 stablecoin payments (watch-only)", "usd1pay"};
  app.set_version_flag("--version", std::string("usd1pay ") + USD1PAY_VERSION_STRING);
  app.require_subcommand(0);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  std::cout << app.help();
  return 0;
}
