// SPDX-License-Identifier: Apache-2.0
// The JSON writer the renderings share: format_json (one event) and the agent's
// status document (status/), so both escape text the same way.
#pragma once

#include <array>
#include <charconv>
#include <concepts>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linesman::output {

// A JSON string literal of s appended to out. Valid UTF-8 passes through, except controls
// and the characters that would rearrange what a human sees (escaped as \uXXXX); each
// invalid byte becomes U+FFFD.
void append_json_string(std::string &out, std::string_view s);

// A streaming JSON writer: the caller states the structure, the writer places commas,
// colons and (when pretty) newlines and indentation.
class JsonWriter {
public:
	explicit JsonWriter(bool pretty) : pretty_(pretty) {}

	void begin_object() { open('{'); }
	void end_object() { close('}'); }
	void begin_array() { open('['); }
	void end_array() { close(']'); }

	void key(std::string_view k)
	{
		next_item();
		append_json_string(out_, k);
		out_ += pretty_ ? ": " : ":";
		after_key_ = true;
	}

	void string(std::string_view v)
	{
		next_item();
		append_json_string(out_, v);
	}
	template <std::integral T>
	void number(T v)
	{
		next_item();
		std::array<char, 24> buf;
		auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
		out_.append(buf.data(), r.ptr);
	}
	void boolean(bool v)
	{
		next_item();
		out_ += v ? "true" : "false";
	}
	void null()
	{
		next_item();
		out_ += "null";
	}

	// key + value shorthands
	void field(std::string_view k, std::string_view v) { key(k), string(v); }
	void field(std::string_view k, const char *v) { key(k), string(v); }
	void field(std::string_view k, const std::string &v) { key(k), string(v); }
	void field(std::string_view k, bool v) { key(k), boolean(v); }
	template <std::integral T>
	void field(std::string_view k, T v)
	{
		key(k), number(v);
	}
	// A proto3 `optional` field: absent stays absent (no key), as the proto3 JSON mapping has it.
	template <std::integral T>
	void field(std::string_view k, const std::optional<T> &v)
	{
		if (v)
			key(k), number(*v);
	}
	void field(std::string_view k, const std::vector<std::string> &v)
	{
		key(k);
		begin_array();
		for (const auto &s : v)
			string(s);
		end_array();
	}

	std::string take() { return std::move(out_); }

private:
	void open(char c)
	{
		next_item();
		out_ += c;
		empty_.push_back(true);
	}
	void close(char c)
	{
		bool was_empty = empty_.back();
		empty_.pop_back();
		if (pretty_ && !was_empty)
			newline();
		out_ += c;
	}
	// Before any value or key: the separator from the previous item of this container.
	void next_item()
	{
		if (after_key_) {
			after_key_ = false;
			return;
		}
		if (empty_.empty())
			return; // the top-level value
		if (!empty_.back())
			out_ += ',';
		empty_.back() = false;
		if (pretty_)
			newline();
	}
	void newline()
	{
		out_ += '\n';
		out_.append(2 * empty_.size(), ' ');
	}

	std::string out_;
	bool pretty_;
	bool after_key_ = false;
	std::vector<bool> empty_; // per open container: nothing written in it yet
};

} // namespace linesman::output
