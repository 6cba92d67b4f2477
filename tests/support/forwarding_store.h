// A Store that forwards every operation to another one. Tests derive from it
// and override only what they intercept (a kill right before a write, a
// fault), so a new Store operation needs one line here, not one per test.
#ifndef USD1PAY_TESTS_SUPPORT_FORWARDING_STORE_H
#define USD1PAY_TESTS_SUPPORT_FORWARDING_STORE_H

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "usd1pay/store.h"

namespace usd1pay::testing {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(std::shared_ptr<Store> real) : real_(std::move(real)) {}
  Result<CreateIntentResult> create_intent(const CreateIntentParams& p) override {
    return real_->create_intent(p);
  }
  Result<std::uint32_t> allocate_deposit_index(const AllocateDepositIndexParams& p) override {
    return real_->allocate_deposit_index(p);
  }
  Result<IntentRow> get_intent(const GetIntentParams& p) override { return real_->get_intent(p); }
  Result<IntentPage> list_intents(const ListIntentsParams& p) override {
    return real_->list_intents(p);
  }
  Result<IntentRow> transition_intent(const TransitionIntentParams& p) override {
    return real_->transition_intent(p);
  }
  Result<std::vector<IntentRow>> list_expirable(const ListExpirableParams& p) override {
    return real_->list_expirable(p);
  }
  Result<std::vector<EventRow>> list_events(const ListEventsParams& p) override {
    return real_->list_events(p);
  }
  Result<AuditReport> verify_audit_chain(const VerifyAuditParams& p) override {
    return real_->verify_audit_chain(p);
  }
  Status apply_scan(const ApplyScanParams& p) override { return real_->apply_scan(p); }
  Result<std::optional<ChainCursorRow>> get_cursor(const GetCursorParams& p) override {
    return real_->get_cursor(p);
  }
  Result<std::vector<BlockHashRow>> list_block_hashes(const ListBlockHashesParams& p) override {
    return real_->list_block_hashes(p);
  }
  Result<std::vector<PaymentRow>> list_payments(const ListPaymentsParams& p) override {
    return real_->list_payments(p);
  }
  Result<std::vector<IntentRow>> list_open_intents(const ListOpenIntentsParams& p) override {
    return real_->list_open_intents(p);
  }
  Result<std::vector<IntentRow>> scan_intents(const ScanIntentsParams& p) override {
    return real_->scan_intents(p);
  }
  Result<std::vector<PaymentRow>> scan_payments(const ScanPaymentsParams& p) override {
    return real_->scan_payments(p);
  }
  Result<WebhookEndpointRow> create_webhook_endpoint(
      const CreateWebhookEndpointParams& p) override {
    return real_->create_webhook_endpoint(p);
  }
  Result<WebhookEndpointRow> get_webhook_endpoint(const GetWebhookEndpointParams& p) override {
    return real_->get_webhook_endpoint(p);
  }
  Result<std::vector<WebhookEndpointRow>> list_webhook_endpoints(
      const ListWebhookEndpointsParams& p) override {
    return real_->list_webhook_endpoints(p);
  }
  Result<WebhookEndpointRow> update_webhook_endpoint(
      const UpdateWebhookEndpointParams& p) override {
    return real_->update_webhook_endpoint(p);
  }
  Result<std::size_t> enqueue_webhook_deliveries(const EnqueueWebhookDeliveriesParams& p) override {
    return real_->enqueue_webhook_deliveries(p);
  }
  Result<std::vector<WebhookDeliveryRow>> claim_webhook_deliveries(
      const ClaimWebhookDeliveriesParams& p) override {
    return real_->claim_webhook_deliveries(p);
  }
  Result<CompleteWebhookAttemptResult> complete_webhook_attempt(
      const CompleteWebhookAttemptParams& p) override {
    return real_->complete_webhook_attempt(p);
  }
  Result<CompleteWebhookAttemptsResult> complete_webhook_attempts(
      const CompleteWebhookAttemptsParams& p) override {
    return real_->complete_webhook_attempts(p);
  }
  Result<std::vector<WebhookDeliveryRow>> list_webhook_deliveries(
      const ListWebhookDeliveriesParams& p) override {
    return real_->list_webhook_deliveries(p);
  }
  Result<std::vector<WebhookAttemptRow>> list_webhook_attempts(
      const ListWebhookAttemptsParams& p) override {
    return real_->list_webhook_attempts(p);
  }
  Result<std::vector<WebhookDeliveryRow>> replay_webhook(const ReplayWebhookParams& p) override {
    return real_->replay_webhook(p);
  }
  Result<EventRow> get_event(const GetEventParams& p) override { return real_->get_event(p); }

 protected:
  Store& real() { return *real_; }

 private:
  std::shared_ptr<Store> real_;
};

}  // namespace usd1pay::testing

#endif  // USD1PAY_TESTS_SUPPORT_FORWARDING_STORE_H
