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
//      the intent; every step lands in the hash-chained audit log;
//   4. the webhook dispatcher delivers every event, signed (Standard
//      Webhooks), to a receiver running in this process on 127.0.0.1 (a free
//      port), which checks each one with verify_webhook() as a shop backend
//      would. A loopback receiver needs allow_private_destinations, which the
//      demo sets for itself only (and says so); the sample config keeps the
//      SSRF guard on.
// SimChain lives in memory, so each run starts a new chain and a new store.
//
// With a third argument DIR, the receiver also writes the first body of each
// event type it receives to DIR/<type>.json (docs/webhooks.md's examples).
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/qr.h"
#include "usd1pay/sim_chain.h"
#include "usd1pay/store.h"
#include "usd1pay/tracker.h"
#include "usd1pay/version.h"
#include "usd1pay/webhook.h"
#include "usd1pay/webhook_dispatcher.h"

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

// The shop backend's side: receives POSTs, verifies each with the endpoint's
// secret, answers 200 when it verifies and 400 when not (usd1pay would retry).
class Receiver {
 public:
  explicit Receiver(std::string examples_dir) : examples_dir_(std::move(examples_dir)) {
    server_.Post("/webhooks",
                 [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
  }
  ~Receiver() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  int start() {
    const int port = server_.bind_to_any_port("127.0.0.1");
    if (port > 0) thread_ = std::thread([this] { server_.listen_after_bind(); });
    return port;
  }
  void set_secret(std::string secret) {
    const std::lock_guard<std::mutex> lock(mu_);
    secret_ = std::move(secret);
  }
  std::vector<std::string> lines() {
    const std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }
  std::size_t verified() {
    const std::lock_guard<std::mutex> lock(mu_);
    return verified_;
  }

 private:
  void handle(const httplib::Request& req, httplib::Response& res) {
    const std::lock_guard<std::mutex> lock(mu_);
    usd1pay::VerifyWebhookParams v;
    v.secrets = {secret_};
    const std::string id = req.get_header_value("webhook-id");
    const std::string timestamp = req.get_header_value("webhook-timestamp");
    const std::string signature = req.get_header_value("webhook-signature");
    v.id = id;
    v.timestamp = timestamp;
    v.signature = signature;
    v.body = req.body;
    v.now = static_cast<std::int64_t>(std::time(nullptr));
    const usd1pay::Status st = usd1pay::verify_webhook(v);
    const auto body = id_and_type(req.body);
    if (!st.ok()) {
      lines_.push_back("    REJECTED  " + id + "  " + st.message());
      res.status = 400;
      return;
    }
    ++verified_;
    lines_.push_back("    verified  " + id + "  " + body.first + "  " + body.second);
    if (!examples_dir_.empty() && written_.insert(body.second).second) {
      std::ofstream(examples_dir_ + "/" + body.second + ".json", std::ios::binary) << req.body;
    }
    res.status = 200;
  }

  // The event id and type out of a body, by plain search: the receiver
  // trusts the body only after it verified, and then only needs two fields.
  static std::pair<std::string, std::string> id_and_type(const std::string& body) {
    const auto field = [&body](const std::string& key) {
      const std::string needle = "\"" + key + "\":\"";
      const std::size_t at = body.find(needle);
      if (at == std::string::npos) return std::string("?");
      const std::size_t from = at + needle.size();
      return body.substr(from, body.find('"', from) - from);
    };
    return {field("id"), field("type")};
  }

  httplib::Server server_;
  std::thread thread_;
  std::mutex mu_;
  std::string secret_;
  std::string examples_dir_;
  std::set<std::string> written_;
  std::vector<std::string> lines_;
  std::size_t verified_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace usd1pay;
  if (argc != 3 && argc != 4) {
    std::cerr << "usage: usd1pay_demo CONFIG STORE [EXAMPLES_DIR]\n";
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

  // The shop's webhook receiver, and an endpoint pointing at it. It exists
  // before the intent, so it receives every event of the checkout.
  Receiver receiver(argc == 4 ? argv[3] : "");
  const int port = receiver.start();
  if (port <= 0) {
    std::cerr << "demo: cannot start the webhook receiver on 127.0.0.1\n";
    return 1;
  }
  DestinationPolicy demo_only;
  demo_only.allow_private_destinations = true;
  WebhookEndpoints endpoints(*store, SystemClock::instance(), demo_only);
  AddWebhookEndpointParams hook;
  hook.url = "http://127.0.0.1:" + std::to_string(port) + "/webhooks";
  hook.description = "the demo's in-process receiver";
  const WebhookEndpointRow endpoint = or_die(endpoints.add(hook), "webhook endpoint");
  receiver.set_secret(endpoint.secrets.front().secret);

  // 1. The payment intent.
  CreateIntentRequest order;
  order.order_id = "order-1001";
  order.amount = "25.00";  // USD, as the shop's cart computed it
  order.idempotency_key = "demo-order-1001";
  order.metadata_json = R"({"customer":"demo","items":1})";
  const PaymentIntent intent = or_die(processor->create_intent(order), "create intent");

  std::cout << "usd1pay " << USD1PAY_VERSION_STRING << " demo: one checkout\n\n"
            << "  webhooks to   " << hook.url << "  (" << endpoint.id << ")\n"
            << "                a receiver in this process on loopback: the demo allows\n"
            << "                private destinations for itself only (the SSRF guard\n"
            << "                refuses them by default)\n"
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

  // 4. The webhooks: the dispatcher sends what the checkout committed.
  const auto transport = make_http_transport();
  WebhookDispatcherOptions dopts;
  dopts.store = store.get();
  dopts.transport = transport.get();
  dopts.destinations = demo_only;
  auto dispatcher = or_die(WebhookDispatcher::create(std::move(dopts)), "webhook dispatcher");
  const DispatchReport sent =
      or_die(dispatcher->drain(std::chrono::seconds(30)), "webhook delivery");
  dispatcher->stop();
  std::cout << "\n  webhooks      " << sent.succeeded << " of " << sent.attempted
            << " delivered; the receiver verified each signature (Standard Webhooks):\n";
  for (const auto& line : receiver.lines()) std::cout << line << "\n";

  const AuditReport audit = or_die(processor->verify_audit(), "audit");
  std::cout << "  audit chain   " << (audit.ok ? "verified" : "BROKEN: " + audit.problem) << " ("
            << audit.events_checked << (audit.events_checked == 1 ? " event)\n" : " events)\n")
            << "  store         " << store_path << "\n";
  const std::size_t events = or_die(processor->list_events(std::nullopt), "events").size();
  const bool webhooks_ok = receiver.verified() == events && sent.succeeded == events;
  if (!webhooks_ok) {
    std::cerr << "demo: " << receiver.verified() << " of " << events
              << " events delivered and verified\n";
  }
  return audit.ok && done.status == IntentStatus::kSucceeded && webhooks_ok ? 0 : 1;
}
