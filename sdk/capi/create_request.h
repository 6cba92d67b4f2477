// Private to the C ABI: the request of usd1pay_intent_create read into a
// CreateIntentRequest.
//
// read_create_request first tries a reader for the plain form a binding
// sends (compact JSON, known keys once each, strings of printable ASCII with
// nothing escaped, metadata already in nlohmann's compact sorted form), which
// builds the request straight from the text; anything else, well-formed or
// not, goes through the strict reader of json_util.h, which names what is
// wrong. Both give the same request for every text the plain reader takes
// (tests/unit/capi/create_request_test.cpp compares them).
#ifndef USD1PAY_SDK_CAPI_CREATE_REQUEST_H
#define USD1PAY_SDK_CAPI_CREATE_REQUEST_H

#include <optional>
#include <string_view>

#include "usd1pay/intent.h"
#include "usd1pay/status.h"

namespace usd1pay::capi {

/// The request in `text`; errors (kInvalidArgument, kOutOfRange) start with
/// "<fn>: " and name the key, as json_util.h describes.
Result<CreateIntentRequest> read_create_request(const char* fn, std::string_view text);

/// The plain reader alone: nullopt for any text outside its form.
std::optional<CreateIntentRequest> read_plain_create_request(std::string_view text);

/// The strict reader alone.
Result<CreateIntentRequest> read_create_request_strict(const char* fn, std::string_view text);

}  // namespace usd1pay::capi

#endif  // USD1PAY_SDK_CAPI_CREATE_REQUEST_H
