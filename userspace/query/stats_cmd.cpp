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
	store::Filter f;
	uint64_t now = o.now_ns ? o.now_ns : now_ns();
	auto win = parse_window(o.since, o.until, now);
	if (!win) {
		err << "linesman: " << win.error().what() << '\n';
		return kExitUsage;
	}
	f.since_ns = win->since_ns;
	f.until_ns = win->until_ns;
	auto reader = store::Reader::open(o.dir);
	if (!reader) {
		err << "linesman: " << reader.error().what() << '\n';
		return kExitStore;
	}
	auto evs = reader->query(f);
	if (!evs) {
		err << "linesman: " << evs.error().what() << '\n';
		return kExitStore;
	}
	if (evs->empty()) {
		err << "linesman: no events match\n";
		return kExitNoMatch;
	}

	// Columns only for the types present, in the enum's order.
	std::map<uint64_t, std::map<EventType, uint64_t>> per_hour;
	std::map<EventType, uint64_t> type_total;
	std::map<std::string, uint64_t> exes, talkers, files;
	for (const Event &ev : *evs) {
		++per_hour[ev.time_ns / kHourNs][ev.type];
		++type_total[ev.type];
		if (ev.type == EventType::Exec)
			++exes[ev.process.exe];
		if (ev.type == EventType::Connect || ev.type == EventType::Accept)
			if (const auto *n = std::get_if<NetDetails>(&ev.details))
				++talkers[n->remote_addr];
		// A rename changed the name it now has.
		if (const auto *d = std::get_if<FileDetails>(&ev.details))
			++files[d->new_path.empty() ? d->path : d->new_path];
	}

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
	totals.push_back(std::to_string(evs->size()));
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
	print_top(out, "Top executables (exec events)", exes);
	print_top(out, "Top talkers (connect + accept, by remote address)", talkers);
	print_top(out, "Top changed files (file events)", files);
	return kExitOk;
}

} // namespace linesman::query
