// usd1pay: Status and Result<T>, the error model of the whole C++ API.
//
// No exception crosses the public API. A function that can fail returns a
// Status (nothing else to return) or a Result<T> (a value or a Status). The
// message names what failed and where, e.g.
//   "address: bad character 'O' at position 17"
// and callers decide by code(), never by parsing the message.
//
// THREAD SAFETY: values; a const Status / Result may be read from any number of
// threads at once.
#ifndef USD1PAY_STATUS_H
#define USD1PAY_STATUS_H

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace usd1pay {

/// A small closed set of error codes. New codes are only ever appended.
enum class ErrorCode : int {
  kOk = 0,
  /// The input is malformed: bad syntax, bad character, wrong length, wrong
  /// prefix, empty where something is required.
  kInvalidArgument = 1,
  /// The input is well formed but its checksum does not verify (EIP-55 mixed
  /// case, base58check, xpub).
  kChecksumMismatch = 2,
  /// The input is well formed but its value cannot be represented exactly:
  /// overflow, more decimal places than the token has, a fractional number of
  /// base units.
  kOutOfRange = 3,
  /// The input is valid by its spec but uses something usd1pay does not do
  /// (e.g. an ENS name where an address is needed).
  kUnsupported = 4,
  /// A thing looked up by id does not exist.
  kNotFound = 5,
  /// A thing to be created exists already.
  kAlreadyExists = 6,
  /// The request conflicts with earlier state (an idempotency key reused with
  /// different parameters).
  kConflict = 7,
  /// The operation is not allowed in the current state (an illegal intent
  /// state transition).
  kFailedPrecondition = 8,
  /// Reading or writing a file or database failed.
  kIo = 9,
  /// A remote party (chain node, webhook receiver) is unreachable or failing;
  /// retrying later may succeed.
  kUnavailable = 10,
  /// A bug in usd1pay. Please report it.
  kInternal = 11,
};

/// The stable lowercase name of a code ("invalid_argument", ...), used in JSON
/// and CLI output.
const char* error_code_name(ErrorCode code) noexcept;

/// Either OK or an error code with a message naming what and where.
class Status {
 public:
  /// OK.
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  [[nodiscard]] bool ok() const noexcept { return code_ == ErrorCode::kOk; }
  [[nodiscard]] ErrorCode code() const noexcept { return code_; }
  [[nodiscard]] const std::string& message() const noexcept { return message_; }

  /// Returns a copy whose message is "<context>: <message>", so that callers
  /// can say where an inner error happened ("line 3: amount: ...").
  [[nodiscard]] Status with_context(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }
  friend bool operator!=(const Status& a, const Status& b) { return !(a == b); }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

/// "<code name>: <message>", or "ok".
std::string to_string(const Status& status);

/// A value of type T, or a non-OK Status saying why there is none.
template <typename T>
class Result {
  static_assert(!std::is_same<std::decay_t<T>, Status>::value,
                "Result<Status> makes no sense; return Status");

 public:
  // Implicit on purpose, so that `return value;` and `return status;` both work.
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    // A Result made from an OK status holds nothing: that is a bug in the caller.
    if (std::get<Status>(v_).ok()) {
      v_ = Status(ErrorCode::kInternal, "Result constructed from an OK status");
    }
  }

  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  /// The status: OK when there is a value.
  [[nodiscard]] Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  /// The value. Precondition: ok().
  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// The value, or `fallback` when there is none.
  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? std::get<T>(v_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace usd1pay

/// Evaluates `expr` (a Status); returns it from the enclosing function when it
/// is not OK. The local's name carries the line number, so that nested uses
/// (a macro inside a lambda inside a function using it) never shadow.
#define USD1PAY_RETURN_IF_ERROR(expr) \
  USD1PAY_RETURN_IF_ERROR_IMPL_(USD1PAY_STATUS_CONCAT_(usd1pay_status_, __LINE__), expr)
// `var` is a declared name, which cannot be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define USD1PAY_RETURN_IF_ERROR_IMPL_(var, expr) \
  do {                                           \
    ::usd1pay::Status var = (expr);              \
    if (!var.ok()) return var;                   \
  } while (false)
// NOLINTEND(bugprone-macro-parentheses)
#define USD1PAY_STATUS_CONCAT_(a, b) USD1PAY_STATUS_CONCAT_INNER_(a, b)
#define USD1PAY_STATUS_CONCAT_INNER_(a, b) a##b

#endif  // USD1PAY_STATUS_H
