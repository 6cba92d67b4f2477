// The point-of-sale sample's sale logic, apart from the terminal: what the
// cashier types (parse_sale_amount), one sale from its intent to its end
// (Sale), what the screen says about it (status_line, sale_screen) and the
// receipt (format_receipt). Nothing here reads the keyboard or sleeps: the
// terminal loop in pos_main.cpp calls Sale::refresh() on a timer, and the
// tests drive a Sale with a ManualClock and a SimChain instead.
//
// Money is never floating point: amounts stay usd1pay::Amount (exact base
// units) from the typed text to the receipt.
//
// Ownership: a Sale borrows the Processor, Store and Tracker it is given
// (they must outlive it) and shares the Clock. Views and texts are values.
// THREAD SAFETY: a Sale is used by one thread; the Processor, Store, Tracker
// and SimChain it calls are thread safe, so the tracker's background loop
// and a block timer may run beside it.
#ifndef USD1PAY_SAMPLES_POS_POS_SALE_H
#define USD1PAY_SAMPLES_POS_POS_SALE_H

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "usd1pay/amount.h"
#include "usd1pay/clock.h"
#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/qr.h"
#include "usd1pay/sim_chain.h"
#include "usd1pay/status.h"
#include "usd1pay/store.h"
#include "usd1pay/tracker.h"

namespace usd1pay::pos {

/// The amount the cashier typed, in USD: an exact decimal with at most two
/// decimal places, greater than zero. Trailing whitespace (a stray space
/// before Enter) is ignored; anything else that is not digits and one '.'
/// is refused with amount.h's message naming the character and its
/// position (0-based), e.g. "amount: exponent notation ('e' at position 1)
/// is not allowed; write the digits out". Errors: kInvalidArgument for
/// syntax and "amount: must be greater than zero"; kOutOfRange "amount: more
/// than 2 decimal places (3): USD amounts are whole cents" and for values
/// beyond 128 bits.
Result<Amount> parse_sale_amount(std::string_view typed);

/// What a sale needs from its host. processor, store and tracker are
/// required; the clock defaults to the system clock.
struct SaleDeps {
  Processor* processor = nullptr;
  Store* store = nullptr;
  Tracker* tracker = nullptr;
  std::shared_ptr<const Clock> clock;
};

/// A new sale as the cashier entered it.
struct NewSale {
  /// As typed; parse_sale_amount checks it.
  std::string amount;
  /// The order reference; empty: "pos-YYYYMMDD-HHMMSS" (UTC) from the clock.
  std::string order;
  /// CAIP-2 id / token symbol; absent: the config's defaults.
  std::optional<std::string> chain;
  std::optional<std::string> token;
};

/// How a sale stands, read from the store in one refresh().
struct SaleView {
  PaymentIntent intent;
  /// Every payment recorded for the intent (pending, final, orphaned).
  std::vector<PaymentRow> payments;
  /// Credited sums (settlement.h's terms), in token base units.
  Amount final_received;
  Amount pending_received;
  /// amount_due minus everything credited (final and pending); zero once the
  /// customer has sent enough.
  Amount outstanding;
  /// Final credited payments above the amount due.
  Amount excess;
  /// What to show in the QR: the intent's payment URI, or a request for the
  /// outstanding part after a partial payment; empty when nothing is left.
  std::string qr_payload;
  FinalityConfig finality;
  /// The chain's latest block as the tracker last saw it; absent before its
  /// first successful poll of the chain.
  std::optional<std::uint64_t> latest_block;
  /// The tracker's latest poll of the chain failed with this (OK otherwise):
  /// the screen shows it, so that a node outage is not a silent wait.
  Status chain_error;
  /// Whether the chain is an in-process SimChain (the simulated keys work).
  bool simulated = false;
  /// The backend name from the config ("sim", "evm-rpc").
  std::string backend;
  /// Whole seconds until expires_at (0 once reached).
  std::int64_t seconds_left = 0;
  TimePoint now;
};

/// Where a sale ended, or that it has not.
enum class SaleOutcome {
  kOpen,       ///< waiting for (the rest of) the payment or for finality
  kPaid,       ///< succeeded: print the receipt
  kExpired,    ///< nothing was paid in time
  kCanceled,   ///< the cashier canceled it
  kUnderpaid,  ///< expired with part of the amount paid
  kPaidLate,   ///< a payment arrived after the sale had closed
};

SaleOutcome sale_outcome(const SaleView& view) noexcept;

/// Confirmations of a payment's block at the view's latest block (1 for the
/// block itself), or 0 while the tracker has not seen a head at or above it.
std::uint64_t confirmations_of(const SaleView& view, const PaymentRow& payment) noexcept;

/// What the simulated customer's wallet sends.
enum class SimulatedPayment {
  kOutstanding,  ///< exactly what is still to pay
  kHalf,         ///< half of it (rounded down to a base unit): an underpayment
};

class Sale {
 public:
  /// Validates the amount (parse_sale_amount) and creates the intent
  /// (metadata {"channel":"pos"}). Errors: parse_sale_amount's, then
  /// Processor::create_intent's (a bad order reference, an unknown chain or
  /// token, store errors), unchanged.
  static Result<Sale> start(const SaleDeps& deps, const NewSale& sale);

