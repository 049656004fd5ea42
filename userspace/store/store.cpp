// SPDX-License-Identifier: Apache-2.0
#include "store/store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <unordered_map>

#include "common/clock.h"
#include "linesman/v1/event.pb.h"
#include "output/format.h"
#include "store/chain.h"
#include "store/layout.h"
#include "store/schema.h"
#include "store/sqlite.h"

namespace linesman::store {
namespace {

// Interned strings kept in memory per hour file. exec_ids are unique per process, so a
// busy hour has many; past this the cache starts over rather than grow (a miss costs
// one indexed SELECT).
constexpr size_t kStringCacheMax = 1 << 16;
// Actor rows known per hour file, keyed by the SHA-256 of their Process bytes (about
// 4 MiB at the cap). Past it the cache starts over; a miss writes the row again under
// a new id, which costs room but no correctness.
constexpr size_t kActorCacheMax = 1 << 16;

// Key and port rows per INSERT statement (see HourDb::write_keys).
constexpr size_t kRowsPerInsert = 32;

// "INSERT OR IGNORE INTO table(cols) VALUES (?,?),(?,?),..." for kRowsPerInsert rows.
std::string multi_row_insert(const char *table, int columns)
{
	std::string row = "(?";
	for (int c = 1; c < columns; ++c)
		row += ",?";
	row += ")";
	std::string sql = std::string("INSERT OR IGNORE INTO ") + table + " VALUES " + row;
	for (size_t r = 1; r < kRowsPerInsert; ++r)
		sql += "," + row;
	return sql;
}

// Threads whose last actor is remembered per hour file (see HourDb::recent).
constexpr size_t kRecentMax = 1 << 12;

struct DigestHash {
	size_t operator()(const Link &d) const
	{
		size_t h;
		memcpy(&h, d.data(), sizeof(h)); // already uniform
		return h;
	}
};
// Room asked of the disk beyond the batch itself when shedding: the WAL frames, the
// index pages and the b-tree splits a batch dirties.
constexpr uint64_t kShedSlack = 256 * 1024;

bool is_disk_full(const Error &e)
{
	return e.code() == std::errc::no_space_on_device;
}

std::string basename_of(const std::string &path)
{
	auto slash = path.rfind('/');
	return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Pragmas of the writer's connection.
Status configure_writer(Db &db)
{
	// busy_timeout: only WAL recovery at open and closing an hour that a reader still
	// reads can wait; both are short, and an append never waits on readers in WAL mode.
	sqlite3_busy_timeout(db.get(), 100);
	for (const char *sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
				// 16 MiB: with every index in seq-bucket order (schema.h) the pages a
				// commit touches are few; the agent's memory budget is 64 MiB in all.
				"PRAGMA cache_size=-16384", "PRAGMA temp_store=MEMORY",
				// A checkpoint every 16 MiB of WAL (1,024 pages of 16 KiB) rather than
				// SQLite's 1,000 pages: the index pages a batch dirties are written
				// back once per checkpoint, so fewer checkpoints write fewer of them.
				"PRAGMA wal_autocheckpoint=1024",
				// Keeps the WAL from staying at its high-water mark after a checkpoint,
				// which matters most when the disk is nearly full.
				"PRAGMA journal_size_limit=16777216"}) {
		if (Status st = db.exec(sql); !st)
			return st;
	}
	return ok();
}

struct FileSummary {
	uint64_t events = 0, first_seq = 0, last_seq = 0;
};

FileSummary summarize(const std::string &path)
{
	FileSummary s;
	auto db = Db::open(path, SQLITE_OPEN_READONLY);
	if (!db)
		return s;
	auto st = Stmt::prepare(*db, "SELECT count(*), min(seq), max(seq) FROM events");
	if (st && st->step() == SQLITE_ROW)
		s = {uint64_t(st->int64(0)), uint64_t(st->int64(1)), uint64_t(st->int64(2))};
	return s;
}

// Ends an hour: back to a rollback journal so the file is self-contained (no -wal or
// -shm to copy along, readers need no write access beside it), then read-only. Fails
// with EBUSY while a reader holds it; the caller retries later instead of waiting.
Status close_hour_file(const std::string &path)
{
	auto db = Db::open(path, SQLITE_OPEN_READWRITE);
	if (!db)
		return db.error();
	sqlite3_busy_timeout(db->get(), 0);
	auto st = Stmt::prepare(*db, "PRAGMA journal_mode=DELETE");
	if (!st)
		return st.error();
	int rc = st->step();
	if (rc != SQLITE_ROW)
		return db->error("cannot close hour file", rc);
	bool done = st->text(0) == "delete";
	st->reset();
	*st = Stmt();
	db->close();
	chmod(path.c_str(), kClosedMode);
	if (!done)
		return Error(std::error_code(EBUSY, std::system_category()),
			     "hour file " + path + " is still in WAL mode (a reader holds it)");
	return ok();
}

} // namespace

// One open hour file and the statements that write it.
struct HourDb {
	Db db;
	int64_t hour = 0;
	Stmt ins_event, ins_actor, ins_key, ins_keys, ins_port, ins_ports, sel_string, ins_string, ins_epoch, ins_gap;
	std::unordered_map<std::string, int64_t> strings;
	std::vector<std::string> pending_strings; // interned in the open transaction
	std::unordered_map<Link, int64_t, DigestHash> actors; // SHA-256 of Process bytes -> actors.id
	std::vector<Link> pending_actors;                      // written in the open transaction
	// The actor each thread had last: most events of a thread carry the same process
	// as its previous one, and comparing the fields costs less than encoding and
	// hashing them. Keyed by pid << 32 | tid.
	struct Recent {
		Process process;
		int64_t id = 0;
		Link digest{};
	};
	std::unordered_map<uint64_t, Recent> recent;

