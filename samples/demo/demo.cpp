// make demo: a whole checkout on embedded defaults.
//
//   usd1pay_demo CONFIG STORE
//
// Loads the sample configuration (samples/usd1pay.json: a local devnet chain
// on the in-process SimChain, the USD1 token, an account-level xpub, 3
// confirmations), starts a fresh embedded SQLite store at STORE, and runs one
// checkout the way a point-of-sale terminal sees it:
//   1. the Processor creates the payment intent: the exact amount at par, a
//      deposit address derived from the xpub (no private key anywhere), the
//      EIP-681 URI and its QR code;
//   2. the customer's wallet pays (simulated on SimChain);
//   3. the Tracker sees the transfer, waits for 3 confirmations, and settles
//      the intent; every step lands in the hash-chained audit log.
// SimChain lives in memory, so each run starts a new chain and a new store.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/qr.h"
#include "usd1pay/sim_chain.h"
#include "usd1pay/store.h"
#include "usd1pay/tracker.h"
#include "usd1pay/version.h"

namespace {

// Prints the error and exits: a demo has no caller to hand a Status to.
template <typename T>
T or_die(usd1pay::Result<T> r, const char* what) {
  if (!r.ok()) {
    std::cerr << "demo: " << what << ": " << usd1pay::to_string(r.status()) << "\n";
    std::exit(1);
  }
  return std::move(r).value();
}

// A customer's wallet address (any address not ours).
constexpr const char* kCustomer = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

}  // namespace

int main(int argc, char** argv) {
  using namespace usd1pay;
  if (argc != 3) {
    std::cerr << "usage: usd1pay_demo CONFIG STORE\n";
    return 2;
  }
  const std::string store_path = argv[2];
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((store_path + suffix).c_str());

  Config config = or_die(Config::load(argv[1]), "configuration");
  config.store.path = store_path;  // keep the demo's database out of the source tree
  SqliteStoreOptions store_options;
  store_options.path = store_path;
  std::shared_ptr<Store> store = or_die(open_sqlite_store(store_options), "store");

  ProcessorOptions popts;
  popts.config = config;
  popts.store = store;
  auto processor = or_die(Processor::open(std::move(popts)), "processor");
  TrackerOptions topts;
  topts.config = config;
  topts.store = store;
  auto tracker = or_die(Tracker::open(std::move(topts)), "tracker");

  // 1. The payment intent.
  CreateIntentRequest order;
  order.order_id = "order-1001";
  order.amount = "25.00";  // USD, as the shop's cart computed it
  order.idempotency_key = "demo-order-1001";
  order.metadata_json = R"({"customer":"demo","items":1})";
  const PaymentIntent intent = or_die(processor->create_intent(order), "create intent");

  std::cout << "usd1pay " << USD1PAY_VERSION_STRING << " demo: one checkout\n\n"
            << "  intent        " << intent.id << "\n"
            << "  order         " << intent.order_id << "\n"
            << "  amount due    " << intent.amount_due.to_string_fixed(2) << " "
            << intent.token_symbol << " (" << intent.amount.to_string_fixed(2) << " "
            << intent.currency << " at par)\n"
            << "  base units    " << intent.amount_due.base_units().to_decimal() << " ("
            << intent.token_decimals << " decimals)\n"
            << "  chain         " << intent.chain.to_string() << "\n"
            << "  pay to        " << intent.deposit_address << "  (xpub index "
            << (intent.deposit_index ? std::to_string(*intent.deposit_index) : "-") << ")\n"
            << "  expires at    " << format_intent_time(intent.expires_at) << "\n"
            << "  payment URI   " << intent.payment_uri << "\n\n";
  const QrCode qr = or_die(intent_qr(intent), "QR code");
  std::cout << render_terminal(qr) << "\n";

  // 2. The customer pays, on the simulated chain.
  auto chain = tracker->sim_chain(intent.chain.to_string());
  if (!chain) {
    std::cerr << "demo: the sample chain is not a SimChain\n";
    return 1;
  }
  or_die(tracker->poll_once(), "first scan");  // the tracker starts at the current head
  SimTransfer payment;
  payment.token = intent.token_contract;
  payment.from = kCustomer;
  payment.to = intent.deposit_address;
  payment.amount = intent.amount_due.base_units();
  const std::string tx = chain->submit_transfer(payment);
  std::cout << "  customer pays " << intent.amount_due.to_string_fixed(2) << " "
            << intent.token_symbol << " in tx " << tx.substr(0, 18) << "...\n";

  // 3. Blocks arrive; the tracker confirms.
  std::uint32_t needed = 0;
  if (const ChainConfig* c = config.find_chain(intent.chain.to_string())) {
    needed = c->finality.confirmations;
  }
  for (std::uint32_t i = 0; i <= needed; ++i) {
    const BlockRef block = chain->mine();
    or_die(tracker->poll_once(), "scan");
    const PaymentIntent now = or_die(processor->get_intent(intent.id), "intent");
    std::cout << "  block " << block.number << "       " << intent_status_name(now.status) << "\n";
    if (now.status == IntentStatus::kSucceeded) break;
  }

  const PaymentIntent done = or_die(processor->get_intent(intent.id), "intent");
  std::cout << "\n  final state   " << intent_status_name(done.status) << "\n\n"
            << "  events (audit trail):\n";
  for (const auto& e : or_die(processor->list_events(std::nullopt), "events")) {
    std::cout << "    #" << e.seq << "  " << e.type << "  by " << e.actor << "\n";
  }
  const AuditReport audit = or_die(processor->verify_audit(), "audit");
  std::cout << "  audit chain   " << (audit.ok ? "verified" : "BROKEN: " + audit.problem) << " ("
            << audit.events_checked << (audit.events_checked == 1 ? " event)\n" : " events)\n")
            << "  store         " << store_path << "\n";
  return audit.ok && done.status == IntentStatus::kSucceeded ? 0 : 1;
}
