// SPDX-License-Identifier: Apache-2.0
// `linesman verify`: store::verify's report, one line per hour file, then each
// problem on its own line so `grep -v '^ '` gives the per-file summary.
#include "query/cli.h"
#include "query/commands.h"
#include "store/verify.h"

namespace linesman::query {

int run_verify(const std::string &dir, std::ostream &out, std::ostream &err)
{
	auto rep = store::verify(dir);
	if (!rep) {
		err << "linesman: " << rep.error().what() << '\n';
		return kExitStore;
	}
	if (rep->files.empty()) {
		out << "no hour files in " << store::resolve_events_dir(dir) << '\n';
		return kExitOk;
	}
	uint64_t events = 0;
	size_t problems = 0;
	for (const store::FileCheck &f : rep->files) {
		std::string name = f.path.substr(f.path.rfind('/') + 1);
		out << name << "  " << f.events << " events";
		if (f.events)
			out << "  seq " << f.first_seq << ".." << f.last_seq;
		out << "  " << (f.problems.empty() ? "ok" : "FAILED") << '\n';
		for (const store::Problem &p : f.problems)
			out << "  " << store::describe(p) << '\n';
		for (const std::string &note : f.notes)
			out << "  note: " << note << '\n';
		events += f.events;
		problems += f.problems.size();
	}
	out << rep->files.size() << (rep->files.size() == 1 ? " file, " : " files, ") << events
	    << " events: ";
	if (problems == 0) {
		out << "ok\n";
		return kExitOk;
	}
	out << problems << (problems == 1 ? " problem\n" : " problems\n");
	return kExitNoMatch;
}

} // namespace linesman::query