	const std::string &path() const { return db.path(); }

	Status prepare()
	{
		static const std::string keys_sql = multi_row_insert("event_keys(bucket, key, seq)", 3);
		static const std::string ports_sql = multi_row_insert("event_ports(bucket, port, seq)", 3);
		struct {
			Stmt *st;
			const char *sql;
		} all[] = {
		    {&ins_event, "INSERT INTO events(seq, time_ns, type, bucket, actor_id, body, link) "
				 "VALUES (?,?,?,?,?,?,?)"},
		    {&ins_actor, "INSERT INTO actors(pid, exec_id_id, exe_id, user_id, container_id, body) "
				 "VALUES (?,?,?,?,?,?)"},
		    {&ins_key, "INSERT OR IGNORE INTO event_keys(bucket, key, seq) VALUES (?,?,?)"},
		    {&ins_port, "INSERT OR IGNORE INTO event_ports(bucket, port, seq) VALUES (?,?,?)"},
		    {&ins_keys, keys_sql.c_str()},
		    {&ins_ports, ports_sql.c_str()},
		    {&sel_string, "SELECT id FROM strings WHERE text = ?"},
		    {&ins_string, "INSERT INTO strings(text) VALUES (?)"},
		    {&ins_epoch, "INSERT OR REPLACE INTO epochs(epoch, first_seq, time_ns, reason) VALUES (?,?,?,?)"},
		    {&ins_gap, "INSERT OR REPLACE INTO gaps(first_seq, last_seq, epoch) VALUES (?,?,?)"},
		};
		for (auto &s : all) {
			auto st = Stmt::prepare(db, s.sql);
			if (!st)
				return st.error();
			*s.st = std::move(*st);
		}
		return ok();
	}

	// Runs a write statement to completion; SQLITE_DONE becomes SQLITE_OK.
	static int run(Stmt &st)
	{
		int rc = st.step();
		st.reset();
		return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
	}

	// 0 (stored as NULL) for an empty string.
	int intern(const std::string &text, int64_t *id)
	{
		*id = 0;
		if (text.empty())
			return SQLITE_OK;
		if (auto it = strings.find(text); it != strings.end()) {
			*id = it->second;
			return SQLITE_OK;
		}
		sel_string.bind(1, text);
		int rc = sel_string.step();
		if (rc == SQLITE_ROW)
			*id = sel_string.int64(0);
		sel_string.reset();
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return rc;
		if (rc == SQLITE_DONE) {
			ins_string.bind(1, text);
			if ((rc = run(ins_string)) != SQLITE_OK)
				return rc;
			*id = sqlite3_last_insert_rowid(db.get());
			pending_strings.push_back(text);
		}
		if (strings.size() >= kStringCacheMax)
			strings.clear();
		strings.emplace(text, *id);
		return SQLITE_OK;
	}

	// The actors row of a process state, written on first sight in this file.
	int actor(const Process &p, const std::string &bytes, const Link &digest, int64_t *id)
	{
		if (auto it = actors.find(digest); it != actors.end()) {
			*id = it->second;
			return SQLITE_OK;
		}
		int64_t exec_id = 0, exe = 0, user = 0, container = 0;
		int rc;
		if ((rc = intern(p.exec_id, &exec_id)) || (rc = intern(p.exe, &exe)) || (rc = intern(p.user, &user)) ||
		    (rc = intern(p.container_id, &container)))
			return rc;
		ins_actor.bind(1, int64_t(p.pid));
		for (auto [col, sid] : {std::pair{2, exec_id}, {3, exe}, {4, user}, {5, container}}) {
			if (sid)
				ins_actor.bind(col, sid);
			else
				ins_actor.bind_null(col);
		}
		ins_actor.bind_blob_static(6, bytes.data(), bytes.size());
		if ((rc = run(ins_actor)) != SQLITE_OK)
			return rc;
		*id = sqlite3_last_insert_rowid(db.get());
		if (actors.size() >= kActorCacheMax)
			actors.clear();
		actors.emplace(digest, *id);
		pending_actors.push_back(digest);
		return SQLITE_OK;
	}

