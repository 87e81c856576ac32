// Errors as values: Status for operations without a result, Result<T> for those with one.
// Nothing here throws; callers branch on Error::code(), never on message text.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace silt {

enum class ErrorCode {
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kConflict,
  kCorruption,
  kIo,
  kTimeout,
  kUnsupported,
  kConfig,
  kQualityFailed,
  kInternal,
};

const char* error_code_name(ErrorCode code);

// An error: a code, a message, and context added on the way up ("reading commit 4 of t: ...").
class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "<context>: <message>".
  Error with_context(const std::string& context) const& { return Error(code_, context + ": " + message_); }
  Error with_context(const std::string& context) && {
    message_ = context + ": " + message_;
    return std::move(*this);
  }

 private:
  ErrorCode code_;
  std::string message_;
};

// Status: ok, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design, like absl.

  static Status ok_status() { return Status(); }

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& {
    assert(error_);
    return *error_;
  }
  Error&& error() && {
    assert(error_);
    return std::move(*error_);
  }
  ErrorCode code() const { return error_ ? error_->code() : ErrorCode::kInternal; }
  std::string message() const { return error_ ? error_->message() : std::string(); }

  Status with_context(const std::string& context) const {
    if (ok()) return *this;
    return Status(error_->with_context(context));
  }

 private:
  std::optional<Error> error_;
};

// Result<T>: a value or an Error; member names follow std::expected.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  Result(Status status) : data_(std::in_place_index<1>, std::move(status).error()) {}  // NOLINT: must not be ok

  bool has_value() const { return data_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(data_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(data_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    assert(!has_value());
    return std::get<1>(data_);
  }
  Error&& error() && {
    assert(!has_value());
    return std::get<1>(std::move(data_));
  }

  Status status() const { return has_value() ? Status() : Status(error()); }
  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(data_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> data_;
};

inline Error make_error(ErrorCode code, std::string message) { return Error(code, std::move(message)); }

}  // namespace silt

#define SILT_CONCAT_INNER_(a, b) a##b
#define SILT_CONCAT_(a, b) SILT_CONCAT_INNER_(a, b)

// SILT_TRY(expr): evaluates a Status or Result expression and returns its error from the caller.
#define SILT_TRY(expr)                                                  \
  do {                                                                  \
    auto&& silt_try_value_ = (expr);                                    \
    if (!silt_try_value_) return ::silt::detail::to_error(std::move(silt_try_value_)); \
  } while (0)

// SILT_TRY_ASSIGN(lhs, expr): lhs = value of a Result, or return its error.
#define SILT_TRY_ASSIGN(lhs, expr) SILT_TRY_ASSIGN_IMPL_(SILT_CONCAT_(silt_result_, __LINE__), lhs, expr)
#define SILT_TRY_ASSIGN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp) return std::move(tmp).error();    \
  lhs = std::move(tmp).value()

// SILT_TRY_CONTEXT(expr, context): like SILT_TRY, adding context to the error message.
#define SILT_TRY_CONTEXT(expr, context)                                                         \
  do {                                                                                          \
    auto&& silt_try_value_ = (expr);                                                            \
    if (!silt_try_value_)                                                                       \
      return ::silt::detail::to_error(std::move(silt_try_value_)).with_context(context);        \
  } while (0)

namespace silt::detail {
inline Error to_error(Status&& status) { return std::move(status).error(); }
template <typename T>
Error to_error(Result<T>&& result) {
  return std::move(result).error();
}
}  // namespace silt::detail
