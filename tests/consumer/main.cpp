// Uses the installed usd1pay as an integrator would; prints "consumer ok"
// followed by values computed by the library.
#include <usd1pay/status.h>
#include <usd1pay/version.h>

#include <iostream>

int main() {
  const usd1pay::Status s(usd1pay::ErrorCode::kInvalidArgument, "amount: empty");
  if (s.ok() || usd1pay::to_string(s) != "invalid_argument: amount: empty") {
    std::cout << "consumer failed: " << usd1pay::to_string(s) << "\n";
    return 1;
  }
  std::cout << "consumer ok " << USD1PAY_VERSION_STRING << "\n";
  return 0;
}