	// Writes the batch's key and port rows, sorted: in key order consecutive inserts
	// land on the same b-tree pages, and kRowsPerInsert rows per statement spare the
	// per-statement work. Both tables are WITHOUT ROWID, ordered by these columns.
	int write_keys(std::vector<std::array<int64_t, 3>> &keys, std::vector<std::array<int64_t, 3>> &ports)
	{
		std::sort(keys.begin(), keys.end());
		std::sort(ports.begin(), ports.end());
		int rc = insert_rows(ins_keys, ins_key, keys);
		if (rc == SQLITE_OK)
			rc = insert_rows(ins_ports, ins_port, ports);
		keys.clear();
		ports.clear();
		return rc;
	}

	template <size_t N>
	static int insert_rows(Stmt &many, Stmt &one, const std::vector<std::array<int64_t, N>> &rows)
	{
		size_t i = 0;
		for (; i + kRowsPerInsert <= rows.size(); i += kRowsPerInsert) {
			int col = 1;
			for (size_t r = i; r < i + kRowsPerInsert; ++r)
				for (int64_t v : rows[r])
					many.bind(col++, v);
			if (int rc = run(many))
				return rc;
		}
		for (; i < rows.size(); ++i) {
			int col = 1;
			for (int64_t v : rows[i])
				one.bind(col++, v);
			if (int rc = run(one))
				return rc;
		}
		return SQLITE_OK;
	}

	// After a rollback the ids written in it no longer exist.
	void forget_pending()
	{
		for (const auto &s : pending_strings)
			strings.erase(s);
		pending_strings.clear();
		for (const auto &a : pending_actors)
			actors.erase(a);
		pending_actors.clear();
		recent.clear();
	}
};

struct Store::Impl {
	StoreOptions opts;
	std::string dir;
	gid_t gid = 0;
	std::unique_ptr<HourDb> cur;
	dev_t cur_dev = 0; // cur's file, to notice it removed or replaced under the store
	ino_t cur_ino = 0;
	std::string removed_tail; // name of a removed cur: the next file chains from it
	const char *epoch_reason = "open"; // why the next unrecorded epoch began
	Link last_link = kGenesisLink;
	uint64_t next_seq = 1;
	uint64_t epoch = 1;
	bool epoch_recorded = false; // the epochs table has this epoch's row
	std::vector<std::string> pending_close;
	Chainer chainer;
	linesman::v1::Event msg;
	linesman::v1::Process proc_msg;
	std::string body, actor_body;
	int64_t actor_id = 0;
	Link actor_digest{};
	// The open batch's event_keys and event_ports rows, written sorted before COMMIT.
	std::vector<std::array<int64_t, 3>> pending_keys;
	std::vector<std::array<int64_t, 3>> pending_ports;

