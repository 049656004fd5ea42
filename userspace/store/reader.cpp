// SPDX-License-Identifier: Apache-2.0
#include "store/reader.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>

#include "linesman/v1/event.pb.h"
#include "output/format.h"
#include "store/layout.h"
#include "store/schema.h"
#include "store/sqlite.h"
#include "store/verify.h"
#include "store/wire.h"

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

// The statements for one file. Only fixed fragments are concatenated; every value
// from the user is a bound parameter.
struct Sql {
	std::string text;
	std::vector<std::variant<int64_t, std::string>> params; // ?1, ?2, ... in order
	void add(const char *fragment) { text += fragment; }
	void bind(int64_t v) { params.emplace_back(v); }
	void bind(const std::string &v) { params.emplace_back(v); }
	void add(const Sql &other)
	{
		text += other.text;
		params.insert(params.end(), other.params.begin(), other.params.end());
	}
};

// "SELECT id FROM actors WHERE ..." for the process filters (pid, exec_id, exe,
// user, container), or empty text when there are none.
Sql actor_ids(const Filter &f)
{
	Sql q;
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
	if (!f.container.empty()) {
		// A prefix is a range of the strings' unique index: [prefix, the prefix
		// with its last byte below 0xff incremented and what follows cut).
		std::string end = f.container;
		while (!end.empty() && uint8_t(end.back()) == 0xff)
			end.pop_back();
		if (!end.empty())
			++end.back();
		q.add(" AND container_id IN (SELECT id FROM strings WHERE text >= ?");
		q.bind(f.container);
		if (!end.empty()) {
			q.add(" AND text < ?");
			q.bind(end);
		}
		q.add(")");
	}
	if (f.host_only)
		q.add(" AND container_id IS NULL");
	if (!q.text.empty())
		q.text = "SELECT id FROM actors WHERE 1" + q.text;
	return q;
}

// The seqs one hour file holds; its buckets are first >> kBucketShift .. last >> kBucketShift.
struct Span {
	int64_t first = 0, last = -1; // last < first: no events
	int64_t rows() const { return last - first + 1; }
};

Span span_of(Db &db)
{
	// Two subqueries: min() and max() alone are one b-tree probe each.
	auto st = Stmt::prepare(db, "SELECT (SELECT min(seq) FROM events), (SELECT max(seq) FROM events)");
	if (!st || st->step() != SQLITE_ROW || st->is_null(0))
		return {};
	return {st->int64(0), st->int64(1)};
}

// "bucket IN (?,?,...)": every bucket of the file, so a (bucket, value) index is
// probed once per bucket (see kBucketShift in schema.h).
void add_buckets(Sql &q, const Span &span, const char *column = "bucket")
{
	if (span.rows() <= 0) {
		q.add(" 0");
		return;
	}
	q.text += std::string(" ") + column + " IN (";
	for (int64_t b = span.first >> kBucketShift; b <= span.last >> kBucketShift; ++b) {
		q.add(b == span.first >> kBucketShift ? "?" : ",?");
		q.bind(b);
	}
	q.add(")");
}

