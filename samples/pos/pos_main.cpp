// usd1pay_pos: a terminal point-of-sale app on the usd1pay C++ API.
//
//   usd1pay_pos [--config FILE] [--store FILE] [--shop NAME] [--chain CAIP2]
//               [--token SYMBOL] [--block-ms N] [--qr-style ansi|dark|light]
//
// The cashier types an amount in USD (and, optionally, an order reference);
// the app creates a payment intent, shows the amount, chain, token, deposit
// address, a QR code of the payment request and a countdown to expiry, and
// follows the payment live (waiting -> processing N of M confirmations ->
// paid), then prints a receipt. Without --config it runs on embedded
// defaults (samples/usd1pay.json: the local devnet eip155:1337 on the
// in-process SimChain, whose blocks this app mines on a timer); with a
// config whose chain has a real backend (evm-rpc), it tracks that chain.
// README.md next to this file lists the keys.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "pos_default_config.h"
#include "pos_sale.h"
#include "pos_terminal.h"
#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/qr.h"
#include "usd1pay/sim_chain.h"
#include "usd1pay/store.h"
#include "usd1pay/tracker.h"
#include "usd1pay/version.h"

namespace {

using namespace usd1pay;
using namespace std::chrono_literals;

constexpr const char* kUsage =
    "usage: usd1pay_pos [--config FILE] [--store FILE] [--shop NAME] [--chain CAIP2]\n"
    "                   [--token SYMBOL] [--block-ms N] [--qr-style ansi|dark|light]\n"
    "\n"
    "  --config FILE     usd1pay configuration (default: embedded samples/usd1pay.json,\n"
    "                    the local devnet eip155:1337 on the in-process SimChain)\n"
    "  --store FILE      SQLite store (default: the config's store.path; with the\n"
    "                    embedded config a temporary file removed at exit)\n"
    "  --shop NAME       the shop's name on the screen and the receipt\n"
    "                    (default: \"usd1pay POS\")\n"
    "  --chain CAIP2     chain of the sales (default: the config's default_chain)\n"
    "  --token SYMBOL    token of the sales (default: the config's default_token)\n"
    "  --block-ms N      SimChain only: mine a block every N ms, 100..60000\n"
    "                    (default 1000)\n"
    "  --qr-style S      ansi: black on white whatever the theme (default);\n"
    "                    dark / light: plain glyphs for a dark / light background\n";

struct Args {
  std::optional<std::string> config;
  std::optional<std::string> store;
  std::string shop = "usd1pay POS";
  std::optional<std::string> chain;
  std::optional<std::string> token;
  int block_ms = 1000;
  QrTerminalStyle qr_style = QrTerminalStyle::kAnsiBlackOnWhite;
};

// Exit code 2 and the usage for a bad command line.
[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "usd1pay_pos: " << message << "\n\n" << kUsage;
  std::exit(2);
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string opt = argv[i];
    if (opt == "-h" || opt == "--help") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (i + 1 >= argc) usage_error("unknown argument '" + opt + "'");
    const std::string value = argv[++i];
    if (opt == "--config") {
      a.config = value;
    } else if (opt == "--store") {
      a.store = value;
    } else if (opt == "--shop") {
      if (value.empty()) usage_error("--shop: the name is empty");
      a.shop = value;
    } else if (opt == "--chain") {
      a.chain = value;
    } else if (opt == "--token") {
      a.token = value;
    } else if (opt == "--block-ms") {
      const bool digits = !value.empty() && value.size() <= 5 &&
                          value.find_first_not_of("0123456789") == std::string::npos;
      const int ms = digits ? std::stoi(value) : -1;
      if (ms < 100 || ms > 60000) {
        usage_error("--block-ms: '" + value + "' is not a whole number of ms in 100..60000");
      }
      a.block_ms = ms;
    } else if (opt == "--qr-style") {
      if (value == "ansi") {
        a.qr_style = QrTerminalStyle::kAnsiBlackOnWhite;
      } else if (value == "dark") {
        a.qr_style = QrTerminalStyle::kForDarkBackground;
      } else if (value == "light") {
        a.qr_style = QrTerminalStyle::kForLightBackground;
      } else {
        usage_error("--qr-style: '" + value + "' is not ansi, dark or light");
      }
    } else {
      usage_error("unknown option '" + opt + "'");
    }
  }
  return a;
}

template <typename T>
T or_die(Result<T> r, const char* what) {
  if (!r.ok()) {
    pos::restore_terminal();
    std::cerr << "usd1pay_pos: " << what << ": " << r.status().message() << "\n";
    std::exit(1);
  }
  return std::move(r).value();
}