	Status open_dirs();
	Status open_newest();
	void set_cur(std::unique_ptr<HourDb> h);
	bool cur_removed() const;
	Error drop_removed_cur();
	Result<std::unique_ptr<HourDb>> open_existing(const HourFile &f);
	Result<std::unique_ptr<HourDb>> create_hour(int64_t hour, uint64_t file_epoch);
	Status write_run(std::span<const Event> run, int64_t hour, bool after_loss);
	int insert_event(HourDb &db, const Event &ev, Link *link);
	void shed(uint64_t need, RetentionReport *rep);
	void retry_pending_close();
	void delete_file(const HourFile &f, const char *reason, RetentionReport *rep);
	Result<FsSpace> fs_space();
};

Status Store::Impl::open_dirs()
{
	if (Status st = make_state_dir(opts.state_dir, gid); !st)
		return st;
	if (mkdir(dir.c_str(), kDirMode) != 0 && errno != EEXIST)
		return Error::from_errno(errno, "cannot create the event store " + dir);
	// Set both even when the folder existed: a copy restored by hand keeps the rule.
	if (chmod(dir.c_str(), kDirMode) != 0)
		return Error::from_errno(errno, "cannot set the mode of " + dir);
	if (chown(dir.c_str(), uid_t(-1), gid) != 0 && geteuid() == 0)
		return Error::from_errno(errno, "cannot set the group of " + dir);
	return ok();
}

Result<std::unique_ptr<HourDb>> Store::Impl::open_existing(const HourFile &f)
{
	auto h = std::make_unique<HourDb>();
	h->hour = f.hour;
	// The newest hour was closed by a rollover whose next file never committed (a kill
	// in between): it is still the chain's tail, so it becomes writable again.
	chmod(f.path.c_str(), kFileMode);
	auto db = Db::open(f.path, SQLITE_OPEN_READWRITE);
	if (!db)
		return db.error();
	h->db = std::move(*db);
	if (Status st = configure_writer(h->db); !st)
		return st.error();
	if (Status st = h->prepare(); !st)
		return st.error();
	return h;
}

Status Store::Impl::open_newest()
{
	auto files = list_hour_files(dir);
	if (!files)
		return files.error();
	while (!files->empty()) {
		HourFile f = files->back();
		auto db = Db::open(f.path, SQLITE_OPEN_READWRITE);
		if (!db)
			return Error(db.error().code(), db.error().message() +
							     "; move the file aside to start a new one");
		auto meta = Stmt::prepare(*db, "SELECT key, value FROM meta");
		if (!meta) {
			// A file is created in the same transaction as its first events: no meta
			// table means a kill before that commit, and nothing in it to keep.
			db->close();
			remove_hour_file(f.path);
			files->pop_back();
			continue;
		}
		std::string prev_link;
		uint64_t prev_seq = 0;
		int64_t schema = 0;
		while (meta->step() == SQLITE_ROW) {
			std::string_view k = meta->text(0);
			if (k == kMetaPrevLink)
				prev_link = meta->blob(1);
			else if (k == kMetaPrevSeq)
				prev_seq = uint64_t(meta->int64(1));
			else if (k == kMetaEpoch)
				epoch = std::max<uint64_t>(epoch, uint64_t(meta->int64(1)));
			else if (k == kMetaSchema)
				schema = meta->int64(1);
		}
		if (schema != kStoreSchemaVersion)
			return Error(f.path + " has store schema " + std::to_string(schema) + ", this agent writes " +
				     std::to_string(kStoreSchemaVersion) +
				     (schema > kStoreSchemaVersion ? ": upgrade linesman or move the event store aside"
								   : ": move the file aside to start a new one"));
		auto last = Stmt::prepare(*db, "SELECT seq, link FROM events ORDER BY seq DESC LIMIT 1");
		if (!last)
			return last.error();
		int rc = last->step();
		if (rc == SQLITE_ROW) {
			next_seq = uint64_t(last->int64(0)) + 1;
			auto l = link_from_blob(last->blob(1));
			if (!l)
				return Error(f.path + ": the last event's chain link is damaged; move the "
						      "file aside to start a new one");
			last_link = *l;
		} else if (rc == SQLITE_DONE) {
			next_seq = prev_seq + 1;
			last_link = link_from_blob(prev_link).value_or(kGenesisLink);
		} else {
			return db->error("cannot read the newest events", rc);
		}
		*last = Stmt();
		// A gap declared at a start (declare_gap) may end the file: its seqs are
		// spent, and the next run continues after them.
		auto gap = Stmt::prepare(*db, "SELECT max(last_seq) FROM gaps");
		if (gap && gap->step() == SQLITE_ROW && !gap->is_null(0))
			next_seq = std::max<uint64_t>(next_seq, uint64_t(gap->int64(0)) + 1);
		*gap = Stmt();
		auto ep = Stmt::prepare(*db, "SELECT max(epoch) FROM epochs");
		if (ep && ep->step() == SQLITE_ROW && !ep->is_null(0))
			epoch = std::max<uint64_t>(epoch, uint64_t(ep->int64(0)));
		epoch += 1; // this run of the agent
		*ep = Stmt();
		*meta = Stmt();
		db->close();

		auto h = open_existing(f);
		if (!h)
			return h.error();
		set_cur(std::move(*h));
		files->pop_back();
		break;
	}
	// Earlier hours left writable by a kill during a rollover, or a reader that held
	// them then.
	for (const auto &f : *files) {
		struct stat st{};
		auto hdr = read_db_header(f.path);
		if ((hdr && hdr->wal) || (stat(f.path.c_str(), &st) == 0 && (st.st_mode & 0222)))
			if (!close_hour_file(f.path))
				pending_close.push_back(f.path);
	}
	return ok();
}

Result<std::unique_ptr<HourDb>> Store::Impl::create_hour(int64_t hour, uint64_t file_epoch)
{
	std::string path = dir + "/" + hour_name(hour) + ".db";
	// Created here, not by SQLite, to get 0640 and the group from the start (SQLite
	// gives its -wal and -shm the database file's mode and owner).
	int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, kFileMode);
	if (fd < 0)
		return Error::from_errno(errno, "cannot create hour file " + path);
	fchmod(fd, kFileMode);
	if (fchown(fd, uid_t(-1), gid) != 0 && geteuid() == 0) {
		int err = errno;
		::close(fd);
		unlink(path.c_str());
		return Error::from_errno(err, "cannot set the group of " + path);
	}
	::close(fd);

