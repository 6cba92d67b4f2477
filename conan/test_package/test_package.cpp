// Touches every dependency the static library brings, so that a missing link
// dependency in the package's cpp_info fails here and not in an integrator's
// build: address checksums and xpub derivation (OpenSSL, libsecp256k1), a
// payment URI, a QR code as PNG (libqrencode, libpng), an in-memory store
// (SQLite) and the HTTPS transport (cpp-httplib). Prints "test_package ok".
#include <stdlib.h>  // mkdtemp
#include <usd1pay/address.h>
#include <usd1pay/amount.h>
#include <usd1pay/hd.h>
#include <usd1pay/qr.h>
#include <usd1pay/request.h>
#include <usd1pay/store.h>
#include <usd1pay/version.h>
#include <usd1pay/webhook_dispatcher.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
  if (!ok) {
    std::cerr << "test_package: " << what << "\n";
    ++failures;
  }
}

}  // namespace

int main() {
  using namespace usd1pay;

  // The account key m/44'/60'/0' of the well-known test mnemonic (never for
  // real money); child 0/0 is the first account every devnet tool shows.
  const auto xpub = ExtendedPublicKey::parse(
      "xpub6Ce9NcJvTk36xtLSrJLZqE7wtgA5deCeYs7rSQtreh4cj6ByPtrg9sD7V2FNFLPnf8heNP3FGkeV9qwfzvZNSd54"
      "JoNXVsXFYSYwHsnJxqP");
  expect(xpub.ok(), "xpub: " + (xpub.ok() ? std::string() : to_string(xpub.status())));
  std::string address;
  if (xpub.ok()) {
    const auto child = xpub.value().derive_path("0/0");
    expect(child.ok(), "derive 0/0");
    if (child.ok()) address = child.value().evm_address();
  }
  expect(address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "derived address " + address);

  const auto checked = validate_address(ChainFamily::kEvm, address);
  expect(checked.ok() && checked.value().checksummed, "validate_address");

  const auto amount = Amount::parse("25.00", 6);
  expect(amount.ok(), "amount");
  const auto chain = ChainSelector::parse("eip155:1");
  std::string uri;
  if (amount.ok() && chain.ok()) {
    PaymentRequest request;
    request.chain = chain.value();
    request.token = "0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA";
    request.recipient = address;
    request.amount = amount.value();
    const auto built = build_payment_uri(request);
    expect(built.ok(), "payment uri");
    if (built.ok()) uri = built.value();
  }
  expect(uri.rfind("ethereum:0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA@1/transfer?", 0) == 0,
         "uri " + uri);

  const auto qr = encode_qr(uri.empty() ? "usd1pay" : uri);
  expect(qr.ok(), "encode_qr");
  if (qr.ok()) {
    const auto png = render_png(qr.value());
    expect(png.ok() && png.value().size() > 8 && png.value()[1] == 'P', "render_png");
  }

  // A store file in a fresh temporary directory, removed afterwards.
  std::string dir_template =
      (std::filesystem::temp_directory_path() / "usd1pay-test-package-XXXXXX").string();
  if (::mkdtemp(dir_template.data()) != nullptr) {
    const std::filesystem::path dir(dir_template);
    {
      SqliteStoreOptions store_options;
      store_options.path = (dir / "usd1pay.db").string();
      const auto store = open_sqlite_store(store_options);
      expect(store.ok(),
             "open_sqlite_store: " + (store.ok() ? std::string() : to_string(store.status())));
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  } else {
    expect(false, "mkdtemp");
  }

  expect(make_http_transport() != nullptr, "make_http_transport");

  if (failures != 0) return EXIT_FAILURE;
  std::cout << "test_package ok " << USD1PAY_VERSION_STRING << "\n";
  return EXIT_SUCCESS;
}
