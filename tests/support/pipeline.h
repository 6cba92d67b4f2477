// Test support: the Processor and the Tracker over one configuration, store
// and clock, opened the way the tracker, sample and integration tests need
// them. A failure to open throws std::runtime_error with the status message,
// failing the calling test (as parse_config_or_throw does).
#ifndef USD1PAY_TESTS_SUPPORT_PIPELINE_H
#define USD1PAY_TESTS_SUPPORT_PIPELINE_H

#include <memory>
#include <stdexcept>
#include <utility>

#include "usd1pay/clock.h"
#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/store.h"
#include "usd1pay/tracker.h"

namespace usd1pay::testing {

/// Processor::open over `store` (null: the store the configuration names)
/// and `clock` (null: the system clock).
inline std::unique_ptr<Processor> open_processor_or_throw(
    const Config& config, std::shared_ptr<Store> store = nullptr,
    std::shared_ptr<const Clock> clock = nullptr) {
  ProcessorOptions options;
  options.config = config;
  options.store = std::move(store);
  options.clock = std::move(clock);
  auto processor = Processor::open(std::move(options));
  if (!processor.ok()) throw std::runtime_error(processor.status().message());
  return std::move(processor).value();
}

/// Tracker::open with `options` as given.
inline std::unique_ptr<Tracker> open_tracker_or_throw(TrackerOptions options) {
  auto tracker = Tracker::open(std::move(options));
  if (!tracker.ok()) throw std::runtime_error(tracker.status().message());
  return std::move(tracker).value();
}

}  // namespace usd1pay::testing

#endif  // USD1PAY_TESTS_SUPPORT_PIPELINE_H