// The query. Process filters select actor rows first and reach their events through
// events_actor, which gives the matches out of seq order: SQLite sorts them all
// before the LIMIT. When the matches are many and only the first `limit` are wanted
// (`scan`), walking events in seq order and testing each actor id stops much sooner.
// `actors` is actor_ids(f), built once by the caller.
Sql build(const Filter &f, const Sql &actors, size_t limit, bool reverse, bool scan, const Span &span)
{
	Sql q;
	// CROSS JOIN keeps events the outer loop: the process is fetched per event row.
	q.add("SELECT e.body, a.body FROM events e CROSS JOIN actors a ON a.id = e.actor_id WHERE 1");
	if (f.since_ns) {
		q.add(" AND e.time_ns >= ?");
		q.bind(int64_t(*f.since_ns));
	}
	if (f.until_ns) {
		q.add(" AND e.time_ns < ?");
		q.bind(int64_t(*f.until_ns));
	}
	// A type matches a large share of the events: its index is worth walking only
	// when no other filter picks fewer (unary +: not through the index).
	const bool selective = !actors.text.empty() || !f.path.empty() || f.port || !f.addr.empty();
	if (!f.types.empty()) {
		q.add(selective ? " AND +e.type IN (" : " AND e.type IN (");
		for (size_t i = 0; i < f.types.size(); ++i) {
			q.add(i ? ",?" : "?");
			q.bind(int64_t(f.types[i]));
		}
		q.add(")");
	}
	if (!actors.text.empty()) {
		if (scan) {
			q.add(" AND +e.actor_id IN ("); // unary +: no index, walk in seq order
		} else {
			q.add(" AND");
			add_buckets(q, span, "e.bucket");
			q.add(" AND e.actor_id IN (");
		}
		q.add(actors);
		q.add(")");
	}
	// The seqs of a keyed table's rows in every bucket of the file that meet `match`.
	auto keyed = [&](const char *table, const char *match) {
		q.text += std::string(" AND e.seq IN (SELECT seq FROM ") + table + " WHERE";
		add_buckets(q, span);
		q.text += std::string(" AND ") + match + ")";
	};
	if (!f.path.empty()) {
		keyed("event_keys", "key IN (SELECT ? | id FROM strings WHERE text GLOB ?)");
		q.bind(make_key(KeyKind::Path, 0));
		q.bind(f.path);
	}
	if (f.port) {
		keyed("event_ports", "port = ?");
		q.bind(int64_t(*f.port));
	}
	if (!f.addr.empty()) {
		keyed("event_keys", "key = ? | (SELECT id FROM strings WHERE text = ?)");
		q.bind(make_key(KeyKind::Addr, 0));
		q.bind(f.addr);
	}
	if (f.after_seq) {
		q.add(" AND e.seq > ?");
		q.bind(int64_t(*f.after_seq));
	}
	q.add(reverse ? " ORDER BY e.seq DESC" : " ORDER BY e.seq");
	if (limit) {
		q.add(" LIMIT ?");
		q.bind(int64_t(limit));
	}
	return q;
}

Result<Stmt> prepare(Db &db, const Sql &sql)
{
	auto st = Stmt::prepare(db, sql.text);
	if (!st)
		return st.error();
	for (size_t i = 0; i < sql.params.size(); ++i) {
		if (auto *n = std::get_if<int64_t>(&sql.params[i]))
			st->bind(int(i) + 1, *n);
		else
			st->bind(int(i) + 1, std::get<std::string>(sql.params[i]));
	}
	return st;
}

// Whether a limited query with process filters should walk events in seq order.
// Through the index it costs about `matches` row reads plus a sort; walking costs
// about rows / matches * limit row reads. So walk when matches exceed
// sqrt(rows * limit); the count stops there, an index-only pass of bounded length.
bool prefer_scan(Db &db, const Sql &actors, size_t limit, const Span &span)
{
	if (!limit || actors.text.empty() || span.rows() <= 0)
		return false;
	auto threshold = int64_t(std::sqrt(double(span.rows()) * double(limit)));
	Sql count;
	count.add("SELECT count(*) FROM (SELECT 1 FROM events WHERE");
	add_buckets(count, span);
	count.add(" AND actor_id IN (");
	count.add(actors);
	count.add(") LIMIT ?)");
	count.bind(threshold + 1);
	auto st = prepare(db, count);
	return st && st->step() == SQLITE_ROW && st->int64(0) > threshold;
}

// query()'s statement for one file: its seq span, and for a limited process filter
// whether to walk events or go through events_actor.
Sql statement_for(Db &db, const Filter &f, size_t limit, bool reverse)
{
	const Span span = span_of(db);
	const Sql actors = actor_ids(f);
	return build(f, actors, limit, reverse, prefer_scan(db, actors, limit, span), span);
}

} // namespace