// Mines a block on every simulated chain every `interval`, so that
// confirmations advance as they would on a real chain.
class BlockTimer {
 public:
  BlockTimer(std::vector<std::shared_ptr<SimChain>> chains, std::chrono::milliseconds interval)
      : chains_(std::move(chains)), interval_(interval) {
    if (!chains_.empty()) thread_ = std::thread([this] { run(); });
  }
  ~BlockTimer() { stop(); }
  BlockTimer(const BlockTimer&) = delete;
  BlockTimer& operator=(const BlockTimer&) = delete;

  void stop() {
    {
      const std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
      for (const auto& c : chains_) c->mine();
    }
  }

  std::vector<std::shared_ptr<SimChain>> chains_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

// A temporary store for the embedded config: a simulated chain lives in
// memory, so its store has nothing worth keeping after the run.
class TempStore {
 public:
  TempStore() {
    const char* base = std::getenv("TMPDIR");
    std::string dir =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/usd1pay-pos-XXXXXX";
    if (mkdtemp(dir.data()) != nullptr) dir_ = dir;
  }
  ~TempStore() {
    if (dir_.empty()) return;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::remove((path() + suffix).c_str());
    }
    rmdir(dir_.c_str());
  }
  TempStore(const TempStore&) = delete;
  TempStore& operator=(const TempStore&) = delete;
  bool ok() const { return !dir_.empty(); }
  std::string path() const { return dir_ + "/pos.db"; }

 private:
  std::string dir_;
};

const char* kClear = "\x1b[H\x1b[2J";

// Everything the loop needs.
struct Till {
  Args args;
  Config config;
  std::string store_label;
  std::shared_ptr<Store> store;
  std::unique_ptr<Processor> processor;
  std::unique_ptr<Tracker> tracker;
  pos::Terminal* term = nullptr;
  std::vector<std::string> messages;  // shown above the next amount prompt
  int paid = 0;
};

std::string chain_summary(const Till& t) {
  std::string id = t.args.chain.value_or(t.config.default_chain);
  const ChainConfig* c = t.config.find_chain(id);
  if (c == nullptr) return id;
  std::string s = id + " (";
  if (t.tracker->sim_chain(id)) {
    s += "simulated, a block every " + std::to_string(t.args.block_ms) + " ms";
  } else {
    s += c->backend;
  }
  s += "), token " + t.args.token.value_or(t.config.default_token) + ", final after ";
  if (c->finality.kind == FinalityConfig::Kind::kConfirmations) {
    s += std::to_string(c->finality.confirmations) + " confirmations";
  } else {
    s += std::string("the ") + finality_kind_name(c->finality.kind) + " block";
  }
  return s;
}

// " " + text, broken at spaces to fit `width`; continuation lines are
// indented by three spaces. A word longer than a line is left to the
// terminal.
std::string wrap(const std::string& text, int width) {
  const std::size_t w = width > 20 ? static_cast<std::size_t>(width) - 1 : 79;
  std::string out;
  std::string line = " ";
  std::size_t from = 0;
  while (from <= text.size()) {
    std::size_t to = text.find(' ', from);
    if (to == std::string::npos) to = text.size();
    const std::string word = text.substr(from, to - from);
    const bool first = line == " " || line == "   ";
    if (!first && line.size() + 1 + word.size() > w) {
      out += line + "\n";
      line = "   ";
    }
    line += (line == " " || line == "   ") ? word : " " + word;
    from = to + 1;
  }
  return out + line + "\n";
}

void draw_prompt_screen(const Till& t) {
  std::string s = kClear;
  s += " " + t.args.shop + "\n";
  s += " " + std::string(60, '-') + "\n";
  s += " Chain  " + chain_summary(t) + "\n";
  s += " Store  " + t.store_label + "\n\n";
  int width = 80;
  int height = 24;
  pos::Terminal::size(&width, &height);
  for (const auto& m : t.messages) s += wrap(m, width);
  if (!t.messages.empty()) s += "\n";
  s += " Type the amount and press Enter (q quits).\n\n";
  pos::Terminal::write(s);
}

enum class Next { kNextSale, kQuit };

// Redraws the frame in place: cursor home, each line cleared to its end,
// everything below cleared.
void draw_frame(const std::vector<std::string>& lines) {
  std::string s = "\x1b[H";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    s += lines[i] + "\x1b[K";
    if (i + 1 < lines.size()) s += "\n";
  }
  s += "\x1b[J";
  pos::Terminal::write(s);
}

std::string short_hash(const std::string& tx) {
  return tx.size() > 18 ? tx.substr(0, 18) + "..." : tx;
}

