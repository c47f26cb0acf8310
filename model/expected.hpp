// A value or the reason there is none. Used by every model function that can
// reject its input; never throws. Callable from any thread.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace model {

/// Why a request was rejected: one sentence naming the offending field.
struct invalid {
  std::string detail;
};

/// Why the store could not do what was asked (I/O error, corrupt file, ...).
/// `full`: the disk (or the file's size limit) left no room to write.
struct store_failure {
  std::string detail;
  bool full = false;
};

/// Either a `T` or an error `E` with a `detail` sentence. Check `ok()` first.
template <class T, class E = invalid>
class expected {
public:
  expected(T value) : data_(std::move(value)) {}
  expected(E why) : data_(std::move(why)) {}

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const { return std::get<0>(data_); }
  T& value() { return std::get<0>(data_); }
  const std::string& detail() const { return std::get<1>(data_).detail; }
  /// The error itself; requires !ok().
  const E& error() const { return std::get<1>(data_); }

private:
  std::variant<T, E> data_;
};

} // namespace model
