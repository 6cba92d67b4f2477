// Fuzzes the strict reader of the shop's orders CSV
// (recon_internal::parse_orders_csv, sdk/recon/orders_csv.cpp).
//
// Input: the first byte picks the column mapping (bit 0: the default names,
// else "id", "total", "cur", "when"), the rest is the file. Invariants checked:
//  - it never crashes, hangs or leaks, whatever the bytes;
//  - a failure is kInvalidArgument whose message is "<name>:<line>:<column>: "
//    with line and column >= 1, and the line at most the number of lines;
//  - a success gives orders sorted by order id with no repeat, each with a
//    non-empty order id of at most 200 bytes of valid UTF-8, a non-empty
//    currency, an amount that Amount::parse takes exactly, a line >= 2;
//  - the same input gives the same result (the reader keeps no state).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "recon/recon_internal.h"
#include "usd1pay/amount.h"
#include "usd1pay/encoding.h"

namespace {

using usd1pay::ErrorCode;
using usd1pay::OrdersCsvMapping;
using usd1pay::recon_internal::Order;
using usd1pay::recon_internal::parse_orders_csv;

void check(bool condition) {
  if (!condition) std::abort();
}

/// Reads "<digits>:" at `pos`; the number, or 0 when absent.
std::uint64_t number_at(std::string_view s, std::size_t* pos) {
  std::uint64_t n = 0;
  std::size_t digits = 0;
  while (*pos < s.size() && s[*pos] >= '0' && s[*pos] <= '9' && digits < 19) {
    n = n * 10 + static_cast<std::uint64_t>(s[*pos] - '0');
    ++*pos;
    ++digits;
  }
  if (digits == 0 || *pos >= s.size() || s[*pos] != ':') return 0;
  ++*pos;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  OrdersCsvMapping mapping;
  if ((data[0] & 1) != 0) mapping = OrdersCsvMapping{"id", "total", "cur", "when"};
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string name = "orders.csv";
  auto r = parse_orders_csv(text, name, mapping);
  auto again = parse_orders_csv(text, name, mapping);
  check(r.ok() == again.ok());
  if (!r.ok()) {
    check(r.status().code() == ErrorCode::kInvalidArgument);
    check(again.status().message() == r.status().message());
    const std::string m = r.status().message();
    check(m.rfind(name + ":", 0) == 0);
    std::size_t pos = name.size() + 1;
    const std::uint64_t line = number_at(m, &pos);
    const std::uint64_t column = number_at(m, &pos);
    check(line >= 1 && column >= 1);
    std::uint64_t lines = 1;
    for (char c : text) lines += c == '\n' ? 1 : 0;
    check(line <= lines);
    check(pos < m.size() && m[pos] == ' ');
    return 0;
  }
  check(r->size() == again->size());
  for (std::size_t i = 0; i < r->size(); ++i) {
    const Order& o = (*r)[i];
    check(o.order_id == (*again)[i].order_id);
    check(!o.order_id.empty() && o.order_id.size() <= 200);
    check(usd1pay::find_invalid_utf8(o.order_id) == std::string_view::npos);
    check(!o.currency.empty());
    check(o.line >= 2);
    const std::size_t dot = o.amount.find('.');
    const std::size_t fraction = dot == std::string::npos ? 0 : o.amount.size() - dot - 1;
    check(fraction <= usd1pay::Amount::kMaxDecimals);
    check(usd1pay::Amount::parse(o.amount, static_cast<unsigned>(fraction)).ok());
    if (i > 0) check((*r)[i - 1].order_id < o.order_id);
  }
  return 0;
}
