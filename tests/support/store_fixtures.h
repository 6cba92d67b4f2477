// Test support: sample rows for the Store.
// Each test starts from these and overrides what it is about, so the values
// a test asserts on stay visible in the test.
#ifndef USD1PAY_TESTS_SUPPORT_STORE_FIXTURES_H
#define USD1PAY_TESTS_SUPPORT_STORE_FIXTURES_H

#include <cstdint>
#include <string>

#include "usd1pay/store.h"

namespace usd1pay::testing {

inline constexpr std::int64_t kSampleT0 = 1700000000000;  // 2023-11-14T22:13:20Z
inline constexpr char kSampleChain[] = "eip155:1";
inline constexpr char kSampleToken[] = "0x8d0D000Ee44948FC98c9B98A4FA4921476f08B0d";
inline constexpr char kSampleDeposit[] = "0x000000000000000000000000000000000000dEaD";

/// An intent `id` (order "order-<id>") for 25.00 USD in USD1 on eip155:1
/// (18 decimals), xpub strategy paid to kSampleDeposit, status
/// requires_payment, metadata "{}", request hash "rh", created and updated at
/// kSampleT0 and expiring 15 minutes later.
IntentRow sample_intent(const std::string& id);

/// Creating `intent` with its intent.created event "evt_c_<id>" by `actor`
/// at the intent's creation time (data "{}").
CreateIntentParams sample_create(IntentRow intent, const std::string& actor = "api:shop");

}  // namespace usd1pay::testing

#endif
