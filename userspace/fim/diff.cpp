// SPDX-License-Identifier: Apache-2.0
// Myers' O(ND) difference algorithm ("An O(ND) Difference Algorithm and Its
// Variations", Algorithmica 1:251-266, 1986) in its linear-space form: search a
// shortest edit script from both ends at once, split where the two searches
// meet (the "middle snake"), recurse on both halves.
//
// Equal-length scripts often differ in which lines they pair up. To print the
// hunks GNU `diff -u` prints, the choices are made the way GNU diff makes them:
// the common first and last lines are settled without search except for
// `context` lines of each; lines with no equal on the other side are set
// aside before the search; the search walks diagonals in the same order with
// the same tie-breaks; runs of changes are then slid to canonical positions.
// The unit tests compare the output with /usr/bin/diff. GNU's one speed
// heuristic that gives up minimality (also setting aside lines with very many
// equals, inside long runs of unmatched lines) is left out.
#include "fim/diff.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace linesman::fim {
namespace {

// Bounds on the search, which costs O((lines) x (edit distance)). Past them a
// diff is a rewrite nobody reads line by line anyway.
constexpr size_t kMaxLines = 20000; // per side, once the common ends are trimmed
constexpr ptrdiff_t kMaxEdits = 4000;

using Lines = std::vector<std::string_view>;
using Flags = std::vector<uint8_t>; // per line: 1 = removed (old side) or added (new side)

Lines split_lines(std::string_view text)
{
	Lines lines;
	while (!text.empty()) {
		size_t nl = text.find('\n');
		size_t len = nl == std::string_view::npos ? text.size() : nl + 1;
		lines.push_back(text.substr(0, len));
		text.remove_prefix(len);
	}
	return lines;
}

// A shortest edit script between two sequences of line classes, as flags.
class Bisection {
public:
	Bisection(const std::vector<uint32_t> &a, const std::vector<uint32_t> &b)
	    : a_(a), b_(b), offset_(ptrdiff_t(b.size()) + 1),
	      fwd_(a.size() + b.size() + 3), bwd_(a.size() + b.size() + 3)
	{
	}

	// false when the edit distance is above kMaxEdits; the flags are then partial.
	bool run(Flags &a_changed, Flags &b_changed)
	{
		a_changed_ = &a_changed;
		b_changed_ = &b_changed;
		return compare(0, ptrdiff_t(a_.size()), 0, ptrdiff_t(b_.size()));
	}

private:
	// Indexed by diagonal k = x - y, which ranges over [-|b| - 1, |a| + 1].
	ptrdiff_t &fwd(ptrdiff_t k) { return fwd_[size_t(k + offset_)]; }
	ptrdiff_t &bwd(ptrdiff_t k) { return bwd_[size_t(k + offset_)]; }

	bool compare(ptrdiff_t x0, ptrdiff_t x1, ptrdiff_t y0, ptrdiff_t y1)
	{
		while (x0 < x1 && y0 < y1 && a_[size_t(x0)] == b_[size_t(y0)])
			++x0, ++y0;
		while (x0 < x1 && y0 < y1 && a_[size_t(x1 - 1)] == b_[size_t(y1 - 1)])
			--x1, --y1;
		if (x0 == x1 || y0 == y1) {
			for (; x0 < x1; ++x0)
				(*a_changed_)[size_t(x0)] = 1;
			for (; y0 < y1; ++y0)
				(*b_changed_)[size_t(y0)] = 1;
			return true;
		}
		ptrdiff_t xm, ym;
		return middle(x0, x1, y0, y1, &xm, &ym) && compare(x0, xm, y0, ym) &&
		       compare(xm, x1, ym, y1);
	}

	// A point (xm, ym) that a shortest script of the box [x0,x1) x [y0,y1)
	// passes through. fwd(k) is the furthest x the forward search reached on
	// diagonal k with d edits, bwd(k) the smallest x of the backward search.
	bool middle(ptrdiff_t x0, ptrdiff_t x1, ptrdiff_t y0, ptrdiff_t y1, ptrdiff_t *xm,
		    ptrdiff_t *ym)
	{
		const ptrdiff_t kmin = x0 - y1, kmax = x1 - y0;
		const ptrdiff_t fmid = x0 - y0, bmid = x1 - y1;
		// Forward and backward paths of d edits sit on diagonals of opposite
		// parity when the box's delta is odd: then they can only meet right
		// after a forward step, else right after a backward one.
		const bool odd = (fmid - bmid) & 1;
		ptrdiff_t flo = fmid, fhi = fmid, blo = bmid, bhi = bmid;
		fwd(fmid) = x0;
		bwd(bmid) = x1;
		for (ptrdiff_t d = 1; d <= kMaxEdits / 2 + 1; ++d) {
			// One more diagonal on each side, or one fewer where the box ends;
			// the sentinels make the edge diagonals take their only neighbour.
			if (flo > kmin)
				fwd(--flo - 1) = -1;
			else
				++flo;
			if (fhi < kmax)
				fwd(++fhi + 1) = -1;
			else
				--fhi;
			for (ptrdiff_t k = fhi; k >= flo; k -= 2) {
				// Step down from diagonal k+1 unless diagonal k-1 got further.
				ptrdiff_t x = fwd(k - 1) < fwd(k + 1) ? fwd(k + 1) : fwd(k - 1) + 1;
				ptrdiff_t y = x - k;
				while (x < x1 && y < y1 && a_[size_t(x)] == b_[size_t(y)])
					++x, ++y;
				fwd(k) = x;
				if (odd && blo <= k && k <= bhi && bwd(k) <= x) {
					*xm = x;
					*ym = y;
					return true;
				}
			}
			if (blo > kmin)
				bwd(--blo - 1) = PTRDIFF_MAX;
			else
				++blo;
			if (bhi < kmax)
				bwd(++bhi + 1) = PTRDIFF_MAX;
			else
				--bhi;
			for (ptrdiff_t k = bhi; k >= blo; k -= 2) {
				ptrdiff_t x = bwd(k - 1) < bwd(k + 1) ? bwd(k - 1) : bwd(k + 1) - 1;
				ptrdiff_t y = x - k;
				while (x > x0 && y > y0 && a_[size_t(x - 1)] == b_[size_t(y - 1)])
					--x, --y;
				bwd(k) = x;
				if (!odd && flo <= k && k <= fhi && x <= fwd(k)) {
					*xm = x;
					*ym = y;
					return true;
				}
			}
		}
		return false;
	}

