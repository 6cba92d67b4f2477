// Webhook endpoint management: validation, secrets, rotation, replay and the
// config file's endpoints, on top of the Store.
//
// Secrets are never part of an error message or a log line: errors about a
// secret name the field ("secret") and the position only.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "usd1pay/clock.h"
#include "usd1pay/encoding.h"
#include "usd1pay/id.h"
#include "usd1pay/status.h"
#include "usd1pay/store.h"
#include "usd1pay/webhook.h"
#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay {
namespace {

constexpr std::size_t kMaxDescriptionBytes = 500;
// Compare-and-set attempts of a read-modify-write before giving up.
constexpr int kCasAttempts = 5;

std::int64_t to_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Position of the first byte that is not well-formed UTF-8 or is a control
// character other than tab / newline, or npos.
std::size_t bad_description_byte(std::string_view s) {
  const std::size_t bad_utf8 = find_invalid_utf8(s);
  for (std::size_t i = 0; i < s.size() && i < bad_utf8; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b < 0x20 && b != '\t' && b != '\n') || b == 0x7f) return i;
  }
  return bad_utf8;
}

Status check_description(const std::string& d) {
  if (d.size() > kMaxDescriptionBytes) {
    return Status(ErrorCode::kInvalidArgument, "webhook endpoint: description is " +
                                                   std::to_string(d.size()) + " bytes, at most " +
                                                   std::to_string(kMaxDescriptionBytes));
  }
  const std::size_t bad = bad_description_byte(d);
  if (bad != std::string_view::npos) {
    return Status(ErrorCode::kInvalidArgument,
                  "webhook endpoint: description: bad byte " + quote_char(d[bad]) +
                      " at position " + std::to_string(bad) +
                      " (UTF-8 text without control characters expected)");
  }
  return Status();
}

// A given secret, checked and in "whsec_" form (a bare base64 secret gets the
// prefix: the key bytes are the same). "" → a new one from the CSPRNG.
Result<std::string> secret_or_new(const std::string& secret) {
  if (secret.empty()) {
    auto s = generate_webhook_secret();
    if (!s.ok()) return s.status().with_context("webhook endpoint");
    return s;
  }
  auto key = decode_webhook_secret(secret, "secret");
  if (!key.ok()) return key.status().with_context("webhook endpoint");
  if (secret.compare(0, kWebhookSecretPrefix.size(), kWebhookSecretPrefix) == 0) return secret;
  return std::string(kWebhookSecretPrefix) + secret;
}

Status check_source(const std::string& source) {
  if (source == "api" || source == "config") return Status();
  std::string shown;
  for (char c : source.substr(0, 32)) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
  return Status(ErrorCode::kInvalidArgument,
                "webhook endpoint: source '" + shown + "' is neither 'api' nor 'config'");
}

}  // namespace

WebhookEndpoints::WebhookEndpoints(Store& store, const Clock& clock, DestinationPolicy policy)
    : store_(store), clock_(clock), policy_(policy) {}

Result<WebhookEndpointRow> WebhookEndpoints::add(const AddWebhookEndpointParams& p) {
  auto url = parse_webhook_url(p.url);
  if (!url.ok()) return url.status();
  auto dest = check_destination(*url, policy_);
  if (!dest.ok()) return dest.status();
  USD1PAY_RETURN_IF_ERROR(validate_webhook_filters(p.event_types));
  USD1PAY_RETURN_IF_ERROR(check_description(p.description));
  USD1PAY_RETURN_IF_ERROR(check_source(p.source));
  auto secret = secret_or_new(p.secret);
  if (!secret.ok()) return secret.status();

  const std::int64_t now = to_ms(clock_.now());
  CreateWebhookEndpointParams c;
  WebhookEndpointRow& e = c.endpoint;
  e.id = new_id(kWebhookEndpointIdPrefix);
  e.url = p.url;
  e.secrets.push_back(WebhookSecretRow{*secret, now, 0});
  e.event_types = p.event_types;
  e.description = p.description;
  e.enabled = p.enabled;
  e.disabled_reason =
      p.enabled ? "" : (p.source == "config" ? "disabled in config" : "disabled by operator");
  e.source = p.source;
  e.created_at_ms = now;
  e.updated_at_ms = now;
  return store_.create_webhook_endpoint(c);
}

