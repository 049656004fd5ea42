// SPDX-License-Identifier: Apache-2.0
#include "query/sql.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "store/layout.h"
#include "store/sqlite.h"

namespace linesman::query {

namespace {

// Pragmas that only report. Those that also set a value when given one
// ("PRAGMA user_version = 5") are allowed only without it; the table-describing
// ones take a table name, which changes nothing.
constexpr const char *kReportPragmas[] = {
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
    "foreign_key_list", "database_list", "collation_list", "function_list", "pragma_list",
    "compile_options", "integrity_check", "quick_check", "foreign_key_check",
};
constexpr const char *kSettingPragmas[] = {
    "user_version", "schema_version", "application_id", "page_size", "page_count",
    "freelist_count", "encoding", "journal_mode", "data_version", "max_page_count",
    "auto_vacuum", "query_only",
};

bool in(const char *name, const auto &list)
{
	for (const char *p : list)
		if (strcasecmp(name, p) == 0)
			return true;
	return false;
}

const char *write_verb(int action)
{
	switch (action) {
	case SQLITE_INSERT: return "INSERT";
	case SQLITE_UPDATE: return "UPDATE";
	case SQLITE_DELETE: return "DELETE";
	case SQLITE_CREATE_INDEX: case SQLITE_CREATE_TABLE: case SQLITE_CREATE_TEMP_INDEX:
	case SQLITE_CREATE_TEMP_TABLE: case SQLITE_CREATE_TEMP_TRIGGER:
	case SQLITE_CREATE_TEMP_VIEW: case SQLITE_CREATE_TRIGGER: case SQLITE_CREATE_VIEW:
	case SQLITE_CREATE_VTABLE:
		return "CREATE";
	case SQLITE_DROP_INDEX: case SQLITE_DROP_TABLE: case SQLITE_DROP_TEMP_INDEX:
	case SQLITE_DROP_TEMP_TABLE: case SQLITE_DROP_TEMP_TRIGGER: case SQLITE_DROP_TEMP_VIEW:
	case SQLITE_DROP_TRIGGER: case SQLITE_DROP_VIEW: case SQLITE_DROP_VTABLE:
		return "DROP";
	case SQLITE_ALTER_TABLE: return "ALTER TABLE";
	case SQLITE_REINDEX: return "REINDEX";
	case SQLITE_ANALYZE: return "ANALYZE";
	case SQLITE_TRANSACTION: return "a transaction statement";
	case SQLITE_SAVEPOINT: return "SAVEPOINT";
	default: return nullptr;
	}
}

// One value as text a terminal and `cut -f` can take: no raw tab, newline or control byte.
void put_value(std::ostream &out, sqlite3_stmt *st, int col)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_NULL:
		out << "NULL";
		return;
	case SQLITE_BLOB: {
		auto *p = static_cast<const unsigned char *>(sqlite3_column_blob(st, col));
		int n = sqlite3_column_bytes(st, col);
		out << "X'";
		char buf[4];
		for (int i = 0; i < n; ++i) {
			std::snprintf(buf, sizeof(buf), "%02x", p[i]);
			out << buf;
		}
		out << "'";
		return;
	}
	default: {
		auto *p = reinterpret_cast<const char *>(sqlite3_column_text(st, col));
		std::string_view s(p ? p : "", size_t(sqlite3_column_bytes(st, col)));
		for (unsigned char c : s) {
			if (c == '\t')
				out << "\\t";
			else if (c == '\n')
				out << "\\n";
			else if (c == '\\')
				out << "\\\\";
			else if (c < 0x20 || c == 0x7f) {
				char buf[8];
				std::snprintf(buf, sizeof(buf), "\\x%02x", c);
				out << buf;
			} else
				out << char(c);
		}
	}
	}
}

Error input_error(std::string msg)
{
	return Error(std::make_error_code(std::errc::invalid_argument), std::move(msg));
}

} // namespace

