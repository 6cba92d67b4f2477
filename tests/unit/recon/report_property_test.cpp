// Property test over random record streams (seeded, many iterations): every
// journal balances to zero, the file balances, and the journal's wallet
// debits equal the summary's amount_booked per day, chain and token and in
// total. Sums here use Uint128 base units at 18 decimals, independent of the
// writers' own decimal code. A second property follows intents paid in
// several payments as the reconciler records them (cumulative difference):
// receivable is credited at most the amount due per intent, the rest is
// customer credit, and a period's journal books each payment exactly as the
// full journal does.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "report_test_util.h"
#include "usd1pay/amount.h"
#include "usd1pay/recon.h"

namespace usd1pay {
namespace {

using testing_recon::csv_maps;
using testing_recon::journal;
using testing_recon::kDay1;
using testing_recon::kDayMs;
using testing_recon::no_payment;
using testing_recon::payment;
using testing_recon::run_writer;

Uint128 units(const std::string& text) {
  if (text.empty()) return Uint128();
  auto a = Amount::parse(text, 18);
  EXPECT_TRUE(a.ok()) << text;
  return a.ok() ? a->base_units() : Uint128();
}

Uint128 plus(Uint128 a, Uint128 b) {
  Uint128 r;
  EXPECT_TRUE(Uint128::add(a, b, &r));
  return r;
}

std::string random_amount(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> kind(0, 9);
  std::uniform_int_distribution<std::uint64_t> whole(0, 100000);
  std::uniform_int_distribution<int> scale(0, 18);
  std::string s = std::to_string(kind(rng) == 0 ? 0 : whole(rng));
  const int frac = scale(rng);
  if (frac > 0) {
    s += '.';
    std::uniform_int_distribution<int> digit(0, 9);
    for (int i = 0; i < frac; ++i) s += static_cast<char>('0' + digit(rng));
  }
  return s;
}

std::vector<ReconRecord> random_stream(std::mt19937_64& rng) {
  const std::vector<ReconStatus> statuses = {ReconStatus::kMatched,
                                             ReconStatus::kUnderpaid,
                                             ReconStatus::kOverpaid,
                                             ReconStatus::kUnpaid,
                                             ReconStatus::kExpiredUnpaid,
                                             ReconStatus::kPaidLate,
                                             ReconStatus::kDuplicatePayment,
                                             ReconStatus::kUnmatchedTransfer,
                                             ReconStatus::kOrphaned,
                                             ReconStatus::kOrderWithoutIntent,
                                             ReconStatus::kIntentWithoutOrder,
                                             ReconStatus::kAmbiguous,
                                             ReconStatus::kWrongNetwork,
                                             ReconStatus::kOrderMismatch};
  const std::vector<std::string> chains = {"eip155:1", "eip155:8453", "tron:mainnet",
                                           "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"};
  const std::vector<std::string> tokens = {"USD1", "USD1.e"};
  std::uniform_int_distribution<int> count(0, 120);
  std::uniform_int_distribution<std::size_t> pick_status(0, statuses.size() - 1);
  std::uniform_int_distribution<std::size_t> pick_chain(0, chains.size() - 1);
  std::uniform_int_distribution<std::size_t> pick_token(0, tokens.size() - 1);
  std::uniform_int_distribution<std::int64_t> when(0, 20 * kDayMs);
  std::uniform_int_distribution<int> coin(0, 3);
  std::vector<ReconRecord> out;
  const int n = count(rng);
  for (int i = 0; i < n; ++i) {
    const ReconStatus s = statuses[pick_status(rng)];
    const bool no_pay = s == ReconStatus::kUnpaid || s == ReconStatus::kExpiredUnpaid ||
                        s == ReconStatus::kOrderWithoutIntent || s == ReconStatus::kOrderMismatch;
    ReconRecord r;
    const std::string expected = random_amount(rng);
    if (no_pay) {
      r = no_payment(s, expected, kDay1 + when(rng));
    } else {
      r = payment(s,
                  coin(rng) == 0 && s != ReconStatus::kMatched && s != ReconStatus::kOverpaid &&
                          s != ReconStatus::kUnderpaid
                      ? ""
                      : expected,
                  random_amount(rng), "0x" + std::to_string(i), kDay1 + when(rng));
      r.final = coin(rng) != 0;
      r.log_index = static_cast<std::uint32_t>(coin(rng));
    }
    r.chain = chains[pick_chain(rng)];
    r.token_symbol = tokens[pick_token(rng)];
    out.push_back(r);
    if (!no_pay && coin(rng) == 0) {
      // The same payment listed again right away (e.g. ambiguous candidates).
      ReconRecord again = r;
      again.intent_id = "pi_other";
      out.push_back(again);
    }
  }
  return out;
}

TEST(ReportPropertyTest, JournalsBalanceAndTieToTheSummary) {
  std::mt19937_64 rng(20260301);
  std::uint64_t journals_seen = 0;
  for (int iteration = 0; iteration < 300; ++iteration) {
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    const auto records = random_stream(rng);
    auto j = run_writer(journal, records);
    ASSERT_TRUE(j.status.ok()) << j.status.message();
    auto s = run_writer(make_summary_writer, records);
    ASSERT_TRUE(s.status.ok()) << s.status.message();

    std::map<std::string, std::pair<Uint128, Uint128>> per_journal;
    std::map<std::tuple<std::string, std::string, std::string>, Uint128> wallet;
    Uint128 debit;
    Uint128 credit;
    for (const auto& l : csv_maps(j.text)) {
      auto& pj = per_journal[l.at("journal_id")];
      pj.first = plus(pj.first, units(l.at("debit")));
      pj.second = plus(pj.second, units(l.at("credit")));
      debit = plus(debit, units(l.at("debit")));
      credit = plus(credit, units(l.at("credit")));
      ASSERT_NE(l.at("debit").empty(), l.at("credit").empty());
      if (!l.at("debit").empty()) {
        // Only the wallet is ever debited.
        ASSERT_EQ(l.at("account"), "Assets:Stablecoin:" + l.at("chain") + ":" + l.at("token"));
        auto& w = wallet[{l.at("date"), l.at("chain"), l.at("token")}];
        w = plus(w, units(l.at("debit")));
      }
    }
    for (const auto& [id, dc] : per_journal) {
      EXPECT_TRUE(dc.first == dc.second) << id << " does not balance";
    }
    EXPECT_TRUE(debit == credit);
    journals_seen += per_journal.size();

    std::map<std::tuple<std::string, std::string, std::string>, Uint128> booked;
    Uint128 grand;
    for (const auto& row : csv_maps(s.text)) {
      if (row.at("row_type") == "group") {
        auto& b = booked[{row.at("date"), row.at("chain"), row.at("token")}];
        b = plus(b, units(row.at("amount_booked")));
      } else if (row.at("row_type") == "grand_total") {
        grand = units(row.at("amount_booked"));
        EXPECT_EQ(row.at("count"), std::to_string(records.size()));
      }
    }
    EXPECT_TRUE(grand == debit);
    for (const auto& [key, amount] : booked) {
      auto it = wallet.find(key);
      const Uint128 w = it == wallet.end() ? Uint128() : it->second;
      EXPECT_TRUE(w == amount) << std::get<0>(key) << " " << std::get<1>(key);
    }
    for (const auto& [key, amount] : wallet) EXPECT_EQ(booked.count(key), 1U);
  }
  EXPECT_GT(journals_seen, 3000U);  // the generator does produce journals
}

// Cents as "12.34" / "-0.05".
std::string cents_text(std::int64_t c) {
  const bool neg = c < 0;
  const std::int64_t m = neg ? -c : c;
  std::string frac = std::to_string(m % 100);
  if (frac.size() < 2) frac = "0" + frac;
  return (neg ? "-" : "") + std::to_string(m / 100) + "." + frac;
}

struct IntentTruth {
  std::int64_t receivable = 0;  // cents the journal must credit to receivable
  std::int64_t credit = 0;      // cents to customer credit
};

// Intents with several final payments, statuses and cumulative differences
// as reconcile() writes them (docs/reconciliation.md), and what each intent
// must book.
std::vector<ReconRecord> random_intents(std::mt19937_64& rng,
                                        std::map<std::string, IntentTruth>* truth) {
  std::uniform_int_distribution<int> intents(1, 25);
  std::uniform_int_distribution<int> payments(1, 4);
  std::uniform_int_distribution<std::int64_t> due(1, 5000);
  std::uniform_int_distribution<std::int64_t> paid(1, 4000);
  std::uniform_int_distribution<int> coin(0, 3);
  std::uniform_int_distribution<std::int64_t> when(0, 5 * kDayMs);
  std::vector<ReconRecord> out;
  const int n = intents(rng);
  for (int i = 0; i < n; ++i) {
    const std::string id = "pi_" + std::to_string(i);
    const std::int64_t e = due(rng);
    const bool underpaid = coin(rng) == 0;
    const int k = payments(rng);
    std::int64_t running = 0;
    bool settled = false;
    IntentTruth& t = (*truth)[id];
    for (int j = 0; j < k; ++j) {
      std::int64_t r = paid(rng);
      if (underpaid && running + r >= e) break;  // an underpaid intent stays below its due
      running += r;
      ReconStatus s = ReconStatus::kUnderpaid;
      if (!underpaid) {
        if (settled) {
          s = ReconStatus::kDuplicatePayment;
        } else if (running >= e) {
          s = running > e ? ReconStatus::kOverpaid : ReconStatus::kMatched;
          settled = true;
        } else {
          s = ReconStatus::kMatched;
        }
      }
      if (s == ReconStatus::kDuplicatePayment) {
        t.credit += r;
      } else {
        const std::int64_t before = running - r;
        const std::int64_t applied = std::min(running, e) - std::min(before, e);
        t.receivable += applied;
        t.credit += r - applied;
      }
      ReconRecord rec =
          payment(s, cents_text(e), cents_text(r),
                  "0x" + std::to_string(i) + "_" + std::to_string(j), kDay1 + when(rng));
      rec.intent_id = id;
      rec.difference = cents_text(running - e);
      out.push_back(rec);
    }
  }
  return out;
}

std::int64_t cents_of(const std::string& text) {
  if (text.empty()) return 0;
  const std::size_t dot = text.find('.');
  EXPECT_NE(dot, std::string::npos) << text;
  EXPECT_EQ(text.size() - dot - 1, 2U) << text;
  return std::stoll(text.substr(0, dot)) * 100 + std::stoll(text.substr(dot + 1));
}

TEST(ReportPropertyTest, SplitPaymentsCreditReceivableAtMostTheDuePerIntentInEveryPeriod) {
  std::mt19937_64 rng(20260302);
  std::uint64_t split_overpayments = 0;
  for (int iteration = 0; iteration < 300; ++iteration) {
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    std::map<std::string, IntentTruth> truth;
    const auto records = random_intents(rng, &truth);
    auto j = run_writer(journal, records);
    ASSERT_TRUE(j.status.ok()) << j.status.message();
    std::map<std::string, IntentTruth> booked;
    std::map<std::string, std::vector<std::map<std::string, std::string>>> by_journal;
    for (const auto& l : csv_maps(j.text)) {
      by_journal[l.at("journal_id")].push_back(l);
      IntentTruth& b = booked[l.at("intent_id")];
      if (l.at("account") == "Assets:Accounts Receivable") b.receivable += cents_of(l.at("credit"));
      if (l.at("account") == "Liabilities:Customer Credits") b.credit += cents_of(l.at("credit"));
    }
    for (const auto& [id, t] : truth) {
      EXPECT_EQ(booked[id].receivable, t.receivable) << id;
      EXPECT_EQ(booked[id].credit, t.credit) << id;
    }
    for (std::size_t k = 1; k < records.size(); ++k) {
      if (records[k].intent_id == records[k - 1].intent_id &&
          records[k].status == ReconStatus::kOverpaid &&
          records[k - 1].status == ReconStatus::kMatched) {
        ++split_overpayments;
      }
    }

    // A period (records filtered by settlement day, as export --from/--to
    // does) books each of its payments exactly as the full journal does.
    const std::int64_t cut = kDay1 + static_cast<std::int64_t>(rng() % 5) * kDayMs;
    std::vector<ReconRecord> period;
    for (const auto& r : records) {
      if (r.settlement_time_ms >= cut) period.push_back(r);
    }
    auto pj = run_writer(journal, period);
    ASSERT_TRUE(pj.status.ok()) << pj.status.message();
    std::map<std::string, std::vector<std::map<std::string, std::string>>> period_journal;
    for (const auto& l : csv_maps(pj.text)) period_journal[l.at("journal_id")].push_back(l);
    for (const auto& [id, lines] : period_journal) {
      ASSERT_EQ(by_journal.count(id), 1U) << id;
      EXPECT_EQ(by_journal.at(id), lines) << id;
    }
  }
  EXPECT_GT(split_overpayments, 100U);  // the generator does split overpayments
}

}  // namespace
}  // namespace usd1pay
