// SPDX-License-Identifier: Apache-2.0
// `linesman stats`: what the store holds at a glance: events per type per hour, and the
// executables, peers and files that dominate it. Plain aligned text, for a terminal.
#include <algorithm>
#include <map>

#include "query/cli.h"
#include "query/commands.h"
#include "query/text.h"
#include "query/time_parse.h"
#include "store/reader.h"

namespace linesman::query {

namespace {

constexpr uint64_t kHourNs = 3600ull * 1'000'000'000ull;
constexpr size_t kTop = 10;

std::string pad_left(const std::string &s, size_t w)
{
	return s.size() >= w ? s : std::string(w - s.size(), ' ') + s;
}

std::string pad_right(const std::string &s, size_t w)
{
	return s.size() >= w ? s : s + std::string(w - s.size(), ' ');
}

// Count descending, then name ascending: the same store always prints the same list.
void print_top(std::ostream &out, const char *title, const std::map<std::string, uint64_t> &counts)
{
	out << '\n' << title << '\n';
	std::vector<std::pair<std::string, uint64_t>> v(counts.begin(), counts.end());
	std::stable_sort(v.begin(), v.end(), [](const auto &a, const auto &b) { return a.second > b.second; });
	if (v.size() > kTop)
		v.resize(kTop);
	if (v.empty()) {
		out << "  (none)\n";
		return;
	}
	size_t w = std::to_string(v.front().second).size();
	for (const auto &[name, n] : v)
		out << "  " << pad_left(std::to_string(n), w) << "  " << escaped(name) << '\n';
}

} // namespace

int run_stats(const StatsOptions &o, std::ostream &out, std::ostream &err)
{
	uint64_t now = o.now_ns ? o.now_ns : now_ns();
	auto win = parse_window(o.since, o.until, now);
	if (!win) {
		err << "linesman: " << win.error().what() << '\n';
		return kExitUsage;
	}
	auto reader = store::Reader::open(o.dir);
	if (!reader) {
		err << "linesman: " << reader.error().what() << '\n';
		return kExitStore;
	}
	// Counted in SQL hour file by hour file: a million events stay on disk.
	auto counts = reader->count({win->since_ns, win->until_ns});
	if (!counts) {
		err << "linesman: " << counts.error().what() << '\n';
		return kExitStore;
	}
	if (counts->total == 0) {
		err << "linesman: no events match\n";
		return kExitNoMatch;
	}

	// Columns only for the types present, in the enum's order.
	const auto &per_hour = counts->per_hour;
	std::map<EventType, uint64_t> type_total;
	for (const auto &[hour, by_type] : per_hour)
		for (const auto &[t, n] : by_type)
			type_total[t] += n;

	std::vector<std::string> header{"hour"};
	for (const auto &[t, n] : type_total)
		header.push_back(to_string(t));
	header.push_back("total");
	std::vector<std::vector<std::string>> rows{header};
	for (const auto &[hour, counts] : per_hour) {
		std::vector<std::string> row{output::date_time_of(hour * kHourNs).substr(0, 16)};
		uint64_t total = 0;
		for (const auto &[t, n] : type_total) {
			auto it = counts.find(t);
			uint64_t c = it == counts.end() ? 0 : it->second;
			total += c;
			row.push_back(std::to_string(c));
		}
		row.push_back(std::to_string(total));
		rows.push_back(std::move(row));
	}
	std::vector<std::string> totals{"total"};
	for (const auto &[t, n] : type_total)
		totals.push_back(std::to_string(n));
	totals.push_back(std::to_string(counts->total));
	rows.push_back(std::move(totals));

	std::vector<size_t> width(header.size(), 0);
	for (const auto &row : rows)
		for (size_t i = 0; i < row.size(); ++i)
			width[i] = std::max(width[i], row[i].size());
	out << "Events per type per hour\n";
	for (const auto &row : rows) {
		std::string line = "  " + pad_right(row[0], width[0]);
		for (size_t i = 1; i < row.size(); ++i)
			line += "  " + pad_left(row[i], width[i]);
		out << line << '\n';
	}
	print_top(out, "Top executables (exec events)", counts->exes);
	print_top(out, "Top talkers (connect + accept, by remote address)", counts->remote_addrs);
	print_top(out, "Top changed files (file events)", counts->files);
	return kExitOk;
}

} // namespace linesman::query