	const std::vector<uint32_t> &a_, &b_;
	const ptrdiff_t offset_;
	std::vector<ptrdiff_t> fwd_, bwd_;
	Flags *a_changed_ = nullptr, *b_changed_ = nullptr;
};

// Slides each run of changed lines on one side to where GNU diff puts it. A
// run can move by one line whenever the line it gives up equals the line it
// takes. Moving up first merges it with runs it can reach; then it goes as
// far down as it can, and back up to the last position where it faces a run
// of changes on the other side, so that "-old +new" stays one change.
void slide(const std::vector<uint32_t> &id, Flags &changed, const Flags &other)
{
	// facing[u]: the other side has changes right after its u-th unchanged line.
	Flags facing(1, 0);
	for (uint8_t c : other) {
		if (c)
			facing.back() = 1;
		else
			facing.push_back(0);
	}
	const size_t n = id.size();
	size_t i = 0, u = 0; // u = unchanged lines before i
	for (;;) {
		while (i < n && !changed[i])
			++i, ++u;
		if (i == n)
			return;
		size_t start = i;
		while (i < n && changed[i])
			++i;
		size_t length, paired;
		do {
			length = i - start;
			while (start > 0 && id[start - 1] == id[i - 1]) {
				changed[--start] = 1;
				changed[--i] = 0;
				--u;
				while (start > 0 && changed[start - 1])
					--start;
			}
			paired = facing[u] ? i : n;
			while (i < n && id[start] == id[i]) {
				changed[start++] = 0;
				changed[i++] = 1;
				++u;
				while (i < n && changed[i])
					++i;
				if (facing[u])
					paired = i;
			}
		} while (length != i - start);
		while (paired < i) {
			changed[--start] = 1;
			changed[--i] = 0;
			--u;
		}
	}
}

// Which lines of a are removed and which of b added.
void find_changes(const Lines &a, const Lines &b, size_t context, Flags &a_changed,
		  Flags &b_changed)
{
	// Settle the common first and last lines, keeping `context` of each in
	// the window: GNU diff does, and it changes which lines count as matched.
	size_t prefix = 0;
	while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix])
		++prefix;
	const size_t lo = prefix - std::min(prefix, context);
	size_t suffix = 0;
	while (suffix < a.size() - lo && suffix < b.size() - lo &&
	       a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
		++suffix;
	const size_t cut = suffix - std::min(suffix, context);
	const size_t na = a.size() - cut - lo, nb = b.size() - cut - lo;

	std::unordered_map<std::string_view, uint32_t> classes;
	std::vector<uint32_t> ida(na), idb(nb);
	for (size_t i = 0; i < na; ++i)
		ida[i] = classes.try_emplace(a[lo + i], uint32_t(classes.size())).first->second;
	for (size_t i = 0; i < nb; ++i)
		idb[i] = classes.try_emplace(b[lo + i], uint32_t(classes.size())).first->second;
	std::vector<uint32_t> count_a(classes.size()), count_b(classes.size());
	for (uint32_t c : ida)
		++count_a[c];
	for (uint32_t c : idb)
		++count_b[c];

	// A line with no equal on the other side is a change in every script;
	// the search runs on the others only.
	Flags ca(na), cb(nb);
	std::vector<uint32_t> xa, xb;
	std::vector<size_t> where_a, where_b;
	for (size_t i = 0; i < na; ++i) {
		if (count_b[ida[i]] == 0) {
			ca[i] = 1;
		} else {
			xa.push_back(ida[i]);
			where_a.push_back(i);
		}
	}
	for (size_t i = 0; i < nb; ++i) {
		if (count_a[idb[i]] == 0) {
			cb[i] = 1;
		} else {
			xb.push_back(idb[i]);
			where_b.push_back(i);
		}
	}
	a_changed.assign(a.size(), 0);
	b_changed.assign(b.size(), 0);
	Flags sa(xa.size()), sb(xb.size());
	if (xa.size() > kMaxLines || xb.size() > kMaxLines || !Bisection(xa, xb).run(sa, sb)) {
		// Too big to search: everything between the common ends changed.
		const size_t end = std::min(suffix, std::min(a.size(), b.size()) - prefix);
		std::fill(a_changed.begin() + ptrdiff_t(prefix), a_changed.end() - ptrdiff_t(end), 1);
		std::fill(b_changed.begin() + ptrdiff_t(prefix), b_changed.end() - ptrdiff_t(end), 1);
		return;
	}
	for (size_t i = 0; i < sa.size(); ++i)
		ca[where_a[i]] = sa[i];
	for (size_t i = 0; i < sb.size(); ++i)
		cb[where_b[i]] = sb[i];
	slide(ida, ca, cb);
	slide(idb, cb, ca);
	std::copy(ca.begin(), ca.end(), a_changed.begin() + ptrdiff_t(lo));
	std::copy(cb.begin(), cb.end(), b_changed.begin() + ptrdiff_t(lo));
}