	auto fail = [&](Error e) -> Result<std::unique_ptr<HourDb>> {
		remove_hour_file(path);
		return e;
	};
	auto h = std::make_unique<HourDb>();
	h->hour = hour;
	auto db = Db::open(path, SQLITE_OPEN_READWRITE);
	if (!db)
		return fail(db.error());
	h->db = std::move(*db);
	// Before WAL mode, which fixes the page size. 16 KiB pages make shallower b-trees
	// with fewer splits for an append-mostly log: about +10% events/s over 4 KiB.
	if (Status st = h->db.exec("PRAGMA page_size=16384"); !st)
		return fail(st.error());
	if (Status st = configure_writer(h->db); !st)
		return fail(st.error());
	if (Status st = h->db.exec("BEGIN"); !st)
		return fail(st.error());
	if (Status st = h->db.exec(kSchemaSql); !st)
		return fail(st.error());
	auto ins = Stmt::prepare(h->db, "INSERT INTO meta(key, value) VALUES (?,?)");
	if (!ins)
		return fail(ins.error());
	auto put = [&](const char *k, auto v) {
		ins->bind(1, k);
		if constexpr (std::is_same_v<decltype(v), Link>)
			ins->bind_blob_static(2, v.data(), v.size());
		else
			ins->bind(2, v);
		return HourDb::run(*ins);
	};
	std::string prev_file = cur ? basename_of(cur->path()) : removed_tail;
	for (int rc : {put(kMetaSchema, int64_t(kStoreSchemaVersion)), put(kMetaHost, std::string_view(opts.host)),
		       put(kMetaEpoch, int64_t(file_epoch)), put(kMetaHour, std::string_view(hour_name(hour))),
		       put(kMetaPrevLink, last_link), put(kMetaPrevFile, std::string_view(prev_file)),
		       put(kMetaPrevSeq, int64_t(next_seq - 1)),
		       put(kMetaCreated, int64_t(clock::realtime_ns()))}) {
		if (rc != SQLITE_OK)
			return fail(h->db.error("cannot write the new hour file's meta", rc));
	}
	*ins = Stmt();
	if (Status st = h->prepare(); !st)
		return fail(st.error());
	return h; // inside the open transaction: the caller's events commit with the schema
}

int Store::Impl::insert_event(HourDb &h, const Event &ev, Link *link)
{
	// The event without its process, and the process's actors row (see schema.h).
	output::to_proto_without_process(ev, &msg);
	body.clear();
	if (!msg.SerializeToString(&body))
		return SQLITE_MISUSE;

	int rc;
	const Process &p = ev.process;
	HourDb::Recent &last = h.recent[uint64_t(p.pid) << 32 | p.tid];
	if (!last.id || !(last.process == p)) {
		output::to_proto(p, &proc_msg);
		actor_body.clear();
		if (!proc_msg.SerializeToString(&actor_body))
			return SQLITE_MISUSE;
		Link digest;
		if (!chainer.digest(actor_body, &digest))
			return SQLITE_NOMEM;
		int64_t id = 0;
		if ((rc = h.actor(p, actor_body, digest, &id)))
			return rc;
		if (h.recent.size() > kRecentMax) {
			h.recent.clear(); // `last` is gone with it; the next event looks up again
		} else {
			last.process = p;
			last.id = id;
			last.digest = digest;
		}
		actor_id = id;
		actor_digest = digest;
	} else {
		actor_id = last.id;
		actor_digest = last.digest;
	}
	if (!chainer.next(*link, body, actor_digest, link))
		return SQLITE_NOMEM;

	Stmt &st = h.ins_event;
	st.bind(1, int64_t(ev.seq));
	st.bind(2, int64_t(ev.time_ns));
	st.bind(3, int64_t(ev.type));
	st.bind(4, int64_t(ev.seq >> kBucketShift));
	st.bind(5, actor_id);
	st.bind_blob_static(6, body.data(), body.size());
	st.bind_blob_static(7, link->data(), link->size());
	if ((rc = HourDb::run(st)))
		return rc;

	auto key = [&](int64_t k) {
		pending_keys.push_back({int64_t(ev.seq >> kBucketShift), k, int64_t(ev.seq)});
		return SQLITE_OK;
	};
	auto string_key = [&](KeyKind kind, const std::string &text) {
		int64_t id = 0;
		int r = h.intern(text, &id);
		if (r == SQLITE_OK && id)
			r = key(make_key(kind, id));
		return r;
	};
	if (auto *f = std::get_if<FileDetails>(&ev.details)) {
		for (const std::string *p : {&f->path, &f->new_path, &f->target})
			if ((rc = string_key(KeyKind::Path, *p)))
				return rc;
	} else if (auto *n = std::get_if<NetDetails>(&ev.details)) {
		for (uint32_t port : {n->local_port, n->remote_port}) {
			if (!port)
				continue;
			pending_ports.push_back({int64_t(ev.seq >> kBucketShift), int64_t(port), int64_t(ev.seq)});
		}
		for (const std::string *a : {&n->local_addr, &n->remote_addr})
			if ((rc = string_key(KeyKind::Addr, *a)))
				return rc;
	}
	return SQLITE_OK;
}

