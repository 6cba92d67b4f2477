// Signed webhook deliveries per second, against wrk on the same receiver.
//
//   bench_webhook_delivery serve
//       A loopback receiver (cpp-httplib, 127.0.0.1, a free port, 16 threads,
//       TCP_NODELAY, up to 1000 requests per keep-alive connection, a listen
//       backlog of 1024):
//       prints "PORT <n>", answers every POST /hook with 200 after reading the
//       body, and on a line on stdin (or EOF) prints "REQUESTS <n>" and exits.
//       wrk and usd1pay hit this same process in one run.
//   bench_webhook_delivery deliver PORT DIR N WORKERS full|normal [PREFETCH]
//       A real SQLite store in DIR, one endpoint (http://127.0.0.1:PORT/hook),
//       N intents created (N intent.created events; set up under synchronous
//       NORMAL, not timed; the store is then opened again as asked), then the dispatcher with
//       the real HTTP transport drains them: fan-out, claim, sign, POST,
//       record every attempt. Prints "OPS <deliveries per second>" over the
//       drain only, after checking that exactly N deliveries succeeded with
//       one attempt each (a wrong result cannot pass as a fast one).
//       PREFETCH is the dispatcher's prefetch (default 16, the most it
//       takes): how many deliveries per worker are leased ahead, i.e. how
//       many can go out while one round's commit (an fsync) runs.
//   bench_webhook_delivery body
//       Prints a body like the ones usd1pay sends (for wrk's script).
//   bench_webhook_delivery post PORT N WORKERS lean|httplib
//       The HTTP client alone: N POSTs of that body with webhook headers to
//       http://127.0.0.1:PORT/hook from WORKERS threads, through the
//       transport (lean: make_http_transport, usd1pay's plain-http client)
//       or a bare cpp-httplib client per thread (keep-alive, TCP_NODELAY);
//       no store, no signing. Prints "OPS <posts per second>" and
//       "CPU_US_PER_POST" after checking every answer was a 200. A manual
//       measurement (docs/webhooks.md, "Speed"), not part of run.py.
#include <httplib.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "usd1pay/clock.h"
#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/store.h"
#include "usd1pay/webhook_dispatcher.h"

namespace {

constexpr const char* kXpub =
    "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5"
    "ski8PX9rL2dZXvgGDnw";
constexpr const char* kToken = "0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA";

/// CPU seconds (user + system, or system only) of the process, or of the
/// calling thread.
double cpu_seconds(int who = RUSAGE_SELF, bool system_only = false) {
  rusage u{};
  getrusage(who, &u);
  const auto secs = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return (system_only ? 0.0 : secs(u.ru_utime)) + secs(u.ru_stime);
}

int fail(const std::string& what) {
  std::cerr << "bench_webhook_delivery: " << what << "\n";
  return 1;
}

// cpp-httplib listens with a backlog of 5 (compiled into Debian's
// libcpp-httplib). With 8 senders connecting at once on a busy machine that
// queue overflowed now and then, the kernel dropped a SYN and the sender's
// retry came 1 s later: a stall that made a 0.1 s smoke run read 0.01.
// Real receivers queue far more (nginx 511, the kernel's somaxconn 4096), so
// the listening socket on `port` gets 1024 (listen() again only resizes the
// queue), for wrk and usd1pay alike.
void widen_backlog(int port) {
  for (int fd = 3; fd < 1024; ++fd) {
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening == 0) {
      continue;
    }
    sockaddr_in addr{};
    len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0 &&
        addr.sin_family == AF_INET && ntohs(addr.sin_port) == port) {
      ::listen(fd, 1024);
      return;
    }
  }
}

