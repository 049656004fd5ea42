// SPDX-License-Identifier: Apache-2.0
// Thin RAII over the SQLite C API: a connection, a prepared statement, and the
// conversion of SQLite's result codes into the agent's Error (with the file named).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace linesman::store {

class Db {
public:
	Db() = default;
	~Db() { close(); }
	Db(Db &&o) noexcept : db_(std::exchange(o.db_, nullptr)), path_(std::move(o.path_)) {}
	Db &operator=(Db &&o) noexcept
	{
		if (this != &o) {
			close();
			db_ = std::exchange(o.db_, nullptr);
			path_ = std::move(o.path_);
		}
		return *this;
	}
	Db(const Db &) = delete;
	Db &operator=(const Db &) = delete;

	// `flags` are SQLITE_OPEN_*; SQLITE_OPEN_URI is always added.
	static Result<Db> open(const std::string &path, int flags, std::string_view uri_params = "");

	sqlite3 *get() const { return db_; }
	const std::string &path() const { return path_; }
	explicit operator bool() const { return db_ != nullptr; }
	void close();

	// For statements without results (pragmas, DDL, BEGIN/COMMIT).
	Status exec(const char *sql);
	// An Error for the last failure on this connection: "<what> (<path>): <sqlite message>".
	// Its code is ENOSPC for SQLITE_FULL and EACCES for permission failures, so callers
	// can test for a full disk without knowing SQLite.
	Error error(std::string_view what, int rc) const;

private:
	sqlite3 *db_ = nullptr;
	std::string path_;
};

class Stmt {
public:
	Stmt() = default;
	~Stmt() { sqlite3_finalize(st_); }
	Stmt(Stmt &&o) noexcept : st_(std::exchange(o.st_, nullptr)) {}
	Stmt &operator=(Stmt &&o) noexcept
	{
		if (this != &o) {
			sqlite3_finalize(st_);
			st_ = std::exchange(o.st_, nullptr);
		}
		return *this;
	}
	Stmt(const Stmt &) = delete;
	Stmt &operator=(const Stmt &) = delete;

	static Result<Stmt> prepare(const Db &db, std::string_view sql);

	sqlite3_stmt *get() const { return st_; }
	explicit operator bool() const { return st_ != nullptr; }

	// Parameters are 1-based, as in SQLite.
	void bind(int i, int64_t v) { sqlite3_bind_int64(st_, i, v); }
	void bind(int i, std::string_view text)
	{
		sqlite3_bind_text(st_, i, text.data(), int(text.size()), SQLITE_TRANSIENT);
	}
	// The caller keeps `data` alive until the statement is stepped (saves a copy per row).
	void bind_blob_static(int i, const void *data, size_t size)
	{
		sqlite3_bind_blob(st_, i, data, int(size), SQLITE_STATIC);
	}
	void bind_null(int i) { sqlite3_bind_null(st_, i); }
	// SQLITE_ROW, SQLITE_DONE or an error code.
	int step() { return sqlite3_step(st_); }
	void reset()
	{
		sqlite3_reset(st_);
		sqlite3_clear_bindings(st_);
	}

	int64_t int64(int col) const { return sqlite3_column_int64(st_, col); }
	bool is_null(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
	std::string_view text(int col) const
	{
		auto *p = reinterpret_cast<const char *>(sqlite3_column_text(st_, col));
		return p ? std::string_view(p, size_t(sqlite3_column_bytes(st_, col))) : std::string_view();
	}
	std::string_view blob(int col) const
	{
		auto *p = static_cast<const char *>(sqlite3_column_blob(st_, col));
		return p ? std::string_view(p, size_t(sqlite3_column_bytes(st_, col))) : std::string_view();
	}

private:
	sqlite3_stmt *st_ = nullptr;
};

} // namespace linesman::store

namespace linesman::store {

// The fields of a database file's 100-byte header that tell whether it is whole.
struct DbHeader {
	uint32_t page_size = 0;
	uint32_t page_count = 0;  // "in-header database size", valid when version_valid_for matches
	bool page_count_valid = false;
	bool wal = false;         // file format 2: WAL mode
};
// nullopt: the file is shorter than a header, unreadable, or not SQLite.
std::optional<DbHeader> read_db_header(const std::string &path);

} // namespace linesman::store
