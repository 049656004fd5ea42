// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace linesman::store {

Result<Db> Db::open(const std::string &path, int flags, std::string_view uri_params)
{
	// A URI so read-only callers can add "immutable=1" for closed hours; the path is
	// percent-encoded where URI syntax would misread it.
	std::string uri = "file:";
	for (unsigned char c : path) {
		if (c == '%' || c == '?' || c == '#' || c < 0x20) {
			static constexpr char kHex[] = "0123456789ABCDEF";
			uri += '%';
			uri += kHex[c >> 4];
			uri += kHex[c & 0xf];
		} else {
			uri += char(c);
		}
	}
	if (!uri_params.empty()) {
		uri += '?';
		uri += uri_params;
	}
	Db db;
	db.path_ = path;
	int rc = sqlite3_open_v2(uri.c_str(), &db.db_, flags | SQLITE_OPEN_URI, nullptr);
	if (rc != SQLITE_OK)
		return db.error("cannot open", rc);
	sqlite3_extended_result_codes(db.db_, 1);
	return db;
}

void Db::close()
{
	if (db_) {
		// v2: statements still alive (a bug) do not leak the handle.
		sqlite3_close_v2(db_);
		db_ = nullptr;
	}
}

Status Db::exec(const char *sql)
{
	char *msg = nullptr;
	int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &msg);
	sqlite3_free(msg);
	if (rc != SQLITE_OK)
		return error(sql, rc);
	return ok();
}

Error Db::error(std::string_view what, int rc) const
{
	std::string msg(what);
	msg += " (" + path_ + "): ";
	msg += db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
	int err = 0;
	switch (rc & 0xff) {
	case SQLITE_FULL:
		err = ENOSPC;
		break;
	case SQLITE_PERM:
	case SQLITE_READONLY:
		err = EACCES;
		break;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
		// The OS's reason (EACCES, ENOSPC, ...) when there is one.
		err = db_ ? sqlite3_system_errno(db_) : 0;
		if (err == 0)
			err = EIO;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		err = EBADMSG;
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		err = EBUSY;
		break;
	default:
		err = EIO;
	}
	return Error(std::error_code(err, std::system_category()), std::move(msg));
}

Result<Stmt> Stmt::prepare(const Db &db, std::string_view sql)
{
	Stmt s;
	int rc = sqlite3_prepare_v3(db.get(), sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT,
				    &s.st_, nullptr);
	if (rc != SQLITE_OK)
		return db.error("cannot prepare statement", rc);
	return s;
}

} // namespace linesman::store

namespace linesman::store {

std::optional<DbHeader> read_db_header(const std::string &path)
{
	unsigned char h[100];
	FILE *f = fopen(path.c_str(), "rbe");
	if (!f)
		return std::nullopt;
	size_t n = fread(h, 1, sizeof h, f);
	fclose(f);
	if (n != sizeof h || memcmp(h, "SQLite format 3", 16) != 0)
		return std::nullopt;
	auto be32 = [&](int at) {
		return uint32_t(h[at]) << 24 | uint32_t(h[at + 1]) << 16 | uint32_t(h[at + 2]) << 8 |
		       uint32_t(h[at + 3]);
	};
	DbHeader d;
	d.page_size = uint32_t(h[16]) << 8 | h[17];
	if (d.page_size == 1)
		d.page_size = 65536;
	d.page_count = be32(28);
	// The header's page count is trusted by SQLite only when the change counter (24)
	// equals version-valid-for (92); older writers did not maintain it.
	d.page_count_valid = d.page_count != 0 && be32(24) == be32(92);
	d.wal = h[18] == 2;
	return d;
}

} // namespace linesman::store
