// SPDX-License-Identifier: Apache-2.0
#include "store/reader.h"

#include <unistd.h>

#include <algorithm>

#include "linesman/v1/event.pb.h"
#include "output/format.h"
#include "store/layout.h"
#include "store/schema.h"
#include "store/sqlite.h"
#include "store/verify.h"

namespace linesman::store {

struct Reader::File {
	HourFile hour;
	Db db;
};

namespace {

Result<Db> open_read_only(const std::string &path)
{
	if (access(path.c_str(), R_OK) != 0 && (errno == EACCES || errno == EPERM))
		return permission_error(path, errno);
	// A closed hour (rollback-journal mode, never written again) is opened immutable:
	// no locks, no -shm, nothing written beside it, so a copy or a read-only mount
	// reads the same. The live hour stays in WAL mode and is read through its WAL.
	auto hdr = read_db_header(path);
	auto db = Db::open(path, SQLITE_OPEN_READONLY, hdr && !hdr->wal ? "immutable=1" : "");
	if (!db && db.error().code() == std::errc::permission_denied)
		return permission_error(path, EACCES);
	return db;
}

// The statement for one file. Only fixed fragments are concatenated; every value
// from the user is a bound parameter.
struct Sql {
	std::string text = "SELECT body FROM events WHERE 1";
	std::vector<std::pair<int, std::variant<int64_t, std::string>>> params;
	void add(const char *fragment) { text += fragment; }
	void bind(int64_t v) { params.emplace_back(int(params.size()) + 1, v); }
	void bind(const std::string &v) { params.emplace_back(int(params.size()) + 1, v); }
};

Sql build(const Filter &f, size_t limit, bool reverse)
{
	Sql q;
	if (f.since_ns) {
		q.add(" AND time_ns >= ?");
		q.bind(int64_t(*f.since_ns));
	}
	if (f.until_ns) {
		q.add(" AND time_ns < ?");
		q.bind(int64_t(*f.until_ns));
	}
	if (!f.types.empty()) {
		q.add(" AND type IN (");
		for (size_t i = 0; i < f.types.size(); ++i) {
			q.add(i ? ",?" : "?");
			q.bind(int64_t(f.types[i]));
		}
		q.add(")");
	}
	if (f.pid) {
		q.add(" AND pid = ?");
		q.bind(int64_t(*f.pid));
	}
	if (!f.exec_id.empty()) {
		q.add(" AND exec_id_id = (SELECT id FROM strings WHERE text = ?)");
		q.bind(f.exec_id);
	}
	if (!f.exe.empty()) {
		q.add(" AND exe_id IN (SELECT id FROM strings WHERE text GLOB ?)");
		q.bind(f.exe);
	}
	if (!f.user.empty()) {
		q.add(" AND user_id = (SELECT id FROM strings WHERE text = ?)");
		q.bind(f.user);
	}
	if (!f.path.empty()) {
		q.add(" AND seq IN (SELECT seq FROM event_keys WHERE key IN "
		      "(SELECT ? | id FROM strings WHERE text GLOB ?))");
		q.bind(make_key(KeyKind::Path, 0));
		q.bind(f.path);
	}
	if (f.port) {
		q.add(" AND seq IN (SELECT seq FROM event_keys WHERE key = ?)");
		q.bind(make_key(KeyKind::Port, *f.port));
	}
	if (!f.addr.empty()) {
		q.add(" AND seq IN (SELECT seq FROM event_keys WHERE key = "
		      "? | (SELECT id FROM strings WHERE text = ?))");
		q.bind(make_key(KeyKind::Addr, 0));
		q.bind(f.addr);
	}
	if (!f.container.empty()) {
		// A prefix is a range of the strings' unique index: [prefix, the prefix
		// with its last byte below 0xff incremented and what follows cut).
		std::string end = f.container;
		while (!end.empty() && uint8_t(end.back()) == 0xff)
			end.pop_back();
		if (!end.empty())
			++end.back();
		q.add(" AND seq IN (SELECT seq FROM event_keys WHERE key IN "
		      "(SELECT ? | id FROM strings WHERE text >= ?");
		q.bind(make_key(KeyKind::Container, 0));
		q.bind(f.container);
		if (!end.empty()) {
			q.add(" AND text < ?");
			q.bind(end);
		}
		q.add("))");
	}
	if (f.host_only) {
		q.add(" AND seq NOT IN (SELECT seq FROM event_keys WHERE key >= ? AND key < ?)");
		q.bind(make_key(KeyKind::Container, 0));
		q.bind(make_key(KeyKind::Container, 0) + (int64_t(1) << 48)); // the next kind's first key
	}
	if (f.after_seq) {
		q.add(" AND seq > ?");
		q.bind(int64_t(*f.after_seq));
	}
	q.add(reverse ? " ORDER BY seq DESC" : " ORDER BY seq");
	if (limit) {
		q.add(" LIMIT ?");
		q.bind(int64_t(limit));
	}
	return q;
}

} // namespace

Reader::Reader(Reader &&) noexcept = default;
Reader &Reader::operator=(Reader &&) noexcept = default;
Reader::~Reader() = default;

Result<Reader> Reader::open(const std::string &dir)
{
	Reader r;
	r.dir_ = resolve_events_dir(dir);
	if (access(r.dir_.c_str(), R_OK | X_OK) != 0 && (errno == EACCES || errno == EPERM))
		return permission_error(r.dir_, errno);
	if (Status st = r.refresh(); !st)
		return st.error();
	return r;
}

Status Reader::refresh()
{
	auto listed = list_hour_files(dir_);
	if (!listed)
		return listed.error();
	std::vector<File> next;
	for (auto &h : *listed) {
		auto same = std::find_if(files_.begin(), files_.end(),
					 [&](const File &f) { return f.hour.path == h.path; });
		// The newest file known before may have been closed since; reopen it so a
		// connection opened in WAL mode does not linger on a rollback-journal file.
		bool was_newest = same != files_.end() && &*same == &files_.back();
		if (same != files_.end() && !was_newest) {
			next.push_back(std::move(*same));
			continue;
		}
		auto db = open_read_only(h.path);
		if (!db)
			return db.error();
		next.push_back({h, std::move(*db)});
	}
	files_ = std::move(next);
	return ok();
}

std::vector<std::string> Reader::files() const
{
	std::vector<std::string> out;
	for (const auto &f : files_)
		out.push_back(f.hour.path);
	return out;
}

Result<std::vector<Event>> Reader::query(const Filter &filter, size_t limit, bool reverse)
{
	Sql sql = build(filter, limit, reverse);
	std::vector<Event> out;
	linesman::v1::Event msg;
	// Files hold consecutive seq ranges in name order, so walking them in order (or
	// backwards) yields seq order and can stop at the limit.
	for (size_t k = 0; k < files_.size(); ++k) {
		File &f = files_[reverse ? files_.size() - 1 - k : k];
		auto st = Stmt::prepare(f.db, sql.text);
		if (!st)
			return st.error();
		for (auto &[i, v] : sql.params) {
			if (auto *n = std::get_if<int64_t>(&v))
				st->bind(i, *n);
			else
				st->bind(i, std::get<std::string>(v));
		}
		if (limit)
			st->bind(int(sql.params.size()), int64_t(limit - out.size()));
		int rc;
		while ((rc = st->step()) == SQLITE_ROW) {
			std::string_view body = st->blob(0);
			if (!msg.ParseFromArray(body.data(), int(body.size())))
				return Error(f.hour.path + ": an event body does not parse; run linesman verify");
			out.push_back(output::from_proto(msg));
		}
		if (rc != SQLITE_DONE)
			return f.db.error("cannot query", rc);
		if (limit && out.size() >= limit)
			break;
	}
	return out;
}

} // namespace linesman::store
