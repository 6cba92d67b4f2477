// usd1pay: webhook endpoints and at-least-once delivery from the outbox.
//
// Every state change is committed together with its event (the store's
// transactional outbox). The dispatcher turns events into HTTP POSTs:
//
//   fan-out   for each endpoint, the events after its fanout_seq that its
//             filter chooses become deliveries (one per (event, endpoint),
//             with a stable "msg_..." id, the webhook-id header);
//   claim     due deliveries are leased from the store (per-intent order per
//             endpoint; a cap per endpoint so one slow endpoint cannot take
//             every worker);
//   send      the body (make_webhook_body) is signed with each of the
//             endpoint's current secrets and POSTed by a bounded worker pool;
//   record    every attempt is stored with its time, status, latency and
//             error (many per store transaction: results are committed in
//             rounds, together with the next claim); a 2xx is success; anything else (3xx
//             included), a timeout or a transport error is retried by the schedule, then
//             dead-lettered ("failed", visible, replayable); a 410 Gone
//             disables the endpoint; Retry-After (seconds or an HTTP date) on
//             any non-2xx answer is honoured: the next attempt is not before it
//             (capped at 24 h).
//
// A crash at any point loses nothing: a delivery leased by a dead process is
// claimed again when its lease runs out, so an event may arrive twice (same
// webhook-id), never zero times, and never for a change that was not
// committed (events are only read once committed).
//
// Destinations: http:// and https:// URLs only, no user info, no fragment.
// Unless allow_private_destinations is set, a host that is, or resolves to,
// a loopback, private, link-local, shared (CGNAT), unspecified, multicast,
// reserved or cloud-metadata address is refused, at creation and again at
// every attempt (the connection then goes to the address that was checked,
// so DNS rebinding cannot slip past). HTTPS verifies certificates unless
// verify_tls is false.
//
// THREAD SAFETY: a Dispatcher may be driven by run_once() from one thread, or
// run its own threads between start() and stop(); stats() from any thread.
// Several dispatchers (threads or processes) may share one store: leases keep
// them from sending the same delivery at once.
#ifndef USD1PAY_WEBHOOK_DISPATCHER_H
#define USD1PAY_WEBHOOK_DISPATCHER_H

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "usd1pay/clock.h"
#include "usd1pay/status.h"
#include "usd1pay/store.h"

