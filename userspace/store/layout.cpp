// SPDX-License-Identifier: Apache-2.0
#include "store/layout.h"

#include <dirent.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>

namespace linesman::store {
namespace {

const char *const kCompanions[] = {"", "-wal", "-shm", "-journal"};

} // namespace

std::string hour_name(int64_t hour)
{
	time_t t = time_t(hour * 3600);
	struct tm tm{};
	gmtime_r(&t, &tm);
	char buf[32];
	snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour);
	return buf;
}

std::optional<int64_t> parse_hour_file(std::string_view name)
{
	// Exactly "YYYY-MM-DDTHH.db": anything else in the folder (a copy, a .corrupt file
	// moved aside by an operator) is not part of the log.
	if (name.size() != 16 || name.substr(13) != ".db")
		return std::nullopt;
	int y, mo, d, h;
	char tail;
	std::string s(name.substr(0, 13));
	if (sscanf(s.c_str(), "%4d-%2d-%2dT%2d%c", &y, &mo, &d, &h, &tail) != 4)
		return std::nullopt;
	struct tm tm{};
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	time_t t = timegm(&tm);
	if (t == time_t(-1) || t < 0)
		return std::nullopt;
	int64_t hour = int64_t(t) / 3600;
	if (hour_name(hour) != s) // rejects 2026-02-30T25 and the like
		return std::nullopt;
	return hour;
}

std::string events_dir_of(const std::string &state_dir)
{
	return state_dir + "/events";
}

Error permission_error(const std::string &path, int err)
{
	return Error(std::error_code(err, std::system_category()),
		     "cannot read the event store at " + path +
			 ": add the user to group linesman, or run as root");
}

Result<std::vector<HourFile>> list_hour_files(const std::string &events_dir)
{
	DIR *d = opendir(events_dir.c_str());
	if (!d) {
		int err = errno;
		if (err == EACCES || err == EPERM)
			return permission_error(events_dir, err);
		return Error::from_errno(err, "cannot list the event store " + events_dir);
	}
	std::vector<HourFile> out;
	while (dirent *e = readdir(d)) {
		if (auto hour = parse_hour_file(e->d_name))
			out.push_back({events_dir + "/" + e->d_name, *hour});
	}
	closedir(d);
	std::sort(out.begin(), out.end(),
		  [](const HourFile &a, const HourFile &b) { return a.hour < b.hour; });
	return out;
}

uint64_t file_bytes(const std::string &db_path)
{
	uint64_t total = 0;
	for (const char *suffix : kCompanions) {
		struct stat st{};
		if (stat((db_path + suffix).c_str(), &st) == 0)
			total += uint64_t(st.st_blocks) * 512; // what the filesystem gives back on unlink
	}
	return total;
}

uint64_t remove_hour_file(const std::string &db_path)
{
	uint64_t freed = 0;
	for (const char *suffix : kCompanions) {
		std::string p = db_path + suffix;
		struct stat st{};
		if (stat(p.c_str(), &st) == 0 && unlink(p.c_str()) == 0)
			freed += uint64_t(st.st_blocks) * 512;
	}
	return freed;
}

gid_t store_gid(const std::string &name)
{
	if (name.empty())
		return 0;
	// getgrnam_r: the agent has other threads that may use getgr* too.
	struct group grp{}, *res = nullptr;
	char buf[4096];
	if (getgrnam_r(name.c_str(), &grp, buf, sizeof buf, &res) == 0 && res)
		return res->gr_gid;
	return 0;
}

Status make_state_dir(const std::string &dir, gid_t gid)
{
	bool created = mkdir(dir.c_str(), kDirMode) == 0;
	if (!created && errno != EEXIST)
		return Error::from_errno(errno, "cannot create the state directory " + dir);
	if (created) {
		// The umask may have narrowed the mode.
		if (chmod(dir.c_str(), kDirMode) != 0)
			return Error::from_errno(errno, "cannot set the mode of the state directory " + dir);
		if (chown(dir.c_str(), uid_t(-1), gid) != 0 && geteuid() == 0)
			return Error::from_errno(errno, "cannot set the group of the state directory " + dir);
		return ok();
	}
	struct stat st{};
	if (stat(dir.c_str(), &st) != 0)
		return Error::from_errno(errno, "cannot read the state directory " + dir);
	if (gid == 0 || geteuid() != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || st.st_gid != 0 ||
	    (st.st_mode & 0007) != 0)
		return ok();
	if (chown(dir.c_str(), uid_t(-1), gid) != 0 || chmod(dir.c_str(), (st.st_mode & 07777) | 0050) != 0)
		return Error::from_errno(errno, "cannot give the readers' group access to the state directory " + dir);
	return ok();
}

} // namespace linesman::store
