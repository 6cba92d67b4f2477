// make demo: a payment request for a sample order.
#include <iostream>

#include "usd1pay/version.h"

int main() {
  std::cout << "usd1pay " << USD1PAY_VERSION_STRING << " demo\n";
  return 0;
}