Result<WebhookEndpointRow> WebhookEndpoints::get(const std::string& id) {
  GetWebhookEndpointParams g;
  g.id = id;
  return store_.get_webhook_endpoint(g);
}

Result<std::vector<WebhookEndpointRow>> WebhookEndpoints::list() {
  ListWebhookEndpointsParams l;
  l.limit = 10000;
  return store_.list_webhook_endpoints(l);
}

Result<WebhookEndpointRow> WebhookEndpoints::enable(const std::string& id) {
  UpdateWebhookEndpointParams u;
  u.id = id;
  u.enabled = true;
  u.disabled_reason = std::string();
  u.at_ms = to_ms(clock_.now());
  return store_.update_webhook_endpoint(u);
}

Result<WebhookEndpointRow> WebhookEndpoints::disable(const std::string& id, std::string reason) {
  if (reason.empty()) reason = "disabled by operator";
  UpdateWebhookEndpointParams u;
  u.id = id;
  u.enabled = false;
  u.disabled_reason = std::move(reason);
  u.at_ms = to_ms(clock_.now());
  return store_.update_webhook_endpoint(u);
}

Result<WebhookEndpointRow> WebhookEndpoints::rotate_secret(const std::string& id,
                                                           std::string new_secret,
                                                           std::chrono::seconds grace) {
  if (grace.count() < 0) {
    return Status(ErrorCode::kInvalidArgument, "webhook endpoint: rotate_secret: grace is " +
                                                   std::to_string(grace.count()) +
                                                   " s, it must not be negative");
  }
  if (grace > std::chrono::hours(24 * 365)) {
    return Status(ErrorCode::kInvalidArgument,
                  "webhook endpoint: rotate_secret: grace is longer than a year");
  }
  const std::string given = std::move(new_secret);
  auto secret = secret_or_new(given);
  if (!secret.ok()) return secret.status();
  Status last;
  for (int attempt = 0; attempt < kCasAttempts; ++attempt) {
    auto cur = get(id);
    if (!cur.ok()) return cur.status();
    const std::int64_t now = to_ms(clock_.now());
    const std::int64_t until =
        now + std::chrono::duration_cast<std::chrono::milliseconds>(grace).count();
    std::vector<WebhookSecretRow> secrets;
    secrets.push_back(WebhookSecretRow{*secret, now, 0});
    for (const WebhookSecretRow& s : cur->secrets) {
      if (s.secret == *secret) continue;  // rotating to a secret it had already
      // A secret still signing keeps signing until the grace runs out (or
      // its own earlier end); one that stopped already is dropped.
      const std::int64_t end = s.expires_at_ms == 0 ? until : std::min(s.expires_at_ms, until);
      if (end <= now) continue;
      secrets.push_back(WebhookSecretRow{s.secret, s.created_at_ms, end});
    }
    UpdateWebhookEndpointParams u;
    u.id = id;
    u.secrets = std::move(secrets);
    u.expected_version = cur->version;
    u.at_ms = now;
    auto updated = store_.update_webhook_endpoint(u);
    if (updated.ok() || updated.status().code() != ErrorCode::kFailedPrecondition) return updated;
    last = updated.status();  // changed meanwhile: read again
  }
  return last.with_context("webhook endpoint: rotate_secret: " + id);
}

Result<std::vector<WebhookDeliveryRow>> WebhookEndpoints::replay(
    const std::string& event_id, std::optional<std::string> endpoint_id) {
  ReplayWebhookParams r;
  r.event_id = event_id;
  r.endpoint_id = std::move(endpoint_id);
  r.new_delivery_id = new_id(kWebhookMessageIdPrefix);
  r.at_ms = to_ms(clock_.now());
  return store_.replay_webhook(r);
}

