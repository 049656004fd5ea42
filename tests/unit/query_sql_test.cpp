// SPDX-License-Identifier: Apache-2.0
// `linesman sql`'s guard: SELECT and reporting pragmas pass; writes, schema changes,
// ATTACH, state-changing pragmas and load_extension are refused with a message that
// says why, and the file is unchanged afterwards.
#include <doctest/doctest.h>

#include <sstream>

#include "query/sql.h"
#include "store/store.h"
#include "store_test_util.h"

using namespace linesman;
using namespace linesman::query;
using namespace store_test;

namespace {

struct Fixture {
	TempDir d;
	std::string file = d.file("2026-11-26T13");
	Fixture()
	{
		store::StoreOptions o;
		o.state_dir = d.path;
		auto s = store::Store::open(o);
		REQUIRE(s.ok());
		std::vector<Event> b{exec_event(1, hour_ns(0, 10), 100, "/usr/bin/ls"),
				     exec_event(2, hour_ns(0, 20), 101, "/usr/sbin/sshd")};
		REQUIRE(s->append(b).ok());
	}
	Result<size_t> run(const std::string &sql, std::string *out = nullptr)
	{
		std::ostringstream os;
		auto r = run_sql(file, sql, os, {});
		if (out)
			*out = os.str();
		return r;
	}
	void refused(const std::string &sql, const std::string &message)
	{
		auto r = run(sql);
		REQUIRE_MESSAGE(!r.ok(), sql);
		CHECK(r.error().code() == std::errc::invalid_argument);
		CHECK_MESSAGE(r.error().message() == message, sql);
	}
};

} // namespace

TEST_CASE("query sql: SELECT runs, rows tab-separated with a header")
{
	Fixture fx;
	std::string out;
	auto r = fx.run("SELECT seq, pid, typeof(events.body) FROM events JOIN actors ON actors.id = actor_id ORDER BY seq", &out);
	REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().what()));
	CHECK(*r == 2);
	CHECK(out == "seq\tpid\ttypeof(events.body)\n1\t100\tblob\n2\t101\tblob\n");

	r = fx.run("SELECT 'a\tb\nc', NULL, X'00ff'", &out);
	REQUIRE(r.ok());
	CHECK(out == "'a\tb\nc'\tNULL\tX'00ff'\na\\tb\\nc\tNULL\tX'00ff'\n");

	r = fx.run("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) "
		   "SELECT count(*) FROM n; PRAGMA table_info(meta); PRAGMA user_version",
		   &out);
	REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().what()));
	CHECK(out.starts_with("count(*)\n3\n"));
	CHECK(fx.run("SELECT * FROM events_flat WHERE pid = 999").value() == 0);
	CHECK(fx.run("SELECT * FROM events_flat WHERE pid = 100", &out).value() == 1);
	CHECK(out.starts_with("seq\ttime_ns\ttype\tpid\texec_id\texe\tuser\tcontainer_id\tactor_id\n1\t"));
}

TEST_CASE("query sql: writes, ATTACH and state-changing pragmas are refused")
{
	Fixture fx;
	fx.refused("DELETE FROM events", "DELETE is refused: linesman sql is read-only");
	fx.refused("INSERT INTO meta VALUES ('x', 1)", "INSERT is refused: linesman sql is read-only");
	fx.refused("UPDATE events SET type = 1", "UPDATE is refused: linesman sql is read-only");
	fx.refused("DROP TABLE events", "CREATE, DROP and ALTER are refused: linesman sql is read-only");
	fx.refused("CREATE TEMP TABLE t(x)",
		   "CREATE, DROP and ALTER are refused: linesman sql is read-only");
	fx.refused("CREATE INDEX i ON events(pid)",
		   "CREATE, DROP and ALTER are refused: linesman sql is read-only");
	fx.refused("SELECT 1; DELETE FROM events", "DELETE is refused: linesman sql is read-only");
	fx.refused("ATTACH DATABASE '/tmp/linesman-evil.db' AS evil",
		   "ATTACH is refused: linesman sql reads one hour file at a time (--file)");
	fx.refused("DETACH DATABASE main",
		   "DETACH is refused: linesman sql reads one hour file at a time (--file)");
	fx.refused("PRAGMA writable_schema = 1",
		   "PRAGMA writable_schema = 1 is refused: only pragmas that report (table_info, "
		   "user_version, ...) are allowed");
	fx.refused("PRAGMA user_version = 7",
		   "PRAGMA user_version = 7 is refused: only pragmas that report (table_info, "
		   "user_version, ...) are allowed");
	fx.refused("PRAGMA query_only = 0",
		   "PRAGMA query_only = 0 is refused: only pragmas that report (table_info, "
		   "user_version, ...) are allowed");
	fx.refused("SELECT load_extension('/tmp/evil.so')",
		   "load_extension() is refused: linesman sql only reads the store");
	fx.refused("BEGIN", "a transaction statement is refused: linesman sql is read-only");
	fx.refused("SELEC 1", "SQL error: near \"SELEC\": syntax error");
	// Nothing changed, and ATTACH created no file.
	CHECK(fx.run("SELECT * FROM events").value() == 2);
	CHECK(access("/tmp/linesman-evil.db", F_OK) != 0);
}

TEST_CASE("query sql: the authorizer admits only reading")
{
	SqlGuard g;
	CHECK(sql_authorize(&g, SQLITE_SELECT, nullptr, nullptr, nullptr, nullptr) == SQLITE_OK);
	CHECK(sql_authorize(&g, SQLITE_READ, "events", "seq", "main", nullptr) == SQLITE_OK);
	CHECK(sql_authorize(&g, SQLITE_FUNCTION, nullptr, "count", nullptr, nullptr) == SQLITE_OK);
	CHECK(sql_authorize(&g, SQLITE_PRAGMA, "table_info", "events", "main", nullptr) == SQLITE_OK);
	CHECK(sql_authorize(&g, SQLITE_PRAGMA, "user_version", nullptr, "main", nullptr) == SQLITE_OK);
	CHECK(g.refused.empty());
	CHECK(sql_authorize(&g, SQLITE_PRAGMA, "journal_mode", "delete", "main", nullptr) == SQLITE_DENY);
	CHECK(sql_authorize(&g, SQLITE_PRAGMA, "writable_schema", nullptr, "main", nullptr) == SQLITE_DENY);
	CHECK(sql_authorize(&g, SQLITE_FUNCTION, nullptr, "LOAD_EXTENSION", nullptr, nullptr) == SQLITE_DENY);
	CHECK(sql_authorize(&g, SQLITE_ATTACH, "x.db", nullptr, nullptr, nullptr) == SQLITE_DENY);
	CHECK(sql_authorize(&g, SQLITE_INSERT, "events", nullptr, "main", nullptr) == SQLITE_DENY);
	CHECK(sql_authorize(&g, SQLITE_CREATE_VTABLE, "t", "fts5", "main", nullptr) == SQLITE_DENY);
	CHECK(!g.refused.empty());
}
