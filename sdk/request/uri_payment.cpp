// The chain-independent entry point: one PaymentRequest, the payload its
// chain's wallets read. TRON has no ratified payment URI (TIP proposals for a
// "tron:" scheme were never finalised and wallets disagree), so for TRON the
// payload is the bare address and the amount travels as text on the screen.
#include <string>

#include "usd1pay/address.h"
#include "usd1pay/request.h"

namespace usd1pay {
namespace {

Status refuse_extra(const PaymentRequest& req, const char* format) {
  if (!req.references.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  std::string("uri: references cannot be carried by ") + format);
  }
  if (req.memo && !req.memo->empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  std::string("uri: a memo cannot be carried by ") + format);
  }
  return Status();
}

Result<std::string> build_evm(const PaymentRequest& req) {
  USD1PAY_RETURN_IF_ERROR(refuse_extra(req, "an EIP-681 URI"));
  if (!req.chain.id) {
    return Status(ErrorCode::kInvalidArgument,
                  "uri: an EIP-681 request needs a chain id (eip155:<n>), not just 'evm'");
  }
  auto chain_id = req.chain.id->evm_chain_id();
  if (!chain_id.ok()) return chain_id.status().with_context("uri: chain");
  if (req.token.empty()) {
    // Native coin: the payee is the target and the amount is wei.
    auto recipient = validate_address(ChainFamily::kEvm, req.recipient);
    if (!recipient.ok()) return recipient.status().with_context("uri: recipient");
    Eip681Request native;
    native.target = recipient->canonical;
    native.chain_id = *chain_id;
    native.value = req.amount.base_units();
    return build_eip681(native);
  }
  return build_eip681_transfer(
      Eip681Transfer{req.token, *chain_id, req.recipient, req.amount.base_units()});
}

Result<std::string> build_solana(const PaymentRequest& req) {
  SolanaPayRequest sp;
  sp.recipient = req.recipient;
  if (req.token.empty()) {
    if (req.amount.decimals() > kSolDecimals) {
      // Could still be exact (trailing zeros), but a SOL amount with more
      // decimals than SOL has is a caller's mix-up worth stopping.
      return Status(ErrorCode::kOutOfRange, "uri: amount has " +
                                                std::to_string(req.amount.decimals()) +
                                                " decimals, more than SOL's 9");
    }
  } else {
    sp.spl_token = req.token;
  }
  sp.amount = req.amount.to_string();
  sp.references = req.references;
  sp.label = req.label;
  sp.message = req.message;
  sp.memo = req.memo;
  return build_solana_pay(sp);
}

}  // namespace

Result<TronPaymentDisplay> build_tron_payment(const TronPaymentRequest& req) {
  auto address = validate_address(ChainFamily::kTron, req.address);
  if (!address.ok()) return address.status().with_context("tron: address");
  TronPaymentDisplay out;
  out.payload = address->canonical;
  out.amount_text = req.amount.to_string_fixed(2);
  if (!req.token_contract.empty()) {
    auto token = validate_address(ChainFamily::kTron, req.token_contract);
    if (!token.ok()) return token.status().with_context("tron: token contract");
    out.token_contract = token->canonical;
  }
  return out;
}

Result<std::string> build_payment_uri(const PaymentRequest& req) {
  switch (req.chain.family) {
    case ChainFamily::kEvm: return build_evm(req);
    case ChainFamily::kSolana: return build_solana(req);
    case ChainFamily::kTron: {
      USD1PAY_RETURN_IF_ERROR(refuse_extra(req, "a TRON payment (a bare address)"));
      auto shown = build_tron_payment(TronPaymentRequest{req.recipient, req.amount, req.token});
      if (!shown.ok()) return shown.status();
      return shown->payload;
    }
  }
  return Status(ErrorCode::kInvalidArgument, "uri: unknown chain family");
}

}  // namespace usd1pay
