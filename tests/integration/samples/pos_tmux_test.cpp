// The point-of-sale sample (samples/pos) as a cashier uses it: the real
// usd1pay_pos program in a real terminal (tmux, 100x50, a private server
// socket per test), driven with send-keys and read with capture-pane, on the
// embedded SimChain defaults. What the screen shows is checked against the
// store the program writes (a real SQLite file this test opens beside it),
// and the QR code is read back from the screen's half blocks and decoded by
// zbarimg, a reader nobody here wrote.
//
// Each session runs the program through a small sh script that records the
// terminal settings (stty -g) before and after it, and its exit status, so
// that "the terminal is restored" and "q exits with 0" are facts, not hopes.
// No fixed sleeps: every wait polls the screen or a file with a generous
// deadline (the program may run under AddressSanitizer).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/ganache.h"
#include "support/sample_config.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "usd1pay/address.h"
#include "usd1pay/amount.h"
#include "usd1pay/intent.h"
#include "usd1pay/qr.h"
#include "usd1pay/settlement.h"
#include "usd1pay/store.h"

#ifndef USD1PAY_POS_BINARY
#error "tests/integration/CMakeLists.txt defines USD1PAY_POS_BINARY"
#endif

namespace usd1pay {
namespace {

using namespace std::chrono_literals;
using testing::ProcessResult;
using testing::run_process;
using testing::TempDir;

constexpr auto kTimeout = 60s;  // generous: ASan builds are slow, and CI is shared

bool file_exists(const std::string& path) {
  return ::access(path.c_str(), F_OK) == 0;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// One usd1pay_pos in its own tmux server.
class PosSession {
 public:
  explicit PosSession(const std::vector<std::string>& args) {
    static std::atomic<int> counter{0};
    socket_ = "usd1pay-pos-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
    std::string script =
        "trap ':' INT\n"
        "cd '" +
        dir_.path() +
        "'\n"
        "stty -g > stty.before\n"
        "'" USD1PAY_POS_BINARY "'";
    for (const auto& a : args) script += " '" + a + "'";
    script +=
        "\n"
        "echo $? > rc.tmp\n"
        "stty -g > stty.after\n"
        "mv rc.tmp rc\n"
        "exec sleep 600\n";  // keeps the pane (and its last screen) until teardown
    testing::write_file(dir_.file("run.sh"), script);
    const ProcessResult r = tmux(
        {"new-session", "-d", "-s", "pos", "-x", "100", "-y", "50", "sh " + dir_.file("run.sh")});
    started_ = r.exit_code == 0;
    EXPECT_TRUE(started_) << "tmux new-session: " << r.err;
  }
  ~PosSession() { tmux({"kill-server"}); }
  PosSession(const PosSession&) = delete;
  PosSession& operator=(const PosSession&) = delete;

  const TempDir& dir() const { return dir_; }
  std::string store() const { return dir_.file("pos.db"); }

  ProcessResult tmux(std::vector<std::string> args) const {
    args.insert(args.begin(), {"tmux", "-u", "-f", "/dev/null", "-L", socket_});
    return run_process(args, "", {"LC_ALL=C.UTF-8"});
  }

  std::string screen() const { return tmux({"capture-pane", "-p", "-t", "pos"}).out; }

  // Text as typed (no key names), then Enter.
  void type_line(const std::string& text) const {
    if (!text.empty()) tmux({"send-keys", "-t", "pos", "-l", "--", text});
    tmux({"send-keys", "-t", "pos", "Enter"});
  }
  void key(const std::string& name) const { tmux({"send-keys", "-t", "pos", name}); }

  // Polls the screen until it contains `text`; the last screen either way.
  std::string wait_for(const std::string& text) const {
    return wait_until([&](const std::string& s) { return s.find(text) != std::string::npos; },
                      "'" + text + "'");
  }
  std::string wait_until(const std::function<bool(const std::string&)>& pred,
                         const std::string& what) const {
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    std::string s;
    while (started_ && std::chrono::steady_clock::now() < deadline) {
      s = screen();
      if (pred(s)) return s;
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "timed out waiting for " << what << "; the screen:\n" << s;
    return s;
  }

  // The program's exit status, once the script has written it.
  std::optional<int> wait_exit() const {
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    while (started_ && std::chrono::steady_clock::now() < deadline) {
      if (file_exists(dir_.file("rc"))) return std::stoi(slurp(dir_.file("rc")));
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "usd1pay_pos did not exit; the screen:\n" << screen();
    return std::nullopt;
  }

  // The terminal settings before and after the program ran.
  void expect_terminal_restored() const {
    const std::string before = slurp(dir_.file("stty.before"));
    EXPECT_FALSE(before.empty());
    EXPECT_EQ(slurp(dir_.file("stty.after")), before) << "the terminal was left changed";
  }

  // usd1pay_pos's pid: the one child of the pane's shell.
  pid_t program_pid() const {
    const std::string shell = tmux({"display-message", "-p", "-t", "pos", "#{pane_pid}"}).out;
    const int pid = std::stoi(shell);
    std::istringstream children(
        slurp("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children"));
    int child = 0;
    children >> child;
    return static_cast<pid_t>(child);
  }

 private:
  TempDir dir_;
  std::string socket_;
  bool started_ = false;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// The screen with the prompt screen's wrapped messages joined again: a
// line starting with three spaces continues the one above.
std::string unwrap(const std::string& screen) {
  std::string out;
  for (const auto& line : lines_of(screen)) {
    if (line.rfind("   ", 0) == 0 && line.size() > 3 && line[3] != ' ' && !out.empty()) {
      out.back() = ' ';
      out += line.substr(3) + "\n";
    } else {
      out += line + "\n";
    }
  }
  return out;
}

// The value of a " Label          value" line of the screen or receipt.
std::string field(const std::string& screen, const std::string& label) {
  for (const auto& line : lines_of(screen)) {
    std::string head = " " + label;
    head.resize(16, ' ');
    if (line.rfind(head, 0) == 0) {
      std::string v = line.substr(head.size());
      while (!v.empty() && v.back() == ' ') v.pop_back();
      return v;
    }
  }
  return "";
}

std::string line_after(const std::string& screen, const std::string& line_text) {
  const auto lines = lines_of(screen);
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i] == line_text) return lines[i + 1];
  }
  return "";
}

PaymentIntent stored_intent(const std::string& store_path, const std::string& id) {
  SqliteStoreOptions so;
  so.path = store_path;
  so.create = false;
  auto store = open_sqlite_store(so);
  if (!store.ok()) throw std::runtime_error(store.status().message());
  GetIntentParams gp;
  gp.id = id;
  auto row = (*store)->get_intent(gp);
  if (!row.ok()) throw std::runtime_error(row.status().message());
  auto intent = intent_from_row(*row);
  if (!intent.ok()) throw std::runtime_error(intent.status().message());
  return *intent;
}

std::vector<PaymentRow> stored_payments(const std::string& store_path, const std::string& id) {
  SqliteStoreOptions so;
  so.path = store_path;
  so.create = false;
  auto store = open_sqlite_store(so);
  if (!store.ok()) throw std::runtime_error(store.status().message());
  ListPaymentsParams lp;
  lp.intent_id = id;
  auto rows = (*store)->list_payments(lp);
  if (!rows.ok()) throw std::runtime_error(rows.status().message());
  return *rows;
}

// ------------------------------------------------------------ the QR on screen

// A screen line as cells: one string per code point.
std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> cells;
  for (std::size_t i = 0; i < line.size();) {
    std::size_t n = 1;
    const auto b = static_cast<unsigned char>(line[i]);
    if (b >= 0xF0) {
      n = 4;
    } else if (b >= 0xE0) {
      n = 3;
    } else if (b >= 0xC0) {
      n = 2;
    }
    cells.push_back(line.substr(i, n));
    i += n;
  }
  return cells;
}

constexpr std::string_view kFull = "\xe2\x96\x88";
constexpr std::string_view kUpper = "\xe2\x96\x80";
constexpr std::string_view kLower = "\xe2\x96\x84";

bool is_glyph(const std::string& cell) {
  return cell == kFull || cell == kUpper || cell == kLower;
}

// The modules drawn on screen (the ANSI style: glyphs are dark modules),
// size x size from the symbol's top-left corner, read from its finder
// pattern: the leftmost glyph column of the topmost glyph line. An empty
// result (and a test failure) when the screen has no QR of that shape.
std::vector<std::vector<bool>> screen_modules(const std::string& screen, int size) {
  const auto lines = lines_of(screen);
  std::vector<std::vector<std::string>> grid;
  grid.reserve(lines.size());
  for (const auto& l : lines) grid.push_back(cells_of(l));
  int top = -1;
  int left = -1;
  for (std::size_t y = 0; y < grid.size(); ++y) {
    for (std::size_t x = 0; x < grid[y].size(); ++x) {
      if (!is_glyph(grid[y][x])) continue;
      if (top < 0) top = static_cast<int>(y);
      if (left < 0 || static_cast<int>(x) < left) left = static_cast<int>(x);
    }
  }
  if (top < 0) {
    ADD_FAILURE() << "no QR glyph on the screen:\n" << screen;
    return {};
  }
  const auto cell = [&](int x, int y) -> std::string {
    if (y < 0 || static_cast<std::size_t>(y) >= grid.size()) return " ";
    const auto& row = grid[static_cast<std::size_t>(y)];
    if (x < 0 || static_cast<std::size_t>(x) >= row.size()) return " ";  // trimmed spaces
    return row[static_cast<std::size_t>(x)];
  };
  // The quiet zone is 4 modules (2 lines): module row 0 is the top half of
  // the first glyph line.
  std::vector<std::vector<bool>> modules(static_cast<std::size_t>(size),
                                         std::vector<bool>(static_cast<std::size_t>(size)));
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      const std::string c = cell(left + x, top + y / 2);
      const bool dark = c == kFull || (y % 2 == 0 ? c == kUpper : c == kLower);
      modules[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)] = dark;
    }
  }
  // Everything within the quiet zone around it is light.
  for (int y = -4; y < size + 4; ++y) {
    for (int x = -4; x < size + 4; ++x) {
      if (x >= 0 && x < size && y >= 0 && y < size) continue;
      const std::string c = cell(left + x, top + (y < 0 ? (y - 1) / 2 : y / 2));
      const bool dark = c == kFull || ((y % 2 + 2) % 2 == 0 ? c == kUpper : c == kLower);
      if (dark) {
        ADD_FAILURE() << "dark module in the quiet zone at (" << x << ", " << y << ")";
        return {};
      }
    }
  }
  return modules;
}

