// SPDX-License-Identifier: Apache-2.0
// Where the store keeps its files and who may read them: one SQLite file per UTC
// hour under <state_dir>/events/, named "2026-11-26T13.db", so a directory listing
// sorted by name is oldest first and retention deletes whole hours.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace linesman::store {

inline constexpr uint64_t kNsPerHour = 3600ull * 1'000'000'000;
inline constexpr mode_t kDirMode = 0750;
inline constexpr mode_t kFileMode = 0640;   // the hour being written
inline constexpr mode_t kClosedMode = 0440; // every earlier hour

// Hours since the Unix epoch (UTC) of a wall-clock time.
inline int64_t hour_of(uint64_t time_ns) { return int64_t(time_ns / kNsPerHour); }
// "2026-11-26T13"
std::string hour_name(int64_t hour);
// The hour of a file name ("2026-11-26T13.db"), nullopt for anything else.
std::optional<int64_t> parse_hour_file(std::string_view filename);

std::string events_dir_of(const std::string &state_dir);

struct HourFile {
	std::string path;
	int64_t hour = 0;
};
// The hour files of a directory, oldest first. EACCES gets the error readers need:
// the path and the fix.
Result<std::vector<HourFile>> list_hour_files(const std::string &events_dir);

// The error for a reader refused by file permissions.
Error permission_error(const std::string &path, int err);

// Bytes a database uses on disk, with its -wal, -shm and -journal companions.
uint64_t file_bytes(const std::string &db_path);
// Deletes the database and its companions; the bytes it freed.
uint64_t remove_hour_file(const std::string &db_path);

// The group whose members may read the agent's state (event log, status.json).
inline constexpr const char *kReadersGroup = "linesman";
// The gid files get: the group `name` when it exists, else root's.
gid_t store_gid(const std::string &name);

// Creates the state directory 0750 with group `gid`, so the readers' group can enter
// it (status.json, events/). An existing one is adopted only when it looks like the
// agent's own: owned by root:root with no access for others (what earlier versions
// created); it then gets group `gid` and g+rx. Anything else (a shared /var/tmp, a
// folder an operator chose and owns) is left as it is.
Status make_state_dir(const std::string &dir, gid_t gid);

} // namespace linesman::store
