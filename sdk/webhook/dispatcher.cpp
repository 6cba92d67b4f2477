// The webhook dispatcher: fan-out from the outbox, leases, a bounded worker
// pool, signing, POSTing, classifying and recording every attempt.
//
// Choices worth knowing (see also webhook_dispatcher.h):
// - Fan-out covers disabled endpoints too. Their deliveries are queued and
//   held (the store's claim skips disabled endpoints) until the endpoint is
//   enabled again; then they go out in order. So disabling an endpoint pauses
//   it, it does not make it miss events. (A 410 Gone likewise holds the
//   delivery that got it, due again at once when the endpoint is enabled.)
// - Each dispatcher leases under its own random owner id ("wd_..."), so
//   several dispatchers (threads or processes) can share a store.
// - The schedule's delay k is applied after the k-th failed attempt of the
//   current round; with n delays there are at most n + 1 attempts, then the
//   delivery is dead-lettered ("failed"). A delay is multiplied by a factor
//   drawn uniformly from [1 - jitter, 1 + jitter]. Retry-After (delta seconds
//   or an HTTP date in any of the three RFC 9110 forms) on a non-2xx answer
//   pushes the next attempt later, never earlier, and at most 24 h ahead; it
//   does not add attempts beyond the schedule.
// - The destination guard runs again before every attempt; a refusal is
//   recorded as a failed attempt (no HTTP status) and retried by the
//   schedule, so a DNS change that makes a host private stops deliveries
//   without losing them.
// - Recording is batched: run_once() records a pass's attempts in one store
//   transaction; drain() and the background loop run a pipeline (see "the
//   pipeline" below) that records everything finished, gives back unused
//   leases and claims the next deliveries in one transaction per round.
//   Profiled (perf, bench.webhook_delivery): one transaction per attempt
//   made the fsync of each commit the limit under synchronous FULL; batched,
//   a delivery costs about the same under FULL and NORMAL.
// - A store error while recording leaves the lease to run out: the delivery
//   is attempted again later (at-least-once), and the error is logged. When a
//   batch is refused, its attempts are recorded one by one, so one refused
//   record does not cost the others theirs.
// - Secrets are only handed to sign_webhook(); no log line or recorded error
//   contains one.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "usd1pay/clock.h"
#include "usd1pay/id.h"
#include "usd1pay/status.h"
#include "usd1pay/store.h"
#include "usd1pay/version.h"
#include "usd1pay/webhook.h"
#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay {
namespace {

using std::chrono::milliseconds;

constexpr std::int64_t kMaxRetryAfterMs = 24LL * 3600 * 1000;
constexpr std::size_t kExcerptBytes = 1024;
constexpr milliseconds kMaxBackoff{30000};

std::int64_t to_ms(TimePoint t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

// ---------------------------------------------------------------- Retry-After

// The earliest next attempt a Retry-After value asks for, capped at 24 h
// from now; nullopt when absent or unreadable (then the schedule alone
// decides).
std::optional<std::int64_t> retry_after_ms(const HttpPostResult& r, std::int64_t now_ms) {
  for (const auto& [name, raw] : r.headers) {
    if (name != "retry-after") continue;
    const auto at = parse_retry_after(raw, TimePoint(std::chrono::milliseconds(now_ms)));
    if (!at) return std::nullopt;
    return std::min(to_ms(*at), now_ms + kMaxRetryAfterMs);
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- the pool

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t n) {
    threads_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> l(mu_);
      done_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void submit(std::function<void()> f) {
    {
      std::lock_guard<std::mutex> l(mu_);
      queue_.push_back(std::move(f));
    }
    cv_.notify_one();
  }

 private:
  void work() {
    while (true) {
      std::function<void()> f;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [&] { return done_ || !queue_.empty(); });
        if (queue_.empty()) return;  // done_ and nothing left: every task runs
        f = std::move(queue_.front());
        queue_.pop_front();
      }
      f();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool done_ = false;
  std::vector<std::thread> threads_;
};

// What one attempt did, for the report and the stats.
struct Tally {
  std::size_t attempted = 0;
  std::size_t succeeded = 0;
  std::size_t retried = 0;
  std::size_t dead_lettered = 0;
  std::size_t endpoints_disabled = 0;
  std::string error;  // a store failure around the attempt

  void add(const Tally& t) {
    attempted += t.attempted;
    succeeded += t.succeeded;
    retried += t.retried;
    dead_lettered += t.dead_lettered;
    endpoints_disabled += t.endpoints_disabled;
    if (!t.error.empty()) error = t.error;
  }
};

// ---------------------------------------------------------------- options

Status out_of_range(const std::string& what, const std::string& value, const std::string& range) {
  return Status(ErrorCode::kInvalidArgument,
                "webhook dispatcher: " + what + " is " + value + ", expected " + range);
}

Status check_options(WebhookDispatcherOptions* o) {
  if (o->store == nullptr) {
    return Status(ErrorCode::kInvalidArgument, "webhook dispatcher: store is required");
  }
  if (o->transport == nullptr) {
    return Status(ErrorCode::kInvalidArgument, "webhook dispatcher: transport is required");
  }
  if (o->retry_schedule.empty()) o->retry_schedule = default_webhook_retry_schedule();
  if (o->retry_schedule.size() > 50) {
    return out_of_range("retry_schedule", std::to_string(o->retry_schedule.size()) + " delays",
                        "1..50");
  }
  constexpr std::int64_t kMaxDelay = 7LL * 24 * 3600;
  for (std::size_t i = 0; i < o->retry_schedule.size(); ++i) {
    const std::int64_t s = o->retry_schedule[i].count();
    if (s < 0 || s > kMaxDelay) {
      return out_of_range("retry_schedule[" + std::to_string(i) + "]", std::to_string(s) + " s",
                          "0 s..7 days");
    }
  }
  if (!(o->jitter >= 0.0 && o->jitter <= 0.5)) {  // NaN fails too
    return out_of_range("jitter", std::to_string(o->jitter), "0..0.5");
  }
  if (o->workers < 1 || o->workers > 256) {
    return out_of_range("workers", std::to_string(o->workers), "1..256");
  }
  if (o->max_in_flight_per_endpoint < 1 || o->max_in_flight_per_endpoint > o->workers) {
    return out_of_range("max_in_flight_per_endpoint", std::to_string(o->max_in_flight_per_endpoint),
                        "1..workers (" + std::to_string(o->workers) + ")");
  }
  if (o->prefetch < 1 || o->prefetch > 16) {
    return out_of_range("prefetch", std::to_string(o->prefetch), "1..16");
  }
  if (o->connect_timeout < milliseconds(1) || o->connect_timeout > milliseconds(60000)) {
    return out_of_range("connect_timeout", std::to_string(o->connect_timeout.count()) + " ms",
                        "1 ms..60 s");
  }
  if (o->request_timeout < milliseconds(100) || o->request_timeout > milliseconds(60000)) {
    return out_of_range("request_timeout", std::to_string(o->request_timeout.count()) + " ms",
                        "100 ms..60 s");
  }
  if (o->max_response_bytes > 65536) {
    return out_of_range("max_response_bytes", std::to_string(o->max_response_bytes), "0..65536");
  }
  if (o->lease <= o->connect_timeout + o->request_timeout || o->lease > milliseconds(86400000)) {
    return out_of_range("lease", std::to_string(o->lease.count()) + " ms",
                        "more than connect_timeout + request_timeout (" +
                            std::to_string((o->connect_timeout + o->request_timeout).count()) +
                            " ms), at most 24 h");
  }
  if (o->poll_interval < milliseconds(1) || o->poll_interval > milliseconds(3600000)) {
    return out_of_range("poll_interval", std::to_string(o->poll_interval.count()) + " ms",
                        "1 ms..1 h");
  }
  if (o->fanout_batch < 1 || o->fanout_batch > 10000) {
    return out_of_range("fanout_batch", std::to_string(o->fanout_batch), "1..10000");
  }
  return Status();
}

// ---------------------------------------------------------------- dispatcher

class Dispatcher final : public WebhookDispatcher {
 public:
  explicit Dispatcher(WebhookDispatcherOptions o)
      : o_(std::move(o)),
        clock_(o_.clock != nullptr ? *o_.clock : SystemClock::instance()),
        owner_(new_id("wd_")),
        user_agent_(std::string("usd1pay/") + USD1PAY_VERSION_STRING) {
    if (!o_.random) {
      std::uint64_t seed = 0;
      std::uint8_t b[8] = {};
      if (random_bytes(b, sizeof b).ok()) {
        for (std::uint8_t x : b) seed = (seed << 8U) | x;
      } else {
        seed =
            static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
      }
      rng_.seed(seed);
    }
  }

  ~Dispatcher() override {
    stop();
    pool_.reset();  // joins the workers (every submitted task has finished)
  }

  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  Result<DispatchReport> run_once() override {
    std::lock_guard<std::mutex> pass(pass_mu_);
    DispatchReport rep;
    bool more = false;
    Status s = fanout(&rep, &more);
    if (!s.ok()) return fail(s);
    auto claimed = claim(o_.workers);
    if (!claimed.ok()) return fail(claimed.status());
    Tally all;
    if (!claimed->empty()) {
      std::mutex mu;
      std::condition_variable cv;
      std::size_t left = claimed->size();
      std::vector<CompleteWebhookAttemptParams> done;
      std::vector<std::string> release;
      for (WebhookDeliveryRow& d : *claimed) {
        pool().submit([this, d = std::move(d), &mu, &cv, &left, &all, &done, &release] {
          Sent one = send_one(d);
          std::lock_guard<std::mutex> l(mu);
          if (one.completion) done.push_back(std::move(*one.completion));
          if (one.release) release.push_back(d.id);
          if (!one.error.empty()) all.error = one.error;
          if (--left == 0) cv.notify_all();
        });
      }
      {
        std::unique_lock<std::mutex> l(mu);
        cv.wait(l, [&] { return left == 0; });
      }
      std::vector<WebhookDeliveryRow> none;
      Status unused;
      all.add(record(std::move(done), std::move(release), std::nullopt, &none, &unused));
    }
    rep.attempted = all.attempted;
    rep.succeeded = all.succeeded;
    rep.retried = all.retried;
    rep.dead_lettered = all.dead_lettered;
    rep.endpoints_disabled = all.endpoints_disabled;
    {
      std::lock_guard<std::mutex> l(stats_mu_);
      ++stats_.passes;
    }
    if (!all.error.empty()) return fail(Status(ErrorCode::kUnavailable, all.error));
    return rep;
  }

  Result<DispatchReport> drain(milliseconds deadline) override {
    std::lock_guard<std::mutex> pass(pass_mu_);
    DispatchReport total;
    Pipe pipe;
    Status s = pump(pipe, /*until_idle=*/true, std::chrono::steady_clock::now() + deadline, &total);
    if (!s.ok()) return fail(s);
    return total;
  }

  Status start() override {
    std::lock_guard<std::mutex> l(loop_mu_);
    if (loop_.joinable()) return Status();  // running already
    stopping_ = false;
    pool();  // start the workers on this thread, before the loop needs them
    loop_ = std::thread([this] { loop(); });
    return Status();
  }

  void stop() override {
    std::thread t;
    {
      std::lock_guard<std::mutex> l(loop_mu_);
      if (!loop_.joinable()) return;
      stopping_ = true;
      t = std::move(loop_);
    }
    {
      std::lock_guard<std::mutex> l(loop_pipe_.mu);  // the loop waits on it
    }
    loop_pipe_.cv.notify_all();
    t.join();  // the loop waits for its attempts in flight before it ends
  }

  DispatcherStats stats() const override {
    std::lock_guard<std::mutex> l(stats_mu_);
    return stats_;
  }

 private:
  WorkerPool& pool() {
    std::lock_guard<std::mutex> l(pool_mu_);
    if (!pool_) pool_ = std::make_unique<WorkerPool>(o_.workers);
    return *pool_;
  }

  Status fail(const Status& s) {
    std::lock_guard<std::mutex> l(stats_mu_);
    stats_.last_error = s.message();
    return s;
  }

  void log(const std::string& line) {
    if (o_.log) {
      o_.log(line);
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
  }

  // For every endpoint (enabled or not): the next events after its
  // fanout_seq, as deliveries for those its filter chooses. *more: some
  // endpoint has further events waiting (a full batch).
  Status fanout(DispatchReport* rep, bool* more) {
    ListWebhookEndpointsParams lp;
    lp.limit = 10000;
    auto eps = o_.store->list_webhook_endpoints(lp);
    if (!eps.ok()) return eps.status().with_context("webhook dispatcher: fan-out");
    for (const WebhookEndpointRow& ep : *eps) {
      ListEventsParams le;
      le.after_seq = ep.fanout_seq;
      le.limit = o_.fanout_batch;
      auto events = o_.store->list_events(le);
      if (!events.ok()) {
        return events.status().with_context("webhook dispatcher: fan-out to " + ep.id);
      }
      if (events->empty()) continue;
      if (events->size() >= o_.fanout_batch) *more = true;
      const std::int64_t now = to_ms(clock_.now());
      EnqueueWebhookDeliveriesParams q;
      q.endpoint_id = ep.id;
      q.expected_fanout_seq = ep.fanout_seq;
      q.new_fanout_seq = events->back().seq;
      q.at_ms = now;
      for (const EventRow& ev : *events) {
        if (!webhook_filter_matches(ep.event_types, ev.type)) continue;
        WebhookDeliveryRow d;
        d.id = new_id(kWebhookMessageIdPrefix);
        d.endpoint_id = ep.id;
        d.event_id = ev.id;
        d.event_seq = ev.seq;
        d.event_type = ev.type;
        d.intent_id = ev.intent_id;
        d.next_attempt_at_ms = now;
        q.deliveries.push_back(std::move(d));
      }
      auto n = o_.store->enqueue_webhook_deliveries(q);
      if (!n.ok()) {
        // Another dispatcher fanned these out first: nothing to do.
        if (n.status().code() == ErrorCode::kFailedPrecondition) continue;
        return n.status().with_context("webhook dispatcher: fan-out to " + ep.id);
      }
      rep->enqueued += *n;
    }
    return Status();
  }

  Result<std::vector<WebhookDeliveryRow>> claim(std::size_t limit) {
    ClaimWebhookDeliveriesParams c;
    c.now_ms = to_ms(clock_.now());
    c.lease_ms = o_.lease.count();
    c.owner = owner_;
    c.limit = limit;
    c.max_in_flight_per_endpoint = o_.max_in_flight_per_endpoint;
    auto r = o_.store->claim_webhook_deliveries(c);
    if (!r.ok()) return r.status().with_context("webhook dispatcher: claim");
    return r;
  }

  double draw() {
    double r = 0;
    if (o_.random) {
      std::lock_guard<std::mutex> l(rng_mu_);
      r = o_.random();
    } else {
      std::lock_guard<std::mutex> l(rng_mu_);
      r = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    }
    if (!(r >= 0.0)) r = 0.0;  // NaN too
    if (r >= 1.0) r = std::nextafter(1.0, 0.0);
    return r;
  }

  // The delay after the `failed`-th failed attempt of a round (1-based).
  std::int64_t jittered_delay_ms(std::size_t failed) {
    const double base = static_cast<double>(o_.retry_schedule[failed - 1].count()) * 1000.0;
    const double factor = 1.0 + o_.jitter * (2.0 * draw() - 1.0);
    return static_cast<std::int64_t>(std::llround(base * factor));
  }

  // What a worker did with one leased delivery.
  struct Sent {
    /// The attempt to record; empty when none was made (the endpoint is
    /// disabled since the claim, or could not be read).
    std::optional<CompleteWebhookAttemptParams> completion;
    /// No attempt made and the lease may be given back at once (disabled
    /// endpoint): its deliveries wait for it to be enabled.
    bool release = false;
    std::string error;  // a store failure before the attempt
  };

  // One attempt of one leased delivery: read, sign, POST, classify. Runs on a
  // worker; records nothing (the caller records in batches).
  // `snapshot`: the endpoint as read after the claim that leased `d` (the
  // pipeline reads each endpoint once per round, not once per attempt);
  // nullptr = read it now. `event`: d's event as read for the round (one
  // read for the batch); nullptr = read it now.
  Sent send_one(const WebhookDeliveryRow& d, const WebhookEndpointRow* snapshot = nullptr,
                const EventRow* event = nullptr) {
    Sent out;
    const TimePoint started = clock_.now();
    const std::int64_t started_ms = to_ms(started);
    Result<WebhookEndpointRow> ep = Status(ErrorCode::kInternal, "unread");
    if (snapshot) {
      ep = *snapshot;
    } else {
      GetWebhookEndpointParams ge;
      ge.id = d.endpoint_id;
      ep = o_.store->get_webhook_endpoint(ge);
    }
    if (!ep.ok()) {
      out.error = "webhook dispatcher: delivery " + d.id + ": " + ep.status().message();
      log(out.error);
      return out;  // the lease runs out and the delivery is claimed again
    }
    // Disabled since the claim: not sent. The delivery stays pending and
    // goes when the endpoint is enabled.
    if (!ep->enabled) {
      out.release = true;
      return out;
    }
    std::optional<EventRow> read_now;  // the event, when the round did not read it
    if (event == nullptr) {
      GetEventParams gv;
      gv.id = d.event_id;
      auto ev = o_.store->get_event(gv);
      if (!ev.ok()) {
        out.error = "webhook dispatcher: delivery " + d.id + ": " + ev.status().message();
        log(out.error);
        return out;
      }
      event = &read_now.emplace(std::move(ev).value());
    }
    const std::string body = make_webhook_body(*event);

    Result<HttpPostResult> r = send(d, *ep, body, started);
    const TimePoint finished = clock_.now();
    const std::int64_t now_ms = to_ms(finished);

    CompleteWebhookAttemptParams& c = out.completion.emplace();
    c.delivery_id = d.id;
    c.owner = owner_;
    c.at_ms = now_ms;
    WebhookAttemptRow& a = c.attempt;
    a.delivery_id = d.id;
    a.endpoint_id = d.endpoint_id;
    a.event_id = d.event_id;
    a.started_at_ms = started_ms;
    a.latency_ms = std::max<std::int64_t>(0, now_ms - started_ms);
    std::optional<std::int64_t> not_before;
    if (r.ok()) {
      a.http_status = r->status;
      a.response_excerpt = r->body.substr(0, std::min(r->body.size(), kExcerptBytes));
      if (r->status >= 200 && r->status <= 299) {
        a.outcome = "succeeded";
        c.new_status = "succeeded";
      } else if (r->status == 410) {
        a.outcome = "gone";
        a.error = "http status 410 Gone: endpoint disabled";
        c.new_status = "pending";  // held until the endpoint is enabled again
        c.next_attempt_at_ms = now_ms;
        c.disable_endpoint_reason = "410 Gone at " + format_iso8601(finished);
      } else {
        a.error = "http status " + std::to_string(r->status);
        if (r->status >= 300 && r->status <= 399) a.error += " (redirects are not followed)";
        not_before = retry_after_ms(*r, now_ms);
      }
    } else {
      a.http_status = 0;
      a.error = r.status().message();
    }
    if (a.outcome.empty()) {  // a failure: retry by the schedule, or dead-letter
      const std::size_t failed = static_cast<std::size_t>(d.round_attempts) + 1;
      if (failed > o_.retry_schedule.size()) {
        a.outcome = "failed";
        c.new_status = "failed";
        c.next_attempt_at_ms = 0;
      } else {
        a.outcome = "retry";
        c.new_status = "pending";
        std::int64_t next = now_ms + jittered_delay_ms(failed);
        if (not_before && *not_before > next) next = *not_before;
        c.next_attempt_at_ms = next;
      }
    }
    return out;
  }

  // The tally of one recorded attempt (`applied`: the store took its result).
  Tally tally(const CompleteWebhookAttemptParams& c, bool applied) {
    Tally t;
    t.attempted = 1;
    if (!applied) {
      log("webhook dispatcher: delivery " + c.delivery_id +
          ": the lease ran out during the attempt; another dispatcher owns it now");
      return t;
    }
    const std::string& outcome = c.attempt.outcome;
    if (outcome == "succeeded") t.succeeded = 1;
    if (outcome == "retry") t.retried = 1;
    if (outcome == "failed") t.dead_lettered = 1;
    if (outcome == "gone") t.endpoints_disabled = 1;
    return t;
  }

  // Records finished attempts and gives back unattempted leases, and claims
  // when `claim` is set, all in one store transaction (one commit for the
  // whole batch). When that transaction fails, the attempts are recorded one
  // by one, so that one refused record does not cost the others theirs
  // (releases are dropped: those leases run out); then *claim_error is set
  // and *claimed stays empty. Every attempt counts in the stats whether or
  // not it could be recorded.
  Tally record(std::vector<CompleteWebhookAttemptParams> done, std::vector<std::string> release,
               const std::optional<ClaimWebhookDeliveriesParams>& claim,
               std::vector<WebhookDeliveryRow>* claimed, Status* claim_error) {
    Tally all;
    claimed->clear();
    {
      std::lock_guard<std::mutex> l(stats_mu_);
      for (const CompleteWebhookAttemptParams& c : done) {
        ++stats_.attempts;
        if (c.attempt.outcome == "succeeded") {
          ++stats_.succeeded;
        } else {
          ++stats_.failed_attempts;
        }
        if (c.attempt.outcome == "failed") ++stats_.dead_lettered;
      }
    }
    if (done.empty() && release.empty()) {
      if (claim) {
        auto r = o_.store->claim_webhook_deliveries(*claim);
        if (!r.ok()) {
          *claim_error = r.status().with_context("webhook dispatcher: claim");
        } else {
          *claimed = std::move(*r);
        }
      }
      return all;
    }
    CompleteWebhookAttemptsParams batch;
    batch.completions = std::move(done);
    batch.release = std::move(release);
    batch.owner = owner_;
    batch.claim = claim;
    batch.return_deliveries = false;  // only `applied` is read below
    auto r = o_.store->complete_webhook_attempts(batch);
    if (r.ok()) {
      for (std::size_t i = 0; i < batch.completions.size(); ++i) {
        all.add(tally(batch.completions[i], r->completed[i].applied));
      }
      *claimed = std::move(r->claimed);
      return all;
    }
    log("webhook dispatcher: recording " + std::to_string(batch.completions.size()) +
        " attempts in one transaction: " + r.status().message() + " (recording them one by one)");
    if (claim) *claim_error = r.status().with_context("webhook dispatcher: claim");
    for (const CompleteWebhookAttemptParams& c : batch.completions) {
      auto one = o_.store->complete_webhook_attempt(c);
      if (!one.ok()) {
        Tally t;
        t.attempted = 1;
        t.error = "webhook dispatcher: recording an attempt of " + c.delivery_id + ": " +
                  one.status().message();
        log(t.error);
        all.add(t);
        continue;
      }
      all.add(tally(c, one->applied));
    }
    return all;
  }

  // Signs and POSTs; "no response" (including a destination the guard
  // refuses) is an error status.
  Result<HttpPostResult> send(const WebhookDeliveryRow& d, const WebhookEndpointRow& ep,
                              const std::string& body, TimePoint now) {
    const std::int64_t now_ms = to_ms(now);
    SignWebhookParams sp;
    for (const WebhookSecretRow& s : ep.secrets) {  // newest (primary) first
      if (s.expires_at_ms == 0 || s.expires_at_ms > now_ms) sp.secrets.push_back(s.secret);
    }
    if (sp.secrets.empty() && !ep.secrets.empty()) sp.secrets.push_back(ep.secrets.front().secret);
    sp.id = d.id;
    sp.timestamp = to_unix_seconds(now);
    sp.body = body;
    auto h = sign_webhook(sp);
    if (!h.ok()) return h.status().with_context("endpoint " + ep.id + " cannot sign");
    auto url = parse_webhook_url(ep.url);
    if (!url.ok()) return url.status();
    auto dest = check_destination(*url, o_.destinations);
    if (!dest.ok()) return dest.status();
    HttpPostParams p;
    p.destination = std::move(*dest);
    p.headers = {{"webhook-id", h->id},
                 {"webhook-timestamp", h->timestamp},
                 {"webhook-signature", h->signature},
                 {"user-agent", user_agent_}};
    p.body = body;
    p.content_type = "application/json";
    p.connect_timeout = o_.connect_timeout;
    p.request_timeout = o_.request_timeout;
    p.max_response_bytes = o_.max_response_bytes;
    // A transport is pluggable: one that throws must not take a worker (and
    // the process) down; the attempt is recorded as failed instead.
    try {
      return o_.transport->post(p);
    } catch (const std::exception& e) {
      return Status(ErrorCode::kInternal, std::string("http transport threw: ") + e.what());
    } catch (...) {
      return Status(ErrorCode::kInternal, "http transport threw");
    }
  }

  // ------------------------------------------------------------ the pipeline
  //
  // drain() and the background loop run this: workers take leased
  // deliveries from `ready`, send them and put what happened on `done`; the
  // calling thread records everything done so far, gives back leases it
  // will not use, and claims the next deliveries, in ONE store transaction
  // per round (complete_webhook_attempts), so a commit (an fsync under
  // synchronous FULL) is paid per round, not per attempt, and rounds get
  // larger when commits are slow. Up to `prefetch` x workers deliveries are
  // leased (prefetch x max_in_flight_per_endpoint per endpoint), so workers
  // find the next ones leased while a round commits; at most
  // max_in_flight_per_endpoint of one endpoint are sent at once.

  struct Pipe {
    std::mutex mu;
    std::condition_variable cv;
    // An endpoint as read after a claim, shared by the jobs of that round.
    struct Endpoint {
      WebhookEndpointRow row;
      bool gone = false;  // a 410 came back: its other jobs are given back unsent
    };
    struct Job {
      WebhookDeliveryRow d;
      std::shared_ptr<Endpoint> endpoint;     // nullptr: the worker reads it
      std::shared_ptr<const EventRow> event;  // nullptr: the worker reads it
    };
    std::deque<Job> ready;                       // leased, not started
    std::map<std::string, std::size_t> sending;  // per endpoint
    std::size_t sending_total = 0;
    std::size_t runners = 0;  // worker tasks taking from `ready`
    std::vector<CompleteWebhookAttemptParams> done;
    std::vector<std::string> release;  // leased, not attempted: give back
    std::string error;                 // a store failure on a worker
    bool closing = false;              // start nothing more
  };

  // A worker task: sends ready deliveries while one may start.
  void run(Pipe* p) {
    // An attempt must fit in what is left of its lease.
    const std::int64_t budget = (o_.connect_timeout + o_.request_timeout).count();
    std::unique_lock<std::mutex> l(p->mu);
    while (true) {
      auto it = p->ready.end();
      if (!p->closing) {
        it = std::find_if(p->ready.begin(), p->ready.end(), [&](const Pipe::Job& j) {
          return p->sending[j.d.endpoint_id] < o_.max_in_flight_per_endpoint;
        });
      }
      if (it == p->ready.end()) {
        --p->runners;
        p->cv.notify_all();  // under the lock: `p` may be gone once it is released
        return;
      }
      Pipe::Job job = std::move(*it);
      p->ready.erase(it);
      const WebhookDeliveryRow& d = job.d;
      // Waited too long behind a slow endpoint (an attempt would outlive the
      // lease), or the endpoint answered 410 Gone meanwhile: give it back,
      // unsent.
      if (to_ms(clock_.now()) > d.lease_until_ms - budget || (job.endpoint && job.endpoint->gone)) {
        p->release.push_back(d.id);
        p->cv.notify_all();
        continue;
      }
      ++p->sending[d.endpoint_id];
      ++p->sending_total;
      l.unlock();
      Sent s = send_one(d, job.endpoint ? &job.endpoint->row : nullptr, job.event.get());
      l.lock();
      if (job.endpoint && s.completion && s.completion->disable_endpoint_reason) {
        job.endpoint->gone = true;
      }
      --p->sending[d.endpoint_id];
      --p->sending_total;
      if (s.completion) p->done.push_back(std::move(*s.completion));
      if (s.release) p->release.push_back(d.id);
      if (!s.error.empty()) p->error = s.error;
      p->cv.notify_all();
    }
  }

  // The events of a claimed batch, by id, read in ONE store read (a range
  // of seqs) instead of one read per attempt on the workers. Fan-out makes
  // a batch's seqs close together; when they are spread too far for one
  // range (more than 4 x the batch, at least 64, at most 10,000), or the
  // read fails, nothing is returned and each worker reads its event itself
  // (and reports a failure). Events are never changed once written, so an
  // event read here is the event a worker would read.
  std::map<std::string, std::shared_ptr<const EventRow>> read_events(
      const std::vector<WebhookDeliveryRow>& claimed) {
    std::map<std::string, std::shared_ptr<const EventRow>> found;
    if (claimed.empty()) return found;
    std::uint64_t lo = claimed.front().event_seq;
    std::uint64_t hi = lo;
    std::set<std::string> wanted;
    for (const WebhookDeliveryRow& d : claimed) {
      lo = std::min(lo, d.event_seq);
      hi = std::max(hi, d.event_seq);
      wanted.insert(d.event_id);
    }
    const std::uint64_t span = hi - lo + 1;
    if (lo == 0 || span > std::max<std::uint64_t>(4 * claimed.size(), 64) || span > 10000) {
      return found;
    }
    ListEventsParams le;
    le.after_seq = lo - 1;
    le.limit = static_cast<std::size_t>(span);
    auto events = o_.store->list_events(le);
    if (!events.ok()) return found;
    for (EventRow& ev : *events) {
      if (wanted.count(ev.id) == 0) continue;
      std::string id = ev.id;
      found.emplace(std::move(id), std::make_shared<const EventRow>(std::move(ev)));
    }
    return found;
  }

  // Starts worker tasks for deliveries that may start now. Under p->mu.
  void spawn(Pipe* p) {
    std::size_t startable = 0;
    std::map<std::string, std::size_t> would;
    for (const Pipe::Job& j : p->ready) {
      std::size_t& n = would[j.d.endpoint_id];
      if (n == 0) n = p->sending[j.d.endpoint_id];
      if (n < o_.max_in_flight_per_endpoint) {
        ++n;
        ++startable;
      }
    }
    while (p->runners < o_.workers && p->runners < startable) {
      ++p->runners;
      pool().submit([this, p] { run(p); });
    }
  }

  // Rounds until stop() (until_idle false: the background loop, which
  // survives store errors, logging them and backing off) or until nothing is
  // due, the deadline passes or a store error (until_idle: drain()). Then
  // attempts in flight finish and are recorded, and leases not used are
  // given back.
  Status pump(Pipe& p, bool until_idle, std::chrono::steady_clock::time_point deadline,
              DispatchReport* rep) {
    {
      std::lock_guard<std::mutex> l(p.mu);
      p.closing = false;
    }
    auto last_fanout = std::chrono::steady_clock::time_point{};
    bool more = false;
    milliseconds backoff{0};
    Status failed;
    const std::size_t max_leased = o_.workers * o_.prefetch;
    while (true) {
      if (!until_idle) {
        std::lock_guard<std::mutex> l(loop_mu_);
        if (stopping_) break;
      } else if (std::chrono::steady_clock::now() >= deadline) {
        break;
      }
      Status err;
      bool fanned_out = false;
      std::size_t enqueued = 0;
      std::vector<CompleteWebhookAttemptParams> done;
      std::vector<std::string> release;
      std::size_t leased = 0;
      bool empty = false;
      {
        std::lock_guard<std::mutex> l(p.mu);
        done.swap(p.done);
        release.swap(p.release);
        leased = p.ready.size() + p.sending_total;
        empty = leased == 0 && done.empty();
        if (!p.error.empty()) err = Status(ErrorCode::kUnavailable, p.error);
        p.error.clear();
      }
      const auto now = std::chrono::steady_clock::now();
      // drain() looks for new events whenever it runs dry, so that "idle"
      // means nothing is left to fan out either.
      if (more || now - last_fanout >= o_.poll_interval || (until_idle && empty)) {
        DispatchReport f;
        more = false;
        Status s = fanout(&f, &more);
        if (!s.ok()) err = s;
        last_fanout = now;
        fanned_out = s.ok();
        enqueued = f.enqueued;
        rep->enqueued += f.enqueued;
      }
      std::optional<ClaimWebhookDeliveriesParams> claim;
      if (err.ok() && leased < max_leased) {
        ClaimWebhookDeliveriesParams& c = claim.emplace();
        c.now_ms = to_ms(clock_.now());
        c.lease_ms = o_.lease.count();
        c.owner = owner_;
        c.limit = max_leased - leased;
        c.max_in_flight_per_endpoint = o_.max_in_flight_per_endpoint * o_.prefetch;
      }
      std::vector<WebhookDeliveryRow> claimed;
      Status claim_error;
      const Tally t = record(std::move(done), std::move(release), claim, &claimed, &claim_error);
      if (!claim_error.ok()) err = claim_error;
      if (!t.error.empty() && err.ok()) err = Status(ErrorCode::kUnavailable, t.error);
      rep->attempted += t.attempted;
      rep->succeeded += t.succeeded;
      rep->retried += t.retried;
      rep->dead_lettered += t.dead_lettered;
      rep->endpoints_disabled += t.endpoints_disabled;
      const bool got = !claimed.empty();
      // Each endpoint of the batch read once (not once per attempt): its
      // secrets, URL and enabled flag as of this round.
      std::map<std::string, std::shared_ptr<Pipe::Endpoint>> endpoints;
      for (const WebhookDeliveryRow& d : claimed) {
        auto& ep = endpoints[d.endpoint_id];
        if (ep) continue;
        GetWebhookEndpointParams ge;
        ge.id = d.endpoint_id;
        auto got_ep = o_.store->get_webhook_endpoint(ge);
        if (got_ep.ok()) ep = std::make_shared<Pipe::Endpoint>(Pipe::Endpoint{std::move(*got_ep)});
        // else: nullptr, and the worker reads it (and reports the error)
      }
      const auto events = read_events(claimed);
      {
        std::lock_guard<std::mutex> l(p.mu);
        for (WebhookDeliveryRow& d : claimed) {
          auto ep = endpoints[d.endpoint_id];
          const auto e = events.find(d.event_id);
          std::shared_ptr<const EventRow> ev = e == events.end() ? nullptr : e->second;
          p.ready.push_back(Pipe::Job{std::move(d), std::move(ep), std::move(ev)});
        }
        spawn(&p);
      }
      {
        std::lock_guard<std::mutex> l(stats_mu_);
        ++stats_.passes;
        if (!err.ok()) stats_.last_error = err.message();
      }
      if (!err.ok() && until_idle) {
        failed = err;
        break;
      }
      if (until_idle && empty && !got && fanned_out && enqueued == 0 && !more) break;
      milliseconds wait = o_.poll_interval;
      if (!err.ok()) {
        backoff = backoff.count() == 0 ? o_.poll_interval : std::min(backoff * 2, kMaxBackoff);
        wait = backoff;
        log(err.message() + " (retrying in " + std::to_string(wait.count()) + " ms)");
      } else {
        backoff = milliseconds(0);
        // More may be due at once: new fan-out, a full claim, or (drain) a
        // pipeline that ran dry and must look again before it may stop.
        if (more || (claim && claimed.size() == claim->limit) || (until_idle && empty)) {
          wait = milliseconds(0);
        }
      }
      if (until_idle) {
        wait = std::min(wait, std::chrono::duration_cast<milliseconds>(
                                  deadline - std::chrono::steady_clock::now()));
        if (wait.count() < 0) wait = milliseconds(0);
      }
      // Wake for work to record; errors wait out their backoff.
      std::unique_lock<std::mutex> l(p.mu);
      p.cv.wait_for(l, wait, [&] {
        if (!until_idle) {
          std::lock_guard<std::mutex> stop_lock(loop_mu_);
          if (stopping_) return true;
        }
        if (!err.ok()) return false;
        return !p.done.empty() || !p.release.empty() ||
               (until_idle && p.ready.empty() && p.sending_total == 0 && !empty);
      });
    }
    // Closing: attempts in flight finish; then everything is recorded and
    // the leases not used go back.
    std::vector<CompleteWebhookAttemptParams> done;
    std::vector<std::string> release;
    {
      std::unique_lock<std::mutex> l(p.mu);
      p.closing = true;
      p.cv.wait(l, [&] { return p.runners == 0; });
      done.swap(p.done);
      release.swap(p.release);
      for (const Pipe::Job& j : p.ready) release.push_back(j.d.id);
      p.ready.clear();
    }
    std::vector<WebhookDeliveryRow> none;
    Status unused;
    const Tally t = record(std::move(done), std::move(release), std::nullopt, &none, &unused);
    rep->attempted += t.attempted;
    rep->succeeded += t.succeeded;
    rep->retried += t.retried;
    rep->dead_lettered += t.dead_lettered;
    rep->endpoints_disabled += t.endpoints_disabled;
    if (failed.ok() && !t.error.empty() && until_idle) {
      failed = Status(ErrorCode::kUnavailable, t.error);
    }
    return failed;
  }

  void loop() {
    DispatchReport ignored;
    (void)pump(loop_pipe_, /*until_idle=*/false, std::chrono::steady_clock::time_point::max(),
               &ignored);
  }

  WebhookDispatcherOptions o_;
  const Clock& clock_;
  const std::string owner_;
  const std::string user_agent_;

  std::mutex pass_mu_;  // one run_once at a time

  std::mutex pool_mu_;
  std::unique_ptr<WorkerPool> pool_;

  std::mutex rng_mu_;
  std::mt19937_64 rng_;

  std::mutex loop_mu_;
  bool stopping_ = false;
  std::thread loop_;
  // The background loop's pipe while it runs (stop() wakes it).
  Pipe loop_pipe_;

  mutable std::mutex stats_mu_;
  DispatcherStats stats_;
};

}  // namespace

Result<std::unique_ptr<WebhookDispatcher>> WebhookDispatcher::create(
    WebhookDispatcherOptions options) {
  USD1PAY_RETURN_IF_ERROR(check_options(&options));
  return std::unique_ptr<WebhookDispatcher>(new Dispatcher(std::move(options)));
}

}  // namespace usd1pay
