// Status and Result<T>: error values for every fallible call in sluice.
// Codes follow Abseil's canonical set and are chosen by what the caller should do:
// retry the call (kUnavailable), retry the transaction (kAborted), fix state first
// (kFailedPrecondition), fix the input (kInvalidArgument). An OK Status allocates nothing.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sluice {

enum class StatusCode {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// The canonical lower-case name of a code ("invalid_argument").
std::string_view StatusCodeName(StatusCode code);

// Thread-compatible value type.
class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // Empty for OK.
  const std::string& message() const;
  // "invalid_argument: message", or "ok".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>" (same code and reason). OK stays OK.
  Status WithContext(std::string_view context) const;

  // A finer reason than the code, set by the adapter of a third-party boundary so that callers
  // can tell errors with one code apart (a missing bucket from a missing object) without
  // reading the message. Each domain defines its own enum (cloud::StorageError); 0 = none.
  int reason() const { return rep_ ? rep_->reason : 0; }
  // Returns a copy carrying `reason`. OK stays OK.
  Status WithReason(int reason) const;

  // Explicitly ignores this status (for best-effort cleanup paths).
  void IgnoreError() const {}

 private:
  struct Rep {
    StatusCode code;
    std::string message;
    int reason = 0;
  };
  std::unique_ptr<Rep> rep_;
};

inline bool operator==(const Status& a, const Status& b) {
  return a.code() == b.code() && a.message() == b.message();
}

Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status PermissionDeniedError(std::string message);
Status UnauthenticatedError(std::string message);
Status FailedPreconditionError(std::string message);
Status AbortedError(std::string message);
Status OutOfRangeError(std::string message);
Status UnimplementedError(std::string message);
Status InternalError(std::string message);
Status UnavailableError(std::string message);
Status DeadlineExceededError(std::string message);
Status ResourceExhaustedError(std::string message);
Status DataLossError(std::string message);
Status CancelledError(std::string message);

// True when the same call may succeed if simply tried again later (unavailable, deadline
// exceeded, resource exhausted, aborted). The one place retry decisions are made.
bool IsRetryable(const Status& status);

namespace internal {
// Prints "Result::value() on an error: <code>: <message>" to stderr and aborts.
[[noreturn]] void ValueOfError(const Status& status);
}  // namespace internal

// A value or an error. REQUIRES: a Result built from a Status holds a non-OK one.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : v_(value) {}            // NOLINT: implicit by design
  Result(T&& value) : v_(std::move(value)) {}      // NOLINT
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    if (std::get<Status>(v_).ok()) v_ = InternalError("Result built from an OK Status");
  }
  template <typename U>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, Status> &&
           !std::is_same_v<std::decay_t<U>, T> && !std::is_same_v<std::decay_t<U>, Result>)
      Result(U&& value)
      : v_(T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  // REQUIRES: ok(). On an error the process aborts with the status's code and message (a
  // programmer error, like a failed SLUICE_CHECK).
  T& value() & {
    CheckOk();
    return *std::get_if<T>(&v_);
  }
  const T& value() const& {
    CheckOk();
    return *std::get_if<T>(&v_);
  }
  T&& value() && {
    CheckOk();
    return std::move(*std::get_if<T>(&v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  void CheckOk() const {
    if (const Status* s = std::get_if<Status>(&v_)) internal::ValueOfError(*s);
  }

  std::variant<Status, T> v_;
};

namespace internal {
inline Status AsStatus(Status s) { return s; }
template <typename T>
Status AsStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace sluice

#define SLUICE_CONCAT_INNER(a, b) a##b
#define SLUICE_CONCAT(a, b) SLUICE_CONCAT_INNER(a, b)

#define SLUICE_RETURN_IF_ERROR(expr)                                      \
  do {                                                                    \
    ::sluice::Status sluice_status_ = ::sluice::internal::AsStatus(expr); \
    if (!sluice_status_.ok()) return sluice_status_;                      \
  } while (0)

#define SLUICE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

// SLUICE_ASSIGN_OR_RETURN(auto x, MakeX()); returns the error of a failed Result.
// Expands to several statements: use braces around it under if/else.
#define SLUICE_ASSIGN_OR_RETURN(lhs, expr) \
  SLUICE_ASSIGN_OR_RETURN_IMPL(SLUICE_CONCAT(sluice_result_, __LINE__), lhs, expr)

// For programmer invariants only, never for input, network or disk.
#define SLUICE_CHECK(cond)                                                   \
  do {                                                                       \
    if (!(cond)) ::sluice::internal::CheckFailed(#cond, __FILE__, __LINE__); \
  } while (0)

namespace sluice::internal {
[[noreturn]] void CheckFailed(const char* cond, const char* file, int line);
}
