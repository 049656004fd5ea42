// SPDX-License-Identifier: Apache-2.0
// The schema of one hour file. Shared by the writer (store.cpp), the reader and verify.
#pragma once

#include <cstdint>

namespace linesman::store {

inline constexpr int kStoreSchemaVersion = 1;

// event_keys.key = kind << 48 | value: one WITHOUT ROWID b-tree answers "events with
// this port / path / address" for values an event may hold twice (local and remote
// port, rename's old and new path). Most events have none of them, so a sparse table
// costs nothing for them, where indexed columns would cost an index entry each.
enum class KeyKind : int64_t {
	Path = 1, // file path, new_path, target (string id)
	Port = 2, // net local_port, remote_port (the number)
	Addr = 3, // net local_addr, remote_addr (string id)
	Container = 4, // process container_id, only when not empty (string id)
};
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

inline constexpr const char *kSchemaSql = R"(
CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE strings(id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
CREATE TABLE events(
	seq INTEGER PRIMARY KEY,
	time_ns INTEGER NOT NULL,
	type INTEGER NOT NULL,
	pid INTEGER NOT NULL,
	exec_id_id INTEGER,
	exe_id INTEGER,
	user_id INTEGER,
	body BLOB NOT NULL,
	link BLOB NOT NULL);
CREATE INDEX events_time ON events(time_ns);
CREATE INDEX events_type ON events(type);
CREATE INDEX events_pid ON events(pid);
CREATE INDEX events_exec_id ON events(exec_id_id);
CREATE INDEX events_exe ON events(exe_id);
CREATE INDEX events_user ON events(user_id);
CREATE TABLE event_keys(key INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(key, seq)) WITHOUT ROWID;
CREATE TABLE epochs(epoch INTEGER PRIMARY KEY, first_seq INTEGER NOT NULL, time_ns INTEGER NOT NULL, reason TEXT NOT NULL);
CREATE TABLE gaps(first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, epoch INTEGER NOT NULL);
)";

} // namespace linesman::store
