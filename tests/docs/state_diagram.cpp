// usd1pay_state_diagram: prints the intent state diagram of docs/concepts.md
// (Mermaid) from the state machine itself, intent_transition_allowed() over
// every pair of statuses, with a label per transition from the table below.
// It fails (exit 1, naming the pair) when the table and the state machine
// disagree: a transition without a label, or a label for a transition the
// state machine refuses. tests/docs/check_docs.py compares its output with
// the diagram in docs/concepts.md, and the transitions of every other state
// diagram in docs/ with the state machine.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "usd1pay/intent.h"

namespace {

using usd1pay::IntentStatus;

struct Edge {
  IntentStatus from;
  IntentStatus to;
  const char* label;
};

// Why each transition happens (docs/intents.md and docs/settlement.md).
const Edge kEdges[] = {
    {IntentStatus::kRequiresPayment, IntentStatus::kProcessing, "transfer seen, not final"},
    {IntentStatus::kRequiresPayment, IntentStatus::kSucceeded, "transfer seen already final"},
    {IntentStatus::kRequiresPayment, IntentStatus::kExpired, "expiry, nothing paid"},
    {IntentStatus::kRequiresPayment, IntentStatus::kCanceled, "merchant cancels"},
    {IntentStatus::kProcessing, IntentStatus::kSucceeded, "final payments cover the amount"},
    {IntentStatus::kProcessing, IntentStatus::kRequiresPayment, "reorg orphaned the payment"},
    {IntentStatus::kProcessing, IntentStatus::kUnderpaid, "expiry, final payments short"},
    {IntentStatus::kProcessing, IntentStatus::kExpired, "expiry, nothing final left"},
    {IntentStatus::kSucceeded, IntentStatus::kProcessing, "reorg beyond finality, others pending"},
    {IntentStatus::kSucceeded, IntentStatus::kRequiresPayment, "reorg beyond finality, none left"},
    {IntentStatus::kExpired, IntentStatus::kPaidLate, "final payment after expiry"},
    {IntentStatus::kCanceled, IntentStatus::kPaidLate, "final payment after cancel"},
    {IntentStatus::kUnderpaid, IntentStatus::kProcessing, "rest paid, not final"},
    {IntentStatus::kUnderpaid, IntentStatus::kSucceeded, "rest paid, final"},
};

const char* label_of(IntentStatus from, IntentStatus to) {
  for (const Edge& e : kEdges) {
    if (e.from == from && e.to == to) return e.label;
  }
  return nullptr;
}

}  // namespace

int main() {
  int problems = 0;
  for (const Edge& e : kEdges) {
    if (!usd1pay::intent_transition_allowed(e.from, e.to)) {
      std::fprintf(stderr, "usd1pay_state_diagram: %s -> %s has a label but is not allowed\n",
                   usd1pay::intent_status_name(e.from), usd1pay::intent_status_name(e.to));
      ++problems;
    }
  }
  std::vector<std::string> lines = {"stateDiagram-v2",
                                    "    [*] --> requires_payment: create_intent"};
  for (const IntentStatus from : usd1pay::kAllIntentStatuses) {
    for (const IntentStatus to : usd1pay::kAllIntentStatuses) {
      if (!usd1pay::intent_transition_allowed(from, to)) continue;
      const char* label = label_of(from, to);
      if (label == nullptr) {
        std::fprintf(stderr, "usd1pay_state_diagram: %s -> %s is allowed but has no label\n",
                     usd1pay::intent_status_name(from), usd1pay::intent_status_name(to));
        ++problems;
        continue;
      }
      lines.push_back(std::string("    ") + usd1pay::intent_status_name(from) + " --> " +
                      usd1pay::intent_status_name(to) + ": " + label);
    }
  }
  for (const IntentStatus s : usd1pay::kAllIntentStatuses) {
    if (usd1pay::intent_status_terminal(s)) {
      lines.push_back(std::string("    ") + usd1pay::intent_status_name(s) + " --> [*]");
    }
  }
  if (problems != 0) return 1;
  for (const std::string& line : lines) std::printf("%s\n", line.c_str());
  return 0;
}
