// make demo: the static half of a checkout, on embedded defaults.
//
// A shop's order of 25.00 USD becomes a payment request for exactly 25.00 USD1
// (1 USD1 = 1 USD at par): the amount converted to token base units without
// floating point, the merchant's receiving address validated (EIP-55), the
// EIP-681 URI a wallet understands, and its QR code in the terminal.
//
// The addresses are samples: EIP-55's own example address as the merchant,
// and a placeholder token contract. A real deployment reads both from its
// configuration.
#include <cstdlib>
#include <iostream>
#include <string>

#include "usd1pay/address.h"
#include "usd1pay/amount.h"
#include "usd1pay/chain.h"
#include "usd1pay/qr.h"
#include "usd1pay/request.h"
#include "usd1pay/version.h"

namespace {

// Prints the error and exits: a demo has no caller to hand a Status to.
template <typename T>
T or_die(usd1pay::Result<T> r, const char* what) {
  if (!r.ok()) {
    std::cerr << "demo: " << what << ": " << usd1pay::to_string(r.status()) << "\n";
    std::exit(1);
  }
  return std::move(r).value();
}

}  // namespace

int main() {
  using namespace usd1pay;
  const std::string order_id = "order-1001";
  const std::string order_total = "25.00";  // USD, as the shop's cart computed it
  const unsigned usd_decimals = 2;
  const unsigned token_decimals = 18;
  const std::string chain_text = "eip155:1";
  const std::string token = "0x00000000000000000000000000000000000d0d01";  // placeholder
  const std::string merchant = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

  std::cout << "usd1pay " << USD1PAY_VERSION_STRING << " demo: a payment request\n\n";

  // 1. The exact amount: fiat cents to token base units, at par.
  const Amount usd = or_die(Amount::parse(order_total, usd_decimals), "order total");
  const Amount due = or_die(usd.rescale(token_decimals), "amount in token units");

  // 2. The merchant's address, refused unless its EIP-55 checksum is present
  //    and right (a point-of-sale screen must never show a mistyped address).
  AddressOptions strict;
  strict.strict = true;
  const AddressInfo to =
      or_die(validate_address(ChainFamily::kEvm, merchant, strict), "merchant address");

  // 3. The payment request URI.
  PaymentRequest request;
  request.chain = or_die(ChainSelector::parse(chain_text), "chain");
  request.token = token;
  request.recipient = to.canonical;
  request.amount = due;
  const std::string uri = or_die(build_payment_uri(request), "payment URI");

  std::cout << "  order         " << order_id << "\n"
            << "  amount due    " << due.to_string_fixed(2) << " USD1 (" << usd.to_string_fixed(2)
            << " USD at par)\n"
            << "  base units    " << due.base_units().to_decimal() << " (" << token_decimals
            << " decimals)\n"
            << "  chain         " << chain_text << "\n"
            << "  pay to        " << to.canonical << "  (EIP-55 checksum verified)\n"
            << "  payment URI   " << uri << "\n\n";

  // 4. The QR code a wallet scans.
  const QrCode qr = or_die(encode_qr(uri, QrErrorCorrection::kMedium), "QR code");
  std::cout << render_terminal(qr) << "\n"
            << "  QR version " << qr.version() << ", error correction "
            << qr_error_correction_name(qr.error_correction()) << ", " << qr.size()
            << " modules + quiet zone\n";
  return 0;
}
