// SPDX-License-Identifier: Apache-2.0
// The schema of one hour file. Shared by the writer (store.cpp), the reader and verify.
#pragma once

#include <cstdint>

namespace linesman::store {

inline constexpr int kStoreSchemaVersion = 2;

// event_keys.key = kind << 48 | value: one WITHOUT ROWID b-tree answers "events with
// this path / address" for values an event may hold twice (local and remote address,
// rename's old and new path). Most events have none of them, so a sparse table costs
// nothing for them, where indexed columns would cost an index entry each.
enum class KeyKind : int64_t {
	Path = 1, // file path, new_path, target (string id)
	Addr = 3, // net local_addr, remote_addr (string id)
};

// Every index whose values recur out of seq order (a process's events, a path, an
// address, a port) leads with bucket = seq >> kBucketShift. Ordered by value alone,
// each commit would insert at thousands of places across the whole hour's b-tree: as
// the file grows past SQLite's page cache, every insert reads a page and every commit
// rewrites thousands, and the ingest rate falls with the size of the hour. Ordered by
// bucket first, a commit touches only the current bucket's pages. A lookup probes each
// bucket of the file: 16 probes per value for a 1M-event hour.
inline constexpr int kBucketShift = 16;
inline constexpr int64_t make_key(KeyKind kind, int64_t value)
{
	return int64_t(kind) << 48 | value;
}

// Meta keys.
inline constexpr const char *kMetaSchema = "schema_version";
inline constexpr const char *kMetaHost = "host";
inline constexpr const char *kMetaEpoch = "epoch";        // the stream epoch when the file was created
inline constexpr const char *kMetaHour = "hour";          // "2026-11-26T13"
inline constexpr const char *kMetaPrevLink = "prev_link"; // 32 bytes: the chain link this file starts from
inline constexpr const char *kMetaPrevFile = "prev_file"; // name of the file prev_link came from, "" for the first
inline constexpr const char *kMetaPrevSeq = "prev_last_seq";
inline constexpr const char *kMetaCreated = "created_ns";

// The acting process is stored once per distinct state, not once per event: an
// `actors` row holds the Process message (pid, exec_id, exe, user, argv, lineage,
// origin...) and the columns its indexes need; `events.body` is the Event message
// without its process, and `events.actor_id` points at the row. A busy process
// writes its context once an hour instead of with each event, and the events table
// keeps three indexes (time, type, bucket + actor) instead of one per process column: the
// store's ingest rate is set by index inserts and bytes written. `events_flat` is
// the joined view for `linesman sql`.
inline constexpr const char *kSchemaSql = R"(
CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE strings(id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
CREATE TABLE actors(
	id INTEGER PRIMARY KEY,
	pid INTEGER NOT NULL,
	exec_id_id INTEGER,
	exe_id INTEGER,
	user_id INTEGER,
	container_id INTEGER,
	body BLOB NOT NULL);
CREATE INDEX actors_pid ON actors(pid);
CREATE INDEX actors_exec_id ON actors(exec_id_id);
CREATE INDEX actors_exe ON actors(exe_id);
CREATE INDEX actors_user ON actors(user_id);
CREATE INDEX actors_container ON actors(container_id);
CREATE TABLE events(
	seq INTEGER PRIMARY KEY,
	time_ns INTEGER NOT NULL,
	type INTEGER NOT NULL,
	bucket INTEGER NOT NULL,
	actor_id INTEGER NOT NULL,
	body BLOB NOT NULL,
	link BLOB NOT NULL);
CREATE INDEX events_time ON events(time_ns);
CREATE INDEX events_type ON events(type);
CREATE INDEX events_actor ON events(bucket, actor_id);
CREATE TABLE event_keys(bucket INTEGER NOT NULL, key INTEGER NOT NULL, seq INTEGER NOT NULL,
	PRIMARY KEY(bucket, key, seq)) WITHOUT ROWID;
CREATE TABLE event_ports(bucket INTEGER NOT NULL, port INTEGER NOT NULL, seq INTEGER NOT NULL,
	PRIMARY KEY(bucket, port, seq)) WITHOUT ROWID;
CREATE TABLE epochs(epoch INTEGER PRIMARY KEY, first_seq INTEGER NOT NULL, time_ns INTEGER NOT NULL, reason TEXT NOT NULL);
CREATE TABLE gaps(first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, epoch INTEGER NOT NULL);
CREATE VIEW events_flat AS
	SELECT e.seq, e.time_ns, e.type, a.pid,
	       (SELECT text FROM strings WHERE id = a.exec_id_id) AS exec_id,
	       (SELECT text FROM strings WHERE id = a.exe_id) AS exe,
	       (SELECT text FROM strings WHERE id = a.user_id) AS user,
	       (SELECT text FROM strings WHERE id = a.container_id) AS container_id,
	       e.actor_id
	FROM events e JOIN actors a ON a.id = e.actor_id;
)";

} // namespace linesman::store
