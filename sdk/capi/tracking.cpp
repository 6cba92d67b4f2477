// The tracker and the SimChain driver through the C ABI.
#include <array>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "capi/errors.h"
#include "capi/handle.h"
#include "capi/json_util.h"
#include "capi/replies.h"
#include "usd1pay/address.h"
#include "usd1pay/amount.h"
#include "usd1pay/chain.h"
#include "usd1pay/intent.h"
#include "usd1pay/sim_chain.h"
#include "usd1pay/tracker.h"
#include "usd1pay/usd1pay.h"

namespace usd1pay::capi {
namespace {

// The simulated customer of usd1pay_sim_pay, one per address family.
constexpr const char* kSimPayerEvm = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";
constexpr const char* kSimPayerSolana = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";

constexpr unsigned int kMaxMineBlocks = 10000;

std::string sim_payer(const ChainId& chain) {
  const auto family = chain.family();
  if (family.ok() && *family == ChainFamily::kTron) {
    std::array<std::uint8_t, 20> account{};
    account.fill(0x5a);
    return tron_address_from_account(account);
  }
  if (family.ok() && *family == ChainFamily::kSolana) return kSimPayerSolana;
  return kSimPayerEvm;
}

// The SimChain of a configured chain, or the error to report.
int find_sim_chain(const char* fn, usd1pay_processor& h, const std::string& chain,
                   std::shared_ptr<SimChain>* out) {
  const ChainConfig* config = h.config.find_chain(chain);
  if (config == nullptr) {
    std::string configured;
    for (const auto& c : h.config.chains) {
      configured += (configured.empty() ? "" : ", ") + c.id.to_string();
    }
    return fail(fn, USD1PAY_ENOTFOUND,
                "chain " + chain + " is not configured (configured: " + configured + ")");
  }
  *out = h.tracker->sim_chain(chain);
  if (*out == nullptr) {
    return fail(fn, USD1PAY_EUNSUPPORTED,
                "chain " + chain + " is not a SimChain (its backend is " + config->backend + ")");
  }
  return USD1PAY_OK;
}

}  // namespace
}  // namespace usd1pay::capi

using usd1pay::capi::fail;
using usd1pay::capi::fail_null;
using usd1pay::capi::guard_open;
using usd1pay::capi::guard_open_out;

extern "C" {

int usd1pay_tracker_poll_once(char** out_report_json, usd1pay_processor* p) {
  constexpr const char* kFn = "tracker_poll_once";
  if (out_report_json != nullptr) *out_report_json = nullptr;
  return guard_open(kFn, p, [&](usd1pay_processor& h) -> int {
    if (h.tracker->running()) {
      return fail(kFn, USD1PAY_ESTATE,
                  "the background tracker is running (usd1pay_tracker_stop() first)");
    }
    auto report = h.tracker->poll_once();
    if (!report.ok()) return fail(report.status());
    auto expired = h.processor->expire_due();
    if (!expired.ok()) return fail(expired.status());
    if (out_report_json != nullptr) {
      auto chains = nlohmann::ordered_json::array();
      for (const auto& c : report->chains) chains.push_back(usd1pay::capi::chain_report_json(c));
      const nlohmann::ordered_json j{{"chains", chains}, {"expired", *expired}};
      *out_report_json = usd1pay::capi::copy_out(usd1pay::capi::dump_json(j));
    }
    if (!report->ok()) {
      // The report (written above) names every failing chain.
      const usd1pay::Status first = report->first_error();
      return fail(kFn, USD1PAY_EUNAVAILABLE, first.message());
    }
    return USD1PAY_OK;
  });
}

int usd1pay_tracker_start(usd1pay_processor* p) {
  constexpr const char* kFn = "tracker_start";
  return guard_open(kFn, p, [&](usd1pay_processor& h) -> int {
    const usd1pay::Status st = h.tracker->start();
    if (!st.ok()) return fail(st);
    return USD1PAY_OK;
  });
}

int usd1pay_tracker_stop(usd1pay_processor* p) {
  constexpr const char* kFn = "tracker_stop";
  return guard_open(kFn, p, [&](usd1pay_processor& h) -> int {
    h.tracker->stop();
    return USD1PAY_OK;
  });
}

int usd1pay_tracker_stats(char** out_stats_json, usd1pay_processor* p) {
  constexpr const char* kFn = "tracker_stats";
  return guard_open_out(kFn, out_stats_json, "out_stats_json", p, [&](usd1pay_processor& h) -> int {
    const auto j = usd1pay::capi::tracker_stats_json(h.tracker->stats(), h.tracker->running());
    return usd1pay::capi::reply(out_stats_json, j);
  });
}

int usd1pay_sim_pay(char** out_tx_hash, usd1pay_processor* p, const char* intent_id,
                    const char* amount) {
  constexpr const char* kFn = "sim_pay";
  if (out_tx_hash != nullptr) *out_tx_hash = nullptr;
  return guard_open(kFn, p, [&](usd1pay_processor& h) -> int {
    if (intent_id == nullptr) return fail_null(kFn, "intent_id");
    if (intent_id[0] == '\0') return fail(kFn, USD1PAY_EINVALID, "intent_id is empty");
    auto intent = h.processor->get_intent(intent_id);
    if (!intent.ok()) return fail(intent.status());
    std::shared_ptr<usd1pay::SimChain> chain;
    const int rc = usd1pay::capi::find_sim_chain(kFn, h, intent->chain.to_string(), &chain);
    if (rc != USD1PAY_OK) return rc;
    usd1pay::SimTransfer transfer;
    transfer.token = intent->token_contract;
    transfer.from = usd1pay::capi::sim_payer(intent->chain);
    transfer.to = intent->deposit_address;
    transfer.amount = intent->amount_due.base_units();
    if (amount != nullptr) {
      const auto paid = usd1pay::Amount::parse(amount, intent->token_decimals);
      if (!paid.ok()) return fail(paid.status().with_context("sim_pay: amount"));
      if (paid->is_zero()) return fail(kFn, USD1PAY_EINVALID, "amount is zero");
      transfer.amount = paid->base_units();
    }
    if (!intent->reference.empty()) transfer.references.push_back(intent->reference);
    const std::string tx = chain->submit_transfer(transfer);
    if (out_tx_hash != nullptr) *out_tx_hash = usd1pay::capi::copy_out(tx);
    return USD1PAY_OK;
  });
}

int usd1pay_sim_mine(uint64_t* out_head, usd1pay_processor* p, const char* chain,
                     unsigned int blocks) {
  constexpr const char* kFn = "sim_mine";
  if (out_head != nullptr) *out_head = 0;
  return guard_open(kFn, p, [&](usd1pay_processor& h) -> int {
    if (blocks < 1 || blocks > usd1pay::capi::kMaxMineBlocks) {
      return fail(kFn, USD1PAY_ERANGE,
                  "blocks " + std::to_string(blocks) + " is outside 1.." +
                      std::to_string(usd1pay::capi::kMaxMineBlocks));
    }
    const std::string id = chain == nullptr ? h.config.default_chain : std::string(chain);
    std::shared_ptr<usd1pay::SimChain> sim;
    const int rc = usd1pay::capi::find_sim_chain(kFn, h, id, &sim);
    if (rc != USD1PAY_OK) return rc;
    const usd1pay::BlockRef head = sim->mine(blocks);
    if (out_head != nullptr) *out_head = head.number;
    return USD1PAY_OK;
  });
}

}  // extern "C"
