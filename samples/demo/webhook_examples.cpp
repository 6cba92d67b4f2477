// The example payloads of docs/webhooks.md, from a real run.
//
//   usd1pay_webhook_examples STORE
//
// Runs checkouts on SimChain + SQLite + Processor + Tracker with a manual
// clock (exact payment, underpaid then completed, overpaid, paid twice,
// expired then paid late, wrong network, canceled, a reorg orphaning a
// payment), then prints, for each type of webhook_event_types(), the body
// the dispatcher sends for the first such event (make_webhook_body, pretty
// printed) as Markdown, and lists the types this run did not produce.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/sim_chain.h"
#include "usd1pay/store.h"
#include "usd1pay/tracker.h"
#include "usd1pay/webhook_dispatcher.h"

namespace {

using namespace std::chrono_literals;

template <typename T>
T or_die(usd1pay::Result<T> r, const char* what) {
  if (!r.ok()) {
    std::cerr << "webhook_examples: " << what << ": " << usd1pay::to_string(r.status()) << "\n";
    std::exit(1);
  }
  return std::move(r).value();
}

constexpr const char* kXpub =
    "xpub6Ce9NcJvTk36xtLSrJLZqE7wtgA5deCeYs7rSQtreh4cj6ByPtrg9sD7V2FNFLPnf8heNP3FGkeV9qwfzvZNSd54Jo"
    "NXVsXFYSYwHsnJxqP";
constexpr const char* kToken = "0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA";
constexpr const char* kBaseToken = "0x8d12A197cB00D4747a1fe03395095ce2A5CC6819";
constexpr const char* kCustomer = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
constexpr std::int64_t kGenesis = 1767225600;  // SimChain's default genesis time

std::string config_text(const std::string& store_path) {
  auto evm = [](const char* id, const char* token) {
    return nlohmann::json{{"id", id},
                          {"backend", "sim"},
                          {"finality", {{"kind", "confirmations"}, {"confirmations", 3}}},
                          {"tokens", {{{"symbol", "USD1"}, {"contract", token}, {"decimals", 6}}}},
                          {"strategy", "xpub"},
                          {"xpub", kXpub}};
  };
  return nlohmann::json{{"store", {{"path", store_path}, {"synchronous", "normal"}}},
                        {"chains", {evm("eip155:1337", kToken), evm("eip155:8453", kBaseToken)}},
                        {"actor", "shop"}}
      .dump();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace usd1pay;
  if (argc != 2) {
    std::cerr << "usage: usd1pay_webhook_examples STORE\n";
    return 2;
  }
  for (const char* suffix : {"", "-wal", "-shm"})
    std::remove((std::string(argv[1]) + suffix).c_str());
  const Config config = or_die(Config::parse(config_text(argv[1])), "config");
  auto clock = std::make_shared<ManualClock>(from_unix_seconds(kGenesis + 60));
  ProcessorOptions po;
  po.config = config;
  po.clock = clock;
  auto processor = or_die(Processor::open(std::move(po)), "processor");
  TrackerOptions to;
  to.config = config;
  to.clock = clock;
  to.start_block = 0;
  auto tracker = or_die(Tracker::open(std::move(to)), "tracker");
  SimChain& evm = *tracker->sim_chain("eip155:1337");
  SimChain& base = *tracker->sim_chain("eip155:8453");
  int orders = 0;
  const auto create = [&](const std::string& amount, std::int64_t expires_in = 900) {
    CreateIntentRequest r;
    r.order_id = "order-" + std::to_string(1001 + orders++);
    r.amount = amount;
    r.expires_in_seconds = expires_in;
    r.metadata_json = R"({"cart":"c-7f3a"})";
    return or_die(processor->create_intent(r), "create intent");
  };
  const auto pay = [](SimChain& chain, const std::string& address, std::uint64_t units,
                      const char* token = kToken) {
    chain.submit_transfer({token, kCustomer, address, Uint128(units), {}});
  };
  const auto catch_up = [&] {
    for (int i = 0; i < 100; ++i) {
      if (or_die(tracker->poll_once(), "poll").caught_up()) return;
    }
  };
  catch_up();

  // Exact payment: created, detected / processing, confirmed / succeeded.
  auto exact = create("25.00");
  pay(evm, exact.deposit_address, 25000000);
  evm.mine();
  catch_up();
  evm.mine(2);
  catch_up();
  // Overpaid and paid twice.
  auto over = create("10.00");
  pay(evm, over.deposit_address, 12000000);
  auto twice = create("5.00");
  pay(evm, twice.deposit_address, 5000000);
  pay(evm, twice.deposit_address, 5000000);
  evm.mine(3);
  catch_up();
  // Underpaid by a fee, then the rest.
  auto under = create("25.00", 600);
  pay(evm, under.deposit_address, 24000000);
  evm.mine(3);
  catch_up();
  // Wrong network: the same address on Base.
  auto wrong = create("7.50");
  pay(base, wrong.deposit_address, 7500000, kBaseToken);
  base.mine(3);
  catch_up();
  // Canceled.
  auto canceled = create("3.00");
  or_die(processor->cancel_intent(canceled.id), "cancel");
  // A reorg drops a credited payment.
  auto orphan = create("9.99");
  pay(evm, orphan.deposit_address, 9990000);
  evm.mine(2);
  catch_up();
  if (!evm.reorg({2, 4, ReorgTransfers::kDrop, false}).ok()) return 1;
  catch_up();
  // Expiry: the underpaid one and an unpaid one; then a late payment.
  auto late = create("4.00", 600);
  clock->advance(601s);
  catch_up();  // the tracker finds the short one underpaid
  or_die(processor->expire_due(), "expire");
  evm.mine(60);
  pay(evm, late.deposit_address, 4000000);
  pay(evm, under.deposit_address, 1000000);
  evm.mine(3);
  catch_up();

  // The bodies, first of each type.
  std::map<std::string, EventRow> first;
  for (const auto& e : or_die(processor->list_events(std::nullopt, 0, 10000), "events")) {
    first.emplace(e.type, e);
  }
  std::string missing;
  for (const std::string& type : webhook_event_types()) {
    const auto it = first.find(type);
    if (it == first.end()) {
      missing += (missing.empty() ? "" : ", ") + type;
      continue;
    }
    const std::string body = make_webhook_body(it->second);
    std::cout << "### " << type << "\n\n```json\n"
              << nlohmann::ordered_json::parse(body).dump(2) << "\n```\n\n";
  }
  for (const auto& [type, e] : first) {
    bool known = false;
    for (const auto& t : webhook_event_types()) known = known || t == type;
    if (!known) std::cerr << "webhook_examples: " << type << " is not in the catalogue\n";
  }
  if (!missing.empty())
    std::cerr << "webhook_examples: not produced by this run: " << missing << "\n";
  return 0;
}
