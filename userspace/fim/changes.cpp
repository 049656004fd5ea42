// SPDX-License-Identifier: Apache-2.0
#include "fim/changes.h"

#include <utility>

#include "fim/watch.h"
#include "linesman_abi.h"

namespace linesman::fim {
namespace {

using Op = decode::FileRecord::Op;

constexpr uint32_t kRenameNoreplace = 1, kRenameExchange = 2, kRenameWhiteout = 4;

const char *op_name(Op op)
{
	switch (op) {
	case Op::Open: return "write";
	case Op::Close: return "write";
	case Op::Truncate: return "truncate";
	case Op::Rename: return "rename";
	case Op::Unlink: return "unlink";
	case Op::Mkdir: return "mkdir";
	case Op::Rmdir: return "rmdir";
	case Op::Link: return "link";
	case Op::Symlink: return "symlink";
	case Op::Chmod: return "chmod";
	case Op::Chown: return "chown";
	case Op::Utimes: return "utimes";
	case Op::Read: return "read";
	}
	return "unknown";
}

void add_flag(FileDetails &d, const char *flag)
{
	d.flags.emplace_back(flag);
}

// The file's state after the change, from what the content tracker read.
void take_after(FileDetails &d, const FileMeta &after)
{
	if (!after.exists)
		return;
	d.size_after = after.size;
	if (d.inode == 0) {
		d.inode = after.ino;
		d.dev = kernel_dev(after.dev);
	}
}

} // namespace

std::vector<std::string> file_flag_names(uint32_t flags)
{
	static const std::pair<uint32_t, const char *> kNames[] = {
		{LS_FILE_F_CREATED, "created"},
		{LS_FILE_F_TRUNCATED, "truncated"},
		{LS_FILE_F_APPEND, "append"},
		{LS_FILE_F_BY_FD, "by_fd"},
		{LS_FILE_F_NOFOLLOW, "nofollow"},
		{LS_FILE_F_IMPLICIT_CLOSE, "implicit_close"},
		{LS_FILE_F_PATH_TRUNCATED | LS_FILE_F_PATH2_TRUNCATED, "path_truncated"},
		{LS_FILE_F_UNREACHABLE, "path_unreachable"},
		{LS_FILE_F_ATIME_NOW, "atime_now"},
		{LS_FILE_F_MTIME_NOW, "mtime_now"},
	};
	std::vector<std::string> out;
	for (const auto &[bit, name] : kNames)
		if (flags & bit)
			out.emplace_back(name);
	return out;
}

Result<FileChanges> FileChanges::create(ChangesOptions opts)
{
	auto watch = PatternSet::parse(opts.watch);
	if (!watch)
		return Error("files.watch: " + watch.error().what());
	return FileChanges(std::move(opts), std::move(watch.value()));
}

FileChanges::FileChanges(ChangesOptions opts, PatternSet watch)
    : opts_(std::move(opts)), watch_(std::move(watch)), content_(opts_.content)
{
}

void FileChanges::set_watch(std::vector<std::string> patterns)
{
	if (auto w = PatternSet::parse(patterns)) {
		watch_ = std::move(w.value());
		opts_.watch = std::move(patterns);
	}
}

bool FileChanges::watched(const std::string &path) const
{
	return watch_.matches(path);
}

void FileChanges::forget_open(uint64_t file_id)
{
	if (opens_.erase(file_id))
		++stats_.lost_closes;
}

bool FileChanges::take_rescan_hint()
{
	return std::exchange(rescan_, false);
}

void FileChanges::describe_content(FileDetails &d, const std::string &path)
{
	fim::Change ch = content_.observe(path);
	d.sha256_before = ch.sha256_before;
	d.sha256_after = ch.sha256_after;
	d.diff = std::move(ch.diff);
	d.diff_truncated = ch.diff_truncated;
	d.content_note = ch.note;
	take_after(d, ch.after);
	if (ch.after.exists && d.op != "chmod" && d.op != "chown") {
		d.mode = ch.after.mode & 07777;
		d.uid = ch.after.uid;
		d.gid = ch.after.gid;
	}
	if (!d.size_before && ch.before.exists)
		d.size_before = ch.before.size;
}

std::vector<FileChanges::Change> FileChanges::on_open(const decode::FileRecord &r)
{
	if (opens_.size() >= opts_.max_open) {
		opens_.erase(opens_.begin()); // bounded; its CLOSE is then counted as unpaired
		++stats_.evicted_opens;
	}
	if (!(r.flags & LS_FILE_F_UNTRACKED))
		opens_[r.file_id] = Open{r.path, r.hdr, r.ino, r.dev, r.flags, r.size_before};
	if (!(r.flags & LS_FILE_F_CREATED))
		return {};
	rescan_ = true; // maybe a file on the sensitive-read list, created anew
	Change c;
	c.actor = r.hdr;
	c.ktime_ns = r.hdr.ktime_ns;
	FileDetails &d = c.details;
	d.op = "create";
	d.path = r.path;
	d.flags = file_flag_names(r.flags & ~LS_FILE_F_CREATED);
	d.mode = r.mode & 07777;
	d.uid = r.uid;
	d.gid = r.gid;
	d.size_after = r.size_before;
	d.inode = r.ino;
	d.dev = r.dev;
	return {std::move(c)};
}

std::vector<FileChanges::Change> FileChanges::on_close(const decode::FileRecord &r)
{
	auto it = opens_.find(r.file_id);
	if (it == opens_.end()) {
		++stats_.unpaired_closes;
		return {};
	}
	Open o = std::move(it->second);
	opens_.erase(it);
	bool truncated = (o.flags & LS_FILE_F_TRUNCATED) != 0;
	if (r.bytes == 0 && !truncated)
		return {}; // opened for writing, nothing changed through it

	Change c;
	c.actor = o.opener;
	c.ktime_ns = r.hdr.ktime_ns;
	FileDetails &d = c.details;
	d.op = r.bytes == 0 ? "truncate" : "write";
	d.path = o.path;
	d.flags = file_flag_names((o.flags | r.flags) & ~LS_FILE_F_CREATED);
	if (o.flags & LS_FILE_F_CREATED)
		add_flag(d, "created");
	d.bytes_written = r.bytes;
	d.open_duration_ns = r.hdr.ktime_ns - o.opener.ktime_ns;
	d.inode = o.ino;
	d.dev = o.dev;
	if (truncated) {
		// O_TRUNC emptied it before the kernel could look: the size before is
		// what Linesman last knew, if anything.
		FileMeta before = content_.meta(o.path);
		if (before.exists)
			d.size_before = before.size;
	} else {
		d.size_before = o.size_at_open;
	}
	describe_content(d, o.path);
	if (r.size_after != UINT64_MAX)
		d.size_after = r.size_after;
	return {std::move(c)};
}

std::optional<FileChanges::Change> FileChanges::on_unobserved_close(uint64_t file_id, uint64_t bytes,
								    uint64_t ktime_ns)
{
	decode::FileRecord r;
	r.op = Op::Close;
	r.file_id = file_id;
	r.bytes = bytes;
	r.size_after = UINT64_MAX;
	r.hdr.ktime_ns = ktime_ns;
	auto out = on_close(r);
	if (out.empty())
		return std::nullopt;
	out[0].details.flags.emplace_back("close_unobserved");
	return std::move(out[0]);
}

std::vector<FileChanges::Change> FileChanges::on_record(const decode::FileRecord &r)
{
	if (r.op == Op::Open)
		return on_open(r);
	if (r.op == Op::Close)
		return on_close(r);

	Change c;
	c.actor = r.hdr;
	c.ktime_ns = r.hdr.ktime_ns;
	FileDetails &d = c.details;
	d.op = op_name(r.op);
	d.flags = file_flag_names(r.flags);
	bool by_fd = r.flags & LS_FILE_F_BY_FD;
	bool old_known = r.flags & LS_FILE_F_OLD_KNOWN;
	// Path operations name strings: normalise them, then keep only what the
	// watch covers (the kernel passes on every non-canonical path).
	d.path = by_fd || r.op == Op::Read ? r.path : normalize_path(r.path);
	std::string path2 = r.path2;
	if (r.op == Op::Rename || r.op == Op::Link)
		path2 = normalize_path(r.path2);
	if (!by_fd && r.op != Op::Read) {
		bool second = (r.op == Op::Rename || r.op == Op::Link || r.op == Op::Symlink) &&
			      watched(r.op == Op::Symlink && !path2.empty() && path2[0] != '/'
					      ? std::string()
					      : path2);
		if (!watched(d.path) && !second) {
			++stats_.filtered;
			return {};
		}
	}
	d.inode = r.ino;
	d.dev = r.dev;

	switch (r.op) {
	case Op::Rename: {
		d.new_path = path2;
		if (r.rename_flags & kRenameExchange)
			add_flag(d, "exchange");
		if (r.rename_flags & kRenameNoreplace)
			add_flag(d, "noreplace");
		if (r.rename_flags & kRenameWhiteout)
			add_flag(d, "whiteout");
		FileMeta replaced = content_.meta(d.new_path);
		if (r.rename_flags & kRenameExchange) {
			// Each name now holds the other's content: diff new_path against
			// what it held, and refresh what is known of path.
			describe_content(d, d.new_path);
			content_.observe(d.path);
		} else {
			// An editor's or a package manager's atomic replace diffs against the
			// file it replaced; a plain move keeps what was known under the new name.
			if (!content_.meta(d.new_path).exists)
				content_.rename(d.path, d.new_path);
			else
				content_.forget(d.path);
			describe_content(d, d.new_path);
		}
		// An atomic replace can change the mode or owner without a chmod (sed -i
		// sets its temporary file's ACL with fsetxattr): show them when they did.
		if (replaced.exists && d.size_after) {
			if ((replaced.mode & 07777) != d.mode)
				d.old_mode = replaced.mode & 07777;
			if (replaced.uid != d.uid || replaced.gid != d.gid) {
				d.old_uid = replaced.uid;
				d.old_gid = replaced.gid;
			}
		}
		rescan_ = true; // a directory may have moved, a sensitive file been replaced
		break;
	}
	case Op::Unlink: {
		FileMeta before = content_.meta(d.path);
		if (before.exists) {
			d.size_before = before.size;
			d.mode = before.mode;
			d.uid = before.uid;
			d.gid = before.gid;
		}
		d.sha256_before = content_.sha256(d.path);
		content_.forget(d.path);
		break;
	}
	case Op::Rmdir:
		content_.forget_under(d.path + "/");
		rescan_ = true;
		break;
	case Op::Mkdir:
		d.mode = r.mode & 07777;
		rescan_ = true;
		break;
	case Op::Link:
	case Op::Symlink:
		d.target = path2;
		if (r.op == Op::Link)
			describe_content(d, d.path);
		else
			rescan_ = true; // a symlink may give a watched directory a new name
		break;
	case Op::Chmod: {
		d.mode = r.mode & 07777;
		FileMeta before = content_.meta(d.path);
		if (old_known)
			d.old_mode = r.old_mode & 07777;
		else if (before.exists)
			d.old_mode = before.mode & 07777;
		describe_content(d, d.path);
		d.mode = r.mode & 07777;
		// The file was read after the fact, maybe after a later chown: what is
		// known is the state before plus this change, not what was read.
		if (before.exists)
			content_.set_attributes(d.path, d.mode, before.uid, before.gid);
		else
			content_.set_attributes(d.path, d.mode, std::nullopt, std::nullopt);
		break;
	}
	case Op::Chown: {
		d.uid = r.uid;
		d.gid = r.gid;
		FileMeta before = content_.meta(d.path);
		if (old_known) {
			d.old_uid = r.old_uid;
			d.old_gid = r.old_gid;
		} else if (before.exists) {
			d.old_uid = before.uid;
			d.old_gid = before.gid;
		}
		describe_content(d, d.path);
		if (before.exists)
			content_.set_attributes(d.path, before.mode, before.uid, before.gid);
		content_.set_attributes(d.path, std::nullopt, d.uid, d.gid); // -1: unchanged
		break;
	}
	case Op::Utimes:
		if (!(r.flags & (LS_FILE_F_ATIME_NOW | LS_FILE_F_ATIME_OMIT)))
			d.atime_ns = r.atime_ns;
		if (!(r.flags & (LS_FILE_F_MTIME_NOW | LS_FILE_F_MTIME_OMIT)))
			d.mtime_ns = r.mtime_ns;
		describe_content(d, d.path);
		break;
	case Op::Truncate: {
		if (old_known) {
			d.size_before = r.size_before;
		} else if (FileMeta before = content_.meta(d.path); before.exists) {
			d.size_before = before.size;
		}
		describe_content(d, d.path);
		d.size_after = r.size_after;
		break;
	}
	case Op::Read:
		d.mode = r.mode & 07777;
		d.uid = r.uid;
		d.gid = r.gid;
		break;
	case Op::Open:
	case Op::Close:
		break;
	}
	return {std::move(c)};
}

} // namespace linesman::fim
