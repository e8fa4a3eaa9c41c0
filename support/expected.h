// Expected<T>: the result of an operation that can fail for reasons outside the
// user's program text (I/O, data files, the JIT). Holds a value or an error message.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "support/check.h"

namespace vic {

// An error message for Expected<T>.
struct Error {
  std::string message;
};

template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : state_(std::move(value)) {}
  Expected(Error error) : state_(std::move(error)) {}

  explicit operator bool() const { return state_.index() == 0; }
  T& operator*() {
    VIC_CHECK(*this) << "Expected holds an error: " << error();
    return std::get<0>(state_);
  }
  const T& operator*() const {
    VIC_CHECK(*this) << "Expected holds an error: " << error();
    return std::get<0>(state_);
  }
  T* operator->() { return &**this; }
  const T* operator->() const { return &**this; }
  const std::string& error() const { return std::get<1>(state_).message; }
  T take() { return std::move(**this); }

 private:
  std::variant<T, Error> state_;
};

// Expected<void>.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error.message)), failed_(true) {}
  static Status ok() { return Status(); }
  explicit operator bool() const { return !failed_; }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
  bool failed_ = false;
};

}  // namespace vic