// zbarimg's reading of the modules, drawn as a plain PBM image with a 4-module
// quiet zone and 4 pixels per module.
std::string zbar_read(const TempDir& dir, const std::vector<std::vector<bool>>& modules) {
  const int scale = 4;
  const int n = static_cast<int>(modules.size()) + 8;
  std::string pbm = "P1\n" + std::to_string(n * scale) + " " + std::to_string(n * scale) + "\n";
  for (int y = 0; y < n * scale; ++y) {
    for (int x = 0; x < n * scale; ++x) {
      const int mx = x / scale - 4;
      const int my = y / scale - 4;
      const bool dark = mx >= 0 && my >= 0 && mx < n - 8 && my < n - 8 &&
                        modules[static_cast<std::size_t>(my)][static_cast<std::size_t>(mx)];
      pbm += dark ? '1' : '0';
      pbm += ' ';
    }
    pbm += '\n';
  }
  const std::string file = dir.file("screen-qr.pbm");
  testing::write_file(file, pbm);
  const ProcessResult r = run_process({"zbarimg", "--raw", "-q", "-Sbinary", "--nodbus", file});
  EXPECT_EQ(r.exit_code, 0) << "zbarimg: " << r.err;
  std::string out = r.out;
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// The QR on screen equals encode_qr(payload) module for module, and zbarimg
// reads `payload` back from it.
void expect_screen_qr(const PosSession& pos, const std::string& screen,
                      const std::string& payload) {
  auto code = encode_qr(payload, QrErrorCorrection::kLow);
  ASSERT_TRUE(code.ok()) << code.status().message();
  const auto modules = screen_modules(screen, code->size());
  ASSERT_FALSE(modules.empty());
  for (int y = 0; y < code->size(); ++y) {
    for (int x = 0; x < code->size(); ++x) {
      ASSERT_EQ(modules[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)], code->dark(x, y))
          << "module (" << x << ", " << y << ") of the QR on screen:\n"
          << screen;
    }
  }
  EXPECT_EQ(zbar_read(pos.dir(), modules), payload);
}