// The receipt, then Enter for the next sale or q to quit.
Next show_receipt(Till& t, const pos::SaleView& view) {
  ++t.paid;
  pos::Terminal::write(std::string(kClear) + pos::format_receipt(view, t.args.shop) +
                       "\n Press Enter for the next sale, q to quit.\n");
  t.term->discard_input();
  for (;;) {
    char key = 0;
    const auto r = t.term->read_key(&key, 1000ms);
    if (r == pos::Terminal::Read::kSignal || r == pos::Terminal::Read::kEof) return Next::kQuit;
    if (r != pos::Terminal::Read::kOk) continue;
    if (key == '\n' || key == '\r') return Next::kNextSale;
    if (key == 'q' || key == 'Q') return Next::kQuit;
  }
}

// One sale's screen until it ends.
Next run_sale(Till& t, pos::Sale& sale) {
  pos::ScreenOptions screen;
  screen.shop = t.args.shop;
  screen.qr_style = t.args.qr_style;
  t.term->set_key_mode(true);
  pos::Terminal::write(kClear);
  std::vector<std::string> shown;
  std::optional<pos::SaleView> last;
  for (;;) {
    auto view = sale.refresh();
    if (view.ok()) {
      last = *view;
    } else {
      screen.notice = "! " + view.status().message();
    }
    if (last) {
      switch (pos::sale_outcome(*last)) {
        case pos::SaleOutcome::kOpen: break;
        case pos::SaleOutcome::kPaid: return show_receipt(t, *last);
        default:
          t.messages = {"Sale " + last->intent.id + " (" + last->intent.order_id +
                        "): " + pos::status_line(*last)};
          return Next::kNextSale;
      }
      pos::Terminal::size(&screen.width, &screen.height);
      const bool resized = pos::Terminal::resized();
      auto lines = pos::sale_screen(*last, screen);
      if (lines != shown || resized) {
        if (resized) pos::Terminal::write(kClear);
        draw_frame(lines);
        shown = std::move(lines);
      }
    }
    char key = 0;
    const auto r = t.term->read_key(&key, 250ms);
    if (r == pos::Terminal::Read::kSignal || r == pos::Terminal::Read::kEof) {
      if (last) {
        t.messages = {"Sale " + last->intent.id + " left open (" +
                      intent_status_name(last->intent.status) + ")"};
      }
      return Next::kQuit;
    }
    if (r != pos::Terminal::Read::kOk) continue;
    const bool was_armed = screen.quit_armed;
    screen.quit_armed = false;
    switch (key) {
      case 'p':
      case 'P':
      case 'u':
      case 'U': {
        const bool half = key == 'u' || key == 'U';
        auto tx = sale.simulate_payment(half ? pos::SimulatedPayment::kHalf
                                             : pos::SimulatedPayment::kOutstanding);
        screen.notice = tx.ok()
                            ? std::string(half ? "Simulated underpayment" : "Simulated payment") +
                                  " sent in tx " + short_hash(*tx) + "; waiting for blocks"
                            : "! " + tx.status().message();
        break;
      }
      case 'c':
      case 'C': {
        auto canceled = sale.cancel();
        screen.notice = canceled.ok() ? "" : "! " + canceled.status().message();
        break;
      }
      case 'q':
      case 'Q':
        if (was_armed) {
          if (last) {
            t.messages = {"Sale " + last->intent.id + " left open (" +
                          intent_status_name(last->intent.status) + ")"};
          }
          return Next::kQuit;
        }
        screen.quit_armed = true;
        break;
      default: break;
    }
  }
}

// Reads one line at the prompt; nullopt when the program should stop.
std::optional<std::string> prompt(Till& t, const std::string& text) {
  pos::Terminal::write(" " + text);
  std::string line;
  const auto r = t.term->read_line(&line);
  if (r != pos::Terminal::Read::kOk) return std::nullopt;
  return line;
}

