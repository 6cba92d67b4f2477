// Private to the C ABI: return codes, the per-thread last error, the guard
// every entry point runs its body in, and strings handed to the caller.
//
// Every exported function is `extern "C"`, `noexcept` in effect: its body runs
// inside guard(), which turns std::bad_alloc into USD1PAY_ENOMEM and any other
// exception into USD1PAY_EINTERNAL, so that no C++ exception crosses the
// boundary. A failing body records why with fail(), which sets this thread's
// last error and returns the code.
#ifndef USD1PAY_SDK_CAPI_ERRORS_H
#define USD1PAY_SDK_CAPI_ERRORS_H

#include <cstddef>
#include <exception>
#include <new>
#include <string_view>

#include "usd1pay/status.h"
#include "usd1pay/usd1pay.h"

namespace usd1pay::capi {

/// The return code of an ErrorCode (one to one; kOk is USD1PAY_OK).
int code_of(ErrorCode code) noexcept;

/// Records `message` as this thread's last error with `code`; returns `code`.
/// Never throws: when the message cannot be copied (out of memory) a static
/// text stands in for it.
int set_error(int code, std::string_view message) noexcept;

/// set_error(code_of(status.code()), status.message()).
int fail(const Status& status) noexcept;

/// set_error(code, "<fn>: <what>").
int fail(const char* fn, int code, std::string_view what) noexcept;

/// "<fn>: <name> is NULL" as USD1PAY_EINVALID.
int fail_null(const char* fn, const char* name) noexcept;

/// "<fn>: unexpected exception: <what>" as USD1PAY_EINTERNAL (what may be
/// NULL: an exception of unknown type).
int fail_unexpected(const char* fn, const char* what) noexcept;

/// A malloc'ed, NUL-terminated copy of `text` (freed by usd1pay_free).
/// Throws std::bad_alloc when malloc fails.
char* copy_out(std::string_view text);

/// A malloc'ed copy of `size` bytes (at least one byte is allocated, so
/// that an empty result is not NULL). Throws std::bad_alloc.
unsigned char* copy_bytes_out(const void* data, std::size_t size);

/// Runs `body` (returning an int code); no exception leaves.
template <typename Body>
int guard(const char* fn, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return set_error(USD1PAY_ENOMEM, "out of memory");
  } catch (const std::exception& e) {
    return fail_unexpected(fn, e.what());
  } catch (...) {
    return fail_unexpected(fn, nullptr);
  }
}

}  // namespace usd1pay::capi

#endif  // USD1PAY_SDK_CAPI_ERRORS_H