// ------------------------------------------------------------ the tests

TEST(PosTmuxTest, SaleOnSimChainFromBadAmountsToTheReceipt) {
  // A block a second: "processing" stays on screen for two of them.
  PosSession pos({"--store", "pos.db", "--shop", "Corner Cafe"});
  std::string s = pos.wait_for("Amount (USD):");
  EXPECT_NE(s.find(" Corner Cafe"), std::string::npos) << s;
  EXPECT_NE(s.find("eip155:1337 (simulated"), std::string::npos) << s;

  // Bad amounts: each says what is wrong, and the prompt comes back empty.
  // Syntax errors are amount.h's own messages; consecutive ones differ, so
  // that each wait sees its own.
  const auto syntax = [](const char* typed) {
    return "! " + Amount::parse(typed, 2).status().message();
  };
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"12.345", "! amount: more than 2 decimal places (3): USD amounts are whole cents"},
      {"abc", syntax("abc")},
      {"-5", "! amount: negative amounts are not allowed"},
      {"0", "! amount: must be greater than zero"},
      {"1,000", syntax("1,000")},
      {"$5", syntax("$5")},
      {"1e3", syntax("1e3")},
  };
  for (const auto& entry : bad) {
    const std::string& typed = entry.first;
    const std::string& message = entry.second;
    pos.type_line(typed);
    s = pos.wait_until(
        [&](const std::string& screen) {
          bool prompt_empty = false;
          for (const auto& line : lines_of(screen)) prompt_empty |= line == " Amount (USD):";
          return prompt_empty && unwrap(screen).find(message + "\n") != std::string::npos;
        },
        "the error for '" + typed + "'");
    EXPECT_NE(s.find("Type an amount like 12.50"), std::string::npos) << s;
  }

  pos.type_line("12.34");
  pos.wait_for("Order reference (optional, Enter to skip):");
  pos.type_line("order-77");
  s = pos.wait_for("waiting for payment");

  // The screen against the store.
  const std::string id = field(s, "Intent");
  ASSERT_EQ(id.rfind("pi_", 0), 0U) << s;
  const PaymentIntent intent = stored_intent(pos.store(), id);
  EXPECT_EQ(field(s, "Pay to"), intent.deposit_address);
  AddressOptions strict;
  strict.strict = true;  // an EIP-55 checksummed address, as shown
  auto checked = validate_address(ChainFamily::kEvm, field(s, "Pay to"), strict);
  ASSERT_TRUE(checked.ok()) << checked.status().message();
  EXPECT_TRUE(checked->checksummed);
  EXPECT_EQ(field(s, "Amount"), "12.34 USD  = 12.34 USD1");
  EXPECT_EQ(field(s, "Order"), "order-77");
  EXPECT_EQ(field(s, "Chain"), "eip155:1337 (simulated)");
  EXPECT_EQ(field(s, "Token"), "USD1 " + intent.token_contract);
  EXPECT_EQ(intent.amount.to_string_fixed(2), "12.34");
  EXPECT_EQ(intent.order_id, "order-77");
  EXPECT_EQ(intent.status, IntentStatus::kRequiresPayment);
  EXPECT_TRUE(std::regex_search(field(s, "Expires"), std::regex("^in 1[45]:[0-9][0-9] \\(at ")))
      << field(s, "Expires");
  expect_screen_qr(pos, s, intent.payment_uri);

  // The customer's wallet pays; the sample's block timer confirms.
  pos.key("p");
  s = pos.wait_for("processing: ");
  EXPECT_NE(s.find("Payment received: confirming on chain"), std::string::npos) << s;
  s = pos.wait_for(" RECEIPT");

  const PaymentIntent paid = stored_intent(pos.store(), id);
  EXPECT_EQ(paid.status, IntentStatus::kSucceeded);
  const auto payments = stored_payments(pos.store(), id);
  ASSERT_EQ(payments.size(), 1U);
  EXPECT_NE(s.find(" Corner Cafe\n"), std::string::npos) << s;
  EXPECT_TRUE(std::regex_match(
      field(s, "Date"), std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC")))
      << field(s, "Date");
  EXPECT_EQ(field(s, "Order"), "order-77");
  EXPECT_EQ(field(s, "Intent"), id);
  EXPECT_EQ(field(s, "Amount"), "12.34 USD");
  EXPECT_EQ(field(s, "Paid"), "12.34 USD1");
  EXPECT_EQ(field(s, "Chain"), "eip155:1337 (simulated)");
  EXPECT_EQ(field(s, "Token"), "USD1 " + intent.token_contract);
  EXPECT_EQ(line_after(s, " Tx hash"), "   " + payments[0].tx_hash);
  EXPECT_EQ(field(s, "Block"), std::to_string(payments[0].block_number));
  std::smatch m;
  const std::string conf = field(s, "Confirmations");
  ASSERT_TRUE(std::regex_match(conf, m, std::regex("([0-9]+) \\(3 required\\)"))) << conf;
  EXPECT_GE(std::stoi(m[1]), 3);
  EXPECT_EQ(field(s, "Status"), "PAID");
  EXPECT_NE(s.find("Press Enter for the next sale, q to quit."), std::string::npos);

  pos.key("q");
  EXPECT_EQ(pos.wait_exit(), 0);
  pos.expect_terminal_restored();
  s = pos.wait_for("usd1pay POS closed: 1 sale paid");
}

TEST(PosTmuxTest, UnderpaymentShowsTheRestCancelIsRefusedThenPaid) {
  PosSession pos({"--store", "pos.db", "--block-ms", "300"});
  pos.wait_for("Amount (USD):");
  pos.type_line("20");
  pos.wait_for("Order reference");
  pos.type_line("");  // no reference: one is made from the time
  std::string s = pos.wait_for("waiting for payment");
  const std::string id = field(s, "Intent");
  EXPECT_TRUE(std::regex_match(field(s, "Order"), std::regex("pos-[0-9]{8}-[0-9]{6}")))
      << field(s, "Order");

  pos.key("u");
  s = pos.wait_for("partly paid: 10.00 of 20.00 USD1 received, 10.00 to pay");
  EXPECT_EQ(field(s, "Still to pay"), "10.00 USD1");
  const PaymentIntent intent = stored_intent(pos.store(), id);
  auto ten = Amount::parse("10", intent.token_decimals);
  ASSERT_TRUE(ten.ok());
  auto rest = remaining_payment_uri(intent, *ten);
  ASSERT_TRUE(rest.ok());
  // The QR now asks for the rest only.
  s = pos.wait_until(
      [](const std::string& screen) {
        return screen.find("10.00 to pay") != std::string::npos &&
               screen.find(kFull) != std::string::npos;
      },
      "the QR of the rest");
  expect_screen_qr(pos, s, *rest);

  pos.key("c");
  s = pos.wait_for("! sale: cannot cancel, a payment of 10.00 USD1 has been seen");
  pos.key("p");
  s = pos.wait_for(" RECEIPT");
  EXPECT_EQ(field(s, "Payment 1"), "10.00 USD1");
  EXPECT_EQ(field(s, "Payment 2"), "10.00 USD1");
  EXPECT_EQ(field(s, "Paid"), "20.00 USD1");

  // The next sale, canceled: back at the prompt, saying so.
  pos.key("Enter");
  pos.wait_for("Amount (USD):");
  pos.type_line("3");
  pos.wait_for("Order reference");
  pos.type_line("B-2");
  s = pos.wait_for("waiting for payment");
  const std::string second = field(s, "Intent");
  pos.key("c");
  s = pos.wait_for("Sale " + second + " (B-2): canceled");
  EXPECT_NE(s.find("Amount (USD):"), std::string::npos) << s;
  EXPECT_EQ(stored_intent(pos.store(), second).status, IntentStatus::kCanceled);
  EXPECT_EQ(stored_intent(pos.store(), id).status, IntentStatus::kSucceeded);

  pos.type_line("q");
  EXPECT_EQ(pos.wait_exit(), 0);
  pos.expect_terminal_restored();
}

TEST(PosTmuxTest, QuitDuringASaleAsksTwiceAndLeavesItOpen) {
  PosSession pos({"--store", "pos.db"});
  pos.wait_for("Amount (USD):");
  pos.type_line("7.50");
  pos.wait_for("Order reference");
  pos.type_line("C-3");
  std::string s = pos.wait_for("waiting for payment");
  const std::string id = field(s, "Intent");
  pos.key("q");
  pos.wait_for("The sale is still open: press q again to quit and leave it open");
  pos.key("q");
  EXPECT_EQ(pos.wait_exit(), 0);
  pos.expect_terminal_restored();
  s = pos.wait_for("Sale " + id + " left open (requires_payment)");
  EXPECT_EQ(stored_intent(pos.store(), id).status, IntentStatus::kRequiresPayment);
}

TEST(PosTmuxTest, SigtermWhileWaitingRestoresTheTerminal) {
  PosSession pos({"--store", "pos.db"});
  pos.wait_for("Amount (USD):");
  pos.type_line("1");
  pos.wait_for("Order reference");
  pos.type_line("");
  pos.wait_for("waiting for payment");  // keys mode: no echo, cursor hidden
  const pid_t pid = pos.program_pid();
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(pos.wait_exit(), 128 + SIGTERM);
  pos.expect_terminal_restored();
  pos.wait_for("usd1pay POS closed: 0 sales paid (stopped by signal 15)");
}

TEST(PosTmuxTest, CtrlCAtThePromptQuits) {
  PosSession pos({"--store", "pos.db"});
  pos.wait_for("Amount (USD):");
  pos.key("C-c");
  EXPECT_EQ(pos.wait_exit(), 128 + SIGINT);
  pos.expect_terminal_restored();
}

TEST(PosTmuxTest, SmallTerminalSaysWhatTheQrNeeds) {
  PosSession pos({"--store", "pos.db"});
  pos.wait_for("Amount (USD):");
  pos.tmux({"resize-window", "-t", "pos", "-x", "80", "-y", "24"});
  pos.type_line("12.34");
  pos.wait_for("Order reference");
  pos.type_line("");
  std::string s = pos.wait_for("The QR code needs a ");
  EXPECT_EQ(s.find(kFull), std::string::npos) << "no QR cut in half";
  EXPECT_FALSE(field(s, "Pay to").empty()) << s;
  const PaymentIntent shown = stored_intent(pos.store(), field(s, "Intent"));
  auto code = encode_qr(shown.payment_uri, QrErrorCorrection::kLow);
  ASSERT_TRUE(code.ok());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(s, m,
                                std::regex(" The QR code needs a ([0-9]+)x([0-9]+) terminal "
                                           "\\(([0-9]+)x([0-9]+) side by side\\); this one "
                                           "is 80x24\\.\n")))
      << s;
  EXPECT_EQ(std::stoi(m[1]), code->size() + 9);  // one space, the quiet zones, the symbol
  EXPECT_GT(std::stoi(m[2]), 24);
  EXPECT_GT(std::stoi(m[3]), 80);
  EXPECT_EQ(std::stoi(m[4]), (code->size() + 9) / 2);
  // Made larger, the QR appears.
  pos.tmux({"resize-window", "-t", "pos", "-x", "100", "-y", "50"});
  s = pos.wait_until(
      [](const std::string& screen) { return screen.find(kFull) != std::string::npos; },
      "the QR after the resize");
  const PaymentIntent intent = stored_intent(pos.store(), field(s, "Intent"));
  expect_screen_qr(pos, s, intent.payment_uri);
  pos.key("c");
  pos.wait_for("canceled");
  pos.type_line("q");
  EXPECT_EQ(pos.wait_exit(), 0);
}