Status Store::Impl::write_run(std::span<const Event> run, int64_t hour, bool after_loss)
{
	uint64_t run_epoch = after_loss && epoch_recorded ? epoch + 1 : epoch;
	std::unique_ptr<HourDb> fresh;
	HourDb *h = cur.get();
	if (!cur || hour > cur->hour) {
		auto c = create_hour(hour, run_epoch);
		if (!c)
			return c.error();
		fresh = std::move(*c);
		h = fresh.get();
	} else if (Status st = h->db.exec("BEGIN"); !st) {
		return st;
	}

	Link link = last_link;
	int rc = SQLITE_OK;
	if (after_loss || !epoch_recorded) {
		h->ins_epoch.bind(1, int64_t(run_epoch));
		h->ins_epoch.bind(2, int64_t(run.front().seq));
		h->ins_epoch.bind(3, int64_t(clock::realtime_ns()));
		h->ins_epoch.bind(4, after_loss ? "loss" : epoch_reason);
		rc = HourDb::run(h->ins_epoch);
	}
	if (rc == SQLITE_OK && after_loss && run.front().seq > next_seq) {
		h->ins_gap.bind(1, int64_t(next_seq));
		h->ins_gap.bind(2, int64_t(run.front().seq - 1));
		h->ins_gap.bind(3, int64_t(run_epoch));
		rc = HourDb::run(h->ins_gap);
	}
	pending_keys.clear();
	pending_ports.clear();
	for (size_t i = 0; rc == SQLITE_OK && i < run.size(); ++i)
		rc = insert_event(*h, run[i], &link);
	if (rc == SQLITE_OK)
		rc = h->write_keys(pending_keys, pending_ports);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h->db.get(), "COMMIT", nullptr, nullptr, nullptr);
	if (rc != SQLITE_OK) {
		Error e = h->db.error("cannot store events", rc);
		// SQLite may have rolled back already (SQLITE_FULL does): ROLLBACK only when a
		// transaction is still open.
		if (!sqlite3_get_autocommit(h->db.get()))
			sqlite3_exec(h->db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
		h->forget_pending();
		if (fresh) {
			std::string path = fresh->path();
			fresh.reset();
			remove_hour_file(path);
		}
		return e;
	}
	h->pending_strings.clear();
	h->pending_actors.clear();
	last_link = link;
	next_seq = run.back().seq + 1;
	epoch = run_epoch;
	epoch_recorded = true;
	if (fresh) {
		std::string old = cur ? cur->path() : "";
		set_cur(std::move(fresh));
		removed_tail.clear();
		if (!old.empty() && !close_hour_file(old))
			pending_close.push_back(old);
	}
	return ok();
}

void Store::Impl::set_cur(std::unique_ptr<HourDb> h)
{
	cur = std::move(h);
	struct stat st{};
	if (cur && stat(cur->path().c_str(), &st) == 0) {
		cur_dev = st.st_dev;
		cur_ino = st.st_ino;
	}
}

// SQLite keeps writing to an open file after it was unlinked: without this check, a
// deleted events folder would swallow every later event without an error.
bool Store::Impl::cur_removed() const
{
	if (!cur)
		return false;
	struct stat st{};
	if (stat(cur->path().c_str(), &st) != 0)
		return errno == ENOENT || errno == ENOTDIR;
	return st.st_dev != cur_dev || st.st_ino != cur_ino;
}

// The next append creates the folder (open_dirs) and a new hour file chained from the
// removed file's last link: verify then notes that the chain starts in a file that is
// not there, and the new epoch (reason "recreated") marks the break in the log.
Error Store::Impl::drop_removed_cur()
{
	std::string path = cur->path();
	cur.reset();
	removed_tail = basename_of(path);
	std::erase_if(pending_close, [](const std::string &p) { return access(p.c_str(), F_OK) != 0; });
	if (epoch_recorded)
		epoch += 1;
	epoch_recorded = false;
	epoch_reason = "recreated";
	return Error(std::error_code(ENOENT, std::system_category()),
		     "the hour file " + path + " was removed while the agent was writing it (was " + dir +
			 " deleted?); the events stored in it are gone. New events go to a new hour file in " +
			 dir + ", which the agent recreates; restore the removed file from a backup to keep "
			 "its history");
}