namespace usd1pay {

// ---------------------------------------------------------------- URLs

struct WebhookUrl {
  std::string scheme;          ///< "http" or "https"
  std::string host;            ///< a DNS name (lowercased) or an IP literal (IPv6 without brackets)
  std::uint16_t port = 0;      ///< explicit or the scheme's default
  std::string path_and_query;  ///< starts with '/'
};

/// Strict parse: http/https (any case), a host, an optional port 1..65535,
/// no user info, no fragment, no spaces, control or non-ASCII bytes, path and
/// query of RFC 3986 characters with valid %XX escapes, at most 2048 bytes.
/// Hosts: LDH DNS names (lowercased, labels <= 63, <= 253 bytes, no trailing
/// dot), dotted-quad IPv4 (a numeric last label that is not exactly four
/// decimal parts 0..255 without leading zeros, e.g. "127.1", "0x7f.0.0.1",
/// "2130706433", is refused: those forms disguise internal addresses), or
/// IPv6 in brackets without a zone id (stored in canonical form).
/// kInvalidArgument naming what and where ("webhook url: ... at position N").
Result<WebhookUrl> parse_webhook_url(std::string_view url);

/// What an IP address is, for the SSRF guard.
enum class IpClass {
  kPublic,
  kLoopback,     ///< 127/8, ::1
  kPrivate,      ///< 10/8, 172.16/12, 192.168/16, fc00::/7
  kLinkLocal,    ///< 169.254/16, fe80::/10
  kMetadata,     ///< 169.254.169.254, 169.254.170.2, 100.100.100.200, 192.0.0.192, fd00:ec2::254
  kShared,       ///< 100.64/10 (carrier-grade NAT)
  kUnspecified,  ///< 0/8, ::
  kMulticast,    ///< 224/4, ff00::/8
  kReserved,     ///< 240/4, 255.255.255.255, documentation / benchmark ranges, 192.0.0/24,
                 ///< IPv6 outside 2000::/3 not named above, 2001::/23 (not Teredo), ...
};

/// "public", "loopback", ...
std::string_view ip_class_name(IpClass c) noexcept;

/// Classifies an IPv4 or IPv6 literal (IPv4-mapped / -compatible IPv6 and
/// NAT64 forms are classified by their IPv4 address). kInvalidArgument when
/// `literal` is not an IP address.
Result<IpClass> classify_ip(std::string_view literal);

struct DestinationPolicy {
  /// Allow non-public destinations (tests, private deployments).
  bool allow_private_destinations = false;
};

/// A destination that passed the guard: the addresses to connect to.
struct CheckedDestination {
  WebhookUrl url;
  std::vector<std::string> addresses;  ///< IP literals, in resolver order
};

/// Resolves the host (getaddrinfo) and applies the policy: every address must
/// be allowed. kFailedPrecondition naming the host, the address and its class
/// ("webhook url: host metadata.example resolves to 169.254.169.254
/// (metadata); refused (set allow_private_destinations to allow)");
/// kUnavailable when the name does not resolve.
Result<CheckedDestination> check_destination(const WebhookUrl& url,
                                             const DestinationPolicy& policy);

// ---------------------------------------------------------------- transport

struct HttpPostParams {
  CheckedDestination destination;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/json";
  /// Bounds connecting to each checked address tried.
  std::chrono::milliseconds connect_timeout{5000};
  /// Bounds the exchange (15..30 s recommended): each read and write, and the
  /// whole post(), which is stopped connect_timeout + request_timeout after
  /// it began however slowly the server trickles bytes.
  std::chrono::milliseconds request_timeout{20000};
  /// Response body bytes kept. Up to 64 KiB more are read and dropped so that
  /// the connection can be reused; a longer body (or a Content-Length saying
  /// so) ends reading and closes the connection. body_truncated tells.
  std::size_t max_response_bytes = 1024;
};

struct HttpPostResult {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  ///< names lowercased
  std::string body;                                          ///< at most max_response_bytes
  bool body_truncated = false;
};

/// The HTTP client the dispatcher uses: one virtual, so tests can mock it.
/// A response of any status is a value (3xx included: redirects are never
/// followed); only "no response" is an error: kUnavailable, the message
/// naming scheme://host:port (never the path, headers or body) and saying
/// which ("connection refused", "connection reset or closed ...", "TLS
/// verification failed: ...", "timed out ..."). The checked addresses are
/// tried in order while connecting fails. A post whose reused keep-alive
/// connection turns out dead before any response byte is sent once more on a
/// new connection (the receiver may see it twice: same webhook-id).
/// kInvalidArgument when the destination has no address or another scheme.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual Result<HttpPostResult> post(const HttpPostParams& p) = 0;
};

struct HttpTransportOptions {
  bool verify_tls = true;
  /// PEM bundle to trust instead of the system's ("" = system default).
  std::string ca_file;
  /// Idle keep-alive connections kept per (scheme, host, port, address).
  std::size_t max_idle_per_origin = 8;
};

/// The transport: plain http:// through usd1pay's own HTTP/1.1 client
/// (sendmsg, poll() timeouts, its own response parser), https:// through
/// cpp-httplib; both with keep-alive connection reuse (idle connections
/// older than 30 s are closed, not reused). It connects to the checked
/// addresses only, while the Host header, TLS SNI and the certificate check
/// use the URL's host. A header name that is not a token or that the
/// transport writes itself (Host, Content-Length, Transfer-Encoding,
/// Connection), or a value with a control byte, is kInvalidArgument before
/// anything is sent. Safe for concurrent post() calls from many threads; one
/// watchdog thread per transport enforces the https deadlines.
std::unique_ptr<HttpTransport> make_http_transport(const HttpTransportOptions& options = {});

// ---------------------------------------------------------------- events

/// The JSON body sent for an event:
///   {"id":"evt_...","type":"intent.succeeded","created":"2026-...Z","data":{...}}
/// `data` is the event's data_json as stored (the intent / payment as of the
/// event). The same event always gives the same bytes.
std::string make_webhook_body(const EventRow& event);