int serve() {
  httplib::Server server;
  std::atomic<std::uint64_t> requests{0};
  server.new_task_queue = [] { return new httplib::ThreadPool(16); };
  server.set_tcp_nodelay(true);  // without it a response can wait for a delayed ACK
  // httplib closes a connection after 5 requests by default; real receivers
  // keep it far longer (nginx: keepalive_requests 1000), and so does this
  // one, for wrk and usd1pay alike.
  server.set_keep_alive_max_count(1000);
  server.Post("/hook", [&requests](const httplib::Request& req, httplib::Response& res) {
    // Touch the body and the signature header so neither side gets a free
    // pass; the receiver's work is the same for both.
    if (req.body.empty() || req.get_header_value("webhook-id").empty()) {
      res.status = 400;
      return;
    }
    requests.fetch_add(1, std::memory_order_relaxed);
    res.status = 200;
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) return fail("cannot bind 127.0.0.1");
  widen_backlog(port);  // bind_to_any_port listens already
  std::thread thread([&server] { server.listen_after_bind(); });
  std::cout << "PORT " << port << "\n" << std::flush;
  std::string line;
  std::getline(std::cin, line);
  server.stop();
  thread.join();
  std::cout << "REQUESTS " << requests.load() << "\n" << std::flush;
  return 0;
}

usd1pay::Config bench_config(const std::string& dir, bool full) {
  usd1pay::Config config;
  config.source = "<bench>";
  config.store.path = dir + "/usd1pay.db";
  config.store.synchronous =
      full ? usd1pay::StoreConfig::Synchronous::kFull : usd1pay::StoreConfig::Synchronous::kNormal;
  usd1pay::ChainConfig chain;
  chain.id = *usd1pay::ChainId::parse("eip155:1337");
  chain.family = usd1pay::ChainFamily::kEvm;
  chain.backend = "sim";
  chain.tokens = {{"USD1", kToken, 18}};
  chain.strategy = usd1pay::DepositStrategy::kXpub;
  chain.xpub = kXpub;
  config.chains = {chain};
  config.default_chain = "eip155:1337";
  config.default_token = "USD1";
  return config;
}

int deliver(int port, const std::string& dir, long n, std::size_t workers, bool full,
            std::size_t prefetch) {
  using namespace usd1pay;
  const Config config = bench_config(dir, full);
  SqliteStoreOptions so;
  so.path = config.store.path;
  DestinationPolicy policy;
  policy.allow_private_destinations = true;  // the receiver is on loopback
  {
    // The events are made beforehand (not timed) with synchronous NORMAL:
    // one fsync per intent under FULL made setting up 20,000 take minutes.
    // The drain below runs on a store opened again with the setting asked.
    so.synchronous = SqliteSynchronous::kNormal;
    auto opened = open_sqlite_store(so);
    if (!opened.ok()) return fail(opened.status().message());
    std::shared_ptr<Store> setup = std::move(opened).value();
    WebhookEndpoints endpoints(*setup, SystemClock::instance(), policy);
    AddWebhookEndpointParams ep;
    ep.url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
    auto endpoint = endpoints.add(ep);
    if (!endpoint.ok()) return fail(endpoint.status().message());

    ProcessorOptions po;
    po.config = config;
    po.store = setup;
    auto processor = Processor::open(std::move(po));
    if (!processor.ok()) return fail(processor.status().message());
    CreateIntentRequest req;
    req.amount = "25.00";
    req.metadata_json = R"({"cart":"c-1","terminal":"pos-7"})";
    for (long i = 0; i < n; ++i) {
      req.order_id = "order-" + std::to_string(i);
      auto r = (*processor)->create_intent(req);
      if (!r.ok()) return fail(r.status().message());
    }
  }
  so.synchronous = full ? SqliteSynchronous::kFull : SqliteSynchronous::kNormal;
  auto opened = open_sqlite_store(so);
  if (!opened.ok()) return fail(opened.status().message());
  std::shared_ptr<Store> store = std::move(opened).value();

  auto transport = make_http_transport(HttpTransportOptions{true, "", workers});
  WebhookDispatcherOptions o;
  o.store = store.get();
  o.transport = transport.get();
  o.destinations = policy;
  o.workers = workers;
  o.max_in_flight_per_endpoint = workers;  // one endpoint: let it use every worker
  o.fanout_batch = 10000;
  o.prefetch = prefetch;
  o.log = [](std::string_view line) { std::cerr << line << "\n"; };
  auto dispatcher = WebhookDispatcher::create(std::move(o));
  if (!dispatcher.ok()) return fail(dispatcher.status().message());

  const double cpu_before = cpu_seconds();
  const double thread_before = cpu_seconds(RUSAGE_THREAD);
  const double thread_sys_before = cpu_seconds(RUSAGE_THREAD, true);
  const auto start = std::chrono::steady_clock::now();
  auto report = (*dispatcher)->drain(std::chrono::minutes(10));
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = cpu_seconds() - cpu_before;
  // drain() records and claims on the calling thread: its share of the
  // wall time says whether that thread is what limits the rate.
  const double recording = cpu_seconds(RUSAGE_THREAD) - thread_before;
  const double recording_sys = cpu_seconds(RUSAGE_THREAD, true) - thread_sys_before;
  if (!report.ok()) return fail(report.status().message());

  ListWebhookDeliveriesParams lp;
  lp.limit = 100000;
  auto rows = store->list_webhook_deliveries(lp);
  if (!rows.ok()) return fail(rows.status().message());
  long succeeded = 0;
  for (const auto& d : *rows) {
    if (d.status == "succeeded" && d.total_attempts == 1) ++succeeded;
  }
  if (succeeded != n || static_cast<long>(rows->size()) != n) {
    return fail(std::to_string(rows->size()) + " deliveries, " + std::to_string(succeeded) +
                " succeeded at the first attempt; expected " + std::to_string(n));
  }
  std::cout << "DELIVERED " << n << " in " << secs << " s\n";
  std::cout << "OPS " << static_cast<long>(static_cast<double>(n) / secs) << "\n";
  // CPU time (user + system, all threads) per delivery: steadier than the
  // rate on a loaded machine, for comparing changes.
  std::cout << "CPU_US_PER_DELIVERY " << static_cast<long>(cpu * 1e6 / static_cast<double>(n))
            << "\n";
  std::cout << "RECORDING_THREAD_BUSY " << static_cast<long>(100.0 * recording / secs) << "% ("
            << static_cast<long>(recording * 1e6 / static_cast<double>(n))
            << " us of CPU per delivery, "
            << static_cast<long>(recording_sys * 1e6 / static_cast<double>(n))
            << " of them in the kernel)\n";
  return 0;
}

// A body of the size and shape usd1pay sends for intent.created.
const char* const kBody =
    R"({"id":"evt_4f7QzJ1mXk2B9sLq8VwYc3","type":"intent.created","created":"2026-05-01T12:00:00.000Z","data":{"id":"pi_8HqL2nWx5Rk7Tc1Zp4Ym9s","object":"payment_intent","order_id":"order-1","status":"requires_payment","amount":"25.00","amount_base_units":"25000000000000000000","chain":"eip155:1337","token":"USD1","token_contract":"0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA","decimals":18,"strategy":"xpub","deposit_address":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","deposit_index":0,"payment_uri":"ethereum:0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA@1337/transfer?address=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266&uint256=25000000000000000000","expires_at":"2026-05-01T12:15:00.000Z","metadata":{"cart":"c-1","terminal":"pos-7"},"amount_received":"0.00","created_at":"2026-05-01T12:00:00.000Z","updated_at":"2026-05-01T12:00:00.000Z"}})";

