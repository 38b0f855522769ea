#pragma once
// Result<T>: the value of a fallible operation or the error that stopped it.
// Used on the asynchronous path, where exceptions must not cross Asio handlers.

#include <string>
#include <utility>
#include <variant>

namespace gatewarden {

// An error with a machine-readable code (a reason code or an enum value cast
// to int) and a message for operators that names the value and the fix.
struct Error {
    int code = 0;
    std::string message;
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}
    Result(Error error) : state_(std::move(error)) {}

    bool ok() const noexcept { return std::holds_alternative<T>(state_); }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & { return std::get<T>(state_); }
    const T& value() const& { return std::get<T>(state_); }
    T&& value() && { return std::get<T>(std::move(state_)); }
    const Error& error() const { return std::get<Error>(state_); }

private:
    std::variant<T, Error> state_;
};

// Result of an operation that returns nothing but may fail.
struct Ok {};
using Status = Result<Ok>;

}  // namespace gatewarden
