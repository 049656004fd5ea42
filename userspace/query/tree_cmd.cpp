// SPDX-License-Identifier: Apache-2.0
// `linesman tree PID|EXEC_ID`: the process's ancestry and descendants from the exec events
// in the store (linked by parent_exec_id), each with its activity folded under it. Only
// the tree's own events are decoded: each ancestor's exec is looked up by its exec id,
// and the descendants are found a generation at a time (Reader::exec_children).
#include <algorithm>
#include <map>
#include <set>

#include "query/cli.h"
#include "query/commands.h"
#include "query/filter_parse.h"
#include "query/quote.h"
#include "query/text.h"
#include "query/time_parse.h"
#include "store/reader.h"

namespace linesman::query {

namespace {

std::string process_line(const Process &p, uint64_t event_ns)
{
	std::string s = std::to_string(p.pid) + " " + escaped(p.exe);
	for (const std::string &a : p.argv)
		s += " " + word(a);
	s += "  user=" + (p.user.empty() ? std::to_string(p.uid) : escaped(p.user));
	s += "  start=" + output::date_time_of(p.start_time_ns ? p.start_time_ns : event_ns);
	return s;
}

std::string endpoint(const std::string &addr, uint32_t port)
{
	// IPv6 in brackets, so the port stays readable.
	bool v6 = addr.find(':') != std::string::npos;
	return (v6 ? "[" + escaped(addr) + "]" : escaped(addr)) + ":" + std::to_string(port);
}

// One line per distinct item, in first-seen order, "(N×)" when repeated: a process that
// connects a thousand times to one peer is one line, not a thousand.
std::vector<std::string> activity_lines(const std::vector<Event> &evs)
{
	std::vector<std::string> order;
	std::map<std::string, size_t> count;
	for (const Event &ev : evs) {
		std::string line;
		if (const auto *f = std::get_if<FileDetails>(&ev.details)) {
			line = "file " + escaped(f->op) + " " + escaped(f->path);
			if (!f->new_path.empty())
				line += " -> " + escaped(f->new_path);
		} else if (const auto *n = std::get_if<NetDetails>(&ev.details)) {
			if (ev.type == EventType::Listen)
				line = "listen " + escaped(n->protocol) + " " + endpoint(n->local_addr, n->local_port);
			else
				line = std::string(to_string(ev.type)) + " " + escaped(n->protocol) + " " +
				       endpoint(n->remote_addr, n->remote_port);
		} else {
			continue;
		}
		if (count[line]++ == 0)
			order.push_back(line);
	}
	for (std::string &l : order)
		if (size_t c = count[l]; c > 1)
			l += " (" + std::to_string(c) + "×)";
	return order;
}

bool is_activity(EventType t)
{
	return t == EventType::File || t == EventType::Connect || t == EventType::Accept || t == EventType::Listen;
}

// The newest exec among `evs` (seq order), else nullptr.
const Event *newest_exec(const std::vector<Event> &evs)
{
	for (auto it = evs.rbegin(); it != evs.rend(); ++it)
		if (it->type == EventType::Exec)
			return &*it;
	return nullptr;
}

struct Tree {
	store::Reader &reader;
	store::Filter window; // -S/-U
	std::map<std::string, std::vector<Event>> children; // by parent_exec_id, seq order
	std::string target;
	std::ostream &out;
	std::ostream &err;
	bool failed = false;

	// Every event of the processes `f` selects, reached through their actors rows. With
	// a type filter as well, SQLite walks events_type instead (every file or connect
	// event of the hour), so the types are picked out here.
	std::vector<Event> events_of(store::Filter f)
	{
		auto evs = reader.query(f);
		if (!evs) {
			err << "linesman: " << evs.error().what() << '\n';
			failed = true;
			return {};
		}
		return std::move(*evs);
	}

	std::vector<Event> activity(const std::string &exec_id)
	{
		store::Filter f = window;
		f.exec_id = exec_id;
		std::vector<Event> evs = events_of(f);
		std::erase_if(evs, [](const Event &ev) { return !is_activity(ev.type); });
		return evs;
	}