int body() {
  std::cout << kBody << "\n";
  return 0;
}

int post(int port, long n, std::size_t workers, bool lean) {
  using namespace usd1pay;
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"webhook-id", "msg_2ZqT5v1Xk9Lm3Bc7Np4Rs8"},
      {"webhook-timestamp", "1777636800"},
      {"webhook-signature", "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="},
      {"user-agent", "usd1pay/bench"}};
  HttpPostParams p;
  p.destination.url = WebhookUrl{"http", "127.0.0.1", static_cast<std::uint16_t>(port), "/hook"};
  p.destination.addresses = {"127.0.0.1"};
  p.headers = headers;
  p.body = kBody;
  auto transport = make_http_transport(HttpTransportOptions{true, "", workers});
  std::atomic<long> next{0};
  std::atomic<long> bad{0};
  const double cpu_before = cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      httplib::Headers h;
      for (const auto& [name, value] : headers) h.emplace(name, value);
      while (next.fetch_add(1) < n) {
        if (lean) {
          auto r = transport->post(p);
          if (!r.ok() || r->status != 200) ++bad;
        } else {
          auto r = client.Post("/hook", h, p.body, "application/json");
          if (!r || r->status != 200) ++bad;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = cpu_seconds() - cpu_before;
  if (bad.load() != 0) return fail(std::to_string(bad.load()) + " posts failed");
  std::cout << "POSTED " << n << " in " << secs << " s (" << (lean ? "lean" : "httplib") << ")\n";
  std::cout << "OPS " << static_cast<long>(static_cast<double>(n) / secs) << "\n";
  std::cout << "CPU_US_PER_POST " << static_cast<long>(cpu * 1e6 / static_cast<double>(n)) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "serve" && argc == 2) return serve();
    if (mode == "body" && argc == 2) return body();
    if (mode == "post" && argc == 6) {
      const std::string client = argv[5];
      if (client != "lean" && client != "httplib") return fail("client must be lean or httplib");
      return post(std::stoi(argv[2]), std::stol(argv[3]),
                  static_cast<std::size_t>(std::stoul(argv[4])), client == "lean");
    }
    if (mode == "deliver" && (argc == 7 || argc == 8)) {
      const std::string sync = argv[6];
      if (sync != "full" && sync != "normal") return fail("synchronous must be full or normal");
      return deliver(std::stoi(argv[2]), argv[3], std::stol(argv[4]),
                     static_cast<std::size_t>(std::stoul(argv[5])), sync == "full",
                     argc == 8 ? static_cast<std::size_t>(std::stoul(argv[7])) : 16);
    }
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  std::cerr << "usage: bench_webhook_delivery serve | body | deliver PORT DIR N WORKERS "
               "full|normal [PREFETCH] | post PORT N WORKERS lean|httplib\n";
  return 2;
}