// ------------------------------------------------------------ a real chain

// Runs erc20.js (ethers + solc against the node) with the commands; one
// answer per command.
std::vector<nlohmann::json> erc20(const testing::GanacheNode& node,
                                  const std::vector<nlohmann::json>& commands) {
  std::string input;
  for (const auto& c : commands) input += c.dump() + "\n";
  const ProcessResult r = testing::run_node_peer("erc20.js", {node.url()}, input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> out;
  for (const auto& line : lines_of(r.out)) {
    out.push_back(nlohmann::json::parse(line));
    EXPECT_FALSE(out.back().contains("error")) << out.back().dump();
  }
  EXPECT_EQ(out.size(), commands.size()) << r.out << r.err;
  return out;
}

// The same till on a real local Ethereum node (ganache 7, npm) with a real
// ERC-20 compiled by solc: the customer pays with a real transfer, the
// tracker follows the node over JSON-RPC, and the receipt names that
// transaction. The simulated-wallet keys are refused there.
TEST(PosTmuxGanacheTest, RealTransferOnGanacheEndsWithTheReceipt) {
  ASSERT_FALSE(testing::GanacheNode::cli_path().empty())
      << "ganache is not installed in tests/peers: run scripts/install-deps.sh --npm";
  testing::GanacheNode node;
  ASSERT_EQ(node.start(), "");
  const auto deployed = erc20(node, {{{"op", "deploy"}, {"decimals", 6}, {"symbol", "USD1"}}});
  ASSERT_EQ(deployed.size(), 1U);
  const std::string token = deployed[0]["address"];
  const auto accounts = nlohmann::json::parse(node.rpc("eth_accounts"))["result"];
  ASSERT_GE(accounts.size(), 2U);
  const std::string customer = accounts[1];
  ASSERT_EQ(
      erc20(node, {{{"op", "mint"}, {"token", token}, {"to", customer}, {"amount", "1000000000"}}})
          .size(),
      1U);

  TempDir config_dir;
  nlohmann::json config = testing::sim_shop_config_json("unused.db");
  config["chains"][0]["backend"] = "evm-rpc";
  config["chains"][0]["backend_settings"] = {{"url", node.url()}};
  config["chains"][0]["tokens"][0]["contract"] = token;
  testing::write_file(config_dir.file("shop.json"), config.dump(2));

  PosSession pos(
      {"--config", config_dir.file("shop.json"), "--store", "pos.db", "--shop", "Ganache Shop"});
  std::string s = pos.wait_for("Amount (USD):");
  EXPECT_NE(s.find("eip155:1337 (evm-rpc), token USD1, final after 3 confirmations"),
            std::string::npos)
      << s;
  pos.type_line("3.21");
  pos.wait_for("Order reference");
  pos.type_line("G-1");
  s = pos.wait_for("waiting for payment");
  EXPECT_EQ(field(s, "Chain"), "eip155:1337 (evm-rpc)");
  EXPECT_EQ(field(s, "Keys"), "c cancel  q quit");
  const std::string id = field(s, "Intent");
  const PaymentIntent intent = stored_intent(pos.store(), id);
  EXPECT_EQ(field(s, "Pay to"), intent.deposit_address);
  expect_screen_qr(pos, s, intent.payment_uri);
  pos.key("p");
  pos.wait_for(
      "! sale: chain eip155:1337 is not simulated (backend evm-rpc): pay with a real "
      "wallet");

  // The customer's real transfer, mined in its own block; two more blocks
  // make three confirmations.
  const auto sent = erc20(node, {{{"op", "transfer"},
                                  {"token", token},
                                  {"from_index", 1},
                                  {"to", field(s, "Pay to")},
                                  {"amount", "3210000"}},
                                 {{"op", "mine"}, {"n", 2}}});
  ASSERT_EQ(sent.size(), 2U);
  s = pos.wait_for(" RECEIPT");
  EXPECT_EQ(field(s, "Order"), "G-1");
  EXPECT_EQ(field(s, "Paid"), "3.21 USD1");
  EXPECT_EQ(field(s, "Chain"), "eip155:1337 (evm-rpc)");
  EXPECT_EQ(line_after(s, " Tx hash"), "   " + sent[0]["tx_hash"].get<std::string>());
  EXPECT_EQ(field(s, "Block"), std::to_string(sent[0]["block_number"].get<std::uint64_t>()));
  EXPECT_EQ(field(s, "Confirmations"), "3 (3 required)");
  EXPECT_EQ(stored_intent(pos.store(), id).status, IntentStatus::kSucceeded);
  pos.key("q");
  EXPECT_EQ(pos.wait_exit(), 0);
  pos.expect_terminal_restored();
}

// ------------------------------------------------------------ no terminal needed

TEST(PosCommandLineTest, BadArgumentsExitWithTwoAndSayWhy) {
  const std::string bin = USD1PAY_POS_BINARY;
  ProcessResult r = run_process({bin, "--block-ms", "5"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("usd1pay_pos: --block-ms: '5' is not a whole number of ms in 100..60000"),
            std::string::npos)
      << r.err;
  r = run_process({bin, "--frobnicate", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown option '--frobnicate'"), std::string::npos) << r.err;
  r = run_process({bin, "--qr-style", "neon"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--qr-style: 'neon' is not ansi, dark or light"), std::string::npos);
  r = run_process({bin, "--chain", "eip155:999"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--chain: eip155:999 is not a chain of the configuration"),
            std::string::npos)
      << r.err;
  r = run_process({bin, "--token", "USDT"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--token: USDT is not a token of chain eip155:1337"), std::string::npos)
      << r.err;
  r = run_process({bin, "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("usage: usd1pay_pos"), std::string::npos);

  TempDir dir;
  r = run_process({bin, "--config", dir.file("missing.json")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("usd1pay_pos: configuration: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(dir.file("missing.json")), std::string::npos) << r.err;
}

TEST(PosCommandLineTest, AStoreOfAnEarlierSimulatedChainIsRefused) {
  // Without a terminal the program reads lines from stdin: "q" quits.
  const std::string bin = USD1PAY_POS_BINARY;
  TempDir dir;
  ProcessResult r = run_process({bin, "--store", dir.file("pos.db")}, "q\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("usd1pay POS closed: 0 sales paid"), std::string::npos) << r.out;
  r = run_process({bin, "--store", dir.file("pos.db")}, "q\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("usd1pay_pos: store " + dir.file("pos.db") +
                       " already followed the simulated chain eip155:1337"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("use a new --store file"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace usd1pay
