// The configuration's webhook settings as dispatcher / transport options
// (webhook_config.h).
#include <chrono>
#include <cstdint>
#include <utility>
#include <vector>

#include "usd1pay/webhook_config.h"

namespace usd1pay {

DestinationPolicy webhook_destination_policy(const Config& config) {
  DestinationPolicy policy;
  policy.allow_private_destinations = config.webhook_delivery.allow_private_destinations;
  return policy;
}

HttpTransportOptions webhook_transport_options(const Config& config) {
  HttpTransportOptions options;
  options.verify_tls = config.webhook_delivery.verify_tls;
  options.ca_file = config.webhook_delivery.ca_file;
  // Enough idle connections for every worker to keep its own.
  options.max_idle_per_origin = config.webhook_delivery.workers;
  return options;
}

WebhookDispatcherOptions webhook_dispatcher_options(const Config& config, Store* store,
                                                    HttpTransport* transport) {
  const WebhookDeliveryConfig& d = config.webhook_delivery;
  WebhookDispatcherOptions o;
  o.store = store;
  o.transport = transport;
  o.destinations = webhook_destination_policy(config);
  for (const std::int64_t s : d.retry_schedule_seconds) {
    o.retry_schedule.emplace_back(std::chrono::seconds(s));
  }
  o.jitter = d.jitter;
  o.workers = d.workers;
  o.max_in_flight_per_endpoint = d.max_in_flight_per_endpoint;
  o.connect_timeout = std::chrono::milliseconds(d.connect_timeout_ms);
  o.request_timeout = std::chrono::milliseconds(d.request_timeout_ms);
  o.lease = std::chrono::milliseconds(d.lease_ms);
  return o;
}

std::vector<AddWebhookEndpointParams> webhook_config_endpoints(const Config& config) {
  std::vector<AddWebhookEndpointParams> out;
  for (const WebhookEndpointConfig& w : config.webhooks) {
    AddWebhookEndpointParams p;
    p.url = w.url;
    p.event_types = w.events;
    p.secret = w.secret;
    p.description = w.description;
    p.enabled = w.enabled;
    p.source = "config";
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace usd1pay