  /// Runs the expiry sweep (Processor::expire_due), then reads the intent,
  /// its payments and the tracker's latest head into a view. Errors: the
  /// processor's and store's, and settlement's for a payment row it cannot
  /// read.
  Result<SaleView> refresh();

  /// Cancels the intent. kFailedPrecondition "sale: cannot cancel, a
  /// payment of X USD1 has been seen (status processing)" once money is
  /// on its way, or naming the status otherwise.
  Result<PaymentIntent> cancel();

  /// SimChain only: the customer's wallet sends a token transfer to the
  /// deposit address (with the Solana Pay reference where the intent has
  /// one); the block timer mines it. Returns the tx hash. Errors:
  /// kFailedPrecondition "sale: chain X is not simulated (backend evm-rpc):
  /// pay with a real wallet" / "sale: nothing is left to pay" / "sale: 1
  /// base unit cannot be halved"; refresh()'s errors.
  Result<std::string> simulate_payment(SimulatedPayment kind);

  [[nodiscard]] const PaymentIntent& intent() const noexcept { return intent_; }

 private:
  Sale(SaleDeps deps, PaymentIntent intent) : deps_(std::move(deps)), intent_(std::move(intent)) {}

  SaleDeps deps_;
  PaymentIntent intent_;
  std::optional<std::uint64_t> latest_block_;  // the last head the tracker reported
};

/// A customer's wallet address on SimChain (any address not ours).
inline constexpr const char* kSimulatedCustomer = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

/// One line saying where the sale is: "waiting for payment", "processing:
/// 2 of 3 confirmations", "partly paid: 5.00 of 12.34 USD1 received, 7.34
/// to pay", "paid", "expired: nothing was paid", "canceled", "underpaid:
/// ...", "paid late: ...". Plain ASCII.
std::string status_line(const SaleView& view);

/// "14:59" (minutes:seconds), "1:02:03" from an hour up.
std::string format_countdown(std::int64_t seconds);

/// "2026-01-01 12:00:05 UTC".
std::string format_receipt_time(TimePoint t);

/// The receipt of a paid sale, plain ASCII lines: shop, date/time (UTC, when
/// the intent succeeded), order, intent, amount (USD and token), chain,
/// token, and per credited payment its tx hash, block and confirmations;
/// notes for an overpayment or a payment short within the tolerance.
std::string format_receipt(const SaleView& view, const std::string& shop);

struct ScreenOptions {
  /// The terminal's size in character cells.
  int width = 80;
  int height = 24;
  QrTerminalStyle qr_style = QrTerminalStyle::kAnsiBlackOnWhite;
  /// The headline ("usd1pay POS" or the shop's name).
  std::string shop = "usd1pay POS";
  /// A line under the status (the result of the last key), may be empty.
  std::string notice;
  /// Whether a second 'q' quits (after a first one warned).
  bool quit_armed = false;
};

/// The error correction of the on-screen QR: L. A screen is not paper (no
/// dirt, no creases), and the smaller symbol (version 7, 53x27 cells for a
/// 145-byte EIP-681 URI, against version 8, 57x29, at M) fits more
/// terminals with larger modules.
inline constexpr QrErrorCorrection kScreenQrLevel = QrErrorCorrection::kLow;

/// The waiting screen, one string per terminal line (QR lines may carry ANSI
/// colour codes; no line is wider than options.width cells, and there are at
/// most options.height lines). The QR is drawn under the sale's details when
/// the terminal is tall enough, beside them when it is wide enough, and
/// otherwise replaced by a line naming the size it needs. Once the full
/// amount has been sent, the QR gives way to "payment received".
std::vector<std::string> sale_screen(const SaleView& view, const ScreenOptions& options);

}  // namespace usd1pay::pos

#endif  // USD1PAY_SAMPLES_POS_POS_SALE_H