Result<LogSummary> summarize_log(const std::string &dir)
{
	LogSummary sum;
	sum.events_dir = resolve_events_dir(dir);
	auto listed = list_hour_files(sum.events_dir);
	if (!listed)
		return listed.error();
	sum.hours = listed->size();
	if (listed->empty())
		return sum;
	sum.first_hour = hour_name(listed->front().hour);
	sum.last_hour = hour_name(listed->back().hour);
	for (const HourFile &h : *listed)
		sum.bytes += file_bytes(h.path);
	// One aggregate each, answered from the seq primary key and the time index. A file
	// can be empty (created, then the agent stopped): look further in.
	auto ends = [&](const HourFile &h) -> Result<std::optional<std::array<uint64_t, 3>>> {
		auto db = open_read_only(h.path);
		if (!db)
			return db.error();
		// Three subqueries: SQLite answers a lone min() or max() from an index, but scans
		// the table for several aggregates in one SELECT.
		auto st = Stmt::prepare(*db, "SELECT (SELECT min(time_ns) FROM events), "
					     "(SELECT max(time_ns) FROM events), (SELECT max(seq) FROM events)");
		if (!st)
			return st.error();
		int rc = st->step();
		if (rc != SQLITE_ROW)
			return db->error("cannot read", rc);
		if (st->is_null(0))
			return std::optional<std::array<uint64_t, 3>>();
		return std::optional(std::array<uint64_t, 3>{uint64_t(st->int64(0)), uint64_t(st->int64(1)),
							      uint64_t(st->int64(2))});
	};
	for (const HourFile &h : *listed) {
		auto e = ends(h);
		if (!e)
			return e.error();
		if (*e) {
			sum.oldest_ns = (**e)[0];
			break;
		}
	}
	for (auto it = listed->rbegin(); it != listed->rend(); ++it) {
		auto e = ends(*it);
		if (!e)
			return e.error();
		if (*e) {
			sum.newest_ns = (**e)[1];
			sum.last_seq = (**e)[2];
			break;
		}
	}
	return sum;
}

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
	std::vector<Event> out;
	linesman::v1::Event msg;
	// Files hold consecutive seq ranges in name order, so walking them in order (or
	// backwards) yields seq order and can stop at the limit.
	for (size_t k = 0; k < files_.size(); ++k) {
		File &f = files_[reverse ? files_.size() - 1 - k : k];
		size_t want = limit ? limit - out.size() : 0;
		auto st = prepare(f.db, statement_for(f.db, filter, want, reverse));
		if (!st)
			return st.error();
		int rc;
		while ((rc = st->step()) == SQLITE_ROW) {
			std::string_view body = st->blob(0), actor = st->blob(1);
			if (!msg.ParseFromArray(body.data(), int(body.size())) ||
			    !msg.mutable_process()->ParseFromArray(actor.data(), int(actor.size())))
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

Result<std::string> Reader::explain(const Filter &filter, size_t limit, bool reverse)
{
	std::string out;
	for (File &f : files_) {
		Sql sql = statement_for(f.db, filter, limit, reverse);
		sql.text = "EXPLAIN QUERY PLAN " + sql.text;
		auto st = prepare(f.db, sql);
		if (!st)
			return st.error();
		out += f.hour.path.substr(f.hour.path.rfind('/') + 1) + ":\n";
		int rc;
		while ((rc = st->step()) == SQLITE_ROW)
			out += "  " + std::string(st->text(3)) + "\n";
		if (rc != SQLITE_DONE)
			return f.db.error("cannot explain", rc);
	}
	return out;
}

} // namespace linesman::store

namespace linesman::store {

namespace {

constexpr int64_t kHourNs = 3600ll * 1'000'000'000ll;

Error unparsable(const Db &db)
{
	return Error(db.path() + ": an event body does not parse; run linesman verify");
}

// Runs `sql` with `bind` applied, calling `row` for each result row.
template <typename Bind, typename Row>
Status each_row(Db &db, const std::string &sql, Bind &&bind, Row &&row)
{
	auto st = Stmt::prepare(db, sql);
	if (!st)
		return st.error();
	bind(*st);
	int rc;
	while ((rc = st->step()) == SQLITE_ROW)
		if (Status s = row(*st); !s)
			return s;
	return rc == SQLITE_DONE ? ok() : Status(db.error("cannot count", rc));
}

// One hour file's share of Reader::count.
Status count_file(Db &db, const Window &w, Counts &c)
{
	// min() and max() are one probe each of events_time.
	int64_t lo = 0, hi = 0;
	bool empty = true;
	Status st = each_row(
	    db, "SELECT (SELECT min(time_ns) FROM events), (SELECT max(time_ns) FROM events)", [](Stmt &) {},
	    [&](Stmt &r) {
		    empty = r.is_null(0);
		    lo = r.int64(0);
		    hi = r.int64(1);
		    return ok();
	    });
	if (!st || empty)
		return st;
	const int64_t since = int64_t(w.since_ns.value_or(0));
	const int64_t until = w.until_ns ? int64_t(*w.until_ns) : INT64_MAX;
	if (hi < since || lo >= until)
		return ok();
	// A file wholly inside the window needs no time condition, and the planner then
	// reads only the index or the rows that the other condition selects.
	const bool whole = lo >= since && hi < until;
	const std::string in_window = whole ? "" : " AND time_ns >= ?1 AND time_ns < ?2";
	auto window = [&](Stmt &q) {
		if (!whole) {
			q.bind(1, since);
			q.bind(2, until);
		}
	};

	// Per hour and type. A file's events usually all fall in its hour (late ones go
	// to a later file); then the events_type index alone answers.
	uint64_t file_events = 0;
	auto per_hour = [&](uint64_t hour, Stmt &r, int col) {
		auto type = EventType(r.int64(col));
		auto n = uint64_t(r.int64(col + 1));
		c.per_hour[hour][type] += n;
		c.total += n;
		if (type == EventType::File)
			file_events += n;
		return ok();
	};
	if (whole && lo / kHourNs == hi / kHourNs)
		st = each_row(db, "SELECT type, count(*) FROM events GROUP BY type", window,
			      [&](Stmt &r) { return per_hour(uint64_t(lo / kHourNs), r, 0); });
	else
		st = each_row(db,
			      "SELECT time_ns / " + std::to_string(kHourNs) + ", type, count(*) FROM events WHERE 1" +
				  in_window + " GROUP BY 1, 2",
			      window, [&](Stmt &r) { return per_hour(uint64_t(r.int64(0)), r, 1); });
	if (!st)
		return st;

	// Executables: exec events grouped by their actor's exe string.
	st = each_row(db,
		      "SELECT (SELECT text FROM strings WHERE id = g.exe_id), g.n FROM (SELECT a.exe_id AS exe_id, "
		      "count(*) AS n FROM events e CROSS JOIN actors a ON a.id = e.actor_id WHERE e.type = " +
			  std::to_string(int(EventType::Exec)) + in_window + " GROUP BY a.exe_id) g",
		      window, [&](Stmt &r) {
			      c.exes[std::string(r.text(0))] += uint64_t(r.int64(1));
			      return ok();
		      });
	if (!st)
		return st;

	// Remote addresses: event_keys holds the local and the remote address alike, so
	// the remote one is read from each body (one field, not a parse). Connections are
	// most of a busy host's events: reading the table in order beats the type index's
	// row-by-row lookups (0.15 s against 0.26 s for 633,000 of 1M), hence the "+".
	std::map<std::string, uint64_t, std::less<>> remote;
	st = each_row(db,
		      "SELECT body FROM events WHERE +type IN (" + std::to_string(int(EventType::Connect)) + "," +
			  std::to_string(int(EventType::Accept)) + ")" + in_window,
		      window, [&](Stmt &r) -> Status {
			      auto net = wire_field(r.blob(0), linesman::v1::Event::kNetFieldNumber);
			      auto addr = net ? wire_field(*net, linesman::v1::NetDetails::kRemoteAddrFieldNumber)
					      : std::nullopt;
			      if (!addr)
				      return unparsable(db);
			      if (auto it = remote.find(*addr); it != remote.end())
				      ++it->second;
			      else
				      remote.emplace(*addr, 1);
			      return ok();
		      });
	if (!st)
		return st;
	for (auto &[addr, n] : remote)
		c.remote_addrs[addr] += n;

	// Files: the path keys (written for file events only) grouped by key. An event
	// with one key counts under it; the few with several (rename, link, symlink: path,
	// new_path, target) are corrected from their bodies to count under new_path, else
	// path; one with none (no path at all) counts under "".
	const std::string keys = "FROM event_keys WHERE key >= ?3 AND key < ?4" +
				 (whole ? std::string() : " AND seq IN (SELECT seq FROM events WHERE 1" + in_window + ")");
	auto key_range = [&](Stmt &q) {
		window(q);
		q.bind(3, make_key(KeyKind::Path, 0));
		q.bind(4, make_key(KeyKind::Path, 0) + (int64_t(1) << 48));
	};
	std::map<std::string, int64_t> files;
	st = each_row(db, "SELECT (SELECT text FROM strings WHERE id = g.key - ?3), g.n FROM (SELECT key, count(*) AS n " +
				  keys + " GROUP BY key) g",
		      key_range, [&](Stmt &r) {
			      files[std::string(r.text(0))] += r.int64(1);
			      return ok();
		      });
	if (!st)
		return st;
	uint64_t keyed = 0;
	std::vector<int64_t> several;
	st = each_row(db, "SELECT seq, count(*) " + keys + " GROUP BY seq", key_range, [&](Stmt &r) {
		++keyed;
		if (r.int64(1) > 1)
			several.push_back(r.int64(0));
		return ok();
	});
	if (!st)
		return st;
	for (int64_t seq : several) {
		st = each_row(
		    db, "SELECT body FROM events WHERE seq = ?1", [&](Stmt &q) { q.bind(1, seq); },
		    [&](Stmt &r) -> Status {
			    auto file = wire_field(r.blob(0), linesman::v1::Event::kFileFieldNumber);
			    if (!file)
				    return unparsable(db);
			    std::set<std::string_view> named;
			    std::string_view path, new_path;
			    for (auto [field, out] : {std::pair{linesman::v1::FileDetails::kPathFieldNumber, &path},
						      {linesman::v1::FileDetails::kNewPathFieldNumber, &new_path},
						      {linesman::v1::FileDetails::kTargetFieldNumber, nullptr}}) {
				    auto v = wire_field(*file, uint32_t(field));
				    if (!v)
					    return unparsable(db);
				    if (out)
					    *out = *v;
				    if (!v->empty())
					    named.insert(*v);
			    }
			    for (std::string_view name : named)
				    --files[std::string(name)];
			    ++files[std::string(new_path.empty() ? path : new_path)];
			    return ok();
		    });
		if (!st)
			return st;
	}
	if (file_events > keyed)
		files[""] += int64_t(file_events - keyed);
	for (const auto &[name, n] : files)
		if (n > 0)
			c.files[name] += uint64_t(n);
	return ok();
}

} // namespace

Result<Counts> Reader::count(const Window &w)
{
	Counts c;
	for (File &f : files_)
		if (Status st = count_file(f.db, w, c); !st)
			return st.error();
	return c;
}

Result<std::vector<Event>> Reader::exec_children(const std::set<std::string> &parents, const Window &w)
{
	std::vector<Event> out;
	const std::set<std::string, std::less<>> want(parents.begin(), parents.end());
	linesman::v1::Event msg;
	// The actors table is read in order (13 MB for 50,000 processes); the exec events
	// of the few matching rows come through events_actor. Reaching each exec's actor
	// from events_type instead reads one events page per exec: 3 to 5 times slower.
	std::string execs = "SELECT seq, body FROM events WHERE actor_id = ?3 AND type = " +
			    std::to_string(int(EventType::Exec));
	if (w.since_ns)
		execs += " AND time_ns >= ?1";
	if (w.until_ns)
		execs += " AND time_ns < ?2";
	for (File &f : files_) {
		std::vector<std::pair<int64_t, std::string>> matches; // actor id, body
		Status st = each_row(
		    f.db, "SELECT id, body FROM actors", [](Stmt &) {},
		    [&](Stmt &r) -> Status {
			    std::string_view actor = r.blob(1);
			    auto parent = wire_field(actor, linesman::v1::Process::kParentExecIdFieldNumber);
			    auto self = wire_field(actor, linesman::v1::Process::kExecIdFieldNumber);
			    if (!parent || !self)
				    return unparsable(f.db);
			    if (!parent->empty() && *parent != *self && want.contains(*parent))
				    matches.emplace_back(r.int64(0), actor);
			    return ok();
		    });
		if (!st)
			return st.error();
		std::vector<std::pair<int64_t, Event>> found; // seq, event
		for (const auto &[id, actor] : matches) {
			st = each_row(
			    f.db, execs,
			    [&](Stmt &q) {
				    if (w.since_ns)
					    q.bind(1, int64_t(*w.since_ns));
				    if (w.until_ns)
					    q.bind(2, int64_t(*w.until_ns));
				    q.bind(3, id);
			    },
			    [&](Stmt &r) -> Status {
				    std::string_view body = r.blob(1);
				    if (!msg.ParseFromArray(body.data(), int(body.size())) ||
					!msg.mutable_process()->ParseFromArray(actor.data(), int(actor.size())))
					    return unparsable(f.db);
				    found.emplace_back(r.int64(0), output::from_proto(msg));
				    return ok();
			    });
			if (!st)
				return st.error();
		}
		std::sort(found.begin(), found.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
		for (auto &[seq, ev] : found)
			out.push_back(std::move(ev));
	}
	return out;
}

} // namespace linesman::store
