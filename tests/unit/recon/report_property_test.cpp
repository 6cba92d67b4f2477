// Property test over random record streams (seeded, many iterations): every
// journal balances to zero, the file balances, and the journal's wallet
// debits equal the summary's amount_booked per day, chain and token and in
// total. Sums here use Uint128 base units at 18 decimals, independent of the
// writers' own decimal code.
#include <gtest/gtest.h>

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
                                             ReconStatus::kWrongNetwork};
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
                        s == ReconStatus::kOrderWithoutIntent;
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

}  // namespace
}  // namespace usd1pay
