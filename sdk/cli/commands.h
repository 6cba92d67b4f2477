// The usd1pay command's subcommands. Each add_* registers one subcommand on
// the app; its callback sets *exit_code.
//
// Exit codes, the same for every subcommand:
//   0  success (for validation: every input valid)
//   1  the command ran but an input was invalid or an operation failed
//   2  usage error (unknown option, missing argument, bad option value)
#ifndef USD1PAY_CLI_COMMANDS_H
#define USD1PAY_CLI_COMMANDS_H

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "usd1pay/config.h"
#include "usd1pay/status.h"
#include "usd1pay/store.h"
#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay::cli {

constexpr int kExitOk = 0;
constexpr int kExitInvalid = 1;
constexpr int kExitUsage = 2;

/// Thrown from a callback when an option's value is wrong in a way CLI11
/// cannot check (e.g. an unknown chain); becomes exit code 2 with the message.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Where stateful commands read their configuration unless --config says.
constexpr const char* kDefaultConfig = "./usd1pay.json";

/// Prints "usd1pay: <message>" on stderr and returns kExitInvalid.
int fail(const Status& status);

/// Adds the --config FILE option that every stateful command takes.
void add_config_option(CLI::App* cmd, std::string* path);

void add_address_commands(CLI::App& app, int* exit_code);
void add_uri_commands(CLI::App& app, int* exit_code);
void add_qr_command(CLI::App& app, int* exit_code);
void add_intent_commands(CLI::App& app, int* exit_code);
void add_watch_commands(CLI::App& app, int* exit_code);
void add_webhook_commands(CLI::App& app, int* exit_code);
void add_export_commands(CLI::App& app, int* exit_code);

}  // namespace usd1pay::cli

#endif
