// SPDX-License-Identifier: Apache-2.0
#include "store/verify.h"

#include <sys/stat.h>

#include <map>
#include <optional>
#include <utility>

#include "linesman/v1/event.pb.h"
#include "store/chain.h"
#include "store/layout.h"
#include "store/schema.h"
#include "store/sqlite.h"

namespace linesman::store {
namespace {

std::string name_of(const std::string &path)
{
	auto slash = path.rfind('/');
	return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string seqs(uint64_t first, uint64_t last)
{
	return first == last ? "seq " + std::to_string(first)
			     : "seqs " + std::to_string(first) + ".." + std::to_string(last);
}

// The tail of the previous file, when it was read whole.
struct Tail {
	std::string name;
	Link link;
	uint64_t last_seq = 0;
};

// Declared gaps of a file: first_seq -> (last_seq, the reason of their epoch).
using Declared = std::map<uint64_t, std::pair<uint64_t, std::string>>;

std::string why(const std::string &reason)
{
	if (reason == "unclean_stop")
		return "the agent was killed before storing them; seqs after the last one it printed live were "
		       "never used";
	if (reason == "seq_file_unreadable")
		return "skipped at a start: the seq reservation file was unreadable";
	return "the agent could not store them";
}

// Whether declared gaps, end to end, cover exactly seqs a..b (a run killed before it
// stored anything, then a store loss, declares two adjacent gaps); notes each one.
bool covers(const Declared &declared, uint64_t a, uint64_t b, std::vector<std::string> *notes)
{
	std::vector<std::string> found;
	for (uint64_t at = a; at <= b;) {
		auto g = declared.find(at);
		if (g == declared.end() || g->second.first > b || g->second.first < at)
			return false;
		found.push_back("declared loss: " + seqs(at, g->second.first) + " (" + why(g->second.second) + ")");
		at = g->second.first + 1;
	}
	notes->insert(notes->end(), found.begin(), found.end());
	return true;
}

struct Meta {
	std::optional<Link> prev_link;
	std::string prev_file;
	uint64_t prev_last_seq = 0;
};

void check_file(const HourFile &f, std::optional<Tail> &tail, FileCheck &out)
{
	auto problem = [&](ProblemKind k, uint64_t first, uint64_t last, std::string detail) {
		out.problems.push_back({k, f.path, first, last, std::move(detail)});
	};
	const std::optional<Tail> prev = std::exchange(tail, std::nullopt);

	struct stat st{};
	uint64_t size = stat(f.path.c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
	auto hdr = read_db_header(f.path);
	if (!hdr) {
		if (size < 100)
			problem(ProblemKind::Truncated, 0, 0,
				"the file has " + std::to_string(size) + " bytes, less than a SQLite header");
		else
			problem(ProblemKind::Unreadable, 0, 0, "not a SQLite database");
		return;
	}
	if (hdr->page_count_valid && size < uint64_t(hdr->page_count) * hdr->page_size)
		problem(ProblemKind::Truncated, 0, 0,
			"the file has " + std::to_string(size) + " bytes, its header says " +
			    std::to_string(uint64_t(hdr->page_count) * hdr->page_size));

	auto db = Db::open(f.path, SQLITE_OPEN_READONLY);
	if (!db) {
		if (db.error().code() == std::errc::permission_denied)
			problem(ProblemKind::Unreadable, 0, 0, permission_error(f.path, EACCES).message());
		else
			problem(ProblemKind::Unreadable, 0, 0, db.error().message());
		return;
	}
	Meta meta;
	{
		auto m = Stmt::prepare(*db, "SELECT key, value FROM meta");
		if (!m) {
			problem(ProblemKind::Unreadable, 0, 0, m.error().message());
			return;
		}
		int rc;
		while ((rc = m->step()) == SQLITE_ROW) {
			std::string_view k = m->text(0);
			if (k == kMetaPrevLink)
				meta.prev_link = link_from_blob(m->blob(1));
			else if (k == kMetaPrevFile)
				meta.prev_file = m->text(1);
			else if (k == kMetaPrevSeq)
				meta.prev_last_seq = uint64_t(m->int64(1));
		}
		if (rc != SQLITE_DONE) {
			problem(ProblemKind::Unreadable, 0, 0, db->error("cannot read meta", rc).message());
			return;
		}
		if (!meta.prev_link) {
			problem(ProblemKind::Unreadable, 0, 0, "meta has no valid prev_link");
			return;
		}
	}

	// Across files.
	if (prev) {
		if (meta.prev_last_seq > prev->last_seq)
			problem(ProblemKind::DeletedRows, prev->last_seq + 1, meta.prev_last_seq,
				"missing from the end of " + prev->name + " (this file chains from seq " +
				    std::to_string(meta.prev_last_seq) + ")");
		else if (meta.prev_file != prev->name || *meta.prev_link != prev->link)
			problem(ProblemKind::BrokenFileLink, 0, 0,
				"prev_link does not match the last link of " + prev->name +
				    (meta.prev_file != prev->name ? " (it names " + meta.prev_file + ")" : ""));
	} else if (!meta.prev_file.empty()) {
		out.notes.push_back("chains from " + meta.prev_file +
				    ", which is not here or not readable (deleted by retention?)");
	}

	Declared declared;
	{
		auto g = Stmt::prepare(*db, "SELECT g.first_seq, g.last_seq, e.reason FROM gaps g "
					    "LEFT JOIN epochs e ON e.epoch = g.epoch");
		if (g)
			while (g->step() == SQLITE_ROW)
				declared[uint64_t(g->int64(0))] = {uint64_t(g->int64(1)), std::string(g->text(2))};
	}

	// The columns of every actor row against its body, once per row: they are what
	// --pid, --exec-id, --exe and --user search, and the chain covers only the body.
	{
		auto a = Stmt::prepare(*db, "SELECT a.id, a.pid, a.body, s1.text, s2.text, s3.text, s4.text FROM actors a "
					    "LEFT JOIN strings s1 ON s1.id = a.exec_id_id "
					    "LEFT JOIN strings s2 ON s2.id = a.exe_id "
					    "LEFT JOIN strings s3 ON s3.id = a.user_id "
					    "LEFT JOIN strings s4 ON s4.id = a.container_id ORDER BY a.id");
		if (!a) {
			problem(ProblemKind::Unreadable, 0, 0, a.error().message());
			return;
		}
		auto users = Stmt::prepare(*db, "SELECT min(seq), max(seq) FROM events WHERE actor_id = ?");
		linesman::v1::Process p;
		while (a->step() == SQLITE_ROW) {
			std::string_view body = a->blob(2);
			if (p.ParseFromArray(body.data(), int(body.size())) && int64_t(p.pid()) == a->int64(1) &&
			    p.exec_id() == a->text(3) && p.exe() == a->text(4) && p.user() == a->text(5) &&
			    p.container_id() == a->text(6))
				continue;
			uint64_t first = 0, last = 0;
			if (users) {
				users->bind(1, a->int64(0));
				if (users->step() == SQLITE_ROW && !users->is_null(0))
					first = uint64_t(users->int64(0)), last = uint64_t(users->int64(1));
				users->reset();
			}
			problem(ProblemKind::BadRow, first, last,
				"the pid, exec_id, exe, user or container column of its process row " +
				    std::to_string(a->int64(0)) + " differs from the row's body");
		}
	}

	auto rows = Stmt::prepare(*db, "SELECT e.seq, e.time_ns, e.type, e.actor_id, e.body, a.body, e.link, e.bucket "
				       "FROM events e LEFT JOIN actors a ON a.id = e.actor_id ORDER BY e.seq");
	if (!rows) {
		problem(ProblemKind::Unreadable, 0, 0, rows.error().message());
		return;
	}
	Chainer chainer;
	linesman::v1::Event msg;
	Link link = *meta.prev_link;
	uint64_t last = meta.prev_last_seq;
	int rc;
	while ((rc = rows->step()) == SQLITE_ROW) {
		uint64_t seq = uint64_t(rows->int64(0));
		std::string_view body = rows->blob(4), actor = rows->blob(5);
		const bool actor_missing = rows->is_null(5);
		auto stored = link_from_blob(rows->blob(6));
		Link computed, actor_digest;
		chainer.digest(actor, &actor_digest);
		chainer.next(link, body, actor_digest, &computed);
		bool chain_ok = stored && *stored == computed;

		if (out.events == 0)
			out.first_seq = seq;
		out.events++;
		out.last_seq = seq;

		if (seq > last + 1) {
			uint64_t a = last + 1, b = seq - 1;
			if (!chain_ok)
				problem(ProblemKind::DeletedRows, a, b,
					"missing, and " + seqs(seq, seq) + " does not chain from " +
					    seqs(last, last));
			else if (!covers(declared, a, b, &out.notes))
				problem(ProblemKind::SeqGap, a, b, "missing, but the chain is intact and no loss was declared");
		} else if (seq <= last) {
			problem(ProblemKind::BadRow, seq, seq,
				"seq is not after the previous file's last seq " + std::to_string(last));
		} else if (actor_missing) {
			problem(ProblemKind::EditedRow, seq, seq,
				"its process row " + std::to_string(rows->int64(3)) + " is missing");
		} else if (!chain_ok) {
			problem(ProblemKind::EditedRow, seq, seq, "its link does not match its body and process");
		}

		if (actor_missing) {
			// reported above
		} else if (!msg.ParseFromArray(body.data(), int(body.size())) ||
			   !msg.mutable_process()->ParseFromArray(actor.data(), int(actor.size()))) {
			problem(ProblemKind::BadRow, seq, seq, "the body does not parse");
		} else if (msg.seq() != seq || int64_t(msg.time_ns()) != rows->int64(1) ||
			   msg.type() != rows->int64(2) || rows->int64(7) != int64_t(seq >> kBucketShift)) {
			problem(ProblemKind::BadRow, seq, seq, "seq, time_ns, type or bucket differ from the body");
		}

		// The next row chains from the stored link, so one edit is reported once.
		link = stored.value_or(computed);
		last = seq;
	}
	if (rc != SQLITE_DONE) {
		problem(ProblemKind::Unreadable, last + 1, 0,
			db->error("cannot read the rows after " + seqs(last, last), rc).message());
		return;
	}
	// Gaps declared after the last event (at a start, before any batch committed):
	// the next file chains from their end.
	for (auto g = declared.find(last + 1); g != declared.end() && g->second.first > last;
	     g = declared.find(last + 1)) {
		covers(declared, last + 1, g->second.first, &out.notes);
		last = g->second.first;
	}
	tail = Tail{name_of(f.path), link, last};
}

} // namespace

const char *to_string(ProblemKind kind)
{
	switch (kind) {
	case ProblemKind::Unreadable:
		return "unreadable";
	case ProblemKind::Truncated:
		return "truncated";
	case ProblemKind::EditedRow:
		return "edited row";
	case ProblemKind::DeletedRows:
		return "deleted rows";
	case ProblemKind::SeqGap:
		return "seq gap";
	case ProblemKind::BrokenFileLink:
		return "broken link between files";
	case ProblemKind::BadRow:
		return "bad row";
	}
	return "unknown";
}

std::string describe(const Problem &p)
{
	std::string s = name_of(p.file) + ": " + to_string(p.kind);
	if (p.first_seq && p.last_seq >= p.first_seq)
		s += ": " + seqs(p.first_seq, p.last_seq);
	else if (p.first_seq)
		s += ": from seq " + std::to_string(p.first_seq);
	if (!p.detail.empty())
		s += " (" + p.detail + ")";
	return s;
}

std::vector<Problem> VerifyReport::problems() const
{
	std::vector<Problem> all;
	for (const auto &f : files)
		all.insert(all.end(), f.problems.begin(), f.problems.end());
	return all;
}

std::string resolve_events_dir(const std::string &dir)
{
	struct stat st{};
	std::string events = events_dir_of(dir);
	return stat(events.c_str(), &st) == 0 && S_ISDIR(st.st_mode) ? events : dir;
}

Result<VerifyReport> verify(const std::string &dir)
{
	auto files = list_hour_files(resolve_events_dir(dir));
	if (!files)
		return files.error();
	VerifyReport rep;
	std::optional<Tail> tail;
	for (const auto &f : *files) {
		FileCheck fc;
		fc.path = f.path;
		check_file(f, tail, fc);
		rep.files.push_back(std::move(fc));
	}
	return rep;
}

} // namespace linesman::store
