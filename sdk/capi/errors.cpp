// The return codes, the per-thread last error and the library-wide queries
// (version, features, error names, usd1pay_free).
#include "capi/errors.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <string_view>

#include "usd1pay/version.h"

namespace usd1pay::capi {
namespace {

// The last failure of this thread. `fallback` stands in when the message
// could not be copied.
struct LastError {
  int code = USD1PAY_OK;
  std::string message;
  const char* fallback = nullptr;
};

LastError& last_error() noexcept {
  thread_local LastError last;
  return last;
}

}  // namespace

int code_of(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kOk: return USD1PAY_OK;
    case ErrorCode::kInvalidArgument: return USD1PAY_EINVALID;
    case ErrorCode::kChecksumMismatch: return USD1PAY_ECHECKSUM;
    case ErrorCode::kOutOfRange: return USD1PAY_ERANGE;
    case ErrorCode::kUnsupported: return USD1PAY_EUNSUPPORTED;
    case ErrorCode::kNotFound: return USD1PAY_ENOTFOUND;
    case ErrorCode::kAlreadyExists: return USD1PAY_EEXISTS;
    case ErrorCode::kConflict: return USD1PAY_ECONFLICT;
    case ErrorCode::kFailedPrecondition: return USD1PAY_ESTATE;
    case ErrorCode::kIo: return USD1PAY_EIO;
    case ErrorCode::kUnavailable: return USD1PAY_EUNAVAILABLE;
    case ErrorCode::kInternal: return USD1PAY_EINTERNAL;
  }
  return USD1PAY_EINTERNAL;
}

int set_error(int code, std::string_view message) noexcept {
  LastError& last = last_error();
  last.code = code;
  try {
    last.message.assign(message.data(), message.size());
    last.fallback = nullptr;
  } catch (...) {
    last.message.clear();
    last.fallback = "out of memory while recording the error message";
  }
  return code;
}

int fail(const Status& status) noexcept {
  // An OK status here is a bug in the caller: never report success as failure.
  if (status.ok()) return set_error(USD1PAY_EINTERNAL, "capi: failure without a reason");
  return set_error(code_of(status.code()), status.message());
}

int fail(const char* fn, int code, std::string_view what) noexcept {
  try {
    std::string message(fn);
    message += ": ";
    message.append(what.data(), what.size());
    return set_error(code, message);
  } catch (...) {
    return set_error(code, what);
  }
}

int fail_null(const char* fn, const char* name) noexcept {
  try {
    return fail(fn, USD1PAY_EINVALID, std::string(name) + " is NULL");
  } catch (...) {
    return set_error(USD1PAY_EINVALID, "an argument is NULL");
  }
}

int fail_unexpected(const char* fn, const char* what) noexcept {
  try {
    return fail(fn, USD1PAY_EINTERNAL,
                what != nullptr ? std::string("unexpected exception: ") + what
                                : std::string("unexpected exception of unknown type"));
  } catch (...) {
    return set_error(USD1PAY_EINTERNAL, "unexpected exception");
  }
}

char* copy_out(std::string_view text) {
  auto* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out == nullptr) throw std::bad_alloc();
  if (!text.empty()) std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  return out;
}

unsigned char* copy_bytes_out(const void* data, std::size_t size) {
  auto* out = static_cast<unsigned char*>(std::malloc(size == 0 ? 1 : size));
  if (out == nullptr) throw std::bad_alloc();
  if (size != 0) std::memcpy(out, data, size);
  return out;
}

}  // namespace usd1pay::capi

using usd1pay::capi::last_error;

extern "C" {

const char* usd1pay_version(void) {
  return USD1PAY_VERSION_STRING;
}

int usd1pay_version_number(void) {
  return USD1PAY_VERSION_MAJOR * 10000 + USD1PAY_VERSION_MINOR * 100 + USD1PAY_VERSION_PATCH;
}

int usd1pay_abi_version(void) {
  return USD1PAY_ABI_VERSION;
}

unsigned int usd1pay_features(void) {
  // Every build of this library has all of them: SQLite, the EVM JSON-RPC
  // backend over cpp-httplib with OpenSSL, libpng, SimChain and threads are
  // required dependencies (CMakeLists.txt), not options.
  return USD1PAY_FEATURE_SQLITE | USD1PAY_FEATURE_EVM_RPC | USD1PAY_FEATURE_TLS |
         USD1PAY_FEATURE_PNG | USD1PAY_FEATURE_SIM | USD1PAY_FEATURE_THREADS;
}

const char* usd1pay_error_last(void) {
  const auto& last = last_error();
  return last.fallback != nullptr ? last.fallback : last.message.c_str();
}

int usd1pay_error_last_code(void) {
  return last_error().code;
}

void usd1pay_error_clear(void) {
  auto& last = last_error();
  last.code = USD1PAY_OK;
  last.message.clear();
  last.fallback = nullptr;
}

const char* usd1pay_error_name(int code) {
  switch (code) {
    case USD1PAY_OK: return "USD1PAY_OK";
    case USD1PAY_EINVALID: return "USD1PAY_EINVALID";
    case USD1PAY_ECHECKSUM: return "USD1PAY_ECHECKSUM";
    case USD1PAY_ERANGE: return "USD1PAY_ERANGE";
    case USD1PAY_EUNSUPPORTED: return "USD1PAY_EUNSUPPORTED";
    case USD1PAY_ENOTFOUND: return "USD1PAY_ENOTFOUND";
    case USD1PAY_EEXISTS: return "USD1PAY_EEXISTS";
    case USD1PAY_ECONFLICT: return "USD1PAY_ECONFLICT";
    case USD1PAY_ESTATE: return "USD1PAY_ESTATE";
    case USD1PAY_EIO: return "USD1PAY_EIO";
    case USD1PAY_EUNAVAILABLE: return "USD1PAY_EUNAVAILABLE";
    case USD1PAY_EINTERNAL: return "USD1PAY_EINTERNAL";
    case USD1PAY_EBUFS: return "USD1PAY_EBUFS";
    case USD1PAY_ENOMEM: return "USD1PAY_ENOMEM";
    case USD1PAY_ECLOSED: return "USD1PAY_ECLOSED";
    default: return "USD1PAY_UNKNOWN";
  }
}

void usd1pay_free(void* ptr) {
  std::free(ptr);  // NOLINT(cppcoreguidelines-no-malloc): the C allocator on both sides
}

}  // extern "C"
