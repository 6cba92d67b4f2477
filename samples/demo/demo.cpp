// make demo: a checkout's first half on embedded defaults.
//
//   usd1pay_demo CONFIG STORE
//
// Loads the sample configuration (samples/usd1pay.json: a local devnet chain,
// the USD1 token, an account-level xpub), opens the embedded SQLite store at
// STORE, and creates the payment intent for a sample order through the
// Processor: the exact amount at par, a deposit address derived from the
// xpub (no private key anywhere), the EIP-681 URI and its QR code, and the
// intent.created event in the hash-chained audit log. The order carries an
// idempotency key, so running the demo again shows the same intent.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/qr.h"
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

}  // namespace

int main(int argc, char** argv) {
  using namespace usd1pay;
  if (argc != 3) {
    std::cerr << "usage: usd1pay_demo CONFIG STORE\n";
    return 2;
  }
  Config config = or_die(Config::load(argv[1]), "configuration");
  config.store.path = argv[2];  // keep the demo's database out of the source tree

  ProcessorOptions options;
  options.config = config;
  auto processor = or_die(Processor::open(std::move(options)), "store");

  CreateIntentRequest order;
  order.order_id = "order-1001";
  order.amount = "25.00";  // USD, as the shop's cart computed it
  order.idempotency_key = "demo-order-1001";
  order.metadata_json = R"({"customer":"demo","items":1})";
  const PaymentIntent intent = or_die(processor->create_intent(order), "create intent");

  std::cout << "usd1pay " << USD1PAY_VERSION_STRING << " demo: a payment intent\n\n"
            << "  intent        " << intent.id << "  (" << intent_status_name(intent.status)
            << ")\n"
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

  const auto events = or_die(processor->list_events(intent.id), "events");
  std::cout << "  events (audit trail):\n";
  for (const auto& e : events) {
    std::cout << "    #" << e.seq << " " << e.type << " by " << e.actor << "  hash "
              << e.hash.substr(0, 16) << "...\n";
  }
  const AuditReport audit = or_die(processor->verify_audit(), "audit");
  std::cout << "  audit chain   " << (audit.ok ? "verified" : "BROKEN: " + audit.problem) << " ("
            << audit.events_checked << (audit.events_checked == 1 ? " event)\n" : " events)\n")
            << "  store         " << argv[2] << "\n";
  return audit.ok ? 0 : 1;
}
