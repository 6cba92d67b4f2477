// The usd1pay command: argument parsing and dispatch. Subcommands live in
// their own files (commands.h lists them and the exit codes).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "usd1pay/version.h"

namespace {

int run(int argc, char** argv) {
  using namespace usd1pay::cli;
  CLI::App app{"usd1pay: accept USD1 stablecoin payments (watch-only: holds no private key)",
               "usd1pay"};
  app.set_version_flag("--version", std::string("usd1pay ") + USD1PAY_VERSION_STRING);
  app.require_subcommand(1);
  app.footer("Exit codes: 0 success, 1 invalid input or failed operation, 2 usage error.");

  int exit_code = kExitOk;
  add_address_commands(app, &exit_code);
  add_uri_commands(app, &exit_code);
  add_qr_command(app, &exit_code);
  add_intent_commands(app, &exit_code);
  add_watch_commands(app, &exit_code);
  add_webhook_commands(app, &exit_code);
  add_export_commands(app, &exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0 in CLI11.
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  } catch (const UsageError& e) {
    std::cerr << "usd1pay: " << e.what() << "\n";
    return kExitUsage;
  }
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  // The library reports errors by Status; anything thrown here is out of
  // memory or a bug. Say so rather than abort with a core dump.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "usd1pay: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "usd1pay: internal error\n");
  }
  return usd1pay::cli::kExitInvalid;
}