// Lines removed from a at `a`, and lines added in their place from b at `b`.
struct Edit {
	size_t a, removed, b, added;
};

std::vector<Edit> edits_of(const Flags &a_changed, const Flags &b_changed)
{
	std::vector<Edit> edits;
	size_t i = 0, j = 0;
	while (i < a_changed.size() || j < b_changed.size()) {
		if ((i < a_changed.size() && a_changed[i]) || (j < b_changed.size() && b_changed[j])) {
			Edit e{i, 0, j, 0};
			while (i < a_changed.size() && a_changed[i])
				++i;
			while (j < b_changed.size() && b_changed[j])
				++j;
			e.removed = i - e.a;
			e.added = j - e.b;
			edits.push_back(e);
		} else {
			++i, ++j;
		}
	}
	return edits;
}

// GNU's "start,count": a single line is just its number, and an empty range
// names the line before it.
std::string range(size_t start, size_t count)
{
	if (count == 0)
		return std::to_string(start) + ",0";
	if (count == 1)
		return std::to_string(start + 1);
	return std::to_string(start + 1) + "," + std::to_string(count);
}

// Appends whole lines while they fit in max_bytes.
class Output {
public:
	Output(DiffResult &result, size_t max_bytes) : r_(result), max_(max_bytes) {}

	void line(std::string_view tag, std::string_view text)
	{
		static constexpr std::string_view kNoNewline = "\n\\ No newline at end of file\n";
		bool complete = !text.empty() && text.back() == '\n';
		size_t size = tag.size() + text.size() + (complete ? 0 : kNoNewline.size());
		if (r_.truncated || r_.text.size() + size > max_) {
			r_.truncated = true;
			return;
		}
		r_.text.append(tag).append(text);
		if (!complete)
			r_.text.append(kNoNewline);
	}

private:
	DiffResult &r_;
	size_t max_;
};

} // namespace

DiffResult unified_diff(std::string_view old_text, std::string_view new_text,
			std::string_view old_label, std::string_view new_label, size_t context,
			size_t max_bytes)
{
	DiffResult r;
	if (old_text == new_text)
		return r;
	const Lines a = split_lines(old_text), b = split_lines(new_text);
	context = std::min(context, std::max(a.size(), b.size()));
	Flags a_changed, b_changed;
	find_changes(a, b, context, a_changed, b_changed);
	const std::vector<Edit> edits = edits_of(a_changed, b_changed);
	for (const Edit &e : edits) {
		r.removed += e.removed;
		r.added += e.added;
	}

	Output out(r, max_bytes);
	out.line("--- ", std::string(old_label) + "\n");
	out.line("+++ ", std::string(new_label) + "\n");
	for (size_t first = 0; first < edits.size();) {
		// A hunk takes the next edit while the lines between them are no more
		// than its trailing plus the next one's leading context.
		size_t last = first;
		while (last + 1 < edits.size() &&
		       edits[last + 1].a - (edits[last].a + edits[last].removed) <= 2 * context)
			++last;
		const size_t before = std::min(context, edits[first].a);
		const size_t a_end = edits[last].a + edits[last].removed;
		const size_t b_end = edits[last].b + edits[last].added;
		const size_t after = std::min(context, a.size() - a_end);
		size_t i = edits[first].a - before, j = edits[first].b - before;
		out.line("@@ -", range(i, a_end + after - i) + " +" + range(j, b_end + after - j) +
					 " @@\n");
		for (size_t k = first; k <= last; ++k) {
			for (; i < edits[k].a; ++i, ++j)
				out.line(" ", a[i]);
			for (; i < edits[k].a + edits[k].removed; ++i)
				out.line("-", a[i]);
			for (; j < edits[k].b + edits[k].added; ++j)
				out.line("+", b[j]);
		}
		for (; i < a_end + after; ++i)
			out.line(" ", a[i]);
		first = last + 1;
	}
	return r;
}

} // namespace linesman::fim
