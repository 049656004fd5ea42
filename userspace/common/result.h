// SPDX-License-Identifier: Apache-2.0
// One expected-style result type for the whole agent: a value or an Error that
// carries a std::error_code and a sentence naming the cause and what to do.
// libbpf's negative-errno convention is converted at the boundary (probe/, ringbuf/).
#pragma once

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace linesman {

class Error {
public:
	Error(std::error_code code, std::string message)
	    : code_(code), message_(std::move(message)) {}
	// An error with no OS cause (bad input): the message says everything.
	explicit Error(std::string message) : message_(std::move(message)) {}

	// From an errno value (positive or libbpf-style negative).
	static Error from_errno(int err, std::string context)
	{
		if (err < 0)
			err = -err;
		return Error(std::error_code(err, std::system_category()), std::move(context));
	}

	const std::error_code &code() const { return code_; }
	const std::string &message() const { return message_; }
	// "message: strerror" — for a terminal or a log line.
	std::string what() const { return code_ ? message_ + ": " + code_.message() : message_; }

private:
	std::error_code code_;
	std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
public:
	Result(T value) : v_(std::move(value)) {}
	Result(Error error) : v_(std::move(error)) {}

	bool ok() const { return v_.index() == 0; }
	explicit operator bool() const { return ok(); }
	T &value() & { return std::get<0>(v_); }
	T &&value() && { return std::get<0>(std::move(v_)); }
	const T &value() const & { return std::get<0>(v_); }
	T &operator*() & { return value(); }
	T *operator->() { return &value(); }
	const T *operator->() const { return &value(); }
	const Error &error() const { return std::get<1>(v_); }

private:
	std::variant<T, Error> v_;
};

// Result<void>
struct Ok {};
using Status = Result<Ok>;
inline Status ok() { return Ok{}; }

} // namespace linesman