void run(Till& t) {
  for (;;) {
    t.term->set_key_mode(false);
    draw_prompt_screen(t);
    auto typed = prompt(t, "Amount (USD): ");
    if (!typed || *typed == "q" || *typed == "Q" || *typed == "quit") return;
    auto amount = pos::parse_sale_amount(*typed);
    if (!amount.ok()) {
      t.messages = {"! " + amount.status().message(),
                    "Type an amount like 12.50 (digits, at most "
                    "2 decimal places, no sign or currency)."};
      continue;
    }
    auto order = prompt(t, "Order reference (optional, Enter to skip): ");
    if (!order) return;
    pos::NewSale ns;
    ns.amount = *typed;
    ns.order = *order;
    ns.chain = t.args.chain;
    ns.token = t.args.token;
    pos::SaleDeps deps;
    deps.processor = t.processor.get();
    deps.store = t.store.get();
    deps.tracker = t.tracker.get();
    auto sale = pos::Sale::start(deps, ns);
    if (!sale.ok()) {
      t.messages = {"! could not start the sale: " + sale.status().message()};
      continue;
    }
    t.messages.clear();
    if (run_sale(t, *sale) == Next::kQuit) return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Till t;
  t.args = parse_args(argc, argv);
  t.config = t.args.config ? or_die(Config::load(*t.args.config), "configuration")
                           : or_die(Config::parse(pos::kDefaultConfigJson, "embedded defaults"),
                                    "embedded configuration");
  if (t.args.chain && t.config.find_chain(*t.args.chain) == nullptr) {
    usage_error("--chain: " + *t.args.chain + " is not a chain of the configuration");
  }
  if (t.args.token) {
    const ChainConfig* c = t.config.find_chain(t.args.chain.value_or(t.config.default_chain));
    if (c == nullptr || c->find_token(*t.args.token) == nullptr) {
      usage_error("--token: " + *t.args.token + " is not a token of chain " +
                  t.args.chain.value_or(t.config.default_chain));
    }
  }

  std::unique_ptr<TempStore> temp;
  std::string store_path;
  if (t.args.store) {
    store_path = *t.args.store;
    t.store_label = store_path;
  } else if (t.args.config) {
    store_path = t.config.store.path;
    t.store_label = store_path;
  } else {
    temp = std::make_unique<TempStore>();
    if (!temp->ok()) {
      std::cerr << "usd1pay_pos: cannot make a temporary directory for the store\n";
      return 1;
    }
    store_path = temp->path();
    t.store_label = store_path + " (temporary: the simulated chain lives in memory)";
  }
  t.config.store.path = store_path;
  SqliteStoreOptions so;
  so.path = store_path;
  so.synchronous = t.config.store.synchronous == StoreConfig::Synchronous::kNormal
                       ? SqliteSynchronous::kNormal
                       : SqliteSynchronous::kFull;
  so.busy_timeout_ms = t.config.store.busy_timeout_ms;
  t.store = or_die(open_sqlite_store(so), "store");

  // A simulated chain starts again at block 0 in every run; a store that
  // followed one before holds a cursor and block hashes of a chain that is
  // gone.
  bool any_sim = false;
  for (const auto& c : t.config.chains) {
    if (c.backend != "sim") continue;
    any_sim = true;
    GetCursorParams gp;
    gp.chain = c.id.to_string();
    auto cursor = or_die(t.store->get_cursor(gp), "store");
    if (cursor) {
      std::cerr << "usd1pay_pos: store " << store_path << " already followed the simulated chain "
                << gp.chain << " up to block " << cursor->next_block
                << " in an earlier run; a simulated chain lives in memory and starts again at "
                   "block 0 each run: use a new --store file\n";
      return 1;
    }
  }

  ProcessorOptions po;
  po.config = t.config;
  po.store = t.store;
  t.processor = or_die(Processor::open(std::move(po)), "processor");
  TrackerOptions to;
  to.config = t.config;
  to.store = t.store;
  to.actor = "pos";
  to.poll_interval = any_sim ? 250ms : 1000ms;
  t.tracker = or_die(Tracker::open(std::move(to)), "tracker");

  std::vector<std::shared_ptr<SimChain>> sims;
  for (const auto& c : t.config.chains) {
    if (auto sim = t.tracker->sim_chain(c.id.to_string())) sims.push_back(sim);
  }
  {
    // Scan once before the first sale, so that a chain that cannot be
    // reached shows on the first screen (the tracker keeps retrying).
    const PollReport first = or_die(t.tracker->poll_once(), "tracker");
    for (const auto& c : first.chains) {
      if (!c.error.ok()) t.messages.push_back("! chain " + c.chain + ": " + c.error.message());
    }
  }
  const Status started = t.tracker->start();
  if (!started.ok()) {
    std::cerr << "usd1pay_pos: tracker: " << started.message() << "\n";
    return 1;
  }
  BlockTimer blocks(sims, std::chrono::milliseconds(t.args.block_ms));

  int signal = 0;
  {
    pos::Terminal term;
    t.term = &term;
    run(t);
    signal = pos::Terminal::stop_signal();
    term.set_key_mode(false);
    pos::Terminal::write(kClear);
  }
  t.tracker->stop();
  blocks.stop();
  std::cout << "usd1pay POS closed: " << t.paid << (t.paid == 1 ? " sale" : " sales") << " paid";
  if (signal != 0) std::cout << " (stopped by signal " << signal << ")";
  std::cout << "\n";
  for (const auto& m : t.messages) std::cout << m << "\n";
  std::cout.flush();
  return signal != 0 ? 128 + signal : 0;
}
