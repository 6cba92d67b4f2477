// usd1pay: the settlement rules of a payment intent, as one pure function.
//
// Given an intent, every payment recorded for it, the underpayment tolerance
// and the current time, settle() decides the status the intent should have,
// its exception flags and its amounts. It reads no clock, touches no store
// and does no I/O: the tracker applies the decision (docs/settlement.md has
// the rules with a table of cases and outcomes).
//
// Terms:
//   credited  a payment with status "pending" or "final", a non-zero amount,
//             seen on the intent's chain and not flagged "wrong_network".
//             Orphaned payments, wrong-network payments and zero-amount
//             transfers (address-poisoning spam) are never credited.
//   in time   block_time <= expires_at. A payment seen while now < expires_at
//             counts as in time whatever its block time (the intent is open).
//   late      a credited payment whose block_time > expires_at.
//   threshold amount_due - tolerance (0 when the tolerance exceeds the due);
//             a sum "covers" the intent when it is > 0 and >= threshold.
//
// Rules, in order (F = final credited sum, F_in = its in-time part):
//   paid_late            stays paid_late (terminal); flags still update.
//   expired, canceled    -> paid_late when any credited payment is final
//                        (an in-time payment seen after the expiry sweep too:
//                        the note says so); otherwise unchanged.
//   succeeded            stays succeeded while F (late payments included)
//                        covers the intent; when a reorg took final payments
//                        away, recomputed as below.
//   before expiry        F covers -> succeeded; anything credited ->
//                        processing; nothing -> requires_payment.
//   at/after expiry      F_in covers -> succeeded; F_in > 0 and F covers ->
//                        succeeded (late payments topped up a partial in-time
//                        payment: what remaining_payment_uri asks for);
//                        in-time pending, or F_in > 0 with any pending ->
//                        processing; F_in > 0 -> underpaid; F > 0 (only late
//                        final payments) -> paid_late; else -> expired.
// Late payments thus never make an intent succeed on their own: with nothing
// paid in time the intent expires, and a late final payment makes it
// paid_late, visible and not silently succeeded.
//
// The decision is a function of the payments, not of how often the tracker
// ran: when the target status is not one transition away in the state machine
// of intent.h (requires_payment -> paid_late, succeeded -> underpaid, ...),
// `steps` lists the intermediate statuses, every step allowed by
// intent_transition_allowed; the tracker applies them in order, one event
// each. A transition the table forbids is never returned: the status is kept
// and `note` says why.
//
// Flags: overpaid when F > amount_due (recomputed each time: a reorg can take
// the excess away); multiple_payments when more than one payment is credited,
// orphaned_payment when any payment is orphaned, wrong_network when any
// payment is flagged wrong_network or was seen on another chain. The last
// three record facts that happened and are kept once set.
//
// Ownership: values in, values out. THREAD SAFETY: pure functions.
#ifndef USD1PAY_SETTLEMENT_H
#define USD1PAY_SETTLEMENT_H

#include <set>
#include <string>
#include <vector>

#include "usd1pay/amount.h"
#include "usd1pay/clock.h"
#include "usd1pay/intent.h"
#include "usd1pay/status.h"
#include "usd1pay/store.h"

namespace usd1pay {

struct SettlementInput {
  PaymentIntent intent;
  /// Every payment recorded for this intent: pending, final and orphaned,
  /// flagged ones included. Order does not matter.
  std::vector<PaymentRow> payments;
  /// Underpayment tolerance with the decimals of intent.amount_due; a zero
  /// Amount of any decimals (the default) means none.
  Amount tolerance;
  TimePoint now;
};

struct SettlementDecision {
  /// The status the intent should have now (== intent.status when unchanged).
  IntentStatus status = IntentStatus::kRequiresPayment;
  /// The transitions to apply, in order, ending with `status`; empty when the
  /// status is unchanged. Usually one step.
  std::vector<IntentStatus> steps;
  std::set<IntentFlag> flags;
  /// Sum of final credited payments (in time and late), amount_due decimals.
  Amount final_received;
  /// Sum of pending credited payments.
  Amount pending_received;
  /// max(0, amount_due - final_received), exact (the tolerance is not
  /// deducted).
  Amount remaining;
  /// max(0, final_received - amount_due).
  Amount excess;
  /// Ids of credited payments whose block_time > expires_at, in input order
  /// (the tracker flags them "late").
  std::vector<std::string> late_payments;
  bool status_changed = false;
  bool flags_changed = false;
  /// Why a status was kept against the rules, or an exception worth a log
  /// line; empty otherwise.
  std::string note;
};

/// Decides. Errors, each naming the payment ("settlement: payment py_x: ..."):
///   kInternal: an amount that is not 1..39 decimal digits or exceeds
///     2^128-1, an unknown payment status, flags_json that is not a JSON
///     array of strings, a payment of another intent or (on the intent's
///     chain) another token, a non-zero tolerance or an amount_due whose
///     decimals differ from the token's.
///   kOutOfRange: a sum of payments above 2^128-1.
Result<SettlementDecision> settle(const SettlementInput& in);

/// The payment request for exactly `remaining` to the intent's deposit
/// address (same chain, token and Solana Pay reference, so that the tracker
/// matches it to the same intent): EIP-681 on EVM chains, Solana Pay on
/// Solana, the plain address on TRON (build_payment_uri, request.h).
/// kInvalidArgument "settlement: remaining amount is zero" or when its
/// decimals are not the token's; errors of build_payment_uri with context.
Result<std::string> remaining_payment_uri(const PaymentIntent& intent, const Amount& remaining);

}  // namespace usd1pay

#endif  // USD1PAY_SETTLEMENT_H