// Config endpoints are matched by URL among source "config". The config is
// the source of truth for them: filters, description and the enabled flag
// follow it; a secret given in the config becomes the primary secret (the
// old one keeps signing for the default grace). A config endpoint that the
// config no longer lists is disabled ("removed from config") rather than
// deleted (its deliveries and attempts stay queryable), and comes back when
// listed again. An endpoint disabled for another reason (410 Gone, the
// operator) is not re-enabled by a sync: that is the operator's decision.
Status WebhookEndpoints::sync_config_endpoints(
    const std::vector<AddWebhookEndpointParams>& endpoints) {
  // Validate everything first, so that a bad config changes nothing.
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    const AddWebhookEndpointParams& p = endpoints[i];
    const std::string where = "webhook config: endpoints[" + std::to_string(i) + "]";
    auto url = parse_webhook_url(p.url);
    if (!url.ok()) return url.status().with_context(where);
    auto dest = check_destination(*url, policy_);
    if (!dest.ok()) return dest.status().with_context(where);
    USD1PAY_RETURN_IF_ERROR(validate_webhook_filters(p.event_types).with_context(where));
    USD1PAY_RETURN_IF_ERROR(check_description(p.description).with_context(where));
    if (!p.secret.empty()) {
      auto key = decode_webhook_secret(p.secret, "secret");
      if (!key.ok()) return key.status().with_context(where);
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (endpoints[j].url == p.url) {
        return Status(ErrorCode::kInvalidArgument,
                      where + ": url repeats endpoints[" + std::to_string(j) + "]");
      }
    }
  }
  auto existing = list();
  if (!existing.ok()) return existing.status().with_context("webhook config");
  constexpr const char* kDisabledInConfig = "disabled in config";
  constexpr const char* kRemovedFromConfig = "removed from config";
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    const std::string where = "webhook config: endpoints[" + std::to_string(i) + "]";
    AddWebhookEndpointParams p = endpoints[i];
    p.source = "config";
    const WebhookEndpointRow* found = nullptr;
    for (const WebhookEndpointRow& e : *existing) {
      if (e.source == "config" && e.url == p.url) found = &e;
    }
    if (found == nullptr) {
      auto added = add(p);
      if (!added.ok()) return added.status().with_context(where);
      continue;
    }
    UpdateWebhookEndpointParams u;
    u.id = found->id;
    u.expected_version = found->version;
    u.at_ms = to_ms(clock_.now());
    bool change = false;
    if (found->event_types != p.event_types) {
      u.event_types = p.event_types;
      change = true;
    }
    if (found->description != p.description) {
      u.description = p.description;
      change = true;
    }
    const bool config_held =
        found->disabled_reason == kDisabledInConfig || found->disabled_reason == kRemovedFromConfig;
    if (!p.enabled && found->enabled) {
      u.enabled = false;
      u.disabled_reason = std::string(kDisabledInConfig);
      change = true;
    } else if (p.enabled && !found->enabled && config_held) {
      u.enabled = true;
      change = true;
    } else if (!p.enabled && !found->enabled && found->disabled_reason == kRemovedFromConfig) {
      u.disabled_reason = std::string(kDisabledInConfig);
      change = true;
    }
    if (change) {
      auto updated = store_.update_webhook_endpoint(u);
      if (!updated.ok()) return updated.status().with_context(where);
    }
    if (!p.secret.empty()) {
      auto normal = secret_or_new(p.secret);
      if (!normal.ok()) return normal.status().with_context(where);
      auto cur = get(found->id);
      if (!cur.ok()) return cur.status().with_context(where);
      if (cur->secrets.empty() || cur->secrets.front().secret != *normal) {
        auto rotated = rotate_secret(found->id, *normal);
        if (!rotated.ok()) return rotated.status().with_context(where);
      }
    }
  }
  for (const WebhookEndpointRow& e : *existing) {
    if (e.source != "config" || !e.enabled) continue;
    bool listed = false;
    for (const AddWebhookEndpointParams& p : endpoints) listed = listed || p.url == e.url;
    if (listed) continue;
    auto disabled = disable(e.id, kRemovedFromConfig);
    if (!disabled.ok()) return disabled.status().with_context("webhook config: " + e.id);
  }
  return Status();
}

}  // namespace usd1pay