/// True when `type` is chosen by `filters`: empty filters choose every type;
/// a filter is an exact type, "*", or a prefix ending in ".*" ("intent.*").
bool webhook_filter_matches(const std::vector<std::string>& filters, std::string_view type);

/// Event types usd1pay emits (the catalogue in docs/webhooks.md).
const std::vector<std::string>& webhook_event_types();

/// kInvalidArgument naming the filter when it is none of: "*", a known type,
/// a known prefix + ".*".
Status validate_webhook_filters(const std::vector<std::string>& filters);

// ---------------------------------------------------------------- endpoints

struct AddWebhookEndpointParams {
  std::string url;
  std::vector<std::string> event_types;  ///< empty = all
  std::string secret;                    ///< "" = generate one
  std::string description;               ///< <= 500 bytes of UTF-8
  bool enabled = true;
  std::string source = "api";
};

/// Endpoint management on top of the store: validation, secrets, rotation,
/// replay. THREAD SAFETY: as safe as the store.
class WebhookEndpoints {
 public:
  WebhookEndpoints(Store& store, const Clock& clock, DestinationPolicy policy = {});

  /// Validates the URL (and the destination guard), the filters and the
  /// secret; the stored endpoint includes the secret (shown once by the CLI).
  Result<WebhookEndpointRow> add(const AddWebhookEndpointParams& p);
  Result<WebhookEndpointRow> get(const std::string& id);
  Result<std::vector<WebhookEndpointRow>> list();
  Result<WebhookEndpointRow> enable(const std::string& id);
  Result<WebhookEndpointRow> disable(const std::string& id,
                                     std::string reason = "disabled by operator");
  /// A new primary secret (generated, or `new_secret` when given); the old
  /// ones keep signing beside it for `grace` (default 24 h), then drop out.
  Result<WebhookEndpointRow> rotate_secret(const std::string& id, std::string new_secret = "",
                                           std::chrono::seconds grace = std::chrono::hours(24));
  /// See ReplayWebhookParams.
  Result<std::vector<WebhookDeliveryRow>> replay(const std::string& event_id,
                                                 std::optional<std::string> endpoint_id = {});
  /// Makes the config's endpoints exist (matched by URL among source
  /// "config"): new ones are added, changed filters / description / enabled
  /// are updated; a config endpoint without a secret gets a generated one.
  Status sync_config_endpoints(const std::vector<AddWebhookEndpointParams>& endpoints);

 private:
  Store& store_;
  const Clock& clock_;
  DestinationPolicy policy_;
};

// ---------------------------------------------------------------- dispatcher

struct WebhookDispatcherOptions {
  Store* store = nullptr;              ///< required
  HttpTransport* transport = nullptr;  ///< required
  const Clock* clock = nullptr;        ///< nullptr = the system clock
  DestinationPolicy destinations;
  /// Delay before attempt k+1 after attempt k failed (the first attempt is
  /// immediate). Default: Standard Webhooks' 5 s, 5 min, 30 min, 2 h, 5 h,
  /// 10 h, 14 h, 20 h, 24 h; after the last, dead-lettered. 1..50 entries.
  std::vector<std::chrono::seconds> retry_schedule;
  /// Each delay is multiplied by a random factor in [1 - jitter, 1 + jitter].
  double jitter = 0.1;  ///< 0..0.5 (a ratio of delays, not money)
  /// Source of randomness for the jitter, returning a value in [0, 1);
  /// nullptr = a CSPRNG-seeded generator. Tests pass a fixed one.
  std::function<double()> random;
  std::size_t workers = 4;  ///< 1..256
  /// Attempts sent to one endpoint at once by this dispatcher (fairness: a
  /// slow endpoint cannot take every worker).
  std::size_t max_in_flight_per_endpoint = 2;  ///< 1..workers
  /// drain() and the background loop keep up to prefetch x workers
  /// deliveries leased (at most prefetch x max_in_flight_per_endpoint of one
  /// endpoint), so that workers find the next delivery leased while the
  /// previous results are being committed; results are recorded, leases given
  /// back and the next deliveries claimed in one store transaction per round.
  /// 1 = lease only what can be sent at once. Several dispatchers sharing a
  /// store lease at most prefetch x max_in_flight_per_endpoint of an endpoint
  /// between them, so together they send at most that many to it at once.
  /// A leased delivery that waited so long that an attempt would not fit in
  /// its lease (connect + request timeout) is given back unsent.
  std::size_t prefetch = 4;  ///< 1..16
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{20000};  ///< 100 ms..60 s (15..30 s recommended)
  std::size_t max_response_bytes = 1024;
  /// Must exceed connect + request timeout; a crashed sender's deliveries
  /// come back after it.
  std::chrono::milliseconds lease{60000};
  /// How often the background loop looks for work when idle.
  std::chrono::milliseconds poll_interval{500};
  /// Events fanned out per endpoint per pass.
  std::size_t fanout_batch = 1000;
  /// Log sink for the background loop (errors it survives); nullptr = stderr.
  std::function<void(std::string_view)> log;
};

