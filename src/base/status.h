// Errors as values: Status for operations without a result, Result<T> for those with one.
// Nothing here throws; callers branch on Error::code(), never on message text.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace silt {

// What went wrong, by kind; callers decide from the code, never from the message.
enum class ErrorCode {
  kOk,               // Status::code() of a success; never the code of an Error
  kInvalidArgument,  // bad input: data, SQL, a predicate, an option; fix the input
  kNotFound,
  kAlreadyExists,
  kConflict,         // a concurrent writer won; retrying may succeed
  kCorruption,       // a table log or data file is damaged
  kIo,               // storage failed (disk, network); retrying may succeed
  kTimeout,
  kUnsupported,      // a feature silt does not implement
  kConfig,
  kQualityFailed,
  kOutOfMemory,      // the engine's memory limit was reached
  kCancelled,        // interrupted on request
  kInternal,         // a bug
};

const char* error_code_name(ErrorCode code);

// Whether the same operation, retried unchanged, may succeed (a conflict, an I/O failure, a
// timeout); a scheduler or consumer retries these and gives up on the others.
bool is_retryable(ErrorCode code);

// An error: a code, a message, and context added on the way up ("reading commit 4 of t: ...").
class Error {
 public:
  Error(ErrorCode code, std::string message)
      : code_(code == ErrorCode::kOk ? ErrorCode::kInternal : code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // For an error in SQL text: the 1-based line of the statement it points at; 0 when none.
  int sql_line() const { return sql_line_; }
  Error& set_sql_line(int line) {
    sql_line_ = line;
    return *this;
  }
  // A stable name for a specific problem ("rows_outside_replace_where") with its facts, so that a
  // caller can word it for its own users (a CLI flag, a model setting) without reading the message.
  const std::string& reason() const { return reason_; }
  const std::string& detail(const std::string& key) const {
    static const std::string kNone;
    for (const auto& [name, value] : details_) {
      if (name == key) return value;
    }
    return kNone;
  }
  Error& set_reason(std::string reason, std::vector<std::pair<std::string, std::string>> details = {}) {
    reason_ = std::move(reason);
    details_ = std::move(details);
    return *this;
  }

  // For an error about one option of an operation: the option's name in the engine's terms
  // ("replace_where") and the words the message uses for it ("the replace-where predicate"), so
  // that an interface can say its own flag or setting there instead (app/cli: "--replace-where").
  const std::string& option() const { return option_; }
  const std::string& option_term() const { return option_term_; }
  Error& set_option(std::string option, std::string term) {
    option_ = std::move(option);
    option_term_ = std::move(term);
    return *this;
  }

  // The same error (code, SQL line, reason, option) with another message.
  Error with_message(std::string message) && {
    message_ = std::move(message);
    return std::move(*this);
  }

  // Returns a copy whose message is "<context>: <message>".
  Error with_context(const std::string& context) const& {
    Error out = *this;
    out.message_ = context + ": " + message_;
    return out;
  }
  Error with_context(const std::string& context) && {
    message_ = context + ": " + message_;
    return std::move(*this);
  }

 private:
  ErrorCode code_;
  std::string message_;
  int sql_line_ = 0;
  std::string reason_;
  std::vector<std::pair<std::string, std::string>> details_;
  std::string option_;
  std::string option_term_;
};

// Status: ok, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design, like absl.

  static Status ok_status() { return Status(); }

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  // The error; on a success, an Internal error saying so (never undefined behaviour).
  const Error& error() const& { return error_ ? *error_ : ok_error(); }
  Error error() && { return error_ ? std::move(*error_) : ok_error(); }
  ErrorCode code() const { return error_ ? error_->code() : ErrorCode::kOk; }
  std::string message() const { return error_ ? error_->message() : std::string(); }

  Status with_context(const std::string& context) const {
    if (ok()) return *this;
    return Status(error_->with_context(context));
  }

 private:
  template <typename T>
  friend class Result;
  static const Error& ok_error();

  std::optional<Error> error_;
};

// Result<T>: a value or an Error; member names follow std::expected.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  // From a failed Status; an ok one (a bug) becomes an Internal error rather than a missing value.
  Result(Status status) : data_(std::in_place_index<1>, std::move(status).error()) {}  // NOLINT

  bool has_value() const { return data_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The error; on a value, an Internal error saying so. value() on an error throws
  // std::bad_variant_access (silt's top-level handler reports it as an internal error).
  const Error& error() const& { return has_value() ? Status::ok_error() : std::get<1>(data_); }
  Error error() && { return has_value() ? Status::ok_error() : std::get<1>(std::move(data_)); }

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
