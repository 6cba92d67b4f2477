// usd1pay: the configuration's webhook settings in the webhook module's terms.
//
// The configuration file (config.h) describes delivery as plain values: the
// "webhook_delivery" object and the "webhooks" endpoints. A host that
// delivers webhooks (the usd1pay command's `watch` and `webhook`, the C ABI's
// processor) turns them into the options of the dispatcher, its HTTP
// transport and the SSRF guard with these functions, so that every host
// reads the file the same way.
//
// THREAD SAFETY: pure functions of their arguments.
#ifndef USD1PAY_WEBHOOK_CONFIG_H
#define USD1PAY_WEBHOOK_CONFIG_H

#include <vector>

#include "usd1pay/config.h"
#include "usd1pay/store.h"
#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay {

/// allow_private_destinations of config.webhook_delivery.
DestinationPolicy webhook_destination_policy(const Config& config);

/// verify_tls and ca_file of config.webhook_delivery; one idle keep-alive
/// connection per worker and origin.
HttpTransportOptions webhook_transport_options(const Config& config);

/// Every delivery setting of config.webhook_delivery (retry schedule, jitter,
/// workers, per-endpoint limit, timeouts, lease, destination policy), with
/// `store` and `transport` (neither owned; both must outlive the dispatcher).
WebhookDispatcherOptions webhook_dispatcher_options(const Config& config, Store* store,
                                                    HttpTransport* transport);

/// The configuration's endpoints (source "config"), for
/// WebhookEndpoints::sync_config_endpoints.
std::vector<AddWebhookEndpointParams> webhook_config_endpoints(const Config& config);

}  // namespace usd1pay

#endif  // USD1PAY_WEBHOOK_CONFIG_H