void Store::Impl::retry_pending_close()
{
	std::erase_if(pending_close, [](const std::string &p) { return bool(close_hour_file(p)); });
}

void Store::Impl::delete_file(const HourFile &f, const char *reason, RetentionReport *rep)
{
	FileSummary s = summarize(f.path);
	uint64_t bytes = remove_hour_file(f.path);
	std::erase(pending_close, f.path);
	rep->deleted.push_back({f.path, reason, s.events, s.first_seq, s.last_seq, bytes});
	rep->events += s.events;
	rep->bytes += bytes;
}

void Store::Impl::shed(uint64_t need, RetentionReport *rep)
{
	auto files = list_hour_files(dir);
	if (!files)
		return;
	uint64_t freed = 0;
	for (const auto &f : *files) {
		if (freed >= need || (cur && f.path == cur->path()))
			break;
		size_t before = rep->bytes;
		delete_file(f, "disk_full", rep);
		freed += rep->bytes - before;
	}
}

Result<FsSpace> Store::Impl::fs_space()
{
	if (opts.fs_space)
		return opts.fs_space(dir);
	struct statvfs sv{};
	if (statvfs(dir.c_str(), &sv) != 0)
		return Error::from_errno(errno, "cannot read the free space of " + dir);
	return FsSpace{uint64_t(sv.f_blocks) * sv.f_frsize, uint64_t(sv.f_bavail) * sv.f_frsize};
}

Result<Store> Store::open(StoreOptions opts)
{
	auto impl = std::make_unique<Impl>();
	impl->dir = events_dir_of(opts.state_dir);
	impl->gid = store_gid(opts.group);
	impl->opts = std::move(opts);
	if (Status st = impl->open_dirs(); !st)
		return st.error();
	if (Status st = impl->open_newest(); !st)
		return st.error();
	return Store(std::move(impl));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store &&) noexcept = default;
Store &Store::operator=(Store &&) noexcept = default;
Store::~Store() = default;