int sql_authorize(void *ctx, int action, const char *a3, const char *a4, const char *,
		  const char *)
{
	auto *guard = static_cast<SqlGuard *>(ctx);
	auto refuse = [&](std::string why) {
		guard->refused = std::move(why);
		return SQLITE_DENY;
	};
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_RECURSIVE: // WITH RECURSIVE: still only reading
		return SQLITE_OK;
	case SQLITE_FUNCTION:
		// load_extension would run a shared object's code inside this process;
		// it is off by default, refused here in case a build turns it on.
		if (a4 && strcasecmp(a4, "load_extension") == 0)
			return refuse("load_extension() is refused: linesman sql only reads the store");
		return SQLITE_OK;
	case SQLITE_PRAGMA:
		if (a3 && in(a3, kReportPragmas))
			return SQLITE_OK;
		if (a3 && !a4 && in(a3, kSettingPragmas))
			return SQLITE_OK;
		return refuse(std::string("PRAGMA ") + (a3 ? a3 : "?") + (a4 ? " = " + std::string(a4) : "") +
			      " is refused: only pragmas that report (table_info, user_version, ...) are allowed");
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
		return refuse(std::string(action == SQLITE_ATTACH ? "ATTACH" : "DETACH") +
			      " is refused: linesman sql reads one hour file at a time (--file)");
	case SQLITE_INSERT:
	case SQLITE_UPDATE:
	case SQLITE_DELETE:
		// CREATE and DROP are authorized first as the write to the schema table they
		// imply, and the first refusal ends the prepare: name the schema change.
		if (a3 && strncasecmp(a3, "sqlite_", 7) == 0)
			return refuse("CREATE, DROP and ALTER are refused: linesman sql is read-only");
		return refuse(std::string(write_verb(action)) + " is refused: linesman sql is read-only");
	default:
		if (const char *verb = write_verb(action))
			return refuse(std::string(verb) + " is refused: linesman sql is read-only");
		return refuse("statement refused: linesman sql allows only SELECT (authorizer action " +
			      std::to_string(action) + ")");
	}
}

Result<size_t> run_sql(const std::string &path, const std::string &sql, std::ostream &out,
		       const SqlOutput &fmt)
{
	if (access(path.c_str(), R_OK) != 0 && (errno == EACCES || errno == EPERM))
		return store::permission_error(path, errno);
	// Closed hours are opened immutable, as the Reader does: no lock, no -shm
	// created beside a copied store or on a read-only mount.
	auto hdr = store::read_db_header(path);
	auto db = store::Db::open(path, SQLITE_OPEN_READONLY, hdr && !hdr->wal ? "immutable=1" : "");
	if (!db)
		return db.error();
	if (Status st = db->exec("PRAGMA query_only = 1"); !st)
		return st.error();
	SqlGuard guard;
	sqlite3_set_authorizer(db->get(), sql_authorize, &guard);

	size_t rows = 0;
	bool header_done = !fmt.header;
	const char *tail = sql.c_str();
	const char *end = tail + sql.size();
	while (tail < end) {
		sqlite3_stmt *raw = nullptr;
		int rc = sqlite3_prepare_v2(db->get(), tail, int(end - tail), &raw, &tail);
		if (rc != SQLITE_OK) {
			if (!guard.refused.empty())
				return input_error(guard.refused);
			return input_error(std::string("SQL error: ") + sqlite3_errmsg(db->get()));
		}
		if (!raw)
			continue; // whitespace or a comment after the last ';'
		// Owned from here: finalized on every return.
		struct Finalize {
			sqlite3_stmt *s;
			~Finalize() { sqlite3_finalize(s); }
		} fin{raw};
		if (!sqlite3_stmt_readonly(raw))
			return input_error("statement refused: linesman sql is read-only");
		int cols = sqlite3_column_count(raw);
		if (!header_done && cols > 0) {
			if (!fmt.first_header.empty())
				out << fmt.first_header << '\t';
			for (int c = 0; c < cols; ++c)
				out << (c ? "\t" : "") << sqlite3_column_name(raw, c);
			out << '\n';
			header_done = true;
		}
		while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
			if (!fmt.first_column.empty())
				out << fmt.first_column << '\t';
			for (int c = 0; c < cols; ++c) {
				if (c)
					out << '\t';
				put_value(out, raw, c);
			}
			out << '\n';
			++rows;
		}
		if ((rc & 0xff) == SQLITE_ERROR) // the statement's own fault, e.g. an overflow
			return input_error(std::string("SQL error: ") + sqlite3_errmsg(db->get()));
		if (rc != SQLITE_DONE)
			return db->error("cannot run the statement", rc);
	}
	return rows;
}

} // namespace linesman::query
