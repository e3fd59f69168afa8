// Status and StatusOr: how every fallible function in llmc reports failure.
//
// Errors come back as values carrying a human-readable message that names the
// file and the problem; only a tool's main() decides to print and exit. No
// exceptions cross library boundaries.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace llmc {

/// The result of an operation that can fail: ok, or an error with a message.
class [[nodiscard]] Status {
public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status error(std::string message) {
    Status s;
    s.message_ = std::move(message);
    s.failed_ = true;
    return s;
  }

  bool isOk() const { return !failed_; }
  explicit operator bool() const { return isOk(); }
  const std::string &message() const { return message_; }

  /// Returns a copy whose message is prefixed with `context: `.
  Status withContext(const std::string &context) const {
    if (isOk())
      return *this;
    return error(context + ": " + message_);
  }

private:
  std::string message_;
  bool failed_ = false;
};

/// Either a value of type T or an error Status.
template <typename T> class [[nodiscard]] StatusOr {
public:
  StatusOr(T value) : value_(std::move(value)) {}
  StatusOr(Status status) : status_(std::move(status)) {
    assert(!status_.isOk() && "StatusOr built from an ok Status has no value");
  }

  bool isOk() const { return value_.has_value(); }
  explicit operator bool() const { return isOk(); }
  const Status &status() const { return status_; }

  T &value() & { return *value_; }
  const T &value() const & { return *value_; }
  T &&value() && { return std::move(*value_); }
  T *operator->() { return &*value_; }
  const T *operator->() const { return &*value_; }
  T &operator*() & { return *value_; }
  const T &operator*() const & { return *value_; }

private:
  std::optional<T> value_;
  Status status_;
};

} // namespace llmc

/// Returns early from the enclosing function if `expr` (a Status) failed.
#define LLMC_RETURN_IF_ERROR(expr)                                             \
  do {                                                                         \
    ::llmc::Status llmc_status_ = (expr);                                      \
    if (!llmc_status_.isOk())                                                  \
      return llmc_status_;                                                     \
  } while (0)

#define LLMC_CONCAT_INNER(a, b) a##b
#define LLMC_CONCAT(a, b) LLMC_CONCAT_INNER(a, b)
/// `LLMC_ASSIGN_OR_RETURN(auto x, f());` binds the value or returns the error.
#define LLMC_ASSIGN_OR_RETURN(lhs, expr)                                       \
  LLMC_ASSIGN_OR_RETURN_IMPL(LLMC_CONCAT(llmc_statusor_, __LINE__), lhs, expr)
#define LLMC_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)                             \
  auto tmp = (expr);                                                           \
  if (!tmp.isOk())                                                             \
    return tmp.status();                                                       \
  lhs = std::move(tmp).value()