/// How the *_to_json functions below write a time: whole seconds
/// ("2026-11-20T12:00:00Z", the usd1pay command) or milliseconds
/// ("2026-11-20T12:00:00.000Z", the C ABI). A time of 0 (never) is null.
enum class JsonTimes { kSeconds, kMilliseconds };

/// An endpoint as compact JSON text, never a secret: {"id", "url", "events",
/// "description", "enabled", "disabled_reason", "source", "secrets" (each
/// {"created_at", "expires_at"}), "created_at", "updated_at"}.
std::string webhook_endpoint_to_json(const WebhookEndpointRow& e, JsonTimes times);

/// A delivery as compact JSON text: {"id", "endpoint_id", "event_id",
/// "event_seq", "event_type", "intent_id", "status", "round_attempts",
/// "total_attempts", "next_attempt_at" (null unless pending),
/// "last_http_status" (null without a response), "last_error", "created_at",
/// "completed_at"}.
std::string webhook_delivery_to_json(const WebhookDeliveryRow& d, JsonTimes times);

struct DispatchReport {
  std::size_t enqueued = 0;   ///< deliveries created by fan-out
  std::size_t attempted = 0;  ///< HTTP attempts made
  std::size_t succeeded = 0;
  std::size_t retried = 0;
  std::size_t dead_lettered = 0;
  std::size_t endpoints_disabled = 0;
};

/// What one drain did as compact JSON text: {"enqueued", "attempted",
/// "succeeded", "retried", "dead_lettered", "endpoints_disabled"}.
std::string dispatch_report_to_json(const DispatchReport& r);

struct DispatcherStats {
  std::uint64_t attempts = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t failed_attempts = 0;
  std::uint64_t dead_lettered = 0;
  std::uint64_t passes = 0;
  std::string last_error;
};

class WebhookDispatcher {
 public:
  /// kInvalidArgument naming the option when options are out of range.
  static Result<std::unique_ptr<WebhookDispatcher>> create(WebhookDispatcherOptions options);
  virtual ~WebhookDispatcher() = default;

  /// One pass on the calling thread: fan out, then claim and send what is
  /// due now (using the worker pool), wait for those attempts, record them.
  virtual Result<DispatchReport> run_once() = 0;
  /// Passes until nothing is due now or `deadline` passes (tests, `watch --once`).
  virtual Result<DispatchReport> drain(std::chrono::milliseconds deadline) = 0;
  /// Background loop on its own thread; idempotent. It survives errors
  /// (logs, backs off) and never stops by itself.
  virtual Status start() = 0;
  /// Stops the loop: no new attempts start; attempts in flight finish (or
  /// time out) and are recorded. Idempotent; the destructor calls it.
  virtual void stop() = 0;
  virtual DispatcherStats stats() const = 0;
};

/// The default retry schedule (see WebhookDispatcherOptions::retry_schedule).
std::vector<std::chrono::seconds> default_webhook_retry_schedule();

}  // namespace usd1pay

#endif  // USD1PAY_WEBHOOK_DISPATCHER_H