Status Store::declare_gap(uint64_t last_seq, const std::string &reason)
{
	Impl &s = *impl_;
	if (last_seq < s.next_seq)
		return ok();
	std::unique_ptr<HourDb> fresh;
	HourDb *h = s.cur.get();
	if (!h) {
		// An empty log (or an events folder emptied by hand): the gap starts a file of
		// the current hour, which the first batch then continues.
		auto c = s.create_hour(hour_of(clock::realtime_ns()), s.epoch);
		if (!c)
			return c.error();
		fresh = std::move(*c);
		h = fresh.get();
	} else if (Status st = h->db.exec("BEGIN"); !st) {
		return st;
	}
	const uint64_t gap_epoch = s.epoch_recorded ? s.epoch + 1 : s.epoch;
	h->ins_epoch.bind(1, int64_t(gap_epoch));
	h->ins_epoch.bind(2, int64_t(last_seq + 1));
	h->ins_epoch.bind(3, int64_t(clock::realtime_ns()));
	h->ins_epoch.bind(4, reason);
	int rc = HourDb::run(h->ins_epoch);
	if (rc == SQLITE_OK) {
		h->ins_gap.bind(1, int64_t(s.next_seq));
		h->ins_gap.bind(2, int64_t(last_seq));
		h->ins_gap.bind(3, int64_t(gap_epoch));
		rc = HourDb::run(h->ins_gap);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h->db.get(), "COMMIT", nullptr, nullptr, nullptr);
	if (rc != SQLITE_OK) {
		Error e = h->db.error("cannot declare seqs " + std::to_string(s.next_seq) + ".." +
					      std::to_string(last_seq) + " as a gap",
				      rc);
		if (!sqlite3_get_autocommit(h->db.get()))
			sqlite3_exec(h->db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
		if (fresh) {
			std::string path = fresh->path();
			fresh.reset();
			remove_hour_file(path);
		}
		return e;
	}
	s.next_seq = last_seq + 1;
	s.epoch = gap_epoch;
	s.epoch_recorded = true;
	if (fresh)
		s.set_cur(std::move(fresh));
	return ok();
}

uint64_t Store::next_seq() const { return impl_->next_seq; }
uint64_t Store::epoch() const { return impl_->epoch; }
std::string Store::current_file() const { return impl_->cur ? impl_->cur->path() : ""; }
const std::string &Store::events_dir() const { return impl_->dir; }

AppendReport Store::append(std::span<const Event> batch, Continuity continuity)
{
	AppendReport rep;
	const size_t n = batch.size();
	if (n == 0)
		return rep;
	Impl &s = *impl_;
	auto refuse = [&](std::string why) {
		rep.not_stored = n;
		rep.error = Error(std::to_string(n) + " of " + std::to_string(n) + " events not stored: " + why);
		return rep;
	};
	uint64_t first = batch.front().seq;
	if (continuity == Continuity::Contiguous && first != s.next_seq)
		return refuse("the batch starts at seq " + std::to_string(first) + ", the store expects " +
			      std::to_string(s.next_seq) + " (pass AfterLoss after a loss)");
	if (first < s.next_seq)
		return refuse("seq " + std::to_string(first) + " is already stored (seqs are never reused)");
	for (size_t i = 1; i < n; ++i)
		if (batch[i].seq != batch[i - 1].seq + 1)
			return refuse("seqs within a batch must be contiguous: " + std::to_string(batch[i - 1].seq) +
				      " is followed by " + std::to_string(batch[i].seq));

	if (s.cur_removed())
		rep.recreated = s.drop_removed_cur();
	if (!s.cur) {
		// An empty store, or its folder removed: (re)create the folders first, so
		// that the error names them when that fails (a read-only filesystem).
		if (Status st = s.open_dirs(); !st) {
			rep.not_stored = n;
			rep.error = Error(st.error().code(), std::to_string(n) + " of " + std::to_string(n) +
								      " events not stored: " + st.error().message());
			return rep;
		}
	}
	s.retry_pending_close();
	bool after_loss = continuity == Continuity::AfterLoss;
	size_t i = 0;
	while (i < n) {
		int64_t target = std::max(s.cur ? s.cur->hour : INT64_MIN, hour_of(batch[i].time_ns));
		size_t j = i + 1;
		while (j < n && hour_of(batch[j].time_ns) <= target)
			++j;
		auto run = batch.subspan(i, j - i);
		const uint64_t seq_before = s.next_seq;
		const Link link_before = s.last_link;
		Status st = s.write_run(run, target, after_loss);
		if (st && s.cur_removed()) {
			// Removed during the commit: the run went into an unlinked file. Its seqs
			// are lost; the next file chains from before it and declares them.
			s.next_seq = seq_before;
			s.last_link = link_before;
			st = Error(std::error_code(ENOENT, std::system_category()),
				   "the hour file " + s.cur->path() + " was removed while these events were written to it");
		}
		if (!st && is_disk_full(st.error())) {
			uint64_t need = kShedSlack;
			for (const Event &ev : run)
				need += 2 * (ev.process.argv.size() * 32 + 512); // a generous body estimate
			size_t before = rep.shed.deleted.size();
			s.shed(need, &rep.shed);
			if (rep.shed.deleted.size() > before) {
				target = std::max(s.cur ? s.cur->hour : INT64_MIN, target);
				st = s.write_run(run, target, after_loss);
			}
		}
		if (!st) {
			rep.not_stored = n - i;
			std::string msg = std::to_string(n - i) + " of " + std::to_string(n) +
					  " events not stored: " + st.error().message();
			if (is_disk_full(st.error()))
				msg += rep.shed.empty() ? " (disk full and no closed hour file left to delete)"
							: " (disk full even after deleting the oldest hours)";
			else
				msg += " (check that " + s.dir + " exists and is writable and that its filesystem is "
				       "not read-only; the store retries with every batch)";
			rep.error = Error(st.error().code(), std::move(msg));
			return rep;
		}
		rep.stored += run.size();
		after_loss = false;
		i = j;
	}
	return rep;
}

Result<RetentionReport> Store::apply_retention(std::chrono::system_clock::time_point now)
{
	Impl &s = *impl_;
	s.retry_pending_close();
	auto files = list_hour_files(s.dir);
	if (!files)
		return files.error();
	uint64_t total = 0;
	for (const auto &f : *files)
		total += file_bytes(f.path);
	auto space = s.fs_space();
	if (!space)
		return space.error();

	int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
	int64_t max_age_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(s.opts.max_age).count();
	auto low_on_space = [&] {
		return double(space->available) < s.opts.keep_free * double(space->total);
	};
	RetentionReport rep;
	for (const auto &f : *files) {
		if (s.cur && f.path == s.cur->path())
			break;
		const char *reason = nullptr;
		// An hour is past max_age when its last possible event is.
		if (int64_t(uint64_t(f.hour + 1) * kNsPerHour) <= now_ns - max_age_ns)
			reason = "max_age";
		else if (total > s.opts.max_size)
			reason = "max_size";
		else if (low_on_space())
			reason = "keep_free";
		if (!reason)
			break; // oldest first: the rest are newer and within every limit
		uint64_t before = rep.bytes;
		s.delete_file(f, reason, &rep);
		uint64_t freed = rep.bytes - before;
		total -= std::min(total, freed);
		if (!s.opts.fs_space) {
			if (auto again = s.fs_space())
				space = std::move(again);
		} else {
			space->available += freed; // a test's fake filesystem
		}
	}
	rep.current_over_budget = s.cur && (total > s.opts.max_size || low_on_space());
	return rep;
}

} // namespace linesman::store