	// `lead`: the connector for this line ("├─ "); `indent`: what continues under it.
	void print(const Process &p, uint64_t ns, const std::string &lead, const std::string &indent,
		   std::set<std::string> &seen)
	{
		out << lead << process_line(p, ns) << (p.exec_id == target ? "  ◀" : "") << '\n';
		// parent_exec_id links come from the recording host; a loop must not hang the CLI.
		if (!seen.insert(p.exec_id).second)
			return;
		auto kids_it = children.find(p.exec_id);
		bool has_kids = kids_it != children.end() && !kids_it->second.empty();
		for (const std::string &l : activity_lines(activity(p.exec_id)))
			out << indent << (has_kids ? "│    " : "     ") << l << '\n';
		if (!has_kids)
			return;
		const auto &kids = kids_it->second;
		for (size_t i = 0; i < kids.size(); ++i) {
			bool last = i + 1 == kids.size();
			print(kids[i].process, kids[i].time_ns, indent + (last ? "└─ " : "├─ "),
			      indent + (last ? "   " : "│  "), seen);
		}
	}
};

bool all_digits(const std::string &s)
{
	return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

int run_tree(const TreeOptions &o, std::ostream &out, std::ostream &err)
{
	store::Filter window;
	uint64_t now = o.now_ns ? o.now_ns : now_ns();
	auto win = parse_window(o.since, o.until, now);
	if (!win) {
		err << "linesman: " << win.error().what() << '\n';
		return kExitUsage;
	}
	window.since_ns = win->since_ns;
	window.until_ns = win->until_ns;
	// The target: a number is a pid (exec ids are base64url of 16 bytes, never all digits).
	store::Filter find = window;
	if (all_digits(o.target)) {
		auto pid = parse_pid(o.target);
		if (!pid) {
			err << "linesman: tree: " << pid.error().what() << '\n';
			return kExitUsage;
		}
		find.pid = *pid;
	} else {
		auto id = parse_exec_id(o.target);
		if (!id) {
			err << "linesman: tree: " << id.error().what() << '\n';
			return kExitUsage;
		}
		find.exec_id = *id;
	}
	auto reader = store::Reader::open(o.dir);
	if (!reader) {
		err << "linesman: " << reader.error().what() << '\n';
		return kExitStore;
	}
	Tree tree{*reader, window, {}, {}, out, err};
	// Its newest exec; else its newest event of any kind (a process started before the
	// agent has no exec stored, but its events carry the same process fields).
	std::vector<Event> found = tree.events_of(find);
	if (tree.failed)
		return kExitStore;
	if (found.empty()) {
		err << "linesman: tree: no process " << quoted(o.target) << " in the store\n";
		return kExitNoMatch;
	}
	const Event *exec = newest_exec(found);
	const Event self = exec ? *exec : found.back();
	found.clear();
	tree.target = self.process.exec_id;

	const store::Window span{window.since_ns, window.until_ns};
	// The descendants, a generation at a time; each process expanded once, so a loop
	// in the recorded parent_exec_id links ends.
	std::set<std::string> generation{self.process.exec_id}, expanded;
	generation.erase("");
	while (!generation.empty()) {
		auto kids = reader->exec_children(generation, span);
		if (!kids) {
			err << "linesman: " << kids.error().what() << '\n';
			return kExitStore;
		}
		expanded.insert(generation.begin(), generation.end());
		generation.clear();
		for (Event &ev : *kids) {
			if (!expanded.contains(ev.process.exec_id))
				generation.insert(ev.process.exec_id);
			tree.children[ev.process.parent_exec_id].push_back(std::move(ev));
		}
	}

	// The ancestry, target upwards, through stored execs (each one's newest); then the
	// exe names the topmost one recorded, for the ancestors whose exec the store does
	// not hold.
	std::vector<Event> chain{self};
	std::set<std::string> on_chain{self.process.exec_id};
	for (;;) {
		const std::string parent = chain.back().process.parent_exec_id;
		if (parent.empty() || on_chain.contains(parent))
			break;
		store::Filter f = window;
		f.exec_id = parent;
		std::vector<Event> evs = tree.events_of(f);
		if (tree.failed)
			return kExitStore;
		const Event *parent_exec = newest_exec(evs);
		if (!parent_exec)
			break;
		on_chain.insert(parent);
		chain.push_back(*parent_exec);
	}
	const std::vector<std::string> &unstored = chain.back().process.ancestors;

	// Each ancestor is its child's only parent: one "└─" level each, target last.
	std::string lead, indent;
	auto down = [&] {
		lead = indent + "└─ ";
		indent += "   ";
	};
	for (size_t i = unstored.size(); i-- > 0;) {
		out << lead << escaped(unstored[i]) << "  (exec not stored)\n";
		down();
	}
	for (size_t i = chain.size(); i-- > 1;) {
		out << lead << process_line(chain[i].process, chain[i].time_ns) << '\n';
		for (const std::string &l : activity_lines(tree.activity(chain[i].process.exec_id)))
			out << indent << "│    " << l << '\n';
		down();
	}
	std::set<std::string> seen = on_chain;
	seen.erase(self.process.exec_id);
	tree.print(self.process, self.time_ns, lead, indent, seen);
	if (tree.failed)
		return kExitStore;
	return kExitOk;
}

} // namespace linesman::query
